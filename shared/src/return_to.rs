//! Where to send the user after login: only a same-origin path is accepted, anything else falls
//! back to `/` (an open redirect would let a crafted login link send a fresh session elsewhere).

/// Returns `path` when it is a same-origin absolute path, or `/` otherwise.
///
/// Rejected: absolute URLs (`https://evil`), scheme-relative URLs (`//evil`), backslash tricks
/// that browsers read as `//` (`/\evil`), schemes such as `javascript:`, relative paths, and any
/// control character or whitespace (browsers strip tabs and newlines inside URLs), and any `.` or
/// `..` path segment, plain or percent-encoded: the browser removes dot segments
/// ([RFC 3986 §5.2.4](https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4)), so `/.//evil.example`
/// would become `//evil.example` in the address bar. Checking the path the browser will hold
/// means refusing any path that it would rewrite.
pub fn safe_return_to(path: &str) -> &str {
    let bytes = path.as_bytes();
    let ok = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes
            .iter()
            .any(|&b| b == b'\\' || b.is_ascii_control() || b == b' ')
        && !has_dot_segment(path);
    if ok {
        path
    } else {
        "/"
    }
}

/// Whether the path part (before `?` or `#`) has a `.` or `..` segment, or any `%2e` (an encoded
/// dot has no business in a return path, and refusing it is simpler than decoding it). Byte by
/// byte, without allocating: this runs in the browser package, whose size is budgeted.
fn has_dot_segment(path: &str) -> bool {
    let b = path.as_bytes();
    let end = b
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .unwrap_or(b.len());
    let p = &b[..end];
    p.windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'2' && w[2] | 0x20 == b'e')
        || p.split(|&c| c == b'/').any(|s| s == b"." || s == b"..")
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::safe_return_to;

    #[test]
    fn same_origin_paths_pass() {
        for p in [
            "/",
            "/account",
            "/a/b?x=1#frag",
            "/search?q=a%20b",
            "/file.txt",
            "/.well-known/x",
            "/a?next=/./x",
            "/a#/../b",
        ] {
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
            // Issue 6, finding 8: dot segments the browser would remove.
            "/.//evil.example",
            "/%2e//evil.example",
            "/%2E//evil.example",
            "/a/..//evil.example",
            "/./",
            "/x/%2e%2e/y",
            "/.",
            // Any encoded dot is refused (simpler than decoding it).
            "/a%2eb",
        ] {
            assert_eq!(safe_return_to(p), "/", "{p:?}");
        }
    }
}
