//! The package's JS API (js/client.js wired to this crate's core) in headless Chromium
//! (`wasm-bindgen-test-runner` with chromedriver). `fetch` is replaced by a fake Worker
//! (tests/support.js) except where a real network failure is the point. Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p oauth-edge-client --target wasm32-unknown-unknown`.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

use js_sys::{Function, Object, Promise, Reflect, Uint8Array, JSON};
use oauth_edge_shared::pkce::verify_s256;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/client.js")]
extern "C" {
    #[wasm_bindgen(js_name = useCore)]
    fn use_core(core: &JsValue);

    type OAuthError;

    type OAuthClient;
    #[wasm_bindgen(constructor, catch)]
    fn new(options: &JsValue) -> Result<OAuthClient, JsValue>;
    #[wasm_bindgen(method)]
    fn login(this: &OAuthClient, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = isCallback)]
    fn is_callback(this: &OAuthClient) -> bool;
    #[wasm_bindgen(method, js_name = handleCallback)]
    fn handle_callback(this: &OAuthClient) -> Promise;
    #[wasm_bindgen(method)]
    fn restore(this: &OAuthClient) -> Promise;
    #[wasm_bindgen(method, js_name = getAccessToken)]
    fn get_access_token(this: &OAuthClient) -> Promise;
    #[wasm_bindgen(method)]
    fn refresh(this: &OAuthClient) -> Promise;
    #[wasm_bindgen(method)]
    fn fetch(this: &OAuthClient, input: &JsValue, init: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = apiFetch)]
    fn api_fetch(this: &OAuthClient, path: &str, init: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = loginWithPassword)]
    fn login_with_password(this: &OAuthClient, options: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    fn register(this: &OAuthClient, options: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    fn logout(this: &OAuthClient) -> Promise;
    #[wasm_bindgen(method, js_name = logout)]
    fn logout_with(this: &OAuthClient, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, getter, js_name = loggedIn)]
    fn logged_in(this: &OAuthClient) -> bool;
    #[wasm_bindgen(method, getter)]
    fn user(this: &OAuthClient) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn scope(this: &OAuthClient) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn provider(this: &OAuthClient) -> Option<String>;
    #[wasm_bindgen(method, catch, js_name = addEventListener)]
    fn add_event_listener(this: &OAuthClient, kind: &str, f: &Function) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = addEventListener)]
    fn add_event_listener_with(
        this: &OAuthClient,
        kind: &str,
        f: &Function,
        options: &JsValue,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = removeEventListener)]
    fn remove_event_listener(this: &OAuthClient, kind: &str, f: &Function) -> Result<(), JsValue>;
}

#[wasm_bindgen(module = "/tests/support.js")]
extern "C" {
    #[wasm_bindgen(js_name = fakeFetch)]
    fn fake_fetch(routes: &JsValue);
    #[wasm_bindgen(js_name = realFetchBack)]
    fn real_fetch_back();
    #[wasm_bindgen(js_name = fetchCalls)]
    fn fetch_calls() -> js_sys::Array;
    #[wasm_bindgen(js_name = setUrl)]
    fn set_url(path_and_query: &str);
    #[wasm_bindgen(js_name = currentUrl)]
    fn current_url() -> String;
    fn recorder() -> Function;
    fn thrower() -> Function;
    #[wasm_bindgen(js_name = catchReported)]
    fn catch_reported() -> Function;
    /// `[{signal}, abort]`.
    fn abortable() -> js_sys::Array;
    #[wasm_bindgen(js_name = isA)]
    fn is_a(x: &JsValue, name: &str) -> bool;
    #[wasm_bindgen(js_name = holdLock)]
    fn hold_lock(name: &str) -> Promise;
    fn sleep(ms: u32) -> Promise;
    #[wasm_bindgen(js_name = stubGlobal)]
    fn stub_global(name: &str, value: &JsValue) -> Function;
    #[wasm_bindgen(js_name = fullStorage)]
    fn full_storage() -> JsValue;
    /// `(...args) => f(args)`.
    fn gather(f: &JsValue) -> JsValue;
}

// ---- helpers ----------------------------------------------------------------------------------

fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

fn code(e: &JsValue) -> String {
    get_str(e, "code").unwrap_or_default()
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// The wasm core, as the package entry hands it to the shell: this crate's exported functions.
fn core() -> JsValue {
    let o = Object::new();
    let set = |name: &str, f: JsValue| Reflect::set(&o, &name.into(), &f).unwrap();
    set(
        "beginLogin",
        Closure::<dyn Fn(Uint8Array) -> Option<String>>::new(|a: Uint8Array| {
            oauth_edge_client::begin_login(&a.to_vec())
        })
        .into_js_value(),
    );
    // Seven arguments: more than `Closure` takes, so the shell's call is gathered by a JS
    // function (support.js) into an array.
    set(
        "checkCallback",
        gather(
            &Closure::<dyn Fn(js_sys::Array) -> String>::new(|a: js_sys::Array| {
                let s = |i| a.get(i).as_string();
                oauth_edge_client::check_callback(
                    &s(0).unwrap_or_default(),
                    s(1),
                    s(2),
                    s(3),
                    s(4),
                    s(5),
                    s(6),
                )
            })
            .into_js_value(),
        ),
    );
    set(
        "isCallback",
        Closure::<dyn Fn(String, String) -> bool>::new(|q: String, p: String| {
            oauth_edge_client::is_callback(&q, &p)
        })
        .into_js_value(),
    );
    set(
        "redirectError",
        Closure::<dyn Fn(String) -> Option<String>>::new(|q: String| {
            oauth_edge_client::redirect_error(&q)
        })
        .into_js_value(),
    );
    set(
        "bearerErrorIs",
        Closure::<dyn Fn(String, String) -> Option<bool>>::new(|h: String, c: String| {
            oauth_edge_client::bearer_error_is(&h, &c)
        })
        .into_js_value(),
    );
    set(
        "errorMessage",
        Closure::<dyn Fn(String) -> String>::new(|c: String| oauth_edge_client::error_message(&c))
            .into_js_value(),
    );
    o.into()
}

/// A clean page: no storage, the real fetch, the address `/`, the core wired in.
fn reset() {
    use_core(&core());
    session_storage().clear().unwrap();
    local_storage().clear().unwrap();
    real_fetch_back();
    set_url("/");
}

fn client_with(options: &str) -> OAuthClient {
    OAuthClient::new(&json(options)).expect("client")
}

fn client() -> OAuthClient {
    client_with(r#"{"worker": "/auth"}"#)
}

async fn resolved(p: Promise) -> JsValue {
    JsFuture::from(p).await.expect("the promise should resolve")
}

async fn rejected(p: Promise) -> JsValue {
    JsFuture::from(p)
        .await
        .expect_err("the promise should reject")
}

/// Runs `op` with the global `name` replaced by `value` (`undefined`: reading it throws), then
/// puts the real one back before anything is asserted.
async fn with_stub(
    name: &str,
    value: &JsValue,
    op: impl FnOnce() -> Promise,
) -> Result<JsValue, JsValue> {
    let put_back = stub_global(name, value);
    let result = JsFuture::from(op()).await;
    put_back.call0(&JsValue::UNDEFINED).unwrap();
    result
}

fn seen(listener: &Function) -> u32 {
    js_sys::Array::from(&get(listener, "seen")).length()
}

fn calls() -> Vec<JsValue> {
    fetch_calls().to_vec()
}

fn paths() -> Vec<String> {
    calls()
        .iter()
        .map(|c| get_str(c, "path").unwrap())
        .collect()
}

fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

fn view(token: &str, expires_at: f64) -> String {
    format!(
        r#"{{"access_token": "{token}", "token_type": "Bearer", "expires_at": {expires_at},
            "scope": "openid profile", "user": {{"sub": "alice", "name": "Alice"}}, "provider": "default"}}"#
    )
}

