//! One refresh at a time per session, within this isolate.
//!
//! Providers that rotate refresh tokens (RFC 9700 §4.14.2) treat a second use of the old token as
//! theft and revoke the grant, so two concurrent refreshes of one session would end it. Calls that
//! arrive together (two tabs, a reload during a refresh) take turns here, and the later one
//! re-reads the session and reuses the earlier one's tokens. Requests served by different isolates
//! are not covered: that needs a Durable Object per session.
//!
//! Waiting polls on a timer instead of awaiting the holder: the Workers runtime cancels a request
//! that waits on a promise only another request can resolve (it looks hung).
use std::cell::RefCell;
use std::collections::HashSet;
use std::time::Duration;

use crate::error::WorkerError;

/// How often a waiting call looks again.
const POLL: Duration = Duration::from_millis(20);
/// How long a call waits before giving up (longer than any sane token request).
const MAX_WAIT: Duration = Duration::from_secs(15);

thread_local! {
    static BUSY: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// This call's turn at refreshing one session; the next caller may go when it is dropped.
pub(crate) struct Turn {
    key: String,
}

impl Turn {
    /// Takes the turn for the session stored under `key` if no one holds it.
    pub(crate) fn try_take(key: &str) -> Option<Self> {
        BUSY.with(|busy| busy.borrow_mut().insert(key.to_owned()))
            .then(|| Self {
                key: key.to_owned(),
            })
    }

    /// Waits for the turn of the session stored under `key`.
    pub(crate) async fn take(key: &str) -> Result<Self, WorkerError> {
        let mut waited = Duration::ZERO;
        loop {
            if let Some(turn) = Self::try_take(key) {
                return Ok(turn);
            }
            if waited >= MAX_WAIT {
                return Err(WorkerError::Internal(
                    "another refresh of this session did not finish".into(),
                ));
            }
            worker::Delay::from(POLL).await;
            waited += POLL;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        BUSY.with(|busy| busy.borrow_mut().remove(&self.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_turn_per_session() {
        let a = Turn::try_take("session:a").unwrap();
        assert!(
            Turn::try_take("session:a").is_none(),
            "the second caller waits"
        );
        let b = Turn::try_take("session:b");
        assert!(b.is_some(), "other sessions do not wait");
        drop(a);
        assert!(Turn::try_take("session:a").is_some());
        drop(b);
        assert_eq!(BUSY.with(|busy| busy.borrow().len()), 0);
    }
}
