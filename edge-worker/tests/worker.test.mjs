// The built Worker (edge-worker/build, from scripts/build-worker.sh) under Miniflare with a real
// local KV namespace, against the local authorization server (tests/idp/server.mjs, oidc-provider)
// with its fault-injection hooks. Checks the HTTP contract of docs/worker-api.md.
//
//   scripts/build-worker.sh && node --test --test-timeout=120000 edge-worker/tests/
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { startIdp } from "../../tests/idp/server.mjs";
import { hook } from "../../tests/support/http.mjs";
import { pkcePair, signInAtIdp } from "../../tests/support/oauth-http.mjs";
import {
  APP,
  EVIL,
  OTHER,
  PURPOSE,
  SESSION,
  TX,
  assertCleared,
  open,
  seal,
  startWorker,
} from "../../tests/support/worker.mjs";
import { discover, standardProvider } from "../../tests/support/stack.mjs";

const REDIRECT_URI = `${APP}/callback`;
const CLIENT_ID = "worker-test";
const CLIENT_SECRET = randomBytes(24).toString("base64url");
const SESSION_TTL = 3600;

const sessionKey = randomBytes(32);
let idp;
let w;
let bindings;

before(async () => {
  idp = await startIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
    accessTokenTtl: 300,
    testHooks: true,
  });
  const meta = await discover(idp.issuer);
  bindings = {
    // An object var (wrangler.toml [vars] table); a JSON string works too (see the config test).
    // The front-channel authorization request is what these tests read; pushed requests (RFC 9126)
    // are tests/oidc/'s.
    PROVIDERS: {
      default: { ...standardProvider(meta, { clientId: CLIENT_ID, redirectUri: REDIRECT_URI }), par: false },
    },
    CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    SESSION_KEY: sessionKey.toString("base64"),
    ALLOWED_ORIGINS: OTHER,
    SESSION_TTL_SECONDS: String(SESSION_TTL),
    APP_CONFIG: JSON.stringify({ api_url: `${idp.issuer}/api/hello` }),
  };
  w = await startWorker(bindings, { sessionKey });
});

after(async () => {
  await w?.close();
  await idp?.close();
});

// ------------------------------------------------------------------------------------------ helpers

/** POST an auth endpoint as the app's own page would (custom header, own Origin, JSON). */
const call = (path, opts) => w.call(path, opts);

/** A /__test/* hook of the authorization server (stats: GET). */
const idpHook = (path, params = {}) => hook(idp.issuer, path, undefined, params);

const refreshCount = async () => (await idpHook("/__test/stats")).token.by_grant_type.refresh_token ?? 0;

/** POST /auth/login with fresh PKCE values; returns what /auth/token needs. */
const begin = () => w.begin();

/** A whole login: /auth/login, the user signs in at the IdP, /auth/token. */
async function logIn(username = "alice") {
  const tx = await begin();
  const callback = await signInAtIdp(tx.res.json.authorization_url, { username });
  assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
  const res = await call("/auth/token", {
    cookie: tx.txCookie,
    body: {
      code: callback.searchParams.get("code"),
      state: callback.searchParams.get("state"),
      code_verifier: tx.verifier,
      iss: callback.searchParams.get("iss"),
    },
  });
  assert.equal(res.status, 200, res.text);
  return w.session(res);
}

async function kvKeys() {
  return (await w.kv.list({ prefix: "session:" })).keys.map((k) => k.name);
}

// -------------------------------------------------------------------------------------- CSRF, CORS

