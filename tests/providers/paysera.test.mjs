// Proves the Paysera Wallet emulator (paysera.mjs) follows /work/shared/providers/003_…: the MAC
// verifier reproduces the document's two published signatures and refuses tampering, replays and
// stale timestamps; locale authorization pages; the documented error redirects; the token answer's
// exact headers and fields; MAC-signed API calls; revocation by DELETE.
// Run: node --test --test-timeout=60000 tests/providers/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  PAYSERA_AUTHORIZE_ERRORS,
  bodyHashExt,
  normalizedString,
  parseMacHeader,
  signMac,
  startPaysera,
  verifyMac,
} from "./paysera.mjs";
import { getManual, hook, readJson } from "../support/http.mjs";
import { authUrl, cancelHref, signIn } from "../support/oauth-http.mjs";

// [003] example values, verbatim.
const DOC = {
  clientId: "wkVd93h2uS",
  key: "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU",
  ts: "1343811600",
  nonce: "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN",
  body: "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=http%3A%2F%2Flocalhost%2Fabc",
  postHeader:
    'MAC id="wkVd93h2uS", ts="1343811600", nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN", mac="ElTV7TYXQrZrBe0tL6PtqvH6EI15iBSd/JvAkpMoH64=", ext="body_hash=IftzxAtYliLQx46c2JAPidlHKqck0OXD7KmsHNnSptU%3D"',
  deleteHeader:
    'MAC id="wkVd93h2uS", ts="1343811600", nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN", mac="qtfqgX6EaE0nSHP9fN9ItmTNWqmr1Jkal7IOJbglOOE="',
  redirectUri: "http://localhost/abc",
  state: "iQZMRnQCtm",
};

const docPost = (over = {}) => ({
  header: DOC.postHeader,
  method: "POST",
  pathAndQuery: "/oauth/v1/token",
  host: "wallet.paysera.com",
  port: 443,
  body: DOC.body,
  keyFor: (id) => (id === DOC.clientId ? DOC.key : undefined),
  checkTs: false,
  ...over,
});
const docDelete = (over = {}) => ({
  header: DOC.deleteHeader,
  method: "DELETE",
  pathAndQuery: "/oauth/v1/token?access_token=SlAV32hkKG",
  host: "wallet.paysera.com",
  port: 443,
  body: "",
  keyFor: (id) => (id === DOC.clientId ? DOC.key : undefined),
  checkTs: false,
  ...over,
});

