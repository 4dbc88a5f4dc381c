// Shared plumbing of the Worker's provider tests (not a test file: node --test runs *.test.mjs).
// The built Worker (edge-worker/build) under Miniflare with a real local KV namespace; requests as
// the app's page (or the browser, for navigations) would send them; the sealing format to read
// and plant KV values.
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Miniflare } from "miniflare";

import { signIn } from "../../tests/providers/helpers.mjs";
import { pkcePair } from "../../tests/support/oauth-http.mjs";

export { pkcePair, signIn };

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BUILD = join(ROOT, "edge-worker/build");
export const APP = "http://localhost:8787"; // the Worker's own origin (dispatchFetch URLs)
export const OTHER = "http://127.0.0.1:5173"; // listed in ALLOWED_ORIGINS
export const EVIL = "https://evil.example";
export const TX = "__Host-oauth-edge-tx";
export const SESSION = "__Host-oauth-edge-session";

/**
 * Starts the Worker with `bindings` (PROVIDERS as an object; SESSION_KEY and ALLOWED_ORIGINS are
 * added). Returns request helpers bound to it.
 */
export async function startWorker(bindings) {
  assert.ok(existsSync(join(BUILD, "index.js")), "edge-worker/build/index.js is missing: run scripts/build-worker.sh first");
  const sessionKey = randomBytes(32);
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(BUILD, "index.js"),
    modulesRoot: BUILD,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["SESSIONS"],
    bindings: { SESSION_KEY: sessionKey.toString("base64"), ALLOWED_ORIGINS: OTHER, ...bindings },
  });
  const kv = await mf.getKVNamespace("SESSIONS");

  /** A request as the app's page sends it (custom header, own Origin, JSON), or as told. */
  async function call(path, { body, cookie, origin = APP, csrf = true, method = "POST", headers = {} } = {}) {
    const h = { ...headers };
    if (csrf) h["X-OAuth-Edge"] = "1";
    if (origin) h.Origin = origin;
    if (cookie) h.Cookie = cookie;
    if (body !== undefined && !h["Content-Type"]) h["Content-Type"] = "application/json";
    const res = await mf.dispatchFetch(path.startsWith("http") ? path : `${APP}${path}`, {
      method,
      headers: h,
      redirect: "manual",
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return answer(res);
  }

  /** A top-level navigation (the provider's redirect): GET, cookies only, no custom header, no Origin. */
  function navigate(url, { cookie } = {}) {
    return call(url, { method: "GET", cookie, origin: null, csrf: false });
  }

  /** A call through the API proxy as a same-origin page's fetch sends it (GET: no Origin). */
  function api(path, { cookie, method = "GET", body, headers = {}, origin, csrf = true } = {}) {
    const o = origin === undefined ? (method === "GET" ? null : APP) : origin;
    return call(path, { method, cookie, body, headers, origin: o, csrf });
  }

  /** A whole code login: /auth/login, the user at the provider's page, /auth/token. */
  async function codeLogin({ provider, username = "alice", password = "pw", variant, codeParam = "code" } = {}) {
    const tx = await begin({ provider, variant });
    const signedIn = await signIn(tx.res.json.authorization_url, { username, password });
    assert.equal(signedIn.status, 302, `sign-in: ${signedIn.status} ${signedIn.html?.slice(0, 200)}`);
    const cb = signedIn.location;
    const res = await call("/auth/token", {
      cookie: tx.txCookie,
      body: { code: cb.searchParams.get(codeParam), state: cb.searchParams.get("state"), code_verifier: tx.verifier },
    });
    assert.equal(res.status, 200, res.text);
    return session(res);
  }

  /** POST /auth/login with fresh browser values. */
  async function begin(extra = {}) {
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(32).toString("base64url");
    const body = { state, code_challenge: challenge };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) body[k] = v;
    const res = await call("/auth/login", { body });
    assert.equal(res.status, 200, res.text);
    return { res, state, verifier, challenge, txCookie: `${TX}=${res.cookies[TX].value}` };
  }

  /** The session a successful answer started: its cookie, KV key, and the sealed record opened. */
  function session(res) {
    const id = res.cookies[SESSION]?.value;
    assert.ok(id, `no session cookie in ${res.text}`);
    return { res, view: res.json, id, cookie: `${SESSION}=${id}`, kvKey: kvKeyOf(id) };
  }

  async function record(kvKey) {
    const sealed = await kv.get(kvKey);
    return sealed === null ? null : open(sealed, sessionKey, SESSION_AAD);
  }

  async function plantSession(rec) {
    const id = randomBytes(32).toString("base64url");
    await kv.put(kvKeyOf(id), seal(rec, sessionKey, SESSION_AAD));
    return { id, cookie: `${SESSION}=${id}`, kvKey: kvKeyOf(id) };
  }

  return {
    mf, kv, sessionKey, call, navigate, api, begin, codeLogin, session, record, plantSession,
    close: () => mf.dispose(),
  };
}

export async function answer(res) {
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text, cookies: setCookies(res) };
}

/** Set-Cookie lines by cookie name: { value, attrs (lower-cased), line }. */
export function setCookies(res) {
  const out = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const i = pair.indexOf("=");
    out[pair.slice(0, i)] = { value: pair.slice(i + 1), attrs: attrs.map((a) => a.toLowerCase()), line };
  }
  return out;
}

export function assertCleared(cookie, name) {
  assert.ok(cookie, `${name} is not cleared`);
  assert.equal(cookie.value, "");
  assert.ok(cookie.attrs.includes("max-age=0"), cookie.line);
}

export function maxAge(cookie) {
  const a = cookie.attrs.find((x) => x.startsWith("max-age="));
  return a === undefined ? undefined : Number(a.slice("max-age=".length));
}

export function kvKeyOf(sessionId) {
  return `session:${createHash("sha256").update(sessionId).digest("base64url")}`;
}

// The sealing format (edge-worker/src/seal.rs): base64url(nonce[12] ‖ ciphertext ‖ tag[16]),
// AES-256-GCM, associated data = the purpose.
export const SESSION_AAD = Buffer.from("oauth-edge/session/v1");
export const CLIENT_TOKEN_AAD = Buffer.from("oauth-edge/client-token/v1");

export function open(sealed, key, aad) {
  const bytes = Buffer.from(sealed, "base64url");
  const d = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  return JSON.parse(Buffer.concat([d.update(bytes.subarray(12, bytes.length - 16)), d.final()]).toString());
}

export function seal(value, key, aad) {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(JSON.stringify(value)), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]).toString("base64url");
}

export async function emulatorHook(emulator, pathAndQuery, method = "POST") {
  const res = await fetch(new URL(pathAndQuery, emulator.url), { method });
  const body = await res.json();
  assert.equal(res.status, 200, `${pathAndQuery}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export const nowSec = () => Math.floor(Date.now() / 1000);
