#!/usr/bin/env bash
# Overhead of `--cluster` versus local mode (docs/scale-out.md, "Overhead versus local mode").
#
# The same aisle binary (built with --features cluster) and the same data directory: each query
# runs as `aisle query` locally and with `--cluster` against a scheduler and two executors
# started here on 127.0.0.1 (same machine, so this is the cost of distribution itself: job
# submission, stage planning, shuffles, Arrow Flight), best of N wall times per query.
#
#   BIN=path/to/aisle DATA=path/to/demo-data [N=3] [OUT=dir] bench/cluster/overhead.sh
set -u
BIN=${BIN:?aisle binary built with --features cluster}
DATA=${DATA:?demo data directory, e.g. aisle generate --scale 10}
N=${N:-3}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
P=$((20000 + RANDOM % 20000))
"$BIN" scheduler --bind 127.0.0.1:$P > "$OUT/sched.log" 2>&1 &
S=$!
E=()
for i in 0 1; do
  F=$((P + 10 + i * 10))
  "$BIN" executor --scheduler df://127.0.0.1:$P --bind 127.0.0.1:$F --grpc-port $((F + 1)) \
    --memory-pool 4GiB --concurrent-tasks 1 --work-dir "$OUT/work$i" > "$OUT/exec$i.log" 2>&1 &
  E+=($!)
done
trap 'kill ${E[*]} $S 2>/dev/null; wait 2>/dev/null' EXIT
for i in 0 1; do
  for _ in $(seq 300); do grep -q "registration succeed" "$OUT/exec$i.log" 2>/dev/null && break; sleep 0.2; done
done
best() { # mode sql -> best wall seconds; the result rows go to $OUT/<mode>.csv
  local b=999999 s e
  for _ in $(seq "$N"); do
    s=$(date +%s.%N)
    if [ "$1" = local ]; then
      "$BIN" query --data-dir "$DATA" --target-partitions 2 --format csv "$2" > "$OUT/local.csv" 2> "$OUT/err.txt" || cat "$OUT/err.txt" >&2
    else
      "$BIN" query --data-dir "$DATA" --target-partitions 2 --cluster df://127.0.0.1:$P --format csv "$2" > "$OUT/cluster.csv" 2> "$OUT/err.txt" || cat "$OUT/err.txt" >&2
    fi
    e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{print ($1 < b) ? $1 : b}')
  done
  printf "%.2f" "$b"
}
echo "| local s | cluster s | cluster / local | same rows | query |"
echo "| --- | --- | --- | --- | --- |"
while IFS= read -r q; do
  [ -z "$q" ] && continue
  l=$(best local "$q"); c=$(best cluster "$q")
  same=$(cmp -s <(sort "$OUT/local.csv") <(sort "$OUT/cluster.csv") && echo yes || echo "no (see $OUT)")
  echo "| $l | $c | $(echo "$c / $l" | bc -l | xargs printf '%.2f') | $same | \`$q\` |"
done <<'Q'
SELECT 1
SELECT channel, count(*) AS n, round(sum(net_amount), 2) AS amount FROM sales_lines GROUP BY channel
SELECT s.region_id, p.category, sum(d.units) AS units FROM daily_sales d JOIN stores s USING (store_id) JOIN products p USING (sku_id) WHERE d.month >= '2024-06' GROUP BY 1, 2 ORDER BY units DESC LIMIT 10
SELECT count(*) AS n, sum(array_length(f)) AS points FROM (SELECT sku_id, store_id, forecast(date, units, 28) AS f FROM daily_sales WHERE sku_id % 20 = 1 GROUP BY sku_id, store_id)
SELECT value_segment, count(*) AS customers, round(sum(clv_12m), 0) AS clv_12m FROM customer_value GROUP BY 1
SELECT count(*) AS n, round(sum(recommended_qty), 0) AS qty FROM replenishment_recommendations
Q
