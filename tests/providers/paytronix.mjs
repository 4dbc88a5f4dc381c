// Paytronix emulator: the guest-website SSO redirect flow and requestGuestToken, as documented in
// /work/shared/providers/000_eb934dc1cb8c3dea.txt ("Guest Website Redirect Flow", cited [000]) and
// 001_f35228366d24bfad.txt ("Guest Website Login", cited [001]). See README.md here for the table of
// behaviours and assumptions.
//
//   const px = await startPaytronix({ clientId, clientSecret, redirectUris, merchantId: 777777, testHooks: true });
//   px.endpoints.authorization  GET  /guest/accountlogin            sign-in page, then
//                                    redirect_uri?code=…&state=…&expires_in=300
//   px.endpoints.token          POST /rest/oauth/requestGuestToken.json   JSON in, JSON out
//   px.endpoints.accountInformation GET /rest/guest/accountInformation.json  Bearer access token
//
// Failure answers: [001] only says the system returns "a result of success or failure" and that
// integrators should "use the error code and error message returned by the system". The field names
// `errorCode` and `errorMessage` (next to `"result": "failure"`, on HTTP 200) are OUR ASSUMPTION.

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
  stableDigits,
  startServer,
  withQuery,
} from "./common.mjs";

export const PAYTRONIX_SCOPES = ["account_read", "account_write", "user_read", "user_write"]; // [000]
const AUTHORIZE_PATH = "/guest/accountlogin"; // [000] example URL
const TOKEN_PATH = "/rest/oauth/requestGuestToken.json"; // [001] "requestGuestToken call" (REST JSON)
const ACCOUNT_PATH = "/rest/guest/accountInformation.json";
const CODE_TTL = 300; // [000] "This grant will expire 5 minutes after being generated", expires_in=300
const ACCESS_TTL = 1800; // [001] "Access tokens are valid for 30 minutes", "expires_in": 1800

/** A Paytronix failure answer (field names are our assumption, see the header). */
export function paytronixFailure(errorCode, errorMessage) {
  return { result: "failure", errorCode, errorMessage };
}

/**
 * @param {object} opts
 * @param {number} [opts.port=0]
 * @param {string} opts.clientId
 * @param {string} opts.clientSecret
 * @param {string[]} opts.redirectUris      the allow-list [000] ("Must be provided to Paytronix")
 * @param {number} [opts.merchantId=777777] [001] `"merchantId": 777777`
 * @param {boolean} [opts.testHooks=false]
 * @param {string[]} [opts.appOrigins]      extra origins allowed (CORS) on the account API
 * @param {number} [opts.accessTokenTtl=1800]
 * @param {Record<string,string>} [opts.seedRefreshTokens]  refresh token -> username, valid from the
 *        start (lets a test send [001]'s refresh example body verbatim)
 * @param {Record<string,string>} [opts.printedCardNumbers]  username -> card number (otherwise
 *        derived from the username: "6000" + 6 digits, the shape of [001]'s "6000986775")
 */
