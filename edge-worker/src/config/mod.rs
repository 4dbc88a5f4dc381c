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
//!
//! A mistake fails as small as it can: one in a provider's entry or its `CLIENT_SECRET_<NAME>`
//! turns off that provider only (calls for it answer `config_error`, the log names the provider
//! and the key; the others work); one in a key every provider shares (`SESSION_KEY`, unreadable
//! `PROVIDERS`, a prefix, a limit) fails every call. `Config::check` lists every problem at once
//! with the same rules: `scripts/check-config.mjs` runs it before a deploy (see `check.rs`).
use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use oauth_edge_shared::provider::catalog::provider_from_json;
use oauth_edge_shared::provider::{ClientAuth, Delivery, ProviderConfig, TokenCheck};
use oauth_edge_shared::secret::ClientSecret;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::error::WorkerError;
use crate::seal::Keyring;

#[cfg(test)]
mod check;
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
    /// The configured providers that work, in configuration order.
    pub(crate) providers: Vec<Provider>,
    /// The providers whose entry cannot be used, each with its problems: calls for one answer
    /// `config_error`, the others work.
    pub(crate) disabled: Vec<Disabled>,
    /// The first entry's name: the default provider (working or not).
    default_provider: String,
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

/// One thing wrong with the configuration: the binding to fix, the provider it turns off when it
/// concerns one entry only, and what is wrong. What `config_error` logs and the check prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The binding to fix (`SESSION_KEY`, `PROVIDERS`, `CLIENT_SECRET_PAYSERA`, …).
    pub(crate) key: String,
    /// The provider entry it turns off; `None` when it fails every provider.
    pub(crate) provider: Option<String>,
    /// What is wrong and what to do, worded to follow the key.
    pub(crate) problem: String,
}

impl Problem {
    /// A problem that fails every provider.
    pub(crate) fn global(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            provider: None,
            problem: problem.into(),
        }
    }

    /// A problem of provider `name`'s entry only.
    fn of_provider(key: &str, name: &str, problem: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            provider: Some(name.to_owned()),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.key, self.problem)
    }
}

impl From<Problem> for WorkerError {
    fn from(p: Problem) -> Self {
        Self::Config {
            key: p.key,
            problem: p.problem,
        }
    }
}

/// A provider turned off by its own configuration (a missing client secret, an entry that cannot
/// be used): every call for it answers this, the other providers work.
#[derive(Debug, Clone)]
pub(crate) struct Disabled {
    /// Its name in `PROVIDERS`.
    pub(crate) name: String,
    /// Why (at least one problem).
    pub(crate) problems: Vec<Problem>,
}

