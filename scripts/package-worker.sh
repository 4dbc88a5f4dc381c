#!/usr/bin/env bash
# Puts the built Worker into the npm package as `oauth-edge/worker` (issue 10):
#
#   client-wasm/pkg/worker/oauth_edge_worker.js     edge-worker/build/index.js, as worker-build made it
#   client-wasm/pkg/worker/index_bg.wasm            its wasm (the file name its import expects)
#   client-wasm/pkg/worker/index.js, index.d.ts     the entry (edge-worker/npm/): default export the
#                                                   Worker, the Durable Object classes, handle()
#
# wrangler bundles it from node_modules like any module: `main = "node_modules/oauth-edge/worker/index.js"`
# (standalone), or `import oauthEdge, { handle } from "oauth-edge/worker"` in an app's own Worker
# (mounted). Run after scripts/build-client.sh (which starts pkg/ afresh) and scripts/build-worker.sh.
#
#   scripts/package-worker.sh [PKG_DIR]     (default client-wasm/pkg)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="${1:-$ROOT/client-wasm/pkg}"
BUILD="$ROOT/edge-worker/build"

for f in "$BUILD/index.js" "$BUILD/index_bg.wasm" "$PKG/package.json"; do
  [ -f "$f" ] || { echo "package-worker: $f is missing (scripts/build-worker.sh, scripts/build-client.sh)" >&2; exit 1; }
done
if ! grep -q '"./worker"' "$PKG/package.json"; then
  echo "package-worker: $PKG/package.json has no exports[\"./worker\"] (client-wasm/package.json)" >&2
  exit 1
fi

rm -rf "$PKG/worker"
mkdir -p "$PKG/worker"
cp "$BUILD/index.js" "$PKG/worker/oauth_edge_worker.js"
cp "$BUILD/index_bg.wasm" "$PKG/worker/index_bg.wasm"
cp "$ROOT/edge-worker/npm/index.js" "$ROOT/edge-worker/npm/index.d.ts" "$PKG/worker/"
# The glue imports its wasm by this name; fail here rather than in a user's wrangler.
grep -q 'from"./index_bg.wasm"\|from "./index_bg.wasm"' "$PKG/worker/oauth_edge_worker.js" \
  || { echo "package-worker: the Worker's glue does not import ./index_bg.wasm" >&2; exit 1; }
printf 'package-worker: %s/worker ready (wasm %d bytes)\n' "$PKG" "$(wc -c < "$PKG/worker/index_bg.wasm")" >&2
