//! AES-256-GCM sealing of what the Worker hands to the browser (the tx cookie) and keeps in
//! storage (sessions, client tokens), under a keyring that can rotate.
//!
//! - **A subkey per purpose**: each [`Purpose`] seals under its own key, derived from the root key
//!   (`SESSION_KEY`) with HKDF-SHA-256 ([RFC 5869](https://www.rfc-editor.org/rfc/rfc5869)), so a
//!   value of one purpose cannot be opened as another, and no key is used for two jobs.
//! - **Bound to where it lives**: the associated data names the purpose *and* the location — the
//!   KV key of a session, the cookie name of a transaction — so a sealed record copied under
//!   another KV key (by anyone who can write KV) does not open there (issue 6, finding 6).
//! - **Key ids**: a sealed value starts with a version byte and the 4-byte id of the root key that
//!   sealed it. New values are sealed under the current key (`SESSION_KEY`); values sealed under
//!   the previous one (`SESSION_KEY_PREVIOUS`) still open until they expire, so a key can be
//!   rotated without logging everyone out (README, "Rotating SESSION_KEY").
//!
//! Format: `base64url(0x02 ‖ key id[4] ‖ nonce[12] ‖ ciphertext ‖ tag[16])`, the nonce fresh and
//! random ([NIST SP 800-38D §8.2.2](https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf)),
//! drawn by the caller. AAD = `oauth-edge/<purpose>/v2 ‖ 0x00 ‖ location ‖ 0x00 ‖ header[5]`.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use oauth_edge_shared::b64;
use sha2::Sha256;

/// The length of a GCM nonce in bytes.
pub(crate) const NONCE_LEN: usize = 12;
/// The format version byte.
const VERSION: u8 = 2;
/// Version byte and key id.
const HEADER_LEN: usize = 5;
const TAG_LEN: usize = 16;
/// HKDF salt: fixed, public, names the application (RFC 5869 §3.1).
const SALT: &[u8] = b"oauth-edge seal";

/// What a sealed value is for; each has its own subkey and associated-data label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The pending-login cookie (location: the cookie name).
    Transaction,
    /// A session record in KV (location: its KV key).
    Session,
    /// A client-credentials token kept by the Worker (location: its storage key).
    ClientToken,
}

impl Purpose {
    const ALL: [Self; 3] = [Self::Transaction, Self::Session, Self::ClientToken];

    fn label(self) -> &'static [u8] {
        match self {
            Self::Transaction => b"oauth-edge/tx/v2",
            Self::Session => b"oauth-edge/session/v2",
            Self::ClientToken => b"oauth-edge/client-token/v2",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One root key's derived keys. Its `Debug` never prints them.
#[derive(Clone)]
struct RootKey {
    id: [u8; 4],
    subkeys: [[u8; 32]; 3],
    /// A key for keyed hashes (`Keyring::digest`), e.g. rate-limit keys that hold a user name.
    digest_key: [u8; 32],
}

impl RootKey {
    fn derive(root: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(SALT), root);
        let expand = |info: &[u8], out: &mut [u8]| {
            // Expanding 32 bytes or fewer never fails (the limit is 255 × 32).
            let _ = hk.expand(info, out);
        };
        let mut id = [0; 4];
        expand(b"oauth-edge/key-id", &mut id);
        let mut subkeys = [[0; 32]; 3];
        for purpose in Purpose::ALL {
            expand(purpose.label(), &mut subkeys[purpose.index()]);
        }
        let mut digest_key = [0; 32];
        expand(b"oauth-edge/digest/v1", &mut digest_key);
        Self {
            id,
            subkeys,
            digest_key,
        }
    }

    fn cipher(&self, purpose: Purpose) -> Aes256Gcm {
        Aes256Gcm::new(&self.subkeys[purpose.index()].into())
    }
}

/// The sealing keys: the current one (seals and opens) and, during a rotation, the previous one
/// (opens only). Its `Debug` never prints them.
#[derive(Clone)]
pub(crate) struct Keyring {
    current: RootKey,
    previous: Option<RootKey>,
}

impl Keyring {
    /// The keyring of root key `current` (and `previous`, while rotating).
    pub(crate) fn new(current: [u8; 32], previous: Option<[u8; 32]>) -> Self {
        Self {
            current: RootKey::derive(&current),
            previous: previous.map(|p| RootKey::derive(&p)),
        }
    }

    /// The current key's id, base64url (4 bytes).
    #[cfg(test)]
    pub(crate) fn current_id(&self) -> String {
        b64::url_encode(&self.current.id)
    }

    /// HMAC-SHA-256 of `data` under the current key's digest subkey, base64url: a stable name for
    /// something that must not be stored or shown in the clear (a user name in a rate-limit key).
    pub(crate) fn digest(&self, data: &[u8]) -> String {
        use hmac::{KeyInit as _, Mac};
        let mut mac = <hmac::Hmac<Sha256>>::new_from_slice(&self.current.digest_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(data);
        b64::url_encode(&mac.finalize().into_bytes())
    }

    fn by_id(&self, id: &[u8]) -> Option<&RootKey> {
        core::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| k.id == id)
    }
}

impl core::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Keyring([redacted])")
    }
}

fn aad(purpose: Purpose, location: &str, header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(purpose.label().len() + location.len() + 2 + header.len());
    aad.extend_from_slice(purpose.label());
    aad.push(0);
    aad.extend_from_slice(location.as_bytes());
    aad.push(0);
    aad.extend_from_slice(header);
    aad
}

