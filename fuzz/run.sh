#!/usr/bin/env bash
# Build the cargo-fuzz targets and run each for a bounded time; exit non-zero on a crash, a panic,
# a hang (-timeout) or a target that does not start. Used by CI (scripts/test.sh) in its short
# form; the long form is one variable away:
#
#   fuzz/run.sh                                    # every target, 60 s each (AISLE_FUZZ_SECONDS)
#   AISLE_FUZZ_SECONDS=3600 fuzz/run.sh protocol   # one target for an hour
#
# Toolchain: stable with RUSTC_BOOTSTRAP=1 and no sanitizer (libFuzzer's coverage
# instrumentation needs no nightly-only flag then); +nightly only when stable cannot build it and
# a nightly is installed. The instrumented build lives in its own target directory
# ($AISLE_FUZZ_TARGET_DIR, default ~/.cache/aisle/fuzz-target) so it is built once and reused.
# New corpus entries go to a scratch directory, never into fuzz/corpus (the committed seeds).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${AISLE_FUZZ_SECONDS:-60}"
TARGET_DIR="${AISLE_FUZZ_TARGET_DIR:-$HOME/.cache/aisle/fuzz-target}"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(protocol options)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

FLAGS=(-s none -a --codegen-units 16 --target-dir "$TARGET_DIR")
TOOLCHAIN=()
export RUSTC_BOOTSTRAP=1
buildlog=$(mktemp)
if ! nice -n 10 cargo fuzz build "${FLAGS[@]}" 2>&1 | tee "$buildlog"; then
  # Only a toolchain refusal (a nightly-only flag) is worth a +nightly build: that one is cold
  # (hours on a small machine). A compile error in the code fails here, as it would on nightly.
  if grep -qiE 'only accepted on the nightly|requires a nightly|nightly compiler|-Z .*unstable' "$buildlog" &&
    rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: stable refused a nightly-only flag; trying +nightly" >&2
    TOOLCHAIN=(+nightly)
    nice -n 10 cargo "${TOOLCHAIN[@]}" fuzz build "${FLAGS[@]}"
  else
    rm -f "$buildlog"
    echo "fuzz: the build failed (see above)" >&2
    exit 1
  fi
fi
rm -f "$buildlog"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$scratch/$t" "$scratch/artifacts-$t"
  echo "fuzz: $t for ${SECONDS_EACH}s"
  # -timeout: one input running longer than 30 s is a hang; -rss_limit_mb: 4 GiB is a leak.
  set +e
  nice -n 10 cargo "${TOOLCHAIN[@]}" fuzz run "${FLAGS[@]}" "$t" "$scratch/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$scratch/artifacts-$t/" >"$scratch/$t.log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+ +(INITED|DONE)|Done |stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added))' \
    "$scratch/$t.log" || true
  if [ "$rc" != 0 ] || ! grep -q '^Done ' "$scratch/$t.log"; then
    echo "fuzz: $t FAILED; the end of its log:" >&2
    tail -60 "$scratch/$t.log" >&2
    mkdir -p fuzz/artifacts/$t
    cp "$scratch/artifacts-$t"/* fuzz/artifacts/$t/ 2>/dev/null || true
    echo "fuzz: reproducers (if any) copied to fuzz/artifacts/$t/; replay one with" >&2
    echo "  RUSTC_BOOTSTRAP=1 cargo fuzz run ${FLAGS[*]} $t fuzz/artifacts/$t/<file>" >&2
    status=1
  fi
done
exit $status
