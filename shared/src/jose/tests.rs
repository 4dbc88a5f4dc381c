//! Spec vectors (RFC 8037 A.4 Ed25519, RFC 7515 A.3 ES256), RSA signatures made by Node's OpenSSL
//! (`testdata/make.mjs`), and the attacks a JWS verifier must refuse.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{json, Value};

use super::*;

const ALL: &[Alg] = &[Alg::Rs256, Alg::Ps256, Alg::Es256, Alg::EdDsa];

fn set(value: Value) -> JwkSet {
    JwkSet::parse(value.to_string().as_bytes()).expect("a JWK set")
}

fn verify(token: &str, keys: &JwkSet, allowed: &[Alg]) -> Result<Alg, JoseError> {
    Jws::decode(token)?.verify(keys, allowed)
}

/// RFC 8037 Appendix A.4 (the key of A.2, the JWS of A.4).
const ED_TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

fn ed_key() -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
}

/// RFC 7515 Appendix A.3.
const ES_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

fn es_key() -> Value {
    json!({"kty": "EC", "crv": "P-256",
           "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
           "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
}

fn node(alg: &str) -> (JwkSet, String) {
    let all: Value = serde_json::from_str(include_str!("testdata/vectors.json")).unwrap();
    let v = &all[alg];
    (
        set(v["jwks"].clone()),
        v["token"].as_str().unwrap().to_owned(),
    )
}

/// `token` with its signature's first byte flipped.
fn tampered(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig = b64::url_decode(sig).unwrap();
    sig[0] ^= 1;
    format!("{input}.{}", b64::url_encode(&sig))
}

#[test]
fn rfc8037_a4_ed25519() {
    let keys = set(json!({"keys": [ed_key()]}));
    assert_eq!(verify(ED_TOKEN, &keys, ALL), Ok(Alg::EdDsa));
    let jws = Jws::decode(ED_TOKEN).unwrap();
    assert_eq!(jws.payload, b"Example of Ed25519 signing");
    assert_eq!(
        verify(&tampered(ED_TOKEN), &keys, ALL),
        Err(JoseError::BadSignature)
    );
}

#[test]
fn rfc7515_a3_es256() {
    let keys = set(json!({"keys": [es_key()]}));
    assert_eq!(verify(ES_TOKEN, &keys, ALL), Ok(Alg::Es256));
    assert_eq!(
        verify(&tampered(ES_TOKEN), &keys, ALL),
        Err(JoseError::BadSignature)
    );
}

#[test]
fn rsa_signatures_made_by_openssl() {
    for (name, alg) in [("RS256", Alg::Rs256), ("PS256", Alg::Ps256)] {
        let (keys, token) = node(name);
        assert_eq!(verify(&token, &keys, ALL), Ok(alg), "{name}");
        assert_eq!(
            verify(&tampered(&token), &keys, ALL),
            Err(JoseError::BadSignature),
            "{name}"
        );
    }
    // The same RSA key cannot verify the other padding.
    let (rs_keys, _) = node("RS256");
    let (_, ps_token) = node("PS256");
    assert_eq!(
        verify(&ps_token, &rs_keys, ALL),
        Err(JoseError::UnknownKey),
        "the PS256 token names its own kid"
    );
}

#[test]
fn keys_below_2048_bits_are_not_used() {
    let (keys, token) = node("small");
    assert!(keys.keys.is_empty());
    assert_eq!(verify(&token, &keys, ALL), Err(JoseError::UnknownKey));
}

/// OpenID RP test `oidcc-client-test-idtoken-sig-none` and the HMAC confusion.
#[test]
fn none_and_hmac_are_refused_before_any_key() {
    let keys = set(json!({"keys": [ed_key(), es_key()]}));
    let payload = ED_TOKEN.split('.').nth(1).unwrap();
    let none = format!("{}.{payload}.", b64::url_encode(br#"{"alg":"none"}"#));
    assert_eq!(
        verify(&none, &keys, ALL),
        Err(JoseError::AlgNotAllowed("none".into()))
    );
    // HS256 keyed with the provider's public key (the key confusion attack).
    use hmac::{KeyInit, Mac};
    let header = b64::url_encode(br#"{"alg":"HS256"}"#);
    let input = format!("{header}.{payload}");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(
        &b64::url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap(),
    )
    .unwrap();
    mac.update(input.as_bytes());
    let hs = format!("{input}.{}", b64::url_encode(&mac.finalize().into_bytes()));
    assert_eq!(
        verify(&hs, &keys, ALL),
        Err(JoseError::AlgNotAllowed("HS256".into()))
    );
    // An algorithm the provider does not list is refused like `none`.
    assert_eq!(
        verify(ED_TOKEN, &keys, &[Alg::Rs256]),
        Err(JoseError::AlgNotAllowed("EdDSA".into()))
    );
}

#[test]
fn keys_are_chosen_by_kid_and_type() {
    let mut other = es_key();
    other["kid"] = "other".into();
    let with_kid = |kid: &str| {
        let mut k = es_key();
        k["kid"] = kid.into();
        k
    };
    // No kid in the header, several keys (RP test `kid-absent-multiple-jwks`): each is tried.
    let keys = set(json!({"keys": [ed_key(), with_kid("a"), with_kid("b")]}));
    assert_eq!(verify(ES_TOKEN, &keys, ALL), Ok(Alg::Es256));
    // A kid that names no key: the caller may refetch the set.
    let header = b64::url_encode(br#"{"alg":"ES256","kid":"c"}"#);
    let rest = ES_TOKEN.split_once('.').unwrap().1;
    let token = format!("{header}.{rest}");
    assert_eq!(verify(&token, &keys, ALL), Err(JoseError::UnknownKey));
    // A key bound to another alg, or for encryption, is not used.
    let mut enc = es_key();
    enc["use"] = "enc".into();
    let mut bound = es_key();
    bound["alg"] = "ES384".into();
    let keys = set(json!({"keys": [enc, bound, {"kty": "oct", "k": "AAAA"}]}));
    assert_eq!(verify(ES_TOKEN, &keys, ALL), Err(JoseError::UnknownKey));
}

#[test]
fn malformed_tokens() {
    let keys = set(json!({"keys": [ed_key()]}));
    for bad in [
        "",
        "a.b",
        "a.b.c.d",
        "!!.e30.AA",
        "e30.e30.AA",     // no alg
        "WyJhIl0.e30.AA", // header is an array
        &format!(
            "{}.e30.AA",
            b64::url_encode(br#"{"alg":"EdDSA","crit":["exp"]}"#)
        ), // crit
    ] {
        assert_eq!(
            Jws::decode(bad).and_then(|j| j.verify(&keys, ALL)),
            Err(JoseError::Malformed),
            "{bad}"
        );
    }
    assert!(JwkSet::parse(b"[]").is_none());
    assert!(JwkSet::parse(b"{\"keys\": 1}").is_none());
}
