#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser in shared/ and of the Worker's own request parsing in
# edge-worker/ (libFuzzer, on the pinned stable Rust): see fuzz/README.md.
#
#   scripts/fuzz.sh                    short run (CI): every target, 6 s each, two at a time
#   FUZZ_SECONDS=600 scripts/fuzz.sh   long run: 600 s per target
#   scripts/fuzz.sh callback form      only the named targets
#   FUZZ_SECONDS=0 scripts/fuzz.sh     build only (e.g. to run a reproducer, see fuzz/README.md)
#
# FUZZ_SECONDS  seconds per target (default 6; 0: build only)
# FUZZ_JOBS     targets fuzzed at once (default: the number of cores)
#
# Installs what is missing (the pinned toolchain, a C++ compiler for libFuzzer), builds the
# targets instrumented (fuzz/target, reused by the next run), then fuzzes each from its committed
# seeds (fuzz/corpus/<target>), the inputs of fixed crashes (fuzz/regressions/<target>) and what
# earlier runs on this machine found (fuzz/target/corpus/<target>). Exits non-zero when any target crashes, panics, times out or
# runs out of memory, printing the panic and the reproducer's path (fuzz/artifacts/<target>/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
SECONDS_EACH="${FUZZ_SECONDS:-6}"
JOBS="${FUZZ_JOBS:-$(nproc)}"
case "$SECONDS_EACH$JOBS" in *[!0-9]*) echo "FUZZ_SECONDS and FUZZ_JOBS must be numbers" >&2; exit 2 ;; esac
[ "$JOBS" -ge 1 ] || JOBS=1

# --- what the build needs ------------------------------------------------------------------------
command -v rustup >/dev/null || { echo "error: rustup is not installed (https://rustup.rs)" >&2; exit 1; }
CHANNEL="$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/rust-toolchain.toml")"
if ! rustup toolchain list | grep -q "^${CHANNEL}-"; then
  echo "installing: rust toolchain $CHANNEL (rust-toolchain.toml)"
  (cd "$ROOT" && rustup toolchain install)
fi
# libfuzzer-sys compiles libFuzzer's C++ sources with the system compiler.
if ! command -v c++ >/dev/null; then
  echo "installing: g++ (Debian; builds libFuzzer)"
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y g++
fi

# --- build ---------------------------------------------------------------------------------------
cd "$FUZZ"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
# What `cargo fuzz build --sanitizer none` passes, all of it stable rustc: SanitizerCoverage's
# module pass with libFuzzer's inline 8-bit counters, PC table and comparison tracing, plus
# debug assertions and overflow checks so that an arithmetic overflow is a crash. The explicit
# --target keeps these flags off build scripts and proc macros.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
-Cdebug-assertions -Coverflow-checks"
unset CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
build_start=$SECONDS
cargo build --release --target "$HOST" --bins
echo "built in $((SECONDS - build_start)) s"
BIN="$FUZZ/target/$HOST/release"
if [ "$SECONDS_EACH" = 0 ]; then
  echo "built the fuzz targets in $BIN (FUZZ_SECONDS=0: not fuzzing)"
  exit 0
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

# --- fuzz ----------------------------------------------------------------------------------------
RUN="$FUZZ/target/run"
rm -rf "$RUN"
mkdir -p "$RUN"
dict_for() {
  case "$1" in
    token_response | userinfo | registration | provider_config | stored_records | worker_config | \
      worker_body | worker_unseal) echo "$FUZZ/dict/json.dict" ;;
    *) echo "$FUZZ/dict/url.dict" ;;
  esac
}
fuzz_one() {
  local t="$1" rc=0
  [ -x "$BIN/$t" ] || { echo "no such target: $t" >"$RUN/$t.log"; echo 2 >"$RUN/$t.rc"; return; }
  mkdir -p "$FUZZ/target/corpus/$t" "$FUZZ/artifacts/$t" "$FUZZ/corpus/$t"
  # The first corpus directory is the one libFuzzer adds to; the committed seeds, and the inputs
  # of fixed crashes (fuzz/regressions/<target>), stay as they are and are run first.
  local dirs=("$FUZZ/target/corpus/$t" "$FUZZ/corpus/$t")
  [ -d "$FUZZ/regressions/$t" ] && dirs+=("$FUZZ/regressions/$t")
  "$BIN/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -dict="$(dict_for "$t")" -artifact_prefix="$FUZZ/artifacts/$t/" \
    "${dirs[@]}" >"$RUN/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$RUN/$t.rc"
}

echo "fuzzing ${#targets[@]} targets, ${SECONDS_EACH} s each, ${JOBS} at a time"
fuzz_start=$SECONDS
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  fuzz_one "$t" &
done
wait

failed=()
stat() { sed -n "s/^stat::$1: *//p" "$RUN/$2.log" | tail -n1; }
for t in "${targets[@]}"; do
  rc="$(cat "$RUN/$t.rc")"
  if [ "$rc" = 0 ]; then
    cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$RUN/$t.log" | tail -n1)"
    printf 'ok      %-16s %10s runs %8s exec/s  %s\n' "$t" "$(stat number_of_executed_units "$t")" \
      "$(stat average_exec_per_sec "$t")" "$cov"
  else
    failed+=("$t")
    echo "FAILED  $t (libFuzzer exit $rc); log: $RUN/$t.log"
    grep -E -A12 "panicked at|ERROR: libFuzzer|==ERROR|SUMMARY" "$RUN/$t.log" | head -n 40 | sed 's/^/    /'
    art="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$RUN/$t.log" | tail -n1)"
    if [ -n "$art" ]; then
      echo "    reproducer: $art"
      echo "    reproduce:  $BIN/$t $art"
    fi
  fi
done
echo "fuzzed ${#targets[@]} targets in $((SECONDS - fuzz_start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
