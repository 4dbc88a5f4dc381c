#!/usr/bin/env bash
# Checks the npm package `oauth-edge` as built in client-wasm/pkg (scripts/build-client.sh):
#
#   1. types: client.js (`// @ts-check`, JSDoc) against client.d.ts and the core's generated
#      declarations, and the type test client-wasm/types/usage.ts (misuse marked
#      `// @ts-expect-error` must keep failing to compile) — `tsc -p client-wasm/types`;
#   2. contents: `npm pack --dry-run --json` lists exactly the files below, no more, no fewer;
#   3. consumers: the packed tarball installed in a throwaway project, type-checked as a user's code
#      is (usage.ts and a plain-ESM `oauth-edge/web` use) with `moduleResolution: "bundler"` and
#      `"node16"`, the package's own .d.ts included (no skipLibCheck); then imported by Node
#      (`oauth-edge/web` with initSync, and the bundler entry with --experimental-wasm-modules)
#      for a smoke test: an EventTarget, typed errors with the core's words.
#
# The error codes of client.d.ts are checked against the registry (shared/src/codes.rs) by
# shared/tests/error_registry.rs (cargo test).
#
#   scripts/check-package.sh      (after scripts/build-client.sh or scripts/size.sh, then
#                                  scripts/build-worker.sh and scripts/package-worker.sh: the
#                                  package ships the built Worker as `oauth-edge/worker`)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/client-wasm/pkg"
TSC="$ROOT/node_modules/.bin/tsc"
cd "$ROOT"

[ -x "$TSC" ] || { echo "check-package: no $TSC (npm ci)" >&2; exit 1; }
[ -f "$PKG/core/oauth_edge.d.ts" ] || { echo "check-package: build the package first (scripts/build-client.sh)" >&2; exit 1; }
[ -f "$PKG/worker/index.js" ] || { echo "check-package: put the Worker in first (scripts/package-worker.sh)" >&2; exit 1; }

echo "check-package: tsc -p client-wasm/types (client.js against client.d.ts; the type test)"
"$TSC" -p client-wasm/types

# --- 2. what the tarball holds ------------------------------------------------------------------
EXPECTED='README.md
client.d.ts
client.js
core/oauth_edge.d.ts
core/oauth_edge.js
core/oauth_edge_bg.js
core/oauth_edge_bg.wasm
index.d.ts
index.js
package.json
web/client.d.ts
web/client.js
web/core/oauth_edge.d.ts
web/core/oauth_edge.js
web/core/oauth_edge_bg.wasm
web/index.d.ts
web/index.js
worker/index.d.ts
worker/index.js
worker/index_bg.wasm
worker/oauth_edge_worker.js'
listed="$(cd "$PKG" && npm pack --dry-run --json --ignore-scripts 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const f of JSON.parse(s)[0].files)console.log(f.path)})' |
  LC_ALL=C sort)"
if [ "$listed" != "$EXPECTED" ]; then
  echo "check-package: the tarball's files are not the expected ones (< expected, > packed):" >&2
  diff <(echo "$EXPECTED") <(echo "$listed") >&2 || true
  exit 1
fi
echo "check-package: npm pack lists the $(echo "$listed" | wc -l) expected files"

# --- 3. a user's project ------------------------------------------------------------------------
WORK="$(mktemp -d /tmp/oauth-edge-consumer.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
TARBALL="$(cd "$PKG" && npm pack --silent --ignore-scripts --pack-destination "$WORK" | tail -n1)"
mkdir -p "$WORK/app/node_modules/oauth-edge"
tar -xzf "$WORK/$TARBALL" -C "$WORK/app/node_modules/oauth-edge" --strip-components=1
cd "$WORK/app"
echo '{ "name": "consumer", "private": true, "type": "module" }' > package.json
cp "$ROOT/client-wasm/types/usage.ts" usage.ts
cat > web.ts <<'TS'
import init, { OAuthClient, OAuthError, type OAuthClientEventMap } from "oauth-edge/web";

export async function start(): Promise<OAuthClient> {
  await init();
  const client = new OAuthClient({ worker: "/auth" });
  client.addEventListener("tokenRefreshed", (ev) => void ev.detail.expiresAt);
  client.addEventListener("error", (ev) => {
    const err: OAuthError = ev.detail;
    const same: OAuthClientEventMap["error"] = err;
    void same;
  });
  // @ts-expect-error no such event
  client.addEventListener("refreshed", () => {});
  return client;
}
TS
for resolution in bundler node16; do
  module=esnext
  [ "$resolution" = node16 ] && module=node16
  cat > "tsconfig.$resolution.json" <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "skipLibCheck": false, "types": [],
    "target": "es2022", "lib": ["es2022", "dom"],
    "module": "$module", "moduleResolution": "$resolution"
  },
  "files": ["usage.ts", "web.ts"]
}
JSON
  echo "check-package: tsc, a consumer with moduleResolution $resolution"
  "$TSC" -p "tsconfig.$resolution.json"
done

cat > smoke.mjs <<'JS'
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { initSync, OAuthClient, OAuthError } from "oauth-edge/web";

const entry = process.argv[2];
if (entry === "web") {
  initSync({ module: readFileSync(new URL(import.meta.resolve("oauth-edge/web/core/oauth_edge_bg.wasm"))) });
}
const m = entry === "web" ? { OAuthClient, OAuthError } : await import("oauth-edge");
const client = new m.OAuthClient({ worker: "https://auth.example/auth" });
assert.ok(client instanceof EventTarget);
assert.throws(() => client.addEventListener("logn", () => {}), (e) => e instanceof m.OAuthError && e.code === "unknown_event" && e.message.length > 10);
const seen = [];
client.addEventListener("error", (ev) => seen.push(ev), { once: true });
await assert.rejects(client.getAccessToken(), (e) => e.code === "not_logged_in");
await assert.rejects(client.getAccessToken(), (e) => e.code === "not_logged_in");
assert.equal(seen.length, 1, "once");
assert.ok(seen[0] instanceof CustomEvent);
assert.equal(seen[0].detail.code, "not_logged_in");
console.log(`check-package: ${entry} entry works in Node`);
JS
node smoke.mjs web
node --experimental-wasm-modules --no-warnings smoke.mjs bundler
echo "check-package: ok"
