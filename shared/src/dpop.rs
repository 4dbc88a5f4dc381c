//! DPoP, [RFC 9449](https://www.rfc-editor.org/rfc/rfc9449): the Worker proves possession of a
//! per-session P-256 key on every token request and every API call, so a token that leaks (from
//! a log, a proxy, the provider's database) is useless without the key — which never leaves the
//! Worker (sealed in the session record). ES256 only: every DPoP server supports it.
//!
//! Signing is deterministic ECDSA (RFC 6979), so no randomness is needed beyond the key itself
//! and each proof's `jti`, both handed in by the shell.
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::b64;
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::{AccessToken, DpopSecret};
use crate::UnixTime;

/// The proof header (§4.1).
pub const HEADER: &str = "DPoP";
/// The header a server sends a nonce in (§8, §9).
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// A session's DPoP key.
pub struct DpopKey(SigningKey);

impl DpopKey {
    /// The key made from 32 random bytes; `None` in the (2^-128) case they are not a valid scalar.
    pub fn from_entropy(entropy: &[u8; 32]) -> Option<Self> {
        SigningKey::from_slice(entropy).ok().map(Self)
    }

    /// The key as stored in the session record.
    pub fn secret(&self) -> DpopSecret {
        DpopSecret::new(b64::url_encode(&self.0.to_bytes()))
    }

    /// The key of a session record.
    pub fn from_secret(secret: &DpopSecret) -> Option<Self> {
        let bytes = b64::url_decode(secret.expose())?;
        SigningKey::from_slice(&bytes).ok().map(Self)
    }

    /// The public key as a JWK (§4.2: in the proof's header).
    pub fn public_jwk(&self) -> Value {
        let point = self.0.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes();
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": b64::url_encode(&bytes[1..33]),
            "y": b64::url_encode(&bytes[33..65]),
        })
    }

    /// Its JWK thumbprint (RFC 7638, SHA-256): what a bound token's `cnf.jkt` names.
    pub fn thumbprint(&self) -> String {
        let jwk = self.public_jwk();
        // RFC 7638 §3.2: the required members, lexicographic order, no white space.
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap_or_default(),
            jwk["y"].as_str().unwrap_or_default()
        );
        b64::url_encode(&Sha256::digest(canonical.as_bytes()))
    }

    /// A proof for `request` (its method and URL without query or fragment, §4.2) at `now`;
    /// `jti` from 16 or more random bytes; the server's `nonce` if it asked for one; for a
    /// resource request, the access token it carries (`ath`).
    pub fn proof(
        &self,
        request: &HttpRequest,
        now: UnixTime,
        jti: &[u8],
        nonce: Option<&str>,
        access_token: Option<&AccessToken>,
    ) -> String {
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.public_jwk()});
        let mut claims = json!({
            "jti": b64::url_encode(jti),
            "htm": request.method.as_str(),
            "htu": htu(&request.url),
            "iat": now,
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        if let Some(token) = access_token {
            claims["ath"] = b64::url_encode(&Sha256::digest(token.expose().as_bytes())).into();
        }
        let input = format!(
            "{}.{}",
            b64::url_encode(header.to_string().as_bytes()),
            b64::url_encode(claims.to_string().as_bytes())
        );
        let signature: Signature = self.0.sign(input.as_bytes());
        format!("{input}.{}", b64::url_encode(&signature.to_bytes()))
    }
}

impl core::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DpopKey([redacted])")
    }
}

/// The `htu` of a URL: without its query and fragment (§4.2).
pub fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The nonce a server asks for (§8: `400 use_dpop_nonce` at a token endpoint; §9: `401` with a
/// `DPoP error="use_dpop_nonce"` challenge at a resource), when it asks for one.
pub fn nonce_requested(response: &HttpResponse) -> Option<String> {
    let nonce = response.header(NONCE_HEADER)?.to_owned();
    let in_body = || {
        serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
            .is_some_and(|e| e == "use_dpop_nonce")
    };
    let in_challenge = || {
        response
            .header("www-authenticate")
            .is_some_and(|h| h.contains("use_dpop_nonce"))
    };
    ((response.status == 400 && in_body()) || (response.status == 401 && in_challenge()))
        .then_some(nonce)
}

/// Adds a proof to a token request (a code exchange or a refresh).
pub fn sign_token_request(
    request: &mut HttpRequest,
    key: &DpopKey,
    now: UnixTime,
    jti: &[u8],
    nonce: Option<&str>,
) {
    let proof = key.proof(request, now, jti, nonce, None);
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(HEADER));
    request.headers.push((HEADER.into(), proof));
}

