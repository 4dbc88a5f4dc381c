#!/usr/bin/env node
// A local OAuth 2.0 / OpenID Connect authorization server for the demo and the end-to-end tests.
//
// It is node-oidc-provider (a certified OpenID Provider), configured for oauth-edge:
// - the built-in development sign-in page (any username and password signs in), no consent screen;
// - one confidential client per entry of `clients` (client_secret_basic or client_secret_post),
//   authorization code + PKCE (S256, required), refresh tokens with rotation, RFC 7009 revocation,
//   RFC 9207 `iss` in the authorization response, userinfo with `sub` and `name`;
// - a protected demo API, GET /api/hello (Bearer access token), with CORS for the app origins;
// - with `testHooks`, fault injection in front of the token endpoint and counters (/__test/*).
//
// Library:  const idp = await startIdp({ clients: [{ client_id, client_secret, redirect_uris }] });
// CLI:      node tests/idp/server.mjs --port 9010 --client-id demo --client-secret s3cret \
//             --redirect-uri http://127.0.0.1:8787/callback [--app-origin http://127.0.0.1:8787] \
//             [--access-token-ttl 60] [--test-hooks]
//           prints "IDP_READY http://127.0.0.1:9010" once it listens.

import * as crypto from "node:crypto";
import * as http from "node:http";
import * as querystring from "node:querystring";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

import { createStore } from "./memory-store.mjs";

const SCOPES = ["openid", "profile", "offline_access"];
const TOKEN_PATH = "/token";
const REVOCATION_PATH = "/token/revocation";
const USERINFO_PATH = "/me";

/** "alice" -> "Alice": the display name the userinfo endpoint answers for a username. */
export function displayNameFor(username) {
  return username.charAt(0).toUpperCase() + username.slice(1);
}

function normalizeClient(c) {
  if (!c?.client_id || !c.client_secret || !Array.isArray(c.redirect_uris) || c.redirect_uris.length === 0) {
    throw new Error("each client needs client_id, client_secret and a non-empty redirect_uris array");
  }
  return {
    application_type: "web",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic", // client_secret_post is accepted as well
    post_logout_redirect_uris: [],
    ...c,
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function intParam(url, name, fallback) {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return fallback;
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n)) throw new Error(`${name} must be an integer`);
  return n;
}

/**
 * Start the IdP.
 * @param {object} opts
 * @param {number} [opts.port=0]            0 picks a free port
 * @param {string} [opts.host="127.0.0.1"]
 * @param {Array<{client_id:string, client_secret:string, redirect_uris:string[]}>} opts.clients
 * @param {string[]} [opts.appOrigins]       extra origins allowed to call /api/* from a browser
 *                                           (the origins of every redirect URI are always allowed)
 * @param {number} [opts.accessTokenTtl=300] seconds
 * @param {number} [opts.refreshTokenTtl=86400] seconds
 * @param {boolean} [opts.testHooks=false]   enable /__test/* (fault injection, counters)
 * @param {boolean} [opts.quiet=true]        hide oidc-provider's development-only warnings
 * @param {boolean} [opts.requirePar=false] refuse authorization requests that were not pushed (RFC 9126)
 * @param {"off"|"on"|"nonce"} [opts.dpop="off"] DPoP (RFC 9449): "on" binds every token to the
 *                                           client's proof key (clients get dpop_bound_access_tokens);
 *                                           "nonce" also demands server nonces (§8)
 * @param {boolean} [opts.backchannelLogout=false] OpenID Connect Back-Channel Logout (clients give
 *                                           `backchannel_logout_uri`; ID tokens then carry `sid`)
 * @param {"RS256"|"PS256"|"ES256"|"EdDSA"} [opts.idTokenAlg="RS256"] the ID-token signing algorithm
 *                                           (a fresh key of its type; every client signs with it)
 * @returns {Promise<{issuer:string, port:number, url:string, close:() => Promise<void>, provider:Provider,
 *                    store:object, stats:() => object}>}
 */
