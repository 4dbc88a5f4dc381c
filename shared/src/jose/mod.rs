//! JSON Web Signatures in compact form ([RFC 7515 §7.1](https://www.rfc-editor.org/rfc/rfc7515#section-7.1))
//! verified against a JSON Web Key Set ([RFC 7517](https://www.rfc-editor.org/rfc/rfc7517)): what
//! an ID token and a logout token are. Verification only (the Worker never signs a JWS), with
//! RustCrypto's `rsa`, `p256` and `ed25519-dalek`; no hand-written cryptography.
//!
//! Strict by construction: the algorithm comes from a closed list ([`Alg`]: RS256, PS256, ES256,
//! EdDSA) intersected with what the caller allows (the provider's metadata), so `none` and every
//! HMAC algorithm are refused before any key is looked at — an HMAC "signature" keyed with a
//! public key (the classic confusion attack) cannot verify. A key is used only for the algorithm
//! family of its `kty` (and its `alg`, when the JWK names one), and only for signatures (`use`).
//! A header with `crit` is refused (RFC 7515 §4.1.11: no extension is understood here).
pub mod jwk;
mod verify;

use serde::Deserialize;

use crate::b64;
pub use jwk::{Jwk, JwkSet};

/// A JWS algorithm this crate verifies (RFC 7518 §3.1, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 (salt of 32 bytes).
    Ps256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl Alg {
    /// The algorithm named `name` (case-sensitive, as JOSE names are), if it is one of these.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "PS256" => Some(Self::Ps256),
            "ES256" => Some(Self::Es256),
            "EdDSA" => Some(Self::EdDsa),
            _ => None,
        }
    }

    /// Its JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The algorithms of a list of names (a provider's `id_token_signing_alg_values_supported`),
    /// keeping only those verified here; RS256 when the list is empty (OIDC Discovery §3: the
    /// default, which every OpenID Provider must support).
    pub fn allowed(names: &[String]) -> Vec<Self> {
        if names.is_empty() {
            return vec![Self::Rs256];
        }
        names.iter().filter_map(|n| Self::parse(n)).collect()
    }
}

/// Why a JWS was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoseError {
    /// Not three base64url parts, or a header or payload that is not a JSON object, or `crit`.
    Malformed,
    /// The header's `alg` is not one the caller allows (`none`, HMAC, or not in the metadata).
    AlgNotAllowed(String),
    /// No key of the set fits (its `kid` is unknown, or none is of the algorithm's type): the
    /// caller may fetch the key set again once, in case the provider rotated its keys.
    UnknownKey,
    /// A key fits, and the signature does not verify with it.
    BadSignature,
}

/// The protected header members this crate reads.
#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// A compact JWS, decoded and not yet verified.
#[derive(Debug)]
pub struct Jws<'a> {
    header: Header,
    /// The payload bytes.
    pub payload: Vec<u8>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Decodes `token` (`header.payload.signature`, base64url without padding).
    pub fn decode(token: &'a str) -> Result<Self, JoseError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JoseError::Malformed);
        };
        let decode = |part: &str| b64::url_decode(part).ok_or(JoseError::Malformed);
        // An object, not whatever serde would read a struct from (an array of its fields).
        let header = serde_json::from_slice::<serde_json::Value>(&decode(h)?)
            .ok()
            .filter(serde_json::Value::is_object)
            .and_then(|v| serde_json::from_value::<Header>(v).ok())
            .ok_or(JoseError::Malformed)?;
        if header.crit.is_some() {
            return Err(JoseError::Malformed);
        }
        Ok(Self {
            header,
            payload: decode(p)?,
            signing_input: &token[..h.len() + 1 + p.len()],
            signature: decode(s)?,
        })
    }

    /// The header's `alg`, as written.
    pub fn alg(&self) -> &str {
        &self.header.alg
    }

    /// The header's `typ`, if any.
    pub fn typ(&self) -> Option<&str> {
        self.header.typ.as_deref()
    }

    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// Verifies the signature with a key of `keys`, for an algorithm in `allowed`. Without a
    /// `kid`, every key of the algorithm's type is tried (OpenID RP test
    /// `kid-absent-multiple-jwks`).
    pub fn verify(&self, keys: &JwkSet, allowed: &[Alg]) -> Result<Alg, JoseError> {
        let alg = Alg::parse(&self.header.alg)
            .filter(|a| allowed.contains(a))
            .ok_or_else(|| JoseError::AlgNotAllowed(self.header.alg.clone()))?;
        let candidates: Vec<&Jwk> = keys
            .keys
            .iter()
            .filter(|k| k.fits(alg))
            .filter(|k| self.kid().is_none_or(|kid| k.kid.as_deref() == Some(kid)))
            .collect();
        if candidates.is_empty() {
            return Err(JoseError::UnknownKey);
        }
        let input = self.signing_input.as_bytes();
        if candidates
            .iter()
            .any(|k| verify::verify(alg, &k.material, input, &self.signature))
        {
            Ok(alg)
        } else {
            Err(JoseError::BadSignature)
        }
    }
}

#[cfg(test)]
mod tests;
