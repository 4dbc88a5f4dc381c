// The Worker against the plain SSO emulator (tests/providers/plain-sso.mjs): tokens appended to the
// redirect, which goes to the Worker's callback (never to a page), the one-time tx value as the
// login-CSRF defence, password login, registration, and refresh with the unchanged refresh token.
//
//   scripts/build-worker.sh && node --test --test-timeout=120000 edge-worker/tests/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { startPlainSso } from "../../tests/providers/plain-sso.mjs";
import { hook } from "../../tests/support/http.mjs";
import { signIn } from "../../tests/support/oauth-http.mjs";
import { APP, SESSION, TX, assertCleared, startWorker } from "../../tests/support/worker.mjs";

const CLIENT_ID = "sso-client";
const CALLBACK = `${APP}/auth/callback/sso`;

let sso;
let w;

before(async () => {
  sso = await startPlainSso({ clientId: CLIENT_ID, redirectUris: [CALLBACK], testHooks: true });
  w = await startWorker({
    PROVIDERS: {
      sso: {
        profile: "plain-sso",
        authorization_endpoint: sso.endpoints.login,
        token_endpoint: sso.endpoints.token,
        registration_endpoint: sso.endpoints.register,
        client_id: CLIENT_ID,
        redirect_uri: CALLBACK,
        scope: "0",
        allow_password_grant: true,
        api: { base_url: `${sso.url}/api/`, methods: ["GET"] },
      },
    },
    // No CLIENT_SECRET_SSO: the service has no client secret (client_auth none).
  });
});

after(async () => {
  await w?.close();
  await sso?.close();
});

const grants = async () => (await hook(sso, "/__test/stats", "GET")).token.by_grant;

/** /auth/login for the SSO, the user signs in; answers the redirect to the Worker and the tx cookie. */
async function toCallback({ username = "john", returnTo } = {}) {
  const tx = await w.begin({ provider: "sso", return_to: returnTo });
  const signedIn = await signIn(tx.res.json.authorization_url, { username });
  assert.equal(signedIn.status, 302, signedIn.html);
  return { tx, location: signedIn.location };
}

