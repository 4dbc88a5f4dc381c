//! `handleCallback()`: the authorization response on the redirect URI
//! ([RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2), `state` per
//! [§10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12), `iss` per
//! [RFC 9207](https://www.rfc-editor.org/rfc/rfc9207)).
use std::rc::Rc;

use oauth_edge_shared::callback::{parse_callback, Callback, CallbackError};
use oauth_edge_shared::pkce::constant_time_eq;
use oauth_edge_shared::return_to::safe_return_to;
use wasm_bindgen::JsValue;

use crate::client::Inner;
use crate::error::{ClientErrorCode, OAuthError};
use crate::events::EventKind;
use crate::token::TokenView;
use crate::tx::{self, PendingTx};
use crate::{js, location};

/// Finishes a login on the page the provider redirected to.
pub(crate) async fn handle_callback(inner: Rc<Inner>) -> Result<JsValue, JsValue> {
    let query = location::search();
    // First of all, before any request: the code and state leave the address bar.
    location::scrub_callback_params();
    // Single use: the pending login is gone from here on, whatever happens next.
    let pending = PendingTx::take();
    let used = tx::last_used();

    let callback = parse_callback(&query).map_err(|e| match e {
        CallbackError::NotACallback => ClientErrorCode::NotACallback,
        _ => ClientErrorCode::MalformedCallback,
    })?;
    let tx = check_state(callback.state(), pending, used.as_deref())?;
    tx::mark_used(&tx.state);
    check_issuer(tx.issuer.as_deref(), callback.iss())?;

    let (code, iss) = match callback {
        Callback::Error { error, .. } => return Err(OAuthError::from_provider(&error).into()),
        Callback::Code { code, iss, .. } => (code, iss),
    };
    let body = js::object();
    js::set(&body, "code", &JsValue::from_str(&code));
    js::set(&body, "state", &JsValue::from_str(&tx.state));
    js::set(&body, "code_verifier", &JsValue::from_str(&tx.verifier));
    js::set_opt_str(&body, "iss", iss.as_deref());
    let view = inner.api.post("/token", Some(&body)).await?;
    let view = TokenView::from_js(view).ok_or(ClientErrorCode::WorkerBadResponse)?;

    let info = view.info();
    inner.set_token(view);
    inner.events.emit(EventKind::Login, &info);

    let result = js::object();
    js::set(
        &result,
        "returnTo",
        &JsValue::from_str(safe_return_to(&tx.return_to)),
    );
    Ok(result.into())
}

/// Matches the callback's `state` with this tab's pending login, telling apart a missing state,
/// a replay of a finished login, a callback for no login, and a callback for another login.
pub(crate) fn check_state(
    returned: Option<&str>,
    pending: Option<PendingTx>,
    last_used: Option<&str>,
) -> Result<PendingTx, ClientErrorCode> {
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
pub(crate) fn check_issuer(
    expected: Option<&str>,
    returned: Option<&str>,
) -> Result<(), ClientErrorCode> {
    match (expected, returned) {
        (Some(e), Some(r)) if e != r => Err(ClientErrorCode::IssuerMismatch),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn tx(state: &str) -> PendingTx {
        PendingTx {
            state: state.into(),
            verifier: "v".into(),
            return_to: "/".into(),
            issuer: None,
            provider: None,
        }
    }

    #[test]
    fn each_state_failure_has_its_own_code() {
        use ClientErrorCode::*;
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
            Err(ClientErrorCode::IssuerMismatch)
        );
        assert_eq!(check_issuer(None, Some("https://b")), Ok(()));
        assert_eq!(check_issuer(Some("https://a"), None), Ok(()));
    }
}
