#!/usr/bin/env bash
# Run the client suites against the real `aisle` binary on 127.0.0.1.
# Usage: tests/clients/run.sh [path/to/aisle]   (default: $CARGO_TARGET_DIR/debug/aisle)
# Starts `aisle serve --demo` on a free port with AISLE_DEMO_PASSWORD, runs psql, Python
# (psycopg, psycopg2, SQLAlchemy, pandas, asyncpg), pgjdbc and node-postgres suites where installed,
# then stops the server with SIGTERM.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-${CARGO_TARGET_DIR:-target}/debug/aisle}
PORT=${AISLE_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
export AISLE_PORT=$PORT AISLE_USER=admin AISLE_PASSWORD=${AISLE_DEMO_PASSWORD:-client-suite-pw}
export AISLE_DEMO_PASSWORD=$AISLE_PASSWORD
DATA=${AISLE_DATA_DIR:-$(mktemp -d)}
# A self-signed certificate for 127.0.0.1/localhost: TLS checks use sslmode=require and
# verify-full against it.
CERTS=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTS/key.pem" -out "$CERTS/cert.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
export AISLE_TLS_CERT=$CERTS/cert.pem
# Another self-signed certificate for the same names: verify-full against it must be refused.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTS/other-key.pem" -out "$CERTS/other.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
export AISLE_TLS_OTHER_CERT=$CERTS/other.pem
"$BIN" serve --demo --data-dir "$DATA" --listen "127.0.0.1:$PORT" \
  --tls-cert "$CERTS/cert.pem" --tls-key "$CERTS/key.pem" > /tmp/aisle-client-suite.log 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$CERTS"' EXIT
for _ in $(seq 1 600); do
  if PGPASSWORD=$AISLE_PASSWORD psql -X "host=127.0.0.1 port=$PORT user=admin dbname=aisle sslmode=disable" -Atc "SELECT 1" >/dev/null 2>&1; then break; fi
  kill -0 $PID 2>/dev/null || { echo "server died:"; cat /tmp/aisle-client-suite.log; exit 1; }
  sleep 0.5
done
status=0
"$HERE/psql.sh" || status=1
python3 "$HERE/python_clients.py" || status=1
# pgjdbc (Debian's libpostgresql-jdbc-java) with a JDK: a single-file Java program, no build step.
JDBC_JAR=${AISLE_JDBC_JAR:-/usr/share/java/postgresql.jar}
if command -v java >/dev/null && [ -f "$JDBC_JAR" ]; then
  java -cp "$JDBC_JAR" "$HERE/JdbcSuite.java" || status=1
else
  echo "skipped pgjdbc: needs java and $JDBC_JAR (apt install default-jdk-headless libpostgresql-jdbc-java)"
fi
if command -v node >/dev/null; then
  NODE_DIR=${AISLE_NODE_DIR:-/tmp/aisle-node-clients}
  if [ ! -d "$NODE_DIR/node_modules/pg" ]; then mkdir -p "$NODE_DIR" && (cd "$NODE_DIR" && npm install --silent pg >/dev/null 2>&1); fi
  NODE_PATH="$NODE_DIR/node_modules" node "$HERE/node_pg.js" || status=1
fi
exit $status
