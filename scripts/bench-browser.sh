#!/usr/bin/env bash
# Browser benchmark: oauth-edge against oauth4webapi, oidc-client-ts and @auth0/auth0-spa-js in headless
# Chromium (bench/browser/README.md). Writes bench/results/browser.json and bench/results/browser.md.
#
#   scripts/bench-browser.sh            full run (about 7 min on 2 cores)
#   scripts/bench-browser.sh --quick    smoke run, few repeats (< 2 min)
#   scripts/bench-browser.sh -- --reps 3 --loads 30 ...   any option of bench/browser/run.mjs
#                                                          (--out DIR writes the results elsewhere)
#
# Env: BUILD=1 rebuilds client-wasm/pkg first (scripts/build-client.sh; otherwise only when it is
# missing); OAUTH_EDGE_PKG=<dir> measures another build of the package; CHROMIUM=<path> (default
# /usr/bin/chromium).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench/browser"
PKG="${OAUTH_EDGE_PKG:-$ROOT/client-wasm/pkg}"

ARGS=()
for a in "$@"; do
  case "$a" in
    --) ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$a") ;;
  esac
done

command -v node >/dev/null || { echo "bench-browser: node is required" >&2; exit 1; }
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "bench-browser: no Chromium at $CHROMIUM (apt-get install chromium, or CHROMIUM=<path>)" >&2; exit 1; }
export CHROMIUM

# --- dependencies (pinned in bench/browser/package-lock.json) ---------------------------------------
if [ ! -d "$BENCH/node_modules/playwright-core" ] || [ ! -d "$BENCH/node_modules/esbuild" ] ||
   [ "$BENCH/package-lock.json" -nt "$BENCH/node_modules/.package-lock.json" ]; then
  echo "bench-browser: npm ci --prefix bench/browser" >&2
  npm ci --prefix "$BENCH" --no-audit --no-fund --loglevel=error >&2
fi

# --- the package under test ---------------------------------------------------------------------------
if [ "${BUILD:-0}" = 1 ] || { [ -z "${OAUTH_EDGE_PKG:-}" ] && [ ! -f "$PKG/web/index.js" ]; }; then
  [ -z "${OAUTH_EDGE_PKG:-}" ] || { echo "bench-browser: BUILD=1 builds client-wasm/pkg, not OAUTH_EDGE_PKG" >&2; exit 1; }
  echo "bench-browser: building client-wasm/pkg (scripts/build-client.sh)" >&2
  "$ROOT/scripts/build-client.sh" >&2
fi

# --- bundle (snapshot of the package into bench/browser/dist/pkg), run, report -------------------------
cd "$BENCH"
node build.mjs "$PKG"
node run.mjs ${ARGS[@]+"${ARGS[@]}"}   # prints browser.md when done
