// Miniflare options of the benchmarked Workers. All run under the same Miniflare/workerd
// (this package's pinned miniflare), the same compatibility date (wrangler.toml's), one node +
// one workerd process per Worker, against the same loopback provider (mock-upstream.mjs).
//
//   rust : the oauth-edge Worker as wrangler.toml deploys it — edge-worker/build (copied by
//          bench.mjs), KV SESSIONS, the Durable Objects of [[durable_objects.bindings]] (SQLite,
//          persisted; RefreshAuthority decides every refresh), [vars] with PROVIDERS pointing at
//          the mock, the secrets SESSION_KEY and CLIENT_SECRET_DEFAULT.
//   js   : workers/js-sealed — the same refresh work in JavaScript (no Durable Object).
//   js-do: workers/js-do — the same refresh work in JavaScript through a Durable Object per
//          session (RefreshAuthority, SQLite, persisted), as the Rust Worker does it.
//   noop : workers/noop — the harness ceiling.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "../..");
export const KINDS = ["rust", "js", "js-do", "noop"];
export const ROUTE = "/auth/refresh";
export const SESSION_COOKIE = "__Host-oauth-edge-session";
export const TX_COOKIE = "__Host-oauth-edge-tx";

// Fixed benchmark-only values (loopback only; not the secrets of anything).
export const SESSION_KEY = Buffer.from("oauth-edge worker benchmark key!").toString("base64");
export const CLIENT_ID = "oauth-edge-bench";
export const CLIENT_SECRET = "bench-client-secret";
export const SCOPE = "offline_access"; // plain OAuth: no ID token to check, no discovery, no userinfo

/** What wrangler.toml says about the deployed Worker (read, never written). */
export function wranglerToml() {
  const text = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const compatibilityDate = text.match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1];
  const varsSection = text.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  const vars = {};
  for (const m of varsSection.matchAll(/^([A-Z][A-Z0-9_]*)\s*=\s*"([^"]*)"\s*$/gm)) vars[m[1]] = m[2];
  const durableObjects = {};
  for (const m of text.matchAll(/\[\[durable_objects\.bindings\]\]\s*name\s*=\s*"(\w+)"\s*class_name\s*=\s*"(\w+)"/g)) {
    durableObjects[m[1]] = { className: m[2], useSQLite: true };
  }
  const kv = text.match(/\[\[kv_namespaces\]\]\s*binding\s*=\s*"(\w+)"/)?.[1];
  if (!compatibilityDate || !kv || !Object.keys(durableObjects).length)
    throw new Error("wrangler.toml: cannot read compatibility_date / kv / durable objects");
  return { compatibilityDate, vars, durableObjects, kv };
}

/** The provider entry (PROVIDERS.default) for the mock at `upstream`, for a Worker served at `self`. */
export function providers(upstream) {
  return {
    default: {
      issuer: upstream,
      authorization_endpoint: `${upstream}/authorize`,
      token_endpoint: `${upstream}/token`,
      client_id: CLIENT_ID,
      // Never followed: the bench reads the code from the mock's redirect.
      redirect_uri: "http://localhost:8787/callback",
      scope: SCOPE,
    },
  };
}

/**
 * Miniflare options for `kind`. `build`: the Rust Worker's build directory (a copy);
 * `state`: this Worker's persistence directory; `upstream`: the mock's origin.
 */
export function mfOptions(kind, { build, state, upstream, port = 0 }) {
  const w = wranglerToml();
  const common = {
    host: "127.0.0.1",
    port,
    modules: true,
    compatibilityDate: w.compatibilityDate,
    cf: false,
    liveReload: false,
    kvNamespaces: [w.kv],
    kvPersist: join(state, "kv"),
  };
  const secrets = {
    PROVIDERS: JSON.stringify(providers(upstream)),
    SESSION_KEY,
    CLIENT_SECRET_DEFAULT: CLIENT_SECRET,
  };
  if (kind === "rust") {
    return {
      ...common,
      scriptPath: join(build, "index.js"),
      modulesRoot: build,
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
      durableObjects: w.durableObjects,
      durableObjectsPersist: join(state, "do"),
      bindings: {
        ...w.vars,
        ...secrets,
        // Making the benchmark's sessions finishes hundreds of logins from one address (the
        // default allows 60 per 15 minutes); the refresh route is not rate limited.
        RATE_LIMITS: JSON.stringify({ login_finish_per_ip: { max: 1_000_000, window_seconds: 60 } }),
      },
    };
  }
  if (kind === "js") {
    return {
      ...common,
      scriptPath: join(HERE, "workers/js-sealed/index.js"),
      modulesRoot: join(HERE, "workers/js-sealed"),
      bindings: { SESSION_TTL_SECONDS: w.vars.SESSION_TTL_SECONDS ?? "2592000", ...secrets },
    };
  }
  if (kind === "js-do") {
    return {
      ...common,
      scriptPath: join(HERE, "workers/js-do/index.js"),
      modulesRoot: join(HERE, "workers/js-do"),
      // Bound like the Rust Worker's: a SQLite-backed class (wrangler.toml's migration), persisted.
      durableObjects: { REFRESH_AUTHORITY: { className: "RefreshAuthority", useSQLite: true } },
      durableObjectsPersist: join(state, "do"),
      bindings: { SESSION_TTL_SECONDS: w.vars.SESSION_TTL_SECONDS ?? "2592000", ...secrets },
    };
  }
  if (kind === "noop") {
    return { ...common, scriptPath: join(HERE, "workers/noop/index.js"), modulesRoot: join(HERE, "workers/noop") };
  }
  throw new Error(`unknown Worker kind ${kind}`);
}

/** The files deployed for `kind` (for sizes). */
export function scriptFiles(kind, build) {
  if (kind === "rust") return [join(build, "index.js"), join(build, "index_bg.wasm")];
  const dir = { js: "js-sealed", "js-do": "js-do", noop: "noop" }[kind];
  if (!dir) throw new Error(`unknown Worker kind ${kind}`);
  return [join(HERE, `workers/${dir}/index.js`)];
}
