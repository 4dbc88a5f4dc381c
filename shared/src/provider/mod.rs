//! Provider profiles: everything that differs between providers, as data.
//!
//! A [`ProviderConfig`] is a plain serde value (the Worker reads it from `wrangler.toml`): the
//! provider's endpoints, this app's registration with it, and its [`Dialect`] — a set of small
//! closed enums, each handled by one `match` in the request builders and response parsers.
//! Adding a provider adds data; adding a quirk adds a variant, and the compiler lists every place
//! that must handle it.
pub mod catalog;
mod dialect;
pub mod signing;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::http::Method;

pub use dialect::{
    BodyEncoding, ClientAuth, Delivery, Dialect, ErrorFields, Expiry, GrantNames, Revocation,
    SuccessSignal, TokenCheck,
};

/// One provider as this app is registered with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The issuer identifier (RFC 8414 / RFC 9207); when set, a callback's `iss` must equal it.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The authorization endpoint (RFC 6749 §3.1). Empty: from the provider's metadata
    /// (discovery, which needs `issuer`).
    #[serde(default)]
    pub authorization_endpoint: String,
    /// The token endpoint (RFC 6749 §3.2). Empty: from the provider's metadata.
    #[serde(default)]
    pub token_endpoint: String,
    /// The provider's JWK Set (for ID tokens); from the metadata when absent.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// RP-Initiated Logout's `end_session_endpoint`; from the metadata when absent.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// Sender-constrain the tokens with DPoP (RFC 9449): a key per session, held by the Worker,
    /// proves every use. The browser then holds no access token; API calls go through the proxy.
    #[serde(default)]
    pub dpop: bool,
    /// Where the provider sends the browser after an RP-initiated logout (registered with it).
    #[serde(default)]
    pub post_logout_redirect_uri: Option<String>,
    /// RFC 9126's `pushed_authorization_request_endpoint`; from the metadata when absent.
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// Whether logins push their authorization request (RFC 9126). Default: whenever the
    /// provider has a pushed-authorization endpoint.
    #[serde(default)]
    pub par: Option<bool>,
    /// RFC 9207: refuse an authorization response without `iss`. Set by the metadata's
    /// `authorization_response_iss_parameter_supported`, or here.
    #[serde(default)]
    pub require_iss: bool,
    /// The algorithms ID tokens may be signed with; from the metadata's
    /// `id_token_signing_alg_values_supported` when empty (RS256 when both are).
    #[serde(default)]
    pub id_token_signing_algs: Vec<String>,
    /// Whether to read the provider's metadata (OpenID Connect Discovery / RFC 8414) at run time.
    /// Default: when `issuer` is set and an endpoint is missing, or the scope has `openid`.
    #[serde(default)]
    pub discovery: Option<bool>,
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
    /// Variants of the authorization endpoint the app may pick by name (e.g. per locale).
    #[serde(default)]
    pub authorization_endpoints: BTreeMap<String, String>,
    /// Named hosts (e.g. `sandbox`, `production`); endpoints that start with `/` are resolved
    /// against the selected one.
    #[serde(default)]
    pub environments: BTreeMap<String, String>,
    /// The selected environment.
    #[serde(default)]
    pub environment: Option<String>,
    /// A user-registration endpoint, for providers that offer one.
    #[serde(default)]
    pub registration_endpoint: Option<String>,
    /// Whether the Worker may exchange a username and password (the resource owner password
    /// grant). Off by default: it hands the user's password to the app (RFC 9700 §2.4).
    #[serde(default)]
    pub allow_password_grant: bool,
    /// The API the Worker proxies for this provider (BFF mode), if any.
    #[serde(default)]
    pub api: Option<ApiProxy>,
}

/// An upstream API the Worker forwards to with the session's token attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiProxy {
    /// The allow-listed base URL; requests may only reach paths below it.
    pub base_url: String,
    /// Allowed methods (upper-case in configuration: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`);
    /// default `GET`. Typed, so a method the proxy cannot send is a configuration error.
    #[serde(default = "default_methods")]
    pub methods: Vec<Method>,
    /// Whose token to attach: the user's session (default) or a client-credentials token.
    #[serde(default)]
    pub token: ApiToken,
    /// Whether callers without a session of this app may use it (only meaningful with
    /// `client_credentials`: the app's own token then serves anyone, so the Worker rate-limits
    /// such calls per client address). Off by default: a client-credentials route needs a valid
    /// session too (issue 6, finding 1).
    #[serde(default)]
    pub anonymous: bool,
}

fn default_methods() -> Vec<Method> {
    vec![Method::Get]
}

impl ApiProxy {
    /// The allowed methods as an `Allow` header value (`GET, POST`).
    pub fn allow(&self) -> String {
        let names: Vec<&str> = self.methods.iter().map(|m| m.as_str()).collect();
        names.join(", ")
    }
}

/// Whose token the API proxy attaches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiToken {
    /// The logged-in user's access token.
    #[default]
    Session,
    /// A token the Worker obtains with the client credentials grant (no user).
    ClientCredentials,
}

