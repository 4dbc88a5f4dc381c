// Shared plumbing for the provider emulators in this directory (tests/providers/*.mjs):
// an HTTP server on 127.0.0.1 with a fault-injectable clock, request helpers, the /__test/* hooks
// every emulator offers, counters, CORS for the demo APIs, and the plain HTML sign-in page.
//
// What each provider answers lives in its own module; this file has no provider behaviour.

import * as crypto from "node:crypto";
import * as http from "node:http";

/** Random opaque token: `bytes` random bytes, base64url. */
export function randomToken(bytes = 24) {
  return crypto.randomBytes(bytes).toString("base64url");
}

export function escapeHtml(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The emulator's own clock: real time plus an offset that /__test/advance-clock moves forward. */
export function createClock() {
  let offsetMs = 0;
  return {
    nowMs: () => Date.now() + offsetMs,
    nowSec: () => Math.floor((Date.now() + offsetMs) / 1000),
    advance(seconds) {
      offsetMs += seconds * 1000;
      return offsetMs / 1000;
    },
    offsetSec: () => offsetMs / 1000,
  };
}

export function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** JSON answer; `headers` may override the content type (Paysera's exact one, for instance). */
export function sendJson(res, status, body, headers = {}) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    ...lower,
  });
  res.end(JSON.stringify(body));
}

export function sendHtml(res, status, html, headers = {}) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(html);
}

export function redirect(res, location, status = 302) {
  res.writeHead(status, { location, "cache-control": "no-store" });
  res.end();
}

export function intParam(url, name, fallback) {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return fallback;
  if (!/^-?\d+$/.test(v)) throw new Error(`${name} must be an integer`);
  return Number.parseInt(v, 10);
}

/** Parse `Authorization: Bearer <token>`; undefined if absent or not Bearer. */
export function bearerToken(req) {
  const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(req.headers.authorization ?? "");
  return m ? m[1] : undefined;
}

/** The RFC 6750 §3 challenge: `Bearer realm="…"` (+ `error="…"` when the request carried a token). */
export function bearerChallenge(realm, error) {
  return error ? `Bearer realm="${realm}", error="${error}"` : `Bearer realm="${realm}"`;
}

export function newStats() {
  return {
    endpoints: {}, // "METHOD /path" -> count (every request, including /__test/*)
    token: { total: 0, by_grant: {}, by_status: {}, injected: 0 },
    authorize: { pages: 0, signed_in: 0, wrong_password: 0, cancelled: 0, errors: 0 },
    api: { ok: 0, unauthorized: 0 },
    revocations: { endpoint: 0, revoke_all: 0, tokens: 0 },
  };
}

/**
 * Start an emulator's HTTP server.
 *
 * @param {object} o
 * @param {number} [o.port=0]
 * @param {string} [o.host="127.0.0.1"]
 * @param {boolean} [o.testHooks=false]
 * @param {object} o.stats                  from newStats()
 * @param {ReturnType<typeof createClock>} o.clock
 * @param {Set<string>} o.corsOrigins       origins allowed to call the API paths from a browser
 * @param {(path:string) => boolean} o.isApiPath
 * @param {(status:number) => object} o.faultBody  the provider-shaped body for /__test/fail-token
 * @param {() => number} o.revokeAll        invalidate every token; returns how many
 * @param {(req, res, url) => Promise<boolean>} [o.extraHooks]  provider-specific /__test/* routes
 * @param {(req, res, url, ctx) => Promise<void>} o.handle  the provider's routes
 * @param {(url:URL, body:Buffer) => string|undefined} [o.grantOf]  grant label of a token request
 * @param {(url:URL) => boolean} o.isTokenRequest
 */
