//! The session logic run natively, end to end, against in-memory effects
//! ([`crate::effects::fake`]): login, code exchange, refresh, the API proxy's renewals and logout,
//! and what each does when KV, the refresh authority or the provider fails. The same route code
//! runs in the Worker with the workers-rs effects; the runtime suites (edge-worker/tests/,
//! tests/edge-scale/) cover what only workerd can show (isolates, real KV and Durable Objects).
use std::collections::BTreeMap;

use oauth_edge_shared::b64;
use oauth_edge_shared::pkce::CodeVerifier;
use serde_json::{json, Value};

use super::Call;
use crate::config::Config;
use crate::cookies;
use crate::effects::fake::provider::{Trouble, ACCESS_LIFETIME, API, ISSUER};
use crate::effects::fake::{block_on, Fakes, KvFailure};
use crate::error::WorkerError;
use crate::reply::Reply;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const START: u64 = 1_800_000_000;

fn config(extra: &[(&str, &str)]) -> Config {
    let providers = json!({
        "as": {
            "authorization_endpoint": format!("{ISSUER}/authorize"),
            "token_endpoint": format!("{ISSUER}/token"),
            "revocation_endpoint": format!("{ISSUER}/revoke"),
            "userinfo_endpoint": format!("{ISSUER}/userinfo"),
            "client_id": "app",
            "redirect_uri": "https://app.test/callback",
            "api": {"base_url": API, "methods": ["GET", "POST"]}
        }
    })
    .to_string();
    let mut vars: BTreeMap<&str, String> = BTreeMap::from([
        ("PROVIDERS", providers),
        ("SESSION_KEY", KEY.to_owned()),
        ("CLIENT_SECRET_AS", "app-secret".to_owned()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    Config::parse(|k| vars.get(k).cloned()).expect("test config")
}

fn world() -> Fakes {
    Fakes::new(config(&[]), START)
}

/// A browser: its cookie jar, and the endpoints it calls.
#[derive(Default)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

enum To<'a> {
    Login,
    Token,
    Session,
    Refresh,
    Logout,
    Api(&'a str),
}

impl Browser {
    fn call(&mut self, fx: &Fakes, to: To<'_>, body: Value) -> Reply {
        let cookie_header = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let method = match (&to, &body) {
            (To::Api(_), Value::Null) => "GET",
            _ => "POST",
        };
        let call = Call {
            config: &fx.config,
            fx,
            cookie_header,
            method: method.to_owned(),
            headers: vec![("cf-connecting-ip".into(), "203.0.113.9".into())],
            query: None,
            body: match body {
                Value::Null => Vec::new(),
                b => b.to_string().into_bytes(),
            },
            now: fx.clock.get(),
        };
        let reply = block_on(async {
            match to {
                To::Login => super::login::handle(&call).await,
                To::Token => super::token::handle(&call).await,
                To::Session => super::session::handle(&call).await,
                To::Refresh => super::refresh::handle(&call).await,
                To::Logout => super::logout::handle(&call).await,
                To::Api(rest) => {
                    let provider = fx.config.provider(Some("as")).unwrap();
                    let api = provider.config.api.as_ref().unwrap();
                    super::proxy::handle(&call, provider, api, rest).await
                }
            }
        })
        .unwrap_or_else(WorkerError::into_reply);
        for set in &reply.cookies {
            let (pair, attributes) = set.split_once(';').unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        reply
    }

    /// A whole login: `/login`, the provider's consent (a code for the challenge), `/token`.
    fn log_in(&mut self, fx: &Fakes) -> Reply {
        let verifier = CodeVerifier::from_entropy(&[7; 32]);
        let state = b64::url_encode(&[9; 24]);
        let login = self.call(
            fx,
            To::Login,
            json!({"state": state, "code_challenge": verifier.challenge().as_str()}),
        );
        assert_eq!(login.status, 200, "{:?}", login.body);
        let code = fx
            .provider
            .borrow_mut()
            .issue_code(verifier.challenge().as_str());
        self.call(
            fx,
            To::Token,
            json!({"code": code, "state": state, "code_verifier": verifier.as_str()}),
        )
    }
}

fn code(reply: &Reply) -> &str {
    reply.body["code"].as_str().unwrap_or("(none)")
}

fn token(reply: &Reply) -> &str {
    reply.body["access_token"].as_str().unwrap_or("(none)")
}

fn stored_sessions(fx: &Fakes) -> Vec<String> {
    fx.kv.borrow().keys().cloned().collect()
}

#[test]
fn login_refresh_proxy_logout() {
    let fx = world();
    let mut browser = Browser::default();
    let login = browser.log_in(&fx);
    assert_eq!(login.status, 200, "{:?}", login.body);
    assert_eq!(token(&login), "at-2");
    assert_eq!(login.body["user"]["sub"], "user-1", "userinfo was read");
    assert!(login.body.get("refresh_token").is_none());
    assert!(browser.cookies.contains_key(cookies::SESSION));
    assert!(
        !browser.cookies.contains_key(cookies::TX),
        "a tx is used once"
    );
    let kv = fx.kv.borrow().clone();
    assert_eq!(kv.len(), 1);
    assert!(kv
        .values()
        .all(|(v, _)| !v.contains("rt-") && !v.contains("at-")));

    // Not due: the stored token, no refresh.
    assert_eq!(token(&browser.call(&fx, To::Session, Value::Null)), "at-2");
    // Due (within the leeway): refreshed once, through the authority, rotated.
    fx.advance(ACCESS_LIFETIME - 30);
    assert_eq!(token(&browser.call(&fx, To::Session, Value::Null)), "at-3");
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2"]);
    // A caller that holds the older token is answered the newer one, without a second refresh.
    let again = browser.call(
        &fx,
        To::Refresh,
        json!({"held_expires_at": START + ACCESS_LIFETIME}),
    );
    assert_eq!(token(&again), "at-3");
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2"]);

    // The proxy attaches the session's token; the browser's cookie never goes upstream.
    let api = browser.call(&fx, To::Api("me"), Value::Null);
    assert_eq!(api.status, 200);
    let sent = fx.provider.borrow().requests.last().cloned().unwrap();
    assert_eq!(sent.header("authorization"), Some("Bearer at-3"));
    assert!(sent.header("cookie").is_none());

    // Logout: the authority first, then the provider (refresh token, then access token), then KV.
    let out = browser.call(&fx, To::Logout, Value::Null);
    assert_eq!(out.status, 200);
    assert_eq!(fx.provider.borrow().revocations(), ["rt-3", "at-3"]);
    assert!(stored_sessions(&fx).is_empty());
    assert!(browser.cookies.is_empty());
}

#[test]
fn a_logout_that_cannot_revoke_says_so_in_the_log() {
    let mut config = config(&[]);
    config.providers[0].config.revocation_endpoint = None;
    let fx = Fakes::new(config, START);
    let mut browser = Browser::default();
    browser.log_in(&fx);
    assert_eq!(browser.call(&fx, To::Logout, Value::Null).status, 200);
    assert!(fx.provider.borrow().revocations().is_empty());
    assert!(fx
        .log
        .borrow()
        .iter()
        .any(|l| l.starts_with("logout: provider `as` has no known revocation endpoint")));
}

#[test]
fn a_logged_out_session_never_comes_back() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    let cookie = browser.cookies.clone();
    browser.call(&fx, To::Logout, Value::Null);
    // The old cookie replayed (another tab, a script): nothing to find, nothing refreshed.
    let mut replay = Browser { cookies: cookie };
    let answer = replay.call(&fx, To::Refresh, json!({}));
    assert_eq!((answer.status, code(&answer)), (401, "no_session"));
    // Even with a stale KV view written back, the authority refuses: it remembers the logout.
    let key = fx.authorities.borrow().keys().next().cloned().unwrap();
    let record = fx.authorities.borrow()[&key].record.clone();
    assert!(record.is_none(), "the authority drops the tokens at logout");
    assert!(fx.provider.borrow().refreshes().is_empty());
}

/// `/session` is what every page load asks: "no session" is an answer (`204`, no body), not an
/// error a browser prints in red — without a cookie, with a logged-out session's cookie (cleared),
/// and when only the authority knows of the logout (a stale KV view).
#[test]
fn session_without_a_session_is_204_not_an_error() {
    let fx = world();
    let none = Browser::default().call(&fx, To::Session, Value::Null);
    assert_eq!((none.status, &none.body), (204, &Value::Null));
    assert!(none.headers.is_empty(), "not the Worker's error: {none:?}");

    let mut browser = Browser::default();
    browser.log_in(&fx);
    let cookies = browser.cookies.clone();
    let before = fx.kv.borrow().clone();
    browser.call(&fx, To::Logout, Value::Null);
    let mut replay = Browser {
        cookies: cookies.clone(),
    };
    let gone = replay.call(&fx, To::Session, Value::Null);
    assert_eq!((gone.status, &gone.body), (204, &Value::Null));
    assert!(replay.cookies.is_empty(), "the stale cookie is cleared");

    // KV still shows the session (another location) and its token is due: the authority,
    // which ordered the logout, refuses the refresh.
    *fx.kv.borrow_mut() = before;
    fx.advance(ACCESS_LIFETIME);
    let mut stale = Browser { cookies };
    let refused = stale.call(&fx, To::Session, Value::Null);
    assert_eq!((refused.status, &refused.body), (204, &Value::Null));
    assert!(fx.provider.borrow().refreshes().is_empty());
}

#[test]
fn a_stale_kv_view_gets_the_rotated_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    let before = fx.kv.borrow().clone();
    fx.advance(ACCESS_LIFETIME - 10);
    assert_eq!(token(&browser.call(&fx, To::Session, Value::Null)), "at-3");
    // Another location still reads the old value (eventual consistency).
    *fx.kv.borrow_mut() = before;
    let stale = browser.call(&fx, To::Session, Value::Null);
    assert_eq!(token(&stale), "at-3");
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2"], "no token twice");
}

#[test]
fn a_kv_write_failure_at_login_makes_no_session_and_revokes() {
    let fx = world();
    fx.kv_failure.set(KvFailure {
        reads: false,
        writes: true,
    });
    let mut browser = Browser::default();
    let login = browser.log_in(&fx);
    assert_eq!((login.status, code(&login)), (500, "internal_error"));
    assert!(!browser.cookies.contains_key(cookies::SESSION));
    assert!(stored_sessions(&fx).is_empty());
    // The tokens obtained belong to no session: revoked, not left valid.
    assert_eq!(fx.provider.borrow().revocations(), ["rt-2", "at-2"]);
}

#[test]
fn a_kv_failure_answers_an_error_and_keeps_the_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    fx.kv_failure.set(KvFailure {
        reads: true,
        writes: true,
    });
    let failed = browser.call(&fx, To::Session, Value::Null);
    assert_eq!((failed.status, code(&failed)), (500, "internal_error"));
    assert!(
        browser.cookies.contains_key(cookies::SESSION),
        "cookie kept"
    );
    fx.kv_failure.set(KvFailure::default());
    assert_eq!(token(&browser.call(&fx, To::Session, Value::Null)), "at-2");
}

#[test]
fn a_kv_write_failure_after_a_rotation_loses_nothing() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    fx.advance(ACCESS_LIFETIME - 10);
    // KV takes no writes (one write per second per key, an outage): the rotation still holds.
    fx.kv_failure.set(KvFailure {
        reads: false,
        writes: true,
    });
    assert_eq!(token(&browser.call(&fx, To::Session, Value::Null)), "at-3");
    assert!(fx
        .log
        .borrow()
        .iter()
        .any(|l| l.starts_with("refresh authority: KV not updated")));
    // KV still shows the spent refresh token; the authority answers from what it stored.
    fx.kv_failure.set(KvFailure::default());
    fx.advance(ACCESS_LIFETIME - 10);
    let next = browser.call(&fx, To::Session, Value::Null);
    assert_eq!(token(&next), "at-4");
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2", "rt-3"]);
    assert!(!fx.provider.borrow().grant_revoked("rt-4"));
}

