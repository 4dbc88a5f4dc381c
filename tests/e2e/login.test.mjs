// End to end, as a person would: the demo app (www/) served by the built Worker under workerd
// (`wrangler dev --local`, real local KV), the oauth-edge wasm library in headless Chromium, and a
// real authorization server (oidc-provider) with its development sign-in page.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { launchChromium, recordConsole } from "../support/browser.mjs";
import { hook } from "../support/http.mjs";
import { startStack } from "../support/stack.mjs";

const TX_COOKIE = "__Host-oauth-edge-tx";
const SESSION_COOKIE = "__Host-oauth-edge-session";

let stack;
let browser;

before(async () => {
  stack = await startStack({ accessTokenTtl: 120 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A /__test/* hook of the authorization server (stats: GET). */
const idpHook = (path, params = {}) => hook(stack.idp.issuer, path, undefined, params);

/** A fresh browser profile with the app open and a record of what it sent and saw. */
async function openApp() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen = { callbackUrls: [], bearer: [], requests: [], console: recordConsole(page) };
  page.on("request", (req) => {
    const url = req.url();
    seen.requests.push({ url, referer: req.headers().referer ?? "" });
    if (url.startsWith(`${stack.appOrigin}/callback`)) seen.callbackUrls.push(url);
    const auth = req.headers().authorization;
    if (auth?.startsWith("Bearer ")) seen.bearer.push(auth.slice(7));
  });
  await page.goto(`${stack.appOrigin}/`);
  await page.waitForSelector("#status[data-ready]");
  return { context, page, seen };
}

async function signInAtIdp(page, username = "alice") {
  await page.waitForSelector('input[name="login"]', { timeout: 20_000 });
  await page.fill('input[name="login"]', username);
  await page.fill('input[name="password"]', "any-password");
  await page.click('button[type="submit"]');
}

async function logIn(page, username = "alice") {
  await page.click("#login");
  await signInAtIdp(page, username);
  await page.waitForURL((u) => u.origin === stack.appOrigin, { timeout: 20_000 });
  await page.waitForSelector('#status:text-is("logged-in")', { timeout: 20_000 });
}

async function errorCode(page) {
  const el = await page.waitForSelector("#error[data-code]:not([data-code=''])", { timeout: 20_000 });
  return el.getAttribute("data-code");
}

/** Every file under the Worker's local KV state, as text. */
function kvFiles() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: p, text: readFileSync(p).toString("latin1") });
    }
  };
  walk(stack.kvDir);
  return out;
}

async function browserStorage(page) {
  return page.evaluate(() => ({
    url: location.href,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
  }));
}

async function navigationHistory(page) {
  const cdp = await page.context().newCDPSession(page);
  const { entries } = await cdp.send("Page.getNavigationHistory");
  await cdp.detach();
  return entries.map((e) => e.url);
}

