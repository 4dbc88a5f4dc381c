//! Reading a `Cookie` request header ([RFC 6265bis §5.7.4](https://datatracker.ietf.org/doc/draft-ietf-httpbis-rfc6265bis/)).
//!
//! A browser sends `name=value` pairs joined by `; `. Names are compared **byte for byte**: only
//! ASCII space and tab around a name or value are ignored, never other Unicode white space, so a
//! cookie named `\u{2000}__Host-x` (which a sibling subdomain may set, since the `__Host-` rules
//! only bind names that start with the prefix) is not read as `__Host-x`. A name sent twice is
//! ambiguous — one copy may come from a sibling subdomain (`Domain=`) with a longer `Path`, which
//! the browser lists first — so it reads as no cookie at all.

/// What a `Cookie` header holds under one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieValue<'a> {
    /// Not there, or there with an empty value.
    Absent,
    /// Exactly one non-empty value.
    One(&'a str),
    /// The name appears more than once (whatever the values).
    Ambiguous,
}

impl<'a> CookieValue<'a> {
    /// The value when there is exactly one; `None` when absent or ambiguous.
    pub fn single(self) -> Option<&'a str> {
        match self {
            Self::One(v) => Some(v),
            Self::Absent | Self::Ambiguous => None,
        }
    }
}

/// ASCII space and horizontal tab: the only white space a `Cookie` header has around its parts.
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// The value of cookie `name` in `header`, with surrounding double quotes removed.
pub fn cookie<'a>(header: &'a str, name: &str) -> CookieValue<'a> {
    let mut found = CookieValue::Absent;
    let mut seen = false;
    for pair in header.split(';') {
        let Some((n, v)) = pair.split_once('=') else {
            continue;
        };
        if trim_ows(n).as_bytes() != name.as_bytes() {
            continue;
        }
        if seen {
            return CookieValue::Ambiguous;
        }
        seen = true;
        let v = trim_ows(v);
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        if !v.is_empty() {
            found = CookieValue::One(v);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const S: &str = "__Host-oauth-edge-session";

    #[test]
    fn reads_one_value() {
        let h = "a=1; __Host-oauth-edge-session=s1; __Host-oauth-edge-tx=t-_1 ;other=x=y";
        assert_eq!(cookie(h, S), CookieValue::One("s1"));
        assert_eq!(cookie(h, "__Host-oauth-edge-tx"), CookieValue::One("t-_1"));
        assert_eq!(cookie(h, "other"), CookieValue::One("x=y"));
        assert_eq!(cookie(h, "missing"), CookieValue::Absent);
        assert_eq!(cookie("", S), CookieValue::Absent);
        assert_eq!(cookie(&format!("{S}="), S), CookieValue::Absent);
        assert_eq!(cookie(&format!("x{S}=s"), S), CookieValue::Absent);
        assert_eq!(cookie("k=\"quoted\"", "k"), CookieValue::One("quoted"));
        assert_eq!(cookie("\tk=v\t", "k"), CookieValue::One("v"));
    }

    /// Issue 6, finding 2: a Unicode-space-prefixed name is another cookie.
    #[test]
    fn names_match_byte_for_byte() {
        for spaced in [
            "\u{2000}__Host-oauth-edge-session=evil",
            "\u{a0}__Host-oauth-edge-session=evil",
            "__Host-oauth-edge-session\u{3000}=evil",
            "__host-oauth-edge-session=evil",
            "\u{feff}__Host-oauth-edge-session=evil",
        ] {
            assert_eq!(cookie(spaced, S), CookieValue::Absent, "{spaced:?}");
        }
    }

    /// Issue 6, finding 2: two cookies of one name read as none (session fixation by a sibling).
    #[test]
    fn a_repeated_name_is_ambiguous() {
        let h = format!("{S}=attacker; a=1; {S}=victim");
        assert_eq!(cookie(&h, S), CookieValue::Ambiguous);
        assert_eq!(cookie(&h, S).single(), None);
        assert_eq!(cookie(&format!("{S}=; {S}=v"), S), CookieValue::Ambiguous);
        assert_eq!(cookie("a=1", "a").single(), Some("1"));
    }
}
