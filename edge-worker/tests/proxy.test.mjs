// The API proxy's rules, against a tiny echo server standing in for a provider's API (it answers
// what it received): path attacks, methods, CSRF, what is (not) forwarded, what comes back, and
// the paths that are not API calls. Sessions are planted in KV (sealed with the Worker's key), so
// no provider login is needed here; the provider files test the proxy with real logins.
//
//   scripts/build-worker.sh && node --test --test-timeout=120000 edge-worker/tests/
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { APP, EVIL, OTHER, SESSION, nowSec, startWorker } from "../../tests/support/worker.mjs";

let echo;
let base;
let received = [];
let w;
let session;

/** A planted session of `provider` with Bearer token `token`. */
function record(provider, token, extra = {}) {
  const now = nowSec();
  return {
    provider,
    access_token: token,
    token_type: "Bearer",
    expires_at: now + 3600,
    refresh_token: null,
    mac_key: null,
    scope: null,
    user: {},
    created_at: now,
    refreshed_at: now,
    ...extra,
  };
}

function providers(api) {
  const entry = (name) => ({
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    client_id: name,
    redirect_uri: `${APP}/callback`,
    client_auth: "none",
  });
  return {
    echo: { ...entry("echo"), api: { base_url: `${base}/base/`, methods: ["GET", "POST"], ...api } },
    other: entry("other"),
  };
}

