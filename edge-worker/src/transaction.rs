//! The pending login, sealed into the tx cookie between `/login` and the end of the login: `/token`
//! (a code the browser brings back) or `/callback/<provider>` (tokens the provider appends to the
//! redirect to the Worker).
//!
//! What it holds and how a callback is checked against it (`state`, S256, RFC 9207 `iss`, the
//! one-time `tx`) is protocol logic: [`oauth_edge_shared::transaction`]. Here: sealing it into the
//! cookie, and each mismatch as the Worker's error.
use oauth_edge_shared::transaction::{Mismatch, Transaction};
use oauth_edge_shared::UnixTime;

use crate::cookies::{TX, TX_MAX_AGE};
use crate::error::WorkerError;
use crate::seal::{self, Keyring, Purpose, NONCE_LEN};

/// When a login started at `now` stops being accepted: with its cookie.
pub(crate) fn expires_at(now: UnixTime) -> UnixTime {
    now + TX_MAX_AGE
}

/// The sealed cookie value, bound to the tx cookie's name.
pub(crate) fn seal(tx: &Transaction, keys: &Keyring, nonce: [u8; NONCE_LEN]) -> String {
    let json = serde_json::to_vec(tx).unwrap_or_default();
    seal::seal(keys, Purpose::Transaction, TX, &json, nonce)
}

/// Opens a cookie value: `None` when it is not a transaction sealed under `keys` or has expired.
pub(crate) fn open(keys: &Keyring, sealed: &str, now: UnixTime) -> Option<Transaction> {
    let json = seal::open(keys, Purpose::Transaction, TX, sealed)?;
    serde_json::from_slice::<Transaction>(&json)
        .ok()
        .filter(|tx| tx.is_live(now))
}

impl From<Mismatch> for WorkerError {
    fn from(m: Mismatch) -> Self {
        match m {
            Mismatch::Issuer => Self::IssuerMismatch,
            other => Self::TransactionMismatch(other.field()),
        }
    }
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::transaction::CodeReturn;

    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn tx() -> Transaction {
        Transaction::for_code("default", "st-1", CHALLENGE, expires_at(1_000))
    }

    #[test]
    fn seal_open_and_expiry() {
        let key = Keyring::new([4; 32], None);
        let sealed = seal(&tx(), &key, [1; 12]);
        assert_eq!(open(&key, &sealed, 1_599), Some(tx()));
        assert_eq!(open(&key, &sealed, 1_600), None);
        assert_eq!(open(&Keyring::new([5; 32], None), &sealed, 1_000), None);
        let tokens = Transaction::for_tokens("sso", &[7; 32], "/account", expires_at(1_000));
        assert_eq!(
            open(&key, &seal(&tokens, &key, [2; 12]), 1_000),
            Some(tokens)
        );
    }

    /// The codes and messages the Worker answered before the checks moved to the shared crate.
    #[test]
    fn mismatches_keep_their_codes() {
        let code = |m| WorkerError::from(m).code();
        assert_eq!(code(Mismatch::Issuer), "issuer_mismatch");
        for m in [
            Mismatch::Kind,
            Mismatch::Provider,
            Mismatch::State,
            Mismatch::CodeVerifier,
            Mismatch::Tx,
        ] {
            assert_eq!(code(m), "transaction_mismatch");
        }
        assert!(matches!(
            WorkerError::from(Mismatch::CodeVerifier),
            WorkerError::TransactionMismatch("code_verifier")
        ));
        assert!(matches!(
            WorkerError::from(Mismatch::Kind),
            WorkerError::TransactionMismatch("kind of login")
        ));
        let back = CodeReturn {
            state: "st-2",
            code_verifier: VERIFIER,
            iss: None,
        };
        let err = WorkerError::from(tx().check_code(&back, None, false).unwrap_err());
        assert!(matches!(err, WorkerError::TransactionMismatch("state")));
    }
}