fn pending(state: &str, return_to: &str, issuer: Option<&str>) {
    let issuer = issuer.map_or("null".to_owned(), |i| format!("\"{i}\""));
    session_storage()
        .set_item(
            "oauth-edge:pending",
            &format!(
                r#"{{"state": "{state}", "verifier": "{}", "returnTo": "{return_to}", "issuer": {issuer}, "provider": "default"}}"#,
                "v".repeat(43)
            ),
        )
        .unwrap();
}

fn has_pending() -> bool {
    session_storage()
        .get_item("oauth-edge:pending")
        .unwrap()
        .is_some()
}

/// A client holding `token` (through `restore()` against the fake Worker).
async fn logged_in(token: &str, expires_at: f64, extra_routes: &str) -> OAuthClient {
    let routes = format!(
        r#"{{"/auth/session": {{"body": {}}} {extra_routes}}}"#,
        view(token, expires_at)
    );
    fake_fetch(&json(&routes));
    let c = client();
    let user = resolved(c.restore()).await;
    assert_eq!(get_str(&user, "sub").as_deref(), Some("alice"));
    c
}

// ---- login ------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn login_posts_the_s256_challenge_and_keeps_one_pending_transaction() {
    reset();
    let routes = r##"{"/auth/login": {"body": {"authorization_url": "{origin}/#authorize",
        "issuer": "https://idp.example", "provider": "default"}}}"##;
    fake_fetch(&json(routes));
    let c = client();
    resolved(c.login(&json(r#"{"returnTo": "/after"}"#))).await;

    let call = &calls()[0];
    assert_eq!(get_str(call, "path").as_deref(), Some("/auth/login"));
    assert_eq!(get_str(call, "method").as_deref(), Some("POST"));
    assert_eq!(get_str(call, "credentials").as_deref(), Some("same-origin"));
    assert_eq!(
        get_str(&get(call, "headers"), "x-oauth-edge").as_deref(),
        Some("1")
    );
    let body = get(call, "body");
    let tx = json(
        &session_storage()
            .get_item("oauth-edge:pending")
            .unwrap()
            .unwrap(),
    );
    let state = get_str(&tx, "state").unwrap();
    let verifier = get_str(&tx, "verifier").unwrap();
    assert_eq!(get_str(&body, "state"), Some(state.clone()));
    assert_eq!(state.len(), 43, "32 random bytes, base64url");
    assert_eq!(verifier.len(), 43);
    assert!(verify_s256(
        &verifier,
        &get_str(&body, "code_challenge").unwrap()
    ));
    assert!(
        get(&body, "code_verifier").is_undefined(),
        "the verifier stays in the tab"
    );
    assert_eq!(get_str(&tx, "returnTo").as_deref(), Some("/after"));
    assert_eq!(
        get_str(&tx, "issuer").as_deref(),
        Some("https://idp.example")
    );
    assert_eq!(get_str(&tx, "provider").as_deref(), Some("default"));
    assert_eq!(
        current_url(),
        "/#authorize",
        "navigated to the authorization URL"
    );

    // A second login replaces the first: still exactly one pending transaction, a new state.
    resolved(c.login(&JsValue::UNDEFINED)).await;
    let tx2 = json(
        &session_storage()
            .get_item("oauth-edge:pending")
            .unwrap()
            .unwrap(),
    );
    assert_ne!(get_str(&tx2, "state").unwrap(), state);
    assert_eq!(session_storage().length().unwrap(), 1);
    reset();
}

#[wasm_bindgen_test]
async fn login_refuses_a_non_http_authorization_url() {
    reset();
    fake_fetch(&json(
        r#"{"/auth/login": {"body": {"authorization_url": "javascript:alert(1)"}}}"#,
    ));
    let e = rejected(client().login(&JsValue::UNDEFINED)).await;
    assert_eq!(code(&e), "unsafe_authorization_url");
    assert!(!has_pending());
    reset();
}

// ---- callback ---------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn callback_scrubs_the_url_first_redeems_the_code_and_sanitises_return_to() {
    reset();
    fake_fetch(&json(&format!(
        r#"{{"/auth/token": {{"body": {}}}}}"#,
        view("at-1", now() + 600.0)
    )));
    pending("s1", "//evil.example/x", Some("https://idp.example"));
    set_url("/callback?keep=1&code=c1&state=s1&iss=https%3A%2F%2Fidp.example#frag");
    let c = client();
    let login = recorder();
    c.add_event_listener("login", &login).unwrap();

    let result = resolved(c.handle_callback()).await;
    assert_eq!(get_str(&result, "returnTo").as_deref(), Some("/"));
    assert_eq!(current_url(), "/callback?keep=1#frag");

    let call = &calls()[0];
    assert_eq!(get_str(call, "path").as_deref(), Some("/auth/token"));
    let page_url = get_str(call, "pageUrl").unwrap();
    assert!(
        !page_url.contains("code="),
        "scrubbed before the request: {page_url}"
    );
    let body = get(call, "body");
    assert_eq!(get_str(&body, "code").as_deref(), Some("c1"));
    assert_eq!(get_str(&body, "state").as_deref(), Some("s1"));
    assert_eq!(get_str(&body, "code_verifier"), Some("v".repeat(43)));
    assert_eq!(
        get_str(&body, "iss").as_deref(),
        Some("https://idp.example")
    );

    assert!(!has_pending(), "single use");
    assert!(c.logged_in());
    assert_eq!(c.scope().as_deref(), Some("openid profile"));
    assert_eq!(get_str(&c.user(), "name").as_deref(), Some("Alice"));
    let seen = js_sys::Array::from(&get(&login, "seen"));
    assert_eq!(seen.length(), 1, "one login event");
    assert_eq!(
        get_str(&seen.get(0), "scope").as_deref(),
        Some("openid profile")
    );
    assert_eq!(
        resolved(c.get_access_token()).await.as_string().as_deref(),
        Some("at-1")
    );
    // The token is held in memory only (default storage).
    assert!(session_storage()
        .get_item("oauth-edge:token")
        .unwrap()
        .is_none());
    reset();
}

#[wasm_bindgen_test]
async fn return_to_only_keeps_same_origin_paths() {
    for (given, expected) in [
        ("/account?tab=1#top", "/account?tab=1#top"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        reset();
        fake_fetch(&json(&format!(
            r#"{{"/auth/token": {{"body": {}}}}}"#,
            view("t", now() + 600.0)
        )));
        pending("s", given, None);
        set_url("/callback?code=c&state=s");
        let result = resolved(client().handle_callback()).await;
        assert_eq!(
            get_str(&result, "returnTo").as_deref(),
            Some(expected),
            "{given}"
        );
    }
    reset();
}

/// Runs a callback that must fail before any request, and checks the common promises: the URL is
/// scrubbed, the pending transaction is gone, the Worker was not called.
async fn failing_callback(query: &str) -> JsValue {
    fake_fetch(&json("{}"));
    set_url(&format!("/callback?{query}"));
    let c = client();
    let errors = recorder();
    c.add_event_listener("error", &errors).unwrap();
    let e = rejected(c.handle_callback()).await;
    assert_eq!(current_url(), "/callback", "scrubbed: {query}");
    assert!(!has_pending(), "pending transaction removed: {query}");
    assert!(calls().is_empty(), "no request: {query}");
    assert_eq!(
        js_sys::Array::from(&get(&errors, "seen")).length(),
        1,
        "error event"
    );
    e
}

#[wasm_bindgen_test]
async fn each_state_failure_is_its_own_error() {
    reset();
    pending("s1", "/", None);
    assert_eq!(code(&failing_callback("code=c").await), "state_missing");

    reset();
    assert_eq!(
        code(&failing_callback("code=c&state=s1").await),
        "unknown_state"
    );

    reset();
    pending("s1", "/", None);
    assert_eq!(
        code(&failing_callback("code=c&state=other").await),
        "state_mismatch"
    );
    reset();
}

#[wasm_bindgen_test]
async fn a_replayed_callback_is_state_used() {
    reset();
    fake_fetch(&json(&format!(
        r#"{{"/auth/token": {{"body": {}}}}}"#,
        view("t", now() + 600.0)
    )));
    pending("s1", "/", None);
    set_url("/callback?code=c&state=s1");
    resolved(client().handle_callback()).await;
    // The same redirect again (back button, reload of a stale URL, a replay).
    let e = failing_callback("code=c&state=s1").await;
    assert_eq!(code(&e), "state_used");
    reset();
}

#[wasm_bindgen_test]
async fn issuer_mismatch_is_refused_before_the_token_request() {
    reset();
    pending("s1", "/", Some("https://idp.example"));
    let e = failing_callback("code=c&state=s1&iss=https%3A%2F%2Fevil.example").await;
    assert_eq!(code(&e), "issuer_mismatch");
    reset();
}

#[wasm_bindgen_test]
async fn a_provider_error_redirect_keeps_its_code_and_description() {
    reset();
    pending("s1", "/", None);
    let e = failing_callback("error=access_denied&error_description=User+said+no&state=s1").await;
    assert_eq!(code(&e), "access_denied");
    assert_eq!(get_str(&e, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        get_str(&e, "errorDescription").as_deref(),
        Some("User said no")
    );
    assert!(e.is_instance_of::<js_sys::Error>());
    assert!(e.is_instance_of::<OAuthError>());
    assert_eq!(get_str(&e, "name").as_deref(), Some("OAuthError"));
    assert!(get_str(&e, "message").unwrap().contains("denied"));

    reset();
    pending("s1", "/", None);
    let e = failing_callback("error=invalid_scope&state=s1").await;
    assert_eq!(code(&e), "invalid_scope");
    reset();
}

#[wasm_bindgen_test]
async fn malformed_and_non_callbacks() {
    reset();
    assert_eq!(
        code(&failing_callback("code=a&code=b&state=s").await),
        "malformed_callback"
    );
    reset();
    set_url("/?page=2");
    assert!(!client().is_callback());
    set_url("/callback?code=x&state=y");
    assert!(client().is_callback());
    reset();
}

#[wasm_bindgen_test]
async fn worker_errors_keep_code_status_and_provider_fields() {
    reset();
    let routes = r#"{"/auth/token": {"status": 502, "body": {"code": "provider_rejected",
        "message": "The provider refused the code.", "error": "invalid_grant",
        "error_description": "code expired"}}}"#;
    fake_fetch(&json(routes));
    pending("s1", "/", None);
    set_url("/callback?code=c&state=s1");
    let c = client();
    let e = rejected(c.handle_callback()).await;
    assert_eq!(code(&e), "provider_rejected");
    assert_eq!(get(&e, "status").as_f64(), Some(502.0));
    assert_eq!(
        get_str(&e, "message").as_deref(),
        Some("The provider refused the code.")
    );
    assert_eq!(get_str(&e, "error").as_deref(), Some("invalid_grant"));
    assert_eq!(
        get_str(&e, "errorDescription").as_deref(),
        Some("code expired")
    );
    assert!(!c.logged_in());

    // Not the Worker's JSON (e.g. an HTML error page): a code of its own.
    reset();
    fake_fetch(&json(
        r#"{"/auth/session": {"status": 500, "raw": "<html>oops</html>"}}"#,
    ));
    let e = rejected(client().restore()).await;
    assert_eq!(code(&e), "worker_bad_response");

    // Worker-shaped JSON without the Worker's `X-OAuth-Edge-Error: 1` (something in front of it
    // answered) is not taken for the Worker's word.
    reset();
    fake_fetch(&json(
        r#"{"/auth/session": {"status": 401, "unmarked": true, "body": {"code": "no_session", "message": "x"}}}"#,
    ));
    let e = rejected(client().restore()).await;
    assert_eq!(code(&e), "worker_bad_response");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    reset();
}

