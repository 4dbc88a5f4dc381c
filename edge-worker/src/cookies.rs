//! The Worker's two cookies ([RFC 6265bis](https://datatracker.ietf.org/doc/draft-ietf-httpbis-rfc6265bis/)):
//! `Set-Cookie` values to write them and a `Cookie` header reader.
//!
//! Both use the `__Host-` prefix (§4.1.3.2): `Secure`, `Path=/`, no `Domain`, so only this origin
//! can set or read them. Their values are base64url, which needs no quoting.

/// The pending-login cookie: a sealed transaction, for ten minutes.
pub(crate) const TX: &str = "__Host-oauth-edge-tx";
/// The session cookie: the opaque session id.
pub(crate) const SESSION: &str = "__Host-oauth-edge-session";
/// How long a login may take, in seconds (`Max-Age` of the tx cookie).
pub(crate) const TX_MAX_AGE: u64 = 600;

/// `Set-Cookie` for the tx cookie. `SameSite=Lax`: it comes back on the top-level navigation from
/// the provider to the callback page.
pub(crate) fn set_tx(sealed: &str) -> String {
    format!("{TX}={sealed}; Max-Age={TX_MAX_AGE}; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// `Set-Cookie` that deletes the tx cookie.
pub(crate) fn clear_tx() -> String {
    format!("{TX}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// `Set-Cookie` for the session cookie. `SameSite=Strict`: only this site's own requests carry it.
pub(crate) fn set_session(id: &str, max_age: u64) -> String {
    format!("{SESSION}={id}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// `Set-Cookie` that deletes the session cookie.
pub(crate) fn clear_session() -> String {
    format!("{SESSION}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The value of cookie `name` in a `Cookie` header: `None` when absent, empty, or sent more than
/// once (see [`oauth_edge_shared::cookie`]: names match byte for byte, and a repeated name may be a
/// sibling subdomain's planted copy).
pub(crate) fn get<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    oauth_edge_shared::cookie::cookie(cookie_header, name).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_attributes() {
        assert_eq!(
            set_tx("abc"),
            "__Host-oauth-edge-tx=abc; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            set_session("id", 3600),
            "__Host-oauth-edge-session=id; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Strict"
        );
        for clear in [clear_tx(), clear_session()] {
            assert!(clear.contains("=; Max-Age=0; Path=/; Secure; HttpOnly"));
            assert!(!clear.contains("Domain"));
        }
    }

    #[test]
    fn reads_cookies() {
        let h = "a=1; __Host-oauth-edge-session=s1; __Host-oauth-edge-tx=t-_1 ;other=x=y";
        assert_eq!(get(h, SESSION), Some("s1"));
        assert_eq!(get(h, TX), Some("t-_1"));
        assert_eq!(get(h, "other"), Some("x=y"));
        assert_eq!(get(h, "missing"), None);
        assert_eq!(get("", SESSION), None);
        assert_eq!(get("__Host-oauth-edge-session=", SESSION), None);
        assert_eq!(get("x__Host-oauth-edge-session=s", SESSION), None);
        assert_eq!(get("k=\"quoted\"", "k"), Some("quoted"));
        // A repeated name is no cookie (issue 6, finding 2), nor a Unicode-spaced look-alike.
        assert_eq!(get("k=1; k=2", "k"), None);
        assert_eq!(get("\u{2000}__Host-oauth-edge-session=s", SESSION), None);
    }
}