describe("request rules", () => {
  test("a request without X-OAuth-Edge is refused, whatever its origin", async () => {
    for (const origin of [APP, EVIL]) {
      const res = await call("/auth/session", { csrf: false, origin });
      assert.equal(res.status, 403);
      assert.equal(res.json.code, "csrf_header_missing");
      assert.match(res.json.message, /X-OAuth-Edge/);
    }
  });

  test("a wrong or missing Origin is refused", async () => {
    for (const origin of [EVIL, null, "null", `${APP}.evil.example`]) {
      const res = await call("/auth/session", { origin });
      assert.equal(res.status, 403, String(origin));
      assert.equal(res.json.code, "origin_not_allowed");
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    }
  });

  test("the own origin and ALLOWED_ORIGINS pass; CORS only for the listed cross origin", async () => {
    const own = await call("/auth/refresh", { origin: APP, body: {} });
    assert.equal(own.status, 401);
    assert.equal(own.json.code, "no_session");
    assert.equal(own.headers.get("access-control-allow-origin"), null);

    const other = await call("/auth/refresh", { origin: OTHER, body: {} });
    assert.equal(other.status, 401);
    assert.equal(other.headers.get("access-control-allow-origin"), OTHER);
    assert.equal(other.headers.get("access-control-allow-credentials"), "true");
    // The library tells the Worker's errors by this header: the cross-origin page must see it.
    assert.equal(other.headers.get("access-control-expose-headers"), "X-OAuth-Edge-Error");
    for (const res of [own, other]) {
      assert.match(res.headers.get("vary"), /Origin/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("x-oauth-edge-error"), "1", "a Worker error says so");
    }
  });

  test("/auth/session without a session is an answer, not an error: 204, no body (a quiet console)", async () => {
    for (const origin of [APP, OTHER]) {
      for (const cookie of [undefined, `${SESSION}=${randomBytes(32).toString("base64url")}`]) {
        const none = await call("/auth/session", { origin, cookie });
        assert.equal(none.status, 204, none.text);
        assert.equal(none.text, "");
        assert.equal(none.headers.get("x-oauth-edge-error"), null);
        assert.equal(none.headers.get("cache-control"), "no-store");
        assert.equal(none.headers.get("access-control-allow-origin"), origin === OTHER ? OTHER : null);
        assertCleared(none.cookies[SESSION], SESSION);
      }
    }
  });

  test("preflight: granted to an allowed origin by name, refused otherwise, never *", async () => {
    const pre = (origin) =>
      call("/auth/token", {
        method: "OPTIONS",
        csrf: false,
        origin,
        headers: {
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type,x-oauth-edge",
        },
      });
    const ok = await pre(OTHER);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), OTHER);
    assert.equal(ok.headers.get("access-control-allow-credentials"), "true");
    assert.match(ok.headers.get("access-control-allow-headers"), /X-OAuth-Edge/i);
    assert.match(ok.headers.get("access-control-allow-methods"), /POST/);
    assert.match(ok.headers.get("vary"), /Origin/);

    const evil = await pre(EVIL);
    assert.equal(evil.status, 403);
    assert.equal(evil.json.code, "origin_not_allowed");
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    for (const res of [ok, evil]) {
      for (const [, v] of res.headers) assert.notEqual(v, "*");
    }
  });

  test("GET on an endpoint is 405, an unknown auth path 404", async () => {
    const get = await call("/auth/session", { method: "GET" });
    assert.equal(get.status, 405);
    assert.equal(get.json.code, "method_not_allowed");
    const unknown = await call("/auth/nope");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, "not_found");
    for (const res of [get, unknown]) assert.equal(res.headers.get("x-oauth-edge-error"), "1");
  });
});

// --------------------------------------------------------------------------------- login, token

