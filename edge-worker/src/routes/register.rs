//! `POST /auth/register`: user registration at providers that offer it (`registration_endpoint`,
//! e.g. the plain SSO service, whose document describes a JSON `{"username","password"}` body and
//! `201` on success). The Worker forwards only those two fields; the provider's refusal comes back
//! as `registration_failed` with its status and its error (read with the dialect's error fields).
//!
//! Building the request and reading the answer are pure ([`registration_request`],
//! [`outcome`]), kept here until a second user of them appears in `oauth-edge-shared`.
use oauth_edge_shared::error::{ErrorCode, ProviderError};
use oauth_edge_shared::http::{HttpRequest, HttpResponse, Method};
use oauth_edge_shared::provider::ErrorFields;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Call;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::upstream;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    #[serde(default)]
    provider: Option<String>,
    username: String,
    password: String,
}

/// Handles the call.
pub(crate) async fn handle(call: &Call<'_>) -> Result<Reply, WorkerError> {
    let body: RegisterRequest = call.json()?;
    let provider = call.config.provider(body.provider.as_deref())?;
    let url = provider
        .config
        .registration_endpoint
        .as_deref()
        .ok_or(WorkerError::RegistrationUnavailable)?;
    if body.username.trim().is_empty() || body.password.is_empty() {
        return Err(WorkerError::BadRequest(
            "`username` and `password` must not be empty".into(),
        ));
    }
    let request = registration_request(url, body.username.trim(), &body.password);
    let answer = upstream::send(&request).await?;
    outcome(&provider.config.dialect.error_fields, &answer)?;
    Ok(Reply::json(201, json!({"registered": true})))
}

/// `POST <endpoint>` with the JSON body `{"username", "password"}`.
fn registration_request(url: &str, username: &str, password: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers: vec![
            ("Accept".into(), "application/json".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: json!({"username": username, "password": password})
            .to_string()
            .into_bytes(),
    }
}

/// A 2xx is a registration; anything else is the provider's refusal, with its error when the body
/// carries one in the dialect's fields.
fn outcome(fields: &ErrorFields, answer: &HttpResponse) -> Result<(), WorkerError> {
    if (200..300).contains(&answer.status) {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let error = text(&fields.code).map(|code| ProviderError {
        error: ErrorCode::from(code),
        error_description: text(&fields.description),
        error_uri: None,
    });
    Err(WorkerError::RegistrationFailed {
        status: answer.status,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let req = registration_request("https://sso.example/register", "john", "1234");
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.body, br#"{"username":"john","password":"1234"}"#);
    }

    #[test]
    fn refusals_keep_status_and_error() {
        let fields = ErrorFields::default();
        assert!(outcome(&fields, &answer(201, r#"{"success":true}"#)).is_ok());
        let Err(WorkerError::RegistrationFailed { status, error }) = outcome(
            &fields,
            &answer(
                409,
                r#"{"success":false,"error":"username already exists","status_code":409}"#,
            ),
        ) else {
            panic!("not a refusal")
        };
        assert_eq!(status, 409);
        assert_eq!(
            error.unwrap().error,
            ErrorCode::Other("username already exists".into())
        );
        let Err(WorkerError::RegistrationFailed { status, error }) =
            outcome(&fields, &answer(500, "<html>"))
        else {
            panic!("not a refusal")
        };
        assert_eq!((status, error), (500, None));
    }
}
