//! The app's own client-credentials tokens (RFC 6749 §4.4) for the API proxy, held by one Durable
//! Object per provider (issue 6, finding 1).
//!
//! Before, each isolate fetched a token when the KV cache lacked one and dropped the shared token
//! on every upstream `401`, so any caller could make the Worker fetch tokens and write KV as fast
//! as it sent requests. Now one object decides for every isolate:
//! - **single flight**: the object fetches while blocking its other events
//!   (`blockConcurrencyWhile`), so callers that arrive meanwhile get the token just fetched;
//! - **a floor on replacement**: a token a caller reports refused (by its fingerprint, never the
//!   token) is replaced only if it is the current one and at least [`REPLACE_FLOOR`] seconds old;
//!   otherwise the caller gets the current token back (and the API's `401` stands).
//!
//! The token lives in the object's memory and, sealed, in its storage (so a restarted object does
//! not refetch); an alarm deletes it when it expires.
use std::cell::RefCell;

use oauth_edge_shared::b64;
use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::secret::{AccessToken, SigningKey};
use oauth_edge_shared::token::{
    parse_token_response, signed_token_request, Grant, RequestContext, TokenSet,
};
use oauth_edge_shared::UnixTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worker::{durable_object, Env, Request, Response, State, Storage};

use crate::config::{Config, Provider};
use crate::error::WorkerError;
use crate::seal::{self, Purpose};
use crate::{entropy, upstream};

/// The Durable Object binding (wrangler.toml).
pub(crate) const BINDING: &str = "CLIENT_TOKENS";
/// A token is not handed out in its last minute.
pub(crate) const MARGIN: u64 = 60;
/// A refused token is replaced at most this often (seconds): an API that refuses every token
/// cannot make the Worker hammer the provider's token endpoint.
pub(crate) const REPLACE_FLOOR: u64 = 10;
const STORAGE_KEY: &str = "token";

/// A token for the app itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClientToken {
    /// The access token.
    pub(crate) access_token: AccessToken,
    /// Its MAC key, for a `mac` token.
    pub(crate) mac_key: Option<SigningKey>,
    /// When it expires (UNIX seconds).
    pub(crate) expires_at: UnixTime,
    /// When it was fetched (UNIX seconds).
    pub(crate) fetched_at: UnixTime,
}

impl ClientToken {
    /// The token of a client-credentials answer received at `now`.
    pub(crate) fn new(tokens: TokenSet, now: UnixTime) -> Self {
        Self {
            expires_at: tokens.expiry(now),
            access_token: tokens.access_token,
            mac_key: tokens.mac_key,
            fetched_at: now,
        }
    }

    /// Whether it may still be sent at `now`: not within [`MARGIN`] of its expiry, or within a
    /// quarter of its lifetime for a token that lives less than four minutes (a 60 s token would
    /// otherwise never be usable, and every call would fetch one).
    pub(crate) fn usable(&self, now: UnixTime) -> bool {
        let lifetime = self.expires_at.saturating_sub(self.fetched_at);
        now.saturating_add(MARGIN.min(lifetime / 4)) < self.expires_at
    }
}

/// The client-credentials grant (RFC 6749 §4.4) for `provider`'s app token.
pub(crate) fn client_credentials_request(provider: &Provider, ctx: &RequestContext) -> HttpRequest {
    signed_token_request(
        &provider.config,
        &provider.client_secret,
        &Grant::ClientCredentials,
        &serde_json::Map::new(),
        ctx,
    )
}

/// What names a token in a report that it was refused: a truncated SHA-256, so the token itself
/// never travels twice.
pub(crate) fn fingerprint(token: &AccessToken) -> String {
    b64::url_encode(&Sha256::digest(token.expose().as_bytes())[..12])
}

