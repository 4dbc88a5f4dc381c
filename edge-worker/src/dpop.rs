//! Sending DPoP-signed requests (RFC 9449, `oauth_edge_shared::dpop`): a fresh proof per try,
//! and one more try with the nonce a server asks for (§8 at a token endpoint, §9 at a resource).
//! The first try was refused, so nothing was spent: sending again is safe.
use std::time::Duration;

use oauth_edge_shared::dpop::{
    authorize_resource_request, nonce_requested, sign_token_request, DpopKey,
};
use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::secret::AccessToken;
use oauth_edge_shared::UnixTime;

use crate::effects::{random, Clock, Fetch, Randomness};
use crate::error::WorkerError;

/// Sends a token request (code exchange) with a proof of `key`.
pub(crate) async fn send_token_request<F: Fetch + Randomness + Clock>(
    fx: &F,
    request: &HttpRequest,
    key: &DpopKey,
    timeout: Duration,
) -> Result<HttpResponse, WorkerError> {
    send_proven(fx, request, timeout, |r, now, jti, nonce| {
        sign_token_request(r, key, now, jti, nonce);
    })
    .await
}

/// Sends a resource request (userinfo, the API proxy) with the DPoP-bound `token`.
pub(crate) async fn send_resource_request<F: Fetch + Randomness + Clock>(
    fx: &F,
    request: &HttpRequest,
    token: &AccessToken,
    key: &DpopKey,
    timeout: Duration,
) -> Result<HttpResponse, WorkerError> {
    send_proven(fx, request, timeout, |r, now, jti, nonce| {
        authorize_resource_request(r, token, key, now, jti, nonce);
    })
    .await
}

/// Sends `request` with the proof `prove` adds, once more with the nonce a server asks for.
async fn send_proven<F: Fetch + Randomness + Clock>(
    fx: &F,
    request: &HttpRequest,
    timeout: Duration,
    prove: impl Fn(&mut HttpRequest, UnixTime, &[u8], Option<&str>),
) -> Result<HttpResponse, WorkerError> {
    let mut nonce = None;
    loop {
        let mut signed = request.clone();
        prove(&mut signed, fx.now(), &random::<16>(fx)?, nonce.as_deref());
        let answer = fx.send(&signed, timeout).await?;
        match nonce_requested(&answer) {
            Some(asked) if nonce.is_none() => nonce = Some(asked),
            _ => return Ok(answer),
        }
    }
}
