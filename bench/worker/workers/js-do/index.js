// js-sealed's refresh with the Rust Worker's architecture: every refresh goes through a Durable
// Object per session, like edge-worker/src/objects/refresh_authority.rs (bench/worker/README.md).
//
//   Worker: CSRF → cookie → KV key session:<base64url(SHA-256(id))> → KV read → open the sealed
//     record (the Rust Worker's format, as js-sealed) → ask the session's RefreshAuthority object
//     (named by the KV key) with {kv_key, record} → the token view from its answer.
//   Object: its state from its storage (sealed, bound to the session; the first time, the record
//     the Worker sent) → state marked in flight, sealed, stored → refresh (client_secret_basic) →
//     rotated state sealed and stored → sealed copy mirrored into KV → end-of-session alarm set
//     once per instance → answers the record.
//
// What it does not do (the Rust Worker does): the authority's full state machine (waiting
// callers, late answers, tombstones), the session index, config read per request.
const SESSION = "__Host-oauth-edge-session";
const LABEL = "oauth-edge/session/v2";
const STORAGE_KEY = "authority";
const enc = new TextEncoder();
const dec = new TextDecoder();

let cfg; // per isolate (the Worker and its objects share it)
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
function aad(location, header) {
  const l = enc.encode(LABEL);
  const loc = enc.encode(location);
  const out = new Uint8Array(l.length + 1 + loc.length + 1 + header.length);
  out.set(l);
  out.set(loc, l.length + 1);
  out.set(header, l.length + loc.length + 2);
  return out;
}
async function open(c, location, sealed) {
  try {
    const b = unb64(sealed);
    if (b.length < 5 + 12 + 16 || b[0] !== 2 || b.subarray(1, 5).some((x, i) => x !== c.header[i + 1])) return null;
    const iv = b.subarray(5, 17);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: aad(location, b.subarray(0, 5)) },
      c.key,
      b.subarray(17),
    );
    return JSON.parse(dec.decode(plain));
  } catch {
    return null;
  }
}
async function seal(c, location, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = aad(location, c.header);
  const plain = enc.encode(JSON.stringify(value));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, c.key, plain));
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

/** The refresh authority of one session (named by its KV key), SQLite-backed. */
export class RefreshAuthority {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    this.alarmSet = false;
  }

  async fetch(request) {
    const c = await config(this.env);
    const { kv_key: kvKey, record: seen } = await request.json();
    const storage = this.state.storage;
    const location = `authority/${kvKey}`;
    const stored = await storage.get(STORAGE_KEY);
    const machine = (stored && (await open(c, location, stored))) ?? { record: seen, in_flight: null };
    const rec = machine.record;
    if (!rec.refresh_token) return fail(401, "session_ended");
    const now = Math.floor(Date.now() / 1000);
    // Stored before the provider is asked, so a crash cannot lose which token was sent.
    machine.in_flight = { refresh_token: rec.refresh_token, at: now };
    await storage.put(STORAGE_KEY, await seal(c, location, machine));
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
      tok = null;
    }
    machine.in_flight = null;
    if (!up.ok || typeof tok?.access_token !== "string" || typeof tok.token_type !== "string") {
      if (tok?.error === "invalid_grant") {
        rec.refresh_token = null;
        await storage.put(STORAGE_KEY, await seal(c, location, machine));
        await this.env.SESSIONS.delete(kvKey);
        return fail(401, "session_ended");
      }
      await storage.put(STORAGE_KEY, await seal(c, location, machine));
      return fail(502, up.ok ? "invalid_token_response" : "provider_rejected");
    }
    rec.access_token = tok.access_token;
    rec.token_type = tok.token_type;
    rec.expires_at = now + (typeof tok.expires_in === "number" ? tok.expires_in : 3600);
    if (typeof tok.refresh_token === "string") rec.refresh_token = tok.refresh_token;
    if (typeof tok.scope === "string") rec.scope = tok.scope;
    rec.refreshed_at = now;
    await storage.put(STORAGE_KEY, await seal(c, location, machine));
    // KV is a mirror for the other endpoints: a failed write does not fail the refresh.
    try {
      await this.env.SESSIONS.put(kvKey, await seal(c, kvKey, rec), {
        expirationTtl: Math.max(60, rec.created_at + c.ttl - now),
      });
    } catch (e) {
      console.warn(`refresh authority: KV mirror failed: ${e}`);
    }
    if (!this.alarmSet) {
      if ((await storage.getAlarm()) == null) await storage.setAlarm((rec.created_at + c.ttl) * 1000);
      this.alarmSet = true;
    }
    return reply(rec);
  }

  async alarm() {
    await this.state.storage.deleteAll();
    this.alarmSet = false;
  }
}

async function refresh(request, env) {
  const url = new URL(request.url);
  if (request.headers.get("x-oauth-edge") !== "1") return fail(403, "csrf_header_missing");
  if (request.headers.get("origin") !== url.origin) return fail(403, "origin_not_allowed");
  const text = await request.text();
  try {
    if (text.trim()) JSON.parse(text); // held_expires_at: decided by the object, never sent here
  } catch {
    return fail(400, "bad_request");
  }
  const c = await config(env);
  const id = cookie(request.headers.get("cookie"), SESSION);
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return fail(401, "no_session");
  const kvKey = `session:${b64u(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(id))))}`;
  const sealed = await env.SESSIONS.get(kvKey);
  const now = Math.floor(Date.now() / 1000);
  const seen = sealed && (await open(c, kvKey, sealed));
  if (!seen || now >= seen.created_at + c.ttl) return fail(401, "no_session");

  const stub = env.REFRESH_AUTHORITY.get(env.REFRESH_AUTHORITY.idFromName(kvKey));
  const answer = await stub.fetch("https://authority/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kv_key: kvKey, record: seen }),
  });
  if (!answer.ok) return answer;
  const rec = await answer.json();
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
