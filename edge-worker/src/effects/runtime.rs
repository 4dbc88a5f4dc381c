//! The effects on workerd: the runtime's clock and CSPRNG, `fetch`, the `SESSIONS` KV binding,
//! the Durable Objects of [`crate::objects`], and `console`. Each method is one call into the
//! runtime (or into an object's typed client); no decision is taken here.
use std::time::Duration;

use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::secret::AccessToken;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::UnixTime;
use worker::{Env, KvStore};

use super::{Authority, ClientTokens, Clock, Fetch, Kv, Limiter, Log, Randomness, SessionIndex};
use crate::config::limits::Rate;
use crate::config::Provider;
use crate::error::WorkerError;
use crate::objects::client_tokens::{self, ClientToken};
use crate::objects::{rate_limiter, refresh_authority, session_index};
use crate::{clock, entropy, upstream};

/// The KV binding of the session store.
pub(crate) const SESSIONS: &str = "SESSIONS";

/// The Worker's bindings, as [`super::Effects`].
#[derive(Clone, Copy)]
pub(crate) struct Runtime<'a> {
    pub(crate) env: &'a Env,
}

impl<'a> Runtime<'a> {
    /// The effects of `env`.
    pub(crate) fn new(env: &'a Env) -> Self {
        Self { env }
    }

    fn kv(&self) -> Result<KvStore, WorkerError> {
        self.env.kv(SESSIONS).map_err(|_| WorkerError::Config {
            key: SESSIONS.to_owned(),
            problem: "is not bound to a KV namespace".to_owned(),
        })
    }
}

fn kv_error(e: worker::KvError) -> WorkerError {
    WorkerError::Internal(format!("KV: {e}"))
}

impl Clock for Runtime<'_> {
    fn now(&self) -> UnixTime {
        clock::now()
    }
}

impl Randomness for Runtime<'_> {
    fn fill(&self, out: &mut [u8]) -> Result<(), WorkerError> {
        entropy::fill(out)
    }
}

impl Fetch for Runtime<'_> {
    async fn send(
        &self,
        request: &HttpRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, WorkerError> {
        upstream::send(request, timeout).await
    }
}

impl Kv for Runtime<'_> {
    async fn kv_get(&self, key: &str) -> Result<Option<String>, WorkerError> {
        self.kv()?.get(key).text().await.map_err(kv_error)
    }

    async fn kv_put(&self, key: &str, value: String, ttl: u64) -> Result<(), WorkerError> {
        self.kv()?
            .put(key, value)
            .map_err(kv_error)?
            .expiration_ttl(ttl)
            .execute()
            .await
            .map_err(kv_error)
    }

    async fn kv_delete(&self, key: &str) -> Result<(), WorkerError> {
        self.kv()?.delete(key).await.map_err(kv_error)
    }
}

impl Authority for Runtime<'_> {
    async fn refresh(
        &self,
        kv_key: &str,
        seen: &SessionRecord,
        force: bool,
    ) -> Result<SessionRecord, WorkerError> {
        refresh_authority::refresh(self.env, kv_key, seen, force).await
    }

    async fn logout(
        &self,
        kv_key: &str,
        created_at: UnixTime,
    ) -> Result<Option<SessionRecord>, WorkerError> {
        refresh_authority::logout(self.env, kv_key, created_at).await
    }
}

impl Limiter for Runtime<'_> {
    async fn count(&self, key: &str, rate: Rate) -> Result<(), WorkerError> {
        rate_limiter::check(self.env, key, rate).await
    }
}

impl ClientTokens for Runtime<'_> {
    async fn client_token(
        &self,
        provider: &Provider,
        refused: Option<&AccessToken>,
    ) -> Result<ClientToken, WorkerError> {
        client_tokens::token(self.env, provider, refused).await
    }
}

impl SessionIndex for Runtime<'_> {
    async fn index_session(
        &self,
        provider: &str,
        sub: &str,
        sid: Option<&str>,
        kv_key: &str,
        until: UnixTime,
    ) -> Result<(), WorkerError> {
        let entry = session_index::Entry {
            kv_key: kv_key.to_owned(),
            sid: sid.map(str::to_owned),
            until,
        };
        for name in session_index::objects_of(provider, sub, sid) {
            session_index::add(self.env, &name, entry.clone()).await?;
        }
        Ok(())
    }

    async fn sessions_to_end(
        &self,
        provider: &str,
        sub: Option<&str>,
        sid: Option<&str>,
        jti: &str,
    ) -> Result<Result<Vec<String>, session_index::Replayed>, WorkerError> {
        match session_index::object_for(provider, sub, sid) {
            Some((name, sid)) => session_index::find(self.env, &name, jti, sid).await,
            None => Ok(Ok(Vec::new())),
        }
    }

    async fn sessions_ended(
        &self,
        provider: &str,
        sub: Option<&str>,
        sid: Option<&str>,
        jti: &str,
        ended: &[String],
    ) -> Result<(), WorkerError> {
        match session_index::object_for(provider, sub, sid) {
            Some((name, _)) => session_index::confirm(self.env, &name, jti, ended).await,
            None => Ok(()),
        }
    }
}

impl Log for Runtime<'_> {
    fn warn(&self, message: &str) {
        worker::console_warn!("{message}");
    }
}
