//! Finishing a login on the redirect page: the authorization response
//! ([RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2), errors §4.1.2.1),
//! matched against this tab's pending login (`state`,
//! [§10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)) and its issuer
//! ([RFC 9207](https://www.rfc-editor.org/rfc/rfc9207)), and the return path made safe.
//!
//! Two dialects reach this page too: a provider that names the code parameter otherwise
//! (PayoutID's `authorization_code`, recorded in the pending login as the Worker said), and the
//! Worker's own failure redirect for providers that deliver tokens to it
//! (`?oauth_edge_error=<code>`, `docs/worker-api.md`).
use oauth_edge_shared::callback::{
    parse_callback, read_redirect, Callback, CallbackError, Redirect,
};
use oauth_edge_shared::error::ProviderError;
use oauth_edge_shared::return_to::safe_return_to;
use oauth_edge_shared::secret::{AuthorizationCode, Redacted};
use oauth_edge_shared::transaction::{issuer_matches, state_matches};
use wasm_bindgen::prelude::*;

use crate::error::{error_message, ClientErrorCode};
use crate::json;

/// What `login()` left in `sessionStorage` for this step. Its `Debug` prints neither the state nor
/// the verifier.
/// Borrowed: the core checks it and copies nothing it does not send.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PendingLogin<'a> {
    /// The `state` sent with the authorization request.
    pub state: &'a str,
    /// The PKCE verifier (never left the tab).
    pub verifier: &'a str,
    /// Where the app wanted to be after login (not yet checked).
    pub return_to: &'a str,
    /// The issuer the Worker named for this login, if any.
    pub issuer: Option<&'a str>,
    /// The redirect parameter carrying the code (`code`, or e.g. `authorization_code`).
    pub code_param: &'a str,
}

/// The token request `POST /auth/token` carries (`docs/worker-api.md`). Its `Debug` prints
/// none of the code, the state and the verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Redeem<'a> {
    /// `code`
    pub code: AuthorizationCode,
    /// `state` (the pending login's)
    pub state: &'a str,
    /// `code_verifier`
    pub code_verifier: &'a str,
    /// `iss` from the redirect, if any
    pub iss: Option<String>,
    /// The same-origin path to go to afterwards.
    pub return_to: &'a str,
}

impl core::fmt::Debug for PendingLogin<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &Redacted)
            .field("verifier", &Redacted)
            .field("return_to", &self.return_to)
            .field("issuer", &self.issuer)
            .field("code_param", &self.code_param)
            .finish()
    }
}

impl core::fmt::Debug for Redeem<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Redeem")
            .field("code", &self.code)
            .field("state", &Redacted)
            .field("code_verifier", &Redacted)
            .field("iss", &self.iss)
            .field("return_to", &self.return_to)
            .finish()
    }
}

/// Why a callback is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Detected here.
    Client(ClientErrorCode),
    /// The provider redirected with an error.
    Provider(ProviderError),
    /// The Worker redirected with `oauth_edge_error=<code>` (a code of its own, or the provider's).
    Worker(String),
}

/// A refused callback. `consumed` is the pending login's `state` when the callback did belong to
/// it: the shell records it as used, so that a replay is told apart (`state_used`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused<'a> {
    /// The state of the login this callback consumed, if it matched one.
    pub consumed: Option<&'a str>,
    /// Why.
    pub refusal: Refusal,
}