export async function startPaytronix(opts = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    clientId,
    clientSecret,
    redirectUris,
    merchantId = 777777,
    testHooks = false,
    appOrigins = [],
    accessTokenTtl = ACCESS_TTL,
    seedRefreshTokens = {},
    printedCardNumbers = {},
  } = opts;
  checkClient({ clientId, clientSecret, redirectUris }, "startPaytronix");

  const clock = createClock();
  const stats = newStats();
  const codes = new Map(); // code -> { username, scope, redirectUri, clientId, expiresAt, used }
  const accessTokens = new Map(); // token -> { username, scope, expiresAt }
  const refreshTokens = new Map(); // token -> { username, scope, clientId }
  for (const [t, username] of Object.entries(seedRefreshTokens)) {
    refreshTokens.set(t, { username, scope: PAYTRONIX_SCOPES.join(" "), clientId });
  }

  const user = (username) => ({
    username,
    printedCardNumber: printedCardNumbers[username] ?? `6000${stableDigits(username, 6)}`, // [001] "6000986775"
  });

  function issueTokens(username, scope, refreshToken) {
    const access = randomToken(24);
    accessTokens.set(access, { username, scope, expiresAt: clock.nowSec() + accessTokenTtl });
    let refresh = refreshToken;
    if (!refresh) {
      refresh = randomToken(24);
      refreshTokens.set(refresh, { username, scope, clientId });
    }
    // [001] response examples, in their field order; `printedCardNumber` appears in the refresh
    // example only; we include it on every success.
    return {
      result: "success",
      access_token: access,
      expires_in: accessTokenTtl,
      printedCardNumber: user(username).printedCardNumber,
      refresh_token: refresh,
      scope,
      token_type: "bearer",
      username,
    };
  }

  /** Requested scope string -> normalized string, or undefined when a value is unknown. */
  function parseScope(raw, fallback) {
    if (raw === undefined || raw === null || raw === "") return fallback;
    if (typeof raw !== "string") return undefined;
    const values = raw.split(" ").filter(Boolean);
    if (values.length === 0 || values.some((v) => !PAYTRONIX_SCOPES.includes(v))) return undefined;
    return values.join(" ");
  }

  // ------------------------------------------------------------------ authorization (sign-in page)
  async function authorize(req, res, url) {
    let params;
    if (req.method === "GET") {
      params = Object.fromEntries(url.searchParams);
    } else if (req.method === "POST") {
      params = Object.fromEntries(new URLSearchParams((await readBody(req)).toString("utf8")));
    } else {
      return sendJson(res, 405, paytronixFailure("invalid_request", "method not allowed"));
    }
    const { client_id: cid, redirect_uri: redirectUri, state, scope: rawScope, response_type: responseType } = params;

    // Unknown client or a redirect_uri not on the allow-list: never redirect (RFC 6749 §4.1.2.1).
    if (!cid || cid !== clientId) {
      stats.authorize.errors += 1;
      return errorPage(res, 400, "Paytronix sign-in error", "invalid_client", "unknown client_id");
    }
    if (!redirectUri || !redirectUris.includes(redirectUri)) {
      stats.authorize.errors += 1;
      return errorPage(res, 400, "Paytronix sign-in error", "invalid_request", "redirect_uri is not allow-listed");
    }
    // [000] only says response_type "Must be 'code'". How a bad one is answered is not documented:
    // ASSUMPTION, RFC 6749 §4.1.2.1 error redirects (the document cites RFC 6749 for `state`).
    if (responseType !== "code") {
      stats.authorize.errors += 1;
      return redirect(res, withQuery(redirectUri, { error: "unsupported_response_type", state }));
    }
    const scope = parseScope(rawScope, PAYTRONIX_SCOPES.join(" "));
    if (scope === undefined) {
      stats.authorize.errors += 1;
      return redirect(res, withQuery(redirectUri, { error: "invalid_scope", state }));
    }

    const hidden = { response_type: responseType, client_id: cid, redirect_uri: redirectUri, state, scope: rawScope };
    const cancelHref = `${AUTHORIZE_PATH}?${new URLSearchParams({ ...definedOnly(hidden), cancel: "1" })}`;
    if (req.method === "GET" && params.cancel === "1") {
      // ASSUMPTION (not in [000]): Cancel answers RFC 6749's error=access_denied with state.
      stats.authorize.cancelled += 1;
      return redirect(res, withQuery(redirectUri, { error: "access_denied", state }));
    }
    const page = (error) =>
      signInPage({
        title: "Paytronix guest login",
        heading: "Sign in to your guest account",
        intro: `<p>Client <code>${escapeHtml(cid)}</code> asks for: <span id="scope">${escapeHtml(scope)}</span></p>`,
        action: AUTHORIZE_PATH,
        hidden,
        error,
        cancelHref,
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
    const code = randomToken(27);
    codes.set(code, {
      username: params.username.trim(),
      scope,
      redirectUri,
      clientId: cid,
      expiresAt: clock.nowSec() + CODE_TTL,
      used: false,
    });
    // [000] step 3: "redirected to the URI passed in", e.g. ?code=APA91b…&expires_in=300; plus state.
    return redirect(res, withQuery(redirectUri, { code, state, expires_in: CODE_TTL }));
  }

  // ---------------------------------------------------------------------------- requestGuestToken
  async function token(req, res, body) {
    // Failures are HTTP 200 with result "failure" (ASSUMPTION: [001] shows no failure example).
    const fail = (code, message) => sendJson(res, 200, paytronixFailure(code, message));
    if (req.method !== "POST") return sendJson(res, 405, paytronixFailure("invalid_request", "POST required"));
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
      return fail("invalid_request", "the request body must be JSON (Content-Type: application/json)");
    }
    let b;
    try {
      b = JSON.parse(body.toString("utf8"));
    } catch {
      return fail("invalid_request", "the request body is not valid JSON");
    }
    if (!b || typeof b !== "object" || Array.isArray(b))
      return fail("invalid_request", "the request body must be a JSON object");
    // [001] every example carries "authentication": "anonymous".
    if (b.authentication !== "anonymous") return fail("invalid_request", 'authentication must be "anonymous"');
    if (b.client_id !== clientId || b.client_secret !== clientSecret)
      return fail("invalid_client", "unknown client_id or wrong client_secret");
    // [001] "merchantId": 777777 is a JSON number; a string is refused (ASSUMPTION: strict typing).
    if (b.merchantId !== merchantId)
      return fail("invalid_request", `unknown merchantId ${JSON.stringify(b.merchantId)}`);

    switch (b.grant_type) {
      case "authorization_code": {
        // [000] step 4 "requestGuestToken call" with the grant; fields `code` and `redirect_uri`
        // (the "Grant By Authorization Grant" reference page is not part of the document).
        if (typeof b.code !== "string" || !b.code) return fail("invalid_request", "code is required");
        const grant = codes.get(b.code);
        if (!grant) return fail("invalid_grant", "unknown authorization grant");
        if (grant.used) {
          return fail("invalid_grant", "the authorization grant was already used");
        }
        grant.used = true; // single use, even when the rest of the request is wrong
        if (clock.nowSec() >= grant.expiresAt) return fail("invalid_grant", "the authorization grant expired");
        if (grant.clientId !== b.client_id) return fail("invalid_grant", "the grant was issued to another client");
        if (b.redirect_uri !== grant.redirectUri)
          return fail("invalid_grant", "redirect_uri does not match the authorization request");
        return sendJson(res, 200, issueTokens(grant.username, grant.scope));
      }
      case "password": {
        if (typeof b.username !== "string" || !b.username.trim() || typeof b.password !== "string") {
          return fail("invalid_request", "username and password are required");
        }
        const scope = parseScope(b.scope, PAYTRONIX_SCOPES.join(" "));
        if (scope === undefined) return fail("invalid_scope", "unknown scope value");
        if (!checkPassword(b.username, b.password)) return fail("invalid_grant", "invalid username or password");
        return sendJson(res, 200, issueTokens(b.username.trim(), scope));
      }
      case "refresh_token": {
        if (typeof b.refresh_token !== "string" || !b.refresh_token)
          return fail("invalid_request", "refresh_token is required");
        const rt = refreshTokens.get(b.refresh_token);
        if (!rt || rt.clientId !== b.client_id) return fail("invalid_grant", "invalid refresh token");
        const scope = parseScope(b.scope, rt.scope);
        const granted = rt.scope.split(" ");
        if (scope === undefined || scope.split(" ").some((s) => !granted.includes(s))) {
          return fail("invalid_scope", "scope exceeds the scope granted at login");
        }
        // [001] the refresh example answers the same refresh_token it was sent: not rotated.
        return sendJson(res, 200, issueTokens(rt.username, scope, b.refresh_token));
      }
      default:
        return fail("unsupported_grant_type", `unsupported grant_type ${JSON.stringify(b.grant_type)}`);
    }
  }

  // --------------------------------------------------------------------------------- demo API
  function accountInformation(req, res, realm) {
    const t = bearerToken(req);
    const unauthorized = (error, message) => {
      stats.api.unauthorized += 1;
      // [001] "a server response of invalid token" -> refresh and resend.
      sendJson(res, 401, paytronixFailure(error, message), {
        "www-authenticate": bearerChallenge(realm, error === "invalid_token" ? error : undefined),
      });
    };
    if (req.method !== "GET") return sendJson(res, 405, paytronixFailure("invalid_request", "GET required"));
    if (!t) return unauthorized("invalid_request", "no Bearer access token");
    const at = accessTokens.get(t);
    if (!at) return unauthorized("invalid_token", "invalid access token");
    if (clock.nowSec() >= at.expiresAt) return unauthorized("invalid_token", "the access token expired");
    stats.api.ok += 1;
    const u = user(at.username);
    return sendJson(res, 200, {
      result: "success",
      username: u.username,
      printedCardNumber: u.printedCardNumber,
      balance: Number(`${stableDigits(`${u.username}/balance`, 3)}.${stableDigits(u.username, 2)}`),
      scope: at.scope,
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
    isApiPath: (p) => p === ACCOUNT_PATH,
    isTokenRequest: (req, url) => url.pathname === TOKEN_PATH && req.method === "POST",
    grantOf: (_req, _url, body) => {
      try {
        return String(JSON.parse(body.toString("utf8"))?.grant_type ?? "");
      } catch {
        return "";
      }
    },
    faultBody: (status) => paytronixFailure("server_error", `injected failure (HTTP ${status})`),
    revokeAll: () => {
      const n = accessTokens.size + refreshTokens.size + codes.size;
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
          return token(req, res, ctx.body ?? (await readBody(req)));
        case ACCOUNT_PATH:
          return accountInformation(req, res, realm);
        default:
          return sendJson(res, 404, paytronixFailure("not_found", "no such endpoint"));
      }
    },
  });
  realm = srv.url;

  return {
    url: srv.url,
    port: srv.port,
    merchantId,
    endpoints: {
      authorization: `${srv.url}${AUTHORIZE_PATH}`,
      token: `${srv.url}${TOKEN_PATH}`,
      accountInformation: `${srv.url}${ACCOUNT_PATH}`,
    },
    stats: () => structuredClone(stats),
    clock,
    close: srv.close,
  };
}

function definedOnly(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}
