//! AES-256-GCM sealing of what the Worker hands to the browser (the tx cookie) and to KV (sessions).
//!
//! A sealed value is `base64url(nonce ‖ ciphertext ‖ tag)` with a fresh random 96-bit nonce
//! ([NIST SP 800-38D §8.2.2](https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf)).
//! The [`Purpose`] is the associated data, so a value sealed as a transaction cannot be opened as a
//! session and the other way round. The nonce is an argument: the caller draws it.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use oauth_edge_shared::b64;

/// The length of a GCM nonce in bytes.
pub(crate) const NONCE_LEN: usize = 12;

/// The 256-bit key from `SESSION_KEY`. Its `Debug` never prints it.
#[derive(Clone)]
pub(crate) struct SealKey([u8; 32]);

impl SealKey {
    /// Wraps raw key bytes.
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

impl core::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SealKey([redacted])")
    }
}

/// What a sealed value is for; bound in as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The pending-login cookie.
    Transaction,
    /// A session record in KV.
    Session,
    /// A client-credentials token cached in KV (API proxy).
    ClientToken,
}

impl Purpose {
    fn aad(self) -> &'static [u8] {
        match self {
            Self::Transaction => b"oauth-edge/tx/v1",
            Self::Session => b"oauth-edge/session/v1",
            Self::ClientToken => b"oauth-edge/client-token/v1",
        }
    }
}

/// Seals `plaintext` under `key` with `nonce` (which must never repeat under one key).
pub(crate) fn seal(
    key: &SealKey,
    purpose: Purpose,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> String {
    let payload = Payload {
        msg: plaintext,
        aad: purpose.aad(),
    };
    // Encryption fails only for inputs beyond GCM's 64 GiB limit.
    let ciphertext = key
        .cipher()
        .encrypt(Nonce::from_slice(&nonce), payload)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    b64::url_encode(&out)
}

/// Opens a sealed value; `None` when it is malformed, was sealed under another key or purpose,
/// or was tampered with.
pub(crate) fn open(key: &SealKey, purpose: Purpose, sealed: &str) -> Option<Vec<u8>> {
    let bytes = b64::url_decode(sealed)?;
    if bytes.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    key.cipher()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: purpose.aad(),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SealKey {
        SealKey::new([b; 32])
    }

    #[test]
    fn round_trip() {
        let sealed = seal(&key(1), Purpose::Session, b"{\"a\":1}", [7; 12]);
        assert!(!sealed.contains("a\":1"));
        assert_eq!(
            open(&key(1), Purpose::Session, &sealed).as_deref(),
            Some(&b"{\"a\":1}"[..])
        );
    }

    /// NIST GCM test case 13 (256-bit zero key, zero IV, empty plaintext): tag only.
    #[test]
    fn nist_gcm_test_case_13() {
        let cipher = Aes256Gcm::new(&[0u8; 32].into());
        let tag = cipher
            .encrypt(Nonce::from_slice(&[0; 12]), &b""[..])
            .unwrap();
        assert_eq!(
            tag,
            [
                0x53, 0x0f, 0x8a, 0xfb, 0xc7, 0x45, 0x36, 0xb9, 0xa9, 0x63, 0xb4, 0xf1, 0xc4, 0xcb,
                0x73, 0x8b
            ]
        );
    }

    #[test]
    fn wrong_key_purpose_or_tampering_fails() {
        let sealed = seal(&key(1), Purpose::Transaction, b"hello", [9; 12]);
        assert!(open(&key(2), Purpose::Transaction, &sealed).is_none());
        assert!(open(&key(1), Purpose::Session, &sealed).is_none());
        let mut bytes = b64::url_decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(open(&key(1), Purpose::Transaction, &b64::url_encode(&bytes)).is_none());
        assert!(open(&key(1), Purpose::Transaction, "not base64!").is_none());
        assert!(open(&key(1), Purpose::Transaction, "AAAA").is_none());
    }

    #[test]
    fn nonce_is_in_front_and_differs() {
        let a = seal(&key(1), Purpose::Session, b"x", [1; 12]);
        let b = seal(&key(1), Purpose::Session, b"x", [2; 12]);
        assert_ne!(a, b);
        assert_eq!(&b64::url_decode(&a).unwrap()[..12], &[1; 12]);
    }

    #[test]
    fn debug_redacts() {
        assert_eq!(format!("{:?}", key(3)), "SealKey([redacted])");
    }
}
