// OpenID Connect relying party (issue 8): the built Worker under workerd (Miniflare, real KV and
// Durable Objects) against oidc-provider, configured with nothing but the issuer and the client.
//
// 1. The happy path per ID-token signing algorithm (RS256, PS256, ES256, EdDSA): discovery-only
//    entry, login, the user from the ID token, refresh with rotation, logout.
// 2. The negative suite: a small tampering proxy sits in front of the provider's token, userinfo
//    and JWKS endpoints (the entry points the Worker at it; discovery fills the rest) and breaks
//    one thing per test. Each test is named after the OpenID Foundation relying-party conformance
//    test it mirrors, and asserts the exact typed error and that no session was made.
//
//   scripts/build-worker.sh && node --test tests/oidc/
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as http from "node:http";
import { after, before, describe, test } from "node:test";

import { startIdp } from "../idp/server.mjs";
import { CookieJar, signInAtIdp } from "../support/oauth-http.mjs";
import { APP, SESSION, startWorker } from "../support/worker.mjs";
import { discover } from "../support/stack.mjs";

const CLIENT_ID = "oidc-rp";
const CLIENT_SECRET = crypto.randomBytes(24).toString("base64url");
const REDIRECT_URI = `${APP}/callback`;
const SCOPE = "openid profile offline_access";
const b64u = (x) => Buffer.from(x).toString("base64url");
const unb64u = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
const nowSec = () => Math.floor(Date.now() / 1000);

/** The smallest entry: issuer and client (and oidc-provider's price for a refresh token). */
function entry(issuer, extra = {}) {
  return {
    issuer,
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    authorization_params: [["prompt", "consent"]],
    ...extra,
  };
}

function client() {
  return { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] };
}

/** /auth/login, the user at the provider, and /auth/token with what came back (`edit` may change it). */
async function login(w, { edit = (cb) => cb, jar, username = "alice" } = {}) {
  const tx = await w.begin();
  const authUrl = new URL(tx.res.json.authorization_url);
  const cb = edit(await signInAtIdp(authUrl.href, { username, ...(jar ? { jar } : {}) }));
  const res = await w.call("/auth/token", {
    cookie: tx.txCookie,
    body: {
      code: cb.searchParams.get("code"),
      state: cb.searchParams.get("state"),
      code_verifier: tx.verifier,
      ...(cb.searchParams.get("iss") ? { iss: cb.searchParams.get("iss") } : {}),
    },
  });
  return { res, authUrl };
}

async function sessionCount(w) {
  return (await w.kv.list({ prefix: "session:" })).keys.length;
}

describe("discovery-only configuration, per ID-token signing algorithm", () => {
  for (const alg of ["RS256", "PS256", "ES256", "EdDSA"]) {
    test(`${alg}: issuer + client only → login (nonce, ID token), refresh with rotation, logout`, async () => {
      const idp = await startIdp({ clients: [client()], idTokenAlg: alg, testHooks: true });
      const w = await startWorker({ PROVIDERS: { default: entry(idp.issuer) }, CLIENT_SECRET_DEFAULT: CLIENT_SECRET });
      try {
        const { res, authUrl } = await login(w);
        assert.equal(res.status, 200, res.text);
        // The Worker found the endpoints itself, and pushed the request (RFC 9126: the provider
        // offers it): the browser's URL carries the client and a request_uri only.
        assert.equal(authUrl.origin, new URL(idp.issuer).origin);
        assert.deepEqual([...authUrl.searchParams.keys()].sort(), ["client_id", "request_uri"]);
        // The user is the ID token's (and userinfo's, same `sub`).
        assert.equal(res.json.user.sub, "alice");
        assert.equal(res.json.user.iss, idp.issuer);
        assert.equal(res.json.user.name, "Alice");
        assert.equal(res.json.user.nonce, undefined, "bookkeeping claims are not the user's");
        const cookie = `${SESSION}=${res.cookies[SESSION].value}`;
        const first = res.json.access_token;
        const refreshed = await w.call("/auth/refresh", { cookie, body: {} });
        assert.equal(refreshed.status, 200, refreshed.text);
        assert.notEqual(refreshed.json.access_token, first);
        assert.equal(idp.stats().token.by_grant_type.refresh_token, 1);
        const out = await w.call("/auth/logout", { cookie, body: {} });
        assert.equal(out.status, 200);
        assert.ok(idp.stats().revocations >= 1);
        assert.equal(await sessionCount(w), 0);
      } finally {
        await w.close();
        await idp.close();
      }
    });
  }
});

