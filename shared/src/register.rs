//! User registration at providers that offer it (`registration_endpoint`). No RFC covers this
//! (RFC 7591 registers clients, not users): the plain SSO service's document describes
//! `POST <registration_endpoint>` with the JSON body `{"username", "password"}` and `201` on
//! success. A refusal is read with the dialect's error fields, like a token error
//! ([RFC 6749 §5.2](https://www.rfc-editor.org/rfc/rfc6749#section-5.2) by default).
use serde_json::{json, Value};

use crate::error::{ErrorCode, ProviderError};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::provider::ProviderConfig;

/// The registration request, or `None` when the provider has no registration endpoint.
pub fn registration_request(
    provider: &ProviderConfig,
    username: &str,
    password: &str,
) -> Option<HttpRequest> {
    let url = provider.registration_endpoint.as_deref()?;
    Some(HttpRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers: vec![
            ("Accept".into(), "application/json".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: json!({"username": username, "password": password})
            .to_string()
            .into_bytes(),
    })
}

/// The provider refused the registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRefused {
    /// The provider's HTTP status.
    pub status: u16,
    /// Its error code and description, when the body carries them in the dialect's fields.
    pub error: Option<ProviderError>,
}

/// A 2xx is a registration; anything else is the provider's refusal.
pub fn parse_registration_response(
    provider: &ProviderConfig,
    response: &HttpResponse,
) -> Result<(), RegistrationRefused> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    let fields = &provider.dialect.error_fields;
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let error = text(&fields.code).map(|code| ProviderError {
        error: ErrorCode::from(code),
        error_description: text(&fields.description),
        error_uri: None,
    });
    Err(RegistrationRefused {
        status: response.status,
        error,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    fn with_endpoint() -> ProviderConfig {
        let mut p = standard();
        p.registration_endpoint = Some("https://sso.example/register".into());
        p
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The plain SSO document's example body.
    #[test]
    fn request_is_the_documents_body() {
        let req = registration_request(&with_endpoint(), "john", "1234").unwrap();
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://sso.example/register");
        assert_eq!(req.header("accept"), Some("application/json"));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.body, br#"{"username":"john","password":"1234"}"#);
        // JSON-escaped, not spliced.
        let req = registration_request(&with_endpoint(), "a\"b", "p\\").unwrap();
        assert_eq!(req.body, br#"{"username":"a\"b","password":"p\\"}"#);
    }

    #[test]
    fn no_endpoint_no_request() {
        assert_eq!(registration_request(&standard(), "john", "1234"), None);
    }

    #[test]
    fn refusals_keep_status_and_error() {
        let p = with_endpoint();
        assert_eq!(
            parse_registration_response(&p, &answer(201, r#"{"success":true}"#)),
            Ok(())
        );
        let refused = parse_registration_response(
            &p,
            &answer(
                409,
                r#"{"success":false,"error":"username already exists","status_code":409}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(refused.status, 409);
        assert_eq!(
            refused.error.unwrap().error,
            ErrorCode::Other("username already exists".into())
        );
        assert_eq!(
            parse_registration_response(&p, &answer(500, "<html>")),
            Err(RegistrationRefused {
                status: 500,
                error: None
            })
        );
    }

    #[test]
    fn refusals_are_read_with_the_dialects_fields() {
        let mut p = with_endpoint();
        p.dialect.error_fields.code = "errorCode".into();
        p.dialect.error_fields.description = "message".into();
        let refused = parse_registration_response(
            &p,
            &answer(
                400,
                r#"{"errorCode":"weak_password","message":"too short","error_uri":"https://x"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(
            refused.error,
            Some(ProviderError {
                error: ErrorCode::Other("weak_password".into()),
                error_description: Some("too short".into()),
                error_uri: None,
            })
        );
    }
}
