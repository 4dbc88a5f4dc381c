// HTTP helpers every test suite shares: reading an answer's JSON, posting, GETs that do not follow
// redirects, the /__test/* hooks of the provider emulators and the local authorization server, and
// reading the built Worker's answers (cookies included). (Not a test file: node --test runs only
// *.test.mjs.)
import assert from "node:assert/strict";
import { rememberSecret } from "./log-ledger.mjs";

/** `text` parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A fetch answer read whole: { status, headers, text, json } (json undefined when not JSON). */
export async function readJson(res) {
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parseJson(text) };
}

/** POST `body` as JSON (a string is sent as is); returns { status, body, text, headers }. */
export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const { status, text, json } = await readJson(res);
  return { status, body: json, text, headers: res.headers };
}

/** GET a URL; returns { status, body, text, headers }. */
export async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  const { status, text, json } = await readJson(res);
  return { status, body: json, text, headers: res.headers };
}

/** GET a URL without following redirects; returns { status, location, text, headers }. */
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

/**
 * Calls a /__test/* hook of an emulator (`target` with a `url`) or of the authorization server
 * (`target` its issuer URL) and expects 200; returns the JSON answer. `/__test/stats` is a GET,
 * every other hook a POST, unless `method` says otherwise; `params` go in the query.
 */
export async function hook(target, pathAndQuery, method, params = {}) {
  const url = new URL(pathAndQuery, typeof target === "string" ? target : target.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  const m = method ?? (url.pathname.endsWith("/__test/stats") ? "GET" : "POST");
  const res = await fetch(url, { method: m });
  const text = await res.text();
  assert.equal(res.status, 200, `${pathAndQuery}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Set-Cookie lines by cookie name: { value, attrs (lower-cased), line }. */
export function setCookies(res) {
  const out = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const i = pair.indexOf("=");
    out[pair.slice(0, i)] = { value: pair.slice(i + 1), attrs: attrs.map((a) => a.toLowerCase()), line };
  }
  return out;
}

/**
 * A Worker's answer read whole: { status, headers, json, text, cookies }; the access token and the
 * cookies it sets go to the log ledger's secrets (tests/support/log-ledger.mjs).
 */
export async function answer(res) {
  const { text, json } = await readJson(res);
  const cookies = setCookies(res);
  rememberSecret("access_token", json?.access_token);
  for (const [name, c] of Object.entries(cookies)) rememberSecret(`cookie ${name}`, c.value);
  return { status: res.status, headers: res.headers, json, text, cookies };
}

/** Remembers the secrets in a request body the tests send (tests/support/log-ledger.mjs). */
export function rememberRequest(body) {
  let b = body;
  if (typeof b === "string") {
    b = parseJson(b);
    if (b === undefined) return;
  }
  if (!b || typeof b !== "object") return;
  for (const k of ["code", "code_verifier", "state", "username", "password"]) rememberSecret(k, b[k]);
}
