//! The Worker's OpenID Connect I/O: provider metadata and JWK Sets, fetched and cached in KV, and
//! the ID-token check of a login. The decisions are `oauth_edge_shared::oidc` and `::jose`; this
//! file only fetches, caches and retries.
//!
//! Caching (KV, so it survives isolate restarts and is shared by every isolate of a location):
//! - metadata under `oidc:meta:<sha256(issuer)>`: fresh for [`METADATA_FRESH`]; a stale copy is
//!   still used while the provider cannot be reached (and refetched with a doubling backoff, up
//!   to [`BACKOFF_MAX`]); with no copy at all, the login answers `provider_unavailable`, and the
//!   next attempt waits for the backoff too (a provider outage is not multiplied by every call);
//! - a JWK Set under `oidc:jwks:<sha256(jwks_uri)>`: fresh for [`METADATA_FRESH`]; a token whose
//!   `kid` names no key makes it refetch once, at most once per [`JWKS_REFETCH_FLOOR`] (key
//!   rotation works without a restart; a stream of forged `kid`s cannot hammer the provider).
use oauth_edge_shared::b64;
use oauth_edge_shared::http::HttpResponse;
use oauth_edge_shared::jose::{Alg, JwkSet};
use oauth_edge_shared::oidc::discovery::{
    document_request, metadata_urls, parse_metadata, DiscoveryError, Metadata,
};
use oauth_edge_shared::oidc::id_token::{
    check_refreshed, validate, Check, Expected, IdToken, Refusal,
};
use oauth_edge_shared::oidc::logout_token::{self, LogoutToken, LogoutTokenError};
use oauth_edge_shared::UnixTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, Provider, Unresolved};
use crate::effects::{Clock, Fetch, Kv, Log};
use crate::error::WorkerError;

/// How long fetched metadata and keys are used before they are fetched again.
pub(crate) const METADATA_FRESH: u64 = 3600;
/// The longest wait between two fetches of a provider that keeps failing.
pub(crate) const BACKOFF_MAX: u64 = 3600;
/// The first wait after a failed fetch.
const BACKOFF_MIN: u64 = 15;
/// The shortest time between two fetches of one JWK Set.
pub(crate) const JWKS_REFETCH_FLOOR: u64 = 10;
/// How long KV keeps a cached document (a stale one serves while the provider is down).
const KV_TTL: u64 = 7 * 24 * 3600;

/// A cached document and when to fetch it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached<T> {
    /// The document, if one was ever fetched.
    value: Option<T>,
    /// When it was fetched.
    fetched_at: UnixTime,
    /// Failed fetches since, and when the next may be tried.
    failures: u32,
    retry_at: UnixTime,
}

fn cache_key(kind: &str, url: &str) -> String {
    format!(
        "oidc:{kind}:{}",
        b64::url_encode(&Sha256::digest(url.as_bytes()))
    )
}

async fn read<T: for<'de> Deserialize<'de>>(fx: &impl Kv, key: &str) -> Option<Cached<T>> {
    let text = fx.kv_get(key).await.ok()??;
    serde_json::from_str(&text).ok()
}

async fn write<T: Serialize>(fx: &(impl Kv + Log), key: &str, cached: &Cached<T>) {
    let json = serde_json::to_string(cached).unwrap_or_default();
    if let Err(e) = fx.kv_put(key, json, KV_TTL).await {
        fx.warn(&format!(
            "oidc cache: not stored: {}",
            e.log_detail().unwrap_or_default()
        ));
    }
}

/// Fills every provider that uses discovery from its metadata. A provider whose metadata cannot
/// be had is marked (`Provider::unresolved`): calls for it answer that error, the others work.
pub(crate) async fn discover_all<F: Fetch + Kv + Clock + Log>(config: &mut Config, fx: &F) {
    let timeout = config.upstream_timeout;
    for provider in &mut config.providers {
        if !provider.config.uses_discovery() {
            continue;
        }
        let issuer = provider.config.issuer.clone().unwrap_or_default();
        match metadata(fx, &issuer, timeout).await {
            Ok(meta) => meta.apply_to(&mut provider.config),
            Err(WorkerError::Config { problem, .. }) => {
                provider.unresolved = Some(Unresolved::Misconfigured(problem));
            }
            Err(e) => {
                let detail = e.log_detail().unwrap_or_else(|| e.code().to_owned());
                provider.unresolved = Some(Unresolved::Unreachable(detail));
            }
        }
    }
}

