//! What a protected resource's `WWW-Authenticate` header says about the token it refused:
//! [RFC 6750 §3](https://www.rfc-editor.org/rfc/rfc6750#section-3) (`Bearer` challenges and
//! their `error` attribute) in the challenge syntax of
//! [RFC 9110 §11.6.1](https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1): one header may
//! hold several challenges (`Basic realm="a", Bearer error="invalid_token"`), values are tokens or
//! quoted strings, and a quoted string may contain commas, `=` and escaped quotes — so a
//! substring search (`includes("invalid_token")`) reads `error_description="not invalid_token"`
//! wrongly.
//!
//! Used by the browser client (retry once after `invalid_token`) and by the Worker's API proxy
//! (renew the session's token after a `401` unless the challenge names another error).

/// Whether the `error` attribute of the first `Bearer` (or `DPoP`) challenge in a
/// `WWW-Authenticate` value is
/// `code`: `None` when there is no such attribute (no Bearer challenge, or one without `error`),
/// else whether it equals `code`. A header that does not parse ends the search at the damage
/// (what came before still counts).
///
/// Written for size (the browser client ships it): bytes, no allocation, no slicing that could
/// panic.
pub fn bearer_error_is(header: &str, code: &str) -> Option<bool> {
    let mut rest = header.as_bytes();
    let mut bearer = false;
    loop {
        let (name, after) = token(skip(rest, |b| matches!(b, b' ' | b'\t' | b',')))?;
        let after = skip(after, is_blank);
        let Some(value) = after.strip_prefix(b"=") else {
            // A challenge's scheme (`Bearer`, or `DPoP`: RFC 9449 §7.1 uses the same
            // `error` codes), or a token68 without padding.
            bearer = name.eq_ignore_ascii_case(b"bearer") || name.eq_ignore_ascii_case(b"dpop");
            rest = after;
            continue;
        };
        let value = skip(value, is_blank);
        if matches!(value.first(), None | Some(b'=' | b',')) {
            rest = skip(value, |b| b == b'='); // a token68's padding (`Negotiate abc==`)
            continue;
        }
        let (same, left) = match value.strip_prefix(b"\"") {
            Some(quoted) => unquote_eq(quoted, code.as_bytes())?,
            None => token(value).map(|(v, left)| (v == code.as_bytes(), left))?,
        };
        if bearer && name.eq_ignore_ascii_case(b"error") {
            return Some(same);
        }
        rest = left;
    }
}

/// `bytes` without its leading bytes that are `what`. (Predicates, not `<[u8]>::contains`:
/// that one brings `memchr` into the browser client's wasm.)
fn skip(bytes: &[u8], what: fn(u8) -> bool) -> &[u8] {
    let n = bytes.iter().take_while(|b| what(**b)).count();
    bytes.get(n..).unwrap_or_default()
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// RFC 9110 `tchar`, and `/` (a token68 may hold it).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
                | b'/'
        )
}

/// A non-empty `token` (RFC 9110 §5.6.2; `/` too, for a token68) and what follows it.
fn token(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = bytes.iter().take_while(|b| is_tchar(**b)).count();
    bytes.split_at_checked(n).filter(|(t, _)| !t.is_empty())
}

/// Whether a quoted string (after its opening quote), escapes undone, equals `want`; and what
/// follows it. `None` when it is not terminated.
fn unquote_eq<'a>(quoted: &'a [u8], want: &[u8]) -> Option<(bool, &'a [u8])> {
    let (mut i, mut n, mut same) = (0, 0, true);
    while let Some(&b) = quoted.get(i) {
        let b = match b {
            b'"' => return Some((same && n == want.len(), quoted.get(i + 1..)?)),
            b'\\' => {
                i += 1;
                *quoted.get(i)?
            }
            b => b,
        };
        same &= want.get(n) == Some(&b);
        n += 1;
        i += 1;
    }
    None
}