/// Authenticates a resource request with a DPoP-bound token (§7.1): `Authorization: DPoP <token>`
/// and a proof carrying the token's hash.
pub fn authorize_resource_request(
    request: &mut HttpRequest,
    token: &AccessToken,
    key: &DpopKey,
    now: UnixTime,
    jti: &[u8],
    nonce: Option<&str>,
) {
    request.headers.retain(|(n, _)| {
        !n.eq_ignore_ascii_case("authorization") && !n.eq_ignore_ascii_case(HEADER)
    });
    let proof = key.proof(request, now, jti, nonce, Some(token));
    request
        .headers
        .push(("Authorization".into(), format!("DPoP {}", token.expose())));
    request.headers.push((HEADER.into(), proof));
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::http::Method;
    use crate::jose::{Alg, JwkSet, Jws};

    fn key() -> DpopKey {
        DpopKey::from_entropy(&[9; 32]).unwrap()
    }

    fn request() -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            url: "https://server.example.com/token?x=1#f".into(),
            headers: vec![],
            body: vec![],
        }
    }

    #[test]
    fn a_proof_verifies_with_its_own_jwk_and_names_the_request() {
        let k = key();
        let token = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
        let proof = k.proof(
            &request(),
            1_800_000_000,
            &[1; 16],
            Some("n-1"),
            Some(&token),
        );
        let jws = Jws::decode(&proof).unwrap();
        let header: Value =
            serde_json::from_slice(&b64::url_decode(proof.split('.').next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        let keys = JwkSet::parse(
            json!({"keys": [header["jwk"].clone()]})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(jws.verify(&keys, &[Alg::Es256]), Ok(Alg::Es256));
        let claims: Value = serde_json::from_slice(&jws.payload).unwrap();
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://server.example.com/token");
        assert_eq!(claims["iat"], 1_800_000_000);
        assert_eq!(claims["nonce"], "n-1");
        // RFC 9449 §4.3's example: this access token's hash.
        assert_eq!(claims["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
        assert!(
            header["jwk"].get("d").is_none(),
            "the private key stays out"
        );
    }

    #[test]
    fn the_key_round_trips_through_the_record_and_has_a_thumbprint() {
        let k = key();
        let back = DpopKey::from_secret(&k.secret()).unwrap();
        assert_eq!(back.public_jwk(), k.public_jwk());
        assert_eq!(k.thumbprint().len(), 43);
        assert_eq!(format!("{k:?}"), "DpopKey([redacted])");
        assert!(
            DpopKey::from_entropy(&[0; 32]).is_none(),
            "zero is no scalar"
        );
    }

    #[test]
    fn nonce_requests() {
        let answer = |status, headers: Vec<(&str, &str)>, body: &str| HttpResponse {
            status,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        let token_ep = answer(
            400,
            vec![("dpop-nonce", "eyJ7S_zG")],
            r#"{"error": "use_dpop_nonce"}"#,
        );
        assert_eq!(nonce_requested(&token_ep).as_deref(), Some("eyJ7S_zG"));
        let api = answer(
            401,
            vec![
                ("www-authenticate", r#"DPoP error="use_dpop_nonce""#),
                ("DPoP-Nonce", "n2"),
            ],
            "",
        );
        assert_eq!(nonce_requested(&api).as_deref(), Some("n2"));
        let other = answer(
            400,
            vec![("dpop-nonce", "x")],
            r#"{"error": "invalid_grant"}"#,
        );
        assert_eq!(nonce_requested(&other), None);
    }

    #[test]
    fn resource_requests_carry_the_token_as_dpop() {
        let mut r = request();
        r.headers
            .push(("Authorization".into(), "Bearer old".into()));
        authorize_resource_request(&mut r, &AccessToken::new("at"), &key(), 1, &[2; 16], None);
        assert_eq!(r.header("authorization"), Some("DPoP at"));
        assert!(r.header("dpop").is_some());
        assert_eq!(r.headers.len(), 2);
    }
}
