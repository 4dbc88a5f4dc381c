//! What an endpoint answers, as plain data, and its one conversion into a `worker::Response`.
//!
//! Every answer of the Worker's own endpoints (auth, callback, API proxy) gets
//! `Cache-Control: no-store` (it may carry a token or a user's data), `Vary: Origin` (CORS headers
//! depend on it) and `X-Content-Type-Options: nosniff`.
use serde::Serialize;
use serde_json::Value;

/// A JSON answer with its extra headers and `Set-Cookie` values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The JSON body; `Null` for none (or for a [`Reply::bytes`] answer).
    pub(crate) body: Value,
    /// A body passed through as is (the API proxy's upstream answer), instead of `body`.
    pub(crate) raw: Option<Vec<u8>>,
    /// Headers besides the common ones.
    pub(crate) headers: Vec<(String, String)>,
    /// One `Set-Cookie` header each.
    pub(crate) cookies: Vec<String>,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            raw: None,
            headers: Vec::new(),
            cookies: Vec::new(),
        }
    }

    /// Bytes passed through with their `Content-Type`, if any (the API proxy).
    pub(crate) fn bytes(status: u16, content_type: Option<String>, body: Vec<u8>) -> Self {
        let mut reply = Self::json(status, Value::Null);
        reply.raw = Some(body);
        reply
            .headers
            .extend(content_type.map(|t| ("Content-Type".to_owned(), t)));
        reply
    }

    /// `303 See Other` to `location` (a same-origin path), for a top-level navigation. The URL
    /// that led here may carry tokens: `Referrer-Policy: no-referrer` keeps it out of `Referer`.
    pub(crate) fn redirect(location: &str) -> Self {
        let mut reply = Self::empty(303);
        reply.headers = vec![
            ("Location".to_owned(), location.to_owned()),
            ("Referrer-Policy".to_owned(), "no-referrer".to_owned()),
        ];
        reply
    }

    /// `200` with `body` serialized.
    pub(crate) fn ok(body: &impl Serialize) -> Self {
        Self::json(200, serde_json::to_value(body).unwrap_or(Value::Null))
    }

    /// No body (a CORS preflight answer).
    pub(crate) fn empty(status: u16) -> Self {
        Self::json(status, Value::Null)
    }

    /// Adds a `Set-Cookie`.
    pub(crate) fn with_cookie(mut self, cookie: String) -> Self {
        self.cookies.push(cookie);
        self
    }

    /// All headers of the answer, common ones first.
    pub(crate) fn header_list(&self) -> Vec<(String, String)> {
        let mut all = vec![
            ("Cache-Control".to_owned(), "no-store".to_owned()),
            ("Vary".to_owned(), "Origin".to_owned()),
            ("X-Content-Type-Options".to_owned(), "nosniff".to_owned()),
        ];
        if !self.body.is_null() {
            all.push((
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ));
        }
        all.extend(self.headers.iter().cloned());
        all.extend(
            self.cookies
                .iter()
                .map(|c| ("Set-Cookie".to_owned(), c.clone())),
        );
        all
    }

    /// The `worker::Response`.
    pub(crate) fn into_response(self) -> worker::Result<worker::Response> {
        let headers = worker::Headers::new();
        for (name, value) in self.header_list() {
            headers.append(&name, &value)?;
        }
        let body = match self.raw {
            Some(raw) => raw,
            None if self.body.is_null() => Vec::new(),
            None => serde_json::to_vec(&self.body)?,
        };
        Ok(worker::Response::from_bytes(body)?
            .with_status(self.status)
            .with_headers(headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_headers_and_cookies() {
        let r = Reply::ok(&serde_json::json!({"a": 1}))
            .with_cookie("c=1".into())
            .with_cookie("d=2".into());
        let h = r.header_list();
        assert!(h.contains(&("Cache-Control".into(), "no-store".into())));
        assert!(h.contains(&("Vary".into(), "Origin".into())));
        assert_eq!(h.iter().filter(|(n, _)| n == "Set-Cookie").count(), 2);
        assert!(Reply::empty(204)
            .header_list()
            .iter()
            .all(|(n, _)| n != "Content-Type"));
    }

    #[test]
    fn passed_through_bytes_keep_their_type() {
        let r = Reply::bytes(418, Some("text/plain".into()), b"teapot".to_vec());
        let h = r.header_list();
        assert_eq!(
            h.iter()
                .filter(|(n, _)| n == "Content-Type")
                .collect::<Vec<_>>(),
            [&("Content-Type".to_owned(), "text/plain".to_owned())]
        );
        assert!(h.contains(&("Cache-Control".into(), "no-store".into())));
        assert!(Reply::bytes(204, None, Vec::new())
            .header_list()
            .iter()
            .all(|(n, _)| n != "Content-Type"));
    }

    #[test]
    fn redirects_send_no_referrer() {
        let h = Reply::redirect("/account").header_list();
        assert!(h.contains(&("Location".into(), "/account".into())));
        assert!(h.contains(&("Referrer-Policy".into(), "no-referrer".into())));
    }
}
