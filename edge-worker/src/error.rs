//! Every way a request can fail, and — in one place — the status and JSON body each one answers.
//!
//! The body is `{"code", "message"}` plus, when the provider said something, its RFC 6749 `error`
//! and `error_description` (docs/worker-api.md, "Errors").
use oauth_edge_shared::error::ProviderError;
use oauth_edge_shared::token::TokenError;
use serde_json::{json, Value};

use crate::cookies;
use crate::reply::Reply;

/// A failed request.
#[derive(Debug)]
pub(crate) enum WorkerError {
    /// The body is not the JSON the endpoint takes; says what is wrong.
    BadRequest(String),
    /// `provider` names no configured provider.
    UnknownProvider(String),
    /// `/token` without a (valid, unexpired) tx cookie.
    NoTransaction,
    /// The tx cookie does not match the request; names the field.
    TransactionMismatch(&'static str),
    /// The callback's `iss` is not the provider's issuer (RFC 9207).
    IssuerMismatch,
    /// No session cookie, or one that names no stored session.
    NoSession,
    /// The provider refused the refresh token; the session is gone.
    SessionEnded(Option<ProviderError>),
    /// The `X-OAuth-Edge: 1` header is missing.
    CsrfHeaderMissing,
    /// The `Origin` is missing or not allowed.
    OriginNotAllowed,
    /// No endpoint at this path.
    NotFound,
    /// The endpoint exists but takes only `POST`.
    MethodNotAllowed,
    /// The token endpoint's answer is not a token set.
    Token(TokenError),
    /// The provider could not be reached at all.
    Unreachable(String),
    /// A configuration key is missing or malformed.
    Config {
        /// The binding name.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The Worker's own machinery (KV, the runtime) failed.
    Internal(String),
}

impl WorkerError {
    /// The stable code the JS side switches on.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::UnknownProvider(_) => "unknown_provider",
            Self::NoTransaction => "no_transaction",
            Self::TransactionMismatch(_) => "transaction_mismatch",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::NoSession => "no_session",
            Self::SessionEnded(_) => "session_ended",
            Self::CsrfHeaderMissing => "csrf_header_missing",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Token(e) => e.code(),
            Self::Unreachable(_) => "provider_unavailable",
            Self::Config { .. } => "config_error",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_)
            | Self::UnknownProvider(_)
            | Self::NoTransaction
            | Self::TransactionMismatch(_)
            | Self::IssuerMismatch => 400,
            Self::NoSession | Self::SessionEnded(_) => 401,
            Self::CsrfHeaderMissing | Self::OriginNotAllowed => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Token(_) | Self::Unreachable(_) => 502,
            Self::Config { .. } | Self::Internal(_) => 500,
        }
    }

    /// What happened and what to do, in plain words.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::BadRequest(what) => format!("The request body is not valid: {what}."),
            Self::UnknownProvider(name) => format!(
                "No sign-in provider is configured under the name `{name}`. Use one of the names in the Worker's PROVIDERS."
            ),
            Self::NoTransaction => "No login is pending in this browser (it expired, was already used, or began in another browser). Log in again.".into(),
            Self::TransactionMismatch(field) => format!(
                "The callback does not belong to the login this browser started ({field} differs). Log in again."
            ),
            Self::IssuerMismatch => "The callback came from a different authorization server than the one the login was sent to. Log in again.".into(),
            Self::NoSession => "You are not logged in (no session, or it expired). Log in.".into(),
            Self::SessionEnded(_) => "The provider ended this session (the grant was revoked or expired). Log in again.".into(),
            Self::CsrfHeaderMissing => "The request lacks the `X-OAuth-Edge: 1` header that every auth call must carry.".into(),
            Self::OriginNotAllowed => "This origin is not allowed to call the auth endpoints. Add it to the Worker's ALLOWED_ORIGINS.".into(),
            Self::NotFound => "There is no auth endpoint at this path.".into(),
            Self::MethodNotAllowed => "Auth endpoints take POST only.".into(),
            Self::Token(TokenError::Provider { error, .. }) => error.error.message().into(),
            Self::Token(TokenError::Unavailable { status }) => format!(
                "The sign-in service failed (HTTP {status}). Try again in a moment."
            ),
            Self::Token(_) => "The sign-in service answered something that is not a valid token response. Try again; if it persists, the provider configuration needs checking.".into(),
            Self::Unreachable(_) => "The sign-in service could not be reached. Try again in a moment.".into(),
            Self::Config { key, problem } => format!(
                "The Worker is misconfigured: {key} {problem}."
            ),
            Self::Internal(_) => "The Worker could not complete the request (its session store failed). Try again.".into(),
        }
    }

    /// The provider's own error, when it sent one.
    fn provider_error(&self) -> Option<&ProviderError> {
        match self {
            Self::Token(e) => e.provider_error(),
            Self::SessionEnded(e) => e.as_ref(),
            _ => None,
        }
    }

    /// The complete answer: status, JSON body, and the cookies the failure clears.
    pub(crate) fn into_reply(self) -> Reply {
        let mut body = json!({"code": self.code(), "message": self.message()});
        if let (Some(e), Value::Object(map)) = (self.provider_error(), &mut body) {
            map.insert("error".into(), e.error.as_str().into());
            if let Some(d) = &e.error_description {
                map.insert("error_description".into(), d.as_str().into());
            }
        }
        let mut reply = Reply::json(self.status(), body);
        match self {
            Self::NoSession | Self::SessionEnded(_) => reply.cookies.push(cookies::clear_session()),
            Self::MethodNotAllowed => reply.headers.push(("Allow".into(), "POST, OPTIONS".into())),
            _ => {}
        }
        reply
    }
}

