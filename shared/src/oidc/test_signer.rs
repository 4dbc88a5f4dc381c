//! The trusted key of the OpenID Connect unit tests: an Ed25519 key, its JWK Set (`kid` `k1`),
//! and compact JWS made with it — so claim checks run behind a valid signature.
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

use crate::b64;
use crate::jose::JwkSet;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// The JWK Set that holds the key.
pub(crate) fn keys() -> JwkSet {
    let x = b64::url_encode(key().verifying_key().as_bytes());
    let doc = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": x}]});
    JwkSet::parse(doc.to_string().as_bytes()).expect("a JWK set")
}

/// A JWS of `claims` with `header`, signed by the key.
pub(crate) fn sign(header: Value, claims: Value) -> String {
    let input = format!(
        "{}.{}",
        b64::url_encode(header.to_string().as_bytes()),
        b64::url_encode(claims.to_string().as_bytes())
    );
    let sig = key().sign(input.as_bytes());
    format!("{input}.{}", b64::url_encode(&sig.to_bytes()))
}