describe("login and code exchange", () => {
  test("login answers the authorization URL and seals the transaction into the tx cookie", async () => {
    const { res, state, challenge } = await begin();
    const url = new URL(res.json.authorization_url);
    assert.equal(url.origin, idp.issuer);
    assert.equal(url.searchParams.get("response_type"), "code");
    assert.equal(url.searchParams.get("client_id"), CLIENT_ID);
    assert.equal(url.searchParams.get("redirect_uri"), REDIRECT_URI);
    assert.equal(url.searchParams.get("state"), state);
    assert.equal(url.searchParams.get("code_challenge"), challenge);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(res.json.issuer, idp.issuer);
    assert.equal(res.json.provider, "default");
    assert.equal(res.headers.get("x-oauth-edge-error"), null, "not an error");

    const tx = res.cookies[TX];
    for (const attr of ["httponly", "secure", "samesite=lax", "path=/", "max-age=600"]) {
      assert.ok(tx.attrs.includes(attr), `${attr} in ${tx.line}`);
    }
    assert.ok(!tx.line.toLowerCase().includes("domain="));
    assert.ok(!tx.value.includes(state) && !tx.value.includes(challenge), "tx cookie is not sealed");
  });

  test("login refuses an unknown provider and a malformed body", async () => {
    const { challenge } = pkcePair();
    const state = randomBytes(32).toString("base64url");
    const unknown = await call("/auth/login", { body: { provider: "nope", state, code_challenge: challenge } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.code, "unknown_provider");
    for (const body of [
      "{not json",
      { state },
      { state, code_challenge: "plain-not-s256" },
      { state: "x", code_challenge: challenge },
    ]) {
      const res = await call("/auth/login", { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.code, "bad_request");
    }
  });

  test("token without the tx cookie: no_transaction, and the tx cookie is cleared", async () => {
    const { verifier } = pkcePair();
    const res = await call("/auth/token", { body: { code: "c", state: "s", code_verifier: verifier, iss: null } });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, "no_transaction");
    assertCleared(res.cookies[TX], TX);
  });

  test("a tx cookie sealed under another key is no transaction", async () => {
    const tx = await begin();
    const forged = `${TX}=${randomBytes(90).toString("base64url")}`;
    const res = await call("/auth/token", {
      cookie: forged,
      body: { code: "c", state: tx.state, code_verifier: tx.verifier },
    });
    assert.equal(res.json.code, "no_transaction");
  });

  test("state, verifier or issuer mismatch: refused before any code exchange", async () => {
    const before = (await idpHook("/__test/stats")).token.total;
    const cases = [
      [
        (tx) => ({ state: randomBytes(32).toString("base64url"), code_verifier: tx.verifier }),
        "transaction_mismatch",
        /state/,
      ],
      [(tx) => ({ state: tx.state, code_verifier: pkcePair().verifier }), "transaction_mismatch", /code_verifier/],
      [
        (tx) => ({ state: tx.state, code_verifier: tx.verifier, iss: "https://evil.example" }),
        "issuer_mismatch",
        /authorization server/,
      ],
    ];
    for (const [make, code, message] of cases) {
      const tx = await begin();
      const res = await call("/auth/token", { cookie: tx.txCookie, body: { code: "some-code", ...make(tx) } });
      assert.equal(res.status, 400);
      assert.equal(res.json.code, code);
      assert.match(res.json.message, message);
      assertCleared(res.cookies[TX], TX);
    }
    assert.equal((await idpHook("/__test/stats")).token.total, before, "the token endpoint was called");
  });

  test("full code exchange: token view, session cookie, only sealed values in KV", async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const { res, view, id, kvKey } = await logIn("kvcheck");
    assert.equal(typeof view.access_token, "string");
    assert.equal(view.token_type, "Bearer");
    assert.ok(view.expires_at >= t0 + 290 && view.expires_at <= t0 + 310, String(view.expires_at));
    assert.match(view.scope, /openid/);
    assert.equal(view.provider, "default");
    assert.equal(view.user.sub, "kvcheck");
    assert.equal(view.user.name, "Kvcheck");
    assert.equal(view.refresh_token, undefined);
    assert.equal(res.headers.get("cache-control"), "no-store");

    const cookie = res.cookies[SESSION];
    for (const attr of ["httponly", "secure", "samesite=strict", "path=/", `max-age=${SESSION_TTL}`]) {
      assert.ok(cookie.attrs.includes(attr), `${attr} in ${cookie.line}`);
    }
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assertCleared(res.cookies[TX], TX);

    // KV: the key is the hash of the id, the value is sealed (no token, no user, not JSON).
    const keys = await kvKeys();
    assert.ok(keys.includes(kvKey), `${kvKey} not in ${keys}`);
    assert.ok(keys.every((k) => !k.includes(id)));
    const stored = await w.kv.get(kvKey);
    const refreshTokens = idp.store
      .list("RefreshToken")
      .filter(([, p]) => p.accountId === "kvcheck")
      .map(([rt]) => rt);
    assert.equal(refreshTokens.length, 1);
    for (const secret of [view.access_token, refreshTokens[0], "kvcheck", "Bearer"]) {
      assert.ok(!stored.includes(secret), `KV value contains ${secret.slice(0, 6)}…`);
    }
    assert.throws(() => JSON.parse(stored));
    const {
      keys: [meta],
    } = await w.kv.list({ prefix: kvKey });
    assert.ok(meta.expiration > t0 + SESSION_TTL - 30 && meta.expiration <= t0 + SESSION_TTL + 30, "KV TTL");

    const session = await call("/auth/session", { cookie: `${SESSION}=${id}` });
    assert.equal(session.status, 200);
    assert.equal(session.json.access_token, view.access_token);
    assert.equal(session.json.user.sub, "kvcheck");
  });

  test("a code the provider refuses: provider_rejected with its OAuth error", async () => {
    const tx = await begin();
    const res = await call("/auth/token", {
      cookie: tx.txCookie,
      body: { code: "not-a-real-code", state: tx.state, code_verifier: tx.verifier, iss: idp.issuer },
    });
    assert.equal(res.status, 502);
    assert.equal(res.json.code, "provider_rejected");
    assert.equal(res.json.error, "invalid_grant");
    assertCleared(res.cookies[TX], TX);
  });
});

