//! The refresh authority of one session: the single place that decides every refresh, so that a
//! rotating refresh token is spent exactly once however many tabs, isolates and locations ask.
//!
//! Pure: it holds the authoritative [`SessionRecord`] and turns each event into a [`Step`] or a
//! [`Settled`] answer; the shell (a Durable Object per session in the Worker, an in-memory fake in
//! the simulation) sends the refresh it asks for, stores its state durably before answering
//! anyone, and mirrors the record into KV for the other endpoints to read.
//!
//! Guarantees (checked by the simulation in `shared/tests/refresh_simulation.rs`):
//! - **One refresh per rotation**: a refresh is sent only when none is in flight; everyone else
//!   waits for its answer ([`Step::Wait`]).
//! - **Older views get the result already obtained**: a caller whose view (from a stale KV read)
//!   has another access token than the authority's gets the authority's, as long as it is not
//!   itself due — there is no time limit on this grace, it lasts as long as the session.
//! - **`invalid_grant` ends the session only for the current token**: the authority only ever
//!   sends its current refresh token, so a refusal is always about that one.
//! - **Logout wins**: after [`Authority::logout`] no refresh brings the session back; tokens a
//!   refresh in flight obtains afterwards are handed back for revocation ([`Settled::revoke`]).
//! - **A lost answer** (sent, no reply within [`LOST_AFTER`]): the same refresh token is sent
//!   again, at most once per [`LOST_AFTER`]. Where the provider did not rotate it (or never got the
//!   request: an outage), that recovers; where it did, the provider refuses it and the session
//!   ends — exactly one re-login. An outage alone never ends a session: callers hear "try again".
//! - **Forced refreshes are limited**: callers may force a new token that is not due (the API
//!   refused it, the user asked) at most [`FORCED_PER_MINUTE`] times a minute per session; beyond
//!   that they get the current one, so a script cannot make the Worker hammer the token endpoint.
use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, ProviderError};
use crate::secret::{AccessToken, RefreshToken};
use crate::session::SessionRecord;
use crate::token::{TokenError, TokenSet};
use crate::UnixTime;

/// How long after sending a refresh its answer counts as lost (seconds): above the Worker's
/// longest upstream timeout (12 s) with room for a late answer.
pub const LOST_AFTER: u64 = 30;

/// How many refreshes of a token that is not due callers may force per minute and session.
pub const FORCED_PER_MINUTE: u32 = 6;

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The user logged out.
    LoggedOut,
    /// The provider refused the current refresh token (`invalid_grant`).
    Refused,
    /// No refresh token, and the access token expired.
    Expired,
}

/// A refresh sent and not yet answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    /// The refresh token sent.
    pub refresh_token: RefreshToken,
    /// When it was sent.
    pub since: UnixTime,
    /// 1 for the first send, then one more for each resend after a lost answer.
    pub attempt: u32,
}

/// What the provider's token endpoint did with a refresh.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// New tokens (rotated or not).
    Tokens(TokenSet),
    /// An error answer; `invalid_grant` ends the session, anything else keeps it.
    Refused(ProviderError),
    /// The provider failed, or its answer is not a token response: nothing changed there.
    Failed(TokenError),
}

/// The authority's state, stored durably by the shell after every change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Authority {
    /// The authoritative record (`None` until the first caller brings its view).
    pub record: Option<SessionRecord>,
    /// Set once the session ended; it never un-ends.
    pub ended: Option<Ending>,
    /// The refresh on its way to the provider, if any.
    pub in_flight: Option<InFlight>,
    /// Forced refreshes counted in the current minute: (its start, count).
    #[serde(default)]
    pub forced: (UnixTime, u32),
}

/// What the shell must do for a caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Answer it.
    Answer(Verdict),
    /// Send a refresh grant with this token, then call [`Authority::settle`] with the outcome.
    Send(RefreshToken),
    /// A refresh is in flight: wait for it to settle, then ask again.
    Wait,
}

