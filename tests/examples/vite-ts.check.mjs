// The example app (examples/vite-ts/) end to end, as its README runs it: the app built by Vite
// (dist/), served by the oauth-edge Worker *from the npm package* (node_modules/oauth-edge/worker,
// installed from the `npm pack` tarball) under `wrangler dev --local` with the example's own
// wrangler.toml, the local authorization server (tests/idp/server.mjs), headless Chromium.
//
// Run by scripts/example-test.sh, which packs and installs the package, type-checks and builds the
// app with VITE_API_URL pointing at EXAMPLE_IDP_PORT, and dry-runs the deploy first. Not a
// `.test.mjs`: the node-test stage of scripts/test.sh must not pick it up without that setup.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { Miniflare } from "miniflare";

import { startIdp } from "../idp/server.mjs";
import { launchChromium, recordConsole } from "../support/browser.mjs";
import { captureMiniflare, rememberBindings, rememberSecret, workerLogPath } from "../support/log-ledger.mjs";
import { freePort } from "../support/ports.mjs";
import { startProcess } from "../support/proc.mjs";
import { DEMO_CLIENT_ID, ROOT, WRANGLER_ENV, discover, standardProvider } from "../support/stack.mjs";

const EXAMPLE = join(ROOT, "examples/vite-ts");
const IDP_PORT = Number(process.env.EXAMPLE_IDP_PORT);
const SESSION_COOKIE = "__Host-oauth-edge-session";

let idp;
let worker;
let browser;
let appOrigin;
let stateDir;
let clientSecret;
let providers;

