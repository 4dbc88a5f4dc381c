// PayoutID emulator, as documented in /work/shared/providers/002_7d67ac504471871b.txt (cited [002]).
// One instance is one environment ([002]: "There are separate url's for each environment":
// https://sandbox.payout.one/oauth and https://app.payout.one/oauth); start two for both.
//
//   const po = await startPayoutId({ environment: "sandbox", clientId, clientSecret, redirectUris, testHooks: true });
//   po.endpoints.authorization  GET  /oauth            sign-in + consent page, then
//                                    redirect_uri?authorization_code=…&state=…
//   po.endpoints.token          POST /api/oauth/token  RFC 6749 (form body, JSON answers)
//   po.endpoints.user           GET  /api/v1/user      Bearer user access token
//   po.endpoints.rates          GET  /api/v1/rates     Bearer access token (client credentials too)
//
// [002] links the token endpoint only to Postman pages, so its wire format is OUR ASSUMPTION:
// RFC 6749 — application/x-www-form-urlencoded, client_secret_basic or client_secret_post,
// §5.1 JSON success, §5.2 JSON errors. See README.md here for every assumption.

import {
  bearerChallenge,
  bearerToken,
  checkClient,
  checkPassword,
  createClock,
  errorPage,
  escapeHtml,
  newStats,
  originsOf,
  randomToken,
  readBody,
  redirect,
  sendJson,
  sendHtml,
  signInPage,
  startServer,
  withQuery,
} from "./common.mjs";

const AUTHORIZE_PATH = "/oauth"; // [002] https://sandbox.payout.one/oauth, https://app.payout.one/oauth
const TOKEN_PATH = "/api/oauth/token"; // ASSUMPTION ([002] links only Postman pages)
const USER_PATH = "/api/v1/user";
const RATES_PATH = "/api/v1/rates";
const ACCESS_TTL = 3600; // [002] "expiration times are short and should not be longer that one hour"
const REFRESH_TTL = 90 * 24 * 3600; // [002] refresh token "can have expiration time up to 90 days"
const CODE_TTL = 600; // ASSUMPTION: RFC 6749 §4.1.2 "maximum authorization code lifetime of 10 minutes"

/**
 * @param {object} opts
 * @param {"sandbox"|"production"} [opts.environment="sandbox"]
 * @param {number} [opts.port=0]
 * @param {string} opts.clientId
 * @param {string} opts.clientSecret
 * @param {string[]} opts.redirectUris
 * @param {boolean} [opts.testHooks=false]
 * @param {string[]} [opts.appOrigins]
 * @param {number} [opts.accessTokenTtl=3600]
 * @param {number} [opts.refreshTokenTtl=7776000]
 */
