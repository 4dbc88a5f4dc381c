//! In-memory effects for the native tests of the session logic: a clock the test sets, counted
//! "random" bytes, a KV that can be told to fail, the in-memory [`provider::FakeProvider`], the
//! refresh authority's pure machine (`oauth_edge_shared::authority`) driven in memory with the
//! Durable Object's own request, settle and mirror code, and the rate limiter's and client-token
//! holder's pure decisions. Nothing here waits: every future is ready when first polled, and
//! [`block_on`] runs one.
pub(crate) mod provider;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use oauth_edge_shared::authority::{Authority as Machine, Step};
use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::secret::AccessToken;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::{parse_token_response, RequestContext};
use oauth_edge_shared::UnixTime;

use self::provider::FakeProvider;
use super::{
    random, Authority, ClientTokens, Clock, Fetch, Kv, Limiter, Log, Randomness, SessionIndex,
};
use crate::config::limits::Rate;
use crate::config::{Config, Provider};
use crate::error::WorkerError;
use crate::objects::client_tokens::{
    client_credentials_request, fingerprint, must_fetch, ClientToken,
};
use crate::objects::rate_limiter::{attempt, Decision, Window};
use crate::objects::refresh_authority::{
    checked_outcome, conclude, finish, into_result, mirror, refresh_request, Answer,
};
use crate::objects::session_index;

/// Runs a future whose effects are all in memory (it must not stay pending).
pub(crate) fn block_on<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("a fake effect stayed pending")
}

/// Which KV operations fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KvFailure {
    pub(crate) reads: bool,
    pub(crate) writes: bool,
}

/// The world of one native test.
pub(crate) struct Fakes {
    /// The configuration the routes and the authority read.
    pub(crate) config: Config,
    /// Now (UNIX seconds).
    pub(crate) clock: Cell<UnixTime>,
    drawn: Cell<u64>,
    /// KV: key → (value, expiry).
    pub(crate) kv: RefCell<BTreeMap<String, (String, UnixTime)>>,
    /// Which KV operations fail.
    pub(crate) kv_failure: Cell<KvFailure>,
    /// The provider and its API.
    pub(crate) provider: RefCell<FakeProvider>,
    /// The refresh authorities, by KV key.
    pub(crate) authorities: RefCell<BTreeMap<String, Machine>>,
    /// The authority's Durable Object cannot be reached.
    pub(crate) authority_down: Cell<bool>,
    windows: RefCell<BTreeMap<String, Window>>,
    client_tokens: RefCell<BTreeMap<String, ClientToken>>,
    /// The back-channel logout indexes, by object name.
    pub(crate) indexes: RefCell<BTreeMap<String, session_index::Index>>,
    /// What was logged.
    pub(crate) log: RefCell<Vec<String>>,
}

impl Fakes {
    /// A world at `now` with `config`.
    pub(crate) fn new(config: Config, now: UnixTime) -> Self {
        Self {
            config,
            clock: Cell::new(now),
            drawn: Cell::new(0),
            kv: RefCell::default(),
            kv_failure: Cell::default(),
            provider: RefCell::default(),
            authorities: RefCell::default(),
            authority_down: Cell::new(false),
            windows: RefCell::default(),
            client_tokens: RefCell::default(),
            indexes: RefCell::default(),
            log: RefCell::default(),
        }
    }

    /// Moves the clock on.
    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.set(self.clock.get() + seconds);
    }

    fn unreachable(what: &str) -> WorkerError {
        WorkerError::Unreachable(format!("{what}: no answer"))
    }
}

impl Clock for Fakes {
    fn now(&self) -> UnixTime {
        self.clock.get()
    }
}

impl Randomness for Fakes {
    /// Distinct bytes on every draw (a counter), so ids, nonces and states never repeat.
    fn fill(&self, out: &mut [u8]) -> Result<(), WorkerError> {
        let n = self.drawn.get() + 1;
        self.drawn.set(n);
        for (i, b) in out.iter_mut().enumerate() {
            *b = (n.rotate_left(i as u32 % 64) as u8) ^ (i as u8);
        }
        let len = out.len().min(8);
        out[..len].copy_from_slice(&n.to_le_bytes()[..len]);
        Ok(())
    }
}

impl Fetch for Fakes {
    async fn send(
        &self,
        request: &HttpRequest,
        _timeout: Duration,
    ) -> Result<HttpResponse, WorkerError> {
        let now = self.now();
        self.provider
            .borrow_mut()
            .handle(request, now)
            .ok_or_else(|| Self::unreachable(&request.url))
    }
}

impl Kv for Fakes {
    async fn kv_get(&self, key: &str) -> Result<Option<String>, WorkerError> {
        if self.kv_failure.get().reads {
            return Err(WorkerError::Internal("KV: read failed".into()));
        }
        let now = self.now();
        Ok(self
            .kv
            .borrow()
            .get(key)
            .filter(|(_, expiry)| now < *expiry)
            .map(|(v, _)| v.clone()))
    }

    async fn kv_put(&self, key: &str, value: String, ttl: u64) -> Result<(), WorkerError> {
        if self.kv_failure.get().writes {
            return Err(WorkerError::Internal("KV: write failed".into()));
        }
        assert!(ttl >= 60, "KV refuses an expirationTtl under 60 s");
        let expiry = self.now() + ttl;
        self.kv.borrow_mut().insert(key.to_owned(), (value, expiry));
        Ok(())
    }

