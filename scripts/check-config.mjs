#!/usr/bin/env node
// Checks the Worker's configuration before a deploy and lists every problem at once, each with
// the key to fix and what to do. Exit code 0: no problem; 1: problems (listed); 2: the check
// could not run.
//
//   node scripts/check-config.mjs [--env-file FILE]... [--env NAME] [--deploy] [CONFIG]
//
// CONFIG       the wrangler configuration (default: wrangler.toml at the repository root), read
//              by wrangler itself; its [vars] (of environment NAME with --env) are the vars.
// --env-file   secrets and overrides in .dev.vars / dotenv form (default: .dev.vars beside
//              CONFIG when it exists; repeat for several files, later ones win). Besides, the
//              secrets SESSION_KEY, SESSION_KEY_PREVIOUS and CLIENT_SECRET_* are read from this
//              process's environment, which wins over the files. Deployed secrets
//              (`wrangler secret put`) cannot be seen offline: give the same values here.
// --deploy     also refuse what only works locally: a KV namespace id that is not one
//              (`wrangler kv namespace create SESSIONS` makes one).
//
// The rules are the Worker's own: the bindings go to `Config::check` (edge-worker/src/config/),
// run natively as the ignored test `config::check::command` (the Worker crate is a cdylib only,
// so there is no binary to link it into). Its first run compiles the Worker natively (minutes on
// 2 cores); CARGO_TARGET_DIR is honoured. Besides those rules, this script checks where values
// come from: a secret in [vars] is a problem (it would be deployed in plain text).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SECRET = /^(SESSION_KEY|SESSION_KEY_PREVIOUS|CLIENT_SECRET_.+)$/;

function usage(message) {
  console.error(`check-config: ${message}`);
  console.error("usage: node scripts/check-config.mjs [--env-file FILE]... [--env NAME] [--deploy] [CONFIG]");
  process.exit(2);
}

const args = process.argv.slice(2);
const envFiles = [];
let config;
let envName;
let deploy = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--env-file") envFiles.push(args[++i] ?? usage("--env-file needs a file"));
  else if (a === "--env") envName = args[++i] ?? usage("--env needs a name");
  else if (a === "--deploy") deploy = true;
  else if (a === "-h" || a === "--help") usage("help");
  else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else if (config === undefined) config = a;
  else usage(`one configuration file only (${config}, ${a})`);
}
config = resolve(config ?? join(ROOT, "wrangler.toml"));
if (!existsSync(config)) usage(`${config} does not exist`);
if (envFiles.length === 0 && existsSync(join(dirname(config), ".dev.vars"))) {
  envFiles.push(join(dirname(config), ".dev.vars"));
}

// --- gather the bindings ---------------------------------------------------------------------
const require = createRequire(join(ROOT, "package.json"));
let wrangler;
try {
  wrangler = require("wrangler");
} catch (e) {
  console.error(`check-config: wrangler is not installed (npm ci at the repository root): ${e.message}`);
  process.exit(2);
}
let read;
try {
  read = wrangler.unstable_readConfig({ config, env: envName }, { hideWarnings: true });
} catch (e) {
  console.error(`check-config: wrangler cannot read ${config}: ${e.message}`);
  process.exit(2);
}

const problems = []; // { key, provider, problem }
const notes = [];
const bindings = {};
const shown = (path) => (relative(process.cwd(), path).startsWith("..") ? path : relative(process.cwd(), path));
const sources = [shown(config)];
// A var as the Worker reads it: text as is, any other JSON value as its JSON.
for (const [k, v] of Object.entries(read.vars ?? {})) {
  bindings[k] = typeof v === "string" ? v : JSON.stringify(v);
  if (SECRET.test(k)) {
    problems.push({
      key: k,
      problem: `is in [vars] of ${sources[0]}, which deploys it in plain text: remove it there and \`wrangler secret put ${k}\``,
    });
  }
}
for (const file of envFiles) {
  if (!existsSync(file)) usage(`--env-file ${file} does not exist`);
  Object.assign(bindings, parseEnv(readFileSync(file, "utf8")));
  sources.push(shown(resolve(file)));
}
const fromProcess = Object.entries(process.env).filter(([k]) => SECRET.test(k));
for (const [k, v] of fromProcess) bindings[k] = v;
if (fromProcess.length) sources.push(`environment (${fromProcess.map(([k]) => k).join(", ")})`);