describe("log in, call the API, refresh, reload, log out", () => {
  test("a logged-out page load prints nothing in red: no session is an answer (204), not an error", async () => {
    const { context, page, seen } = await openApp();
    assert.equal(await page.textContent("#status"), "logged-out");
    const answers = [];
    page.on("response", (res) => answers.push(`${res.status()} ${new URL(res.url()).pathname}`));
    await page.reload();
    await page.waitForSelector("#status[data-ready]");
    assert.equal(await page.textContent("#status"), "logged-out");
    assert.ok(answers.includes("204 /auth/session"), answers.join(", "));
    // Chromium prints every 4xx/5xx fetch as "Failed to load resource" (console type "error").
    assert.deepEqual(
      seen.console.lines.filter((l) => l.startsWith("error")),
      [],
    );
    assert.deepEqual(seen.console.errors, []);
    await context.close();
  });

  test("the whole journey, with nothing secret left in the browser", async () => {
    const { context, page, seen } = await openApp();
    assert.equal(await page.textContent("#status"), "logged-out");
    await logIn(page, "alice");

    // Logged in: user, scopes, a counting-down expiry.
    assert.match(await page.textContent("#user"), /alice/i);
    assert.match(await page.textContent("#scopes"), /openid/);
    const first = Number(await page.getAttribute("#expires-in", "data-expires-at"));
    assert.ok(first > Date.now() / 1000, "expiry in the future");

    // The callback URL carried a code; it is gone from the address bar and the history.
    assert.equal(seen.callbackUrls.length, 1);
    const code = new URL(seen.callbackUrls[0]).searchParams.get("code");
    assert.ok(code, "the provider redirected with a code");
    const history = await navigationHistory(page);
    for (const url of history) assert.ok(!url.includes(code), `history holds the code: ${url}`);
    assert.ok(!page.url().includes("code="), page.url());
    // Nothing the callback page loaded (style, scripts, the .wasm, the Worker) was told its URL.
    const fromCallback = seen.requests.slice(seen.requests.findIndex((r) => r.url === seen.callbackUrls[0]) + 1);
    assert.ok(
      fromCallback.some((r) => r.url.endsWith(".wasm")),
      fromCallback.map((r) => r.url).join(" "),
    );
    for (const r of fromCallback) assert.ok(!r.referer.includes("code="), `${r.url} got Referer ${r.referer}`);

    // The API call uses the access token; the protected API answers.
    await page.click("#call-api");
    await page.waitForSelector("#api-result:has-text('Hello, alice')");
    assert.equal(seen.bearer.length >= 1, true);
    const accessToken = seen.bearer.at(-1);

    // No token or code in storage, cookies visible to scripts, or the URL.
    const store = await browserStorage(page);
    for (const [where, text] of Object.entries(store)) {
      assert.ok(!text.includes(accessToken), `access token in ${where}`);
      assert.ok(!text.includes(code), `code in ${where}`);
    }
    assert.ok(!store.cookie.includes("oauth-edge"), "session cookie is HttpOnly");
    const cookies = await context.cookies(stack.appOrigin);
    const session = cookies.find((c) => c.name === SESSION_COOKIE);
    assert.ok(session, "session cookie set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, "Strict");
    assert.equal(session.path, "/");
    assert.ok(!cookies.some((c) => c.name === TX_COOKIE), "transaction cookie consumed");

    // KV holds only sealed values: no token, no JSON field names of the session record.
    const files = kvFiles();
    assert.ok(files.length > 0, "KV state exists");
    for (const f of files) {
      assert.ok(!f.text.includes(accessToken), `access token in plain text in ${f.path}`);
      assert.ok(!f.text.includes("refresh_token"), `session JSON in plain text in ${f.path}`);
      assert.ok(!f.text.includes(session.value), `raw session id used as a KV key in ${f.path}`);
    }

    // Refresh: a new expiry, one refresh at the provider.
    const before = await idpHook("/__test/stats");
    await page.waitForTimeout(1100); // expiry has a one-second resolution
    await page.click("#refresh");
    await page.waitForFunction((old) => Number(document.querySelector("#expires-in").dataset.expiresAt) > old, first, {
      timeout: 15_000,
    });
    const afterRefresh = await idpHook("/__test/stats");
    assert.equal(
      (afterRefresh.token.by_grant_type.refresh_token ?? 0) - (before.token.by_grant_type.refresh_token ?? 0),
      1,
    );

    // Reload: the session comes back through the Worker, without an error.
    await page.reload();
    await page.waitForSelector('#status:text-is("logged-in")', { timeout: 15_000 });
    assert.equal((await page.getAttribute("#error", "data-code")) ?? "", "");
    assert.match(await page.textContent("#user"), /alice/i);

    // Log out: logged out here, and the session is gone at the Worker (old cookie refused).
    await page.click("#logout");
    await page.waitForSelector('#status:text-is("logged-out")');
    const res = await fetch(`${stack.appOrigin}/auth/session`, {
      method: "POST",
      headers: { origin: stack.appOrigin, "x-oauth-edge": "1", cookie: `${SESSION_COOKIE}=${session.value}` },
    });
    assert.equal(res.status, 204, "no session");
    const afterLogout = await idpHook("/__test/stats");
    assert.ok((afterLogout.revocations ?? afterLogout.token.revocations ?? 1) >= 1);
    assert.deepEqual(seen.console.errors ?? [], []);
    await context.close();
  });
});

describe("bad input: a clear typed error and no half-made session", () => {
  async function assertNoSession(page) {
    const status = await page.evaluate(async () => {
      const r = await fetch("/auth/session", { method: "POST", headers: { "x-oauth-edge": "1" } });
      return r.status;
    });
    assert.equal(status, 204, "no session");
  }

  test("state mismatch", async () => {
    const { context, page } = await openApp();
    await page.click("#login");
    await page.waitForSelector('input[name="login"]');
    await page.goto(`${stack.appOrigin}/callback?code=forged&state=not-the-state`);
    assert.equal(await errorCode(page), "state_mismatch");
    assert.ok(!page.url().includes("forged"));
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, "pending transaction removed");
    await assertNoSession(page);
    await context.close();
  });

  test("callback without a login in progress, and a replayed callback", async () => {
    const { context, page, seen } = await openApp();
    await page.goto(`${stack.appOrigin}/callback?code=x&state=y`);
    assert.equal(await errorCode(page), "unknown_state");
    await page.goto(`${stack.appOrigin}/callback?code=x`);
    assert.equal(await errorCode(page), "state_missing");

    await page.goto(`${stack.appOrigin}/`);
    await logIn(page, "bob");
    const callbackUrl = seen.callbackUrls.at(-1);
    await page.goto(callbackUrl);
    assert.equal(await errorCode(page), "state_used");
    await context.close();
  });

  test("the provider's error redirect (access_denied)", async () => {
    const { context, page } = await openApp();
    await page.click("#login");
    await page.waitForSelector('input[name="login"]');
    // The development sign-in page's "Cancel" aborts the interaction: error=access_denied.
    await page.click("text=Cancel");
    assert.equal(await errorCode(page), "access_denied");
    assert.match(await page.textContent("#error"), /denied|cancel/i);
    await assertNoSession(page);
    await context.close();
  });

  test("the Worker is unreachable", async () => {
    const { context, page } = await openApp();
    await page.route("**/auth/login", (route) => route.abort("connectionrefused"));
    await page.click("#login");
    assert.equal(await errorCode(page), "worker_unreachable");
    await context.close();
  });

  for (const [name, hook, params, expected] of [
    [
      "the token endpoint answers 500",
      "/__test/fail-token",
      { status: 500, grant_type: "authorization_code" },
      "provider_unavailable",
    ],
    [
      "the token endpoint answers malformed JSON",
      "/__test/malformed-token",
      { grant_type: "authorization_code" },
      "invalid_token_response",
    ],
  ]) {
    test(name, async () => {
      const { context, page } = await openApp();
      await idpHook(hook, params);
      await page.click("#login");
      await signInAtIdp(page, "carol");
      assert.equal(await errorCode(page), expected);
      await assertNoSession(page);
      assert.equal(await page.textContent("#status"), "logged-out");
      await context.close();
    });
  }

  test("a code redeemed without the browser's transaction cookie", async () => {
    // The victim's browser signs in; its own POST /auth/token (code, state and verifier — more
    // than an attacker usually has) is caught and never sent.
    const { context, page } = await openApp();
    let stolen;
    await page.route("**/auth/token", async (route) => {
      stolen = route.request().postData();
      await route.abort("aborted");
    });
    await page.click("#login");
    await signInAtIdp(page, "dave");
    for (let i = 0; i < 150 && !stolen; i++) await page.waitForTimeout(100);
    assert.ok(stolen, "the app asked the Worker to redeem the code");
    assert.match(stolen, /"code_verifier"/);

    // Another browser presents it: no transaction cookie, so the Worker refuses.
    const other = await openApp();
    const answer = await other.page.evaluate(async (body) => {
      const r = await fetch("/auth/token", {
        method: "POST",
        headers: { "content-type": "application/json", "x-oauth-edge": "1" },
        body,
      });
      return { status: r.status, body: await r.json() };
    }, stolen);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, "no_transaction");
    assert.match(answer.body.message, /\w+/);
    await assertNoSession(other.page);
    await other.context.close();
    await context.close();
  });

  test("refresh after the provider revoked the grant ends the session cleanly", async () => {
    const { context, page } = await openApp();
    await logIn(page, "erin");
    await idpHook("/__test/revoke-grants", { sub: "erin" });
    await page.click("#refresh");
    await page.waitForSelector('#status:text-is("logged-out")', { timeout: 15_000 });
    assert.equal(await page.getAttribute("#status", "data-ended"), "session_ended");
    const cookies = await context.cookies(stack.appOrigin);
    assert.ok(!cookies.some((c) => c.name === SESSION_COOKIE), "session cookie cleared");
    await assertNoSession(page);
    await context.close();
  });
});