/// The provider's metadata: from KV while fresh, else fetched (both documents).
async fn metadata<F: Fetch + Kv + Clock + Log>(
    fx: &F,
    issuer: &str,
    timeout: std::time::Duration,
) -> Result<Metadata, WorkerError> {
    let key = cache_key("meta", issuer);
    let now = fx.now();
    let cached: Option<Cached<Metadata>> = read(fx, &key).await;
    if let Some(c) = &cached {
        let fresh = now < c.fetched_at.saturating_add(METADATA_FRESH);
        if let (true, Some(meta)) = (fresh, &c.value) {
            return Ok(meta.clone());
        }
        if now < c.retry_at {
            // Backing off: the stale copy if there is one, else the outage.
            return c.value.clone().ok_or_else(|| {
                WorkerError::Unreachable(format!("{issuer}: discovery failed; retrying later"))
            });
        }
    }
    match fetch_metadata(fx, issuer, timeout).await {
        Ok(meta) => {
            let fresh = Cached {
                value: Some(meta.clone()),
                fetched_at: now,
                failures: 0,
                retry_at: 0,
            };
            write(fx, &key, &fresh).await;
            Ok(meta)
        }
        Err(e) => {
            let failures = cached.as_ref().map_or(0, |c| c.failures) + 1;
            let wait = BACKOFF_MIN
                .saturating_mul(1 << failures.min(12))
                .min(BACKOFF_MAX);
            fx.warn(&format!(
                "oidc discovery of {issuer}: {} (next try in {wait} s)",
                e.log_detail().unwrap_or_else(|| e.code().into())
            ));
            let stale = cached.and_then(|c| c.value.map(|v| (v, c.fetched_at)));
            let next = Cached {
                value: stale.as_ref().map(|(v, _)| v.clone()),
                fetched_at: stale.as_ref().map_or(0, |(_, at)| *at),
                failures,
                retry_at: now + wait,
            };
            write(fx, &key, &next).await;
            match stale {
                Some((meta, _)) => Ok(meta),
                None => Err(e),
            }
        }
    }
}

/// Fetches both documents; the OpenID one must answer (or the RFC 8414 one if it does not), and
/// every one that answers must name `issuer`.
async fn fetch_metadata<F: Fetch>(
    fx: &F,
    issuer: &str,
    timeout: std::time::Duration,
) -> Result<Metadata, WorkerError> {
    let urls = metadata_urls(issuer).map_err(|_| misconfigured(issuer, "is not an https URL"))?;
    let mut found: Vec<Metadata> = Vec::new();
    let mut unavailable = None;
    for url in &urls {
        let answer = fx.send(&document_request(url), timeout).await;
        match answer.map(|r| parse_metadata(issuer, &r)) {
            Ok(Ok(meta)) => found.push(meta),
            Ok(Err(DiscoveryError::InsecureEndpoint(name))) => {
                return Err(misconfigured(
                    issuer,
                    &format!("names a `{name}` that is not https at {url}"),
                ))
            }
            Ok(Err(DiscoveryError::IssuerMismatch(other))) => {
                return Err(misconfigured(
                    issuer,
                    &format!("differs from the issuer its metadata at {url} names ({other:?})"),
                ))
            }
            Ok(Err(e)) => unavailable = Some(format!("{url}: {e:?}")),
            Err(e) => unavailable = Some(e.log_detail().unwrap_or_default()),
        }
    }
    let mut found = found.into_iter();
    let first = found.next().ok_or_else(|| {
        WorkerError::Unreachable(unavailable.unwrap_or_else(|| "no metadata".into()))
    })?;
    Ok(found.fold(first, Metadata::merged))
}

fn misconfigured(issuer: &str, problem: &str) -> WorkerError {
    WorkerError::Config {
        key: "PROVIDERS".into(),
        problem: format!("issuer {issuer} {problem}"),
    }
}