#[test]
fn invalid_grant_for_the_current_token_ends_the_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    // The grant is revoked at the provider (the user withdrew consent).
    fx.provider.borrow_mut().revoke("rt-2");
    let ended = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!((ended.status, code(&ended)), (401, "session_ended"));
    assert!(stored_sessions(&fx).is_empty());
    assert!(!browser.cookies.contains_key(cookies::SESSION));
}

#[test]
fn a_failing_provider_keeps_the_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    fx.provider.borrow_mut().trouble = Trouble::Broken;
    let failed = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!(
        (failed.status, code(&failed)),
        (502, "provider_unavailable")
    );
    fx.provider.borrow_mut().trouble = Trouble::Down;
    let failed = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!(
        (failed.status, code(&failed)),
        (502, "provider_unavailable")
    );
    // The connection failed: the request may have reached the provider, so the authority waits
    // LOST_AFTER for a late answer before it sends the same token again.
    let waiting = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!(waiting.status, 502);
    fx.advance(oauth_edge_shared::authority::LOST_AFTER);
    let ok = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!((ok.status, token(&ok)), (200, "at-3"));
    // The broken answer and the resend reached the provider; the failed connection did not.
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2", "rt-2"]);
}

#[test]
fn a_lost_refresh_answer_ends_in_exactly_one_relogin() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    // The provider rotates, and its answer never arrives.
    fx.provider.borrow_mut().trouble = Trouble::LoseAnswer;
    let lost = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!((lost.status, code(&lost)), (502, "provider_unavailable"));
    // Within LOST_AFTER the authority waits for that answer and sends nothing.
    fx.advance(5);
    let waiting = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!(waiting.status, 502);
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2"]);
    // After it, the same token is sent once more; this provider detects the reuse and ends the
    // grant: one re-login, and every later call is a clean `no_session`, never a loop.
    fx.advance(oauth_edge_shared::authority::LOST_AFTER);
    let ended = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!((ended.status, code(&ended)), (401, "session_ended"));
    let after = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!((after.status, code(&after)), (401, "no_session"));
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2", "rt-2"]);
}

