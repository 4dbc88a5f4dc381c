//! `client.fetch()`: the app's own API calls with `Authorization: Bearer`
//! ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)); on a 401 whose
//! challenge says `invalid_token` ([§3.1](https://www.rfc-editor.org/rfc/rfc6750#section-3.1))
//! the token is refreshed once and the request sent once more.
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, Response};

use crate::client::Inner;
use crate::env::window;
use crate::error::{ClientErrorCode, OAuthError};
use crate::{js, session};

#[wasm_bindgen]
extern "C" {
    /// `Request`, constructible from any `RequestInfo | URL` input.
    #[wasm_bindgen(js_name = Request)]
    type AnyRequest;

    #[wasm_bindgen(catch, constructor, js_class = "Request")]
    fn new(input: &JsValue, init: &JsValue) -> Result<AnyRequest, JsValue>;
}

fn failed(cause: JsValue) -> JsValue {
    OAuthError::from(ClientErrorCode::FetchFailed)
        .with_cause(cause)
        .into()
}

/// `fetch(input, init)` with the access token.
pub(crate) async fn fetch(
    inner: Rc<Inner>,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let request: Request = AnyRequest::new(&input, &init)
        .map_err(failed)?
        .unchecked_into();
    // A body can be read once: keep an unsent copy for the retry.
    let spare = request.clone().map_err(failed)?;
    let token = session::access_token(inner.clone())
        .await?
        .as_string()
        .unwrap_or_default();
    let response = send(&request, &token).await?;
    if !says_invalid_token(&response).await {
        return Ok(response.into());
    }
    // Refresh unless another call already replaced the token this request used.
    if session::held_token(&inner)? == token {
        session::refresh(&inner).await?;
    }
    let token = session::held_token(&inner)?;
    Ok(send(&spare, &token).await?.into())
}

async fn send(request: &Request, token: &str) -> Result<Response, JsValue> {
    let mut auth = String::from("Bearer ");
    auth.push_str(token);
    request
        .headers()
        .set("Authorization", &auth)
        .map_err(failed)?;
    Ok(JsFuture::from(window().fetch_with_request(request))
        .await
        .map_err(failed)?
        .unchecked_into())
}

/// A 401 with `WWW-Authenticate: Bearer error="invalid_token"`, or a JSON body whose `error` is
/// `invalid_token`.
async fn says_invalid_token(response: &Response) -> bool {
    if response.status() != 401 {
        return false;
    }
    let headers = response.headers();
    if let Ok(Some(challenge)) = headers.get("WWW-Authenticate") {
        if has(&challenge, "invalid_token") {
            return true;
        }
    }
    let is_json = matches!(headers.get("Content-Type"), Ok(Some(t)) if has(&t, "json"));
    if !is_json {
        return false;
    }
    let Ok(copy) = response.clone() else {
        return false;
    };
    let Ok(body) = copy.json() else { return false };
    match JsFuture::from(body).await {
        Ok(v) => js::get_str(&v, "error").as_deref() == Some("invalid_token"),
        Err(_) => false,
    }
}

/// Whether `needle` occurs in `hay` (a plain byte scan: `str::contains` brings in the two-way
/// searcher, ~2 KB of wasm).
fn has(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
