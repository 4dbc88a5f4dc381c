//! The session after login: `restore()`, access tokens with one refresh at a time (per tab: one
//! shared promise; across tabs: a Web Lock plus the Worker's `held_expires_at` rule), `logout()`.
use std::rc::Rc;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::client::Inner;
use crate::error::{ClientErrorCode, OAuthError};
use crate::events::EventKind;
use crate::promise::promise;
use crate::token::TokenView;
use crate::{env, js, locks};

/// The Web Lock every tab of the origin takes around `/auth/refresh`.
const REFRESH_LOCK: &str = "oauth-edge-refresh";

/// Whether a Worker error code means the session is gone.
fn is_session_gone(code: &str) -> bool {
    matches!(code, "session_ended" | "no_session")
}

/// Asks the Worker who is logged in (after a reload): the user, or `null` without a session.
pub(crate) async fn restore(inner: Rc<Inner>) -> Result<JsValue, JsValue> {
    match inner.api.post("/session", None).await {
        Ok(view) => {
            let view = TokenView::from_js(view).ok_or(ClientErrorCode::WorkerBadResponse)?;
            // `null` means "no session" only: a session without a described user gives `{}`.
            let user = if view.user.is_null() {
                js::object().into()
            } else {
                view.user.clone()
            };
            inner.set_token(view);
            Ok(user)
        }
        Err(e) if is_session_gone(&e.code()) => {
            inner.clear();
            Ok(JsValue::NULL)
        }
        Err(e) => Err(e.into()),
    }
}

/// The access token, refreshed first when it is within the leeway of its expiry.
pub(crate) async fn access_token(inner: Rc<Inner>) -> Result<JsValue, JsValue> {
    let now = env::now_seconds();
    match inner.with_token(|t| (t.access_token.clone(), t.needs_refresh(now, inner.leeway))) {
        None => Err(ClientErrorCode::NotLoggedIn.into()),
        Some((token, false)) => Ok(token.into()),
        Some((_, true)) => {
            refresh(&inner).await?;
            held_token(&inner).map(JsValue::from)
        }
    }
}

/// The token now held, or `not_logged_in`.
pub(crate) fn held_token(inner: &Inner) -> Result<String, JsValue> {
    inner
        .with_token(|t| t.access_token.clone())
        .ok_or_else(|| ClientErrorCode::NotLoggedIn.into())
}

/// Refreshes, or joins the refresh already running in this tab. Resolves to the token info.
pub(crate) async fn refresh(inner: &Rc<Inner>) -> Result<JsValue, JsValue> {
    let running = inner.refreshing.borrow().clone();
    let promise = match running {
        Some(p) => p,
        None => {
            let me = inner.clone();
            let p = promise(async move {
                let lock_holder = me.clone();
                let locked = locks::with_lock(REFRESH_LOCK, move || {
                    promise(async move { refresh_once(&lock_holder).await })
                });
                let result = JsFuture::from(locked).await;
                // Settled: the next caller starts a new refresh. (This runs after the line
                // below stored the promise: futures are first polled in a later microtask.)
                *me.refreshing.borrow_mut() = None;
                result
            });
            *inner.refreshing.borrow_mut() = Some(p.clone());
            p
        }
    };
    JsFuture::from(promise).await
}

/// One `POST /auth/refresh`, inside the cross-tab lock.
async fn refresh_once(inner: &Inner) -> Result<JsValue, JsValue> {
    let body = js::object();
    if let Some(Some(held)) = inner.with_token(|t| t.expires_at) {
        js::set(&body, "held_expires_at", &JsValue::from_f64(held));
    }
    match inner.api.post("/refresh", Some(&body)).await {
        Ok(view) => {
            let view = TokenView::from_js(view).ok_or(ClientErrorCode::WorkerBadResponse)?;
            let info = view.info();
            inner.set_token(view);
            inner.events.emit(EventKind::TokenRefreshed, &info);
            Ok(info)
        }
        Err(e) if is_session_gone(&e.code()) => {
            inner.clear();
            let e = JsValue::from(e);
            inner.events.emit(EventKind::SessionEnded, &e);
            Err(e)
        }
        Err(e) => Err(e.into()),
    }
}

/// Ends the session at the Worker and forgets it here. The page forgets it even when the Worker
/// cannot be reached (the promise then rejects with that error).
pub(crate) async fn logout(inner: Rc<Inner>) -> Result<JsValue, JsValue> {
    let result: Result<JsValue, OAuthError> = inner.api.post("/logout", None).await;
    inner.clear();
    inner.events.emit(EventKind::Logout, &JsValue::UNDEFINED);
    result.map(|_| JsValue::UNDEFINED).map_err(JsValue::from)
}
