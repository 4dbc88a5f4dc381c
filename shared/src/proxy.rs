//! The API proxy's path check: a request for `<prefix>/<rest>` may reach only URLs below the
//! configured base. Anything that could climb out or change the host is refused.
use crate::form;

/// Why a proxied path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyPathError {
    /// `..`, `.` or an empty segment, plain or percent-encoded.
    DotSegment,
    /// An encoded `/` or `\\`, a backslash, or a control character.
    EncodedSeparator,
    /// Something that reads as an absolute URL or a host (`//`, `scheme:`, `@`).
    NotAPath,
}

/// Joins `rest` (the part after the proxy prefix, without a leading `/`) and `query` (without
/// `?`) onto `base`, or refuses.
pub fn upstream_url(base: &str, rest: &str, query: Option<&str>) -> Result<String, ProxyPathError> {
    // `?` and `#` belong to the query (passed apart) and fragment: in a path they would end it, and
    // `..?x` would then be a `..` segment (found by fuzzing).
    if rest.starts_with('/') || rest.contains("//") || rest.contains(['@', '?', '#']) {
        return Err(ProxyPathError::NotAPath);
    }
    if rest.bytes().any(|b| b == b'\\' || b.is_ascii_control()) {
        return Err(ProxyPathError::EncodedSeparator);
    }
    for (i, segment) in rest.split('/').enumerate() {
        let lower = segment.to_ascii_lowercase();
        if ["%2f", "%5c", "%00"].iter().any(|e| lower.contains(e)) {
            return Err(ProxyPathError::EncodedSeparator);
        }
        // Percent-decode only (a `+` in a path is a plus).
        let decoded = form::decode(&segment.replace('+', "%2B"));
        if decoded == "." || decoded == ".." {
            return Err(ProxyPathError::DotSegment);
        }
        // A colon in the first segment could be read as a scheme (`https:`, `javascript:`).
        if i == 0 && decoded.contains(':') {
            return Err(ProxyPathError::NotAPath);
        }
    }
    let mut url = format!("{}/{rest}", base.trim_end_matches('/'));
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const BASE: &str = "https://api.example/v1/";

    /// Found by the `proxy_path` fuzz target: a dot segment ended by `?` or `#`.
    #[test]
    fn a_query_or_fragment_inside_the_path_is_refused() {
        for rest in ["..?x", "a/.#x", "%2e#x", "a?b", "a#b"] {
            assert_eq!(
                upstream_url(BASE, rest, None),
                Err(ProxyPathError::NotAPath),
                "{rest}"
            );
        }
    }

    #[test]
    fn paths_below_the_base_pass() {
        assert_eq!(
            upstream_url(BASE, "user/me", None).unwrap(),
            "https://api.example/v1/user/me"
        );
        assert_eq!(
            upstream_url(BASE, "a%20b", Some("x=1")).unwrap(),
            "https://api.example/v1/a%20b?x=1"
        );
        assert_eq!(
            upstream_url(BASE, "", None).unwrap(),
            "https://api.example/v1/"
        );
        assert_eq!(
            upstream_url(BASE, "dir/", None).unwrap(),
            "https://api.example/v1/dir/"
        );
    }

    #[test]
    fn escapes_are_refused() {
        for (rest, err) in [
            ("..", ProxyPathError::DotSegment),
            ("a/../b", ProxyPathError::DotSegment),
            ("%2e%2e/b", ProxyPathError::DotSegment),
            ("%2E%2E", ProxyPathError::DotSegment),
            (".%2e/x", ProxyPathError::DotSegment),
            ("./x", ProxyPathError::DotSegment),
            ("a%2fb", ProxyPathError::EncodedSeparator),
            ("a%5Cb", ProxyPathError::EncodedSeparator),
            ("a\\b", ProxyPathError::EncodedSeparator),
            ("a%00", ProxyPathError::EncodedSeparator),
            ("//evil.example/x", ProxyPathError::NotAPath),
            ("/x", ProxyPathError::NotAPath),
            ("a//b", ProxyPathError::NotAPath),
            ("user@evil.example", ProxyPathError::NotAPath),
            ("https:", ProxyPathError::NotAPath),
        ] {
            assert_eq!(upstream_url(BASE, rest, None), Err(err), "{rest}");
        }
    }
}
