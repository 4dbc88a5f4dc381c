// The Worker against the Paytronix emulator (tests/providers/paytronix.mjs): the guest SSO code
// login, the password login ("requestGuestToken" with grant_type password), refresh, the account
// API through the proxy, and the document's "invalid token → refresh → resend".
//
//   scripts/build-worker.sh && node --test --test-timeout=120000 edge-worker/tests/
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { startPaytronix } from "../../tests/providers/paytronix.mjs";
import { hook } from "../../tests/support/http.mjs";
import { signIn } from "../../tests/support/oauth-http.mjs";
import { APP, SESSION, TX, assertCleared, maxAge, startWorker } from "../../tests/support/worker.mjs";

const CLIENT_ID = "3FTmkQuXBnotarealcklientIDFCO9PREEnj_WHaK";
const CLIENT_SECRET = randomBytes(18).toString("base64url");
const REDIRECT_URI = `${APP}/callback`;
const SESSION_TTL = 3600;

let px;
let w;

before(async () => {
  px = await startPaytronix({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
    testHooks: true,
  });
  const entry = {
    profile: "paytronix",
    authorization_endpoint: px.endpoints.authorization,
    token_endpoint: px.endpoints.token,
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    dialect: { token_params: [["merchantId", px.merchantId]] },
  };
  w = await startWorker({
    PROVIDERS: {
      px: { ...entry, allow_password_grant: true, api: { base_url: `${px.url}/rest/guest/`, methods: ["GET"] } },
      "px-sso-only": entry,
    },
    CLIENT_SECRET_PX: CLIENT_SECRET,
    CLIENT_SECRET_PX_SSO_ONLY: CLIENT_SECRET,
    SESSION_TTL_SECONDS: String(SESSION_TTL),
  });
});

after(async () => {
  await w?.close();
  await px?.close();
});

const grants = async () => (await hook(px, "/__test/stats", "GET")).token.by_grant;

function passwordLogin(username, password = "pw", provider = "px") {
  return w.call("/auth/password", { body: { provider, username, password } });
}

