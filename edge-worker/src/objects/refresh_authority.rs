//! The refresh authority of one session, as a Durable Object (issue 7): every refresh of the
//! session, from any isolate in any location, is decided here, by
//! [`oauth_edge_shared::authority::Authority`] — the pure state machine the simulation in
//! `shared/tests/refresh_simulation.rs` drives through thousands of schedules.
//!
//! This shell only does what the machine asks: it keeps the machine's state in memory and, sealed,
//! in the object's storage (written **before** anyone is answered, so a new refresh token is never
//! only in memory); sends the refresh it asks for; mirrors the record into KV for the other
//! endpoints (KV is a cache now: a failed KV write is logged, the authority stays right); and
//! deletes everything with an alarm when the session's lifetime ends.
//!
//! Concurrency: while a refresh is on its way the object's input gate is open, so other callers
//! come in and hear [`Step::Wait`]; they poll the in-memory state until it settles. A provider
//! slower than `UPSTREAM_TIMEOUT_MS` answers the caller `provider_unavailable`, but its request
//! is not abandoned: its late answer is settled when it comes, up to
//! [`LOST_AFTER`](oauth_edge_shared::authority::LOST_AFTER); then it is aborted and counts as lost.
use std::cell::{Cell, RefCell};
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use oauth_edge_shared::authority::{
    Authority, Ending, Outcome, Settled, Step, Verdict, LOST_AFTER,
};
use oauth_edge_shared::dpop::{nonce_requested, sign_token_request, DpopKey};
use oauth_edge_shared::error::{ErrorCode, ProviderError};
use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::oidc::id_token::Check;
use oauth_edge_shared::oidc::is_openid;
use oauth_edge_shared::revoke::{access_token_revocation_request, session_revocation_request};
use oauth_edge_shared::secret::{AccessToken, RefreshToken};
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::{
    parse_token_response, signed_token_request, Grant, RequestContext, TokenError, TokenSet,
    TokenType,
};
use serde::{Deserialize, Serialize};
use worker::{durable_object, Delay, Env, Request, Response, State, Storage};

use crate::config::{Config, Provider};
use crate::effects::runtime::Runtime;
use crate::effects::{random, Clock, Fetch, Kv, Log, Randomness};
use crate::error::WorkerError;
use crate::seal::{self, Purpose};
use crate::store::SessionStore;
use crate::upstream::{self, Sent};
use crate::{clock, entropy};

/// The Durable Object binding (wrangler.toml).
pub(crate) const BINDING: &str = "REFRESH_AUTHORITY";
const STORAGE_KEY: &str = "authority";
/// How long a caller waits for another caller's refresh before it hears "try again": longer than
/// the longest upstream timeout (12 s).
const CALLER_WAIT: Duration = Duration::from_secs(15);
/// How often a waiting caller looks again.
const POLL: Duration = Duration::from_millis(50);

/// What the Worker asks.
#[derive(Serialize, Deserialize)]
enum Ask {
    /// A current access token for a caller holding `seen` (its KV view).
    Refresh {
        kv_key: String,
        seen: Box<SessionRecord>,
        force: bool,
    },
    /// The session is over: no refresh may bring it back. `created_at`: when the session began
    /// (the object's storage is deleted when the session could have ended anyway).
    Logout { kv_key: String, created_at: u64 },
}

/// What the object answers.
#[derive(Serialize, Deserialize)]
pub(crate) enum Answer {
    Current(Box<SessionRecord>),
    Ended(Ending),
    /// The provider refused for a reason other than `invalid_grant` (session kept).
    Rejected(ProviderError),
    /// The provider failed or answered nonsense (session kept); its HTTP status.
    Broken {
        status: u16,
        invalid: bool,
    },
    /// No answer in time, or the object's own machinery failed (session kept).
    Unavailable(String),
    /// The record to revoke, if the authority held one.
    LoggedOut(Option<Box<SessionRecord>>),
    /// The refresh answer's ID token failed this check: the answer was discarded and the session
    /// ended (its refresh token was spent).
    IdTokenInvalid(Check),
}