describe("negative suite: one misbehaviour at a time, through a tampering proxy", () => {
  let idp;
  let meta;
  let proxy;
  let proxyUrl;
  let w;
  /** What the proxy does to the next answers: { token(json), userinfo(json), jwks(json) }. */
  let tamper = {};

  /** A JWS over `claims` with `header`, signed by `key` (RS256 by default: the provider's key). */
  function sign(header, claims, key = idp.signing.privateKey) {
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    const sig = crypto.sign("sha256", Buffer.from(input), key);
    return `${input}.${b64u(sig)}`;
  }

  /** The token answer with its ID token's claims (and header) changed, re-signed. */
  const resign = (claims = (c) => c, header = (h) => h, key) => ({
    token(json) {
      const [h, p] = json.id_token.split(".");
      json.id_token = sign(header(unb64u(h)), claims(unb64u(p)), key);
      return json;
    },
  });

  async function relay(req, target) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const headers = {};
    for (const k of ["authorization", "content-type", "accept", "dpop"])
      if (req.headers[k]) headers[k] = req.headers[k];
    const up = await fetch(target, {
      method: req.method,
      headers,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    return { status: up.status, text: await up.text(), type: up.headers.get("content-type") ?? "application/json" };
  }

  before(async () => {
    idp = await startIdp({ clients: [client()], testHooks: true });
    meta = await discover(idp.issuer);
    proxy = http.createServer(async (req, res) => {
      try {
        const path = new URL(req.url, "http://x").pathname;
        const target = { "/token": meta.token_endpoint, "/me": meta.userinfo_endpoint, "/jwks": meta.jwks_uri }[path];
        if (!target) return res.writeHead(404).end();
        const up = await relay(req, target);
        let text = up.text;
        const kind = { "/token": "token", "/me": "userinfo", "/jwks": "jwks" }[path];
        if (up.status === 200 && tamper[kind]) text = JSON.stringify(tamper[kind](JSON.parse(text)));
        res.writeHead(up.status, { "content-type": up.type, "cache-control": "no-store" }).end(text);
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
    await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
    proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
    w = await startWorker({
      PROVIDERS: {
        default: entry(idp.issuer, {
          token_endpoint: `${proxyUrl}/token`,
          userinfo_endpoint: `${proxyUrl}/me`,
          jwks_uri: `${proxyUrl}/jwks`,
        }),
      },
      CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    });
  });

  after(async () => {
    await w?.close();
    await new Promise((r) => proxy?.close(r));
    await idp?.close();
  });

  /** A login through the tampering proxy must fail with `id_token_invalid` + `check`, no session. */
  async function refused(check, t) {
    tamper = t;
    const before = await sessionCount(w);
    try {
      const { res } = await login(w);
      assert.equal(res.status, 502, res.text);
      assert.equal(res.json.code, "id_token_invalid");
      assert.equal(res.json.check, check);
      assert.equal(res.cookies[SESSION], undefined, "no session cookie");
      assert.equal(await sessionCount(w), before, "no session stored");
    } finally {
      tamper = {};
    }
  }

  test("the proxy itself changes nothing: a login through it succeeds", async () => {
    const { res } = await login(w);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.user.sub, "alice");
  });

  test("oidcc-client-test-invalid-iss", () =>
    refused(
      "iss",
      resign((c) => ({ ...c, iss: "https://evil.example" })),
    ));
  test("oidcc-client-test-invalid-aud", () =>
    refused(
      "aud",
      resign((c) => ({ ...c, aud: "someone-else" })),
    ));
  test("oidcc-client-test-invalid-aud (an untrusted extra audience)", () =>
    refused(
      "aud",
      resign((c) => ({ ...c, aud: [CLIENT_ID, "someone-else"], azp: CLIENT_ID })),
    ));
  test("oidcc-client-test-invalid-azp", () =>
    refused(
      "azp",
      resign((c) => ({ ...c, azp: "someone-else" })),
    ));
  test("oidcc-client-test-nonce-invalid", () =>
    refused(
      "nonce",
      resign((c) => ({ ...c, nonce: "not-the-one-sent" })),
    ));
  test("oidcc-client-test-nonce-invalid (missing)", () =>
    refused(
      "nonce",
      resign(({ nonce, ...c }) => c),
    ));
  test("oidcc-client-test-idtoken-sig-none", () =>
    refused("alg", {
      token(json) {
        const [, p] = json.id_token.split(".");
        json.id_token = `${b64u(JSON.stringify({ alg: "none" }))}.${p}.`;
        return json;
      },
    }));
  test("oidcc-client-test-invalid-sig-rs256", () =>
    refused("signature", {
      token(json) {
        const [h, p, s] = json.id_token.split(".");
        const sig = Buffer.from(s, "base64url");
        sig[0] ^= 1;
        json.id_token = `${h}.${p}.${b64u(sig)}`;
        return json;
      },
    }));
  test("HMAC keyed with the provider's public key (alg confusion)", () =>
    refused("alg", {
      token(json) {
        const [, p] = json.id_token.split(".");
        const input = `${b64u(JSON.stringify({ alg: "HS256", kid: idp.signing.kid }))}.${p}`;
        const pub = crypto.createPublicKey(idp.signing.privateKey).export({ format: "pem", type: "spki" });
        json.id_token = `${input}.${b64u(crypto.createHmac("sha256", pub).update(input).digest())}`;
        return json;
      },
    }));
  test("oidcc-client-test-idtoken-expired", () =>
    refused(
      "exp",
      resign((c) => ({ ...c, iat: nowSec() - 7200, exp: nowSec() - 3600 })),
    ));
  test("oidcc-client-test-missing-sub", () =>
    refused(
      "sub",
      resign(({ sub, ...c }) => c),
    ));
  test("oidcc-client-test-missing-iat", () =>
    refused(
      "iat",
      resign(({ iat, ...c }) => c),
    ));
  test("a token response without an id_token (openid was asked)", () =>
    refused("missing", { token: ({ id_token, ...json }) => json }));
  test("oidcc-client-test-kid-unknown: one refetch of the keys, then refused", async () => {
    let fetched = 0;
    await refused("kid", {
      ...resign(
        (c) => c,
        (h) => ({ ...h, kid: "no-such-key" }),
      ),
      jwks(json) {
        fetched += 1;
        return json;
      },
    });
    assert.ok(fetched <= 1, `the JWKS was fetched ${fetched} times for one login`);
  });
  test("oidcc-client-test-kid-absent-single-jwks", async () => {
    tamper = resign(
      (c) => c,
      ({ kid, ...h }) => h,
    );
    try {
      const { res } = await login(w);
      assert.equal(res.status, 200, res.text);
    } finally {
      tamper = {};
    }
  });
  test("oidcc-client-test-userinfo-invalid-sub", () =>
    refused("userinfo_sub", { userinfo: (json) => ({ ...json, sub: "mallory" }) }));
  test("oidcc-client-test-signing-key-rotation: a new key is found by refetching the JWKS", async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = "rotated-key";
    const jwk = { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
    // The keys were fetched by the logins above; the refetch floor must pass first.
    await new Promise((r) => setTimeout(r, 10_500));
    tamper = {
      ...resign(
        (c) => c,
        (h) => ({ ...h, kid }),
        privateKey,
      ),
      jwks: (json) => ({ keys: [...json.keys, jwk] }),
    };
    try {
      const { res } = await login(w);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.user.sub, "alice");
    } finally {
      tamper = {};
    }
  });
  test("oidcc-client-test-refresh-token-invalid-sub: the session ends, the answer is discarded", async () => {
    const { res } = await login(w);
    assert.equal(res.status, 200, res.text);
    const cookie = `${SESSION}=${res.cookies[SESSION].value}`;
    // A refresh whose ID token is properly signed, for another user.
    tamper = resign((c) => ({ ...c, sub: "mallory" }));
    try {
      const refreshed = await w.call("/auth/refresh", { cookie, body: {} });
      assert.equal(refreshed.status, 502, refreshed.text);
      assert.equal(refreshed.json.code, "id_token_invalid");
      assert.equal(refreshed.json.check, "refresh_sub");
      assert.equal(refreshed.json.access_token, undefined);
    } finally {
      tamper = {};
    }
    // Its refresh token was spent on that answer: the session is over, not resurrected.
    const after = await w.call("/auth/refresh", { cookie, body: {} });
    assert.equal(after.status, 401, after.text);
  });

  test("RFC 9207: the provider advertises `iss`, a response without it is refused", async () => {
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    const before = await sessionCount(w);
    const { res } = await login(w, {
      edit(cb) {
        cb.searchParams.delete("iss");
        return cb;
      },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.code, "issuer_mismatch");
    assert.equal(await sessionCount(w), before);
  });
});

describe("RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)", () => {
  test("logout with everywhere: the provider's end_session_endpoint with id_token_hint, client_id, post_logout_redirect_uri and state", async () => {
    const bye = `${APP}/bye`;
    const idp = await startIdp({ clients: [{ ...client(), post_logout_redirect_uris: [bye] }] });
    const w = await startWorker({
      PROVIDERS: { default: entry(idp.issuer, { post_logout_redirect_uri: bye }) },
      CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    });
    try {
      const { res } = await login(w);
      assert.equal(res.status, 200, res.text);
      const cookie = `${SESSION}=${res.cookies[SESSION].value}`;
      const out = await w.call("/auth/logout", { cookie, body: { everywhere: true } });
      assert.equal(out.status, 200, out.text);
      const url = new URL(out.json.end_session_url);
      const meta = await discover(idp.issuer);
      assert.equal(`${url.origin}${url.pathname}`, meta.end_session_endpoint);
      assert.equal(url.searchParams.get("client_id"), CLIENT_ID);
      assert.equal(url.searchParams.get("post_logout_redirect_uri"), bye);
      assert.match(url.searchParams.get("state"), /^[A-Za-z0-9_-]{22}$/);
      const hint = url.searchParams.get("id_token_hint").split(".");
      assert.equal(unb64u(hint[1]).sub, "alice");
      assert.equal(unb64u(hint[1]).aud, CLIENT_ID);
      // The provider accepts it: its logout confirmation page, not an error.
      const page = await fetch(url, { redirect: "manual" });
      const html = await page.text();
      assert.equal(page.status, 200, html.slice(0, 300));
      assert.doesNotMatch(html, /invalid_request|error/i);
      // And the local session is over as with any logout.
      assert.equal(await sessionCount(w), 0);
      // Without `everywhere`, no provider logout is offered.
      const again = await login(w);
      const plain = await w.call("/auth/logout", {
        cookie: `${SESSION}=${again.res.cookies[SESSION].value}`,
        body: {},
      });
      assert.equal(plain.json.end_session_url, undefined);
    } finally {
      await w.close();
      await idp.close();
    }
  });
});

describe("back-channel logout (OpenID Connect Back-Channel Logout 1.0)", () => {
  const EVENT = "http://schemas.openid.net/event/backchannel-logout";
  let idp;
  let w;
  let relay;
  const relayed = [];

  before(async () => {
    // The provider calls the Worker server to server: a relay hands its POST to the Worker
    // (Miniflare has no socket of its own here).
    relay = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const answer = await w.mf.dispatchFetch(`${APP}/auth/backchannel-logout/default`, {
        method: "POST",
        headers: { "content-type": req.headers["content-type"] ?? "" },
        body: Buffer.concat(chunks),
      });
      relayed.push(answer.status);
      res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
    });
    await new Promise((r) => relay.listen(0, "127.0.0.1", r));
    const uri = `http://127.0.0.1:${relay.address().port}/backchannel`;
    idp = await startIdp({
      clients: [{ ...client(), backchannel_logout_uri: uri, backchannel_logout_session_required: true }],
      backchannelLogout: true,
    });
    w = await startWorker({ PROVIDERS: { default: entry(idp.issuer) }, CLIENT_SECRET_DEFAULT: CLIENT_SECRET });
  });

  after(async () => {
    await w?.close();
    await idp?.close();
    await new Promise((r) => relay?.close(r));
  });

  /** A logout token signed with the provider's key. */
  function logoutToken(claims, header = {}) {
    const full = {
      iss: idp.issuer,
      aud: CLIENT_ID,
      iat: nowSec(),
      jti: crypto.randomUUID(),
      events: { [EVENT]: {} },
      ...claims,
    };
    for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
    const h = { alg: "RS256", kid: idp.signing.kid, typ: "logout+jwt", ...header };
    const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(full))}`;
    return `${input}.${b64u(crypto.sign("sha256", Buffer.from(input), idp.signing.privateKey))}`;
  }

  function post(token) {
    return w.call("/auth/backchannel-logout/default", {
      csrf: false,
      origin: null,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
  }

  async function session(username = "alice") {
    const { res } = await login(w, { username });
    assert.equal(res.status, 200, res.text);
    const s = w.session(res);
    const rec = await w.record(s.kvKey);
    const sid = unb64u(rec.id_token.split(".")[1]).sid;
    return { ...s, sid };
  }

  const alive = async (s) => (await w.call("/auth/session", { cookie: s.cookie, body: {} })).status === 200;

  test("a valid logout token for a user's provider session ends that session only, at once", async () => {
    const a = await session();
    const b = await session();
    assert.ok(a.sid && b.sid && a.sid !== b.sid, "ID tokens carry the provider session (sid)");
    const res = await post(logoutToken({ sub: "alice", sid: a.sid }));
    assert.equal(res.status, 200, res.text);
    assert.equal(await alive(a), false);
    assert.equal(await alive(b), true, "another provider session of the same user stays");
    // A token naming the user alone ends every session left.
    const all = await post(logoutToken({ sub: "alice" }));
    assert.equal(all.status, 200, all.text);
    assert.equal(await alive(b), false);
  });

  test("a token naming only the provider session (sid) ends it", async () => {
    const s = await session("bob");
    const res = await post(logoutToken({ sid: s.sid }));
    assert.equal(res.status, 200, res.text);
    assert.equal(await alive(s), false);
  });

  test("a replayed logout token is refused (its jti was acted on)", async () => {
    const s = await session("carol");
    const token = logoutToken({ sub: "carol" });
    assert.equal((await post(token)).status, 200);
    const again = await post(token);
    assert.equal(again.status, 400, again.text);
    assert.equal(again.json.code, "logout_token_invalid");
    assert.equal(again.json.error, "invalid_request");
    assert.equal(again.json.error_description, "logout token: replayed");
    assert.equal(await alive(s), false);
  });

  for (const [name, claims, header, check] of [
    ["with a nonce", { nonce: "n" }, {}, "nonce"],
    ["with another event", { events: { "http://schemas.openid.net/event/other": {} } }, {}, "events"],
    ["for another audience", { aud: "someone-else" }, {}, "aud"],
    ["from another issuer", { iss: "https://evil.example" }, {}, "iss"],
    ["without sid and sub", { sub: undefined, sid: undefined }, {}, "sid_or_sub"],
    ["too old", { iat: nowSec() - 3600 }, {}, "iat"],
    ["an ID token's type", {}, { typ: "JWT" }, "malformed"],
  ]) {
    test(`a logout token ${name} is refused (${check}) and ends nothing`, async () => {
      const s = await session("dave");
      const res = await post(logoutToken({ sub: "dave", ...claims }, header));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.code, "logout_token_invalid");
      assert.equal(res.json.error_description, `logout token: ${check}`);
      assert.equal(await alive(s), true);
    });
  }

  test("a bad signature is refused; the route takes POST only and is 404 for unknown providers", async () => {
    const token = logoutToken({ sub: "erin" });
    const [h, p, sig] = token.split(".");
    const flipped = Buffer.from(sig, "base64url");
    flipped[0] ^= 1;
    const res = await post(`${h}.${p}.${b64u(flipped)}`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error_description, "logout token: signature");
    const get = await w.call("/auth/backchannel-logout/default", { method: "GET", csrf: false, origin: null });
    assert.equal(get.status, 405);
    const unknown = await w.call("/auth/backchannel-logout/nope", {
      csrf: false,
      origin: null,
      body: "logout_token=x",
    });
    assert.equal(unknown.status, 404);
  });

  test("the provider itself: the user signs out at oidc-provider, which calls the Worker; the session ends", async () => {
    const jar = new CookieJar();
    const { res } = await login(w, { jar, username: "frank" });
    assert.equal(res.status, 200, res.text);
    const s = w.session(res);
    assert.equal(await alive(s), true);
    // The user ends the provider session at the provider (its own logout page, confirmed).
    const meta = await discover(idp.issuer);
    const page = await jar.fetch(meta.end_session_endpoint);
    const html = await page.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    assert.ok(form, html.slice(0, 300));
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    const before = relayed.length;
    const errors = [];
    idp.provider.on("backchannel.error", (_ctx, err) => errors.push(err.message));
    const confirm = await jar.fetch(new URL(form[1], meta.end_session_endpoint), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }),
    });
    assert.ok(confirm.status < 400, `confirm: ${confirm.status}`);
    for (let i = 0; i < 50 && relayed.length === before; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(errors, [], "the provider reached the Worker");
    assert.deepEqual(relayed.slice(before), [200], "the provider's logout token was accepted");
    assert.equal(await alive(s), false);
  });
});

describe("DPoP (RFC 9449): tokens bound to a key only the Worker holds", () => {
  for (const mode of ["on", "nonce"]) {
    test(`${mode === "nonce" ? "with server nonces (§8, §9): " : ""}login, userinfo, the API through the proxy, refresh — every use proven`, async () => {
      const idp = await startIdp({ clients: [client()], dpop: mode, testHooks: true });
      const w = await startWorker({
        PROVIDERS: {
          default: entry(idp.issuer, { dpop: true, api: { base_url: `${idp.issuer}/api/`, methods: ["GET"] } }),
        },
        CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
      });
      try {
        const { res } = await login(w);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.token_type, "DPoP");
        assert.equal(res.json.access_token, undefined, "the browser holds no DPoP-bound token");
        assert.equal(res.json.user.name, "Alice", "userinfo answered the DPoP-proven call");
        const s = w.session(res);
        const rec = await w.record(s.kvKey);
        assert.ok(rec.dpop_key, "the key is in the sealed record");
        // The token alone is worth nothing: as a Bearer token, the API refuses it.
        const stolen = await fetch(`${idp.issuer}/api/hello`, {
          headers: { authorization: `Bearer ${rec.access_token}` },
        });
        assert.equal(stolen.status, 401);
        const api = await w.api("/api/default/hello", { cookie: s.cookie });
        assert.equal(api.status, 200, api.text);
        assert.equal(api.json.sub, "alice");
        assert.equal(idp.stats().api.dpop, 1);
        const refreshed = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
        assert.equal(refreshed.status, 200, refreshed.text);
        const after = await w.record(s.kvKey);
        assert.notEqual(after.access_token, rec.access_token);
        assert.equal(after.dpop_key, rec.dpop_key, "one key for the session's life");
        assert.equal((await w.api("/api/default/hello", { cookie: s.cookie })).status, 200);
        assert.equal(idp.stats().api.dpop, 2);
      } finally {
        await w.close();
        await idp.close();
      }
    });
  }

  test("a provider that binds every token refuses a client that sends no proof", async () => {
    const idp = await startIdp({ clients: [client()], dpop: "on" });
    const w = await startWorker({ PROVIDERS: { default: entry(idp.issuer) }, CLIENT_SECRET_DEFAULT: CLIENT_SECRET });
    try {
      const { res } = await login(w);
      assert.equal(res.status, 502, res.text);
      assert.equal(res.json.code, "provider_rejected");
      assert.equal(await sessionCount(w), 0);
    } finally {
      await w.close();
      await idp.close();
    }
  });
});

describe("pushed authorization requests (RFC 9126)", () => {
  test("a provider that requires PAR: the login works, the URL holds no parameter of the request", async () => {
    const idp = await startIdp({ clients: [client()], requirePar: true });
    const w = await startWorker({ PROVIDERS: { default: entry(idp.issuer) }, CLIENT_SECRET_DEFAULT: CLIENT_SECRET });
    try {
      const meta = await discover(idp.issuer);
      assert.equal(meta.require_pushed_authorization_requests, true);
      const { res, authUrl } = await login(w);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual([...authUrl.searchParams.keys()].sort(), ["client_id", "request_uri"]);
      assert.match(authUrl.searchParams.get("request_uri"), /^urn:ietf:params:oauth:request_uri:/);
    } finally {
      await w.close();
      await idp.close();
    }
  });

  test("with `par: false` the same provider refuses the front-channel request (the push is what made it work)", async () => {
    const idp = await startIdp({ clients: [client()], requirePar: true });
    const w = await startWorker({
      PROVIDERS: { default: entry(idp.issuer, { par: false }) },
      CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    });
    try {
      const tx = await w.begin();
      const authUrl = new URL(tx.res.json.authorization_url);
      assert.ok(authUrl.searchParams.get("state"), "a front-channel request");
      // The provider refuses at once and says so on the redirect (RFC 6749 §4.1.2.1).
      const back = await signInAtIdp(authUrl.href);
      assert.equal(back.searchParams.get("error"), "invalid_request");
      assert.match(back.searchParams.get("error_description") ?? "", /pushed/i);
    } finally {
      await w.close();
      await idp.close();
    }
  });

  test("a push the provider refuses: provider_rejected, no transaction cookie", async () => {
    const idp = await startIdp({ clients: [client()] });
    const w = await startWorker({
      PROVIDERS: { default: entry(idp.issuer, { redirect_uri: `${APP}/not-registered` }) },
      CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    });
    try {
      const res = await w.call("/auth/login", { body: { state: "s".repeat(43), code_challenge: "c".repeat(43) } });
      assert.equal(res.status, 502, res.text);
      assert.equal(res.json.code, "provider_rejected");
      assert.equal(res.cookies["__Host-oauth-edge-tx"], undefined);
    } finally {
      await w.close();
      await idp.close();
    }
  });
});

describe("discovery failures", () => {
  test("oidcc-client-test-discovery-issuer-mismatch: config_error, the log names it", async () => {
    const lying = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          issuer: "https://someone-else.example",
          authorization_endpoint: "https://someone-else.example/auth",
          token_endpoint: "https://someone-else.example/token",
          jwks_uri: "https://someone-else.example/jwks",
        }),
      );
    });
    await new Promise((r) => lying.listen(0, "127.0.0.1", r));
    const issuer = `http://127.0.0.1:${lying.address().port}`;
    const w = await startWorker({ PROVIDERS: { default: entry(issuer) }, CLIENT_SECRET_DEFAULT: CLIENT_SECRET });
    try {
      const res = await w.call("/auth/login", { body: { state: "s".repeat(43), code_challenge: "c".repeat(43) } });
      assert.equal(res.status, 500, res.text);
      assert.equal(res.json.code, "config_error");
      assert.doesNotMatch(res.text, /someone-else/, "the caller is not told the configuration");
    } finally {
      await w.close();
      await new Promise((r) => lying.close(r));
    }
  });

  test("a provider unreachable at discovery: provider_unavailable, never a half-configured login", async () => {
    const closed = http.createServer();
    await new Promise((r) => closed.listen(0, "127.0.0.1", r));
    const issuer = `http://127.0.0.1:${closed.address().port}`;
    await new Promise((r) => closed.close(r));
    const w = await startWorker({ PROVIDERS: { default: entry(issuer) }, CLIENT_SECRET_DEFAULT: CLIENT_SECRET });
    try {
      const res = await w.call("/auth/login", { body: { state: "s".repeat(43), code_challenge: "c".repeat(43) } });
      assert.equal(res.status, 502, res.text);
      assert.equal(res.json.code, "provider_unavailable");
    } finally {
      await w.close();
    }
  });
});

