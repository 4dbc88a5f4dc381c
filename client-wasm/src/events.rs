//! `addEventListener` / `removeEventListener` for the client's own events. Listeners get the
//! event's detail directly (not a DOM `Event`); a listener that throws does not stop the others.
use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::error::{ClientErrorCode, OAuthError};

/// The events a client emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// `handleCallback()` finished a login. Detail: token info.
    Login,
    /// A refresh gave a new access token. Detail: token info.
    TokenRefreshed,
    /// The Worker said the session is gone during a refresh. Detail: the error.
    SessionEnded,
    /// `logout()` ran. No detail.
    Logout,
    /// Any operation failed. Detail: the error.
    Error,
}

impl EventKind {
    /// The event named `name`.
    pub(crate) fn parse(name: &str) -> Result<Self, OAuthError> {
        Ok(match name {
            "login" => Self::Login,
            "tokenRefreshed" => Self::TokenRefreshed,
            "sessionEnded" => Self::SessionEnded,
            "logout" => Self::Logout,
            "error" => Self::Error,
            _ => return Err(ClientErrorCode::UnknownEvent.into()),
        })
    }
}

/// The listeners of one client.
#[derive(Default)]
pub(crate) struct Events(RefCell<Vec<(EventKind, Function)>>);

impl Events {
    /// Adds a listener; adding the same one twice for an event has no effect (as in the DOM).
    pub(crate) fn add(&self, kind: EventKind, listener: Function) {
        let mut list = self.0.borrow_mut();
        if !list.iter().any(|(k, f)| *k == kind && *f == listener) {
            list.push((kind, listener));
        }
    }

    /// Removes a listener added for `kind`.
    pub(crate) fn remove(&self, kind: EventKind, listener: &Function) {
        self.0
            .borrow_mut()
            .retain(|(k, f)| !(*k == kind && f == listener));
    }

    /// Calls every listener of `kind` with `detail`. The list is copied first so a listener may
    /// add or remove listeners while it runs.
    pub(crate) fn emit(&self, kind: EventKind, detail: &JsValue) {
        let listeners: Vec<Function> = self
            .0
            .borrow()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| f.clone())
            .collect();
        for f in listeners {
            let _ = f.call1(&JsValue::UNDEFINED, detail);
        }
    }
}