describe("[003] MAC verifier against the document's examples", () => {
  test("the POST example's mac and body_hash verify", () => {
    assert.deepEqual(verifyMac(docPost()), { ok: true, id: DOC.clientId });
    assert.equal(bodyHashExt(DOC.body), "body_hash=IftzxAtYliLQx46c2JAPidlHKqck0OXD7KmsHNnSptU%3D");
  });

  test("the DELETE example's mac verifies (no ext, empty ext line)", () => {
    assert.deepEqual(verifyMac(docDelete()), { ok: true, id: DOC.clientId });
  });

  test("the normalized string is seven lines, each ending in \\n", () => {
    const n = normalizedString({
      ts: DOC.ts,
      nonce: DOC.nonce,
      method: "DELETE",
      pathAndQuery: "/oauth/v1/token?access_token=SlAV32hkKG",
      host: "wallet.paysera.com",
      port: 443,
    });
    assert.equal(
      n,
      "1343811600\nnQnNaSNyubfPErjRO55yaaEYo9YZfKHN\nDELETE\n/oauth/v1/token?access_token=SlAV32hkKG\nwallet.paysera.com\n443\n\n",
    );
  });

  test("signMac reproduces both published headers", () => {
    const p = signMac({
      id: DOC.clientId,
      key: DOC.key,
      method: "POST",
      url: "https://wallet.paysera.com/oauth/v1/token",
      body: DOC.body,
      ts: DOC.ts,
      nonce: DOC.nonce,
    });
    assert.equal(p, DOC.postHeader);
    const d = signMac({
      id: DOC.clientId,
      key: DOC.key,
      method: "DELETE",
      url: "https://wallet.paysera.com/oauth/v1/token?access_token=SlAV32hkKG",
      ts: DOC.ts,
      nonce: DOC.nonce,
    });
    assert.equal(d, DOC.deleteHeader);
  });

  test("tampering is refused: body, mac, method, path, host, port, key, ext", () => {
    const reason = (o) => verifyMac(o).reason;
    assert.equal(reason(docPost({ body: DOC.body.replace("Splx", "SplX") })), "body_hash does not match the body");
    assert.equal(reason(docPost({ header: DOC.postHeader.replace("ElTV7", "ElTV8") })), "wrong mac");
    assert.equal(reason(docPost({ method: "PUT" })), "wrong mac");
    assert.equal(reason(docPost({ pathAndQuery: "/oauth/v1/token?x=1" })), "wrong mac");
    assert.equal(reason(docPost({ host: "evil.paysera.com" })), "wrong mac");
    assert.equal(reason(docPost({ port: 80 })), "wrong mac");
    assert.equal(reason(docPost({ keyFor: () => "another key" })), "wrong mac");
    assert.equal(reason(docPost({ keyFor: () => undefined })), "unknown MAC id");
    assert.equal(reason(docPost({ header: DOC.postHeader.replace("%3D", "") })), "wrong mac");
    // A body without body_hash (the DELETE header on a POST with a body) is refused.
    assert.equal(reason(docDelete({ body: "x=1" })), "ext body_hash is required for a request with a body");
    assert.equal(reason(docPost({ header: "Bearer abc" })), "missing or malformed MAC Authorization header");
    assert.equal(parseMacHeader('MAC id="a", ts="1", nonce="n"'), undefined);
  });

  test("the timestamp must be within 300 s of the server clock; a nonce is accepted once", () => {
    const ts = Number(DOC.ts);
    assert.equal(verifyMac(docPost({ checkTs: true, now: ts + 300 })).ok, true);
    assert.match(verifyMac(docPost({ checkTs: true, now: ts + 301 })).reason, /^ts is 301 s away/);
    assert.match(verifyMac(docPost({ checkTs: true, now: ts - 301 })).reason, /^ts is 301 s away/);
    assert.match(verifyMac(docPost({ checkTs: true })).reason, /^ts is/, "without a clock the 2012 example is stale");
    const nonces = new Map();
    assert.equal(verifyMac(docPost({ nonces })).ok, true);
    assert.equal(verifyMac(docPost({ nonces })).reason, "nonce already used");
  });
});

// ---------------------------------------------------------------------------------- the server

let ps;
before(async () => {
  ps = await startPaysera({
    clientId: DOC.clientId,
    clientSecret: DOC.key,
    redirectUris: [DOC.redirectUri],
    testHooks: true,
  });
});
after(async () => ps?.close());

const nowSec = (emu) => emu.clock.nowSec();

/** A MAC-signed request to the emulator (ts from the emulator clock unless given). */
async function macRequest(
  emu,
  { method, url, body, id = DOC.clientId, key = DOC.key, ts, nonce, header, contentType },
) {
  const h = header ?? signMac({ id, key, method, url, body, ts: ts ?? nowSec(emu), nonce });
  const headers = { authorization: h };
  if (body !== undefined) headers["content-type"] = contentType ?? "application/x-www-form-urlencoded;charset=utf-8";
  const res = await fetch(url, { method, headers, body });
  const { text, json } = await readJson(res);
  return { status: res.status, headers: res.headers, text, body: json, header: h };
}

