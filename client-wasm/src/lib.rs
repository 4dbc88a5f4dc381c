//! The protocol core of the oauth-edge browser client, compiled to WebAssembly.
//!
//! The npm package `oauth-edge` is this crate plus a thin JavaScript shell (`js/client.js`,
//! the `OAuthClient` class). The shell does the browser I/O: `fetch` to the Worker,
//! `sessionStorage`, the address bar, Web Locks, promises and event listeners. Every protocol
//! decision is made here, with `oauth-edge-shared`: the PKCE verifier, S256 challenge and state
//! from the shell's random bytes; parsing the redirect; matching `state` and `iss`; the
//! same-origin return path; the plain words for each error code.
//!
//! Why the shell is JavaScript: the bundle budget is 25 KB gzip. Measured with wasm-opt -Oz, the
//! same API written as a Rust shell (web-sys, async state machines, `future_to_promise`) was
//! 79–87 KB of wasm, 34.5–37.7 KB gzip, before its glue; a constructor plus one async method
//! alone was 18.7 KB gzip. The protocol part is a few KB.
use wasm_bindgen::prelude::*;

mod callback;
mod error;
mod json;
mod login;

pub use callback::{
    check, check_callback, check_issuer, check_state, is_callback, redirect_error, PendingLogin,
    Redeem, Refusal, Refused,
};
pub use error::{error_message, ClientErrorCode};
pub use login::begin_login;

/// `bearerErrorIs(wwwAuthenticate, code)`: whether the `error` attribute of the header's Bearer
/// challenge (RFC 6750 §3, parsed as RFC 9110 challenges: `oauth_edge_shared::challenge`) is
/// `code`; `undefined` when it has none. `client.js` retries a call once after `invalid_token`.
#[wasm_bindgen(js_name = bearerErrorIs)]
pub fn bearer_error_is(www_authenticate: &str, code: &str) -> Option<bool> {
    oauth_edge_shared::challenge::bearer_error_is(www_authenticate, code)
}

/// The shapes of the JSON text the core answers with (`JSON.parse` in the shell; the public types
/// are in `js/client.d.ts`).
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export interface BeginLogin { verifier: string; challenge: string; state: string }
export interface CallbackErrorFields { code: string; message: string; error?: string; errorDescription?: string | null; errorUri?: string | null }
export interface CallbackCheck {
  consumedState: string | null;
  error?: CallbackErrorFields;
  request?: { code: string; state: string; code_verifier: string; iss: string | null };
  returnTo?: string;
}
"#;

// A 1 KB allocator instead of dlmalloc's 7 KB: this library allocates a few short strings per
// call. `LockedAllocator` needs no `unsafe` (the workspace forbids it).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
