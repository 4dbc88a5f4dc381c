//! Cross-site request forgery defence and CORS for the auth endpoints (docs/worker-api.md,
//! "Request rules").
//!
//! Two checks, in this order: the custom header `X-OAuth-Edge: 1` (a form, image or simple
//! cross-site request cannot send it, and a cross-origin `fetch` that sends it needs a preflight),
//! then `Origin` equal to the Worker's own or one of `ALLOWED_ORIGINS`. CORS is granted only to an
//! allowed origin by name, with credentials, never `*`.
//!
//! The API proxy also takes `GET`, which a browser sends **without** `Origin` when the page is on
//! the same origin (Fetch § "append a request `Origin` header"). There a missing `Origin` is
//! accepted for `GET`/`HEAD` as long as `Sec-Fetch-Site`, when sent, says `same-origin`: every
//! cross-origin `fetch` carries `Origin`, and the custom header already rules out forms, images and
//! navigations. The provider's callback (a top-level navigation) has no such checks at all; its
//! defence is the transaction (see `routes::callback`).
use crate::error::{WorkerError, ERROR_HEADER};
use crate::reply::Reply;

/// The custom request header.
pub(crate) const HEADER: &str = "X-OAuth-Edge";

/// The origins a request may come from.
pub(crate) struct Origins<'a> {
    /// The Worker's own origin (from the request URL).
    pub(crate) own: &'a str,
    /// `ALLOWED_ORIGINS`.
    pub(crate) allowed: &'a [String],
}