impl From<TokenError> for WorkerError {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::error::ErrorCode;

    use super::*;

    #[test]
    fn contract_codes_and_statuses() {
        let cases: Vec<(WorkerError, u16, &str)> = vec![
            (WorkerError::BadRequest("x".into()), 400, "bad_request"),
            (
                WorkerError::UnknownProvider("x".into()),
                400,
                "unknown_provider",
            ),
            (WorkerError::NoTransaction, 400, "no_transaction"),
            (
                WorkerError::TransactionMismatch("state"),
                400,
                "transaction_mismatch",
            ),
            (WorkerError::IssuerMismatch, 400, "issuer_mismatch"),
            (WorkerError::NoSession, 401, "no_session"),
            (WorkerError::SessionEnded(None), 401, "session_ended"),
            (WorkerError::CsrfHeaderMissing, 403, "csrf_header_missing"),
            (WorkerError::OriginNotAllowed, 403, "origin_not_allowed"),
            (
                WorkerError::Token(TokenError::Unavailable { status: 503 }),
                502,
                "provider_unavailable",
            ),
            (
                WorkerError::Unreachable("dns".into()),
                502,
                "provider_unavailable",
            ),
            (
                WorkerError::Token(TokenError::InvalidField {
                    field: "access_token",
                }),
                502,
                "invalid_token_response",
            ),
            (
                WorkerError::Config {
                    key: "SESSION_KEY".into(),
                    problem: "is not set".into(),
                },
                500,
                "config_error",
            ),
        ];
        for (err, status, code) in cases {
            let reply = err.into_reply();
            assert_eq!(reply.status, status, "{code}");
            assert_eq!(reply.body["code"], code);
            assert!(reply.body["message"].as_str().unwrap().len() > 20, "{code}");
        }
    }

    #[test]
    fn provider_error_is_carried() {
        let err = WorkerError::Token(TokenError::Provider {
            status: 400,
            error: ProviderError {
                error: ErrorCode::InvalidClient,
                error_description: Some("bad secret".into()),
                error_uri: None,
            },
        });
        let reply = err.into_reply();
        assert_eq!(reply.status, 502);
        assert_eq!(reply.body["code"], "provider_rejected");
        assert_eq!(reply.body["error"], "invalid_client");
        assert_eq!(reply.body["error_description"], "bad secret");
    }

    #[test]
    fn session_failures_clear_the_cookie_and_config_names_the_key() {
        let reply = WorkerError::SessionEnded(None).into_reply();
        assert_eq!(reply.cookies, [cookies::clear_session()]);
        let reply = WorkerError::Config {
            key: "CLIENT_SECRET_DEFAULT".into(),
            problem: "is not set".into(),
        }
        .into_reply();
        assert!(reply.body["message"]
            .as_str()
            .unwrap()
            .contains("CLIENT_SECRET_DEFAULT"));
    }
}
