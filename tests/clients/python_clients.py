#!/usr/bin/env python3
"""Client suite: Python drivers against a running aisle server.

Usage: AISLE_PORT=5433 AISLE_USER=admin AISLE_PASSWORD=... python3 tests/clients/python_clients.py
Optional: AISLE_SSLMODE=require (default disable), AISLE_HOST (default 127.0.0.1).
AISLE_TLS_CERT (the server's certificate, which is its own CA) turns on the TLS checks: every driver
logs in with SCRAM over TLS with sslmode=require and verify-full against that certificate, the
connection is checked to really be TLS (the driver's own SSL state and the session's `ssl`
setting), and verify-full against another CA (AISLE_TLS_OTHER_CERT) must be refused.

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
TLS_CERT = os.environ.get("AISLE_TLS_CERT", "")
OTHER_CERT = os.environ.get("AISLE_TLS_OTHER_CERT", "")


def demo_password(user):
    """A demo user's password: AISLE_DEMO_PASSWORD (the client suite sets it), else `<user>-demo`."""
    return os.environ.get("AISLE_DEMO_PASSWORD") or f"{user}-demo"


ANALYST_PASSWORD = demo_password("analyst")
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


# ---------------------------------------------------------------- TLS (SCRAM over TLS)
def tls_dsns(user, password):
    """(label, libpq DSN) for sslmode=require and verify-full against the server's certificate."""
    base = f"host={HOST} port={PORT} user={user} password={password} dbname=aisle"
    return [
        ("require", f"{base} sslmode=require"),
        ("verify-full", f"{base} sslmode=verify-full sslrootcert={TLS_CERT}"),
    ]


def plain_dsn(user, password):
    return f"host={HOST} port={PORT} user={user} password={password} dbname=aisle sslmode=disable"


def psycopg3_tls():
    import psycopg

    for user, password in (("admin", PASSWORD), ("analyst", ANALYST_PASSWORD)):
        for label, dsn in tls_dsns(user, password):
            with psycopg.connect(dsn) as conn:
                assert conn.pgconn.ssl_in_use, f"{label}: libpq reports no TLS"
                assert conn.execute("SHOW ssl").fetchone()[0] == "on", f"{label}: server sees no TLS"
                assert conn.execute("SELECT current_user").fetchone()[0] == user
                n = conn.execute("SELECT count(*) FROM stores WHERE store_id > %s", (0,)).fetchone()[0]
                assert n >= 4, n
                # a result larger than one TLS record, in binary
                with conn.cursor(binary=True) as cur:
                    cur.execute("SELECT value, value * 2.5 FROM range(20000) ORDER BY value")
                    rows = cur.fetchall()
                assert len(rows) == 20000 and rows[-1] == (19999, 49997.5), rows[-1]
                assert sum(r[0] for r in rows) == 19999 * 20000 // 2
    with psycopg.connect(plain_dsn("admin", PASSWORD)) as conn:
        assert not conn.pgconn.ssl_in_use
        assert conn.execute("SHOW ssl").fetchone()[0] == "off"
    # the wrong password over TLS is still 28P01
    try:
        psycopg.connect(tls_dsns("admin", "wrong-password")[0][1]).close()
        raise AssertionError("wrong password accepted")
    except psycopg.OperationalError as e:
        assert "28P01" in str(e) or "password authentication failed" in str(e), e
    if OTHER_CERT:
        base = f"host={HOST} port={PORT} user=admin password={PASSWORD} dbname=aisle"
        try:
            psycopg.connect(f"{base} sslmode=verify-full sslrootcert={OTHER_CERT}").close()
            raise AssertionError("verify-full accepted a certificate from another CA")
        except psycopg.OperationalError as e:
            assert "certificate verify failed" in str(e), e


def psycopg2_tls():
    import psycopg2

    for user, password in (("admin", PASSWORD), ("analyst", ANALYST_PASSWORD)):
        for label, dsn in tls_dsns(user, password):
            conn = psycopg2.connect(dsn)
            try:
                assert conn.info.ssl_in_use, f"{label}: libpq reports no TLS"
                assert conn.info.ssl_attribute("protocol") in ("TLSv1.2", "TLSv1.3"), label
                cur = conn.cursor()
                cur.execute("SHOW ssl")
                assert cur.fetchone()[0] == "on", f"{label}: server sees no TLS"
                cur.execute("SELECT current_user, %s::BIGINT * 2", (21,))
                assert cur.fetchone() == (user, 42)
                named = conn.cursor(name="tls_cur")
                named.itersize = 1000
                named.execute("SELECT value FROM range(5000)")
                assert sum(r[0] for r in named) == 4999 * 5000 // 2
            finally:
                conn.close()
    conn = psycopg2.connect(plain_dsn("admin", PASSWORD))
    assert not conn.info.ssl_in_use
    conn.close()
    if OTHER_CERT:
        base = f"host={HOST} port={PORT} user=admin password={PASSWORD} dbname=aisle"
        try:
            psycopg2.connect(f"{base} sslmode=verify-full sslrootcert={OTHER_CERT}").close()
            raise AssertionError("verify-full accepted a certificate from another CA")
        except psycopg2.OperationalError as e:
            assert "certificate verify failed" in str(e), e


