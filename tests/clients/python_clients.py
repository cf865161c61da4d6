#!/usr/bin/env python3
"""Client suite: Python drivers against a running aisle server.

Usage: AISLE_PORT=5433 AISLE_USER=admin AISLE_PASSWORD=... python3 tests/clients/python_clients.py
Optional: AISLE_SSLMODE=require (default disable), AISLE_HOST (default 127.0.0.1).

Each driver that is not installed is reported as skipped. Prints 'N passed, N failed, N skipped'
and exits non-zero on any failure. Install with:
  pip install 'psycopg[binary]' psycopg2-binary sqlalchemy pandas asyncpg
"""
import asyncio
import os
import sys
import time
import traceback

HOST = os.environ.get("AISLE_HOST", "127.0.0.1")
PORT = int(os.environ.get("AISLE_PORT", "5433"))
USER = os.environ.get("AISLE_USER", "admin")
PASSWORD = os.environ.get("AISLE_PASSWORD", "admin-demo")
SSLMODE = os.environ.get("AISLE_SSLMODE", "disable")
DSN = f"host={HOST} port={PORT} user={USER} password={PASSWORD} dbname=aisle sslmode={SSLMODE}"
URL_AUTH = f"{USER}:{PASSWORD}@{HOST}:{PORT}/aisle"

results = {"passed": 0, "failed": 0, "skipped": 0}

LONG_QUERY = "SELECT max(value * 2) FROM range(10000000000)"


def check(name, fn):
    try:
        fn()
        results["passed"] += 1
        print(f"ok      {name}")
    except ModuleNotFoundError as e:
        results["skipped"] += 1
        print(f"skipped {name}: {e}")
    except Exception:  # noqa: BLE001 - report every failure
        results["failed"] += 1
        print(f"FAILED  {name}")
        traceback.print_exc()


def sqlstate_of(exc):
    return getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)


# ---------------------------------------------------------------- psycopg 3
def psycopg3_basics():
    import psycopg

    with psycopg.connect(DSN) as conn:
        cur = conn.execute("SELECT version()")
        assert cur.fetchone()[0].startswith("PostgreSQL 16."), "version"
        cur = conn.execute("SELECT %s::BIGINT + 1, %s::TEXT, %s", (41, "x", "untyped"))
        assert cur.fetchone() == (42, "x", "untyped")
        row = conn.execute(
            "SELECT 1::SMALLINT, 2::INT, 3::BIGINT, 1.5::REAL, 2.5::DOUBLE, true, DATE '2024-01-02', "
            "CAST(12.34 AS DECIMAL(10,2)), make_array(1,2), NULL::INT"
        ).fetchone()
        import datetime
        import decimal

        assert row[:6] == (1, 2, 3, 1.5, 2.5, True), row
        assert row[6] == datetime.date(2024, 1, 2)
        assert row[7] == decimal.Decimal("12.34")
        assert row[8] == [1, 2]
        assert row[9] is None
        # binary results
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT 7::INT, 'b'::TEXT, 2.5::DOUBLE")
            assert cur.fetchone() == (7, "b", 2.5)
        # errors carry SQLSTATE
        for sql, code in [("SELEC 1", "42601"), ("SELECT * FROM nope", "42P01")]:
            try:
                conn.execute(sql)
                raise AssertionError(f"{sql} should fail")
            except psycopg.Error as e:
                assert e.sqlstate == code, (sql, e.sqlstate)
                conn.rollback()
        # server-side cursor (DECLARE/FETCH)
        with conn.cursor(name="c1") as cur:
            cur.execute("SELECT value FROM range(10000)")
            n = 0
            while batch := cur.fetchmany(1000):
                n += len(batch)
            assert n == 10000
        conn.rollback()
        # SAVEPOINT through a nested transaction (what SQLAlchemy does)
        with conn.transaction():
            with conn.transaction():
                conn.execute("SELECT 1")


