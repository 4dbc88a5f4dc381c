//! Deterministic simulation of the refresh authority (issue 7): several browsers with several
//! tabs, several Worker isolates reading an eventually consistent KV, one authority per session
//! (`oauth_edge_shared::authority`, the very code the Worker's Durable Object runs), and a provider
//! that rotates refresh tokens and revokes the whole grant when one is used twice. Answers are
//! lost or late, KV writes fail, the object restarts, the clock jumps, users log out in the middle
//! of refreshes, and every interleaving is drawn from a seeded generator.
//!
//! After every step the simulator checks:
//! 1. no refresh token reaches the provider twice — except the authority's resend of a token
//!    whose answer was lost (no answer for LOST_AFTER since it was last sent);
//! 2. a session ends only by logout, or by the provider refusing the current token after such a
//!    resend (the provider had rotated it: one re-login) — never by lost answers alone;
//! 3. every caller gets an access token the provider accepts at that moment, or a typed error:
//!    retryable (`Failed`, `Unavailable`) or the session's legitimate end;
//! 4. a browser that saw its logout complete never gets a token of that session again.
//!
//! `cargo test --test refresh_simulation` runs 10,000 schedules (`SIM_SCHEDULES` for more,
//! `SIM_SEED` to replay one). A failing schedule prints its seed and its trace.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use oauth_edge_shared::authority::{Authority, Ending, Outcome, Step, Verdict};
use oauth_edge_shared::error::{ErrorCode, ProviderError};
use oauth_edge_shared::secret::{AccessToken, RefreshToken};
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::{TokenError, TokenSet, TokenType};
use serde_json::Map;

/// The KV propagation delay: a read may return any value written within this many seconds.
const KV_STALE: u64 = 60;
/// Access tokens live this long (short, so that refreshes are frequent).
const AT_LIFETIME: u64 = 90;
/// How long a caller waits for the authority before it answers "try again".
const CALLER_DEADLINE: u64 = 15;

/// splitmix64: small, seedable, good enough to draw schedules.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// The provider: one grant, rotation, reuse detection.
#[derive(Default)]
struct Provider {
    current_rt: String,
    used_rts: HashSet<String>,
    revoked: bool,
    /// access token → expiry.
    access: HashMap<String, u64>,
    issued: u64,
    /// every refresh token received, with how often.
    received: HashMap<String, u32>,
}

impl Provider {
    fn issue(&mut self, now: u64) -> TokenSet {
        self.issued += 1;
        let at = format!("at-{}", self.issued);
        let rt = format!("rt-{}", self.issued);
        self.access.insert(at.clone(), now + AT_LIFETIME);
        self.current_rt = rt.clone();
        TokenSet {
            access_token: AccessToken::new(at),
            token_type: TokenType::Bearer,
            expires_in: Some(AT_LIFETIME),
            expires_at: None,
            mac_key: None,
            refresh_token: Some(RefreshToken::new(rt)),
            scope: None,
            id_token: None,
            extra: Map::new(),
        }
    }

    fn refresh(&mut self, rt: &str, now: u64) -> Outcome {
        *self.received.entry(rt.to_owned()).or_default() += 1;
        if self.revoked || rt != self.current_rt {
            if self.used_rts.contains(rt) {
                // Reuse of a rotated token: RFC 9700 §4.14.2 — revoke the whole grant.
                self.revoked = true;
                self.access.clear();
            }
            return Outcome::Refused(ProviderError {
                error: ErrorCode::InvalidGrant,
                error_description: None,
                error_uri: None,
            });
        }
        self.used_rts.insert(rt.to_owned());
        Outcome::Tokens(self.issue(now))
    }

    fn accepts(&self, at: &str, now: u64) -> bool {
        !self.revoked && self.access.get(at).is_some_and(|exp| now < *exp)
    }

    fn revoke(&mut self, at: &str, rt: Option<&str>) {
        self.access.remove(at);
        if rt == Some(self.current_rt.as_str()) {
            self.revoked = true;
            self.access.clear();
        }
    }
}

