//! The Worker's configuration, read from its environment once per request into a typed [`Config`].
//!
//! | key | kind | default |
//! |---|---|---|
//! | `AUTH_PREFIX` | var | `/auth` |
//! | `API_PREFIX` | var: where the API proxy lives (`<API_PREFIX>/<provider>/<path>`) | `/api` |
//! | `ALLOWED_ORIGINS` | var, comma separated origins allowed besides the Worker's own | none |
//! | `SESSION_TTL_SECONDS` | var, at least 60 (the KV minimum) | 30 days |
//! | `UPSTREAM_TIMEOUT_MS` | var: how long a call to a provider (headers and body) may take, 100..=12000 (below the 15 s a refresh waits for another) | 10000 |
//! | `PROVIDERS` | var: JSON text or an object, name → provider entry (a built-in `profile` and the keys merged over it, see `oauth_edge_shared::provider::catalog`); the first is the default | required |
//! | `SESSION_KEY` | secret: base64 of 32 bytes, the root key of every sealed cookie and stored value | required |
//! | `SESSION_KEY_PREVIOUS` | secret: the key `SESSION_KEY` replaced, during a rotation (opens, never seals) | none |
//! | `CLIENT_SECRET_<NAME>` | secret per provider (name upper-cased, `-` → `_`) | required unless `client_auth` is `none` |
//! | `AUTH_BODY_LIMIT_BYTES`, `API_BODY_LIMIT_BYTES`, `RATE_LIMITS` | see [`limits`] | |
//!
//! Parsing is pure ([`Config::parse`] takes a lookup function), so it is unit-tested natively; the
//! Worker's `env` is read in [`Config::from_env`].
use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use oauth_edge_shared::provider::catalog::providers_from_json;
use oauth_edge_shared::provider::{ClientAuth, Delivery, ProviderConfig, TokenCheck};
use oauth_edge_shared::secret::ClientSecret;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::error::WorkerError;
use crate::seal::Keyring;

pub(crate) mod limits;
pub(crate) use limits::Limits;

/// The default `AUTH_PREFIX`.
pub(crate) const DEFAULT_PREFIX: &str = "/auth";
/// The default `API_PREFIX`.
pub(crate) const DEFAULT_API_PREFIX: &str = "/api";
/// The default `SESSION_TTL_SECONDS`: 30 days.
pub(crate) const DEFAULT_SESSION_TTL: u64 = 30 * 24 * 60 * 60;
/// KV refuses an `expirationTtl` below 60 seconds.
const MIN_SESSION_TTL: u64 = 60;
/// The default `UPSTREAM_TIMEOUT_MS`: 10 seconds.
pub(crate) const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// The `UPSTREAM_TIMEOUT_MS` values accepted: at least 100 ms, at most 12 s — below the 15 s a second
/// refresh of the same session waits for the first (the refresh authority's `CALLER_WAIT`), so a waiting call never
/// gives up while the first is still within its timeout.
const UPSTREAM_TIMEOUT_MS: RangeInclusive<u64> = 100..=12_000;

/// Everything the routes need, parsed and checked.
pub(crate) struct Config {
    /// Where the endpoints live, e.g. `/auth` (leading slash, no trailing slash).
    pub(crate) auth_prefix: String,
    /// Where the API proxy lives, e.g. `/api` (same shape as `auth_prefix`).
    pub(crate) api_prefix: String,
    /// Origins allowed besides the Worker's own (`scheme://host[:port]`).
    pub(crate) allowed_origins: Vec<String>,
    /// Session lifetime in seconds: cookie `Max-Age` and KV TTL.
    pub(crate) session_ttl: u64,
    /// How long a call to a provider may take before it is aborted.
    pub(crate) upstream_timeout: Duration,
    /// The configured providers, in configuration order (the first is the default).
    pub(crate) providers: Vec<Provider>,
    /// The sealing keys (`SESSION_KEY`, and `SESSION_KEY_PREVIOUS` during a rotation).
    pub(crate) keys: Keyring,
    /// Body sizes and attempt rates.
    pub(crate) limits: Limits,
}

