//! Helpers shared by the fuzz targets in `fuzz_targets/`: the provider configurations every
//! dialect-dependent parser is run under, the splitting of one fuzz input into several
//! textual arguments (so that seed files stay readable text), and a reader of numbers for the
//! targets whose input is binary.
use std::sync::OnceLock;

use oauth_edge_shared::provider::catalog::{provider_from_json, PROFILES};
use oauth_edge_shared::provider::ProviderConfig;
use serde_json::{json, Map, Value};

/// A fixed "now" (UNIX seconds) for the functions that take one.
pub const NOW: u64 = 1_790_000_000;

/// The keys a configuration entry must give; filled in for a profile only where it has none.
fn required() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "authorization_endpoint": "https://as.example/authorize",
        "token_endpoint": "https://as.example/token",
        "client_id": "s6BhdRkqt3",
        "redirect_uri": "https://client.example.org/cb",
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

/// Every built-in profile (`shared/profiles/*.json`, through the catalog), each completed with
/// the required keys it lacks, the plain SSO profile confirming delivered tokens at a userinfo
/// endpoint, and a plain standard OAuth 2.0 provider (no profile) with every optional endpoint
/// set. Built once per process.
pub fn providers() -> &'static [(String, ProviderConfig)] {
    static PROVIDERS: OnceLock<Vec<(String, ProviderConfig)>> = OnceLock::new();
    PROVIDERS.get_or_init(|| {
        let mut all = Vec::new();
        for (name, text) in PROFILES {
            let profile: Map<String, Value> =
                serde_json::from_str(text).expect("a built-in profile is a JSON object");
            let mut entry = Map::new();
            entry.insert("profile".into(), Value::from(*name));
            for (key, value) in required() {
                if !profile.contains_key(&key) {
                    entry.insert(key, value);
                }
            }
            let config = provider_from_json(Value::Object(entry))
                .unwrap_or_else(|e| panic!("profile {name}: {e:?}"));
            all.push(((*name).to_owned(), config));
        }
        // The plain SSO profile with its delivered tokens confirmed at a userinfo endpoint
        // instead of by a refresh (the other `TokenCheck`), laid over the profile by the merge.
        let userinfo_check = json!({
            "profile": "plain-sso",
            "authorization_endpoint": "https://sso.example/login",
            "token_endpoint": "https://sso.example/token",
            "userinfo_endpoint": "https://sso.example/me",
            "client_id": "cid",
            "redirect_uri": "https://app.example/auth/callback/sso",
            "dialect": { "delivery": { "redirect_tokens": { "verify": "userinfo" } } }
        });
        let userinfo_check =
            provider_from_json(userinfo_check).expect("plain-sso with a userinfo check");
        all.push(("plain-sso-userinfo".to_owned(), userinfo_check));
        let mut standard = required();
        for (key, value) in [
            ("issuer", "https://as.example"),
            ("revocation_endpoint", "https://as.example/revoke"),
            ("userinfo_endpoint", "https://as.example/userinfo"),
            ("registration_endpoint", "https://as.example/register"),
            ("scope", "openid profile offline_access"),
        ] {
            standard.insert(key.into(), value.into());
        }
        let standard =
            provider_from_json(Value::Object(standard)).expect("the standard configuration");
        all.push(("standard".to_owned(), standard));
        all
    })
}

/// The input as text: valid UTF-8 as is, anything else with U+FFFD for the bad bytes (the
/// parsers under test take `&str`, which is what a shell hands them after decoding a URL).
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Splits `data` at its first `N - 1` newlines into `N` parts (missing parts are empty; the last
/// part keeps any further newlines).
pub fn lines<const N: usize>(data: &[u8]) -> [&[u8]; N] {
    let mut parts = [&data[..0]; N];
    let mut rest = data;
    for part in parts.iter_mut().take(N - 1) {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                *part = &rest[..i];
                rest = &rest[i + 1..];
            }
            None => {
                *part = rest;
                rest = &rest[rest.len()..];
            }
        }
    }
    parts[N - 1] = rest;
    parts
}

/// An HTTP status from the first line of an input: its leading digits when they make a `u16`
/// (so the line may go on, e.g. with a query), or a status picked by the line's first byte (so
/// that mutations reach every class), or 200 for an empty line.
pub fn status(line: &[u8]) -> u16 {
    let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
    if let Some(s) = std::str::from_utf8(&line[..digits])
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
    {
        return s;
    }
    const STATUSES: [u16; 10] = [200, 201, 204, 302, 400, 401, 403, 409, 500, 503];
    line.first()
        .map_or(200, |&b| STATUSES[b as usize % STATUSES.len()])
}

/// Reads fixed-size little-endian numbers off the front of a fuzz input; an exhausted input reads
/// as zeros (so every input is a valid one).
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    /// The next `N` bytes, zero-padded.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }

    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// The next two bytes.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    /// The next four bytes.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    /// The next eight bytes.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }

    /// Whether anything is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_and_the_standard_config_load() {
        assert_eq!(providers().len(), PROFILES.len() + 2);
    }

    #[test]
    fn splitting() {
        assert_eq!(
            lines::<3>(b"a\nb\nc\nd"),
            [&b"a"[..], &b"b"[..], &b"c\nd"[..]]
        );
        assert_eq!(lines::<2>(b"a"), [&b"a"[..], &b""[..]]);
        assert_eq!(status(b"404"), 404);
        assert_eq!(status(b"200&access_token=a"), 200);
        assert_eq!(status(b""), 200);
        let mut b = Bytes(&[1, 2, 0, 3]);
        assert_eq!((b.u8(), b.u16(), b.u32(), b.u8()), (1, 2, 3, 0));
        assert!(b.is_empty());
    }
}
