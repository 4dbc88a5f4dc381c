// Paysera Wallet emulator: OAuth authorization code grant with MAC access authentication, as
// documented in /work/shared/providers/003_033bb810866953b7.txt (cited [003]).
//
//   const ps = await startPaysera({ clientId, clientSecret /* = the client's mac_key */, redirectUris, testHooks: true });
//   ps.endpoints.authorization          GET    /frontend/oauth         (default language: English)
//   ps.endpoints.authorizationLocale.lt GET    /frontend/{en,lt,ru}/oauth
//                                       -> redirect_uri?code=…&state=…  |  ?error=access_denied&state=…
//   ps.endpoints.token                  POST   /oauth/v1/token   form body, MAC-signed with the client's credentials
//   ps.endpoints.revoke                 DELETE /oauth/v1/token?access_token=…   MAC-signed
//   ps.endpoints.me                     GET    /rest/v1/user/me  MAC-signed with id = access_token, key = mac_key
//
// The MAC verifier below is written from the document alone (not shared with the Rust crate):
//   normalized = ts \n nonce \n METHOD \n path?query \n host \n port \n ext \n
//   mac        = base64(HMAC-SHA-256(key, normalized))
//   ext        = "body_hash=" + urlencode(base64(SHA-256(body)))     (absent for a body-less request)
// and it reproduces both signatures printed in [003] (see paysera.test.mjs).

import * as crypto from "node:crypto";

import {
  checkClient,
  checkPassword,
  createClock,
  errorPage,
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

const AUTHORIZE_PATH = "/frontend/oauth"; // [003] https://www.paysera.com/frontend/oauth
const LOCALES = ["en", "lt", "ru"]; // [003] https://www.paysera.com/frontend/locale/oauth
const TOKEN_PATH = "/oauth/v1/token"; // [003] https://wallet.paysera.com/oauth/v1/token
const ME_PATH = "/rest/v1/user/me"; // ASSUMPTION: a Wallet API "rest/v1" resource for the demo API
const ACCESS_TTL = 3600; // [003] response example "expires_in": 3600
const CODE_TTL = 600; // ASSUMPTION ([003] silent): RFC 6749 §4.1.2's 10-minute maximum
export const MAX_SKEW_SECONDS = 300;
export const PAYSERA_AUTHORIZE_ERRORS = [
  // [003] "error - type of an error. One of: …"
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
];

// [003] token response headers, exactly.
const TOKEN_HEADERS = {
  "Content-Type": "application/json;charset=UTF-8",
  "Cache-Control": "no-store",
  Pragma: "no-cache",
};

const PAGE_TEXT = {
  en: {
    title: "Paysera — sign in",
    heading: "Sign in to Paysera",
    username: "Username",
    password: "Password",
    submit: "Sign in",
    cancel: "Cancel",
    error: "Wrong username or password.",
  },
  lt: {
    title: "Paysera — prisijungimas",
    heading: "Prisijunkite prie Paysera",
    username: "Naudotojo vardas",
    password: "Slaptažodis",
    submit: "Prisijungti",
    cancel: "Atšaukti",
    error: "Neteisingas naudotojo vardas arba slaptažodis.",
  },
  ru: {
    title: "Paysera — вход",
    heading: "Вход в Paysera",
    username: "Имя пользователя",
    password: "Пароль",
    submit: "Войти",
    cancel: "Отмена",
    error: "Неверное имя пользователя или пароль.",
  },
};

// ============================================================================ MAC (independent)

/** The seven-line normalized request string of [003]'s MAC scheme. */
export function normalizedString({ ts, nonce, method, pathAndQuery, host, port, ext = "" }) {
  return `${ts}\n${nonce}\n${method.toUpperCase()}\n${pathAndQuery}\n${host.toLowerCase()}\n${port}\n${ext}\n`;
}

export function macOf(key, normalized) {
  return crypto.createHmac("sha256", key).update(normalized, "utf8").digest("base64");
}

/** `body_hash=` + urlencoded base64(SHA-256(body)). */
export function bodyHashExt(body) {
  return `body_hash=${encodeURIComponent(
    crypto
      .createHash("sha256")
      .update(body ?? "")
      .digest("base64"),
  )}`;
}

/** Parse `MAC id="…", ts="…", nonce="…", mac="…"[, ext="…"]`; undefined when malformed. */
export function parseMacHeader(header) {
  const m = /^MAC\s+(.*)$/is.exec(header ?? "");
  if (!m) return undefined;
  const params = m[1];
  const out = {};
  const re = /\s*([a-z]+)="([^"]*)"\s*(?:,|$)/giy;
  while (re.lastIndex < params.length) {
    const match = re.exec(params);
    if (match === null) break;
    const k = match[1].toLowerCase();
    if (k in out) return undefined; // duplicate attribute
    out[k] = match[2];
  }
  if (re.lastIndex !== params.length) return undefined; // trailing garbage
  if (!out.id || !out.ts || !out.nonce || !out.mac) return undefined;
  if (!/^\d+$/.test(out.ts)) return undefined;
  return out;
}

