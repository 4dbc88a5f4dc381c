// UPSTREAM_TIMEOUT_MS: a provider that does not answer in time is a fault (502
// provider_unavailable), never the end of a session. The local IdP (tests/idp/server.mjs) holds its
// token endpoint back with the /__test/delay-token hook; the Worker gives up after 500 ms.
//
//   scripts/build-worker.sh && node --test --test-timeout=180000 edge-worker/tests/
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { startIdp } from "../../tests/idp/server.mjs";
import { hook } from "../../tests/support/http.mjs";
import { signInAtIdp } from "../../tests/support/oauth-http.mjs";
import { APP, SESSION, TX, assertCleared, startWorker } from "../../tests/support/worker.mjs";
import { discover, standardProvider } from "../../tests/support/stack.mjs";

const REDIRECT_URI = `${APP}/callback`;
const CLIENT_ID = "timeout-test";
const CLIENT_SECRET = randomBytes(24).toString("base64url");
const TIMEOUT_MS = 500;
const DELAY_MS = 3000;

let idp;
let w;
let bindings;

before(async () => {
  idp = await startIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
    testHooks: true,
  });
  const meta = await discover(idp.issuer);
  bindings = {
    PROVIDERS: { default: standardProvider(meta, { clientId: CLIENT_ID, redirectUri: REDIRECT_URI }) },
    CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
  };
  w = await startWorker(bindings);
});

after(async () => {
  await w?.close();
  await idp?.close();
});

/**
 * The token endpoint holds back its next request of `grantType` by DELAY_MS. With `dropIfGone`, a
 * request whose caller gave up meanwhile is then dropped unprocessed; without, it is processed.
 */
const delayToken = (grantType, { dropIfGone = false } = {}) =>
  hook(idp, `/__test/delay-token?ms=${DELAY_MS}&count=1&grant_type=${grantType}${dropIfGone ? "&drop_if_gone=1" : ""}`);
const idpStats = () => hook(idp, "/__test/stats", "GET");

const sessionKeys = async () => (await w.kv.list({ prefix: "session:" })).keys.map((k) => k.name);

/** /auth/login and the user's sign-in at the IdP: what /auth/token is sent. */
async function authorize(username) {
  const tx = await w.begin();
  const cb = await signInAtIdp(tx.res.json.authorization_url, { username });
  assert.equal(cb.origin + cb.pathname, REDIRECT_URI);
  const body = {
    code: cb.searchParams.get("code"),
    state: cb.searchParams.get("state"),
    code_verifier: tx.verifier,
    iss: cb.searchParams.get("iss"),
  };
  return { cookie: tx.txCookie, body };
}

/** Waits until the IdP has finished the held-back request (so it cannot disturb the next test). */
const outlastDelay = () => new Promise((r) => setTimeout(r, DELAY_MS + 500));

describe("UPSTREAM_TIMEOUT_MS", () => {
  test("a code exchange that times out: 502 provider_unavailable, no session, nothing in KV", async () => {
    const keysBefore = await sessionKeys();
    const { cookie, body } = await authorize("slowcode");
    await delayToken("authorization_code");
    const t0 = Date.now();
    const res = await w.call("/auth/token", { cookie, body });
    const took = Date.now() - t0;
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.code, "provider_unavailable");
    assert.equal(res.headers.get("x-oauth-edge-error"), "1");
    assert.ok(took < 2000, `answered after ${took} ms`);
    assert.equal(res.cookies[SESSION], undefined, "a session cookie was set");
    assertCleared(res.cookies[TX], TX);
    assert.deepEqual(await sessionKeys(), keysBefore);
    await outlastDelay();
    assert.deepEqual(await sessionKeys(), keysBefore, "a late answer left something in KV");
  });

  test("a refresh that times out: 502 provider_unavailable, the session stays and refreshes later", async () => {
    const { cookie: txCookie, body } = await authorize("slowrefresh");
    const login = w.session(await w.call("/auth/token", { cookie: txCookie, body }));
    const stored = await w.kv.get(login.kvKey);
    const dropped = (await idpStats()).token.dropped;

    // With drop_if_gone the IdP drops a request whose caller gave up: the Worker must not give up
    // on a refresh (a rotating provider may finish it), so the request is still there to finish.
    await delayToken("refresh_token", { dropIfGone: true });
    const t0 = Date.now();
    const res = await w.call("/auth/refresh", { cookie: login.cookie, body: {} });
    const took = Date.now() - t0;
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.code, "provider_unavailable");
    assert.ok(took < 2000, `answered after ${took} ms`);
    assert.equal(res.cookies[SESSION], undefined, "the session cookie was touched");
    assert.equal(await w.kv.get(login.kvKey), stored, "the session record changed before the answer");

    // Still logged in: the session answers, and a refresh succeeds.
    await outlastDelay();
    assert.equal((await idpStats()).token.dropped, dropped, "the Worker aborted the refresh request");
    const session = await w.call("/auth/session", { cookie: login.cookie });
    assert.equal(session.status, 200, session.text);
    assert.equal(session.json.user.sub, "slowrefresh");
    const retry = await w.call("/auth/refresh", { cookie: login.cookie, body: {} });
    assert.equal(retry.status, 200, retry.text);
    assert.notEqual(retry.json.access_token, login.view.access_token);
    assert.equal(retry.json.user.sub, "slowrefresh");
  });

  // A provider that finishes the refresh the Worker stopped waiting for has rotated the refresh
  // token. Were its answer lost, the stored (old) token would look replayed (RFC 9700 §4.14.2):
  // oidc-provider would revoke the grant and the next refresh answer session_ended. The Worker
  // keeps the request running (ctx.waitUntil) and stores the late answer.
  test("a refresh the provider finishes after the timeout does not end the session", async () => {
    const { cookie: txCookie, body } = await authorize("lateanswer");
    const login = w.session(await w.call("/auth/token", { cookie: txCookie, body }));
    const stored = await w.kv.get(login.kvKey);
    await delayToken("refresh_token");
    const res = await w.call("/auth/refresh", { cookie: login.cookie, body: {} });
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.code, "provider_unavailable", res.text);
    await outlastDelay();
    assert.notEqual(await w.kv.get(login.kvKey), stored, "the late answer was not stored");
    const session = await w.call("/auth/session", { cookie: login.cookie });
    assert.equal(session.status, 200, session.text);
    assert.notEqual(session.json.access_token, login.view.access_token, "the late tokens are not in use");
    const retry = await w.call("/auth/refresh", { cookie: login.cookie, body: {} });
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.json.user.sub, "lateanswer");
  });

  test("a malformed UPSTREAM_TIMEOUT_MS answers config_error (named in the log, not the answer)", async () => {
    for (const bad of ["soon", "99", "60001", "1.5"]) {
      const broken = await startWorker({ ...bindings, UPSTREAM_TIMEOUT_MS: bad });
      try {
        const res = await broken.call("/auth/session");
        assert.equal(res.status, 500, `${bad}: ${res.text}`);
        assert.equal(res.json.code, "config_error");
        assert.doesNotMatch(res.json.message, /UPSTREAM_TIMEOUT_MS/);
      } finally {
        await broken.close();
      }
    }
  });
});
