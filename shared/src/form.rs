//! `application/x-www-form-urlencoded` encoding and decoding
//! ([WHATWG URL §5](https://url.spec.whatwg.org/#application/x-www-form-urlencoded)), as used by
//! query strings and form bodies (RFC 6749 Appendix B).

/// Encodes one name or value: unreserved bytes as-is, space as `+`, everything else `%XX`.
pub fn encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// Serializes pairs as `a=1&b=2`.
pub fn serialize<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode(name, &mut out);
        out.push('=');
        encode(value, &mut out);
    }
    out
}

/// Appends pairs to a URL's query, keeping any query it already has.
pub fn append_query<'a>(url: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let query = serialize(pairs);
    let sep = if url.contains('?') { '&' } else { '?' };
    if query.is_empty() {
        url.to_owned()
    } else {
        format!("{url}{sep}{query}")
    }
}

/// Decodes one component: `+` is a space, `%XX` a byte; a malformed escape is kept literally and
/// invalid UTF-8 is replaced, as browsers do.
pub fn decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'+' {
            out.push(b' ');
        } else if b == b'%' {
            match (
                bytes.get(i + 1).and_then(|&h| hex(h)),
                bytes.get(i + 2).and_then(|&l| hex(l)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `a=1&b=2` (a leading `?` is ignored) into decoded pairs, in order.
pub fn parse(query: &str) -> Vec<(String, String)> {
    raw_parts(query)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = name_value(part);
            (decode(name), decode(value.unwrap_or_default()))
        })
        .collect()
}

/// The `&`-separated parts of a query (a leading `?` dropped), not decoded, empty ones included.
/// Split by bytes (`&` and `=` are ASCII, so every cut is a character boundary): a `char`
/// pattern brought a generic searcher of ~1 KB into the browser wasm (issue 9).
pub fn raw_parts(query: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(query.strip_prefix("?").unwrap_or(query));
    core::iter::from_fn(move || {
        let s = rest?;
        let (part, after) = cut(s, b'&');
        rest = after;
        Some(part)
    })
}

/// A part's name and, after its first `=`, its value (`None` without one).
pub fn name_value(part: &str) -> (&str, Option<&str>) {
    cut(part, b'=')
}

/// `text` before the first `sep` (an ASCII byte), and what follows it if it occurs. No slicing
/// (its panic path is formatting code in a wasm built with panics).
fn cut(text: &str, sep: u8) -> (&str, Option<&str>) {
    match text.bytes().position(|b| b == sep) {
        Some(i) => match (text.split_at_checked(i), text.get(i + 1..)) {
            (Some((before, _)), Some(after)) => (before, Some(after)),
            _ => (text, None), // not reached: an ASCII byte is a character of its own
        },
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn round_trip_and_rfc6749_appendix_b() {
        // RFC 6749 Appendix B: " %&+£€" encodes as "+%25%26%2B%C2%A3%E2%82%AC".
        let mut out = String::new();
        encode(" %&+\u{a3}\u{20ac}", &mut out);
        assert_eq!(out, "+%25%26%2B%C2%A3%E2%82%AC");
        assert_eq!(decode(&out), " %&+\u{a3}\u{20ac}");
    }

    #[test]
    fn parse_keeps_order_and_tolerates_bad_escapes() {
        let pairs = parse("?a=1&b=x%2Fy&c&d=%zz&e=%4");
        assert_eq!(
            pairs,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x/y".into()),
                ("c".into(), "".into()),
                ("d".into(), "%zz".into()),
                ("e".into(), "%4".into()),
            ]
        );
    }

    #[test]
    fn raw_parts_and_name_value_split_at_the_first_separator() {
        let parts: Vec<_> = raw_parts("?a=1=2&&b&c=&é=ü&").map(name_value).collect();
        assert_eq!(
            parts,
            [
                ("a", Some("1=2")),
                ("", None),
                ("b", None),
                ("c", Some("")),
                ("é", Some("ü")),
                ("", None),
            ]
        );
        assert_eq!(raw_parts("").collect::<Vec<_>>(), [""]);
        assert_eq!(raw_parts("??a").collect::<Vec<_>>(), ["?a"]);
    }

    #[test]
    fn append_query_keeps_existing_query() {
        assert_eq!(
            append_query("https://a/b", [("x", "1 2")]),
            "https://a/b?x=1+2"
        );
        assert_eq!(
            append_query("https://a/b?p=q", [("x", "1")]),
            "https://a/b?p=q&x=1"
        );
        assert_eq!(append_query("https://a/b", []), "https://a/b");
    }
}
