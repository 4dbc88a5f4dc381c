// Sessions for the benchmarked Workers (bench.mjs, profile.mjs): the Rust Worker's made through
// its own API, as a browser would; the JS Worker's sealed records in the Rust Worker's format.
import { createCipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

import { SCOPE, SESSION_COOKIE, SESSION_KEY, TX_COOKIE, wranglerToml } from "./config.mjs";

export const b64u = (b) => Buffer.from(b).toString("base64url");
export const kvKeyOf = (id) => `session:${createHash("sha256").update(id).digest("base64url")}`;
const cookiePair = (res, name) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);

/** A session made through the Rust Worker's API, as the app's page and the browser would. */
export async function rustSession(origin) {
  const h = { "X-OAuth-Edge": "1", Origin: origin, "Content-Type": "application/json" };
  const verifier = b64u(randomBytes(32));
  const state = b64u(randomBytes(32));
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  let r = await fetch(`${origin}/auth/login`, {
    method: "POST",
    headers: h,
    body: JSON.stringify({ state, code_challenge: challenge }),
  });
  const login = await r.json();
  const tx = cookiePair(r, TX_COOKIE);
  if (r.status !== 200 || !tx || !login.authorization_url)
    throw new Error(`/auth/login ${r.status} ${JSON.stringify(login)}`);
  r = await fetch(login.authorization_url, { redirect: "manual" }); // the provider's page
  const back = new URL(r.headers.get("location") ?? "about:blank");
  if (r.status !== 302 || !back.searchParams.get("code")) throw new Error(`authorize ${r.status} ${await r.text()}`);
  r = await fetch(`${origin}/auth/token`, {
    method: "POST",
    headers: { ...h, Cookie: tx },
    body: JSON.stringify({
      code: back.searchParams.get("code"),
      state: back.searchParams.get("state"),
      code_verifier: verifier,
      iss: back.searchParams.get("iss"),
    }),
  });
  const text = await r.text();
  const session = cookiePair(r, SESSION_COOKIE);
  if (r.status !== 200 || !session) throw new Error(`/auth/token ${r.status} ${text}`);
  return session;
}

// The Rust Worker's sealing format (edge-worker/src/seal.rs; tests/support/worker.mjs).
const root = Buffer.from(SESSION_KEY, "base64");
const hk = (info, n) => Buffer.from(hkdfSync("sha256", root, Buffer.from("oauth-edge seal"), Buffer.from(info), n));
function sealSession(record, kvKey) {
  const label = "oauth-edge/session/v2";
  const header = Buffer.concat([Buffer.from([2]), hk("oauth-edge/key-id", 4)]);
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", hk(label, 32), nonce);
  c.setAAD(Buffer.concat([Buffer.from(label), Buffer.from([0]), Buffer.from(kvKey), Buffer.from([0]), header]));
  const body = Buffer.concat([c.update(JSON.stringify(record)), c.final()]);
  return Buffer.concat([header, nonce, body, c.getAuthTag()]).toString("base64url");
}
/** Sessions for the JS Worker: records shaped like the Rust Worker's after the same login. */
export function jsSeeds(n) {
  const now = Math.floor(Date.now() / 1000);
  const ttl = Number(wranglerToml().vars.SESSION_TTL_SECONDS ?? 2592000);
  const seed = [],
    cookies = [];
  for (let i = 0; i < n; i++) {
    const id = b64u(randomBytes(32));
    const kvKey = kvKeyOf(id);
    const record = {
      provider: "default",
      access_token: `at-seed-${i}-${b64u(randomBytes(24))}`,
      token_type: "Bearer",
      expires_at: now,
      refresh_token: `rt-seed-${i}-${b64u(randomBytes(12))}`,
      mac_key: null,
      scope: SCOPE,
      user: {},
      created_at: now,
      refreshed_at: now,
    };
    seed.push({ key: kvKey, value: sealSession(record, kvKey), ttl });
    cookies.push(`${SESSION_COOKIE}=${id}`);
  }
  return { seed, cookies };
}
