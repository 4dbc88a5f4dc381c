// Proves the PayoutID emulator (payoutid.mjs) follows /work/shared/providers/002_…: one instance per
// environment, the code comes back as `authorization_code`, access tokens live one hour, refresh
// tokens 90 days (rotated, never accepted by the API), client credentials; RFC 6749 where [002] is silent.
// Run: node --test --test-timeout=60000 tests/providers/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { getJson, getManual, hook } from "../support/http.mjs";
import { authUrl, cancelHref, postForm, signIn } from "../support/oauth-http.mjs";
import { startPayoutId } from "./payoutid.mjs";

const CLIENT_ID = "payout-client";
const CLIENT_SECRET = "p@yout secret+1";
const REDIRECT_URI = "http://localhost:8787/callback";
const creds = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

let sandbox;
let production;

before(async () => {
  [sandbox, production] = await Promise.all([
    startPayoutId({ environment: "sandbox", ...creds, redirectUris: [REDIRECT_URI], testHooks: true }),
    startPayoutId({ environment: "production", ...creds, redirectUris: [REDIRECT_URI], testHooks: true }),
  ]);
});
after(async () => Promise.all([sandbox?.close(), production?.close()]));

async function authorize(env, { state = "s-1", scope = "user.read", username = "alice", password = "pw" } = {}) {
  return signIn(
    authUrl(env.endpoints.authorization, {
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope,
      state,
    }),
    { username, password },
  );
}

