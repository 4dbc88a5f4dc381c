//! base64url without padding (RFC 4648 §5), the encoding of PKCE values, state and session ids.
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// Encodes bytes as base64url without padding.
pub fn url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; `None` when the text is not valid.
pub fn url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Encodes bytes as standard base64 with padding (HTTP Basic, MAC signatures).
pub fn std_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64 with padding; `None` when the text is not valid.
pub fn std_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}
