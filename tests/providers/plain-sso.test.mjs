// Proves the plain SSO emulator (plain-sso.mjs) follows /work/shared/providers/004_…: tokens in
// the redirect (access_token, refresh_token, expiration, user_id appended, no state), register
// (201), the JSON token endpoint ("code" and "refresh", refresh token unchanged), one-month expiry.
// Run: node --test --test-timeout=60000 tests/providers/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { oneMonthAfter, startPlainSso } from "./plain-sso.mjs";
import { getJson, getManual, hook, postJson } from "../support/http.mjs";
import { authUrl, cancelHref, parseForm, signIn, unescapeHtml } from "../support/oauth-http.mjs";

const CLIENT_ID = "sso-client";
const REDIRECT_URI = "http://localhost:8787/auth/callback/plain";

let sso;
before(async () => {
  sso = await startPlainSso({ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI], testHooks: true });
});
after(async () => sso?.close());

const token = (body) => postJson(sso.endpoints.token, body);

function assertTokenAnswer(res) {
  assert.equal(res.status, 200, res.text);
  // [004] the answer, field for field and in order.
  assert.deepEqual(Object.keys(res.body), [
    "access_token",
    "refresh_token",
    "expiration",
    "status_code",
    "error",
    "success",
  ]);
  assert.equal(res.body.status_code, 201);
  assert.equal(res.body.error, null);
  assert.equal(res.body.success, true);
  assert.ok(Number.isInteger(res.body.expiration));
}

function assertFailure(res, status) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.success, false);
  assert.equal(res.body.status_code, status);
  assert.equal(typeof res.body.error, "string");
  assert.ok(res.body.error.length > 0);
}

describe("[004] login redirect", () => {
  test("the login page links to register; signing in appends the four parameters (no state)", async () => {
    const url = authUrl(sso.endpoints.login, { client_id: CLIENT_ID, scope: "0", redirect_uri: REDIRECT_URI });
    const page = await getManual(url);
    assert.equal(page.status, 200);
    assert.match(page.text, /<a id="register" href="\/register\?/);
    const r = await signIn(url, { username: "john", password: "1234" });
    assert.equal(r.status, 302);
    assert.ok(r.location.toString().startsWith(`${REDIRECT_URI}?access_token=`));
    assert.deepEqual([...r.location.searchParams.keys()], ["access_token", "refresh_token", "expiration", "user_id"]);
    assert.equal(r.location.searchParams.get("user_id"), "john");
    const expiration = Number(r.location.searchParams.get("expiration"));
    assert.match(r.location.searchParams.get("expiration"), /^\d+$/, "a UNIX time in seconds");
    assert.ok(Math.abs(expiration - oneMonthAfter(sso.clock.nowSec())) <= 2);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(expiration > now + 27 * 86400 && expiration <= now + 31 * 86400 + 5, String(expiration - now));
    const me = await getJson(sso.endpoints.me, {
      authorization: `Bearer ${r.location.searchParams.get("access_token")}`,
    });
    assert.deepEqual(me.body, { user_id: "john", username: "john" });
  });

  test("a redirect_uri that already has a query gets the parameters after '&', its own value kept byte for byte", async () => {
    const withQuery = `${REDIRECT_URI}?tx=a%2Fb~c`;
    const r = await signIn(authUrl(sso.endpoints.login, { client_id: CLIENT_ID, scope: "0", redirect_uri: withQuery }));
    assert.equal(r.status, 302);
    assert.ok(r.location.toString().startsWith(`${withQuery}&access_token=`), r.location.toString());
    assert.equal(r.location.searchParams.get("tx"), "a/b~c");
    assert.ok(r.location.searchParams.get("refresh_token"));
  });

  test("unknown client or unregistered redirect_uri -> error page; wrong password stays on the page; Cancel does not redirect", async () => {
    assert.equal(
      (await getManual(authUrl(sso.endpoints.login, { client_id: "x", redirect_uri: REDIRECT_URI }))).status,
      400,
    );
    const bad = await getManual(
      authUrl(sso.endpoints.login, { client_id: CLIENT_ID, redirect_uri: "http://localhost:8787/elsewhere" }),
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.location, undefined);
    const url = authUrl(sso.endpoints.login, { client_id: CLIENT_ID, scope: "0", redirect_uri: REDIRECT_URI });
    const wrong = await signIn(url, { password: "wrong" });
    assert.equal(wrong.status, 200);
    assert.match(wrong.html, /role="alert"/);
    const cancel = await getManual(cancelHref(wrong.page, url));
    assert.equal(cancel.status, 200);
    assert.equal(cancel.location, undefined);
    assert.match(cancel.text, /Sign-in cancelled/);
  });
});

describe("[004] register", () => {
  test('the JSON example {"username":"john","password":"1234"} -> 201; the same name again -> 409; missing field -> 400', async () => {
    const res = await postJson(sso.endpoints.register, '{\n"username": "john",\n"password": "1234"\n}');
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.success, true);
    assertFailure(await postJson(sso.endpoints.register, { username: "john", password: "other" }), 409);
    assertFailure(await postJson(sso.endpoints.register, { username: "nopass" }), 400);
    assertFailure(await postJson(sso.endpoints.register, "not json"), 400);
    // A registered user needs that password.
    assertFailure(
      await token({ username: "john", password: "5678", client_id: CLIENT_ID, scope: 0, response_type: "code" }),
      401,
    );
    assertTokenAnswer(
      await token({ username: "john", password: "1234", client_id: CLIENT_ID, scope: 0, response_type: "code" }),
    );
  });

  test("the register page (username, email, password) takes the user back to the login page", async () => {
    const loginUrl = authUrl(sso.endpoints.login, { client_id: CLIENT_ID, scope: "0", redirect_uri: REDIRECT_URI });
    const href = /<a id="register" href="([^"]+)"/.exec((await getManual(loginUrl)).text)[1];
    const page = await getManual(new URL(unescapeHtml(href), sso.url));
    assert.match(page.text, /name="email"/);
    const { action, fields } = parseForm(page.text, sso.endpoints.register);
    const res = await fetch(action, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...fields, username: "mia", email: "mia@example.test", password: "m1a-pw-4821" }),
    });
    assert.equal(res.status, 303);
    const back = new URL(res.headers.get("location"), sso.url);
    assert.equal(back.pathname, "/login");
    assert.equal(back.searchParams.get("redirect_uri"), REDIRECT_URI);
    const r = await signIn(back.toString(), { username: "mia", password: "m1a-pw-4821" });
    assert.equal(r.status, 302);
    assert.equal(r.location.searchParams.get("user_id"), "mia");
  });
});

