//! Which oauth-edge sessions belong to a provider's user or session, for back-channel logout
//! (OpenID Connect Back-Channel Logout 1.0): one Durable Object per provider user
//! (`<provider>\0sub\0<sub>`) and one per provider session (`<provider>\0sid\0<sid>`), so the
//! answer is strongly consistent where KV is not, and a logout token's `jti` is remembered where
//! every copy of that token arrives (a replay is refused however many isolates it is sent to).
//!
//! A login indexes its session under its `sub` (with its `sid`) and, when the ID token has one,
//! under its `sid`. A logout token names `sub` (then the object of that user ends its sessions of
//! that `sid`, or all of them) or only `sid` (then the object of that provider session). Entries
//! leave with the session's lifetime; an alarm deletes the object's storage when the last one
//! would have ended.
use std::cell::RefCell;

use oauth_edge_shared::UnixTime;
use serde::{Deserialize, Serialize};
use worker::{durable_object, Env, Request, Response, State};

use crate::error::WorkerError;

/// The Durable Object binding (wrangler.toml).
pub(crate) const BINDING: &str = "SESSION_INDEX";
const STORAGE_KEY: &str = "index";
/// How long a logout token's `jti` is remembered: longer than a token is accepted
/// (`logout_token::MAX_AGE` plus the clock skew).
pub(crate) const JTI_MEMORY: u64 = 600;

/// One indexed session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The session's KV key (never its cookie value).
    pub(crate) kv_key: String,
    /// The provider session it came from, if the ID token named one.
    pub(crate) sid: Option<String>,
    /// When it ends anyway (UNIX seconds).
    pub(crate) until: UnixTime,
}

/// What one object holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Index {
    pub(crate) entries: Vec<Entry>,
    /// Logout tokens already acted on: (`jti`, when it may be forgotten).
    pub(crate) seen: Vec<(String, UnixTime)>,
}

/// A logout token that was already acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Replayed;

impl Index {
    /// Drops what has expired at `now`.
    pub(crate) fn prune(&mut self, now: UnixTime) {
        self.entries.retain(|e| e.until > now);
        self.seen.retain(|(_, until)| *until > now);
    }

    /// Indexes a session (again: its entry is replaced).
    pub(crate) fn add(&mut self, entry: Entry, now: UnixTime) {
        self.prune(now);
        self.entries.retain(|e| e.kv_key != entry.kv_key);
        self.entries.push(entry);
    }

    /// The sessions logout token `jti` ends (those of `sid`, or all); [`Replayed`] when this
    /// `jti` was acted on before. Nothing changes until [`confirm`](Self::confirm): a logout that
    /// fails half-way can be sent again by the provider (Back-Channel Logout 1.0 §2.8).
    pub(crate) fn find(
        &mut self,
        jti: &str,
        sid: Option<&str>,
        now: UnixTime,
    ) -> Result<Vec<String>, Replayed> {
        self.prune(now);
        if self.seen.iter().any(|(j, _)| j == jti) {
            return Err(Replayed);
        }
        Ok(self
            .entries
            .iter()
            .filter(|e| sid.is_none_or(|sid| e.sid.as_deref() == Some(sid)))
            .map(|e| e.kv_key.clone())
            .collect())
    }

    /// Records that logout token `jti` ended the sessions `ended`: they leave the index, and the
    /// token is refused from now on.
    pub(crate) fn confirm(&mut self, jti: &str, ended: &[String], now: UnixTime) {
        self.prune(now);
        if !self.seen.iter().any(|(j, _)| j == jti) {
            self.seen.push((jti.to_owned(), now + JTI_MEMORY));
        }
        self.entries.retain(|e| !ended.contains(&e.kv_key));
    }

    /// When the object may delete everything.
    pub(crate) fn last(&self) -> Option<UnixTime> {
        let entries = self.entries.iter().map(|e| e.until);
        entries.chain(self.seen.iter().map(|(_, u)| *u)).max()
    }
}

/// What the Worker asks.
#[derive(Serialize, Deserialize)]
enum Ask {
    Add(Entry),
    Find { jti: String, sid: Option<String> },
    Confirm { jti: String, ended: Vec<String> },
}

/// The object name of a provider user's sessions.
pub(crate) fn by_sub(provider: &str, sub: &str) -> String {
    format!("{provider}\0sub\0{sub}")
}

/// The object name of a provider session's sessions.
pub(crate) fn by_sid(provider: &str, sid: &str) -> String {
    format!("{provider}\0sid\0{sid}")
}

/// Where a logout token is acted on: a token with `sub` at the user's object (filtered by its
/// `sid`), one with only `sid` at that provider session's — so every copy of one token reaches
/// the same object. The object's name, and the `sid` filter.
pub(crate) fn object_for<'a>(
    provider: &str,
    sub: Option<&str>,
    sid: Option<&'a str>,
) -> Option<(String, Option<&'a str>)> {
    match (sub, sid) {
        (Some(sub), sid) => Some((by_sub(provider, sub), sid)),
        (None, Some(sid)) => Some((by_sid(provider, sid), None)),
        (None, None) => None,
    }
}

/// The objects a login indexes its session in.
pub(crate) fn objects_of(provider: &str, sub: &str, sid: Option<&str>) -> Vec<String> {
    let mut names = vec![by_sub(provider, sub)];
    names.extend(sid.map(|sid| by_sid(provider, sid)));
    names
}

