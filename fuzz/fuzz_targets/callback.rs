//! The authorization response on the redirect URI: `callback::parse_callback`, `is_callback` and
//! `read_redirect` (a provider's own code parameter, the Worker's failure redirect), the `tx` of a tokens-in-the-redirect login (`transaction::redirect_tx`), the
//! checks of what came back against the pending login (`state`, PKCE verifier, `iss`, `tx`),
//! and the OAuth error codes it carries; and the RFC 6750 challenge of an API's `401`
//! (`challenge::bearer_error_is`), read from the same text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{text, NOW};
use oauth_edge_shared::callback::{
    is_callback, parse_callback, read_redirect, Callback, CallbackError, Redirect,
};
use oauth_edge_shared::challenge::{bearer_error_is, renewal_may_help};
use oauth_edge_shared::error::ErrorCode;
use oauth_edge_shared::pkce::{is_valid_verifier, verify_s256};
use oauth_edge_shared::transaction::{
    issuer_matches, redirect_tx, state_matches, CodeReturn, Mismatch, Transaction,
};
use oauth_edge_shared::{authorize, form, state::State};

// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const STATE: &str = "iQZMRnQCtm";
const ISSUER: &str = "https://as.example";

fuzz_target!(|data: &[u8]| {
    let query = text(data);
    let parsed = parse_callback(&query);
    let flagged = is_callback(&query);
    match &parsed {
        Ok(cb) => {
            assert!(
                flagged,
                "a parsed callback without code or error: {query:?}"
            );
            assert_ne!(cb.state(), Some(""));
            assert_ne!(cb.iss(), Some(""));
            match cb {
                Callback::Code { code, .. } => assert!(!code.expose().is_empty()),
                Callback::Error { error, .. } => {
                    let code = error.error.as_str();
                    assert!(!code.is_empty());
                    // The code reads back as what was sent.
                    assert_eq!(ErrorCode::from(code.to_owned()), error.error);
                }
            }
        }
        Err(CallbackError::NotACallback) => assert!(!flagged),
        Err(e) => assert_eq!(e.code(), "malformed_callback"),
    }

    // A code login with the RFC 7636 verifier: only the right state, verifier and issuer pass.
    let pending = Transaction::for_code("default", STATE, CHALLENGE, NOW + 600);
    assert!(pending.is_live(NOW));
    let pairs = form::parse(&query);
    let verifier = pairs
        .iter()
        .find(|(k, _)| k == "code_verifier")
        .map_or(VERIFIER, |(_, v)| v.as_str());
    if let Ok(cb) = &parsed {
        let back = CodeReturn {
            state: cb.state().unwrap_or_default(),
            code_verifier: verifier,
            iss: cb.iss(),
        };
        let checked = pending.check_code(&back, Some(ISSUER), false);
        if checked.is_ok() {
            assert!(state_matches(STATE, back.state));
            assert_eq!(back.state, STATE);
            assert_eq!(verifier, VERIFIER);
            assert!(issuer_matches(Some(ISSUER), back.iss));
        }
        assert_eq!(
            pending.check_tokens("default", cb.state()),
            Err(Mismatch::Kind)
        );
    }
    if verify_s256(verifier, CHALLENGE) {
        assert_eq!(verifier, VERIFIER);
    }
    if is_valid_verifier(&query) {
        assert!((43..=128).contains(&query.len()));
    }
    if authorize::is_s256_challenge(&query) {
        assert_eq!(query.len(), 43);
    }

    // A tokens login: the redirect's `tx`, once, must equal the one sent.
    let tokens = Transaction::for_tokens("sso", &[7; 32], "/account", NOW + 600);
    let expected = State::from_entropy(&[7; 32]);
    match redirect_tx(&query) {
        Ok(tx) => {
            let found = pairs.iter().filter(|(k, _)| k == "tx").count();
            assert_eq!(found, usize::from(tx.is_some()));
            match tokens.check_tokens("sso", tx.as_deref()) {
                Ok(return_to) => {
                    assert_eq!(return_to, "/account");
                    assert_eq!(tx.as_deref(), Some(expected.as_str()));
                }
                Err(m) => assert_ne!(tx.as_deref(), Some(expected.as_str()), "{m:?}"),
            }
            assert_eq!(
                tokens.check_tokens("other", tx.as_deref()),
                Err(Mismatch::Provider)
            );
        }
        Err(m) => {
            assert_eq!(m, Mismatch::Tx);
            assert!(pairs.iter().filter(|(k, _)| k == "tx").count() > 1);
        }
    }
    let uri = tokens.redirect_uri(&query);
    assert!(uri.starts_with(&*query));

    // The two dialects: with the RFC name nothing is renamed; the Worker's code is plain.
    match read_redirect(&query, "code") {
        // (`form::parse` strips one leading `?`, as `read_redirect` did.)
        Ok(Redirect::Query(q)) => assert_eq!(form::parse(&format!("?{q}")), pairs),
        Ok(Redirect::Worker(code)) => {
            assert!(!code.is_empty() && code.len() <= 64);
            assert!(code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        }
        Err(_) => {}
    }
    if let Ok(Redirect::Query(q)) = read_redirect(&query, "authorization_code") {
        // A renamed code parses like an RFC one: no `authorization_code` is left.
        assert!(!form::parse(&q)
            .iter()
            .any(|(k, _)| k == "authorization_code"));
    }

    // An API's challenge: an answer exists only with a Bearer scheme and an `error`, and a value
    // equal to one code is unequal to any other.
    let said = bearer_error_is(&query, "invalid_token");
    if said.is_some() {
        let lower = query.to_ascii_lowercase();
        assert!(lower.contains("bearer") || lower.contains("dpop"));
        assert!(query.to_ascii_lowercase().contains("error"));
    }
    if said == Some(true) {
        assert_eq!(bearer_error_is(&query, "invalid_request"), Some(false));
    }
    assert_eq!(
        renewal_may_help(401, Some(&query)),
        said != Some(false),
        "{query:?}"
    );
    assert!(!renewal_may_help(403, Some(&query)));
});
