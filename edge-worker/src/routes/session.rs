//! `POST /auth/session`: who is logged in (after a reload). Refreshes first when the stored access
//! token has expired or is about to.
//!
//! No session is a normal answer here, not an error: `204` without a body (the session cookie
//! cleared, as `no_session` clears it elsewhere). Every logged-out page load asks this, and a 4xx
//! would be printed in red in every app's console.
use super::refresh::{current_session, renew};
use super::Call;
use crate::cookies;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;

/// Handles the call: `200` token view, `204` without a session.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    match view(call).await {
        Err(WorkerError::NoSession) => Ok(Reply::empty(204).with_cookie(cookies::clear_session())),
        other => other,
    }
}

async fn view<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let (id, record) = current_session(call).await?;
    let record = if record.needs_refresh(call.now) {
        renew(call, &id, record, false).await?
    } else {
        record
    };
    Ok(Reply::ok(&record.token_view()))
}
