//! Token revocation ([RFC 7009 §2.1](https://www.rfc-editor.org/rfc/rfc7009#section-2.1)).
use crate::http::HttpRequest;
use crate::provider::ProviderConfig;
use crate::secret::{ClientSecret, RefreshToken};
use crate::token::client_request;

/// The request revoking `refresh_token` (and, per §2.1, the access tokens of the same grant), or
/// `None` when the provider has no revocation endpoint.
pub fn revocation_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    refresh_token: &RefreshToken,
) -> Option<HttpRequest> {
    let url = provider.revocation_endpoint.as_deref()?;
    let params = vec![
        ("token".to_owned(), refresh_token.expose().into()),
        ("token_type_hint".to_owned(), "refresh_token".into()),
    ];
    Some(client_request(provider, secret, url, params))
}

/// Whether the revocation endpoint's answer means the token is gone: §2.2 says 200 on success,
/// and an invalid (already revoked) token also answers 200.
pub fn revoked(status: u16) -> bool {
    status == 200
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    /// RFC 7009 §2.1's example request.
    #[test]
    fn rfc7009_request() {
        let req = revocation_request(
            &standard(),
            &ClientSecret::new("gX1fBat3bV"),
            &RefreshToken::new("45ghiukldjahdnhzdauz"),
        )
        .unwrap();
        assert_eq!(req.url, "https://as.example/revoke");
        assert_eq!(
            req.header("authorization"),
            Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
        );
        assert_eq!(
            req.body,
            b"token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token".to_vec()
        );
        assert!(revoked(200));
        assert!(!revoked(503));
    }

    #[test]
    fn no_endpoint_no_request() {
        let mut p = standard();
        p.revocation_endpoint = None;
        assert!(revocation_request(&p, &ClientSecret::new("s"), &RefreshToken::new("r")).is_none());
    }
}
