//! The API proxy's path check (`proxy::upstream_url`). Besides "no panic", an accepted path must
//! stay below the base after a URL parser's normalisation: dot segments (`.`, `..`, and their
//! `%2e` spellings, WHATWG URL §4.4) are resolved and `\` read as `/`, and the result must never
//! climb out of the base's path nor reach another host.
//!
//! Input: the base URL on the first line (empty: `https://api.example/v1/`), the path below the
//! proxy prefix on the second, the query (`-` for none) on the third.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, text};
use oauth_edge_shared::proxy::upstream_url;

/// Whether a WHATWG URL parser takes `segment` as `.` or `..`.
fn dot_kind(segment: &str) -> Option<bool> {
    match segment.to_ascii_lowercase().replace("%2e", ".").as_str() {
        "." => Some(false),
        ".." => Some(true),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let [base, rest, query] = lines::<3>(data);
    let base = text(base);
    let base = if base.is_empty() {
        "https://api.example/v1/".into()
    } else {
        base
    };
    let rest = text(rest);
    let query = text(query);
    let query = (query != "-").then_some(&*query);
    let Ok(url) = upstream_url(&base, &rest, query) else {
        return;
    };
    let prefix = format!("{}/", base.trim_end_matches('/'));
    let below = url
        .strip_prefix(&prefix)
        .expect("the URL starts with the base");
    assert!(below.starts_with(&*rest));
    assert!(!rest.starts_with('/') && !rest.contains("//") && !rest.contains('@'));
    assert!(!rest.bytes().any(|b| b == b'\\' || b.is_ascii_control()));
    // The path part (before `?` or `#`), as a URL parser walks it.
    let end = below.find(['?', '#']).unwrap_or(below.len());
    let mut depth: usize = 0;
    let segments: Vec<&str> = below[..end].split(['/', '\\']).collect();
    for (i, segment) in segments.iter().enumerate() {
        match dot_kind(segment) {
            Some(true) => {
                depth = depth
                    .checked_sub(1)
                    .unwrap_or_else(|| panic!("{url:?} climbs above the base"))
            }
            Some(false) => {}
            None if i + 1 < segments.len() => depth += 1,
            None => {}
        }
        assert!(
            dot_kind(segment).is_none(),
            "dot segment {segment:?} in {url:?}"
        );
    }
    // No scheme or host of its own in the first segment.
    let first = segments[0].to_ascii_lowercase().replace("%3a", ":");
    assert!(!first.contains(':'), "{url:?}");
});
