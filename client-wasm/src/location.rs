//! The address bar: reading the callback query, scrubbing it, navigating to the provider.
use wasm_bindgen::JsValue;
use web_sys::Url;

use crate::env::window;

/// The authorization-response parameters removed from the address bar
/// ([RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2), RFC 9207 `iss`).
const CALLBACK_PARAMS: [&str; 6] = [
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
];

/// `location.search`, with its leading `?`.
pub(crate) fn search() -> String {
    window().location().search().unwrap_or_default()
}

/// `location.href`.
pub(crate) fn href() -> String {
    window().location().href().unwrap_or_default()
}

/// The current path, query and fragment: where a login returns to by default.
pub(crate) fn current_path() -> String {
    let loc = window().location();
    let mut path = loc.pathname().unwrap_or_default();
    path.push_str(&loc.search().unwrap_or_default());
    path.push_str(&loc.hash().unwrap_or_default());
    path
}

/// Removes the callback parameters from the address bar with `history.replaceState`, keeping
/// every other parameter, the fragment and the history entry's state. The code and state must
/// not stay in the URL (history, bookmarks, `Referer`, screenshots).
pub(crate) fn scrub_callback_params() {
    let Ok(url) = Url::new(&href()) else { return };
    let params = url.search_params();
    for name in CALLBACK_PARAMS {
        params.delete(name);
    }
    // Setting the search from the remaining parameters also drops a bare `?`.
    url.set_search(&String::from(params.to_string()));
    let window = window();
    if let Ok(history) = window.history() {
        let state = history.state().unwrap_or(JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&url.href()));
    }
}

/// Whether `url` is an absolute http(s) URL (the only kind the page navigates to for login).
pub(crate) fn is_http_url(url: &str) -> bool {
    Url::new(url).is_ok_and(|u| matches!(u.protocol().as_str(), "https:" | "http:"))
}

/// Resolves `url` against the page and tells whether it is on the page's origin.
pub(crate) fn is_same_origin(url: &str) -> bool {
    let page = window().location();
    match (Url::new_with_base(url, &href()), page.origin()) {
        (Ok(u), Ok(origin)) => u.origin() == origin,
        _ => true,
    }
}

/// Navigates the page to `url`.
pub(crate) fn assign(url: &str) {
    let _ = window().location().assign(url);
}
