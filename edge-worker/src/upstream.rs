//! The one place the Worker talks to a provider: an [`HttpRequest`] description built by
//! `oauth-edge-shared` goes out through the runtime's `fetch`, and the answer comes back as an
//! [`HttpResponse`] description for the shared parsers.
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use oauth_edge_shared::http::{HttpRequest, HttpResponse, Method};
use worker::{AbortController, Delay, Fetch, Headers, Request, RequestInit, RequestRedirect};

use crate::error::WorkerError;

/// Sends `request` and reads the whole answer. Redirects are not followed (a token endpoint that
/// redirects is answering wrongly, and the shared parser says so). A request that cannot be sent
/// at all, or whose answer (headers and body) has not arrived within `timeout`, is
/// [`WorkerError::Unreachable`]; on a timeout the fetch is aborted.
pub(crate) async fn send(
    request: &HttpRequest,
    timeout: Duration,
) -> Result<HttpResponse, WorkerError> {
    // Logged by the router: the query is left out, it can carry a token (Paysera's revocation).
    let endpoint = request.url.split('?').next().unwrap_or_default();
    let unreachable = |e: worker::Error| WorkerError::Unreachable(format!("{endpoint}: {e}"));
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(unreachable)?;
    }
    let mut init = RequestInit::new();
    init.with_method(method(request.method))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !request.body.is_empty() {
        init.with_body(Some(
            js_sys::Uint8Array::from(request.body.as_slice()).into(),
        ));
    }
    let outgoing = Request::new_with_init(&request.url, &init).map_err(unreachable)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = pin!(async {
        let mut response = Fetch::Request(outgoing).send_with_signal(&signal).await?;
        let body = response.bytes().await?;
        Ok::<_, worker::Error>((response, body))
    });
    match select(exchange, pin!(Delay::from(timeout))).await {
        Either::Left((answer, _)) => {
            let (response, body) = answer.map_err(unreachable)?;
            Ok(HttpResponse {
                status: response.status_code(),
                headers: response.headers().entries().collect(),
                body,
            })
        }
        Either::Right(((), _)) => {
            controller.abort();
            Err(WorkerError::Unreachable(format!(
                "{endpoint}: no answer within {} ms (UPSTREAM_TIMEOUT_MS)",
                timeout.as_millis()
            )))
        }
    }
}

fn method(method: Method) -> worker::Method {
    match method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
        Method::Put => worker::Method::Put,
        Method::Patch => worker::Method::Patch,
        Method::Delete => worker::Method::Delete,
    }
}
