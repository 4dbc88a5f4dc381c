// The Worker against the PayoutID emulator (tests/providers/payoutid.mjs), one instance per
// environment: the code arrives as `authorization_code`, `environment` picks the host, the session
// lives no longer than the 90-day refresh token, and the client-credentials API route.
//
//   scripts/build-worker.sh && node --test --test-timeout=120000 edge-worker/tests/
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { startPayoutId } from "../../tests/providers/payoutid.mjs";
import { hook } from "../../tests/support/http.mjs";
import { signIn } from "../../tests/support/oauth-http.mjs";
import { APP, SESSION, maxAge, nowSec, startWorker } from "../../tests/support/worker.mjs";

const CLIENT_ID = "payout-client";
const CLIENT_SECRET = randomBytes(18).toString("base64url");
const REDIRECT_URI = `${APP}/callback`;
const YEAR = 365 * 24 * 3600;
const NINETY_DAYS = 90 * 24 * 3600;

let sandbox;
let production;
let w;

before(async () => {
  const opts = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI], testHooks: true };
  sandbox = await startPayoutId({ ...opts, environment: "sandbox" });
  production = await startPayoutId({ ...opts, environment: "production" });
  const entry = (environment, api) => ({
    profile: "payoutid",
    environments: { sandbox: sandbox.url, production: production.url },
    environment,
    token_endpoint: "/api/oauth/token",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: "user rates",
    api: { base_url: "/api/v1/", methods: ["GET"], ...api },
  });
  w = await startWorker({
    PROVIDERS: {
      payout: entry("sandbox"),
      "payout-live": entry("production"),
      "payout-app": entry("sandbox", { token: "client_credentials" }),
      "payout-public": entry("sandbox", { token: "client_credentials", anonymous: true }),
      "payout-flood": entry("sandbox", { token: "client_credentials" }),
    },
    CLIENT_SECRET_PAYOUT_PUBLIC: CLIENT_SECRET,
    CLIENT_SECRET_PAYOUT_FLOOD: CLIENT_SECRET,
    RATE_LIMITS: JSON.stringify({ anonymous_api_per_ip: { max: 3, window_seconds: 60 } }),
    CLIENT_SECRET_PAYOUT: CLIENT_SECRET,
    CLIENT_SECRET_PAYOUT_LIVE: CLIENT_SECRET,
    CLIENT_SECRET_PAYOUT_APP: CLIENT_SECRET,
    // Longer than the refresh token's 90 days: the provider's lifetime must win.
    SESSION_TTL_SECONDS: String(YEAR),
  });
});

after(async () => {
  await w?.close();
  await sandbox?.close();
  await production?.close();
});

const stats = (emulator) => hook(emulator, "/__test/stats", "GET");

