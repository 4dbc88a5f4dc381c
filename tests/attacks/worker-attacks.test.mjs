// The attack suite (issue 6): the built Worker under workerd (Miniflare, real KV and Durable
// Objects) as a script sees it — curl-style requests that set any header, any Origin, any cookie,
// with no browser protection in the way — against a real authorization server (oidc-provider)
// and the plain SSO emulator. Each test names the finding of issue 6 or the RFC 9700 / RFC 6819
// section it covers; the README's "Security" table points here.
//
//   scripts/build-worker.sh && node --test tests/attacks/
//   OAUTH_EDGE_WORKER_BUILD=<an older build>  runs the same tests against it (to see them fail)
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { startIdp } from "../idp/server.mjs";
import { startPlainSso } from "../providers/plain-sso.mjs";
import { hook } from "../support/http.mjs";
import { signIn, signInAtIdp } from "../support/oauth-http.mjs";
import { APP, EVIL, PURPOSE, SESSION, TX, assertCleared, kvKeyOf, seal, startWorker } from "../support/worker.mjs";
import { discover, standardProvider } from "../support/stack.mjs";

const CLIENT_ID = "attack-test";
const CLIENT_SECRET = randomBytes(24).toString("base64url");
const REDIRECT_URI = `${APP}/callback`;
const SSO_CALLBACK = `${APP}/auth/callback/sso`;
const AUTH_BODY_LIMIT = 2048;
const API_BODY_LIMIT = 8192;

let idp;
let sso;
let w;
let bindings;

before(async () => {
  idp = await startIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
    testHooks: true,
  });
  sso = await startPlainSso({ clientId: "sso-client", redirectUris: [SSO_CALLBACK], testHooks: true });
  const meta = await discover(idp.issuer);
  bindings = {
    PROVIDERS: {
      default: {
        ...standardProvider(meta, { clientId: CLIENT_ID, redirectUri: REDIRECT_URI }),
        api: { base_url: `${idp.issuer}/api/`, methods: ["GET", "POST"] },
      },
      sso: {
        profile: "plain-sso",
        authorization_endpoint: sso.endpoints.login,
        token_endpoint: sso.endpoints.token,
        registration_endpoint: sso.endpoints.register,
        client_id: "sso-client",
        redirect_uri: SSO_CALLBACK,
        allow_password_grant: true,
      },
    },
    CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    AUTH_BODY_LIMIT_BYTES: String(AUTH_BODY_LIMIT),
    API_BODY_LIMIT_BYTES: String(API_BODY_LIMIT),
    RATE_LIMITS: JSON.stringify({
      login_per_user: { max: 3, window_seconds: 60 },
      login_per_ip: { max: 8, window_seconds: 60 },
    }),
  };
  w = await startWorker(bindings);
});

after(async () => {
  await w?.close();
  await idp?.close();
  await sso?.close();
});

const idpStats = () => hook(idp.issuer, "/__test/stats");
const ssoStats = () => hook(sso, "/__test/stats", "GET");
const kvSnapshot = async () => (await w.kv.list()).keys.map((k) => k.name).sort();

/** A whole login at the real authorization server; the session and the stored record. */
async function logIn(username = "alice", { cookie } = {}) {
  const tx = await w.begin();
  const cb = await signInAtIdp(tx.res.json.authorization_url, { username });
  const res = await w.call("/auth/token", {
    cookie: [tx.txCookie, cookie].filter(Boolean).join("; "),
    body: {
      code: cb.searchParams.get("code"),
      state: cb.searchParams.get("state"),
      code_verifier: tx.verifier,
      iss: cb.searchParams.get("iss"),
    },
  });
  assert.equal(res.status, 200, res.text);
  const s = w.session(res);
  // The stored record, opened with the test's copy of the sealing format (only when a test asks:
  // an older build, run to show these tests failing before their fixes, seals differently).
  return { ...s, tx, record: () => w.record(s.kvKey) };
}

/** The refresh token grant sent straight to the authorization server, as the Worker would. */
async function idpRefresh(refreshToken) {
  const res = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
  });
  return { status: res.status, json: await res.json() };
}

