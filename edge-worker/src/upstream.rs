//! The one place the Worker talks to a provider: an [`HttpRequest`] description built by
//! `oauth-edge-shared` goes out through the runtime's `fetch`, and the answer comes back as an
//! [`HttpResponse`] description for the shared parsers.
use std::future::Future;
use std::pin::{pin, Pin};
use std::time::Duration;

use futures_util::future::{select, Either};
use oauth_edge_shared::http::{HttpRequest, HttpResponse, Method};
use worker::{
    AbortController, AbortSignal, Delay, Fetch, Headers, Request, RequestInit, RequestRedirect,
};

use crate::error::WorkerError;

/// An exchange with a provider that is still running.
pub(crate) type Pending = Pin<Box<dyn Future<Output = Result<HttpResponse, WorkerError>>>>;

/// What [`send_keeping_late`] got within its timeout.
pub(crate) enum Sent {
    /// The provider's answer.
    Answered(HttpResponse),
    /// No answer yet: `error` is what the caller is told, `pending` the exchange, still running,
    /// for whoever will wait for the late answer.
    Late {
        error: WorkerError,
        pending: Pending,
    },
}

/// Sends `request` and reads the whole answer. Redirects are not followed (a token endpoint that
/// redirects is answering wrongly, and the shared parser says so). A request that cannot be sent
/// at all, or whose answer (headers and body) has not arrived within `timeout`, is
/// [`WorkerError::Unreachable`]; on a timeout the fetch is aborted.
pub(crate) async fn send(
    request: &HttpRequest,
    timeout: Duration,
) -> Result<HttpResponse, WorkerError> {
    let controller = AbortController::default();
    match exchange(request, Some(controller.signal()), timeout).await? {
        Sent::Answered(response) => Ok(response),
        Sent::Late { error, .. } => {
            controller.abort();
            Err(error)
        }
    }
}

/// Like [`send`], but a request not answered within `timeout` is not aborted: it comes back as
/// [`Sent::Late`], still running. For a request the provider acts on even when no one reads its
/// answer (a refresh that rotates the refresh token, RFC 9700 §4.14.2).
pub(crate) async fn send_keeping_late(
    request: &HttpRequest,
    timeout: Duration,
) -> Result<Sent, WorkerError> {
    exchange(request, None, timeout).await
}

async fn exchange(
    request: &HttpRequest,
    signal: Option<AbortSignal>,
    timeout: Duration,
) -> Result<Sent, WorkerError> {
    // Logged by the router: the query is left out, it can carry a token (Paysera's revocation).
    let endpoint = request.url.split('?').next().unwrap_or_default().to_owned();
    let unreachable = {
        let endpoint = endpoint.clone();
        move |e: worker::Error| WorkerError::Unreachable(format!("{endpoint}: {e}"))
    };
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(&unreachable)?;
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
    let outgoing = Request::new_with_init(&request.url, &init).map_err(&unreachable)?;
    let pending: Pending = Box::pin(async move {
        let fetch = Fetch::Request(outgoing);
        let answer = async {
            let response = match &signal {
                Some(signal) => fetch.send_with_signal(signal).await?,
                None => fetch.send().await?,
            };
            let status = response.status_code();
            let headers = response.headers().entries().collect();
            let body = crate::body::response_bytes(response).await?;
            Ok::<_, worker::Error>(HttpResponse {
                status,
                headers,
                body,
            })
        };
        answer.await.map_err(unreachable)
    });
    match select(pending, pin!(Delay::from(timeout))).await {
        Either::Left((answer, _)) => answer.map(Sent::Answered),
        Either::Right(((), pending)) => Ok(Sent::Late {
            error: WorkerError::Unreachable(format!(
                "{endpoint}: no answer within {} ms (UPSTREAM_TIMEOUT_MS)",
                timeout.as_millis()
            )),
            pending,
        }),
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
