//! `<API_PREFIX>/<provider>/<path>`: the API proxy (BFF mode). The browser calls its API through
//! the Worker, which attaches a token the browser never holds: the session's (as `Bearer`, or a MAC
//! signature with the access token as `id` and the session's `mac_key` as key), or a
//! client-credentials token of the app's own.
//!
//! The router has already checked the method against the provider's `api.methods` and the CSRF
//! rules. Here: the path must stay below `api.base_url` (`oauth_edge_shared::proxy::upstream_url`);
//! only content-negotiation and conditional headers of the browser's request go upstream (never
//! its `Cookie` or `Authorization`); the token is refreshed first when it is about to expire, and
//! once more when the API answers `401` (Paytronix: "on invalid token, refresh and resend"), after
//! which the call is sent again. The API's status, `Content-Type` and body come back as they are.
use oauth_edge_shared::challenge::renewal_may_help;
use oauth_edge_shared::dpop::DpopKey;
use oauth_edge_shared::http::{HttpRequest, HttpResponse, Method};
use oauth_edge_shared::provider::{ApiProxy, ApiToken};
use oauth_edge_shared::proxy::upstream_url;
use oauth_edge_shared::resource::authorize_request;
use oauth_edge_shared::secret::{AccessToken, DpopSecret, SigningKey};
use oauth_edge_shared::token::RequestContext;

use super::refresh::{current_session, renew};
use super::Call;
use crate::config::Provider;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;

/// The browser's request headers that go upstream: content negotiation and conditional requests.
/// Everything else stays behind — `Cookie` and `Authorization` above all, but also `Origin`,
/// `X-OAuth-Edge` and whatever the runtime adds.
const FORWARDED_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "content-type",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
];

/// Handles a call for `provider`'s API at `rest` (the path after `<API_PREFIX>/<provider>/`).
pub(crate) async fn handle<E: Effects>(
    call: &Call<'_, E>,
    provider: &Provider,
    api: &ApiProxy,
    rest: &str,
) -> Result<Reply, WorkerError> {
    let url =
        upstream_url(&api.base_url, rest, call.query.as_deref()).map_err(WorkerError::BadPath)?;
    let method = Method::parse(&call.method)
        .filter(|m| api.methods.contains(m))
        .ok_or_else(|| WorkerError::MethodNotAllowed(api.allow()))?;
    let request = upstream_request(method, url, &call.headers, call.body.clone());
    let answer = match api.token {
        ApiToken::Session => with_session_token(call, provider, &request).await?,
        ApiToken::ClientCredentials => {
            // The app's own token must not serve anyone who asks (issue 6, finding 1): a session
            // of this app is required, unless the entry opted in to anonymous callers, who are
            // then counted per client address.
            if api.anonymous {
                let address = call.client_address();
                let key = format!("api-ip:{}", call.config.keys.digest(address.as_bytes()));
                call.fx
                    .count(&key, call.config.limits.rates.anonymous_api_per_ip)
                    .await?;
            } else {
                current_session(call).await?;
            }
            with_client_token(call, provider, &request).await?
        }
    };
    Ok(Reply::bytes(
        answer.status,
        answer.header("content-type").map(str::to_owned),
        answer.body,
    ))
}

/// Sends `request` with the session's token: refreshed first when it is about to expire, and
/// after a `401` whose challenge does not name another error than `invalid_token`
/// (`oauth_edge_shared::challenge::renewal_may_help`); then sent once more, if the refresh gave a
/// new token.
async fn with_session_token<E: Effects>(
    call: &Call<'_, E>,
    provider: &Provider,
    request: &HttpRequest,
) -> Result<HttpResponse, WorkerError> {
    let (id, mut record) = current_session(call).await?;
    if record.provider != provider.name {
        // Never hand one provider's token to another provider's API.
        return Err(WorkerError::ProviderMismatch);
    }
    if record.needs_refresh(call.now) {
        record = renew(call, &id, record, false).await?;
    }
    let answer = send(
        call,
        request,
        &record.access_token,
        record.mac_key.as_ref(),
        record.dpop_key.as_ref(),
    )
    .await?;
    if !renewal_may_help(answer.status, answer.header("www-authenticate")) {
        return Ok(answer);
    }
    let refused = record.access_token.clone();
    let record = renew(call, &id, record, true).await?;
    if record.access_token == refused {
        return Ok(answer); // nothing to refresh with: the API's 401 stands
    }
    send(
        call,
        request,
        &record.access_token,
        record.mac_key.as_ref(),
        record.dpop_key.as_ref(),
    )
    .await
}

