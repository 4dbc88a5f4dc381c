//! The authorization request ([RFC 6749 §4.1.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1),
//! PKCE parameters from [RFC 7636 §4.3](https://www.rfc-editor.org/rfc/rfc7636#section-4.3)).
use crate::form;
use crate::pkce::CodeChallenge;
use crate::provider::ProviderConfig;

/// The URL to send the browser to, at the default authorization endpoint (`variant: None`) or a
/// named variant of it (e.g. a locale). `code_challenge` is an S256 challenge (validated by the
/// caller as base64url of 32 bytes); it is left out only when the provider's dialect turns PKCE
/// off.
pub fn authorization_url_for(
    provider: &ProviderConfig,
    variant: Option<&str>,
    state: &str,
    code_challenge: &str,
) -> String {
    form::append_query(
        provider.authorization_endpoint_for(variant),
        authorization_params(provider, state, code_challenge),
    )
}

/// The parameters of the authorization request, in order (for the URL, or for a pushed
/// authorization request's body, RFC 9126 §2.1).
pub fn authorization_params<'a>(
    provider: &'a ProviderConfig,
    state: &'a str,
    code_challenge: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &provider.client_id),
        ("redirect_uri", &provider.redirect_uri),
    ];
    if !provider.scope.is_empty() {
        pairs.push(("scope", &provider.scope));
    }
    pairs.push(("state", state));
    if provider.dialect.pkce {
        pairs.push(("code_challenge", code_challenge));
        pairs.push(("code_challenge_method", CodeChallenge::METHOD));
    }
    for (k, v) in &provider.authorization_params {
        pairs.push((k, v));
    }
    pairs
}

/// Whether `challenge` looks like an S256 challenge: base64url of a SHA-256 digest (43 chars).
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    #[test]
    fn standard_authorization_url() {
        let url = authorization_url_for(
            &standard(),
            None,
            "af0ifjsldkj",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        );
        assert_eq!(
            url,
            "https://as.example/authorize?response_type=code&client_id=s6BhdRkqt3\
             &redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&scope=openid+profile+offline_access\
             &state=af0ifjsldkj&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
             &code_challenge_method=S256"
        );
    }

    #[test]
    fn challenge_shape() {
        assert!(is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_s256_challenge("plain-verifier"));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }
}