/// The answer a caller gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The current session.
    Current(Box<SessionRecord>),
    /// The session is over.
    Ended(Ending),
    /// The refresh failed without ending the session (the provider failed or refused for a
    /// reason other than `invalid_grant`): try again.
    Failed(TokenError),
}

/// The result of settling a refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// What the caller that sent it gets.
    pub verdict: Verdict,
    /// Tokens obtained after a logout: revoke them, they belong to no session.
    pub revoke: Option<(AccessToken, Option<RefreshToken>)>,
}

impl Authority {
    /// A caller holding `seen` (its view of the session, from KV) asks for a current access
    /// token; `force`: it needs a new one even if the view is not due (the API answered `401`,
    /// or the user asked).
    pub fn refresh(&mut self, seen: &SessionRecord, force: bool, now: UnixTime) -> Step {
        if let Some(ending) = self.ended {
            return Step::Answer(Verdict::Ended(ending));
        }
        let record = self.record.get_or_insert_with(|| seen.clone());
        let behind = record.access_token != seen.access_token;
        if (behind || !force) && !record.needs_refresh(now) {
            return Step::Answer(Verdict::Current(Box::new(record.clone())));
        }
        if !record.needs_refresh(now) && self.in_flight.is_none() {
            // A forced refresh of a token that is not due: counted.
            if now >= self.forced.0.saturating_add(60) {
                self.forced = (now, 0);
            }
            if self.forced.1 >= FORCED_PER_MINUTE {
                let record = self.record.as_ref().map(|r| Box::new(r.clone()));
                return Step::Answer(
                    record.map_or(Verdict::Ended(Ending::Expired), Verdict::Current),
                );
            }
            self.forced.1 += 1;
        }
        if let Some(flight) = &self.in_flight {
            if now < flight.since.saturating_add(LOST_AFTER) {
                return Step::Wait;
            }
            // The answer is lost: send the same token again (see the module documentation).
            let refresh_token = flight.refresh_token.clone();
            self.in_flight = Some(InFlight {
                refresh_token: refresh_token.clone(),
                since: now,
                attempt: flight.attempt.saturating_add(1),
            });
            return Step::Send(refresh_token);
        }
        let Some(refresh_token) = record.refresh_token.clone() else {
            if now < record.expires_at {
                return Step::Answer(Verdict::Current(Box::new(record.clone())));
            }
            return Step::Answer(Verdict::Ended(self.end(Ending::Expired)));
        };
        self.in_flight = Some(InFlight {
            refresh_token: refresh_token.clone(),
            since: now,
            attempt: 1,
        });
        Step::Send(refresh_token)
    }

    /// The provider answered the refresh that sent `sent` (at `now`; the new access token's
    /// lifetime counts from when it was sent).
    pub fn settle(&mut self, sent: &RefreshToken, outcome: Outcome, now: UnixTime) -> Settled {
        let flight = self.in_flight.take_if(|f| &f.refresh_token == sent);
        let ours = flight.is_some();
        // Lifetimes count from when the request was sent: the answer may come late.
        let issued = flight.map_or(now, |f| f.since.min(now));
        if self.ended.is_some() || !ours {
            // Logged out (or ended) meanwhile, or an answer to a send the authority gave up on:
            // nothing is stored; new tokens go back to be revoked.
            // (A token the session still holds — a provider that does not rotate answers the same
            // refresh token again — is never revoked.)
            let held = self.record.as_ref();
            let revoke = match outcome {
                Outcome::Tokens(t) if held.is_none_or(|r| r.access_token != t.access_token) => {
                    let rt = t
                        .refresh_token
                        .filter(|rt| held.is_none_or(|r| r.refresh_token.as_ref() != Some(rt)));
                    Some((t.access_token, rt))
                }
                _ => None,
            };
            let verdict = match (self.ended, &self.record) {
                (Some(ending), _) => Verdict::Ended(ending),
                (None, Some(r)) => Verdict::Current(Box::new(r.clone())),
                (None, None) => Verdict::Failed(TokenError::Unavailable { status: 0 }),
            };
            return Settled { verdict, revoke };
        }
        let verdict = match outcome {
            Outcome::Tokens(tokens) => match self.record.as_mut() {
                Some(record) => {
                    record.apply_tokens(tokens, issued);
                    Verdict::Current(Box::new(record.clone()))
                }
                None => Verdict::Failed(TokenError::Unavailable { status: 0 }),
            },
            Outcome::Refused(e) if e.error == ErrorCode::InvalidGrant => {
                Verdict::Ended(self.end(Ending::Refused))
            }
            Outcome::Refused(error) => Verdict::Failed(TokenError::Provider { status: 400, error }),
            Outcome::Failed(e) => Verdict::Failed(e),
        };
        Settled {
            verdict,
            revoke: None,
        }
    }

