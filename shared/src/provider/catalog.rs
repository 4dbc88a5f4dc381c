//! Built-in profiles of the documented providers (`shared/profiles/*.json`), and how an app's
//! configuration is laid over one.
//!
//! A configuration entry may name a profile (`"profile": "paysera"`); its keys are then merged
//! over the profile's: objects merge key by key, lists of `[name, value]` pairs merge by name,
//! anything else is replaced. Without `profile`, the entry is a standard OAuth 2.0 provider.
use serde_json::{Map, Value};

use super::{ConfigError, ProviderConfig};

/// The built-in profiles: name and JSON.
pub const PROFILES: &[(&str, &str)] = &[
    ("paytronix", include_str!("../../profiles/paytronix.json")),
    ("payoutid", include_str!("../../profiles/payoutid.json")),
    ("paysera", include_str!("../../profiles/paysera.json")),
    ("plain-sso", include_str!("../../profiles/plain-sso.json")),
];

/// Reads one provider entry of the configuration, applying its profile, and resolves it.
pub fn provider_from_json(entry: Value) -> Result<ProviderConfig, ConfigError> {
    let Value::Object(mut entry) = entry else {
        return Err(ConfigError("a provider entry must be a JSON object".into()));
    };
    let merged = match entry.remove("profile") {
        None => Value::Object(entry),
        Some(Value::String(name)) => {
            let (_, json) = PROFILES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                let known: Vec<&str> = PROFILES.iter().map(|(n, _)| *n).collect();
                ConfigError(format!(
                    "unknown profile `{name}` (known: {})",
                    known.join(", ")
                ))
            })?;
            let mut base: Value = serde_json::from_str(json)
                .map_err(|e| ConfigError(format!("profile `{name}`: {e}")))?;
            merge(&mut base, Value::Object(entry));
            base
        }
        Some(_) => return Err(ConfigError("`profile` must be a string".into())),
    };
    let config: ProviderConfig =
        serde_json::from_value(merged).map_err(|e| ConfigError(e.to_string()))?;
    config.resolve()
}

fn as_pairs(list: &[Value]) -> Option<Vec<(&str, &Value)>> {
    list.iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([Value::String(k), v]) => Some((k.as_str(), v)),
            _ => None,
        })
        .collect()
}

