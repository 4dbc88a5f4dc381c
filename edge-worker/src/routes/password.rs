//! `POST /auth/password`: the resource owner password credentials grant (RFC 6749 §4.3), only for
//! providers that opt in (`allow_password_grant`): it hands the user's password to the app
//! (RFC 9700 §2.4), so it is off unless a provider's integration calls for it (Paytronix's guest
//! login, the plain SSO service's token endpoint).
//!
//! The Worker adds the client's credentials and the dialect's fields; the provider's refusal is
//! `401 login_failed` with its error. The username is kept as user information (when the
//! provider's answer and userinfo do not say it already): some dialects send it again with every
//! refresh (`refresh_params_from_user`).
//!
//! With `Origin` forgeable outside browsers, this endpoint would relay credential stuffing with the
//! app's own client secret: attempts are counted per user name and per client address across every
//! isolate (`super::count_login_attempt`), over the limit answering `429 rate_limited`. The user
//! name is never logged.
use oauth_edge_shared::token::{parse_token_response, signed_token_request, Grant, TokenError};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{start_session, user_info, Call};
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordRequest {
    #[serde(default)]
    provider: Option<String>,
    username: String,
    password: String,
}

/// What this route reads from a request body before it looks at anything else (the fuzz targets'
/// entry, `crate::fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn read_body(body: &[u8]) -> Result<(), WorkerError> {
    super::json_body::<PasswordRequest>(body).map(drop)
}

/// Handles the call.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let body: PasswordRequest = call.json()?;
    let provider = call.config.provider(body.provider.as_deref())?;
    if !provider.config.allow_password_grant {
        return Err(WorkerError::PasswordGrantDisabled);
    }
    let username = body.username.trim();
    if username.is_empty() || body.password.is_empty() {
        return Err(WorkerError::BadRequest(
            "`username` and `password` must not be empty".into(),
        ));
    }
    super::count_login_attempt(call, &provider.name, username).await?;
    let request = signed_token_request(
        &provider.config,
        &provider.client_secret,
        &Grant::Password {
            username,
            password: &body.password,
        },
        &Map::new(),
        &call.request_context()?,
    );
    let tokens = match parse_token_response(
        &provider.config,
        &call.fx.send(&request, call.config.upstream_timeout).await?,
    ) {
        Ok(tokens) => tokens,
        Err(TokenError::Provider { error, .. }) => return Err(WorkerError::LoginFailed(error)),
        Err(e) => return Err(e.into()),
    };
    let mut user = user_info(call, provider, &tokens, Map::new(), None).await;
    user.entry("username")
        .or_insert_with(|| Value::from(username));
    let (record, cookie) = start_session(call, provider, tokens, user, Default::default()).await?;
    Ok(Reply::ok(&record.token_view()).with_cookie(cookie))
}