// ---------------------------------------------------------------------------------------- refresh

describe("refresh", () => {
  test("refresh rotates the refresh token and answers a new access token", async () => {
    const s = await logIn("rotate");
    const activeRefreshTokens = () =>
      idp.store
        .list("RefreshToken")
        .filter(([, p]) => p.accountId === "rotate" && !p.consumed)
        .map(([rt]) => rt);
    const rtBefore = activeRefreshTokens();
    assert.equal(rtBefore.length, 1);
    const storedBefore = await w.kv.get(s.kvKey);
    const n = await refreshCount();
    const res = await call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.json.access_token, s.view.access_token);
    assert.equal(res.json.user.sub, "rotate");
    assert.equal(await refreshCount(), n + 1);
    const rtAfter = activeRefreshTokens();
    assert.equal(rtAfter.length, 1);
    assert.notEqual(rtAfter[0], rtBefore[0], "the refresh token was not rotated");
    const storedAfter = await w.kv.get(s.kvKey);
    assert.notEqual(storedAfter, storedBefore);
    assert.ok(!storedAfter.includes(res.json.access_token));
    // The new token is what the session answers now.
    const session = await call("/auth/session", { cookie: s.cookie });
    assert.equal(session.json.access_token, res.json.access_token);
    // An empty body is allowed too.
    const again = await call("/auth/refresh", { cookie: s.cookie });
    assert.equal(again.status, 200, again.text);
  });

  test("held_expires_at: two calls holding the same token cause one refresh", async () => {
    const s = await logIn("single");
    // Make the next refresh's token expire later than the one held.
    await new Promise((r) => setTimeout(r, 1100));
    const held = s.view.expires_at;
    const n = await refreshCount();
    const first = await call("/auth/refresh", { cookie: s.cookie, body: { held_expires_at: held } });
    const second = await call("/auth/refresh", { cookie: s.cookie, body: { held_expires_at: held } });
    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 200, second.text);
    assert.ok(first.json.expires_at > held);
    assert.equal(second.json.access_token, first.json.access_token);
    assert.equal(await refreshCount(), n + 1, "exactly one refresh at the provider");
    // Holding the newest token asks for a real refresh.
    const third = await call("/auth/refresh", { cookie: s.cookie, body: { held_expires_at: first.json.expires_at } });
    assert.equal(third.status, 200);
    assert.notEqual(third.json.access_token, first.json.access_token);
    assert.equal(await refreshCount(), n + 2);
  });

  test("concurrent refreshes of one session: one call at the provider, one token for all", async () => {
    const s = await logIn("together");
    await new Promise((r) => setTimeout(r, 1100));
    const n = await refreshCount();
    const held = { held_expires_at: s.view.expires_at };
    const pair = await Promise.all([1, 2].map(() => call("/auth/refresh", { cookie: s.cookie, body: held })));
    for (const res of pair) assert.equal(res.status, 200, res.text);
    assert.equal(pair[1].json.access_token, pair[0].json.access_token);
    assert.equal(await refreshCount(), n + 1);
    // Without held_expires_at, a refresh that waited for another one reuses its tokens too (a
    // second use of the rotated refresh token would make the provider revoke the grant).
    const again = await Promise.all([1, 2, 3].map(() => call("/auth/refresh", { cookie: s.cookie, body: {} })));
    for (const res of again) assert.equal(res.status, 200, res.text);
    assert.equal(new Set(again.map((r) => r.json.access_token)).size, 1);
    assert.notEqual(again[0].json.access_token, pair[0].json.access_token);
    assert.equal(await refreshCount(), n + 2);
    assert.equal((await call("/auth/session", { cookie: s.cookie })).status, 200);
  });

  test("token endpoint 500: provider_unavailable, the session survives", async () => {
    const s = await logIn("flaky");
    await idpHook("/__test/fail-token", { status: 500, grant_type: "refresh_token" });
    const res = await call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 502);
    assert.equal(res.json.code, "provider_unavailable");
    assert.equal(res.cookies[SESSION], undefined);
    assert.ok(await w.kv.get(s.kvKey));
    const retry = await call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(retry.status, 200, retry.text);
  });

  test("malformed token response: invalid_token_response", async () => {
    const s = await logIn("garbled");
    for (const mode of ["truncated", "not-json", "no-access-token"]) {
      await idpHook("/__test/malformed-token", { mode, grant_type: "refresh_token" });
      const res = await call("/auth/refresh", { cookie: s.cookie, body: {} });
      assert.equal(res.status, 502, mode);
      assert.equal(res.json.code, "invalid_token_response", mode);
    }
    assert.ok(await w.kv.get(s.kvKey), "a garbled answer does not end the session");
  });

  test("revoked grant: session_ended, session deleted, cookie cleared", async () => {
    const s = await logIn("revoked");
    assert.ok((await idpHook("/__test/revoke-grants", { sub: "revoked" })).revoked >= 1);
    const res = await call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 401);
    assert.equal(res.json.code, "session_ended");
    assert.equal(res.json.error, "invalid_grant");
    assertCleared(res.cookies[SESSION], SESSION);
    assert.equal(await w.kv.get(s.kvKey), null);
    const after = await call("/auth/session", { cookie: s.cookie });
    assert.equal(after.status, 204, "no session");
  });

  test("session refreshes first when the stored access token has (almost) expired", async () => {
    const s = await logIn("reload");
    // Age the stored record: open it with the Worker's key, move expires_at into the leeway, reseal.
    const key = sessionKey;
    const record = open(await w.kv.get(s.kvKey), key, PURPOSE.session, s.kvKey);
    assert.equal(record.access_token, s.view.access_token);
    record.expires_at = Math.floor(Date.now() / 1000) + 10;
    record.refreshed_at = record.expires_at - 300; // as if obtained 290 s ago (a 300 s token)
    await w.kv.put(s.kvKey, seal(record, key, PURPOSE.session, s.kvKey));
    const n = await refreshCount();
    const res = await call("/auth/session", { cookie: s.cookie });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.json.access_token, s.view.access_token);
    assert.ok(res.json.expires_at > record.expires_at);
    assert.equal(await refreshCount(), n + 1);
    // Fresh again: no further refresh.
    await call("/auth/session", { cookie: s.cookie });
    assert.equal(await refreshCount(), n + 1);
  });

  test("refresh without a session: no_session; a bad body: bad_request", async () => {
    const none = await call("/auth/refresh", { body: {} });
    assert.equal(none.status, 401);
    assert.equal(none.json.code, "no_session");
    const unknown = await call("/auth/refresh", {
      cookie: `${SESSION}=${randomBytes(32).toString("base64url")}`,
      body: {},
    });
    assert.equal(unknown.json.code, "no_session");
    assertCleared(unknown.cookies[SESSION], SESSION);
    const bad = await call("/auth/refresh", { body: { held_expires_at: "soon" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, "bad_request");
  });
});

