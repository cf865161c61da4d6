//! The wire server with a real client (tokio-postgres) over real sockets on 127.0.0.1: login,
//! types in text and binary, parameters, SQLSTATEs, cancel, timeout, limits, streaming,
//! portals, cursors, concurrency, metrics, shutdown.
use std::sync::Arc;
use std::time::{Duration, Instant};

use aisle::engine::{Engine, EngineConfig};
use aisle::server::{self, RunningServer, ServerConfig, UserEntry};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use tokio_util::sync::CancellationToken;

const ADMIN_PW: &str = "admin-secret";
const ANALYST_PW: &str = "analyst-secret";

fn users() -> Vec<UserEntry> {
    vec![
        UserEntry {
            name: "admin".into(),
            scram_verifier: server::scram_verifier(ADMIN_PW),
            roles: vec!["admin".into()],
        },
        UserEntry {
            name: "analyst".into(),
            scram_verifier: server::scram_verifier(ANALYST_PW),
            roles: vec!["analyst".into()],
        },
    ]
}

async fn engine() -> Arc<Engine> {
    Engine::open(EngineConfig {
        target_partitions: Some(2),
        // The demo grants: `analyst` reads every relation (default deny would hide them).
        access: aisle::governance::access::AccessPolicy::demo(),
        ..Default::default()
    })
    .await
    .expect("open engine")
}

async fn start_with(f: impl FnOnce(&mut ServerConfig)) -> RunningServer {
    let mut cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        metrics_listen: Some("127.0.0.1:0".parse().unwrap()),
        users: users(),
        shutdown_grace_secs: 2,
        ..Default::default()
    };
    f(&mut cfg);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AISLE_TEST_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_test_writer()
        .try_init();
    server::bind(engine().await, cfg, CancellationToken::new())
        .await
        .expect("bind server")
}

async fn start() -> RunningServer {
    start_with(|_| {}).await
}

fn conn_str(srv: &RunningServer, user: &str, pw: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user={user} password={pw} dbname=aisle",
        srv.addr.port()
    )
}

async fn connect_as(
    srv: &RunningServer,
    user: &str,
    pw: &str,
) -> Result<Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(&conn_str(srv, user, pw), NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

async fn admin(srv: &RunningServer) -> Client {
    connect_as(srv, "admin", ADMIN_PW)
        .await
        .expect("admin connects")
}

async fn analyst(srv: &RunningServer) -> Client {
    connect_as(srv, "analyst", ANALYST_PW)
        .await
        .expect("analyst connects")
}

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no code: {e}"))
}