/// One provider with this Worker's credentials for it.
pub(crate) struct Provider {
    /// Its name in `PROVIDERS` (what `login` accepts as `provider`).
    pub(crate) name: String,
    /// Its profile.
    pub(crate) config: ProviderConfig,
    /// The client secret (empty for `client_auth: none`).
    pub(crate) client_secret: ClientSecret,
    /// Why its metadata could not be read, when it uses discovery and that failed
    /// ([`crate::oidc::discover_all`]): every call for this provider answers it.
    pub(crate) unresolved: Option<Unresolved>,
}

/// A provider whose metadata is missing.
#[derive(Debug, Clone)]
pub(crate) enum Unresolved {
    /// The provider could not be reached (`provider_unavailable`).
    Unreachable(String),
    /// Its metadata contradicts the configuration (`config_error`; the log says how).
    Misconfigured(String),
}

impl Unresolved {
    /// What a call for the provider answers.
    pub(crate) fn error(&self) -> WorkerError {
        match self {
            Self::Unreachable(detail) => WorkerError::Unreachable(detail.clone()),
            Self::Misconfigured(problem) => WorkerError::Config {
                key: "PROVIDERS".into(),
                problem: problem.clone(),
            },
        }
    }
}

impl Config {
    /// Reads the configuration from the Worker's bindings.
    pub(crate) fn from_env(env: &worker::Env) -> Result<Self, WorkerError> {
        Self::parse(|key| binding_text(env, key))
    }

    /// [`from_env`](Self::from_env), with the providers configured by their issuer filled from
    /// their metadata ([`crate::oidc::discover_all`]).
    pub(crate) async fn from_env_discovered(env: &worker::Env) -> Result<Self, WorkerError> {
        let mut config = Self::from_env(env)?;
        crate::oidc::discover_all(&mut config, &crate::effects::runtime::Runtime::new(env)).await;
        Ok(config)
    }

    /// Parses the configuration from a lookup of binding names to text.
    pub(crate) fn parse(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, WorkerError> {
        let auth_prefix = parse_prefix("AUTH_PREFIX", lookup("AUTH_PREFIX"), DEFAULT_PREFIX)?;
        let api_prefix = parse_prefix("API_PREFIX", lookup("API_PREFIX"), DEFAULT_API_PREFIX)?;
        if api_prefix == auth_prefix {
            return Err(config_error("API_PREFIX", "must differ from AUTH_PREFIX"));
        }
        let allowed_origins = parse_origins(lookup("ALLOWED_ORIGINS"))?;
        let session_ttl = parse_ttl(lookup("SESSION_TTL_SECONDS"))?;
        let upstream_timeout = parse_timeout(lookup("UPSTREAM_TIMEOUT_MS"))?;
        let keys = parse_keys(lookup("SESSION_KEY"), lookup("SESSION_KEY_PREVIOUS"))?;
        let limits = Limits::parse(&lookup)?;
        let providers = parse_providers(lookup("PROVIDERS"), &lookup)?;
        for p in &providers {
            check_provider(p, &auth_prefix)?;
        }
        Ok(Self {
            auth_prefix,
            api_prefix,
            allowed_origins,
            session_ttl,
            upstream_timeout,
            providers,
            keys,
            limits,
        })
    }

    /// The provider named `name`, or the first one when `name` is `None`.
    pub(crate) fn provider(&self, name: Option<&str>) -> Result<&Provider, WorkerError> {
        let provider = match name {
            None => self.providers.first().ok_or_else(no_providers)?,
            Some(name) => self
                .providers
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| WorkerError::UnknownProvider(name.to_owned()))?,
        };
        match &provider.unresolved {
            Some(why) => Err(why.error()),
            None => Ok(provider),
        }
    }
}

/// The name of a provider's client-secret binding: `CLIENT_SECRET_` + the name upper-cased, with
/// every character other than `A-Z0-9_` replaced by `_`.
pub(crate) fn client_secret_key(provider: &str) -> String {
    let suffix: String = provider
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            u @ ('A'..='Z' | '0'..='9' | '_') => u,
            _ => '_',
        })
        .collect();
    format!("CLIENT_SECRET_{suffix}")
}

fn config_error(key: &str, problem: impl Into<String>) -> WorkerError {
    WorkerError::Config {
        key: key.to_owned(),
        problem: problem.into(),
    }
}

fn no_providers() -> WorkerError {
    config_error("PROVIDERS", "names no provider")
}