/// A refresh on the wire.
struct Wire {
    sent: RefreshToken,
    /// The caller parked on it (answered when it settles, unless its deadline passed).
    caller: Option<usize>,
    /// The request never reaches the provider / the provider's reply never comes back.
    dropped_before: bool,
    dropped_after: bool,
    /// Set once the provider processed it.
    answer: Option<Outcome>,
    /// The object restarted: the reply has no one to hand it to.
    orphaned: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CallerState {
    Idle,
    Parked { deadline: u64 },
}

struct Caller {
    browser: usize,
    state: CallerState,
    force: bool,
    seen: Option<SessionRecord>,
    started_after_logout: bool,
}

struct Sim {
    rng: Rng,
    now: u64,
    provider: Provider,
    authority: Authority,
    /// KV history: (time written, value).
    kv: Vec<(u64, Option<SessionRecord>)>,
    wires: Vec<Wire>,
    callers: Vec<Caller>,
    /// Per browser: whether its logout completed (its cookie is gone).
    logged_out: Vec<bool>,
    logout_issued: bool,
    /// Refresh tokens whose first answer was lost (may be sent once more).
    lost_once: HashSet<String>,
    /// When each refresh token was first sent, and whether an answer to it was settled.
    sent_at: HashMap<String, u64>,
    settled: HashSet<String>,
    /// Some token was resent after a lost answer.
    resent: bool,
    /// A resend reached a provider that had already rotated the token.
    rotated_before_resend: bool,
    trace: String,
    failure_rate: u64,
}

impl Sim {
    fn new(seed: u64, browsers: usize, tabs: usize) -> Self {
        let mut rng = Rng(seed);
        let failure_rate = rng.below(300);
        let mut provider = Provider::default();
        let record = SessionRecord::new("p", provider.issue(0), Map::new(), 0);
        let callers = (0..browsers * tabs)
            .map(|i| Caller {
                browser: i / tabs,
                state: CallerState::Idle,
                force: false,
                seen: None,
                started_after_logout: false,
            })
            .collect();
        Self {
            rng,
            now: 0,
            provider,
            authority: Authority::default(),
            kv: vec![(0, Some(record))],
            wires: Vec::new(),
            callers,
            logged_out: vec![false; browsers],
            logout_issued: false,
            lost_once: HashSet::new(),
            sent_at: HashMap::new(),
            settled: HashSet::new(),
            resent: false,
            rotated_before_resend: false,
            trace: String::new(),
            failure_rate,
        }
    }

    fn log(&mut self, what: impl AsRef<str>) {
        let _ = writeln!(self.trace, "t={:>4} {}", self.now, what.as_ref());
    }

    /// A read in some isolate: any value written in the last KV_STALE seconds, or the newest
    /// older one.
    fn kv_read(&mut self) -> Option<SessionRecord> {
        let cutoff = self.now.saturating_sub(KV_STALE);
        let first_visible = self.kv.iter().rposition(|(t, _)| *t <= cutoff).unwrap_or(0);
        let i = first_visible + self.rng.below((self.kv.len() - first_visible) as u64) as usize;
        self.kv[i].1.clone()
    }

    fn kv_write(&mut self, value: Option<SessionRecord>) {
        if self.rng.chance(self.failure_rate) {
            self.log("  KV write failed");
            return;
        }
        self.kv.push((self.now, value));
    }

    fn legit_end(&self, ending: Ending) -> bool {
        match ending {
            Ending::LoggedOut => self.logout_issued,
            Ending::Refused => self.rotated_before_resend,
            Ending::Expired => false,
        }
    }

    fn check_ending(&self) -> Result<(), String> {
        match self.authority.ended {
            Some(e) if !self.legit_end(e) => Err(format!("session ended without cause: {e:?}")),
            _ => Ok(()),
        }
    }

    fn deliver(&mut self, c: usize, verdict: Verdict) -> Result<(), String> {
        self.callers[c].state = CallerState::Idle;
        let browser = self.callers[c].browser;
        match verdict {
            Verdict::Current(record) => {
                let at = record.access_token.expose().to_owned();
                self.log(format!("  caller {c} gets {at}"));
                self.token_given(c, browser, &at)
            }
            Verdict::Ended(e) => {
                self.log(format!("  caller {c}: session ended ({e:?})"));
                if self.legit_end(e) {
                    Ok(())
                } else {
                    Err(format!(
                        "caller {c} told the session ended ({e:?}) without cause"
                    ))
                }
            }
            Verdict::Failed(e) => {
                self.log(format!("  caller {c}: retryable failure {e:?}"));
                Ok(())
            }
        }
    }

