// The built Worker (edge-worker/build) under Miniflare with a real local KV namespace and its
// Durable Objects, as every Worker suite starts it (edge-worker/tests/, tests/attacks/,
// tests/oidc/, tests/edge-scale/); requests as the app's page (or the browser, for navigations)
// would send them; the sealing format to read and plant KV values. (Not a test file: node --test
// runs only *.test.mjs.)
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Miniflare } from "miniflare";

import { answer, rememberRequest } from "./http.mjs";
import { captureMiniflare, rememberBindings, rememberSecret } from "./log-ledger.mjs";
import { pkcePair, signIn } from "./oauth-http.mjs";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BUILD = join(ROOT, "edge-worker/build");
export const APP = "http://localhost:8787"; // the Worker's own origin (dispatchFetch URLs)
export const OTHER = "http://127.0.0.1:5173"; // listed in ALLOWED_ORIGINS
export const EVIL = "https://evil.example";
export const TX = "__Host-oauth-edge-tx";
export const SESSION = "__Host-oauth-edge-session";

/** The built Worker's directory (OAUTH_EDGE_WORKER_BUILD runs the suites against another build). */
export const WORKER_BUILD = process.env.OAUTH_EDGE_WORKER_BUILD ? resolve(process.env.OAUTH_EDGE_WORKER_BUILD) : BUILD;

/**
 * Miniflare options for the built Worker as wrangler.toml deploys it: KV `SESSIONS`, the Durable
 * Objects (SQLite-backed, persisted to a fresh temporary directory: an alarm firing on in-memory
 * DO storage has crashed workerd) and `bindings`. `cleanup()` removes the directory.
 */
export function workerOptions(bindings) {
  assert.ok(
    existsSync(join(WORKER_BUILD, "index.js")),
    `${WORKER_BUILD}/index.js is missing: run scripts/build-worker.sh first`,
  );
  const persist = mkdtempSync(join(tmpdir(), "oauth-edge-do-"));
  const options = {
    modules: true,
    scriptPath: join(WORKER_BUILD, "index.js"),
    modulesRoot: WORKER_BUILD,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["SESSIONS"],
    durableObjects: {
      RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
      CLIENT_TOKENS: { className: "ClientTokens", useSQLite: true },
      REFRESH_AUTHORITY: { className: "RefreshAuthority", useSQLite: true },
      SESSION_INDEX: { className: "SessionIndex", useSQLite: true },
    },
    durableObjectsPersist: persist,
    bindings,
    // The Worker's console output goes to the log ledger (tests/logs/no-secrets.check.mjs).
    handleRuntimeStdio: captureMiniflare,
  };
  rememberBindings(bindings);
  // An older build (OAUTH_EDGE_WORKER_BUILD, to show a test failing before its fix) has no objects.
  if (!readFileSync(join(WORKER_BUILD, "index.js"), "utf8").includes("RateLimiter")) {
    delete options.durableObjects;
    delete options.durableObjectsPersist;
  }
  return { options, cleanup: () => rmSync(persist, { recursive: true, force: true }) };
}

/**
 * Starts the Worker with `bindings` (PROVIDERS as an object; SESSION_KEY and ALLOWED_ORIGINS are
 * added; a binding given as undefined is left out; `sessionKey` is the raw 32-byte key, `kvPersist`
 * a directory to keep KV in, so that two Workers in turn can share it; `onOutput(stdout, stderr)`
 * also sees the Worker's console output). Returns request helpers bound to it.
 */