/// The provider's JWK Set: from KV while fresh (and, with `refetch`, unless fetched less than
/// [`JWKS_REFETCH_FLOOR`] ago), else fetched.
async fn jwks<F: Fetch + Kv + Clock + Log>(
    fx: &F,
    uri: &str,
    timeout: std::time::Duration,
    refetch: bool,
) -> Result<JwkSet, WorkerError> {
    let key = cache_key("jwks", uri);
    let now = fx.now();
    let cached: Option<Cached<String>> = read(fx, &key).await;
    if let Some(Cached {
        value: Some(doc),
        fetched_at,
        ..
    }) = &cached
    {
        let age = now.saturating_sub(*fetched_at);
        let fresh = age < METADATA_FRESH && !(refetch && age >= JWKS_REFETCH_FLOOR);
        if fresh {
            if let Some(set) = JwkSet::parse(doc.as_bytes()) {
                return Ok(set);
            }
        }
    }
    let answer = fx.send(&document_request(uri), timeout).await;
    let parsed = answer.ok().and_then(|r: HttpResponse| {
        let set = (r.status == 200)
            .then(|| JwkSet::parse(&r.body))
            .flatten()?;
        Some((set, String::from_utf8(r.body).ok()?))
    });
    match parsed {
        Some((set, doc)) => {
            let entry = Cached {
                value: Some(doc),
                fetched_at: now,
                failures: 0,
                retry_at: 0,
            };
            write(fx, &key, &entry).await;
            Ok(set)
        }
        // A provider that cannot answer now: the cached keys, if any, still verify.
        None => cached
            .and_then(|c| c.value)
            .and_then(|doc| JwkSet::parse(doc.as_bytes()))
            .ok_or_else(|| WorkerError::Unreachable(format!("{uri}: no JWK Set"))),
    }
}

/// Validates the `id_token` of a login's token response for `provider` (the login's `nonce`):
/// its keys fetched (once more if none fits), every check of OIDC Core §3.1.3.7.
pub(crate) async fn check_login<F: Fetch + Kv + Clock + Log>(
    fx: &F,
    config: &Config,
    provider: &Provider,
    id_token: Option<&str>,
    nonce: &str,
) -> Result<IdToken, WorkerError> {
    let token = id_token.ok_or(WorkerError::IdTokenInvalid(Check::Missing))?;
    validate_id_token(fx, config, provider, token, Some(nonce)).await
}

/// OIDC Core §12.2: the ID token of a refresh answer is validated like a login's (without a
/// nonce), and must name the session's issuer and user (`session_user`: the claims the login
/// kept; a session that has no `iss` and `sub` there was not an OpenID Connect login).
pub(crate) async fn check_refresh<F: Fetch + Kv + Clock + Log>(
    fx: &F,
    config: &Config,
    provider: &Provider,
    id_token: &str,
    session_user: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), WorkerError> {
    let refreshed = validate_id_token(fx, config, provider, id_token, None).await?;
    if !(session_user.contains_key("iss") && session_user.contains_key("sub")) {
        return Ok(());
    }
    let first = IdToken {
        claims: session_user.clone(),
    };
    check_refreshed(&first, &refreshed).map_err(WorkerError::IdTokenInvalid)
}

async fn validate_id_token<F: Fetch + Kv + Clock + Log>(
    fx: &F,
    config: &Config,
    provider: &Provider,
    token: &str,
    nonce: Option<&str>,
) -> Result<IdToken, WorkerError> {
    let p = &provider.config;
    let uri = p.jwks_uri.as_deref().ok_or_else(|| WorkerError::Config {
        key: "PROVIDERS".into(),
        problem: format!(
            "entry `{}` asks for `openid` but no `jwks_uri` is known (set it, or `issuer` for discovery)",
            provider.name
        ),
    })?;
    let algs = Alg::allowed(&p.id_token_signing_algs);
    let expected = Expected {
        issuer: p.issuer.as_deref().unwrap_or_default(),
        client_id: &p.client_id,
        nonce,
        algs: &algs,
        now: fx.now(),
    };
    let timeout = config.upstream_timeout;
    let mut refetched = false;
    loop {
        let keys = jwks(fx, uri, timeout, refetched).await?;
        match validate(token, &keys, &expected) {
            Ok(valid) => return Ok(valid),
            Err(Refusal::UnknownKey) if !refetched => refetched = true,
            Err(Refusal::UnknownKey) => return Err(WorkerError::IdTokenInvalid(Check::Kid)),
            Err(Refusal::Failed(check)) => return Err(WorkerError::IdTokenInvalid(check)),
        }
    }
}

