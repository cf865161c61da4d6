#!/usr/bin/env python3
"""Wire benchmark: aisle vs PostgreSQL 15 on the same data, with psycopg 3 (not a test).

Starts both servers on 127.0.0.1 (PostgreSQL from Debian's postgresql-15 in a temporary
directory, as the `postgres` user when run as root), loads into PostgreSQL the rows aisle serves,
then measures
  1. fetch of 1M rows x 8 columns (sales_lines: bigint, timestamp, date, int, text, int,
     float8, float8) in text and in binary format: wall time and peak server RSS while fetching
     - "wire": libpq collects the raw result (no Python objects: the server and the protocol),
     - "rows": psycopg turns it into Python tuples (what an application sees);
  2. 32 clients x 200 short queries (a point lookup on stores by primary key, with a parameter):
     throughput.
Peak RSS is sampled every 5 ms from /proc: the aisle process, and PostgreSQL's backend process
of the fetching connection (`pg_backend_pid()`; it counts the shared buffers it touched).

Every aisle statement is appended to the audit log; with the default `fsync = "commit"` a
statement's answer waits for that fsync. `--aisle-config` runs aisle with another configuration
(e.g. `[governance.audit] fsync = "interval"`) to show that cost.

Usage (from the repository root; the demo data must exist, e.g. `aisle generate --scale 1`):
  nice -n 10 python3 bench/wire/bench.py --aisle /work/scratch/wire-aisle --data ./aisle-data
Prints a Markdown table and writes JSON to --out.
"""
import argparse
import json
import os
import platform
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
from psycopg import pq

PASSWORD = "bench-pw"
COLUMNS = "line_id, ts, date, store_id, channel, sku_id, unit_price, net_amount"
PG_DDL = """CREATE TABLE sales_lines (line_id bigint NOT NULL, ts timestamp NOT NULL,
 date date NOT NULL, store_id integer NOT NULL, channel text NOT NULL, sku_id integer NOT NULL,
 unit_price double precision NOT NULL, net_amount double precision NOT NULL);
CREATE TABLE stores (store_id integer PRIMARY KEY, name text, region_id integer, format text,
 opened_date date, latitude double precision, longitude double precision, size_sqm integer,
 serving_dc_id integer);"""
POINT = "SELECT name, region_id, format FROM stores WHERE store_id = %s"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_ready(dsn, proc, what, timeout=600):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            psycopg.connect(dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.3)
    sys.exit(f"{what} did not start in {timeout}s")


