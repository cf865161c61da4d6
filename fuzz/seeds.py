#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (fuzz/corpus/<target>/seed-*).

The seeds are well-formed starts that the fuzzer mutates: protocol sessions that reach every
frontend message our handlers answer, and option texts that each function accepts. Run from the
repository root: python3 fuzz/seeds.py. libFuzzer adds what it finds in a scratch directory
(fuzz/run.sh), so the committed corpus stays these seeds plus any crash reproducers we decide to
keep.
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def msg(tag, body=b""):
    return tag + struct.pack(">i", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


def startup(params, version=196608):
    body = struct.pack(">i", version) + b"".join(cstr(k) + cstr(v) for k, v in params) + b"\0"
    return struct.pack(">i", len(body) + 4) + body


def query(sql):
    return msg(b"Q", cstr(sql))


def parse(name, sql, types=()):
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack(">h", len(types))
               + b"".join(struct.pack(">i", t) for t in types))


def bind(portal, stmt, params=(), fmts=(), result_fmts=()):
    body = cstr(portal) + cstr(stmt)
    body += struct.pack(">h", len(fmts)) + b"".join(struct.pack(">h", f) for f in fmts)
    body += struct.pack(">h", len(params))
    for p in params:
        if p is None:
            body += struct.pack(">i", -1)
        else:
            body += struct.pack(">i", len(p)) + p
    body += struct.pack(">h", len(result_fmts)) + b"".join(struct.pack(">h", f) for f in result_fmts)
    return msg(b"B", body)


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def execute(portal, rows=0):
    return msg(b"E", cstr(portal) + struct.pack(">i", rows))


SYNC = msg(b"S")
FLUSH = msg(b"H")
TERM = msg(b"X")