const kv = (read.kv_namespaces ?? []).find((n) => n.binding === "SESSIONS");
if (!kv) {
  problems.push({
    key: "kv_namespaces",
    problem: `has no SESSIONS binding: \`wrangler kv namespace create SESSIONS\` and add [[kv_namespaces]] binding = "SESSIONS" with its id to ${sources[0]}`,
  });
} else if (!/^[0-9a-f]{32}$/.test(kv.id ?? "")) {
  const what = `kv_namespaces SESSIONS has id \`${kv.id}\`, which is not a namespace id (32 hex digits): \`wrangler kv namespace create SESSIONS\` and put the id it prints in ${sources[0]}`;
  if (deploy) problems.push({ key: "kv_namespaces", problem: what.replace(/^kv_namespaces /, "") });
  else notes.push(`${what} (fine for \`wrangler dev --local\`; refused with --deploy)`);
}

// --- the Worker's own rules --------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), "oauth-edge-check-"));
let report;
try {
  const bindingsFile = join(work, "bindings.json");
  const reportFile = join(work, "report.json");
  writeFileSync(bindingsFile, JSON.stringify(bindings), { mode: 0o600 });
  // --workspace: the same build as `cargo test --workspace` (scripts/test.sh), so nothing is
  // compiled again after it (`-p` unifies other features and would build the Worker anew).
  const cargo = ["test", "--workspace", "--lib", "--quiet", "--", "config::check::command", "--ignored", "--exact"];
  if (!existsSync(join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "debug"))) {
    console.error("check-config: compiling the Worker's configuration rules natively (first run: minutes)…");
  }
  const run = spawnSync("cargo", cargo, {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${join(homedir(), ".cargo/bin")}:${process.env.PATH}`,
      CARGO_TERM_COLOR: "never",
      OAUTH_EDGE_CHECK_BINDINGS: bindingsFile,
      OAUTH_EDGE_CHECK_REPORT: reportFile,
    },
  });
  if (run.status !== 0 || !existsSync(reportFile)) {
    console.error(`check-config: \`cargo ${cargo.join(" ")}\` failed (${run.error?.message ?? `exit ${run.status}`}):`);
    console.error(`${run.stdout ?? ""}${run.stderr ?? ""}`.trim());
    process.exit(2);
  }
  report = JSON.parse(readFileSync(reportFile, "utf8"));
} finally {
  rmSync(work, { recursive: true, force: true });
}
problems.push(...report);

// --- say it --------------------------------------------------------------------------------------
let providers = [];
try {
  providers = Object.keys(JSON.parse(bindings.PROVIDERS ?? "null") ?? {});
} catch {
  // Unreadable PROVIDERS is among the problems.
}
const global = problems.filter((p) => !p.provider);
const off = [...new Set(problems.filter((p) => p.provider).map((p) => p.provider))];
console.log(`check-config: ${sources.join(" + ")}`);
for (const n of notes) console.log(`  note: ${n}`);
if (problems.length === 0) {
  console.log(`ok: no problem; providers: ${providers.join(", ") || "(none)"}`);
  process.exit(0);
}
console.log(`${problems.length} problem${problems.length === 1 ? "" : "s"}:`);
for (const p of global) console.log(`  - ${p.key} ${p.problem}`);
for (const name of off) {
  console.log(`  provider \`${name}\` is turned off:`);
  for (const p of problems.filter((q) => q.provider === name)) console.log(`  - ${p.key} ${p.problem}`);
}
if (global.length) {
  console.log("As it is, the Worker answers config_error on every auth and API call.");
} else {
  const working = providers.filter((n) => !off.includes(n));
  console.log(
    `As it is, the Worker serves ${working.length ? working.join(", ") : "no provider"}; calls for ${off.join(", ")} answer config_error.`,
  );
}
process.exit(1);
