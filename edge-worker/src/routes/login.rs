//! `POST /auth/login`: begin a login. Builds the authorization URL (RFC 6749 §4.1.1 with the
//! browser's PKCE challenge, at the requested endpoint variant) and seals the pending transaction
//! into the tx cookie.
//!
//! For a provider that delivers tokens in the redirect, the redirect goes to the Worker's own
//! callback (`/callback/<provider>`) with a one-time `tx` value appended; the value is sealed in the
//! tx cookie too, and the callback checks one against the other.
use oauth_edge_shared::authorize::{authorization_url_for, is_s256_challenge};
use oauth_edge_shared::oidc::is_openid;
use oauth_edge_shared::par::{par_request, parse_par_response, pushed_authorization_url};
use oauth_edge_shared::provider::Delivery;
use oauth_edge_shared::return_to::safe_return_to;
use oauth_edge_shared::state;
use oauth_edge_shared::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::Call;
use crate::cookies;
use crate::effects::{random, Effects};
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::transaction;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    #[serde(default)]
    provider: Option<String>,
    state: String,
    code_challenge: String,
    /// A named authorization endpoint (e.g. a locale); unknown names use the default one.
    #[serde(default)]
    variant: Option<String>,
    /// Where the Worker sends the browser after a login whose tokens come to it.
    #[serde(default)]
    return_to: Option<String>,
}

#[derive(Serialize)]
struct LoginAnswer<'a> {
    authorization_url: String,
    issuer: Option<&'a str>,
    provider: &'a str,
    /// The callback parameter carrying the code (`None` when the Worker receives tokens).
    code_param: Option<&'a str>,
    /// `code`: the app's callback page redeems a code at `/token`; `worker`: the provider
    /// redirects to the Worker, which ends the login itself.
    delivery: &'static str,
}

/// Handles the call.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let request = read_request(&call.body)?;
    let provider = call.config.provider(request.provider.as_deref())?;
    let (tx, delivery) = match provider.config.dialect.delivery {
        Delivery::Code { .. } => {
            let tx = Transaction::for_code(
                &provider.name,
                &request.state,
                &request.code_challenge,
                transaction::expires_at(call.now),
            );
            // OpenID Connect: a nonce the ID token must carry back, kept in the sealed tx cookie
            // (OIDC Core §3.1.2.1, §15.5.2).
            let tx = if is_openid(&provider.config.scope) {
                tx.with_nonce(&random(call.fx)?)
            } else {
                tx
            };
            (tx, "code")
        }
        Delivery::RedirectTokens { .. } => (
            Transaction::for_tokens(
                &provider.name,
                &random(call.fx)?,
                safe_return_to(request.return_to.as_deref().unwrap_or("/")),
                transaction::expires_at(call.now),
            ),
            "worker",
        ),
    };
    // The redirect URI the provider sees: the configured one, plus `tx` for tokens to the Worker.
    let mut config = provider.config.clone();
    config.redirect_uri = tx.redirect_uri(&provider.config.redirect_uri);
    if let Some(nonce) = tx.nonce() {
        config
            .authorization_params
            .push(("nonce".into(), nonce.to_owned()));
    }
    let url = if config.uses_par() {
        // RFC 9126: the parameters go to the provider directly, authenticated as this client;
        // the browser's URL carries only `client_id` and the `request_uri` it answered.
        let push = par_request(
            &config,
            &provider.client_secret,
            &request.state,
            &request.code_challenge,
            &call.request_context()?,
        )
        .ok_or_else(|| WorkerError::Internal("no pushed-authorization endpoint".into()))?;
        let answer = call.fx.send(&push, call.config.upstream_timeout).await?;
        let pushed = parse_par_response(&config, &answer)?;
        pushed_authorization_url(&config, request.variant.as_deref(), &pushed)
    } else {
        authorization_url_for(
            &config,
            request.variant.as_deref(),
            &request.state,
            &request.code_challenge,
        )
    };
    let sealed = transaction::seal(&tx, &call.config.keys, random(call.fx)?);
    Ok(Reply::ok(&LoginAnswer {
        authorization_url: url,
        issuer: provider.config.issuer.as_deref(),
        provider: &provider.name,
        code_param: provider.config.dialect.code_param(),
        delivery,
    })
    .with_cookie(cookies::set_tx(&sealed)))
}

/// The request body, with a state and a challenge of the right shape.
fn read_request(body: &[u8]) -> Result<LoginRequest, WorkerError> {
    let request: LoginRequest = super::json_body(body)?;
    if !state::is_well_formed(&request.state) {
        return Err(WorkerError::BadRequest(
            "`state` must be 22 to 256 base64url characters".into(),
        ));
    }
    if !is_s256_challenge(&request.code_challenge) {
        return Err(WorkerError::BadRequest(
            "`code_challenge` must be an S256 challenge (43 base64url characters)".into(),
        ));
    }
    Ok(request)
}

/// What this route reads from a request body before it looks at anything else (the fuzz targets'
/// entry, `crate::fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn read_body(body: &[u8]) -> Result<(), WorkerError> {
    read_request(body).map(drop)
}
