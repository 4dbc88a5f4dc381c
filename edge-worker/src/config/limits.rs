//! The Worker's limits against scripted abuse (issue 6, findings 4 and 5): request body sizes and
//! attempt rates, each configurable, each with a default a real app does not hit.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `AUTH_BODY_LIMIT_BYTES` | 16384 | largest body of an `/auth/*` call (1024..=1048576) |
//! | `API_BODY_LIMIT_BYTES` | 1048576 | largest body the API proxy forwards (1024..=104857600) |
//! | `RATE_LIMITS` | see [`RateLimits::default`] | JSON: name → `{"max": n, "window_seconds": s}` |
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use super::Problem;

/// The default `AUTH_BODY_LIMIT_BYTES`: 16 KiB, far above any auth call's JSON.
pub(crate) const DEFAULT_AUTH_BODY_LIMIT: usize = 16 * 1024;
/// The default `API_BODY_LIMIT_BYTES`: 1 MiB.
pub(crate) const DEFAULT_API_BODY_LIMIT: usize = 1024 * 1024;
const AUTH_BODY_LIMITS: RangeInclusive<usize> = 1024..=1024 * 1024;
/// Workers accept request bodies up to 100 MB on every plan.
const API_BODY_LIMITS: RangeInclusive<usize> = 1024..=100 * 1024 * 1024;

/// At most `max` attempts per `window_seconds`, counted across every isolate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rate {
    /// Attempts allowed in one window (at least 1).
    pub(crate) max: u32,
    /// The window, in seconds (1..=86400).
    pub(crate) window_seconds: u32,
}

/// Every rate limit, by what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RateLimits {
    /// `/auth/password` and `/auth/register` attempts for one user name (of one provider).
    pub(crate) login_per_user: Rate,
    /// `/auth/password` and `/auth/register` attempts from one client address.
    pub(crate) login_per_ip: Rate,
    /// Calls from one client address to a proxied API an entry opened to anonymous callers.
    pub(crate) anonymous_api_per_ip: Rate,
    /// Logins finished from one client address (`/auth/token`, a provider's callback): each one
    /// costs a token request with the app's credentials.
    pub(crate) login_finish_per_ip: Rate,
}

impl Default for RateLimits {
    /// Ten password or registration attempts per user name per 15 minutes; 50 per address per
    /// 15 minutes (a shared office NAT signs in more than one user); 60 anonymous API calls per
    /// address per minute; 60 finished logins (code exchanges, tokens-in-redirect callbacks) per
    /// address per 15 minutes.
    fn default() -> Self {
        Self {
            login_per_user: Rate {
                max: 10,
                window_seconds: 900,
            },
            login_per_ip: Rate {
                max: 50,
                window_seconds: 900,
            },
            anonymous_api_per_ip: Rate {
                max: 60,
                window_seconds: 60,
            },
            login_finish_per_ip: Rate {
                max: 60,
                window_seconds: 900,
            },
        }
    }
}

/// The limits, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Largest `/auth/*` body, in bytes.
    pub(crate) auth_body: usize,
    /// Largest proxied request body, in bytes.
    pub(crate) api_body: usize,
    /// Attempt rates.
    pub(crate) rates: RateLimits,
}

