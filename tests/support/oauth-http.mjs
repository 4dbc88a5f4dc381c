// OAuth helpers for tests that speak HTTP without a browser: PKCE values, a tiny cookie jar, a
// "user" who signs in on the test IdP's development login page (tests/idp/server.mjs) or on a
// provider emulator's plain sign-in page (tests/providers/common.mjs), authorization URLs, forms
// posted to token endpoints.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { parseJson } from "./http.mjs";
import { rememberSecret } from "./log-ledger.mjs";

/** A fresh PKCE pair: { verifier, challenge } (S256). */
export function pkcePair() {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

export function randomState() {
  return crypto.randomBytes(16).toString("base64url");
}

/** A minimal cookie jar (name=value per host; enough for the IdP's session cookies). */
export class CookieJar {
  #byHost = new Map();

  store(url, response) {
    const host = new URL(url).host;
    if (!this.#byHost.has(host)) this.#byHost.set(host, new Map());
    const jar = this.#byHost.get(host);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired =
        attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now());
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  }

  header(url) {
    const jar = this.#byHost.get(new URL(url).host);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** fetch without following redirects, sending and storing cookies. */
  async fetch(url, init = {}) {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    this.store(url, res);
    return res;
  }
}

/**
 * Play the user at the IdP: open authorizationUrl, follow the IdP's own redirects, fill in the
 * development login form (any username/password), and stop at the first redirect that leaves the
 * IdP (the client's redirect_uri). Returns that URL with its query (code, state, iss or error).
 *
 * @param {string} authorizationUrl
 * @param {{username?: string, password?: string, jar?: CookieJar, maxSteps?: number}} [opts]
 * @returns {Promise<URL>}
 */
export async function signInAtIdp(
  authorizationUrl,
  { username = "alice", password = "pw", jar = new CookieJar(), maxSteps = 10 } = {},
) {
  rememberSecret("username", username);
  rememberSecret("password", password);
  const idpOrigin = new URL(authorizationUrl).origin;
  let res = await jar.fetch(authorizationUrl);
  let current = new URL(authorizationUrl);
  for (let step = 0; step < maxSteps; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get("location"), current);
      if (next.origin !== idpOrigin) {
        rememberSecret("code", next.searchParams.get("code"));
        return next;
      }
      current = next;
      res = await jar.fetch(next);
      continue;
    }
    const body = await res.text();
    if (res.status !== 200) {
      throw new Error(`IdP answered ${res.status} at ${current}: ${body.slice(0, 500)}`);
    }
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(body);
    if (!form || !/name="login"/.test(form[2])) {
      throw new Error(`no login form at ${current}: ${body.slice(0, 500)}`);
    }
    const action = new URL(form[1].replace(/&amp;/g, "&"), current);
    res = await jar.fetch(action, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login: username, password }),
    });
    current = action;
  }
  throw new Error(`no redirect back to the client after ${maxSteps} steps`);
}

/** POST a form to a token-like endpoint with optional HTTP Basic client auth; returns {status, body, text, headers}. */
export async function postForm(url, params, { clientId, clientSecret, auth = "basic" } = {}) {
  const headers = { "content-type": "application/x-www-form-urlencoded" };
  const form = new URLSearchParams(params);
  if (clientId !== undefined) {
    if (auth === "basic") {
      // RFC 6749 2.3.1: id and secret are form-urlencoded before base64.
      const enc = (s) => encodeURIComponent(s).replace(/%20/g, "+");
      headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString("base64")}`;
    } else {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    }
  }
  const res = await fetch(url, { method: "POST", headers, body: form });
  const text = await res.text();
  return { status: res.status, body: parseJson(text), text, headers: res.headers };
}

/** Undo escapeHtml (numeric entities) and &amp;. */
export function unescapeHtml(s) {
  return s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, "&");
}

/** The absolute URL of the page's Cancel link (`<a class="cancel">`). */
export function cancelHref(html, pageUrl) {
  const m = /<a class="cancel" href="([^"]+)"/.exec(html);
  if (!m) throw new Error("no Cancel link on the page");
  return new URL(unescapeHtml(m[1]), pageUrl);
}

/** The first <form> of a page: its action (absolute) and its inputs' name -> value (hidden ones filled). */
export function parseForm(html, pageUrl) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form on the page: ${html.slice(0, 400)}`);
  const fields = {};
  for (const m of form[2].matchAll(/<input\b([^>]*)>/gi)) {
    const name = /\bname="([^"]*)"/.exec(m[1])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(m[1])?.[1] ?? "";
    if (name) fields[unescapeHtml(name)] = unescapeHtml(value);
  }
  return { action: new URL(unescapeHtml(form[1]), pageUrl), fields };
}

/**
 * Open an authorization URL and submit its sign-in form.
 * @returns {Promise<{status:number, location?:URL, html?:string, page:string}>}
 */
export async function signIn(authorizationUrl, { username = "alice", password = "pw", extra = {} } = {}) {
  rememberSecret("username", username);
  rememberSecret("password", password);
  const pageRes = await fetch(authorizationUrl, { redirect: "manual" });
  const page = await pageRes.text();
  assert.equal(pageRes.status, 200, `sign-in page: ${pageRes.status} ${page.slice(0, 300)}`);
  const { action, fields } = parseForm(page, authorizationUrl);
  const res = await fetch(action, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, username, password, ...extra }),
  });
  const location = res.headers.get("location");
  const html = await res.text();
  const back = location ? new URL(location, action) : undefined;
  // What the provider sends back (a code, or tokens in the redirect) is secret too.
  for (const k of ["code", "authorization_code", "access_token", "refresh_token", "tx"]) {
    rememberSecret(k, back?.searchParams.get(k));
  }
  return { status: res.status, location: back, html, page };
}

/** The authorization URL for `endpoint` with `params` (undefined values left out). */
export function authUrl(endpoint, params) {
  const u = new URL(endpoint);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}
