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

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn state_has_at_least_128_bits() {
        let s = State::from_entropy(&[0xAB; 32]);
        assert_eq!(s.as_str().len(), 43);
        assert_ne!(s, State::from_entropy(&[0xAC; 32]));
    }
}