async function login(env, opts) {
  const r = await authorize(env, opts);
  assert.equal(r.status, 302, r.html);
  const code = r.location.searchParams.get("authorization_code");
  const tok = await postForm(
    env.endpoints.token,
    { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
    creds,
  );
  assert.equal(tok.status, 200, tok.text);
  return tok.body;
}

const refresh = (env, rt, auth = "basic") =>
  postForm(env.endpoints.token, { grant_type: "refresh_token", refresh_token: rt }, { ...creds, auth });

describe("[002] authorization code grant", () => {
  test("sign-in + consent page shows the environment and scopes; redirect carries `authorization_code` and state", async () => {
    const url = authUrl(sandbox.endpoints.authorization, {
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: "user.read rates",
      state: "abc",
    });
    const page = await getManual(url);
    assert.equal(page.status, 200);
    assert.match(page.text, /data-environment="sandbox"/);
    assert.match(page.text, /<li>user\.read<\/li><li>rates<\/li>/);
    assert.match((await getManual(url.replace(sandbox.url, production.url))).text, /data-environment="production"/);

    const r = await authorize(sandbox, { state: "abc" });
    assert.equal(r.status, 302);
    assert.equal(`${r.location.origin}${r.location.pathname}`, REDIRECT_URI);
    assert.deepEqual([...r.location.searchParams.keys()], ["authorization_code", "state"]);
    assert.equal(r.location.searchParams.get("state"), "abc");
    assert.equal(r.location.searchParams.get("code"), null);
  });

  test("the code is exchanged (client_secret_basic and client_secret_post) for a 1-hour Bearer token + refresh token", async () => {
    for (const auth of ["basic", "post"]) {
      const r = await authorize(sandbox);
      const tok = await postForm(
        sandbox.endpoints.token,
        {
          grant_type: "authorization_code",
          code: r.location.searchParams.get("authorization_code"),
          redirect_uri: REDIRECT_URI,
        },
        { ...creds, auth },
      );
      assert.equal(tok.status, 200, tok.text);
      assert.match(tok.headers.get("content-type"), /^application\/json/);
      assert.equal(tok.headers.get("cache-control"), "no-store");
      assert.equal(tok.body.token_type, "Bearer");
      assert.equal(tok.body.expires_in, 3600);
      assert.ok(tok.body.access_token && tok.body.refresh_token);
      assert.equal(tok.body.scope, "user.read");
    }
  });

  test("a code works once (reuse: invalid_grant, and what it issued is revoked); it is bound to redirect_uri", async () => {
    const r = await authorize(sandbox);
    const code = r.location.searchParams.get("authorization_code");
    const first = await postForm(
      sandbox.endpoints.token,
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
      creds,
    );
    assert.equal(first.status, 200);
    const second = await postForm(
      sandbox.endpoints.token,
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
      creds,
    );
    assert.equal(second.status, 400);
    assert.equal(second.body.error, "invalid_grant");
    assert.equal(
      (await getJson(sandbox.endpoints.user, { authorization: `Bearer ${first.body.access_token}` })).status,
      401,
    );

    const r2 = await authorize(sandbox);
    const bad = await postForm(
      sandbox.endpoints.token,
      {
        grant_type: "authorization_code",
        code: r2.location.searchParams.get("authorization_code"),
        redirect_uri: "http://localhost:8787/other",
      },
      creds,
    );
    assert.equal(bad.body.error, "invalid_grant");
  });

  test("authorization errors: unknown client / unregistered redirect_uri -> error page; response_type -> redirect error", async () => {
    const a = await getManual(
      authUrl(sandbox.endpoints.authorization, { response_type: "code", client_id: "x", redirect_uri: REDIRECT_URI }),
    );
    assert.equal(a.status, 400);
    assert.equal(a.location, undefined);
    const b = await getManual(
      authUrl(sandbox.endpoints.authorization, {
        response_type: "code",
        client_id: CLIENT_ID,
        redirect_uri: "http://evil.example/cb",
      }),
    );
    assert.equal(b.status, 400);
    assert.equal(b.location, undefined);
    const c = await getManual(
      authUrl(sandbox.endpoints.authorization, {
        response_type: "token",
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        state: "q",
      }),
    );
    assert.equal(c.status, 302);
    assert.equal(c.location.searchParams.get("error"), "unsupported_response_type");
    assert.equal(c.location.searchParams.get("state"), "q");
  });

  test("wrong password stays on the page; Cancel -> error=access_denied with state", async () => {
    const r = await authorize(sandbox, { password: "wrong", state: "cx" });
    assert.equal(r.status, 200);
    assert.match(r.html, /role="alert"/);
    const cancel = await getManual(cancelHref(r.page, sandbox.url));
    assert.equal(cancel.status, 302);
    assert.equal(cancel.location.searchParams.get("error"), "access_denied");
    assert.equal(cancel.location.searchParams.get("state"), "cx");
  });
});

describe("[002] refresh token grant", () => {
  test("refresh returns a new access token and a new refresh token; the old refresh token stops working", async () => {
    const t = await login(sandbox);
    const r1 = await refresh(sandbox, t.refresh_token);
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.body.expires_in, 3600);
    assert.notEqual(r1.body.refresh_token, t.refresh_token);
    const reused = await refresh(sandbox, t.refresh_token, "post");
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, "invalid_grant");
    assert.equal((await refresh(sandbox, r1.body.refresh_token, "post")).status, 200);
  });

  test("[002] wording: `refresh_token` passed as `grant` is understood too", async () => {
    const t = await login(sandbox);
    const r = await postForm(
      sandbox.endpoints.token,
      { grant: "refresh_token", refresh_token: t.refresh_token },
      creds,
    );
    assert.equal(r.status, 200, r.text);
  });

  test("a refresh token cannot call the API", async () => {
    const t = await login(sandbox);
    const res = await getJson(sandbox.endpoints.user, { authorization: `Bearer ${t.refresh_token}` });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, "invalid_token");
    assert.match(res.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);
  });

  test("access token: one hour; refresh token: 90 days (emulator clock)", async () => {
    const env = await startPayoutId({
      environment: "sandbox",
      ...creds,
      redirectUris: [REDIRECT_URI],
      testHooks: true,
    });
    try {
      const t = await login(env);
      const auth = { authorization: `Bearer ${t.access_token}` };
      await hook(env, "/__test/advance-clock?seconds=3590");
      assert.equal((await getJson(env.endpoints.user, auth)).status, 200);
      await hook(env, "/__test/advance-clock?seconds=10");
      const expired = await getJson(env.endpoints.user, auth);
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error, "invalid_token");

      // Margins of 10 s either side keep real time (a second boundary) from making this flaky.
      const [t2, t3] = [await login(env), await login(env)];
      await hook(env, `/__test/advance-clock?seconds=${90 * 86400 - 10}`);
      const stillOk = await refresh(env, t2.refresh_token);
      assert.equal(stillOk.status, 200, "refresh token valid until 90 days after issue");
      await hook(env, "/__test/advance-clock?seconds=20");
      const tooOld = await refresh(env, t3.refresh_token);
      assert.equal(tooOld.status, 400);
      assert.equal(tooOld.body.error, "invalid_grant");
      assert.match(tooOld.body.error_description, /expired/);
    } finally {
      await env.close();
    }
  });
});

