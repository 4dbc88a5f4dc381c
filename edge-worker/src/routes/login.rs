//! `POST /auth/login`: begin a login. Builds the authorization URL (RFC 6749 §4.1.1 with the
//! browser's PKCE challenge) and seals the pending transaction into the tx cookie.
use oauth_edge_shared::authorize::{authorization_url, is_s256_challenge};
use serde::{Deserialize, Serialize};

use super::Call;
use crate::cookies;
use crate::entropy;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::transaction::Transaction;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    #[serde(default)]
    provider: Option<String>,
    state: String,
    code_challenge: String,
}

#[derive(Serialize)]
struct LoginAnswer<'a> {
    authorization_url: String,
    issuer: Option<&'a str>,
    provider: &'a str,
}

/// Handles the call.
pub(crate) async fn handle(call: &Call<'_>) -> Result<Reply, WorkerError> {
    let request: LoginRequest = call.json()?;
    if !is_state(&request.state) {
        return Err(WorkerError::BadRequest(
            "`state` must be 22 to 256 base64url characters".into(),
        ));
    }
    if !is_s256_challenge(&request.code_challenge) {
        return Err(WorkerError::BadRequest(
            "`code_challenge` must be an S256 challenge (43 base64url characters)".into(),
        ));
    }
    let provider = call.config.provider(request.provider.as_deref())?;
    let url = authorization_url(&provider.config, &request.state, &request.code_challenge);
    let tx = Transaction::new(
        &provider.name,
        &request.state,
        &request.code_challenge,
        call.now,
    );
    let sealed = tx.seal(&call.config.session_key, entropy::random()?);
    Ok(Reply::ok(&LoginAnswer {
        authorization_url: url,
        issuer: provider.config.issuer.as_deref(),
        provider: &provider.name,
    })
    .with_cookie(cookies::set_tx(&sealed)))
}

/// A browser-made state: at least 128 bits as base64url (22 characters), at most 256 characters.
fn is_state(state: &str) -> bool {
    (22..=256).contains(&state.len())
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_shape() {
        assert!(is_state(&"a".repeat(43)));
        assert!(!is_state("short"));
        assert!(!is_state(&"a".repeat(257)));
        assert!(!is_state(&format!("{}&x=1", "a".repeat(30))));
    }
}
