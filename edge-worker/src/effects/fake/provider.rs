//! An in-memory OAuth 2.0 authorization server and API for the native tests: authorization
//! codes bound to a PKCE challenge, refresh tokens that rotate on every use, reuse detection that
//! revokes the whole grant (RFC 9700 §4.14.2), revocation (RFC 7009), userinfo, client
//! credentials, and an API that answers `401` + an RFC 6750 challenge to a token it does not
//! accept. It sees requests exactly as the Worker would send them (`HttpRequest`).
use std::collections::BTreeMap;

use oauth_edge_shared::form;
use oauth_edge_shared::http::{HttpRequest, HttpResponse};
use oauth_edge_shared::pkce::verify_s256;
use oauth_edge_shared::UnixTime;
use serde_json::{json, Value};

/// Where the fake lives.
pub(crate) const ISSUER: &str = "https://as.test";
/// Its API's base URL.
pub(crate) const API: &str = "https://api.test/v1/";
/// How long its access tokens live.
pub(crate) const ACCESS_LIFETIME: u64 = 300;

/// One grant: what a login (or a client-credentials call) obtained.
#[derive(Debug, Default)]
struct Grant {
    /// The refresh token that may be spent next.
    refresh_token: Option<String>,
    /// Refresh tokens already spent (a second use is theft: the grant is revoked).
    spent: Vec<String>,
    /// Access tokens and their expiry.
    access: Vec<(String, UnixTime)>,
    revoked: bool,
}

/// How the next token-endpoint call goes wrong, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Trouble {
    /// It works.
    #[default]
    None,
    /// The request is acted on (a refresh rotates), but its answer never arrives.
    LoseAnswer,
    /// The server is down: nothing is done, the connection fails.
    Down,
    /// `503` with an HTML page.
    Broken,
}

/// The fake server's state.
#[derive(Debug, Default)]
pub(crate) struct FakeProvider {
    grants: Vec<Grant>,
    /// Outstanding codes: code → (PKCE challenge, redirect URI).
    codes: BTreeMap<String, String>,
    issued: u32,
    /// Every request it received, in order.
    pub(crate) requests: Vec<HttpRequest>,
    /// What the next token-endpoint call suffers (reset after one use).
    pub(crate) trouble: Trouble,
    /// While set, nothing at the issuer answers (an outage).
    pub(crate) offline: bool,
    /// Its OpenID Connect metadata document, when it publishes one.
    pub(crate) metadata: Option<Value>,
}

impl FakeProvider {
    /// A code for a login whose PKCE challenge is `challenge` (the authorization step, which a
    /// browser would do at the provider).
    pub(crate) fn issue_code(&mut self, challenge: &str) -> String {
        self.issued += 1;
        let code = format!("code-{}", self.issued);
        self.codes.insert(code.clone(), challenge.to_owned());
        code
    }

    /// Revokes `token` as the provider itself would (consent withdrawn, an admin's action): a
    /// refresh token ends its grant, an access token only itself.
    pub(crate) fn revoke(&mut self, token: &str) {
        for g in &mut self.grants {
            if g.refresh_token.as_deref() == Some(token) {
                g.revoked = true;
            }
            g.access.retain(|(a, _)| a != token);
        }
    }

    /// Refresh-grant requests received.
    pub(crate) fn refreshes(&self) -> Vec<String> {
        self.form_requests("/token")
            .into_iter()
            .filter(|f| field(f, "grant_type") == Some("refresh_token"))
            .filter_map(|f| field(&f, "refresh_token").map(str::to_owned))
            .collect()
    }

    /// Tokens revoked at the revocation endpoint, in order.
    pub(crate) fn revocations(&self) -> Vec<String> {
        self.form_requests("/revoke")
            .into_iter()
            .filter_map(|f| field(&f, "token").map(str::to_owned))
            .collect()
    }

    /// Whether the grant that issued `refresh_token` was revoked (reuse detected or revoked).
    pub(crate) fn grant_revoked(&self, token: &str) -> bool {
        self.grants
            .iter()
            .find(|g| {
                g.refresh_token.as_deref() == Some(token) || g.spent.iter().any(|s| s == token)
            })
            .is_some_and(|g| g.revoked)
    }

    fn form_requests(&self, path: &str) -> Vec<Vec<(String, String)>> {
        self.requests
            .iter()
            .filter(|r| r.url == format!("{ISSUER}{path}"))
            .map(|r| form::parse(&String::from_utf8_lossy(&r.body)))
            .collect()
    }