/// Rows of a simple-protocol query as text.
async fn simple_rows(c: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    c.simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

async fn simple_one(c: &Client, sql: &str) -> Option<String> {
    simple_rows(c, sql).await.remove(0).remove(0)
}

#[tokio::test]
async fn wire_scram_login_and_bad_passwords() {
    let srv = start().await;
    let c = admin(&srv).await;
    assert_eq!(
        simple_one(&c, "SELECT current_user").await.as_deref(),
        Some("admin")
    );
    let e = connect_as(&srv, "admin", "wrong")
        .await
        .err()
        .expect("wrong password fails");
    assert_eq!(code(&e), "28P01");
    let e = connect_as(&srv, "nobody", "x")
        .await
        .err()
        .expect("unknown user fails");
    assert_eq!(code(&e), "28P01", "unknown users look like bad passwords");
    // The server keeps serving after failed logins.
    assert_eq!(simple_one(&c, "SELECT 1").await.as_deref(), Some("1"));
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_version_and_startup_parameters() {
    let srv = start().await;
    let c = analyst(&srv).await;
    let v = simple_one(&c, "SELECT version()").await.unwrap();
    assert!(v.starts_with("PostgreSQL 16."), "{v}");
    assert!(v.contains("aisle"), "{v}");
    assert_eq!(
        simple_one(&c, "SHOW server_version").await.as_deref(),
        Some("16.6")
    );
    assert_eq!(
        simple_one(&c, "SHOW DateStyle").await.as_deref(),
        Some("ISO, MDY")
    );
    assert_eq!(
        simple_one(&c, "SHOW client_encoding").await.as_deref(),
        Some("UTF8")
    );
    assert_eq!(
        simple_one(&c, "SHOW standard_conforming_strings")
            .await
            .as_deref(),
        Some("on")
    );
    assert_eq!(
        simple_one(&c, "SELECT current_database()").await.as_deref(),
        Some("aisle")
    );
    let row = c.query_one("SELECT 1", &[]).await.unwrap();
    // An integer literal is int4 like in PostgreSQL (node-postgres returns strings for int8).
    assert_eq!(row.columns()[0].type_(), &tokio_postgres::types::Type::INT4);
    assert_eq!(row.columns()[0].name(), "?column?");
    assert_eq!(row.get::<_, i32>(0), 1);
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_types_text_and_binary() {
    use tokio_postgres::types::Type;
    let srv = start().await;
    let c = analyst(&srv).await;
    let sql = "SELECT CAST(1 AS SMALLINT) AS i2, CAST(2 AS INT) AS i4, CAST(3 AS BIGINT) AS i8, \
               CAST(1.5 AS REAL) AS f4, CAST(2.25 AS DOUBLE) AS f8, 'héllo' AS t, true AS b, \
               DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05.5' AS ts, \
               CAST(12.34 AS DECIMAL(10,2)) AS n, make_array(1, 2, 3) AS arr, \
               CAST(NULL AS INT) AS null_i, CAST(NULL AS VARCHAR) AS null_t";
    // Binary (extended protocol).
    let row = c.query_one(sql, &[]).await.unwrap();
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        vec![
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::FLOAT4,
            Type::FLOAT8,
            Type::TEXT,
            Type::BOOL,
            Type::DATE,
            Type::TIMESTAMP,
            Type::NUMERIC,
            Type::INT8_ARRAY,
            Type::INT4,
            Type::TEXT
        ]
    );
    assert_eq!(row.get::<_, i16>("i2"), 1);
    assert_eq!(row.get::<_, i32>("i4"), 2);
    assert_eq!(row.get::<_, i64>("i8"), 3);
    assert_eq!(row.get::<_, f32>("f4"), 1.5);
    assert_eq!(row.get::<_, f64>("f8"), 2.25);
    assert_eq!(row.get::<_, &str>("t"), "héllo");
    assert!(row.get::<_, bool>("b"));
    assert_eq!(row.get::<_, Vec<i64>>("arr"), vec![1, 2, 3]);
    assert_eq!(row.get::<_, Option<i32>>("null_i"), None);
    assert_eq!(row.get::<_, Option<&str>>("null_t"), None);
    // Text (simple protocol).
    let r = simple_rows(&c, sql).await.remove(0);
    let text: Vec<Option<&str>> = r.iter().map(|v| v.as_deref()).collect();
    assert_eq!(
        text,
        vec![
            Some("1"),
            Some("2"),
            Some("3"),
            Some("1.5"),
            Some("2.25"),
            Some("héllo"),
            Some("t"),
            Some("2024-01-02"),
            Some("2024-01-02 03:04:05.500000"),
            Some("12.34"),
            Some("{1,2,3}"),
            None,
            None
        ]
    );
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_prepared_statements_with_parameters() {
    let srv = start().await;
    let c = analyst(&srv).await;
    // Typed by the planner.
    let row = c
        .query_one("SELECT $1::BIGINT + 1 AS x", &[&41i64])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 42);
    let rows = c
        .query(
            "SELECT x FROM (VALUES (1), (2), (3)) t(x) WHERE x > $1 ORDER BY x",
            &[&1i64],
        )
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.get::<_, i64>(0)).collect::<Vec<_>>(),
        vec![2, 3]
    );
    let row = c
        .query_one("SELECT concat($1::VARCHAR, '!')", &[&"hi"])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "hi!");
    // Untyped: described as text.
    let row = c.query_one("SELECT $1 AS v", &[&"free"]).await.unwrap();
    assert_eq!(row.columns()[0].type_(), &tokio_postgres::types::Type::TEXT);
    assert_eq!(row.get::<_, &str>(0), "free");
    // A prepared statement reused with different values.
    // (Integer literals inside expressions are bigint in DataFusion: `$1::INT * 2` is int8.)
    let st = c.prepare("SELECT $1::INT * 2").await.unwrap();
    for i in 0..5i32 {
        assert_eq!(
            c.query_one(&st, &[&i]).await.unwrap().get::<_, i64>(0),
            i as i64 * 2
        );
    }
    // NULL parameter.
    let row = c
        .query_one("SELECT $1::BIGINT IS NULL", &[&None::<i64>])
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_sqlstates() {
    let srv = start().await;
    let c = analyst(&srv).await;
    let cases = [
        ("SELEC 1", "42601"),
        ("SELECT * FROM no_such_table", "42P01"),
        ("SELECT no_such_column FROM (VALUES (1)) t(a)", "42703"),
        ("SELECT no_such_function(1)", "42883"),
        ("SELECT 1 / 0", "22012"),
        ("SELECT CAST('abc' AS INT)", "22P02"),
        ("CREATE VIEW v AS SELECT 1", "42501"),
        ("SHOW no_such_setting", "42704"),
        ("SET extra_float_digits = 99", "22023"),
        ("FETCH 1 FROM no_cursor", "34000"),
    ];
    for (sql, want) in cases {
        let e = c
            .simple_query(sql)
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} should fail"));
        assert_eq!(code(&e), want, "simple: {sql}: {e:?}");
        if !sql.starts_with("SHOW") && !sql.starts_with("FETCH") {
            let e = c
                .query(sql, &[])
                .await
                .err()
                .unwrap_or_else(|| panic!("{sql} should fail"));
            assert_eq!(code(&e), want, "extended: {sql}: {e:?}");
        }
    }
    // Errors carry a message and, where useful, a hint.
    let e = c
        .simple_query("SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    let db = e.as_db_error().unwrap();
    assert!(db.message().contains("no_such_table"), "{}", db.message());
    assert!(db.hint().is_some());
    // The session is fine afterwards.
    assert_eq!(simple_one(&c, "SELECT 2").await.as_deref(), Some("2"));
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_transactions_and_failed_block() {
    let srv = start().await;
    let c = analyst(&srv).await;
    c.batch_execute("BEGIN; SAVEPOINT a; RELEASE SAVEPOINT a; COMMIT")
        .await
        .unwrap();
    c.batch_execute("BEGIN").await.unwrap();
    assert!(c.simple_query("SELECT * FROM nope").await.is_err());
    let e = c.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(code(&e), "25P02");
    c.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(simple_one(&c, "SELECT 1").await.as_deref(), Some("1"));
    // tokio-postgres transactions (extended protocol BEGIN/COMMIT).
    let mut c = c;
    let tx = c.transaction().await.unwrap();
    assert_eq!(
        tx.query_one("SELECT 5::INT", &[])
            .await
            .unwrap()
            .get::<_, i32>(0),
        5
    );
    tx.commit().await.unwrap();
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_set_show_reset_discard() {
    let srv = start().await;
    let c = analyst(&srv).await;
    c.batch_execute("SET application_name = 'wire-test'")
        .await
        .unwrap();
    assert_eq!(
        simple_one(&c, "SHOW application_name").await.as_deref(),
        Some("wire-test")
    );
    assert_eq!(
        simple_one(&c, "SELECT current_setting('application_name')")
            .await
            .as_deref(),
        Some("wire-test")
    );
    c.batch_execute("SET statement_timeout TO '2s'")
        .await
        .unwrap();
    assert_eq!(
        simple_one(&c, "SHOW statement_timeout").await.as_deref(),
        Some("2000")
    );
    c.batch_execute("RESET statement_timeout").await.unwrap();
    assert_eq!(
        simple_one(&c, "SHOW statement_timeout").await.as_deref(),
        Some("0")
    );
    c.batch_execute("SET datafusion.execution.batch_size = 1234")
        .await
        .unwrap();
    c.batch_execute("DISCARD ALL").await.unwrap();
    assert_eq!(
        simple_one(&c, "SHOW application_name").await.as_deref(),
        Some("")
    );
    assert!(simple_rows(&c, "SHOW ALL").await.len() > 20);
    // Session settings are visible through the extended protocol too.
    let row = c.query_one("SHOW DateStyle", &[]).await.unwrap();
    assert_eq!(row.get::<_, &str>(0), "ISO, MDY");
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_cancel_running_query() {
    let srv = start().await;
    let c = analyst(&srv).await;
    let token = c.cancel_token();
    let t0 = Instant::now();
    let q = tokio::spawn(async move {
        let r = c
            .simple_query("SELECT max(value * 2) FROM range(10000000000)")
            .await;
        (r, c)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    token.cancel_query(NoTls).await.unwrap();
    let (r, c) = q.await.unwrap();
    let e = r.expect_err("cancelled query fails");
    assert_eq!(code(&e), "57014");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "cancel took {:?}",
        t0.elapsed()
    );
    // The connection is usable after the cancel.
    assert_eq!(simple_one(&c, "SELECT 3").await.as_deref(), Some("3"));
    // Cancel of the extended protocol too.
    let token = c.cancel_token();
    let q = tokio::spawn(async move {
        c.query("SELECT max(value * 2) FROM range(10000000000)", &[])
            .await
            .map(|_| ())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    token.cancel_query(NoTls).await.unwrap();
    let e = q.await.unwrap().expect_err("cancelled");
    assert_eq!(code(&e), "57014");
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_statement_timeout() {
    let srv = start().await;
    let c = analyst(&srv).await;
    c.batch_execute("SET statement_timeout = 300")
        .await
        .unwrap();
    let t0 = Instant::now();
    let e = c
        .simple_query("SELECT max(value * 2) FROM range(10000000000)")
        .await
        .expect_err("times out");
    assert_eq!(code(&e), "57014");
    assert!(e.as_db_error().unwrap().message().contains("timeout"));
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "timeout took {:?}",
        t0.elapsed()
    );
    // Quick statements still run.
    assert_eq!(simple_one(&c, "SELECT 4").await.as_deref(), Some("4"));
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_connection_limit() {
    let srv = start_with(|c| c.max_connections = 2).await;
    let a = analyst(&srv).await;
    let _b = analyst(&srv).await;
    let e = connect_as(&srv, "analyst", ANALYST_PW)
        .await
        .err()
        .expect("third connection refused");
    assert_eq!(code(&e), "53300");
    // A slot frees when a client leaves.
    drop(a);
    let mut ok = false;
    for _ in 0..50 {
        if connect_as(&srv, "analyst", ANALYST_PW).await.is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok, "a slot frees after disconnect");
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_portal_suspension_and_cursors() {
    let srv = start().await;
    let mut c = analyst(&srv).await;
    let tx = c.transaction().await.unwrap();
    let portal = tx
        .bind("SELECT value FROM range(1000) ORDER BY value", &[])
        .await
        .unwrap();
    let mut total = 0;
    let mut fetches = 0;
    loop {
        let rows = tx.query_portal(&portal, 300).await.unwrap();
        if rows.is_empty() {
            break;
        }
        assert_eq!(rows[0].get::<_, i64>(0), total as i64);
        total += rows.len();
        fetches += 1;
    }
    assert_eq!(total, 1000);
    assert_eq!(fetches, 4);
    tx.commit().await.unwrap();

    let msgs = c
        .simple_query(
            "BEGIN; DECLARE cur CURSOR FOR SELECT value FROM range(10) ORDER BY value; \
             FETCH 3 FROM cur; FETCH NEXT FROM cur",
        )
        .await
        .unwrap();
    let rows: Vec<String> = msgs
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(rows, vec!["0", "1", "2", "3"]);
    let rest = simple_rows(&c, "FETCH ALL FROM cur").await;
    assert_eq!(rest.len(), 6);
    c.batch_execute("CLOSE cur; COMMIT").await.unwrap();
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_concurrent_sessions_do_not_leak_settings() {
    let srv = Arc::new(start_with(|c| c.max_connections = 80).await);
    let mut tasks = vec![];
    for i in 0..64 {
        let srv = srv.clone();
        tasks.push(tokio::spawn(async move {
            let c = analyst(&srv).await;
            c.batch_execute(&format!("SET application_name = 'client-{i}'"))
                .await
                .unwrap();
            c.batch_execute(&format!(
                "SET datafusion.execution.batch_size = {}",
                1000 + i
            ))
            .await
            .unwrap();
            for j in 0..5 {
                let n: i64 = c
                    .query_one(
                        "SELECT count(*) FROM range(1000) WHERE value < $1",
                        &[&(i as i64 * 10 + j)],
                    )
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(n, i as i64 * 10 + j);
                assert_eq!(
                    simple_one(&c, "SHOW application_name").await.as_deref(),
                    Some(format!("client-{i}").as_str())
                );
                assert_eq!(
                    simple_one(&c, "SHOW datafusion.execution.batch_size").await,
                    Some(format!("{}", 1000 + i)),
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let srv = Arc::try_unwrap(srv).ok().unwrap();
    srv.stop().await.unwrap();
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// 5M rows through the extended protocol (binary) and the simple protocol (text): the server
/// streams, so memory stays flat. Server and client share this process; the client side also
/// streams (`query_raw` / `simple_query_raw`), so growth of this process's RSS bounds the
/// server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_streaming_5m_rows_keeps_memory_flat() {
    use futures::{StreamExt, TryStreamExt};
    const ROWS: i64 = 5_000_000;
    const BOUND_MIB: u64 = 150;
    let srv = start().await;
    let c = analyst(&srv).await;
    // Warm up allocator and plan caches.
    c.query("SELECT * FROM range(100000)", &[]).await.unwrap();
    let base = rss_kib();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(base));
    let stop = CancellationToken::new();
    let sampler = {
        let peak = peak.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            while !stop.is_cancelled() {
                peak.fetch_max(rss_kib(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let t0 = Instant::now();
    let params: Vec<i64> = vec![];
    let stream = c
        .query_raw(
            "SELECT value, value * 2 AS twice FROM range(5000000)",
            params,
        )
        .await
        .unwrap();
    futures::pin_mut!(stream);
    let mut n = 0i64;
    let mut sum = 0i64;
    while let Some(row) = stream.try_next().await.unwrap() {
        sum += row.get::<_, i64>(0);
        n += 1;
    }
    assert_eq!(n, ROWS);
    assert_eq!(sum, ROWS * (ROWS - 1) / 2);
    let binary_time = t0.elapsed();
    let t1 = Instant::now();
    let stream = c
        .simple_query_raw("SELECT value FROM range(5000000)")
        .await
        .unwrap();
    futures::pin_mut!(stream);
    let mut m = 0i64;
    while let Some(msg) = stream.next().await {
        if let SimpleQueryMessage::Row(_) = msg.unwrap() {
            m += 1;
        }
    }
    assert_eq!(m, ROWS);
    let text_time = t1.elapsed();
    stop.cancel();
    sampler.await.unwrap();
    let growth_mib = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(base)
        / 1024;
    eprintln!(
        "streaming 5M rows: binary {binary_time:?}, text {text_time:?}, RSS base {} MiB, growth {growth_mib} MiB (bound {BOUND_MIB} MiB)",
        base / 1024
    );
    assert!(
        growth_mib < BOUND_MIB,
        "RSS grew {growth_mib} MiB while streaming 5M rows"
    );
    let metrics = srv.metrics.render();
    assert!(metrics.contains("aisle_rows_sent_total"), "{metrics}");
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn wire_metrics_and_healthz_endpoints() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = start().await;
    let c = analyst(&srv).await;
    simple_one(&c, "SELECT 1").await;
    let _ = c.simple_query("SELECT * FROM nope").await;
    let addr = srv.metrics_addr.unwrap();
    let get = |path: &'static str| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    };
    let h = get("/healthz").await;
    assert!(h.starts_with("HTTP/1.1 200") && h.ends_with("ok\n"), "{h}");
    let m = get("/metrics").await;
    for want in [
        "aisle_connections_active",
        "aisle_queries_total{outcome=\"ok\"",
        "aisle_queries_total{outcome=\"error\",class=\"42\"}",
        "aisle_query_duration_seconds_bucket",
        "aisle_rows_sent_total",
        "aisle_bytes_sent_total",
    ] {
        assert!(m.contains(want), "missing {want} in\n{m}");
    }
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_graceful_shutdown_lets_running_query_finish() {
    let srv = start_with(|c| c.shutdown_grace_secs = 20).await;
    let c = analyst(&srv).await;
    let q = tokio::spawn(async move {
        c.simple_query("SELECT max(value * 2) FROM range(300000000)")
            .await
            .map(|_| ())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let addr = srv.addr;
    let stopping = tokio::spawn(srv.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New connections are refused while draining.
    assert!(
        tokio_postgres::connect(
            &format!(
                "host=127.0.0.1 port={} user=analyst password={ANALYST_PW}",
                addr.port()
            ),
            NoTls
        )
        .await
        .is_err()
    );
    q.await
        .unwrap()
        .expect("running query completes during the grace period");
    stopping.await.unwrap().unwrap();
}

#[tokio::test]
async fn wire_admin_ddl_and_catalog_queries() {
    let srv = start().await;
    let a = admin(&srv).await;
    a.batch_execute("CREATE TABLE wire_t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, name)")
        .await
        .unwrap();
    a.batch_execute("CREATE VIEW wire_v AS SELECT id FROM wire_t")
        .await
        .unwrap();
    let c = analyst(&srv).await;
    assert_eq!(
        simple_rows(&c, "SELECT * FROM wire_v ORDER BY id")
            .await
            .len(),
        2
    );
    let tables = simple_rows(
        &c,
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n \
         ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1",
    )
    .await;
    let names: Vec<String> = tables.into_iter().map(|r| r[0].clone().unwrap()).collect();
    assert!(
        names.contains(&"wire_t".to_string()) && names.contains(&"wire_v".to_string()),
        "{names:?}"
    );
    let cols = simple_rows(
        &c,
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'wire_t' ORDER BY ordinal_position",
    )
    .await;
    assert_eq!(cols.len(), 2);
    let e = c.simple_query("DROP VIEW wire_v").await.unwrap_err();
    assert_eq!(code(&e), "42501");
    srv.stop().await.unwrap();
}
