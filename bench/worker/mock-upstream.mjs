// The loopback OAuth provider every benchmarked Worker talks to (one process, its own CPU measured).
//
//   node mock-upstream.mjs --client-id ID --client-secret SECRET [--port 0] [--expires-in 0]
//   prints "ready <origin> <pid>" once listening.
//
//   GET  /authorize   → 302 to redirect_uri?code=…&state=…&iss=<origin> (the user "consents" at once);
//                       the code remembers its PKCE challenge (S256 only).
//   POST /token       → authorization_code (PKCE checked) or refresh_token grant; the client must
//                       authenticate with client_secret_basic (client_secret_post is accepted and
//                       counted separately). Every answer carries a new refresh token (rotation);
//                       a refresh token used again after it was rotated is counted, not refused.
//                       expires_in is 0 by default: every token it issues is already due, so each
//                       POST /auth/refresh makes a real refresh (the Rust Worker's authority answers
//                       a forced refresh of a token that is not due from its state after 6 a
//                       minute per session, by design; a due token is refreshed every time).
//   GET  /__stats     → counters and this process's CPU since the last reset; POST /__reset.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";

const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const CLIENT_ID = arg("--client-id");
const CLIENT_SECRET = arg("--client-secret");
const PORT = Number(arg("--port", 0));
const EXPIRES_IN = Number(arg("--expires-in", 0));
if (!CLIENT_ID || !CLIENT_SECRET) throw new Error("--client-id and --client-secret are required");

let origin = "";
let counter = 0;
const codes = new Map(); // code → { challenge, redirectUri }
const refreshTokens = new Map(); // refresh token → spent?
let stats;
function reset() {
  stats = {
    since: Date.now(),
    cpu0: process.cpuUsage(),
    requests: 0,
    authorize: 0,
    token: { authorization_code: 0, refresh_token: 0, other: 0 },
    auth: { basic: 0, post: 0, bad: 0 },
    refresh_seeded: 0,
    refresh_rotated: 0,
    refresh_reused_after_rotation: 0,
    pkce_failures: 0,
    errors: 0,
  };
}
reset();

const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

/** client_secret_basic (RFC 6749 §2.3.1: form-urlencoded id and secret), else client_secret_post. */
function clientAuth(req, form) {
  const h = req.headers.authorization;
  if (h?.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(h.slice(6), "base64")
      .toString()
      .split(":")
      .map((s) => decodeURIComponent(s.replace(/\+/g, " ")));
    return id === CLIENT_ID && secret === CLIENT_SECRET ? "basic" : "bad";
  }
  if (form.get("client_id") === CLIENT_ID && form.get("client_secret") === CLIENT_SECRET) return "post";
  return "bad";
}

function tokens(scope) {
  const n = ++counter;
  const refreshToken = `rt-${n}-${randomBytes(12).toString("base64url")}`;
  refreshTokens.set(refreshToken, false);
  return {
    access_token: `at-${n}-${randomBytes(24).toString("base64url")}`,
    token_type: "Bearer",
    expires_in: EXPIRES_IN,
    refresh_token: refreshToken,
    scope,
  };
}

const server = http.createServer((req, res) => {
  stats.requests++;
  const url = new URL(req.url, origin);
  if (req.method === "GET" && url.pathname === "/authorize") {
    stats.authorize++;
    const p = url.searchParams;
    if (p.get("client_id") !== CLIENT_ID || p.get("code_challenge_method") !== "S256" || !p.get("code_challenge")) {
      stats.errors++;
      return json(res, 400, { error: "invalid_request" });
    }
    const code = randomBytes(24).toString("base64url");
    codes.set(code, { challenge: p.get("code_challenge"), redirectUri: p.get("redirect_uri") });
    const back = new URL(p.get("redirect_uri"));
    back.searchParams.set("code", code);
    back.searchParams.set("state", p.get("state") ?? "");
    back.searchParams.set("iss", origin);
    res.writeHead(302, { location: back.href });
    return res.end();
  }
  if (req.method === "GET" && url.pathname === "/__stats") {
    const cpu = process.cpuUsage(stats.cpu0);
    return json(res, 200, {
      ...stats,
      cpu0: undefined,
      wall_s: (Date.now() - stats.since) / 1000,
      cpu_ms: (cpu.user + cpu.system) / 1000,
    });
  }
  if (req.method === "POST" && url.pathname === "/__reset") {
    reset();
    res.writeHead(204);
    return res.end();
  }
  if (req.method !== "POST" || url.pathname !== "/token") {
    stats.errors++;
    return json(res, 404, { error: "not_found" });
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const auth = clientAuth(req, form);
    stats.auth[auth]++;
    if (auth === "bad") {
      stats.errors++;
      return json(res, 401, { error: "invalid_client" });
    }
    const grant = form.get("grant_type");
    if (grant === "authorization_code") {
      stats.token.authorization_code++;
      const c = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      if (!c || createHash("sha256").update(verifier).digest("base64url") !== c.challenge) {
        stats.pkce_failures++;
        stats.errors++;
        return json(res, 400, { error: "invalid_grant" });
      }
      return json(res, 200, tokens(form.get("scope") || "offline_access"));
    }
    if (grant === "refresh_token") {
      stats.token.refresh_token++;
      const rt = form.get("refresh_token");
      if (!rt) {
        stats.errors++;
        return json(res, 400, { error: "invalid_request" });
      }
      const spent = refreshTokens.get(rt);
      if (spent === undefined) stats.refresh_seeded++;
      else if (spent) stats.refresh_reused_after_rotation++;
      else {
        stats.refresh_rotated++;
        refreshTokens.set(rt, true);
      }
      return json(res, 200, tokens("offline_access"));
    }
    stats.token.other++;
    stats.errors++;
    return json(res, 400, { error: "unsupported_grant_type" });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, "127.0.0.1", () => {
  origin = `http://127.0.0.1:${server.address().port}`;
  console.log(`ready ${origin} ${process.pid}`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
