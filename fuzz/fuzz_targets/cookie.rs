//! The `Cookie` request header (`cookie::cookie`), which the Worker reads its session and
//! pending-login cookies from: a name matches byte for byte (only ASCII space and tab trimmed),
//! and a name sent twice reads as no cookie.
//!
//! Input: the cookie name on the first line, the header after it. The header is also read for
//! the Worker's two cookie names.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, text};
use oauth_edge_shared::cookie::{cookie, CookieValue};

fuzz_target!(|data: &[u8]| {
    let [name, header] = lines::<2>(data);
    let (name, header) = (text(name), text(header));
    for name in [&*name, "__Host-oauth-edge-session", "__Host-oauth-edge-tx"] {
        let got = cookie(&header, name);
        let copies = header
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(n, _)| n.trim_matches([' ', '\t']) == name)
            .count();
        match got {
            CookieValue::Ambiguous => assert!(copies >= 2, "{copies} copies of {name:?}"),
            CookieValue::One(v) => {
                assert_eq!(copies, 1);
                assert!(!v.is_empty() && !v.contains(';'));
                assert!(header.contains(v));
            }
            CookieValue::Absent => assert!(copies <= 1),
        }
        assert_eq!(got.single().is_some(), matches!(got, CookieValue::One(_)));
    }
});