describe("[004] token endpoint", () => {
  test("the document's code request -> HTTP 200 with status_code 201 and the documented fields", async () => {
    const res = await postJson(
      sso.endpoints.token,
      `{
"username": "john2",
"password": "1234",
"client_id": "${CLIENT_ID}",
"scope": 0,
"response_type": "code"
}`,
    );
    assertTokenAnswer(res);
    const now = sso.clock.nowSec();
    assert.ok(Math.abs(res.body.expiration - oneMonthAfter(now)) <= 2);
  });

  test("the refresh request answers the same shape with the same refresh token and a new access token", async () => {
    const first = await token({
      username: "eve",
      password: "pw",
      client_id: CLIENT_ID,
      scope: 0,
      response_type: "code",
    });
    const res = await postJson(
      sso.endpoints.token,
      `{
"username": "eve",
"client_id": "${CLIENT_ID}",
"refresh_token": "${first.body.refresh_token}",
"response_type": "refresh"
}`,
    );
    assertTokenAnswer(res);
    assert.equal(res.body.refresh_token, first.body.refresh_token);
    assert.notEqual(res.body.access_token, first.body.access_token);
    const again = await token({
      username: "eve",
      client_id: CLIENT_ID,
      refresh_token: first.body.refresh_token,
      response_type: "refresh",
    });
    assertTokenAnswer(again);
  });

  test("failures: success false, error message, status_code = HTTP status", async () => {
    const good = await token({
      username: "fay",
      password: "pw",
      client_id: CLIENT_ID,
      scope: 0,
      response_type: "code",
    });
    assertFailure(
      await token({ username: "fay", password: "wrong", client_id: CLIENT_ID, scope: 0, response_type: "code" }),
      401,
    );
    assertFailure(
      await token({ username: "fay", client_id: CLIENT_ID, refresh_token: "nope", response_type: "refresh" }),
      401,
    );
    assertFailure(
      await token({
        username: "someone-else",
        client_id: CLIENT_ID,
        refresh_token: good.body.refresh_token,
        response_type: "refresh",
      }),
      401,
    );
    assertFailure(
      await token({ username: "fay", password: "pw", client_id: "other", scope: 0, response_type: "code" }),
      401,
    );
    assertFailure(await token({ username: "fay", client_id: CLIENT_ID, scope: 0, response_type: "code" }), 400);
    assertFailure(
      await token({ username: "fay", password: "pw", client_id: CLIENT_ID, scope: 0, response_type: "token" }),
      400,
    );
    assertFailure(await token({ password: "pw", client_id: CLIENT_ID, response_type: "code" }), 400);
    // The document's code example has a typo ("response_type: "code") — not valid JSON.
    assertFailure(
      await token(
        `{"username": "john", "password": "1234", "client_id": "${CLIENT_ID}", "scope": 0, "response_type: "code"}`,
      ),
      400,
    );
    const f = await token({ username: "fay", password: "wrong", client_id: CLIENT_ID, response_type: "code" });
    assert.deepEqual(Object.keys(f.body), [
      "access_token",
      "refresh_token",
      "expiration",
      "status_code",
      "error",
      "success",
    ]);
  });

  test("an access token expires one month after creation; refresh gives a new one", async () => {
    const t = await token({ username: "gus", password: "pw", client_id: CLIENT_ID, scope: 0, response_type: "code" });
    const auth = { authorization: `Bearer ${t.body.access_token}` };
    assert.equal((await getJson(sso.endpoints.me, auth)).status, 200);
    const toExpiry = t.body.expiration - sso.clock.nowSec();
    await hook(sso, `/__test/advance-clock?seconds=${toExpiry - 10}`);
    assert.equal((await getJson(sso.endpoints.me, auth)).status, 200);
    await hook(sso, "/__test/advance-clock?seconds=10");
    const expired = await getJson(sso.endpoints.me, auth);
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);
    const r = await token({
      username: "gus",
      client_id: CLIENT_ID,
      refresh_token: t.body.refresh_token,
      response_type: "refresh",
    });
    assertTokenAnswer(r);
    assert.equal((await getJson(sso.endpoints.me, { authorization: `Bearer ${r.body.access_token}` })).status, 200);
  });

  test("oneMonthAfter: same day next month (UTC), clamped to the month's end", () => {
    const at = (s) => Date.parse(s) / 1000;
    assert.equal(oneMonthAfter(at("2026-01-15T10:00:00Z")), at("2026-02-15T10:00:00Z"));
    assert.equal(oneMonthAfter(at("2026-01-31T23:59:59Z")), at("2026-02-28T23:59:59Z"));
    assert.equal(oneMonthAfter(at("2026-12-31T00:00:00Z")), at("2027-01-31T00:00:00Z"));
  });
});

describe("test hooks", () => {
  test("fail-token, revoke-all, stats", async () => {
    const t = await token({ username: "hal", password: "pw", client_id: CLIENT_ID, scope: 0, response_type: "code" });
    await hook(sso, "/__test/fail-token?status=500&count=1&grant=refresh");
    const failed = await token({
      username: "hal",
      client_id: CLIENT_ID,
      refresh_token: t.body.refresh_token,
      response_type: "refresh",
    });
    assertFailure(failed, 500);
    await hook(sso, "/__test/revoke-all");
    assert.equal((await getJson(sso.endpoints.me, { authorization: `Bearer ${t.body.access_token}` })).status, 401);
    assertFailure(
      await token({
        username: "hal",
        client_id: CLIENT_ID,
        refresh_token: t.body.refresh_token,
        response_type: "refresh",
      }),
      401,
    );
    const stats = await hook(sso, "/__test/stats", "GET");
    assert.ok(stats.token.by_grant.code >= 1);
    assert.ok(stats.token.by_grant.refresh >= 2);
    assert.equal(stats.token.injected, 1);
    assert.equal(stats.revocations.revoke_all, 1);
    assert.ok(stats.api.unauthorized >= 1);
  });
});
