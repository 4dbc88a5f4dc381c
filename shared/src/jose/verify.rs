//! The signature check of each [`Alg`], by the RustCrypto crate that implements it.
// (`signature::Verifier`: one trait, re-exported by each crate.)
use ed25519_dalek::Verifier as _;
use rsa::BoxedUint;
use sha2::Sha256;

use super::jwk::Material;
use super::Alg;

/// Whether `signature` over `input` verifies with `key` under `alg` (the caller matched the key
/// to the algorithm; a mismatch is simply `false`).
pub(super) fn verify(alg: Alg, key: &Material, input: &[u8], signature: &[u8]) -> bool {
    match (alg, key) {
        (Alg::Rs256 | Alg::Ps256, Material::Rsa { n, e }) => {
            let Ok(key) = rsa::PublicKey::new(
                BoxedUint::from_be_slice_vartime(n),
                BoxedUint::from_be_slice_vartime(e),
            ) else {
                return false;
            };
            if alg == Alg::Rs256 {
                let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
                    return false;
                };
                rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
                    .verify(input, &sig)
                    .is_ok()
            } else {
                let Ok(sig) = rsa::pss::Signature::try_from(signature) else {
                    return false;
                };
                // RFC 7518 §3.5: the salt is as long as the hash.
                rsa::pss::VerifyingKey::<Sha256>::new_with_salt_len(key, 32)
                    .verify(input, &sig)
                    .is_ok()
            }
        }
        (Alg::Es256, Material::P256 { x, y }) => {
            let mut sec1 = [0u8; 65];
            sec1[0] = 4;
            sec1[1..33].copy_from_slice(x);
            sec1[33..].copy_from_slice(y);
            let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1) else {
                return false;
            };
            // RFC 7518 §3.4: R and S, 32 bytes each (not DER).
            let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else {
                return false;
            };
            key.verify(input, &sig).is_ok()
        }
        (Alg::EdDsa, Material::Ed25519(x)) => {
            let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(x) else {
                return false;
            };
            let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                return false;
            };
            key.verify_strict(input, &sig).is_ok()
        }
        _ => false,
    }
}
