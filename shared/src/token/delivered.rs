//! Tokens that a provider appends to the redirect URI (`Delivery::RedirectTokens`) arrive from
//! the browser — so from anyone: a script can call the callback with `access_token=x&user_id=admin`.
//! Before a session is made of them they are confirmed with the provider (issue 6, finding 3),
//! the way the profile's [`TokenCheck`] says:
//!
//! - [`TokenCheck::Refresh`]: a refresh grant with the delivered refresh token and the claimed
//!   user. The provider answers tokens only when the refresh token is real *and* that user's, so
//!   its success proves both; its tokens replace the delivered ones.
//! - [`TokenCheck::Userinfo`]: the userinfo endpoint with the delivered access token; the user is
//!   what the provider answers, the claimed user id is dropped.
//!
//! Pure: [`confirmation_request`] builds the request, [`confirmed`] reads the answer.
use serde_json::{Map, Value};

use crate::error::{ErrorCode, ProviderError};
use crate::http::{HttpRequest, HttpResponse};
use crate::provider::{Delivery, ProviderConfig, TokenCheck};
use crate::secret::ClientSecret;
use crate::token::{parse_token_response, signed_token_request, Grant, RequestContext};
use crate::token::{TokenError, TokenSet};
use crate::userinfo::{parse_userinfo, userinfo_request};

fn check_of(provider: &ProviderConfig) -> Result<TokenCheck, TokenError> {
    match &provider.dialect.delivery {
        Delivery::RedirectTokens { verify, .. } => Ok(*verify),
        Delivery::Code { .. } => Err(TokenError::InvalidField { field: "delivery" }),
    }
}

/// The request that confirms `delivered` (claimed to belong to `claimed_user`) with the provider.
pub fn confirmation_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    delivered: &TokenSet,
    claimed_user: &Map<String, Value>,
    ctx: &RequestContext,
) -> Result<HttpRequest, TokenError> {
    match check_of(provider)? {
        TokenCheck::Refresh => {
            let refresh_token =
                delivered
                    .refresh_token
                    .as_ref()
                    .ok_or(TokenError::InvalidField {
                        field: "refresh_token",
                    })?;
            Ok(signed_token_request(
                provider,
                secret,
                &Grant::RefreshToken { refresh_token },
                claimed_user,
                ctx,
            ))
        }
        TokenCheck::Userinfo => {
            userinfo_request(provider, &delivered.access_token).ok_or(TokenError::InvalidField {
                field: "userinfo_endpoint",
            })
        }
    }
}

