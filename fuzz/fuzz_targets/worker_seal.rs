//! Sealing round trip (edge-worker/src/seal.rs): what `seal` makes, `open` gives back, byte for
//! byte, under the same purpose and location, also once the key has become the previous one of a
//! rotation; and nothing else opens it: another key, purpose or location, or any single change to
//! the sealed text (a character replaced, dropped or added) or to the bytes it encodes.
//!
//! Input: a byte choosing the purpose and key, 12 bytes of nonce, a byte choosing which
//! positions to alter, then the location on a line and the plaintext after it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, text, Bytes};
use oauth_edge_shared::b64;
use oauth_edge_worker::fuzzing::{open, seal, Keyring, PURPOSES};

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Up to about 48 positions below `len`: the first and last 16, and 16 spread between, shifted
/// by `salt`.
fn positions(len: usize, salt: usize) -> Vec<usize> {
    let mut at: Vec<usize> = (0..len.min(16)).collect();
    at.extend(len.saturating_sub(16)..len);
    if len > 0 {
        at.extend((0..16).map(|i| (i * len / 16 + salt) % len));
    }
    at.sort_unstable();
    at.dedup();
    at
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let choice = bytes.u8();
    let nonce: [u8; 12] = bytes.array();
    let salt = usize::from(bytes.u8());
    let [location, plaintext] = lines::<2>(bytes.0);
    let location = text(location);
    let purpose = PURPOSES[usize::from(choice % 3)];
    let root = [choice; 32];
    let keys = Keyring::new(root, None);

    let sealed = seal(&keys, purpose, &location, plaintext, nonce);
    let opens = |keys: &Keyring, text: &str| open(keys, purpose, &location, text);
    assert_eq!(opens(&keys, &sealed).as_deref(), Some(plaintext));
    let other_root = [choice.wrapping_add(1); 32];
    let rotated = Keyring::new(other_root, Some(root));
    assert_eq!(opens(&rotated, &sealed).as_deref(), Some(plaintext));
    assert_eq!(opens(&Keyring::new(other_root, None), &sealed), None);
    for other in PURPOSES.into_iter().filter(|p| *p != purpose) {
        assert_eq!(open(&keys, other, &location, &sealed), None);
    }
    assert_eq!(open(&keys, purpose, &format!("{location}/"), &sealed), None);
    if let Some(shorter) = location.get(..location.len().saturating_sub(1)) {
        if shorter != location {
            assert_eq!(open(&keys, purpose, shorter, &sealed), None);
        }
    }
    // A fresh nonce, a different sealed value.
    let mut nonce2 = nonce;
    nonce2[0] ^= 1;
    assert_ne!(seal(&keys, purpose, &location, plaintext, nonce2), sealed);

    // Any single change to the text.
    let chars = sealed.as_bytes();
    for i in positions(chars.len(), salt) {
        let mut changed = chars.to_vec();
        let start = usize::from(chars[i]) + salt;
        changed[i] = (1..=B64URL.len())
            .map(|k| B64URL[(start + k) % B64URL.len()])
            .find(|c| *c != chars[i])
            .expect("another base64url character");
        let changed = String::from_utf8(changed).expect("base64url is ASCII");
        assert_eq!(opens(&keys, &changed), None, "char {i} changed: {changed}");
        let mut dropped = chars.to_vec();
        dropped.remove(i);
        let dropped = String::from_utf8(dropped).expect("ASCII");
        assert_eq!(opens(&keys, &dropped), None, "char {i} dropped");
    }
    for extra in ["A", "=", "_"] {
        assert_eq!(opens(&keys, &format!("{sealed}{extra}")), None, "+{extra}");
        assert_eq!(opens(&keys, &format!("{extra}{sealed}")), None, "{extra}+");
    }
    // Any single changed byte of what the text encodes.
    let raw = b64::url_decode(&sealed).expect("sealed text is base64url");
    for i in positions(raw.len(), salt) {
        let mut changed = raw.clone();
        changed[i] ^= 1 << (salt % 8);
        assert_eq!(opens(&keys, &b64::url_encode(&changed)), None, "byte {i}");
    }
});