before(async () => {
  assert.ok(IDP_PORT > 0, "EXAMPLE_IDP_PORT is not set: run scripts/example-test.sh");
  assert.ok(
    existsSync(join(EXAMPLE, "dist/index.html")),
    "examples/vite-ts/dist is not built: run scripts/example-test.sh",
  );
  const pkgWorker = join(EXAMPLE, "node_modules/oauth-edge/worker/index.js");
  assert.ok(existsSync(pkgWorker), "oauth-edge is not installed in the example: run scripts/example-test.sh");
  // Installed from the tarball (a copy), not linked to client-wasm/pkg.
  assert.ok(
    !realpathSync(pkgWorker).startsWith(join(ROOT, "client-wasm")),
    "oauth-edge is a link, not the packed tarball",
  );

  const appPort = await freePort();
  appOrigin = `http://localhost:${appPort}`;
  clientSecret = randomBytes(24).toString("base64url");
  idp = await startIdp({
    port: IDP_PORT,
    clients: [{ client_id: DEMO_CLIENT_ID, client_secret: clientSecret, redirect_uris: [`${appOrigin}/callback`] }],
    appOrigins: [appOrigin],
    accessTokenTtl: 120,
    testHooks: true,
  });
  const meta = await discover(idp.issuer);
  providers = {
    default: {
      ...standardProvider(meta, { clientId: DEMO_CLIENT_ID, redirectUri: `${appOrigin}/callback` }),
      api: { base_url: `${idp.issuer}/api/` },
    },
  };
  const vars = {
    PROVIDERS: JSON.stringify(providers),
    CLIENT_SECRET_DEFAULT: clientSecret,
    SESSION_KEY: randomBytes(32).toString("base64"),
  };
  rememberBindings(vars);
  stateDir = mkdtempSync(join(tmpdir(), "oauth-edge-example-"));
  const envFile = join(stateDir, "worker.env");
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}='${v}'`)
      .join("\n") + "\n",
    { mode: 0o600 },
  );
  // The example's own wrangler.toml (cwd), with the root's wrangler (the same version the README pins).
  worker = await startProcess(
    join(ROOT, "node_modules/.bin/wrangler"),
    [
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(appPort),
      "--persist-to",
      join(stateDir, "state"),
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      "log",
    ],
    {
      cwd: EXAMPLE,
      env: WRANGLER_ENV,
      readyUrl: `http://127.0.0.1:${appPort}/`,
      timeoutMs: 120_000,
      name: "wrangler dev (examples/vite-ts)",
      logFile: workerLogPath("wrangler-example"),
    },
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await worker?.stop().catch(() => {});
  await idp?.close().catch(() => {});
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("examples/vite-ts", () => {
  test("log in, see the user and expiry, call the API directly and through the proxy, log out", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const rec = recordConsole(page);
    const apiCalls = [];
    page.on("request", (req) => {
      if (req.url().includes("/api/")) apiCalls.push({ url: req.url(), authorization: req.headers().authorization });
    });

    await page.goto(`${appOrigin}/`);
    await page.waitForSelector("#status[data-ready]", { timeout: 20_000 });
    assert.equal(await page.textContent("#status"), "logged-out");
    // The built app, not a dev server: hashed assets, the library's wasm among them.
    const html = readFileSync(join(EXAMPLE, "dist/index.html"), "utf8");
    assert.match(html, /assets\/index-[\w-]+\.js/);

    await page.click("#login");
    await page.waitForSelector('input[name="login"]', { timeout: 20_000 });
    await page.fill('input[name="login"]', "alice");
    await page.fill('input[name="password"]', "any-password");
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.origin === appOrigin, { timeout: 20_000 });
    await page.waitForSelector('#status:text-is("logged-in")', { timeout: 20_000 });
    assert.ok(!page.url().includes("code="), `the address bar was scrubbed: ${page.url()}`);

    // The user and the token's expiry (the `login` event's e.detail rendered them).
    assert.match(await page.textContent("#user"), /Alice \(sub alice\)/);
    const expiresAt = Number(await page.getAttribute("#expires", "data-expires-at"));
    const now = Date.now() / 1000;
    assert.ok(expiresAt > now && expiresAt <= now + 130, `expiry ${expiresAt} within the IdP's 120 s`);
    assert.match(await page.textContent("#expires"), /in \d+ s/);
    assert.ok(
      rec.lines.some((l) => l.includes("logged in as alice")),
      `the login listener ran: ${rec.lines.join(" | ")}`,
    );

    // client.fetch: straight to the API with the access token.
    await page.click("#call-api");
    await page.waitForSelector("#api-result:has-text('Hello, alice')", { timeout: 20_000 });
    assert.match(await page.textContent("#api-result"), /^HTTP 200/);
    const direct = apiCalls.find((c) => c.url === `${idp.issuer}/api/hello`);
    assert.ok(direct?.authorization?.startsWith("Bearer "), "client.fetch sent the access token");
    rememberSecret("access_token", direct.authorization.slice(7));

    // client.apiFetch: through the Worker's proxy; the page sends no token, the Worker attaches it.
    await page.click("#call-proxy");
    await page.waitForSelector("#proxy-result:has-text('Hello, alice')", { timeout: 20_000 });
    assert.match(await page.textContent("#proxy-result"), /^HTTP 200/);
    const proxied = apiCalls.find((c) => c.url === `${appOrigin}/api/default/hello`);
    assert.ok(proxied, `the proxy was called: ${apiCalls.map((c) => c.url).join(" ")}`);
    assert.equal(proxied.authorization, undefined, "apiFetch sends no Authorization header");

    const session = (await context.cookies(appOrigin)).find((c) => c.name === SESSION_COOKIE);
    assert.ok(session?.httpOnly, "the session cookie is set, HttpOnly");
    rememberSecret("session_id", session.value);

    // A reload: the token was in memory only; restore() gets the session back from the Worker.
    await page.reload();
    await page.waitForSelector('#status[data-ready]:text-is("logged-in")', { timeout: 20_000 });
    assert.match(await page.textContent("#user"), /Alice/);

    // Log out: the page forgets the session, the Worker deletes it and clears the cookie.
    const revocationsBefore = (await (await fetch(`${idp.issuer}/__test/stats`)).json()).revocations;
    await page.click("#logout");
    await page.waitForSelector('#status:text-is("logged-out")', { timeout: 20_000 });
    assert.equal(await page.textContent("#user"), "");
    assert.ok(!(await context.cookies(appOrigin)).some((c) => c.name === SESSION_COOKIE), "session cookie cleared");
    const revocationsAfter = (await (await fetch(`${idp.issuer}/__test/stats`)).json()).revocations;
    assert.ok(revocationsAfter > revocationsBefore, "the Worker revoked the tokens at the provider");
    // The old cookie no longer opens anything: the proxy answers no_session.
    const afterLogout = await fetch(`${appOrigin}/api/default/hello`, {
      headers: { "X-OAuth-Edge": "1", Origin: appOrigin, Cookie: `${SESSION_COOKIE}=${session.value}` },
    });
    assert.equal(afterLogout.status, 401);
    assert.equal((await afterLogout.json()).code, "no_session");
    await page.reload();
    await page.waitForSelector('#status[data-ready]:text-is("logged-out")', { timeout: 20_000 });

    assert.deepEqual(rec.errors, [], "no uncaught page errors");
    assert.equal(await page.getAttribute("#error", "data-code"), "", await page.textContent("#error"));
    await context.close();
  });
});

