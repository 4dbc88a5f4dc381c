#!/usr/bin/env bash
# The test command (README, and .ci/run): installs what is missing, then runs every test.
#
#   scripts/test.sh                  every stage (CI)
#   scripts/test.sh rust worker      only those groups (scripts/test.sh --list; --help says what each runs)
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

# ---- the stages, in groups (`scripts/test.sh --list`); a full run runs every group in this order ----

group_rust() {
  stage "cargo fmt --check" cargo fmt --all -- --check
  stage "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
  stage "clippy (wasm32)" cargo clippy --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings
  stage "unit tests (native)" cargo test --workspace
  stage "shared tests (wasm32, Node)" wasm_test -p oauth-edge-shared --features oidc
}
group_client() {
  stage "client tests (wasm32, headless Chromium)" wasm_test -p oauth-edge-client
  stage "build client package + size budget" scripts/size.sh
}
group_worker_build() {
  stage "build worker" scripts/build-worker.sh
  stage "deploy dry run (wrangler, offline: bundle, wasm, bindings, migrations)" node scripts/deploy-check.mjs
  stage "Worker script size budget" scripts/worker-size.sh
  # The npm package is whole once the Worker is in it (`oauth-edge/worker`).
  stage "npm package: Worker in, types (tsc), tarball contents, bundler + node16 consumers" \
    bash -c 'scripts/package-worker.sh && scripts/check-package.sh'
}
group_fuzz() {
  stage "fuzz (short run, every parser)" scripts/fuzz.sh
}
# The example app as a user gets it (needs the client package and the Worker build).
group_examples() {
  stage "example app (examples/vite-ts: pack, tsc, vite build, deploy dry run, Chromium)" scripts/example-test.sh
}

# The node suites. A full run runs them all in one `node --test` call; `worker` and `e2e` split
# them: `worker` = the Worker under workerd and what attacks or scales it, `e2e` = everything else
# under tests/ (a new directory there runs in `e2e` until it is listed here).
shopt -s globstar nullglob
worker_tests=(edge-worker/tests/*.test.mjs tests/attacks/**/*.test.mjs tests/edge-scale/**/*.test.mjs
  tests/config/**/*.test.mjs)
e2e_tests=()
for f in tests/**/*.test.mjs; do
  case "$f" in tests/attacks/* | tests/edge-scale/* | tests/config/*) ;; *) e2e_tests+=("$f") ;; esac
done
node_suites() {
  local name="$1"; shift
  stage "$name" node --test --test-concurrency=1 --test-timeout=180000 "$@"
}
node_tests=(tests/**/*.test.mjs edge-worker/tests/*.test.mjs) # the two lists above, together
group_node_all() {
  node_suites "node tests: IdP, Worker under workerd, attacks, end to end in Chromium" "${node_tests[@]}"
}
group_worker() {
  group_worker_build
  node_suites "node tests (worker): Worker under workerd, attacks, two isolates, config" "${worker_tests[@]}"
}
group_e2e() {
  node_suites "node tests (e2e): IdP, OpenID Connect, providers, end to end in Chromium" "${e2e_tests[@]}"
}
group_logs() {
  stage "logs hold no secrets (over the suites above)" \
    node --test tests/logs/no-secrets.check.mjs
}
group_lint() {
  stage "JS lint + format check (biome ci)" npx biome ci .
}

GROUPS_ALL=(rust client worker fuzz examples e2e logs lint)
usage() {
  cat <<USAGE
usage: scripts/test.sh [GROUP...]     (no GROUP: every stage, as CI runs it)
       scripts/test.sh --list
groups:
  rust      cargo fmt --check, clippy (native, wasm32), native tests, shared tests on wasm32 (Node)
  client    client wasm tests (headless Chromium), package build + size budget
  worker    Worker build, deploy dry run, size budget, the npm package checked whole (the Worker
            put in, types, tarball, consumers; needs the client package); node suites edge-worker/tests, tests/attacks,
            tests/edge-scale, tests/config
  e2e       node suites tests/e2e, tests/providers, tests/oidc, tests/idp, tests/support (uses the
            builds of client and worker: run those first after changing Rust)
  examples  the example app (examples/vite-ts)
  fuzz      a short fuzzing run of every parser
  lint      JS lint + format check (biome ci .)
  logs      logs hold no secrets, over the log ledger the suites of this run (or the last run) wrote
Groups run in the order listed under "groups", whatever the order given.
USAGE
}

selected=()
for arg in "$@"; do
  case "$arg" in
    --list) printf '%s\n' "${GROUPS_ALL[@]}"; exit 0 ;;
    -h | --help) usage; exit 0 ;;
  esac
  known=false
  for g in "${GROUPS_ALL[@]}"; do [ "$g" = "$arg" ] && known=true; done
  $known || { echo "scripts/test.sh: unknown group '$arg'" >&2; usage >&2; exit 2; }
  selected+=("$arg")
done
wants() { local g; for g in "${selected[@]}"; do [ "$g" = "$1" ] && return 0; done; return 1; }

scripts/ensure-tools.sh || { echo "FAILED: installing tools"; exit 1; }

# Every Worker the suites (and the example) start writes its console output, and every helper the
# secrets it sees, into the log ledger; the `logs` stage after them checks that no secret reached a
# log. Reset once per run, when this run starts suites (`logs` alone checks the last run's ledger).
export OAUTH_EDGE_LOG_LEDGER="$ROOT/target/log-ledger"
if [ ${#selected[@]} -eq 0 ] || wants worker || wants e2e || wants examples; then
  rm -rf "$OAUTH_EDGE_LOG_LEDGER"
fi

if [ ${#selected[@]} -eq 0 ]; then
  group_rust
  group_client
  group_worker_build
  group_fuzz
  group_examples
  group_node_all
  group_logs
  group_lint
else
  for g in "${GROUPS_ALL[@]}"; do
    if wants "$g"; then "group_$g"; fi
  done
fi

echo
echo "stages passed: ${#passed[@]}; failed: ${#failed[@]}"
for f in "${failed[@]}"; do echo "  FAILED: $f"; done
[ ${#failed[@]} -eq 0 ]