async function codeFor(emu, { state = DOC.state, endpoint = emu.endpoints.authorization, username = "ruta" } = {}) {
  const r = await signIn(
    authUrl(endpoint, { response_type: "code", client_id: DOC.clientId, redirect_uri: DOC.redirectUri, state }),
    { username },
  );
  assert.equal(r.status, 302, r.html);
  return r.location;
}

const tokenBody = (code) =>
  new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: DOC.redirectUri }).toString();

async function tokens(emu, opts) {
  const cb = await codeFor(emu, opts);
  const res = await macRequest(emu, {
    method: "POST",
    url: emu.endpoints.token,
    body: tokenBody(cb.searchParams.get("code")),
  });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

describe("[003] authorization endpoint", () => {
  test("the document's example URL: sign in -> 302 to http://localhost/abc?code=…&state=iQZMRnQCtm", async () => {
    // https://www.paysera.com/frontend/oauth?response_type=code&client_id=wkVd93h2uS&redirect_uri=http%3A%2F%2Flocalhost%2Fabc&state=iQZMRnQCtm
    const url = `${ps.endpoints.authorization}?response_type=code&client_id=wkVd93h2uS&redirect_uri=http%3A%2F%2Flocalhost%2Fabc&state=iQZMRnQCtm`;
    const r = await signIn(url, { username: "ruta", password: "pw" });
    assert.equal(r.status, 302);
    assert.match(r.location.toString(), /^http:\/\/localhost\/abc\?code=[A-Za-z0-9_-]+&state=iQZMRnQCtm$/);
  });

  test("locale endpoints set the page language (default: English)", async () => {
    const q = `?response_type=code&client_id=${DOC.clientId}&redirect_uri=${encodeURIComponent(DOC.redirectUri)}&state=s`;
    const expect = {
      [ps.endpoints.authorization]: ["en", "Sign in to Paysera"],
      [ps.endpoints.authorizationLocale.en]: ["en", "Sign in to Paysera"],
      [ps.endpoints.authorizationLocale.lt]: ["lt", "Prisijunkite prie Paysera"],
      [ps.endpoints.authorizationLocale.ru]: ["ru", "Вход в Paysera"],
    };
    for (const [endpoint, [lang, heading]] of Object.entries(expect)) {
      const page = await getManual(endpoint + q);
      assert.equal(page.status, 200, endpoint);
      assert.match(page.text, new RegExp(`<html lang="${lang}">`));
      assert.match(page.text, new RegExp(`<h1>${heading}</h1>`));
      assert.match(page.text, new RegExp(`action="${new URL(endpoint).pathname}"`));
    }
    assert.equal((await getManual(`${ps.url}/frontend/de/oauth${q}`)).status, 404);
    const lt = await codeFor(ps, { endpoint: ps.endpoints.authorizationLocale.lt, state: "lt-1" });
    assert.equal(lt.searchParams.get("state"), "lt-1");
  });

  test("Cancel -> ?error=access_denied&state=iQZMRnQCtm (the document's example)", async () => {
    const url = authUrl(ps.endpoints.authorizationLocale.ru, {
      response_type: "code",
      client_id: DOC.clientId,
      redirect_uri: DOC.redirectUri,
      state: DOC.state,
    });
    const page = await getManual(url);
    const cancel = await getManual(cancelHref(page.text, url));
    assert.equal(cancel.status, 302);
    assert.equal(cancel.location.toString(), "http://localhost/abc?error=access_denied&state=iQZMRnQCtm");
  });

  test("every documented error code can be answered (next-authorize-error), with state", async () => {
    for (const error of PAYSERA_AUTHORIZE_ERRORS) {
      await hook(ps, `/__test/next-authorize-error?error=${error}`);
      const r = await getManual(
        authUrl(ps.endpoints.authorization, {
          response_type: "code",
          client_id: DOC.clientId,
          redirect_uri: DOC.redirectUri,
          state: DOC.state,
        }),
      );
      assert.equal(r.status, 302);
      assert.equal(r.location.toString(), `http://localhost/abc?error=${error}&state=iQZMRnQCtm`);
    }
    // Only once: the next request shows the page again.
    const page = await getManual(
      authUrl(ps.endpoints.authorization, {
        response_type: "code",
        client_id: DOC.clientId,
        redirect_uri: DOC.redirectUri,
      }),
    );
    assert.equal(page.status, 200);
    const bad = await fetch(`${ps.url}/__test/next-authorize-error?error=bogus`, { method: "POST" });
    assert.equal(bad.status, 400);
  });

  test("response_type other than code -> unsupported_response_type; bad client/redirect -> error page; wrong password", async () => {
    const r = await getManual(
      authUrl(ps.endpoints.authorization, {
        response_type: "token",
        client_id: DOC.clientId,
        redirect_uri: DOC.redirectUri,
        state: "x",
      }),
    );
    assert.equal(r.location.toString(), "http://localhost/abc?error=unsupported_response_type&state=x");
    const noState = await getManual(
      authUrl(ps.endpoints.authorization, {
        response_type: "token",
        client_id: DOC.clientId,
        redirect_uri: DOC.redirectUri,
      }),
    );
    assert.equal(noState.location.toString(), "http://localhost/abc?error=unsupported_response_type");
    assert.equal(
      (
        await getManual(
          authUrl(ps.endpoints.authorization, {
            response_type: "code",
            client_id: "nope",
            redirect_uri: DOC.redirectUri,
          }),
        )
      ).status,
      400,
    );
    assert.equal(
      (
        await getManual(
          authUrl(ps.endpoints.authorization, {
            response_type: "code",
            client_id: DOC.clientId,
            redirect_uri: "http://localhost/other",
          }),
        )
      ).status,
      400,
    );
    const wrong = await signIn(
      authUrl(ps.endpoints.authorizationLocale.lt, {
        response_type: "code",
        client_id: DOC.clientId,
        redirect_uri: DOC.redirectUri,
      }),
      { password: "wrong" },
    );
    assert.equal(wrong.status, 200);
    assert.match(wrong.html, /role="alert">Neteisingas/);
  });
});

describe("[003] token endpoint", () => {
  test("a MAC-signed form request like the document's gets the documented headers and fields", async () => {
    const cb = await codeFor(ps);
    const res = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: tokenBody(cb.searchParams.get("code")),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get("content-type"), "application/json;charset=UTF-8");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("pragma"), "no-cache");
    assert.deepEqual(Object.keys(res.body), [
      "access_token",
      "token_type",
      "expires_in",
      "mac_key",
      "mac_algorithm",
      "refresh_token",
    ]);
    assert.equal(res.body.token_type, "mac");
    assert.equal(res.body.expires_in, 3600);
    assert.equal(res.body.mac_algorithm, "hmac-sha-256");
    assert.ok(res.body.access_token && res.body.mac_key && res.body.refresh_token);
    assert.match(res.header, /ext="body_hash=[^"]+%3D"$/);
  });

  test("omitRefreshToken: the answer has no refresh_token ('This item is optional and can be missing')", async () => {
    const emu = await startPaysera({
      clientId: DOC.clientId,
      clientSecret: DOC.key,
      redirectUris: [DOC.redirectUri],
      omitRefreshToken: true,
    });
    try {
      const t = await tokens(emu);
      assert.deepEqual(Object.keys(t), ["access_token", "token_type", "expires_in", "mac_key", "mac_algorithm"]);
    } finally {
      await emu.close();
    }
  });

  test("refused with 401 invalid_client: no MAC, wrong key, tampered body, stale ts, replayed nonce", async () => {
    const cb = await codeFor(ps);
    const body = tokenBody(cb.searchParams.get("code"));
    const expect401 = (res, reason) => {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, "invalid_client");
      assert.match(res.body.error_description, reason);
      assert.match(res.headers.get("www-authenticate"), /^MAC/);
      assert.equal(res.headers.get("content-type"), "application/json;charset=UTF-8");
    };
    const plain = await fetch(ps.endpoints.token, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect401(
      { status: plain.status, body: await plain.json(), headers: plain.headers, text: "" },
      /missing or malformed/,
    );
    expect401(await macRequest(ps, { method: "POST", url: ps.endpoints.token, body, key: "not the key" }), /wrong mac/);
    const signedOther = signMac({
      id: DOC.clientId,
      key: DOC.key,
      method: "POST",
      url: ps.endpoints.token,
      body: `${body}&x=1`,
      ts: nowSec(ps),
    });
    expect401(
      await macRequest(ps, { method: "POST", url: ps.endpoints.token, body, header: signedOther }),
      /body_hash/,
    );
    expect401(await macRequest(ps, { method: "POST", url: ps.endpoints.token, body, ts: nowSec(ps) - 301 }), /^ts is/);
    expect401(await macRequest(ps, { method: "POST", url: ps.endpoints.token, body, ts: nowSec(ps) + 400 }), /^ts is/);
    // The same signed request twice: the first is authenticated, the replay is not.
    const first = await macRequest(ps, { method: "POST", url: ps.endpoints.token, body });
    assert.equal(first.status, 200, first.text);
    expect401(
      await macRequest(ps, { method: "POST", url: ps.endpoints.token, body, header: first.header }),
      /nonce already used/,
    );
  });

  test("the emulator clock decides staleness (advance-clock)", async () => {
    const emu = await startPaysera({
      clientId: DOC.clientId,
      clientSecret: DOC.key,
      redirectUris: [DOC.redirectUri],
      testHooks: true,
    });
    try {
      await hook(emu, "/__test/advance-clock?seconds=1000");
      const body = "grant_type=authorization_code&code=nope&redirect_uri=http%3A%2F%2Flocalhost%2Fabc";
      const realTs = Math.floor(Date.now() / 1000);
      const stale = await macRequest(emu, { method: "POST", url: emu.endpoints.token, body, ts: realTs });
      assert.equal(stale.status, 401);
      const fresh = await macRequest(emu, { method: "POST", url: emu.endpoints.token, body }); // emulator ts
      assert.equal(fresh.status, 400);
      assert.equal(fresh.body.error, "invalid_grant");
    } finally {
      await emu.close();
    }
  });

  test("code errors: reuse, other redirect_uri, expiry; grant errors", async () => {
    const cb = await codeFor(ps);
    const code = cb.searchParams.get("code");
    const ok = await macRequest(ps, { method: "POST", url: ps.endpoints.token, body: tokenBody(code) });
    assert.equal(ok.status, 200);
    const reuse = await macRequest(ps, { method: "POST", url: ps.endpoints.token, body: tokenBody(code) });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, "invalid_grant");

    const cb2 = await codeFor(ps);
    const other = new URLSearchParams({
      grant_type: "authorization_code",
      code: cb2.searchParams.get("code"),
      redirect_uri: "http://localhost/abc/",
    }).toString();
    assert.equal(
      (await macRequest(ps, { method: "POST", url: ps.endpoints.token, body: other })).body.error,
      "invalid_grant",
    );

    const cb3 = await codeFor(ps);
    await hook(ps, "/__test/advance-clock?seconds=600");
    const late = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: tokenBody(cb3.searchParams.get("code")),
    });
    assert.equal(late.body.error, "invalid_grant");
    assert.match(late.body.error_description, /expired/);

    const pw = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: "grant_type=password&username=a&password=b",
    });
    assert.equal(pw.body.error, "unauthorized_client");
    const unsupported = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: "grant_type=client_credentials",
    });
    assert.equal(unsupported.body.error, "unsupported_grant_type");
  });

  test("refresh: new access token and mac_key; the used refresh token and its access token end", async () => {
    const t = await tokens(ps);
    const r = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: `grant_type=refresh_token&refresh_token=${t.refresh_token}`,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("pragma"), "no-cache");
    assert.notEqual(r.body.access_token, t.access_token);
    assert.notEqual(r.body.mac_key, t.mac_key);
    const again = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: `grant_type=refresh_token&refresh_token=${t.refresh_token}`,
    });
    assert.equal(again.body.error, "invalid_grant");
    assert.equal(
      (await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: t.mac_key })).status,
      401,
    );
    assert.equal(
      (await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: r.body.access_token, key: r.body.mac_key }))
        .status,
      200,
    );
  });
});