# Flag byte of the protocol target: bit 0 = prepend a valid startup (trust login as admin),
# bit 1 = append Sync + Terminate.
PRE, POST = 1, 2
protocol = {
    "simple-select": (PRE, query("SELECT 1") + TERM),
    "simple-multi": (PRE, query("SELECT 1; SELECT 'a' || 'b'; SHOW statement_timeout") + TERM),
    "simple-error-then-ok": (PRE, query("SELECT nope") + query("SELECT 2") + TERM),
    "simple-forecast": (PRE, query(
        "SELECT forecast(CAST(value AS BIGINT), CAST(value % 7 AS DOUBLE), 3, 'method=ets') FROM range(30)") + TERM),
    "simple-set-show": (PRE, query("SET statement_timeout = 100") + query("SHOW ALL") + TERM),
    "simple-txn": (PRE, query("BEGIN") + query("SELECT 1/0") + query("SELECT 1") + query("ROLLBACK") + TERM),
    "simple-catalog": (PRE, query(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LIMIT 5") + TERM),
    "simple-copy-out": (PRE, query("COPY (SELECT * FROM range(5)) TO STDOUT WITH (FORMAT csv)") + TERM),
    "simple-copy-in": (PRE, query("COPY x FROM STDIN") + msg(b"d", b"1\n") + msg(b"c") + TERM),
    "extended-unnamed": (PRE | POST, parse("", "SELECT $1::int + 1", [23]) + bind("", "", [b"41"])
                         + describe(b"P", "") + execute("", 0)),
    "extended-named-binary": (PRE | POST, parse("s1", "SELECT $1::bigint * 2, 'x'", [20])
                              + describe(b"S", "s1") + bind("p1", "s1", [struct.pack(">q", 21)], [1], [1])
                              + execute("p1", 1) + execute("p1", 0) + msg(b"C", b"Ps1\0")),
    "extended-null-param": (PRE | POST, parse("", "SELECT $1::text IS NULL") + bind("", "", [None]) + execute("")),
    "extended-rows-limit": (PRE | POST, parse("", "SELECT * FROM range(100)") + bind("", "")
                            + execute("", 7) + FLUSH + execute("", 7)),
    "extended-error-recovers": (PRE | POST, parse("", "SELECT nope") + bind("", "") + execute("") + SYNC
                                + parse("", "SELECT 3") + bind("", "") + execute("")),
    "extended-bad-bind": (PRE | POST, parse("s", "SELECT $1::int", [23]) + bind("", "s", [b"x"]) + execute("")),
    "extended-prepare-execute": (PRE, query("PREPARE q(int) AS SELECT $1 + 1")
                                 + query("EXECUTE q(1)") + query("DEALLOCATE q") + TERM),
    "cursor": (PRE, query("BEGIN") + query("DECLARE c CURSOR FOR SELECT * FROM range(10)")
               + query("FETCH 3 FROM c") + query("CLOSE c") + query("COMMIT") + TERM),
    "raw-startup-params": (0, startup([("user", "admin"), ("database", "aisle"), ("application_name", "fuzz"),
                                       ("options", "-c statement_timeout=5000"), ("client_encoding", "UTF8")])
                           + query("SELECT current_user, version()") + TERM),
    "raw-ssl-request": (0, struct.pack(">ii", 8, 80877103) + startup([("user", "admin")]) + TERM),
    "raw-gssenc-request": (0, struct.pack(">ii", 8, 80877104) + startup([("user", "admin")]) + TERM),
    "raw-cancel": (0, struct.pack(">iiii", 16, 80877102, 1, 2)),
    "raw-old-version": (0, startup([("user", "admin")], version=131072)),
    "raw-unknown-user": (0, startup([("user", "nobody"), ("database", "aisle")]) + TERM),
    "raw-password-user": (0, startup([("user", "admin"), ("database", "aisle")]) + msg(b"p", cstr("wrong")) + TERM),
    "raw-lying-length": (PRE, b"Q" + struct.pack(">i", 1 << 30) + b"SELECT 1\0"),
    "raw-unknown-type": (PRE | POST, msg(b"!", b"hello") + query("SELECT 4")),
    "raw-function-call": (PRE | POST, msg(b"F", struct.pack(">ih", 1234, 0) + struct.pack(">hh", 0, 0))),
    # Counts that do not match (pgwire 0.41.1 panicked on these; vendor/pgwire/AISLE-PATCH.md).
    "bind-format-count-past-end": (PRE | POST, parse("", "SELECT $1::text IS NULL")
                                   + msg(b"B", cstr("") + cstr("") + struct.pack(">hh", 511, 1))),
    "bind-param-formats-mismatch": (PRE | POST, parse("", "SELECT $1, $2, $3")
                                    + bind("", "", [None, None, None], [0, 0]) + execute("")),
    "bind-result-formats-short": (PRE | POST, parse("", "SELECT 1, 2, 3") + bind("", "", [], [], [1, 0])
                                  + execute("")),
    "parse-type-count-past-end": (PRE | POST, msg(b"P", cstr("") + cstr("SELECT $1") + struct.pack(">hi", 5, 23))),
    "execute-short-limit": (PRE | POST, msg(b"E", cstr("") + b"\0\0")),
}

# The options target: byte 0 picks the call (fuzz_targets/options.rs CALLS), the rest is the text.
options = {
    0: ["method=ets, season_length=7, quantiles=0.9,0.99", "method=auto, selection=holdout, holdout=5",
        '{"method": "naive", "quantiles": [0.95]}', "method=tsb, alpha_d=0.1, alpha_p=0.3, fallback=false",
        "ets_model=MAdM, intervals=model, ets_fit=reference", "freq=1 day, censor=all, on_error=null",
        "method=theta, yearly=on, yearly_period=7, yearly_terms=2", "method=window_average, window=3"],
    1: ["censor=zero, method=croston_sba", "censor=none"],
    2: ["folds=2, step=1, mase_season=7", "method=seasonal_naive, folds=5"],
    3: ["min_history=3, season_length=7, freq=1, censor=all"],
    4: ["method=ets", "method=holt, yearly=off"],
    5: ["available=NOT stockout, method=naive", "quantiles=0.5,0.975"],
    6: ["available=stockout, folds=3", "folds=1"],
    7: ["sku", "", "sku, sku"],
    8: ["t", "public.t"],
    9: ["end_date=2024-02-01, ties=ntile", "ties=shared"],
    10: ["customer"],
    11: ["seed=3, n_init=2, max_iter=10", "seed=0"],
    12: ["customer, sku"],
    13: ["f1, f2", "f1"],
    14: ["max_len=2, min_lift=1.5", "max_len=10"],
    15: ["basket"],
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"seed-{name}"), "wb") as f:
        f.write(data)


for name, (flags, data) in protocol.items():
    write("protocol", name, bytes([flags]) + data)
for call, texts in options.items():
    for t in texts:
        h = hashlib.sha1(t.encode()).hexdigest()[:8]
        write("options", f"{call:02}-{h}", bytes([call]) + t.encode())
