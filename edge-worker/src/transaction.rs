//! The pending login, sealed into the tx cookie between `/login` and `/token`.
//!
//! Checking a callback against it is protocol logic (RFC 6749 §10.12 `state`, RFC 7636 §4.6
//! S256, RFC 9207 `iss`); it is kept pure and separate here so it can move into
//! `oauth-edge-shared` as is.
use oauth_edge_shared::pkce::{constant_time_eq, verify_s256};
use oauth_edge_shared::UnixTime;
use serde::{Deserialize, Serialize};

use crate::cookies::TX_MAX_AGE;
use crate::error::WorkerError;
use crate::seal::{self, Purpose, SealKey, NONCE_LEN};

/// What `/login` remembers for `/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Transaction {
    /// The provider's configured name.
    pub(crate) provider: String,
    /// The `state` the browser generated.
    pub(crate) state: String,
    /// The S256 `code_challenge` the browser generated.
    pub(crate) code_challenge: String,
    /// When the login stops being accepted (UNIX seconds).
    pub(crate) expires_at: UnixTime,
}

/// What the browser brings back from the callback.
pub(crate) struct CallbackParams<'a> {
    /// `state` from the callback.
    pub(crate) state: &'a str,
    /// The PKCE verifier the browser kept.
    pub(crate) code_verifier: &'a str,
    /// `iss` from the callback, if the provider sent it.
    pub(crate) iss: Option<&'a str>,
}

impl Transaction {
    /// A transaction started at `now`.
    pub(crate) fn new(provider: &str, state: &str, code_challenge: &str, now: UnixTime) -> Self {
        Self {
            provider: provider.to_owned(),
            state: state.to_owned(),
            code_challenge: code_challenge.to_owned(),
            expires_at: now + TX_MAX_AGE,
        }
    }

    /// The sealed cookie value.
    pub(crate) fn seal(&self, key: &SealKey, nonce: [u8; NONCE_LEN]) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        seal::seal(key, Purpose::Transaction, &json, nonce)
    }

    /// Opens a cookie value: `None` when it is not a transaction sealed under `key` or has expired.
    pub(crate) fn open(key: &SealKey, sealed: &str, now: UnixTime) -> Option<Self> {
        let json = seal::open(key, Purpose::Transaction, sealed)?;
        serde_json::from_slice::<Self>(&json)
            .ok()
            .filter(|tx| now < tx.expires_at)
    }

    /// Checks the callback against this transaction. `expected_issuer` is the provider's
    /// configured issuer: when both it and `iss` are present they must be equal (RFC 9207 §2.4).
    pub(crate) fn check(
        &self,
        callback: &CallbackParams<'_>,
        expected_issuer: Option<&str>,
    ) -> Result<(), WorkerError> {
        if !constant_time_eq(self.state.as_bytes(), callback.state.as_bytes()) {
            return Err(WorkerError::TransactionMismatch("state"));
        }
        if !verify_s256(callback.code_verifier, &self.code_challenge) {
            return Err(WorkerError::TransactionMismatch("code_verifier"));
        }
        match (callback.iss, expected_issuer) {
            (Some(got), Some(expected)) if got != expected => Err(WorkerError::IssuerMismatch),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn tx() -> Transaction {
        Transaction::new("default", "st-1", CHALLENGE, 1_000)
    }

    fn code(r: Result<(), WorkerError>) -> Option<&'static str> {
        r.err().map(|e| e.code())
    }

    #[test]
    fn seal_open_and_expiry() {
        let key = SealKey::new([4; 32]);
        let sealed = tx().seal(&key, [1; 12]);
        assert_eq!(Transaction::open(&key, &sealed, 1_599), Some(tx()));
        assert_eq!(Transaction::open(&key, &sealed, 1_600), None);
        assert_eq!(
            Transaction::open(&SealKey::new([5; 32]), &sealed, 1_000),
            None
        );
    }

    #[test]
    fn checks_state_verifier_and_issuer() {
        let t = tx();
        let cb = |state, code_verifier, iss| CallbackParams {
            state,
            code_verifier,
            iss,
        };
        let issuer = Some("https://as.example");
        let other_verifier = "x".repeat(43);
        assert_eq!(code(t.check(&cb("st-1", VERIFIER, None), issuer)), None);
        assert_eq!(
            code(t.check(&cb("st-1", VERIFIER, Some("https://as.example")), issuer)),
            None
        );
        assert_eq!(
            code(t.check(&cb("st-2", VERIFIER, None), issuer)),
            Some("transaction_mismatch")
        );
        assert_eq!(
            code(t.check(&cb("st-1", &other_verifier, None), issuer)),
            Some("transaction_mismatch")
        );
        assert_eq!(
            code(t.check(&cb("st-1", VERIFIER, Some("https://evil.example")), issuer)),
            Some("issuer_mismatch")
        );
        // No configured issuer: nothing to compare against.
        assert_eq!(
            code(t.check(&cb("st-1", VERIFIER, Some("https://any.example")), None)),
            None
        );
    }
}