/// Sends `request` with the app's client-credentials token (held by its Durable Object); after a
/// `401` the object is told which token was refused, and the call is sent once more if it hands
/// out another (it replaces a refused token at most every `REPLACE_FLOOR` seconds).
async fn with_client_token<E: Effects>(
    call: &Call<'_, E>,
    provider: &Provider,
    request: &HttpRequest,
) -> Result<HttpResponse, WorkerError> {
    let token = call.fx.client_token(provider, None).await?;
    let answer = send(
        call,
        request,
        &token.access_token,
        token.mac_key.as_ref(),
        None,
    )
    .await?;
    if !renewal_may_help(answer.status, answer.header("www-authenticate")) {
        return Ok(answer);
    }
    let next = call
        .fx
        .client_token(provider, Some(&token.access_token))
        .await?;
    if next.access_token == token.access_token {
        return Ok(answer); // not replaced (too soon): the API's 401 stands
    }
    send(
        call,
        request,
        &next.access_token,
        next.mac_key.as_ref(),
        None,
    )
    .await
}

/// Sends `request` with the token attached (a fresh signature each time): Bearer, MAC-signed, or
/// DPoP-bound with a proof of the session's key.
async fn send<E: Effects>(
    call: &Call<'_, E>,
    request: &HttpRequest,
    token: &AccessToken,
    mac_key: Option<&SigningKey>,
    dpop_key: Option<&DpopSecret>,
) -> Result<HttpResponse, WorkerError> {
    if let Some(secret) = dpop_key {
        let key = DpopKey::from_secret(secret)
            .ok_or_else(|| WorkerError::Internal("the session's DPoP key does not read".into()))?;
        let timeout = call.config.upstream_timeout;
        return crate::dpop::send_resource_request(call.fx, request, token, &key, timeout).await;
    }
    let mut request = request.clone();
    attach_token(&mut request, token, mac_key, &call.request_context()?)?;
    call.fx.send(&request, call.config.upstream_timeout).await
}

/// The upstream request: `method` to `url` with the forwardable headers of the browser's request.
fn upstream_request(
    method: Method,
    url: String,
    browser_headers: &[(String, String)],
    body: Vec<u8>,
) -> HttpRequest {
    let headers = browser_headers
        .iter()
        .filter(|(name, _)| {
            FORWARDED_HEADERS
                .iter()
                .any(|f| name.eq_ignore_ascii_case(f))
        })
        .cloned()
        .collect();
    HttpRequest {
        method,
        url,
        headers,
        body,
    }
}

/// Adds the token (Bearer, or MAC-signed: `oauth_edge_shared::resource`).
fn attach_token(
    request: &mut HttpRequest,
    token: &AccessToken,
    mac_key: Option<&SigningKey>,
    ctx: &RequestContext,
) -> Result<(), WorkerError> {
    authorize_request(request, token, mac_key, ctx)
        .map_err(|_| WorkerError::Internal("the API URL cannot be MAC-signed".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn ctx() -> RequestContext {
        RequestContext {
            now: 1343811600,
            entropy: [3; 32],
        }
    }

    #[test]
    fn browser_credentials_never_go_upstream() {
        let browser = headers(&[
            ("cookie", "__Host-oauth-edge-session=abc"),
            ("authorization", "Bearer from-the-page"),
            ("origin", "https://app.example"),
            ("x-oauth-edge", "1"),
            ("cf-connecting-ip", "203.0.113.1"),
            ("accept", "application/json"),
            ("Content-Type", "application/json"),
            ("if-none-match", "\"v1\""),
        ]);
        let mut req = upstream_request(
            Method::Post,
            "https://api.example/v1/x".into(),
            &browser,
            b"{}".to_vec(),
        );
        attach_token(&mut req, &AccessToken::new("at-1"), None, &ctx()).unwrap();
        assert_eq!(
            req.headers,
            headers(&[
                ("accept", "application/json"),
                ("Content-Type", "application/json"),
                ("if-none-match", "\"v1\""),
                ("Authorization", "Bearer at-1"),
            ])
        );
        assert_eq!(req.body, b"{}");
    }
}
