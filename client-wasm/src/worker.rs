//! Calls to the Worker's HTTP API (`docs/worker-api.md`): every call is a `POST` with the CSRF
//! header `X-OAuth-Edge: 1`, a JSON body, and the session cookie.
use js_sys::Object;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCredentials, RequestInit, Response};

use crate::env::window;
use crate::error::{ClientErrorCode, OAuthError};

/// Where the Worker's endpoints live, e.g. `/auth` or `https://auth.example/auth`.
#[derive(Debug, Clone)]
pub(crate) struct WorkerApi {
    prefix: String,
    credentials: RequestCredentials,
}

impl WorkerApi {
    /// `prefix` without its trailing slashes. A Worker on another origin (allowed by its
    /// `ALLOWED_ORIGINS`) gets its cookie with `credentials: "include"`.
    pub(crate) fn new(prefix: &str) -> Self {
        let credentials = if crate::location::is_same_origin(prefix) {
            RequestCredentials::SameOrigin
        } else {
            RequestCredentials::Include
        };
        Self {
            prefix: prefix.trim_end_matches('/').to_owned(),
            credentials,
        }
    }

    /// `POST {prefix}{path}` with `body` as JSON; the answer's JSON on 2xx, the Worker's error
    /// (`{code, message, ...}`) otherwise.
    pub(crate) async fn post(
        &self,
        path: &str,
        body: Option<&Object>,
    ) -> Result<JsValue, OAuthError> {
        let mut url = self.prefix.clone();
        url.push_str(path);

        let headers = Headers::new().map_err(|_| ClientErrorCode::WorkerUnreachable)?;
        let _ = headers.set("X-OAuth-Edge", "1");
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_credentials(self.credentials);
        if let Some(body) = body {
            let _ = headers.set("Content-Type", "application/json");
            init.set_body(&js_sys::JSON::stringify(body).map_or(JsValue::NULL, JsValue::from));
        }
        init.set_headers(&headers);

        let request = Request::new_with_str_and_init(&url, &init)
            .map_err(|_| ClientErrorCode::InvalidOptions)?;
        let response: Response = JsFuture::from(window().fetch_with_request(&request))
            .await
            .map_err(|e| OAuthError::from(ClientErrorCode::WorkerUnreachable).with_cause(e))?
            .unchecked_into();
        let status = response.status();
        let json = match response.json() {
            Ok(p) => JsFuture::from(p).await.ok(),
            Err(_) => None,
        };
        match json {
            Some(json) if response.ok() && json.is_object() => Ok(json),
            Some(json) if !response.ok() => Err(OAuthError::from_worker(&json, status)),
            _ => Err(OAuthError::from(ClientErrorCode::WorkerBadResponse).with_status(status)),
        }
    }
}
