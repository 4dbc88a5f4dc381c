#!/usr/bin/env bash
# The test command (README, and .ci/run): installs what is missing, then runs every test.
#
#   scripts/test.sh
#
# Stages run in order; a failed stage is reported and the rest still run, so one run shows every
# failure. The exit code is non-zero if any stage failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# Keep wrangler and Chromium off the network.
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true \
  CLOUDFLARE_CF_FETCH_ENABLED=false

scripts/ensure-tools.sh || { echo "FAILED: installing tools"; exit 1; }

failed=()
passed=()
stage() {
  local name="$1"; shift
  echo
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then
    passed+=("$name")
    echo "=== ok: $name ($((SECONDS - start)) s)"
  else
    failed+=("$name")
    echo "=== FAILED: $name ($((SECONDS - start)) s)"
  fi
}

wasm_test() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown "$@"
}

stage "cargo fmt --check" cargo fmt --all -- --check
stage "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
stage "clippy (wasm32)" cargo clippy --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings
stage "unit tests (native)" cargo test --workspace
stage "shared tests (wasm32, Node)" wasm_test -p oauth-edge-shared --features oidc
stage "client tests (wasm32, headless Chromium)" wasm_test -p oauth-edge-client
stage "build client package + size budget" scripts/size.sh
stage "build worker" scripts/build-worker.sh
stage "deploy dry run (wrangler, offline: bundle, wasm, bindings, migrations)" node scripts/deploy-check.mjs
stage "Worker script size budget" scripts/worker-size.sh
stage "fuzz (short run, every parser)" scripts/fuzz.sh
shopt -s globstar nullglob
node_tests=(tests/**/*.test.mjs edge-worker/tests/*.test.mjs)
# Every Worker the suites start writes its console output, and every helper the secrets it sees,
# into the log ledger; the stage after them checks that no secret reached a log.
export OAUTH_EDGE_LOG_LEDGER="$ROOT/target/log-ledger"
rm -rf "$OAUTH_EDGE_LOG_LEDGER"
stage "node tests: IdP, Worker under workerd, attacks, end to end in Chromium" \
  node --test --test-concurrency=1 --test-timeout=180000 "${node_tests[@]}"
stage "logs hold no secrets (over the suites above)" \
  node --test tests/logs/no-secrets.check.mjs

echo
echo "stages passed: ${#passed[@]}; failed: ${#failed[@]}"
for f in "${failed[@]}"; do echo "  FAILED: $f"; done
[ ${#failed[@]} -eq 0 ]