/// A current session for a caller holding `seen` (`force`: even if `seen` is not due). The
/// session's end is [`WorkerError::SessionEnded`] (or [`WorkerError::NoSession`] after a logout).
pub(crate) async fn refresh(
    env: &Env,
    kv_key: &str,
    seen: &SessionRecord,
    force: bool,
) -> Result<SessionRecord, WorkerError> {
    let ask = Ask::Refresh {
        kv_key: kv_key.to_owned(),
        seen: Box::new(seen.clone()),
        force,
    };
    into_result(super::ask::<_, Answer>(env, BINDING, kv_key, &ask).await?)
}

/// What a caller of [`refresh`] is told of the object's answer.
pub(crate) fn into_result(answer: Answer) -> Result<SessionRecord, WorkerError> {
    match answer {
        Answer::Current(record) => Ok(*record),
        Answer::Ended(Ending::LoggedOut) => Err(WorkerError::NoSession),
        Answer::Ended(Ending::Refused) => Err(WorkerError::SessionEnded(Some(ProviderError {
            error: ErrorCode::InvalidGrant,
            error_description: None,
            error_uri: None,
        }))),
        Answer::Ended(_) => Err(WorkerError::SessionEnded(None)),
        Answer::Rejected(error) => Err(TokenError::Provider { status: 400, error }.into()),
        Answer::Broken { invalid: true, .. } => Err(TokenError::InvalidField {
            field: "token response",
        }
        .into()),
        Answer::Broken { status, .. } => Err(TokenError::Unavailable { status }.into()),
        Answer::Unavailable(detail) => Err(WorkerError::Unreachable(detail)),
        Answer::IdTokenInvalid(check) => Err(WorkerError::IdTokenInvalid(check)),
        Answer::LoggedOut(_) => Err(WorkerError::Internal(
            "refresh authority: unexpected answer to a refresh".into(),
        )),
    }
}

fn detail_or(detail: impl Into<Option<String>>) -> String {
    detail
        .into()
        .unwrap_or_else(|| "the refresh authority".into())
}

/// Ends the session at its authority; the record to revoke, if it held one. `created_at`: when
/// the session began (its storage is deleted when the session could have ended anyway).
pub(crate) async fn logout(
    env: &Env,
    kv_key: &str,
    created_at: u64,
) -> Result<Option<SessionRecord>, WorkerError> {
    let ask = Ask::Logout {
        kv_key: kv_key.to_owned(),
        created_at,
    };
    match super::ask::<_, Answer>(env, BINDING, kv_key, &ask).await? {
        Answer::LoggedOut(record) => Ok(record.map(|r| *r)),
        _ => Err(WorkerError::Internal(
            "refresh authority: unexpected answer to logout".into(),
        )),
    }
}

/// The Durable Object.
#[durable_object]
pub struct RefreshAuthority {
    state: State,
    env: Env,
    /// The machine, once read from storage.
    machine: Rc<RefCell<Option<Authority>>>,
    /// Whether this instance has seen the end-of-session alarm set (it is then not asked for
    /// again on every request).
    alarm_set: Cell<bool>,
}

thread_local! {
    /// The configuration parsed from the bindings, once per isolate. Bindings do not change
    /// during an isolate's life (a new variable or secret is a new deployment, hence new
    /// isolates); parsing them again for every refresh (`PROVIDERS`' JSON, the keyring's HKDF
    /// subkeys, each binding read through JS) was a few per cent of a refresh's CPU.
    static PARSED: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

/// The configuration, with the providers configured by their issuer filled from their metadata.
/// Kept for the isolate when no provider uses discovery; otherwise read and discovered on every
/// call, as before (discovered metadata has its own freshness).
async fn config(env: &Env) -> Result<Rc<Config>, WorkerError> {
    if let Some(config) = PARSED.with(|p| p.borrow().clone()) {
        return Ok(config);
    }
    let mut config = Config::from_env(env)?;
    if config.providers.iter().any(|p| p.config.uses_discovery()) {
        crate::oidc::discover_all(&mut config, &Runtime::new(env)).await;
        return Ok(Rc::new(config));
    }
    let config = Rc::new(config);
    PARSED.with(|p| *p.borrow_mut() = Some(config.clone()));
    Ok(config)
}

impl worker::DurableObject for RefreshAuthority {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            machine: Rc::default(),
            alarm_set: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let ask: Ask = super::asked(&mut req).await?;
        let answer = match config(&self.env).await {
            Ok(config) => self.serve(&config, ask).await,
            Err(e) => Answer::Unavailable(e.log_detail().unwrap_or_default()),
        };
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.state.storage().delete_all().await?;
        *self.machine.borrow_mut() = Some(Authority::default());
        self.alarm_set.set(false);
        Response::empty()
    }
}

