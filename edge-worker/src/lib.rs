//! The oauth-edge Cloudflare Worker: the confidential OAuth client of a single-page app.
//!
//! It implements docs/worker-api.md under `AUTH_PREFIX` and serves the static site (the
//! `ASSETS` binding) everywhere else, plus the demo app's `/demo-config.json`. This file is the router: it reads the configuration,
//! applies the CSRF rules to every auth endpoint, and hands the call to `routes::*`. OAuth itself
//! lives in `oauth-edge-shared`; error-to-status mapping lives in [`error`].
mod clock;
mod config;
mod cookies;
mod csrf;
mod demo_config;
mod entropy;
mod error;
mod refresh_lock;
mod reply;
mod routes;
mod seal;
mod store;
mod transaction;
mod upstream;

use worker::{event, Context, Env, Method, Request, Response};

use crate::config::{Config, DEFAULT_PREFIX};
use crate::csrf::Origins;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::routes::Call;

/// The static-assets binding (`[assets] binding` in wrangler.toml).
const ASSETS: &str = "ASSETS";

/// The auth endpoints, by path below the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Login,
    Token,
    Session,
    Refresh,
    Logout,
}

impl Endpoint {
    /// Where `path` goes: `None` outside the prefix (static assets), `Some(None)` for an unknown
    /// path inside it.
    fn route(path: &str, prefix: &str) -> Option<Option<Self>> {
        let rest = path.strip_prefix(prefix)?;
        if !rest.is_empty() && !rest.starts_with('/') {
            return None; // `/authors` is not under `/auth`
        }
        Some(match rest {
            "/login" => Some(Self::Login),
            "/token" => Some(Self::Token),
            "/session" => Some(Self::Session),
            "/refresh" => Some(Self::Refresh),
            "/logout" => Some(Self::Logout),
            _ => None,
        })
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let config = Config::from_env(&env);
    let prefix = config
        .as_ref()
        .map_or(DEFAULT_PREFIX, |c| c.auth_prefix.as_str());
    match Endpoint::route(&req.path(), prefix) {
        Some(endpoint) => serve(endpoint, req, &env, config).await.into_response(),
        None if req.path() == demo_config::PATH && req.method() == Method::Get => {
            match demo_config::answer(&env) {
                Some(answer) => answer,
                None => static_asset(req, &env).await,
            }
        }
        None => static_asset(req, &env).await,
    }
}

/// The static site (www/), through the `ASSETS` binding.
async fn static_asset(req: Request, env: &Env) -> worker::Result<Response> {
    match env.assets(ASSETS) {
        Ok(assets) => assets.fetch_request(req).await,
        Err(_) => Response::error("Not Found", 404),
    }
}

/// Answers an auth request: preflight, or checks then the endpoint; CORS headers for an allowed
/// cross-origin caller on every answer.
async fn serve(
    endpoint: Option<Endpoint>,
    mut req: Request,
    env: &Env,
    config: Result<Config, WorkerError>,
) -> Reply {
    let config = match config {
        Ok(config) => config,
        Err(e) => return failure(e),
    };
    let origin = header(&req, "Origin");
    let own = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let origins = Origins {
        own: &own,
        allowed: &config.allowed_origins,
    };
    if req.method() == Method::Options {
        return origins.preflight(origin.as_deref());
    }
    let answer = async {
        let endpoint = endpoint.ok_or(WorkerError::NotFound)?;
        if req.method() != Method::Post {
            return Err(WorkerError::MethodNotAllowed);
        }
        origins.check(header(&req, csrf::HEADER).as_deref(), origin.as_deref())?;
        let call = Call {
            config: &config,
            env,
            cookie_header: header(&req, "Cookie").unwrap_or_default(),
            body: req
                .bytes()
                .await
                .map_err(|e| WorkerError::BadRequest(format!("unreadable body: {e}")))?,
            now: clock::now(),
        };
        match endpoint {
            Endpoint::Login => routes::login::handle(&call).await,
            Endpoint::Token => routes::token::handle(&call).await,
            Endpoint::Session => routes::session::handle(&call).await,
            Endpoint::Refresh => routes::refresh::handle(&call).await,
            Endpoint::Logout => routes::logout::handle(&call).await,
        }
    };
    let mut reply = answer.await.unwrap_or_else(failure);
    reply
        .headers
        .extend(origins.cors_headers(origin.as_deref()));
    reply
}

/// Logs a failure the operator must see (server-side detail, never a token) and answers it.
fn failure(e: WorkerError) -> Reply {
    if let WorkerError::Config { .. } | WorkerError::Internal(_) | WorkerError::Unreachable(_) = e {
        worker::console_error!("{}: {}", e.code(), e.message());
        if let WorkerError::Internal(detail) | WorkerError::Unreachable(detail) = &e {
            worker::console_error!("  detail: {detail}");
        }
    }
    e.into_reply()
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_under_the_prefix_only() {
        assert_eq!(
            Endpoint::route("/auth/login", "/auth"),
            Some(Some(Endpoint::Login))
        );
        assert_eq!(
            Endpoint::route("/x/auth/logout", "/x/auth"),
            Some(Some(Endpoint::Logout))
        );
        assert_eq!(Endpoint::route("/auth/nope", "/auth"), Some(None));
        assert_eq!(Endpoint::route("/auth", "/auth"), Some(None));
        assert_eq!(Endpoint::route("/authors", "/auth"), None);
        assert_eq!(Endpoint::route("/", "/auth"), None);
        assert_eq!(Endpoint::route("/index.html", "/auth"), None);
    }
}