describe("PayoutID", () => {
  test("code login: the code comes back as authorization_code; the session TTL is the refresh token's 90 days", async () => {
    const tx = await w.begin({ provider: "payout" });
    assert.equal(tx.res.json.code_param, "authorization_code");
    assert.equal(tx.res.json.delivery, "code");
    const url = new URL(tx.res.json.authorization_url);
    assert.equal(`${url.origin}${url.pathname}`, sandbox.endpoints.authorization);
    assert.equal(url.searchParams.get("code_challenge"), tx.challenge);
    const signedIn = await signIn(tx.res.json.authorization_url, { username: "payer" });
    const cb = signedIn.location;
    assert.equal(cb.searchParams.get("code"), null);
    const code = cb.searchParams.get("authorization_code");
    assert.ok(code);

    const t0 = nowSec();
    const res = await w.call("/auth/token", {
      cookie: tx.txCookie,
      body: { code, state: cb.searchParams.get("state"), code_verifier: tx.verifier },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.provider, "payout");
    assert.ok(res.json.expires_at >= t0 + 3590 && res.json.expires_at <= t0 + 3610);
    const s = w.session(res);

    // SESSION_TTL_SECONDS is a year; PayoutID's refresh token lives 90 days: cookie and KV end then.
    assert.equal(maxAge(res.cookies[SESSION]), NINETY_DAYS);
    const {
      keys: [meta],
    } = await w.kv.list({ prefix: s.kvKey });
    assert.ok(
      meta.expiration <= t0 + NINETY_DAYS + 30 && meta.expiration >= t0 + NINETY_DAYS - 30,
      `KV expiration ${meta.expiration - t0} s`,
    );

    const user = await w.api("/api/payout/user", { cookie: s.cookie });
    assert.equal(user.status, 200, user.text);
    assert.equal(user.json.environment, "sandbox");
    assert.equal(user.json.user.username, "payer");
  });

  test("environment picks the host: production logins and API calls go to the production instance only", async () => {
    const [sb0, pr0] = await Promise.all([stats(sandbox), stats(production)]);
    const tx = await w.begin({ provider: "payout-live" });
    const url = new URL(tx.res.json.authorization_url);
    assert.equal(url.origin, production.url);
    const s = await w.codeLogin({ provider: "payout-live", username: "live-user", codeParam: "authorization_code" });
    const user = await w.api("/api/payout-live/user", { cookie: s.cookie });
    assert.equal(user.status, 200, user.text);
    assert.equal(user.json.environment, "production");
    assert.equal(user.json.user.username, "live-user");
    const [sb1, pr1] = await Promise.all([stats(sandbox), stats(production)]);
    assert.equal(pr1.token.by_grant.authorization_code, (pr0.token.by_grant.authorization_code ?? 0) + 1);
    assert.equal(pr1.api.ok, pr0.api.ok + 1);
    assert.equal(sb1.token.total, sb0.token.total, "nothing went to the sandbox");
    assert.equal(sb1.api.ok, sb0.api.ok);
  });

  test("refresh rotates the refresh token (grant_type refresh_token); the API keeps working", async () => {
    const s = await w.codeLogin({ provider: "payout", username: "rotor", codeParam: "authorization_code" });
    const rt0 = (await w.record(s.kvKey)).refresh_token;
    const res = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
    assert.equal(res.status, 200, res.text);
    const rec = await w.record(s.kvKey);
    assert.notEqual(rec.refresh_token, rt0);
    assert.equal(rec.access_token, res.json.access_token);
    const user = await w.api("/api/payout/user", { cookie: s.cookie });
    assert.equal(user.json.user.username, "rotor");
  });

  // Issue 6, finding 1: the app's own token served anyone who sent the CSRF header.
  test("client credentials: a session of this app is required; without one nothing reaches the provider", async () => {
    const before = (await stats(sandbox)).token.by_grant.client_credentials ?? 0;
    for (const cookie of [undefined, `${SESSION}=${"A".repeat(43)}`]) {
      const res = await w.api("/api/payout-app/rates", { cookie });
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json.code, "no_session");
    }
    assert.equal((await stats(sandbox)).token.by_grant.client_credentials ?? 0, before);
  });

  test("client credentials: with a session, one token request for two calls, held by the Durable Object (nothing in KV)", async () => {
    const s = await w.codeLogin({ provider: "payout", username: "ccuser", codeParam: "authorization_code" });
    const before = (await stats(sandbox)).token.by_grant.client_credentials ?? 0;
    for (let i = 0; i < 2; i++) {
      const res = await w.api("/api/payout-app/rates", { cookie: s.cookie });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.token_kind, "client");
      assert.equal(res.json.environment, "sandbox");
      assert.equal(res.headers.get("cache-control"), "no-store");
    }
    assert.equal((await stats(sandbox)).token.by_grant.client_credentials, before + 1);
    assert.deepEqual((await w.kv.list({ prefix: "cc:" })).keys, []);
    // A user's endpoint refuses an app token: the API's 403 is passed back.
    const user = await w.api("/api/payout-app/user", { cookie: s.cookie });
    assert.equal(user.status, 403);
    assert.equal(user.json.error, "insufficient_scope");
  });

  // Issue 6, finding 1: each upstream 401 used to drop the shared token and fetch another, and two
  // first calls each fetched one.
  test("client credentials: one fetch for concurrent first calls; refusals replace the token at most once per REPLACE_FLOOR (10 s)", async () => {
    const s = await w.codeLogin({ provider: "payout", username: "ccflood", codeParam: "authorization_code" });
    const count = async () => (await stats(sandbox)).token.by_grant.client_credentials ?? 0;
    const calls = (n) =>
      Promise.all(Array.from({ length: n }, () => w.api("/api/payout-flood/rates", { cookie: s.cookie })));
    const c0 = await count();
    const firsts = await calls(8);
    assert.deepEqual(
      firsts.map((r) => r.status),
      Array(8).fill(200),
    );
    assert.equal(await count(), c0 + 1, "concurrent first calls: single flight");
    const t0 = Date.now();
    await hook(sandbox, "/__test/revoke-all");
    const flood = await calls(8);
    assert.ok(Date.now() - t0 < 9000, "the flood took too long for this test to mean anything");
    assert.deepEqual(
      flood.map((r) => r.status),
      Array(8).fill(401),
      "within the floor the API's 401 stands",
    );
    assert.equal(await count(), c0 + 1, "no token fetched for refusals within the floor");
    await new Promise((r) => setTimeout(r, 10_500));
    const later = await calls(4);
    assert.deepEqual(
      later.map((r) => r.status),
      Array(4).fill(200),
    );
    assert.equal(await count(), c0 + 2, "after the floor: replaced exactly once");
  });

  test("client credentials opened to anonymous callers: rate-limited per client address (429 + Retry-After)", async () => {
    const ip = (n) => ({ "CF-Connecting-IP": `203.0.113.${n}` });
    for (let i = 0; i < 3; i++) {
      const res = await w.api("/api/payout-public/rates", { headers: ip(7) });
      assert.equal(res.status, 200, res.text);
    }
    const over = await w.api("/api/payout-public/rates", { headers: ip(7) });
    assert.equal(over.status, 429, over.text);
    assert.equal(over.json.code, "rate_limited");
    assert.ok(Number(over.headers.get("retry-after")) >= 1);
    assert.equal(over.headers.get("x-oauth-edge-error"), "1");
    // Another address has its own count.
    assert.equal((await w.api("/api/payout-public/rates", { headers: ip(8) })).status, 200);
  });
});
