#!/usr/bin/env python3
"""aisle's side of the forecasting benchmark: the same Parquet, the same split, the same scoring.

Reads the long Parquet written by ref/gen_demand.py (unique_id, ds, y), holds out the last H
rows of every series (exactly ref/bench_statsforecast.py's split: `WHERE ds <= cutoff`, checked to be
the same rows, or `--split window`: row_number per series in SQL),
forecasts H days with `forecast(ds, y, H, OPTIONS)` per series through the aisle engine
(`aisle query`, CSV out), writes the forecasts as Parquet (unique_id, ds, yhat, yhat_lo_80, ...)
and scores them with ref/score_forecasts.py (the metric code statsforecast is scored with).

Timing: wall and CPU seconds of the `aisle query` process (start-up, catalog load, Parquet
read, split, fit and CSV output included; compare with sf_e2e.py, statsforecast's whole job), and
series per wall second. Prints one JSON line.

    python aisle_run.py --aisle target/release/aisle --data bench-data/demand_1000x730.parquet \
        --options 'method=auto, season_length=7' --levels 80,95 --out bench-data/aisle_auto.parquet
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))


def catalog_for(data: str, folder: str) -> str:
    """A one-table catalog over the bench Parquet (a folder holding a link to the file)."""
    tdir = os.path.join(folder, "demand")
    os.makedirs(tdir, exist_ok=True)
    link = os.path.join(tdir, "data.parquet")
    if not os.path.exists(link):
        os.symlink(os.path.abspath(data), link)
    path = os.path.join(folder, "bench.toml")
    with open(path, "w") as f:
        f.write(
            f"""[catalog]
name = "bench"
description = "forecast benchmark input (ref/gen_demand.py)"
base = "{folder}"

[[table]]
name = "demand"
location = "demand/"
format = "parquet"
partition_columns = []
description = "Daily unit sales, long format."
pii = []
"""
        )
    return path


def sql(h: int, options: str, levels: list[int], cutoff: str | None = None,
        history: int = 0) -> str:
    """The forecast query. `cutoff` (an ISO date): train on `ds <= cutoff` (what a planner
    writes; equal to holding out the last h rows when every series ends on the same day with
    no gaps, which `date_cutoff` checks); None: the per-series split with row_number."""
    bounds = "".join(
        f", f['yhat_lo_{lv}'] AS yhat_lo_{lv}, f['yhat_hi_{lv}'] AS yhat_hi_{lv}" for lv in levels
    )
    if cutoff is None:
        train = f"""(SELECT unique_id, ds, y,
                 row_number() OVER (PARTITION BY unique_id ORDER BY ds DESC) AS from_end
          FROM demand) AS t
    WHERE from_end > {h}"""
    else:
        train = f"demand WHERE ds <= DATE '{cutoff}'"
        if history:  # the last `history` days only (what max_history does per series)
            train += f" AND ds > DATE '{cutoff}' - INTERVAL '{history} days'"
    # the GROUP BY key is repeated next to the list and unnested with it (DataFusion 55 bug, see
    # docs/ARCHITECTURE.md)
    return f"""
SELECT unique_id, f['ds'] AS ds, f['yhat'] AS yhat{bounds}, f['model'] AS model
FROM (
  SELECT unnest(array_repeat(unique_id, array_length(fc))) AS unique_id, unnest(fc) AS f
  FROM (
    SELECT unique_id, forecast(ds, y, {h}, '{options}') AS fc
    FROM {train}
    GROUP BY unique_id
  )
)"""


def date_cutoff(data: str, h: int) -> str:
    """The last training date when every series ends on the same day and has one row per day
    from its first to its last (gen_demand.py's output): then `ds <= cutoff` holds out exactly
    the last h rows of every series, like ref/bench_statsforecast.py. Fails otherwise (use
    --split window). Runs before the timed call."""
    df = pd.read_parquet(data, columns=["unique_id", "ds"])
    g = df.groupby("unique_id")["ds"].agg(["min", "max", "count"])
    first, last = pd.to_datetime(g["min"]), pd.to_datetime(g["max"])
    if last.nunique() != 1 or not ((last - first).dt.days + 1 == g["count"]).all():
        sys.exit("--split date needs every series to end on the same day without gaps; use --split window")
    return (last.iloc[0] - pd.Timedelta(days=h)).date().isoformat()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aisle", required=True, help="the aisle binary (a release build)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--options", default="method=auto, season_length=7")
    ap.add_argument("--levels", default="80,95", help="interval levels to score ('' = none: pass intervals=none in --options to skip computing them)")
    ap.add_argument("--h", type=int, default=28)
    ap.add_argument("--out", required=True, help="forecasts Parquet written here")
    ap.add_argument("--label", default=None)
    ap.add_argument("--split", choices=["date", "window"], default="date",
                    help="date: WHERE ds <= cutoff (checked equal to the last-h-rows split); "
                         "window: row_number() per series in SQL (the earlier, costlier way)")
    ap.add_argument("--history", type=int, default=0,
                    help="with --split date: train on the last N days only, in SQL (for this "
                         "data the same as the option max_history=N)")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x]
    opts = args.options
    cutoff = date_cutoff(args.data, args.h) if args.split == "date" else None
    with tempfile.TemporaryDirectory() as tmp:
        cat = catalog_for(args.data, tmp)
        cmd = [args.aisle, "query", "--catalog", cat, "--format", "csv", "--log", "warn", sql(args.h, opts, levels, cutoff, args.history)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode:
        sys.exit(f"aisle failed ({r.returncode}):\n{r.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    fc = pd.read_csv(io.StringIO(r.stdout))
    fc["ds"] = pd.to_datetime(fc["ds"])
    models = fc.groupby("unique_id")["model"].first().str.split("(").str[0].value_counts().to_dict()
    fc.drop(columns=["model"]).to_parquet(args.out, index=False)
    n_series = fc["unique_id"].nunique()
    score = subprocess.run(
        [sys.executable, os.path.join(HERE, "ref", "score_forecasts.py"), "--data", os.path.abspath(args.data),
         "--forecasts", os.path.abspath(args.out), "--levels", args.levels, "--h", str(args.h)],
        capture_output=True, text=True, cwd=os.path.join(HERE, "ref"))
    if score.returncode:
        sys.exit(f"scoring failed:\n{score.stderr[-3000:]}")
    acc = json.loads(score.stdout)
    keep = ["MAE", "MASE", "RMSSE", "sMAPE", "WAPE", "bias", "coverage_80", "coverage_95"]
    print(json.dumps({
        "tool": "aisle",
        "label": args.label or opts,
        "options": opts,
        "split": args.split,
        "history": args.history,
        "series": n_series,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "series_per_s": round(n_series / wall, 1),
        "max_rss_mib": round(after.ru_maxrss / 1024, 1),
        "models": models,
        "accuracy": {k: acc[k] for k in keep if k in acc},
    }))


if __name__ == "__main__":
    main()
