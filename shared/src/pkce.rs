//! PKCE with the S256 method ([RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)).
//!
//! The verifier is made from 32 caller-supplied random bytes (§4.1: base64url of a 32-octet
//! sequence gives 43 characters). The `plain` method is never produced.
use sha2::{Digest, Sha256};

use crate::b64;

/// A PKCE code verifier. Deliberately not `Clone`: one verifier serves one authorization request.
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Makes a verifier from 32 random bytes drawn by the caller.
    pub fn from_entropy(entropy: &[u8; 32]) -> Self {
        Self(b64::url_encode(entropy))
    }

    /// The verifier text sent to the token endpoint as `code_verifier`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 challenge: `BASE64URL(SHA256(ASCII(code_verifier)))` (§4.2).
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge(s256(&self.0))
    }
}

impl core::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

/// A PKCE code challenge, always of method `S256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// The challenge text sent as `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The method sent as `code_challenge_method`.
    pub const METHOD: &'static str = "S256";
}

fn s256(verifier: &str) -> String {
    b64::url_encode(&Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is a syntactically valid verifier (§4.1: 43–128 unreserved characters).
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is valid and hashes to `challenge` under S256, compared in constant time.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier) && constant_time_eq(s256(verifier).as_bytes(), challenge.as_bytes())
}

/// Compares two byte strings without an early exit on the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// RFC 7636 Appendix B.
    const APPENDIX_B_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = CodeVerifier::from_entropy(&APPENDIX_B_OCTETS);
        assert_eq!(v.as_str(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            v.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(CodeChallenge::METHOD, "S256");
    }

    #[test]
    fn verify_accepts_only_the_matching_verifier() {
        let v = CodeVerifier::from_entropy(&APPENDIX_B_OCTETS);
        let c = v.challenge();
        assert!(verify_s256(v.as_str(), c.as_str()));
        let other = CodeVerifier::from_entropy(&[7; 32]);
        assert!(!verify_s256(other.as_str(), c.as_str()));
        // `plain` would compare the verifier itself: never accepted.
        assert!(!verify_s256(v.as_str(), v.as_str()));
    }

    #[test]
    fn verifier_syntax() {
        assert!(!is_valid_verifier("short"));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(is_valid_verifier(&"a~._-".repeat(10)));
    }

    #[test]
    fn debug_redacts() {
        let v = CodeVerifier::from_entropy(&APPENDIX_B_OCTETS);
        assert_eq!(format!("{v:?}"), "CodeVerifier([redacted])");
    }
}