/// Where the machine's state lives: the object's storage, sealed and bound to the session.
struct Shelf<'a> {
    storage: Storage,
    config: &'a Config,
    location: String,
}

impl Shelf<'_> {
    /// The stored state; a failed read is an error (never mistaken for "no state", which would
    /// let a stale view replace the real one).
    async fn load(&self) -> Result<Authority, WorkerError> {
        let sealed = self
            .storage
            .get::<String>(STORAGE_KEY)
            .await
            .map_err(|e| WorkerError::Internal(format!("authority storage: {e}")))?;
        Ok(sealed
            .and_then(|s| seal::open(&self.config.keys, Purpose::Session, &self.location, &s))
            .and_then(|json| serde_json::from_slice(&json).ok())
            .unwrap_or_default())
    }

    async fn store(&self, machine: &Authority) -> Result<(), WorkerError> {
        let json = serde_json::to_vec(machine).unwrap_or_default();
        let sealed = seal::seal(
            &self.config.keys,
            Purpose::Session,
            &self.location,
            &json,
            entropy::random()?,
        );
        self.storage
            .put(STORAGE_KEY, sealed)
            .await
            .map_err(|e| WorkerError::Internal(format!("authority storage: {e}")))
    }
}

impl RefreshAuthority {
    async fn machine(&self, shelf: &Shelf<'_>) -> Result<Authority, WorkerError> {
        if let Some(m) = self.machine.borrow().clone() {
            return Ok(m);
        }
        let loaded = shelf.load().await?;
        Ok(self.machine.borrow_mut().get_or_insert(loaded).clone())
    }

    /// Applies `change` to the machine, stores the result if it changed, and returns what
    /// `change` returned.
    async fn change<T>(
        &self,
        shelf: &Shelf<'_>,
        change: impl FnOnce(&mut Authority) -> T,
    ) -> Result<T, WorkerError> {
        // No `await` between taking the state and putting it back: other callers may only come
        // in while it is being stored, and then see (and store after) this change. If storing
        // fails, the memory is dropped (read again from storage by the next caller) and this
        // caller is answered an error: nothing was sent.
        let before = self.machine(shelf).await?;
        let mut machine = before.clone();
        let out = change(&mut machine);
        if machine == before {
            return Ok(out);
        }
        *self.machine.borrow_mut() = Some(machine.clone());
        if let Err(e) = shelf.store(&machine).await {
            *self.machine.borrow_mut() = None;
            return Err(e);
        }
        Ok(out)
    }

    /// An alarm at the end of the session's lifetime deletes the object's storage: set on the
    /// first request, whatever it is.
    async fn schedule_end(&self, created_at: u64, config: &Config) {
        if self.alarm_set.get() {
            return;
        }
        let storage = self.state.storage();
        if storage.get_alarm().await.ok().flatten().is_some() {
            self.alarm_set.set(true);
            return;
        }
        let end_ms = created_at
            .saturating_add(config.session_ttl)
            .saturating_mul(1000);
        let in_ms = end_ms.saturating_sub(clock::now_ms()).max(1000);
        match storage
            .set_alarm(i64::try_from(in_ms).unwrap_or(i64::MAX))
            .await
        {
            Ok(()) => self.alarm_set.set(true),
            Err(e) => worker::console_warn!("refresh authority: alarm not set: {e}"),
        }
    }