/** Split a Host header into host and port (default port for the scheme when absent). */
export function splitHost(hostHeader, defaultPort) {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader ?? "");
  if (!m) return undefined;
  return { host: m[1], port: m[2] ?? String(defaultPort) };
}

/**
 * Sign a request the way [003] shows (for tests and as a reference client).
 * @returns {string} the Authorization header value
 */
export function signMac({ id, key, method, url, body, ts, nonce = randomToken(24) }) {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  const ext = body !== undefined && body !== null && body !== "" ? bodyHashExt(body) : "";
  const mac = macOf(
    key,
    normalizedString({
      ts,
      nonce,
      method,
      pathAndQuery: `${u.pathname}${u.search}`,
      host: u.hostname,
      port,
      ext,
    }),
  );
  return `MAC id="${id}", ts="${ts}", nonce="${nonce}", mac="${mac}"${ext ? `, ext="${ext}"` : ""}`;
}

/**
 * Verify a MAC-signed request.
 * @param {object} o
 * @param {string} o.header            the Authorization header
 * @param {string} o.method
 * @param {string} o.pathAndQuery      the request target exactly as sent
 * @param {string} o.host
 * @param {string|number} o.port
 * @param {Buffer|string} [o.body]
 * @param {(id:string) => string|undefined} o.keyFor
 * @param {number} [o.now]             UNIX seconds (the emulator clock)
 * @param {boolean} [o.checkTs=true]   false only for the document's 2012 examples
 * @param {number} [o.maxSkew=300]
 * @param {Map<string, number>} [o.nonces]  seen "id nonce" -> ts; a reused nonce is refused
 * @returns {{ok:true, id:string} | {ok:false, reason:string, id?:string}}
 */
export function verifyMac(o) {
  const p = parseMacHeader(o.header);
  if (!p) return { ok: false, reason: "missing or malformed MAC Authorization header" };
  const key = o.keyFor(p.id);
  if (!key) return { ok: false, reason: "unknown MAC id", id: p.id };
  const expected = macOf(
    key,
    normalizedString({
      ts: p.ts,
      nonce: p.nonce,
      method: o.method,
      pathAndQuery: o.pathAndQuery,
      host: o.host,
      port: o.port,
      ext: p.ext ?? "",
    }),
  );
  const a = Buffer.from(expected);
  const b = Buffer.from(p.mac);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return { ok: false, reason: "wrong mac", id: p.id };
  const body = o.body ?? "";
  const ext = parseExt(p.ext ?? "");
  if (ext === undefined) return { ok: false, reason: "malformed ext", id: p.id };
  if (body.length > 0 && ext.body_hash === undefined)
    return { ok: false, reason: "ext body_hash is required for a request with a body", id: p.id };
  if (ext.body_hash !== undefined) {
    const actual = crypto.createHash("sha256").update(body).digest("base64");
    if (ext.body_hash !== actual) return { ok: false, reason: "body_hash does not match the body", id: p.id };
  }
  if (o.checkTs !== false) {
    const skew = Math.abs(Number(p.ts) - o.now);
    if (!(skew <= (o.maxSkew ?? MAX_SKEW_SECONDS)))
      return { ok: false, reason: `ts is ${skew} s away from the server clock`, id: p.id };
  }
  if (o.nonces) {
    const k = `${p.id} ${p.nonce}`;
    if (o.nonces.has(k)) return { ok: false, reason: "nonce already used", id: p.id };
    o.nonces.set(k, Number(p.ts));
  }
  return { ok: true, id: p.id };
}

/** `a=b&body_hash=…` -> { a: "b", body_hash: "…" } (percent-decoded; "+" stays "+"). */
function parseExt(ext) {
  const out = {};
  if (ext === "") return out;
  for (const part of ext.split("&")) {
    const i = part.indexOf("=");
    if (i <= 0) return undefined;
    try {
      out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
    } catch {
      return undefined;
    }
  }
  return out;
}

