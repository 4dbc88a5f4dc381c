// Proves the Paytronix emulator (paytronix.mjs) follows /work/shared/providers/000_… and 001_…:
// the documents' example requests are accepted verbatim and answered in the documented shape, the
// redirect flow (code valid 5 minutes, single use), access tokens valid 30 minutes, failures, hooks.
// Run: node --test --test-timeout=60000 tests/providers/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { startPaytronix } from "./paytronix.mjs";
import { getJson, getManual, hook, postJson } from "../support/http.mjs";
import { authUrl, cancelHref, signIn } from "../support/oauth-http.mjs";

// [001] example values, verbatim.
const CLIENT_ID = "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK";
const CLIENT_SECRET = "654secretnx4";
const DOC_REFRESH_TOKEN = "r9vsdS4LUlnotarealrefreshtokenp9JrsJ8cb";
// [000] example redirect_uri (https://www.myawesomewebsite.com/login), allow-listed.
const REDIRECT_URI = "https://www.myawesomewebsite.com/login";

const PASSWORD_EXAMPLE = `{ "authentication": "anonymous", "client_id": "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK", "client_secret": "654secretnx4", "merchantId": 777777, "grant_type": "password", "scope": "user_read user_write account_read account_write", "username": "johndoe", "password": "open456" }`;
const REFRESH_EXAMPLE = `{ "authentication": "anonymous", "client_id": "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK", "client_secret": "654secretnx4", "merchantId": 777777, "grant_type": "refresh_token", "scope": "user_read user_write account_read account_write", "refresh_token": "r9vsdS4LUlnotarealrefreshtokenp9JrsJ8cb" }`;

let px;

before(async () => {
  px = await startPaytronix({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
    merchantId: 777777,
    testHooks: true,
    seedRefreshTokens: { [DOC_REFRESH_TOKEN]: "johndoe" },
    printedCardNumbers: { johndoe: "6000986775" },
  });
});
after(async () => px?.close());

const base = { authentication: "anonymous", client_id: CLIENT_ID, client_secret: CLIENT_SECRET, merchantId: 777777 };
const requestGuestToken = (body) => postJson(px.endpoints.token, body);

function assertSuccessShape(body, { scope, username }) {
  // [001] response examples: exactly these fields (+ printedCardNumber, which the refresh example has).
  assert.deepEqual(Object.keys(body).sort(), [
    "access_token",
    "expires_in",
    "printedCardNumber",
    "refresh_token",
    "result",
    "scope",
    "token_type",
    "username",
  ]);
  assert.equal(body.result, "success");
  assert.equal(body.expires_in, 1800);
  assert.equal(body.token_type, "bearer");
  assert.equal(body.scope, scope);
  assert.equal(body.username, username);
  assert.match(body.access_token, /^\S{16,}$/);
  assert.match(body.refresh_token, /^\S{16,}$/);
  assert.match(body.printedCardNumber, /^\d{10}$/);
}

function assertFailure(res, errorCode) {
  assert.equal(res.status, 200, "failures are HTTP 200 with result failure (our assumption)");
  assert.deepEqual(Object.keys(res.body).sort(), ["errorCode", "errorMessage", "result"]);
  assert.equal(res.body.result, "failure");
  assert.equal(res.body.errorCode, errorCode, JSON.stringify(res.body));
  assert.ok(res.body.errorMessage.length > 0);
}

async function codeFor({ state = "st-1", scope = "account_read user_read", username = "johndoe" } = {}) {
  const r = await signIn(
    authUrl(px.endpoints.authorization, {
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      state,
      scope,
    }),
    { username, password: "open456" },
  );
  assert.equal(r.status, 302, r.html);
  return r.location;
}

