#!/usr/bin/env bash
# The deployed Worker's size against its budget (bytes are deterministic, so this is a test):
# the wasm module and the JS glue of edge-worker/build (scripts/build-worker.sh), gzip -9, summed.
# Exits 1 above the budget. Issue 9's target is 150 KB; the budget is what is reached today
# (424,705 bytes; where they go: README "Performance") plus ~2 %, so that the size does not creep
# up unnoticed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUDGET="${WORKER_SIZE_BUDGET_BYTES:-432000}"
BUILD="$ROOT/edge-worker/build"
total=0
for f in "$BUILD/index_bg.wasm" "$BUILD/index.js"; do
  gz=$(gzip -9 -c "$f" | wc -c)
  printf '  %-28s %9d raw %9d gzip\n' "${f#"$ROOT"/}" "$(wc -c < "$f")" "$gz"
  total=$((total + gz))
done
printf 'Worker script total %d gzip (budget %d)\n' "$total" "$BUDGET"
if [ "$total" -ge "$BUDGET" ]; then
  echo "worker-size: over budget by $((total - BUDGET)) bytes" >&2
  exit 1
fi