/// Validates a back-channel logout token for `provider` (Back-Channel Logout 1.0 §2.6), its keys
/// fetched once more if none fits.
pub(crate) async fn check_logout_token<F: Fetch + Kv + Clock + Log>(
    fx: &F,
    config: &Config,
    provider: &Provider,
    token: &str,
) -> Result<LogoutToken, WorkerError> {
    let p = &provider.config;
    let (Some(issuer), Some(uri)) = (p.issuer.as_deref(), p.jwks_uri.as_deref()) else {
        return Err(WorkerError::NotFound);
    };
    let algs = Alg::allowed(&p.id_token_signing_algs);
    let mut refetched = false;
    loop {
        let keys = jwks(fx, uri, config.upstream_timeout, refetched).await?;
        match logout_token::validate(token, &keys, issuer, &p.client_id, &algs, fx.now()) {
            Ok(valid) => return Ok(valid),
            Err(LogoutTokenError::UnknownKey) if !refetched => refetched = true,
            Err(e) => return Err(WorkerError::LogoutTokenInvalid(e.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::effects::fake::provider::ISSUER;
    use crate::effects::fake::{block_on, Fakes};

    const T: Duration = Duration::from_secs(5);

    fn world() -> Fakes {
        let vars = [
            (
                "PROVIDERS",
                json!({"op": {"issuer": ISSUER, "client_id": "app",
                              "redirect_uri": "https://app.test/cb", "scope": "openid"}})
                .to_string(),
            ),
            (
                "SESSION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned(),
            ),
            ("CLIENT_SECRET_OP", "s".to_owned()),
        ];
        let config =
            Config::parse(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())).unwrap();
        let fx = Fakes::new(config, 1_800_000_000);
        fx.provider.borrow_mut().metadata = Some(json!({
            "issuer": ISSUER,
            "authorization_endpoint": format!("{ISSUER}/authorize"),
            "token_endpoint": format!("{ISSUER}/token"),
            "jwks_uri": format!("{ISSUER}/jwks"),
        }));
        fx
    }

    fn fetches(fx: &Fakes) -> usize {
        fx.provider
            .borrow()
            .requests
            .iter()
            .filter(|r| r.url.contains("/.well-known/"))
            .count()
    }

    #[test]
    fn metadata_is_cached_in_kv_and_fills_the_entry() {
        let fx = world();
        let meta = block_on(metadata(&fx, ISSUER, T)).unwrap();
        assert_eq!(
            meta.token_endpoint.as_deref(),
            Some("https://as.test/token")
        );
        // Both documents were asked for (the RFC 8414 one answers 404 here).
        assert_eq!(fetches(&fx), 2);
        fx.advance(METADATA_FRESH - 1);
        block_on(metadata(&fx, ISSUER, T)).unwrap();
        assert_eq!(fetches(&fx), 2, "fresh: from KV");
        fx.advance(1);
        block_on(metadata(&fx, ISSUER, T)).unwrap();
        assert_eq!(fetches(&fx), 4, "stale: fetched again");
    }

    #[test]
    fn an_outage_backs_off_and_a_stale_copy_serves_meanwhile() {
        let fx = world();
        fx.provider.borrow_mut().offline = true;
        let err = block_on(metadata(&fx, ISSUER, T)).unwrap_err();
        assert_eq!(err.code(), "provider_unavailable");
        assert_eq!(fetches(&fx), 0, "(offline: nothing reached the provider)");
        let tried = || {
            fx.log
                .borrow()
                .iter()
                .filter(|l| l.starts_with("oidc discovery"))
                .count()
        };
        assert_eq!(tried(), 1);
        // Within the backoff: not tried again, however many calls come.
        for _ in 0..5 {
            assert!(block_on(metadata(&fx, ISSUER, T)).is_err());
        }
        assert_eq!(tried(), 1);
        // After it (30 s after the first failure), tried again; the backoff doubles.
        fx.advance(2 * BACKOFF_MIN);
        assert!(block_on(metadata(&fx, ISSUER, T)).is_err());
        assert_eq!(tried(), 2);
        fx.advance(2 * BACKOFF_MIN);
        assert!(block_on(metadata(&fx, ISSUER, T)).is_err());
        assert_eq!(tried(), 2, "the second wait is longer");
        // Back online: found, cached; then down again after it went stale: the stale copy serves.
        fx.provider.borrow_mut().offline = false;
        fx.advance(BACKOFF_MAX);
        assert!(block_on(metadata(&fx, ISSUER, T)).is_ok());
        fx.provider.borrow_mut().offline = true;
        fx.advance(METADATA_FRESH);
        let stale = block_on(metadata(&fx, ISSUER, T)).unwrap();
        assert_eq!(stale.issuer, ISSUER);
    }

    #[test]
    fn an_issuer_mismatch_is_a_configuration_error() {
        let mut fx = world();
        fx.provider.borrow_mut().metadata = Some(json!({"issuer": "https://evil.test"}));
        let mut config = std::mem::replace(&mut fx.config, world().config);
        block_on(discover_all(&mut config, &fx));
        let err = config.provider(Some("op")).err().unwrap();
        assert_eq!(err.code(), "config_error");
        assert!(err.log_detail().unwrap().contains("https://evil.test"));
    }
}
