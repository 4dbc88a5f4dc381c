//! The Worker's configuration (`config::Config::parse` in edge-worker/src/config/, with
//! `config::limits`): every binding it reads, with any value. A configuration either parses into
//! values inside their documented bounds, or is refused as `500 config_error` naming one binding,
//! with the same generic message for every such error (the detail goes to the log only) and a
//! log detail that no secret's value changes. What parses is usable: the keyring opens what
//! `SESSION_KEY` (and, rotating, `SESSION_KEY_PREVIOUS`) sealed; every auth endpoint and every
//! provider's callback is routed there under the parsed prefixes, and so is the API proxy of every
//! provider that has one.
//!
//! Input: lines `NAME=value` (a later line for the same name wins; a line without `=` is
//! ignored). The seeds (corpus/worker_config) are the configurations of edge-worker's config
//! tests.
#![no_main]
use std::collections::HashMap;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::text;
use oauth_edge_shared::b64;
use oauth_edge_shared::provider::ClientAuth;
use oauth_edge_worker::fuzzing::{
    client_secret_key, open, parse_config, route, seal, Config, Error, Keyring, Purpose, Route,
    ENDPOINTS,
};

const KEYS: [&str; 11] = [
    "PROVIDERS",
    "SESSION_KEY",
    "SESSION_KEY_PREVIOUS",
    "ALLOWED_ORIGINS",
    "AUTH_PREFIX",
    "API_PREFIX",
    "SESSION_TTL_SECONDS",
    "UPSTREAM_TIMEOUT_MS",
    "AUTH_BODY_LIMIT_BYTES",
    "API_BODY_LIMIT_BYTES",
    "RATE_LIMITS",
];

/// A root key as `config` reads one: standard base64, or base64url with or without padding.
fn root_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let bytes = b64::std_decode(text).or_else(|| b64::url_decode(text.trim_end_matches('=')))?;
    bytes.try_into().ok()
}

fn blank(v: Option<&String>) -> bool {
    v.is_none_or(|v| v.trim().is_empty())
}

fn parse(env: &HashMap<String, String>) -> Result<Config, Error> {
    parse_config(|k| env.get(k).cloned())
}