impl Origins<'_> {
    /// Whether `origin` may call the endpoints.
    pub(crate) fn allows(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        origin == self.own.to_ascii_lowercase() || self.allowed.contains(&origin)
    }

    /// The CORS response headers for a request from `origin`: only for an allowed origin other
    /// than the Worker's own (`Vary: Origin` is on every answer, see [`Reply`]). The library must
    /// read [`ERROR_HEADER`] to tell the Worker's refusals from an API's answers.
    pub(crate) fn cors_headers(&self, origin: Option<&str>) -> Vec<(String, String)> {
        match origin {
            Some(o) if self.allows(o) && !o.eq_ignore_ascii_case(self.own) => vec![
                ("Access-Control-Allow-Origin".into(), o.to_owned()),
                ("Access-Control-Allow-Credentials".into(), "true".into()),
                ("Access-Control-Expose-Headers".into(), ERROR_HEADER.into()),
            ],
            _ => Vec::new(),
        }
    }

    /// Checks a request's custom header and `Origin`.
    pub(crate) fn check(
        &self,
        custom_header: Option<&str>,
        origin: Option<&str>,
    ) -> Result<(), WorkerError> {
        if custom_header.map(str::trim) != Some("1") {
            return Err(WorkerError::CsrfHeaderMissing);
        }
        match origin {
            Some(o) if self.allows(o) => Ok(()),
            _ => Err(WorkerError::OriginNotAllowed),
        }
    }

    /// Checks a request to the API proxy: like [`Origins::check`], except that a same-origin `GET`
    /// or `HEAD` may come without `Origin` (see the module documentation).
    pub(crate) fn check_api(
        &self,
        custom_header: Option<&str>,
        origin: Option<&str>,
        sec_fetch_site: Option<&str>,
        method: &str,
    ) -> Result<(), WorkerError> {
        let same_origin_read = origin.is_none()
            && matches!(method, "GET" | "HEAD")
            && sec_fetch_site.is_none_or(|s| s.trim().eq_ignore_ascii_case("same-origin"));
        match self.check(custom_header, origin) {
            Err(WorkerError::OriginNotAllowed) if same_origin_read => Ok(()),
            other => other,
        }
    }

    /// The answer to an `OPTIONS` preflight from `origin` for an endpoint taking `methods`.
    pub(crate) fn preflight(&self, origin: Option<&str>, methods: &str) -> Reply {
        let Some(origin) = origin.filter(|o| self.allows(o)) else {
            return WorkerError::OriginNotAllowed.into_reply();
        };
        let mut reply = Reply::empty(204);
        reply.headers = vec![
            ("Access-Control-Allow-Origin".into(), origin.to_owned()),
            ("Access-Control-Allow-Credentials".into(), "true".into()),
            ("Access-Control-Allow-Methods".into(), methods.to_owned()),
            (
                "Access-Control-Allow-Headers".into(),
                format!("Content-Type, {HEADER}"),
            ),
            ("Access-Control-Max-Age".into(), "600".into()),
        ];
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(allowed: &[String]) -> Origins<'_> {
        Origins {
            own: "https://app.example",
            allowed,
        }
    }

    #[test]
    fn header_first_then_origin() {
        let allowed = vec!["https://other.example".to_owned()];
        let o = origins(&allowed);
        let code = |h, origin| o.check(h, origin).err().map(|e| e.code());
        assert_eq!(
            code(None, Some("https://app.example")),
            Some("csrf_header_missing")
        );
        assert_eq!(
            code(Some("0"), Some("https://app.example")),
            Some("csrf_header_missing")
        );
        assert_eq!(
            code(None, Some("https://evil.example")),
            Some("csrf_header_missing")
        );
        assert_eq!(code(Some("1"), None), Some("origin_not_allowed"));
        assert_eq!(
            code(Some("1"), Some("https://evil.example")),
            Some("origin_not_allowed")
        );
        assert_eq!(code(Some("1"), Some("null")), Some("origin_not_allowed"));
        assert_eq!(code(Some("1"), Some("https://app.example")), None);
        assert_eq!(code(Some("1"), Some("https://other.example")), None);
        assert_eq!(code(Some("1"), Some("HTTPS://Other.example")), None);
    }

    #[test]
    fn preflight_only_for_allowed_origins_never_star() {
        let allowed = vec!["https://other.example".to_owned()];
        let o = origins(&allowed);
        let ok = o.preflight(Some("https://other.example"), "POST");
        assert_eq!(ok.status, 204);
        assert!(ok.headers.contains(&(
            "Access-Control-Allow-Origin".into(),
            "https://other.example".into()
        )));
        assert!(ok.header_list().contains(&("Vary".into(), "Origin".into())));
        assert!(ok.header_list().iter().all(|(_, v)| v != "*"));
        let no = o.preflight(Some("https://evil.example"), "POST");
        assert_eq!(no.status, 403);
        assert!(no
            .header_list()
            .iter()
            .all(|(n, _)| !n.starts_with("Access-Control")));
        assert_eq!(o.preflight(None, "POST").status, 403);
        let api = o.preflight(Some("https://other.example"), "GET, PUT");
        assert!(api
            .headers
            .contains(&("Access-Control-Allow-Methods".into(), "GET, PUT".into())));
    }

    #[test]
    fn cors_headers_only_cross_origin_allowed() {
        let allowed = vec!["https://other.example".to_owned()];
        let o = origins(&allowed);
        let cors = o.cors_headers(Some("https://other.example"));
        assert_eq!(cors.len(), 3);
        assert!(cors.contains(&(
            "Access-Control-Expose-Headers".into(),
            "X-OAuth-Edge-Error".into()
        )));
        assert!(o.cors_headers(Some("https://app.example")).is_empty());
        assert!(o.cors_headers(Some("https://evil.example")).is_empty());
        assert!(o.cors_headers(None).is_empty());
    }

    #[test]
    fn api_reads_from_the_same_origin_may_lack_origin() {
        let o = origins(&[]);
        let code =
            |h, origin, site, method| o.check_api(h, origin, site, method).err().map(|e| e.code());
        // Same-origin GET: the browser sends no Origin.
        assert_eq!(code(Some("1"), None, None, "GET"), None);
        assert_eq!(code(Some("1"), None, Some("same-origin"), "GET"), None);
        // ...but never for a cross-site fetch, nor for writes, nor without the header.
        assert_eq!(
            code(Some("1"), None, Some("cross-site"), "GET"),
            Some("origin_not_allowed")
        );
        assert_eq!(
            code(Some("1"), None, None, "POST"),
            Some("origin_not_allowed")
        );
        assert_eq!(code(None, None, None, "GET"), Some("csrf_header_missing"));
        // A present Origin must be allowed, whatever the method.
        assert_eq!(
            code(
                Some("1"),
                Some("https://evil.example"),
                Some("same-origin"),
                "GET"
            ),
            Some("origin_not_allowed")
        );
        assert_eq!(
            code(Some("1"), Some("https://app.example"), None, "DELETE"),
            None
        );
    }
}