#[wasm_bindgen_test]
async fn an_unreachable_worker_is_worker_unreachable() {
    reset();
    // Nothing listens on port 9 (discard): a real network failure, not a fake.
    let c = client_with(r#"{"worker": "http://127.0.0.1:9/auth"}"#);
    let e = rejected(c.restore()).await;
    assert_eq!(code(&e), "worker_unreachable");
    assert!(e.is_instance_of::<js_sys::Error>());
    assert!(e.is_instance_of::<OAuthError>());
    assert!(
        !get(&e, "cause").is_undefined(),
        "the TypeError is kept as cause"
    );

    let e = rejected(c.login(&JsValue::UNDEFINED)).await;
    assert_eq!(code(&e), "worker_unreachable");
    assert!(!has_pending());
    reset();
}

// ---- session ----------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn restore_gives_null_without_a_session() {
    // The Worker's answer: 204 (a logged-out page load prints no error in the console); and the
    // error answers that also mean "no session" (an older Worker, a session the provider ended).
    for answer in [
        r#"{"status": 204}"#,
        r#"{"status": 401, "body": {"code": "no_session", "message": "x"}}"#,
        r#"{"status": 401, "body": {"code": "session_ended", "message": "x"}}"#,
    ] {
        reset();
        // Logged in from a stored view (a reload): the answer logs out.
        local_storage()
            .set_item("oauth-edge:token", &view("at", now() + 600.0))
            .unwrap();
        fake_fetch(&json(&format!(r#"{{"/auth/session": {answer}}}"#)));
        let c = client_with(r#"{"worker": "/auth", "storage": "local"}"#);
        assert!(c.logged_in());
        let errors = recorder();
        c.add_event_listener("error", &errors).unwrap();
        assert!(resolved(c.restore()).await.is_null(), "{answer}");
        assert!(!c.logged_in());
        assert!(local_storage()
            .get_item("oauth-edge:token")
            .unwrap()
            .is_none());
        assert_eq!(seen(&errors), 0, "not an error: {answer}");
        let e = rejected(c.get_access_token()).await;
        assert_eq!(code(&e), "not_logged_in");
    }
    // Only /session answers 204 for "nothing": elsewhere it is not the Worker's answer.
    reset();
    fake_fetch(&json(r#"{"/auth/password": {"status": 204}}"#));
    let e = rejected(client().login_with_password(&json(r#"{"username": "u", "password": "p"}"#)))
        .await;
    assert_eq!(code(&e), "worker_bad_response");
    reset();
}

/// Issue 7: with a 40 s token the 60 s default leeway would refresh (and rotate) on every call;
/// the leeway is capped at a quarter of the token's lifetime.
#[wasm_bindgen_test]
async fn a_short_lived_token_is_not_refreshed_on_every_call() {
    reset();
    let c = logged_in("at-short", now() + 40.0, "").await;
    for _ in 0..3 {
        let token = resolved(c.get_access_token()).await;
        assert_eq!(token.as_string().as_deref(), Some("at-short"));
    }
    assert_eq!(
        paths(),
        ["/auth/session"],
        "no refresh for a token with 40 s left"
    );
    reset();
}

#[wasm_bindgen_test]
async fn concurrent_calls_share_one_refresh() {
    reset();
    // Already expired: due whatever the leeway (it is capped by the token's own lifetime).
    let held = (now() - 1.0).floor();
    let fresh = view("at-new", now() + 600.0);
    let c = logged_in(
        "at-old",
        held,
        &format!(r#", "/auth/refresh": {{"delay": 50, "body": {fresh}}}"#),
    )
    .await;
    let refreshed = recorder();
    c.add_event_listener("tokenRefreshed", &refreshed).unwrap();

    let (a, b, d) = (
        c.get_access_token(),
        c.get_access_token(),
        c.get_access_token(),
    );
    for p in [a, b, d] {
        assert_eq!(resolved(p).await.as_string().as_deref(), Some("at-new"));
    }
    assert_eq!(paths(), ["/auth/session", "/auth/refresh"], "one refresh");
    let body = get(&calls()[1], "body");
    assert_eq!(get(&body, "held_expires_at").as_f64(), Some(held));
    assert_eq!(js_sys::Array::from(&get(&refreshed, "seen")).length(), 1);

    // Fresh now: no further refresh.
    assert_eq!(
        resolved(c.get_access_token()).await.as_string().as_deref(),
        Some("at-new")
    );
    assert_eq!(calls().len(), 2);
    // refresh() forces one, and resolves to the token info.
    let info = resolved(c.refresh()).await;
    assert!(get(&info, "expiresAt").as_f64().is_some());
    assert!(get(&info, "access_token").is_undefined());
    assert_eq!(calls().len(), 3);
    reset();
}

#[wasm_bindgen_test]
async fn a_refresh_waits_for_another_tab_holding_the_refresh_lock() {
    reset();
    let fresh = view("at-new", now() + 600.0);
    let c = logged_in(
        "at-old",
        now() + 600.0,
        &format!(r#", "/auth/refresh": {{"body": {fresh}}}"#),
    )
    .await;
    // Another tab is refreshing: it holds the lock.
    let release: Function = resolved(hold_lock("oauth-edge-refresh"))
        .await
        .unchecked_into();
    let pending = c.refresh();
    resolved(sleep(100)).await;
    assert_eq!(
        paths(),
        ["/auth/session"],
        "no refresh while another tab holds the lock"
    );
    release.call0(&JsValue::UNDEFINED).unwrap();
    resolved(pending).await;
    assert_eq!(paths(), ["/auth/session", "/auth/refresh"]);
    reset();
}

#[wasm_bindgen_test]
async fn restore_waits_for_another_tab_holding_the_refresh_lock() {
    reset();
    // /auth/session may refresh in the Worker: never beside another tab's refresh.
    fake_fetch(&json(&format!(
        r#"{{"/auth/session": {{"body": {}}}}}"#,
        view("at", now() + 600.0)
    )));
    let c = client();
    let release: Function = resolved(hold_lock("oauth-edge-refresh"))
        .await
        .unchecked_into();
    let pending = c.restore();
    resolved(sleep(100)).await;
    assert!(
        paths().is_empty(),
        "no session request while another tab holds the lock"
    );
    release.call0(&JsValue::UNDEFINED).unwrap();
    let user = resolved(pending).await;
    assert_eq!(get_str(&user, "sub").as_deref(), Some("alice"));
    assert_eq!(paths(), ["/auth/session"]);
    reset();
}

#[wasm_bindgen_test]
async fn session_ended_during_refresh_logs_out_and_emits() {
    reset();
    let c = logged_in(
        "at-old",
        now() - 1.0,
        r#", "/auth/refresh": {"status": 401, "body": {"code": "session_ended", "message": "Log in again."}}"#,
    )
    .await;
    let ended = recorder();
    c.add_event_listener("sessionEnded", &ended).unwrap();
    let e = rejected(c.get_access_token()).await;
    assert_eq!(code(&e), "session_ended");
    assert!(!c.logged_in());
    assert!(c.user().is_null());
    let seen = js_sys::Array::from(&get(&ended, "seen"));
    assert_eq!(seen.length(), 1);
    assert_eq!(code(&seen.get(0)), "session_ended");
    reset();
}

#[wasm_bindgen_test]
async fn fetch_sends_the_bearer_token_and_retries_once_on_invalid_token() {
    reset();
    let fresh = view("at-new", now() + 600.0);
    let extra = format!(
        r#", "/auth/refresh": {{"body": {fresh}}},
           "/api": [{{"status": 401, "headers": {{"WWW-Authenticate": "Bearer error=\"invalid_token\""}}, "body": {{}}}},
                    {{"status": 200, "body": {{"hello": "alice"}}}}],
           "/plain401": {{"status": 401, "headers": {{"WWW-Authenticate": "Bearer realm=\"x\""}}}},
           "/other401": {{"status": 401, "headers": {{"WWW-Authenticate":
              "Bearer error=\"invalid_request\", error_description=\"not invalid_token\""}}}}"#
    );
    let c = logged_in("at-old", now() + 600.0, &extra).await;
    let init = json(r#"{"method": "POST", "body": "payload"}"#);
    let res: web_sys::Response = resolved(c.fetch(&"/api".into(), &init))
        .await
        .unchecked_into();
    assert_eq!(res.status(), 200);
    assert_eq!(paths(), ["/auth/session", "/api", "/auth/refresh", "/api"]);
    let auth = |i: usize| get_str(&get(&calls()[i], "headers"), "authorization");
    assert_eq!(auth(1).as_deref(), Some("Bearer at-old"));
    assert_eq!(auth(3).as_deref(), Some("Bearer at-new"));
    assert_eq!(get_str(&calls()[1], "body").as_deref(), Some("payload"));
    assert_eq!(
        get_str(&calls()[3], "body").as_deref(),
        Some("payload"),
        "body resent"
    );
    assert_eq!(get_str(&calls()[3], "method").as_deref(), Some("POST"));

    // A 401 that is not invalid_token is handed back as it is, without a refresh.
    let res: web_sys::Response = resolved(c.fetch(&"/plain401".into(), &JsValue::UNDEFINED))
        .await
        .unchecked_into();
    assert_eq!(res.status(), 401);
    assert_eq!(paths().len(), 5);
    // The challenge is parsed (RFC 9110), not searched: `invalid_token` inside another error's
    // description is no reason to refresh.
    let res: web_sys::Response = resolved(c.fetch(&"/other401".into(), &JsValue::UNDEFINED))
        .await
        .unchecked_into();
    assert_eq!(res.status(), 401);
    assert_eq!(paths().len(), 6);
    reset();
}

#[wasm_bindgen_test]
async fn logout_forgets_the_session_and_emits() {
    reset();
    let c = logged_in(
        "at",
        now() + 600.0,
        r#", "/auth/logout": {"body": {"logged_out": true}}"#,
    )
    .await;
    let out = recorder();
    c.add_event_listener("logout", &out).unwrap();
    resolved(c.logout()).await;
    assert!(!c.logged_in());
    assert_eq!(paths(), ["/auth/session", "/auth/logout"]);
    assert_eq!(js_sys::Array::from(&get(&out, "seen")).length(), 1);
    // Removed listeners are not called.
    c.remove_event_listener("logout", &out).unwrap();
    resolved(c.logout()).await;
    assert_eq!(js_sys::Array::from(&get(&out, "seen")).length(), 1);
    reset();
}

#[wasm_bindgen_test]
async fn logout_everywhere_goes_on_to_the_providers_logout_page() {
    reset();
    let c = logged_in(
        "at",
        now() + 600.0,
        r##", "/auth/logout": {"body": {"logged_out": true, "end_session_url": "{origin}/#provider-logout"}}"##,
    )
    .await;
    resolved(c.logout_with(&json(r#"{"everywhere": true}"#))).await;
    assert!(!c.logged_in());
    let body = get(&calls()[1], "body");
    assert_eq!(get(&body, "everywhere").as_bool(), Some(true));
    assert!(
        current_url().ends_with("/#provider-logout"),
        "{}",
        current_url()
    );
    // A plain logout sends no body and goes nowhere, whatever the Worker answers.
    set_url("/");
    let c = logged_in(
        "at",
        now() + 600.0,
        r##", "/auth/logout": {"body": {"logged_out": true, "end_session_url": "{origin}/#provider-logout"}}"##,
    )
    .await;
    resolved(c.logout()).await;
    assert!(get(&calls()[1], "body").is_null());
    assert!(!current_url().contains('#'), "{}", current_url());
    reset();
}

#[wasm_bindgen_test]
async fn opt_in_storage_persists_the_token_view() {
    reset();
    fake_fetch(&json(&format!(
        r#"{{"/auth/session": {{"body": {}}}, "/auth/logout": {{"body": {{"logged_out": true}}}}}}"#,
        view("at-s", now() + 600.0)
    )));
    let c = client_with(r#"{"worker": "/auth", "storage": "session"}"#);
    resolved(c.restore()).await;
    let again = client_with(r#"{"worker": "/auth", "storage": "session"}"#);
    assert!(
        again.logged_in(),
        "a new client (a reload) sees the stored view"
    );
    assert_eq!(
        resolved(again.get_access_token())
            .await
            .as_string()
            .as_deref(),
        Some("at-s")
    );
    resolved(c.logout()).await;
    assert!(session_storage()
        .get_item("oauth-edge:token")
        .unwrap()
        .is_none());
    reset();
}

#[wasm_bindgen_test]
async fn events_are_custom_events_on_an_event_target() {
    reset();
    let c = logged_in(
        "at",
        now() + 600.0,
        r#", "/auth/logout": {"body": {"logged_out": true}}"#,
    )
    .await;
    assert!(is_a(&c, "EventTarget"));
    let (every, once, aborted) = (recorder(), recorder(), recorder());
    c.add_event_listener("logout", &every).unwrap();
    c.add_event_listener_with("logout", &once, &json(r#"{"once": true}"#))
        .unwrap();
    let abort = abortable();
    c.add_event_listener_with("logout", &aborted, &abort.get(0))
        .unwrap();
    resolved(c.logout()).await;
    Function::from(abort.get(1))
        .call0(&JsValue::UNDEFINED)
        .unwrap();
    resolved(c.logout()).await;
    assert_eq!((seen(&every), seen(&once), seen(&aborted)), (2, 1, 1));
    let ev = js_sys::Array::from(&get(&every, "events")).get(0);
    assert!(is_a(&ev, "CustomEvent"));
    assert_eq!(get_str(&ev, "type").as_deref(), Some("logout"));
    assert!(get(&ev, "detail").is_null() || get(&ev, "detail").is_undefined());
    reset();
}

#[wasm_bindgen_test]
async fn a_listener_that_throws_is_reported_and_the_others_still_run() {
    reset();
    let c = logged_in(
        "at",
        now() + 600.0,
        r#", "/auth/logout": {"body": {"logged_out": true}}"#,
    )
    .await;
    let after = recorder();
    c.add_event_listener("logout", &thrower()).unwrap();
    c.add_event_listener("logout", &after).unwrap();
    let stop = catch_reported();
    let done = JsFuture::from(c.logout()).await;
    let caught = js_sys::Array::from(&stop.call0(&JsValue::UNDEFINED).unwrap());
    assert!(done.is_ok(), "the operation is not failed by a listener");
    assert_eq!(seen(&after), 1, "the next listener ran");
    assert_eq!(caught.length(), 1, "reported as uncaught");
    assert_eq!(
        get_str(&caught.get(0), "message").as_deref(),
        Some("a listener's own bug")
    );
    reset();
}

#[wasm_bindgen_test]
fn bad_options_and_event_names_throw_typed_errors() {
    reset();
    for options in [
        r#"{}"#,
        r#"{"worker": ""}"#,
        r#"{"worker": "/auth", "storage": "disk"}"#,
        r#"{"worker": "/auth", "refreshLeewaySeconds": -1}"#,
    ] {
        let e = OAuthClient::new(&json(options)).err().expect(options);
        assert_eq!(code(&e), "invalid_options", "{options}");
    }
    reset();
    let e = client()
        .add_event_listener("logn", &recorder())
        .unwrap_err();
    assert_eq!(code(&e), "unknown_event");
}

// ---- provider dialects (issue 3) --------------------------------------------------------------

fn pending_tx() -> JsValue {
    json(
        &session_storage()
            .get_item("oauth-edge:pending")
            .unwrap()
            .expect("a pending login"),
    )
}

#[wasm_bindgen_test]
async fn login_sends_the_variant_and_reads_the_code_from_the_configured_parameter() {
    reset();
    let routes = format!(
        r##"{{"/auth/login": {{"body": {{"authorization_url": "{{origin}}/#authorize", "issuer": null,
            "provider": "payoutid", "code_param": "authorization_code", "delivery": "code"}}}},
           "/auth/token": {{"body": {}}}}}"##,
        view("at-p", now() + 600.0)
    );
    fake_fetch(&json(&routes));
    let c = client_with(r#"{"worker": "/auth", "provider": "payoutid"}"#);
    resolved(c.login(&json(r#"{"returnTo": "/after", "variant": "lt"}"#))).await;
    let body = get(&calls()[0], "body");
    assert_eq!(get_str(&body, "variant").as_deref(), Some("lt"));
    assert_eq!(get_str(&body, "provider").as_deref(), Some("payoutid"));
    assert_eq!(get_str(&body, "return_to").as_deref(), Some("/after"));
    let tx = pending_tx();
    assert_eq!(
        get_str(&tx, "codeParam").as_deref(),
        Some("authorization_code")
    );
    let state = get_str(&tx, "state").unwrap();

    // PayoutID's redirect: `authorization_code` in the query (document 002, step 3).
    set_url(&format!(
        "/callback?authorization_code=pc1&state={state}&keep=1"
    ));
    assert!(c.is_callback());
    let result = resolved(c.handle_callback()).await;
    assert_eq!(get_str(&result, "returnTo").as_deref(), Some("/after"));
    assert_eq!(
        current_url(),
        "/callback?keep=1",
        "the code parameter is scrubbed too"
    );
    let body = get(&calls()[1], "body");
    assert_eq!(get_str(&body, "code").as_deref(), Some("pc1"));
    assert_eq!(get_str(&body, "state"), Some(state));
    assert!(c.logged_in());

    // Repeated, or next to a plain `code`: refused before any request.
    for query in [
        "authorization_code=a&authorization_code=b&state=s",
        "authorization_code=a&code=b&state=s",
    ] {
        reset();
        session_storage()
            .set_item(
                "oauth-edge:pending",
                &format!(
                    r#"{{"state": "s", "verifier": "{}", "returnTo": "/", "issuer": null, "codeParam": "authorization_code"}}"#,
                    "v".repeat(43)
                ),
            )
            .unwrap();
        let e = failing_callback(query).await;
        assert_eq!(code(&e), "malformed_callback", "{query}");
    }
    reset();
}

#[wasm_bindgen_test]
async fn a_login_whose_tokens_go_to_the_worker_keeps_no_pending_transaction() {
    reset();
    pending("old", "/", None);
    fake_fetch(&json(
        r##"{"/auth/login": {"body": {"authorization_url": "{origin}/#sso", "issuer": null,
            "provider": "sso", "code_param": "code", "delivery": "worker"}}}"##,
    ));
    let c = client();
    resolved(c.login(&json(r#"{"provider": "sso", "returnTo": "/account"}"#))).await;
    let body = get(&calls()[0], "body");
    assert_eq!(get_str(&body, "return_to").as_deref(), Some("/account"));
    assert_eq!(get_str(&body, "provider").as_deref(), Some("sso"));
    assert!(!has_pending(), "nothing to finish in the tab");
    assert_eq!(current_url(), "/#sso", "navigated");
    reset();
}

#[wasm_bindgen_test]
async fn the_workers_failure_redirect_is_a_typed_error_scrubbed_from_the_address_bar() {
    reset();
    pending("s1", "/", None);
    set_url("/?oauth_edge_error=no_transaction&tab=2");
    let c = client();
    assert!(c.is_callback());
    fake_fetch(&json("{}"));
    let e = rejected(c.handle_callback()).await;
    assert_eq!(code(&e), "no_transaction");
    assert!(e.is_instance_of::<OAuthError>());
    assert!(get_str(&e, "message").unwrap().contains("Log in again"));
    assert_eq!(current_url(), "/?tab=2");
    assert!(calls().is_empty(), "no request");
    assert!(has_pending(), "another login of this tab is left alone");

    // restore(): scrubbed, the session is still asked for, then the error.
    reset();
    fake_fetch(&json(&format!(
        r#"{{"/auth/session": {{"body": {}}}}}"#,
        view("at", now() + 600.0)
    )));
    set_url("/?oauth_edge_error=access_denied");
    let c = client();
    let e = rejected(c.restore()).await;
    assert_eq!(code(&e), "access_denied");
    assert!(get_str(&e, "message").unwrap().contains("denied"));
    assert_eq!(current_url(), "/");
    assert!(c.logged_in(), "an earlier session is kept");

    // Words forged into the link are not shown.
    reset();
    set_url("/?oauth_edge_error=Call+0800+now");
    let e = rejected(client().handle_callback()).await;
    assert_eq!(code(&e), "malformed_callback");
    assert_eq!(current_url(), "/");
    reset();
}

#[wasm_bindgen_test]
async fn password_login_and_registration_go_through_the_worker() {
    reset();
    let routes = format!(
        r#"{{"/auth/password": [{{"body": {}}},
              {{"status": 401, "body": {{"code": "login_failed", "message": "The provider refused the user name or password.",
                "error": "invalid_grant", "error_description": "Invalid username or password"}}}},
              {{"status": 403, "body": {{"code": "password_grant_disabled", "message": "No password login here."}}}}],
            "/auth/register": [{{"status": 201, "body": {{"registered": true}}}},
              {{"status": 409, "body": {{"code": "registration_failed", "message": "The provider refused the registration.",
                "error": "Username already taken", "error_description": null}}}}]}}"#,
        view("at-pw", now() + 600.0)
    );
    fake_fetch(&json(&routes));
    let c = client_with(r#"{"worker": "/auth", "provider": "paytronix"}"#);
    let login = recorder();
    c.add_event_listener("login", &login).unwrap();
    let creds = json(r#"{"username": "johndoe", "password": "open456"}"#);
    let i = resolved(c.login_with_password(&creds)).await;
    assert!(get(&i, "expiresAt").as_f64().is_some());
    let call = &calls()[0];
    assert_eq!(get_str(call, "method").as_deref(), Some("POST"));
    assert_eq!(
        get_str(&get(call, "headers"), "x-oauth-edge").as_deref(),
        Some("1")
    );
    let body = get(call, "body");
    assert_eq!(get_str(&body, "provider").as_deref(), Some("paytronix"));
    assert_eq!(get_str(&body, "username").as_deref(), Some("johndoe"));
    assert_eq!(get_str(&body, "password").as_deref(), Some("open456"));
    assert!(c.logged_in());
    assert_eq!(
        c.provider().as_deref(),
        Some("default"),
        "as the Worker named it"
    );
    assert_eq!(js_sys::Array::from(&get(&login, "seen")).length(), 1);
    assert_eq!(
        resolved(c.get_access_token()).await.as_string().as_deref(),
        Some("at-pw")
    );

    let e = rejected(c.login_with_password(&creds)).await;
    assert_eq!(code(&e), "login_failed");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert_eq!(get_str(&e, "error").as_deref(), Some("invalid_grant"));
    assert_eq!(
        get_str(&e, "errorDescription").as_deref(),
        Some("Invalid username or password")
    );
    let e = rejected(c.login_with_password(&creds)).await;
    assert_eq!(code(&e), "password_grant_disabled");
    let e = rejected(c.login_with_password(&json(r#"{"username": "x"}"#))).await;
    assert_eq!(code(&e), "invalid_options");

    let sso = json(r#"{"username": "john", "password": "1234", "provider": "sso"}"#);
    let r = resolved(c.register(&sso)).await;
    assert_eq!(get(&r, "registered").as_bool(), Some(true));
    let body = get(&calls().last().unwrap().clone(), "body");
    assert_eq!(get_str(&body, "provider").as_deref(), Some("sso"));
    assert_eq!(paths().last().map(String::as_str), Some("/auth/register"));
    let e = rejected(c.register(&sso)).await;
    assert_eq!(code(&e), "registration_failed");
    assert_eq!(get(&e, "status").as_f64(), Some(409.0));
    assert_eq!(
        get_str(&e, "error").as_deref(),
        Some("Username already taken")
    );
    reset();
}

#[wasm_bindgen_test]
async fn a_view_without_an_access_token_uses_the_api_proxy() {
    reset();
    // Paysera: MAC tokens, the key stays in the Worker (docs/worker-api.md, token view additions).
    let routes = format!(
        r#"{{"/auth/session": {{"body": {{"token_type": "mac", "expires_at": {}, "scope": "", "user": {{"id": "u1"}}, "provider": "paysera"}}}},
            "/api/paysera/user/me": {{"body": {{"id": "u1"}}}},
            "/api/paysera/bad": {{"status": 400, "body": {{"code": "bad_path", "message": "That path is not allowed."}}}},
            "/api/paysera/upstream": {{"status": 404, "body": {{"error": "not_found"}}}},
            "/api/paysera/gone": {{"status": 401, "body": {{"code": "session_ended", "message": "Log in again."}}}}}}"#,
        now() + 600.0
    );
    fake_fetch(&json(&routes));
    let c = client();
    assert!(!resolved(c.restore()).await.is_null());
    assert!(c.logged_in());
    let e = rejected(c.get_access_token()).await;
    assert_eq!(code(&e), "token_not_available");
    assert!(get_str(&e, "message").unwrap().contains("proxy"));
    let e = rejected(c.fetch(
        &"https://wallet.example/rest/v1/user/me".into(),
        &JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!(code(&e), "token_not_available");

    // apiFetch and fetch of a proxy URL: the Worker's header and cookie, no Authorization.
    let init =
        json(r#"{"headers": {"Authorization": "Bearer leak", "Accept": "application/json"}}"#);
    for res in [
        resolved(c.api_fetch("paysera/user/me", &init)).await,
        resolved(c.fetch(&"/api/paysera/user/me".into(), &init)).await,
    ] {
        let res: web_sys::Response = res.unchecked_into();
        assert_eq!(res.status(), 200);
        let call = calls().last().unwrap().clone();
        assert_eq!(
            get_str(&call, "path").as_deref(),
            Some("/api/paysera/user/me")
        );
        assert_eq!(
            get_str(&call, "credentials").as_deref(),
            Some("same-origin")
        );
        let headers = get(&call, "headers");
        assert_eq!(get_str(&headers, "x-oauth-edge").as_deref(), Some("1"));
        assert_eq!(get_str(&headers, "authorization"), None);
        assert_eq!(
            get_str(&headers, "accept").as_deref(),
            Some("application/json")
        );
    }
    // The upstream's answers resolve as they are; the Worker's refusals reject.
    let res: web_sys::Response = resolved(c.api_fetch("/paysera/upstream", &JsValue::UNDEFINED))
        .await
        .unchecked_into();
    assert_eq!(res.status(), 404);
    let e = rejected(c.api_fetch("paysera/bad", &JsValue::UNDEFINED)).await;
    assert_eq!(code(&e), "bad_path");
    assert_eq!(get(&e, "status").as_f64(), Some(400.0));
    assert!(c.logged_in());

    let ended = recorder();
    c.add_event_listener("sessionEnded", &ended).unwrap();
    let e = rejected(c.api_fetch("paysera/gone", &JsValue::UNDEFINED)).await;
    assert_eq!(code(&e), "session_ended");
    assert!(!c.logged_in());
    assert_eq!(js_sys::Array::from(&get(&ended, "seen")).length(), 1);
    reset();
}

#[wasm_bindgen_test]
async fn ten_calls_failing_at_once_share_one_refresh_then_resend() {
    reset();
    // Paytronix document 001: on "invalid token", refresh and resend the call that failed.
    let fresh = view("at-new", now() + 1800.0);
    let extra = format!(
        r#", "/auth/refresh": {{"delay": 30, "body": {fresh}}},
           "/rest/guest/accountInformation.json": {{"status": 401, "headers": {{"WWW-Authenticate": "Bearer error=\"invalid_token\""}},
              "body": {{"result": "failure", "errorCode": "invalid_token"}}}}"#
    );
    let c = logged_in("at-old", now() + 1800.0, &extra).await;
    let promises: Vec<Promise> = (0..10)
        .map(|_| {
            c.fetch(
                &"/rest/guest/accountInformation.json".into(),
                &JsValue::UNDEFINED,
            )
        })
        .collect();
    for p in promises {
        let res: web_sys::Response = resolved(p).await.unchecked_into();
        assert_eq!(res.status(), 401, "the resend's answer is handed back");
    }
    let p = paths();
    assert_eq!(
        p.iter().filter(|x| *x == "/auth/refresh").count(),
        1,
        "{p:?}"
    );
    let auth: Vec<Option<String>> = calls()
        .iter()
        .filter(|c| get_str(c, "path").as_deref() == Some("/rest/guest/accountInformation.json"))
        .map(|c| get_str(&get(c, "headers"), "authorization"))
        .collect();
    assert_eq!(auth.len(), 20, "ten calls, ten resends");
    assert_eq!(
        auth.iter()
            .filter(|a| a.as_deref() == Some("Bearer at-old"))
            .count(),
        10
    );
    assert_eq!(
        auth.iter()
            .filter(|a| a.as_deref() == Some("Bearer at-new"))
            .count(),
        10
    );
    reset();
}

#[wasm_bindgen_test]
async fn an_api_answer_shaped_like_a_worker_error_is_handed_back() {
    reset();
    // The proxy passes the API's status and body through: only `X-OAuth-Edge-Error: 1` marks the
    // Worker's own refusals, so an API's `{code, message}` JSON is the API's answer.
    let c = logged_in(
        "at",
        now() + 600.0,
        r#", "/api/shop/cart": [
              {"status": 401, "unmarked": true, "body": {"code": "session_ended", "message": "x"}},
              {"status": 404, "unmarked": true, "body": {"code": "not_found", "message": "No such cart."}}]"#,
    )
    .await;
    let ended = recorder();
    let errors = recorder();
    c.add_event_listener("sessionEnded", &ended).unwrap();
    c.add_event_listener("error", &errors).unwrap();
    for (status, api_code) in [(401, "session_ended"), (404, "not_found")] {
        let res: web_sys::Response = resolved(c.api_fetch("shop/cart", &JsValue::UNDEFINED))
            .await
            .unchecked_into();
        assert_eq!(res.status(), status);
        let body = resolved(res.json().unwrap()).await;
        assert_eq!(get_str(&body, "code").as_deref(), Some(api_code));
    }
    let res: web_sys::Response = resolved(c.fetch(&"/api/shop/cart".into(), &JsValue::UNDEFINED))
        .await
        .unchecked_into();
    assert_eq!(res.status(), 404);
    assert!(c.logged_in(), "an API's words do not end the session");
    assert_eq!(seen(&ended), 0);
    assert_eq!(seen(&errors), 0);
    reset();
}

#[wasm_bindgen_test]
async fn blocked_or_full_session_storage_is_storage_unavailable() {
    let routes = r##"{"/auth/login": {"body": {"authorization_url": "{origin}/#authorize"}}}"##;
    // Reading `sessionStorage` throws (blocked), or writing to it does (full).
    for storage in [JsValue::UNDEFINED, full_storage()] {
        reset();
        fake_fetch(&json(routes));
        let c = client();
        let errors = recorder();
        c.add_event_listener("error", &errors).unwrap();
        let e = with_stub("sessionStorage", &storage, || c.login(&JsValue::UNDEFINED))
            .await
            .expect_err("login without storage");
        assert_eq!(code(&e), "storage_unavailable");
        assert!(e.is_instance_of::<OAuthError>());
        assert!(
            !get(&e, "cause").is_undefined(),
            "the browser's error is kept"
        );
        assert!(get_str(&e, "message").unwrap().len() > 20);
        assert_eq!(current_url(), "/", "no navigation without a pending login");
        assert_eq!(seen(&errors), 1);
    }
    reset();
}

#[wasm_bindgen_test]
async fn a_network_failure_of_an_api_call_is_fetch_failed() {
    reset();
    let c = logged_in(
        "at",
        now() + 600.0,
        r#", "/down": {"networkError": true}, "/api/shop/down": {"networkError": true}"#,
    )
    .await;
    for e in [
        rejected(c.fetch(&"/down".into(), &JsValue::UNDEFINED)).await,
        rejected(c.api_fetch("shop/down", &JsValue::UNDEFINED)).await,
        // A request that cannot even be made.
        rejected(c.fetch(&"http://[bad".into(), &JsValue::UNDEFINED)).await,
    ] {
        assert_eq!(code(&e), "fetch_failed");
        assert!(e.is_instance_of::<OAuthError>());
        assert!(
            get(&e, "cause").is_instance_of::<js_sys::TypeError>(),
            "the TypeError is kept as cause"
        );
    }
    assert_eq!(paths(), ["/auth/session", "/down", "/api/shop/down"]);
    assert!(c.logged_in(), "a network failure keeps the session");
    reset();
}

#[wasm_bindgen_test]
async fn without_crypto_login_is_crypto_unavailable() {
    reset();
    fake_fetch(&json(
        r##"{"/auth/login": {"body": {"authorization_url": "{origin}/#authorize"}}}"##,
    ));
    let c = client();
    // No `crypto.getRandomValues` (an old or stripped-down environment).
    let e = with_stub("crypto", &Object::new().into(), || {
        c.login(&JsValue::UNDEFINED)
    })
    .await
    .expect_err("login without crypto");
    assert_eq!(code(&e), "crypto_unavailable");
    assert!(e.is_instance_of::<OAuthError>());
    assert!(!get(&e, "cause").is_undefined());
    assert!(
        calls().is_empty(),
        "nothing sent without random state and verifier"
    );
    assert!(!has_pending());
    reset();
}
