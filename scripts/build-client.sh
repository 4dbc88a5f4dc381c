#!/usr/bin/env bash
# Builds the npm package `oauth-edge` into client-wasm/pkg/ and copies its plain-ESM build to
# www/vendor/oauth-edge/ for the demo.
#
#   pkg/index.js      bundler entry  (import "oauth-edge"):     client.js + core/ (--target bundler)
#   pkg/web/index.js  plain ESM      (import "oauth-edge/web"): client.js + core/ (--target web),
#                                     default export init() loads web/core/oauth_edge_bg.wasm
#
# client.js is the JS shell (client-wasm/js/), core/ the wasm protocol core (client-wasm/src/).
# Each .wasm goes through wasm-opt -Oz (binaryen 132 from npm: Debian's is too old).
# The JS is minified with esbuild 0.28.2 (root node_modules, or npm into /tmp as a fallback).
# Env: OAUTH_EDGE_CLIENT_TARGET_DIR (default target/client), WASM_OPT / ESBUILD (tools to use).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

WBG_VERSION=0.2.130
# The browser wasm is built with a pinned nightly that rebuilds std with `-Cpanic=immediate-abort`
# (a panic is a trap: no message formatting, no panic hook, no file names in the data). Measured:
# the wasm 20.1 → 14.5 KB gzip on its own. Installed by scripts/ensure-tools.sh (reads this line).
SIZE_NIGHTLY=nightly-2026-05-20
BINARYEN_VERSION=132.0.0
ESBUILD_VERSION=0.28.2
TARGET_DIR="${OAUTH_EDGE_CLIENT_TARGET_DIR:-$ROOT/target/client}"
PKG="$ROOT/client-wasm/pkg"
VENDOR="$ROOT/www/vendor/oauth-edge"

# --- tools ---------------------------------------------------------------------------------------
have_wbg="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_wbg" != "$WBG_VERSION" ]; then
  echo "build-client: installing wasm-bindgen-cli $WBG_VERSION (had: ${have_wbg:-none}; ~3.5 min)" >&2
  cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

find_wasm_opt() {
  local c
  for c in "${WASM_OPT:-}" "$ROOT/node_modules/binaryen/bin/wasm-opt" \
           "/tmp/oauth-edge-build-tools/node_modules/binaryen/bin/wasm-opt"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
      echo "$c"; return 0
    fi
  done
  return 1
}
FALLBACK=/tmp/oauth-edge-build-tools
if ! WASM_OPT_BIN="$(find_wasm_opt)"; then
  echo "build-client: installing binaryen@$BINARYEN_VERSION from npm into $FALLBACK" >&2
  npm install --silent --no-audit --no-fund --prefix "$FALLBACK" "binaryen@$BINARYEN_VERSION" >&2
  WASM_OPT_BIN="$(find_wasm_opt)"
fi

find_esbuild() {
  local c
  for c in "${ESBUILD:-}" "$ROOT/node_modules/.bin/esbuild" "$FALLBACK/node_modules/.bin/esbuild"; do
    if [ -n "$c" ] && [ -x "$c" ] && [ "$("$c" --version 2>/dev/null)" = "$ESBUILD_VERSION" ]; then
      echo "$c"; return 0
    fi
  done
  return 1
}
if ! ESBUILD_BIN="$(find_esbuild)"; then
  echo "build-client: installing esbuild@$ESBUILD_VERSION from npm into $FALLBACK" >&2
  npm install --silent --no-audit --no-fund --prefix "$FALLBACK" "esbuild@$ESBUILD_VERSION" >&2
  ESBUILD_BIN="$(find_esbuild)"
fi

# --- build ---------------------------------------------------------------------------------------
# Its own target dir: the compact SHA-256 backend flag and the release wasm must not fight the
# workspace's other wasm32 builds over one set of artifacts.
export CARGO_TARGET_DIR="$TARGET_DIR"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='--cfg getrandom_backend="wasm_js" --cfg sha2_backend_soft="compact" -Zunstable-options -Cpanic=immediate-abort'
if ! rustup component list --installed --toolchain "$SIZE_NIGHTLY" 2>/dev/null | grep -q '^rust-src'; then
  echo "build-client: installing $SIZE_NIGHTLY (+ rust-src, wasm32) for the size-tuned std build" >&2
  rustup toolchain install "$SIZE_NIGHTLY" --profile minimal --target wasm32-unknown-unknown --component rust-src >&2
fi
cargo "+$SIZE_NIGHTLY" build -p oauth-edge-client --release --target wasm32-unknown-unknown \
  -Z build-std=std,panic_abort
WASM="$TARGET_DIR/wasm32-unknown-unknown/release/oauth_edge_client.wasm"

rm -rf "$PKG"
mkdir -p "$PKG/core" "$PKG/web/core"
wasm-bindgen --target bundler --out-dir "$PKG/core" --out-name oauth_edge "$WASM"
wasm-bindgen --target web --out-dir "$PKG/web/core" --out-name oauth_edge "$WASM"

# The features rustc 1.95 enables by default for wasm32-unknown-unknown. The producers and
# target-features custom sections are metadata no browser reads (~200 bytes gzip of the budget).
for f in "$PKG/core/oauth_edge_bg.wasm" "$PKG/web/core/oauth_edge_bg.wasm"; do
  # --converge repeats -Oz until it stops shrinking; --low-memory-unused (Rust's data and stack
  # live far above the first KiB) and --zero-filled-memory (the module's own, fresh memory) let it
  # fold more constants: together ~130 bytes gzip.
  "$WASM_OPT_BIN" -Oz --converge --low-memory-unused --zero-filled-memory \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-producers --strip-target-features "$f" -o "$f"
done

# The JS shell and the two entries (bundler at the root, plain ESM under web/).
JS="$ROOT/client-wasm/js"
cp "$JS/client.js" "$JS/client.d.ts" "$JS/index.js" "$JS/index.d.ts" "$PKG/"
cp "$JS/client.js" "$JS/client.d.ts" "$PKG/web/"
cp "$JS/web.js" "$PKG/web/index.js"
cp "$JS/web.d.ts" "$PKG/web/index.d.ts"

# What the browser loads is minified (readable sources: client-wasm/js/, and the .d.ts files).
find "$PKG" -name '*.js' -print0 | while IFS= read -r -d '' f; do
  "$ESBUILD_BIN" --minify --format=esm --legal-comments=none --log-level=warning "$f" --outfile="$f.min"
  mv "$f.min" "$f"
done

# The package's metadata is client-wasm/package.json (exports, files: scripts/check-package.sh
# checks them on the packed tarball); its version must be the workspace's (Cargo.toml).
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1)"
PKG_VERSION="$(node -p 'require(process.argv[1]).version' "$ROOT/client-wasm/package.json")"
if [ "$PKG_VERSION" != "$VERSION" ]; then
  echo "build-client: client-wasm/package.json has version $PKG_VERSION, Cargo.toml $VERSION: make them equal" >&2
  exit 1
fi
cp "$ROOT/client-wasm/package.json" "$PKG/package.json"
cp "$ROOT/client-wasm/README.md" "$PKG/README.md"

rm -rf "$VENDOR"
mkdir -p "$VENDOR"
cp -r "$PKG/web/." "$VENDOR/"
echo "build-client: $PKG and $VENDOR ready"
