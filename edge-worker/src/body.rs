//! Reading a request body with a ceiling (issue 6, finding 5): a body larger than the limit is
//! refused with `413 body_too_large` — from its `Content-Length` before a byte is read, or, for a
//! chunked body without one, as soon as what has arrived passes the limit. Nothing larger is ever
//! held in memory.
use futures_util::StreamExt;
use worker::Request;

use crate::error::WorkerError;

/// Whether a declared `Content-Length` is already over `limit` (an unreadable one is left to the
/// streaming check).
pub(crate) fn declared_too_large(content_length: Option<&str>, limit: usize) -> bool {
    content_length
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|len| len > limit as u64)
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