    async fn kv_delete(&self, key: &str) -> Result<(), WorkerError> {
        if self.kv_failure.get().writes {
            return Err(WorkerError::Internal("KV: write failed".into()));
        }
        self.kv.borrow_mut().remove(key);
        Ok(())
    }
}

impl Authority for Fakes {
    /// What the `RefreshAuthority` object does for one caller, minus its storage and its waits
    /// (a fake caller never finds another refresh in flight: nothing here runs concurrently —
    /// the concurrent case is `shared/tests/refresh_simulation.rs` and the edge-scale suite).
    async fn refresh(
        &self,
        kv_key: &str,
        seen: &SessionRecord,
        force: bool,
    ) -> Result<SessionRecord, WorkerError> {
        if self.authority_down.get() {
            return Err(WorkerError::Internal(
                "Durable Object REFRESH_AUTHORITY: fetch: unreachable".into(),
            ));
        }
        let now = self.now();
        let step = self
            .authorities
            .borrow_mut()
            .entry(kv_key.to_owned())
            .or_default()
            .refresh(seen, force, now);
        let sent = match step {
            Step::Answer(verdict) => {
                return into_result(conclude(&self.config, self, kv_key, verdict).await)
            }
            Step::Wait => return Err(Self::unreachable("refresh authority (in flight)")),
            Step::Send(sent) => sent,
        };
        let record = self.authorities.borrow()[kv_key]
            .record
            .clone()
            .unwrap_or_else(|| seen.clone());
        let ctx = RequestContext {
            now,
            entropy: random(self)?,
        };
        let (provider, request) = refresh_request(&self.config, &record, &sent, &ctx, None)?;
        // A lost answer is not settled: the machine resends after LOST_AFTER (as the object does).
        let response = self.send(&request, self.config.upstream_timeout).await?;
        let (outcome, failed) =
            checked_outcome(&self.config, self, provider, &record, &response).await;
        let settled = self
            .authorities
            .borrow_mut()
            .get_mut(kv_key)
            .map(|m| m.settle(&sent, outcome, self.now()))
            .ok_or_else(|| WorkerError::Internal("authority vanished".into()))?;
        let answer = finish(&self.config, self, kv_key, &record.provider, settled).await;
        into_result(failed.map_or(answer, Answer::IdTokenInvalid))
    }

    async fn logout(
        &self,
        kv_key: &str,
        _created_at: UnixTime,
    ) -> Result<Option<SessionRecord>, WorkerError> {
        if self.authority_down.get() {
            return Err(WorkerError::Internal(
                "Durable Object REFRESH_AUTHORITY: fetch: unreachable".into(),
            ));
        }
        let held = self
            .authorities
            .borrow_mut()
            .entry(kv_key.to_owned())
            .or_default()
            .logout();
        mirror(&self.config, self, kv_key, None).await;
        Ok(held)
    }
}

impl Limiter for Fakes {
    async fn count(&self, key: &str, rate: Rate) -> Result<(), WorkerError> {
        let mut windows = self.windows.borrow_mut();
        let (window, decision) = attempt(windows.get(key).copied(), rate, self.now() * 1000);
        windows.insert(key.to_owned(), window);
        match decision {
            Decision::Allowed => Ok(()),
            Decision::Refused { retry_after } => Err(WorkerError::RateLimited { retry_after }),
        }
    }
}

impl ClientTokens for Fakes {
    async fn client_token(
        &self,
        provider: &Provider,
        refused: Option<&AccessToken>,
    ) -> Result<ClientToken, WorkerError> {
        let now = self.now();
        let held = self.client_tokens.borrow().get(&provider.name).cloned();
        let refused = refused.map(fingerprint);
        if !must_fetch(held.as_ref(), refused.as_deref(), now) {
            if let Some(token) = held {
                return Ok(token);
            }
        }
        let ctx = RequestContext {
            now,
            entropy: random(self)?,
        };
        let request = client_credentials_request(provider, &ctx);
        let response = self.send(&request, self.config.upstream_timeout).await?;
        let token = ClientToken::new(parse_token_response(&provider.config, &response)?, now);
        self.client_tokens
            .borrow_mut()
            .insert(provider.name.clone(), token.clone());
        Ok(token)
    }
}

impl SessionIndex for Fakes {
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
        let now = self.now();
        let mut indexes = self.indexes.borrow_mut();
        for name in session_index::objects_of(provider, sub, sid) {
            indexes.entry(name).or_default().add(entry.clone(), now);
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
        let Some((name, sid)) = session_index::object_for(provider, sub, sid) else {
            return Ok(Ok(Vec::new()));
        };
        let now = self.now();
        Ok(self
            .indexes
            .borrow_mut()
            .entry(name)
            .or_default()
            .find(jti, sid, now))
    }

    async fn sessions_ended(
        &self,
        provider: &str,
        sub: Option<&str>,
        sid: Option<&str>,
        jti: &str,
        ended: &[String],
    ) -> Result<(), WorkerError> {
        if let Some((name, _)) = session_index::object_for(provider, sub, sid) {
            let now = self.now();
            let mut indexes = self.indexes.borrow_mut();
            indexes.entry(name).or_default().confirm(jti, ended, now);
        }
        Ok(())
    }
}

impl Log for Fakes {
    fn warn(&self, message: &str) {
        self.log.borrow_mut().push(message.to_owned());
    }
}