impl Disabled {
    /// What a call for the provider answers: `config_error`; the log names the provider and every
    /// key to fix.
    pub(crate) fn error(&self) -> WorkerError {
        let detail: Vec<String> = self.problems.iter().map(Problem::to_string).collect();
        WorkerError::ProviderMisconfigured {
            provider: self.name.clone(),
            detail: detail.join("; "),
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

    /// Parses the configuration from a lookup of binding names to text: `Err` with the first
    /// problem that fails every provider; a provider whose own entry is wrong is in
    /// [`disabled`](Self::disabled) instead.
    pub(crate) fn parse(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, WorkerError> {
        Self::read(&lookup).map_err(|problems| match problems.into_iter().next() {
            Some(first) => first.into(),
            None => no_providers().into(),
        })
    }

    /// Every problem of the configuration at once, by the rules [`parse`](Self::parse) applies:
    /// those that fail every provider first (in key order), then each provider's. Empty when the
    /// Worker would serve every configured provider. (Compiled for tests only: the check command
    /// is one, see `check.rs`.)
    #[cfg(test)]
    pub(crate) fn check(lookup: impl Fn(&str) -> Option<String>) -> Vec<Problem> {
        match Self::read(&lookup) {
            Ok(config) => config
                .disabled
                .into_iter()
                .flat_map(|d| d.problems)
                .collect(),
            Err(problems) => problems,
        }
    }

    /// Reads every binding, going on past a problem so that all of them are found: the
    /// configuration, or every problem when one of them fails every provider.
    fn read(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let auth_prefix = noted(
            &mut problems,
            parse_prefix("AUTH_PREFIX", lookup("AUTH_PREFIX"), DEFAULT_PREFIX),
        );
        let api_prefix = noted(
            &mut problems,
            parse_prefix("API_PREFIX", lookup("API_PREFIX"), DEFAULT_API_PREFIX),
        );
        if auth_prefix.is_some() && api_prefix == auth_prefix {
            problems.push(config_error("API_PREFIX", "must differ from AUTH_PREFIX"));
        }
        let allowed_origins = noted(&mut problems, parse_origins(lookup("ALLOWED_ORIGINS")));
        let session_ttl = noted(&mut problems, parse_ttl(lookup("SESSION_TTL_SECONDS")));
        let upstream_timeout = noted(&mut problems, parse_timeout(lookup("UPSTREAM_TIMEOUT_MS")));
        let keys = noted(
            &mut problems,
            parse_keys(lookup("SESSION_KEY"), lookup("SESSION_KEY_PREVIOUS")),
        );
        let limits = Limits::parse(lookup).map_err(|p| problems.extend(p)).ok();
        // Each entry is checked against the callback path it will have (under the default prefix
        // when AUTH_PREFIX itself is wrong).
        let prefix = auth_prefix.as_deref().unwrap_or(DEFAULT_PREFIX);
        let providers = noted(
            &mut problems,
            parse_providers(lookup("PROVIDERS"), lookup, prefix),
        );
        match (
            auth_prefix,
            api_prefix,
            allowed_origins,
            session_ttl,
            upstream_timeout,
            keys,
            limits,
            providers,
        ) {
            (
                Some(auth_prefix),
                Some(api_prefix),
                Some(allowed_origins),
                Some(session_ttl),
                Some(upstream_timeout),
                Some(keys),
                Some(limits),
                Some(providers),
            ) if problems.is_empty() => Ok(Self {
                auth_prefix,
                api_prefix,
                allowed_origins,
                session_ttl,
                upstream_timeout,
                providers: providers.working,
                disabled: providers.disabled,
                default_provider: providers.default,
                keys,
                limits,
            }),
            (.., providers) => {
                problems.extend(
                    providers
                        .into_iter()
                        .flat_map(|p| p.disabled)
                        .flat_map(|d| d.problems),
                );
                Err(problems)
            }
        }
    }

    /// The provider named `name`, or the default (the first entry) when `name` is `None`.
    pub(crate) fn provider(&self, name: Option<&str>) -> Result<&Provider, WorkerError> {
        let name = name.unwrap_or(&self.default_provider);
        if let Some(off) = self.disabled(name) {
            return Err(off.error());
        }
        let provider = self
            .providers
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| WorkerError::UnknownProvider(name.to_owned()))?;
        match &provider.unresolved {
            Some(why) => Err(why.error()),
            None => Ok(provider),
        }
    }

    /// Provider `name`, when its configuration turned it off.
    pub(crate) fn disabled(&self, name: &str) -> Option<&Disabled> {
        self.disabled.iter().find(|d| d.name == name)
    }
}

/// `r`'s value, or `None` with its problem noted.
fn noted<T>(problems: &mut Vec<Problem>, r: Result<T, Problem>) -> Option<T> {
    r.map_err(|p| problems.push(p)).ok()
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

fn config_error(key: &str, problem: impl Into<String>) -> Problem {
    Problem::global(key, problem)
}

fn no_providers() -> Problem {
    config_error(
        "PROVIDERS",
        "names no provider (JSON object: provider name → provider config)",
    )
}

fn parse_prefix(key: &str, value: Option<String>, default: &str) -> Result<String, Problem> {
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

fn parse_origins(value: Option<String>) -> Result<Vec<String>, Problem> {
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

fn parse_ttl(value: Option<String>) -> Result<u64, Problem> {
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

fn parse_timeout(value: Option<String>) -> Result<Duration, Problem> {
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
fn parse_keys(current: Option<String>, previous: Option<String>) -> Result<Keyring, Problem> {
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

fn parse_key(name: &str, value: &str) -> Result<[u8; 32], Problem> {
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

/// The entries of `PROVIDERS`, sorted into those that work and those their own configuration
/// turns off.
struct Providers {
    working: Vec<Provider>,
    disabled: Vec<Disabled>,
    /// The first entry's name.
    default: String,
}

/// Reads `PROVIDERS`. `Err` only when it cannot be read at all (missing, not a JSON object of
/// entries, empty, a name listed twice); an entry that cannot be used turns off that provider.
fn parse_providers(
    value: Option<String>,
    lookup: &impl Fn(&str) -> Option<String>,
    auth_prefix: &str,
) -> Result<Providers, Problem> {
    let text = value.ok_or_else(|| {
        config_error(
            "PROVIDERS",
            "is not set (JSON object: provider name → provider config)",
        )
    })?;
    let OrderedProviders(entries) = serde_json::from_str(&text)
        .map_err(|e| config_error("PROVIDERS", format!("is not valid: {e}")))?;
    // serde_json keeps document order (feature `preserve_order`): the first entry is the default.
    let default = entries
        .first()
        .map(|(name, _)| name.clone())
        .ok_or_else(no_providers)?;
    let mut providers = Providers {
        working: Vec::new(),
        disabled: Vec::new(),
        default,
    };
    for (name, entry) in entries {
        match provider_entry(&name, entry, lookup, auth_prefix) {
            Ok(p) => providers.working.push(p),
            Err(problems) => providers.disabled.push(Disabled { name, problems }),
        }
    }
    Ok(providers)
}

/// One entry of `PROVIDERS` (its profile applied) with its client secret, or every problem that
/// turns it off.
fn provider_entry(
    name: &str,
    entry: serde_json::Value,
    lookup: &impl Fn(&str) -> Option<String>,
    auth_prefix: &str,
) -> Result<Provider, Vec<Problem>> {
    let config = provider_from_json(entry).map_err(|e| {
        vec![Problem::of_provider(
            "PROVIDERS",
            name,
            format!("entry `{name}` is not usable: {}", e.0),
        )]
    })?;
    let mut problems = Vec::new();
    let key = client_secret_key(name);
    let client_secret = match (lookup(&key), config.client_auth) {
        (Some(s), _) if !s.is_empty() => ClientSecret::new(s),
        (_, ClientAuth::None) => ClientSecret::new(String::new()),
        _ => {
            problems.push(Problem::of_provider(
                &key,
                name,
                format!("is not set (the client secret for provider `{name}`; deployed: `wrangler secret put {key}`, locally: .dev.vars)"),
            ));
            ClientSecret::new(String::new())
        }
    };
    problems.extend(check_provider(name, &config, auth_prefix));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Provider {
        name: name.to_owned(),
        config,
        client_secret,
        unresolved: None,
    })
}

/// Checks what the routes rely on but the provider entry alone cannot say: the redirect URI is an
/// absolute URL, and a provider that delivers tokens in the redirect sends them to this Worker's
/// callback (`<origin><AUTH_PREFIX>/callback/<name>`) and can confirm them. (That the API proxy's
/// methods are ones it can send is the entry's type: `provider_from_json` refuses others.)
fn check_provider(name: &str, config: &ProviderConfig, auth_prefix: &str) -> Vec<Problem> {
    let problem =
        |what: String| Problem::of_provider("PROVIDERS", name, format!("entry `{name}` {what}"));
    let mut problems = Vec::new();
    if !(config.redirect_uri.starts_with("https://") || config.redirect_uri.starts_with("http://"))
    {
        problems.push(problem(format!(
            "has redirect_uri `{}`: it must be an absolute http(s) URL, the one registered at the provider",
            config.redirect_uri
        )));
    }
    if let Delivery::RedirectTokens {
        user_id, verify, ..
    } = &config.dialect.delivery
    {
        let expected = format!("{auth_prefix}/callback/{name}");
        if url_path(&config.redirect_uri) != Some(expected.as_str()) {
            problems.push(problem(format!(
                "receives tokens in the redirect, so its redirect_uri must be <origin>{expected}"
            )));
        }
        // Confirming by refresh proves the claimed user id only if the refresh sends it.
        let sends_user_id = config
            .dialect
            .refresh_params_from_user
            .iter()
            .any(|(_, fields)| fields.iter().any(|f| f == user_id));
        if *verify == TokenCheck::Refresh && !sends_user_id {
            problems.push(problem(format!(
                "confirms redirect tokens by refresh, so its refresh_params_from_user must send `{user_id}`"
            )));
        }
    }
    problems
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
        assert_eq!(with("SESSION_KEY", "c2hvcnQ="), "SESSION_KEY");
        assert_eq!(with("PROVIDERS", "{}"), "PROVIDERS");
        assert_eq!(with("AUTH_PREFIX", "auth"), "AUTH_PREFIX");
        assert_eq!(with("API_PREFIX", "api"), "API_PREFIX");
        assert_eq!(with("API_PREFIX", "/auth"), "API_PREFIX");
        assert_eq!(with("PROVIDERS", "[]"), "PROVIDERS");
        assert_eq!(with("PROVIDERS", "{not json"), "PROVIDERS");
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
        assert_eq!(bad.key, "SESSION_KEY_PREVIOUS");
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

    /// The problems of a configuration with these providers (and every other key right), as
    /// `key problem` lines.
    fn provider_problems(providers: serde_json::Value) -> Vec<String> {
        let c = parse_providers_json(providers).unwrap();
        c.disabled
            .iter()
            .flat_map(|d| &d.problems)
            .map(Problem::to_string)
            .collect()
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
        assert!(provider_problems(entry("https://app.example/auth/callback/sso")).is_empty());
        for bad in [
            "https://app.example/callback",
            "https://app.example/auth/callback/other",
            "https://app.example",
        ] {
            let problems = provider_problems(entry(bad));
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].contains("/auth/callback/sso"), "{bad}");
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
            provider_problems(entry(serde_json::json!([["username", ["user_id"]]]))).is_empty()
        );
        // (Lists merge over the profile's by name: this replaces the profile's `username` entry.)
        let problems = provider_problems(entry(serde_json::json!([["username", ["login"]]])));
        assert!(problems[0].contains("user_id"), "{problems:?}");
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
        let problems = provider_problems(entry(serde_json::json!(["get"])));
        assert!(problems[0].contains("`get`"), "{problems:?}");
        assert_eq!(
            provider_problems(entry(serde_json::json!(["TRACE"]))).len(),
            1
        );
    }

    /// Issue 10: a mistake in one provider's entry turns off that provider only.
    #[test]
    fn a_broken_provider_is_turned_off_alone() {
        let p = serde_json::json!({
            "zeta": {"authorization_endpoint": "https://z/a", "token_endpoint": "https://z/t",
                     "client_id": "z", "redirect_uri": "https://app/cb"},
            "alpha": {"authorization_endpoint": "https://a/a", "token_endpoint": "https://a/t",
                      "client_id": "a", "redirect_uri": "https://app/cb", "client_auth": "none"},
            "badurl": {"authorization_endpoint": "a.example/authorize", "token_endpoint": "https://b/t",
                       "client_id": "b", "redirect_uri": "https://app/cb", "client_auth": "none"},
            "typo": {"profile": "paysra", "client_id": "c", "redirect_uri": "https://app/cb"},
            "notobject": 7
        })
        .to_string();
        // No CLIENT_SECRET_ZETA: the default provider is off, and says so.
        let c = parse(&env(&[("PROVIDERS", &p), ("SESSION_KEY", KEY)])).unwrap();
        let working: Vec<&str> = c.providers.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(working, ["alpha"]);
        assert_eq!(c.provider(Some("alpha")).unwrap().config.client_id, "a");
        for (name, key, says) in [
            ("zeta", "CLIENT_SECRET_ZETA", "is not set"),
            (
                "badurl",
                "PROVIDERS",
                "`authorization_endpoint` must be an absolute",
            ),
            ("typo", "PROVIDERS", "unknown profile `paysra`"),
            ("notobject", "PROVIDERS", "must be a JSON object"),
        ] {
            let err = c.provider(Some(name)).err().unwrap();
            assert_eq!((err.code(), err.status()), ("config_error", 500), "{name}");
            let detail = err.log_detail().unwrap();
            assert!(detail.contains(&format!("`{name}`")), "{detail}");
            assert!(detail.contains(key) && detail.contains(says), "{detail}");
        }
        // The default is the first entry, even turned off (not silently another provider).
        let err = c.provider(None).err().unwrap();
        assert!(err.log_detail().unwrap().contains("CLIENT_SECRET_ZETA"));
        assert!(matches!(
            c.provider(Some("nope")),
            Err(WorkerError::UnknownProvider(_))
        ));
        // With its secret, zeta works again.
        let c = parse(&env(&[
            ("PROVIDERS", &p),
            ("SESSION_KEY", KEY),
            ("CLIENT_SECRET_ZETA", "s"),
        ]))
        .unwrap();
        assert_eq!(c.provider(None).unwrap().name, "zeta");
    }

    #[test]
    fn mistakes_every_provider_shares_still_fail_everything() {
        let p = providers_json();
        for (key, value) in [
            ("SESSION_KEY", "c2hvcnQ="),
            ("PROVIDERS", "{}"),
            ("PROVIDERS", r#"{"a": 1, "a": 2}"#),
            ("AUTH_PREFIX", "auth"),
        ] {
            let mut m = env(&[("PROVIDERS", &p), ("SESSION_KEY", KEY)]);
            m.insert(key.to_owned(), value.to_owned());
            assert_eq!(config_key(parse(&m).err().unwrap()), key, "{key}={value}");
        }
    }

    /// Issue 10: the check lists every problem at once, each with its key and provider.
    #[test]
    fn the_check_lists_every_problem_at_once() {
        let p = serde_json::json!({
            "zeta": {"authorization_endpoint": "https://z/a", "token_endpoint": "https://z/t",
                     "client_id": "z", "redirect_uri": "https://app/cb"},
            "sso": {"profile": "plain-sso", "authorization_endpoint": "https://sso/login",
                    "token_endpoint": "https://sso/token", "client_id": "c",
                    "redirect_uri": "app/callback"}
        })
        .to_string();
        let problems = Config::check(|k| {
            env(&[
                ("PROVIDERS", &p),
                ("SESSION_KEY", "c2hvcnQ="),
                ("SESSION_TTL_SECONDS", "10"),
                ("RATE_LIMITS", "{"),
                ("AUTH_BODY_LIMIT_BYTES", "1"),
            ])
            .get(k)
            .cloned()
        });
        let listed: Vec<(&str, Option<&str>)> = problems
            .iter()
            .map(|p| (p.key.as_str(), p.provider.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                ("SESSION_TTL_SECONDS", None),
                ("SESSION_KEY", None),
                ("AUTH_BODY_LIMIT_BYTES", None),
                ("RATE_LIMITS", None),
                ("CLIENT_SECRET_ZETA", Some("zeta")),
                ("PROVIDERS", Some("sso")),
                ("PROVIDERS", Some("sso")),
            ]
        );
        assert!(problems[5].problem.contains("absolute"), "{}", problems[5]);
        assert!(
            problems[6].problem.contains("/auth/callback/sso"),
            "{}",
            problems[6]
        );
        // What parse answers is the first of them.
        let first = Config::parse(|k| {
            env(&[("PROVIDERS", &p), ("SESSION_KEY", "c2hvcnQ=")])
                .get(k)
                .cloned()
        })
        .err()
        .unwrap();
        assert_eq!(config_key(first), "SESSION_KEY");
        // A good configuration has none.
        let good = providers_json();
        assert!(Config::check(|k| env(&[
            ("PROVIDERS", &good),
            ("SESSION_KEY", KEY),
            ("CLIENT_SECRET_ZETA", "s")
        ])
        .get(k)
        .cloned())
        .is_empty());
    }

    #[test]
    fn url_paths() {
        assert_eq!(url_path("https://a.example/x/y?q#f"), Some("/x/y"));
        assert_eq!(url_path("https://a.example"), None);
        assert_eq!(url_path("/x"), None);
    }
}
