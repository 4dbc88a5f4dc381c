//! `POST <AUTH_PREFIX>/backchannel-logout/<provider>`: the provider says a user's session with it
//! ended ([OpenID Connect Back-Channel Logout 1.0](https://openid.net/specs/openid-connect-backchannel-1_0.html)),
//! and every oauth-edge session of that user (or of that provider session, `sid`) ends at once.
//!
//! The caller is the provider's server, not a browser: no `X-OAuth-Edge` header or `Origin` is
//! asked for. What authenticates the call is the logout token itself — signed by the provider's
//! key, for this client, fresh, with the logout event and no nonce (`oauth_edge_shared::oidc::
//! logout_token`) — and its `jti` is acted on once, by the session index's Durable Object that
//! every copy of the token reaches. Each session found ends as a logout does (its refresh
//! authority first, so no refresh can bring it back; then KV); the page learns it on its next
//! call (`no_session`, and the library's `sessionEnded`). The provider already ended the grant,
//! so nothing is revoked.
//!
//! Answers: `200` with an empty JSON object; `400 logout_token_invalid` with an OAuth `error`
//! (`invalid_request`) and `error_description` naming the check or `replayed` (§2.8); `500
//! internal_error` when a session could not be ended (its authority or KV failed) — the token is
//! then not spent, so the provider's retry is acted on.
use oauth_edge_shared::form;
use oauth_edge_shared::oidc::is_openid;
use serde_json::json;

use super::Call;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::oidc;
use crate::reply::Reply;

/// Handles a logout token for provider `name`.
pub(crate) async fn handle<E: Effects>(
    call: &Call<'_, E>,
    name: &str,
) -> Result<Reply, WorkerError> {
    // A provider its configuration turned off answers `500 config_error`: its server retries.
    if let Some(off) = call.config.disabled(name) {
        return Err(off.error());
    }
    let provider = call
        .config
        .providers
        .iter()
        .find(|p| p.name == name && is_openid(&p.config.scope))
        .ok_or(WorkerError::NotFound)?;
    let provider = call.config.provider(Some(&provider.name))?;
    // §2.5: `application/x-www-form-urlencoded`, one `logout_token`.
    let body = String::from_utf8_lossy(&call.body);
    let mut tokens = form::parse(&body)
        .into_iter()
        .filter(|(k, _)| k == "logout_token")
        .map(|(_, v)| v);
    let (Some(token), None) = (tokens.next(), tokens.next()) else {
        return Err(WorkerError::LogoutTokenInvalid("malformed"));
    };
    let valid = oidc::check_logout_token(call.fx, call.config, provider, &token).await?;
    let keys = call
        .fx
        .sessions_to_end(
            &provider.name,
            valid.sub.as_deref(),
            valid.sid.as_deref(),
            &valid.jti,
        )
        .await?
        .map_err(|_| WorkerError::LogoutTokenInvalid("replayed"))?;
    let store = call.store();
    let mut failed = None;
    for key in &keys {
        let created_at = match store.load_at(key, call.now).await {
            Ok(Some(record)) => record.created_at,
            _ => call.now,
        };
        // The authority's tombstone is what keeps a refresh from bringing the session back; KV
        // is what the other endpoints read. Both must hold before the token counts as acted on.
        let ended = match call.fx.logout(key, created_at).await {
            Ok(_) => store.delete_at(key).await,
            Err(e) => Err(e),
        };
        if let Err(e) = ended {
            call.fx.warn(&format!(
                "back-channel logout: a session did not end: {}",
                e.code()
            ));
            failed = Some(e);
        }
    }
    if let Some(e) = failed {
        // §2.8: an error, so the provider sends the token again; its jti is not spent yet.
        return Err(WorkerError::Internal(format!(
            "back-channel logout failed: {}",
            e.log_detail().unwrap_or_else(|| e.code().into())
        )));
    }
    call.fx
        .sessions_ended(
            &provider.name,
            valid.sub.as_deref(),
            valid.sid.as_deref(),
            &valid.jti,
            &keys,
        )
        .await?;
    Ok(Reply::ok(&json!({})))
}
