//! base64 (`b64`): base64url without padding (PKCE, state, session ids) and standard base64
//! with padding (Basic, MAC). Decoding is strict: what decodes re-encodes to the same text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_shared::b64;

fuzz_target!(|data: &[u8]| {
    assert_eq!(
        b64::url_decode(&b64::url_encode(data)).as_deref(),
        Some(data)
    );
    assert_eq!(
        b64::std_decode(&b64::std_encode(data)).as_deref(),
        Some(data)
    );
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(bytes) = b64::url_decode(text) {
        assert_eq!(b64::url_encode(&bytes), text, "base64url is not canonical");
    }
    if let Some(bytes) = b64::std_decode(text) {
        assert_eq!(b64::std_encode(&bytes), text, "base64 is not canonical");
    }
});
