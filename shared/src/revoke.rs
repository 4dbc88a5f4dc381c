//! Token revocation ([RFC 7009 §2.1](https://www.rfc-editor.org/rfc/rfc7009#section-2.1)).
use crate::form;
use crate::http::{HttpRequest, Method};
use crate::provider::{ProviderConfig, Revocation};
use crate::secret::{AccessToken, ClientSecret, RefreshToken};
use crate::session::SessionRecord;
use crate::token::{client_request, sign_as_client, RequestContext};

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

/// The request revoking a session's grant the provider's way: RFC 7009 with the refresh token
/// (or the access token when there is none), or `DELETE <endpoint>?access_token=…`; signed when
/// the provider authenticates clients with a MAC. `None` without a revocation endpoint.
pub fn session_revocation_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    session: &SessionRecord,
    ctx: &RequestContext,
) -> Option<HttpRequest> {
    let url = provider.revocation_endpoint.as_deref()?;
    let mut req = match provider.dialect.revocation {
        Revocation::Rfc7009 => match &session.refresh_token {
            Some(rt) => revocation_request(provider, secret, rt)?,
            None => access_token_revocation(provider, secret, url, &session.access_token),
        },
        Revocation::DeleteAccessToken => HttpRequest {
            method: Method::Delete,
            url: form::append_query(url, [("access_token", session.access_token.expose())]),
            headers: Vec::new(),
            body: Vec::new(),
        },
    };
    sign_as_client(provider, secret, &mut req, ctx);
    Some(req)
}

/// The second request of a logout at an RFC 7009 provider: the access token too, when the first
/// ([`session_revocation_request`]) revoked the refresh token. RFC 7009 §2.1 lets a server keep
/// the grant's access tokens alive after its refresh token is revoked ("MAY"), so oauth-edge asks
/// for both. `None` when the first request already named the access token, or the provider
/// revokes another way, or has no endpoint.
pub fn access_token_revocation_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    session: &SessionRecord,
    ctx: &RequestContext,
) -> Option<HttpRequest> {
    let url = provider.revocation_endpoint.as_deref()?;
    if provider.dialect.revocation != Revocation::Rfc7009 || session.refresh_token.is_none() {
        return None;
    }
    let mut req = access_token_revocation(provider, secret, url, &session.access_token);
    sign_as_client(provider, secret, &mut req, ctx);
    Some(req)
}

fn access_token_revocation(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    url: &str,
    token: &AccessToken,
) -> HttpRequest {
    let params = vec![
        ("token".to_owned(), token.expose().into()),
        ("token_type_hint".to_owned(), "access_token".into()),
    ];
    client_request(provider, secret, url, params)
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

    /// Issue 6, finding 7: a logout revokes the access token too.
    #[test]
    fn logout_revokes_the_access_token_as_well() {
        use crate::token::{TokenSet, TokenType};
        let tokens = |refresh: Option<&str>| TokenSet {
            access_token: AccessToken::new("at-1"),
            token_type: TokenType::Bearer,
            expires_in: Some(60),
            expires_at: None,
            mac_key: None,
            refresh_token: refresh.map(RefreshToken::new),
            scope: None,
            id_token: None,
            extra: Default::default(),
        };
        let ctx = RequestContext {
            now: 0,
            entropy: [0; 32],
        };
        let secret = ClientSecret::new("gX1fBat3bV");
        let both = SessionRecord::new("d", tokens(Some("rt-1")), Default::default(), 0);
        let first = session_revocation_request(&standard(), &secret, &both, &ctx).unwrap();
        assert_eq!(first.body, b"token=rt-1&token_type_hint=refresh_token");
        let second = access_token_revocation_request(&standard(), &secret, &both, &ctx).unwrap();
        assert_eq!(second.url, "https://as.example/revoke");
        assert_eq!(second.body, b"token=at-1&token_type_hint=access_token");
        assert!(second
            .header("authorization")
            .unwrap()
            .starts_with("Basic "));
        // Without a refresh token the first request already named the access token.
        let access_only = SessionRecord::new("d", tokens(None), Default::default(), 0);
        let first = session_revocation_request(&standard(), &secret, &access_only, &ctx).unwrap();
        assert_eq!(first.body, b"token=at-1&token_type_hint=access_token");
        assert!(
            access_token_revocation_request(&standard(), &secret, &access_only, &ctx).is_none()
        );
        let mut delete = standard();
        delete.dialect.revocation = Revocation::DeleteAccessToken;
        assert!(access_token_revocation_request(&delete, &secret, &both, &ctx).is_none());
    }

    #[test]
    fn no_endpoint_no_request() {
        let mut p = standard();
        p.revocation_endpoint = None;
        assert!(revocation_request(&p, &ClientSecret::new("s"), &RefreshToken::new("r")).is_none());
    }

    #[test]
    fn delete_style_revocation_is_mac_signed() {
        use crate::provider::ClientAuth;
        use crate::token::{TokenSet, TokenType};
        let mut p = standard();
        p.client_auth = ClientAuth::Mac;
        p.client_id = "wkVd93h2uS".into();
        p.revocation_endpoint = Some("https://wallet.paysera.com/oauth/v1/token".into());
        p.dialect.revocation = Revocation::DeleteAccessToken;
        let tokens = TokenSet {
            access_token: AccessToken::new("SlAV32hkKG"),
            token_type: TokenType::Mac,
            expires_in: Some(3600),
            expires_at: None,
            mac_key: Some(crate::secret::SigningKey::new("adijq39jdlaska9asud")),
            refresh_token: None,
            scope: None,
            id_token: None,
            extra: Default::default(),
        };
        let session = SessionRecord::new("paysera", tokens, Default::default(), 0);
        let ctx = RequestContext {
            now: 1343811600,
            entropy: [1; 32],
        };
        let req = session_revocation_request(
            &p,
            &ClientSecret::new("IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU"),
            &session,
            &ctx,
        )
        .unwrap();
        assert_eq!(req.method, Method::Delete);
        assert_eq!(
            req.url,
            "https://wallet.paysera.com/oauth/v1/token?access_token=SlAV32hkKG"
        );
        assert!(req
            .header("authorization")
            .unwrap()
            .starts_with(r#"MAC id="wkVd93h2uS", ts="1343811600""#));
        assert!(req.body.is_empty());
    }
}
