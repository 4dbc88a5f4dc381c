//! `POST /auth/session`: who is logged in (after a reload). Refreshes first when the stored access
//! token has expired or is about to.
use super::refresh::{current_session, renew};
use super::Call;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;

/// Handles the call.
pub(crate) async fn handle<E: Effects>(call: &Call<'_, E>) -> Result<Reply, WorkerError> {
    let (id, record) = current_session(call).await?;
    let record = if record.needs_refresh(call.now) {
        renew(call, &id, record, false).await?
    } else {
        record
    };
    Ok(Reply::ok(&record.token_view()))
}