describe("[001] requestGuestToken examples", () => {
  test("the password-grant example body is accepted verbatim and answered like the example", async () => {
    const res = await requestGuestToken(PASSWORD_EXAMPLE);
    assert.equal(res.status, 200);
    assertSuccessShape(res.body, { scope: "user_read user_write account_read account_write", username: "johndoe" });
    assert.equal(res.body.printedCardNumber, "6000986775");
    assert.equal(Object.keys(res.body)[0], "result");
  });

  test("the refresh example body is accepted verbatim; the answer keeps the same refresh_token (as the example)", async () => {
    const res = await requestGuestToken(REFRESH_EXAMPLE);
    assert.equal(res.status, 200, res.text);
    assertSuccessShape(res.body, { scope: "user_read user_write account_read account_write", username: "johndoe" });
    assert.equal(res.body.refresh_token, DOC_REFRESH_TOKEN);
    // [001] refresh response: keys in the documented order.
    assert.deepEqual(Object.keys(res.body), [
      "result",
      "access_token",
      "expires_in",
      "printedCardNumber",
      "refresh_token",
      "scope",
      "token_type",
      "username",
    ]);
    // The example can be repeated: the refresh token is not rotated.
    const again = await requestGuestToken(REFRESH_EXAMPLE);
    assert.equal(again.body.result, "success");
    assert.notEqual(again.body.access_token, res.body.access_token);
  });

  test("refresh with a narrower scope; a wider one is invalid_scope", async () => {
    const login = await requestGuestToken({
      ...base,
      grant_type: "password",
      scope: "user_read",
      username: "ann",
      password: "x",
    });
    assert.equal(login.body.scope, "user_read");
    const narrower = await requestGuestToken({
      ...base,
      grant_type: "refresh_token",
      scope: "user_read",
      refresh_token: login.body.refresh_token,
    });
    assert.equal(narrower.body.result, "success");
    const wider = await requestGuestToken({
      ...base,
      grant_type: "refresh_token",
      scope: "user_read account_write",
      refresh_token: login.body.refresh_token,
    });
    assertFailure(wider, "invalid_scope");
  });
});