/// Whether an API's answer with `status` and `WWW-Authenticate` value `header` is worth renewing
/// the access token for (the Worker's proxy): a `401` whose Bearer or DPoP challenge says
/// `invalid_token`, or names no error at all (RFC 6750 §3.1 lets a server omit it; many APIs send
/// a bare `401`). A `401` naming another error (`invalid_request`, DPoP's `invalid_dpop_proof` or
/// `use_dpop_nonce`) is not cured by a new token: renewing would only spend refresh tokens.
pub fn renewal_may_help(status: u16, header: Option<&str>) -> bool {
    status == 401 && header.and_then(|h| bearer_error_is(h, "invalid_token")) != Some(false)
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The first Bearer `error`, among the values these tests use.
    fn error(header: &str) -> Option<&'static str> {
        match bearer_error_is(header, "invalid_token")? {
            true => Some("invalid_token"),
            false => ["invalid_request", "insufficient_scope"]
                .into_iter()
                .find(|c| bearer_error_is(header, c) == Some(true))
                .or(Some("(other)")),
        }
    }

    #[test]
    fn rfc6750_3_examples() {
        // §3: the expired-token example.
        assert_eq!(
            error(
                r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#
            ),
            Some("invalid_token")
        );
        // §3: no token sent at all, no error attribute.
        assert_eq!(error(r#"Bearer realm="example""#), None);
        assert_eq!(
            error(r#"Bearer error="insufficient_scope", scope="a b""#),
            Some("insufficient_scope")
        );
    }

    #[test]
    fn what_a_substring_search_gets_wrong() {
        // The word only inside a description.
        assert_eq!(
            error(r#"Bearer error="invalid_request", error_description="not invalid_token""#),
            Some("invalid_request")
        );
        // A longer or shorter value is another value.
        assert_eq!(error(r#"Bearer error="invalid_token2""#), Some("(other)"));
        assert_eq!(error(r#"Bearer error=invalid"#), Some("(other)"));
        // Another scheme's parameter.
        assert_eq!(error(r#"Basic error="invalid_token""#), None);
        // DPoP's challenges speak the same codes (RFC 9449 §7.1).
        assert_eq!(
            error(r#"DPoP error="invalid_token", algs="ES256""#),
            Some("invalid_token")
        );
        assert_eq!(error(r#"DPoP error="use_dpop_nonce""#), Some("(other)"));
        assert!(!renewal_may_help(
            401,
            Some(r#"DPoP error="invalid_dpop_proof", algs="ES256""#)
        ));
        // Quoted commas, equals signs and escapes do not split the list; escapes are undone.
        assert_eq!(
            error(r#"Bearer realm="a, b=c \"d\"", error=invalid_token"#),
            Some("invalid_token")
        );
        assert_eq!(
            error(r#"Bearer error="invalid\_token""#),
            Some("invalid_token")
        );
    }

    #[test]
    fn several_challenges_in_one_header() {
        assert_eq!(
            error(r#"Basic realm="x", Bearer realm="y", error="invalid_token""#),
            Some("invalid_token")
        );
        assert_eq!(
            error(r#"Negotiate abc==, bearer error="invalid_token""#),
            Some("invalid_token")
        );
        assert_eq!(error(r#"Bearer, Basic error="invalid_token""#), None);
    }

    #[test]
    fn damage_stops_the_search() {
        assert_eq!(error(""), None);
        assert_eq!(error(r#"Bearer error="invalid_token"#), None); // unterminated
        assert_eq!(error(r#"Bearer error="invalid_token\"#), None);
        assert_eq!(error("Bearer @@@"), None);
        assert_eq!(error("\u{fe0f}"), None);
    }

    #[test]
    fn when_renewing_may_help() {
        let challenge = r#"Bearer error="invalid_token""#;
        assert!(renewal_may_help(401, Some(challenge)));
        assert!(renewal_may_help(401, None));
        assert!(renewal_may_help(401, Some(r#"Bearer realm="api""#)));
        assert!(!renewal_may_help(
            401,
            Some(r#"Bearer error="invalid_request""#)
        ));
        assert!(!renewal_may_help(403, Some(challenge)));
        assert!(!renewal_may_help(200, None));
    }
}
