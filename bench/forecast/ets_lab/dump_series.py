#!/usr/bin/env python3
"""Dumps the series of a bench Parquet (unique_id, ds, y) for ets_lab: u32 count, then per
series (sorted by unique_id) u32 length and the f64 values, little-endian.

    python dump_series.py demand_3000x1941.parquet s3000x1941.bin 3000
"""
import sys, struct, pandas as pd, numpy as np
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
df = pd.read_parquet(src).sort_values(["unique_id","ds"])
ids = df["unique_id"].unique()[:limit]
with open(dst,"wb") as f:
    f.write(struct.pack("<I", len(ids)))
    for uid, g in df[df["unique_id"].isin(ids)].groupby("unique_id", sort=True):
        y = g["y"].to_numpy(dtype=np.float64)
        f.write(struct.pack("<I", len(y))); f.write(y.tobytes())
print(len(ids))
