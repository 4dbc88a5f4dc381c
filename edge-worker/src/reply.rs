//! What an endpoint answers, as plain data, and its one conversion into a `worker::Response`.
//!
//! Every `/auth/*` answer gets `Cache-Control: no-store` (it may carry a token), `Vary: Origin`
//! (CORS headers depend on it) and `X-Content-Type-Options: nosniff`.
use serde::Serialize;
use serde_json::Value;

/// A JSON answer with its extra headers and `Set-Cookie` values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The JSON body; `Null` for none.
    pub(crate) body: Value,
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
            headers: Vec::new(),
            cookies: Vec::new(),
        }
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
        let body = if self.body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&self.body)?
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
}
