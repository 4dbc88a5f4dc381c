//! The `state` parameter ([RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)):
//! 256 bits from the caller's random source, base64url-encoded. A returned `state` is compared with
//! [`crate::transaction::state_matches`] (constant time), on the text both shells keep.
use crate::b64;

/// An opaque, unguessable value binding an authorization response to the request that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State(String);

impl State {
    /// Makes a state from 32 random bytes drawn by the caller (256 bits, above the 128 minimum).
    pub fn from_entropy(entropy: &[u8; 32]) -> Self {
        Self(b64::url_encode(entropy))
    }

    /// The state text sent in the authorization request.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `state` has the shape of a browser-made state: at least 128 bits as base64url (22
/// characters), at most 256 characters, nothing else (the Worker refuses other values at login).
pub fn is_well_formed(state: &str) -> bool {
    (22..=256).contains(&state.len())
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn state_shape() {
        assert!(is_well_formed(&"a".repeat(43)));
        assert!(is_well_formed(State::from_entropy(&[1; 32]).as_str()));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"a".repeat(257)));
        assert!(!is_well_formed(&format!("{}&x=1", "a".repeat(30))));
    }

    #[test]
    fn state_has_at_least_128_bits() {
        let s = State::from_entropy(&[0xAB; 32]);
        assert_eq!(s.as_str().len(), 43);
        assert_ne!(s, State::from_entropy(&[0xAC; 32]));
    }
}