export async function startWorker(bindings, { sessionKey = randomBytes(32), kvPersist, onOutput } = {}) {
  const all = { SESSION_KEY: sessionKey.toString("base64"), ALLOWED_ORIGINS: OTHER, ...bindings };
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  const { options, cleanup } = workerOptions(all);
  if (kvPersist) options.kvPersist = kvPersist;
  if (onOutput) {
    options.handleRuntimeStdio = (stdout, stderr) => {
      captureMiniflare(stdout, stderr);
      onOutput(stdout, stderr);
    };
  }
  const mf = new Miniflare(options);
  const kv = await mf.getKVNamespace("SESSIONS");

  /** A request as the app's page sends it (custom header, own Origin, JSON), or as told. */
  async function call(path, { body, cookie, origin = APP, csrf = true, method = "POST", headers = {} } = {}) {
    const h = { ...headers };
    if (csrf) h["X-OAuth-Edge"] = "1";
    if (origin) h.Origin = origin;
    if (cookie) h.Cookie = cookie;
    if (body !== undefined && !h["Content-Type"]) h["Content-Type"] = "application/json";
    rememberRequest(body);
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
      body: {
        code: cb.searchParams.get(codeParam),
        state: cb.searchParams.get("state"),
        code_verifier: tx.verifier,
        // RFC 9207: what a browser's callback page sends on, when the provider sent it.
        ...(cb.searchParams.get("iss") ? { iss: cb.searchParams.get("iss") } : {}),
      },
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
    const rec = sealed === null ? null : open(sealed, sessionKey, PURPOSE.session, kvKey);
    rememberSecret("refresh_token", rec?.refresh_token);
    rememberSecret("access_token", rec?.access_token);
    return rec;
  }

  async function plantSession(rec) {
    const id = randomBytes(32).toString("base64url");
    await kv.put(kvKeyOf(id), seal(rec, sessionKey, PURPOSE.session, kvKeyOf(id)));
    return { id, cookie: `${SESSION}=${id}`, kvKey: kvKeyOf(id) };
  }

  return {
    mf,
    kv,
    sessionKey,
    call,
    navigate,
    api,
    begin,
    codeLogin,
    session,
    record,
    plantSession,
    close: async () => {
      await mf.dispose();
      cleanup();
    },
  };
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

// The sealing format (edge-worker/src/seal.rs), written here independently from its description:
// base64url(0x02 ‖ key id[4] ‖ nonce[12] ‖ ciphertext ‖ tag[16]), AES-256-GCM under a subkey per
// purpose (HKDF-SHA-256, salt "oauth-edge seal", info = the purpose label), associated data =
// label ‖ 0 ‖ location ‖ 0 ‖ the 5 header bytes.
export const PURPOSE = {
  session: "oauth-edge/session/v2",
  tx: "oauth-edge/tx/v2",
  clientToken: "oauth-edge/client-token/v2",
};
const SALT = Buffer.from("oauth-edge seal");
const derive = (root, info, length) => Buffer.from(hkdfSync("sha256", root, SALT, Buffer.from(info), length));
export const keyId = (root) => derive(root, "oauth-edge/key-id", 4);
const aadOf = (label, location, header) =>
  Buffer.concat([Buffer.from(label), Buffer.from([0]), Buffer.from(location), Buffer.from([0]), header]);

export function open(sealed, root, label, location) {
  const bytes = Buffer.from(sealed, "base64url");
  assert.equal(bytes[0], 2, "sealed value version");
  const header = bytes.subarray(0, 5);
  assert.deepEqual(header.subarray(1), keyId(root), "sealed under another key");
  const d = createDecipheriv("aes-256-gcm", derive(root, label, 32), bytes.subarray(5, 17));
  d.setAAD(aadOf(label, location, header));
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  return JSON.parse(Buffer.concat([d.update(bytes.subarray(17, bytes.length - 16)), d.final()]).toString());
}

export function seal(value, root, label, location) {
  const header = Buffer.concat([Buffer.from([2]), keyId(root)]);
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", derive(root, label, 32), nonce);
  c.setAAD(aadOf(label, location, header));
  const body = Buffer.concat([c.update(JSON.stringify(value)), c.final()]);
  return Buffer.concat([header, nonce, body, c.getAuthTag()]).toString("base64url");
}

export const nowSec = () => Math.floor(Date.now() / 1000);
