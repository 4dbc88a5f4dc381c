use serde_json::{Map, Value};

use crate::http::{HttpRequest, Method};
use crate::provider::{signing, BodyEncoding, ClientAuth, ProviderConfig};
use crate::secret::{AuthorizationCode, ClientSecret, Redacted, RefreshToken, SigningKey};
use crate::{b64, form, UnixTime};

/// Time and randomness for requests that are signed (MAC client authentication), drawn by the
/// shell.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext {
    /// Now, in UNIX seconds.
    pub now: UnixTime,
    /// 32 random bytes (the nonce is made from them).
    pub entropy: [u8; 32],
}

/// A grant presented at the token endpoint. Its `Debug` prints no code, verifier, token or
/// password.
pub enum Grant<'a> {
    /// `authorization_code` (RFC 6749 §4.1.3) with the PKCE `code_verifier` (RFC 7636 §4.5).
    AuthorizationCode {
        /// The code from the callback.
        code: &'a AuthorizationCode,
        /// The PKCE verifier, when PKCE is on.
        code_verifier: Option<&'a str>,
    },
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a RefreshToken,
    },
    /// `password` (RFC 6749 §4.3): only where the provider profile opts in.
    Password {
        /// The user's name.
        username: &'a str,
        /// The user's password.
        password: &'a str,
    },
    /// `client_credentials` (RFC 6749 §4.4): a token for the app itself.
    ClientCredentials,
}

impl core::fmt::Debug for Grant<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::AuthorizationCode {
                code,
                code_verifier,
            } => f
                .debug_struct("AuthorizationCode")
                .field("code", code)
                .field("code_verifier", &code_verifier.map(|_| Redacted))
                .finish(),
            Self::RefreshToken { refresh_token } => f
                .debug_struct("RefreshToken")
                .field("refresh_token", refresh_token)
                .finish(),
            Self::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &Redacted)
                .finish(),
            Self::ClientCredentials => f.write_str("ClientCredentials"),
        }
    }
}

impl Grant<'_> {
    fn params(&self, provider: &ProviderConfig, user: &Map<String, Value>) -> Vec<(String, Value)> {
        let names = &provider.dialect.grant_names;
        let mut params = Vec::new();
        let mut put = |k: &str, v: &str| params.push((k.to_owned(), Value::from(v)));
        match self {
            Self::AuthorizationCode {
                code,
                code_verifier,
            } => {
                put(&names.field, &names.authorization_code);
                put("code", code.expose());
                put("redirect_uri", &provider.redirect_uri);
                if let Some(v) = code_verifier.filter(|_| provider.dialect.pkce) {
                    put("code_verifier", v);
                }
            }
            Self::RefreshToken { refresh_token } => {
                put(&names.field, &names.refresh_token);
                put("refresh_token", refresh_token.expose());
                for (field, from) in &provider.dialect.refresh_params_from_user {
                    if let Some(v) = from.iter().find_map(|f| user.get(f)) {
                        params.push((field.clone(), v.clone()));
                    }
                }
            }
            Self::Password { username, password } => {
                put(&names.field, &names.password);
                put("username", username);
                put("password", password);
                params.extend(provider.dialect.password_params.iter().cloned());
            }
            Self::ClientCredentials => put(&names.field, &names.client_credentials),
        }
        params
    }
}

/// Builds the token request for `grant` with everything a dialect may need: the session's user
/// information (for refresh fields taken from it) and time and randomness (for MAC signing).
pub fn signed_token_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    grant: &Grant<'_>,
    user: &Map<String, Value>,
    ctx: &RequestContext,
) -> HttpRequest {
    let mut params = grant.params(provider, user);
    params.extend(provider.dialect.token_params.iter().cloned());
    if provider.dialect.send_scope && !provider.scope.is_empty() {
        params.push(("scope".into(), provider.scope.as_str().into()));
    }
    let mut req = client_request(provider, secret, &provider.token_endpoint, params);
    sign_as_client(provider, secret, &mut req, ctx);
    req
}

/// Adds the MAC signature of the client when the provider authenticates clients that way.
pub fn sign_as_client(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    req: &mut HttpRequest,
    ctx: &RequestContext,
) {
    if provider.client_auth == ClientAuth::Mac {
        let key = SigningKey::new(secret.expose());
        let nonce = signing::nonce_from_entropy(&ctx.entropy);
        signing::sign_mac(req, &provider.client_id, &key, ctx.now, &nonce);
    }
}