/// The same bindings with every secret replaced by another value the configuration reads the
/// same way: another non-empty client secret, another 32-byte key (an unreadable key stays).
fn twin(env: &HashMap<String, String>) -> HashMap<String, String> {
    env.iter()
        .map(|(k, v)| {
            let v = if k.starts_with("CLIENT_SECRET_") && !v.is_empty() {
                format!("twin-secret-{}", v.len())
            } else if k == "SESSION_KEY" || k == "SESSION_KEY_PREVIOUS" {
                root_key(v).map_or_else(|| v.clone(), |key| b64::std_encode(&key.map(|b| b ^ 0x5a)))
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

fn check_ok(c: &Config, env: &HashMap<String, String>) {
    for (name, prefix, default) in [
        ("AUTH_PREFIX", &c.auth_prefix, "/auth"),
        ("API_PREFIX", &c.api_prefix, "/api"),
    ] {
        if blank(env.get(name)) {
            assert_eq!(prefix, default);
        }
        assert!(prefix.len() > 1 && prefix.starts_with('/') && !prefix.ends_with('/'));
        assert!(prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b)));
    }
    assert_ne!(c.auth_prefix, c.api_prefix);
    for origin in &c.allowed_origins {
        assert_eq!(*origin, origin.to_ascii_lowercase());
        assert!(!origin.ends_with('/'));
        let (scheme, host) = origin.split_once("://").expect("an origin has a scheme");
        assert!(!host.is_empty() && !host.contains('/'), "{origin}");
        assert!(scheme == "https" || scheme == "http", "{origin}");
    }
    assert!(c.session_ttl >= 60);
    if blank(env.get("SESSION_TTL_SECONDS")) {
        assert_eq!(c.session_ttl, 30 * 24 * 3600);
    }
    assert!((Duration::from_millis(100)..=Duration::from_secs(12)).contains(&c.upstream_timeout));
    assert!((1024..=1024 * 1024).contains(&c.auth_body_limit));
    assert!((1024..=100 * 1024 * 1024).contains(&c.api_body_limit));
    for (name, rate) in c.rates {
        assert!(rate.max >= 1, "{name}");
        assert!((1..=86_400).contains(&rate.window_seconds), "{name}");
    }
    for (i, p) in c.providers.iter().enumerate() {
        assert!(
            c.providers[..i].iter().all(|q| q.name != p.name),
            "provider {:?} twice",
            p.name
        );
        match env
            .get(&client_secret_key(&p.name))
            .filter(|s| !s.is_empty())
        {
            Some(secret) => assert_eq!(&p.client_secret, secret),
            None => {
                assert!(matches!(p.config.client_auth, ClientAuth::None));
                assert!(p.client_secret.is_empty());
            }
        }
    }

    // The keyring: SESSION_KEY seals and opens, SESSION_KEY_PREVIOUS only opens.
    let current = root_key(&env["SESSION_KEY"]).expect("a parsed SESSION_KEY");
    let previous = env
        .get("SESSION_KEY_PREVIOUS")
        .filter(|p| !p.trim().is_empty())
        .map(|p| root_key(p).expect("a parsed SESSION_KEY_PREVIOUS"));
    for key in std::iter::once(current).chain(previous) {
        let sealed = seal(
            &Keyring::new(key, None),
            Purpose::Session,
            "k",
            b"v",
            [1; 12],
        );
        assert_eq!(
            open(&c.keys, Purpose::Session, "k", &sealed).as_deref(),
            Some(&b"v"[..])
        );
    }
    let sealed = seal(&c.keys, Purpose::Transaction, "k", b"v", [1; 12]);
    assert!(open(
        &Keyring::new(current, None),
        Purpose::Transaction,
        "k",
        &sealed
    )
    .is_some());

    // Every endpoint, callback and proxied API is reachable under the parsed prefixes.
    let (auth, api) = (c.auth_prefix.as_str(), c.api_prefix.as_str());
    for endpoint in ENDPOINTS {
        assert_eq!(
            route(&format!("{auth}{endpoint}"), auth, api),
            Some(Route::Auth(endpoint))
        );
    }
    for p in &c.providers {
        let name = &p.name;
        if name.is_empty() || name.contains('/') {
            continue;
        }
        assert_eq!(
            route(&format!("{auth}/callback/{name}"), auth, api),
            Some(Route::Callback(name.clone()))
        );
        if p.config.api.is_some() {
            assert_eq!(
                route(&format!("{api}/{name}/x"), auth, api),
                Some(Route::Api {
                    provider: name.clone(),
                    rest: "x".into()
                }),
                "the API of provider {name:?} is unreachable under AUTH_PREFIX={auth} API_PREFIX={api}"
            );
        }
    }
}

fn check_err(e: &Error, env: &HashMap<String, String>) {
    assert_eq!((e.code, e.status), ("config_error", 500));
    let key = e.key.as_deref().expect("a config error names its binding");
    assert!(
        KEYS.contains(&key) || key.starts_with("CLIENT_SECRET_"),
        "unknown binding {key}"
    );
    // The caller learns nothing of the configuration: one message for every config error.
    let generic = parse(&HashMap::new())
        .err()
        .expect("no SESSION_KEY")
        .message;
    assert_eq!(e.message, generic);
    // No secret's value shapes what the log says.
    let twin = parse(&twin(env)).err().expect("a twin fails too");
    assert_eq!((&twin.key, &twin.detail), (&e.key, &e.detail));
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let env: HashMap<String, String> = input
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    match parse(&env) {
        Ok(c) => {
            check_ok(&c, &env);
            assert!(parse(&twin(&env)).is_ok());
        }
        Err(e) => check_err(&e, &env),
    }
});
