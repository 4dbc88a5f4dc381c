// The IdP's development sign-in page in a real browser: authorization request -> login page ->
// fill in any username/password -> redirect back to the app's callback with code, state, iss.
// Run: node --test --test-timeout=60000 tests/idp/
import assert from "node:assert/strict";
import * as http from "node:http";
import { after, before, test } from "node:test";

import { startIdp } from "./server.mjs";
import { launchChromium } from "../support/browser.mjs";
import { pkcePair, postForm, randomState } from "../support/oauth-http.mjs";
import { freePort } from "../support/ports.mjs";

let idp;
let app;
let appOrigin;
let browser;

before(async () => {
  const port = await freePort();
  appOrigin = `http://localhost:${port}`;
  app = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>callback</title><pre id="q">${new URL(req.url, appOrigin).search}</pre>`);
  });
  await new Promise((resolve) => app.listen(port, "127.0.0.1", resolve));
  idp = await startIdp({
    clients: [{ client_id: "spa", client_secret: "pw", redirect_uris: [`${appOrigin}/callback`] }],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await idp?.close();
  await new Promise((resolve) => app?.close(resolve));
});

test("a user signs in on the dev login page and lands on the callback; a second login is silent", async () => {
  const { verifier, challenge } = pkcePair();
  const state = randomState();
  const auth = new URL("/auth", idp.issuer);
  for (const [k, v] of Object.entries({
    client_id: "spa",
    response_type: "code",
    redirect_uri: `${appOrigin}/callback`,
    scope: "openid profile offline_access",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }))
    auth.searchParams.set(k, v);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(auth.toString());
  await page.fill('input[name="login"]', "zoe");
  await page.fill('input[name="password"]', "anything");
  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(`${appOrigin}/callback`), { timeout: 15_000 }),
    page.click('button[type="submit"]'),
  ]);
  const cb = new URL(page.url());
  assert.equal(cb.searchParams.get("state"), state);
  assert.equal(cb.searchParams.get("iss"), idp.issuer);
  const tok = await postForm(
    new URL("/token", idp.issuer),
    {
      grant_type: "authorization_code",
      code: cb.searchParams.get("code"),
      redirect_uri: `${appOrigin}/callback`,
      code_verifier: verifier,
    },
    { clientId: "spa", clientSecret: "pw" },
  );
  assert.equal(tok.status, 200, tok.text);
  assert.ok(tok.body.refresh_token);

  // Same browser session at the IdP: straight back to the callback, no form.
  await page.goto(auth.toString());
  await page.waitForURL((u) => u.toString().startsWith(`${appOrigin}/callback`), { timeout: 15_000 });
  assert.ok(new URL(page.url()).searchParams.get("code"));

  // The demo API answers the browser directly (CORS for the app origin).
  const result = await page.evaluate(
    async ([url, at]) => {
      const r = await fetch(url, { headers: { authorization: `Bearer ${at}` } });
      return { status: r.status, body: await r.json() };
    },
    [`${idp.issuer}/api/hello`, tok.body.access_token],
  );
  assert.equal(result.status, 200);
  assert.equal(result.body.message, "Hello, zoe");
  await context.close();
});