const STATE_CHANGING = [
  ["/auth/login", { state: "s".repeat(43), code_challenge: "c".repeat(43) }],
  ["/auth/token", { code: "x", state: "s".repeat(43), code_verifier: "v".repeat(43) }],
  ["/auth/session", {}],
  ["/auth/refresh", {}],
  ["/auth/logout", {}],
  ["/auth/password", { provider: "sso", username: "csrf-victim", password: "pw" }],
  ["/auth/register", { provider: "sso", username: "csrf-victim", password: "pw" }],
  ["/api/default/hello", {}],
];

describe("CSRF and CORS (RFC 9700 §4.4.1, RFC 6819 §4.4.1.8): browser-only defences, refused before any work", () => {
  test("no header, a foreign Origin, Origin: null, text/plain, Sec-Fetch-Site: cross-site → 403, nothing stored or sent", async () => {
    const victim = await logIn("csrf-victim");
    const kvBefore = await kvSnapshot();
    const idpBefore = (await idpStats()).token.total;
    const ssoBefore = (await ssoStats()).token.total;
    const forgeries = [
      ["no X-OAuth-Edge", { csrf: false }, "csrf_header_missing"],
      ["foreign Origin", { origin: EVIL }, "origin_not_allowed"],
      ["Origin: null (sandboxed iframe, file:)", { origin: "null" }, "origin_not_allowed"],
      [
        "a form's text/plain, no header",
        { csrf: false, headers: { "Content-Type": "text/plain" } },
        "csrf_header_missing",
      ],
      ["cross-site fetch", { origin: EVIL, headers: { "Sec-Fetch-Site": "cross-site" } }, "origin_not_allowed"],
      ["sibling subdomain", { origin: "https://evil.localhost:8787" }, "origin_not_allowed"],
    ];
    for (const [path, body] of STATE_CHANGING) {
      for (const [what, opts, code] of forgeries) {
        const res = await w.call(path, { body, cookie: victim.cookie, ...opts });
        assert.equal(res.status, 403, `${path}, ${what}: ${res.text}`);
        assert.equal(res.json.code, code, `${path}, ${what}`);
        assert.equal(res.headers.get("access-control-allow-origin"), null);
        assert.deepEqual(Object.keys(res.cookies), [], `${path}, ${what} set a cookie`);
      }
    }
    assert.deepEqual(await kvSnapshot(), kvBefore, "a refused request wrote KV");
    assert.equal((await idpStats()).token.total, idpBefore, "a refused request reached the provider");
    assert.equal((await ssoStats()).token.total, ssoBefore, "a refused request reached the provider");
    // The refused password attempts were not even counted against the user (refused first).
    const ok = await w.call("/auth/session", { cookie: victim.cookie });
    assert.equal(ok.status, 200, ok.text);
  });

  test("a preflight from an unlisted origin gets no CORS grant", async () => {
    for (const path of ["/auth/token", "/api/default/hello"]) {
      const res = await w.call(path, {
        method: "OPTIONS",
        csrf: false,
        origin: EVIL,
        headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-oauth-edge" },
      });
      assert.equal(res.status, 403, path);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      assert.equal(res.headers.get("access-control-allow-credentials"), null);
    }
  });
});

