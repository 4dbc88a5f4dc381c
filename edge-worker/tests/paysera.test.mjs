// The Worker against the Paysera Wallet emulator (tests/providers/paysera.mjs), whose MAC verifier
// was written from the document alone: the MAC-signed token request, locale variants of the
// authorization endpoint, MAC tokens that never leave the Worker, MAC-signed API calls through the
// proxy, and the signed DELETE revocation at logout.
//
//   scripts/build-worker.sh && node --test --test-timeout=120000 edge-worker/tests/
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { startPaysera } from "../../tests/providers/paysera.mjs";
import { hook } from "../../tests/support/http.mjs";
import { APP, SESSION, assertCleared, startWorker } from "../../tests/support/worker.mjs";

const CLIENT_ID = "wkVd93h2uS";
const MAC_KEY = randomBytes(24).toString("base64url"); // the client's key (CLIENT_SECRET_PAYSERA)
const REDIRECT_URI = `${APP}/callback`;

let ps;
let w;

before(async () => {
  ps = await startPaysera({
    clientId: CLIENT_ID,
    clientSecret: MAC_KEY,
    redirectUris: [REDIRECT_URI],
    testHooks: true,
  });
  w = await startWorker({
    PROVIDERS: {
      paysera: {
        profile: "paysera",
        authorization_endpoint: ps.endpoints.authorization,
        authorization_endpoints: ps.endpoints.authorizationLocale,
        token_endpoint: ps.endpoints.token,
        revocation_endpoint: ps.endpoints.revoke,
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        api: { base_url: `${ps.url}/rest/v1/`, methods: ["GET"] },
      },
    },
    CLIENT_SECRET_PAYSERA: MAC_KEY,
  });
});

after(async () => {
  await w?.close();
  await ps?.close();
});

const stats = () => hook(ps, "/__test/stats", "GET");

/** Whether `text` contains any of the session's secrets. */
function leaks(text, rec) {
  return [rec.access_token, rec.mac_key, rec.refresh_token].filter((s) => s && text.includes(s));
}

describe("Paysera", () => {
  test("code login: MAC-signed token request accepted by the emulator; the browser gets neither token nor key", async () => {
    const tx = await w.begin({ provider: "paysera" });
    const url = new URL(tx.res.json.authorization_url);
    assert.equal(`${url.origin}${url.pathname}`, ps.endpoints.authorization);
    // Issue 6, finding 10: the document does not forbid other parameters, so PKCE is sent in case
    // the provider checks it (the emulator ignores it, as the document says nothing of it).
    assert.equal(url.searchParams.get("code_challenge"), tx.challenge);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    const before = await stats();
    const s = await w.codeLogin({ provider: "paysera", username: "jonas" });
    const after = await stats();
    assert.equal(after.token.by_grant.authorization_code, (before.token.by_grant.authorization_code ?? 0) + 1);
    assert.equal(after.token.by_status["401"] ?? 0, before.token.by_status["401"] ?? 0, "the MAC was refused");

    // The view: a mac token, but no access token and no key (docs/worker-api.md "Token view additions").
    assert.equal(s.view.token_type, "mac");
    assert.equal(s.view.access_token, undefined);
    const rec = await w.record(s.kvKey);
    assert.equal(rec.token_type, "mac");
    assert.ok(rec.access_token && rec.mac_key && rec.refresh_token);
    assert.deepEqual(leaks(s.res.text, rec), []);
    assert.ok(!s.res.text.includes("mac_key"));
    const session = await w.call("/auth/session", { cookie: s.cookie });
    assert.equal(session.status, 200);
    assert.deepEqual(leaks(session.text, rec), []);
    assert.equal(session.json.access_token, undefined);
  });

  test("locale variant: variant lt opens /frontend/lt/oauth; an unknown variant the default endpoint", async () => {
    const lt = await w.begin({ provider: "paysera", variant: "lt" });
    const url = new URL(lt.res.json.authorization_url);
    assert.equal(`${url.origin}${url.pathname}`, ps.endpoints.authorizationLocale.lt);
    const page = await (await fetch(url)).text();
    assert.match(page, /<html lang="lt">/);
    assert.match(page, /Prisijunkite prie Paysera/);
    const other = await w.begin({ provider: "paysera", variant: "xx" });
    assert.equal(new URL(other.res.json.authorization_url).pathname, "/frontend/oauth");
    // A login through the Lithuanian page ends like any other.
    const s = await w.codeLogin({ provider: "paysera", variant: "ru", username: "ivan" });
    assert.equal(s.view.provider, "paysera");
  });

  test("API proxy: calls are MAC-signed with the access token as id and its mac_key, a fresh nonce each", async () => {
    const s = await w.codeLogin({ provider: "paysera", username: "ona" });
    const before = await stats();
    for (let i = 0; i < 2; i++) {
      // The emulator refuses a reused nonce: two successes mean two signatures.
      const res = await w.api("/api/paysera/user/me", { cookie: s.cookie });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.username, "ona");
      assert.equal(res.headers.get("cache-control"), "no-store");
    }
    assert.equal((await stats()).api.ok, before.api.ok + 2);
  });

  test("refresh: MAC-signed, rotated; the proxy signs with the new token and key", async () => {
    const s = await w.codeLogin({ provider: "paysera", username: "petras" });
    const rec0 = await w.record(s.kvKey);
    const res = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.access_token, undefined);
    const rec1 = await w.record(s.kvKey);
    assert.notEqual(rec1.access_token, rec0.access_token);
    assert.notEqual(rec1.mac_key, rec0.mac_key);
    assert.notEqual(rec1.refresh_token, rec0.refresh_token);
    assert.deepEqual(leaks(res.text, rec1), []);
    const me = await w.api("/api/paysera/user/me", { cookie: s.cookie });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.username, "petras");
  });

  test("logout: signed DELETE /oauth/v1/token?access_token=…; the token stops working", async () => {
    const s = await w.codeLogin({ provider: "paysera", username: "leaving" });
    const rec = await w.record(s.kvKey);
    const before = await stats();
    const res = await w.call("/auth/logout", { cookie: s.cookie });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { logged_out: true });
    assertCleared(res.cookies[SESSION], SESSION);
    const after = await stats();
    assert.equal(after.endpoints["DELETE /oauth/v1/token"], (before.endpoints["DELETE /oauth/v1/token"] ?? 0) + 1);
    assert.equal(after.revocations.endpoint, before.revocations.endpoint + 1, "the DELETE was refused");
    assert.equal(after.revocations.tokens, before.revocations.tokens + 2, "access and refresh token ended");
    assert.equal(await w.record(s.kvKey), null);
    // Put the session back as it was: the revoked token is refused at the API (and cannot be
    // refreshed either: the refresh token went with it).
    const planted = await w.plantSession(rec);
    const me = await w.api("/api/paysera/user/me", { cookie: planted.cookie });
    assert.equal(me.status, 401);
    assert.equal(me.json.code, "session_ended");
  });
});
