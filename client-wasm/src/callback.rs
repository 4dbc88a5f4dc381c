//! Finishing a login on the redirect page: the authorization response
//! ([RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2), errors §4.1.2.1),
//! matched against this tab's pending login (`state`,
//! [§10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)) and its issuer
//! ([RFC 9207](https://www.rfc-editor.org/rfc/rfc9207)), and the return path made safe.
use js_sys::Object;
use oauth_edge_shared::callback::{parse_callback, Callback, CallbackError};
use oauth_edge_shared::error::ProviderError;
use oauth_edge_shared::pkce::constant_time_eq;
use oauth_edge_shared::return_to::safe_return_to;
use wasm_bindgen::prelude::*;

use crate::error::ClientErrorCode;
use crate::js;

/// What `login()` left in `sessionStorage` for this step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    /// The `state` sent with the authorization request.
    pub state: String,
    /// The PKCE verifier (never left the tab).
    pub verifier: String,
    /// Where the app wanted to be after login (not yet checked).
    pub return_to: String,
    /// The issuer the Worker named for this login, if any.
    pub issuer: Option<String>,
}

/// The token request `POST /auth/token` carries (`docs/worker-api.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeem {
    /// `code`
    pub code: String,
    /// `state` (the pending login's)
    pub state: String,
    /// `code_verifier`
    pub code_verifier: String,
    /// `iss` from the redirect, if any
    pub iss: Option<String>,
    /// The same-origin path to go to afterwards.
    pub return_to: String,
}

/// Why a callback is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Detected here.
    Client(ClientErrorCode),
    /// The provider redirected with an error.
    Provider(ProviderError),
}

/// A refused callback. `consumed` is the pending login's `state` when the callback did belong to
/// it: the shell records it as used, so that a replay is told apart (`state_used`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The state of the login this callback consumed, if it matched one.
    pub consumed: Option<String>,
    /// Why.
    pub refusal: Refusal,
}

/// Checks a redirect's query against the pending login (already removed from storage by the
/// caller: single use) and the last consumed state.
pub fn check(
    query: &str,
    pending: Option<PendingLogin>,
    last_used: Option<&str>,
) -> Result<Redeem, Refused> {
    let refuse = |consumed: Option<&str>, code| Refused {
        consumed: consumed.map(str::to_owned),
        refusal: Refusal::Client(code),
    };
    let callback = parse_callback(query).map_err(|e| {
        refuse(
            None,
            match e {
                CallbackError::NotACallback => ClientErrorCode::NotACallback,
                _ => ClientErrorCode::MalformedCallback,
            },
        )
    })?;
    let tx = check_state(callback.state(), pending, last_used).map_err(|c| refuse(None, c))?;
    let consumed = Some(tx.state.as_str());
    check_issuer(tx.issuer.as_deref(), callback.iss()).map_err(|c| refuse(consumed, c))?;
    match callback {
        Callback::Error { error, .. } => Err(Refused {
            consumed: Some(tx.state),
            refusal: Refusal::Provider(error),
        }),
        Callback::Code { code, iss, .. } => Ok(Redeem {
            code,
            return_to: safe_return_to(&tx.return_to).to_owned(),
            state: tx.state,
            code_verifier: tx.verifier,
            iss,
        }),
    }
}

/// Matches the callback's `state` with this tab's pending login, telling apart a missing state,
/// a replay of a finished login, a callback for no login, and a callback for another login.
pub fn check_state(
    returned: Option<&str>,
    pending: Option<PendingLogin>,
    last_used: Option<&str>,
) -> Result<PendingLogin, ClientErrorCode> {
    let returned = returned.ok_or(ClientErrorCode::StateMissing)?;
    let same = |a: &str| constant_time_eq(a.as_bytes(), returned.as_bytes());
    if last_used.is_some_and(same) {
        return Err(ClientErrorCode::StateUsed);
    }
    match pending {
        None => Err(ClientErrorCode::UnknownState),
        Some(tx) if !same(&tx.state) => Err(ClientErrorCode::StateMismatch),
        Some(tx) => Ok(tx),
    }
}