/// Seals `plaintext` for `purpose` at `location` under the current key, with `nonce` (which must
/// never repeat under one key: draw it at random).
pub(crate) fn seal(
    keys: &Keyring,
    purpose: Purpose,
    location: &str,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> String {
    let key = &keys.current;
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&key.id);
    let aad = aad(purpose, location, &out);
    // Encryption fails only for inputs beyond GCM's 64 GiB limit.
    let ciphertext = key
        .cipher(purpose)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap_or_default();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    b64::url_encode(&out)
}

/// Opens a sealed value; `None` when it is malformed, was sealed under a key the keyring no longer
/// holds, for another purpose or location, or was tampered with.
pub(crate) fn open(
    keys: &Keyring,
    purpose: Purpose,
    location: &str,
    sealed: &str,
) -> Option<Vec<u8>> {
    let bytes = b64::url_decode(sealed)?;
    if bytes.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || bytes[0] != VERSION {
        return None;
    }
    let (header, rest) = bytes.split_at(HEADER_LEN);
    let key = keys.by_id(&header[1..])?;
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    key.cipher(purpose)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad(purpose, location, header),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(b: u8) -> Keyring {
        Keyring::new([b; 32], None)
    }

    #[test]
    fn round_trip() {
        let sealed = seal(
            &keys(1),
            Purpose::Session,
            "session:k",
            b"{\"a\":1}",
            [7; 12],
        );
        assert!(!sealed.contains("a\":1"));
        assert_eq!(
            open(&keys(1), Purpose::Session, "session:k", &sealed).as_deref(),
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

    /// RFC 5869 Appendix A.1 (HKDF-SHA-256, basic test case): the derivation the subkeys use.
    #[test]
    fn rfc5869_test_case_1() {
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut okm = [0; 42];
        Hkdf::<Sha256>::new(Some(&salt), &ikm)
            .expand(&info, &mut okm)
            .unwrap();
        assert_eq!(
            b64::url_encode(&okm),
            b64::url_encode(&[
                0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
                0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
                0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65
            ])
        );
    }

    #[test]
    fn wrong_key_purpose_location_or_tampering_fails() {
        let sealed = seal(&keys(1), Purpose::Transaction, "tx", b"hello", [9; 12]);
        assert!(open(&keys(1), Purpose::Transaction, "tx", &sealed).is_some());
        assert!(open(&keys(2), Purpose::Transaction, "tx", &sealed).is_none());
        assert!(open(&keys(1), Purpose::Session, "tx", &sealed).is_none());
        // Issue 6, finding 6: copied to another place, it does not open.
        assert!(open(&keys(1), Purpose::Transaction, "tx2", &sealed).is_none());
        let mut bytes = b64::url_decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(open(
            &keys(1),
            Purpose::Transaction,
            "tx",
            &b64::url_encode(&bytes)
        )
        .is_none());
        assert!(open(&keys(1), Purpose::Transaction, "tx", "not base64!").is_none());
        assert!(open(&keys(1), Purpose::Transaction, "tx", "AAAA").is_none());
        assert!(open(&keys(1), Purpose::Transaction, "tx", "").is_none());
    }

    #[test]
    fn the_previous_key_still_opens_during_a_rotation() {
        let old = seal(&keys(1), Purpose::Session, "s", b"old", [1; 12]);
        let rotated = Keyring::new([2; 32], Some([1; 32]));
        assert_eq!(
            open(&rotated, Purpose::Session, "s", &old).as_deref(),
            Some(&b"old"[..])
        );
        // New values are sealed under the new key only.
        let new = seal(&rotated, Purpose::Session, "s", b"new", [2; 12]);
        assert!(open(&keys(1), Purpose::Session, "s", &new).is_none());
        assert!(open(&keys(2), Purpose::Session, "s", &new).is_some());
        // Once the previous key is dropped, its values no longer open.
        assert!(open(&keys(2), Purpose::Session, "s", &old).is_none());
    }

    #[test]
    fn header_carries_version_and_key_id() {
        let k = keys(1);
        let a = seal(&k, Purpose::Session, "s", b"x", [1; 12]);
        let b = seal(&k, Purpose::Session, "s", b"x", [2; 12]);
        assert_ne!(a, b);
        let bytes = b64::url_decode(&a).unwrap();
        assert_eq!(bytes[0], 2);
        assert_eq!(b64::url_encode(&bytes[1..5]), k.current_id());
        assert_eq!(&bytes[5..17], &[1; 12]);
        assert_ne!(keys(1).current_id(), keys(2).current_id());
    }

    #[test]
    fn purposes_use_distinct_subkeys() {
        let k = RootKey::derive(&[7; 32]);
        assert_ne!(k.subkeys[0], k.subkeys[1]);
        assert_ne!(k.subkeys[1], k.subkeys[2]);
        assert_ne!(k.subkeys[0], [7; 32]);
        assert_ne!(k.digest_key, k.subkeys[0]);
    }

    #[test]
    fn digest_is_keyed() {
        assert_eq!(keys(1).digest(b"alice"), keys(1).digest(b"alice"));
        assert_ne!(keys(1).digest(b"alice"), keys(2).digest(b"alice"));
        assert_ne!(keys(1).digest(b"alice"), keys(1).digest(b"bob"));
    }

    #[test]
    fn debug_redacts() {
        assert_eq!(format!("{:?}", keys(3)), "Keyring([redacted])");
    }
}
