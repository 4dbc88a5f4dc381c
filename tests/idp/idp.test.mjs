// Proves the local IdP (tests/idp/server.mjs) behaves as the Worker and the e2e tests expect:
// code + PKCE, confidential client auth, userinfo, refresh rotation, RFC 7009 revocation,
// RFC 9207 iss, the protected demo API, and the fault-injection hooks.
// Run: node --test --test-timeout=60000 tests/idp/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { startIdp } from "./server.mjs";
import { CookieJar, pkcePair, postForm, randomState, signInAtIdp } from "../support/oauth-http.mjs";
import { freePort } from "../support/ports.mjs";
import { startProcess } from "../support/proc.mjs";

const CLIENT_ID = "oauth-edge-demo";
const CLIENT_SECRET = "s3cret with spaces+symbols";
const APP_ORIGIN = "http://localhost:8787";
const REDIRECT_URI = `${APP_ORIGIN}/callback`;
const creds = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

function authorizationUrl(idp, { challenge, state, scope = "openid profile offline_access", extra = {} }) {
  const u = new URL("/auth", idp.issuer);
  const params = {
    client_id: CLIENT_ID,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/** Sign in as `username` and redeem the code; returns the token response body. */
async function login(idp, { username = "alice", auth = "basic", extra } = {}) {
  const { verifier, challenge } = pkcePair();
  const state = randomState();
  const cb = await signInAtIdp(authorizationUrl(idp, { challenge, state, extra }), { username });
  assert.equal(cb.searchParams.get("state"), state);
  const tok = await postForm(
    new URL("/token", idp.issuer),
    {
      grant_type: "authorization_code",
      code: cb.searchParams.get("code"),
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    },
    { ...creds, auth },
  );
  assert.equal(tok.status, 200, tok.text);
  return tok.body;
}

const refresh = (idp, refreshToken, auth = "basic") =>
  postForm(
    new URL("/token", idp.issuer),
    { grant_type: "refresh_token", refresh_token: refreshToken },
    { ...creds, auth },
  );

const hook = async (idp, path, method = "POST") => {
  const res = await fetch(new URL(path, idp.issuer), { method });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
};

describe("local IdP (oidc-provider)", () => {
  let idp;
  before(async () => {
    idp = await startIdp({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
      accessTokenTtl: 60,
      testHooks: true,
    });
  });
  after(() => idp?.close());

  test("discovery: http issuer on 127.0.0.1, RFC 9207 iss, S256 only, revocation", async () => {
    assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    const d = await (await fetch(new URL("/.well-known/openid-configuration", idp.issuer))).json();
    assert.equal(d.issuer, idp.issuer);
    assert.equal(d.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(d.code_challenge_methods_supported, ["S256"]);
    assert.equal(d.revocation_endpoint, `${idp.issuer}/token/revocation`);
    assert.equal(d.token_endpoint, `${idp.issuer}/token`);
    assert.equal(d.userinfo_endpoint, `${idp.issuer}/me`);
    assert.ok(d.token_endpoint_auth_methods_supported.includes("client_secret_basic"));
    assert.ok(d.token_endpoint_auth_methods_supported.includes("client_secret_post"));
  });

  test("code + PKCE -> tokens -> userinfo -> rotated refresh -> revoke -> invalid_grant", async () => {
    const { verifier, challenge } = pkcePair();
    const state = randomState();
    const jar = new CookieJar();
    const cb = await signInAtIdp(authorizationUrl(idp, { challenge, state }), { username: "alice", jar });
    assert.equal(cb.origin + cb.pathname, REDIRECT_URI);
    assert.equal(cb.searchParams.get("state"), state);
    assert.equal(cb.searchParams.get("iss"), idp.issuer, "RFC 9207 iss in the authorization response");
    const code = cb.searchParams.get("code");
    assert.ok(code);

    // wrong verifier first: the code must not be redeemable without the right one
    const bad = await postForm(
      new URL("/token", idp.issuer),
      {
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkcePair().verifier,
      },
      creds,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, "invalid_grant");

    // start over with a fresh code (same IdP session: no login form this time)
    const cb2 = await signInAtIdp(authorizationUrl(idp, { challenge, state }), { jar });
    const tok = await postForm(
      new URL("/token", idp.issuer),
      {
        grant_type: "authorization_code",
        code: cb2.searchParams.get("code"),
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      },
      creds,
    );
    assert.equal(tok.status, 200, tok.text);
    assert.equal(tok.headers.get("cache-control"), "no-store");
    const t = tok.body;
    assert.equal(t.token_type, "Bearer");
    assert.equal(t.expires_in, 60);
    assert.ok(t.access_token && t.refresh_token && t.id_token);
    assert.equal(t.scope, "openid profile");

    const ui = await fetch(new URL("/me", idp.issuer), { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(ui.status, 200);
    assert.deepEqual(await ui.json(), { sub: "alice", name: "Alice", preferred_username: "alice" });

    const r1 = await refresh(idp, t.refresh_token, "post");
    assert.equal(r1.status, 200, r1.text);
    assert.ok(r1.body.access_token);
    assert.notEqual(r1.body.access_token, t.access_token);
    assert.ok(r1.body.refresh_token);
    assert.notEqual(r1.body.refresh_token, t.refresh_token, "refresh token rotated");

    const revocationsBefore = (await hook(idp, "/__test/stats", "GET")).revocations;
    const rv = await postForm(
      new URL("/token/revocation", idp.issuer),
      { token: r1.body.refresh_token, token_type_hint: "refresh_token" },
      creds,
    );
    assert.equal(rv.status, 200, rv.text);
    assert.equal((await hook(idp, "/__test/stats", "GET")).revocations, revocationsBefore + 1);

    const r2 = await refresh(idp, r1.body.refresh_token);
    assert.equal(r2.status, 400);
    assert.equal(r2.body.error, "invalid_grant");

    // revoking the refresh token revoked the whole grant: its access token is dead too
    const api = await fetch(new URL("/api/hello", idp.issuer), {
      headers: { authorization: `Bearer ${r1.body.access_token}` },
    });
    assert.equal(api.status, 401);
  });

  test("reusing a rotated refresh token is refused", async () => {
    const t = await login(idp, { username: "bob" });
    const r1 = await refresh(idp, t.refresh_token);
    assert.equal(r1.status, 200, r1.text);
    const reuse = await refresh(idp, t.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, "invalid_grant");
  });

  test("PKCE is required and only S256 is accepted", async () => {
    const state = randomState();
    const noPkce = await signInAtIdp(
      authorizationUrl(idp, { challenge: undefined, state, extra: { code_challenge_method: undefined } }),
    );
    assert.equal(noPkce.searchParams.get("error"), "invalid_request");
    assert.match(noPkce.searchParams.get("error_description"), /PKCE/);
    assert.equal(noPkce.searchParams.get("iss"), idp.issuer);

    const plain = await signInAtIdp(
      authorizationUrl(idp, { challenge: "a".repeat(43), state, extra: { code_challenge_method: "plain" } }),
    );
    assert.equal(plain.searchParams.get("error"), "invalid_request");
  });

  test("client authentication: wrong secret is invalid_client; post and basic both work", async () => {
    const wrong = await postForm(
      new URL("/token", idp.issuer),
      { grant_type: "refresh_token", refresh_token: "x" },
      { clientId: CLIENT_ID, clientSecret: "nope" },
    );
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, "invalid_client");
    const viaPost = await login(idp, { auth: "post" });
    assert.ok(viaPost.refresh_token);
  });

  test("unregistered redirect_uri is not redirected to", async () => {
    const { challenge } = pkcePair();
    const u = new URL(authorizationUrl(idp, { challenge, state: "s" }));
    u.searchParams.set("redirect_uri", "http://localhost:9999/evil");
    const res = await fetch(u, { redirect: "manual" });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("location"), null);
  });

  test("prompt=consent does not show a consent page and keeps offline_access", async () => {
    const t = await login(idp, { username: "carol", extra: { prompt: "consent" } });
    assert.equal(t.scope, "openid profile offline_access");
    assert.ok(t.refresh_token);
  });

  test("demo API: 200 with a valid token (CORS for the app origin), 401 otherwise", async () => {
    const t = await login(idp, { username: "dave" });
    const ok = await fetch(new URL("/api/hello", idp.issuer), {
      headers: { authorization: `Bearer ${t.access_token}`, origin: APP_ORIGIN },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("access-control-allow-origin"), APP_ORIGIN);
    const body = await ok.json();
    assert.equal(body.message, "Hello, dave");
    assert.equal(body.sub, "dave");
    assert.equal(body.scope, "openid profile");
    assert.ok(!Number.isNaN(Date.parse(body.at)));

    const pre = await fetch(new URL("/api/hello", idp.issuer), {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), APP_ORIGIN);
    assert.match(pre.headers.get("access-control-allow-headers"), /Authorization/i);

    const evil = await fetch(new URL("/api/hello", idp.issuer), {
      headers: { authorization: `Bearer ${t.access_token}`, origin: "http://evil.example" },
    });
    assert.equal(evil.headers.get("access-control-allow-origin"), null);

    const bad = await fetch(new URL("/api/hello", idp.issuer), { headers: { authorization: "Bearer not-a-token" } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);
    assert.deepEqual(await bad.json(), { error: "invalid_token" });

    const none = await fetch(new URL("/api/hello", idp.issuer));
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate"), /^Bearer/);

    // access tokens revoked (refresh token kept): 401, and a refresh brings a working one back
    await hook(idp, "/__test/revoke-access-tokens");
    const gone = await fetch(new URL("/api/hello", idp.issuer), {
      headers: { authorization: `Bearer ${t.access_token}` },
    });
    assert.equal(gone.status, 401);
    const r = await refresh(idp, t.refresh_token);
    assert.equal(r.status, 200, r.text);
    const back = await fetch(new URL("/api/hello", idp.issuer), {
      headers: { authorization: `Bearer ${r.body.access_token}` },
    });
    assert.equal(back.status, 200);
  });

  test("hooks: fail-token, malformed-token, delay-token, revoke-grants, stats", async () => {
    const t = await login(idp, { username: "erin" });
    await hook(idp, "/__test/reset");

    await hook(idp, "/__test/fail-token?status=500&count=1");
    const f1 = await refresh(idp, t.refresh_token);
    assert.equal(f1.status, 500);
    assert.equal(f1.body, undefined, "5xx body is not JSON");

    await hook(idp, "/__test/fail-token?status=400&error=invalid_grant&count=1");
    const f2 = await refresh(idp, t.refresh_token);
    assert.equal(f2.status, 400);
    assert.equal(f2.body.error, "invalid_grant");

    await hook(idp, "/__test/malformed-token?count=1");
    const m = await refresh(idp, t.refresh_token);
    assert.equal(m.status, 200);
    assert.match(m.headers.get("content-type"), /application\/json/);
    assert.throws(() => JSON.parse(m.text));

    await hook(idp, "/__test/malformed-token?mode=no-access-token");
    const m2 = await refresh(idp, t.refresh_token);
    assert.equal(m2.status, 200);
    assert.equal(m2.body.access_token, undefined);

    // a fault bound to another grant_type leaves refreshes alone (the faults above did not consume
    // the refresh token: it still works)
    await hook(idp, "/__test/fail-token?status=503&grant_type=authorization_code");
    const ok = await refresh(idp, t.refresh_token);
    assert.equal(ok.status, 200, ok.text);
    let stats = await hook(idp, "/__test/stats", "GET");
    assert.equal(stats.pending_faults, 1);
    await hook(idp, "/__test/reset");

    await hook(idp, "/__test/delay-token?ms=300");
    const t0 = Date.now();
    const d = await refresh(idp, ok.body.refresh_token);
    assert.equal(d.status, 200, d.text);
    assert.ok(Date.now() - t0 >= 280, "delayed");

    const { revoked } = await hook(idp, "/__test/revoke-grants?sub=erin");
    assert.equal(revoked >= 1, true);
    const dead = await refresh(idp, d.body.refresh_token);
    assert.equal(dead.status, 400);
    assert.equal(dead.body.error, "invalid_grant");

    stats = await hook(idp, "/__test/stats", "GET");
    assert.deepEqual(stats.token.by_grant_type, { refresh_token: 2 });
    assert.equal(stats.token.injected, 1);
    assert.equal(stats.token.by_status["200"], 1);
    assert.equal(stats.token.by_status["400"], 1);
    assert.equal(stats.revocations, 0);
  });

  test("revoke-grants without sub ends every session", async () => {
    const a = await login(idp, { username: "frank" });
    const b = await login(idp, { username: "grace" });
    await hook(idp, "/__test/revoke-grants");
    for (const t of [a, b]) {
      const r = await refresh(idp, t.refresh_token);
      assert.equal(r.body.error, "invalid_grant");
    }
  });
});

test("test hooks are off unless asked for", async () => {
  const idp = await startIdp({
    clients: [{ client_id: "c", client_secret: "s", redirect_uris: ["http://127.0.0.1:1/cb"] }],
  });
  try {
    const res = await fetch(new URL("/__test/stats", idp.issuer));
    assert.equal(res.status, 404);
    const f = await fetch(new URL("/__test/fail-token", idp.issuer), { method: "POST" });
    assert.equal(f.status, 404);
  } finally {
    await idp.close();
  }
});

test("CLI prints IDP_READY and serves a working login on the given port", async () => {
  const port = await freePort();
  const server = fileURLToPath(new URL("./server.mjs", import.meta.url));
  const proc = await startProcess(
    process.execPath,
    [
      server,
      "--port",
      String(port),
      "--client-id",
      CLIENT_ID,
      "--client-secret",
      CLIENT_SECRET,
      "--redirect-uri",
      REDIRECT_URI,
      "--access-token-ttl",
      "42",
      "--test-hooks",
    ],
    { readyLine: /^IDP_READY (\S+)$/, timeoutMs: 20_000, name: "idp-cli" },
  );
  try {
    const url = proc.match[1];
    assert.equal(url, `http://127.0.0.1:${port}`);
    const t = await login({ issuer: url });
    assert.equal(t.expires_in, 42);
    const stats = await (await fetch(`${url}/__test/stats`)).json();
    assert.equal(stats.token.by_grant_type.authorization_code, 1);
    assert.doesNotMatch(proc.output(), /WARNING/);
  } finally {
    await proc.stop();
  }
  const { code, signal } = await proc.exited;
  assert.ok(code === 0 || signal === "SIGINT", `exit code ${code} signal ${signal}`);
});
