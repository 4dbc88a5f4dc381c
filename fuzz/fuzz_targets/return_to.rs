//! Where to send the browser after login (`return_to::safe_return_to`). The answer is the input
//! or `/`; it is a same-origin path that a browser keeps as it is: it starts with one `/`, has no
//! `\`, white space or control character, and no dot segment (`.`, `..`, `%2e` spellings) in its
//! path, so the address bar cannot turn it into `//host`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::text;
use oauth_edge_shared::return_to::safe_return_to;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let out = safe_return_to(&input);
    assert!(
        out == input || out == "/",
        "{out:?} is neither the input nor /"
    );
    assert!(out.starts_with('/'));
    assert!(!out.starts_with("//") && !out.starts_with("/\\"));
    assert!(!out
        .bytes()
        .any(|b| b == b'\\' || b == b' ' || b.is_ascii_control()));
    let end = out.find(['?', '#']).unwrap_or(out.len());
    for segment in out[..end].split('/') {
        let s = segment.to_ascii_lowercase().replace("%2e", ".");
        assert!(s != "." && s != "..", "dot segment in {out:?}");
    }
    // What is safe stays safe (the function is idempotent).
    assert_eq!(safe_return_to(out), out);
});