describe("[000] guest website redirect flow", () => {
  test("the document's authorization URL shows a sign-in form; sign-in redirects with code, state, expires_in=300", async () => {
    // [000]: ...accountlogin?response_type=code&client_id=awesomesite&redirect_uri=https%3A%2F%2Fwww.myawesomewebsite.com%2Flogin
    const docUrl = `${px.endpoints.authorization}?response_type=code&client_id=${CLIENT_ID}&redirect_uri=https%3A%2F%2Fwww.myawesomewebsite.com%2Flogin`;
    const page = await getManual(docUrl);
    assert.equal(page.status, 200);
    assert.match(page.text, /<input type="text" name="username"/);
    assert.match(page.text, /<input type="password" name="password"/);
    assert.match(page.text, /<button type="submit">/);
    assert.match(page.text, />Cancel</);
    const r = await signIn(docUrl, { username: "johndoe", password: "open456" });
    assert.equal(r.status, 302);
    assert.equal(`${r.location.origin}${r.location.pathname}`, REDIRECT_URI);
    assert.deepEqual([...r.location.searchParams.keys()], ["code", "expires_in"]); // no state was sent
    assert.equal(r.location.searchParams.get("expires_in"), "300");

    const withState = await codeFor({ state: "xyz" });
    assert.deepEqual([...withState.searchParams.keys()], ["code", "state", "expires_in"]);
    assert.equal(withState.searchParams.get("state"), "xyz");
  });

  test("the code is redeemed once with grant_type authorization_code; a second use fails", async () => {
    const cb = await codeFor({ scope: "account_read user_read" });
    const body = {
      ...base,
      grant_type: "authorization_code",
      code: cb.searchParams.get("code"),
      redirect_uri: REDIRECT_URI,
    };
    const res = await requestGuestToken(body);
    assert.equal(res.status, 200);
    assertSuccessShape(res.body, { scope: "account_read user_read", username: "johndoe" });
    assertFailure(await requestGuestToken(body), "invalid_grant");
  });

  test("the code expires 5 minutes after it was generated (emulator clock)", async () => {
    const early = await codeFor();
    const late = await codeFor();
    // Margins (290 / +20 s) keep a real-time second boundary from making this flaky.
    await hook(px, "/__test/advance-clock?seconds=290");
    const ok = await requestGuestToken({
      ...base,
      grant_type: "authorization_code",
      code: early.searchParams.get("code"),
      redirect_uri: REDIRECT_URI,
    });
    assert.equal(ok.body.result, "success");
    await hook(px, "/__test/advance-clock?seconds=20");
    const expired = await requestGuestToken({
      ...base,
      grant_type: "authorization_code",
      code: late.searchParams.get("code"),
      redirect_uri: REDIRECT_URI,
    });
    assertFailure(expired, "invalid_grant");
    assert.match(expired.body.errorMessage, /expired/);
  });

  test("the code is bound to its redirect_uri", async () => {
    const cb = await codeFor();
    const res = await requestGuestToken({
      ...base,
      grant_type: "authorization_code",
      code: cb.searchParams.get("code"),
      redirect_uri: "https://evil.example/login",
    });
    assertFailure(res, "invalid_grant");
  });

  test("requests that cannot go back to the client get an error page, never a redirect", async () => {
    const unknownClient = await getManual(
      authUrl(px.endpoints.authorization, { response_type: "code", client_id: "nope", redirect_uri: REDIRECT_URI }),
    );
    assert.equal(unknownClient.status, 400);
    assert.equal(unknownClient.location, undefined);
    const notListed = await getManual(
      authUrl(px.endpoints.authorization, {
        response_type: "code",
        client_id: CLIENT_ID,
        redirect_uri: "https://www.myawesomewebsite.com/other",
      }),
    );
    assert.equal(notListed.status, 400);
    assert.equal(notListed.location, undefined);
  });

  test("response_type other than code and unknown scope values are refused (redirect with error + state)", async () => {
    const token = await getManual(
      authUrl(px.endpoints.authorization, {
        response_type: "token",
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        state: "s1",
      }),
    );
    assert.equal(token.status, 302);
    assert.equal(token.location.searchParams.get("error"), "unsupported_response_type");
    assert.equal(token.location.searchParams.get("state"), "s1");
    assert.equal(token.location.searchParams.get("code"), null);
    const scope = await getManual(
      authUrl(px.endpoints.authorization, {
        response_type: "code",
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        state: "s2",
        scope: "account_read admin",
      }),
    );
    assert.equal(scope.location.searchParams.get("error"), "invalid_scope");
  });

  test("password 'wrong' shows an error on the page; Cancel redirects with error=access_denied and state", async () => {
    const url = authUrl(px.endpoints.authorization, {
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      state: "c1",
    });
    const r = await signIn(url, { username: "johndoe", password: "wrong" });
    assert.equal(r.status, 200);
    assert.match(r.html, /role="alert">Invalid username or password/);
    const cancel = await getManual(cancelHref(r.page, url));
    assert.equal(cancel.status, 302);
    assert.equal(cancel.location.searchParams.get("error"), "access_denied");
    assert.equal(cancel.location.searchParams.get("state"), "c1");
  });
});

describe("requestGuestToken failures (result failure, errorCode, errorMessage)", () => {
  const pw = { ...base, grant_type: "password", scope: "user_read", username: "bob", password: "pw" };
  const cases = [
    ["wrong client_secret", { ...pw, client_secret: "nope" }, "invalid_client"],
    ["unknown client_id", { ...pw, client_id: "nope" }, "invalid_client"],
    ["merchantId as a string", { ...pw, merchantId: "777777" }, "invalid_request"],
    ["other merchantId", { ...pw, merchantId: 1 }, "invalid_request"],
    ["authentication missing", { ...pw, authentication: undefined }, "invalid_request"],
    ["password 'wrong'", { ...pw, password: "wrong" }, "invalid_grant"],
    ["unknown scope", { ...pw, scope: "everything" }, "invalid_scope"],
    [
      "unknown refresh token",
      { ...base, grant_type: "refresh_token", refresh_token: "nope", scope: "user_read" },
      "invalid_grant",
    ],
    [
      "unknown code",
      { ...base, grant_type: "authorization_code", code: "nope", redirect_uri: REDIRECT_URI },
      "invalid_grant",
    ],
    ["unsupported grant_type", { ...pw, grant_type: "client_credentials" }, "unsupported_grant_type"],
  ];
  for (const [name, body, code] of cases) {
    test(name, async () => assertFailure(await requestGuestToken(body), code));
  }
  test("a form-encoded body is not accepted (the documents show JSON)", async () => {
    const res = await fetch(px.endpoints.token, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...pw, merchantId: "777777" }),
    });
    assertFailure({ status: res.status, body: await res.json() }, "invalid_request");
  });
});

