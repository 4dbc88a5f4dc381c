//! The Worker's router (`Route::of` in edge-worker/src/lib.rs): which path is an auth endpoint, a
//! provider's callback, the API proxy, or none of them (the static site). A route is rebuilt
//! exactly from its prefix and parts; a callback or an API route names one provider (non-empty,
//! no `/`); the auth prefix wins where the two overlap; a path outside both prefixes is `None`.
//!
//! Input: the auth prefix on the first line, the API prefix on the second, the path after them.
//! The path is also routed under the defaults (`/auth`, `/api`) and under an auth prefix below the
//! API prefix (`/api/auth`, `/api`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, text};
use oauth_edge_worker::fuzzing::{route, Route, ENDPOINTS};

/// The part of `path` below `prefix` (`/authors` is not below `/auth`).
fn below<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

fn check(path: &str, auth: &str, api: &str) {
    let got = route(path, auth, api);
    let (in_auth, in_api) = (below(path, auth), below(path, api));
    match &got {
        None => assert!(
            in_auth.is_none() && in_api.is_none(),
            "{path:?} left to assets"
        ),
        Some(Route::Auth(endpoint)) => {
            assert!(ENDPOINTS.contains(endpoint));
            assert_eq!(in_auth, Some(*endpoint));
        }
        Some(Route::Callback(name)) => {
            assert!(!name.is_empty() && !name.contains('/'), "callback {name:?}");
            assert_eq!(format!("{auth}/callback/{name}"), path);
            assert!(in_auth.is_some());
        }
        Some(Route::BackchannelLogout(name)) => {
            assert!(!name.is_empty() && !name.contains('/'), "logout {name:?}");
            assert_eq!(format!("{auth}/backchannel-logout/{name}"), path);
            assert!(in_auth.is_some());
        }
        Some(Route::Api { provider, rest }) => {
            assert!(in_auth.is_none(), "the auth prefix wins: {path:?}");
            assert!(
                !provider.is_empty() && !provider.contains('/'),
                "provider {provider:?}"
            );
            assert_eq!(format!("{api}/{provider}/{rest}"), path);
        }
        Some(Route::NotFound) => match (in_auth, in_api) {
            (Some(rest), _) => {
                assert!(!ENDPOINTS.contains(&rest), "{path:?}: endpoint not found");
                for prefix in ["/callback/", "/backchannel-logout/"] {
                    let name = rest.strip_prefix(prefix);
                    assert!(
                        name.is_none_or(|n| n.is_empty() || n.contains('/')),
                        "{path:?}: {prefix} not found"
                    );
                }
            }
            (None, Some(rest)) => {
                // Only `<api>`, `<api>/`, `<api>/<provider>` and `<api>//…` lead nowhere.
                let provider = rest.strip_prefix('/').and_then(|r| r.split_once('/'));
                assert!(
                    provider.is_none_or(|(p, _)| p.is_empty()),
                    "{path:?}: API not found"
                );
            }
            (None, None) => panic!("{path:?} is outside both prefixes, yet NotFound"),
        },
    }
    // What a route says is what the path says: a path a route rebuilds routes the same way.
    if let Some(Route::Api { provider, rest }) = &got {
        assert_eq!(
            route(&format!("{api}/{provider}/{rest}"), auth, api),
            got.clone()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let [auth, api, path] = lines::<3>(data);
    let (auth, api, path) = (text(auth), text(api), text(path));
    check(&path, &auth, &api);
    check(&path, "/auth", "/api");
    check(&path, "/api/auth", "/api");
});