export async function startServer(o) {
  const { port = 0, host = "127.0.0.1", testHooks = false, stats, clock, corsOrigins } = o;
  const faults = []; // queued token-endpoint faults: { status, count, grant }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://emulator.invalid");
    const key = `${req.method} ${url.pathname}`;
    stats.endpoints[key] = (stats.endpoints[key] ?? 0) + 1;
    route(req, res, url).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: "server_error", message: String(err?.message ?? err) });
      else res.destroy();
    });
  });

  async function route(req, res, url) {
    if (url.pathname.startsWith("/__test/")) {
      if (!testHooks) return sendJson(res, 404, { error: "not_found" });
      try {
        return await hook(req, res, url);
      } catch (err) {
        return sendJson(res, 400, { error: "bad_request", message: err.message });
      }
    }
    const cors = o.isApiPath(url.pathname) ? corsHeaders(req) : undefined;
    if (cors && req.method === "OPTIONS") {
      if (!cors["access-control-allow-origin"]) {
        res.writeHead(403, { vary: "Origin" });
        return res.end();
      }
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type",
        "access-control-max-age": "600",
      });
      return res.end();
    }
    if (cors) for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);

    let body;
    if (o.isTokenRequest(req, url)) {
      body = await readBody(req);
      const grant = o.grantOf?.(req, url, body) ?? "";
      stats.token.total += 1;
      stats.token.by_grant[grant] = (stats.token.by_grant[grant] ?? 0) + 1;
      const i = faults.findIndex((f) => !f.grant || f.grant === grant);
      const origWriteHead = res.writeHead.bind(res);
      res.writeHead = (status, ...rest) => {
        stats.token.by_status[status] = (stats.token.by_status[status] ?? 0) + 1;
        return origWriteHead(status, ...rest);
      };
      if (i !== -1) {
        const fault = faults[i];
        fault.count -= 1;
        if (fault.count <= 0) faults.splice(i, 1);
        stats.token.injected += 1;
        return sendJson(res, fault.status, o.faultBody(fault.status));
      }
    }
    return o.handle(req, res, url, { body });
  }

  async function hook(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "POST /__test/fail-token": {
        const status = intParam(url, "status", 500);
        const count = intParam(url, "count", 1);
        if (status < 100 || status > 599 || count < 1) throw new Error("status must be an HTTP status, count >= 1");
        faults.push({ status, count, grant: url.searchParams.get("grant") || undefined });
        return sendJson(res, 200, { queued: faults.length });
      }
      case "POST /__test/revoke-all": {
        const n = o.revokeAll();
        stats.revocations.revoke_all += 1;
        stats.revocations.tokens += n;
        return sendJson(res, 200, { revoked: n });
      }
      case "POST /__test/advance-clock": {
        const seconds = intParam(url, "seconds", undefined);
        if (seconds === undefined || seconds < 0) throw new Error("seconds (>= 0) is required");
        return sendJson(res, 200, { offset_seconds: clock.advance(seconds), now: clock.nowSec() });
      }
      case "GET /__test/stats":
        return sendJson(res, 200, {
          ...structuredClone(stats),
          pending_faults: faults.reduce((n, f) => n + f.count, 0),
          clock_offset_seconds: clock.offsetSec(),
        });
      default:
        if (o.extraHooks && (await o.extraHooks(req, res, url))) return undefined;
        return sendJson(res, 404, { error: "not_found" });
    }
  }

  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!origin || !corsOrigins.has(origin)) return { vary: "Origin" };
    return {
      "access-control-allow-origin": origin,
      "access-control-expose-headers": "WWW-Authenticate",
      vary: "Origin",
    };
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const actualPort = server.address().port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
  return {
    server,
    port: actualPort,
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Origins allowed by CORS on the demo API: every redirect URI's origin plus `extra`. */
export function originsOf(redirectUris, extra = []) {
  const set = new Set(extra);
  for (const u of redirectUris) set.add(new URL(u).origin);
  return set;
}

/** Checks the registration options every emulator takes. */
export function checkClient({ clientId, clientSecret, redirectUris }, name) {
  if (!clientId || !clientSecret || !Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw new Error(`${name}: clientId, clientSecret and a non-empty redirectUris array are required`);
  }
  for (const u of redirectUris) new URL(u); // throws on a malformed URI
}

/**
 * The plain sign-in page: a form posting back to `action` with the authorization request carried
 * in hidden fields, `input[name=username]`, `input[name=password]`, one `button[type=submit]`,
 * and a Cancel link (`cancelHref`, when the provider has somewhere to send the user).
 */
export function signInPage({
  lang = "en",
  title,
  heading,
  intro = "",
  action,
  hidden = {},
  error,
  cancelHref,
  extraHtml = "",
  labels = {},
}) {
  const l = { username: "Username", password: "Password", submit: "Sign in", cancel: "Cancel", ...labels };
  const hiddenInputs = Object.entries(hidden)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n    ");
  return `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
  <h1>${escapeHtml(heading)}</h1>
  ${intro}
  ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
  <form method="post" action="${escapeHtml(action)}">
    ${hiddenInputs}
    <label>${escapeHtml(l.username)} <input type="text" name="username" autocomplete="username"></label>
    <label>${escapeHtml(l.password)} <input type="password" name="password" autocomplete="current-password"></label>
    <button type="submit">${escapeHtml(l.submit)}</button>
    ${cancelHref ? `<a class="cancel" href="${escapeHtml(cancelHref)}">${escapeHtml(l.cancel)}</a>` : ""}
  </form>
  ${extraHtml}
</body>
</html>
`;
}

/** An error page for requests that cannot be sent back to the client (RFC 6749 §4.1.2.1). */
export function errorPage(res, status, title, error, description) {
  sendHtml(
    res,
    status,
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p><code class="error">${escapeHtml(error)}</code>: ${escapeHtml(description)}</p></body></html>
`,
  );
}

/** The users: any username with a non-empty password signs in, except the password "wrong". */
export function checkPassword(username, password) {
  if (typeof username !== "string" || username.trim() === "") return false;
  if (typeof password !== "string" || password === "") return false;
  return password !== "wrong";
}

/** `redirectUri` with `params` appended (URLSearchParams, keeping the URI's own query). */
export function withQuery(redirectUri, params) {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.append(k, String(v));
  return u.toString();
}

/** A stable number derived from a string (demo data such as card numbers and balances). */
export function stableDigits(s, n) {
  const h = crypto.createHash("sha256").update(String(s)).digest();
  let out = "";
  for (let i = 0; out.length < n; i++) out += String(h[i % h.length] % 10);
  return out;
}
