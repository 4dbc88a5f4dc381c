//! The oauth-edge Cloudflare Worker: the confidential OAuth client of a single-page app.
//!
//! It implements docs/worker-api.md: the auth endpoints and the providers' callbacks under
//! `AUTH_PREFIX`, the API proxy under `API_PREFIX`, the demo app's `/demo-config.json`, and the
//! static site (the `ASSETS` binding) everywhere else. This file is the router: it reads the
//! configuration, applies each path's method and CSRF rules, and hands the call to `routes::*`.
//! OAuth itself lives in `oauth-edge-shared`; error-to-status mapping lives in [`error`].
mod body;
mod clock;
mod config;
mod cookies;
mod csrf;
mod demo_config;
mod dpop;
mod effects;
mod entropy;
mod error;
/// Public wrappers for the fuzz targets in `fuzz/` (feature `fuzzing`); not the Worker's API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod objects;
mod oidc;
mod reply;
mod routes;
mod seal;
mod store;
mod transaction;
mod upstream;

use worker::{event, Context, Env, Method, Request, Response};

pub use crate::objects::client_tokens::ClientTokens;
pub use crate::objects::rate_limiter::RateLimiter;
pub use crate::objects::refresh_authority::RefreshAuthority;
pub use crate::objects::session_index::SessionIndex;

use crate::config::{Config, DEFAULT_API_PREFIX, DEFAULT_PREFIX};
use crate::csrf::Origins;
use crate::effects::runtime::Runtime;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::routes::Call;

/// The static-assets binding (`[assets] binding` in wrangler.toml).
const ASSETS: &str = "ASSETS";

/// The auth endpoints, by path below the prefix (all `POST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Login,
    Token,
    Session,
    Refresh,
    Logout,
    Password,
    Register,
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// An auth endpoint.
    Auth(Endpoint),
    /// `<AUTH_PREFIX>/callback/<provider>`: a provider's redirect with tokens.
    Callback(String),
    /// `<AUTH_PREFIX>/backchannel-logout/<provider>`: a provider's logout token (server to server).
    BackchannelLogout(String),
    /// `<API_PREFIX>/<provider>/<rest>`: the API proxy.
    Api { provider: String, rest: String },
    /// Inside a prefix, but nothing is there.
    NotFound,
}

impl Route {
    /// Where `path` goes: `None` outside both prefixes (static assets). The auth prefix is tried
    /// first, so it may lie below the API prefix (`/api/auth` beside `/api`).
    fn of(path: &str, auth_prefix: &str, api_prefix: &str) -> Option<Self> {
        if let Some(rest) = below(path, auth_prefix) {
            return Some(match rest {
                "/login" => Self::Auth(Endpoint::Login),
                "/token" => Self::Auth(Endpoint::Token),
                "/session" => Self::Auth(Endpoint::Session),
                "/refresh" => Self::Auth(Endpoint::Refresh),
                "/logout" => Self::Auth(Endpoint::Logout),
                "/password" => Self::Auth(Endpoint::Password),
                "/register" => Self::Auth(Endpoint::Register),
                _ => {
                    let named = |prefix: &str| {
                        rest.strip_prefix(prefix)
                            .filter(|name| !name.is_empty() && !name.contains('/'))
                            .map(str::to_owned)
                    };
                    if let Some(name) = named("/callback/") {
                        Self::Callback(name)
                    } else if let Some(name) = named("/backchannel-logout/") {
                        Self::BackchannelLogout(name)
                    } else {
                        Self::NotFound
                    }
                }
            });
        }
        let rest = below(path, api_prefix)?;
        Some(
            match rest.strip_prefix('/').and_then(|r| r.split_once('/')) {
                Some((provider, rest)) if !provider.is_empty() => Self::Api {
                    provider: provider.to_owned(),
                    rest: rest.to_owned(),
                },
                _ => Self::NotFound,
            },
        )
    }
}

