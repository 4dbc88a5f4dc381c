//! `login()`: PKCE + state in the tab, the authorization URL from the Worker
//! ([RFC 6749 §4.1.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1),
//! [RFC 7636 §4](https://www.rfc-editor.org/rfc/rfc7636#section-4)).
use std::rc::Rc;

use oauth_edge_shared::pkce::CodeVerifier;
use oauth_edge_shared::state::State;
use wasm_bindgen::JsValue;

use crate::client::Inner;
use crate::error::ClientErrorCode;
use crate::tx::PendingTx;
use crate::{env, js, location};

/// Starts a login and navigates to the provider.
pub(crate) async fn login(
    inner: Rc<Inner>,
    return_to: Option<String>,
    provider: Option<String>,
) -> Result<JsValue, JsValue> {
    let verifier = CodeVerifier::from_entropy(&env::random32()?);
    let state = State::from_entropy(&env::random32()?);
    let provider = provider.or_else(|| inner.provider.clone());

    let body = js::object();
    js::set(&body, "state", &JsValue::from_str(state.as_str()));
    js::set(
        &body,
        "code_challenge",
        &JsValue::from_str(verifier.challenge().as_str()),
    );
    if let Some(p) = &provider {
        js::set(&body, "provider", &JsValue::from_str(p));
    }
    let answer = inner.api.post("/login", Some(&body)).await?;

    let url =
        js::get_str(&answer, "authorization_url").ok_or(ClientErrorCode::WorkerBadResponse)?;
    if !location::is_http_url(&url) {
        return Err(ClientErrorCode::UnsafeAuthorizationUrl.into());
    }
    PendingTx {
        state: state.as_str().to_owned(),
        verifier: verifier.as_str().to_owned(),
        return_to: return_to.unwrap_or_else(location::current_path),
        issuer: js::get_str(&answer, "issuer"),
        provider: js::get_str(&answer, "provider").or(provider),
    }
    .save()?;
    location::assign(&url);
    Ok(JsValue::UNDEFINED)
}
