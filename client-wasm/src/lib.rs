//! oauth-edge for the browser: the npm package `oauth-edge`.
//!
//! This file is the exported JS API and nothing else. The protocol lives in
//! `oauth-edge-shared`; the modules here are thin shells around the browser: the address bar
//! (`location`), `sessionStorage` (`storage`, `tx`), `fetch` to the Worker (`worker`) and to the
//! app's API (`api`), Web Locks (`locks`), the clock and `crypto.getRandomValues` (`env`).
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

mod api;
mod callback;
mod client;
mod env;
mod error;
mod events;
mod js;
mod location;
mod locks;
mod login;
mod promise;
mod session;
mod storage;
mod token;
mod tx;
mod worker;

pub use error::{ClientErrorCode, OAuthError};

use client::{Inner, Options};
use events::EventKind;
use promise::{promise, Op};

/// The TypeScript types of the options, results, events and errors (see `types.d.ts`).
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = include_str!("types.d.ts");

#[wasm_bindgen]
extern "C" {
    /// `{ worker, provider?, storage?, refreshLeewaySeconds? }`.
    #[wasm_bindgen(typescript_type = "OAuthClientOptions")]
    pub type OAuthClientOptions;

    /// `{ returnTo?, provider? }`.
    #[wasm_bindgen(typescript_type = "LoginOptions")]
    pub type LoginOptions;
}

/// OAuth 2.0 login for a single-page app, through the oauth-edge Worker (which holds the client
/// secret and the refresh token). The access token stays in this page's memory.
#[wasm_bindgen]
pub struct OAuthClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl OAuthClient {
    /// Creates a client. Throws an `OAuthError` (`invalid_options`) for unusable options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: OAuthClientOptions) -> Result<OAuthClient, JsValue> {
        let options = Options::from_js(&options)?;
        Ok(Self {
            inner: Rc::new(Inner::new(options)),
        })
    }

    /// Starts a login: makes a PKCE verifier and a state, asks the Worker for the authorization
    /// URL, remembers the pending login in `sessionStorage` and navigates to the provider.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(&self, options: Option<LoginOptions>) -> Promise {
        let o: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let return_to = js::get_str(&o, "returnTo");
        let provider = js::get_str(&o, "provider");
        self.run(Box::pin(login::login(
            self.inner.clone(),
            return_to,
            provider,
        )))
    }

    /// Whether the page's address is a login redirect (has `code` or `error`), i.e. whether to
    /// call `handleCallback()` rather than `restore()`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self) -> bool {
        oauth_edge_shared::callback::is_callback(&location::search())
    }

    /// Finishes a login on the redirect page: scrubs the address bar, checks `state` and `iss`,
    /// redeems the code through the Worker. Resolves to `{ returnTo }` (a same-origin path).
    #[wasm_bindgen(
        js_name = handleCallback,
        unchecked_return_type = "Promise<CallbackResult>"
    )]
    pub fn handle_callback(&self) -> Promise {
        self.run(Box::pin(callback::handle_callback(self.inner.clone())))
    }

    /// Asks the Worker for the session (after a reload). Resolves to the user (`{}` when the
    /// provider describes none), or `null` when nobody is logged in.
    #[wasm_bindgen(unchecked_return_type = "Promise<User | null>")]
    pub fn restore(&self) -> Promise {
        self.run(Box::pin(session::restore(self.inner.clone())))
    }

    /// The access token, refreshed first when it expires within `refreshLeewaySeconds`.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(&self) -> Promise {
        self.run(Box::pin(session::access_token(self.inner.clone())))
    }

    /// Refreshes the access token now (joining a refresh already running).
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenInfo>")]
    pub fn refresh(&self) -> Promise {
        let inner = self.inner.clone();
        self.run(Box::pin(async move { session::refresh(&inner).await }))
    }

    /// `fetch` with `Authorization: Bearer <access token>`; on a 401 `invalid_token` the token is
    /// refreshed once and the request sent once more.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        init: Option<web_sys::RequestInit>,
    ) -> Promise {
        let init: JsValue = init.map_or(JsValue::UNDEFINED, Into::into);
        self.run(Box::pin(api::fetch(self.inner.clone(), input, init)))
    }

    /// Logs out at the Worker (which revokes the refresh token) and forgets the session here.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        self.run(Box::pin(session::logout(self.inner.clone())))
    }

    /// The logged-in user as the Worker described them, or `null`.
    #[wasm_bindgen(getter, unchecked_return_type = "User | null")]
    pub fn user(&self) -> JsValue {
        self.inner
            .with_token(|t| t.user.clone())
            .unwrap_or(JsValue::NULL)
    }

    /// Whether an access token is held (after `handleCallback()` or `restore()`).
    #[wasm_bindgen(getter, js_name = loggedIn)]
    pub fn logged_in(&self) -> bool {
        self.inner.with_token(|_| ()).is_some()
    }

    /// The granted scope (space-separated), or `null`.
    #[wasm_bindgen(getter)]
    pub fn scope(&self) -> Option<String> {
        self.inner.with_token(|t| t.scope.clone()).flatten()
    }

    /// When the access token expires (UNIX seconds), or `null`.
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<f64> {
        self.inner.with_token(|t| t.expires_at).flatten()
    }

    /// Adds a listener for `login`, `tokenRefreshed`, `sessionEnded`, `logout` or `error`.
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OAuthEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(detail: any) => void")] listener: Function,
    ) -> Result<(), JsValue> {
        self.inner.events.add(EventKind::parse(kind)?, listener);
        Ok(())
    }

    /// Removes a listener added with `addEventListener`.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OAuthEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(detail: any) => void")] listener: Function,
    ) -> Result<(), JsValue> {
        self.inner.events.remove(EventKind::parse(kind)?, &listener);
        Ok(())
    }
}

impl OAuthClient {
    /// Runs an operation as a promise; a failure is also emitted as an `error` event.
    fn run(&self, op: Op) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let result = op.await;
            if let Err(e) = &result {
                inner.events.emit(EventKind::Error, e);
            }
            result
        })
    }
}