/// The part of `path` after `prefix`, when `path` lies below it (`/authors` is not below `/auth`).
fn below<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let config = Config::from_env(&env);
    let (auth_prefix, api_prefix) = config
        .as_ref()
        .map_or((DEFAULT_PREFIX, DEFAULT_API_PREFIX), |c| {
            (c.auth_prefix.as_str(), c.api_prefix.as_str())
        });
    match Route::of(&req.path(), auth_prefix, api_prefix) {
        Some(route) => serve(route, req, &env, config).await.into_response(),
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

/// The request rules of a path.
enum Rules {
    /// The auth endpoints and the API proxy: these methods (besides the `OPTIONS` preflight), the
    /// custom header and an allowed `Origin` (`api`: a same-origin read may lack `Origin`).
    Csrf { methods: String, api: bool },
    /// The provider's callback: `GET` only, and no header or `Origin` checks — it is a top-level
    /// navigation from the provider's site; the tx cookie check is its CSRF defence.
    Navigation,
    /// The provider's server calling: `POST` only, no header or `Origin` checks (no browser is
    /// involved and none would add them); the signed logout token is the authentication.
    ServerToServer,
}

/// Answers a request under a prefix: preflight, or the path's checks then its route; CORS headers
/// for an allowed cross-origin caller on every answer.
async fn serve(
    route: Route,
    mut req: Request,
    env: &Env,
    config: Result<Config, WorkerError>,
) -> Reply {
    let mut config = match config {
        Ok(config) => config,
        Err(e) => return failure(e),
    };
    // Providers configured by their issuer: metadata from KV, or fetched (crate::oidc).
    oidc::discover_all(&mut config, &Runtime::new(env)).await;
    let origin = header(&req, "Origin");
    let own = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let origins = Origins {
        own: &own,
        allowed: &config.allowed_origins,
    };
    let method = req.method().to_string().to_ascii_uppercase();
    let answer = async {
        let rules = match &route {
            Route::Auth(_) => Rules::Csrf {
                methods: "POST".into(),
                api: false,
            },
            Route::Callback(_) => Rules::Navigation,
            Route::BackchannelLogout(_) => Rules::ServerToServer,
            Route::Api { provider, .. } => Rules::Csrf {
                methods: api_of(&config, provider)?.1.allow(),
                api: true,
            },
            Route::NotFound => return Err(WorkerError::NotFound),
        };
        match &rules {
            Rules::Csrf { methods, .. } if method == "OPTIONS" => {
                return Ok(origins.preflight(origin.as_deref(), methods));
            }
            Rules::Csrf { methods, api } => {
                if !methods.split(", ").any(|m| m == method) {
                    return Err(WorkerError::MethodNotAllowed(format!("{methods}, OPTIONS")));
                }
                let custom = header(&req, csrf::HEADER);
                if *api {
                    let site = header(&req, "Sec-Fetch-Site");
                    origins.check_api(
                        custom.as_deref(),
                        origin.as_deref(),
                        site.as_deref(),
                        &method,
                    )?;
                } else {
                    origins.check(custom.as_deref(), origin.as_deref())?;
                }
            }
            Rules::Navigation if method != "GET" => {
                return Err(WorkerError::MethodNotAllowed("GET".into()));
            }
            Rules::Navigation => {}
            Rules::ServerToServer if method != "POST" => {
                return Err(WorkerError::MethodNotAllowed("POST".into()));
            }
            Rules::ServerToServer => {}
        }
        let url = req
            .url()
            .map_err(|e| WorkerError::BadRequest(format!("unreadable URL: {e}")))?;
        let fx = Runtime::new(env);
        let call = Call {
            config: &config,
            fx: &fx,
            cookie_header: header(&req, "Cookie").unwrap_or_default(),
            headers: req.headers().entries().collect(),
            query: url.query().map(str::to_owned),
            method: method.clone(),
            body: body::read(
                &mut req,
                match route {
                    Route::Api { .. } => config.limits.api_body,
                    _ => config.limits.auth_body,
                },
            )
            .await?,
            now: clock::now(),
        };
        match &route {
            Route::Auth(Endpoint::Login) => routes::login::handle(&call).await,
            Route::Auth(Endpoint::Token) => routes::token::handle(&call).await,
            Route::Auth(Endpoint::Session) => routes::session::handle(&call).await,
            Route::Auth(Endpoint::Refresh) => routes::refresh::handle(&call).await,
            Route::Auth(Endpoint::Logout) => routes::logout::handle(&call).await,
            Route::Auth(Endpoint::Password) => routes::password::handle(&call).await,
            Route::Auth(Endpoint::Register) => routes::register::handle(&call).await,
            Route::Callback(provider) => routes::callback::handle(&call, provider).await,
            Route::BackchannelLogout(provider) => {
                routes::backchannel::handle(&call, provider).await
            }
            Route::Api { provider, rest } => {
                let (provider, api) = api_of(&config, provider)?;
                routes::proxy::handle(&call, provider, api, rest).await
            }
            Route::NotFound => Err(WorkerError::NotFound),
        }
    };
    let mut reply = answer.await.unwrap_or_else(failure);
    if method != "OPTIONS" {
        // (A preflight's answer has its own.)
        reply
            .headers
            .extend(origins.cors_headers(origin.as_deref()));
    }
    reply
}

/// The provider named `name` and its proxied API; `NotFound` when there is none, the provider's
/// `config_error` when its configuration turned it off.
fn api_of<'c>(
    config: &'c Config,
    name: &str,
) -> Result<
    (
        &'c config::Provider,
        &'c oauth_edge_shared::provider::ApiProxy,
    ),
    WorkerError,