describe("Paytronix", () => {
  test("code login: the guest SSO redirect, then requestGuestToken with the code", async () => {
    const tx = await w.begin({ provider: "px" });
    const { json } = tx.res;
    assert.equal(json.code_param, "code");
    assert.equal(json.delivery, "code");
    const url = new URL(json.authorization_url);
    assert.equal(`${url.origin}${url.pathname}`, px.endpoints.authorization);
    assert.equal(url.searchParams.get("response_type"), "code");
    assert.equal(url.searchParams.get("client_id"), CLIENT_ID);
    assert.equal(url.searchParams.get("redirect_uri"), REDIRECT_URI);
    assert.equal(url.searchParams.get("scope"), "account_read account_write user_read user_write");
    assert.equal(url.searchParams.get("state"), tx.state);
    // Issue 6, finding 10: the document does not forbid other parameters, so PKCE is sent in case
    // the provider checks it (the emulator ignores it, as the document says nothing of it).
    assert.equal(url.searchParams.get("code_challenge"), tx.challenge);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");

    const before = await grants();
    const signedIn = await signIn(json.authorization_url, { username: "johndoe" });
    const cb = signedIn.location;
    const res = await w.call("/auth/token", {
      cookie: tx.txCookie,
      body: { code: cb.searchParams.get("code"), state: cb.searchParams.get("state"), code_verifier: tx.verifier },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.provider, "px");
    assert.equal(res.json.token_type, "Bearer");
    assert.equal(typeof res.json.access_token, "string");
    assert.equal(res.json.user.username, "johndoe");
    assert.match(res.json.user.printedCardNumber, /^6000\d{6}$/);
    assert.equal(res.json.refresh_token, undefined);
    assert.ok(res.cookies[SESSION]);
    assertCleared(res.cookies[TX], TX);
    assert.equal((await grants()).authorization_code, (before.authorization_code ?? 0) + 1);
  });

  test("password login: token view from the token response's user fields, session cookie", async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const res = await passwordLogin("janedoe");
    assert.equal(res.status, 200, res.text);
    const s = w.session(res);
    assert.equal(s.view.user.username, "janedoe");
    assert.match(s.view.user.printedCardNumber, /^6000\d{6}$/);
    assert.ok(s.view.expires_at >= t0 + 1790 && s.view.expires_at <= t0 + 1810, "expires_in 1800");
    assert.equal(maxAge(res.cookies[SESSION]), SESSION_TTL);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const rec = await w.record(s.kvKey);
    assert.equal(rec.provider, "px");
    assert.equal(rec.access_token, s.view.access_token);
  });

  test("login failure: 401 login_failed with the provider's errorCode and errorMessage", async () => {
    const res = await passwordLogin("johndoe", "wrong");
    assert.equal(res.status, 401);
    assert.equal(res.json.code, "login_failed");
    assert.equal(res.json.error, "invalid_grant");
    assert.equal(res.json.error_description, "invalid username or password");
    assert.match(res.json.message, /password/);
    assert.equal(res.cookies[SESSION], undefined);
  });

  test("password grant off for a provider without allow_password_grant: 403 password_grant_disabled", async () => {
    const before = (await hook(px, "/__test/stats", "GET")).token.total;
    const res = await passwordLogin("johndoe", "pw", "px-sso-only");
    assert.equal(res.status, 403);
    assert.equal(res.json.code, "password_grant_disabled");
    assert.equal((await hook(px, "/__test/stats", "GET")).token.total, before, "nothing was sent");
    const bad = await w.call("/auth/password", { body: { provider: "px", username: "", password: "pw" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, "bad_request");
  });

  test("no registration endpoint: 404 registration_unavailable", async () => {
    const res = await w.call("/auth/register", { body: { provider: "px", username: "new", password: "pw" } });
    assert.equal(res.status, 404);
    assert.equal(res.json.code, "registration_unavailable");
  });

  test("refresh: grant_type refresh_token, the same refresh token kept (Paytronix does not rotate)", async () => {
    const s = w.session(await passwordLogin("refresher"));
    const rt = (await w.record(s.kvKey)).refresh_token;
    const before = (await grants()).refresh_token ?? 0;
    const res = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.json.access_token, s.view.access_token);
    assert.equal(res.json.user.username, "refresher");
    assert.equal((await grants()).refresh_token, before + 1);
    const rec = await w.record(s.kvKey);
    assert.equal(rec.refresh_token, rt);
    assert.equal(rec.access_token, res.json.access_token);
  });

  test("API proxy: the account API with the session's Bearer token; status, type, body passed back", async () => {
    const s = w.session(await passwordLogin("apiuser"));
    const res = await w.api("/api/px/accountInformation.json", { cookie: s.cookie });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get("content-type"), /^application\/json/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.json.result, "success");
    assert.equal(res.json.username, "apiuser");
    assert.equal(res.json.printedCardNumber, s.view.user.printedCardNumber);
    // An unknown account path: the API's own 404 comes back as is.
    const missing = await w.api("/api/px/nope.json", { cookie: s.cookie });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.result, "failure");
  });

  test("invalid token at the API: the Worker refreshes and resends the call", async () => {
    const s = w.session(await passwordLogin("stale"));
    const stats0 = await hook(px, "/__test/stats", "GET");
    // 30 minutes pass at Paytronix: the access token is dead there, the Worker does not know yet.
    await hook(px, "/__test/advance-clock?seconds=1801");
    const res = await w.api("/api/px/accountInformation.json", { cookie: s.cookie });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.username, "stale");
    const stats1 = await hook(px, "/__test/stats", "GET");
    assert.equal(stats1.api.unauthorized, stats0.api.unauthorized + 1, "the first call was refused");
    assert.equal(stats1.token.by_grant.refresh_token, (stats0.token.by_grant.refresh_token ?? 0) + 1);
    assert.equal(stats1.api.ok, stats0.api.ok + 1, "the call was sent again");
    assert.notEqual((await w.record(s.kvKey)).access_token, s.view.access_token);
  });

  test("a refresh the provider refuses ends the session at the proxy: 401 session_ended", async () => {
    const s = w.session(await passwordLogin("revoked"));
    await hook(px, "/__test/revoke-all");
    const res = await w.api("/api/px/accountInformation.json", { cookie: s.cookie });
    assert.equal(res.status, 401);
    assert.equal(res.json.code, "session_ended");
    assert.equal(res.json.error, "invalid_grant");
    assertCleared(res.cookies[SESSION], SESSION);
    assert.equal(await w.record(s.kvKey), null);
  });
});