// ----------------------------------------------------------------------------------------- logout

describe("logout", () => {
  test("logout revokes the refresh token, deletes the session, clears the cookie", async () => {
    const s = await logIn("leaving");
    const live = () => idp.store.list("RefreshToken").filter(([, p]) => p.accountId === "leaving");
    assert.equal(live().length, 1);
    const res = await call("/auth/logout", { cookie: s.cookie });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { logged_out: true });
    assertCleared(res.cookies[SESSION], SESSION);
    assert.equal(await w.kv.get(s.kvKey), null);
    assert.equal(live().length, 0, "the refresh token was not revoked at the provider");
    const after = await call("/auth/session", { cookie: s.cookie });
    assert.equal(after.status, 204, "no session");
  });

  test("logout without a session still answers 200 and clears the cookie", async () => {
    for (const cookie of [undefined, `${SESSION}=${randomBytes(32).toString("base64url")}`]) {
      const res = await call("/auth/logout", { cookie });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { logged_out: true });
      assertCleared(res.cookies[SESSION], SESSION);
    }
  });
});

// ----------------------------------------------------------------------------------------- config

describe("configuration", () => {
  test("a missing or malformed key answers a generic config_error (the key is named in the log only)", async () => {
    // (A missing CLIENT_SECRET_<NAME> turns off that provider only: the next test.)
    const cases = [
      [{ SESSION_KEY: undefined }, "SESSION_KEY"],
      [{ SESSION_KEY: "c2hvcnQ=" }, "SESSION_KEY"],
      [{ PROVIDERS: "{not json" }, "PROVIDERS"],
      [{ SESSION_TTL_SECONDS: "soon" }, "SESSION_TTL_SECONDS"],
    ];
    for (const [change, key] of cases) {
      // A binding given as undefined is left out.
      const broken = await startWorker({ ...bindings, ...change }, { sessionKey });
      try {
        const res = await broken.call("/auth/session");
        const body = res.json;
        assert.equal(res.status, 500, key);
        assert.equal(body.code, "config_error");
        // Issue 6, finding 9: the caller learns nothing of the configuration (the log names it).
        assert.doesNotMatch(body.message, new RegExp(key));
        assert.match(body.message, /log/);
      } finally {
        await broken.close();
      }
    }
  });

  test("issue 10: one provider's mistake turns off that provider only; another still logs in", async () => {
    const good = bindings.PROVIDERS.default;
    const log = [];
    const w = await startWorker(
      {
        ...bindings,
        PROVIDERS: {
          // First, so the default: its CLIENT_SECRET_NOSECRET is not set.
          nosecret: { ...good },
          default: good,
          badurl: { ...good, token_endpoint: "idp.example/token", client_auth: "none" },
        },
      },
      {
        sessionKey,
        onOutput: (stdout, stderr) => {
          for (const s of [stdout, stderr]) s.on("data", (d) => log.push(String(d)));
        },
      },
    );
    const post = (path, body, cookie) => w.call(path, { body: body ?? {}, cookie });
    const logged = async (pattern) => {
      for (let i = 0; i < 50 && !pattern.test(log.join("")); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(log.join(""), pattern);
    };
    try {
      // A whole login with the working provider.
      const { verifier, challenge } = pkcePair();
      const state = randomBytes(32).toString("base64url");
      const login = await post("/auth/login", { provider: "default", state, code_challenge: challenge });
      assert.equal(login.status, 200, login.text);
      const cb = await signInAtIdp(login.json.authorization_url, { username: "carol" });
      const token = await post(
        "/auth/token",
        { code: cb.searchParams.get("code"), state, code_verifier: verifier, iss: cb.searchParams.get("iss") },
        `${TX}=${login.cookies[TX].value}`,
      );
      assert.equal(token.status, 200, token.text);
      const session = await post("/auth/session", undefined, `${SESSION}=${token.cookies[SESSION].value}`);
      assert.equal(session.status, 200, session.text);
      assert.equal(session.json.user.sub, "carol");

      // The broken ones (named, or the default) answer config_error naming the provider; the log
      // names the key to fix; an unknown name is still unknown_provider.
      for (const [name, provider, key] of [
        ["nosecret", "nosecret", /CLIENT_SECRET_NOSECRET is not set/],
        ["nosecret", undefined, /CLIENT_SECRET_NOSECRET is not set/],
        ["badurl", "badurl", /PROVIDERS entry `badurl` is not usable: `token_endpoint` must be an absolute/],
      ]) {
        const res = await post("/auth/login", { provider, state, code_challenge: challenge });
        assert.equal(res.status, 500, res.text);
        assert.equal(res.json.code, "config_error");
        assert.match(res.json.message, new RegExp(`\`${name}\`.*turned off`));
        assert.doesNotMatch(res.json.message, /CLIENT_SECRET|token_endpoint|idp\.example/);
        await logged(
          new RegExp(`config_error: provider \`${name}\` is turned off \\(the others work\\): ${key.source}`),
        );
      }
      const unknown = await post("/auth/login", { provider: "nope", state, code_challenge: challenge });
      assert.equal(unknown.json.code, "unknown_provider");
    } finally {
      await w.close();
    }
  });

  test("GET /demo-config.json answers APP_CONFIG for the demo app", async () => {
    const res = await w.navigate("/demo-config.json");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(res.json, { api_url: `${idp.issuer}/api/hello` });
  });

  test("PROVIDERS as a JSON string and a custom AUTH_PREFIX", async () => {
    const other = await startWorker(
      { ...bindings, PROVIDERS: JSON.stringify(bindings.PROVIDERS), AUTH_PREFIX: "/api/auth" },
      { sessionKey },
    );
    try {
      const { challenge } = pkcePair();
      const res = await other.call("/api/auth/login", {
        body: { state: randomBytes(32).toString("base64url"), code_challenge: challenge },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.provider, "default");
    } finally {
      await other.close();
    }
  });
});
