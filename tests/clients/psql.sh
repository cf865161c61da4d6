#!/usr/bin/env bash
# Client suite: psql meta-commands and queries against a running aisle server.
# Usage: AISLE_PORT=5433 AISLE_USER=admin AISLE_PASSWORD=... tests/clients/psql.sh
set -u
HOST=${AISLE_HOST:-127.0.0.1}
PORT=${AISLE_PORT:-5433}
export PGPASSWORD=${AISLE_PASSWORD:-admin-demo}
CONN="host=$HOST port=$PORT user=${AISLE_USER:-admin} dbname=aisle sslmode=${AISLE_SSLMODE:-disable}"
pass=0; fail=0
run() { # name expected-substring psql-args...
  local name=$1 want=$2; shift 2
  local out
  if out=$(psql -X -v ON_ERROR_STOP=1 "$CONN" "$@" 2>&1) && [[ $out == *"$want"* ]]; then
    pass=$((pass+1)); echo "ok      $name"
  else
    fail=$((fail+1)); echo "FAILED  $name"; echo "$out" | head -20
  fi
}
run_err() { # name expected-substring psql-args...: the command must fail and print the substring
  local name=$1 want=$2; shift 2
  local out
  if ! out=$(psql -X -v ON_ERROR_STOP=1 "$CONN" "$@" 2>&1) && [[ $out == *"$want"* ]]; then
    pass=$((pass+1)); echo "ok      $name"
  else
    fail=$((fail+1)); echo "FAILED  $name"; echo "$out" | head -20
  fi
}
run "select"        "1"            -Atc "SELECT 1"
run "version"       "PostgreSQL 16" -Atc "SELECT version()"
run "\\l"           "aisle"        -c '\l'
run "\\dn"          "public"       -c '\dn'
run "\\dt"          "List of"      -c '\dt'
run "\\dv"          ""             -c '\dv'
run "\\df"          "Schema"       -c '\df'
run "\\df lists aisle functions" "demand_rate, order_cost, holding_cost" -c '\df eoq'
run "\\df+ descriptions" "Economic order quantity" -c '\df+ eoq'
run "\\d+ column comments" "Location identifier" -c '\d+ stores'
run "\\dt+ table comments" "Every location of the chain" -c '\dt+ stores'
run "function descriptions" "Economic order quantity" -Atc "SELECT obj_description(p.oid, 'pg_proc') FROM pg_catalog.pg_proc p WHERE proname = 'eoq'"
run "information_schema types" "double precision" -Atc "SELECT data_type FROM information_schema.columns WHERE table_name = 'stores' AND column_name = 'latitude'"
run "\\conninfo"    "You are connected" -c '\conninfo'
run "FETCH_COUNT"   "999"          -v FETCH_COUNT=100 -Atc "SELECT value FROM range(1000)"
run_err "error code" "42P01"       -v VERBOSITY=verbose -c "SELECT * FROM no_such_table"
run "COPY TO STDOUT"  "$(printf '1\t\\N\ta\\tb')" -Atc "COPY (SELECT 1, CAST(NULL AS VARCHAR), 'a' || chr(9) || 'b') TO STDOUT"
run "COPY CSV HEADER" "store_id,"   -c "COPY (SELECT * FROM stores ORDER BY store_id LIMIT 3) TO STDOUT WITH (FORMAT csv, HEADER true)"
run "\\copy TO STDOUT" "$(printf '0\t0\n1\t2\n2\t4')" -c "\\copy (SELECT value, value * 2 FROM range(3)) TO STDOUT"
copy_file=$(mktemp)
run "\\copy to a file" "COPY 5"    -c "\\copy (SELECT value FROM range(5)) TO '$copy_file' CSV"
if [[ $(wc -l < "$copy_file") -eq 5 && $(tail -1 "$copy_file") == 4 ]]; then pass=$((pass+1)); echo "ok      \\copy file content"; else fail=$((fail+1)); echo "FAILED  \\copy file content"; cat "$copy_file"; fi
rm -f "$copy_file"
run_err "COPY TO a file refused" "0A000" -v VERBOSITY=verbose -c "COPY stores TO '/tmp/aisle-psql-copy.csv'"
if [[ ${AISLE_USER:-admin} == admin ]]; then
  PGPASSWORD=${AISLE_ANALYST_PASSWORD:-${AISLE_DEMO_PASSWORD:-analyst-demo}} CONN="host=$HOST port=$PORT user=analyst dbname=aisle sslmode=${AISLE_SSLMODE:-disable}" \
    run_err "COPY non-admin 42501" "42501" -v VERBOSITY=verbose -c "COPY (SELECT 1) TO STDOUT"
fi
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