#[test]
fn the_proxy_renews_once_after_a_401() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    // The API stops accepting the token before its expiry (revoked upstream).
    fx.provider.borrow_mut().revoke("at-2");
    let api = browser.call(&fx, To::Api("orders"), Value::Null);
    assert_eq!(api.status, 200);
    assert_eq!(fx.provider.borrow().refreshes(), ["rt-2"]);
    let bearers: Vec<_> = fx
        .provider
        .borrow()
        .requests
        .iter()
        .filter(|r| r.url.starts_with(API))
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(bearers, ["Bearer at-2", "Bearer at-3"]);
}

#[test]
fn a_401_naming_another_error_is_not_renewed() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    let api = browser.call(&fx, To::Api("malformed"), Value::Null);
    assert_eq!(api.status, 401);
    assert!(fx.provider.borrow().refreshes().is_empty());
}

#[test]
fn logout_with_the_authority_unreachable_still_ends_the_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    fx.authority_down.set(true);
    let out = browser.call(&fx, To::Logout, Value::Null);
    assert_eq!(out.status, 200);
    assert_eq!(fx.provider.borrow().revocations(), ["rt-2", "at-2"]);
    assert!(stored_sessions(&fx).is_empty());
    assert!(fx
        .log
        .borrow()
        .iter()
        .any(|l| l == "logout: refresh authority: internal_error"));
}

