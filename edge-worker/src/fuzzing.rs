//! Thin public wrappers around the Worker's crate-private parsers and pure decisions, for the fuzz
//! targets in `fuzz/` (fuzz/README.md, "The Worker's targets").
//!
//! Compiled only with the `fuzzing` feature, and not part of the Worker's API: the Worker never
//! calls any of it. Each function hands its arguments to the Worker's own item unchanged; the
//! types here are plain copies of the Worker's crate-private ones, so that none of those has to
//! become public.
use std::time::Duration;

use oauth_edge_shared::provider::ProviderConfig;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::TokenSet;
use oauth_edge_shared::transaction::Transaction;
use oauth_edge_shared::UnixTime;

use crate::error::WorkerError;
use crate::objects::{client_tokens, rate_limiter};
use crate::{body, config, cookies, routes, seal, store, transaction, Endpoint};

/// A refusal: the Worker's error code and HTTP status, the binding a configuration error names,
/// the message the caller would see and the detail only the Worker's log would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The stable error code (`bad_request`, `config_error`, …).
    pub code: &'static str,
    /// The HTTP status it answers.
    pub status: u16,
    /// For `config_error`: the binding it names.
    pub key: Option<String>,
    /// The message of the error body.
    pub message: String,
    /// What the Worker's log would say (`WorkerError::log_detail`).
    pub detail: Option<String>,
}

impl From<WorkerError> for Error {
    fn from(e: WorkerError) -> Self {
        Self {
            code: e.code(),
            status: e.status(),
            key: match &e {
                WorkerError::Config { key, .. } => Some(key.clone()),
                _ => None,
            },
            message: e.message(),
            detail: e.log_detail(),
        }
    }
}

// --- the router --------------------------------------------------------------------------------

/// Where a request goes (the router's `Route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// An auth endpoint, by its path below the auth prefix (`/login`, `/token`, …).
    Auth(&'static str),
    /// `<AUTH_PREFIX>/callback/<provider>`.
    Callback(String),
    /// `<AUTH_PREFIX>/backchannel-logout/<provider>`.
    BackchannelLogout(String),
    /// `<API_PREFIX>/<provider>/<rest>`.
    Api {
        /// The provider's name.
        provider: String,
        /// The path below it.
        rest: String,
    },
    /// Inside a prefix, but nothing is there.
    NotFound,
}

/// The auth endpoints' paths below the auth prefix.
pub const ENDPOINTS: [&str; 7] = [
    "/login",
    "/token",
    "/session",
    "/refresh",
    "/logout",
    "/password",
    "/register",
];

/// `Route::of`: where `path` goes; `None` outside both prefixes.
pub fn route(path: &str, auth_prefix: &str, api_prefix: &str) -> Option<Route> {
    Some(match crate::Route::of(path, auth_prefix, api_prefix)? {
        crate::Route::Auth(e) => Route::Auth(match e {
            Endpoint::Login => ENDPOINTS[0],
            Endpoint::Token => ENDPOINTS[1],
            Endpoint::Session => ENDPOINTS[2],
            Endpoint::Refresh => ENDPOINTS[3],
            Endpoint::Logout => ENDPOINTS[4],
            Endpoint::Password => ENDPOINTS[5],
            Endpoint::Register => ENDPOINTS[6],
        }),
        crate::Route::Callback(name) => Route::Callback(name),
        crate::Route::BackchannelLogout(name) => Route::BackchannelLogout(name),
        crate::Route::Api { provider, rest } => Route::Api { provider, rest },
        crate::Route::NotFound => Route::NotFound,
    })
}

// --- the session cookie ------------------------------------------------------------------------

/// A session id read from the session cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionId {
    /// The cookie value.
    pub value: String,
    /// Its KV key.
    pub kv_key: String,
}

/// `store::SessionId::parse`: the id in a session cookie's value, if it has the shape of one.
pub fn session_id(cookie_value: &str) -> Option<SessionId> {
    store::SessionId::parse(cookie_value).map(|id| SessionId {
        value: id.as_str().to_owned(),
        kv_key: id.kv_key(),
    })
}

/// `store::SessionId::from_entropy`: the cookie value of a fresh id.
pub fn new_session_id(entropy: &[u8; 32]) -> String {
    store::SessionId::from_entropy(entropy).as_str().to_owned()
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = cookies::SESSION;

// --- sealing -----------------------------------------------------------------------------------

/// The sealing keys (`seal::Keyring`).
#[derive(Clone)]
pub struct Keyring(seal::Keyring);

impl Keyring {
    /// The keyring of root key `current` (and `previous`, while rotating).
    pub fn new(current: [u8; 32], previous: Option<[u8; 32]>) -> Self {
        Self(seal::Keyring::new(current, previous))
    }
}

/// What a sealed value is for (`seal::Purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The tx cookie.
    Transaction,
    /// A session record in KV.
    Session,
    /// A client-credentials token in a Durable Object's storage.
    ClientToken,
}