/// A POST to `url` with `params` in the provider's body encoding, plus client authentication
/// (shared by the token and revocation endpoints).
pub fn client_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    url: &str,
    mut params: Vec<(String, Value)>,
) -> HttpRequest {
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    match provider.client_auth {
        ClientAuth::ClientSecretBasic => {
            // §2.3.1: id and secret are form-encoded before Basic's base64.
            let (mut id, mut pw) = (String::new(), String::new());
            form::encode(&provider.client_id, &mut id);
            form::encode(secret.expose(), &mut pw);
            let basic = b64::std_encode(format!("{id}:{pw}").as_bytes());
            headers.push(("Authorization".to_owned(), format!("Basic {basic}")));
        }
        ClientAuth::ClientSecretPost => {
            params.push(("client_id".into(), provider.client_id.as_str().into()));
            params.push(("client_secret".into(), secret.expose().into()));
        }
        ClientAuth::None => params.push(("client_id".into(), provider.client_id.as_str().into())),
        // Signed after the body is final (see `sign_as_client`).
        ClientAuth::Mac => {}
    }
    let encoding = provider.dialect.token_body;
    headers.push((
        "Content-Type".to_owned(),
        encoding.content_type().to_owned(),
    ));
    let body = match encoding {
        BodyEncoding::Form => {
            let texts: Vec<(String, String)> = params
                .into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, text)
                })
                .collect();
            form::serialize(texts.iter().map(|(k, v)| (k.as_str(), v.as_str()))).into_bytes()
        }
        BodyEncoding::Json => {
            let map: serde_json::Map<String, Value> = params.into_iter().collect();
            serde_json::to_vec(&map).unwrap_or_default()
        }
    };
    HttpRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    /// [`signed_token_request`] with no user information, at time 0 with zero entropy: only for
    /// profiles that do not sign (a MAC signature would reuse one nonce).
    fn token_request(
        provider: &ProviderConfig,
        secret: &ClientSecret,
        grant: &Grant<'_>,
    ) -> HttpRequest {
        assert_ne!(
            provider.client_auth,
            ClientAuth::Mac,
            "use signed_token_request"
        );
        let ctx = RequestContext {
            now: 0,
            entropy: [0; 32],
        };
        signed_token_request(provider, secret, grant, &Map::new(), &ctx)
    }

    fn body(r: &HttpRequest) -> &str {
        core::str::from_utf8(&r.body).unwrap()
    }

    /// RFC 6749 §4.1.3's example request, plus PKCE, with §2.3.1 Basic authentication
    /// (`czZCaGRSa3F0MzpnWDFmQmF0M2JW` is `s6BhdRkqt3:gX1fBat3bV`).
    #[test]
    fn rfc6749_authorization_code_request() {
        let req = token_request(
            &standard(),
            &ClientSecret::new("gX1fBat3bV"),
            &Grant::AuthorizationCode {
                code: &AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"),
                code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            },
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://as.example/token");
        assert_eq!(
            req.header("authorization"),
            Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
        );
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            body(&req),
            "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
             &redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb\
             &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    /// RFC 6749 §6's example refresh request.
    #[test]
    fn rfc6749_refresh_request() {
        let rt = RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA");
        let req = token_request(
            &standard(),
            &ClientSecret::new("gX1fBat3bV"),
            &Grant::RefreshToken { refresh_token: &rt },
        );
        assert_eq!(
            body(&req),
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"
        );
    }

    #[test]
    fn basic_auth_form_encodes_id_and_secret() {
        let mut p = standard();
        p.client_id = "a b:c".into();
        let req = token_request(
            &p,
            &ClientSecret::new("p&ss"),
            &Grant::AuthorizationCode {
                code: &AuthorizationCode::new("x"),
                code_verifier: None,
            },
        );
        // "a+b%3Ac:p%26ss"
        assert_eq!(
            req.header("authorization"),
            Some("Basic YStiJTNBYzpwJTI2c3M=")
        );
    }

    #[test]
    fn client_secret_post_and_json_body() {
        let mut p = standard();
        p.client_auth = ClientAuth::ClientSecretPost;
        p.dialect.token_body = BodyEncoding::Json;
        p.dialect.token_params = vec![("merchantId".into(), Value::from(777777))];
        let rt = RefreshToken::new("r1");
        let req = token_request(
            &p,
            &ClientSecret::new("s3"),
            &Grant::RefreshToken { refresh_token: &rt },
        );
        assert_eq!(req.header("authorization"), None);
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(
            body(&req),
            r#"{"grant_type":"refresh_token","refresh_token":"r1","merchantId":777777,"client_id":"s6BhdRkqt3","client_secret":"s3"}"#
        );
    }

    #[test]
    fn pkce_off_drops_the_verifier() {
        let mut p = standard();
        p.dialect.pkce = false;
        p.client_auth = ClientAuth::None;
        let req = token_request(
            &p,
            &ClientSecret::new(""),
            &Grant::AuthorizationCode {
                code: &AuthorizationCode::new("c"),
                code_verifier: Some("v"),
            },
        );
        assert_eq!(
            body(&req),
            "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&client_id=s6BhdRkqt3"
        );
    }

    #[test]
    fn password_and_client_credentials_grants() {
        let rt = RefreshToken::new("unused");
        let _ = rt;
        let req = token_request(
            &standard(),
            &ClientSecret::new("gX1fBat3bV"),
            &Grant::Password {
                username: "johndoe",
                password: "A3ddj3w",
            },
        );
        // RFC 6749 §4.3.2's example body.
        assert_eq!(
            body(&req),
            "grant_type=password&username=johndoe&password=A3ddj3w"
        );
        let req = token_request(
            &standard(),
            &ClientSecret::new("s"),
            &Grant::ClientCredentials,
        );
        // RFC 6749 §4.4.2's example body.
        assert_eq!(body(&req), "grant_type=client_credentials");
    }

    #[test]
    fn grant_debug_prints_no_secret() {
        let code = AuthorizationCode::new("code-SECRET-1");
        let rt = RefreshToken::new("rt-SECRET-2");
        for grant in [
            Grant::AuthorizationCode {
                code: &code,
                code_verifier: Some("verifier-SECRET-3"),
            },
            Grant::RefreshToken { refresh_token: &rt },
            Grant::Password {
                username: "johndoe",
                password: "pw-SECRET-4",
            },
            Grant::ClientCredentials,
        ] {
            let printed = format!("{grant:?}");
            assert!(!printed.contains("SECRET"), "{printed}");
        }
        let printed = format!(
            "{:?}",
            Grant::Password {
                username: "johndoe",
                password: "pw-SECRET-4",
            }
        );
        assert_eq!(
            printed,
            r#"Password { username: "johndoe", password: [redacted] }"#
        );
    }

    #[test]
    fn grant_names_send_scope_and_refresh_fields_from_the_user() {
        let mut p = standard();
        p.client_auth = ClientAuth::None;
        p.dialect.token_body = BodyEncoding::Json;
        p.dialect.grant_names.field = "response_type".into();
        p.dialect.grant_names.refresh_token = "refresh".into();
        p.dialect.refresh_params_from_user =
            vec![("username".into(), vec!["username".into(), "user_id".into()])];
        let user: Map<String, Value> = serde_json::from_str(r#"{"user_id":"john"}"#).unwrap();
        let rt = RefreshToken::new("r");
        let ctx = RequestContext {
            now: 0,
            entropy: [0; 32],
        };
        let req = signed_token_request(
            &p,
            &ClientSecret::new(""),
            &Grant::RefreshToken { refresh_token: &rt },
            &user,
            &ctx,
        );
        assert_eq!(
            body(&req),
            r#"{"response_type":"refresh","refresh_token":"r","username":"john","client_id":"s6BhdRkqt3"}"#
        );
        p.dialect.send_scope = true;
        let req = signed_token_request(
            &p,
            &ClientSecret::new(""),
            &Grant::ClientCredentials,
            &user,
            &ctx,
        );
        assert!(body(&req).contains(r#""scope":"openid profile offline_access""#));
    }

    #[test]
    fn mac_client_authentication_signs_the_final_body() {
        let mut p = standard();
        p.client_auth = ClientAuth::Mac;
        p.client_id = "wkVd93h2uS".into();
        p.token_endpoint = "https://wallet.paysera.com/oauth/v1/token".into();
        p.redirect_uri = "http://localhost/abc".into();
        p.dialect.pkce = false;
        let ctx = RequestContext {
            now: 1343811600,
            entropy: [7; 32],
        };
        let req = signed_token_request(
            &p,
            &ClientSecret::new("IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU"),
            &Grant::AuthorizationCode {
                code: &AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"),
                code_verifier: Some("v"),
            },
            &Map::new(),
            &ctx,
        );
        assert_eq!(body(&req), "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=http%3A%2F%2Flocalhost%2Fabc");
        let auth = req.header("authorization").unwrap();
        assert!(
            auth.starts_with(r#"MAC id="wkVd93h2uS", ts="1343811600", nonce=""#),
            "{auth}"
        );
        assert!(
            auth.ends_with(r#"ext="body_hash=IftzxAtYliLQx46c2JAPidlHKqck0OXD7KmsHNnSptU%3D""#),
            "{auth}"
        );
        assert!(!body(&req).contains("client_secret"));
    }
}