describe("a second, independent authorization server from npm: oauth2-mock-server", () => {
  test("discovery-only entry: login (nonce, PKCE, ID token), refresh with rotation, logout", async () => {
    const { OAuth2Server } = await import("oauth2-mock-server");
    const server = new OAuth2Server();
    await server.issuer.keys.generate("RS256");
    await server.start(0, "127.0.0.1");
    const issuer = server.issuer.url;
    const grants = [];
    let revocations = 0;
    server.service.on("beforeResponse", (_res, req) => grants.push(req.body.grant_type));
    server.service.on("beforeRevoke", () => (revocations += 1));
    const w = await startWorker({
      PROVIDERS: { default: { issuer, client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: "openid profile" } },
      CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
    });
    try {
      const tx = await w.begin();
      const authUrl = new URL(tx.res.json.authorization_url);
      assert.equal(authUrl.origin, new URL(issuer).origin, "the endpoint came from its metadata");
      // This server signs the user in at once and redirects back with the code.
      const redirect = await fetch(authUrl, { redirect: "manual" });
      const cb = new URL(redirect.headers.get("location"));
      const res = await w.call("/auth/token", {
        cookie: tx.txCookie,
        body: { code: cb.searchParams.get("code"), state: cb.searchParams.get("state"), code_verifier: tx.verifier },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.user.sub, "johndoe");
      assert.equal(res.json.user.iss, issuer);
      const s = w.session(res);
      const before = await w.record(s.kvKey);
      const refreshed = await w.call("/auth/refresh", { cookie: s.cookie, body: {} });
      assert.equal(refreshed.status, 200, refreshed.text);
      const after = await w.record(s.kvKey);
      assert.notEqual(after.refresh_token, before.refresh_token, "the rotated refresh token was stored");
      assert.deepEqual(grants, ["authorization_code", "refresh_token"]);
      const out = await w.call("/auth/logout", { cookie: s.cookie, body: {} });
      assert.equal(out.status, 200);
      assert.ok(revocations >= 1, "revoked at its revocation_endpoint");
      assert.equal(await sessionCount(w), 0);
    } finally {
      await w.close();
      await server.stop();
    }
  });
});
