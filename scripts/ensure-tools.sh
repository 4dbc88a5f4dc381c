#!/usr/bin/env bash
# Install the tools the build and the tests need, each only when the right version is missing.
# Idempotent: a second run prints "ok: ..." for every step and installs nothing.
#
#   scripts/ensure-tools.sh           install what is missing
#   scripts/ensure-tools.sh --check   install nothing; exit 1 if something is missing
#
# Steps: pinned Rust toolchain + wasm32 target, the pinned nightly of the browser build, wasm-bindgen-cli 0.2.130, worker-build 0.8.7,
# Chromium + ChromeDriver (Debian), npm packages (npm ci). Versions: see shared/TOOLCHAIN.md.
# Cold cost on 2 cores: wasm-bindgen-cli ~3.5 min, worker-build ~6 min, Chromium ~1 min, npm ~1 min.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130
WORKER_BUILD_VERSION=0.8.7
WASM_TARGET=wasm32-unknown-unknown

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

CHECK_ONLY=0
case "${1:-}" in
  --check) CHECK_ONLY=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing=0
ok() { echo "ok: $*"; }
# install "what" cmd...: run cmd (or, with --check, only report it missing)
install() {
  local what="$1"; shift
  if [ "$CHECK_ONLY" = 1 ]; then
    echo "missing: $what"
    missing=1
    return 0
  fi
  echo "installing: $what"
  "$@"
}

SUDO=()
if [ "$(id -u)" != 0 ]; then SUDO=(sudo); fi

# --- Rust toolchain from rust-toolchain.toml, with the wasm32 target -----------------------------
command -v rustup >/dev/null || { echo "error: rustup is not installed (https://rustup.rs)" >&2; exit 1; }
CHANNEL="$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' rust-toolchain.toml)"
[ -n "$CHANNEL" ] || { echo "error: no channel in rust-toolchain.toml" >&2; exit 1; }
if rustup toolchain list | grep -q "^${CHANNEL}-"; then
  ok "rust toolchain $CHANNEL"
else
  # with no argument, rustup installs the toolchain (targets, components) named by rust-toolchain.toml
  install "rust toolchain $CHANNEL (rust-toolchain.toml)" rustup toolchain install
fi
if rustup target list --installed --toolchain "$CHANNEL" 2>/dev/null | grep -qx "$WASM_TARGET"; then
  ok "rust target $WASM_TARGET ($CHANNEL)"
else
  install "rust target $WASM_TARGET ($CHANNEL)" rustup target add --toolchain "$CHANNEL" "$WASM_TARGET"
fi

# --- the pinned nightly that builds the browser package's wasm -------------------------------------
# Only for scripts/build-client.sh: it rebuilds std with `-Cpanic=immediate-abort`, which drops the
# panic and formatting machinery (~5.6 KB of the 12 KB gzip budget, issue 9). Everything else,
# tests included, builds on the stable channel above. ~20 s to install.
SIZE_NIGHTLY="$(sed -n 's/^SIZE_NIGHTLY=\(.*\)$/\1/p' scripts/build-client.sh)"
if rustup target list --installed --toolchain "$SIZE_NIGHTLY" 2>/dev/null | grep -qx "$WASM_TARGET" &&
   rustup component list --installed --toolchain "$SIZE_NIGHTLY" 2>/dev/null | grep -q '^rust-src'; then
  ok "rust toolchain $SIZE_NIGHTLY + rust-src + $WASM_TARGET (browser package build)"
else
  install "rust toolchain $SIZE_NIGHTLY + rust-src + $WASM_TARGET (browser package build)" \
    rustup toolchain install "$SIZE_NIGHTLY" --profile minimal --target "$WASM_TARGET" --component rust-src
fi

# --- wasm-bindgen-cli (must equal the wasm-bindgen pin in Cargo.lock) ------------------------------
# No --locked: its lockfile wants a webpki-roots version the registry lacks.
have_wbg="$(command -v wasm-bindgen >/dev/null && wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_wbg" = "$WASM_BINDGEN_VERSION" ]; then
  ok "wasm-bindgen $WASM_BINDGEN_VERSION"
else
  install "wasm-bindgen-cli $WASM_BINDGEN_VERSION (had: ${have_wbg:-none}; ~3.5 min)" \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# --- worker-build ----------------------------------------------------------------------------------
have_wb=""
if command -v worker-build >/dev/null; then
  have_wb="$(cargo install --list 2>/dev/null | sed -n 's/^worker-build v\([^:]*\):$/\1/p')"
  if [ -z "$have_wb" ]; then
    have_wb="$(worker-build --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true)"
  fi
fi
if [ "$have_wb" = "$WORKER_BUILD_VERSION" ]; then
  ok "worker-build $WORKER_BUILD_VERSION"
else
  install "worker-build $WORKER_BUILD_VERSION (had: ${have_wb:-none}; ~6 min)" \
    cargo install --locked worker-build --version "$WORKER_BUILD_VERSION"
fi

# --- Chromium + ChromeDriver (Debian packages) -----------------------------------------------------
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  ok "chromium + chromedriver ($(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
else
  apt_install() {
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  }
  install "chromium chromium-driver (apt; ~1 min)" apt_install
fi

# --- npm packages (wrangler, miniflare, oidc-provider, playwright-core, binaryen, esbuild) ---------
command -v npm >/dev/null || { echo "error: npm is not installed (Node >= 20.3 needed)" >&2; exit 1; }
stamp=node_modules/.package-lock.json # npm rewrites it on every install
if [ -d node_modules ] && [ -f "$stamp" ] && ! [ package-lock.json -nt "$stamp" ]; then
  ok "node_modules (node $(node --version))"
else
  install "node_modules (npm ci)" npm ci --no-audit --no-fund
fi
if [ "$CHECK_ONLY" = 0 ] || [ -d node_modules ]; then
  if [ -x node_modules/binaryen/bin/wasm-opt ] && [ -x node_modules/@esbuild/linux-x64/bin/esbuild ]; then
    ok "wasm-opt $(node_modules/binaryen/bin/wasm-opt --version | awk '{print $3}') + esbuild $(node_modules/@esbuild/linux-x64/bin/esbuild --version) in node_modules"
  else
    echo "error: node_modules lacks binaryen's wasm-opt or esbuild's binary (try: rm -rf node_modules && npm ci)" >&2
    exit 1
  fi
fi

if [ "$missing" = 1 ]; then
  echo "some tools are missing: run scripts/ensure-tools.sh" >&2
  exit 1
fi
