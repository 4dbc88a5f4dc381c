//! The `state` parameter ([RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)):
//! 256 bits from the caller's random source, base64url-encoded, compared in constant time.
use crate::{b64, pkce::constant_time_eq};

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

    /// Whether a returned `state` equals this one (constant time).
    pub fn matches(&self, returned: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), returned.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn state_has_at_least_128_bits_and_matches_itself_only() {
        let s = State::from_entropy(&[0xAB; 32]);
        assert_eq!(s.as_str().len(), 43);
        assert!(s.matches(s.as_str()));
        assert!(!s.matches(State::from_entropy(&[0xAC; 32]).as_str()));
        assert!(!s.matches(""));
    }
}
