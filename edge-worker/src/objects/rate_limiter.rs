//! Counting attempts across every isolate (issue 6, finding 4): one Durable Object per counted
//! key, a fixed window each. An isolate-local counter would let a script spread its tries over
//! isolates and locations; KV is eventually consistent and allows one write per key per second.
//!
//! The object's storage holds one [`Window`]; an alarm at the window's end deletes it, so storage
//! does not grow with the number of user names or addresses ever seen.
use std::cell::Cell;

use serde::{Deserialize, Serialize};
use worker::{durable_object, Env, Request, Response, State};

use crate::clock::now_ms;
use crate::config::limits::Rate;
use crate::error::WorkerError;

/// The Durable Object binding (wrangler.toml).
pub(crate) const BINDING: &str = "RATE_LIMITER";
const STORAGE_KEY: &str = "window";

/// The attempts counted in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Window {
    /// When it began (ms since the epoch).
    pub(crate) start_ms: u64,
    /// Attempts counted in it, refused ones excluded.
    pub(crate) count: u32,
}

/// The answer to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Decision {
    /// Go ahead.
    Allowed,
    /// Refused; retry after this many seconds (at least 1).
    Refused {
        /// Seconds until the window ends.
        retry_after: u64,
    },
}

/// One more attempt at `now_ms` against `window` (the stored one, if any) under `rate`: the
/// window to store and the decision. A window that has ended starts afresh.
pub(crate) fn attempt(window: Option<Window>, rate: Rate, now_ms: u64) -> (Window, Decision) {
    let length = u64::from(rate.window_seconds) * 1000;
    let current = window
        .filter(|w| now_ms < w.start_ms.saturating_add(length) && now_ms >= w.start_ms)
        .unwrap_or(Window {
            start_ms: now_ms,
            count: 0,
        });
    if current.count >= rate.max {
        let left_ms = current
            .start_ms
            .saturating_add(length)
            .saturating_sub(now_ms);
        let retry_after = left_ms.div_ceil(1000).max(1);
        (current, Decision::Refused { retry_after })
    } else {
        let next = Window {
            count: current.count + 1,
            ..current
        };
        (next, Decision::Allowed)
    }
}

#[derive(Serialize, Deserialize)]
struct Ask {
    rate: Rate,
}

/// Counts one attempt for `key` (already a digest or an address, never a user name in the clear)
/// under `rate`: `Ok` to go ahead, [`WorkerError::RateLimited`] when over.
pub(crate) async fn check(env: &Env, key: &str, rate: Rate) -> Result<(), WorkerError> {
    let ask = Ask { rate };
    match super::ask::<_, Decision>(env, BINDING, key, &ask).await? {
        Decision::Allowed => Ok(()),
        Decision::Refused { retry_after } => Err(WorkerError::RateLimited { retry_after }),
    }
}

/// The Durable Object.
#[durable_object]
pub struct RateLimiter {
    state: State,
    /// The window as last stored (`None` until read once).
    cached: Cell<Option<Option<Window>>>,
}

impl worker::DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        Self {
            state,
            cached: Cell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let Ask { rate } = super::asked(&mut req).await?;
        let storage = self.state.storage();
        // No `await` between this read and the write below lets another attempt in: storage
        // calls keep the object's input gate closed.
        let stored = match self.cached.get() {
            Some(w) => w,
            None => storage.get::<Window>(STORAGE_KEY).await?,
        };
        let now = now_ms();
        let (window, decision) = attempt(stored, rate, now);
        if stored != Some(window) {
            storage.put(STORAGE_KEY, window).await?;
            if stored.map(|w| w.start_ms) != Some(window.start_ms) {
                let end = window
                    .start_ms
                    .saturating_add(u64::from(rate.window_seconds) * 1000);
                storage
                    .set_alarm(i64::try_from(end.saturating_sub(now)).unwrap_or(i64::MAX))
                    .await?;
            }
        }
        self.cached.set(Some(Some(window)));
        Response::from_json(&decision)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.state.storage().delete_all().await?;
        self.cached.set(Some(None));
        Response::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        max: 3,
        window_seconds: 60,
    };

    #[test]
    fn counts_up_to_max_then_refuses_until_the_window_ends() {
        let mut w = None;
        for i in 0..3 {
            let (next, d) = attempt(w, RATE, 1_000 + i);
            assert_eq!(d, Decision::Allowed);
            w = Some(next);
        }
        assert_eq!(w.unwrap().count, 3);
        let (same, d) = attempt(w, RATE, 1_500);
        assert_eq!(d, Decision::Refused { retry_after: 60 });
        assert_eq!(same, w.unwrap(), "a refused attempt is not counted");
        let (_, d) = attempt(w, RATE, 60_001);
        assert_eq!(d, Decision::Refused { retry_after: 1 });
        // The window ends at start + 60 s: a new one begins.
        let (fresh, d) = attempt(w, RATE, 61_000);
        assert_eq!(d, Decision::Allowed);
        assert_eq!(
            fresh,
            Window {
                start_ms: 61_000,
                count: 1
            }
        );
    }

    /// Found by the `worker_rate_limit` fuzz target: a window ending past `u64::MAX` overflowed.
    #[test]
    fn a_window_at_the_end_of_time_does_not_overflow() {
        let w = Some(Window {
            start_ms: u64::MAX - 10,
            count: 3,
        });
        let (_, d) = attempt(w, RATE, u64::MAX - 5);
        assert!(matches!(d, Decision::Refused { retry_after } if retry_after >= 1));
    }

    #[test]
    fn a_clock_that_went_back_starts_a_new_window() {
        let w = Some(Window {
            start_ms: 10_000,
            count: 3,
        });
        let (next, d) = attempt(w, RATE, 5_000);
        assert_eq!(d, Decision::Allowed);
        assert_eq!(next.start_ms, 5_000);
    }

    #[test]
    fn decision_wire_format() {
        assert_eq!(
            serde_json::to_string(&Decision::Refused { retry_after: 5 }).unwrap(),
            r#"{"Refused":{"retry_after":5}}"#
        );
        assert_eq!(
            serde_json::from_str::<Decision>(r#""Allowed""#).unwrap(),
            Decision::Allowed
        );
    }
}
