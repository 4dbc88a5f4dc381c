//! Provider profiles: everything that differs between providers, as data.
//!
//! A [`ProviderConfig`] is a plain serde value (the Worker reads it from `wrangler.toml`): the
//! provider's endpoints, this app's registration with it, and its [`Dialect`] — a set of small
//! closed enums, each handled by one `match` in the request builders and response parsers.
//! Adding a provider adds data; adding a quirk adds a variant, and the compiler lists every place
//! that must handle it.
mod dialect;
pub mod signing;

use serde::{Deserialize, Serialize};

pub use dialect::{BodyEncoding, ClientAuth, Dialect, SuccessSignal};

/// One provider as this app is registered with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The issuer identifier (RFC 8414 / RFC 9207); when set, a callback's `iss` must equal it.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The authorization endpoint (RFC 6749 §3.1).
    pub authorization_endpoint: String,
    /// The token endpoint (RFC 6749 §3.2).
    pub token_endpoint: String,
    /// The revocation endpoint (RFC 7009), if the provider has one.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// The userinfo endpoint (OIDC Core §5.3), if user details are fetched after login.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// This app's client identifier.
    pub client_id: String,
    /// The registered redirect URI (the SPA's callback page).
    pub redirect_uri: String,
    /// The scope requested at login (space separated; empty for none).
    #[serde(default)]
    pub scope: String,
    /// Extra, fixed parameters for the authorization request (e.g. `prompt`).
    #[serde(default)]
    pub authorization_params: Vec<(String, String)>,
    /// How the client authenticates at the token and revocation endpoints.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// The provider's dialect; the default is standard OAuth 2.0.
    #[serde(default)]
    pub dialect: Dialect,
}

#[cfg(test)]
pub(crate) mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The RFC 6749 example client at a standard provider.
    pub(crate) fn standard() -> ProviderConfig {
        serde_json::from_value(serde_json::json!({
            "issuer": "https://as.example",
            "authorization_endpoint": "https://as.example/authorize",
            "token_endpoint": "https://as.example/token",
            "revocation_endpoint": "https://as.example/revoke",
            "userinfo_endpoint": "https://as.example/me",
            "client_id": "s6BhdRkqt3",
            "redirect_uri": "https://client.example.org/cb",
            "scope": "openid profile offline_access"
        }))
        .unwrap()
    }

    #[test]
    fn defaults_are_standard_oauth() {
        let p = standard();
        assert_eq!(p.client_auth, ClientAuth::ClientSecretBasic);
        assert_eq!(p.dialect, Dialect::default());
        assert!(p.dialect.pkce);
    }

    #[test]
    fn unknown_keys_are_rejected_so_typos_surface() {
        let err = serde_json::from_value::<ProviderConfig>(serde_json::json!({
            "authorization_endpoint": "a", "token_endpoint": "t", "client_id": "c",
            "redirect_uri": "r", "scopes": "typo"
        }))
        .unwrap_err();
        assert!(err.to_string().contains("scopes"), "{err}");
    }

    #[test]
    fn dialect_as_data() {
        let p: ProviderConfig = serde_json::from_value(serde_json::json!({
            "authorization_endpoint": "a", "token_endpoint": "t", "client_id": "c",
            "redirect_uri": "r", "client_auth": "client_secret_post",
            "dialect": {"token_body": "json", "success": {"field": {"field": "result", "equals": "success"}},
                        "token_params": [["merchantId", 777777]]}
        }))
        .unwrap();
        assert_eq!(p.dialect.token_body, BodyEncoding::Json);
        assert_eq!(
            p.dialect.success,
            SuccessSignal::Field {
                field: "result".into(),
                equals: "success".into()
            }
        );
        assert_eq!(p.dialect.token_params[0].1, serde_json::json!(777777));
    }
}