fn parse_prefix(key: &str, value: Option<String>, default: &str) -> Result<String, WorkerError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(default.to_owned());
    };
    let prefix = value.trim().trim_end_matches('/');
    let valid = prefix.starts_with('/')
        && prefix.len() > 1
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if valid {
        Ok(prefix.to_owned())
    } else {
        Err(config_error(
            key,
            format!("must be a path such as {default} (leading slash, letters, digits, - _ . /)"),
        ))
    }
}

fn parse_origins(value: Option<String>) -> Result<Vec<String>, WorkerError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let origin = o.trim_end_matches('/');
            match origin.split_once("://") {
                Some(("https", host)) if !host.is_empty() && !host.contains('/') => {
                    Ok(origin.to_ascii_lowercase())
                }
                // Plain http only for a development server on this machine: on any other host a
                // network attacker could serve script from that origin (issue 6, finding 9).
                Some(("http", host)) if is_loopback(host) && !host.contains('/') => {
                    Ok(origin.to_ascii_lowercase())
                }
                Some(("http", host)) if !host.is_empty() && !host.contains('/') => {
                    Err(config_error(
                        "ALLOWED_ORIGINS",
                        format!(
                            "`{o}` is plain http on a host other than localhost, 127.0.0.1 or [::1]: use https"
                        ),
                    ))
                }
                _ => Err(config_error(
                    "ALLOWED_ORIGINS",
                    format!("`{o}` is not an origin such as https://app.example"),
                )),
            }
        })
        .collect()
}

/// Whether `host` (an origin's `host[:port]`) is a loopback name or address.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or(v6, |(addr, _)| addr),
        None => host.split_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name == "::1" || name == "127.0.0.1"
}

fn parse_ttl(value: Option<String>) -> Result<u64, WorkerError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(DEFAULT_SESSION_TTL);
    };
    match value.trim().parse::<u64>() {
        Ok(ttl) if ttl >= MIN_SESSION_TTL => Ok(ttl),
        _ => Err(config_error(
            "SESSION_TTL_SECONDS",
            format!("must be a whole number of seconds, at least {MIN_SESSION_TTL}"),
        )),
    }
}

fn parse_timeout(value: Option<String>) -> Result<Duration, WorkerError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(DEFAULT_UPSTREAM_TIMEOUT);
    };
    match value.trim().parse::<u64>() {
        Ok(ms) if UPSTREAM_TIMEOUT_MS.contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(config_error(
            "UPSTREAM_TIMEOUT_MS",
            format!(
                "must be a whole number of milliseconds from {} to {}",
                UPSTREAM_TIMEOUT_MS.start(),
                UPSTREAM_TIMEOUT_MS.end()
            ),
        )),
    }
}

/// The keyring: `SESSION_KEY` seals and opens; `SESSION_KEY_PREVIOUS`, while a rotation runs,
/// only opens (see `seal`).
fn parse_keys(current: Option<String>, previous: Option<String>) -> Result<Keyring, WorkerError> {
    let current = current.ok_or_else(|| {
        config_error(
            "SESSION_KEY",
            "is not set (a secret: base64 of 32 random bytes, e.g. `openssl rand -base64 32`)",
        )
    })?;
    let current = parse_key("SESSION_KEY", &current)?;
    let previous = match previous.filter(|p| !p.trim().is_empty()) {
        Some(p) => Some(parse_key("SESSION_KEY_PREVIOUS", &p)?),
        None => None,
    };
    // Equal keys are the first step of a rotation (README): nothing to add to the keyring.
    let previous = previous.filter(|p| *p != current);
    Ok(Keyring::new(current, previous))
}

fn parse_key(name: &str, value: &str) -> Result<[u8; 32], WorkerError> {
    let text = value.trim();
    let bytes = oauth_edge_shared::b64::std_decode(text)
        .or_else(|| oauth_edge_shared::b64::url_decode(text.trim_end_matches('=')));
    match bytes.as_deref().map(<[u8; 32]>::try_from) {
        Some(Ok(key)) => Ok(key),
        _ => Err(config_error(
            name,
            "must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)",
        )),
    }
}

