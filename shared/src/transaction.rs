//! The pending login, between the authorization request and its end, and the checks of what comes
//! back against it:
//!
//! - `state`, compared in constant time
//!   ([RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12));
//! - the PKCE verifier against the S256 challenge
//!   ([RFC 7636 §4.6](https://www.rfc-editor.org/rfc/rfc7636#section-4.6));
//! - the issuer ([RFC 9207 §2.4](https://www.rfc-editor.org/rfc/rfc9207#section-2.4)): a returned
//!   `iss` must equal the expected one when both are known;
//! - for a provider that appends the tokens themselves to the redirect URI (and returns no
//!   `state`), the one-time `tx` value the redirect URI carried, standing in for `state`.
//!
//! The browser client checks `state` and `iss` on its callback page; the Worker checks the whole
//! [`Transaction`] it sealed into its tx cookie. Both call these functions.
use serde::{Deserialize, Serialize};

use crate::pkce::{constant_time_eq, verify_s256};
use crate::secret::Redacted;
use crate::{b64, form, UnixTime};

/// The query parameter carrying the one-time value on a redirect URI that receives tokens.
pub const TX_PARAM: &str = "tx";

/// Whether a returned `state` equals the one sent (constant time, RFC 6749 §10.12).
pub fn state_matches(sent: &str, returned: &str) -> bool {
    constant_time_eq(sent.as_bytes(), returned.as_bytes())
}

/// RFC 9207 §2.4: when the issuer is known and the response names one, they must be equal. A
/// response without `iss`, or a login with no known issuer, has nothing to compare.
pub fn issuer_matches(expected: Option<&str>, returned: Option<&str>) -> bool {
    !matches!((expected, returned), (Some(e), Some(r)) if e != r)
}

/// What a login remembers for its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The provider's configured name.
    pub provider: String,
    /// When the login stops being accepted (UNIX seconds).
    pub expires_at: UnixTime,
    /// How the login ends.
    #[serde(flatten)]
    pub pending: Pending,
}

/// How a pending login ends, with what that end is checked against. Its `Debug` prints neither
/// `state` nor `tx`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pending {
    /// A code comes back, with `state` (RFC 6749 §4.1.2) and then the PKCE verifier.
    Code {
        /// The `state` sent with the authorization request.
        state: String,
        /// The S256 `code_challenge` sent with it.
        code_challenge: String,
        /// The OpenID Connect `nonce` sent with it (the ID token must carry it back).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
    },
    /// The provider redirects with the tokens themselves.
    Tokens {
        /// The one-time value appended to the redirect URI (256 bits, base64url).
        tx: String,
        /// Where to send the browser afterwards (already made a same-origin path).
        return_to: String,
    },
}

impl core::fmt::Debug for Pending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Code {
                code_challenge,
                nonce,
                ..
            } => f
                .debug_struct("Code")
                .field("state", &Redacted)
                .field("code_challenge", code_challenge)
                .field("nonce", &nonce.as_ref().map(|_| Redacted))
                .finish(),
            Self::Tokens { return_to, .. } => f
                .debug_struct("Tokens")
                .field("tx", &Redacted)
                .field("return_to", return_to)
                .finish(),
        }
    }
}

/// What comes back for a code login: the callback's `state` and `iss`, and the verifier the
/// browser kept. Its `Debug` prints neither `state` nor the verifier.
#[derive(Clone, Copy)]
pub struct CodeReturn<'a> {
    /// `state` from the callback.
    pub state: &'a str,
    /// The PKCE `code_verifier`.
    pub code_verifier: &'a str,
    /// `iss` from the callback, if the provider sent it.
    pub iss: Option<&'a str>,
}

impl core::fmt::Debug for CodeReturn<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CodeReturn")
            .field("state", &Redacted)
            .field("code_verifier", &Redacted)
            .field("iss", &self.iss)
            .finish()
    }
}

