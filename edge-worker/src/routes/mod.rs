//! One module per endpoint of docs/worker-api.md. Each takes a [`Call`] (the checked request) and
//! answers a [`Reply`](crate::reply::Reply) or a [`WorkerError`]; the protocol work is done by
//! `oauth-edge-shared`, the I/O by [`upstream`](crate::upstream) and [`store`](crate::store).
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod refresh;
pub(crate) mod session;
pub(crate) mod token;

use oauth_edge_shared::token::RequestContext;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::cookies;
use crate::entropy;
use crate::error::WorkerError;
use crate::store::{SessionId, SessionStore};

/// A request that passed the CSRF checks, with what every endpoint may need.
pub(crate) struct Call<'a> {
    /// The parsed configuration.
    pub(crate) config: &'a Config,
    /// The Worker's bindings (for KV).
    pub(crate) env: &'a worker::Env,
    /// The `Cookie` header (empty when absent).
    pub(crate) cookie_header: String,
    /// The request body.
    pub(crate) body: Vec<u8>,
    /// Now, in UNIX seconds.
    pub(crate) now: oauth_edge_shared::UnixTime,
}

impl Call<'_> {
    /// The body as JSON of type `T`; an empty body reads as `{}`.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, WorkerError> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| WorkerError::BadRequest(e.to_string()))
    }

    /// A cookie's value.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        cookies::get(&self.cookie_header, name)
    }

    /// The session id in the session cookie, if it has the right shape.
    pub(crate) fn session_id(&self) -> Option<SessionId> {
        self.cookie(cookies::SESSION).and_then(SessionId::parse)
    }

    /// Time and fresh randomness for a request the shared code may sign.
    pub(crate) fn request_context(&self) -> Result<RequestContext, WorkerError> {
        Ok(RequestContext {
            now: self.now,
            entropy: entropy::random()?,
        })
    }

    /// The session store.
    pub(crate) fn store(&self) -> Result<SessionStore<'_>, WorkerError> {
        SessionStore::new(self.env, &self.config.session_key, self.config.session_ttl)
    }
}
