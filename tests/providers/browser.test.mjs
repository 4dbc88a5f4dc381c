// The four emulators' sign-in pages in headless Chromium (tests/support/browser.mjs): fill in
// input[name=username] / input[name=password], click button[type=submit] or Cancel, land on the
// app's callback with the documented parameters. One browser for the whole file (2 shared cores).
// Run: node --test --test-timeout=60000 tests/providers/
import assert from "node:assert/strict";
import * as http from "node:http";
import { after, before, test } from "node:test";

import { launchChromium } from "../support/browser.mjs";
import { freePort } from "../support/ports.mjs";
import { startPayoutId } from "./payoutid.mjs";
import { startPaysera } from "./paysera.mjs";
import { startPaytronix } from "./paytronix.mjs";
import { startPlainSso } from "./plain-sso.mjs";
import { authUrl } from "../support/oauth-http.mjs";

let app;
let appOrigin;
let browser;
let context;
const emulators = {};

before(async () => {
  const port = await freePort();
  appOrigin = `http://localhost:${port}`;
  app = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>callback</title><pre id="q">${new URL(req.url, appOrigin).search.replace(/</g, "&lt;")}</pre>`,
    );
  });
  await new Promise((resolve) => app.listen(port, "127.0.0.1", resolve));
  const reg = (path) => ({ clientId: "spa", clientSecret: "s3cret", redirectUris: [`${appOrigin}${path}`] });
  [emulators.paytronix, emulators.payoutid, emulators.paysera, emulators.sso] = await Promise.all([
    startPaytronix(reg("/cb/paytronix")),
    startPayoutId({ ...reg("/cb/payoutid"), environment: "production" }),
    startPaysera(reg("/cb/paysera")),
    startPlainSso(reg("/cb/sso")),
  ]);
  browser = await launchChromium();
  context = await browser.newContext();
});

after(async () => {
  await context?.close();
  await browser?.close();
  await Promise.all(Object.values(emulators).map((e) => e.close()));
  await new Promise((resolve) => app?.close(resolve));
});

async function submit(page, username, password, { toCallback = true } = {}) {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  if (!toCallback) {
    await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
    return undefined;
  }
  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(`${appOrigin}/cb/`), { timeout: 15_000 }),
    page.click('button[type="submit"]'),
  ]);
  return new URL(page.url());
}

test("Paytronix: wrong password shows an error; sign-in lands with code, state, expires_in=300; Cancel -> access_denied", async () => {
  const px = emulators.paytronix;
  const url = authUrl(px.endpoints.authorization, {
    response_type: "code",
    client_id: "spa",
    redirect_uri: `${appOrigin}/cb/paytronix`,
    state: "st-px",
    scope: "user_read account_read",
  });
  const page = await context.newPage();
  await page.goto(url);
  await submit(page, "johndoe", "wrong", { toCallback: false });
  assert.match(await page.locator('[role="alert"]').innerText(), /Invalid username or password/);
  const cb = await submit(page, "johndoe", "open456");
  assert.equal(cb.pathname, "/cb/paytronix");
  assert.equal(cb.searchParams.get("state"), "st-px");
  assert.equal(cb.searchParams.get("expires_in"), "300");
  assert.ok(cb.searchParams.get("code"));

  await page.goto(url);
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(`${appOrigin}/cb/`)), page.click("text=Cancel")]);
  const cancelled = new URL(page.url());
  assert.equal(cancelled.searchParams.get("error"), "access_denied");
  assert.equal(cancelled.searchParams.get("state"), "st-px");
  await page.close();
});

test("PayoutID (production instance): the page names the environment; the code arrives as authorization_code", async () => {
  const po = emulators.payoutid;
  const page = await context.newPage();
  await page.goto(
    authUrl(po.endpoints.authorization, {
      response_type: "code",
      client_id: "spa",
      redirect_uri: `${appOrigin}/cb/payoutid`,
      scope: "user.read",
      state: "st-po",
    }),
  );
  assert.equal(await page.locator("#environment").getAttribute("data-environment"), "production");
  const cb = await submit(page, "payee", "pw");
  assert.ok(cb.searchParams.get("authorization_code"));
  assert.equal(cb.searchParams.get("code"), null);
  assert.equal(cb.searchParams.get("state"), "st-po");
  await page.close();
});

test("Paysera (lt): Lithuanian page; Cancel -> error=access_denied&state; sign-in -> code&state", async () => {
  const ps = emulators.paysera;
  const url = authUrl(ps.endpoints.authorizationLocale.lt, {
    response_type: "code",
    client_id: "spa",
    redirect_uri: `${appOrigin}/cb/paysera`,
    state: "st-ps",
  });
  const page = await context.newPage();
  await page.goto(url);
  assert.equal(await page.getAttribute("html", "lang"), "lt");
  assert.equal(await page.locator("h1").innerText(), "Prisijunkite prie Paysera");
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(`${appOrigin}/cb/`)), page.click("a.cancel")]);
  assert.equal(new URL(page.url()).search, "?error=access_denied&state=st-ps");

  await page.goto(url);
  const cb = await submit(page, "ruta", "pw");
  assert.deepEqual([...cb.searchParams.keys()], ["code", "state"]);
  await page.close();
});

test("plain SSO: register from the login page, back to login, sign in; tokens in the redirect; the API answers the page (CORS)", async () => {
  const sso = emulators.sso;
  const page = await context.newPage();
  await page.goto(
    authUrl(sso.endpoints.login, { client_id: "spa", scope: "0", redirect_uri: `${appOrigin}/cb/sso?tx=one-time` }),
  );
  await Promise.all([page.waitForURL(/\/register\?/), page.click("#register")]);
  await page.fill('input[name="username"]', "newbie");
  await page.fill('input[name="email"]', "newbie@example.test");
  await page.fill('input[name="password"]', "hunter2");
  await Promise.all([page.waitForURL(/\/login\?/), page.click('button[type="submit"]')]);
  assert.match(await page.locator(".notice").innerText(), /newbie/);
  await submit(page, "newbie", "not-the-password", { toCallback: false });
  assert.ok(await page.locator('[role="alert"]').isVisible());
  const cb = await submit(page, "newbie", "hunter2");
  assert.deepEqual([...cb.searchParams.keys()], ["tx", "access_token", "refresh_token", "expiration", "user_id"]);
  assert.equal(cb.searchParams.get("tx"), "one-time");
  assert.equal(cb.searchParams.get("user_id"), "newbie");
  const result = await page.evaluate(
    async ([url, at]) => {
      const r = await fetch(url, { headers: { authorization: `Bearer ${at}` } });
      return { status: r.status, body: await r.json() };
    },
    [sso.endpoints.me, cb.searchParams.get("access_token")],
  );
  assert.deepEqual(result, { status: 200, body: { user_id: "newbie", username: "newbie" } });
  await page.close();
});