    async fn serve(&self, config: &Config, ask: Ask) -> Answer {
        let (kv_key, created_at) = match &ask {
            Ask::Refresh { kv_key, seen, .. } => (kv_key.clone(), seen.created_at),
            Ask::Logout {
                kv_key, created_at, ..
            } => (kv_key.clone(), *created_at),
        };
        let shelf = Shelf {
            storage: self.state.storage(),
            config,
            location: format!("authority:{kv_key}"),
        };
        self.schedule_end(created_at, config).await;
        let result = match ask {
            Ask::Logout { .. } => self.logout(&shelf, &kv_key).await,
            Ask::Refresh { seen, force, .. } => self.refresh(&shelf, &kv_key, *seen, force).await,
        };
        result.unwrap_or_else(|e| Answer::Unavailable(e.log_detail().unwrap_or_default()))
    }

    async fn logout(&self, shelf: &Shelf<'_>, kv_key: &str) -> Result<Answer, WorkerError> {
        // The tombstone stays until the session could have ended anyway (the alarm).
        let record = self.change(shelf, Authority::logout).await?;
        mirror(shelf.config, &Runtime::new(&self.env), kv_key, None).await;
        Ok(Answer::LoggedOut(record.map(Box::new)))
    }

    async fn refresh(
        &self,
        shelf: &Shelf<'_>,
        kv_key: &str,
        seen: SessionRecord,
        force: bool,
    ) -> Result<Answer, WorkerError> {
        let started = clock::now_ms();
        loop {
            let now = clock::now();
            let step = self.change(shelf, |m| m.refresh(&seen, force, now)).await?;
            match step {
                Step::Answer(verdict) => return Ok(self.answer(shelf, kv_key, verdict).await),
                Step::Wait => {
                    if clock::now_ms().saturating_sub(started) >= CALLER_WAIT.as_millis() as u64 {
                        return Ok(Answer::Unavailable(
                            "another refresh of this session is still running".into(),
                        ));
                    }
                    Delay::from(POLL).await;
                }
                Step::Send(refresh_token) => {
                    return self.send(shelf, kv_key, &seen, refresh_token).await;
                }
            }
        }
    }

