//! `POST /auth/refresh`: a fresh access token (RFC 6749 §6), one refresh for every tab, isolate
//! and location.
//!
//! The caller says which token it holds (`held_expires_at`). If the stored one is newer, another
//! tab or call already refreshed and it is answered as is; otherwise the session's refresh
//! authority (a Durable Object, [`crate::objects::refresh_authority`]) decides: it refreshes at
//! the provider if no one has meanwhile, stores the rotated refresh token before answering, and
//! ends the session only when the provider refuses the current refresh token.
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::UnixTime;
use serde::Deserialize;

use super::Call;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::store::SessionId;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    #[serde(default)]
    held_expires_at: Option<UnixTime>,
}

/// What this route reads from a request body before it looks at anything else (the fuzz targets'
/// entry, `crate::fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn read_body(body: &[u8]) -> Result<(), WorkerError> {
    super::json_body::<RefreshRequest>(body).map(drop)
}

/// Handles the call.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let body: RefreshRequest = call.json()?;
    let (id, record) = current_session(call).await?;
    let record = if record.newer_than(body.held_expires_at, call.now) {
        record
    } else {
        renew(call, &id, record, true).await?
    };
    Ok(Reply::ok(&record.token_view()))
}

/// The session named by the cookie, or [`WorkerError::NoSession`].
pub(crate) async fn current_session<E: Effects>(
    call: &Call<'_, E>,
) -> Result<(SessionId, SessionRecord), WorkerError> {
    let id = call.session_id().ok_or(WorkerError::NoSession)?;
    let record = call
        .store()
        .load(&id, call.now)
        .await?
        .ok_or(WorkerError::NoSession)?;
    Ok((id, record))
}

/// A current session for a caller that read `seen` (from KV, possibly stale): asked of the
/// session's refresh authority. `force`: a new access token even if `seen`'s is not due (the user
/// asked, or an API refused it).
pub(crate) async fn renew<E: Effects>(
    call: &Call<'_, E>,
    id: &SessionId,
    seen: SessionRecord,
    force: bool,
) -> Result<SessionRecord, WorkerError> {
    call.fx.refresh(&id.kv_key(), &seen, force).await
}
