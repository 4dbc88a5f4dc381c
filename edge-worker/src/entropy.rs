//! Randomness for the shell: session ids and GCM nonces. Drawn from the runtime's CSPRNG
//! (`crypto.getRandomValues` on Workers, through `getrandom`'s `wasm_js` backend) and handed to
//! the pure code as bytes.
use crate::error::WorkerError;

/// `N` random bytes.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], WorkerError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| WorkerError::Internal(format!("no randomness available: {e}")))?;
    Ok(bytes)
}
