//! Every way a request can fail, and — in one place — the status and JSON body each one answers.
//!
//! The body is `{"code", "message"}` plus, when the provider said something, its RFC 6749 `error`
//! and `error_description` (docs/worker-api.md, "Errors"). Every such answer carries
//! [`ERROR_HEADER`]`: 1`: the API proxy passes an API's own status and JSON through, so the body
//! alone cannot tell the library a Worker refusal from an API answer that looks like one.
use oauth_edge_shared::codes::{self, Origin, Status};
use oauth_edge_shared::error::ProviderError;
use oauth_edge_shared::oidc::id_token::Check;
use oauth_edge_shared::proxy::ProxyPathError;
use oauth_edge_shared::token::TokenError;
use serde_json::{json, Value};

use crate::cookies;
use crate::reply::Reply;

/// Marks the Worker's own error answers (never set on a proxied API answer). Cross-origin callers
/// may read it: it is in `Access-Control-Expose-Headers` (see `csrf::Origins::cors_headers`).
pub(crate) const ERROR_HEADER: &str = "X-OAuth-Edge-Error";

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
    /// No endpoint, callback or proxied API at this path.
    NotFound,
    /// The endpoint exists but not for this method; carries the methods it takes (`Allow`).
    MethodNotAllowed(String),
    /// The provider does not allow the password grant here (`allow_password_grant` is off).
    PasswordGrantDisabled,
    /// The provider refused the username and password.
    LoginFailed(ProviderError),
    /// The provider has no registration endpoint.
    RegistrationUnavailable,
    /// The provider refused the registration: its status and, when it said, its error.
    RegistrationFailed {
        /// The provider's HTTP status.
        status: u16,
        /// Its error code and description.
        error: Option<ProviderError>,
    },
    /// The API proxy refused the path (it could leave the configured base).
    BadPath(ProxyPathError),
    /// The session was made with another provider than the API's: its token is not sent there.
    ProviderMismatch,
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
    /// A provider's own configuration (its entry, its client secret) is wrong: that provider is
    /// turned off, the others work.
    ProviderMisconfigured {
        /// Its name in `PROVIDERS`.
        provider: String,
        /// Every key to fix and what is wrong with it (for the log).
        detail: String,
    },
    /// The Worker's own machinery (KV, the runtime) failed.
    Internal(String),
    /// The request body is larger than the configured limit (in bytes).
    BodyTooLarge {
        /// The limit that applies to this path.
        limit: usize,
    },
    /// The provider's ID token failed a check (OIDC Core §3.1.3.7): nothing of that answer is
    /// kept, no session exists.
    IdTokenInvalid(Check),
    /// A back-channel logout's token was refused (Back-Channel Logout 1.0 §2.8): which check,
    /// or `replayed`.
    LogoutTokenInvalid(&'static str),
    /// Too many attempts: try again after this many seconds.
    RateLimited {
        /// Seconds until the window that refused the call ends (`Retry-After`).
        retry_after: u64,
    },
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
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::PasswordGrantDisabled => "password_grant_disabled",
            Self::LoginFailed(_) => "login_failed",
            Self::RegistrationUnavailable => "registration_unavailable",
            Self::RegistrationFailed { .. } => "registration_failed",
            Self::BadPath(_) => "bad_path",
            Self::ProviderMismatch => "provider_mismatch",
            Self::Token(e) => e.code(),
            Self::Unreachable(_) => "provider_unavailable",
            Self::Config { .. } | Self::ProviderMisconfigured { .. } => "config_error",
            Self::Internal(_) => "internal_error",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::RateLimited { .. } => "rate_limited",
            Self::IdTokenInvalid(_) => "id_token_invalid",
            Self::LogoutTokenInvalid(_) => "logout_token_invalid",
        }
    }

    /// The HTTP status: the registry's (`oauth_edge_shared::codes`), or for
    /// `registration_failed` the provider's own refusal status (409 for a taken name), 502 when the
    /// provider failed.
    pub(crate) fn status(&self) -> u16 {
        match (self, codes::worker_code(self.code()).map(|c| c.origin)) {
            (_, Some(Origin::Worker(Status::Fixed(status)))) => status,
            (Self::RegistrationFailed { status, .. }, _) if (400..500).contains(status) => *status,
            _ => 502,
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
            Self::NotFound => "Nothing is served at this path: no such auth endpoint, provider callback or proxied API.".into(),
            Self::MethodNotAllowed(allow) => format!("This endpoint takes {allow} only."),
            Self::PasswordGrantDisabled => "This provider does not allow signing in with a username and password here. Use the normal login.".into(),
            Self::LoginFailed(_) => "The provider refused the username or password. Check them and try again.".into(),
            Self::RegistrationUnavailable => "This provider offers no registration through this app.".into(),
            Self::RegistrationFailed { .. } => "The provider refused the registration (see `error`, e.g. the name is taken). Change the details and try again.".into(),
            Self::ProviderMismatch => "You are logged in with another provider than this API's. Log in with this API's provider to call it.".into(),
            Self::BadPath(why) => format!(
                "The API path is refused ({}): it must stay below the configured API.",
                match why {
                    ProxyPathError::DotSegment => "a `.` or `..` segment, plain or encoded",
                    ProxyPathError::EncodedSeparator =>
                        "an encoded slash or backslash, a backslash or a control character",
                    ProxyPathError::NotAPath => "`//`, `@` or an absolute URL",
                }
            ),
            Self::Token(TokenError::Provider { error, .. }) => error.error.message().into(),
            Self::Token(TokenError::Unavailable { status }) => format!(
                "The sign-in service failed (HTTP {status}). Try again in a moment."
            ),
            Self::Token(_) => "The sign-in service answered something that is not a valid token response. Try again; if it persists, the provider configuration needs checking.".into(),
            Self::Unreachable(_) => "The sign-in service could not be reached. Try again in a moment.".into(),
            // The caller may be anyone: what is wrong goes to the Worker's log (`log_detail`), not
            // into the answer (issue 6, finding 9).
            Self::Config { .. } => "The Worker is misconfigured. Its operator must check the Worker's log, which names the setting to fix.".into(),
            // The name is the caller's own (or the default's, which the app knows): nothing of the
            // configuration is told.
            Self::ProviderMisconfigured { provider, .. } => format!(
                "The sign-in provider `{provider}` is misconfigured, so it is turned off (the Worker's other providers work). Its operator must check the Worker's log, which names the setting to fix."
            ),
            Self::Internal(_) => "The Worker could not complete the request (its session store failed). Try again.".into(),
            Self::BodyTooLarge { limit } => format!(
                "The request body is larger than this endpoint accepts ({limit} bytes). Send less."
            ),
            Self::RateLimited { retry_after } => format!(
                "Too many attempts. Wait {retry_after} seconds (Retry-After) and try again."
            ),
            Self::LogoutTokenInvalid(what) => format!(
                "The logout token was refused (`{what}`): no session was ended. Send a valid, fresh, signed logout token."
            ),
            Self::IdTokenInvalid(check) => format!(
                "The provider's ID token failed the `{}` check, so the login was refused and nothing was kept. Log in again; if it keeps failing, the provider or its configuration must be fixed.",
                check.as_str()
            ),
        }
    }

    /// What the operator must read in the Worker's log and the caller must not: the misconfigured
    /// key, the internal failure, the unreachable provider. Never a token or a user's input.
    pub(crate) fn log_detail(&self) -> Option<String> {
        match self {
            Self::Config { key, problem } => Some(format!("{key} {problem}")),
            Self::ProviderMisconfigured { provider, detail } => Some(format!(
                "provider `{provider}` is turned off (the others work): {detail}"
            )),
            Self::Internal(detail) | Self::Unreachable(detail) => Some(detail.clone()),
            _ => None,
        }
    }

    /// The provider's own error, when it sent one.
    fn provider_error(&self) -> Option<&ProviderError> {
        match self {
            Self::Token(e) => e.provider_error(),
            Self::SessionEnded(e) | Self::RegistrationFailed { error: e, .. } => e.as_ref(),
            Self::LoginFailed(e) => Some(e),
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
        if let (Self::IdTokenInvalid(check), Value::Object(map)) = (&self, &mut body) {
            map.insert("check".into(), check.as_str().into());
        }
        // §2.8: the provider reads an OAuth error.
        if let (Self::LogoutTokenInvalid(what), Value::Object(map)) = (&self, &mut body) {
            map.insert("error".into(), "invalid_request".into());
            map.insert(
                "error_description".into(),
                format!("logout token: {what}").into(),
            );
        }
        let mut reply = Reply::json(self.status(), body);
        reply.headers.push((ERROR_HEADER.into(), "1".into()));
        match self {
            Self::NoSession | Self::SessionEnded(_) => reply.cookies.push(cookies::clear_session()),
            Self::MethodNotAllowed(allow) => reply.headers.push(("Allow".into(), allow)),
            Self::RateLimited { retry_after } => reply
                .headers
                .push(("Retry-After".into(), retry_after.to_string())),
            _ => {}
        }
        reply
    }

    /// The answer on a top-level navigation (the provider's redirect to the Worker's callback):
    /// `303` to the app's root with the code in `oauth_edge_error`, the tx cookie cleared. The
    /// library reads the code and scrubs it from the address bar.
    pub(crate) fn into_redirect(self) -> Reply {
        Reply::redirect(&format!("/?oauth_edge_error={}", self.code()))
            .with_cookie(cookies::clear_tx())
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
                WorkerError::MethodNotAllowed("GET".into()),
                405,
                "method_not_allowed",
            ),
            (
                WorkerError::PasswordGrantDisabled,
                403,
                "password_grant_disabled",
            ),
            (
                WorkerError::LoginFailed(ProviderError {
                    error: ErrorCode::InvalidGrant,
                    error_description: None,
                    error_uri: None,
                }),
                401,
                "login_failed",
            ),
            (
                WorkerError::RegistrationUnavailable,
                404,
                "registration_unavailable",
            ),
            (
                WorkerError::RegistrationFailed {
                    status: 409,
                    error: None,
                },
                409,
                "registration_failed",
            ),
            (
                WorkerError::RegistrationFailed {
                    status: 503,
                    error: None,
                },
                502,
                "registration_failed",
            ),
            (
                WorkerError::BadPath(ProxyPathError::DotSegment),
                400,
                "bad_path",
            ),
            (WorkerError::ProviderMismatch, 403, "provider_mismatch"),
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
                WorkerError::BodyTooLarge { limit: 16384 },
                413,
                "body_too_large",
            ),
            (
                WorkerError::RateLimited { retry_after: 30 },
                429,
                "rate_limited",
            ),
            (
                WorkerError::Config {
                    key: "SESSION_KEY".into(),
                    problem: "is not set".into(),
                },
                500,
                "config_error",
            ),
            (
                WorkerError::ProviderMisconfigured {
                    provider: "px".into(),
                    detail: "CLIENT_SECRET_PX is not set".into(),
                },
                500,
                "config_error",
            ),
        ];
        for (err, status, code) in cases {
            // Every code the Worker answers is in the registry, with this status.
            let registered = codes::worker_code(err.code())
                .unwrap_or_else(|| panic!("{} is not in oauth_edge_shared::codes", err.code()));
            let agrees = match registered.origin {
                Origin::Worker(Status::Fixed(s)) => s == status,
                Origin::Worker(Status::Provider) => code == "registration_failed",
                Origin::Client => false,
            };
            assert!(agrees, "{code}: {:?} vs {status}", registered.origin);
            let reply = err.into_reply();
            assert_eq!(reply.status, status, "{code}");
            assert_eq!(reply.body["code"], code);
            assert!(reply.body["message"].as_str().unwrap().len() > 20, "{code}");
            assert!(
                reply.headers.contains(&(ERROR_HEADER.into(), "1".into())),
                "{code}"
            );
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
    fn session_failures_clear_the_cookie_and_config_names_the_key_in_the_log_only() {
        let reply = WorkerError::SessionEnded(None).into_reply();
        assert_eq!(reply.cookies, [cookies::clear_session()]);
        let err = WorkerError::Config {
            key: "CLIENT_SECRET_DEFAULT".into(),
            problem: "is not set".into(),
        };
        assert_eq!(
            err.log_detail().as_deref(),
            Some("CLIENT_SECRET_DEFAULT is not set")
        );
        let reply = err.into_reply();
        let message = reply.body["message"].as_str().unwrap();
        assert!(!message.contains("CLIENT_SECRET"), "{message}");
        assert!(message.contains("log"), "{message}");
    }

    #[test]
    fn a_turned_off_provider_is_named_in_the_answer_and_its_key_in_the_log_only() {
        let err = WorkerError::ProviderMisconfigured {
            provider: "px".into(),
            detail: "CLIENT_SECRET_PX is not set".into(),
        };
        let detail = err.log_detail().unwrap();
        assert!(
            detail.contains("`px`") && detail.contains("CLIENT_SECRET_PX"),
            "{detail}"
        );
        let reply = err.into_reply();
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains("`px`"), "{message}");
        assert!(!message.contains("CLIENT_SECRET"), "{message}");
    }

    #[test]
    fn callback_failures_redirect_with_the_code() {
        let reply = WorkerError::TransactionMismatch("tx").into_redirect();
        assert_eq!(reply.status, 303);
        let h = reply.header_list();
        assert!(h.contains(&(
            "Location".into(),
            "/?oauth_edge_error=transaction_mismatch".into()
        )));
        assert_eq!(reply.cookies, [cookies::clear_tx()]);
    }

    #[test]
    fn rate_limited_says_when_to_retry() {
        let reply = WorkerError::RateLimited { retry_after: 42 }.into_reply();
        assert!(reply.headers.contains(&("Retry-After".into(), "42".into())));
    }

    #[test]
    fn method_not_allowed_lists_the_methods() {
        let reply = WorkerError::MethodNotAllowed("GET, POST".into()).into_reply();
        assert!(reply
            .headers
            .contains(&("Allow".into(), "GET, POST".into())));
    }
}
