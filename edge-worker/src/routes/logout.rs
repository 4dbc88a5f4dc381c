//! `POST /auth/logout`: revoke what the provider lets us revoke (RFC 7009: the refresh token,
//! then the access token; or the provider's own way), delete the session, clear every oauth-edge
//! cookie (the session's and a pending login's). Idempotent.
use oauth_edge_shared::oidc::logout::end_session_url;
use oauth_edge_shared::revoke::{
    access_token_revocation_request, revoked, session_revocation_request,
};
use oauth_edge_shared::session::SessionRecord;
use serde::Deserialize;
use serde_json::json;

use super::Call;
use crate::cookies;
use crate::effects::{random, Effects};
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::store::SessionId;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutRequest {
    /// Also end the user's session at the provider (OpenID Connect RP-initiated logout): the
    /// answer then carries `end_session_url`, where the page sends the browser.
    #[serde(default)]
    everywhere: bool,
}

/// Handles the call. A revocation that fails does not keep the user logged in: the session is
/// deleted regardless, and the failure is logged.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let request: LogoutRequest = call.json()?;
    let ended = match call.session_id() {
        Some(id) => end_session(call, &id).await?,
        None => None,
    };
    let mut answer = json!({"logged_out": true});
    if let (true, Some(record)) = (request.everywhere, &ended) {
        if let Ok(provider) = call.config.provider(Some(&record.provider)) {
            let state = oauth_edge_shared::b64::url_encode(&random::<16>(call.fx)?);
            let hint = record.id_token.as_ref().map(|t| t.expose());
            if let Some(url) = end_session_url(&provider.config, hint, &state) {
                answer["end_session_url"] = url.into();
            }
        }
    }
    Ok(Reply::ok(&answer)
        .with_cookie(cookies::clear_session())
        .with_cookie(cookies::clear_tx()))
}

/// Ends session `id`: first at its refresh authority (so that no refresh running or to come can
/// bring it back), then at the provider (revocation of what the authority held, or of the KV
/// record if it was never refreshed), then in KV. Only a session KV knows reaches the authority:
/// a made-up cookie creates no object.
pub(crate) async fn end_session<E: Effects>(
    call: &Call<'_, E>,
    id: &SessionId,
) -> Result<Option<SessionRecord>, WorkerError> {
    let store = call.store();
    let mut ended = None;
    if let Some(kv_record) = store.load(id, call.now).await? {
        // If the authority cannot be reached, the session still ends here (revoked as KV knows
        // it, deleted, cookies cleared): a logout never fails closed.
        let held = match call.fx.logout(&id.kv_key(), kv_record.created_at).await {
            Ok(held) => held,
            Err(e) => {
                call.fx
                    .warn(&format!("logout: refresh authority: {}", e.code()));
                None
            }
        };
        let record = held.unwrap_or(kv_record);
        revoke(call, &record).await;
        ended = Some(record);
    }
    store.delete(id).await?;
    Ok(ended)
}

/// Revokes the session's tokens the provider's way, when it has a revocation endpoint: the grant
/// (the refresh token, or the access token where there is none), then the access token itself
/// (RFC 7009 §2.1 lets a server keep it alive otherwise). Failures are logged, never answered:
/// used by logout and by a login that replaces a session.
pub(crate) async fn revoke<E: Effects>(call: &Call<'_, E>, record: &SessionRecord) {
    let Ok(provider) = call.config.provider(Some(&record.provider)) else {
        return;
    };
    let secret = &provider.client_secret;
    let requests = [
        call.request_context()
            .ok()
            .and_then(|ctx| session_revocation_request(&provider.config, secret, record, &ctx)),
        call.request_context().ok().and_then(|ctx| {
            access_token_revocation_request(&provider.config, secret, record, &ctx)
        }),
    ];
    if requests.iter().all(Option::is_none) {
        // Not silent (issue 8): the operator learns the tokens outlive the session.
        call.fx.warn(&format!(
            "logout: provider `{}` has no known revocation endpoint: its tokens stay valid until they expire (set `revocation_endpoint`, or its metadata lacks one)",
            provider.name
        ));
    }
    for request in requests.into_iter().flatten() {
        match call.fx.send(&request, call.config.upstream_timeout).await {
            Ok(answer) if revoked(answer.status) => {}
            Ok(answer) => call
                .fx
                .warn(&format!("revocation answered HTTP {}", answer.status)),
            Err(e) => call.fx.warn(&format!("revocation: {}", e.code())),
        }
    }
}
