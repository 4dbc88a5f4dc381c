//! Everything the session logic ([`crate::routes`]) does to the world, as small traits: the
//! clock, randomness, HTTP to a provider, KV, the session's refresh authority, the rate limiter,
//! the app's client-credentials tokens, and the log.
//!
//! The routes are generic over [`Effects`] (all of them at once), so the same code runs in two
//! places:
//!
//! | where | implementation |
//! |---|---|
//! | the Worker (workerd) | [`runtime::Runtime`]: `Date.now()`, `crypto.getRandomValues`, `fetch`, the `SESSIONS` KV binding, the Durable Objects of [`crate::objects`], `console` |
//! | native tests (`cargo test`) | `fake::Fakes`: a settable clock, counted bytes, an in-memory provider, a KV that can be told to fail, the pure refresh authority driven in memory |
//!
//! There is no `wait_until` effect: no route defers work past its answer. The work that must
//! outlive a request (a refresh answer that comes late) belongs to the session's refresh
//! authority, which keeps it inside its Durable Object (see
//! [`crate::objects::refresh_authority`]).
#[cfg(test)]
pub(crate) mod fake;
pub(crate) mod runtime;

use std::time::Duration;

use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::secret::AccessToken;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::UnixTime;

use crate::config::limits::Rate;
use crate::config::Provider;
use crate::error::WorkerError;
use crate::objects::client_tokens::ClientToken;

/// Now.
pub(crate) trait Clock {
    /// Now, in whole seconds since the UNIX epoch.
    fn now(&self) -> UnixTime;
}

/// A cryptographically secure source of random bytes.
pub(crate) trait Randomness {
    /// Fills `out`; an error when the platform has no randomness to give (never silently zeros).
    fn fill(&self, out: &mut [u8]) -> Result<(), WorkerError>;
}

/// `N` random bytes from `source`.
pub(crate) fn random<const N: usize>(source: &impl Randomness) -> Result<[u8; N], WorkerError> {
    let mut bytes = [0u8; N];
    source.fill(&mut bytes)?;
    Ok(bytes)
}

/// HTTP to providers and APIs.
pub(crate) trait Fetch {
    /// Sends `request` and reads the whole answer; redirects are not followed. No answer within
    /// `timeout` (or none at all) is [`WorkerError::Unreachable`].
    async fn send(
        &self,
        request: &HttpRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, WorkerError>;
}

/// The session namespace (eventually consistent: a read may be up to a minute old elsewhere).
pub(crate) trait Kv {
    /// The value under `key`, if any.
    async fn kv_get(&self, key: &str) -> Result<Option<String>, WorkerError>;
    /// Stores `value` under `key` for `ttl` seconds (at least 60).
    async fn kv_put(&self, key: &str, value: String, ttl: u64) -> Result<(), WorkerError>;
    /// Deletes `key` (no error if it is absent).
    async fn kv_delete(&self, key: &str) -> Result<(), WorkerError>;
}

/// The refresh authority of each session (strongly consistent, one per session): it decides
/// every refresh and orders logout after it (issue 7).
pub(crate) trait Authority {
    /// A current session for a caller that read `seen` from KV (possibly stale); `force`: a new
    /// access token even if `seen`'s is not due. The session's end is
    /// [`WorkerError::SessionEnded`] (or [`WorkerError::NoSession`] after a logout).
    async fn refresh(
        &self,
        kv_key: &str,
        seen: &SessionRecord,
        force: bool,
    ) -> Result<SessionRecord, WorkerError>;
    /// Ends the session (which began at `created_at`) so that no refresh can bring it back; the
    /// record to revoke, if the authority held one newer than KV's.
    async fn logout(
        &self,
        kv_key: &str,
        created_at: UnixTime,
    ) -> Result<Option<SessionRecord>, WorkerError>;
}

/// Attempt counters shared by every isolate.
pub(crate) trait Limiter {
    /// Counts one attempt for `key` under `rate`: [`WorkerError::RateLimited`] when over.
    async fn count(&self, key: &str, rate: Rate) -> Result<(), WorkerError>;
}

/// The app's own client-credentials tokens, one holder per provider.
pub(crate) trait ClientTokens {
    /// `provider`'s current app token; `refused`: the one an API just refused, if any.
    async fn client_token(
        &self,
        provider: &Provider,
        refused: Option<&AccessToken>,
    ) -> Result<ClientToken, WorkerError>;
}

/// Which sessions a provider's back-channel logout ends (one strongly consistent index per
/// provider user and per provider session).
pub(crate) trait SessionIndex {
    /// Indexes session `kv_key` of `provider`'s user `sub` (from provider session `sid`) until
    /// `until`.
    async fn index_session(
        &self,
        provider: &str,
        sub: &str,
        sid: Option<&str>,
        kv_key: &str,
        until: UnixTime,
    ) -> Result<(), WorkerError>;
    /// The KV keys of the sessions a logout token (`jti`, and its `sub` and/or `sid`) ends, or
    /// [`Replayed`](crate::objects::session_index::Replayed) for a `jti` acted on before.
    /// Nothing is recorded yet.
    async fn sessions_to_end(
        &self,
        provider: &str,
        sub: Option<&str>,
        sid: Option<&str>,
        jti: &str,
    ) -> Result<Result<Vec<String>, crate::objects::session_index::Replayed>, WorkerError>;
    /// Records that the logout token ended `ended`: they leave the index, the `jti` is spent.
    async fn sessions_ended(
        &self,
        provider: &str,
        sub: Option<&str>,
        sid: Option<&str>,
        jti: &str,
        ended: &[String],
    ) -> Result<(), WorkerError>;
}

/// The operator's log. Messages never carry a token or a secret (the "logs hold no secrets"
/// stage of the test command checks what the Worker prints).
pub(crate) trait Log {
    /// A warning: something failed that did not fail the request.
    fn warn(&self, message: &str);
}

/// Every effect the session logic uses.
pub(crate) trait Effects:
    Clock + Randomness + Fetch + Kv + Authority + Limiter + ClientTokens + SessionIndex + Log
{
}

impl<T> Effects for T where
    T: Clock + Randomness + Fetch + Kv + Authority + Limiter + ClientTokens + SessionIndex + Log
{
}