describe("[001] access tokens (30 minutes) and the account API", () => {
  test("the API answers the user; after 30 minutes 'invalid token' (401); refresh and resend works", async () => {
    const login = await requestGuestToken({
      ...base,
      grant_type: "password",
      scope: "account_read",
      username: "carol",
      password: "pw",
    });
    const auth = { authorization: `Bearer ${login.body.access_token}` };
    const ok = await getJson(px.endpoints.accountInformation, auth);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.result, "success");
    assert.equal(ok.body.username, "carol");
    assert.equal(ok.body.printedCardNumber, login.body.printedCardNumber);
    assert.equal(typeof ok.body.balance, "number");

    await hook(px, "/__test/advance-clock?seconds=1790");
    assert.equal((await getJson(px.endpoints.accountInformation, auth)).status, 200);
    await hook(px, "/__test/advance-clock?seconds=10");
    const expired = await getJson(px.endpoints.accountInformation, auth);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body.result, "failure");
    assert.equal(expired.body.errorCode, "invalid_token");
    assert.match(expired.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);

    // [001] "Send a requestGuestToken call using the refresh token ... resend the call".
    const refreshed = await requestGuestToken({
      ...base,
      grant_type: "refresh_token",
      scope: "account_read",
      refresh_token: login.body.refresh_token,
    });
    assert.equal(refreshed.body.result, "success");
    const again = await getJson(px.endpoints.accountInformation, {
      authorization: `Bearer ${refreshed.body.access_token}`,
    });
    assert.equal(again.status, 200);
  });

  test("no token / unknown token: 401", async () => {
    const none = await getJson(px.endpoints.accountInformation);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate").includes("error="), false);
    const unknown = await getJson(px.endpoints.accountInformation, { authorization: "Bearer nope" });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.errorCode, "invalid_token");
  });
});

describe("test hooks", () => {
  test("fail-token answers the queued status once, then the normal answer", async () => {
    await hook(px, "/__test/fail-token?status=503&count=1");
    const failed = await requestGuestToken(PASSWORD_EXAMPLE);
    assert.equal(failed.status, 503);
    assert.equal(failed.body.result, "failure");
    const ok = await requestGuestToken(PASSWORD_EXAMPLE);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.result, "success");
  });

  test("revoke-all invalidates every access and refresh token; stats count it all", async () => {
    const login = await requestGuestToken({
      ...base,
      grant_type: "password",
      scope: "user_read",
      username: "dave",
      password: "pw",
    });
    const before = await hook(px, "/__test/stats", "GET");
    const revoked = await hook(px, "/__test/revoke-all");
    assert.ok(revoked.revoked >= 2);
    const api = await getJson(px.endpoints.accountInformation, { authorization: `Bearer ${login.body.access_token}` });
    assert.equal(api.status, 401);
    assertFailure(
      await requestGuestToken({
        ...base,
        grant_type: "refresh_token",
        scope: "user_read",
        refresh_token: login.body.refresh_token,
      }),
      "invalid_grant",
    );
    const stats = await hook(px, "/__test/stats", "GET");
    assert.equal(stats.revocations.revoke_all, before.revocations.revoke_all + 1);
    assert.equal(stats.token.by_grant.refresh_token, (before.token.by_grant.refresh_token ?? 0) + 1);
    assert.ok(stats.token.by_grant.password >= 1);
    assert.ok(stats.endpoints["POST /rest/oauth/requestGuestToken.json"] >= 1);
    assert.deepEqual(px.stats().revocations, stats.revocations);
  });

  test("hooks answer 404 when testHooks is off", async () => {
    const off = await startPaytronix({ clientId: "a", clientSecret: "b", redirectUris: [REDIRECT_URI] });
    try {
      const res = await fetch(`${off.url}/__test/revoke-all`, { method: "POST" });
      assert.equal(res.status, 404);
    } finally {
      await off.close();
    }
  });
});