describe("plain SSO", () => {
  test("login: tokens come to the Worker's callback, never into the 303's Location", async () => {
    const { tx, location } = await toCallback({ username: "john", returnTo: "/account?tab=1" });
    assert.equal(tx.res.json.delivery, "worker");
    assert.equal(tx.res.json.code_param, null);
    const redirectUri = new URL(new URL(tx.res.json.authorization_url).searchParams.get("redirect_uri"));
    assert.equal(`${redirectUri.origin}${redirectUri.pathname}`, CALLBACK);
    const txValue = redirectUri.searchParams.get("tx");
    assert.match(txValue, /^[A-Za-z0-9_-]{43}$/, "256 bits");
    assert.ok(!tx.txCookie.includes(txValue), "the tx cookie is sealed");
    assert.equal(`${location.origin}${location.pathname}`, CALLBACK);
    assert.equal(location.searchParams.get("tx"), txValue);
    const accessToken = location.searchParams.get("access_token");
    const refreshToken = location.searchParams.get("refresh_token");
    assert.ok(accessToken && refreshToken);

    // The provider's redirect is a top-level navigation: cookies only, no X-OAuth-Edge, no Origin.
    const res = await w.navigate(location.href, { cookie: tx.txCookie });
    assert.equal(res.status, 303, res.text);
    const to = res.headers.get("location");
    assert.equal(to, "/account?tab=1");
    assert.ok(!to.includes(accessToken) && !to.includes(refreshToken));
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assertCleared(res.cookies[TX], TX);
    const s = w.session(res);
    const rec = await w.record(s.kvKey);
    // The delivered tokens were confirmed with a refresh (issue 6, finding 3): the session holds
    // the provider's answer, with the refresh token that "stays the same".
    assert.notEqual(rec.access_token, accessToken);
    assert.equal(rec.refresh_token, refreshToken);
    assert.equal(rec.user.user_id, "john");

    const view = await w.call("/auth/session", { cookie: s.cookie });
    assert.equal(view.status, 200, view.text);
    assert.equal(view.json.access_token, rec.access_token);
    assert.equal(view.json.user.user_id, "john");
    assert.ok(!view.text.includes(refreshToken));
    const me = await w.api("/api/sso/me", { cookie: s.cookie });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user_id, "john");
  });

  test("a forged redirect is refused: another login's tx, no cookie, or no tokens", async () => {
    const victim = await toCallback({ username: "victim" });
    const attacker = await toCallback({ username: "attacker" });
    const cases = [
      // The attacker's own tokens and tx, sent to the victim's browser (login CSRF).
      [attacker.location.href, victim.tx.txCookie, "transaction_mismatch"],
      // No tx cookie at all (another browser, expired, used).
      [victim.location.href, undefined, "no_transaction"],
      // The right tx with the tokens stripped.
      [
        `${CALLBACK}?tx=${victim.location.searchParams.get("tx")}&user_id=victim`,
        victim.tx.txCookie,
        "invalid_token_response",
      ],
      // Two tx values.
      [`${victim.location.href}&tx=x`, victim.tx.txCookie, "transaction_mismatch"],
    ];
    for (const [url, cookie, code] of cases) {
      const res = await w.navigate(url, { cookie });
      assert.equal(res.status, 303, `${code}: ${res.text}`);
      assert.equal(res.headers.get("location"), `/?oauth_edge_error=${code}`);
      assert.equal(res.cookies[SESSION], undefined, `${code}: a session was made`);
      assertCleared(res.cookies[TX], TX);
    }
  });

  // Issue 6, finding 3: the transaction proves who began the login, not that the tokens are real.
  test("forged tokens or a forged user_id in a genuine login's callback make no session", async () => {
    const mine = await toCallback({ username: "mallory" });
    const tx = mine.location.searchParams.get("tx");
    const real = Object.fromEntries(mine.location.searchParams);
    const forge = (p) => `${CALLBACK}?${new URLSearchParams({ ...real, ...p, tx })}`;
    const before = (await hook(sso, "/__test/stats", "GET")).token.by_grant.refresh ?? 0;
    for (const params of [
      { access_token: "x", refresh_token: "y", user_id: "admin" }, // made up entirely
      { user_id: "admin" }, // mallory's real tokens, claiming to be admin
    ]) {
      const res = await w.navigate(forge(params), { cookie: mine.tx.txCookie });
      assert.equal(res.status, 303, res.text);
      assert.equal(res.headers.get("location"), "/?oauth_edge_error=provider_rejected");
      assert.equal(res.cookies[SESSION], undefined, `a session was made for ${JSON.stringify(params)}`);
    }
    // Each forgery cost one confirmation at the provider, and was refused there.
    assert.equal((await hook(sso, "/__test/stats", "GET")).token.by_grant.refresh, before + 2);
  });

  test("return_to is made a same-origin path; the callback takes GET only", async () => {
    for (const returnTo of ["//evil.example/x", "https://evil.example", "/\\evil.example"]) {
      const { tx, location } = await toCallback({ returnTo });
      const res = await w.navigate(location.href, { cookie: tx.txCookie });
      assert.equal(res.headers.get("location"), "/", returnTo);
    }
    const post = await w.call("/auth/callback/sso", { body: {} });
    assert.equal(post.status, 405);
    assert.equal(post.json.code, "method_not_allowed");
    assert.equal(post.headers.get("allow"), "GET");
  });

  test("password login keeps the username for the refresh, which keeps the same refresh token", async () => {
    const res = await w.call("/auth/password", { body: { provider: "sso", username: "bob", password: "pw" } });
    assert.equal(res.status, 200, res.text);
    const s = w.session(res);
    assert.equal(s.view.user.username, "bob");
    const rec0 = await w.record(s.kvKey);
    assert.equal(rec0.user.username, "bob");

    const before = (await grants()).refresh ?? 0;
    const refreshed = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
    // The service checks that the username sent with the refresh owns the refresh token.
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.notEqual(refreshed.json.access_token, s.view.access_token);
    assert.equal((await grants()).refresh, before + 1);
    const rec1 = await w.record(s.kvKey);
    assert.equal(rec1.refresh_token, rec0.refresh_token, "the refresh token stays the same");
    assert.equal(rec1.access_token, refreshed.json.access_token);
  });

  test("refresh after a redirect login sends the redirect's user_id as the username", async () => {
    const { tx, location } = await toCallback({ username: "carol" });
    const s = w.session(await w.navigate(location.href, { cookie: tx.txCookie }));
    const res = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.user.user_id, "carol");
  });

  test("register: 201 surfaced as registered; a taken name is registration_failed with the provider's 409", async () => {
    const ok = await w.call("/auth/register", { body: { provider: "sso", username: "newbie", password: "s3cret" } });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.json, { registered: true });
    const again = await w.call("/auth/register", {
      body: { provider: "sso", username: "newbie", password: "0ther-pw-5" },
    });
    assert.equal(again.status, 409);
    assert.equal(again.json.code, "registration_failed");
    assert.equal(again.json.error, "username already exists");
    // The registered user signs in with the registered password only.
    const login = await w.call("/auth/password", { body: { provider: "sso", username: "newbie", password: "s3cret" } });
    assert.equal(login.status, 200, login.text);
    const wrong = await w.call("/auth/password", {
      body: { provider: "sso", username: "newbie", password: "0ther-pw-5" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.code, "login_failed");
    assert.equal(wrong.json.error, "wrong username or password");
  });
});