describe("cookies (RFC 6265bis §4.1.3.2, issue 6 finding 2)", () => {
  test("every Set-Cookie is __Host-, Secure, HttpOnly, Path=/, without Domain", async () => {
    const lines = [];
    const s = await logIn("cookie-attrs");
    lines.push(...Object.values(s.tx.res.cookies), ...Object.values(s.res.cookies));
    const out = await w.call("/auth/logout", { cookie: s.cookie });
    lines.push(...Object.values(out.cookies));
    const tx = await w.begin({ provider: "sso" });
    const signedIn = await signIn(tx.res.json.authorization_url, { username: "cookie-sso" });
    const cb = await w.navigate(signedIn.location.href, { cookie: tx.txCookie });
    lines.push(...Object.values(tx.res.cookies), ...Object.values(cb.cookies));
    assert.ok(lines.length >= 7, `${lines.length} cookies seen`);
    for (const c of lines) {
      assert.match(c.line, /^__Host-oauth-edge-(session|tx)=/, c.line);
      for (const attr of ["secure", "httponly", "path=/"]) assert.ok(c.attrs.includes(attr), `${attr}: ${c.line}`);
      assert.ok(!c.attrs.some((a) => a.startsWith("domain")), c.line);
    }
  });

  test("a look-alike name planted by a sibling subdomain (\\u2000, \\u3000, \\u00a0 prefix) is not the session cookie", async () => {
    const attacker = await logIn("fixation-attacker");
    for (const space of ["\u2000", "\u3000", "\u00a0", "\u0085", "\t\u2000"]) {
      // The UTF-8 bytes a browser sends for a cookie name it was given (workerd reads them as UTF-8).
      const prefix = Buffer.from(space, "utf8").toString("latin1");
      const res = await w.call("/auth/session", { cookie: `${prefix}${SESSION}=${attacker.id}` });
      assert.equal(res.status, 204, `no session: ${JSON.stringify(space)}: ${res.text}`);
    }
  });

  test("two cookies with the session (or tx) name read as none: no fixation into the attacker's account", async () => {
    const attacker = await logIn("fixation-attacker-2");
    const victim = await logIn("fixation-victim");
    const both = `${SESSION}=${attacker.id}; ${SESSION}=${victim.id}`;
    const res = await w.call("/auth/session", { cookie: both });
    assert.equal(res.status, 204, `no session: ${res.text}`);
    // The same for the transaction cookie: a planted second tx cookie voids the login.
    const tx = await w.begin();
    const planted = await w.begin();
    const cb = await signInAtIdp(tx.res.json.authorization_url, { username: "fixation-victim" });
    const token = await w.call("/auth/token", {
      cookie: `${planted.txCookie}; ${tx.txCookie}`,
      body: {
        code: cb.searchParams.get("code"),
        state: cb.searchParams.get("state"),
        code_verifier: tx.verifier,
        iss: cb.searchParams.get("iss"),
      },
    });
    assert.equal(token.status, 400, token.text);
    assert.equal(token.json.code, "no_transaction");
  });

  test("session fixation: a login never adopts a session id the browser brought (RFC 6819 §4.2.4)", async () => {
    const fixed = randomBytes(32).toString("base64url");
    const s = await logIn("fixation-new", { cookie: `${SESSION}=${fixed}` });
    assert.notEqual(s.id, fixed);
    assert.equal(await w.kv.get(kvKeyOf(fixed)), null);
  });

  test("a replayed tx cookie redeems nothing more (RFC 9700 §4.5)", async () => {
    const first = await logIn("replay");
    const again = await w.begin();
    const cb = await signInAtIdp(again.res.json.authorization_url, { username: "replay" });
    // The old login's cookie with a new code: its challenge does not match this code's.
    const res = await w.call("/auth/token", {
      cookie: first.tx.txCookie,
      body: { code: cb.searchParams.get("code"), state: first.tx.state, code_verifier: first.tx.verifier },
    });
    assert.notEqual(res.status, 200, res.text);
    assert.equal(res.cookies[SESSION], undefined);
  });
});

describe("sessions end for real (issue 6 finding 7, RFC 7009, RFC 9700 §4.14)", () => {
  test("logout: the old cookie is refused, both tokens are revoked at the provider, every cookie cleared", async () => {
    const s = await logIn("logout-user");
    const at = s.view.access_token;
    // (Read with this suite's copy of the sealing format; an older build's records do not open,
    // and its failure then shows at the access-token check below.)
    const rt = (await s.record().catch(() => null))?.refresh_token;
    const hello = (token) => fetch(`${idp.issuer}/api/hello`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await hello(at)).status, 200);
    const out = await w.call("/auth/logout", { cookie: `${s.cookie}; ${s.tx.txCookie}` });
    assert.equal(out.status, 200, out.text);
    assertCleared(out.cookies[SESSION], SESSION);
    const after = await w.call("/auth/session", { cookie: s.cookie });
    assert.equal(after.status, 204, "no session");
    assert.equal((await hello(at)).status, 401, "the access token outlived the logout");
    assertCleared(out.cookies[TX], TX);
    assert.ok(rt, "the test needs the session's refresh token");
    assert.equal((await idpRefresh(rt)).json.error, "invalid_grant", "the refresh token outlived the logout");
  });

  test("a login that replaces a session revokes the replaced session's tokens", async () => {
    const old = await logIn("relogin");
    const revocations = (await idpStats()).revocations;
    const fresh = await logIn("relogin", { cookie: old.cookie });
    assert.notEqual(fresh.id, old.id);
    assert.equal(await w.kv.get(old.kvKey), null);
    assert.equal((await idpStats()).revocations, revocations + 2, "refresh and access token revocations");
    const hello = await fetch(`${idp.issuer}/api/hello`, {
      headers: { authorization: `Bearer ${old.view.access_token}` },
    });
    assert.equal(hello.status, 401, "the replaced access token is still valid");
  });

  test("no answer ever carries a refresh token", async () => {
    const s = await logIn("no-rt");
    const rt = (await s.record()).refresh_token;
    const answers = [
      s.res,
      await w.call("/auth/session", { cookie: s.cookie }),
      await w.call("/auth/refresh", { cookie: s.cookie, body: {} }),
    ];
    const rt2 = (await w.record(s.kvKey)).refresh_token;
    answers.push(await w.api("/api/default/hello", { cookie: s.cookie }));
    for (const a of answers) {
      assert.ok(!a.text.includes(rt) && !a.text.includes(rt2), a.text);
      for (const [, v] of a.headers) assert.ok(!v.includes(rt) && !v.includes(rt2));
    }
  });
});

