//! `GET /demo-config.json` for the demo app (www/app.js): the `APP_CONFIG` var (JSON text or an
//! object), e.g. `{"api_url": "http://127.0.0.1:9010/api/hello"}` — values only known when the
//! stack starts, so they cannot be a static asset. Not part of the auth API: without `APP_CONFIG`
//! the path is left to the static assets.
use worker::{Env, Headers, Response};

/// The path the demo app reads.
pub(crate) const PATH: &str = "/demo-config.json";
/// The var holding it.
const VAR: &str = "APP_CONFIG";

/// The answer, when `APP_CONFIG` is set to valid JSON.
pub(crate) fn answer(env: &Env) -> Option<worker::Result<Response>> {
    let value = js_sys::Reflect::get(env, &VAR.into()).ok()?;
    let text = match value.as_string() {
        Some(text) => text,
        None if value.is_object() => js_sys::JSON::stringify(&value).ok()?.as_string()?,
        None => return None,
    };
    serde_json::from_str::<serde_json::Value>(&text).ok()?;
    let headers = Headers::new();
    let response = (|| {
        headers.set("Content-Type", "application/json; charset=utf-8")?;
        headers.set("Cache-Control", "no-store")?;
        Ok(Response::ok(text)?.with_headers(headers))
    })();
    Some(response)
}
