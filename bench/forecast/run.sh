#!/usr/bin/env bash
# Side-by-side forecasting benchmark: aisle vs statsforecast 2.1.1 on identical Parquet input,
# one run, same machine. Prints JSON lines into $OUT (aisle.jsonl, statsforecast.jsonl).
#
#   bench/forecast/run.sh            # both workloads
#   bench/forecast/run.sh ets        # 1,000 x 730: auto (AutoETS-class) with 80/95 intervals
#   bench/forecast/run.sh intermittent   # 10,000 x 730: CrostonSBA, TSB, SeasonalNaive
#
# Environment: PY (a python with ref/requirements.txt; default the project's reference venv),
# AISLE (default $CARGO_TARGET_DIR/release/aisle: build it with
# `cargo build --release --bin aisle`), DATA (generated input, default bench/forecast/data),
# OUT (results, default bench/forecast/results).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PY:-$HOME/.cache/aisle/venv-ref/bin/python}
AISLE=${AISLE:-${CARGO_TARGET_DIR:-$ROOT/target}/release/aisle}
DATA=${DATA:-$HERE/data}
OUT=${OUT:-$HERE/results}
WHAT=${1:-all}
mkdir -p "$DATA" "$OUT"
[ -x "$AISLE" ] || { echo "no aisle binary at $AISLE (cargo build --release --bin aisle)" >&2; exit 2; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

gen() { # series days
    local f="$DATA/demand_$1x$2.parquet"
    [ -f "$f" ] || "$PY" "$HERE/ref/gen_demand.py" --series "$1" --days "$2" --seed 42 --out "$f" >&2
    echo "$f"
}

if [ "$WHAT" = all ] || [ "$WHAT" = ets ]; then
    f=$(gen 1000 730)
    "$PY" "$HERE/aisle_run.py" --aisle "$AISLE" --data "$f" --label "auto 1000x730" \
        --options 'method=auto, season_length=7' --out "$DATA/aisle_auto_1000.parquet" | tee -a "$OUT/aisle.jsonl"
    "$PY" "$HERE/aisle_run.py" --aisle "$AISLE" --data "$f" --label "ets 1000x730" \
        --options 'method=ets, season_length=7' --out "$DATA/aisle_ets_1000.parquet" | tee -a "$OUT/aisle.jsonl"
    # statsforecast AutoETS: timed on the first 100 series (n_jobs 1 and 2), one full run for accuracy
    (cd "$HERE/ref" && "$PY" bench_statsforecast.py --data "$f" --models AutoETS \
        --timing-subset AutoETS=100 --n-jobs 1,2 --repeats 1 --out "$OUT/statsforecast.jsonl" \
        --save-forecasts "$DATA/sf_forecasts")
fi

if [ "$WHAT" = all ] || [ "$WHAT" = intermittent ]; then
    f=$(gen 10000 730)
    # statsforecast computes no intervals for these runs; aisle is asked for none either
    # (intervals=none); the _int rows keep the 80/95 % intervals for comparison
    for m in croston_sba:CrostonSBA tsb:TSB seasonal_naive:SeasonalNaive; do
        "$PY" "$HERE/aisle_run.py" --aisle "$AISLE" --data "$f" --label "${m%%:*} 10000x730" \
            --options "method=${m%%:*}, season_length=7, intervals=none" --levels '' \
            --out "$DATA/aisle_${m%%:*}_10000.parquet" | tee -a "$OUT/aisle.jsonl"
        "$PY" "$HERE/aisle_run.py" --aisle "$AISLE" --data "$f" --label "${m%%:*} 10000x730 with intervals" \
            --options "method=${m%%:*}, season_length=7" --levels '80,95' \
            --out "$DATA/aisle_${m%%:*}_10000_int.parquet" | tee -a "$OUT/aisle.jsonl"
        # statsforecast's whole job in one process: read, split, forecast (n_jobs 1)
        "$PY" "$HERE/sf_e2e.py" --data "$f" --model "${m##*:}" --n-jobs 1 | tee -a "$OUT/statsforecast.jsonl"
    done
    # statsforecast's forecast() call alone (the kernel)
    (cd "$HERE/ref" && "$PY" bench_statsforecast.py --data "$f" --models CrostonSBA,TSB,SeasonalNaive \
        --n-jobs 1,2 --repeats 3 --out "$OUT/statsforecast.jsonl" --save-forecasts "")
fi
