//! `POST /auth/register`: user registration at providers that offer it (`registration_endpoint`,
//! e.g. the plain SSO service). The Worker forwards only the username and password; the
//! provider's refusal comes back as `registration_failed` with its status and its error.
//!
//! The request and the reading of the answer are [`oauth_edge_shared::register`]. Attempts are
//! counted per user name and per client address like `/auth/password`'s (a script could otherwise
//! enumerate taken names through the provider's `409`).
use oauth_edge_shared::register::{
    parse_registration_response, registration_request, RegistrationRefused,
};
use serde::Deserialize;
use serde_json::json;

use super::Call;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    #[serde(default)]
    provider: Option<String>,
    username: String,
    password: String,
}

/// What this route reads from a request body before it looks at anything else (the fuzz targets'
/// entry, `crate::fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn read_body(body: &[u8]) -> Result<(), WorkerError> {
    super::json_body::<RegisterRequest>(body).map(drop)
}

/// Handles the call.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let body: RegisterRequest = call.json()?;
    let provider = call.config.provider(body.provider.as_deref())?;
    let request = registration_request(&provider.config, body.username.trim(), &body.password)
        .ok_or(WorkerError::RegistrationUnavailable)?;
    if body.username.trim().is_empty() || body.password.is_empty() {
        return Err(WorkerError::BadRequest(
            "`username` and `password` must not be empty".into(),
        ));
    }
    super::count_login_attempt(call, &provider.name, body.username.trim()).await?;
    let answer = call.fx.send(&request, call.config.upstream_timeout).await?;
    parse_registration_response(&provider.config, &answer)?;
    Ok(Reply::json(201, json!({"registered": true})))
}

impl From<RegistrationRefused> for WorkerError {
    fn from(r: RegistrationRefused) -> Self {
        Self::RegistrationFailed {
            status: r.status,
            error: r.error,
        }
    }
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::error::{ErrorCode, ProviderError};

    use super::*;

    /// A refusal keeps the provider's status (409 for a taken name) and error; a provider that
    /// failed is a 502.
    #[test]
    fn refusals_answer_as_before() {
        let taken = WorkerError::from(RegistrationRefused {
            status: 409,
            error: Some(ProviderError {
                error: ErrorCode::Other("username already exists".into()),
                error_description: None,
                error_uri: None,
            }),
        });
        assert_eq!((taken.code(), taken.status()), ("registration_failed", 409));
        let failed = WorkerError::from(RegistrationRefused {
            status: 500,
            error: None,
        });
        assert_eq!(
            (failed.code(), failed.status()),
            ("registration_failed", 502)
        );
    }
}