describe("forged logins and redirects (issue 6 findings 3 and 8)", () => {
  test("tokens typed into a genuine login's SSO callback make no session (finding 3)", async () => {
    const tx = await w.begin({ provider: "sso" });
    const signedIn = await signIn(tx.res.json.authorization_url, { username: "mallory" });
    const real = Object.fromEntries(signedIn.location.searchParams);
    const before = await kvSnapshot();
    for (const forged of [
      { access_token: "x", refresh_token: "y", expiration: "1900000000", user_id: "admin" },
      { user_id: "admin" }, // mallory's own real tokens, claiming another user
    ]) {
      const url = `${SSO_CALLBACK}?${new URLSearchParams({ ...real, ...forged })}`;
      const res = await w.navigate(url, { cookie: tx.txCookie });
      assert.equal(res.status, 303, res.text);
      assert.match(res.headers.get("location"), /^\/\?oauth_edge_error=/);
      assert.equal(res.cookies[SESSION], undefined, `a session for ${JSON.stringify(forged)}`);
    }
    assert.deepEqual(await kvSnapshot(), before, "a forged callback wrote KV");
  });

  test("returnTo /.//evil.example never becomes //evil.example (finding 8)", async () => {
    for (const returnTo of ["/.//evil.example", "/%2e//evil.example", "/a/..//evil.example"]) {
      const tx = await w.begin({ provider: "sso", return_to: returnTo });
      const signedIn = await signIn(tx.res.json.authorization_url, { username: "ret" });
      const res = await w.navigate(signedIn.location.href, { cookie: tx.txCookie });
      assert.equal(res.status, 303, res.text);
      assert.equal(res.headers.get("location"), "/", returnTo);
    }
  });
});

describe("scripted volume (issue 6 findings 4 and 5)", () => {
  test("password guessing: per user name across addresses, then per address across names → 429 with Retry-After", async () => {
    const before = (await ssoStats()).token.total;
    const pw = (username, ip, password = "wrong") =>
      w.call("/auth/password", { body: { provider: "sso", username, password }, headers: { "CF-Connecting-IP": ip } });
    for (let i = 0; i < 3; i++) assert.equal((await pw("target", `198.51.100.${i}`)).status, 401);
    const limited = await pw("target", "198.51.100.9", "pw"); // even the right password, from a new address
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.json.code, "rate_limited");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal((await ssoStats()).token.total, before + 3, "the limited attempt reached the provider");
    // One address trying many names (credential stuffing).
    const codes = [];
    for (let i = 0; i < 9; i++) codes.push((await pw(`user${i}`, "192.0.2.77")).status);
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 401, 401, 401, 429]);
    // Registration counts too (a 409 would enumerate names).
    const reg = await w.call("/auth/register", {
      body: { provider: "sso", username: "user0", password: "x" },
      headers: { "CF-Connecting-IP": "192.0.2.77" },
    });
    assert.equal(reg.status, 429, reg.text);
  });

  test("a body over the limit is refused with 413 before it is read (Content-Length, or chunked)", async () => {
    const big = JSON.stringify({ provider: "sso", username: "x".repeat(AUTH_BODY_LIMIT), password: "pw" });
    for (const path of ["/auth/password", "/auth/login", "/auth/register"]) {
      const res = await w.call(path, { body: big });
      assert.equal(res.status, 413, `${path}: ${res.text}`);
      assert.equal(res.json.code, "body_too_large");
    }
    // Chunked: no Content-Length, the Worker counts while reading.
    const chunks = [Buffer.alloc(1500, 0x20), Buffer.alloc(1500, 0x20)];
    const stream = new ReadableStream({
      pull(c) {
        const n = chunks.shift();
        n ? c.enqueue(n) : c.close();
      },
    });
    const res = await w.mf.dispatchFetch(`${APP}/auth/session`, {
      method: "POST",
      body: stream,
      duplex: "half",
      headers: { "X-OAuth-Edge": "1", Origin: APP, "Content-Type": "application/json" },
    });
    assert.equal(res.status, 413, await res.text());
    // The proxy has its own, larger limit.
    const s = await logIn("big-body");
    const mid = "x".repeat(AUTH_BODY_LIMIT + 100);
    const ok = await w.api("/api/default/hello", { cookie: s.cookie, method: "POST", body: JSON.stringify({ mid }) });
    assert.notEqual(ok.status, 413, ok.text);
    const over = await w.api("/api/default/hello", {
      cookie: s.cookie,
      method: "POST",
      body: "y".repeat(API_BODY_LIMIT + 1),
    });
    assert.equal(over.status, 413, over.text);
  });
});