    fn token_given(&mut self, c: usize, browser: usize, at: &str) -> Result<(), String> {
        if self.callers[c].started_after_logout && self.logged_out[browser] {
            return Err(format!("caller {c} got {at} after its browser logged out"));
        }
        if !self.provider.accepts(at, self.now) {
            let ended_legit = self.authority.ended.is_some_and(|e| self.legit_end(e))
                || self.rotated_before_resend
                || self.logout_issued;
            // A token handed out from a stale view while the session legitimately ended (or is
            // being logged out) is refused by the API: the caller then meets the end.
            if !ended_legit {
                return Err(format!(
                    "caller {c} got {at}, which the provider does not accept"
                ));
            }
        }
        Ok(())
    }

    /// The caller asks the authority (the Durable Object) with its view.
    fn ask_authority(&mut self, c: usize) -> Result<(), String> {
        let Some(seen) = self.callers[c].seen.clone() else {
            return Ok(());
        };
        let force = self.callers[c].force;
        match self.authority.refresh(&seen, force, self.now) {
            Step::Answer(v) => self.deliver(c, v)?,
            Step::Wait => {
                self.log(format!("  caller {c} waits"));
                if let CallerState::Idle = self.callers[c].state {
                    self.callers[c].state = CallerState::Parked {
                        deadline: self.now + CALLER_DEADLINE,
                    };
                }
            }
            Step::Send(rt) => {
                let key = rt.expose().to_owned();
                let first = match self.sent_at.get(&key) {
                    None => {
                        self.sent_at.insert(key.clone(), self.now);
                        true
                    }
                    Some(&at) => {
                        // Property 1: a resend only for an answer lost for LOST_AFTER since the
                        // last send of that token.
                        if self.settled.contains(&key) {
                            return Err(format!("{key} resent after its answer was settled"));
                        }
                        if self.now < at + oauth_edge_shared::authority::LOST_AFTER {
                            return Err(format!(
                                "{key} resent {} s after it was sent",
                                self.now - at
                            ));
                        }
                        self.sent_at.insert(key.clone(), self.now);
                        self.lost_once.insert(key.clone());
                        // The shell aborts the first request: its answer can no longer arrive.
                        for w in self.wires.iter_mut().filter(|w| w.sent.expose() == key) {
                            w.orphaned = true;
                        }
                        self.resent = true;
                        false
                    }
                };
                self.log(format!(
                    "  authority sends {key} ({})",
                    if first { "first" } else { "resend" }
                ));
                let dropped_before = self.rng.chance(self.failure_rate / 2);
                let dropped_after = !dropped_before && self.rng.chance(self.failure_rate / 2);
                if let CallerState::Idle = self.callers[c].state {
                    self.callers[c].state = CallerState::Parked {
                        deadline: self.now + CALLER_DEADLINE,
                    };
                }
                self.wires.push(Wire {
                    sent: rt,
                    caller: Some(c),
                    dropped_before,
                    dropped_after,
                    answer: None,
                    orphaned: false,
                });
            }
        }
        self.check_ending()
    }