export async function startIdp({
  port = 0,
  host = "127.0.0.1",
  clients,
  appOrigins = [],
  accessTokenTtl = 300,
  refreshTokenTtl = 24 * 60 * 60,
  testHooks = false,
  quiet = true,
  idTokenAlg = "RS256",
  requirePar = false,
  backchannelLogout = false,
  dpop = "off",
} = {}) {
  if (!Array.isArray(clients) || clients.length === 0) throw new Error("startIdp: clients is required");
  const clientList = clients.map(normalizeClient).map((c) => ({
    id_token_signed_response_alg: idTokenAlg,
    ...(dpop === "off" ? {} : { dpop_bound_access_tokens: true }),
    ...c,
  }));

  const allowedOrigins = new Set(appOrigins);
  for (const c of clientList) for (const u of c.redirect_uris) allowedOrigins.add(new URL(u).origin);

  let provider; // created once the port is known (the issuer carries it)
  let providerHandler;
  const store = createStore();
  const stats = newStats();
  const faults = []; // queued token-endpoint faults, in order

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://idp.invalid");
    if (url.pathname.startsWith("/api/")) {
      handleApi(req, res, url).catch((err) => sendJson(res, 500, { error: "server_error", message: String(err) }));
      return;
    }
    if (testHooks && url.pathname.startsWith("/__test/")) {
      handleTestHook(req, res, url).catch((err) => sendJson(res, 400, { error: "bad_request", message: err.message }));
      return;
    }
    if (url.pathname === "/healthz") {
      sendJson(res, 200, { ok: true });
      return;
    }
    providerHandler(req, res);
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;
  const issuer = `http://${hostForUrl}:${actualPort}`;

  // A fresh signing key per run (the built-in development keys are public).
  const { privateKey } =
    idTokenAlg === "ES256"
      ? crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
      : idTokenAlg === "EdDSA"
        ? crypto.generateKeyPairSync("ed25519")
        : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: crypto.randomUUID(), use: "sig", alg: idTokenAlg };

  if (quiet) silenceDevWarnings();
  // Imported here so the warning filter is in place before oidc-provider's import-time check.
  const { default: Provider } = await import("oidc-provider");
  provider = new Provider(issuer, {
    adapter: store.Adapter,
    clients: clientList,
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString("base64url")] },
    scopes: SCOPES,
    claims: { openid: ["sub"], profile: ["name", "preferred_username"] },
    responseTypes: ["code"],
    pkce: { required: () => true }, // v9 knows only S256; "plain" is rejected
    features: {
      devInteractions: { enabled: true },
      // RFC 7009 / RFC 7662: a client may revoke or introspect only its own tokens.
      revocation: { enabled: true, allowedPolicy: ownTokensOnly },
      introspection: { enabled: true, allowedPolicy: ownTokensOnly },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: requirePar },
      backchannelLogout: { enabled: backchannelLogout },
      dPoP: {
        enabled: true,
        ...(dpop === "nonce" ? { nonceSecret: crypto.randomBytes(32), requireNonce: () => true } : {}),
      },
    },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: displayNameFor(id), preferred_username: id };
        },
      };
    },
    // No consent screen: the grant holds whatever the client asked for (incl. offline_access).
    async loadExistingGrant(ctx) {
      const { client, session, params } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== session.accountId) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      }
      const requested = String(params.scope ?? "")
        .split(" ")
        .filter((s) => SCOPES.includes(s));
      if (requested.length) grant.addOIDCScope(requested.join(" "));
      await grant.save();
      return grant;
    },
    // Refresh tokens for every client allowed the grant type, even without offline_access:
    // oidc-provider drops offline_access from the request unless prompt=consent is also sent
    // (OIDC Core 11), so the token response's scope reads "openid profile" either way.
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed("refresh_token");
    },
    // ...and they outlive the IdP's browser session (as offline_access ones would).
    async expiresWithSession() {
      return false;
    },
    // Its own outgoing calls (back-channel logout) go to loopback relays in the tests, which
    // its SSRF guard (a dispatcher refusing special-use addresses) would refuse.
    fetch: (url, { dispatcher: _guard, ...options }) => globalThis.fetch(url, options),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      RefreshToken: refreshTokenTtl,
    },
    // Errors that cannot go back to the client (bad client_id / redirect_uri) as a plain page.
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body =
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign-in error</title></head><body>' +
        `<h1>Sign-in error</h1><p><code>${escapeHtml(out.error)}</code>: ${escapeHtml(out.error_description ?? "")}</p>` +
        "</body></html>";
    },
    clientBasedCORS(_ctx, origin) {
      return allowedOrigins.has(origin);
    },
  });

  provider.use(autoConsentMiddleware);
  if (testHooks) provider.use(countingMiddleware);
  if (testHooks) provider.use(tokenHooksMiddleware);
  providerHandler = provider.callback();

  // ---------------------------------------------------------------- consent never blocks (Koa)
  // loadExistingGrant already grants what was asked, but an explicit prompt=consent still forces
  // the consent prompt; answer it here instead of rendering the dev "Authorize" page.
  async function autoConsentMiddleware(ctx, next) {
    if (ctx.method !== "GET" || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      return next(); // no or expired interaction: let oidc-provider render its error
    }
    if (details.prompt.name !== "consent") return next();
    const {
      prompt: { details: missing },
      grantId,
      session,
      params,
    } = details;
    let grant = grantId ? await provider.Grant.find(grantId) : undefined;
    if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scope] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scope.join(" "));
      }
    }
    const redirectTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      {
        consent: { grantId: await grant.save() },
      },
      { mergeWithLastSubmission: true },
    );
    ctx.status = 303;
    ctx.redirect(redirectTo);
    return undefined;
  }

  // ---------------------------------------------------------------- counters (Koa)
  async function countingMiddleware(ctx, next) {
    if (ctx.method === "POST" && ctx.path === REVOCATION_PATH) {
      stats.revocations += 1;
    } else if (ctx.path === USERINFO_PATH && (ctx.method === "GET" || ctx.method === "POST")) {
      stats.userinfo += 1;
    }
    return next();
  }

  // ---------------------------------------------------------------- token-endpoint hooks (Koa)
  async function tokenHooksMiddleware(ctx, next) {
    if (ctx.method !== "POST" || ctx.path !== TOKEN_PATH) return next();

    // Read the form first so the fault can match on grant_type; oidc-provider then parses it from
    // ctx.req.body (it warns once that an upstream parser was used).
    const raw = await readBody(ctx.req);
    ctx.req.body = raw;
    const grantType = String(querystring.parse(raw).grant_type ?? "");
    stats.token.total += 1;
    stats.token.by_grant_type[grantType] = (stats.token.by_grant_type[grantType] ?? 0) + 1;

    const i = faults.findIndex((f) => !f.grantType || f.grantType === grantType);
    if (i !== -1) {
      const fault = faults[i];
      fault.count -= 1;
      if (fault.count <= 0) faults.splice(i, 1);
      stats.token.injected += 1;
      if (fault.kind === "delay") {
        let gone = false;
        ctx.res.once("close", () => {
          gone = true;
        });
        await new Promise((r) => setTimeout(r, fault.ms));
        // By default a request is processed after its delay even when its client has given up (a
        // slow provider that finishes anyway: a refresh token is rotated though no one got the
        // answer). With drop_if_gone=1 it is not (a provider that never got to it).
        if (gone && fault.dropIfGone) {
          stats.token.dropped += 1;
          return undefined;
        }
      } else {
        applyFault(ctx, fault);
        return undefined;
      }
    }
    await next();
    const status = ctx.status;
    stats.token.by_status[status] = (stats.token.by_status[status] ?? 0) + 1;
    return undefined;
  }

  function applyFault(ctx, fault) {
    ctx.set("cache-control", "no-store");
    if (fault.kind === "fail") {
      ctx.status = fault.status;
      if (fault.error) {
        ctx.type = "application/json";
        ctx.body = JSON.stringify({ error: fault.error, error_description: "injected by the test IdP" });
      } else {
        ctx.type = "text/html";
        ctx.body = `<html><body><h1>${fault.status}</h1>injected failure</body></html>`;
      }
      return;
    }
    // malformed
    ctx.status = 200;
    ctx.type = "application/json";
    switch (fault.mode) {
      case "not-json":
        ctx.body = "<html>this is not JSON</html>";
        break;
      case "no-access-token":
        ctx.body = JSON.stringify({ token_type: "Bearer", expires_in: 300 });
        break;
      case "wrong-token-type":
        ctx.body = JSON.stringify({ access_token: "x", token_type: "MAC", expires_in: 300 });
        break;
      default: // truncated
        ctx.body = '{"access_token": "abc", "token_type": "Bea';
    }
  }

  // ---------------------------------------------------------------- /__test/*
  async function handleTestHook(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    const grantType = url.searchParams.get("grant_type") || undefined;
    switch (route) {
      case "POST /__test/fail-token": {
        const status = intParam(url, "status", 500);
        const count = intParam(url, "count", 1);
        const error = url.searchParams.get("error") || undefined;
        faults.push({ kind: "fail", status, count, error, grantType });
        return sendJson(res, 200, { queued: faults.length });
      }
      case "POST /__test/malformed-token": {
        const count = intParam(url, "count", 1);
        const mode = url.searchParams.get("mode") || "truncated";
        if (!["truncated", "not-json", "no-access-token", "wrong-token-type"].includes(mode)) {
          throw new Error(`unknown mode ${mode}`);
        }
        faults.push({ kind: "malformed", mode, count, grantType });
        return sendJson(res, 200, { queued: faults.length });
      }
      case "POST /__test/delay-token": {
        const ms = intParam(url, "ms", 1000);
        const count = intParam(url, "count", 1);
        const dropIfGone = url.searchParams.get("drop_if_gone") === "1";
        faults.push({ kind: "delay", ms, count, grantType, dropIfGone });
        return sendJson(res, 200, { queued: faults.length });
      }
      case "POST /__test/revoke-grants": {
        const sub = url.searchParams.get("sub") || undefined;
        return sendJson(res, 200, { revoked: store.revokeGrants({ accountId: sub }) });
      }
      case "POST /__test/revoke-access-tokens":
        return sendJson(res, 200, { revoked: store.revokeAccessTokens() });
      case "GET /__test/stats":
        return sendJson(res, 200, { ...structuredClone(stats), pending_faults: faults.length });
      case "POST /__test/reset":
        faults.length = 0;
        Object.assign(stats, newStats());
        return sendJson(res, 200, { reset: true });
      default:
        return sendJson(res, 404, { error: "not_found" });
    }
  }

  // ---------------------------------------------------------------- /api/* (protected demo API)
  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins.has(origin)) return { vary: "Origin" };
    return {
      "access-control-allow-origin": origin,
      "access-control-expose-headers": "WWW-Authenticate",
      vary: "Origin",
    };
  }

  async function handleApi(req, res, url) {
    const cors = corsHeaders(req);
    if (req.method === "OPTIONS") {
      if (!cors["access-control-allow-origin"]) {
        res.writeHead(403, { vary: "Origin" });
        res.end();
        return;
      }
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    if (url.pathname !== "/api/hello" || !["GET", "POST"].includes(req.method)) {
      sendJson(res, 404, { error: "not_found" }, cors);
      return;
    }
    const unauthorized = (error = "invalid_token") => {
      stats.api.unauthorized += 1;
      const challenge =
        error === "invalid_request" ? `Bearer realm="${issuer}"` : `Bearer realm="${issuer}", error="${error}"`;
      sendJson(res, 401, { error }, { ...cors, "www-authenticate": challenge });
    };
    const m = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/.exec(req.headers.authorization ?? "");
    if (!m) return unauthorized("invalid_request");
    const token = await provider.AccessToken.find(m[2]);
    if (!token || token.isExpired) return unauthorized();
    // A DPoP-bound token (RFC 9449 §7): only with the DPoP scheme and a proof of the bound key
    // for this very request and token.
    if (token.jkt || m[1] === "DPoP") {
      if (m[1] !== "DPoP" || !token.jkt || !validDpopProof(req, url, m[2], token.jkt)) return unauthorized();
      stats.api.dpop += 1;
    }
    const grant = token.grantId ? await provider.Grant.find(token.grantId) : undefined;
    if (!grant) return unauthorized();
    stats.api.ok += 1;
    sendJson(
      res,
      200,
      {
        message: `Hello, ${token.accountId}`,
        sub: token.accountId,
        name: displayNameFor(token.accountId),
        scope: token.scope,
        client_id: token.clientId,
        at: new Date().toISOString(),
      },
      cors,
    );
  }

  // Count the other endpoints the tests care about (all modes; cheap).
  provider.on("grant.revoked", () => {
    stats.grants_revoked += 1;
  });
  provider.on("userinfo.error", () => {
    stats.userinfo_errors += 1;
  });
  provider.on("server_error", (_ctx, err) => {
    if (!quiet) console.error("idp server_error:", err);
  });

  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  return {
    issuer,
    port: actualPort,
    url: issuer,
    provider,
    store,
    // The ID-token signing key (tests that forge or tamper with ID tokens sign with it).
    signing: { alg: idTokenAlg, kid: jwk.kid, privateKey },
    stats: () => structuredClone(stats),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A DPoP proof (RFC 9449 §4.3) for `req` and `accessToken` by the key whose thumbprint is `jkt`. */
function validDpopProof(req, url, accessToken, jkt) {
  const b64u = (b) => Buffer.from(b).toString("base64url");
  try {
    const [h, p, s] = String(req.headers.dpop ?? "").split(".");
    const header = JSON.parse(Buffer.from(h, "base64url"));
    const claims = JSON.parse(Buffer.from(p, "base64url"));
    if (header.typ !== "dpop+jwt" || header.alg !== "ES256" || header.jwk?.d) return false;
    const key = crypto.createPublicKey({ key: header.jwk, format: "jwk" });
    const signed = crypto.verify(
      "sha256",
      Buffer.from(`${h}.${p}`),
      { key, dsaEncoding: "ieee-p1363" },
      Buffer.from(s, "base64url"),
    );
    const { crv, kty, x, y } = header.jwk;
    const thumbprint = b64u(crypto.createHash("sha256").update(JSON.stringify({ crv, kty, x, y })).digest());
    const host = req.headers.host;
    return (
      signed &&
      thumbprint === jkt &&
      claims.htm === req.method &&
      claims.htu === `http://${host}${url.pathname}` &&
      claims.ath === b64u(crypto.createHash("sha256").update(accessToken).digest()) &&
      Math.abs(claims.iat - Date.now() / 1000) < 60 &&
      typeof claims.jti === "string"
    );
  } catch {
    return false;
  }
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function ownTokensOnly(_ctx, client, token) {
  return token.clientId === client.clientId;
}

function newStats() {
  return {
    token: { total: 0, by_grant_type: {}, by_status: {}, injected: 0, dropped: 0 },
    api: { ok: 0, unauthorized: 0, dpop: 0 },
    revocations: 0, // RFC 7009 requests
    userinfo: 0, // userinfo requests
    grants_revoked: 0,
    userinfo_errors: 0,
  };
}

// oidc-provider prints development-only warnings that are expected here: one at construction (the
// dev interactions) and one at the first token request with test hooks on (the hooks read the form
// body before it). Only those two are dropped; the filter stays installed for the process.
// oidc-provider 9 also warns at import that Node 20 is not a supported LTS ("Jod" = 22 or later);
// it runs on Node 20 here (tests/idp/idp.test.mjs proves the flows), so that one is dropped too.
const EXPECTED_WARNINGS =
  /oidc-provider WARNING: (a quick start development-only feature devInteractions|already parsed request body|Unsupported runtime)/;
let warningFilterInstalled = false;
function silenceDevWarnings() {
  if (!warningFilterInstalled) {
    warningFilterInstalled = true;
    const original = console.warn;
    console.warn = (...args) => {
      if (EXPECTED_WARNINGS.test(args.map(String).join(" "))) return;
      original(...args);
    };
  }
}

// ------------------------------------------------------------------------------------------- CLI
async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "app-origin": { type: "string", multiple: true },
      "access-token-ttl": { type: "string", default: "300" },
      "refresh-token-ttl": { type: "string", default: "86400" },
      "test-hooks": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || !values["client-id"] || !values["client-secret"] || !values["redirect-uri"]?.length) {
    console.error(
      "usage: node tests/idp/server.mjs --client-id ID --client-secret SECRET --redirect-uri URI [--redirect-uri URI]\n" +
        "         [--port 9010] [--host 127.0.0.1] [--app-origin ORIGIN]... [--access-token-ttl 300]\n" +
        "         [--refresh-token-ttl 86400] [--test-hooks] [--verbose]",
    );
    process.exit(values.help ? 0 : 2);
  }
  const idp = await startIdp({
    port: Number(values.port),
    host: values.host,
    clients: [
      {
        client_id: values["client-id"],
        client_secret: values["client-secret"],
        redirect_uris: values["redirect-uri"],
      },
    ],
    appOrigins: values["app-origin"] ?? [],
    accessTokenTtl: Number(values["access-token-ttl"]),
    refreshTokenTtl: Number(values["refresh-token-ttl"]),
    testHooks: values["test-hooks"],
    quiet: !values.verbose,
  });
  console.log(`IDP_READY ${idp.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await idp.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