    /// Sends the refresh, settles its answer (now, or later if it is late) and answers.
    async fn send(
        &self,
        shelf: &Shelf<'_>,
        kv_key: &str,
        seen: &SessionRecord,
        sent: RefreshToken,
    ) -> Result<Answer, WorkerError> {
        let config = shelf.config;
        let record = self
            .machine(shelf)
            .await?
            .record
            .unwrap_or_else(|| seen.clone());
        let prepared = entropy::random().and_then(|entropy| {
            let ctx = RequestContext {
                now: clock::now(),
                entropy,
            };
            refresh_request(config, &record, &sent, &ctx, None)
        });
        let (provider, request) = match prepared {
            Ok(p) => p,
            Err(e) => {
                // Nothing was sent: the refresh is over, and the session kept.
                let failed = Outcome::Failed(TokenError::Unavailable { status: 0 });
                self.settle(shelf, kv_key, &record.provider, &sent, failed)
                    .await;
                return Err(e);
            }
        };
        let mut sent_now = upstream::send_keeping_late(&request, config.upstream_timeout).await;
        // A DPoP server that asks for a nonce refused this try (nothing was spent): once more,
        // with its nonce (RFC 9449 §8).
        if let (Ok(Sent::Answered(answer)), Some(_)) = (&sent_now, &record.dpop_key) {
            if let Some(nonce) = nonce_requested(answer) {
                let again = entropy::random().and_then(|entropy| {
                    let ctx = RequestContext {
                        now: clock::now(),
                        entropy,
                    };
                    refresh_request(config, &record, &sent, &ctx, Some(&nonce))
                });
                match again {
                    Ok((_, again)) => {
                        sent_now =
                            upstream::send_keeping_late(&again, config.upstream_timeout).await;
                    }
                    Err(e) => {
                        // Nothing more was sent, and the first try was refused: settle it.
                        let failed = Outcome::Failed(TokenError::Unavailable { status: 0 });
                        self.settle(shelf, kv_key, &record.provider, &sent, failed)
                            .await;
                        return Err(e);
                    }
                }
            }
        }
        match sent_now {
            Ok(Sent::Answered(response)) => {
                let fx = Runtime::new(&self.env);
                let (outcome, failed) =
                    checked_outcome(config, &fx, provider, &record, &response).await;
                let answer = self
                    .settle(shelf, kv_key, &record.provider, &sent, outcome)
                    .await;
                Ok(failed.map_or(answer, Answer::IdTokenInvalid))
            }
            Ok(Sent::Late { pending, error }) => {
                // Settle the late answer when it comes, within LOST_AFTER; after that the
                // machine treats it as lost and may resend, so it must not be applied.
                let this = LateSettler {
                    machine: self.machine.clone(),
                    storage: self.state.storage(),
                    env: self.env.clone(),
                    kv_key: kv_key.to_owned(),
                    provider: record.provider.clone(),
                    sent,
                };
                let budget =
                    Duration::from_secs(LOST_AFTER).saturating_sub(config.upstream_timeout);
                wasm_bindgen_futures::spawn_local(async move {
                    let deadline = pin!(Delay::from(budget));
                    match select(pending, deadline).await {
                        Either::Left((Ok(response), _)) => this.settle(response).await,
                        Either::Left((Err(e), _)) => worker::console_warn!(
                            "refresh authority: late answer failed: {}",
                            e.code()
                        ),
                        Either::Right(_) => worker::console_warn!(
                            "refresh authority: no answer within {LOST_AFTER} s: counted as lost"
                        ),
                    }
                });
                Ok(Answer::Unavailable(detail_or(error.log_detail())))
            }
            // Maybe sent, no answer (connection refused, reset, ...): counted as lost, so the
            // machine sends the same token again after LOST_AFTER. An outage never ends the
            // session; callers meanwhile hear `provider_unavailable` (retryable).
            Err(e) => Ok(Answer::Unavailable(detail_or(e.log_detail()))),
        }
    }

    async fn settle(
        &self,
        shelf: &Shelf<'_>,
        kv_key: &str,
        provider: &str,
        sent: &RefreshToken,
        outcome: Outcome,
    ) -> Answer {
        let now = clock::now();
        let settled = match self.change(shelf, |m| m.settle(sent, outcome, now)).await {
            Ok(s) => s,
            Err(e) => return Answer::Unavailable(detail_or(e.log_detail())),
        };
        finish(
            shelf.config,
            &Runtime::new(&self.env),
            kv_key,
            provider,
            settled,
        )
        .await
    }

    async fn answer(&self, shelf: &Shelf<'_>, kv_key: &str, verdict: Verdict) -> Answer {
        conclude(shelf.config, &Runtime::new(&self.env), kv_key, verdict).await
    }
}

/// The answer to a caller the machine answered without a refresh: an ended session is deleted
/// from KV too.
pub(crate) async fn conclude<F: Clock + Randomness + Kv + Log>(
    config: &Config,
    fx: &F,
    kv_key: &str,
    verdict: Verdict,
) -> Answer {
    if let Verdict::Ended(_) = verdict {
        mirror(config, fx, kv_key, None).await;
    }
    to_answer(verdict)
}

/// What a late answer needs, owned.
struct LateSettler {
    machine: Rc<RefCell<Option<Authority>>>,
    storage: Storage,
    env: Env,
    kv_key: String,
    provider: String,
    sent: RefreshToken,
}