export async function startPayoutId(opts = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    environment = "sandbox",
    clientId,
    clientSecret,
    redirectUris,
    testHooks = false,
    appOrigins = [],
    accessTokenTtl = ACCESS_TTL,
    refreshTokenTtl = REFRESH_TTL,
  } = opts;
  checkClient({ clientId, clientSecret, redirectUris }, "startPayoutId");
  if (!["sandbox", "production"].includes(environment))
    throw new Error('environment must be "sandbox" or "production"');
  if (accessTokenTtl > 3600) throw new Error("[002]: access tokens live at most one hour");

  const clock = createClock();
  const stats = newStats();
  const codes = new Map(); // code -> { username, scope, redirectUri, expiresAt, used, issued: [] }
  const accessTokens = new Map(); // token -> { username|null, scope, expiresAt, kind }
  const refreshTokens = new Map(); // token -> { username, scope, expiresAt }
  const envLabel = environment === "sandbox" ? "PayoutID sandbox" : "PayoutID";

  function tokenResponse({ username, scope, withRefresh }) {
    const access = randomToken(32);
    accessTokens.set(access, {
      username,
      scope,
      expiresAt: clock.nowSec() + accessTokenTtl,
      kind: username ? "user" : "client",
    });
    const body = { access_token: access, token_type: "Bearer", expires_in: accessTokenTtl };
    if (withRefresh) {
      // [002] "refresh token is issued with every authorization code access token"
      const refresh = randomToken(32);
      refreshTokens.set(refresh, { username, scope, expiresAt: clock.nowSec() + refreshTokenTtl });
      body.refresh_token = refresh;
    }
    if (scope) body.scope = scope;
    return { body, access, refresh: body.refresh_token };
  }

  // ------------------------------------------------------------------ authorization (sign-in + consent)
  async function authorize(req, res, url) {
    let params;
    if (req.method === "GET") params = Object.fromEntries(url.searchParams);
    else if (req.method === "POST")
      params = Object.fromEntries(new URLSearchParams((await readBody(req)).toString("utf8")));
    else return sendJson(res, 405, { error: "invalid_request" });
    const { client_id: cid, redirect_uri: redirectUri, state, scope = "", response_type: responseType } = params;

    if (!cid || cid !== clientId) {
      stats.authorize.errors += 1;
      return errorPage(res, 400, `${envLabel}: authorization error`, "invalid_client", "unknown client_id");
    }
    if (!redirectUri || !redirectUris.includes(redirectUri)) {
      stats.authorize.errors += 1;
      return errorPage(
        res,
        400,
        `${envLabel}: authorization error`,
        "invalid_request",
        "redirect_uri is not registered",
      );
    }
    // ASSUMPTION: RFC 6749 §4.1.2.1 error redirects ([002] documents none).
    if (responseType !== "code") {
      stats.authorize.errors += 1;
      return redirect(res, withQuery(redirectUri, { error: "unsupported_response_type", state }));
    }
    if (req.method === "GET" && params.cancel === "1") {
      stats.authorize.cancelled += 1;
      return redirect(res, withQuery(redirectUri, { error: "access_denied", state }));
    }
    const hidden = { response_type: responseType, client_id: cid, redirect_uri: redirectUri, state, scope };
    const cancelQuery = new URLSearchParams(Object.entries(hidden).filter(([, v]) => v !== undefined));
    cancelQuery.set("cancel", "1");
    const scopes = scope.split(" ").filter(Boolean);
    // [002] step 2: "User needs to authenticate self (login or register) and then is asked to
    // approve access to requested scopes" — one page here: sign in, see the scopes, approve.
    const page = (error) =>
      signInPage({
        title: `${envLabel} — sign in`,
        heading: `${envLabel}: sign in and approve access`,
        intro: `<p id="environment" data-environment="${environment}">Environment: ${environment}</p>
  <p>Client <code>${escapeHtml(cid)}</code> asks for access to:</p>
  <ul id="scopes">${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("") || "<li>(no scope)</li>"}</ul>`,
        action: AUTHORIZE_PATH,
        hidden,
        error,
        cancelHref: `${AUTHORIZE_PATH}?${cancelQuery}`,
        labels: { submit: "Sign in and approve" },
      });
    if (req.method === "GET") {
      stats.authorize.pages += 1;
      return sendHtml(res, 200, page());
    }
    if (!checkPassword(params.username, params.password)) {
      stats.authorize.wrong_password += 1;
      return sendHtml(res, 200, page("Invalid username or password."));
    }
    stats.authorize.signed_in += 1;
    const code = randomToken(32);
    codes.set(code, {
      username: params.username.trim(),
      scope,
      redirectUri,
      expiresAt: clock.nowSec() + CODE_TTL,
      used: false,
      issued: [],
    });
    // [002] step 3: "User is redirected back to integrator with `authorization_code` in query parameters."
    return redirect(res, withQuery(redirectUri, { authorization_code: code, state }));
  }

  // --------------------------------------------------------------------------------- token
  /** RFC 6749 §2.3.1: HTTP Basic (form-urlencoded id:secret) or client_id/client_secret in the body. */
  function authenticateClient(req, form) {
    const auth = req.headers.authorization ?? "";
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (m) {
      const decoded = Buffer.from(m[1], "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i === -1) return { ok: false, basic: true };
      const dec = (s) => decodeURIComponent(s.replace(/\+/g, " "));
      let id;
      let secret;
      try {
        id = dec(decoded.slice(0, i));
        secret = dec(decoded.slice(i + 1));
      } catch {
        return { ok: false, basic: true };
      }
      if (form.has("client_secret")) return { ok: false, basic: true, multiple: true };
      return { ok: id === clientId && secret === clientSecret, basic: true };
    }
    if (auth) return { ok: false, basic: false, unsupported: true };
    return { ok: form.get("client_id") === clientId && form.get("client_secret") === clientSecret, basic: false };
  }

  async function token(req, res, raw) {
    const err = (status, error, description, headers = {}) =>
      sendJson(res, status, { error, error_description: description }, { pragma: "no-cache", ...headers });
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) {
      return err(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    const form = new URLSearchParams(raw.toString("utf8"));
    const client = authenticateClient(req, form);
    if (client.multiple) return err(400, "invalid_request", "more than one client authentication method");
    if (!client.ok) {
      // RFC 6749 §5.2: 401 + WWW-Authenticate when the client used the Authorization header.
      return err(
        401,
        "invalid_client",
        "client authentication failed",
        client.basic ? { "www-authenticate": `Basic realm="${envLabel}"` } : {},
      );
    }
    // [002] words the refresh request as "passing `refresh_token` as `grant`"; RFC 6749's name is
    // grant_type. ASSUMPTION: grant_type, with `grant` accepted when grant_type is absent.
    const grantType = form.get("grant_type") ?? form.get("grant");
    switch (grantType) {
      case "authorization_code": {
        // RFC 6749 names the parameter `code`; [002] calls the value `authorization_code`, so that
        // name is accepted too when `code` is absent (ASSUMPTION).
        const code = form.get("code") ?? form.get("authorization_code");
        if (!code) return err(400, "invalid_request", "code is required");
        const grant = codes.get(code);
        if (!grant) return err(400, "invalid_grant", "unknown authorization code");
        if (grant.used) {
          // RFC 6749 §4.1.2: a reused code revokes what it issued.
          for (const t of grant.issued) {
            accessTokens.delete(t);
            refreshTokens.delete(t);
          }
          return err(400, "invalid_grant", "authorization code already used");
        }
        grant.used = true;
        if (clock.nowSec() >= grant.expiresAt) return err(400, "invalid_grant", "authorization code expired");
        if (form.get("redirect_uri") !== grant.redirectUri)
          return err(400, "invalid_grant", "redirect_uri does not match");
        const out = tokenResponse({ username: grant.username, scope: grant.scope, withRefresh: true });
        grant.issued.push(out.access, out.refresh);
        return sendJson(res, 200, out.body, { pragma: "no-cache" });
      }
      case "refresh_token": {
        const rtValue = form.get("refresh_token");
        if (!rtValue) return err(400, "invalid_request", "refresh_token is required");
        const rt = refreshTokens.get(rtValue);
        if (!rt) return err(400, "invalid_grant", "invalid refresh token");
        if (clock.nowSec() >= rt.expiresAt) {
          refreshTokens.delete(rtValue);
          return err(400, "invalid_grant", "refresh token expired");
        }
        const requested = form.get("scope");
        if (requested) {
          const granted = rt.scope.split(" ");
          if (requested.split(" ").some((s) => s && !granted.includes(s)))
            return err(400, "invalid_scope", "scope exceeds the original grant");
        }
        // ASSUMPTION (rotation): the used refresh token stops working; the new one gets its own 90 days.
        refreshTokens.delete(rtValue);
        const out = tokenResponse({ username: rt.username, scope: requested || rt.scope, withRefresh: true });
        return sendJson(res, 200, out.body, { pragma: "no-cache" });
      }
      case "client_credentials": {
        // [002] "integrator can directly request token with his `client_id` and `client_secret`.
        // No authorization code is required." No refresh token (RFC 6749 §4.4.3).
        const out = tokenResponse({ username: null, scope: form.get("scope") || "", withRefresh: false });
        return sendJson(res, 200, out.body, { pragma: "no-cache" });
      }
      case null:
        return err(400, "invalid_request", "grant_type is required");
      default:
        return err(400, "unsupported_grant_type", `unsupported grant_type ${grantType}`);
    }
  }

  // --------------------------------------------------------------------------------- demo API
  function api(req, res, url, realm) {
    if (req.method !== "GET") return sendJson(res, 405, { error: "invalid_request" });
    const deny = (status, error, description) => {
      stats.api.unauthorized += 1;
      sendJson(
        res,
        status,
        { error, error_description: description },
        {
          "www-authenticate": bearerChallenge(realm, error === "invalid_request" ? undefined : error),
        },
      );
    };
    const t = bearerToken(req);
    if (!t) return deny(401, "invalid_request", "no Bearer access token");
    const at = accessTokens.get(t);
    // [002] the refresh token "is not alloweed to access endpoints": it is not an access token.
    if (!at)
      return deny(
        401,
        "invalid_token",
        refreshTokens.has(t) ? "a refresh token cannot call the API" : "unknown access token",
      );
    if (clock.nowSec() >= at.expiresAt) return deny(401, "invalid_token", "access token expired");
    if (url.pathname === USER_PATH) {
      // A client-credentials token has no user (RFC 6750 §3.1 insufficient_scope, 403).
      if (at.kind !== "user") return deny(403, "insufficient_scope", "this endpoint needs a user's access token");
      stats.api.ok += 1;
      return sendJson(res, 200, { environment, user: { id: at.username, username: at.username }, scope: at.scope });
    }
    stats.api.ok += 1;
    return sendJson(res, 200, {
      environment,
      token_kind: at.kind,
      rates: [
        { from: "EUR", to: "USD", rate: 1.08 },
        { from: "EUR", to: "GBP", rate: 0.85 },
      ],
    });
  }

  let realm;
  const srv = await startServer({
    port,
    host,
    testHooks,
    stats,
    clock,
    corsOrigins: originsOf(redirectUris, appOrigins),
    isApiPath: (p) => p === USER_PATH || p === RATES_PATH,
    isTokenRequest: (req, url) => url.pathname === TOKEN_PATH && req.method === "POST",
    grantOf: (_req, _url, body) => {
      const f = new URLSearchParams(body.toString("utf8"));
      return f.get("grant_type") ?? f.get("grant") ?? "";
    },
    faultBody: () => ({ error: "server_error", error_description: "injected failure" }),
    revokeAll: () => {
      const n = accessTokens.size + refreshTokens.size;
      accessTokens.clear();
      refreshTokens.clear();
      codes.clear();
      return n;
    },
    handle: async (req, res, url, ctx) => {
      switch (url.pathname) {
        case AUTHORIZE_PATH:
          return authorize(req, res, url);
        case TOKEN_PATH:
          if (req.method !== "POST")
            return sendJson(res, 405, { error: "invalid_request", error_description: "POST required" });
          return token(req, res, ctx.body);
        case USER_PATH:
        case RATES_PATH:
          return api(req, res, url, realm);
        default:
          return sendJson(res, 404, { error: "not_found" });
      }
    },
  });
  realm = srv.url;

  return {
    url: srv.url,
    port: srv.port,
    environment,
    endpoints: {
      authorization: `${srv.url}${AUTHORIZE_PATH}`,
      token: `${srv.url}${TOKEN_PATH}`,
      user: `${srv.url}${USER_PATH}`,
      rates: `${srv.url}${RATES_PATH}`,
    },
    stats: () => structuredClone(stats),
    clock,
    close: srv.close,
  };
}