> {
    if let Some(off) = config.disabled(name) {
        return Err(off.error());
    }
    config
        .providers
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| Some((p, p.config.api.as_ref()?)))
        .ok_or(WorkerError::NotFound)
}

/// Logs a failure the operator must see (server-side detail, never a token) and answers it.
fn failure(e: WorkerError) -> Reply {
    if let Some(detail) = e.log_detail() {
        worker::console_error!("{}: {detail}", e.code());
    }
    e.into_reply()
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Option<Route> {
        Route::of(path, "/auth", "/api")
    }

    #[test]
    fn routes_under_the_prefixes_only() {
        assert_eq!(route("/auth/login"), Some(Route::Auth(Endpoint::Login)));
        assert_eq!(
            Route::of("/x/auth/logout", "/x/auth", "/api"),
            Some(Route::Auth(Endpoint::Logout))
        );
        assert_eq!(
            route("/auth/password"),
            Some(Route::Auth(Endpoint::Password))
        );
        assert_eq!(
            route("/auth/register"),
            Some(Route::Auth(Endpoint::Register))
        );
        assert_eq!(route("/auth/nope"), Some(Route::NotFound));
        assert_eq!(route("/auth"), Some(Route::NotFound));
        assert_eq!(route("/authors"), None);
        assert_eq!(route("/"), None);
        assert_eq!(route("/index.html"), None);
        assert_eq!(route("/apiary"), None);
    }

    #[test]
    fn callbacks_name_one_provider() {
        assert_eq!(
            route("/auth/callback/sso"),
            Some(Route::Callback("sso".into()))
        );
        assert_eq!(route("/auth/callback/"), Some(Route::NotFound));
        assert_eq!(route("/auth/callback/a/b"), Some(Route::NotFound));
        assert_eq!(
            route("/auth/backchannel-logout/op"),
            Some(Route::BackchannelLogout("op".into()))
        );
        assert_eq!(route("/auth/backchannel-logout/"), Some(Route::NotFound));
    }

    #[test]
    fn api_paths_split_provider_and_rest() {
        let api = |provider: &str, rest: &str| {
            Some(Route::Api {
                provider: provider.into(),
                rest: rest.into(),
            })
        };
        assert_eq!(
            route("/api/px/accountInformation.json"),
            api("px", "accountInformation.json")
        );
        assert_eq!(route("/api/px/"), api("px", ""));
        assert_eq!(
            route("/api/px//evil.example/x"),
            api("px", "/evil.example/x")
        );
        assert_eq!(route("/api/px"), Some(Route::NotFound));
        assert_eq!(route("/api//x"), Some(Route::NotFound));
        // The auth prefix wins where it lies below the API prefix.
        assert_eq!(
            Route::of("/api/auth/login", "/api/auth", "/api"),
            Some(Route::Auth(Endpoint::Login))
        );
    }
}