/// RFC 9207 §2.4: when the login recorded its issuer, a returned `iss` must equal it.
pub fn check_issuer(expected: Option<&str>, returned: Option<&str>) -> Result<(), ClientErrorCode> {
    match (expected, returned) {
        (Some(e), Some(r)) if e != r => Err(ClientErrorCode::IssuerMismatch),
        _ => Ok(()),
    }
}

/// `checkCallback(query, pending, usedState)` for the JS shell. Answers
/// `{ consumedState, error, request, returnTo }`: either `error` (`{code, message, error?,
/// errorDescription?, errorUri?}`) or `request` (the `/auth/token` body) is set.
#[wasm_bindgen(js_name = checkCallback, unchecked_return_type = "CallbackCheck")]
pub fn check_callback(
    query: &str,
    #[wasm_bindgen(unchecked_param_type = "PendingLogin | null")] pending: JsValue,
    used_state: Option<String>,
) -> Object {
    let pending = (|| {
        Some(PendingLogin {
            state: js::get_str(&pending, "state")?,
            verifier: js::get_str(&pending, "verifier")?,
            return_to: js::get_str(&pending, "returnTo").unwrap_or_default(),
            issuer: js::get_str(&pending, "issuer"),
        })
    })();
    let out = Object::new();
    match check(query, pending, used_state.as_deref()) {
        Ok(r) => {
            let request = Object::new();
            js::set(&request, "code", &r.code);
            js::set(&request, "state", &r.state);
            js::set(&request, "code_verifier", &r.code_verifier);
            js::set_opt(&request, "iss", r.iss.as_deref());
            let _ = js_sys::Reflect::set(&out, &"request".into(), &request);
            js::set(&out, "returnTo", &r.return_to);
            js::set(&out, "consumedState", &r.state);
        }
        Err(refused) => {
            let error = Object::new();
            match &refused.refusal {
                Refusal::Client(c) => {
                    js::set(&error, "code", c.as_str());
                    js::set(&error, "message", c.message());
                }
                Refusal::Provider(p) => {
                    js::set(&error, "code", p.error.as_str());
                    js::set(&error, "message", p.error.message());
                    js::set(&error, "error", p.error.as_str());
                    js::set_opt(&error, "errorDescription", p.error_description.as_deref());
                    js::set_opt(&error, "errorUri", p.error_uri.as_deref());
                }
            }
            let _ = js_sys::Reflect::set(&out, &"error".into(), &error);
            js::set_opt(&out, "consumedState", refused.consumed.as_deref());
        }
    }
    out
}

/// `isCallback(query)`: whether the page's query is an authorization response.
#[wasm_bindgen(js_name = isCallback)]
pub fn is_callback(query: &str) -> bool {
    oauth_edge_shared::callback::is_callback(query)
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use oauth_edge_shared::error::ErrorCode;

    use super::*;
    use ClientErrorCode::*;

    fn tx(state: &str) -> PendingLogin {
        PendingLogin {
            state: state.into(),
            verifier: "v".repeat(43),
            return_to: "/account".into(),
            issuer: Some("https://idp.example".into()),
        }
    }

    fn refused(query: &str, pending: Option<PendingLogin>, used: Option<&str>) -> Refused {
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
                code: "c1".into(),
                state: "s".into(),
                code_verifier: "v".repeat(43),
                iss: Some("https://idp.example".into()),
                return_to: "/account".into(),
            }
        );
    }

    #[test]
    fn refusals_say_whether_the_login_was_consumed() {
        let r = refused("code=c&state=s&iss=https%3A%2F%2Fevil", Some(tx("s")), None);
        assert_eq!(r.refusal, Refusal::Client(IssuerMismatch));
        assert_eq!(r.consumed.as_deref(), Some("s"));

        let r = refused("code=c&state=other", Some(tx("s")), None);
        assert_eq!(r.refusal, Refusal::Client(StateMismatch));
        assert_eq!(r.consumed, None);

        let r = refused(
            "error=access_denied&error_description=no&state=s",
            Some(tx("s")),
            None,
        );
        assert_eq!(r.consumed.as_deref(), Some("s"));
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
            p.return_to = given.into();
            assert_eq!(
                check("code=c&state=s", Some(p), None).unwrap().return_to,
                expected
            );
        }
    }
}
