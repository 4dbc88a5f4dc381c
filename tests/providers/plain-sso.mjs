// The plain SSO service emulator, as documented in /work/shared/providers/004_2b49d89e3fe31394.txt
// (cited [004]). It is not OAuth 2.0: tokens come back in the redirect, there is no `state`, and the
// token endpoint takes JSON with a `response_type` of "code" (username + password) or "refresh".
//
//   const sso = await startPlainSso({ clientId, clientSecret, redirectUris, testHooks: true });
//   sso.endpoints.login     GET  /login?client_id=&scope=&redirect_uri=   sign-in page (link to /register), then
//                                redirect_uri[?|&]access_token=…&refresh_token=…&expiration=…&user_id=…
//   sso.endpoints.register  GET  /register (page)  |  POST /register JSON {"username","password"} -> 201
//   sso.endpoints.token     POST /token            JSON
//   sso.endpoints.me        GET  /api/me           Bearer access token
//
// clientSecret is accepted for a uniform start signature but [004] never uses a client secret.

import {
  bearerChallenge,
  bearerToken,
  checkClient,
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
} from "./common.mjs";

const LOGIN_PATH = "/login"; // [004] https://example.domain/login?client_id=…&scope=…&redirect_uri=…
const REGISTER_PATH = "/register"; // ASSUMPTION: [004] names "the register button" and a register endpoint, no path
const TOKEN_PATH = "/token"; // ASSUMPTION: [004] describes the token endpoint without a path
const ME_PATH = "/api/me"; // ASSUMPTION: the demo API

/** [004] "An access token will expire one month after it has been creation": the same day of the
 * next calendar month (UTC), clamped to that month's last day (ASSUMPTION on what "a month" is). */
export function oneMonthAfter(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const t = Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
  return Math.floor(t / 1000);
}

/** The failure shape (HTTP status = status_code: OUR CHOICE, [004] shows only the success answer). */
function failure(statusCode, error) {
  return { access_token: null, refresh_token: null, expiration: null, status_code: statusCode, error, success: false };
}

/**
 * @param {object} opts
 * @param {number} [opts.port=0]
 * @param {string} opts.clientId
 * @param {string} [opts.clientSecret]     unused by [004]
 * @param {string[]} opts.redirectUris      compared without their query (the Worker adds a one-time value)
 * @param {boolean} [opts.testHooks=false]
 * @param {string[]} [opts.appOrigins]
 */