    /// Answers `request` at `now`; `None` when the answer is lost or the server is down.
    pub(crate) fn handle(&mut self, request: &HttpRequest, now: UnixTime) -> Option<HttpResponse> {
        let url = request.url.as_str();
        if url.starts_with(ISSUER) && self.offline {
            return None;
        }
        if url.starts_with(ISSUER) && self.trouble == Trouble::Down {
            self.trouble = Trouble::None;
            return None; // never reached the server
        }
        self.requests.push(request.clone());
        if let Some(path) = url.strip_prefix(API) {
            return Some(self.api(request, path, now));
        }
        let form = form::parse(&String::from_utf8_lossy(&request.body));
        match url.strip_prefix(ISSUER) {
            Some("/token") => {
                let trouble = std::mem::take(&mut self.trouble);
                match trouble {
                    Trouble::Down => unreachable!("handled above"),
                    Trouble::Broken => Some(HttpResponse {
                        status: 503,
                        headers: vec![("content-type".into(), "text/html".into())],
                        body: b"<h1>down</h1>".to_vec(),
                    }),
                    Trouble::LoseAnswer => {
                        self.token(&form, now);
                        None
                    }
                    Trouble::None => Some(self.token(&form, now)),
                }
            }
            Some("/revoke") => {
                if let Some(token) = field(&form, "token") {
                    let token = token.to_owned();
                    self.revoke(&token);
                }
                Some(answer(200, json!({})))
            }
            Some("/.well-known/openid-configuration") => Some(match &self.metadata {
                Some(doc) => answer(200, doc.clone()),
                None => answer(404, json!({"error": "not_found"})),
            }),
            Some("/userinfo") => Some(match self.bearer(request, now) {
                Some(_) => answer(200, json!({"sub": "user-1", "name": "Ada"})),
                None => challenge(),
            }),
            _ => Some(answer(404, json!({"error": "not_found"}))),
        }
    }

    fn token(&mut self, form: &[(String, String)], now: UnixTime) -> HttpResponse {
        let refused = |error: &str| answer(400, json!({"error": error}));
        match field(form, "grant_type") {
            Some("authorization_code") => {
                let code = field(form, "code").unwrap_or_default();
                let Some(challenge) = self.codes.remove(code) else {
                    return refused("invalid_grant");
                };
                let verifier = field(form, "code_verifier").unwrap_or_default();
                if !verify_s256(verifier, &challenge) {
                    return refused("invalid_grant");
                }
                self.grants.push(Grant::default());
                let i = self.grants.len() - 1;
                self.tokens(i, now, true)
            }
            Some("refresh_token") => {
                let sent = field(form, "refresh_token").unwrap_or_default();
                if let Some(g) = self
                    .grants
                    .iter_mut()
                    .find(|g| g.spent.iter().any(|s| s == sent))
                {
                    g.revoked = true; // reuse: theft, the whole grant goes
                    return refused("invalid_grant");
                }
                let Some(i) = self
                    .grants
                    .iter()
                    .position(|g| !g.revoked && g.refresh_token.as_deref() == Some(sent))
                else {
                    return refused("invalid_grant");
                };
                self.grants[i].spent.push(sent.to_owned());
                self.tokens(i, now, true)
            }
            Some("client_credentials") => {
                self.grants.push(Grant::default());
                let i = self.grants.len() - 1;
                self.tokens(i, now, false)
            }
            _ => refused("unsupported_grant_type"),
        }
    }

    fn tokens(&mut self, grant: usize, now: UnixTime, refresh: bool) -> HttpResponse {
        self.issued += 1;
        let n = self.issued;
        let access = format!("at-{n}");
        let g = &mut self.grants[grant];
        g.access.push((access.clone(), now + ACCESS_LIFETIME));
        let mut body = json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
        });
        if refresh {
            let rt = format!("rt-{n}");
            g.refresh_token = Some(rt.clone());
            body["refresh_token"] = Value::String(rt);
        }
        answer(200, body)
    }

    /// The grant index of a valid bearer token on `request`.
    fn bearer(&self, request: &HttpRequest, now: UnixTime) -> Option<usize> {
        let token = request.header("authorization")?.strip_prefix("Bearer ")?;
        self.grants
            .iter()
            .position(|g| !g.revoked && g.access.iter().any(|(a, exp)| a == token && now < *exp))
    }

    fn api(&self, request: &HttpRequest, path: &str, now: UnixTime) -> HttpResponse {
        if path == "malformed" {
            // A 401 a new token does not cure.
            return HttpResponse {
                status: 401,
                headers: vec![(
                    "www-authenticate".into(),
                    "Bearer error=\"invalid_request\", error_description=\"not invalid_token\""
                        .into(),
                )],
                body: Vec::new(),
            };
        }
        match self.bearer(request, now) {
            Some(_) => answer(200, json!({"path": path})),
            None => challenge(),
        }
    }
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn answer(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

/// `401` with the RFC 6750 §3 challenge.
fn challenge() -> HttpResponse {
    HttpResponse {
        status: 401,
        headers: vec![(
            "www-authenticate".into(),
            "Bearer realm=\"api\", error=\"invalid_token\"".into(),
        )],
        body: Vec::new(),
    }
}