/// Whether the object must fetch a new token, given the one it holds and a caller's report.
pub(crate) fn must_fetch(held: Option<&ClientToken>, refused: Option<&str>, now: UnixTime) -> bool {
    match held {
        None => true,
        Some(t) if !t.usable(now) => true,
        Some(t) => {
            refused == Some(fingerprint(&t.access_token).as_str())
                && now >= t.fetched_at.saturating_add(REPLACE_FLOOR)
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Ask {
    provider: String,
    refused: Option<String>,
}

/// The object's answer: a token, or what went wrong upstream (the provider's own answer, so the
/// Worker reads the same typed error from it as it would have itself).
#[derive(Serialize, Deserialize)]
enum Answer {
    Token(ClientToken),
    Refused {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    Unreachable(String),
    Internal(String),
}

/// The provider's current client token; `refused`: the token the API just refused, if any.
pub(crate) async fn token(
    env: &Env,
    provider: &Provider,
    refused: Option<&AccessToken>,
) -> Result<ClientToken, WorkerError> {
    let ask = Ask {
        provider: provider.name.clone(),
        refused: refused.map(fingerprint),
    };
    match super::ask::<_, Answer>(env, BINDING, &provider.name, &ask).await? {
        Answer::Token(t) => Ok(t),
        Answer::Refused {
            status,
            headers,
            body,
        } => {
            let answer = HttpResponse {
                status,
                headers,
                body: b64::url_decode(&body).unwrap_or_default(),
            };
            match parse_token_response(&provider.config, &answer) {
                Err(e) => Err(e.into()),
                Ok(_) => Err(WorkerError::Internal("client token: answer changed".into())),
            }
        }
        Answer::Unreachable(detail) => Err(WorkerError::Unreachable(detail)),
        Answer::Internal(detail) => Err(WorkerError::Internal(detail)),
    }
}

/// The Durable Object.
#[durable_object]
pub struct ClientTokens {
    state: State,
    env: Env,
    held: std::rc::Rc<RefCell<Option<ClientToken>>>,
}

impl worker::DurableObject for ClientTokens {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            held: Default::default(),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let ask: Ask = super::asked(&mut req).await?;
        let (env, storage, held) = (self.env.clone(), self.state.storage(), self.held.clone());
        // No other event reaches the object until this one is answered: one fetch at a time.
        let answer = self
            .state
            .block_concurrency_while(async move { Ok(serve(&env, &storage, &held, ask).await) })
            .await?;
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let now = crate::clock::now();
        let expired = self.held.borrow().as_ref().is_none_or(|t| !t.usable(now));
        if expired {
            self.state.storage().delete_all().await?;
            *self.held.borrow_mut() = None;
        }
        Response::empty()
    }
}

async fn serve(
    env: &Env,
    storage: &Storage,
    held: &RefCell<Option<ClientToken>>,
    ask: Ask,
) -> Answer {
    let config = match Config::from_env_discovered(env).await {
        Ok(c) => c,
        Err(e) => return Answer::Internal(e.log_detail().unwrap_or_default()),
    };
    let Ok(provider) = config.provider(Some(&ask.provider)) else {
        return Answer::Internal(format!("no provider `{}`", ask.provider));
    };
    let location = format!("client-token:{}", provider.name);
    let now = crate::clock::now();
    if held.borrow().is_none() {
        let stored = storage.get::<String>(STORAGE_KEY).await.ok().flatten();
        *held.borrow_mut() = stored
            .and_then(|s| seal::open(&config.keys, Purpose::ClientToken, &location, &s))
            .and_then(|json| serde_json::from_slice(&json).ok());
    }
    let current = held.borrow().clone();
    if !must_fetch(current.as_ref(), ask.refused.as_deref(), now) {
        if let Some(t) = current {
            return Answer::Token(t);
        }
    }
    let ctx = match entropy::random() {
        Ok(entropy) => RequestContext { now, entropy },
        Err(e) => return Answer::Internal(e.log_detail().unwrap_or_default()),
    };
    let request = client_credentials_request(provider, &ctx);
    let response = match upstream::send(&request, config.upstream_timeout).await {
        Ok(r) => r,
        Err(e) => return Answer::Unreachable(e.log_detail().unwrap_or_default()),
    };
    let token = match parse_token_response(&provider.config, &response) {
        Ok(tokens) => ClientToken::new(tokens, now),
        Err(_) => {
            return Answer::Refused {
                status: response.status,
                headers: response.headers,
                body: b64::url_encode(&response.body),
            }
        }
    };
    let json = serde_json::to_vec(&token).unwrap_or_default();
    let stored = async {
        let sealed = seal::seal(
            &config.keys,
            Purpose::ClientToken,
            &location,
            &json,
            entropy::random()?,
        );
        let failed = |e: worker::Error| WorkerError::Internal(format!("storage: {e}"));
        storage.put(STORAGE_KEY, sealed).await.map_err(failed)?;
        let ttl_ms = i64::try_from(token.expires_at.saturating_sub(now).saturating_mul(1000))
            .unwrap_or(i64::MAX);
        storage.set_alarm(ttl_ms).await.map_err(failed)?;
        Ok::<_, WorkerError>(())
    };
    if let Err(e) = stored.await {
        // The token is still good in memory; a restarted object fetches another.
        worker::console_warn!(
            "client token: not stored: {}",
            e.log_detail().unwrap_or_default()
        );
    }
    *held.borrow_mut() = Some(token.clone());
    Answer::Token(token)
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::session::DEFAULT_ACCESS_TOKEN_LIFETIME;
    use oauth_edge_shared::token::TokenType;
    use serde_json::Map;

    use super::*;

    fn tokens(expires_in: Option<u64>) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("cc-secret"),
            token_type: TokenType::Bearer,
            expires_in,
            expires_at: None,
            mac_key: None,
            refresh_token: None,
            scope: None,
            id_token: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn usable_until_a_minute_before_expiry() {
        let t = ClientToken::new(tokens(Some(3600)), 1_000);
        assert_eq!(t.expires_at, 4_600);
        assert!(t.usable(4_539));
        assert!(!t.usable(4_540));
        // A 60 s token is usable for its first 45 s.
        let short = ClientToken::new(tokens(Some(60)), 1_000);
        assert!(short.usable(1_044));
        assert!(!short.usable(1_045));
        assert_eq!(
            ClientToken::new(tokens(None), 0).expires_at,
            DEFAULT_ACCESS_TOKEN_LIFETIME
        );
    }

    #[test]
    fn fetches_only_when_missing_expiring_or_refused_and_old_enough() {
        let t = ClientToken::new(tokens(Some(3600)), 1_000);
        let fp = fingerprint(&t.access_token);
        assert!(must_fetch(None, None, 1_000));
        assert!(!must_fetch(Some(&t), None, 1_001));
        assert!(must_fetch(Some(&t), None, 4_540), "expiring");
        // Refused: replaced only once it is REPLACE_FLOOR seconds old (issue 6, finding 1).
        assert!(!must_fetch(Some(&t), Some(&fp), 1_000 + REPLACE_FLOOR - 1));
        assert!(must_fetch(Some(&t), Some(&fp), 1_000 + REPLACE_FLOOR));
        // A report about another (older) token changes nothing.
        assert!(!must_fetch(Some(&t), Some("other"), 2_000));
    }

    /// Found by the `worker_client_tokens` fuzz target: `fetched_at + REPLACE_FLOOR` overflowed.
    #[test]
    fn a_token_fetched_at_the_end_of_time_does_not_overflow() {
        let mut t = ClientToken::new(tokens(Some(3600)), 0);
        t.fetched_at = u64::MAX - 1;
        t.expires_at = u64::MAX;
        let fp = fingerprint(&t.access_token);
        assert!(!must_fetch(Some(&t), Some(&fp), 0));
    }

    #[test]
    fn fingerprint_hides_the_token() {
        let fp = fingerprint(&AccessToken::new("cc-secret"));
        assert_eq!(fp.len(), 16);
        assert!(!fp.contains("secret"));
        assert_ne!(fp, fingerprint(&AccessToken::new("cc-secret2")));
    }
}