#[test]
fn an_unreachable_authority_is_an_internal_error_and_keeps_the_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    fx.authority_down.set(true);
    let failed = browser.call(&fx, To::Refresh, json!({}));
    assert_eq!((failed.status, code(&failed)), (500, "internal_error"));
    assert_eq!(stored_sessions(&fx).len(), 1);
    fx.authority_down.set(false);
    assert_eq!(token(&browser.call(&fx, To::Refresh, json!({}))), "at-3");
}

#[test]
fn a_replacing_login_revokes_the_old_session() {
    let fx = world();
    let mut browser = Browser::default();
    browser.log_in(&fx);
    let second = browser.log_in(&fx);
    assert_eq!(token(&second), "at-4");
    assert_eq!(fx.provider.borrow().revocations(), ["rt-2", "at-2"]);
    assert_eq!(stored_sessions(&fx).len(), 1);
}

#[test]
fn finished_logins_are_counted_per_address() {
    let limits = r#"{"login_finish_per_ip": {"max": 2, "window_seconds": 60}}"#;
    let fx = Fakes::new(config(&[("RATE_LIMITS", limits)]), START);
    for _ in 0..2 {
        assert_eq!(Browser::default().log_in(&fx).status, 200);
    }
    let third = Browser::default().log_in(&fx);
    assert_eq!((third.status, code(&third)), (429, "rate_limited"));
    assert!(third
        .headers
        .iter()
        .any(|(n, v)| n == "Retry-After" && v.parse::<u64>().is_ok_and(|s| s > 0)));
    // Refused before the code was spent at the provider.
    let exchanges = fx
        .provider
        .borrow()
        .requests
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("authorization_code"))
        .count();
    assert_eq!(exchanges, 2);
    fx.advance(61);
    assert_eq!(Browser::default().log_in(&fx).status, 200);
}