/// What does not match the pending login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// A code came back for a login that expects tokens, or the other way round.
    Kind,
    /// The login was started with another provider.
    Provider,
    /// `state` differs.
    State,
    /// The verifier does not hash to the challenge.
    CodeVerifier,
    /// `tx` differs, is missing, or is given more than once.
    Tx,
    /// `iss` is not the expected issuer (RFC 9207).
    Issuer,
}

impl Mismatch {
    /// What differs, in words for a message.
    pub fn field(self) -> &'static str {
        match self {
            Self::Kind => "kind of login",
            Self::Provider => "provider",
            Self::State => "state",
            Self::CodeVerifier => "code_verifier",
            Self::Tx => "tx",
            Self::Issuer => "iss",
        }
    }
}

impl Transaction {
    /// A login that ends with a code, with the `state` and S256 challenge sent for it.
    pub fn for_code(
        provider: &str,
        state: &str,
        code_challenge: &str,
        expires_at: UnixTime,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            expires_at,
            pending: Pending::Code {
                state: state.to_owned(),
                code_challenge: code_challenge.to_owned(),
                nonce: None,
            },
        }
    }

    /// This code login with an OpenID Connect `nonce` (OIDC Core §3.1.2.1), made from 32 random
    /// bytes drawn by the caller.
    pub fn with_nonce(mut self, entropy: &[u8; 32]) -> Self {
        if let Pending::Code { nonce, .. } = &mut self.pending {
            *nonce = Some(b64::url_encode(entropy));
        }
        self
    }

    /// The `nonce` of this login, if it sent one.
    pub fn nonce(&self) -> Option<&str> {
        match &self.pending {
            Pending::Code { nonce, .. } => nonce.as_deref(),
            Pending::Tokens { .. } => None,
        }
    }

    /// A login whose tokens come to the redirect URI; 32 random bytes drawn by the caller make
    /// the one-time `tx` value. `return_to` must already be a safe same-origin path.
    pub fn for_tokens(
        provider: &str,
        entropy: &[u8; 32],
        return_to: &str,
        expires_at: UnixTime,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            expires_at,
            pending: Pending::Tokens {
                tx: b64::url_encode(entropy),
                return_to: return_to.to_owned(),
            },
        }
    }

    /// Whether the login is still accepted at `now`.
    pub fn is_live(&self, now: UnixTime) -> bool {
        now < self.expires_at
    }

    /// The redirect URI to announce for this login: the configured one, plus `tx=…` for a login
    /// whose tokens come to it.
    pub fn redirect_uri(&self, configured: &str) -> String {
        match &self.pending {
            Pending::Code { .. } => configured.to_owned(),
            Pending::Tokens { tx, .. } => form::append_query(configured, [(TX_PARAM, tx.as_str())]),
        }
    }

    /// Checks what came back for a code login: `state` (constant time), the verifier against
    /// the S256 challenge, then the issuer. `expected_issuer` is the provider's configured one.
    pub fn check_code(
        &self,
        returned: &CodeReturn<'_>,
        expected_issuer: Option<&str>,
        require_iss: bool,
    ) -> Result<(), Mismatch> {
        let Pending::Code {
            state,
            code_challenge,
            ..
        } = &self.pending
        else {
            return Err(Mismatch::Kind);
        };
        if !state_matches(state, returned.state) {
            return Err(Mismatch::State);
        }
        if !verify_s256(returned.code_verifier, code_challenge) {
            return Err(Mismatch::CodeVerifier);
        }
        if !issuer_matches(expected_issuer, returned.iss) {
            return Err(Mismatch::Issuer);
        }
        // RFC 9207 §2.4: a provider that says it sends `iss` must have sent it (mix-up).
        if require_iss && returned.iss.is_none() {
            return Err(Mismatch::Issuer);
        }
        Ok(())
    }

    /// Checks a redirect to `provider`'s callback carrying `tx` (constant time) and answers where
    /// to send the browser.
    pub fn check_tokens(&self, provider: &str, tx: Option<&str>) -> Result<&str, Mismatch> {
        let Pending::Tokens {
            tx: expected,
            return_to,
        } = &self.pending
        else {
            return Err(Mismatch::Kind);
        };
        if self.provider != provider {
            return Err(Mismatch::Provider);
        }
        if !constant_time_eq(expected.as_bytes(), tx.unwrap_or_default().as_bytes()) {
            return Err(Mismatch::Tx);
        }
        Ok(return_to)
    }
}

