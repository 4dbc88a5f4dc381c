// The "logs hold no secrets" ledger (issue 6). Every Worker a test starts writes its console output
// into one directory, and every test helper that sees a secret — a client secret, SESSION_KEY, a
// session id, an access or refresh token, a code, a PKCE verifier, a password, a user name —
// writes it into the same directory. After the Worker and end-to-end suites,
// tests/logs/no-secrets.check.mjs fails if any remembered secret appears in any captured output.
//
// The directory is OAUTH_EDGE_LOG_LEDGER (scripts/test.sh empties it before the suites) or
// target/log-ledger. Files are per process (node --test runs each file in its own).
import { appendFileSync, createWriteStream, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const LEDGER_DIR = resolve(process.env.OAUTH_EDGE_LOG_LEDGER ?? join(ROOT, "target/log-ledger"));

let seq = 0;
function ensureDir() {
  mkdirSync(LEDGER_DIR, { recursive: true });
}

/** Shorter values would match by chance (a 3-letter user name in an English log line). */
export const MIN_SECRET_LENGTH = 4;

/** Remembers `value` (of `kind`) as a secret no Worker output may contain. */
export function rememberSecret(kind, value) {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
  ensureDir();
  appendFileSync(join(LEDGER_DIR, `secrets-${process.pid}.jsonl`), `${JSON.stringify({ kind, value })}\n`);
}

/** Remembers the secrets among a Worker's bindings (client secrets and sealing keys). */
export function rememberBindings(bindings) {
  for (const [k, v] of Object.entries(bindings ?? {})) {
    if (/^(CLIENT_SECRET_|SESSION_KEY)/.test(k) && typeof v === "string") rememberSecret(k, v);
  }
}

/** A file stream for one Worker's console output (`name` says which runner). */
export function workerLogStream(name) {
  ensureDir();
  seq += 1;
  return createWriteStream(join(LEDGER_DIR, `worker-${name}-${process.pid}-${seq}.log`), { flags: "a" });
}

/** The path of a log file for a runner that writes its own (wrangler dev). */
export function workerLogPath(name) {
  ensureDir();
  seq += 1;
  return join(LEDGER_DIR, `worker-${name}-${process.pid}-${seq}.log`);
}

/** Miniflare's `handleRuntimeStdio`: the Worker's stdout and stderr into the ledger. */
export function captureMiniflare(stdout, stderr) {
  const out = workerLogStream("miniflare");
  stdout.pipe(out, { end: false });
  stderr.pipe(out, { end: false });
}
