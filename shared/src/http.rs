//! Descriptions of HTTP requests and responses: what the pure core builds and parses, and what the
//! shells send and receive with their own `fetch`.

/// An HTTP method (upper-case on the wire and in configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT (API proxy only)
    Put,
    /// PATCH (API proxy only)
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// The method named `name` (upper-case, as on the wire), if it is one of these.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Get, Self::Post, Self::Put, Self::Patch, Self::Delete]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}

/// A request to send. The body is bytes, exactly as they must go on the wire. Its `Debug` shows
/// the method, the URL without its query, the header names and the body's length: a token
/// request carries the client secret, a code or a password, and some URLs a token.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty for none).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response as received. Its `Debug` shows the status, the header names and the body's length
/// (a token response's body is the tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl core::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Not `split_once`: with this second caller, its generic copy stopped being inlined into
        // the browser client's `read_redirect` (measured: +136 bytes of wasm).
        let path: String = self.url.chars().take_while(|c| *c != '?').collect();
        let query = if path.len() < self.url.len() {
            "?[redacted]"
        } else {
            ""
        };
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{path}{query}"))
            .field("headers", &HeaderNames(&self.headers))
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

impl core::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &HeaderNames(&self.headers))
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

/// Header names, each with its value redacted.
struct HeaderNames<'a>(&'a [(String, String)]);

impl core::fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(n, _)| (n, crate::secret::Redacted)))
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn method_names_round_trip() {
        for m in [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ] {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(Method::parse("get"), None);
        assert_eq!(Method::parse("OPTIONS"), None);
    }

    #[test]
    fn debug_prints_no_query_header_value_or_body() {
        let req = HttpRequest {
            method: Method::Delete,
            url: "https://as.example/token?access_token=SECRET-1".into(),
            headers: vec![("Authorization".into(), "Basic SECRET-2".into())],
            body: b"client_secret=SECRET-3".to_vec(),
        };
        assert_eq!(
            format!("{req:?}"),
            r#"HttpRequest { method: Delete, url: https://as.example/token?[redacted], headers: {"Authorization": [redacted]}, body: 22 bytes }"#
        );
        let res = HttpResponse {
            status: 200,
            headers: vec![("Set-Cookie".into(), "s=SECRET-4".into())],
            body: br#"{"access_token":"SECRET-5"}"#.to_vec(),
        };
        let printed = format!("{res:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains("status: 200"), "{printed}");
    }
}
