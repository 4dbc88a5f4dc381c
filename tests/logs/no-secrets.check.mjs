// Logs hold no secrets (issue 6): run after the Worker and end-to-end suites (scripts/test.sh), it
// reads what tests/support/log-ledger.mjs collected — every Worker's captured console output, and
// every secret the test helpers saw — and fails if any secret appears in any output.
//
// Lines the runtime itself writes about requests (wrangler's `[wrangler:…]` request log) are not
// oauth-edge's: a provider that delivers tokens in the redirect URL puts them in the platform's
// request log, which the README says; this check covers everything oauth-edge itself logs.
//
//   node --test tests/logs/no-secrets.check.mjs      (after the suites have run)
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { LEDGER_DIR } from "../support/log-ledger.mjs";

/** The secrets remembered, and the Worker output captured, in `dir`. */
export function readLedger(dir) {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const secrets = new Map();
  for (const f of files.filter((f) => f.startsWith("secrets-"))) {
    for (const line of readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean)) {
      const { kind, value } = JSON.parse(line);
      secrets.set(value, kind);
    }
  }
  const logs = files
    .filter((f) => f.startsWith("worker-"))
    .map((f) => ({ file: f, text: readFileSync(join(dir, f), "utf8") }));
  return { secrets, logs };
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `line` contains `value`: anywhere for long values (tokens, keys, ids), as a whole word
 * for short ones (a test user named `alice` must not match `malice`). */
function contains(line, value) {
  if (value.length >= 12) return line.includes(value);
  return new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegExp(value)}($|[^A-Za-z0-9_-])`).test(line);
}

/** The lines of `logs` that contain a secret: `{file, kind, line}`. Runtime request-log lines are skipped. */
export function leaks({ secrets, logs }) {
  const found = [];
  for (const { file, text } of logs) {
    for (const line of text.split("\n")) {
      if (/^\s*\[wrangler:/.test(line)) continue;
      for (const [value, kind] of secrets) {
        if (contains(line, value)) found.push({ file, kind, line: line.slice(0, 200) });
      }
    }
  }
  return found;
}

test("the Worker's console output over the Worker and e2e suites holds no secret used in them", () => {
  const ledger = readLedger(LEDGER_DIR);
  assert.ok(ledger.logs.length > 0, `no Worker output was captured in ${LEDGER_DIR}: run the suites first`);
  assert.ok(ledger.secrets.size > 100, `only ${ledger.secrets.size} secrets remembered: the ledger is not being fed`);
  const all = ledger.logs.map((l) => l.text).join("\n");
  // Capture works: the configuration tests' failures are in the log (and only there, finding 9).
  assert.match(all, /config_error: SESSION_KEY/, "the Worker's own log lines were not captured");
  const found = leaks(ledger);
  assert.deepEqual(
    found.map((f) => `${f.kind} in ${f.file}: ${f.line.replace(/\s+/g, " ")}`),
    [],
    "secrets in the Worker's logs",
  );
});

test("the check finds a secret planted in a log (it can fail)", () => {
  const ledger = {
    secrets: new Map([["rt-planted-secret", "refresh_token"]]),
    logs: [
      {
        file: "worker-x.log",
        text: "ok\nrefresh: sent rt-planted-secret upstream\n[wrangler:info] GET /cb?rt-planted-secret 303",
      },
    ],
  };
  assert.deepEqual(leaks(ledger), [
    { file: "worker-x.log", kind: "refresh_token", line: "refresh: sent rt-planted-secret upstream" },
  ]);
  const names = {
    secrets: new Map([["alice", "username"]]),
    logs: [{ file: "w.log", text: "malice\nuser alice failed\n" }],
  };
  assert.deepEqual(
    leaks(names).map((f) => f.line),
    ["user alice failed"],
  );
});