describe("sealing (issue 6 finding 6)", () => {
  test("a sealed session copied under another KV key does not open there, and that copy ends", async () => {
    const victim = await logIn("seal-victim");
    const attacker = await logIn("seal-attacker");
    // A KV writer copies the victim's record under the attacker's key.
    await w.kv.put(attacker.kvKey, await w.kv.get(victim.kvKey));
    const res = await w.call("/auth/session", { cookie: attacker.cookie });
    assert.equal(res.status, 204, `no session: ${res.text}`);
    assert.equal(await w.kv.get(attacker.kvKey), null, "the undecryptable copy was kept");
    assert.equal((await w.call("/auth/session", { cookie: victim.cookie })).status, 200);
  });

  test("a corrupt value ends its session cleanly", async () => {
    const s = await logIn("seal-corrupt");
    for (const junk of ["", "not sealed", seal({ provider: "default" }, w.sessionKey, PURPOSE.tx, s.kvKey)]) {
      await w.kv.put(s.kvKey, junk || "x");
      const res = await w.call("/auth/session", { cookie: s.cookie });
      assert.equal(res.status, 204, `no session: ${res.text}`);
      assertCleared(res.cookies[SESSION], SESSION);
    }
  });

  test("rotating SESSION_KEY: the previous key still opens old sessions; without it they end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oauth-edge-kv-"));
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    try {
      const a = await startWorker(bindings, { sessionKey: k1, kvPersist: dir });
      const tx = await a.begin();
      const cb = await signInAtIdp(tx.res.json.authorization_url, { username: "rotate" });
      const login = await a.call("/auth/token", {
        cookie: tx.txCookie,
        body: {
          code: cb.searchParams.get("code"),
          state: cb.searchParams.get("state"),
          code_verifier: tx.verifier,
          iss: cb.searchParams.get("iss"),
        },
      });
      assert.equal(login.status, 200, login.text);
      const s = a.session(login);
      await a.close();
      const b = await startWorker(
        { ...bindings, SESSION_KEY_PREVIOUS: k1.toString("base64") },
        { sessionKey: k2, kvPersist: dir },
      );
      const during = await b.call("/auth/session", { cookie: s.cookie });
      await b.close();
      assert.equal(during.status, 200, during.text);
      const c = await startWorker(bindings, { sessionKey: k2, kvPersist: dir });
      const afterRotation = await c.call("/auth/session", { cookie: s.cookie });
      await c.close();
      assert.equal(afterRotation.status, 204, `no session: ${afterRotation.text}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("configuration is the operator's business (issue 6 finding 9)", () => {
  test("plain-http ALLOWED_ORIGINS other than loopback are refused; the answer does not describe the configuration", async () => {
    const broken = await startWorker({ ...bindings, ALLOWED_ORIGINS: "http://app.example" });
    try {
      const res = await broken.call("/auth/session");
      assert.equal(res.status, 500, res.text);
      assert.equal(res.json.code, "config_error");
      assert.doesNotMatch(res.text, /ALLOWED_ORIGINS|app\.example|http:/);
    } finally {
      await broken.close();
    }
  });
});
