//! Authenticating a request to a protected resource with an access token: `Authorization:
//! Bearer` ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)), or for a MAC
//! token (Paysera's) a MAC signature with `id` = the access token and the token's own key. The one
//! function the Worker's API proxy and the userinfo request both use.
use crate::http::HttpRequest;
use crate::provider::signing::{nonce_from_entropy, sign_mac};
use crate::secret::{AccessToken, SigningKey};
use crate::token::RequestContext;

/// Why a request could not be authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsignableUrl;

/// Replaces any `Authorization` header of `request` with the token's: Bearer, or a MAC signature
/// (fresh `ts` and nonce from `ctx`) when the token has a MAC key.
pub fn authorize_request(
    request: &mut HttpRequest,
    token: &AccessToken,
    mac_key: Option<&SigningKey>,
    ctx: &RequestContext,
) -> Result<(), UnsignableUrl> {
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    match mac_key {
        None => {
            request
                .headers
                .push(("Authorization".into(), format!("Bearer {}", token.expose())));
            Ok(())
        }
        Some(key) => {
            let nonce = nonce_from_entropy(&ctx.entropy);
            if sign_mac(request, token.expose(), key, ctx.now, &nonce) {
                Ok(())
            } else {
                Err(UnsignableUrl)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::http::Method;

    fn ctx() -> RequestContext {
        RequestContext {
            now: 1343811600,
            entropy: [3; 32],
        }
    }

    fn get(url: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers: vec![("authorization".into(), "Bearer from-the-page".into())],
            body: Vec::new(),
        }
    }

    #[test]
    fn bearer_replaces_any_authorization() {
        let mut req = get("https://api.example/x");
        authorize_request(&mut req, &AccessToken::new("at-1"), None, &ctx()).unwrap();
        assert_eq!(
            req.headers,
            [("Authorization".to_owned(), "Bearer at-1".to_owned())]
        );
    }

    #[test]
    fn mac_tokens_are_signed_with_their_own_key() {
        let mut req = get("https://wallet.paysera.com/rest/v1/user/me");
        let key = SigningKey::new("adijq39jdlaska9asud");
        authorize_request(
            &mut req,
            &AccessToken::new("SlAV32hkKG"),
            Some(&key),
            &ctx(),
        )
        .unwrap();
        let auth = req.header("authorization").unwrap();
        let nonce = nonce_from_entropy(&[3; 32]);
        assert!(
            auth.starts_with(&format!(
                r#"MAC id="SlAV32hkKG", ts="1343811600", nonce="{nonce}", mac=""#
            )),
            "{auth}"
        );
        assert!(!auth.contains("adijq39jdlaska9asud"));
        assert_eq!(req.headers.len(), 1);
    }
}
