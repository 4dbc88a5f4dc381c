//! `POST /auth/refresh`: a fresh access token (RFC 6749 §6), one refresh for every tab.
//!
//! The caller says which token it holds (`held_expires_at`). If the stored one is newer, another
//! tab or call already refreshed and it is answered as is; otherwise the Worker refreshes,
//! storing the rotated refresh token. A refused grant (`invalid_grant`) ends the session.
//!
//! A refresh the provider has not answered within `UPSTREAM_TIMEOUT_MS` answers the caller
//! `502 provider_unavailable` but is not abandoned: a provider that rotates refresh tokens may
//! still finish it, and the old token would then look replayed (RFC 9700 §4.14.2) and the grant be
//! revoked. The request runs on under `ctx.wait_until`, and its late answer is stored.
use oauth_edge_shared::error::ErrorCode;
use oauth_edge_shared::provider::ProviderConfig;
use oauth_edge_shared::secret::RefreshToken;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::{parse_token_response, signed_token_request, Grant, TokenError};
use oauth_edge_shared::UnixTime;
use serde::Deserialize;

use super::Call;
use crate::error::WorkerError;
use crate::refresh_lock::Turn;
use crate::reply::Reply;
use crate::store::{SessionId, SessionStore};
use crate::upstream::{self, Pending, Sent};

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
pub(crate) async fn handle(call: &Call<'_>) -> Result<Reply, WorkerError> {
    let body: RefreshRequest = call.json()?;
    let (id, record) = current_session(call).await?;
    let record = if record.newer_than(body.held_expires_at, call.now) {
        record
    } else {
        renew(call, &id, record).await?
    };
    Ok(Reply::ok(&record.token_view()))
}

/// The session named by the cookie, or [`WorkerError::NoSession`].
pub(crate) async fn current_session(
    call: &Call<'_>,
) -> Result<(SessionId, SessionRecord), WorkerError> {
    let id = call.session_id().ok_or(WorkerError::NoSession)?;
    let record = call
        .store()?
        .load(&id, call.now)
        .await?
        .ok_or(WorkerError::NoSession)?;
    Ok((id, record))
}

/// Refreshes `seen` (the record the caller read) at its provider and stores the result. Waits for
/// any refresh of the same session already running in this isolate and then reuses its tokens
/// (see [`crate::refresh_lock`]). Ends the session (deletes it) when the provider refuses the
/// grant, or when there is nothing to refresh with and the access token has expired. A provider
/// that does not answer in time is [`WorkerError::Unreachable`]; its late answer is stored by
/// [`keep_late_answer`].
pub(crate) async fn renew(
    call: &Call<'_>,
    id: &SessionId,
    seen: SessionRecord,
) -> Result<SessionRecord, WorkerError> {
    let store = call.store()?;
    let turn = Turn::take(&id.kv_key()).await?;
    let mut record = match store.load(id, call.now).await? {
        Some(current)
            if current.access_token != seen.access_token && !current.needs_refresh(call.now) =>
        {
            return Ok(current); // refreshed by another call while this one waited
        }
        Some(current) => current,
        None => return Err(WorkerError::NoSession), // ended or logged out meanwhile
    };
    let provider = call.config.provider(Some(&record.provider));
    let (Some(refresh_token), Ok(provider)) = (record.refresh_token.clone(), provider) else {
        if call.now < record.expires_at {
            return Ok(record);
        }
        store.delete(id).await?;
        return Err(WorkerError::SessionEnded(None));
    };
    let request = signed_token_request(
        &provider.config,
        &provider.client_secret,
        &Grant::RefreshToken {
            refresh_token: &refresh_token,
        },
        &record.user,
        &call.request_context()?,
    );
    let response = match upstream::send_keeping_late(&request, call.config.upstream_timeout).await?
    {
        Sent::Answered(response) => response,
        Sent::Late { error, pending } => {
            call.ctx.wait_until(keep_late_answer(
                Late {
                    store,
                    id: id.clone(),
                    sent: refresh_token,
                    provider: provider.config.clone(),
                    now: call.now,
                    turn,
                },
                pending,
            ));
            return Err(error);
        }
    };
    match parse_token_response(&provider.config, &response) {
        Ok(tokens) => {
            record.apply_tokens(tokens, call.now);
            store.save(id, &record, call.now, &provider.config).await?;
            Ok(record)
        }
        Err(TokenError::Provider { error, .. }) if error.error == ErrorCode::InvalidGrant => {
            store.delete(id).await?;
            Err(WorkerError::SessionEnded(Some(error)))
        }
        Err(e) => Err(e.into()),
    }
}

/// What a refresh that outlives its request needs to store its answer: owned, for `wait_until`.
struct Late {
    store: SessionStore,
    id: SessionId,
    /// The refresh token the request sent.
    sent: RefreshToken,
    provider: ProviderConfig,
    /// When the request was sent (token lifetimes count from then).
    now: UnixTime,
    /// The session's refresh turn, held until the answer is stored, so no other call in this
    /// isolate sends the old refresh token meanwhile.
    turn: Turn,
}

/// Waits for the answer of a refresh the caller was told had failed, and stores its tokens if the
/// session still holds the refresh token that was sent (it was not refreshed, ended or logged out
/// meanwhile). A refusal or a failure is only logged: the next refresh meets it again.
async fn keep_late_answer(late: Late, pending: Pending) {
    let Late {
        store,
        id,
        sent,
        provider,
        now,
        turn: _turn,
    } = late;
    let stored = async {
        let tokens = parse_token_response(&provider, &pending.await?)?;
        match store.load(&id, now).await? {
            Some(mut record) if record.refresh_token.as_ref() == Some(&sent) => {
                record.apply_tokens(tokens, now);
                store.save(&id, &record, now, &provider).await?;
                Ok(true)
            }
            _ => Ok::<_, WorkerError>(false),
        }
    };
    match stored.await {
        Ok(true) => worker::console_log!("refresh: stored the provider's late answer"),
        Ok(false) => worker::console_warn!("refresh: late answer dropped, the session moved on"),
        Err(e) => worker::console_warn!("refresh: late answer: {}: {}", e.code(), e.message()),
    }
}
