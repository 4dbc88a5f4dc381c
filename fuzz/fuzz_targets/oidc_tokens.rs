//! OpenID Connect's inputs from a provider: JWS compact tokens (`jose::Jws`), JWK Sets, discovery
//! metadata, ID tokens and logout tokens (`oidc::*`), and DPoP nonce requests.
//!
//! The input is read four ways: as a token to decode and verify against a fixed key set; as a JWK
//! Set document and as a metadata document; and as the claims of an ID token and of a logout token
//! *signed with the key the checks trust*, so the claim checks run behind a valid signature and
//! their invariants can be asserted: whatever passes names the expected issuer and audience, is
//! fresh, carries the nonce, and (for a logout token) the event and no nonce.
#![no_main]
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{text, NOW};
use oauth_edge_shared::b64;
use oauth_edge_shared::dpop::nonce_requested;
use oauth_edge_shared::http::HttpResponse;
use oauth_edge_shared::jose::{Alg, JwkSet, Jws};
use oauth_edge_shared::oidc::discovery::{parse_metadata, DiscoveryError};
use oauth_edge_shared::oidc::id_token::{self, Expected, CLOCK_SKEW};
use oauth_edge_shared::oidc::logout_token::{self, BACKCHANNEL_LOGOUT_EVENT, MAX_AGE};
use serde_json::{json, Value};

const ISSUER: &str = "https://op.example";
const CLIENT: &str = "app";
const ALL: &[Alg] = &[Alg::Rs256, Alg::Ps256, Alg::Es256, Alg::EdDsa];

fn key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

fn keys() -> JwkSet {
    let x = b64::url_encode(key().verifying_key().as_bytes());
    let doc = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": x}]});
    JwkSet::parse(doc.to_string().as_bytes()).expect("the fixed key set")
}

fn signed(typ: &str, claims: &str) -> String {
    let header = json!({"alg": "EdDSA", "kid": "k", "typ": typ});
    let input = format!(
        "{}.{}",
        b64::url_encode(header.to_string().as_bytes()),
        b64::url_encode(claims.as_bytes())
    );
    let sig = key().sign(input.as_bytes());
    format!("{input}.{}", b64::url_encode(&sig.to_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let keys = keys();

    // Any text as a token: decoding and verifying never panic, and only the trusted key verifies
    // (the fuzzer cannot forge an Ed25519 signature).
    if let Ok(jws) = Jws::decode(&input) {
        if let Ok(alg) = jws.verify(&keys, ALL) {
            assert_eq!(alg, Alg::EdDsa);
        }
    }

    // As documents.
    if let Some(set) = JwkSet::parse(input.as_bytes()) {
        for k in &set.keys {
            assert!(ALL.iter().any(|a| k.fits(*a)) || k.alg.is_some());
        }
    }
    let answer = HttpResponse {
        status: 200,
        headers: vec![("DPoP-Nonce".into(), "n".into())],
        body: input.as_bytes().to_vec(),
    };
    match parse_metadata(ISSUER, &answer) {
        Ok(meta) => assert_eq!(meta.issuer, ISSUER),
        Err(DiscoveryError::IssuerMismatch(other)) => assert_ne!(other, ISSUER),
        Err(_) => {}
    }
    let _ = nonce_requested(&HttpResponse {
        status: 400,
        ..answer.clone()
    });

    // As the claims of an ID token signed with the trusted key.
    let expected = Expected {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: Some("n-1"),
        algs: ALL,
        now: NOW,
    };
    if let Ok(valid) = id_token::validate(&signed("JWT", &input), &keys, &expected) {
        let c = &valid.claims;
        assert_eq!(c.get("iss").and_then(Value::as_str), Some(ISSUER));
        let aud = c.get("aud").unwrap();
        assert!(
            aud == CLIENT
                || aud
                    .as_array()
                    .is_some_and(|a| a.iter().all(|x| x == CLIENT))
        );
        assert!(c["exp"].as_u64().unwrap() + CLOCK_SKEW > NOW);
        assert!(c["iat"].as_u64().unwrap() <= NOW + CLOCK_SKEW);
        assert_eq!(c.get("nonce").and_then(Value::as_str), Some("n-1"));
        assert!(!valid.sub().is_empty());
        assert!(!valid.user_claims().contains_key("nonce"));
    }

    // As the claims of a logout token signed with the trusted key.
    let token = signed("logout+jwt", &input);
    if let Ok(valid) = logout_token::validate(&token, &keys, ISSUER, CLIENT, ALL, NOW) {
        let claims: Value = serde_json::from_str(&input).unwrap();
        assert_eq!(claims["iss"], ISSUER);
        assert!(claims.get("nonce").is_none());
        assert!(claims["events"][BACKCHANNEL_LOGOUT_EVENT].is_object());
        assert!(valid.sub.is_some() || valid.sid.is_some());
        assert!(!valid.jti.is_empty());
        assert!(NOW - valid.iat <= MAX_AGE);
    }
});