def asyncpg_tls():
    import ssl

    import asyncpg

    async def run():
        # sslmode=require: encrypted, certificate not checked
        require = ssl.create_default_context()
        require.check_hostname = False
        require.verify_mode = ssl.CERT_NONE
        # verify-full: the chain must lead to the server's certificate and the name must match
        full = ssl.create_default_context(cafile=TLS_CERT)
        assert full.check_hostname and full.verify_mode == ssl.CERT_REQUIRED
        for label, ctx in (("require", require), ("verify-full", full)):
            for user, password in (("admin", PASSWORD), ("analyst", ANALYST_PASSWORD)):
                conn = await asyncpg.connect(
                    host=HOST, port=PORT, user=user, password=password, database="aisle", ssl=ctx
                )
                try:
                    tls = conn._transport.get_extra_info("ssl_object")
                    assert tls is not None, f"{label}: not TLS"
                    assert tls.version() in ("TLSv1.2", "TLSv1.3"), tls.version()
                    assert await conn.fetchval("SHOW ssl") == "on", label
                    assert await conn.fetchval("SELECT current_user") == user
                    stmt = await conn.prepare("SELECT count(*) FROM stores WHERE store_id > $1")
                    assert await stmt.fetchval(0) >= 4
                    rows = await conn.fetch("SELECT value FROM range(20000) ORDER BY value")
                    assert len(rows) == 20000 and rows[-1][0] == 19999
                finally:
                    await conn.close()
        # libpq-style options work too
        conn = await asyncpg.connect(
            f"postgresql://admin:{PASSWORD}@{HOST}:{PORT}/aisle?sslmode=verify-full&sslrootcert={TLS_CERT}"
        )
        assert conn._transport.get_extra_info("ssl_object") is not None
        await conn.close()
        conn = await asyncpg.connect(
            host=HOST, port=PORT, user="admin", password=PASSWORD, database="aisle", ssl=False
        )
        assert conn._transport.get_extra_info("ssl_object") is None
        assert await conn.fetchval("SHOW ssl") == "off"
        await conn.close()
        if OTHER_CERT:
            try:
                c = await asyncpg.connect(
                    host=HOST, port=PORT, user="admin", password=PASSWORD, database="aisle",
                    ssl=ssl.create_default_context(cafile=OTHER_CERT),
                )
                await c.close()
                raise AssertionError("verify-full accepted a certificate from another CA")
            except ssl.SSLCertVerificationError:
                pass

    asyncio.run(run())


def sqlalchemy_tls():
    import sqlalchemy as sa

    # planner: a role that may not read customer-level data, so inspect() shows the grants
    auth = f"planner:{demo_password('planner')}@{HOST}:{PORT}/aisle"
    for driver in ("postgresql+psycopg", "postgresql+psycopg2"):
        for query in ("sslmode=require", f"sslmode=verify-full&sslrootcert={TLS_CERT}"):
            engine = sa.create_engine(f"{driver}://{auth}?{query}")
            try:
                with engine.connect() as c:
                    raw = c.connection.dbapi_connection
                    info = raw.pgconn if driver.endswith("psycopg") else raw.info
                    assert info.ssl_in_use, f"{driver} {query}: not TLS"
                    assert c.execute(sa.text("SHOW ssl")).scalar() == "on"
                    assert c.execute(sa.text("SELECT current_user")).scalar() == "planner"
                    n = c.execute(sa.text("SELECT count(*) FROM stores WHERE store_id > :x"), {"x": 0}).scalar()
                    assert n >= 4, n
                insp = sa.inspect(engine)
                assert "stores" in insp.get_table_names(), "inspect over TLS lists stores"
                assert "customers" not in insp.get_table_names(), "planner: customers not listed"
                cols = {c["name"] for c in insp.get_columns("stores")}
                assert {"store_id", "name"} <= cols, cols
                try:
                    import pandas as pd

                    df = pd.read_sql("SELECT store_id, name FROM stores ORDER BY store_id", engine)
                    assert len(df) >= 4 and df["store_id"].iloc[0] == 1
                except ModuleNotFoundError:
                    pass
            finally:
                engine.dispose()


def main():
    check("psycopg3 basics", psycopg3_basics)
    check("psycopg3 cancel and timeout", psycopg3_cancel_and_timeout)
    check("psycopg2 basics", psycopg2_basics)
    check("sqlalchemy inspect + pandas", sqlalchemy_inspect_and_pandas)
    check("asyncpg basics", asyncpg_basics)
    if TLS_CERT:
        check("psycopg3 scram over tls", psycopg3_tls)
        check("psycopg2 scram over tls", psycopg2_tls)
        check("asyncpg scram over tls", asyncpg_tls)
        check("sqlalchemy scram over tls", sqlalchemy_tls)
    else:
        print("skipped tls checks: set AISLE_TLS_CERT to the server's certificate")
    print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