/// The `tx` value of a redirect's query: `None` when absent; more than one is refused (which one
/// the provider meant cannot be told).
pub fn redirect_tx(query: &str) -> Result<Option<String>, Mismatch> {
    let mut values = form::parse(query)
        .into_iter()
        .filter(|(k, _)| k == TX_PARAM)
        .map(|(_, v)| v);
    let first = values.next();
    match values.next() {
        Some(_) => Err(Mismatch::Tx),
        None => Ok(first),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn code_tx() -> Transaction {
        Transaction::for_code("default", "st-1", CHALLENGE, 1_600)
    }

    fn tokens_tx() -> Transaction {
        Transaction::for_tokens("sso", &[7; 32], "/account", 1_600)
    }

    fn tx_value(t: &Transaction) -> &str {
        match &t.pending {
            Pending::Tokens { tx, .. } => tx,
            Pending::Code { .. } => panic!("not a tokens transaction"),
        }
    }

    #[test]
    fn state_is_compared_whole() {
        use crate::state::State;
        let s = State::from_entropy(&[0xAB; 32]);
        assert!(state_matches(s.as_str(), s.as_str()));
        assert!(!state_matches(
            s.as_str(),
            State::from_entropy(&[0xAC; 32]).as_str()
        ));
        assert!(!state_matches(s.as_str(), ""));
        assert!(!state_matches(s.as_str(), &s.as_str()[..42]));
    }

    #[test]
    fn issuer_only_compared_when_both_known() {
        assert!(issuer_matches(Some("https://a"), Some("https://a")));
        assert!(!issuer_matches(Some("https://a"), Some("https://b")));
        assert!(issuer_matches(None, Some("https://b")));
        assert!(issuer_matches(Some("https://a"), None));
        assert!(issuer_matches(None, None));
    }

    #[test]
    fn checks_state_verifier_and_issuer() {
        let t = code_tx();
        let back = |state, code_verifier, iss| CodeReturn {
            state,
            code_verifier,
            iss,
        };
        let issuer = Some("https://as.example");
        let other_verifier = "x".repeat(43);
        assert_eq!(
            t.check_code(&back("st-1", VERIFIER, None), issuer, false),
            Ok(())
        );
        assert_eq!(
            t.check_code(
                &back("st-1", VERIFIER, Some("https://as.example")),
                issuer,
                false
            ),
            Ok(())
        );
        assert_eq!(
            t.check_code(&back("st-2", VERIFIER, None), issuer, false),
            Err(Mismatch::State)
        );
        assert_eq!(
            t.check_code(&back("st-1", &other_verifier, None), issuer, false),
            Err(Mismatch::CodeVerifier)
        );
        // `plain` would send the challenge itself as the verifier: refused.
        assert_eq!(
            t.check_code(&back("st-1", CHALLENGE, None), issuer, false),
            Err(Mismatch::CodeVerifier)
        );
        assert_eq!(
            t.check_code(
                &back("st-1", VERIFIER, Some("https://evil.example")),
                issuer,
                false
            ),
            Err(Mismatch::Issuer)
        );
        // No configured issuer: nothing to compare against.
        assert_eq!(
            t.check_code(
                &back("st-1", VERIFIER, Some("https://any.example")),
                None,
                false
            ),
            Ok(())
        );
        // RFC 9207: when the provider advertises `iss`, a response without it is refused;
        // with it, it must match.
        assert_eq!(
            t.check_code(&back("st-1", VERIFIER, None), issuer, true),
            Err(Mismatch::Issuer)
        );
        assert_eq!(
            t.check_code(
                &back("st-1", VERIFIER, Some("https://as.example")),
                issuer,
                true
            ),
            Ok(())
        );
        // The nonce rides in the sealed transaction, never in what the browser sends back.
        let n = t.clone().with_nonce(&[5; 32]);
        assert_eq!(n.nonce(), Some(b64::url_encode(&[5; 32]).as_str()));
        assert_eq!(t.nonce(), None);
        assert!(!format!("{n:?}").contains(&b64::url_encode(&[5; 32])));
        // A tokens login is not a code one.
        assert_eq!(
            tokens_tx().check_code(&back("st-1", VERIFIER, None), None, false),
            Err(Mismatch::Kind)
        );
    }

    #[test]
    fn checks_tx_provider_and_kind() {
        let t = tokens_tx();
        let value = tx_value(&t).to_owned();
        assert_eq!(value.len(), 43, "256 bits, base64url");
        assert_eq!(t.check_tokens("sso", Some(&value)), Ok("/account"));
        assert_eq!(t.check_tokens("sso", Some("forged")), Err(Mismatch::Tx));
        assert_eq!(t.check_tokens("sso", None), Err(Mismatch::Tx));
        assert_eq!(
            t.check_tokens("other", Some(&value)),
            Err(Mismatch::Provider)
        );
        assert_eq!(
            code_tx().check_tokens("default", Some(&value)),
            Err(Mismatch::Kind)
        );
    }

    #[test]
    fn one_tx_value_per_redirect() {
        assert_eq!(redirect_tx("tx=a&access_token=b"), Ok(Some("a".into())));
        assert_eq!(redirect_tx("access_token=b"), Ok(None));
        assert_eq!(redirect_tx("tx=a&tx=b"), Err(Mismatch::Tx));
    }

    #[test]
    fn redirect_uri_carries_tx_only_for_tokens() {
        let t = tokens_tx();
        let value = tx_value(&t);
        assert_eq!(
            t.redirect_uri("https://app.example/auth/callback/sso"),
            format!("https://app.example/auth/callback/sso?tx={value}")
        );
        let uri = t.redirect_uri("https://app.example/cb?a=1");
        assert_eq!(
            redirect_tx(uri.split_once('?').unwrap().1),
            Ok(Some(value.to_owned()))
        );
        assert_eq!(
            code_tx().redirect_uri("https://app.example/cb"),
            "https://app.example/cb"
        );
    }

    #[test]
    fn expiry() {
        assert!(code_tx().is_live(1_599));
        assert!(!code_tx().is_live(1_600));
    }

    /// The Worker seals this JSON into its tx cookie: the shape must not change under a cookie
    /// already in a browser.
    #[test]
    fn stored_shape() {
        assert_eq!(
            serde_json::to_string(&code_tx()).unwrap(),
            r#"{"provider":"default","expires_at":1600,"code":{"state":"st-1","code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}"#
        );
        let t = tokens_tx();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"provider":"sso","expires_at":1600,"tokens":{{"tx":"{}","return_to":"/account"}}}}"#,
                tx_value(&t)
            )
        );
        assert_eq!(serde_json::from_str::<Transaction>(&json).unwrap(), t);
    }

    #[test]
    fn debug_prints_neither_state_tx_nor_verifier() {
        let printed = format!("{:?} {:?}", code_tx(), tokens_tx());
        assert!(!printed.contains("st-1"), "{printed}");
        assert!(!printed.contains(tx_value(&tokens_tx())), "{printed}");
        let back = CodeReturn {
            state: "st-1",
            code_verifier: VERIFIER,
            iss: None,
        };
        let printed = format!("{back:?}");
        assert!(
            !printed.contains(VERIFIER) && !printed.contains("st-1"),
            "{printed}"
        );
    }
}