/// Every purpose.
pub const PURPOSES: [Purpose; 3] = [Purpose::Transaction, Purpose::Session, Purpose::ClientToken];

impl From<Purpose> for seal::Purpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Transaction => Self::Transaction,
            Purpose::Session => Self::Session,
            Purpose::ClientToken => Self::ClientToken,
        }
    }
}

/// The length of a nonce.
pub const NONCE_LEN: usize = seal::NONCE_LEN;

/// `seal::seal`.
pub fn seal(
    keys: &Keyring,
    purpose: Purpose,
    location: &str,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> String {
    seal::seal(&keys.0, purpose.into(), location, plaintext, nonce)
}

/// `seal::open`.
pub fn open(keys: &Keyring, purpose: Purpose, location: &str, sealed: &str) -> Option<Vec<u8>> {
    seal::open(&keys.0, purpose.into(), location, sealed)
}

/// `store::seal_record`.
pub fn seal_record(
    keys: &Keyring,
    kv_key: &str,
    record: &SessionRecord,
    nonce: [u8; NONCE_LEN],
) -> String {
    store::seal_record(&keys.0, kv_key, record, nonce)
}

/// `store::open_record`.
pub fn open_record(keys: &Keyring, kv_key: &str, sealed: &str) -> Option<SessionRecord> {
    store::open_record(&keys.0, kv_key, sealed)
}

/// The tx cookie's name (where `transaction::seal` binds its values).
pub const TX_COOKIE: &str = cookies::TX;

/// `transaction::seal`.
pub fn seal_transaction(tx: &Transaction, keys: &Keyring, nonce: [u8; NONCE_LEN]) -> String {
    transaction::seal(tx, &keys.0, nonce)
}

/// `transaction::open`.
pub fn open_transaction(keys: &Keyring, sealed: &str, now: UnixTime) -> Option<Transaction> {
    transaction::open(&keys.0, sealed, now)
}

// --- configuration -----------------------------------------------------------------------------

/// At most `max` attempts per `window_seconds` (`config::limits::Rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Attempts allowed in one window.
    pub max: u32,
    /// The window, in seconds.
    pub window_seconds: u32,
}

impl From<Rate> for config::limits::Rate {
    fn from(r: Rate) -> Self {
        Self {
            max: r.max,
            window_seconds: r.window_seconds,
        }
    }
}

impl From<config::limits::Rate> for Rate {
    fn from(r: config::limits::Rate) -> Self {
        Self {
            max: r.max,
            window_seconds: r.window_seconds,
        }
    }
}

/// A parsed configuration (`config::Config`).
pub struct Config {
    /// `AUTH_PREFIX`.
    pub auth_prefix: String,
    /// `API_PREFIX`.
    pub api_prefix: String,
    /// `ALLOWED_ORIGINS`.
    pub allowed_origins: Vec<String>,
    /// `SESSION_TTL_SECONDS`.
    pub session_ttl: u64,
    /// `UPSTREAM_TIMEOUT_MS`.
    pub upstream_timeout: Duration,
    /// `PROVIDERS`, in order, each with its client secret.
    pub providers: Vec<Provider>,
    /// `AUTH_BODY_LIMIT_BYTES`.
    pub auth_body_limit: usize,
    /// `API_BODY_LIMIT_BYTES`.
    pub api_body_limit: usize,
    /// `RATE_LIMITS`, by name.
    pub rates: [(&'static str, Rate); 3],
    /// `SESSION_KEY` and `SESSION_KEY_PREVIOUS`.
    pub keys: Keyring,
}

/// One configured provider.
pub struct Provider {
    /// Its name in `PROVIDERS`.
    pub name: String,
    /// Its resolved entry.
    pub config: ProviderConfig,
    /// Its client secret (empty for `client_auth: none`).
    pub client_secret: String,
}

/// `config::Config::parse`, reading bindings through `lookup`.
pub fn parse_config(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
    let c = config::Config::parse(lookup)?;
    let rates = c.limits.rates;
    Ok(Config {
        auth_prefix: c.auth_prefix,
        api_prefix: c.api_prefix,
        allowed_origins: c.allowed_origins,
        session_ttl: c.session_ttl,
        upstream_timeout: c.upstream_timeout,
        providers: c
            .providers
            .into_iter()
            .map(|p| Provider {
                client_secret: p.client_secret.expose().to_owned(),
                name: p.name,
                config: p.config,
            })
            .collect(),
        auth_body_limit: c.limits.auth_body,
        api_body_limit: c.limits.api_body,
        rates: [
            ("login_per_user", rates.login_per_user.into()),
            ("login_per_ip", rates.login_per_ip.into()),
            ("anonymous_api_per_ip", rates.anonymous_api_per_ip.into()),
        ],
        keys: Keyring(c.keys),
    })
}

/// `config::client_secret_key`: the binding of a provider's client secret.
pub fn client_secret_key(provider: &str) -> String {
    config::client_secret_key(provider)
}

// --- request bodies ----------------------------------------------------------------------------

/// `body::declared_too_large`.
pub fn declared_too_large(content_length: Option<&str>, limit: usize) -> bool {
    body::declared_too_large(content_length, limit)
}

/// An auth endpoint that reads a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `/login`.
    Login,
    /// `/token`.
    Token,
    /// `/password`.
    Password,
    /// `/register`.
    Register,
    /// `/refresh`.
    Refresh,
}

/// Every endpoint that reads a JSON body.
pub const BODIES: [Body; 5] = [
    Body::Login,
    Body::Token,
    Body::Password,
    Body::Register,
    Body::Refresh,
];

/// What the endpoint's `handle` does with the request body before anything else: the JSON into
/// its request struct (`routes::json_body`; an empty body is `{}`), and for `/login` and `/token`
/// the shape checks that follow.
pub fn read_body(endpoint: Body, body: &[u8]) -> Result<(), Error> {
    Ok(match endpoint {
        Body::Login => routes::login::read_body(body),
        Body::Token => routes::token::read_body(body),
        Body::Password => routes::password::read_body(body),
        Body::Register => routes::register::read_body(body),
        Body::Refresh => routes::refresh::read_body(body),
    }?)
}

// --- the Durable Objects' decisions ------------------------------------------------------------

/// The attempts counted in a rate-limit window (`rate_limiter::Window`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When it began (ms since the epoch).
    pub start_ms: u64,
    /// Attempts counted in it.
    pub count: u32,
}

