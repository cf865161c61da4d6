#!/usr/bin/env bash
# The test command (README): Rust unit and integration tests, then the Python client and
# reference checks. Creates the Python virtualenv it needs on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aisle/target}"
VENV="${AISLE_TEST_VENV:-$HOME/.cache/aisle/venv-test}"

# Python side: moto (an S3-compatible server for the catalog tests), DuckDB/pyarrow (independent
# answers to compare with), and the PostgreSQL client libraries the wire tests drive.
req=tests/python/requirements.txt
stamp="$VENV/.requirements.sha"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$req"
  echo "$want" > "$stamp"
fi
export AISLE_TEST_VENV="$VENV"

# Rust: build the binary first so integration tests can start it.
cargo build --bins
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
cargo run -q -- docs functions --check

# Python: results compared with DuckDB, and the real client libraries.
export AISLE_BIN="$CARGO_TARGET_DIR/debug/aisle"
"$VENV/bin/python" -m pytest -q tests/python

# Scale-out on Ballista (feature `cluster`, docs/scale-out.md): a scheduler and two executors as
# processes. Ballista turns on extra arrow/DataFusion features, so this is a second build of the
# DataFusion tree in its own target directory (cached after the first run, like the main one).
# AISLE_CLUSTER_TESTS=0 skips it.
if [ "${AISLE_CLUSTER_TESTS:-1}" != 0 ]; then
  if command -v cargo-nextest >/dev/null 2>&1; then
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR-cluster" cargo nextest run --features cluster --test cluster --no-fail-fast
  else
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR-cluster" cargo test --features cluster --test cluster --no-fail-fast
  fi
fi

# cargo-fuzz targets, each for a bounded time; a crash, panic or hang fails. AISLE_FUZZ_SECONDS sets
# the time per target (default 30; 0 skips); AISLE_FUZZ_TARGETS picks targets (default both: the
# protocol front end, on the patched pgwire in vendor/pgwire, and the function options).
export AISLE_FUZZ_SECONDS="${AISLE_FUZZ_SECONDS:-30}"
if [ "$AISLE_FUZZ_SECONDS" != 0 ]; then
  # shellcheck disable=SC2086
  fuzz/run.sh ${AISLE_FUZZ_TARGETS:-options protocol}
fi
