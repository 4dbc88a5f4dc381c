//! Where to send the user after login: only a same-origin path is accepted, anything else falls
//! back to `/` (an open redirect would let a crafted login link send a fresh session elsewhere).

/// Returns `path` when it is a same-origin absolute path, or `/` otherwise.
///
/// Rejected: absolute URLs (`https://evil`), scheme-relative URLs (`//evil`), backslash tricks
/// that browsers read as `//` (`/\evil`), schemes such as `javascript:`, relative paths, and any
/// control character or whitespace (browsers strip tabs and newlines inside URLs).
pub fn safe_return_to(path: &str) -> &str {
    let bytes = path.as_bytes();
    let ok = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes
            .iter()
            .any(|&b| b == b'\\' || b.is_ascii_control() || b == b' ');
    if ok {
        path
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::safe_return_to;

    #[test]
    fn same_origin_paths_pass() {
        for p in ["/", "/account", "/a/b?x=1#frag", "/search?q=a%20b"] {
            assert_eq!(safe_return_to(p), p);
        }
    }

    #[test]
    fn everything_else_falls_back_to_root() {
        for p in [
            "//evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "account",
            "",
            " /x",
        ] {
            assert_eq!(safe_return_to(p), "/", "{p:?}");
        }
    }
}