/// The answer to one attempt (`rate_limiter::Decision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Refused; retry after this many seconds.
    Refused {
        /// Seconds until the window ends.
        retry_after: u64,
    },
}

/// `rate_limiter::attempt`: one more attempt at `now_ms`.
pub fn rate_attempt(window: Option<Window>, rate: Rate, now_ms: u64) -> (Window, Decision) {
    let window = window.map(|w| rate_limiter::Window {
        start_ms: w.start_ms,
        count: w.count,
    });
    let (w, d) = rate_limiter::attempt(window, rate.into(), now_ms);
    let w = Window {
        start_ms: w.start_ms,
        count: w.count,
    };
    let d = match d {
        rate_limiter::Decision::Allowed => Decision::Allowed,
        rate_limiter::Decision::Refused { retry_after } => Decision::Refused { retry_after },
    };
    (w, d)
}

/// A client-credentials token as the `ClientTokens` object holds it (`client_tokens::ClientToken`,
/// without a MAC key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientToken {
    /// The access token.
    pub access_token: String,
    /// When it expires (UNIX seconds).
    pub expires_at: UnixTime,
    /// When it was fetched (UNIX seconds).
    pub fetched_at: UnixTime,
}

impl From<&ClientToken> for client_tokens::ClientToken {
    fn from(t: &ClientToken) -> Self {
        Self {
            access_token: oauth_edge_shared::secret::AccessToken::new(t.access_token.clone()),
            mac_key: None,
            expires_at: t.expires_at,
            fetched_at: t.fetched_at,
        }
    }
}

/// `client_tokens::ClientToken::new`: the token of a client-credentials answer received at `now`.
pub fn client_token(tokens: TokenSet, now: UnixTime) -> ClientToken {
    let t = client_tokens::ClientToken::new(tokens, now);
    ClientToken {
        access_token: t.access_token.expose().to_owned(),
        expires_at: t.expires_at,
        fetched_at: t.fetched_at,
    }
}

/// `client_tokens::ClientToken::usable`.
pub fn client_token_usable(token: &ClientToken, now: UnixTime) -> bool {
    client_tokens::ClientToken::from(token).usable(now)
}

/// `client_tokens::fingerprint` of an access token.
pub fn fingerprint(access_token: &str) -> String {
    client_tokens::fingerprint(&oauth_edge_shared::secret::AccessToken::new(access_token))
}

/// `client_tokens::must_fetch`.
pub fn must_fetch(held: Option<&ClientToken>, refused: Option<&str>, now: UnixTime) -> bool {
    let held = held.map(client_tokens::ClientToken::from);
    client_tokens::must_fetch(held.as_ref(), refused, now)
}

/// A token is not handed out in its last `MARGIN` seconds.
pub const MARGIN: u64 = client_tokens::MARGIN;
/// A refused token is replaced at most every `REPLACE_FLOOR` seconds.
pub const REPLACE_FLOOR: u64 = client_tokens::REPLACE_FLOOR;
