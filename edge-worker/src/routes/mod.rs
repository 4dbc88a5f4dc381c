//! One module per endpoint of docs/worker-api.md. Each takes a [`Call`] (the checked request) and
//! answers a [`Reply`](crate::reply::Reply) or a [`WorkerError`]; the protocol work is done by
//! `oauth-edge-shared`, the I/O by [`upstream`](crate::upstream) and [`store`](crate::store).
pub(crate) mod backchannel;
pub(crate) mod callback;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod password;
pub(crate) mod proxy;
pub(crate) mod refresh;
pub(crate) mod register;
pub(crate) mod session;
pub(crate) mod token;

use oauth_edge_shared::dpop::DpopKey;
use oauth_edge_shared::oidc::id_token::IdToken;
use oauth_edge_shared::secret::DpopSecret;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::{RequestContext, TokenSet};
use oauth_edge_shared::userinfo::{parse_userinfo, user_from_token_fields, userinfo_request};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::{Config, Provider};
use crate::cookies;
use crate::dpop;
use crate::effects::{random, Effects};
use crate::error::WorkerError;
use crate::store::{self, SessionId, SessionStore};

/// A request that passed the CSRF checks, with what every endpoint may need. `E`: the effects
/// ([`crate::effects::runtime::Runtime`] in the Worker, in-memory fakes in native tests).
pub(crate) struct Call<'a, E> {
    /// The parsed configuration.
    pub(crate) config: &'a Config,
    /// Everything the endpoint does to the world.
    pub(crate) fx: &'a E,
    /// The `Cookie` header (empty when absent).
    pub(crate) cookie_header: String,
    /// The request method, upper-case.
    pub(crate) method: String,
    /// Every request header (names lower-case, as the runtime gives them).
    pub(crate) headers: Vec<(String, String)>,
    /// The query string, without `?` (`None` when the URL has none).
    pub(crate) query: Option<String>,
    /// The request body.
    pub(crate) body: Vec<u8>,
    /// Now, in UNIX seconds.
    pub(crate) now: oauth_edge_shared::UnixTime,
}

impl<E: Effects> Call<'_, E> {
    /// The body as JSON of type `T`; an empty body reads as `{}` (see [`json_body`]).
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, WorkerError> {
        json_body(&self.body)
    }

    /// A cookie's value.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        cookies::get(&self.cookie_header, name)
    }

    /// The client's address as Cloudflare saw it (`CF-Connecting-IP`, which Cloudflare sets and
    /// a client cannot forge there); `unknown` where no such header comes (local runs).
    pub(crate) fn client_address(&self) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("cf-connecting-ip"))
            .map_or("unknown", |(_, v)| v.trim())
    }

    /// The session id in the session cookie, if it has the right shape.
    pub(crate) fn session_id(&self) -> Option<SessionId> {
        self.cookie(cookies::SESSION).and_then(SessionId::parse)
    }

    /// Time and fresh randomness for a request the shared code may sign.
    pub(crate) fn request_context(&self) -> Result<RequestContext, WorkerError> {
        Ok(RequestContext {
            now: self.now,
            entropy: random(self.fx)?,
        })
    }

    /// The session store.
    pub(crate) fn store(&self) -> SessionStore<'_, E> {
        SessionStore::new(self.fx, &self.config.keys, self.config.session_ttl)
    }
}

/// A request body as JSON of type `T`; an empty (or all white space) body reads as `{}`.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WorkerError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let body: &[u8] = match first {
        None => b"{}",
        // Serde would also read a struct from an array of its fields (found by fuzzing): the
        // contract (docs/worker-api.md) is a JSON object.
        Some(b'{') => body,
        Some(_) => {
            return Err(WorkerError::BadRequest(
                "the body must be a JSON object".into(),
            ))
        }
    };
    serde_json::from_slice(body).map_err(|e| WorkerError::BadRequest(e.to_string()))
}

/// Counts one `/auth/password` or `/auth/register` attempt for `username` at `provider` and from
/// the client's address, across every isolate; [`WorkerError::RateLimited`] when either is over
/// its limit (`RATE_LIMITS`). The user name is counted under a keyed digest, never stored or
/// logged in the clear.
pub(crate) async fn count_login_attempt<E: Effects>(
    call: &Call<'_, E>,
    provider: &str,
    username: &str,
) -> Result<(), WorkerError> {
    let rates = call.config.limits.rates;
    let keys = &call.config.keys;
    let address = format!("login-ip:{}", keys.digest(call.client_address().as_bytes()));
    call.fx.count(&address, rates.login_per_ip).await?;
    let user = format!("{provider}\0{}", username.to_lowercase());
    let user = format!("login-user:{}", keys.digest(user.as_bytes()));
    call.fx.count(&user, rates.login_per_user).await
}

