//! The pending login, sealed into the tx cookie between `/login` and the end of the login: `/token`
//! (a code the browser brings back) or `/callback/<provider>` (tokens the provider appends to the
//! redirect to the Worker).
//!
//! Checking a callback against it is protocol logic (RFC 6749 §10.12 `state`, RFC 7636 §4.6
//! S256, RFC 9207 `iss`, and the one-time `tx` value standing in for `state` where the provider
//! has none); it is kept pure and separate here so it can move into `oauth-edge-shared` as is.
use oauth_edge_shared::form;
use oauth_edge_shared::pkce::{constant_time_eq, verify_s256};
use oauth_edge_shared::{b64, UnixTime};
use serde::{Deserialize, Serialize};

use crate::cookies::TX_MAX_AGE;
use crate::error::WorkerError;
use crate::seal::{self, Purpose, SealKey, NONCE_LEN};

/// The query parameter carrying the one-time value on the Worker's redirect URI.
pub(crate) const TX_PARAM: &str = "tx";

/// What `/login` remembers for the end of the login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Transaction {
    /// The provider's configured name.
    pub(crate) provider: String,
    /// When the login stops being accepted (UNIX seconds).
    pub(crate) expires_at: UnixTime,
    /// How the login ends.
    #[serde(flatten)]
    pub(crate) pending: Pending,
}

/// How a pending login ends, with what that end is checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Pending {
    /// The browser brings a code to `/token`.
    Code {
        /// The `state` the browser generated.
        state: String,
        /// The S256 `code_challenge` the browser generated.
        code_challenge: String,
    },
    /// The provider redirects to the Worker's callback with the tokens.
    Tokens {
        /// The one-time value appended to the redirect URI (256 bits, base64url).
        tx: String,
        /// Where to send the browser afterwards (already made a same-origin path).
        return_to: String,
    },
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
    /// A code login started at `now`.
    pub(crate) fn new(provider: &str, state: &str, code_challenge: &str, now: UnixTime) -> Self {
        Self {
            provider: provider.to_owned(),
            expires_at: now + TX_MAX_AGE,
            pending: Pending::Code {
                state: state.to_owned(),
                code_challenge: code_challenge.to_owned(),
            },
        }
    }

    /// A login whose tokens come to the Worker's callback, started at `now`; `entropy` makes the
    /// one-time `tx` value. `return_to` must already be a safe same-origin path.
    pub(crate) fn for_tokens(
        provider: &str,
        entropy: &[u8; 32],
        return_to: &str,
        now: UnixTime,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            expires_at: now + TX_MAX_AGE,
            pending: Pending::Tokens {
                tx: b64::url_encode(entropy),
                return_to: return_to.to_owned(),
            },
        }
    }

    /// The redirect URI to announce for this transaction: the configured one, plus `tx=…` for a
    /// login whose tokens come to the Worker.
    pub(crate) fn redirect_uri(&self, configured: &str) -> String {
        match &self.pending {
            Pending::Code { .. } => configured.to_owned(),
            Pending::Tokens { tx, .. } => form::append_query(configured, [(TX_PARAM, tx.as_str())]),
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

    /// Checks a code callback against this transaction. `expected_issuer` is the provider's
    /// configured issuer: when both it and `iss` are present they must be equal (RFC 9207 §2.4).
    pub(crate) fn check(
        &self,
        callback: &CallbackParams<'_>,
        expected_issuer: Option<&str>,
    ) -> Result<(), WorkerError> {
        let Pending::Code {
            state,
            code_challenge,
        } = &self.pending
        else {
            return Err(WorkerError::TransactionMismatch("kind of login"));
        };
        if !constant_time_eq(state.as_bytes(), callback.state.as_bytes()) {
            return Err(WorkerError::TransactionMismatch("state"));
        }
        if !verify_s256(callback.code_verifier, code_challenge) {
            return Err(WorkerError::TransactionMismatch("code_verifier"));
        }
        match (callback.iss, expected_issuer) {
            (Some(got), Some(expected)) if got != expected => Err(WorkerError::IssuerMismatch),
            _ => Ok(()),
        }
    }

    /// Checks a redirect to `/callback/<provider>` carrying `tx` against this transaction (in
    /// constant time) and answers where to send the browser.
    pub(crate) fn check_tokens(
        &self,
        provider: &str,
        tx: Option<&str>,
    ) -> Result<&str, WorkerError> {
        let Pending::Tokens {
            tx: expected,
            return_to,
        } = &self.pending
        else {
            return Err(WorkerError::TransactionMismatch("kind of login"));
        };
        if self.provider != provider {
            return Err(WorkerError::TransactionMismatch("provider"));
        }
        let given = tx.unwrap_or_default();
        if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(WorkerError::TransactionMismatch("tx"));
        }
        Ok(return_to)
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

    fn tokens_tx() -> Transaction {
        Transaction::for_tokens("sso", &[7; 32], "/account", 1_000)
    }

    #[test]
    fn tokens_transaction_round_trip_and_redirect_uri() {
        let key = SealKey::new([4; 32]);
        let t = tokens_tx();
        let Pending::Tokens { tx: value, .. } = &t.pending else {
            panic!("not a tokens transaction")
        };
        assert_eq!(value.len(), 43, "256 bits, base64url");
        assert_eq!(
            Transaction::open(&key, &t.seal(&key, [1; 12]), 1_000),
            Some(t.clone())
        );
        assert_eq!(
            t.redirect_uri("https://app.example/auth/callback/sso"),
            format!("https://app.example/auth/callback/sso?tx={value}")
        );
        assert_eq!(
            tx_of(&t.redirect_uri("https://app.example/cb?a=1")),
            Some(value.clone())
        );
        assert_eq!(
            tx().redirect_uri("https://app.example/cb"),
            "https://app.example/cb"
        );
    }

    fn tx_of(url: &str) -> Option<String> {
        let query = url.split_once('?')?.1;
        form::parse(query)
            .into_iter()
            .find(|(k, _)| k == TX_PARAM)
            .map(|(_, v)| v)
    }

    #[test]
    fn checks_tx_provider_and_kind() {
        let t = tokens_tx();
        let Pending::Tokens { tx: value, .. } = &t.pending else {
            panic!("not a tokens transaction")
        };
        assert_eq!(t.check_tokens("sso", Some(value)).unwrap(), "/account");
        let code = |r: Result<&str, WorkerError>| r.err().map(|e| e.code());
        assert_eq!(
            code(t.check_tokens("sso", Some("forged"))),
            Some("transaction_mismatch")
        );
        assert_eq!(
            code(t.check_tokens("sso", None)),
            Some("transaction_mismatch")
        );
        assert_eq!(
            code(t.check_tokens("other", Some(value))),
            Some("transaction_mismatch")
        );
        // A code login's transaction is not a tokens one, and the other way round.
        assert_eq!(
            code(tx().check_tokens("default", Some(value))),
            Some("transaction_mismatch")
        );
        let cb = CallbackParams {
            state: "st-1",
            code_verifier: VERIFIER,
            iss: None,
        };
        assert!(matches!(
            t.check(&cb, None),
            Err(WorkerError::TransactionMismatch(_))
        ));
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
