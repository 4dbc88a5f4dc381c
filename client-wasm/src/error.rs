//! The one error type of the browser library, and how it reaches JS.
//!
//! Every rejection the JS side sees is a JS `Error` whose `name` is `"OAuthError"`, with a stable
//! `code` to switch on and a plain-words `message`. Codes come from three places: this library
//! ([`ClientErrorCode`]), the Worker (its JSON `code`, passed through), and the provider's
//! redirect (the RFC 6749 `error`, e.g. `access_denied`).
use oauth_edge_shared::error::ProviderError;
use wasm_bindgen::JsValue;

use crate::js;

/// Errors this library detects by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientErrorCode {
    /// The options given to `new OAuthClient(...)` are not usable.
    InvalidOptions,
    /// `addEventListener` was given an event name the client never emits.
    UnknownEvent,
    /// The Worker could not be reached (network error, CORS, offline).
    WorkerUnreachable,
    /// The Worker answered something that is not its JSON contract.
    WorkerBadResponse,
    /// The Worker's authorization URL is not an http(s) URL.
    UnsafeAuthorizationUrl,
    /// `crypto.getRandomValues` is not available.
    CryptoUnavailable,
    /// `sessionStorage` (or the chosen storage) is not available.
    StorageUnavailable,
    /// The page's address has neither `code` nor `error`.
    NotACallback,
    /// A callback parameter is repeated or empty.
    MalformedCallback,
    /// The callback has no `state`.
    StateMissing,
    /// A login is pending but the callback's `state` is another one.
    StateMismatch,
    /// No login is pending in this tab for the callback's `state`.
    UnknownState,
    /// The callback's `state` belongs to a login already completed (a replayed callback).
    StateUsed,
    /// The callback's `iss` is not the issuer the login was started with (RFC 9207).
    IssuerMismatch,
    /// No access token is held: call `restore()` or `login()` first.
    NotLoggedIn,
    /// The app's own API could not be reached by `client.fetch`.
    FetchFailed,
}

impl ClientErrorCode {
    /// The stable code string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidOptions => "invalid_options",
            Self::UnknownEvent => "unknown_event",
            Self::WorkerUnreachable => "worker_unreachable",
            Self::WorkerBadResponse => "worker_bad_response",
            Self::UnsafeAuthorizationUrl => "unsafe_authorization_url",
            Self::CryptoUnavailable => "crypto_unavailable",
            Self::StorageUnavailable => "storage_unavailable",
            Self::NotACallback => "not_a_callback",
            Self::MalformedCallback => "malformed_callback",
            Self::StateMissing => "state_missing",
            Self::StateMismatch => "state_mismatch",
            Self::UnknownState => "unknown_state",
            Self::StateUsed => "state_used",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::NotLoggedIn => "not_logged_in",
            Self::FetchFailed => "fetch_failed",
        }
    }

    /// What happened and what to do, in plain words.
    pub fn message(self) -> &'static str {
        match self {
            Self::InvalidOptions => "The OAuthClient options are not valid: `worker` must be a URL path such as \"/auth\", `storage` one of \"memory\", \"session\" or \"local\".",
            Self::UnknownEvent => "There is no such event. Use login, tokenRefreshed, sessionEnded, logout or error.",
            Self::WorkerUnreachable => "The sign-in service could not be reached. Check your connection and try again.",
            Self::WorkerBadResponse => "The sign-in service gave an answer this page does not understand. Try again later.",
            Self::UnsafeAuthorizationUrl => "The sign-in service sent a login address that is not a web address. The Worker's configuration needs fixing.",
            Self::CryptoUnavailable => "This browser cannot generate secure random numbers, so login cannot start.",
            Self::StorageUnavailable => "This browser blocks session storage, which login needs. Allow site data and try again.",
            Self::NotACallback => "This page was not opened by a login redirect, so there is nothing to finish.",
            Self::MalformedCallback => "The login redirect had repeated or empty parameters. Log in again.",
            Self::StateMissing => "The login redirect did not carry its check value. Log in again.",
            Self::StateMismatch => "The login redirect does not belong to the login started in this tab. Log in again.",
            Self::UnknownState => "No login was started in this tab, so this redirect cannot be finished. Log in again.",
            Self::StateUsed => "This login redirect was already used. You may already be logged in; otherwise log in again.",
            Self::IssuerMismatch => "The login redirect came from a different sign-in service than expected. Log in again.",
            Self::NotLoggedIn => "You are not logged in. Log in first.",
            Self::FetchFailed => "The request could not be sent. Check your connection and try again.",
        }
    }
}

/// An error on its way to JS: already the JS object the caller will see (a JS `Error` named
/// `"OAuthError"` with `code`, `message` and, when known, `status`, `error`, `errorDescription`,
/// `errorUri`, `cause`). Building it once, here, keeps the wasm small: no Rust-side copy of the
/// strings travels through the futures.
#[derive(Debug, Clone)]
pub struct OAuthError(js_sys::Error);

impl OAuthError {
    /// An error with its code and message.
    pub fn new(code: &str, message: &str) -> Self {
        let err = js_sys::Error::new(message);
        err.set_name("OAuthError");
        js::set(&err, "code", &JsValue::from_str(code));
        Self(err)
    }

    fn with(self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            js::set(&self.0, key, &JsValue::from_str(value));
        }
        self
    }

    /// A provider's error redirect: the code is the RFC 6749 `error` itself, the message says
    /// what it means, and the provider's own description is kept.
    pub fn from_provider(e: &ProviderError) -> Self {
        let code = e.error.as_str();
        Self::new(code, e.error.message())
            .with("error", Some(code))
            .with("errorDescription", e.error_description.as_deref())
            .with("errorUri", e.error_uri.as_deref())
    }

    /// A Worker error answer (`{code, message, error?, error_description?}`) with its status.
    pub(crate) fn from_worker(body: &JsValue, status: u16) -> Self {
        let bad = ClientErrorCode::WorkerBadResponse;
        let this = match js::get_str(body, "code") {
            Some(code) => Self::new(
                &code,
                &js::get_str(body, "message").unwrap_or_else(|| bad.message().into()),
            )
            .with("error", js::get_str(body, "error").as_deref())
            .with(
                "errorDescription",
                js::get_str(body, "error_description").as_deref(),
            ),
            None => bad.into(),
        };
        this.with_status(status)
    }

    /// Records the HTTP status that came with it.
    pub(crate) fn with_status(self, status: u16) -> Self {
        js::set(&self.0, "status", &JsValue::from(status));
        self
    }

    /// Keeps the JS value that caused this error (as `cause`).
    pub(crate) fn with_cause(self, cause: JsValue) -> Self {
        js::set(&self.0, "cause", &cause);
        self
    }

    /// The stable code.
    pub fn code(&self) -> String {
        js::get_str(&self.0, "code").unwrap_or_default()
    }
}

impl From<ClientErrorCode> for OAuthError {
    fn from(code: ClientErrorCode) -> Self {
        Self::new(code.as_str(), code.message())
    }
}

impl From<OAuthError> for JsValue {
    fn from(e: OAuthError) -> Self {
        e.0.into()
    }
}

impl From<ClientErrorCode> for JsValue {
    fn from(code: ClientErrorCode) -> Self {
        OAuthError::from(code).into()
    }
}