/// Why a provider configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl ProviderConfig {
    /// Resolves relative endpoints against the selected environment and checks the result.
    pub fn resolve(mut self) -> Result<Self, ConfigError> {
        let base = match (&self.environment, self.environments.is_empty()) {
            (Some(env), _) => Some(self.environments.get(env).cloned().ok_or_else(|| {
                ConfigError(format!("environment `{env}` is not in `environments`"))
            })?),
            (None, false) => {
                return Err(ConfigError(
                    "`environments` is set but `environment` is not".into(),
                ))
            }
            (None, true) => None,
        };
        let base = base.as_deref().map(|b| b.trim_end_matches('/'));
        let fix = |url: &mut String, name: &str| -> Result<(), ConfigError> {
            if url.starts_with('/') {
                let b = base.ok_or_else(|| {
                    ConfigError(format!(
                        "`{name}` is relative but no environment is selected"
                    ))
                })?;
                *url = format!("{b}{url}");
            }
            if url.starts_with("https://") || url.starts_with("http://") {
                Ok(())
            } else {
                Err(ConfigError(format!(
                    "`{name}` must be an absolute http(s) URL"
                )))
            }
        };
        for (name, url) in [
            ("authorization_endpoint", &mut self.authorization_endpoint),
            ("token_endpoint", &mut self.token_endpoint),
        ] {
            if url.is_empty() {
                if !self.discovery.unwrap_or(true) || self.issuer.is_none() {
                    return Err(ConfigError(format!(
                        "`{name}` is missing (or set `issuer`, and it is read from the provider's metadata)"
                    )));
                }
            } else {
                fix(url, name)?;
            }
        }
        for (name, url) in [
            ("revocation_endpoint", &mut self.revocation_endpoint),
            ("userinfo_endpoint", &mut self.userinfo_endpoint),
            ("registration_endpoint", &mut self.registration_endpoint),
            ("jwks_uri", &mut self.jwks_uri),
            ("end_session_endpoint", &mut self.end_session_endpoint),
            (
                "pushed_authorization_request_endpoint",
                &mut self.pushed_authorization_request_endpoint,
            ),
        ] {
            if let Some(url) = url {
                fix(url, name)?;
            }
        }
        for url in self.authorization_endpoints.values_mut() {
            fix(url, "authorization_endpoints")?;
        }
        if let Some(api) = &mut self.api {
            fix(&mut api.base_url, "api.base_url")?;
        }
        Ok(self)
    }

    /// Whether logins push their authorization request (RFC 9126): `par`, else whenever the
    /// endpoint is known.
    pub fn uses_par(&self) -> bool {
        self.par
            .unwrap_or(self.pushed_authorization_request_endpoint.is_some())
            && self.pushed_authorization_request_endpoint.is_some()
    }

    /// Whether the Worker reads this provider's metadata at run time (see `discovery`).
    pub fn uses_discovery(&self) -> bool {
        self.issuer.is_some()
            && self.discovery.unwrap_or(
                self.authorization_endpoint.is_empty()
                    || self.token_endpoint.is_empty()
                    || self.scope.split(' ').any(|s| s == "openid"),
            )
    }

    /// The authorization endpoint, or the named variant (an unknown name falls back to the
    /// default endpoint).
    pub fn authorization_endpoint_for(&self, variant: Option<&str>) -> &str {
        variant
            .and_then(|v| self.authorization_endpoints.get(v))
            .unwrap_or(&self.authorization_endpoint)
    }
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
    fn environments_resolve_relative_endpoints() {
        let p: ProviderConfig = serde_json::from_value(serde_json::json!({
            "authorization_endpoint": "/oauth", "token_endpoint": "/api/oauth/token", "client_id": "c",
            "redirect_uri": "r", "environments": {"sandbox": "https://sandbox.payout.one/",
            "production": "https://app.payout.one"}, "environment": "sandbox"
        }))
        .unwrap();
        let sandbox = p.clone().resolve().unwrap();
        assert_eq!(
            sandbox.authorization_endpoint,
            "https://sandbox.payout.one/oauth"
        );
        assert_eq!(
            sandbox.token_endpoint,
            "https://sandbox.payout.one/api/oauth/token"
        );
        let mut prod = p.clone();
        prod.environment = Some("production".into());
        assert_eq!(
            prod.resolve().unwrap().authorization_endpoint,
            "https://app.payout.one/oauth"
        );
        let mut bad = p.clone();
        bad.environment = Some("staging".into());
        assert!(bad.resolve().unwrap_err().0.contains("staging"));
        let mut none = p;
        none.environment = None;
        assert!(none.resolve().is_err());
    }

    #[test]
    fn authorization_endpoint_variants() {
        let mut p = standard();
        p.authorization_endpoints
            .insert("lt".into(), "https://as.example/frontend/lt/oauth".into());
        assert_eq!(
            p.authorization_endpoint_for(Some("lt")),
            "https://as.example/frontend/lt/oauth"
        );
        assert_eq!(
            p.authorization_endpoint_for(Some("xx")),
            "https://as.example/authorize"
        );
        assert_eq!(
            p.authorization_endpoint_for(None),
            "https://as.example/authorize"
        );
        assert!(p.resolve().is_ok());
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
