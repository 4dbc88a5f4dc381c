//! The start of a login: the PKCE verifier and its S256 challenge
//! ([RFC 7636 §4.1–4.2](https://www.rfc-editor.org/rfc/rfc7636#section-4.1)) and the `state`
//! ([RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)), from random bytes
//! the shell draws with `crypto.getRandomValues`.
use oauth_edge_shared::pkce::CodeVerifier;
use oauth_edge_shared::state::State;
use wasm_bindgen::prelude::*;

use crate::json;

/// `beginLogin(entropy)`: 64 random bytes give the JSON text of `{ verifier, challenge, state }`
/// (base64url, 43 characters each: the first 32 bytes make the verifier, the last 32 the state);
/// `undefined` for any other length.
#[wasm_bindgen(js_name = beginLogin)]
pub fn begin_login(entropy: &[u8]) -> Option<String> {
    let (v, s) = entropy.split_first_chunk::<32>()?;
    let s = <&[u8; 32]>::try_from(s).ok()?;
    let verifier = CodeVerifier::from_entropy(v);
    Some(
        json::Obj::new()
            .str("verifier", verifier.as_str())
            .str("challenge", verifier.challenge().as_str())
            .str("state", State::from_entropy(s).as_str())
            .end(),
    )
}