impl LateSettler {
    async fn settle(self, response: HttpResponse) {
        let Ok(config) = config(&self.env).await else {
            return;
        };
        let shelf = Shelf {
            storage: self.storage,
            config: &config,
            location: format!("authority:{}", self.kv_key),
        };
        let Some(mut machine) = self.machine.borrow().clone() else {
            return;
        };
        let Ok(provider) = config.provider(Some(&self.provider)) else {
            return;
        };
        let fx = Runtime::new(&self.env);
        let record = machine.record.clone();
        let (outcome, _) = match &record {
            Some(record) => checked_outcome(&config, &fx, provider, record, &response).await,
            None => (outcome(&provider.config, &response), None),
        };
        let settled = machine.settle(&self.sent, outcome, clock::now());
        *self.machine.borrow_mut() = Some(machine.clone());
        if let Err(e) = shelf.store(&machine).await {
            *self.machine.borrow_mut() = None;
            worker::console_warn!(
                "refresh authority: late answer not stored: {}",
                e.log_detail().unwrap_or_default()
            );
            return;
        }
        finish(&config, &fx, &self.kv_key, &self.provider, settled).await;
        worker::console_log!("refresh authority: settled a late answer");
    }
}

/// After a settle is stored: mirror into KV, revoke orphaned tokens, answer. (Also what the
/// in-memory authority of the native tests does after each settle.)
pub(crate) async fn finish<F: Clock + Randomness + Fetch + Kv + Log>(
    config: &Config,
    fx: &F,
    kv_key: &str,
    provider: &str,
    settled: Settled,
) -> Answer {
    match &settled.verdict {
        Verdict::Current(record) => mirror(config, fx, kv_key, Some(record)).await,
        Verdict::Ended(_) => mirror(config, fx, kv_key, None).await,
        Verdict::Failed(_) => {}
    }
    if let Some((access_token, refresh_token)) = settled.revoke.clone() {
        revoke_orphan(config, fx, provider, access_token, refresh_token).await;
    }
    to_answer(settled.verdict)
}

/// The refresh request for `record`'s provider, spending `sent`; the provider's entry with it.
/// A DPoP-bound session proves its key (with the server's `dpop_nonce`, once it asked for one).
pub(crate) fn refresh_request<'c>(
    config: &'c Config,
    record: &SessionRecord,
    sent: &RefreshToken,
    ctx: &RequestContext,
    dpop_nonce: Option<&str>,
) -> Result<(&'c Provider, HttpRequest), WorkerError> {
    let provider = config.provider(Some(&record.provider))?;
    let mut request = signed_token_request(
        &provider.config,
        &provider.client_secret,
        &Grant::RefreshToken {
            refresh_token: sent,
        },
        &record.user,
        ctx,
    );
    if let Some(secret) = &record.dpop_key {
        let key = DpopKey::from_secret(secret)
            .ok_or_else(|| WorkerError::Internal("the session's DPoP key does not read".into()))?;
        // The second half of the request's randomness (the first may sign a MAC).
        sign_token_request(&mut request, &key, ctx.now, &ctx.entropy[16..], dpop_nonce);
    }
    Ok((provider, request))
}

/// Revokes tokens obtained after the session ended (a logout during a refresh), the provider's
/// way, as a logout does: the grant, then the access token.
async fn revoke_orphan<F: Clock + Randomness + Fetch + Log>(
    config: &Config,
    fx: &F,
    provider: &str,
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
) {
    let Ok(entry) = config.provider(Some(provider)) else {
        return;
    };
    let tokens = TokenSet {
        access_token,
        token_type: TokenType::Bearer,
        expires_in: None,
        expires_at: None,
        mac_key: None,
        refresh_token,
        scope: None,
        id_token: None,
        extra: serde_json::Map::new(),
    };
    let now = fx.now();
    let orphan = SessionRecord::new(provider, tokens, serde_json::Map::new(), now);
    let secret = &entry.client_secret;
    let context = || {
        Some(RequestContext {
            now,
            entropy: random(fx).ok()?,
        })
    };
    let requests = [
        context().and_then(|ctx| session_revocation_request(&entry.config, secret, &orphan, &ctx)),
        context()
            .and_then(|ctx| access_token_revocation_request(&entry.config, secret, &orphan, &ctx)),
    ];
    for request in requests.into_iter().flatten() {
        if let Err(e) = fx.send(&request, config.upstream_timeout).await {
            fx.warn(&format!(
                "refresh authority: orphan revocation: {}",
                e.code()
            ));
        }
    }
}

