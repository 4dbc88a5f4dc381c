// scripts/check-config.mjs: the configuration check before a deploy (issue 10). It applies the
// Worker's own rules (edge-worker/src/config/, run natively) to wrangler.toml's vars and the
// secrets, and lists every problem at once with its key; exit 1 when there is any.
//
//   node --test tests/config/      (after `cargo test --workspace`, whose build it reuses)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const KV_ID = "0123456789abcdef0123456789abcdef";

const entry = (name, extra = {}) => ({
  authorization_endpoint: `https://${name}.example/authorize`,
  token_endpoint: `https://${name}.example/token`,
  client_id: `${name}-client`,
  redirect_uri: "https://app.example/callback",
  ...extra,
});

/** Runs the check on a wrangler.toml made of `vars` (+ `kvId`) and a .dev.vars made of `secrets`. */
function check({ vars, secrets, kvId = KV_ID, args = [] }) {
  const dir = mkdtempSync(join(tmpdir(), "oauth-edge-check-test-"));
  try {
    const toml = [
      'name = "check-test"',
      'main = "index.js"',
      'compatibility_date = "2026-04-01"',
      "[vars]",
      ...Object.entries(vars).map(
        ([k, v]) => `${k} = ${JSON.stringify(typeof v === "string" ? v : JSON.stringify(v))}`,
      ),
      "[[kv_namespaces]]",
      'binding = "SESSIONS"',
      `id = "${kvId}"`,
    ].join("\n");
    writeFileSync(join(dir, "wrangler.toml"), toml);
    writeFileSync(
      join(dir, ".dev.vars"),
      Object.entries(secrets)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n"),
    );
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(SESSION_KEY|SESSION_KEY_PREVIOUS|CLIENT_SECRET_.+)$/.test(k)),
    );
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "scripts/check-config.mjs"), ...args, join(dir, "wrangler.toml")],
      {
        encoding: "utf8",
        env,
        timeout: 170_000,
      },
    );
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a good configuration passes (with --deploy)", () => {
  const r = check({
    vars: {
      PROVIDERS: { alpha: entry("alpha"), beta: entry("beta", { client_auth: "none" }) },
      SESSION_TTL_SECONDS: "3600",
    },
    secrets: { SESSION_KEY: randomBytes(32).toString("base64"), CLIENT_SECRET_ALPHA: "s3cret" },
    args: ["--deploy"],
  });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /ok: no problem; providers: alpha, beta/);
});

test("several problems are reported together, each with its key and what to do", () => {
  const r = check({
    vars: {
      PROVIDERS: {
        alpha: entry("alpha"), // its secret is missing
        beta: entry("beta", { token_endpoint: "beta.example/token", client_auth: "none" }), // not a URL
        gamma: entry("gamma", { client_auth: "none" }), // fine
        delta: entry("delta"),
      },
      SESSION_TTL_SECONDS: "soon",
      ALLOWED_ORIGINS: "http://app.example",
      // A secret in [vars]: deployed in plain text.
      CLIENT_SECRET_DELTA: "in-plain-text",
    },
    secrets: { SESSION_KEY: "c2hvcnQ=" },
    kvId: "oauth-edge-sessions-local",
    args: ["--deploy"],
  });
  assert.equal(r.status, 1, r.out);
  for (const line of [
    /- CLIENT_SECRET_DELTA is in \[vars\] .* `wrangler secret put CLIENT_SECRET_DELTA`/,
    /- kv_namespaces SESSIONS has id `oauth-edge-sessions-local`.*wrangler kv namespace create SESSIONS/,
    /- ALLOWED_ORIGINS `http:\/\/app\.example` is plain http .* use https/,
    /- SESSION_TTL_SECONDS must be a whole number of seconds/,
    /- SESSION_KEY must be base64 of exactly 32 bytes \(e\.g\. `openssl rand -base64 32`\)/,
    /provider `alpha` is turned off:\n {2}- CLIENT_SECRET_ALPHA is not set .*wrangler secret put CLIENT_SECRET_ALPHA/,
    /provider `beta` is turned off:\n {2}- PROVIDERS entry `beta` is not usable: `token_endpoint` must be an absolute http\(s\) URL/,
  ]) {
    assert.match(r.out, line);
  }
  assert.match(r.out, /^7 problems:/m);
  assert.doesNotMatch(r.out, /gamma|in-plain-text/, "a working provider is not listed; no secret value is printed");
  assert.match(r.out, /the Worker answers config_error on every auth and API call/);
});

test("only provider problems: the Worker would serve the others", () => {
  const r = check({
    vars: { PROVIDERS: { alpha: entry("alpha"), gamma: entry("gamma", { client_auth: "none" }) } },
    secrets: { SESSION_KEY: randomBytes(32).toString("base64") },
  });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /^1 problem:/m);
  assert.match(r.out, /the Worker serves gamma; calls for alpha answer config_error/);
});