/// Checks a redirect's query against the pending login (already removed from storage by the
/// caller: single use) and the last consumed state.
pub fn check<'a>(
    query: &str,
    pending: Option<PendingLogin<'a>>,
    last_used: Option<&str>,
) -> Result<Redeem<'a>, Refused<'a>> {
    let refuse = |consumed, code| Refused {
        consumed,
        refusal: Refusal::Client(code),
    };
    let code_param = pending.map_or("code", |p| p.code_param);
    let query = match read_redirect(query, code_param)
        .map_err(|_| refuse(None, ClientErrorCode::MalformedCallback))?
    {
        Redirect::Query(query) => query,
        Redirect::Worker(code) => {
            return Err(Refused {
                consumed: None,
                refusal: Refusal::Worker(code),
            })
        }
    };
    let callback = parse_callback(&query).map_err(|e| {
        refuse(
            None,
            match e {
                CallbackError::NotACallback => ClientErrorCode::NotACallback,
                _ => ClientErrorCode::MalformedCallback,
            },
        )
    })?;
    let tx = check_state(callback.state(), pending, last_used).map_err(|c| refuse(None, c))?;
    let consumed = Some(tx.state);
    check_issuer(tx.issuer, callback.iss()).map_err(|c| refuse(consumed, c))?;
    match callback {
        Callback::Error { error, .. } => Err(Refused {
            consumed: Some(tx.state),
            refusal: Refusal::Provider(error),
        }),
        Callback::Code { code, iss, .. } => Ok(Redeem {
            code,
            return_to: safe_return_to(tx.return_to),
            state: tx.state,
            code_verifier: tx.verifier,
            iss,
        }),
    }
}

/// Matches the callback's `state` with this tab's pending login, telling apart a missing state,
/// a replay of a finished login, a callback for no login, and a callback for another login (the
/// comparison itself is `oauth_edge_shared::transaction::state_matches`).
pub fn check_state<'a>(
    returned: Option<&str>,
    pending: Option<PendingLogin<'a>>,
    last_used: Option<&str>,
) -> Result<PendingLogin<'a>, ClientErrorCode> {
    let returned = returned.ok_or(ClientErrorCode::StateMissing)?;
    let same = |sent: &str| state_matches(sent, returned);
    if last_used.is_some_and(same) {
        return Err(ClientErrorCode::StateUsed);
    }
    match pending {
        None => Err(ClientErrorCode::UnknownState),
        Some(tx) if !same(tx.state) => Err(ClientErrorCode::StateMismatch),
        Some(tx) => Ok(tx),
    }
}

/// RFC 9207 §2.4: when the login recorded its issuer, a returned `iss` must equal it.
pub fn check_issuer(expected: Option<&str>, returned: Option<&str>) -> Result<(), ClientErrorCode> {
    if issuer_matches(expected, returned) {
        Ok(())
    } else {
        Err(ClientErrorCode::IssuerMismatch)
    }
}

/// `checkCallback(query, state, verifier, returnTo, issuer, codeParam, usedState)` for the JS
/// shell: the redirect's query, the fields of this tab's pending login (all `undefined` when there
/// is none; `state` and `verifier` are required for it to count) and the last consumed state.
/// Answers the JSON text of `{ consumedState, error, request, returnTo }`: either `error`
/// (`{code, message, error?, errorDescription?, errorUri?}`) or `request` (the `/auth/token`
/// body) is set.
#[wasm_bindgen(js_name = checkCallback)]
pub fn check_callback(
    query: &str,
    state: Option<String>,
    verifier: Option<String>,
    return_to: Option<String>,
    issuer: Option<String>,
    code_param: Option<String>,
    used_state: Option<String>,
) -> String {
    let pending = match (&state, &verifier) {
        (Some(state), Some(verifier)) => Some(PendingLogin {
            state,
            verifier,
            return_to: return_to.as_deref().unwrap_or_default(),
            issuer: issuer.as_deref(),
            code_param: code_param.as_deref().unwrap_or("code"),
        }),
        _ => None,
    };
    match check(query, pending, used_state.as_deref()) {
        Ok(r) => json::Obj::new()
            .obj(
                "request",
                json::Obj::new()
                    .str("code", r.code.expose())
                    .str("state", r.state)
                    .str("code_verifier", r.code_verifier)
                    .opt("iss", r.iss.as_deref()),
            )
            .str("returnTo", r.return_to)
            .str("consumedState", r.state)
            .end(),
        Err(refused) => {
            let error = match &refused.refusal {
                Refusal::Client(c) => json::Obj::new()
                    .str("code", c.as_str())
                    .str("message", c.message()),
                Refusal::Worker(code) => json::Obj::new()
                    .str("code", code)
                    .str("message", &error_message(code)),
                Refusal::Provider(p) => json::Obj::new()
                    .str("code", p.error.as_str())
                    .str("message", p.error.message())
                    .str("error", p.error.as_str())
                    .opt("errorDescription", p.error_description.as_deref())
                    .opt("errorUri", p.error_uri.as_deref()),
            };
            json::Obj::new()
                .obj("error", error)
                .opt("consumedState", refused.consumed)
                .end()
        }
    }
}