def rss_kib(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return 0
    return 0


class PeakRss:
    """Samples VmRSS of `pid` every 5 ms while active."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.base = rss_kib(pid)

    def __enter__(self):
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()
        return self

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join()
        self.peak = max(self.peak, rss_kib(self.pid))


def start_postgres(pg_bin, port, workdir):
    """initdb + postgres on 127.0.0.1:port as a non-root user; returns the process."""
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pw = pwd.getpwnam(user)
        os.chown(workdir, pw.pw_uid, pw.pw_gid)
    data = os.path.join(workdir, "pgdata")
    pwfile = os.path.join(workdir, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD)
    if user:
        os.chown(pwfile, pwd.getpwnam(user).pw_uid, -1)
    run_as = ["runuser", "-u", user, "--"] if user else []
    subprocess.run(run_as + [f"{pg_bin}/initdb", "-D", data, "-U", "bench", "--pwfile", pwfile,
                             "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True)
    log = open(os.path.join(workdir, "pg.log"), "w")
    proc = subprocess.Popen(
        run_as + [f"{pg_bin}/postgres", "-D", data, "-p", str(port), "-c", "listen_addresses=127.0.0.1",
                  "-c", f"unix_socket_directories={workdir}", "-c", "max_connections=100",
                  "-c", "fsync=off"],
        stdout=log, stderr=subprocess.STDOUT)
    return proc


def start_aisle(binary, data, port, workdir, config=None):
    env = dict(os.environ, AISLE_DEMO_PASSWORD=PASSWORD)
    log = open(os.path.join(workdir, "aisle.log"), "w")
    extra = ["--config", os.path.abspath(config)] if config else []
    return subprocess.Popen([binary, "serve", "--demo", "--data-dir", data, "--listen", f"127.0.0.1:{port}"] + extra,
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)


def load_postgres(aisle_dsn, pg_dsn, rows):
    """Copy the rows aisle serves into PostgreSQL (read with a binary cursor, COPY FROM STDIN)."""
    with psycopg.connect(aisle_dsn) as src, psycopg.connect(pg_dsn, autocommit=True) as dst:
        dst.execute(PG_DDL)
        for table, query in [
            ("sales_lines", f"SELECT {COLUMNS} FROM sales_lines WHERE line_id <= {rows}"),
            ("stores", "SELECT store_id, name, region_id, format, opened_date, latitude, longitude, "
                       "size_sqm, serving_dc_id FROM stores"),
        ]:
            with src.cursor(binary=True) as cin, dst.cursor().copy(f"COPY {table} FROM STDIN") as cout:
                cin.execute(query)
                while batch := cin.fetchmany(50_000):
                    for row in batch:
                        cout.write_row(row)
        dst.execute("VACUUM ANALYZE")
        n = dst.execute("SELECT count(*) FROM sales_lines").fetchone()[0]
        assert n == rows, n


def fetch_wire(dsn, sql, binary, server_pid_of):
    """libpq only: send the query, collect the raw result. Returns (seconds, rows, peak KiB, base KiB)."""
    with psycopg.connect(dsn) as conn:
        pid = server_pid_of(conn)
        pgconn = conn.pgconn
        with PeakRss(pid) as rss:
            t0 = time.perf_counter()
            pgconn.send_query_params(sql.encode(), None, result_format=1 if binary else 0)
            n = 0
            while (res := pgconn.get_result()) is not None:
                if res.status == pq.ExecStatus.TUPLES_OK:
                    n += res.ntuples
                elif res.status != pq.ExecStatus.COMMAND_OK:
                    raise RuntimeError(res.error_message)
            dt = time.perf_counter() - t0
        return dt, n, rss.peak, rss.base


def fetch_rows(dsn, sql, binary, server_pid_of):
    """psycopg: rows as Python tuples (fetchall)."""
    with psycopg.connect(dsn) as conn:
        pid = server_pid_of(conn)
        with PeakRss(pid) as rss:
            t0 = time.perf_counter()
            with conn.cursor(binary=binary) as cur:
                cur.execute(sql)
                n = len(cur.fetchall())
            dt = time.perf_counter() - t0
        return dt, n, rss.peak, rss.base


def short_queries(dsn, clients, per_client, store_ids):
    conns = [psycopg.connect(dsn, autocommit=True) for _ in range(clients)]
    for c in conns:  # warm: first statements, plan caches
        for sid in store_ids[:6]:
            c.execute(POINT, (sid,)).fetchone()
    errors = []
    barrier = threading.Barrier(clients + 1)

    def work(i, c):
        barrier.wait()
        try:
            for k in range(per_client):
                sid = store_ids[(i * per_client + k) % len(store_ids)]
                row = c.execute(POINT, (sid,)).fetchone()
                assert row is not None
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(conns)]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ts:
        t.join()
    dt = time.perf_counter() - t0
    for c in conns:
        c.close()
    if errors:
        raise errors[0]
    return clients * per_client / dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aisle", required=True, help="aisle binary (release)")
    ap.add_argument("--data", required=True, help="demo data directory (aisle generate --scale 1)")
    ap.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", default="bench-wire.json")
    ap.add_argument("--aisle-config", help="aisle config file, e.g. [governance.audit] fsync = \"interval\"")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="aisle-wire-bench-")
    os.chmod(work, 0o755)
    pg_port, aisle_port = free_port(), free_port()
    pg = start_postgres(a.pg_bin, pg_port, work)
    srv = start_aisle(os.path.abspath(a.aisle), os.path.abspath(a.data), aisle_port, work, a.aisle_config)
    pg_dsn = f"host=127.0.0.1 port={pg_port} user=bench password={PASSWORD} dbname=postgres sslmode=disable"
    aisle_dsn = f"host=127.0.0.1 port={aisle_port} user=admin password={PASSWORD} dbname=aisle sslmode=disable"
    results = {"aisle_config": open(a.aisle_config).read() if a.aisle_config else "default", "machine": f"{platform.node()} {os.cpu_count()} cores, {platform.platform()}",
               "rows": a.rows, "fetch": [], "short": []}
    try:
        wait_ready(pg_dsn, pg, "postgres")
        wait_ready(aisle_dsn, srv, "aisle")
        with psycopg.connect(pg_dsn) as c:
            results["postgres_version"] = c.execute("SELECT version()").fetchone()[0]
        print("loading PostgreSQL ...", flush=True)
        load_postgres(aisle_dsn, pg_dsn, a.rows)
        with psycopg.connect(aisle_dsn) as c:
            store_ids = [r[0] for r in c.execute("SELECT store_id FROM stores ORDER BY 1").fetchall()]

        servers = {
            "postgres": (pg_dsn, f"SELECT {COLUMNS} FROM sales_lines",
                         lambda conn: conn.execute("SELECT pg_backend_pid()").fetchone()[0]),
            "aisle": (aisle_dsn, f"SELECT {COLUMNS} FROM sales_lines WHERE line_id <= {a.rows}",
                      lambda conn: srv.pid),
        }
        for mode, fn in (("wire", fetch_wire), ("rows", fetch_rows)):
            for binary in (False, True):
                for name, (dsn, sql, pid_of) in servers.items():
                    fn(dsn, sql, binary, pid_of)  # warm-up (page cache, plan)
                    runs = [fn(dsn, sql, binary, pid_of) for _ in range(a.repeat)]
                    for r in runs:
                        assert r[1] == a.rows, r
                    rec = {"server": name, "mode": mode, "format": "binary" if binary else "text",
                           "seconds": [round(r[0], 3) for r in runs],
                           "median_s": round(statistics.median(r[0] for r in runs), 3),
                           "peak_rss_mib": round(max(r[2] for r in runs) / 1024, 1),
                           "rss_growth_mib": round(max(r[2] - r[3] for r in runs) / 1024, 1)}
                    results["fetch"].append(rec)
                    print(json.dumps(rec), flush=True)
        for name, (dsn, _, _) in servers.items():
            short_queries(dsn, a.clients, 20, store_ids)  # warm-up
            qps = [short_queries(dsn, a.clients, a.queries, store_ids) for _ in range(a.repeat)]
            rec = {"server": name, "clients": a.clients, "queries_per_client": a.queries,
                   "qps": [round(q) for q in qps], "median_qps": round(statistics.median(qps))}
            results["short"].append(rec)
            print(json.dumps(rec), flush=True)
        results["aisle_rss_end_mib"] = round(rss_kib(srv.pid) / 1024, 1)
        results["aisle_hwm_mib"] = round(rss_kib(srv.pid, "VmHWM") / 1024, 1)
    finally:
        srv.terminate()
        pg.terminate()
        srv.wait(30)
        pg.wait(30)
        shutil.rmtree(work, ignore_errors=True)

    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    print_table(results)


def print_table(r):
    f = {(x["server"], x["mode"], x["format"]): x for x in r["fetch"]}
    print(f"\n{r['rows']:,} rows x 8 columns, median of runs; ratio = aisle time / PostgreSQL time\n")
    print("| fetch | PostgreSQL s | aisle s | ratio | PG backend peak RSS MiB | aisle peak RSS MiB (growth) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for mode in ("wire", "rows"):
        for fmt in ("text", "binary"):
            p, s = f[("postgres", mode, fmt)], f[("aisle", mode, fmt)]
            print(f"| {mode}, {fmt} | {p['median_s']} | {s['median_s']} | {s['median_s'] / p['median_s']:.2f} "
                  f"| {p['peak_rss_mib']} | {s['peak_rss_mib']} (+{s['rss_growth_mib']}) |")
    q = {x["server"]: x for x in r["short"]}
    p, s = q["postgres"], q["aisle"]
    print(f"\n| {p['clients']} clients x {p['queries_per_client']} point queries | PostgreSQL q/s | aisle q/s | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| median of runs | {p['median_qps']} | {s['median_qps']} | {s['median_qps'] / p['median_qps']:.2f} |")


if __name__ == "__main__":
    main()
