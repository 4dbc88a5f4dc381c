#!/usr/bin/env bash
# The demo command (README): builds everything, then starts the local authorization server and the
# Worker (serving the demo app) and prints the URL to open. Ctrl-C stops everything it started.
#
#   scripts/demo.sh            app on http://localhost:8787, authorization server on 127.0.0.1:9010
#   APP_PORT=8080 IDP_PORT=9011 scripts/demo.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
scripts/ensure-tools.sh
scripts/build-client.sh
scripts/build-worker.sh
exec node scripts/demo.mjs