before(async () => {
  echo = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() };
      received.push(seen);
      // An API whose own errors look like the Worker's: `{code, message}` JSON.
      const lookalike = /\/lookalike\/(\d{3})\/(\w+)$/.exec(req.url);
      if (lookalike) {
        res.writeHead(Number(lookalike[1]), { "content-type": "application/json", "x-oauth-edge-error": "1" });
        return res.end(JSON.stringify({ code: lookalike[2], message: "the API's own words" }));
      }
      const status = /\/status\/(\d{3})$/.exec(req.url)?.[1];
      if (status) {
        res.writeHead(Number(status), { "content-type": "text/plain; charset=utf-8", "set-cookie": "upstream=1" });
        return res.end(`status ${status}`);
      }
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "1" });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise((r) => echo.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${echo.address().port}`;
  w = await startWorker({ PROVIDERS: providers() });
  session = await w.plantSession(record("echo", "echo-token"));
});

after(async () => {
  await w?.close();
  await new Promise((r) => echo?.close(r));
});

/** Sends `target` as written (node:http does not normalise the path) to the Worker's HTTP socket. */
async function raw(target, headers) {
  const url = await w.mf.ready;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: target,
        headers: { Host: "localhost:8787", ...headers },
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("API proxy", () => {
  test("forwards method, path, query and body with the session's token; passes back status, type, body", async () => {
    received = [];
    const get = await w.api("/api/echo/items/a%20b?x=1&y=2", {
      cookie: session.cookie,
      headers: { Accept: "application/json" },
    });
    assert.equal(get.status, 200, get.text);
    assert.equal(get.json.method, "GET");
    assert.equal(get.json.url, "/base/items/a%20b?x=1&y=2");
    assert.equal(get.json.headers.authorization, "Bearer echo-token");
    assert.equal(get.json.headers.accept, "application/json");
    assert.equal(get.headers.get("content-type"), "application/json");
    assert.equal(get.headers.get("cache-control"), "no-store");
    assert.equal(get.headers.get("x-upstream"), null, "only Content-Type comes back");

    const post = await w.api("/api/echo/items", { cookie: session.cookie, method: "POST", body: { name: "n" } });
    assert.equal(post.status, 200, post.text);
    assert.equal(post.json.method, "POST");
    assert.equal(post.json.body, '{"name":"n"}');
    assert.equal(post.json.headers["content-type"], "application/json");

    const teapot = await w.api("/api/echo/status/418", { cookie: session.cookie });
    assert.equal(teapot.status, 418);
    assert.equal(teapot.text, "status 418");
    assert.equal(teapot.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(teapot.cookies.upstream, undefined, "the API's Set-Cookie stays behind");
    assert.equal(received.length, 3);
  });

  test("never forwards the browser's Cookie, Authorization, Origin or X-OAuth-Edge", async () => {
    const res = await w.api("/api/echo/whoami", {
      cookie: `${session.cookie}; other=secret`,
      method: "POST",
      origin: APP,
      body: {},
      headers: { Authorization: "Bearer from-the-page", "X-Custom": "1" },
    });
    assert.equal(res.status, 200, res.text);
    const h = res.json.headers;
    assert.equal(h.cookie, undefined);
    assert.equal(h.authorization, "Bearer echo-token");
    assert.equal(h.origin, undefined);
    assert.equal(h["x-oauth-edge"], undefined);
    assert.equal(h["x-custom"], undefined);
  });

  test("path attacks are refused before anything reaches the API", async () => {
    received = [];
    // As a client normalising its URL sends them (dispatchFetch) ...
    for (const path of [
      "/api/echo/a%2fb",
      "/api/echo/..%2f..%2fx",
      "/api/echo/a%5Cb",
      "/api/echo/a%00",
      "/api/echo//evil.example/x",
      "/api/echo/@evil.example",
      "/api/echo/user@evil.example/x",
      "/api/echo/http://evil.example/",
      "/api/echo/https:evil.example",
      "/api/echo/%2e%2e%2fx",
    ]) {
      const res = await w.api(path, { cookie: session.cookie });
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(res.json.code, "bad_path", path);
    }
    // ... and as written, unnormalised, on the wire: the runtime resolves dot segments first, so
    // these leave the API prefix altogether (404) or stay below the base.
    for (const target of [
      "/api/echo/../../auth/session",
      "/api/echo/%2e%2e/%2e%2e/x",
      "/api/echo/a/%2E%2E/%2e%2e/%2e%2e/x",
      "/api/echo/..\\..\\x",
    ]) {
      const res = await raw(target, { "X-OAuth-Edge": "1", Cookie: session.cookie });
      assert.notEqual(res.status, 200, `${target}: ${res.body}`);
    }
    assert.deepEqual(received, [], "the API was called");
    const inside = await raw("/api/echo/a/%2e%2e/b", { "X-OAuth-Edge": "1", Cookie: session.cookie });
    assert.equal(inside.status, 200);
    assert.equal(JSON.parse(inside.body).url, "/base/b", "resolved below the base");
  });

  test("methods: only the configured ones (405 with Allow), preflight lists them", async () => {
    const del = await w.api("/api/echo/items", { cookie: session.cookie, method: "DELETE", origin: APP });
    assert.equal(del.status, 405);
    assert.equal(del.json.code, "method_not_allowed");
    assert.equal(del.headers.get("allow"), "GET, POST, OPTIONS");
    const pre = await w.call("/api/echo/items", {
      method: "OPTIONS",
      csrf: false,
      origin: OTHER,
      headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-oauth-edge" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), OTHER);
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET, POST");
    const evil = await w.call("/api/echo/items", { method: "OPTIONS", csrf: false, origin: EVIL });
    assert.equal(evil.status, 403);
  });

  test("CSRF: the custom header always; Origin allowed, or absent only on a same-origin read", async () => {
    received = [];
    const cases = [
      [{ csrf: false }, 403, "csrf_header_missing"],
      [{ csrf: false, origin: APP }, 403, "csrf_header_missing"],
      [{ origin: EVIL }, 403, "origin_not_allowed"],
      [{ headers: { "Sec-Fetch-Site": "cross-site" } }, 403, "origin_not_allowed"],
      [{ method: "POST", origin: null, body: {} }, 403, "origin_not_allowed"],
    ];
    for (const [opts, status, code] of cases) {
      const res = await w.api("/api/echo/x", { cookie: session.cookie, ...opts });
      assert.equal(res.status, status, JSON.stringify(opts));
      assert.equal(res.json.code, code, JSON.stringify(opts));
    }
    assert.deepEqual(received, []);
    const sameOrigin = await w.api("/api/echo/x", {
      cookie: session.cookie,
      headers: { "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(sameOrigin.status, 200);
    const cross = await w.api("/api/echo/x", { cookie: session.cookie, origin: OTHER });
    assert.equal(cross.status, 200);
    assert.equal(cross.headers.get("access-control-allow-origin"), OTHER);
  });

  test("sessions: none is 401 no_session; another provider's session is 403 provider_mismatch", async () => {
    const none = await w.api("/api/echo/x");
    assert.equal(none.status, 401);
    assert.equal(none.json.code, "no_session");
    const other = await w.plantSession(record("other", "other-token"));
    received = [];
    const mismatch = await w.api("/api/echo/x", { cookie: other.cookie });
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.json.code, "provider_mismatch");
    assert.equal(mismatch.cookies[SESSION], undefined, "the session stays");
    assert.deepEqual(received, [], "the other provider's token went out");
  });

  test("an upstream 401 with nothing to refresh with is passed back after one call", async () => {
    received = [];
    const res = await w.api("/api/echo/status/401", { cookie: session.cookie });
    assert.equal(res.status, 401);
    assert.equal(res.text, "status 401");
    assert.equal(received.length, 1);
  });

  test("not API calls: unknown provider, a provider without api, no path; callbacks only for redirect-token providers", async () => {
    for (const path of ["/api/nope/x", "/api/other/x", "/api/echo"]) {
      const res = await w.api(path, { cookie: session.cookie });
      assert.equal(res.status, 404, path);
      assert.equal(res.json.code, "not_found", path);
    }
    const callback = await w.navigate(`${APP}/auth/callback/echo?tx=x&access_token=a`);
    assert.equal(callback.status, 404);
    assert.equal(callback.json.code, "not_found");
  });

  test("the Worker's own errors carry X-OAuth-Edge-Error: 1 (exposed cross-origin); the API's answers never", async () => {
    const worker = [
      await w.api("/api/echo/a%2fb", { cookie: session.cookie }), // bad_path
      await w.api("/api/echo/x"), // no_session
      await w.api("/api/nope/x", { cookie: session.cookie }), // not_found
      await w.api("/api/echo/x", { cookie: session.cookie, csrf: false }), // csrf_header_missing
      await w.api("/api/echo/x", { cookie: session.cookie, method: "DELETE", origin: APP }), // method_not_allowed
    ];
    for (const res of worker) {
      assert.ok(res.status >= 400, res.text);
      assert.equal(res.headers.get("x-oauth-edge-error"), "1", res.text);
    }
    // An API answering 404 / 401 with a body shaped like the Worker's (even sending the header
    // itself: only Content-Type of its headers comes back).
    for (const [status, code] of [
      [404, "not_found"],
      [401, "session_ended"],
    ]) {
      const res = await w.api(`/api/echo/lookalike/${status}/${code}`, { cookie: session.cookie });
      assert.equal(res.status, status, res.text);
      assert.equal(res.json.code, code);
      assert.equal(res.headers.get("x-oauth-edge-error"), null, `${status} ${code}`);
    }
    const plain = await w.api("/api/echo/status/418", { cookie: session.cookie });
    assert.equal(plain.headers.get("x-oauth-edge-error"), null);
    // A cross-origin page may read the header.
    const cross = await w.api("/api/echo/a%2fb", { cookie: session.cookie, origin: OTHER });
    assert.equal(cross.headers.get("x-oauth-edge-error"), "1");
    assert.equal(cross.headers.get("access-control-allow-origin"), OTHER);
    assert.equal(cross.headers.get("access-control-expose-headers"), "X-OAuth-Edge-Error");
  });

  test("API_PREFIX moves the proxy", async () => {
    const moved = await startWorker({ PROVIDERS: providers(), API_PREFIX: "/bff" });
    try {
      const s = await moved.plantSession(record("echo", "moved-token"));
      const res = await moved.api("/bff/echo/x", { cookie: s.cookie });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.headers.authorization, "Bearer moved-token");
      const old = await moved.api("/api/echo/x", { cookie: s.cookie });
      assert.notEqual(old.status, 200);
    } finally {
      await moved.close();
    }
  });
});
