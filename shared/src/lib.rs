//! Pure OAuth 2.0 protocol logic for oauth-edge.
//!
//! Everything here turns inputs into an HTTP request description ([`http::HttpRequest`]) or an
//! HTTP response description into typed results. There is no I/O, no clock and no random number
//! generator: time (`now`, UNIX seconds) and entropy (`[u8; 32]`) are arguments, so every test is
//! deterministic. The browser library (`client-wasm`) and the Worker (`edge-worker`) are thin
//! shells around these functions.
#![deny(missing_docs)]

pub mod authority;
pub mod authorize;
pub mod b64;
pub mod callback;
pub mod challenge;
pub mod codes;
pub mod cookie;
#[cfg(feature = "oidc")]
pub mod dpop;
pub mod error;
pub mod form;
pub mod http;
#[cfg(feature = "oidc")]
pub mod jose;
#[cfg(feature = "oidc")]
pub mod oidc;
pub mod par;
pub mod pkce;
pub mod provider;
pub mod proxy;
pub mod register;
pub mod resource;
pub mod return_to;
pub mod revoke;
pub mod secret;
pub mod session;
pub mod state;
pub mod token;
pub mod transaction;
pub mod userinfo;

/// Seconds since the UNIX epoch, as read by a shell's clock and handed in.
pub type UnixTime = u64;
