//! Reading a request body with a ceiling (issue 6, finding 5): a body larger than the limit is
//! refused with `413 body_too_large` — from its `Content-Length` before a byte is read, or, for a
//! chunked body without one, as soon as what has arrived passes the limit. Nothing larger is ever
//! held in memory.
//!
//! Also the one-call read of a whole response body ([`response_bytes`]).
//!
//! Why two ways of reading: a body read as a Rust stream (workers-rs `ByteStream`) costs a reader
//! call, a promise and a copy per chunk, plus the reader's lock and release — a few per cent of
//! the CPU of a refresh, which reads three bodies (bench/worker/README.md, "Profile"). The
//! runtime's own `arrayBuffer()` reads a body in one call. A body whose `Content-Length` is
//! declared is therefore read that way: the runtime frames a request by that length (HTTP/1.1
//! framing; HTTP/2 and HTTP/3 treat a body of another length as malformed, RFC 9113 §8.1.1), so
//! no more than it can arrive — and the length is checked again after the read. Only a body
//! without a length (chunked) is streamed, so that it can be cut off at the limit.
use futures_util::StreamExt;
use wasm_bindgen_futures::JsFuture;
use worker::Request;

use crate::error::WorkerError;

/// Whether a declared `Content-Length` is already over `limit` (an unreadable one is left to the
/// streaming check).
pub(crate) fn declared_too_large(content_length: Option<&str>, limit: usize) -> bool {
    declared(content_length).is_some_and(|len| len > limit as u64)
}

/// A readable `Content-Length`.
fn declared(content_length: Option<&str>) -> Option<u64> {
    content_length.and_then(|v| v.trim().parse::<u64>().ok())
}

/// The whole body of `response` (a provider's answer, a Durable Object's), read by the runtime in
/// one `arrayBuffer()` call. No ceiling: these answers come from the Worker's own objects and
/// configured providers.
pub(crate) async fn response_bytes(response: worker::Response) -> worker::Result<Vec<u8>> {
    let response = worker::web_sys::Response::from(response);
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The whole body of `req`, at most `limit` bytes.
pub(crate) async fn read(req: &mut Request, limit: usize) -> Result<Vec<u8>, WorkerError> {
    let length = req.headers().get("Content-Length").ok().flatten();
    if declared_too_large(length.as_deref(), limit) {
        return Err(WorkerError::BodyTooLarge { limit });
    }
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let unreadable = |e: worker::Error| WorkerError::BadRequest(format!("unreadable body: {e}"));
    if declared(length.as_deref()).is_some() {
        let body = req.bytes().await.map_err(unreadable)?;
        if body.len() > limit {
            return Err(WorkerError::BodyTooLarge { limit });
        }
        return Ok(body);
    }
    let mut stream = req.stream().map_err(unreadable)?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if body.len() + chunk.len() > limit {
            return Err(WorkerError::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths() {
        assert!(!declared_too_large(None, 10));
        assert!(!declared_too_large(Some("10"), 10));
        assert!(declared_too_large(Some("11"), 10));
        assert!(declared_too_large(Some(" 99999999999999 "), 10));
        // Unreadable: counted while streaming instead.
        assert!(!declared_too_large(Some("lots"), 10));
        assert!(!declared_too_large(Some("-1"), 10));
    }
}
