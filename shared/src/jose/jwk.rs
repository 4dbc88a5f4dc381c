//! JSON Web Keys ([RFC 7517](https://www.rfc-editor.org/rfc/rfc7517)) a provider publishes at its
//! `jwks_uri`: RSA (RFC 7518 §6.3.1, at least 2048 bits), EC P-256 (§6.2.1) and Ed25519 OKP
//! (RFC 8037 §2). A key of another type, curve or use is skipped, not an error: a provider may
//! publish encryption keys or algorithms this crate does not verify beside the ones it needs.
use serde::Deserialize;
use serde_json::Value;

use super::Alg;
use crate::b64;

/// The public key material of one JWK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// RSA modulus and exponent, big-endian.
    Rsa {
        /// `n`
        n: Vec<u8>,
        /// `e`
        e: Vec<u8>,
    },
    /// An uncompressed P-256 point.
    P256 {
        /// `x`
        x: [u8; 32],
        /// `y`
        y: [u8; 32],
    },
    /// An Ed25519 public key.
    Ed25519([u8; 32]),
}

/// One usable signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// `kid`
    pub kid: Option<String>,
    /// `alg`, when the key is bound to one.
    pub alg: Option<String>,
    /// The key.
    pub material: Material,
}

/// The usable keys of a JWK Set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    /// Keys that can verify a signature here, in document order.
    pub keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Raw {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

impl JwkSet {
    /// The usable keys of a JWK Set document; `None` when it is not one (`{"keys": [...]}`).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let doc: Value = serde_json::from_slice(body).ok()?;
        let keys = doc.get("keys")?.as_array()?;
        Some(Self {
            keys: keys
                .iter()
                .filter_map(|k| serde_json::from_value::<Raw>(k.clone()).ok())
                .filter_map(Jwk::from_raw)
                .collect(),
        })
    }
}

impl Jwk {
    fn from_raw(raw: Raw) -> Option<Self> {
        if raw.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        let bytes = |v: &Option<String>| v.as_deref().and_then(b64::url_decode);
        let fixed = |v: &Option<String>| -> Option<[u8; 32]> { bytes(v)?.try_into().ok() };
        let material = match (raw.kty.as_str(), raw.crv.as_deref()) {
            ("RSA", _) => {
                let n = bytes(&raw.n)?;
                let e = bytes(&raw.e)?;
                // RFC 7518 §3.3: keys of 2048 bits or more; a leading zero byte is not a bit.
                let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
                if bits < 2048 || e.is_empty() {
                    return None;
                }
                Material::Rsa { n, e }
            }
            ("EC", Some("P-256")) => Material::P256 {
                x: fixed(&raw.x)?,
                y: fixed(&raw.y)?,
            },
            ("OKP", Some("Ed25519")) => Material::Ed25519(fixed(&raw.x)?),
            _ => return None,
        };
        Some(Self {
            kid: raw.kid,
            alg: raw.alg,
            material,
        })
    }

    /// Whether this key may verify `alg`: its type matches, and its own `alg` (if named) too.
    pub fn fits(&self, alg: Alg) -> bool {
        let kind = matches!(
            (&self.material, alg),
            (Material::Rsa { .. }, Alg::Rs256 | Alg::Ps256)
                | (Material::P256 { .. }, Alg::Es256)
                | (Material::Ed25519(_), Alg::EdDsa)
        );
        kind && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
    }
}
