// Test helpers for the provider emulators: play the user on a sign-in page over plain HTTP, call
// the /__test/* hooks, post JSON. (Not a test file: node --test runs only *.test.mjs here.)
import assert from "node:assert/strict";
import { rememberSecret } from "../support/log-ledger.mjs";

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

/** GET a URL without following redirects; returns { status, location, text }. */
export async function getManual(url, init = {}) {
  const res = await fetch(url, { ...init, redirect: "manual" });
  const location = res.headers.get("location");
  return {
    status: res.status,
    location: location ? new URL(location, url) : undefined,
    text: await res.text(),
    headers: res.headers,
  };
}

export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

export async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

/** Call a /__test/* hook and expect 200. */
export async function hook(emulator, pathAndQuery, method = "POST") {
  const res = await fetch(new URL(pathAndQuery, emulator.url), { method });
  const body = await res.json();
  assert.equal(res.status, 200, `${pathAndQuery}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** The authorization URL for `endpoint` with `params` (undefined values left out). */
export function authUrl(endpoint, params) {
  const u = new URL(endpoint);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}