fn parse_providers(
    value: Option<String>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<Provider>, WorkerError> {
    let text = value.ok_or_else(|| {
        config_error(
            "PROVIDERS",
            "is not set (JSON object: provider name → provider config)",
        )
    })?;
    let OrderedProviders(entries) = serde_json::from_str(&text)
        .map_err(|e| config_error("PROVIDERS", format!("is not valid: {e}")))?;
    // serde_json keeps document order (feature `preserve_order`): the first entry is the default.
    let resolved = providers_from_json(serde_json::Value::Object(entries.into_iter().collect()))
        .map_err(|e| config_error("PROVIDERS", format!("is not usable: {}", e.0)))?;
    resolved
        .into_iter()
        .map(|(name, config)| {
            let key = client_secret_key(&name);
            let secret = match (lookup(&key), config.client_auth) {
                (Some(s), _) if !s.is_empty() => ClientSecret::new(s),
                (_, ClientAuth::None) => ClientSecret::new(String::new()),
                _ => {
                    return Err(config_error(
                        &key,
                        format!("is not set (the client secret for provider `{name}`)"),
                    ))
                }
            };
            Ok(Provider {
                name,
                config,
                client_secret: secret,
                unresolved: None,
            })
        })
        .collect()
}

/// Checks what the routes rely on but the provider entry alone cannot say: the API proxy's
/// methods are ones it can send, and a provider that delivers tokens in the redirect sends them
/// to this Worker's callback (`<origin><AUTH_PREFIX>/callback/<name>`).
fn check_provider(p: &Provider, auth_prefix: &str) -> Result<(), WorkerError> {
    let problem = |what: String| config_error("PROVIDERS", format!("entry `{}` {what}", p.name));
    if let Delivery::RedirectTokens {
        user_id, verify, ..
    } = &p.config.dialect.delivery
    {
        let expected = format!("{auth_prefix}/callback/{}", p.name);
        if url_path(&p.config.redirect_uri) != Some(expected.as_str()) {
            return Err(problem(format!(
                "receives tokens in the redirect, so its redirect_uri must be <origin>{expected}"
            )));
        }
        // Confirming by refresh proves the claimed user id only if the refresh sends it.
        let sends_user_id = p
            .config
            .dialect
            .refresh_params_from_user
            .iter()
            .any(|(_, fields)| fields.iter().any(|f| f == user_id));
        if *verify == TokenCheck::Refresh && !sends_user_id {
            return Err(problem(format!(
                "confirms redirect tokens by refresh, so its refresh_params_from_user must send `{user_id}`"
            )));
        }
    }
    Ok(())
}

/// The path of an absolute URL (`None` without one).
fn url_path(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let path = &rest[rest.find('/')?..];
    Some(path.split(['?', '#']).next().unwrap_or(path))
}

/// The entries of a JSON object, in document order, refusing a name listed twice (a JSON map
/// would silently keep the last).
struct OrderedProviders(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for OrderedProviders {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = OrderedProviders;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of provider name → provider config")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, serde_json::Value)> = Vec::new();
                while let Some((name, config)) = map.next_entry::<String, serde_json::Value>()? {
                    if entries.iter().any(|(n, _)| *n == name) {
                        return Err(serde::de::Error::custom(format!(
                            "provider `{name}` is listed twice"
                        )));
                    }
                    entries.push((name, config));
                }
                Ok(OrderedProviders(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// A binding as text: a string as is, any other JSON var (object, number) as its JSON, absent as
/// `None`.
fn binding_text(env: &worker::Env, key: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env, &key.into()).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    value.as_string().or_else(|| {
        js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string())
    })
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::http::Method;
    use std::collections::HashMap;

    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn providers_json() -> String {
        serde_json::json!({
            "zeta": {"authorization_endpoint": "https://z/a", "token_endpoint": "https://z/t",
                     "client_id": "z", "redirect_uri": "https://app/cb"},
            "alpha": {"authorization_endpoint": "https://a/a", "token_endpoint": "https://a/t",
                      "client_id": "a", "redirect_uri": "https://app/cb", "client_auth": "none"}
        })
        .to_string()
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn parse(map: &HashMap<String, String>) -> Result<Config, WorkerError> {
        Config::parse(|k| map.get(k).cloned())
    }

    fn config_key(err: WorkerError) -> String {
        match err {
            WorkerError::Config { key, .. } => key,
            other => panic!("not a config error: {other:?}"),
        }
    }

    #[test]
    fn defaults_and_provider_order() {
        let p = providers_json();
        let c = parse(&env(&[
            ("PROVIDERS", &p),
            ("SESSION_KEY", KEY),
            ("CLIENT_SECRET_ZETA", "s"),
        ]))
        .unwrap();
        assert_eq!(c.auth_prefix, "/auth");
        assert_eq!(c.api_prefix, "/api");
        assert_eq!(c.session_ttl, DEFAULT_SESSION_TTL);
        assert_eq!(c.upstream_timeout, DEFAULT_UPSTREAM_TIMEOUT);
        assert!(c.allowed_origins.is_empty());
        // Document order, not sorted: the first listed is the default.
        assert_eq!(c.provider(None).unwrap().name, "zeta");
        assert_eq!(c.provider(None).unwrap().client_secret.expose(), "s");
        assert_eq!(c.provider(Some("alpha")).unwrap().config.client_id, "a");
        assert!(matches!(
            c.provider(Some("nope")),
            Err(WorkerError::UnknownProvider(_))
        ));
    }

    #[test]
    fn explicit_values() {
        let p = providers_json();
        let c = parse(&env(&[
            ("PROVIDERS", &p),
            ("SESSION_KEY", KEY),
            ("CLIENT_SECRET_ZETA", "s"),
            ("AUTH_PREFIX", "/api/auth/"),
            ("API_PREFIX", "/bff/"),
            (
                "ALLOWED_ORIGINS",
                " https://App.example , http://127.0.0.1:5173/,",
            ),
            ("SESSION_TTL_SECONDS", "3600"),
            ("UPSTREAM_TIMEOUT_MS", " 500 "),
        ]))
        .unwrap();
        assert_eq!(c.auth_prefix, "/api/auth");
        assert_eq!(c.api_prefix, "/bff");
        assert_eq!(
            c.allowed_origins,
            ["https://app.example", "http://127.0.0.1:5173"]
        );
        assert_eq!(c.session_ttl, 3600);
        assert_eq!(c.upstream_timeout, Duration::from_millis(500));
    }

    #[test]
    fn each_bad_key_is_named() {
        let p = providers_json();
        let good = [
            ("PROVIDERS", p.as_str()),
            ("SESSION_KEY", KEY),
            ("CLIENT_SECRET_ZETA", "s"),
        ];
        let with = |k: &'static str, v: &'static str| {
            let mut m = env(&good);
            m.insert(k.to_owned(), v.to_owned());
            config_key(parse(&m).err().unwrap())
        };
        let without = |k: &str| {
            let mut m = env(&good);
            m.remove(k);
            config_key(parse(&m).err().unwrap())
        };
        assert_eq!(without("SESSION_KEY"), "SESSION_KEY");
        assert_eq!(without("PROVIDERS"), "PROVIDERS");
        assert_eq!(without("CLIENT_SECRET_ZETA"), "CLIENT_SECRET_ZETA");
        assert_eq!(with("SESSION_KEY", "c2hvcnQ="), "SESSION_KEY");
        assert_eq!(with("PROVIDERS", "{}"), "PROVIDERS");
        assert_eq!(with("PROVIDERS", r#"{"x": {"client_id": 1}}"#), "PROVIDERS");
        assert_eq!(with("AUTH_PREFIX", "auth"), "AUTH_PREFIX");
        assert_eq!(with("API_PREFIX", "api"), "API_PREFIX");
        assert_eq!(with("API_PREFIX", "/auth"), "API_PREFIX");
        assert_eq!(
            with("PROVIDERS", r#"{"a": {"profile": "nope"}}"#),
            "PROVIDERS"
        );
        assert_eq!(with("ALLOWED_ORIGINS", "*"), "ALLOWED_ORIGINS");
        assert_eq!(
            with("ALLOWED_ORIGINS", "https://a.example/path"),
            "ALLOWED_ORIGINS"
        );
        // Issue 6, finding 9: plain http only for loopback development servers.
        for bad in [
            "http://app.example",
            "http://192.168.1.2:5173",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            // Found by the `worker_config` fuzz target: a loopback origin with a path.
            "http://localhost:5173/evil",
        ] {
            assert_eq!(with("ALLOWED_ORIGINS", bad), "ALLOWED_ORIGINS", "{bad}");
        }
        assert_eq!(with("SESSION_TTL_SECONDS", "10"), "SESSION_TTL_SECONDS");
        assert_eq!(with("SESSION_TTL_SECONDS", "1d"), "SESSION_TTL_SECONDS");
        for bad in ["99", "60001", "5s", "1.5", "-1", "1e4"] {
            assert_eq!(
                with("UPSTREAM_TIMEOUT_MS", bad),
                "UPSTREAM_TIMEOUT_MS",
                "{bad}"
            );
        }
    }

    #[test]
    fn loopback_http_origins_are_allowed() {
        for ok in [
            "http://localhost:5173",
            "http://127.0.0.1",
            "http://[::1]:8080",
            "http://LOCALHOST",
        ] {
            assert_eq!(
                parse_origins(Some(ok.into())).unwrap(),
                [ok.to_ascii_lowercase()]
            );
        }
    }

    #[test]
    fn upstream_timeout_bounds_are_inclusive() {
        assert_eq!(parse_timeout(None).unwrap(), DEFAULT_UPSTREAM_TIMEOUT);
        assert_eq!(
            parse_timeout(Some(" ".into())).unwrap(),
            DEFAULT_UPSTREAM_TIMEOUT
        );
        assert_eq!(
            parse_timeout(Some("100".into())).unwrap(),
            Duration::from_millis(100)
        );
        assert_eq!(
            parse_timeout(Some("12000".into())).unwrap(),
            Duration::from_secs(12)
        );
        assert!(parse_timeout(Some("12001".into())).is_err());
    }

    #[test]
    fn url_safe_key_is_accepted() {
        let key = oauth_edge_shared::b64::url_encode(&[0xfb; 32]);
        assert!(parse_key("SESSION_KEY", &key).is_ok());
    }

    #[test]
    fn a_previous_key_opens_during_a_rotation() {
        let old = oauth_edge_shared::b64::url_encode(&[1; 32]);
        let new = oauth_edge_shared::b64::url_encode(&[2; 32]);
        let before = parse_keys(Some(old.clone()), None).unwrap();
        let sealed = crate::seal::seal(&before, crate::seal::Purpose::Session, "k", b"v", [0; 12]);
        let during = parse_keys(Some(new.clone()), Some(old.clone())).unwrap();
        assert!(crate::seal::open(&during, crate::seal::Purpose::Session, "k", &sealed).is_some());
        assert!(parse_keys(Some(new.clone()), Some(" ".into())).is_ok());
        // The first step of a rotation sets the previous key to the current one: accepted.
        assert!(parse_keys(Some(new.clone()), Some(new)).is_ok());
        let bad = parse_keys(Some(old), Some("short".into())).unwrap_err();
        assert_eq!(config_key(bad), "SESSION_KEY_PREVIOUS");
    }

    #[test]
    fn secret_key_names() {
        assert_eq!(client_secret_key("default"), "CLIENT_SECRET_DEFAULT");
        assert_eq!(client_secret_key("my-idp.eu"), "CLIENT_SECRET_MY_IDP_EU");
    }

    fn parse_providers_json(providers: serde_json::Value) -> Result<Config, WorkerError> {
        let p = providers.to_string();
        parse(&env(&[
            ("PROVIDERS", &p),
            ("SESSION_KEY", KEY),
            ("CLIENT_SECRET_PX", "s"),
            ("CLIENT_SECRET_PAY", "s"),
        ]))
    }

    #[test]
    fn profiles_are_merged_and_order_kept() {
        let c = parse_providers_json(serde_json::json!({
            "sso": {"profile": "plain-sso", "authorization_endpoint": "https://sso/login",
                    "token_endpoint": "https://sso/token", "client_id": "c",
                    "redirect_uri": "https://app/auth/callback/sso"},
            "px": {"profile": "paytronix", "authorization_endpoint": "https://px/a",
                   "token_endpoint": "https://px/t", "client_id": "c", "redirect_uri": "https://app/cb",
                   "dialect": {"token_params": [["merchantId", 777777]]}},
            "pay": {"profile": "payoutid", "token_endpoint": "/api/oauth/token", "client_id": "c",
                    "redirect_uri": "https://app/cb",
                    "environments": {"production": "http://127.0.0.1:9/"},
                    "environment": "production"}
        }))
        .unwrap();
        let names: Vec<&str> = c.providers.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["sso", "px", "pay"]);
        let px = &c.provider(Some("px")).unwrap().config;
        assert_eq!(px.dialect.user_fields, ["username", "printedCardNumber"]);
        assert_eq!(
            px.dialect.token_params.len(),
            2,
            "merged by name with the profile's"
        );
        let pay = &c.provider(Some("pay")).unwrap().config;
        assert_eq!(pay.authorization_endpoint, "http://127.0.0.1:9/oauth");
        assert_eq!(pay.dialect.code_param(), Some("authorization_code"));
        // plain SSO has no client secret (client_auth none): none is asked for.
        assert!(c
            .provider(Some("sso"))
            .unwrap()
            .client_secret
            .expose()
            .is_empty());
    }

    #[test]
    fn a_provider_listed_twice_is_refused() {
        let p = r#"{"a": {"authorization_endpoint": "https://a/a", "token_endpoint": "https://a/t",
                    "client_id": "a", "redirect_uri": "https://app/cb", "client_auth": "none"},
                   "a": {"authorization_endpoint": "https://a/a", "token_endpoint": "https://a/t",
                    "client_id": "b", "redirect_uri": "https://app/cb", "client_auth": "none"}}"#;
        let err = parse(&env(&[("PROVIDERS", p), ("SESSION_KEY", KEY)]))
            .err()
            .unwrap();
        let detail = err.log_detail().unwrap();
        assert!(detail.contains("twice"), "{detail}");
    }

    #[test]
    fn redirect_token_providers_must_call_back_to_the_worker() {
        let entry = |redirect_uri: &str| {
            serde_json::json!({"sso": {"profile": "plain-sso",
                "authorization_endpoint": "https://sso/login", "token_endpoint": "https://sso/token",
                "client_id": "c", "redirect_uri": redirect_uri}})
        };
        assert!(parse_providers_json(entry("https://app.example/auth/callback/sso")).is_ok());
        for bad in [
            "https://app.example/callback",
            "https://app.example/auth/callback/other",
            "https://app.example",
        ] {
            let err = parse_providers_json(entry(bad)).err().unwrap();
            assert!(
                err.log_detail().unwrap().contains("/auth/callback/sso"),
                "{bad}"
            );
        }
    }

    #[test]
    fn redirect_tokens_confirmed_by_refresh_must_send_the_user_id() {
        let entry = |params: serde_json::Value| {
            serde_json::json!({"sso": {"profile": "plain-sso",
                "authorization_endpoint": "https://sso/login", "token_endpoint": "https://sso/token",
                "client_id": "c", "redirect_uri": "https://app.example/auth/callback/sso",
                "dialect": {"refresh_params_from_user": params}}})
        };
        assert!(
            parse_providers_json(entry(serde_json::json!([["username", ["user_id"]]]))).is_ok()
        );
        // (Lists merge over the profile's by name: this replaces the profile's `username` entry.)
        let err = parse_providers_json(entry(serde_json::json!([["username", ["login"]]])))
            .err()
            .unwrap();
        assert!(err.log_detail().unwrap().contains("user_id"));
    }

    #[test]
    fn api_methods_must_be_sendable() {
        let entry = |methods: serde_json::Value| {
            serde_json::json!({"px": {"authorization_endpoint": "https://px/a",
                "token_endpoint": "https://px/t", "client_id": "c", "redirect_uri": "https://app/cb",
                "api": {"base_url": "https://px/api/", "methods": methods}}})
        };
        let c = parse_providers_json(entry(serde_json::json!(["GET", "PUT"]))).unwrap();
        assert_eq!(
            c.providers[0].config.api.as_ref().unwrap().methods,
            [Method::Get, Method::Put]
        );
        let err = parse_providers_json(entry(serde_json::json!(["get"])))
            .err()
            .unwrap();
        let detail = err.log_detail().unwrap();
        assert!(detail.contains("`get`"), "{detail}");
        assert!(parse_providers_json(entry(serde_json::json!(["TRACE"]))).is_err());
    }

    #[test]
    fn url_paths() {
        assert_eq!(url_path("https://a.example/x/y?q#f"), Some("/x/y"));
        assert_eq!(url_path("https://a.example"), None);
        assert_eq!(url_path("/x"), None);
    }
}
