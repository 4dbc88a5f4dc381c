#!/usr/bin/env bash
# The example app (examples/vite-ts/), as a user gets it (issue 10):
#
#   1. the built Worker into the package (scripts/package-worker.sh: client-wasm/pkg/worker/),
#   2. `npm pack` of client-wasm/pkg, `npm ci` in the example (vite + typescript, from its lock),
#      then the tarball with `npm install --no-save` (the lock never names a tarball path),
#   3. `tsc --noEmit` (strict), `vite build` (VITE_API_URL: the test's authorization server),
#   4. `wrangler deploy --dry-run` of the example's wrangler.toml (scripts/deploy-check.mjs: the
#      bundle holds the package's wasm, exports the Worker and every Durable Object class),
#   5. tests/examples/vite-ts.check.mjs: log in, user + expiry, client.fetch, client.apiFetch,
#      reload, log out, in headless Chromium, the Worker run from node_modules/oauth-edge/worker.
#
# Needs client-wasm/pkg (scripts/build-client.sh) and edge-worker/build (scripts/build-worker.sh).
#   scripts/example-test.sh
#   OAUTH_EDGE_PKG=/some/copy/of/pkg scripts/example-test.sh     (pack another build of the package)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PKG="${OAUTH_EDGE_PKG:-$ROOT/client-wasm/pkg}"
EXAMPLE="$ROOT/examples/vite-ts"
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true \
  CLOUDFLARE_CF_FETCH_ENABLED=false
NPM_FLAGS=(--no-audit --no-fund --prefer-offline --loglevel=error)

TMP="$(mktemp -d "${TMPDIR:-/tmp}/oauth-edge-example-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
step() { echo "--- example: $*"; }

step "package the Worker into $PKG/worker"
scripts/package-worker.sh "$PKG"

step "npm pack"
tarball="$TMP/$(cd "$TMP" && npm pack "$PKG" --pack-destination "$TMP" --silent)"
tar -tzf "$tarball" > "$TMP/files"
grep -qx 'package/worker/index_bg.wasm' "$TMP/files" || { echo "the tarball has no worker/index_bg.wasm" >&2; exit 1; }

step "npm ci + the tarball (--no-save)"
cd "$EXAMPLE"
lock_before="$(sha256sum package-lock.json package.json)"
npm ci "${NPM_FLAGS[@]}"
npm install --no-save "${NPM_FLAGS[@]}" "$tarball"
[ "$(sha256sum package-lock.json package.json)" = "$lock_before" ] \
  || { echo "installing the tarball changed package.json or package-lock.json" >&2; exit 1; }

step "tsc --noEmit (strict)"
./node_modules/.bin/tsc --noEmit

step "vite build"
IDP_PORT="$(node --input-type=module -e 'import { freePort } from "./../../tests/support/ports.mjs"; console.log(await freePort())')"
VITE_API_URL="http://127.0.0.1:$IDP_PORT/api/hello" ./node_modules/.bin/vite build --logLevel warn
ls dist/assets/*.wasm >/dev/null

cd "$ROOT"
step "wrangler deploy --dry-run (examples/vite-ts/wrangler.toml)"
node scripts/deploy-check.mjs "$EXAMPLE/wrangler.toml"

step "log in with the built app in headless Chromium"
EXAMPLE_IDP_PORT="$IDP_PORT" node --test --test-timeout=180000 tests/examples/vite-ts.check.mjs
