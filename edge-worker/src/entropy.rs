//! Randomness for the shell: session ids and GCM nonces. Drawn from the runtime's CSPRNG
//! (`crypto.getRandomValues` on Workers, through `getrandom`'s `wasm_js` backend) and handed to
//! the pure code as bytes. The routes draw theirs through [`crate::effects::Randomness`]; the
//! Durable Objects call this directly.
use crate::error::WorkerError;

/// Fills `out` with random bytes.
pub(crate) fn fill(out: &mut [u8]) -> Result<(), WorkerError> {
    getrandom::fill(out).map_err(|e| WorkerError::Internal(format!("no randomness available: {e}")))
}

/// `N` random bytes.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], WorkerError> {
    let mut bytes = [0u8; N];
    fill(&mut bytes)?;
    Ok(bytes)
}
