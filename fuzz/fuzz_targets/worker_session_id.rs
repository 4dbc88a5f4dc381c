//! The session cookie's value (`store::SessionId::parse` in edge-worker/src/store.rs), read from
//! a `Cookie` header the way the Worker reads it: an id is exactly 43 base64url characters (256
//! bits), kept as sent; its KV key is `session:` + base64url(SHA-256(id)), which never contains the
//! id. A fresh id (`SessionId::from_entropy`) always parses back.
//!
//! Input: the cookie value itself, and the whole input as a `Cookie` header; with 32 bytes or
//! more, its first 32 as the entropy of a fresh id.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::text;
use oauth_edge_shared::b64;
use oauth_edge_shared::cookie::cookie;
use oauth_edge_worker::fuzzing::{new_session_id, session_id, SESSION_COOKIE};

fn url_safe(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check(value: &str) {
    let parsed = session_id(value);
    assert_eq!(
        parsed.is_some(),
        value.len() == 43 && url_safe(value),
        "{value:?}"
    );
    if let Some(id) = parsed {
        assert_eq!(id.value, value);
        let digest = id.kv_key.strip_prefix("session:").expect("session: prefix");
        assert!(digest.len() == 43 && url_safe(digest));
        assert!(!id.kv_key.contains(value));
        // The same id, the same key (the store finds the session again).
        assert_eq!(session_id(value).map(|again| again.kv_key), Some(id.kv_key));
    }
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    check(&input);
    if let Some(value) = cookie(&input, SESSION_COOKIE).single() {
        check(value);
    }
    if let Some(entropy) = data.get(..32) {
        let entropy: [u8; 32] = entropy.try_into().expect("32 bytes");
        let fresh = new_session_id(&entropy);
        let id = session_id(&fresh).expect("a fresh id parses");
        assert_eq!(b64::url_decode(&id.value).as_deref(), Some(&entropy[..]));
        assert_ne!(
            session_id(&new_session_id(&entropy.map(|b| b ^ 1))).map(|o| o.kv_key),
            Some(id.kv_key),
            "two ids, one KV key"
        );
    }
});
