#!/usr/bin/env python3
"""statsforecast's whole job, timed like aisle's: one fresh process that reads the same Parquet
with pandas, holds out the last H days per series (bench_statsforecast.py's split), fits and
forecasts every series, and holds the result in memory. Prints one JSON line with the wall time
of the whole process (interpreter and imports included, as aisle's process start-up is), the
CPU seconds, and the time of each phase (import, read, split, forecast()).

    python sf_e2e.py --data data/demand_10000x730.parquet --model CrostonSBA --n-jobs 1

Run it from anywhere; it imports ref/bench_statsforecast.py for the model definitions.
"""
from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True, help="a name of ref/bench_statsforecast.py (CrostonSBA, TSB, ...)")
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--h", type=int, default=28)
    ap.add_argument("--levels", default="", help="e.g. 80,95 (none by default, as the Croston/TSB runs)")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(HERE, "ref"))
    t = time.perf_counter()
    import pandas as pd
    from statsforecast import StatsForecast

    import bench_statsforecast as B

    t_import = time.perf_counter() - t
    t = time.perf_counter()
    df = pd.read_parquet(args.data)
    df["ds"] = pd.to_datetime(df["ds"])
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    train, _ = B.split(df)
    t_split = time.perf_counter() - t
    t = time.perf_counter()
    sf = StatsForecast(models=[B.make_model(args.model)], freq="D", n_jobs=args.n_jobs)
    levels = [int(x) for x in args.levels.split(",") if x]
    fc = sf.forecast(df=train, h=args.h, **({"level": levels} if levels else {}))
    t_fc = time.perf_counter() - t
    wall = time.perf_counter() - T0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "tool": "statsforecast",
        "model": args.model,
        "n_jobs": args.n_jobs,
        "series": int(fc["unique_id"].nunique()),
        "rows_out": len(fc),
        "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime + ch.ru_utime + ch.ru_stime, 3),
        "phases_s": {"start_and_import": round(t_import, 3), "read": round(t_read, 3),
                     "split": round(t_split, 3), "forecast": round(t_fc, 3)},
        "max_rss_mib": round(ru.ru_maxrss / 1024, 1),
        "load": open("/proc/loadavg").read().split()[:3],
    }))


if __name__ == "__main__":
    main()
