"""aisle's answers over the demo data equal DuckDB's over the very same Parquet files."""
import json
import subprocess

import duckdb
import pytest


def aisle_rows(aisle, data_dir, sql):
    out = subprocess.run([aisle, "query", "--data-dir", str(data_dir), "--format", "json", sql],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def duck_rows(data_dir, sql):
    con = duckdb.connect()
    for table in ["daily_sales", "sales_lines", "products", "stores", "customers", "returns"]:
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data_dir}/{table}/**/*.parquet', "
            f"hive_partitioning = true, hive_types_autocast = false)")
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


QUERIES = [
    "SELECT store_id, sum(units) AS units, round(sum(revenue), 4) AS revenue "
    "FROM daily_sales GROUP BY store_id ORDER BY store_id",
    "SELECT channel, count(DISTINCT customer_id) AS customers, count(*) AS lines "
    "FROM sales_lines GROUP BY channel ORDER BY channel",
    "SELECT p.category, sum(s.quantity) AS qty FROM sales_lines s JOIN products p ON s.sku_id = p.sku_id "
    "WHERE s.month >= '2024-01' GROUP BY p.category ORDER BY qty DESC, p.category LIMIT 10",
    "SELECT count(*) AS n FROM daily_sales WHERE units = 0 AND on_hand_close = 0",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_same_answer_as_duckdb(aisle, demo_dir, sql):
    ours = aisle_rows(aisle, demo_dir, sql)
    theirs = duck_rows(demo_dir, sql)
    assert len(ours) == len(theirs) and len(ours) > 0
    for a, b in zip(ours, theirs):
        for k, v in b.items():
            if isinstance(v, float):
                assert a[k] == pytest.approx(v, rel=1e-9), (k, a, b)
            else:
                assert a[k] == (int(v) if hasattr(v, "__int__") and not isinstance(v, str) else v), (k, a, b)