    fn step(&mut self) -> Result<(), String> {
        let choice = self.rng.below(100);
        match choice {
            // A tab wants a token: through its isolate, from KV.
            0..=39 => {
                let c = self.rng.below(self.callers.len() as u64) as usize;
                if self.callers[c].state != CallerState::Idle {
                    return Ok(());
                }
                let browser = self.callers[c].browser;
                if self.logged_out[browser] {
                    return Ok(()); // no cookie: the Worker answers no_session without any state
                }
                let force = self.rng.chance(150);
                let view = self.kv_read();
                self.log(format!(
                    "caller {c} (browser {browser}) asks{}, KV view: {}",
                    if force { " (forced)" } else { "" },
                    view.as_ref()
                        .map_or("none".into(), |r| r.access_token.expose().to_owned())
                ));
                self.callers[c].started_after_logout = false;
                let Some(view) = view else {
                    return Ok(()); // no_session
                };
                if !force && !view.needs_refresh(self.now) {
                    let at = view.access_token.expose().to_owned();
                    self.log(format!("  caller {c} gets {at} from KV"));
                    return self.token_given(c, browser, &at);
                }
                self.callers[c].force = force;
                self.callers[c].seen = Some(view);
                self.ask_authority(c)
            }
            // The provider receives a request on the wire.
            40..=54 => {
                let Some(i) = self.pick_wire(|w| w.answer.is_none()) else {
                    return Ok(());
                };
                let rt = self.wires[i].sent.expose().to_owned();
                if self.wires[i].dropped_before {
                    self.log(format!("request with {rt} lost before the provider"));
                    self.wires[i].answer =
                        Some(Outcome::Failed(TokenError::Unavailable { status: 0 }));
                    self.wires[i].dropped_after = true;
                    return Ok(());
                }
                let count = self.provider.received.get(&rt).copied().unwrap_or(0);
                if count >= 1 && !self.lost_once.contains(&rt) {
                    return Err(format!("{rt} sent to the provider twice"));
                }
                if count >= 1 && self.provider.current_rt != rt {
                    self.rotated_before_resend = true;
                }
                let outcome = self.provider.refresh(&rt, self.now);
                self.log(format!("provider answers {rt}: {}", short(&outcome)));
                self.wires[i].answer = Some(outcome);
                Ok(())
            }
            // An answer comes back to the authority.
            55..=69 => {
                let Some(i) = self.pick_wire(|w| w.answer.is_some()) else {
                    return Ok(());
                };
                let wire = self.wires.remove(i);
                let too_late = self.authority.in_flight.as_ref().is_some_and(|f| {
                    f.refresh_token == wire.sent
                        && self.now >= f.since + oauth_edge_shared::authority::LOST_AFTER
                });
                if wire.dropped_after || wire.orphaned || too_late {
                    // Never arrives: dropped, or the object restarted, or the shell aborted the
                    // request at LOST_AFTER.
                    return Ok(());
                }
                self.settled.insert(wire.sent.expose().to_owned());
                let outcome = wire
                    .answer
                    .unwrap_or(Outcome::Failed(TokenError::Unavailable { status: 0 }));
                let settled = self.authority.settle(&wire.sent, outcome, self.now);
                self.log(format!("authority settles {}", wire.sent.expose()));
                // Stored durably (the object's storage) before anyone is answered; then KV.
                match &settled.verdict {
                    Verdict::Current(r) => self.kv_write(Some((**r).clone())),
                    Verdict::Ended(_) => self.kv_write(None),
                    Verdict::Failed(_) => {}
                }
                if let Some((at, rt)) = &settled.revoke {
                    self.log(format!("  revoke {}", at.expose()));
                    self.provider
                        .revoke(at.expose(), rt.as_ref().map(RefreshToken::expose));
                }
                if let Some(c) = wire.caller {
                    match self.callers[c].state {
                        CallerState::Parked { deadline } if self.now < deadline => {
                            self.deliver(c, settled.verdict)?;
                        }
                        CallerState::Parked { .. } => {
                            self.log(format!("  caller {c} had given up (provider_unavailable)"));
                            self.callers[c].state = CallerState::Idle;
                        }
                        CallerState::Idle => {}
                    }
                }
                self.check_ending()
            }
            // Parked callers ask again (Wait) or give up at their deadline.
            70..=79 => {
                let parked: Vec<usize> = (0..self.callers.len())
                    .filter(|&c| matches!(self.callers[c].state, CallerState::Parked { .. }))
                    .collect();
                if parked.is_empty() {
                    return Ok(());
                }
                let c = parked[self.rng.below(parked.len() as u64) as usize];
                let CallerState::Parked { deadline } = self.callers[c].state else {
                    return Ok(());
                };
                if self.now >= deadline {
                    self.log(format!(
                        "caller {c} gives up: provider_unavailable (retryable)"
                    ));
                    self.callers[c].state = CallerState::Idle;
                    return Ok(());
                }
                let waiting_on_wire = self.wires.iter().any(|w| w.caller == Some(c));
                if waiting_on_wire {
                    return Ok(());
                }
                self.ask_authority(c)
            }
            // Time passes; sometimes a jump.
            80..=91 => {
                self.now += if self.rng.chance(30) {
                    60 + self.rng.below(120)
                } else {
                    1 + self.rng.below(5)
                };
                Ok(())
            }
            // The object restarts: in-memory continuations are gone, its storage stays.
            92..=93 => {
                if self.rng.chance(200) {
                    self.log("authority object restarts");
                    for w in &mut self.wires {
                        w.orphaned = true;
                        w.caller = None;
                    }
                    for c in &mut self.callers {
                        c.state = CallerState::Idle;
                    }
                }
                Ok(())
            }
            // A browser logs out (rarely).
            _ => {
                if self.rng.chance(40) && !self.logout_issued {
                    let b = self.rng.below(self.logged_out.len() as u64) as usize;
                    self.log(format!("browser {b} logs out"));
                    self.logout_issued = true;
                    if let Some(r) = self.authority.logout() {
                        self.provider.revoke(
                            r.access_token.expose(),
                            r.refresh_token.as_ref().map(RefreshToken::expose),
                        );
                    }
                    self.kv_write(None);
                    self.logged_out[b] = true;
                    for c in &mut self.callers {
                        if c.browser == b {
                            c.started_after_logout = true;
                        }
                    }
                }
                self.check_ending()
            }
        }
    }

