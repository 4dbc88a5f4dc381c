// Serves one benchmarked Worker through the Miniflare API (no wrangler): one node + one workerd.
//
//   node serve.mjs <rust|js|noop> --upstream <origin> --state <dir> [--build <dir>] [--seed <file.json>]
//
// --seed: [{key, value, ttl}] put into the KV namespace before "ready".
// Prints one line when it answers: "ready <url> <pid> miniflare_ms=<new Miniflare → ready>".
// SIGTERM/SIGINT dispose of Miniflare (workerd stops with it).
import { readFileSync } from "node:fs";

import { Miniflare } from "miniflare";

import { mfOptions } from "./config.mjs";

const arg = (k) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const kind = process.argv[2];
const t0 = performance.now();
const mf = new Miniflare({
  ...mfOptions(kind, { build: arg("--build"), state: arg("--state"), upstream: arg("--upstream") }),
  // The Workers print nothing on success; keep workerd's own output visible to the parent's log.
  handleRuntimeStdio(stdout, stderr) {
    stdout.on("data", (d) => process.stderr.write(d));
    stderr.on("data", (d) => process.stderr.write(d));
  },
});
const url = await mf.ready;
const miniflareMs = performance.now() - t0;
const seed = arg("--seed");
if (seed) {
  const kv = await mf.getKVNamespace("SESSIONS");
  const entries = JSON.parse(readFileSync(seed, "utf8"));
  for (let i = 0; i < entries.length; i += 64) {
    await Promise.all(
      entries.slice(i, i + 64).map((e) => kv.put(e.key, e.value, e.ttl ? { expirationTtl: e.ttl } : {})),
    );
  }
}
console.log(`ready ${url.href} ${process.pid} miniflare_ms=${miniflareMs.toFixed(1)}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await mf.dispose().catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
