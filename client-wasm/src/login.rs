//! The start of a login: the PKCE verifier and its S256 challenge
//! ([RFC 7636 §4.1–4.2](https://www.rfc-editor.org/rfc/rfc7636#section-4.1)) and the `state`
//! ([RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)), from random bytes
//! the shell draws with `crypto.getRandomValues`.
use js_sys::Object;
use oauth_edge_shared::pkce::CodeVerifier;
use oauth_edge_shared::state::State;
use wasm_bindgen::prelude::*;

use crate::js;

/// `beginLogin(verifierEntropy, stateEntropy)`: two arrays of 32 random bytes give
/// `{ verifier, challenge, state }` (base64url, 43 characters each).
#[wasm_bindgen(
    js_name = beginLogin,
    unchecked_return_type = "{ verifier: string; challenge: string; state: string }"
)]
pub fn begin_login(verifier_entropy: &[u8], state_entropy: &[u8]) -> Result<Object, JsError> {
    let (Ok(v), Ok(s)) = (
        <&[u8; 32]>::try_from(verifier_entropy),
        <&[u8; 32]>::try_from(state_entropy),
    ) else {
        return Err(JsError::new(
            "beginLogin needs two arrays of 32 random bytes",
        ));
    };
    let verifier = CodeVerifier::from_entropy(v);
    let out = Object::new();
    js::set(&out, "verifier", verifier.as_str());
    js::set(&out, "challenge", verifier.challenge().as_str());
    js::set(&out, "state", State::from_entropy(s).as_str());
    Ok(out)
}