    /// Logs the session out: from now on every caller hears [`Ending::LoggedOut`]. Returns the
    /// record whose tokens must be revoked (if the authority had one).
    pub fn logout(&mut self) -> Option<SessionRecord> {
        let record = self.record.take();
        self.end(Ending::LoggedOut);
        record
    }

    fn end(&mut self, ending: Ending) -> Ending {
        self.ended.get_or_insert(ending);
        self.record = None;
        ending
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::Map;

    use super::*;
    use crate::token::TokenType;

    fn tokens(at: &str, rt: Option<&str>) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new(at),
            token_type: TokenType::Bearer,
            expires_in: Some(300),
            expires_at: None,
            mac_key: None,
            refresh_token: rt.map(RefreshToken::new),
            scope: None,
            id_token: None,
            extra: Map::new(),
        }
    }

    fn record(at: &str, rt: &str, now: UnixTime) -> SessionRecord {
        SessionRecord::new("p", tokens(at, Some(rt)), Map::new(), now)
    }

    fn invalid_grant() -> ProviderError {
        ProviderError {
            error: ErrorCode::InvalidGrant,
            error_description: None,
            error_uri: None,
        }
    }

    #[test]
    fn one_send_then_everyone_gets_its_result() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        assert_eq!(
            a.refresh(&v1, true, 10),
            Step::Send(RefreshToken::new("r1"))
        );
        assert_eq!(a.refresh(&v1, true, 11), Step::Wait);
        let s = a.settle(
            &RefreshToken::new("r1"),
            Outcome::Tokens(tokens("a2", Some("r2"))),
            12,
        );
        let Verdict::Current(now) = s.verdict else {
            panic!("{s:?}")
        };
        assert_eq!(now.refresh_token, Some(RefreshToken::new("r2")));
        // The waiter (and any later caller with the old view) gets it without a send.
        let Step::Answer(Verdict::Current(r)) = a.refresh(&v1, true, 13) else {
            panic!()
        };
        assert_eq!(r.access_token.expose(), "a2");
    }

    #[test]
    fn invalid_grant_ends_it_and_it_stays_ended() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        a.refresh(&v1, true, 10);
        let s = a.settle(
            &RefreshToken::new("r1"),
            Outcome::Refused(invalid_grant()),
            11,
        );
        assert_eq!(s.verdict, Verdict::Ended(Ending::Refused));
        assert_eq!(
            a.refresh(&v1, true, 12),
            Step::Answer(Verdict::Ended(Ending::Refused))
        );
    }

    #[test]
    fn logout_during_a_refresh_wins_and_the_new_tokens_are_revoked() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        a.refresh(&v1, true, 10);
        assert_eq!(a.logout().unwrap().access_token.expose(), "a1");
        let s = a.settle(
            &RefreshToken::new("r1"),
            Outcome::Tokens(tokens("a2", Some("r2"))),
            11,
        );
        assert_eq!(s.verdict, Verdict::Ended(Ending::LoggedOut));
        assert_eq!(
            s.revoke,
            Some((AccessToken::new("a2"), Some(RefreshToken::new("r2"))))
        );
        assert_eq!(
            a.refresh(&v1, true, 12),
            Step::Answer(Verdict::Ended(Ending::LoggedOut))
        );
    }

    #[test]
    fn a_lost_answer_is_resent_once_per_lost_after_and_never_ends_the_session() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        assert!(matches!(a.refresh(&v1, true, 10), Step::Send(_)));
        assert_eq!(a.refresh(&v1, true, 10 + LOST_AFTER - 1), Step::Wait);
        assert_eq!(
            a.refresh(&v1, true, 10 + LOST_AFTER),
            Step::Send(RefreshToken::new("r1"))
        );
        assert_eq!(a.refresh(&v1, true, 11 + LOST_AFTER), Step::Wait);
        assert_eq!(
            a.refresh(&v1, true, 10 + 2 * LOST_AFTER),
            Step::Send(RefreshToken::new("r1"))
        );
        assert_eq!(a.in_flight.as_ref().unwrap().attempt, 3);
        assert_eq!(a.ended, None);
    }

    #[test]
    fn forced_refreshes_are_limited_per_minute() {
        let mut a = Authority::default();
        let mut view = record("a0", "r0", 0);
        for i in 0..FORCED_PER_MINUTE {
            let sent = view.refresh_token.clone().unwrap();
            assert_eq!(a.refresh(&view, true, 100), Step::Send(sent.clone()), "{i}");
            let s = a.settle(
                &sent,
                Outcome::Tokens(tokens(&format!("a{}", i + 1), Some(&format!("r{}", i + 1)))),
                100,
            );
            let Verdict::Current(v) = s.verdict else {
                panic!()
            };
            view = *v;
        }
        // One more within the minute: the current token, no send.
        assert_eq!(
            a.refresh(&view, true, 120),
            Step::Answer(Verdict::Current(Box::new(view.clone())))
        );
        // A minute later, allowed again.
        assert!(matches!(a.refresh(&view, true, 160), Step::Send(_)));
    }

    #[test]
    fn a_late_answer_recovers() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        a.refresh(&v1, true, 10);
        let s = a.settle(
            &RefreshToken::new("r1"),
            Outcome::Tokens(tokens("a2", Some("r2"))),
            10 + LOST_AFTER - 1,
        );
        assert!(matches!(s.verdict, Verdict::Current(_)));
        assert!(a.in_flight.is_none());
    }

    #[test]
    fn not_due_and_not_forced_is_answered_as_is() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        assert_eq!(
            a.refresh(&v1, false, 10),
            Step::Answer(Verdict::Current(Box::new(v1.clone())))
        );
        // Due: refreshed even without force.
        assert!(matches!(a.refresh(&v1, false, 290), Step::Send(_)));
    }

    #[test]
    fn other_refusals_keep_the_session() {
        let mut a = Authority::default();
        let v1 = record("a1", "r1", 0);
        a.refresh(&v1, true, 10);
        let s = a.settle(
            &RefreshToken::new("r1"),
            Outcome::Failed(TokenError::Unavailable { status: 503 }),
            11,
        );
        assert!(matches!(s.verdict, Verdict::Failed(_)));
        assert_eq!(
            a.refresh(&v1, true, 12),
            Step::Send(RefreshToken::new("r1"))
        );
    }

    #[test]
    fn without_a_refresh_token_it_lasts_until_the_access_token_expires() {
        let mut a = Authority::default();
        let v = SessionRecord::new("p", tokens("a1", None), Map::new(), 0);
        assert!(matches!(
            a.refresh(&v, true, 100),
            Step::Answer(Verdict::Current(_))
        ));
        assert_eq!(
            a.refresh(&v, true, 300),
            Step::Answer(Verdict::Ended(Ending::Expired))
        );
    }
}