describe("[002] client credentials grant", () => {
  test("client_id + client_secret give a token (no refresh token) that the rates API accepts and the user API refuses", async () => {
    const cc = await postForm(production.endpoints.token, { grant_type: "client_credentials" }, creds);
    assert.equal(cc.status, 200, cc.text);
    assert.equal(cc.body.token_type, "Bearer");
    assert.equal(cc.body.expires_in, 3600);
    assert.equal(cc.body.refresh_token, undefined);
    const rates = await getJson(production.endpoints.rates, { authorization: `Bearer ${cc.body.access_token}` });
    assert.equal(rates.status, 200);
    assert.equal(rates.body.environment, "production");
    assert.ok(Array.isArray(rates.body.rates));
    const user = await getJson(production.endpoints.user, { authorization: `Bearer ${cc.body.access_token}` });
    assert.equal(user.status, 403);
    assert.equal(user.body.error, "insufficient_scope");
  });

  test("a user token is answered with the user and the environment; a sandbox token is unknown in production", async () => {
    const t = await login(sandbox, { username: "zoe" });
    const me = await getJson(sandbox.endpoints.user, { authorization: `Bearer ${t.access_token}` });
    assert.equal(me.status, 200);
    assert.equal(me.body.environment, "sandbox");
    assert.equal(me.body.user.username, "zoe");
    assert.equal((await getJson(production.endpoints.user, { authorization: `Bearer ${t.access_token}` })).status, 401);
  });
});

describe("RFC 6749 §5.2 token errors", () => {
  test("bad client credentials: 401 invalid_client (Basic challenge when Basic was used)", async () => {
    const basic = await postForm(
      sandbox.endpoints.token,
      { grant_type: "client_credentials" },
      { clientId: CLIENT_ID, clientSecret: "nope" },
    );
    assert.equal(basic.status, 401);
    assert.equal(basic.body.error, "invalid_client");
    assert.match(basic.headers.get("www-authenticate"), /^Basic /);
    const post = await postForm(
      sandbox.endpoints.token,
      { grant_type: "client_credentials" },
      { clientId: "nope", clientSecret: CLIENT_SECRET, auth: "post" },
    );
    assert.equal(post.status, 401);
    assert.equal(post.body.error, "invalid_client");
    const none = await postForm(sandbox.endpoints.token, { grant_type: "client_credentials" });
    assert.equal(none.status, 401);
  });

  test("unsupported grant, missing grant, missing code, JSON body", async () => {
    const u = await postForm(sandbox.endpoints.token, { grant_type: "password", username: "a", password: "b" }, creds);
    assert.equal(u.status, 400);
    assert.equal(u.body.error, "unsupported_grant_type");
    const m = await postForm(sandbox.endpoints.token, {}, creds);
    assert.equal(m.body.error, "invalid_request");
    const c = await postForm(
      sandbox.endpoints.token,
      { grant_type: "authorization_code", redirect_uri: REDIRECT_URI },
      creds,
    );
    assert.equal(c.body.error, "invalid_request");
    const j = await fetch(sandbox.endpoints.token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(j.status, 400);
    assert.equal((await j.json()).error, "invalid_request");
  });
});

describe("test hooks", () => {
  test("fail-token (by grant), revoke-all, stats", async () => {
    await hook(sandbox, "/__test/fail-token?status=500&count=2&grant=refresh_token");
    const t = await login(sandbox); // the authorization_code grant is not affected
    const f1 = await refresh(sandbox, t.refresh_token);
    const f2 = await refresh(sandbox, t.refresh_token);
    assert.deepEqual([f1.status, f2.status], [500, 500]);
    assert.equal(f1.body.error, "server_error");
    const ok = await refresh(sandbox, t.refresh_token);
    assert.equal(ok.status, 200);

    await hook(sandbox, "/__test/revoke-all");
    assert.equal(
      (await getJson(sandbox.endpoints.user, { authorization: `Bearer ${ok.body.access_token}` })).status,
      401,
    );
    assert.equal((await refresh(sandbox, ok.body.refresh_token)).body.error, "invalid_grant");
    const stats = await hook(sandbox, "/__test/stats", "GET");
    assert.ok(stats.token.by_grant.refresh_token >= 4);
    assert.ok(stats.token.by_grant.authorization_code >= 1);
    assert.ok(stats.token.injected >= 2);
    assert.ok(stats.token.by_status["500"] >= 2);
    assert.equal(stats.revocations.revoke_all, 1);
    assert.ok(stats.endpoints["GET /oauth"] >= 1);
  });
});
