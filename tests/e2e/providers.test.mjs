// End to end with the four documented providers (issue 3), as a person would use the demo: the
// demo app (www/) served by the built Worker under workerd, the oauth-edge wasm library in headless
// Chromium, and the providers' local emulators (tests/providers/, each following its document in
// /work/shared/providers/), configured in the Worker's PROVIDERS through the built-in profiles
// (tests/support/stack.mjs, `providers: true`). The standard provider is the local oidc-provider.
//
// One stack for the file. Emulator clocks only move forward (advance-clock), and every token an
// emulator issues is checked against its own clock, so the tests do not depend on their order.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { hook } from "../support/http.mjs";
import { signIn } from "../support/oauth-http.mjs";
import { launchChromium, recordConsole } from "../support/browser.mjs";
import { startStack } from "../support/stack.mjs";

const TX_COOKIE = "__Host-oauth-edge-tx";
const SESSION_COOKIE = "__Host-oauth-edge-session";

/** Document 003's seven authorization error codes. */
const PAYSERA_ERRORS = [
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
];

let stack;
let browser;
let em; // the emulators: {paytronix, payoutid: {sandbox, production}, paysera, sso}

before(async () => {
  // Paysera access tokens live 120 s, so an expired one can be made by moving the emulator's clock
  // less than its 300 s MAC timestamp window (a larger jump would refuse the Worker's signatures).
  stack = await startStack({
    accessTokenTtl: 120,
    providers: true,
    providerOptions: { paysera: { accessTokenTtl: 120 } },
  });
  em = stack.providers;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

// ---- helpers ---------------------------------------------------------------------------------

const stats = (emulator) => hook(emulator, "/__test/stats");
const grants = async (emulator, grant) => (await stats(emulator)).token.by_grant[grant] ?? 0;

/** A fresh browser profile with the app open and a record of what it sent and saw. */
async function openApp() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen = { urls: [], authorization: [], console: recordConsole(page) };
  page.on("request", (req) => {
    seen.urls.push(req.url());
    const auth = req.headers().authorization;
    if (auth) seen.authorization.push({ url: req.url(), auth });
  });
  await page.goto(`${stack.appOrigin}/`);
  await page.waitForSelector("#status[data-ready]");
  return { context, page, seen };
}

/** Picks a provider (and a language) in the demo's pickers. */
async function pick(page, provider, variant) {
  await page.selectOption("#provider", provider);
  if (variant !== undefined) await page.selectOption("#variant", variant);
}

/** Waits for the provider's page (the demo has a user-name field of its own). */
async function atProvider(page) {
  await page.waitForURL((u) => u.origin !== stack.appOrigin, { timeout: 20_000 });
  await page.waitForSelector('input[name="username"]', { timeout: 20_000 });
}

/** Signs in on an emulator's page (any user name; password "wrong" is refused). */
async function signInAtProvider(page, username, password = "pw-1") {
  await atProvider(page);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
}

async function loggedIn(page) {
  await page.waitForSelector('#status:text-is("logged-in")', { timeout: 20_000 });
}

async function logIn(page, provider, username, { variant } = {}) {
  await pick(page, provider, variant);
  await page.click("#login");
  await signInAtProvider(page, username);
  await page.waitForURL((u) => u.origin === stack.appOrigin, { timeout: 20_000 });
  await loggedIn(page);
}

async function passwordLogIn(page, provider, username, password = "pw-1") {
  await pick(page, provider);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("#password-login");
}

/** The code shown in the error banner (waits for one). */
async function errorCode(page) {
  const el = await page.waitForSelector("#error[data-code]:not([data-code=''])", { timeout: 20_000 });
  await page.waitForSelector("#status[data-ready]"); // the page has finished starting
  return el.getAttribute("data-code");
}

/** The banner's words must be sentences, not just the code. */
async function assertPlainWords(page, code) {
  const text = (await page.textContent("#error")).replace(`(${code})`, "").trim();
  assert.ok(text.length > 30 && /\s/.test(text), `plain words for ${code}: "${text}"`);
}

async function callApi(page, button = "#call-api") {
  await page.$eval("#api-result", (el) => {
    el.textContent = "";
  });
  await page.click(button);
  const el = await page.waitForSelector("#api-result:not(:empty):not(:text-is('…'))", { timeout: 20_000 });
  return el.textContent();
}

/** `/auth/session`'s answer without a session (a normal answer: nothing red in the console). */
const NO_SESSION = 204;

async function sessionStatus(page) {
  return page.evaluate(async () => {
    const r = await fetch("/auth/session", { method: "POST", headers: { "x-oauth-edge": "1" } });
    return r.status;
  });
}

/** Refresh through the demo's button: the expiry shown moves on. */
async function clickRefresh(page) {
  const before = Number(await page.getAttribute("#expires-in", "data-expires-at"));
  await page.waitForTimeout(1100); // expiry has a one-second resolution
  await page.click("#refresh");
  await page.waitForFunction((old) => Number(document.querySelector("#expires-in").dataset.expiresAt) > old, before, {
    timeout: 15_000,
  });
}

async function logOut(page) {
  await page.click("#logout");
  await page.waitForSelector('#status:text-is("logged-out")');
  assert.equal(await sessionStatus(page), NO_SESSION, "the Worker's session is gone");
}

/** Runs `fn(OAuthClient)` in the page with a second client of the package (same session). */
function inPage(page, fn, arg) {
  return page.evaluate(
    async ([src, a]) => {
      const { default: init, OAuthClient } = await import("/vendor/oauth-edge/index.js");
      await init();
      const client = new OAuthClient({ worker: "/auth" });
      await client.restore();
      // eslint-disable-next-line no-new-func
      return new Function("client", "arg", `return (${src})(client, arg);`)(client, a);
    },
    [fn.toString(), arg],
  );
}

async function navigationHistory(page) {
  const cdp = await page.context().newCDPSession(page);
  const { entries } = await cdp.send("Page.getNavigationHistory");
  await cdp.detach();
  return entries.map((e) => e.url);
}

// ---- the standard provider, picked in the demo -----------------------------------------------

describe("standard OAuth 2.0 provider (picked in the demo)", () => {
  test("login, API call, refresh, logout with revocation", async () => {
    const { context, page } = await openApp();
    await pick(page, "default");
    await page.click("#login");
    await page.waitForSelector('input[name="login"]', { timeout: 20_000 });
    await page.fill('input[name="login"]', "stella");
    await page.fill('input[name="password"]', "any");
    await page.click('button[type="submit"]');
    await loggedIn(page);
    assert.equal(await page.getAttribute("#session-provider", "data-provider"), "default");
    assert.match(await callApi(page), /Hello, stella/);
    await clickRefresh(page);
    const before = (await (await fetch(`${stack.idp.issuer}/__test/stats`)).json()).revocations;
    await logOut(page);
    const afterLogout = (await (await fetch(`${stack.idp.issuer}/__test/stats`)).json()).revocations;
    // RFC 7009 for the refresh token, then for the access token (issue 6, finding 7).
    assert.equal(afterLogout - before, 2, "two RFC 7009 revocations");
    await context.close();
  });
});

// ---- Paytronix (documents 000, 001) ----------------------------------------------------------

describe("Paytronix", () => {
  test("redirect login, account API, refresh, logout", async () => {
    const { context, page, seen } = await openApp();
    const codes = await grants(em.paytronix, "authorization_code");
    await logIn(page, "paytronix", "johndoe");
    assert.equal((await grants(em.paytronix, "authorization_code")) - codes, 1, "the code grant (document 000)");
    assert.match(await page.textContent("#user"), /johndoe.*card 6000\d{6}/);
    assert.match(await page.textContent("#scopes"), /account_read/);
    const api = await callApi(page);
    assert.match(api, /^HTTP 200/);
    assert.match(api, /"username": "johndoe"/);
    assert.ok(
      seen.authorization.some(
        (a) => a.url === em.paytronix.endpoints.accountInformation && a.auth.startsWith("Bearer "),
      ),
      "the account API got the bearer token",
    );
    const refreshes = await grants(em.paytronix, "refresh_token");
    await clickRefresh(page);
    assert.equal((await grants(em.paytronix, "refresh_token")) - refreshes, 1);
    await logOut(page); // Paytronix documents no revocation: the session is deleted at the Worker
    await context.close();
  });

  test("password login (document 001: requestGuestToken by username and password)", async () => {
    const { context, page } = await openApp();
    const before = await grants(em.paytronix, "password");
    await passwordLogIn(page, "paytronix", "janedoe", "open456");
    await loggedIn(page);
    assert.match(await page.textContent("#user"), /janedoe/);
    assert.equal((await grants(em.paytronix, "password")) - before, 1);
    assert.match(await callApi(page), /"username": "janedoe"/);
    await logOut(page);
    await context.close();
  });

  test("login failure is shown in plain words with the provider's message", async () => {
    const { context, page } = await openApp();
    await passwordLogIn(page, "paytronix", "johndoe", "wrong");
    assert.equal(await errorCode(page), "login_failed");
    await assertPlainWords(page, "login_failed");
    assert.match(await page.textContent("#error"), /The provider said/);
    assert.equal(await page.textContent("#status"), "logged-out");
    assert.equal(await sessionStatus(page), NO_SESSION);
    await context.close();
  });

  test("an expired authorization code (5 minutes, document 000) is refused", async () => {
    const { context, page } = await openApp();
    await pick(page, "paytronix");
    await page.click("#login");
    await atProvider(page);
    // Sign in outside the browser, keeping the redirect (Playwright's request interception would
    // drop the form's POST body); the tab keeps its pending login and its transaction cookie.
    const { location } = await signIn(page.url(), { username: "slowpoke" });
    const callback = location.href;
    assert.ok(callback.startsWith(`${stack.appOrigin}/callback?`), callback);
    assert.match(callback, /[?&]code=.*expires_in=300/);
    await hook(em.paytronix, "/__test/advance-clock?seconds=301");
    await page.goto(callback);
    assert.equal(await errorCode(page), "provider_rejected");
    await assertPlainWords(page, "provider_rejected");
    assert.ok(!page.url().includes("code="), "the code is scrubbed from the address bar");
    assert.equal(await sessionStatus(page), NO_SESSION);
    await context.close();
  });

  test("invalid token: ten calls failing at once share one refresh, then each is resent", async () => {
    const { context, page } = await openApp();
    await passwordLogIn(page, "paytronix", "tencalls");
    await loggedIn(page);
    // Every access token ends (document 001: valid 30 minutes); refresh tokens do not.
    await hook(em.paytronix, "/__test/advance-clock?seconds=1801");
    const refreshes = await grants(em.paytronix, "refresh_token");
    const unauthorized = (await stats(em.paytronix)).api.unauthorized;
    const statuses = await inPage(
      page,
      async (client, url) => {
        const answers = await Promise.all(Array.from({ length: 10 }, () => client.fetch(url)));
        return answers.map((r) => r.status);
      },
      em.paytronix.endpoints.accountInformation,
    );
    assert.deepEqual(statuses, Array(10).fill(200), "every call resent with the new token");
    assert.equal((await grants(em.paytronix, "refresh_token")) - refreshes, 1, "one refresh");
    assert.equal((await stats(em.paytronix)).api.unauthorized - unauthorized, 10, "ten invalid_token answers");
    await context.close();
  });

  test("a revoked grant ends the session when the refresh fails", async () => {
    const { context, page } = await openApp();
    await passwordLogIn(page, "paytronix", "revoked");
    await loggedIn(page);
    await hook(em.paytronix, "/__test/revoke-all");
    await page.click("#refresh");
    await page.waitForSelector('#status:text-is("logged-out")', { timeout: 15_000 });
    assert.equal(await page.getAttribute("#status", "data-ended"), "session_ended");
    assert.equal(await sessionStatus(page), NO_SESSION);
    await context.close();
  });
});

// ---- PayoutID (document 002) -----------------------------------------------------------------

describe("PayoutID", () => {
  test("authorization_code login in the sandbox, user API, app API, refresh, logout", async () => {
    const { context, page, seen } = await openApp();
    const prodBefore = (await stats(em.payoutid.production)).token.total;
    await logIn(page, "payoutid", "pia");
    const callbacks = seen.urls.filter((u) => u.startsWith(`${stack.appOrigin}/callback?`));
    assert.equal(callbacks.length, 1);
    const code = new URL(callbacks[0]).searchParams.get("authorization_code");
    assert.ok(code, "document 002: the code comes as authorization_code");
    for (const url of [page.url(), ...(await navigationHistory(page))]) {
      assert.ok(!url.includes(code), `the code stayed in ${url}`);
    }
    const user = await callApi(page);
    assert.match(user, /^HTTP 200/);
    assert.match(user, /"environment": "sandbox"/);
    assert.match(user, /"username": "pia"/);

    // The app's own API through the Worker, with a client-credentials token.
    const rates = await callApi(page, "#call-app-api");
    assert.match(rates, /^HTTP 200/);
    assert.match(rates, /"environment": "sandbox"/);
    assert.ok((await grants(em.payoutid.sandbox, "client_credentials")) >= 1);

    const refreshes = await grants(em.payoutid.sandbox, "refresh_token");
    await clickRefresh(page);
    assert.equal((await grants(em.payoutid.sandbox, "refresh_token")) - refreshes, 1);
    assert.match(await callApi(page), /"username": "pia"/, "the rotated token works");
    assert.equal((await stats(em.payoutid.production)).token.total, prodBefore, "production untouched");
    await logOut(page);
    await context.close();
  });

  test("Cancel on the consent page is access_denied in plain words", async () => {
    const { context, page } = await openApp();
    await pick(page, "payoutid");
    await page.click("#login");
    await page.waitForSelector("a.cancel", { timeout: 20_000 });
    await page.click("a.cancel");
    assert.equal(await errorCode(page), "access_denied");
    await assertPlainWords(page, "access_denied");
    assert.equal(await sessionStatus(page), NO_SESSION);
    await context.close();
  });
});

// ---- Paysera Wallet (document 003) -----------------------------------------------------------

describe("Paysera Wallet", () => {
  test("Lithuanian sign-in page, MAC tokens kept in the Worker, API through the proxy, refresh, revocation", async () => {
    const { context, page, seen } = await openApp();
    await pick(page, "paysera", "lt");
    await page.click("#login");
    await atProvider(page);
    assert.equal(await page.getAttribute("html", "lang"), "lt", "the lt authorization endpoint");
    assert.match(page.url(), /\/frontend\/lt\/oauth\?/);
    await signInAtProvider(page, "jonas");
    await loggedIn(page);

    const me = await callApi(page);
    assert.match(me, /^HTTP 200/);
    assert.match(me, /"username": "jonas"/);
    assert.deepEqual(seen.authorization, [], "no Authorization header ever left the page");
    const proxied = seen.urls.filter((u) => u.startsWith(`${stack.appOrigin}/api/paysera/`));
    assert.equal(proxied.length, 1);
    const view = await inPage(page, async (client) => {
      const e = await client.getAccessToken().catch((x) => x);
      return { code: e.code, loggedIn: client.loggedIn };
    });
    assert.deepEqual(view, { code: "token_not_available", loggedIn: true });

    const refreshes = await grants(em.paysera, "refresh_token");
    await clickRefresh(page);
    assert.equal((await grants(em.paysera, "refresh_token")) - refreshes, 1);
    assert.match(await callApi(page), /"username": "jonas"/, "signed with the rotated MAC key");

    const before = (await stats(em.paysera)).revocations.endpoint;
    await logOut(page);
    assert.equal((await stats(em.paysera)).revocations.endpoint - before, 1, "DELETE /oauth/v1/token");
    await context.close();
  });

  test("an expired MAC access token: the proxy refreshes and resends", async () => {
    const { context, page } = await openApp();
    await logIn(page, "paysera", "ona");
    await hook(em.paysera, "/__test/advance-clock?seconds=150");
    const refreshes = await grants(em.paysera, "refresh_token");
    assert.match(await callApi(page), /"username": "ona"/);
    assert.equal((await grants(em.paysera, "refresh_token")) - refreshes, 1);
    await context.close();
  });

  for (const error of PAYSERA_ERRORS) {
    test(`authorization error redirect ${error} is shown in plain words`, async () => {
      const { context, page } = await openApp();
      await hook(em.paysera, `/__test/next-authorize-error?error=${error}`);
      await pick(page, "paysera");
      await page.click("#login");
      assert.equal(await errorCode(page), error);
      await assertPlainWords(page, error);
      assert.ok(!page.url().includes("error="), "scrubbed from the address bar");
      assert.equal(await page.textContent("#status"), "logged-out");
      await context.close();
    });
  }
});

describe("Paysera Wallet, grant revoked", () => {
  test("the proxy's failed refresh ends the session in the page (sessionEnded)", async () => {
    const { context, page } = await openApp();
    await logIn(page, "paysera", "petras");
    await hook(em.paysera, "/__test/revoke-all");
    await page.click("#call-api");
    await page.waitForSelector('#status:text-is("logged-out")', { timeout: 15_000 });
    assert.equal(await page.getAttribute("#status", "data-ended"), "session_ended");
    assert.equal(await errorCode(page), "session_ended");
    assert.equal(await sessionStatus(page), NO_SESSION);
    await context.close();
  });
});

// ---- the plain SSO service (document 004) ----------------------------------------------------

describe("plain SSO", () => {
  test("register, then log in: tokens go to the Worker, never to the page or history", async () => {
    const { context, page, seen } = await openApp();
    await pick(page, "sso");
    await page.fill("#register-username", "newbie");
    await page.fill("#register-password", "s3cret");
    await page.click("#register");
    await page.waitForSelector("#notice:not([hidden])");
    assert.match(await page.textContent("#notice"), /Registered “newbie”/);

    await page.click("#login");
    await signInAtProvider(page, "newbie", "s3cret");
    await page.waitForURL((u) => u.origin === stack.appOrigin && u.pathname === "/", { timeout: 20_000 });
    await loggedIn(page);
    assert.match(await page.textContent("#user"), /newbie/);

    const redirect = seen.urls.find((u) => u.includes("/auth/callback/sso?"));
    assert.ok(redirect, "the service redirected to the Worker");
    const accessToken = new URL(redirect).searchParams.get("access_token");
    assert.ok(accessToken);
    const history = await navigationHistory(page);
    for (const url of history) assert.ok(!url.includes("access_token"), `history holds a token: ${url}`);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    assert.ok(!storage.includes(accessToken));
    const cookies = await context.cookies(stack.appOrigin);
    assert.ok(cookies.some((c) => c.name === SESSION_COOKIE));
    assert.ok(!cookies.some((c) => c.name === TX_COOKIE), "transaction cookie consumed");

    const me = await callApi(page);
    assert.match(me, /^HTTP 200/);
    assert.match(me, /"username": "newbie"/);
    const refreshes = await grants(em.sso, "refresh");
    await clickRefresh(page);
    assert.equal((await grants(em.sso, "refresh")) - refreshes, 1);
    await logOut(page);
    await context.close();
  });

  test("password login and a duplicate registration", async () => {
    const { context, page } = await openApp();
    await pick(page, "sso");
    for (let i = 0; i < 2; i++) {
      await page.fill("#register-username", "twice");
      await page.fill("#register-password", "pw-2");
      await page.click("#register");
      if (i === 0) await page.waitForSelector("#notice:not([hidden])");
    }
    assert.equal(await errorCode(page), "registration_failed");
    await assertPlainWords(page, "registration_failed");
    assert.match(await page.textContent("#error"), /The provider said/);

    await passwordLogIn(page, "sso", "twice", "pw-2");
    await loggedIn(page);
    assert.match(await callApi(page), /"username": "twice"/);
    await logOut(page);
    await context.close();
  });

  test("a forged redirect without the browser's transaction cookie is refused", async () => {
    const { context, page } = await openApp();
    const forged = new URL(`${stack.appOrigin}/auth/callback/sso`);
    for (const [k, v] of Object.entries({
      tx: "forged",
      access_token: "attacker-at",
      refresh_token: "attacker-rt",
      expiration: String(Math.floor(Date.now() / 1000) + 3600),
      user_id: "mallory",
    }))
      forged.searchParams.set(k, v);
    await page.goto(forged.href);
    assert.equal(await errorCode(page), "no_transaction");
    await assertPlainWords(page, "no_transaction");
    assert.ok(!page.url().includes("oauth_edge_error"), "scrubbed");
    assert.equal(await page.textContent("#status"), "logged-out");
    assert.equal(await sessionStatus(page), NO_SESSION, "no session for the attacker's tokens");

    // With a login in progress (a tx cookie) but another tx value: refused too.
    await pick(page, "sso");
    await page.click("#login");
    await atProvider(page);
    await page.goto(forged.href);
    assert.equal(await errorCode(page), "transaction_mismatch");
    assert.equal(await sessionStatus(page), NO_SESSION);
    await context.close();
  });
});
