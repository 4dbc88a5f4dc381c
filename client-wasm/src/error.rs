//! The error codes the browser client detects itself, and the plain words for every code the
//! page may see (its own, and the RFC 6749 codes a provider redirects with).
use oauth_edge_shared::error::ErrorCode;
use wasm_bindgen::prelude::*;

/// Errors the browser client detects by itself.
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
    /// The session's token never reaches the page (a MAC token): call the API through the
    /// Worker's proxy (`client.apiFetch`).
    TokenNotAvailable,
    /// Anything else that went wrong inside the library.
    Unexpected,
}

const CODES: [(ClientErrorCode, &str); 18] = {
    use ClientErrorCode::*;
    [
        (InvalidOptions, "invalid_options"),
        (UnknownEvent, "unknown_event"),
        (WorkerUnreachable, "worker_unreachable"),
        (WorkerBadResponse, "worker_bad_response"),
        (UnsafeAuthorizationUrl, "unsafe_authorization_url"),
        (CryptoUnavailable, "crypto_unavailable"),
        (StorageUnavailable, "storage_unavailable"),
        (NotACallback, "not_a_callback"),
        (MalformedCallback, "malformed_callback"),
        (StateMissing, "state_missing"),
        (StateMismatch, "state_mismatch"),
        (UnknownState, "unknown_state"),
        (StateUsed, "state_used"),
        (IssuerMismatch, "issuer_mismatch"),
        (NotLoggedIn, "not_logged_in"),
        (FetchFailed, "fetch_failed"),
        (TokenNotAvailable, "token_not_available"),
        (Unexpected, "unexpected_error"),
    ]
};

impl ClientErrorCode {
    /// The stable code string.
    pub fn as_str(self) -> &'static str {
        CODES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, s)| s)
    }

    /// The code named `code`, if it is one of these.
    pub fn parse(code: &str) -> Option<Self> {
        CODES.iter().find(|(_, s)| *s == code).map(|(c, _)| *c)
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
            Self::TokenNotAvailable => "This provider's token never reaches the page. Call its API through the Worker's proxy (apiFetch).",
            Self::Unexpected => "Something went wrong in the login library. Reload the page and try again.",
        }
    }
}

/// Words for the Worker's codes that reach the page without its message: its failure redirect
/// (`?oauth_edge_error=<code>`, `docs/worker-api.md`) carries only the code. Other codes get the
/// generic sentence (bundle budget).
const WORKER_MESSAGES: [(&str, &str); 5] = [
    (
        "no_transaction",
        "This login was not started in this browser, or it expired. Log in again.",
    ),
    (
        "transaction_mismatch",
        "The login redirect does not belong to the login started in this browser. Log in again.",
    ),
    (
        "provider_rejected",
        "The sign-in service refused the login. Log in again.",
    ),
    (
        "provider_unavailable",
        "The sign-in service could not be reached. Try again in a moment.",
    ),
    (
        "invalid_token_response",
        "The sign-in service sent an answer that could not be read. Try again later.",
    ),
];

/// `errorMessage(code)`: the plain words for a client code, a Worker code, else an RFC 6749/6750
/// code (an unknown code gets the provider's generic sentence).
#[wasm_bindgen(js_name = errorMessage)]
pub fn error_message(code: &str) -> String {
    if let Some(c) = ClientErrorCode::parse(code) {
        return c.message().to_owned();
    }
    match WORKER_MESSAGES.iter().find(|(c, _)| *c == code) {
        Some((_, m)) => (*m).to_owned(),
        None => ErrorCode::from(code.to_owned()).message().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn codes_round_trip_and_every_code_has_words() {
        for (c, s) in CODES {
            assert_eq!(c.as_str(), s);
            assert_eq!(ClientErrorCode::parse(s), Some(c));
            assert!(c.message().len() > 30, "{s}");
        }
        assert!(error_message("access_denied").contains("denied"));
        assert!(!error_message("slow_down").is_empty());
        for (code, words) in WORKER_MESSAGES {
            assert_eq!(error_message(code), words);
        }
    }
}