/// Writes the record (or its absence) into KV for the other endpoints. A failure is logged: the
/// authority holds the truth, and a stale KV view only sends its reader here again.
pub(crate) async fn mirror<F: Clock + Randomness + Kv + Log>(
    config: &Config,
    fx: &F,
    kv_key: &str,
    record: Option<&SessionRecord>,
) {
    let written = async {
        let store = SessionStore::new(fx, &config.keys, config.session_ttl);
        match record {
            Some(r) => {
                let provider = config.provider(Some(&r.provider))?;
                store.save_at(kv_key, r, fx.now(), &provider.config).await
            }
            None => store.delete_at(kv_key).await,
        }
    };
    if let Err(e) = written.await {
        fx.warn(&format!(
            "refresh authority: KV not updated: {}",
            e.log_detail().unwrap_or_default()
        ));
    }
}

/// [`outcome`], with the ID token of the answer (if any, for an OpenID Connect provider) checked
/// as OIDC Core §12.2 asks: a failed check discards every token of the answer — the session ends
/// as if the provider had refused (its refresh token was spent), and the check is returned for the
/// caller. Keys that cannot be fetched are not a failed check — the answer came straight from the
/// token endpoint over TLS (§3.1.3.7 step 6) — so the tokens are kept, but that unchecked ID
/// token is not: the session keeps its previous one (for `id_token_hint`), and the failure is
/// logged.
pub(crate) async fn checked_outcome<F: Fetch + Kv + Clock + Log>(
    config: &Config,
    fx: &F,
    provider: &Provider,
    record: &SessionRecord,
    response: &HttpResponse,
) -> (Outcome, Option<Check>) {
    let outcome = outcome(&provider.config, response);
    let Outcome::Tokens(tokens) = &outcome else {
        return (outcome, None);
    };
    let Some(id_token) = tokens.id_token.as_ref() else {
        return (outcome, None);
    };
    if !is_openid(&provider.config.scope) {
        return (outcome, None);
    }
    match crate::oidc::check_refresh(fx, config, provider, id_token.expose(), &record.user).await {
        Ok(()) => (outcome, None),
        Err(WorkerError::IdTokenInvalid(check)) => {
            let refused = ProviderError {
                error: ErrorCode::InvalidGrant,
                error_description: Some(format!(
                    "the refreshed ID token failed the `{}` check",
                    check.as_str()
                )),
                error_uri: None,
            };
            (Outcome::Refused(refused), Some(check))
        }
        Err(e) => {
            fx.warn(&format!(
                "refresh authority: the refreshed ID token was not checked (kept the previous one): {}",
                e.log_detail().unwrap_or_else(|| e.code().into())
            ));
            let Outcome::Tokens(mut tokens) = outcome else {
                return (outcome, None);
            };
            tokens.id_token = None;
            (Outcome::Tokens(tokens), None)
        }
    }
}

pub(crate) fn outcome(
    provider: &oauth_edge_shared::provider::ProviderConfig,
    response: &HttpResponse,
) -> Outcome {
    match parse_token_response(provider, response) {
        Ok(tokens) => Outcome::Tokens(tokens),
        Err(TokenError::Provider { error, .. }) => Outcome::Refused(error),
        Err(e) => Outcome::Failed(e),
    }
}

pub(crate) fn to_answer(verdict: Verdict) -> Answer {
    match verdict {
        Verdict::Current(record) => Answer::Current(record),
        Verdict::Ended(e) => Answer::Ended(e),
        Verdict::Failed(TokenError::Provider { error, .. }) => Answer::Rejected(error),
        Verdict::Failed(TokenError::Unavailable { status }) => Answer::Broken {
            status,
            invalid: false,
        },
        Verdict::Failed(e) => Answer::Broken {
            status: match e {
                TokenError::NotJson { status, .. } | TokenError::UnexpectedStatus { status } => {
                    status
                }
                _ => 200,
            },
            invalid: true,
        },
    }
}