    fn pick_wire(&mut self, pred: impl Fn(&Wire) -> bool) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.wires.len())
            .filter(|&i| pred(&self.wires[i]))
            .collect();
        (!candidates.is_empty())
            .then(|| candidates[self.rng.below(candidates.len() as u64) as usize])
    }
}

fn short(o: &Outcome) -> String {
    match o {
        Outcome::Tokens(t) => format!(
            "tokens {} / {}",
            t.access_token.expose(),
            t.refresh_token.as_ref().map_or("-", |r| r.expose())
        ),
        Outcome::Refused(e) => format!("refused {}", e.error.as_str()),
        Outcome::Failed(e) => format!("failed {e:?}"),
    }
}

/// Runs one schedule; `Err` carries the trace.
fn run(seed: u64) -> Result<BTreeMap<&'static str, u64>, String> {
    let mut seeder = Rng(seed);
    let browsers = 1 + seeder.below(3) as usize;
    let tabs = 1 + seeder.below(4) as usize;
    let steps = 200 + seeder.below(400);
    let mut sim = Sim::new(seed, browsers, tabs);
    sim.log(format!(
        "seed {seed}: {browsers} browsers × {tabs} tabs, failure rate {}‰",
        sim.failure_rate
    ));
    for _ in 0..steps {
        if let Err(e) = sim.step() {
            return Err(format!(
                "{e}\n--- trace (SIM_SEED={seed}) ---\n{}",
                sim.trace
            ));
        }
    }
    let mut stats = BTreeMap::new();
    stats.insert(
        "refreshes",
        sim.provider.received.values().map(|n| u64::from(*n)).sum(),
    );
    stats.insert("resends", sim.lost_once.len() as u64);
    let key = match sim.authority.ended {
        None => "sessions alive at the end",
        Some(Ending::LoggedOut) => "ended by logout",
        Some(Ending::Refused) => "ended: provider refused a resent token (re-login)",
        Some(Ending::Expired) => "ended: expired",
    };
    stats.insert(key, 1);
    Ok(stats)
}

#[test]
fn no_session_is_lost_to_a_race() {
    if let Ok(seed) = std::env::var("SIM_SEED") {
        let seed = seed.parse().expect("SIM_SEED is a number");
        if let Err(trace) = run(seed) {
            panic!("{trace}");
        }
        return;
    }
    let schedules: u64 = std::env::var("SIM_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for seed in 0..schedules {
        match run(seed) {
            Ok(stats) => {
                for (k, v) in stats {
                    *totals.entry(k).or_default() += v;
                }
            }
            Err(trace) => panic!("schedule {seed} failed: {trace}"),
        }
    }
    // The schedules must exercise what they claim to: refreshes, lost answers, endings.
    assert!(totals["refreshes"] > schedules, "{totals:?}");
    assert!(totals["resends"] > 0, "{totals:?}");
    println!("{schedules} schedules: {totals:?}");
}

/// The checks can fail: a naive coordinator (every isolate refreshes with what it read from
/// KV, as before the authority) loses sessions in this same world.
#[test]
fn the_checks_catch_a_naive_coordinator() {
    let mut caught = 0;
    for seed in 0..200 {
        let mut rng = Rng(seed);
        let mut provider = Provider::default();
        let first = provider.issue(0);
        let mut kv = vec![(0u64, first.refresh_token.clone().unwrap())];
        let mut now = 0;
        for _ in 0..50 {
            now += 1 + rng.below(30);
            // Two isolates read KV (maybe stale) and each refreshes with what it read.
            for _ in 0..2 {
                let cutoff = now.saturating_sub(KV_STALE);
                let from = kv.iter().rposition(|(t, _)| *t <= cutoff).unwrap_or(0);
                let i = from + rng.below((kv.len() - from) as u64) as usize;
                let rt = kv[i].1.clone();
                if let Outcome::Tokens(t) = provider.refresh(rt.expose(), now) {
                    kv.push((now, t.refresh_token.unwrap()));
                }
            }
        }
        if provider.revoked || provider.received.values().any(|n| *n > 1) {
            caught += 1;
        }
    }
    assert!(caught > 150, "only {caught} of 200 naive schedules broke");
}
