//! The clock and the random source: the two inputs `shared` takes as arguments.
use wasm_bindgen::JsCast;

use crate::error::{ClientErrorCode, OAuthError};

/// Seconds since the UNIX epoch, from `Date.now()`.
pub(crate) fn now_seconds() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// 32 bytes from `crypto.getRandomValues` (works in windows and workers alike).
pub(crate) fn random32() -> Result<[u8; 32], OAuthError> {
    let mut bytes = [0u8; 32];
    let crypto: web_sys::Crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or(ClientErrorCode::CryptoUnavailable)?;
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| ClientErrorCode::CryptoUnavailable)?;
    Ok(bytes)
}

/// The browser window (this library runs in a page).
pub(crate) fn window() -> web_sys::Window {
    js_sys::global().unchecked_into()
}
