// The JavaScript counterpart of the Rust Worker's POST /auth/refresh, doing the same work per
// request, written as idiomatic Worker JS (WebCrypto, configuration read once per isolate):
//
//   CSRF: X-OAuth-Edge: 1 and Origin = the Worker's own origin
//   → JSON body {held_expires_at?}
//   → cookie __Host-oauth-edge-session (43 base64url characters)
//   → KV key session:<base64url(SHA-256(id))> → one KV read
//   → open the sealed record in the Rust Worker's format (edge-worker/src/seal.rs):
//       base64url(0x02 ‖ key id[4] ‖ nonce[12] ‖ ciphertext ‖ tag[16]), AES-256-GCM under the
//       HKDF-SHA-256 subkey "oauth-edge/session/v2" (salt "oauth-edge seal"), AAD = label ‖ 0 ‖
//       KV key ‖ 0 ‖ header[5]
//   → unless the stored token is newer than the one held: refresh_token grant at the provider's
//     token endpoint, client_secret_basic, form body
//   → record updated (rotated refresh token kept), sealed under a fresh nonce, one KV write
//     with expirationTtl
//   → the token view {access_token, token_type, expires_at, scope, user, provider}, no-store.
//
// What it does not do (the Rust Worker does, see bench/worker/README.md): ask a per-session
// Durable Object (the refresh authority) to decide the refresh, keep the authority's state in
// the object's storage, index sessions, read config per request.
const SESSION = "__Host-oauth-edge-session";
const LABEL = "oauth-edge/session/v2";
const enc = new TextEncoder();
const dec = new TextDecoder();

let cfg; // per isolate
async function config(env) {
  if (cfg) return cfg;
  const providers = typeof env.PROVIDERS === "string" ? JSON.parse(env.PROVIDERS) : env.PROVIDERS;
  const [name, provider] = Object.entries(providers)[0];
  const root = await crypto.subtle.importKey("raw", unb64(env.SESSION_KEY), "HKDF", false, ["deriveKey", "deriveBits"]);
  const hkdf = (info) => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: enc.encode("oauth-edge seal"),
    info: enc.encode(info),
  });
  const keyId = new Uint8Array(await crypto.subtle.deriveBits(hkdf("oauth-edge/key-id"), root, 32));
  const key = await crypto.subtle.deriveKey(hkdf(LABEL), root, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  const secret = env[`CLIENT_SECRET_${name.toUpperCase()}`];
  const form = (s) => encodeURIComponent(s).replace(/%20/g, "+");
  cfg = {
    name,
    provider,
    key,
    header: Uint8Array.of(2, ...keyId),
    ttl: Number(env.SESSION_TTL_SECONDS || 2592000),
    basic: `Basic ${btoa(`${form(provider.client_id)}:${form(secret)}`)}`,
  };
  return cfg;
}

const unb64 = (t) => Uint8Array.from(atob(t.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
function b64u(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const aad = (location, header) => {
  const l = enc.encode(LABEL),
    loc = enc.encode(location);
  const out = new Uint8Array(l.length + 1 + loc.length + 1 + header.length);
  out.set(l);
  out.set(loc, l.length + 1);
  out.set(header, l.length + loc.length + 2);
  return out;
};

async function open(c, location, sealed) {
  try {
    const b = unb64(sealed);
    if (b.length < 5 + 12 + 16 || b[0] !== 2 || b.subarray(1, 5).some((x, i) => x !== c.header[i + 1])) return null;
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: b.subarray(5, 17), additionalData: aad(location, b.subarray(0, 5)) },
      c.key,
      b.subarray(17),
    );
    return JSON.parse(dec.decode(plain));
  } catch {
    return null;
  }
}

async function seal(c, location, record) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(location, c.header) },
      c.key,
      enc.encode(JSON.stringify(record)),
    ),
  );
  const out = new Uint8Array(5 + 12 + ct.length);
  out.set(c.header);
  out.set(iv, 5);
  out.set(ct, 17);
  return b64u(out);
}

const reply = (body, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
const fail = (status, code) => reply({ code, message: code }, status);

function cookie(header, name) {
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

async function refresh(request, env) {
  const url = new URL(request.url);
  if (request.headers.get("x-oauth-edge") !== "1") return fail(403, "csrf_header_missing");
  if (request.headers.get("origin") !== url.origin) return fail(403, "origin_not_allowed");
  const text = await request.text();
  let body;
  try {
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    return fail(400, "bad_request");
  }
  const c = await config(env);
  const id = cookie(request.headers.get("cookie"), SESSION);
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return fail(401, "no_session");
  const kvKey = `session:${b64u(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(id))))}`;
  const sealed = await env.SESSIONS.get(kvKey);
  const now = Math.floor(Date.now() / 1000);
  const rec = sealed && (await open(c, kvKey, sealed));
  if (!rec || now >= rec.created_at + c.ttl) return fail(401, "no_session");

  const lifetime = Math.max(0, rec.expires_at - rec.refreshed_at);
  const due = now + Math.min(30, Math.floor(lifetime / 4)) >= rec.expires_at;
  const newer = typeof body.held_expires_at === "number" && rec.expires_at > body.held_expires_at && !due;
  if (!newer) {
    if (!rec.refresh_token) return fail(401, "session_ended");
    const up = await fetch(c.provider.token_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: c.basic,
      },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: rec.refresh_token }),
    });
    let tok;
    try {
      tok = await up.json();
    } catch {
      return fail(502, "provider_unavailable");
    }
    if (!up.ok) {
      if (tok?.error === "invalid_grant") {
        await env.SESSIONS.delete(kvKey);
        return fail(401, "session_ended");
      }
      return fail(502, "provider_rejected");
    }
    if (typeof tok.access_token !== "string" || typeof tok.token_type !== "string")
      return fail(502, "invalid_token_response");
    rec.access_token = tok.access_token;
    rec.token_type = tok.token_type;
    rec.expires_at = now + (typeof tok.expires_in === "number" ? tok.expires_in : 3600);
    if (typeof tok.refresh_token === "string") rec.refresh_token = tok.refresh_token;
    if (typeof tok.scope === "string") rec.scope = tok.scope;
    rec.refreshed_at = now;
    await env.SESSIONS.put(kvKey, await seal(c, kvKey, rec), {
      expirationTtl: Math.max(60, rec.created_at + c.ttl - now),
    });
  }
  return reply({
    access_token: rec.access_token,
    token_type: rec.token_type,
    expires_at: rec.expires_at,
    scope: rec.scope,
    user: rec.user,
    provider: rec.provider,
  });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname !== "/auth/refresh") return fail(404, "not_found");
    if (request.method !== "POST") return fail(405, "method_not_allowed");
    return refresh(request, env);
  },
};