export async function startPlainSso(opts = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    clientId,
    clientSecret = "unused",
    redirectUris,
    testHooks = false,
    appOrigins = [],
  } = opts;
  checkClient({ clientId, clientSecret, redirectUris }, "startPlainSso");

  const clock = createClock();
  const stats = newStats();
  const users = new Map(); // registered username -> { password, email }
  const accessTokens = new Map(); // token -> { username, clientId, expiration }
  const refreshTokens = new Map(); // token -> { username, clientId }

  const withoutQuery = (u) => {
    const x = new URL(u);
    return `${x.origin}${x.pathname}`;
  };
  const allowedRedirects = new Set(redirectUris.map(withoutQuery));

  /** Users: registered ones need their password; anyone else signs in with any non-empty password but "wrong". */
  function passwordOk(username, password) {
    if (typeof username !== "string" || !username || typeof password !== "string" || !password) return false;
    const u = users.get(username);
    if (u) return u.password === password;
    return password !== "wrong";
  }

  function issue(username, cid, keepRefresh) {
    const access = randomToken(32);
    const expiration = oneMonthAfter(clock.nowSec());
    accessTokens.set(access, { username, clientId: cid, expiration });
    let refresh = keepRefresh;
    if (!refresh) {
      refresh = randomToken(32);
      refreshTokens.set(refresh, { username, clientId: cid });
    }
    return { access_token: access, refresh_token: refresh, expiration };
  }

  // ------------------------------------------------------------------ login page
  function redirectUriOk(redirectUri) {
    try {
      return allowedRedirects.has(withoutQuery(redirectUri));
    } catch {
      return false;
    }
  }

  async function login(req, res, url) {
    let params;
    if (req.method === "GET") params = Object.fromEntries(url.searchParams);
    else if (req.method === "POST")
      params = Object.fromEntries(new URLSearchParams((await readBody(req)).toString("utf8")));
    else return sendJson(res, 405, failure(405, "method not allowed"));
    const { client_id: cid, scope, redirect_uri: redirectUri } = params;
    // [004] documents no error redirect (and has no state): bad requests get an error page.
    if (!cid || cid !== clientId) {
      stats.authorize.errors += 1;
      return errorPage(res, 400, "Sign-in error", "unknown client_id", "this client is not known");
    }
    if (!redirectUri || !redirectUriOk(redirectUri)) {
      stats.authorize.errors += 1;
      return errorPage(res, 400, "Sign-in error", "bad redirect_uri", "redirect_uri is not registered for this client");
    }
    const hidden = { client_id: cid, scope, redirect_uri: redirectUri };
    const q = new URLSearchParams(Object.entries(hidden).filter(([, v]) => v !== undefined));
    const page = (error, notice = "") =>
      signInPage({
        title: "Sign in",
        heading: "Sign in",
        intro: notice,
        action: LOGIN_PATH,
        hidden,
        error,
        // [004] has no cancel / error redirect: Cancel leaves the user on this service's own page.
        cancelHref: `/login/cancelled?${q}`,
        extraHtml: `<p>No account? <a id="register" href="${REGISTER_PATH}?${escapeHtml(q.toString())}">Register</a></p>`,
      });
    if (req.method === "GET") {
      stats.authorize.pages += 1;
      const notice = params.registered
        ? `<p class="notice">Account ${escapeHtml(params.registered)} created. Sign in with it.</p>`
        : "";
      return sendHtml(res, 200, page(undefined, notice));
    }
    if (!passwordOk(params.username, params.password)) {
      stats.authorize.wrong_password += 1;
      return sendHtml(res, 200, page("Wrong username or password."));
    }
    stats.authorize.signed_in += 1;
    const t = issue(params.username, cid);
    // [004] "The parameters access_token, refresh_token, expiration and user_id will be added to the
    // end of the redirect uri." Appended as text (the URI is not re-serialized), with "&" when it
    // already has a query. user_id = the username (ASSUMPTION: [004] does not say what it is).
    const extra = new URLSearchParams({
      access_token: t.access_token,
      refresh_token: t.refresh_token,
      expiration: String(t.expiration),
      user_id: params.username,
    });
    return redirect(res, `${redirectUri}${redirectUri.includes("?") ? "&" : "?"}${extra}`);
  }

  function cancelled(_req, res) {
    stats.authorize.cancelled += 1;
    return sendHtml(
      res,
      200,
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in cancelled</title></head>
<body><h1>Sign-in cancelled</h1><p>You did not sign in. You can close this page.</p></body></html>
`,
    );
  }

  // ------------------------------------------------------------------ register
  async function register(req, res, url) {
    if (req.method === "GET") {
      // [004] "To register you must enter a username, email and a password"; then "you will be
      // taken back to the login page where you will have to re-enter your username and password."
      const back = url.searchParams.toString();
      return sendHtml(
        res,
        200,
        `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Register</title></head>
<body><h1>Register</h1>
  <form method="post" action="${REGISTER_PATH}">
    <input type="hidden" name="back" value="${escapeHtml(back)}">
    <label>Username <input type="text" name="username"></label>
    <label>Email <input type="email" name="email"></label>
    <label>Password <input type="password" name="password"></label>
    <button type="submit">Register</button>
  </form>
</body></html>
`,
      );
    }
    if (req.method !== "POST") return sendJson(res, 405, failure(405, "method not allowed"));
    const raw = (await readBody(req)).toString("utf8");
    const isJson = /^application\/json\b/i.test(req.headers["content-type"] ?? "");
    let b;
    if (isJson) {
      try {
        b = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, failure(400, "the body is not valid JSON"));
      }
    } else {
      b = Object.fromEntries(new URLSearchParams(raw)); // the HTML register page
    }
    // OUR CHOICE ([004] documents only "201 on success"): failures use the token endpoint's shape
    // with HTTP status = status_code: 400 for a missing field, 409 for a taken username.
    const fail = (status, error) => {
      if (!isJson)
        return sendHtml(
          res,
          status,
          `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Register</title></head><body><h1>Register</h1><p class="error" role="alert">${escapeHtml(error)}</p></body></html>\n`,
        );
      return sendJson(res, status, { success: false, error, status_code: status });
    };
    if (!b || typeof b.username !== "string" || !b.username || typeof b.password !== "string" || !b.password) {
      return fail(400, "username and password are required");
    }
    if (users.has(b.username)) return fail(409, "username already exists");
    users.set(b.username, { password: b.password, email: typeof b.email === "string" ? b.email : undefined });
    if (!isJson) {
      const back = new URLSearchParams(b.back ?? "");
      back.set("registered", b.username);
      return redirect(res, `${LOGIN_PATH}?${back}`, 303);
    }
    return sendJson(res, 201, { success: true, error: null, status_code: 201, username: b.username });
  }

  // ------------------------------------------------------------------ token endpoint
  async function token(req, res, raw) {
    // Failures: HTTP status = status_code (OUR CHOICE): 400 malformed request, 401 bad credentials.
    const fail = (status, error) => sendJson(res, status, failure(status, error));
    if (req.method !== "POST") return fail(405, "method not allowed");
    let b;
    try {
      b = JSON.parse(raw.toString("utf8"));
    } catch {
      return fail(400, "the body is not valid JSON");
    }
    if (!b || typeof b !== "object" || Array.isArray(b)) return fail(400, "the body must be a JSON object");
    if (typeof b.username !== "string" || !b.username) return fail(400, "username is required");
    if (typeof b.client_id !== "string" || !b.client_id) return fail(400, "client_id is required");
    if (b.client_id !== clientId) return fail(401, "unknown client_id");
    // [004]: the success answer is HTTP 200 with "status_code": 201 in the body.
    const ok = (t) => sendJson(res, 200, { ...t, status_code: 201, error: null, success: true });
    switch (b.response_type) {
      case "code": {
        if (typeof b.password !== "string" || !b.password) return fail(400, "password is required");
        if (!passwordOk(b.username, b.password)) return fail(401, "wrong username or password");
        return ok(issue(b.username, b.client_id));
      }
      case "refresh": {
        if (typeof b.refresh_token !== "string" || !b.refresh_token) return fail(400, "refresh_token is required");
        const rt = refreshTokens.get(b.refresh_token);
        if (!rt || rt.username !== b.username || rt.clientId !== b.client_id) return fail(401, "invalid refresh token");
        // [004] "identical to the one for obtaining a new access token except the refresh token stays the same"
        return ok(issue(rt.username, rt.clientId, b.refresh_token));
      }
      default:
        return fail(400, 'response_type must be "code" or "refresh"');
    }
  }

  // ------------------------------------------------------------------ demo API
  function me(req, res, realm) {
    if (req.method !== "GET") return sendJson(res, 405, failure(405, "method not allowed"));
    const deny = (error, message) => {
      stats.api.unauthorized += 1;
      sendJson(
        res,
        401,
        { success: false, error: message, status_code: 401 },
        { "www-authenticate": bearerChallenge(realm, error) },
      );
    };
    const t = bearerToken(req);
    if (!t) return deny(undefined, "no Bearer access token");
    const at = accessTokens.get(t);
    if (!at) return deny("invalid_token", "invalid access token");
    if (clock.nowSec() >= at.expiration) return deny("invalid_token", "access token expired");
    stats.api.ok += 1;
    return sendJson(res, 200, { user_id: at.username, username: at.username });
  }

  let realm;
  const srv = await startServer({
    port,
    host,
    testHooks,
    stats,
    clock,
    corsOrigins: originsOf(redirectUris, appOrigins),
    isApiPath: (p) => p === ME_PATH,
    isTokenRequest: (req, url) => url.pathname === TOKEN_PATH && req.method === "POST",
    grantOf: (_req, _url, body) => {
      try {
        return String(JSON.parse(body.toString("utf8"))?.response_type ?? "");
      } catch {
        return "";
      }
    },
    faultBody: (status) => failure(status, "injected failure"),
    revokeAll: () => {
      const n = accessTokens.size + refreshTokens.size;
      accessTokens.clear();
      refreshTokens.clear();
      return n;
    },
    handle: async (req, res, url, ctx) => {
      switch (url.pathname) {
        case LOGIN_PATH:
          return login(req, res, url);
        case "/login/cancelled":
          return cancelled(req, res);
        case REGISTER_PATH:
          return register(req, res, url);
        case TOKEN_PATH:
          return token(req, res, ctx.body ?? (await readBody(req)));
        case ME_PATH:
          return me(req, res, realm);
        default:
          return sendJson(res, 404, failure(404, "not found"));
      }
    },
  });
  realm = srv.url;

  return {
    url: srv.url,
    port: srv.port,
    endpoints: {
      login: `${srv.url}${LOGIN_PATH}`,
      authorization: `${srv.url}${LOGIN_PATH}`,
      register: `${srv.url}${REGISTER_PATH}`,
      token: `${srv.url}${TOKEN_PATH}`,
      me: `${srv.url}${ME_PATH}`,
    },
    stats: () => structuredClone(stats),
    clock,
    close: srv.close,
  };
}
