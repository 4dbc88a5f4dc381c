#!/usr/bin/env bash
# The Worker benchmark (bench/worker/README.md): the Rust Worker's POST /auth/refresh against a
# JavaScript Worker doing the same work (without and with a Durable Object) and a no-op Worker, side by side under Miniflare/workerd,
# against a loopback provider. Writes bench/results/worker.json and bench/results/worker.md.
#
#   scripts/bench-worker.sh            full: 3 repeats × 20 s per cell, c=16 and 64, 5 cold starts (~10 min)
#   scripts/bench-worker.sh --quick    1 repeat × 4 s per cell, 3 cold starts (< 3 min)
#   BUILD=1 scripts/bench-worker.sh    rebuild edge-worker/build first (scripts/build-worker.sh)
#
# Further options go to bench/worker/bench.mjs (--reps, --duration, --warmup, --conc 16,64,
# --sessions, --cold, --kinds rust,js,js-do,noop, --out DIR). Needs edge-worker/build (built here when
# missing) and npm for bench/worker's own dependencies (installed here from its lock file).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench/worker"

if [ -n "${BUILD:-}" ] || [ ! -f "$ROOT/edge-worker/build/index.js" ] || [ ! -f "$ROOT/edge-worker/build/index_bg.wasm" ]; then
  echo "bench-worker: building the Worker (scripts/build-worker.sh)" >&2
  OAUTH_EDGE_SKIP_BUILD= "$ROOT/scripts/build-worker.sh"
fi

if [ ! -f "$BENCH/node_modules/miniflare/package.json" ] \
  || [ "$(node -p 'require(process.argv[1]).version' "$BENCH/node_modules/miniflare/package.json")" != \
       "$(node -p 'require(process.argv[1]).dependencies.miniflare' "$BENCH/package.json")" ]; then
  echo "bench-worker: installing bench/worker's dependencies (npm ci)" >&2
  (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error)
fi

cd "$BENCH"
exec node bench.mjs "$@"
