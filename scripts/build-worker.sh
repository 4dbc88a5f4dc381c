#!/usr/bin/env bash
# Build the Worker (edge-worker/) with worker-build, offline: wasm-bindgen, wasm-opt and esbuild come
# from this machine (cargo bin, node_modules) instead of being downloaded.
#
#   scripts/build-worker.sh            release build → edge-worker/build/index.js (+ .wasm)
#   scripts/build-worker.sh --dev      debug build (no wasm-opt)
#
# wrangler runs this as its [build] command. Override any tool with WASM_BINDGEN_BIN, WASM_OPT_BIN,
# ESBUILD_BIN. Needs: wasm-bindgen-cli 0.2.130 and worker-build 0.8.7 (scripts/ensure-tools.sh),
# `npm ci` at the root (binaryen 132 for wasm-opt, esbuild 0.28.2).
set -euo pipefail

# The test harness starts `wrangler dev` on an already built Worker; wrangler still runs [build].
if [ -n "${OAUTH_EDGE_SKIP_BUILD:-}" ]; then
  echo "build-worker: OAUTH_EDGE_SKIP_BUILD is set, using the existing edge-worker/build" >&2
  exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

need() { [ -x "$2" ] || { echo "build-worker: $1 not found at $2 ($3)" >&2; exit 1; }; }

export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen || true)}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$ROOT/node_modules/binaryen/bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild}"
need wasm-bindgen "${WASM_BINDGEN_BIN:-<none on PATH>}" "cargo install wasm-bindgen-cli --version 0.2.130"
need wasm-opt "$WASM_OPT_BIN" "npm ci at the repo root (binaryen 132; Debian's binaryen 108 cannot read the output)"
need esbuild "$ESBUILD_BIN" "npm ci at the repo root"
command -v worker-build >/dev/null || { echo "build-worker: worker-build not found (cargo install --locked worker-build --version 0.8.7)" >&2; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mode="--release"
[ "${1:-}" = "--dev" ] && mode="--dev"

cd "$ROOT/edge-worker"
worker-build "$mode"

# The function-name section (a fifth of the module) and the producer/feature metadata only serve
# backtraces and tools; the deployed script is smaller without them (issue 9). No optimisation
# pass runs here: worker-build's wasm-opt already did.
if [ "$mode" = "--release" ]; then
  "$WASM_OPT_BIN" build/index_bg.wasm \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers --strip-target-features -o build/index_bg.wasm
  printf 'build-worker: edge-worker/build/index_bg.wasm %d bytes, %d gzip\n' \
    "$(wc -c < build/index_bg.wasm)" "$(gzip -9 -c build/index_bg.wasm | wc -c)" >&2
fi
