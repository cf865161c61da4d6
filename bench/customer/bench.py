#!/usr/bin/env python3
"""Customer models, side by side on identical input: aisle (release binary, `aisle query` over the
same Parquet) against the reference library in the same run.

  V=/root/.cache/aisle/venv-ref/bin/python
  $V bench/customer/bench.py --data /tmp/cbench --aisle $CARGO_TARGET_DIR/release/aisle [--only kmeans,rules,bgnbd,rfm]

Inputs (generated once into --data by ../shared/bench/gen_segments.py, same seeds as its README):
  kmeans_1M_x8.parquet      1,000,000 x 8 features, 8 true clusters
  baskets_200k.parquet      200,000 baskets over 2,000 items (long format)
  transactions_10M.parquet  10,000,000 transactions of ~780k customers
  bgnbd_200k.parquet        written here: lifetimes summary (frequency, recency, T in days to
                            2025-01-01) of the first 200,000 customers of transactions_10M

Jobs (threads: 2 on both sides — aisle target_partitions = 2 cores, sklearn/DuckDB limited to 2):
  kmeans  scikit-learn StandardScaler + KMeans(8, k-means++, n_init=1, lloyd, max_iter=100, tol=1e-4)
          vs SELECT kmeans_fit(make_array(f0..f7), 8, 0, 1, 100) (standardises inside; also sorts the
          rows for determinism and scores a 2,000-row silhouette sample).
  rules   mlxtend fpgrowth(min_support=0.002) + association_rules(metric='confidence', 0) on the
          one-hot frame (one-hot time reported apart) vs unnest(association_rules(basket_id,
          item_id, 0.002, 0.0, 10)); rule counts compared.
  bgnbd   lifetimes BetaGeoFitter(penalizer_coef=0).fit vs SELECT bgnbd_fit(frequency, recency, t);
          parameters compared. bgnbd_weeks: the same customers in whole weeks (fewer distinct
          (frequency, recency, T) patterns, which is what aisle's fit costs scale with).
  rfm     the same SQL text (rfm.sql here) in DuckDB (threads=2, over a view tx of read_parquet)
          and in aisle (table tx of the catalog); result checksums compared. Also aisle's
          rfm_table over the same file (purchase days, shared ties: a different, richer query).

aisle times are the wall time of the whole `aisle query` process (start-up, catalog, Parquet read,
result printing), with the start-up of a trivial query (SELECT 1) reported to subtract.
Reference times are in-process and exclude reading Parquet unless said. Median of --repeats.
Prints one JSON line per job and a summary table.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))


def med(f, n):
    runs, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        runs.append(time.perf_counter() - t)
    return out, statistics.median(runs), [round(r, 3) for r in runs]


def ensure_data(d):
    os.makedirs(d, exist_ok=True)
    gen = os.path.join(SHARED, "gen_segments.py")
    jobs = [("kmeans_1M_x8.parquet", ["kmeans", "--rows", "1000000", "--dims", "8", "--clusters", "8", "--seed", "1"]),
            ("baskets_200k.parquet", ["baskets", "--baskets", "200000", "--items", "2000", "--seed", "2"]),
            ("transactions_10M.parquet", ["rfm", "--rows", "10000000", "--customers", "1000000", "--seed", "3"])]
    for f, args in jobs:
        p = os.path.join(d, f)
        if not os.path.exists(p):
            subprocess.run([sys.executable, gen, *args, "--out", p], check=True)
    bg = os.path.join(d, "bgnbd_200k.parquet")
    if not os.path.exists(bg):
        import duckdb
        tx = os.path.join(d, "transactions_10M.parquet")
        duckdb.sql(f"""
            COPY (
              WITH days AS (SELECT DISTINCT customer_id, CAST(ts AS DATE) AS d FROM read_parquet('{tx}')
                            WHERE customer_id IN (SELECT DISTINCT customer_id FROM read_parquet('{tx}')
                                                  ORDER BY customer_id LIMIT 200000))
              SELECT customer_id,
                     CAST(count(*) - 1 AS DOUBLE) AS frequency,
                     CAST(max(d) - min(d) AS DOUBLE) AS recency,
                     CAST(DATE '2025-01-01' - min(d) AS DOUBLE) AS t
              FROM days GROUP BY customer_id ORDER BY customer_id
            ) TO '{bg}' (FORMAT parquet)""")
    bgw = os.path.join(d, "tbl_bgw", "bgnbd_200k_weeks.parquet")
    os.makedirs(os.path.dirname(bgw), exist_ok=True)
    import numpy as np
    import pandas as pd
    s = pd.read_parquet(bg)
    s["recency"] = np.floor(s["recency"] / 7.0)
    s["t"] = np.floor(s["t"] / 7.0)
    s = s[s["t"] > 0]
    s.to_parquet(bgw)
    cat = os.path.join(d, "bench-catalog.toml")
    with open(cat, "w") as fh:
        fh.write('[catalog]\nname = "bench"\ndescription = "customer benchmark inputs"\n')
        fh.write('\n[[table]]\nname = "bgw"\nlocation = "tbl_bgw/"\nformat = "parquet"\n'
                 'description = "BG/NBD summary in weeks (written by the bgnbd_weeks job)"\n')
        for name, loc, desc in [("km", "kmeans_1M_x8.parquet", "k-means input"),
                                ("bk", "baskets_200k.parquet", "baskets, long format"),
                                ("tx", "transactions_10M.parquet", "transactions"),
                                ("bg", "bgnbd_200k.parquet", "BG/NBD summary")]:
            # a catalog location is a folder: link each file into its own
            folder = os.path.join(d, f"tbl_{name}")
            os.makedirs(folder, exist_ok=True)
            if not os.path.exists(os.path.join(folder, loc)):
                os.link(os.path.join(d, loc), os.path.join(folder, loc))
            fh.write(f'\n[[table]]\nname = "{name}"\nlocation = "tbl_{name}/"\nformat = "parquet"\n'
                     f'description = "{desc}"\n')
    return cat


class Aisle:
    def __init__(self, binary, catalog):
        import tempfile
        no_views = tempfile.mkdtemp(prefix="aisle-bench-no-views-")  # the demo views need demo tables
        self.cmd = [binary, "query", "--catalog", catalog, "--views-dir", no_views,
                    "--format", "json", "--target-partitions", "2", "--log", "warn"]

    def run(self, sql):
        p = subprocess.run([*self.cmd, sql], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"aisle failed: {p.stderr[-2000:]}")
        return [json.loads(x) for x in p.stdout.splitlines() if x.strip()]

    def timed(self, sql, n):
        return med(lambda: self.run(sql), n)


def job_kmeans(a, ai, d):
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits
    df = pd.read_parquet(os.path.join(d, "kmeans_1M_x8.parquet"))
    raw = np.ascontiguousarray(df[[f"f{j}" for j in range(8)]].to_numpy(np.float64))

    def ref():
        X = StandardScaler().fit_transform(raw)
        return KMeans(n_clusters=8, init="k-means++", n_init=a.n_init, algorithm="lloyd", max_iter=100,
                      tol=1e-4, random_state=0).fit(X)
    with threadpool_limits(limits=2):
        ref()
        km, ref_s, ref_runs = med(ref, a.repeats)
    sql = ("SELECT m['inertia'] AS inertia, m['n_iter'] AS n_iter, m['sizes'] AS sizes FROM "
           f"(SELECT kmeans_fit(make_array(f0, f1, f2, f3, f4, f5, f6, f7), 8, 0, {a.n_init}, 100) AS m FROM km)")
    res, ai_s, ai_runs = ai.timed(sql, a.repeats)
    return {"job": f"kmeans 1M x 8, k=8, n_init={a.n_init}", "ref": "scikit-learn (scale + fit, 2 threads)", "ref_s": ref_s,
            "ref_runs": ref_runs, "aisle_s": ai_s, "aisle_runs": ai_runs,
            "check": {"sklearn_inertia": float(km.inertia_), "sklearn_n_iter": int(km.n_iter_),
                      "aisle_inertia": res[0]["inertia"], "aisle_n_iter": res[0]["n_iter"],
                      "sklearn_sizes": sorted(np.bincount(km.labels_).tolist()),
                      "aisle_sizes": sorted(res[0]["sizes"])}}


def job_rules(a, ai, d):
    import numpy as np
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    long = pd.read_parquet(os.path.join(d, "baskets_200k.parquet"))

    def onehot():
        b, bi = np.unique(long["basket_id"].to_numpy(), return_inverse=True)
        it, ii = np.unique(long["item_id"].to_numpy(), return_inverse=True)
        m = np.zeros((len(b), len(it)), dtype=bool)
        m[bi, ii] = True
        return pd.DataFrame(m, columns=it)
    t = time.perf_counter()
    oh = onehot()
    oh_s = time.perf_counter() - t

    def ref():
        f = fpgrowth(oh, min_support=0.002, use_colnames=True)
        return association_rules(f, num_itemsets=len(oh), metric="confidence", min_threshold=0.0)
    rules, ref_s, ref_runs = med(ref, a.repeats)
    sql = ("SELECT count(*) AS n, sum(r['lift']) AS lift_sum FROM (SELECT unnest(association_rules("
           "basket_id, item_id, 0.002, 0.0, 10)) AS r FROM bk)")
    res, ai_s, ai_runs = ai.timed(sql, a.repeats)
    return {"job": "association rules 200k baskets x 2k items", "ref": "mlxtend fpgrowth + association_rules",
            "ref_s": ref_s, "ref_runs": ref_runs, "ref_onehot_s": round(oh_s, 3), "aisle_s": ai_s, "aisle_runs": ai_runs,
            "check": {"mlxtend_rules": int(len(rules)), "aisle_rules": res[0]["n"],
                      "mlxtend_lift_sum": float(rules["lift"].sum()), "aisle_lift_sum": res[0]["lift_sum"]}}


def job_bgnbd(a, ai, d, weeks=False):
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter
    s = pd.read_parquet(os.path.join(d, "bgnbd_200k.parquet"))
    table = "bg"
    if weeks:  # the same customers in whole weeks (ensure_data): fewer distinct patterns
        s = pd.read_parquet(os.path.join(d, "tbl_bgw", "bgnbd_200k_weeks.parquet"))
        table = "bgw"
    patterns = int(len(s.drop_duplicates(["frequency", "recency", "t"])))

    def ref():
        return BetaGeoFitter(penalizer_coef=0.0).fit(s["frequency"], s["recency"], s["t"])
    m, ref_s, ref_runs = med(ref, a.repeats)
    sql = ("SELECT m['r'] AS r, m['alpha'] AS alpha, m['a'] AS a, m['b'] AS b FROM "
           f"(SELECT bgnbd_fit(frequency, recency, t) AS m FROM {table})")
    res, ai_s, ai_runs = ai.timed(sql, a.repeats)
    p = m.params_
    return {"job": f"BG/NBD fit, {len(s)} customers, {'weeks' if weeks else 'days'}",
            "distinct_patterns": patterns, "ref": "lifetimes BetaGeoFitter.fit", "ref_s": ref_s,
            "ref_runs": ref_runs, "aisle_s": ai_s, "aisle_runs": ai_runs,
            "check": {"lifetimes": {k: float(p[k]) for k in ("r", "alpha", "a", "b")},
                      "aisle": {k: res[0][k] for k in ("r", "alpha", "a", "b")},
                      "max_rel_diff": max(abs(res[0][k] - float(p[k])) / abs(float(p[k])) for k in ("r", "alpha", "a", "b"))}}


CHECK = ("SELECT count(*) AS n, sum(r_score) AS r, sum(f_score) AS f, sum(m_score) AS m, "
         "sum(r_score * 100 + f_score * 10 + m_score) AS code FROM ({q}) AS x")


def job_rfm(a, ai, d):
    import duckdb
    rfm = open(os.path.join(HERE, "rfm.sql")).read().strip().rstrip(";")
    sql = CHECK.format(q=rfm)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"CREATE VIEW tx AS SELECT * FROM read_parquet('{os.path.join(d, 'transactions_10M.parquet')}')")
    con.execute(sql).fetchall()
    ref, ref_s, ref_runs = med(lambda: con.execute(sql).fetchall(), a.repeats)
    res, ai_s, ai_runs = ai.timed(sql, a.repeats)
    # where the time goes: the per-customer aggregate alone, the same text in both engines
    agg = ("SELECT count(*) AS n, sum(frequency) AS f FROM (SELECT customer_id, max(ts) AS last_ts, "
           "count(*) AS frequency, sum(amount) AS monetary FROM tx GROUP BY customer_id) AS x")
    con.execute(agg).fetchall()
    _, ref_agg_s, _ = med(lambda: con.execute(agg).fetchall(), a.repeats)
    _, ai_agg_s, _ = ai.timed(agg, a.repeats)
    tf = CHECK.format(q="SELECT * FROM rfm_table('tx', 'customer_id', 'ts', 'amount', 'end_date=2024-12-31')")
    try:
        _, tf_s, tf_runs = ai.timed(tf, a.repeats)
    except RuntimeError as e:  # a binary older than rfm_table
        tf_s, tf_runs = None, str(e)[-200:]
    return {"job": "RFM over 10M transactions (same SQL)", "ref": "DuckDB (2 threads)", "ref_s": ref_s,
            "ref_runs": ref_runs, "aisle_s": ai_s, "aisle_runs": ai_runs,
            "aisle_rfm_table_s": tf_s, "aisle_rfm_table_runs": tf_runs,
            "aggregate_only": {"duckdb_s": ref_agg_s, "aisle_s": ai_agg_s},
            "check": {"duckdb": list(ref[0]), "aisle": [res[0][k] for k in ("n", "r", "f", "m", "code")]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/cbench")
    ap.add_argument("--aisle", required=True, help="the release aisle binary")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="kmeans,rules,bgnbd,bgnbd_weeks,rfm")
    ap.add_argument("--n-init", type=int, default=1, help="k-means seedings, the same on both sides")
    a = ap.parse_args()
    cat = ensure_data(a.data)
    ai = Aisle(a.aisle, cat)
    ai.run("SELECT 1")
    _, start_s, _ = ai.timed("SELECT 1", a.repeats)
    print(json.dumps({"aisle_startup_s": round(start_s, 3), "load": os.getloadavg()}), flush=True)
    jobs = {"kmeans": job_kmeans, "rules": job_rules, "bgnbd": job_bgnbd,
            "bgnbd_weeks": lambda a, ai, d: job_bgnbd(a, ai, d, weeks=True), "rfm": job_rfm}
    rows = []
    for name in a.only.split(","):
        r = jobs[name](a, ai, a.data)
        r["aisle_minus_startup_s"] = round(r["aisle_s"] - start_s, 3)
        r["ratio_ref_over_aisle"] = round(r["ref_s"] / r["aisle_s"], 2)
        r["ratio_ref_over_aisle_minus_startup"] = round(r["ref_s"] / max(r["aisle_s"] - start_s, 1e-3), 2)
        r["load"] = os.getloadavg()
        print(json.dumps(r), flush=True)
        rows.append(r)
    print(f"\n{'job':45} {'reference':>10} {'aisle':>8} {'aisle-start':>12} {'ratio':>7}")
    for r in rows:
        print(f"{r['job']:45} {r['ref_s']:10.3f} {r['aisle_s']:8.3f} {r['aisle_minus_startup_s']:12.3f} "
              f"{r['ratio_ref_over_aisle']:7.2f}")


if __name__ == "__main__":
    main()