// ============================================================================ the emulator

/**
 * @param {object} opts
 * @param {number} [opts.port=0]
 * @param {string} opts.clientId            the MAC `id` of the client
 * @param {string} opts.clientSecret        the client's MAC key
 * @param {string[]} opts.redirectUris
 * @param {boolean} [opts.omitRefreshToken=false]  [003] refresh_token "is optional and can be missing"
 * @param {string[]} [opts.scopes]          when set, any other requested scope is invalid_scope
 * @param {boolean} [opts.testHooks=false]
 * @param {string[]} [opts.appOrigins]
 * @param {number} [opts.accessTokenTtl=3600]
 */
export async function startPaysera(opts = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    clientId,
    clientSecret,
    redirectUris,
    omitRefreshToken = false,
    scopes,
    testHooks = false,
    appOrigins = [],
    accessTokenTtl = ACCESS_TTL,
  } = opts;
  checkClient({ clientId, clientSecret, redirectUris }, "startPaysera");

  const clock = createClock();
  const stats = newStats();
  const codes = new Map(); // code -> { username, scope, redirectUri, expiresAt, used }
  const accessTokens = new Map(); // token -> { username, scope, macKey, expiresAt, refresh }
  const refreshTokens = new Map(); // token -> { username, scope, access }
  const nonces = new Map();
  let nextAuthorizeError;

  function pruneNonces() {
    const oldest = clock.nowSec() - 2 * MAX_SKEW_SECONDS;
    for (const [k, ts] of nonces) if (ts < oldest) nonces.delete(k);
  }

  function verify(req, body, keyFor) {
    pruneNonces();
    const hp = splitHost(req.headers.host, 80);
    if (!hp) return { ok: false, reason: "bad Host header" };
    return verifyMac({
      header: req.headers.authorization,
      method: req.method,
      pathAndQuery: req.url,
      host: hp.host,
      port: hp.port,
      body,
      keyFor,
      now: clock.nowSec(),
      nonces,
    });
  }

  function issue(username, scope) {
    const access = randomToken(24);
    const macKey = randomToken(24);
    const refresh = omitRefreshToken ? undefined : randomToken(24);
    accessTokens.set(access, { username, scope, macKey, expiresAt: clock.nowSec() + accessTokenTtl, refresh });
    if (refresh) refreshTokens.set(refresh, { username, scope, access });
    // [003] the response example, field for field and in its order.
    const body = {
      access_token: access,
      token_type: "mac",
      expires_in: accessTokenTtl,
      mac_key: macKey,
      mac_algorithm: "hmac-sha-256",
    };
    if (refresh) body.refresh_token = refresh;
    return body;
  }

  function revokeAccess(access) {
    const at = accessTokens.get(access);
    if (!at) return 0;
    accessTokens.delete(access);
    if (at.refresh) refreshTokens.delete(at.refresh);
    return at.refresh ? 2 : 1;
  }

  // ------------------------------------------------------------------ authorization
  async function authorize(req, res, url, locale) {
    let params;
    if (req.method === "GET") params = Object.fromEntries(url.searchParams);
    else if (req.method === "POST")
      params = Object.fromEntries(new URLSearchParams((await readBody(req)).toString("utf8")));
    else return sendJson(res, 405, { error: "invalid_request" });
    const lang = locale ?? "en"; // ASSUMPTION: /frontend/oauth shows English ([003] leaves the default open)
    const { client_id: cid, redirect_uri: redirectUri, state, scope, response_type: responseType } = params;
    if (!cid || cid !== clientId) {
      stats.authorize.errors += 1;
      return errorPage(
        res,
        400,
        "Paysera: authorization error",
        cid ? "unauthorized_client" : "invalid_request",
        "unknown or missing client_id",
      );
    }
    if (!redirectUri || !redirectUris.includes(redirectUri)) {
      stats.authorize.errors += 1;
      return errorPage(
        res,
        400,
        "Paysera: authorization error",
        "invalid_request",
        "redirect_uri is missing or not registered",
      );
    }
    // [003] "In the case of canceling authorization request or some other error, user will be
    // redirected to the redirection_uri with these query parameters: error, state".
    const fail = (error) => {
      stats.authorize.errors += 1;
      return redirect(res, withQuery(redirectUri, { error, state }));
    };
    if (req.method === "GET" && nextAuthorizeError) {
      const error = nextAuthorizeError;
      nextAuthorizeError = undefined;
      return fail(error);
    }
    if (responseType !== "code") return fail("unsupported_response_type"); // [003] "code is supported"
    if (scopes && scope?.split(" ").some((s) => s && !scopes.includes(s))) return fail("invalid_scope");
    if (req.method === "GET" && params.cancel === "1") {
      stats.authorize.cancelled += 1;
      return redirect(res, withQuery(redirectUri, { error: "access_denied", state })); // [003] example
    }
    const path = locale ? `/frontend/${locale}/oauth` : AUTHORIZE_PATH;
    const hidden = { response_type: responseType, client_id: cid, redirect_uri: redirectUri, scope, state };
    const cancelQuery = new URLSearchParams(Object.entries(hidden).filter(([, v]) => v !== undefined));
    cancelQuery.set("cancel", "1");
    const t = PAGE_TEXT[lang];
    const page = (error) =>
      signInPage({
        lang,
        title: t.title,
        heading: t.heading,
        intro: `<p id="locale">${lang}</p>`,
        action: path,
        hidden,
        error,
        cancelHref: `${path}?${cancelQuery}`,
        labels: t,
      });
    if (req.method === "GET") {
      stats.authorize.pages += 1;
      return sendHtml(res, 200, page());
    }
    if (!checkPassword(params.username, params.password)) {
      stats.authorize.wrong_password += 1;
      return sendHtml(res, 200, page(t.error));
    }
    stats.authorize.signed_in += 1;
    const code = randomToken(16);
    codes.set(code, {
      username: params.username.trim(),
      scope: scope ?? "",
      redirectUri,
      expiresAt: clock.nowSec() + CODE_TTL,
      used: false,
    });
    // [003] "HTTP/1.1 302 Found Location: http://localhost/abc?code=SplxlOBeZQQYbYS6WxSbIA&state=iQZMRnQCtm"
    return redirect(res, withQuery(redirectUri, { code, state }), 302);
  }

  // ------------------------------------------------------------------ token + revocation
  const clientKey = (id) => (id === clientId ? clientSecret : undefined);

  async function tokenEndpoint(req, res, raw) {
    const err = (status, error, description, headers = {}) =>
      sendJson(res, status, { error, error_description: description }, { ...TOKEN_HEADERS, ...headers });
    const v = verify(req, raw, clientKey);
    if (!v.ok) {
      // ASSUMPTION ([003] shows no error answer): 401, RFC 6749 §5.2 JSON, a MAC challenge.
      return err(401, "invalid_client", v.reason, { "WWW-Authenticate": 'MAC error="invalid_client"' });
    }
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) {
      return err(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    const form = new URLSearchParams(raw.toString("utf8"));
    switch (form.get("grant_type")) {
      case "authorization_code": {
        const code = form.get("code");
        if (!code) return err(400, "invalid_request", "code is required");
        const grant = codes.get(code);
        if (!grant) return err(400, "invalid_grant", "unknown code");
        if (grant.used) return err(400, "invalid_grant", "code already used");
        grant.used = true;
        if (clock.nowSec() >= grant.expiresAt) return err(400, "invalid_grant", "code expired");
        // [003] redirect_uri "exactly the same as was included in the authorization redirect"
        if (form.get("redirect_uri") !== grant.redirectUri)
          return err(400, "invalid_grant", "redirect_uri differs from the authorization request");
        return sendJson(res, 200, issue(grant.username, grant.scope), TOKEN_HEADERS);
      }
      case "refresh_token": {
        const rtValue = form.get("refresh_token");
        if (!rtValue) return err(400, "invalid_request", "refresh_token is required");
        const rt = refreshTokens.get(rtValue);
        if (!rt) return err(400, "invalid_grant", "invalid refresh token");
        // ASSUMPTION ([003] silent): rotation — the old refresh token and its access token end.
        revokeAccess(rt.access);
        refreshTokens.delete(rtValue);
        return sendJson(res, 200, issue(rt.username, rt.scope), TOKEN_HEADERS);
      }
      case "password":
        // [003] "resource owner password credentials grant … only allowed for specific clients"
        return err(400, "unauthorized_client", "this client may not use the password grant");
      case null:
        return err(400, "invalid_request", "grant_type is required");
      default:
        return err(400, "unsupported_grant_type", `unsupported grant_type ${form.get("grant_type")}`);
    }
  }

  async function revokeEndpoint(req, res, url) {
    const body = await readBody(req);
    // [003] "accessToken - optional; access token identifier, used as MAC id parameter. Can be
    // omitted if request is made with the access token itself." So: the client's credentials plus
    // ?access_token=…, or the access token's own MAC credentials.
    const v = verify(req, body, (id) => clientKey(id) ?? accessTokens.get(id)?.macKey);
    if (!v.ok) {
      return sendJson(
        res,
        401,
        { error: "invalid_client", error_description: v.reason },
        { "WWW-Authenticate": 'MAC error="invalid_client"' },
      );
    }
    const target = url.searchParams.get("access_token") ?? (v.id !== clientId ? v.id : undefined);
    if (!target) return sendJson(res, 400, { error: "invalid_request", error_description: "access_token is required" });
    if (v.id !== clientId && target !== v.id) {
      return sendJson(res, 403, { error: "invalid_request", error_description: "a token may revoke only itself" });
    }
    stats.revocations.endpoint += 1;
    stats.revocations.tokens += revokeAccess(target);
    // ASSUMPTION ([003] shows only the request): 200 with an empty body, also for unknown tokens (RFC 7009 §2.2).
    res.writeHead(200, { "Cache-Control": "no-store", "Content-Length": "0" });
    return res.end();
  }

  // ------------------------------------------------------------------ demo API (MAC with the access token)
  async function me(req, res) {
    const body = await readBody(req);
    const deny = (reason) => {
      stats.api.unauthorized += 1;
      sendJson(
        res,
        401,
        { error: "invalid_token", error_description: reason },
        { "WWW-Authenticate": 'MAC error="invalid_token"' },
      );
    };
    if (req.method !== "GET") return sendJson(res, 405, { error: "invalid_request" });
    const v = verify(req, body, (id) => accessTokens.get(id)?.macKey);
    if (!v.ok) return deny(v.reason);
    const at = accessTokens.get(v.id);
    if (!at || clock.nowSec() >= at.expiresAt) return deny("access token expired");
    stats.api.ok += 1;
    return sendJson(res, 200, { id: Number(stableDigits(at.username, 6)), username: at.username, scope: at.scope });
  }

  const srv = await startServer({
    port,
    host,
    testHooks,
    stats,
    clock,
    corsOrigins: originsOf(redirectUris, appOrigins),
    isApiPath: (p) => p === ME_PATH,
    isTokenRequest: (req, url) => url.pathname === TOKEN_PATH && req.method === "POST",
    grantOf: (_req, _url, body) => new URLSearchParams(body.toString("utf8")).get("grant_type") ?? "",
    faultBody: () => ({ error: "server_error", error_description: "injected failure" }),
    revokeAll: () => {
      const n = accessTokens.size + refreshTokens.size;
      accessTokens.clear();
      refreshTokens.clear();
      codes.clear();
      return n;
    },
    extraHooks: async (req, res, url) => {
      if (req.method === "POST" && url.pathname === "/__test/next-authorize-error") {
        const error = url.searchParams.get("error");
        if (!PAYSERA_AUTHORIZE_ERRORS.includes(error))
          throw new Error(`error must be one of ${PAYSERA_AUTHORIZE_ERRORS.join(", ")}`);
        nextAuthorizeError = error;
        sendJson(res, 200, { next_authorize_error: error });
        return true;
      }
      return false;
    },
    handle: async (req, res, url, ctx) => {
      const p = url.pathname;
      if (p === AUTHORIZE_PATH) return authorize(req, res, url, undefined);
      const lm = /^\/frontend\/([a-z]{2})\/oauth$/.exec(p);
      if (lm && LOCALES.includes(lm[1])) return authorize(req, res, url, lm[1]);
      if (p === TOKEN_PATH && req.method === "POST") return tokenEndpoint(req, res, ctx.body);
      if (p === TOKEN_PATH && req.method === "DELETE") return revokeEndpoint(req, res, url);
      if (p === TOKEN_PATH)
        return sendJson(res, 405, { error: "invalid_request", error_description: "POST or DELETE" });
      if (p === ME_PATH) return me(req, res);
      return sendJson(res, 404, { error: "not_found" });
    },
  });

  return {
    url: srv.url,
    port: srv.port,
    endpoints: {
      authorization: `${srv.url}${AUTHORIZE_PATH}`,
      authorizationLocale: Object.fromEntries(LOCALES.map((l) => [l, `${srv.url}/frontend/${l}/oauth`])),
      token: `${srv.url}${TOKEN_PATH}`,
      revoke: `${srv.url}${TOKEN_PATH}`,
      me: `${srv.url}${ME_PATH}`,
    },
    stats: () => structuredClone(stats),
    clock,
    close: srv.close,
  };
}