describe("[003] MAC-authenticated API and revocation", () => {
  test("GET /rest/v1/user/me signed with id = access_token and key = mac_key answers the user", async () => {
    const t = await tokens(ps, { username: "jonas" });
    const me = await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: t.mac_key });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.username, "jonas");
    const deny = (res) => {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, "invalid_token");
      assert.match(res.headers.get("www-authenticate"), /^MAC/);
    };
    deny(await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: "wrong key" }));
    deny(await macRequest(ps, { method: "GET", url: ps.endpoints.me })); // the client's own credentials
    const bare = await fetch(ps.endpoints.me);
    deny({ status: bare.status, body: await bare.json(), headers: bare.headers });
    const bearer = await fetch(ps.endpoints.me, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(bearer.status, 401);
    await hook(ps, "/__test/advance-clock?seconds=3600");
    deny(await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: t.mac_key }));
  });

  test("DELETE /oauth/v1/token?access_token=… signed by the client -> 200; the token and its refresh token stop working", async () => {
    const t = await tokens(ps);
    const del = await macRequest(ps, {
      method: "DELETE",
      url: `${ps.endpoints.revoke}?access_token=${t.access_token}`,
    });
    assert.equal(del.status, 200, del.text);
    assert.equal(
      (await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: t.mac_key })).status,
      401,
    );
    const r = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: `grant_type=refresh_token&refresh_token=${t.refresh_token}`,
    });
    assert.equal(r.body.error, "invalid_grant");
    const unsigned = await fetch(`${ps.endpoints.revoke}?access_token=${t.access_token}`, { method: "DELETE" });
    assert.equal(unsigned.status, 401);
  });

  test("revocation signed with the access token itself may omit access_token ('Can be omitted …')", async () => {
    const t = await tokens(ps);
    const del = await macRequest(ps, {
      method: "DELETE",
      url: ps.endpoints.revoke,
      id: t.access_token,
      key: t.mac_key,
    });
    assert.equal(del.status, 200, del.text);
    assert.equal(
      (await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: t.mac_key })).status,
      401,
    );
  });
});

describe("test hooks", () => {
  test("fail-token, revoke-all, stats", async () => {
    const t = await tokens(ps);
    await hook(ps, "/__test/fail-token?status=502");
    const failed = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: `grant_type=refresh_token&refresh_token=${t.refresh_token}`,
    });
    assert.equal(failed.status, 502);
    await hook(ps, "/__test/revoke-all");
    assert.equal(
      (await macRequest(ps, { method: "GET", url: ps.endpoints.me, id: t.access_token, key: t.mac_key })).status,
      401,
    );
    const r = await macRequest(ps, {
      method: "POST",
      url: ps.endpoints.token,
      body: `grant_type=refresh_token&refresh_token=${t.refresh_token}`,
    });
    assert.equal(r.body.error, "invalid_grant");
    const stats = await hook(ps, "/__test/stats", "GET");
    assert.ok(stats.token.by_grant.authorization_code >= 1);
    assert.ok(stats.token.by_grant.refresh_token >= 2);
    assert.ok(stats.revocations.endpoint >= 2);
    assert.equal(stats.revocations.revoke_all, 1);
    assert.ok(stats.endpoints["DELETE /oauth/v1/token"] >= 2);
  });
});
