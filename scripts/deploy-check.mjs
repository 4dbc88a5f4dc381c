#!/usr/bin/env node
// Checks that the built Worker deploys as wrangler.toml configures it — offline, with no
// Cloudflare account: runs `wrangler deploy --dry-run --outdir <tmp>` on the real configuration
// and checks what it made and printed. Exit code 0 when every check passes.
//
//   scripts/build-worker.sh && node scripts/deploy-check.mjs [CONFIG]
//
// CONFIG defaults to wrangler.toml at the repository root. The Worker is not built here: wrangler
// runs [build].command (scripts/build-worker.sh) with OAUTH_EDGE_SKIP_BUILD=1, which reuses
// edge-worker/build. Where `unshare -rn` works, wrangler runs with no network at all, which proves
// the dry run needs none (no login, no account, no metrics); elsewhere the WRANGLER_* variables
// below keep it off the network.
//
// Checked: the bundle (index.js) exists and imports the Worker's wasm, byte for byte the one in
// edge-worker/build; it exports the Worker (default) and every Durable Object class bound; wrangler
// lists every KV namespace, Durable Object, assets and var binding as configured; the migrations
// create every bound class exactly once (SQLite-backed), with unique tags, and delete none of them.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const config = resolve(process.argv[2] ?? join(ROOT, "wrangler.toml"));
const BUILD = join(ROOT, "edge-worker/build");
const failures = [];
const check = (ok, what) => {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

for (const f of ["index.js", "index_bg.wasm"]) {
  if (!existsSync(join(BUILD, f))) {
    console.error(`deploy-check: ${join(BUILD, f)} is missing: run scripts/build-worker.sh first`);
    process.exit(1);
  }
}
const wranglerBin = join(ROOT, "node_modules/.bin/wrangler");
if (!existsSync(wranglerBin)) {
  console.error("deploy-check: wrangler is not installed (npm ci at the repository root)");
  process.exit(1);
}
const cfg = createRequire(join(ROOT, "package.json"))("wrangler").unstable_readConfig(
  { config },
  { hideWarnings: true },
);

const offline = spawnSync("unshare", ["-rn", "true"]).status === 0;
const out = mkdtempSync(join(tmpdir(), "oauth-edge-deploy-"));
try {
  const bundle = join(out, "bundle");
  const args = ["deploy", "--dry-run", "--outdir", bundle, "--config", config];
  const [cmd, cmdArgs] = offline ? ["unshare", ["-rn", wranglerBin, ...args]] : [wranglerBin, args];
  console.log(`deploy-check: wrangler ${args.join(" ")}${offline ? " (no network: unshare -rn)" : ""}`);
  const run = spawnSync(cmd, cmdArgs, {
    cwd: dirname(config),
    encoding: "utf8",
    timeout: 300_000,
    env: {
      ...process.env,
      OAUTH_EDGE_SKIP_BUILD: "1",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      WRANGLER_HIDE_BANNER: "true",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      // No account: a dry run must not need one.
      CLOUDFLARE_API_TOKEN: "",
      CLOUDFLARE_ACCOUNT_ID: "",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  const log = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  check(
    run.status === 0 && log.includes("--dry-run: exiting now."),
    `wrangler deploy --dry-run succeeded (exit ${run.status ?? run.error?.message})`,
  );
  if (run.status !== 0) console.log(log);

  // The bundle and the wasm in it.
  const files = existsSync(bundle) ? readdirSync(bundle) : [];
  const js = files.includes("index.js") ? readFileSync(join(bundle, "index.js"), "utf8") : "";
  check(js.length > 0, `the bundle has index.js (${files.join(", ") || "no files"})`);
  const wasm = files.find((f) => f.endsWith(".wasm"));
  const digest = (p) => createHash("sha256").update(readFileSync(p)).digest("hex");
  check(
    wasm !== undefined && digest(join(bundle, wasm)) === digest(join(BUILD, "index_bg.wasm")),
    `the bundle holds the built wasm (${wasm ?? "none"}), byte for byte edge-worker/build/index_bg.wasm`,
  );
  check(wasm !== undefined && js.includes(`from "./${wasm}"`), "index.js imports that wasm");
  const exported = new Set(
    [...(js.match(/export\s*\{[^}]*\}/g) ?? [])].flatMap((e) => [...e.matchAll(/\bas\s+(\w+)/g)].map((m) => m[1])),
  );
  check(exported.has("default"), "index.js exports the Worker (default)");

  // Bindings: as configured, as wrangler prints them.
  // A binding's row: `env.NAME (what)   Resource` (a long value may wrap before the resource).
  const listed = (name) => new RegExp(`^env\\.${name}(\\s|$)`, "m").test(log);
  const kvs = cfg.kv_namespaces ?? [];
  check(
    kvs.some((k) => k.binding === "SESSIONS"),
    "wrangler.toml binds the KV namespace SESSIONS",
  );
  for (const k of kvs) {
    check(
      log.includes(`env.${k.binding} (${k.id})`) && new RegExp(`^env\\.${k.binding} .*KV Namespace`, "m").test(log),
      `wrangler lists KV ${k.binding} (${k.id})`,
    );
  }
  const dos = cfg.durable_objects?.bindings ?? [];
  check(dos.length > 0, `wrangler.toml binds Durable Objects (${dos.map((d) => d.name).join(", ")})`);
  for (const d of dos) {
    check(
      new RegExp(`env\\.${d.name} \\(${d.class_name}\\)\\s+Durable Object`).test(log),
      `wrangler lists Durable Object ${d.name} (${d.class_name})`,
    );
    check(exported.has(d.class_name), `index.js exports class ${d.class_name}`);
  }
  if (cfg.assets?.binding)
    check(
      new RegExp(`^env\\.${cfg.assets.binding}\\s+Assets`, "m").test(log),
      `wrangler lists assets ${cfg.assets.binding} (${cfg.assets.directory})`,
    );
  for (const v of Object.keys(cfg.vars ?? {})) check(listed(v), `wrangler lists var ${v}`);

  // Migrations: every bound class created once (SQLite), never deleted.
  const migrations = cfg.migrations ?? [];
  const tags = migrations.map((m) => m.tag);
  check(tags.length > 0 && new Set(tags).size === tags.length, `migration tags are unique (${tags.join(", ")})`);
  for (const d of dos) {
    const created = migrations.filter((m) => (m.new_sqlite_classes ?? []).includes(d.class_name));
    const legacy = migrations.filter((m) => (m.new_classes ?? []).includes(d.class_name));
    const deleted = migrations.filter((m) => (m.deleted_classes ?? []).includes(d.class_name));
    check(
      created.length === 1 && legacy.length === 0 && deleted.length === 0,
      `class ${d.class_name} is created once by a migration as SQLite-backed (${created.map((m) => m.tag).join(", ") || "none"}) and not deleted`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (failures.length) {
  console.log(`deploy-check: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("deploy-check: ok");
