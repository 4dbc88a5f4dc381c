//! The Worker's Durable Objects: the coordination that must hold across every isolate and
//! location, where KV (eventually consistent) cannot. Each object has a pure decision at its core
//! (unit-tested natively) and a thin storage/alarm shell; the Worker reaches it through a typed
//! client here, over an internal `fetch`.
//!
//! | class | one object per | decides |
//! |---|---|---|
//! | [`RateLimiter`](rate_limiter::RateLimiter) | counted key (a user name's digest, a client address) | whether one more attempt fits in the window |
//! | [`ClientTokens`](client_tokens::ClientTokens) | provider with a client-credentials API | the app's token: one fetch at a time, a refused token replaced at most every [`client_tokens::REPLACE_FLOOR`] seconds |
//! | [`RefreshAuthority`](refresh_authority::RefreshAuthority) | session (named by its KV key) | every refresh and the logout of that session |
//! | [`SessionIndex`](session_index::SessionIndex) | provider user (`sub`) or provider session (`sid`) | which sessions a back-channel logout ends; its `jti` acted on once |
pub(crate) mod client_tokens;
pub(crate) mod rate_limiter;
pub(crate) mod refresh_authority;
pub(crate) mod session_index;

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Method, Request, RequestInit};

use crate::error::WorkerError;

/// Sends `body` to the object `name` of namespace `binding` and reads its JSON answer.
pub(crate) async fn ask<Q: Serialize, A: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    body: &Q,
) -> Result<A, WorkerError> {
    let internal = |what: &str, e: worker::Error| {
        WorkerError::Internal(format!("Durable Object {binding}: {what}: {e}"))
    };
    let namespace = env
        .durable_object(binding)
        .map_err(|_| WorkerError::Config {
            key: binding.to_owned(),
            problem: "is not bound to a Durable Object namespace (see wrangler.toml)".to_owned(),
        })?;
    let stub = namespace
        .get_by_name(name)
        .map_err(|e| internal("stub", e))?;
    let json = serde_json::to_string(body).unwrap_or_default();
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(json.into()));
    let request = Request::new_with_init("https://object.internal/", &init)
        .map_err(|e| internal("request", e))?;
    let response = stub
        .fetch_with_request(request)
        .await
        .map_err(|e| internal("fetch", e))?;
    let status = response.status_code();
    let body = crate::body::response_bytes(response)
        .await
        .map_err(|e| internal("answer", e))?;
    if status != 200 {
        return Err(WorkerError::Internal(format!(
            "Durable Object {binding} answered HTTP {status}"
        )));
    }
    serde_json::from_slice(&body)
        .map_err(|e| WorkerError::Internal(format!("Durable Object {binding}: answer: {e}")))
}

/// What the Worker asked an object (the body of [`ask`]'s request), read in one call and parsed
/// by serde_json (`Request::json` would build it as a JS object first, then walk it field by
/// field from wasm).
pub(crate) async fn asked<Q: DeserializeOwned>(req: &mut Request) -> worker::Result<Q> {
    Ok(serde_json::from_slice(&req.bytes().await?)?)
}