def psycopg3_cancel_and_timeout():
    import psycopg

    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 300")
        t0 = time.time()
        try:
            conn.execute(LONG_QUERY)
            raise AssertionError("should time out")
        except psycopg.errors.QueryCanceled:
            pass
        assert time.time() - t0 < 10
        conn.execute("SET statement_timeout = 0")
        import threading

        threading.Timer(0.5, conn.cancel).start()
        try:
            conn.execute(LONG_QUERY)
            raise AssertionError("should be cancelled")
        except psycopg.errors.QueryCanceled:
            pass
        assert conn.execute("SELECT 1").fetchone()[0] == 1


# ---------------------------------------------------------------- psycopg2
def psycopg2_basics():
    import psycopg2

    conn = psycopg2.connect(DSN)
    cur = conn.cursor()
    cur.execute("SELECT %s::BIGINT * 2, %s", (21, "t"))
    assert cur.fetchone() == (42, "t")
    cur.execute("SELECT 1.5::DOUBLE, true, NULL::TEXT")
    assert cur.fetchone() == (1.5, True, None)
    try:
        cur.execute("SELECT no_such_function(1)")
        raise AssertionError("should fail")
    except psycopg2.Error as e:
        assert e.pgcode == "42883", e.pgcode
    conn.rollback()
    named = conn.cursor(name="srv")
    named.itersize = 500
    named.execute("SELECT value FROM range(2000)")
    assert sum(1 for _ in named) == 2000
    conn.close()


# ---------------------------------------------------------------- SQLAlchemy + pandas
def sqlalchemy_inspect_and_pandas():
    import sqlalchemy as sa

    for driver in ("postgresql+psycopg", "postgresql+psycopg2"):
        try:
            __import__("psycopg" if driver.endswith("psycopg") else "psycopg2")
        except ModuleNotFoundError:
            continue
        engine = sa.create_engine(f"{driver}://{URL_AUTH}?sslmode={SSLMODE}")
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT 1")).scalar() == 1
            assert c.execute(sa.text("SELECT CAST(:x AS BIGINT)"), {"x": 5}).scalar() == 5
        insp = sa.inspect(engine)
        insp.get_schema_names()
        tables = insp.get_table_names()
        if tables:
            insp.get_columns(tables[0])
        try:
            import pandas as pd

            df = pd.read_sql("SELECT value, value * 2 AS twice FROM range(100)", engine)
            assert len(df) == 100 and list(df.columns) == ["value", "twice"]
        except ModuleNotFoundError:
            pass
        engine.dispose()


# ---------------------------------------------------------------- asyncpg
def asyncpg_basics():
    import asyncpg

    async def run():
        ssl = None if SSLMODE == "disable" else "require"
        conn = await asyncpg.connect(
            host=HOST, port=PORT, user=USER, password=PASSWORD, database="aisle", ssl=ssl
        )
        assert await conn.fetchval("SELECT $1::BIGINT + 1", 41) == 42
        assert await conn.fetchval("SELECT 2::INT") == 2
        rows = await conn.fetch("SELECT value FROM range(1000)")
        assert len(rows) == 1000
        stmt = await conn.prepare("SELECT $1::TEXT || 'x'")
        assert await stmt.fetchval("a") == "ax"
        try:
            await conn.fetch("SELECT * FROM nope")
            raise AssertionError("should fail")
        except asyncpg.PostgresError as e:
            assert e.sqlstate == "42P01", e.sqlstate
        async with conn.transaction():
            n = 0
            async for _ in conn.cursor("SELECT value FROM range(5000)", prefetch=500):
                n += 1
            assert n == 5000
        await conn.close()

    asyncio.run(run())


def main():
    check("psycopg3 basics", psycopg3_basics)
    check("psycopg3 cancel and timeout", psycopg3_cancel_and_timeout)
    check("psycopg2 basics", psycopg2_basics)
    check("sqlalchemy inspect + pandas", sqlalchemy_inspect_and_pandas)
    check("asyncpg basics", asyncpg_basics)
    print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