/// The confirmed tokens and user, from the provider's `answer` to [`confirmation_request`]; a
/// refusal is the provider's error (a [`TokenError::Provider`]), and nothing of the delivered
/// values is kept.
pub fn confirmed(
    provider: &ProviderConfig,
    delivered: TokenSet,
    claimed_user: Map<String, Value>,
    answer: &HttpResponse,
) -> Result<(TokenSet, Map<String, Value>), TokenError> {
    match check_of(provider)? {
        TokenCheck::Refresh => {
            let mut tokens = parse_token_response(provider, answer)?;
            // The document's refresh token "stays the same": keep it when the answer omits it.
            if tokens.refresh_token.is_none() {
                tokens.refresh_token = delivered.refresh_token;
            }
            Ok((tokens, claimed_user))
        }
        TokenCheck::Userinfo => match parse_userinfo(answer) {
            Some(claims) => Ok((delivered, claims)),
            None if (500..600).contains(&answer.status) => Err(TokenError::Unavailable {
                status: answer.status,
            }),
            None => Err(TokenError::Provider {
                status: answer.status,
                error: ProviderError {
                    error: ErrorCode::Other("invalid_token".into()),
                    error_description: Some(
                        "the provider did not accept the delivered access token".into(),
                    ),
                    error_uri: None,
                },
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::catalog::providers_from_json;
    use crate::token::parse_redirect_tokens;

    fn sso() -> ProviderConfig {
        let json = r#"{"sso": {"profile": "plain-sso", "authorization_endpoint": "https://sso.example/login",
            "token_endpoint": "https://sso.example/token", "client_id": "cid",
            "redirect_uri": "https://app.example/auth/callback/sso"}}"#;
        providers_from_json(serde_json::from_str(json).unwrap())
            .unwrap()
            .remove(0)
            .1
    }

    fn ctx() -> RequestContext {
        RequestContext {
            now: 1_700_000_000,
            entropy: [0; 32],
        }
    }

    fn json_answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    const FORGED: &str = "access_token=x&refresh_token=r-1&expiration=1800000000&user_id=admin";

    /// Document 004: the refresh request carries the claimed user name and the delivered refresh
    /// token, so the provider checks that one belongs to the other.
    #[test]
    fn refresh_check_sends_the_claimed_user_and_refresh_token() {
        let p = sso();
        let (tokens, user) = parse_redirect_tokens(&p, FORGED).unwrap();
        let req = confirmation_request(&p, &ClientSecret::new(""), &tokens, &user, &ctx()).unwrap();
        assert_eq!(req.url, "https://sso.example/token");
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["username"], "admin");
        assert_eq!(body["refresh_token"], "r-1");
        assert_eq!(body["response_type"], "refresh");
        assert_eq!(body["client_id"], "cid");
    }

    /// Issue 6, finding 3: a forged redirect ends in the provider's refusal, nothing kept.
    #[test]
    fn a_refused_check_is_the_providers_error() {
        let p = sso();
        let (tokens, user) = parse_redirect_tokens(&p, FORGED).unwrap();
        let refused = json_answer(
            401,
            r#"{"access_token":null,"refresh_token":null,"expiration":null,"status_code":401,"error":"invalid refresh token","success":false}"#,
        );
        let err = confirmed(&p, tokens, user, &refused).unwrap_err();
        assert!(matches!(err, TokenError::Provider { .. }), "{err:?}");
    }

    #[test]
    fn a_confirmed_check_gives_the_providers_tokens_and_keeps_the_refresh_token() {
        let p = sso();
        let (tokens, user) = parse_redirect_tokens(&p, FORGED).unwrap();
        let ok = json_answer(
            200,
            r#"{"access_token":"a-2","refresh_token":"r-1","expiration":1800000100,"status_code":201,"error":null,"success":true}"#,
        );
        let (set, user) = confirmed(&p, tokens, user, &ok).unwrap();
        assert_eq!(set.access_token.expose(), "a-2");
        assert_eq!(set.refresh_token.unwrap().expose(), "r-1");
        assert_eq!(user["user_id"], "admin");
    }

    #[test]
    fn userinfo_check_takes_the_user_from_the_provider() {
        let mut p = sso();
        p.userinfo_endpoint = Some("https://sso.example/me".into());
        if let Delivery::RedirectTokens { verify, .. } = &mut p.dialect.delivery {
            *verify = TokenCheck::Userinfo;
        }
        let (tokens, user) = parse_redirect_tokens(&p, FORGED).unwrap();
        let req = confirmation_request(&p, &ClientSecret::new(""), &tokens, &user, &ctx()).unwrap();
        assert_eq!(req.url, "https://sso.example/me");
        assert_eq!(req.header("authorization"), Some("Bearer x"));
        let (_, who) = confirmed(
            &p,
            tokens.clone(),
            user.clone(),
            &json_answer(200, r#"{"sub":"alice"}"#),
        )
        .unwrap();
        assert_eq!(who.get("user_id"), None, "the claimed id is dropped");
        assert_eq!(who["sub"], "alice");
        let err = confirmed(&p, tokens, user, &json_answer(401, "{}")).unwrap_err();
        assert!(matches!(err, TokenError::Provider { status: 401, .. }));
    }

    #[test]
    fn code_providers_have_no_delivered_tokens() {
        let p = crate::provider::tests::standard();
        let tokens = TokenSet {
            access_token: crate::secret::AccessToken::new("a"),
            token_type: crate::token::TokenType::Bearer,
            expires_in: None,
            expires_at: None,
            mac_key: None,
            refresh_token: None,
            scope: None,
            id_token: None,
            extra: Map::new(),
        };
        assert!(
            confirmation_request(&p, &ClientSecret::new(""), &tokens, &Map::new(), &ctx()).is_err()
        );
    }
}