// The other use of `oauth-edge/worker` (README "Mounted"): the app's own Worker answers its routes
// and hands /auth/* and /api/* to handle(); it re-exports the Durable Object classes. Bundled by
// wrangler from the example's node_modules (the package's exports["./worker"]), run under Miniflare.
describe("oauth-edge/worker mounted in the app's own Worker", () => {
  test("the app's route answers, /auth/login starts a login at the provider", async () => {
    const dir = mkdtempSync(join(EXAMPLE, ".mounted-"));
    let mf;
    try {
      writeFileSync(
        join(dir, "worker.js"),
        `
import { handle } from "oauth-edge/worker";
export { ClientTokens, RateLimiter, RefreshAuthority, SessionIndex } from "oauth-edge/worker";
export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/auth/") || pathname.startsWith("/api/")) return handle(request, env, ctx);
    return new Response("the app's own route");
  },
};
`,
      );
      writeFileSync(
        join(dir, "wrangler.toml"),
        'name = "mounted"\nmain = "worker.js"\ncompatibility_date = "2026-04-01"\n',
      );
      const run = spawnSync(
        join(ROOT, "node_modules/.bin/wrangler"),
        ["deploy", "--dry-run", "--outdir", join(dir, "out")],
        {
          cwd: dir,
          encoding: "utf8",
          timeout: 120_000,
          env: { ...process.env, ...WRANGLER_ENV },
        },
      );
      assert.equal(run.status, 0, `wrangler bundled the mounted Worker:\n${run.stdout}${run.stderr}`);
      const out = readdirSync(join(dir, "out"));
      assert.ok(
        out.some((f) => f.endsWith(".wasm")),
        `the bundle holds the wasm: ${out.join(", ")}`,
      );

      mf = new Miniflare({
        modules: true,
        scriptPath: join(dir, "out/worker.js"),
        modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
        compatibilityDate: "2026-04-01",
        kvNamespaces: ["SESSIONS"],
        durableObjects: Object.fromEntries(
          [
            ["RATE_LIMITER", "RateLimiter"],
            ["CLIENT_TOKENS", "ClientTokens"],
            ["REFRESH_AUTHORITY", "RefreshAuthority"],
            ["SESSION_INDEX", "SessionIndex"],
          ].map(([name, className]) => [name, { className, useSQLite: true }]),
        ),
        bindings: {
          PROVIDERS: JSON.stringify(providers),
          CLIENT_SECRET_DEFAULT: clientSecret,
          SESSION_KEY: randomBytes(32).toString("base64"),
        },
        handleRuntimeStdio: captureMiniflare,
        cf: false,
      });
      const own = await mf.dispatchFetch(`${appOrigin}/hello`);
      assert.equal(await own.text(), "the app's own route");
      const res = await mf.dispatchFetch(`${appOrigin}/auth/login`, {
        method: "POST",
        headers: { "X-OAuth-Edge": "1", Origin: appOrigin, "Content-Type": "application/json" },
        body: JSON.stringify({
          state: randomBytes(32).toString("base64url"),
          code_challenge: randomBytes(32).toString("base64url"),
        }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(body.authorization_url.startsWith(`${idp.issuer}/auth?`), body.authorization_url);
      assert.match(res.headers.get("set-cookie") ?? "", /__Host-oauth-edge-tx=/);
    } finally {
      await mf?.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