/// Merges `over` into `base` (see the module documentation).
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(o)) if as_pairs(b).is_some() && as_pairs(&o).is_some() => {
            for item in o {
                let key = item[0].clone();
                match b.iter_mut().find(|x| x[0] == key) {
                    Some(slot) => *slot = item,
                    None => b.push(item),
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Reads the whole `PROVIDERS` map: name → entry.
pub fn providers_from_json(all: Value) -> Result<Vec<(String, ProviderConfig)>, ConfigError> {
    let Value::Object(all) = all else {
        return Err(ConfigError(
            "PROVIDERS must be a JSON object of name → provider".into(),
        ));
    };
    let all: Map<String, Value> = all;
    if all.is_empty() {
        return Err(ConfigError("PROVIDERS names no provider".into()));
    }
    all.into_iter()
        .map(|(name, entry)| {
            provider_from_json(entry)
                .map(|p| (name.clone(), p))
                .map_err(|ConfigError(e)| ConfigError(format!("PROVIDERS.{name}: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::json;

    use super::*;
    use crate::authorize::authorization_url_for;
    use crate::http::{HttpResponse, Method};
    use crate::provider::signing;
    use crate::secret::{AccessToken, AuthorizationCode, ClientSecret, RefreshToken};
    use crate::session::SessionRecord;
    use crate::token::{
        parse_redirect_tokens, parse_token_response, signed_token_request, Grant, RequestContext,
        TokenType,
    };
    use crate::{b64, revoke};

    fn body(bytes: &[u8]) -> &str {
        core::str::from_utf8(bytes).unwrap()
    }
    fn as_json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }
    fn ctx() -> RequestContext {
        RequestContext {
            now: 1343811600,
            entropy: [0; 32],
        }
    }
    fn answer(body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn every_profile_parses() {
        for (name, _) in PROFILES {
            let p = provider_from_json(json!({
                "profile": name, "authorization_endpoint": "https://x/a", "token_endpoint": "https://x/t",
                "client_id": "c", "redirect_uri": "https://app/cb"
            }));
            assert!(p.is_ok(), "{name}: {p:?}");
        }
        let err = provider_from_json(json!({"profile": "nope"})).unwrap_err();
        assert!(err.0.contains("paytronix"), "{}", err.0);
        let err = providers_from_json(json!({"a": {"profile": "paysera"}})).unwrap_err();
        assert!(
            err.0.starts_with("PROVIDERS.a: ") && err.0.contains("client_id"),
            "{}",
            err.0
        );
    }

    fn paytronix() -> ProviderConfig {
        provider_from_json(json!({
            "profile": "paytronix",
            "authorization_endpoint": "https://myawesomesite.myguestaccount.com/guest/accountlogin",
            "token_endpoint": "https://api.example/rest/oauth/requestGuestToken.json",
            "client_id": "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK",
            "redirect_uri": "https://www.myawesomewebsite.com/login",
            "scope": "user_read user_write account_read account_write",
            "allow_password_grant": true,
            "dialect": { "token_params": [["merchantId", 777777]] }
        }))
        .unwrap()
    }

    /// Paytronix document 001, "To obtain an access token (log a user in)".
    #[test]
    fn paytronix_password_request_is_the_documents_body() {
        let p = paytronix();
        let req = signed_token_request(
            &p,
            &ClientSecret::new("654secretnx4"),
            &Grant::Password {
                username: "johndoe",
                password: "open456",
            },
            &Map::new(),
            &ctx(),
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("authorization"), None);
        assert_eq!(
            as_json(&req.body),
            json!({ "authentication": "anonymous", "client_id": "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK",
                    "client_secret": "654secretnx4", "merchantId": 777777, "grant_type": "password",
                    "scope": "user_read user_write account_read account_write", "username": "johndoe",
                    "password": "open456" })
        );
        assert_eq!(
            body(&req.body),
            r#"{"grant_type":"password","username":"johndoe","password":"open456","authentication":"anonymous","merchantId":777777,"scope":"user_read user_write account_read account_write","client_id":"3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK","client_secret":"654secretnx4"}"#
        );
    }

    /// Paytronix document 001, "To obtain a new access token for a logged in user", and its
    /// response; document 000 for the code grant.
    #[test]
    fn paytronix_refresh_code_and_response() {
        let p = paytronix();
        let rt = RefreshToken::new("r9vsdS4LUlnotarealrefreshtokenp9JrsJ8cb");
        let req = signed_token_request(
            &p,
            &ClientSecret::new("654secretnx4"),
            &Grant::RefreshToken { refresh_token: &rt },
            &Map::new(),
            &ctx(),
        );
        assert_eq!(
            as_json(&req.body),
            json!({ "authentication": "anonymous", "client_id": "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK",
                    "client_secret": "654secretnx4", "merchantId": 777777, "grant_type": "refresh_token",
                    "scope": "user_read user_write account_read account_write",
                    "refresh_token": "r9vsdS4LUlnotarealrefreshtokenp9JrsJ8cb" })
        );
        let req = signed_token_request(
            &p,
            &ClientSecret::new("654secretnx4"),
            &Grant::AuthorizationCode {
                code: &AuthorizationCode::new("APA91bFdV3CWmJpMors50gWwQqtmmwxYKpyy1"),
                code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            },
            &Map::new(),
            &ctx(),
        );
        // The document's fields, plus PKCE's `code_verifier` (issue 6, finding 10): document 000
        // does not forbid other parameters, so it is sent in case the provider checks it.
        assert_eq!(
            body(&req.body),
            r#"{"grant_type":"authorization_code","code":"APA91bFdV3CWmJpMors50gWwQqtmmwxYKpyy1","redirect_uri":"https://www.myawesomewebsite.com/login","code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","authentication":"anonymous","merchantId":777777,"scope":"user_read user_write account_read account_write","client_id":"3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK","client_secret":"654secretnx4"}"#
        );
        let set = parse_token_response(
            &p,
            &answer(r#"{ "result": "success", "access_token": "rIe7dgLnotarealaccesstokenbA268pw5GP", "expires_in": 1800, "printedCardNumber": "6000986775", "refresh_token": "r9vsdS4LUlnotarealrefreshtokenp9JrsJ8cb", "scope": "user_read user_write account_read account_write", "token_type": "bearer", "username": "johndoe" }"#),
        )
        .unwrap();
        assert_eq!(set.expires_in, Some(1800));
        assert_eq!(set.token_type, TokenType::Bearer);
        let user = crate::userinfo::user_from_token_fields(&p, &set.extra);
        assert_eq!(
            Value::Object(user),
            json!({"username": "johndoe", "printedCardNumber": "6000986775"})
        );
        let err = parse_token_response(
            &p,
            &answer(
                r#"{"result":"failure","errorCode":"invalid_grant","errorMessage":"Bad password"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(err.code(), "provider_rejected");
        assert_eq!(
            err.provider_error().unwrap().error_description.as_deref(),
            Some("Bad password")
        );
        // The document's authorization request (000), with our state, then the PKCE challenge.
        assert_eq!(
            authorization_url_for(&p, None, "s1", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            "https://myawesomesite.myguestaccount.com/guest/accountlogin?response_type=code\
             &client_id=3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK&redirect_uri=https%3A%2F%2Fwww.myawesomewebsite.com%2Flogin\
             &scope=user_read+user_write+account_read+account_write&state=s1\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
    }

    /// PayoutID (002): hosts chosen by environment, the code arrives as `authorization_code`.
    #[test]
    fn payoutid_environments_and_code_param() {
        let entry = json!({ "profile": "payoutid", "token_endpoint": "/api/oauth/token", "client_id": "c",
                            "redirect_uri": "https://app/cb", "scope": "profile" });
        let sandbox = provider_from_json(entry.clone()).unwrap();
        assert!(authorization_url_for(
            &sandbox,
            None,
            "s",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        )
        .starts_with("https://sandbox.payout.one/oauth?response_type=code&client_id=c&"));
        assert_eq!(
            sandbox.token_endpoint,
            "https://sandbox.payout.one/api/oauth/token"
        );
        assert_eq!(sandbox.dialect.code_param(), Some("authorization_code"));
        assert_eq!(sandbox.dialect.refresh_token_lifetime, Some(90 * 24 * 3600));
        let mut prod = entry;
        prod["environment"] = "production".into();
        assert_eq!(
            provider_from_json(prod).unwrap().token_endpoint,
            "https://app.payout.one/api/oauth/token"
        );
        let req = signed_token_request(
            &sandbox,
            &ClientSecret::new("s"),
            &Grant::ClientCredentials,
            &Map::new(),
            &ctx(),
        );
        assert_eq!(body(&req.body), "grant_type=client_credentials");
    }

    fn paysera() -> ProviderConfig {
        provider_from_json(json!({ "profile": "paysera", "client_id": "wkVd93h2uS", "redirect_uri": "http://localhost/abc" })).unwrap()
    }

    /// Paysera (003): the document's authorization URL, token request with its MAC header, and
    /// revocation request, byte for byte.
    #[test]
    fn paysera_wire_format_is_the_documents() {
        let p = paysera();
        // The document's URL, then PKCE (issue 6, finding 10: document 003 does not forbid
        // other parameters, so the challenge is sent in case the provider checks it).
        assert_eq!(
            authorization_url_for(&p, None, "iQZMRnQCtm", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            "https://www.paysera.com/frontend/oauth?response_type=code&client_id=wkVd93h2uS&redirect_uri=http%3A%2F%2Flocalhost%2Fabc&state=iQZMRnQCtm&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
        assert!(authorization_url_for(&p, Some("lt"), "s", "")
            .starts_with("https://www.paysera.com/frontend/lt/oauth?"));
        // The document's nonce, as the 24 random bytes it encodes.
        let mut entropy = [0u8; 32];
        entropy[..24]
            .copy_from_slice(&b64::url_decode("nQnNaSNyubfPErjRO55yaaEYo9YZfKHN").unwrap());
        let ctx = RequestContext {
            now: 1343811600,
            entropy,
        };
        assert_eq!(
            signing::nonce_from_entropy(&entropy),
            "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN"
        );
        let secret = ClientSecret::new("IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU");
        let req = signed_token_request(
            &p,
            &secret,
            &Grant::AuthorizationCode {
                code: &AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"),
                // Without a verifier: the document's published signature covers its own body.
                code_verifier: None,
            },
            &Map::new(),
            &ctx,
        );
        assert_eq!(req.url, "https://wallet.paysera.com/oauth/v1/token");
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(body(&req.body), "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=http%3A%2F%2Flocalhost%2Fabc");
        assert_eq!(
            req.header("authorization"),
            Some(
                r#"MAC id="wkVd93h2uS", ts="1343811600", nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN", mac="ElTV7TYXQrZrBe0tL6PtqvH6EI15iBSd/JvAkpMoH64=", ext="body_hash=IftzxAtYliLQx46c2JAPidlHKqck0OXD7KmsHNnSptU%3D""#
            )
        );
        let set = parse_token_response(&p, &answer(r#"{"access_token":"SlAV32hkKG","token_type":"mac","expires_in":3600,"mac_key":"adijq39jdlaska9asud","mac_algorithm":"hmac-sha-256","refresh_token":"0UnzbsnOLSkC7ftN"}"#)).unwrap();
        let session = SessionRecord::new("paysera", set, Map::new(), 1343811600);
        let req = revoke::session_revocation_request(&p, &secret, &session, &ctx).unwrap();
        assert_eq!(
            (req.method, req.url.as_str()),
            (
                Method::Delete,
                "https://wallet.paysera.com/oauth/v1/token?access_token=SlAV32hkKG"
            )
        );
        assert_eq!(
            req.header("authorization"),
            Some(
                r#"MAC id="wkVd93h2uS", ts="1343811600", nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN", mac="qtfqgX6EaE0nSHP9fN9ItmTNWqmr1Jkal7IOJbglOOE=""#
            )
        );
        assert!(!session.browser_may_hold_token());
    }

    fn plain_sso() -> ProviderConfig {
        provider_from_json(json!({ "profile": "plain-sso", "authorization_endpoint": "https://example.domain/login",
            "token_endpoint": "https://example.domain/token", "registration_endpoint": "https://example.domain/register",
            "client_id": "<client_id>", "redirect_uri": "https://app/auth/callback/sso", "allow_password_grant": true })).unwrap()
    }

    /// The plain SSO service (004): registration's request and its refusal of a taken name.
    #[test]
    fn plain_sso_registration_is_the_documents() {
        let p = plain_sso();
        let req = crate::register::registration_request(&p, "john", "1234").unwrap();
        assert_eq!(
            (req.method, req.url.as_str()),
            (Method::Post, "https://example.domain/register")
        );
        assert_eq!(body(&req.body), r#"{"username":"john","password":"1234"}"#);
        let refused = crate::register::parse_registration_response(
            &p,
            &HttpResponse {
                status: 409,
                headers: vec![],
                body: br#"{"success":false,"error":"username already exists","status_code":409}"#
                    .to_vec(),
            },
        )
        .unwrap_err();
        assert_eq!(refused.status, 409);
        assert_eq!(
            refused
                .error
                .map(|e| e.error.as_str().to_owned())
                .as_deref(),
            Some("username already exists")
        );
    }

    /// The plain SSO service (004): its two token requests and answer, and tokens in the redirect.
    #[test]
    fn plain_sso_wire_format_is_the_documents() {
        let p = plain_sso();
        let req = signed_token_request(
            &p,
            &ClientSecret::new(""),
            &Grant::Password {
                username: "john",
                password: "1234",
            },
            &Map::new(),
            &ctx(),
        );
        assert_eq!(
            as_json(&req.body),
            json!({ "username": "john", "password": "1234", "client_id": "<client_id>", "scope": 0, "response_type": "code" })
        );
        assert_eq!(
            body(&req.body),
            r#"{"response_type":"code","username":"john","password":"1234","scope":0,"client_id":"<client_id>"}"#
        );
        let user: Map<String, Value> = serde_json::from_value(json!({"username": "john"})).unwrap();
        let rt = RefreshToken::new("<refresh_token>");
        let req = signed_token_request(
            &p,
            &ClientSecret::new(""),
            &Grant::RefreshToken { refresh_token: &rt },
            &user,
            &ctx(),
        );
        assert_eq!(
            as_json(&req.body),
            json!({ "username": "john", "client_id": "<client_id>", "refresh_token": "<refresh_token>", "response_type": "refresh" })
        );
        let set = parse_token_response(&p, &answer(r#"{ "access_token": "<access_token>", "refresh_token": "<refresh_token>", "expiration": 1790000000, "status_code": 201, "error": null, "success": true }"#)).unwrap();
        assert_eq!(set.expires_at, Some(1790000000));
        assert_eq!(set.access_token, AccessToken::new("<access_token>"));
        let err = parse_token_response(
            &p,
            &answer(r#"{"success":false,"error":"Wrong password","status_code":401}"#),
        )
        .unwrap_err();
        assert_eq!(
            err.provider_error().unwrap().error.as_str(),
            "Wrong password"
        );
        let (set, user) = parse_redirect_tokens(
            &p,
            "tx=1&access_token=a&refresh_token=r&expiration=1790000000&user_id=john",
        )
        .unwrap();
        assert_eq!(
            (set.expires_at, user["user_id"].as_str()),
            (Some(1790000000), Some("john"))
        );
        assert_eq!(authorization_url_for(&p, None, "", ""), "https://example.domain/login?response_type=code&client_id=%3Cclient_id%3E&redirect_uri=https%3A%2F%2Fapp%2Fauth%2Fcallback%2Fsso&state=");
    }

    #[test]
    fn pair_lists_merge_by_name() {
        let mut base = json!({"a": [["x", 1], ["y", 2]], "o": {"k": 1, "j": 2}, "s": "v"});
        merge(
            &mut base,
            json!({"a": [["y", 3], ["z", 4]], "o": {"k": 5}, "s": "w"}),
        );
        assert_eq!(
            base,
            json!({"a": [["x", 1], ["y", 3], ["z", 4]], "o": {"k": 5, "j": 2}, "s": "w"})
        );
    }
}
