//! `POST /auth/token`: redeem the authorization code (RFC 6749 §4.1.3) for a session.
//!
//! Opens and always clears the tx cookie, checks the callback against it, exchanges the code as
//! the confidential client, fetches user info when the provider has an endpoint for it, and
//! stores the new session.
use oauth_edge_shared::secret::AuthorizationCode;
use oauth_edge_shared::token::{parse_token_response, signed_token_request, Grant, TokenError};
use oauth_edge_shared::transaction::CodeReturn;
use serde::Deserialize;

use oauth_edge_shared::dpop::DpopKey;
use oauth_edge_shared::oidc::id_token::Check;

use super::{start_session, user_info, Call, SessionExtras};
use crate::cookies;
use crate::dpop;
use crate::effects::random;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::oidc;
use crate::reply::Reply;
use crate::transaction;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequestBody {
    code: AuthorizationCode,
    state: String,
    code_verifier: String,
    #[serde(default)]
    iss: Option<String>,
}

/// The request body, with a code.
fn read_request(body: &[u8]) -> Result<TokenRequestBody, WorkerError> {
    let body: TokenRequestBody = super::json_body(body)?;
    if body.code.expose().is_empty() {
        return Err(WorkerError::BadRequest("`code` is empty".into()));
    }
    Ok(body)
}

/// What this route reads from a request body before it looks at anything else (the fuzz targets'
/// entry, `crate::fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn read_body(body: &[u8]) -> Result<(), WorkerError> {
    read_request(body).map(drop)
}

/// Handles the call. The tx cookie is cleared whatever the outcome: a transaction is used once.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let reply = exchange(call).await.unwrap_or_else(WorkerError::into_reply);
    Ok(reply.with_cookie(cookies::clear_tx()))
}

async fn exchange<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let body = read_request(&call.body)?;
    let tx = call
        .cookie(cookies::TX)
        .and_then(|sealed| transaction::open(&call.config.keys, sealed, call.now))
        .ok_or(WorkerError::NoTransaction)?;
    let provider = call.config.provider(Some(&tx.provider))?;
    tx.check_code(
        &CodeReturn {
            state: &body.state,
            code_verifier: &body.code_verifier,
            iss: body.iss.as_deref(),
        },
        provider.config.issuer.as_deref(),
        provider.config.require_iss,
    )?;
    super::count_login_finish(call).await?;

    let request = signed_token_request(
        &provider.config,
        &provider.client_secret,
        &Grant::AuthorizationCode {
            code: &body.code,
            code_verifier: Some(&body.code_verifier),
        },
        &serde_json::Map::new(),
        &call.request_context()?,
    );
    // DPoP (RFC 9449): a key for this session, proven on the exchange and every later use.
    let dpop_key = match provider.config.dpop {
        true => Some(
            DpopKey::from_entropy(&random(call.fx)?)
                .ok_or_else(|| WorkerError::Internal("no DPoP key from this randomness".into()))?,
        ),
        false => None,
    };
    let timeout = call.config.upstream_timeout;
    let answer = match &dpop_key {
        Some(key) => dpop::send_token_request(call.fx, &request, key, timeout).await?,
        None => call.fx.send(&request, timeout).await?,
    };
    let tokens = parse_token_response(&provider.config, &answer)?;
    // RFC 9449 §5: a bound token comes back as `DPoP`. A provider that ignored the proof and
    // answered a Bearer token would leave the operator believing tokens are sender-constrained.
    if dpop_key.is_some() && !tokens.token_type.as_str().eq_ignore_ascii_case("dpop") {
        return Err(TokenError::InvalidField {
            field: "token_type (DPoP was asked for)",
        }
        .into());
    }

    // An OpenID Connect login (it sent a nonce): the ID token is checked before anything is
    // kept, and the user is its claims (with userinfo's, if `sub` agrees).
    let (user, valid) = match tx.nonce() {
        Some(nonce) => {
            let id_token = tokens.id_token.as_ref().map(|t| t.expose());
            let valid = oidc::check_login(call.fx, call.config, provider, id_token, nonce).await?;
            let user = user_info(
                call,
                provider,
                &tokens,
                valid.user_claims(),
                dpop_key.as_ref(),
            )
            .await;
            if user.get("sub") != valid.claims.get("sub") {
                return Err(WorkerError::IdTokenInvalid(Check::UserinfoSub));
            }
            (user, Some(valid))
        }
        None => (
            user_info(
                call,
                provider,
                &tokens,
                serde_json::Map::new(),
                dpop_key.as_ref(),
            )
            .await,
            None,
        ),
    };
    let extras = SessionExtras {
        id_token: valid.as_ref(),
        dpop_key: dpop_key.map(|k| k.secret()),
    };
    let (record, cookie) = start_session(call, provider, tokens, user, extras).await?;
    Ok(Reply::ok(&record.token_view()).with_cookie(cookie))
}