/// Indexes session `entry` in object `name`.
pub(crate) async fn add(env: &Env, name: &str, entry: Entry) -> Result<(), WorkerError> {
    super::ask::<_, Result<Vec<String>, Replayed>>(env, BINDING, name, &Ask::Add(entry))
        .await
        .map(drop)
}

/// The KV keys of the sessions a logout token ends, at object `name` (nothing changes yet).
pub(crate) async fn find(
    env: &Env,
    name: &str,
    jti: &str,
    sid: Option<&str>,
) -> Result<Result<Vec<String>, Replayed>, WorkerError> {
    let ask = Ask::Find {
        jti: jti.to_owned(),
        sid: sid.map(str::to_owned),
    };
    super::ask(env, BINDING, name, &ask).await
}

/// Records at object `name` that the logout token ended `ended`.
pub(crate) async fn confirm(
    env: &Env,
    name: &str,
    jti: &str,
    ended: &[String],
) -> Result<(), WorkerError> {
    let ask = Ask::Confirm {
        jti: jti.to_owned(),
        ended: ended.to_vec(),
    };
    super::ask::<_, Result<Vec<String>, Replayed>>(env, BINDING, name, &ask)
        .await
        .map(drop)
}

/// The Durable Object.
#[durable_object]
pub struct SessionIndex {
    state: State,
    index: RefCell<Option<Index>>,
}

impl worker::DurableObject for SessionIndex {
    fn new(state: State, _env: Env) -> Self {
        Self {
            state,
            index: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let ask: Ask = super::asked(&mut req).await?;
        let storage = self.state.storage();
        let cached = self.index.borrow().clone();
        let mut index = match cached {
            Some(index) => index,
            None => storage.get::<Index>(STORAGE_KEY).await?.unwrap_or_default(),
        };
        let now = crate::clock::now();
        let answer: Result<Vec<String>, Replayed> = match ask {
            Ask::Add(entry) => {
                index.add(entry, now);
                Ok(Vec::new())
            }
            Ask::Find { jti, sid } => index.find(&jti, sid.as_deref(), now),
            Ask::Confirm { jti, ended } => {
                index.confirm(&jti, &ended, now);
                Ok(Vec::new())
            }
        };
        // Stored before the answer: a `jti` acted on is never forgotten by a restart. Memory
        // follows storage at once (a failed put leaves both as they were).
        storage.put(STORAGE_KEY, &index).await?;
        let last = index.last();
        *self.index.borrow_mut() = Some(index);
        if let Some(last) = last {
            let in_ms = last.saturating_sub(now).saturating_mul(1000).max(1000);
            if let Err(e) = storage
                .set_alarm(i64::try_from(in_ms).unwrap_or(i64::MAX))
                .await
            {
                // Only the clean-up is late: the entries expire by themselves (`prune`).
                worker::console_warn!("session index: alarm not set: {e}");
            }
        }
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let now = crate::clock::now();
        let mut index = self.index.borrow().clone().unwrap_or_default();
        index.prune(now);
        if index.last().is_none() {
            self.state.storage().delete_all().await?;
            *self.index.borrow_mut() = Some(Index::default());
        }
        Response::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kv: &str, sid: Option<&str>, until: UnixTime) -> Entry {
        Entry {
            kv_key: kv.into(),
            sid: sid.map(Into::into),
            until,
        }
    }

    #[test]
    fn a_logout_token_ends_its_sid_or_every_session_once() {
        let mut i = Index::default();
        i.add(entry("k1", Some("s1"), 1_000), 0);
        i.add(entry("k2", Some("s2"), 1_000), 0);
        i.add(entry("k3", None, 1_000), 0);
        let found = i.find("j1", Some("s1"), 10).unwrap();
        assert_eq!(found, ["k1"]);
        // Not confirmed (the logout failed half-way): the provider's retry finds it again.
        assert_eq!(i.find("j1", Some("s1"), 10), Ok(found.clone()));
        i.confirm("j1", &found, 10);
        // The same token again: refused, nothing more ends.
        assert_eq!(i.find("j1", Some("s2"), 11), Err(Replayed));
        assert_eq!(i.entries.len(), 2);
        // A token naming only the user ends every session left.
        let all = i.find("j2", None, 12).unwrap();
        assert_eq!(all, ["k2", "k3"]);
        i.confirm("j2", &all, 12);
        assert!(i.entries.is_empty());
    }

    #[test]
    fn entries_and_jtis_expire() {
        let mut i = Index::default();
        i.add(entry("k1", None, 100), 0);
        i.add(entry("k1", None, 200), 0); // re-indexed: one entry
        assert_eq!(i.entries.len(), 1);
        assert_eq!(i.find("j", None, 150), Ok(vec!["k1".to_owned()]));
        i.confirm("j", &["k1".to_owned()], 150);
        assert_eq!(i.last(), Some(150 + JTI_MEMORY));
        i.prune(150 + JTI_MEMORY);
        assert_eq!(i.last(), None);
        // Once forgotten the jti is new again (by then the token is too old to be accepted).
        assert_eq!(i.find("j", None, 150 + JTI_MEMORY), Ok(vec![]));
        let mut old = Index::default();
        old.add(entry("k9", None, 50), 0);
        assert_eq!(
            old.find("x", None, 60),
            Ok(vec![]),
            "an expired entry is gone"
        );
    }
}