/// `isCallback(query, codeParam)`: whether the page's query is an authorization response (`code`
/// or the pending login's `codeParam`, or `error`) or the Worker's failure redirect (a malformed
/// one too: `handleCallback` then says so).
#[wasm_bindgen(js_name = isCallback)]
pub fn is_callback(query: &str, code_param: &str) -> bool {
    match read_redirect(query, code_param) {
        Ok(Redirect::Query(q)) => oauth_edge_shared::callback::is_callback(&q),
        _ => true,
    }
}

/// `redirectError(query)`: the code of the Worker's failure redirect (`malformed_callback` for a
/// malformed one), or `undefined` when the query has none.
#[wasm_bindgen(js_name = redirectError)]
pub fn redirect_error(query: &str) -> Option<String> {
    match read_redirect(query, "code") {
        Ok(Redirect::Query(_)) => None,
        Ok(Redirect::Worker(code)) => Some(code),
        Err(_) => Some(ClientErrorCode::MalformedCallback.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use oauth_edge_shared::error::ErrorCode;

    use super::*;
    use ClientErrorCode::*;

    const VERIFIER: &str = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv";

    fn tx(state: &str) -> PendingLogin<'_> {
        PendingLogin {
            state,
            verifier: VERIFIER,
            return_to: "/account",
            issuer: Some("https://idp.example"),
            code_param: "code",
        }
    }

    fn refused<'a>(
        query: &str,
        pending: Option<PendingLogin<'a>>,
        used: Option<&str>,
    ) -> Refused<'a> {
        check(query, pending, used).unwrap_err()
    }

    #[test]
    fn each_state_failure_has_its_own_code() {
        assert_eq!(check_state(None, Some(tx("a")), None), Err(StateMissing));
        assert_eq!(check_state(Some("a"), None, None), Err(UnknownState));
        assert_eq!(
            check_state(Some("b"), Some(tx("a")), None),
            Err(StateMismatch)
        );
        assert_eq!(check_state(Some("a"), None, Some("a")), Err(StateUsed));
        assert_eq!(
            check_state(Some("a"), Some(tx("c")), Some("a")),
            Err(StateUsed)
        );
        assert_eq!(
            check_state(Some("a"), Some(tx("a")), Some("z")),
            Ok(tx("a"))
        );
    }

    #[test]
    fn issuer_only_checked_when_both_known() {
        assert_eq!(check_issuer(Some("https://a"), Some("https://a")), Ok(()));
        assert_eq!(
            check_issuer(Some("https://a"), Some("https://b")),
            Err(IssuerMismatch)
        );
        assert_eq!(check_issuer(None, Some("https://b")), Ok(()));
        assert_eq!(check_issuer(Some("https://a"), None), Ok(()));
    }

    #[test]
    fn a_matching_code_gives_the_token_request() {
        let r = check(
            "?code=c1&state=s&iss=https%3A%2F%2Fidp.example",
            Some(tx("s")),
            None,
        )
        .unwrap();
        assert_eq!(
            r,
            Redeem {
                code: AuthorizationCode::new("c1"),
                state: "s",
                code_verifier: VERIFIER,
                iss: Some("https://idp.example".into()),
                return_to: "/account",
            }
        );
    }

    #[test]
    fn debug_prints_neither_code_nor_verifier() {
        let mut pending = tx("s");
        pending.verifier = "verifier-SECRET-value-43-characters-long-xx";
        let printed = format!("{pending:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        let r = check("code=code-SECRET-1&state=s", Some(pending), None).unwrap();
        assert_eq!(r.code.expose(), "code-SECRET-1");
        let printed = format!("{r:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains(r#"return_to: "/account""#), "{printed}");
    }

    #[test]
    fn refusals_say_whether_the_login_was_consumed() {
        let r = refused("code=c&state=s&iss=https%3A%2F%2Fevil", Some(tx("s")), None);
        assert_eq!(r.refusal, Refusal::Client(IssuerMismatch));
        assert_eq!(r.consumed, Some("s"));

        let r = refused("code=c&state=other", Some(tx("s")), None);
        assert_eq!(r.refusal, Refusal::Client(StateMismatch));
        assert_eq!(r.consumed, None);

        let r = refused(
            "error=access_denied&error_description=no&state=s",
            Some(tx("s")),
            None,
        );
        assert_eq!(r.consumed, Some("s"));
        match r.refusal {
            Refusal::Provider(p) => {
                assert_eq!(p.error, ErrorCode::AccessDenied);
                assert_eq!(p.error_description.as_deref(), Some("no"));
            }
            other => panic!("{other:?}"),
        }

        assert_eq!(
            refused("page=2", None, None).refusal,
            Refusal::Client(NotACallback)
        );
        assert_eq!(
            refused("code=a&code=b&state=s", Some(tx("s")), None).refusal,
            Refusal::Client(MalformedCallback)
        );
    }

    #[test]
    fn return_to_is_made_same_origin() {
        for (given, expected) in [
            ("/a?b#c", "/a?b#c"),
            ("//evil.example", "/"),
            ("https://evil.example", "/"),
            ("/\\evil.example", "/"),
            ("javascript:alert(1)", "/"),
        ] {
            let mut p = tx("s");
            p.return_to = given;
            assert_eq!(
                check("code=c&state=s", Some(p), None).unwrap().return_to,
                expected
            );
        }
    }

    /// PayoutID (document 002): "redirected back to integrator with `authorization_code` in
    /// query parameters".
    #[test]
    fn a_configured_code_parameter_is_read_and_duplicates_stay_refused() {
        let mut p = tx("s");
        p.code_param = "authorization_code";
        let r = check("authorization_code=c%2B1&state=s", Some(p), None).unwrap();
        assert_eq!(r.code.expose(), "c+1");
        for query in [
            "authorization_code=a&authorization_code=b&state=s",
            "authorization_code=a&code=b&state=s",
            "code=a&state=s",
        ] {
            assert_eq!(
                refused(query, Some(p), None).refusal,
                Refusal::Client(MalformedCallback),
                "{query}"
            );
        }
        // Without that setting, `authorization_code` is just another parameter.
        assert_eq!(
            refused("authorization_code=a&state=s", Some(tx("s")), None).refusal,
            Refusal::Client(NotACallback)
        );
        assert!(is_callback("?authorization_code=a", "authorization_code"));
        assert!(!is_callback("?authorization_code=a", "code"));
        assert!(!is_callback("?page=2", "authorization_code"));
    }

    #[test]
    fn the_workers_failure_redirect_is_its_own_refusal() {
        let r = refused("oauth_edge_error=no_transaction", Some(tx("s")), None);
        assert_eq!(r.refusal, Refusal::Worker("no_transaction".into()));
        assert_eq!(r.consumed, None);
        assert!(is_callback("?oauth_edge_error=x", "code"));
        assert_eq!(redirect_error("?a=1"), None);
        assert_eq!(redirect_error("?oauth_edge_error=x").as_deref(), Some("x"));
        assert_eq!(
            redirect_error("?oauth_edge_error=X").as_deref(),
            Some("malformed_callback")
        );
    }
}
