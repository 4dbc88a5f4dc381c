//! `POST /auth/logout`: revoke the refresh token at the provider (RFC 7009) when it has a
//! revocation endpoint, delete the session, clear the cookie. Idempotent.
use oauth_edge_shared::revoke::{revoked, session_revocation_request};
use oauth_edge_shared::session::SessionRecord;
use serde_json::json;

use super::Call;
use crate::cookies;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::upstream;

/// Handles the call. A revocation that fails does not keep the user logged in: the session is
/// deleted regardless, and the failure is logged.
pub(crate) async fn handle(call: &Call<'_>) -> Result<Reply, WorkerError> {
    if let Some(id) = call.session_id() {
        let store = call.store()?;
        if let Some(record) = store.load(&id, call.now).await? {
            revoke(call, &record).await;
        }
        store.delete(&id).await?;
    }
    Ok(Reply::ok(&json!({"logged_out": true})).with_cookie(cookies::clear_session()))
}

/// Revokes the session's grant the provider's way (RFC 7009 with the refresh token by default),
/// when the provider has a revocation endpoint.
async fn revoke(call: &Call<'_>, record: &SessionRecord) {
    let (Ok(provider), Ok(ctx)) = (
        call.config.provider(Some(&record.provider)),
        call.request_context(),
    ) else {
        return;
    };
    let Some(request) =
        session_revocation_request(&provider.config, &provider.client_secret, record, &ctx)
    else {
        return;
    };
    match upstream::send(&request, call.config.upstream_timeout).await {
        Ok(answer) if revoked(answer.status) => {}
        Ok(answer) => worker::console_warn!("revocation answered HTTP {}", answer.status),
        Err(e) => worker::console_warn!("revocation: {}", e.message()),
    }
}