/// Counts one finished login (`/auth/token`, a provider's callback) from the client's address:
/// each costs a token request with the app's credentials, and the tx cookie that allows one can
/// be minted by anyone (issue 6 review).
pub(crate) async fn count_login_finish<E: Effects>(call: &Call<'_, E>) -> Result<(), WorkerError> {
    let address = call.config.keys.digest(call.client_address().as_bytes());
    call.fx
        .count(
            &format!("finish-ip:{address}"),
            call.config.limits.rates.login_finish_per_ip,
        )
        .await
}

/// What is known of the user after a login: `known` (what the login itself said), the dialect's
/// token-response fields, and the userinfo claims when the provider has an endpoint for them.
pub(crate) async fn user_info<E: Effects>(
    call: &Call<'_, E>,
    provider: &Provider,
    tokens: &TokenSet,
    known: Map<String, Value>,
    dpop_key: Option<&DpopKey>,
) -> Map<String, Value> {
    let mut user = known;
    user.extend(user_from_token_fields(&provider.config, &tokens.extra));
    if let Some(request) = userinfo_request(&provider.config, &tokens.access_token) {
        let timeout = call.config.upstream_timeout;
        let answer = match dpop_key {
            Some(key) => {
                dpop::send_resource_request(call.fx, &request, &tokens.access_token, key, timeout)
                    .await
            }
            None => call.fx.send(&request, timeout).await,
        };
        match answer.map(|r| parse_userinfo(&r)) {
            Ok(Some(claims)) => user.extend(claims),
            // The login stands without user details; say why in the log.
            Ok(None) => call
                .fx
                .warn("userinfo: the provider's answer was not usable"),
            Err(e) => call.fx.warn(&format!("userinfo: {}", e.message())),
        }
    }
    user
}

/// What a login knows beyond its tokens and user.
#[derive(Default)]
pub(crate) struct SessionExtras<'a> {
    /// The validated ID token of an OpenID Connect login (the session is indexed for
    /// back-channel logout by its `sub` and `sid`).
    pub(crate) id_token: Option<&'a IdToken>,
    /// The DPoP key the tokens are bound to.
    pub(crate) dpop_key: Option<DpopSecret>,
}

/// Stores a new session for `tokens` and answers it with the `Set-Cookie` of its cookie. A session
/// this browser already had is revoked at its provider and deleted first (issue 6, finding 7): a
/// replaced session's refresh token must not stay valid where no one can reach it any more. The cookie lives as long as the KV entry: the session
/// TTL, shortened to the refresh token's documented lifetime.
pub(crate) async fn start_session<E: Effects>(
    call: &Call<'_, E>,
    provider: &Provider,
    tokens: TokenSet,
    user: Map<String, Value>,
    extras: SessionExtras<'_>,
) -> Result<(SessionRecord, String), WorkerError> {
    let mut record = SessionRecord::new(&provider.name, tokens, user, call.now);
    record.dpop_key = extras.dpop_key;
    let id_token = extras.id_token;
    let store = call.store();
    if let Some(old) = call.session_id() {
        logout::end_session(call, &old).await?;
    }
    let id = SessionId::from_entropy(&random(call.fx)?);
    let max_age = store::kv_ttl(&record, call.config.session_ttl, call.now, &provider.config);
    // An OpenID Connect session is findable by the provider's back-channel logout (its user and
    // provider session) before it exists: a logout token can never miss it.
    let indexed = match id_token {
        Some(t) => {
            let sid = t.claims.get("sid").and_then(Value::as_str);
            call.fx
                .index_session(
                    &provider.name,
                    t.sub(),
                    sid,
                    &id.kv_key(),
                    call.now + max_age,
                )
                .await
        }
        None => Ok(()),
    };
    let saved = match indexed {
        Ok(()) => store.save(&id, &record, call.now, &provider.config).await,
        Err(e) => Err(e),
    };
    if let Err(e) = saved {
        // No half-made session: no cookie is set, and the tokens just obtained, which belong to
        // no session now, are revoked where the provider allows it.
        logout::revoke(call, &record).await;
        return Err(e);
    }
    Ok((record, cookies::set_session(id.as_str(), max_age)))
}

#[cfg(test)]
mod flows;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        #[serde(default)]
        a: Option<String>,
    }

    /// Found by the `worker_body` fuzz target: serde reads a struct from an array of its fields.
    #[test]
    fn bodies_are_json_objects() {
        assert!(json_body::<Body>(b"").is_ok());
        assert!(json_body::<Body>(b" {\"a\": \"x\"} ").is_ok());
        for bad in [&b"[]"[..], b"[\"x\"]", b"null", b"1", b"\"a\""] {
            assert!(
                matches!(json_body::<Body>(bad), Err(WorkerError::BadRequest(_))),
                "{bad:?}"
            );
        }
    }
}
