#!/usr/bin/env python3
"""M5-shaped end-to-end run: ~30,000 daily series x 1,941 days forecast through SQL over the
PostgreSQL wire protocol, with wall time and the server's peak memory.

1. Generates the input once with ref/gen_demand.py (--series 30000 --days 1941, seed 42).
2. Starts `aisle serve` on a one-table catalog over that Parquet, on a free loopback port, with
   a config file holding one admin user whose SCRAM verifier comes from `aisle passwd`.
3. Runs, with psycopg 3 over the wire, the forecast of every series (h = 28, method auto,
   80/95 % intervals), fetching every row (~840,000) in a server-side cursor.
4. Reports wall time of the query (first byte to last row), rows, series/s, the server's CPU
   seconds for the query (on a shared machine wall time says little; CPU / cores is the wall
   time on idle cores) and its peak resident memory (VmHWM from /proc/PID/status) as one
   JSON line.

    python m5_wire.py --aisle target/release/aisle --data bench/forecast/data
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from aisle_run import catalog_for  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


SQL = """
SELECT unique_id, f['ds'] AS ds, f['yhat'] AS yhat, f['yhat_lo_80'] AS yhat_lo_80,
       f['yhat_hi_80'] AS yhat_hi_80, f['yhat_lo_95'] AS yhat_lo_95, f['yhat_hi_95'] AS yhat_hi_95,
       f['model'] AS model
FROM (
  SELECT unnest(array_repeat(unique_id, array_length(fc))) AS unique_id, unnest(fc) AS f
  FROM (SELECT unique_id, forecast(ds, y, 28, '{options}') AS fc FROM demand{where} GROUP BY unique_id)
)"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aisle", required=True)
    ap.add_argument("--data", default=os.path.join(HERE, "data"), help="folder for the generated input")
    ap.add_argument("--series", type=int, default=30000)
    ap.add_argument("--days", type=int, default=1941)
    ap.add_argument("--options", default="method=auto, season_length=7")
    ap.add_argument("--history", type=int, default=0,
                    help="read only the last N days in SQL (WHERE ds > last day - N; for this data "
                         "the same forecasts as the option max_history=N, and less to read)")
    args = ap.parse_args()
    import psycopg

    os.makedirs(args.data, exist_ok=True)
    data = os.path.join(args.data, f"demand_{args.series}x{args.days}.parquet")
    if not os.path.exists(data):
        subprocess.run([sys.executable, os.path.join(HERE, "ref", "gen_demand.py"), "--series",
                        str(args.series), "--days", str(args.days), "--seed", "42", "--out", data],
                       check=True)
    where = ""
    if args.history:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        last = pc.max(pq.read_table(data, columns=["ds"])["ds"]).as_py()
        where = f" WHERE ds > DATE '{last.isoformat()}' - INTERVAL '{args.history} days'"
    with tempfile.TemporaryDirectory() as tmp:
        cat = catalog_for(data, tmp)
        port = free_port()
        user = subprocess.run([args.aisle, "passwd", "--user", "admin", "--log", "warn"],
                              input="bench-password", capture_output=True, text=True, check=True).stdout
        user = user.replace("roles = []", 'roles = ["admin"]')
        config = os.path.join(tmp, "aisle.toml")
        with open(config, "w") as f:
            f.write("[server]\n" + user)
        server = subprocess.Popen(
            [args.aisle, "serve", "--config", config, "--catalog", cat, "--listen",
             f"127.0.0.1:{port}", "--log", "warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            dsn = f"postgresql://admin:bench-password@127.0.0.1:{port}/aisle?sslmode=disable"
            deadline = time.time() + 60
            while True:
                try:
                    conn = psycopg.connect(dsn)
                    break
                except psycopg.OperationalError:
                    if server.poll() is not None or time.time() > deadline:
                        sys.exit(f"server did not start:\n{server.stderr.read()[-3000:]}")
                    time.sleep(0.5)
            idle_mib = vm_hwm_mib(server.pid)
            cpu0 = cpu_s(server.pid)
            load0 = open("/proc/loadavg").read().split()[:3]
            rows, models = 0, {}
            t0 = time.perf_counter()
            with conn.cursor(name="fc") as cur:  # server-side cursor: rows stream
                cur.itersize = 10000
                cur.execute(SQL.format(options=args.options, where=where))
                first = None
                for rec in cur:
                    if first is None:
                        first = time.perf_counter() - t0
                    rows += 1
                    if rows % 28 == 1:
                        fam = rec[7].split("(")[0]
                        models[fam] = models.get(fam, 0) + 1
            wall = time.perf_counter() - t0
            conn.close()
            peak = vm_hwm_mib(server.pid)
            server_cpu = cpu_s(server.pid) - cpu0
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps({
        "run": f"M5-shaped {args.series}x{args.days} over the wire",
        "options": args.options,
        "history": args.history,
        "rows": rows,
        "series": rows // 28,
        "wall_s": round(wall, 2),
        "first_row_s": round(first or float("nan"), 2),
        "series_per_s": round(rows / 28 / wall, 1),
        "server_cpu_s": round(server_cpu, 1),
        "server_peak_rss_mib": round(peak, 1),
        "server_idle_rss_mib": round(idle_mib, 1),
        "models": models,
        "cores": os.cpu_count(),
        "load_before": load0,
        "load_after": open("/proc/loadavg").read().split()[:3],
    }))


if __name__ == "__main__":
    main()