impl Limits {
    /// Reads the three keys through `lookup`; every key that is wrong is a problem (all of them,
    /// not only the first: the check command lists them together).
    pub(crate) fn parse(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, Vec<Problem>> {
        let auth_body = parse_size(
            "AUTH_BODY_LIMIT_BYTES",
            lookup("AUTH_BODY_LIMIT_BYTES"),
            DEFAULT_AUTH_BODY_LIMIT,
            AUTH_BODY_LIMITS,
        );
        let api_body = parse_size(
            "API_BODY_LIMIT_BYTES",
            lookup("API_BODY_LIMIT_BYTES"),
            DEFAULT_API_BODY_LIMIT,
            API_BODY_LIMITS,
        );
        let rates = parse_rates(lookup("RATE_LIMITS"));
        match (auth_body, api_body, rates) {
            (Ok(auth_body), Ok(api_body), Ok(rates)) => Ok(Self {
                auth_body,
                api_body,
                rates,
            }),
            (auth_body, api_body, rates) => Err([auth_body.err(), api_body.err(), rates.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

fn parse_size(
    key: &str,
    value: Option<String>,
    default: usize,
    range: RangeInclusive<usize>,
) -> Result<usize, Problem> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(default);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(Problem::global(
            key,
            format!(
                "must be a whole number of bytes from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

fn parse_rates(value: Option<String>) -> Result<RateLimits, Problem> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(RateLimits::default());
    };
    let problem = |what: String| Problem::global("RATE_LIMITS", what);
    let rates: RateLimits = serde_json::from_str(&value).map_err(|e| {
        problem(format!(
            "is not valid ({e}): a JSON object such as {{\"login_per_user\": {{\"max\": 10, \"window_seconds\": 900}}}}"
        ))
    })?;
    for (name, rate) in [
        ("login_per_user", rates.login_per_user),
        ("login_per_ip", rates.login_per_ip),
        ("anonymous_api_per_ip", rates.anonymous_api_per_ip),
        ("login_finish_per_ip", rates.login_finish_per_ip),
    ] {
        if rate.max == 0 || !(1..=86_400).contains(&rate.window_seconds) {
            return Err(problem(format!(
                "`{name}` needs max ≥ 1 and window_seconds from 1 to 86400"
            )));
        }
    }
    Ok(rates)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Limits, Vec<Problem>> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Limits::parse(&|k: &str| map.get(k).cloned())
    }

    fn key_of(mut problems: Vec<Problem>) -> String {
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems.remove(0).key
    }

    #[test]
    fn defaults() {
        let l = parse(&[]).unwrap();
        assert_eq!(l.auth_body, 16 * 1024);
        assert_eq!(l.api_body, 1024 * 1024);
        assert_eq!(l.rates, RateLimits::default());
    }

    #[test]
    fn explicit_values_and_partial_rates() {
        let l = parse(&[
            ("AUTH_BODY_LIMIT_BYTES", "2048"),
            ("API_BODY_LIMIT_BYTES", " 4096 "),
            (
                "RATE_LIMITS",
                r#"{"login_per_user": {"max": 3, "window_seconds": 60}}"#,
            ),
        ])
        .unwrap();
        assert_eq!((l.auth_body, l.api_body), (2048, 4096));
        assert_eq!(
            l.rates.login_per_user,
            Rate {
                max: 3,
                window_seconds: 60
            }
        );
        assert_eq!(l.rates.login_per_ip, RateLimits::default().login_per_ip);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (k, v) in [
            ("AUTH_BODY_LIMIT_BYTES", "100"),
            ("AUTH_BODY_LIMIT_BYTES", "2000000"),
            ("API_BODY_LIMIT_BYTES", "lots"),
            ("RATE_LIMITS", "{"),
            (
                "RATE_LIMITS",
                r#"{"login_per_user": {"max": 0, "window_seconds": 60}}"#,
            ),
            (
                "RATE_LIMITS",
                r#"{"login_per_ip": {"max": 1, "window_seconds": 0}}"#,
            ),
            (
                "RATE_LIMITS",
                r#"{"typo": {"max": 1, "window_seconds": 1}}"#,
            ),
        ] {
            assert_eq!(key_of(parse(&[(k, v)]).unwrap_err()), k, "{k}={v}");
        }
    }

    #[test]
    fn every_bad_key_is_listed() {
        let problems = parse(&[
            ("AUTH_BODY_LIMIT_BYTES", "100"),
            ("API_BODY_LIMIT_BYTES", "lots"),
            ("RATE_LIMITS", "{"),
        ])
        .unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "AUTH_BODY_LIMIT_BYTES",
                "API_BODY_LIMIT_BYTES",
                "RATE_LIMITS"
            ]
        );
    }
}
