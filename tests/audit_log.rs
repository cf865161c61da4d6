//! The audit log: every statement of every user (simple and extended protocol, succeeded,
//! failed, denied) is one row of `aisle_audit`, readable by auditors and admins only, on disk
//! before the statement completes (it survives `kill -9`), rotated by size.
mod common;
mod gov_support;

use std::collections::BTreeMap;

use gov_support::{code, connect, one, rows, setup, start};

/// (user, statement, expected outcome, expected SQLSTATE)
const SIMPLE: &[(&str, &str, &str, &str)] = &[
    ("admin", "SELECT count(*) FROM products", "ok", "00000"),
    ("admin", "SELECT 1 +", "error", "42601"),
    (
        "planner",
        "SELECT sku_id FROM products ORDER BY sku_id LIMIT 3",
        "ok",
        "00000",
    ),
    ("planner", "SELECT * FROM no_such_table", "error", "42P01"),
    ("planner", "CREATE TABLE t AS SELECT 1", "denied", "42501"),
    ("planner", "SELECT * FROM aisle_audit", "denied", "42501"),
    ("analyst", "SELECT count(*) FROM stores", "ok", "00000"),
    ("analyst", "SELECT * FROM aisle_audit", "denied", "42501"),
    (
        "analyst",
        "SET application_name = 'audit-test'",
        "ok",
        "00000",
    ),
    ("approver", "SHOW server_version", "ok", "00000"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_every_statement_of_every_user() {
    // Small files so the log rotates during the test.
    let s = setup("rotate_bytes = 4096");
    let srv = start(&s);
    let users = ["admin", "planner", "analyst", "approver"];
    let mut clients = BTreeMap::new();
    for u in users {
        clients.insert(u, connect(srv.port, u, "audit-test").await);
    }
    // expected (user, outcome, sqlstate) -> count
    let mut expected: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut add = |u: &str, o: &str, c: &str| {
        *expected
            .entry((u.to_string(), o.to_string(), c.to_string()))
            .or_default() += 1;
    };
    // Each statement three times, interleaving users.
    for _ in 0..3 {
        for (u, sql, outcome, sqlstate) in SIMPLE {
            let r = clients[u].simple_query(sql).await;
            match (&r, *outcome) {
                (Ok(_), "ok") => {}
                (Err(e), "error" | "denied") => assert_eq!(code(e), *sqlstate, "{u}: {sql}"),
                _ => panic!("{u}: {sql}: unexpected {r:?}"),
            }
            add(u, outcome, sqlstate);
        }
    }
    // Extended protocol: parameters are audited as a hash, never as values.
    let secret = "very-secret-value-4711";
    for u in ["admin", "planner"] {
        let r = clients[u]
            .query("SELECT $1::text AS v, $2::int + 1 AS n", &[&secret, &41i32])
            .await
            .unwrap();
        assert_eq!(r[0].get::<_, i64>(1), 42);
        add(u, "ok", "00000");
        // A failing Parse is audited too.
        let e = clients[u].prepare("SELEC 1").await.unwrap_err();
        assert_eq!(code(&e), "42601");
        add(u, "error", "42601");
    }
    let total: usize = expected.values().sum();

    let auditor = connect(srv.port, "auditor", "auditor-check").await;
    let got = rows(
        &auditor,
        "SELECT user_name, outcome, sqlstate, count(*) FROM aisle_audit \
         WHERE application_name = 'audit-test' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .await;
    let got: BTreeMap<(String, String, String), usize> = got
        .into_iter()
        .map(|r| {
            (
                (
                    r[0].clone().unwrap(),
                    r[1].clone().unwrap(),
                    r[2].clone().unwrap(),
                ),
                r[3].as_ref().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected, "audit rows by user, outcome and SQLSTATE");

    // Details of one row: client address, protocol, duration, rows, statement text.
    let r = rows(
        &auditor,
        "SELECT client_addr, protocol, rows, duration_ms >= 0, statement, error \
         FROM aisle_audit WHERE user_name = 'planner' AND statement LIKE 'SELECT sku_id%'",
    )
    .await;
    assert_eq!(r.len(), 3);
    assert!(
        r[0][0].as_deref().unwrap().starts_with("127.0.0.1:"),
        "{r:?}"
    );
    assert_eq!(r[0][1].as_deref(), Some("simple"));
    assert_eq!(r[0][2].as_deref(), Some("3"));
    assert_eq!(r[0][3].as_deref(), Some("t"));
    assert_eq!(r[0][5], None);
    let ext = rows(
        &auditor,
        "SELECT protocol, params_sha256, statement FROM aisle_audit \
         WHERE statement LIKE 'SELECT $1::text%'",
    )
    .await;
    assert_eq!(ext.len(), 2, "{ext:?}");
    for r in &ext {
        assert_eq!(r[0].as_deref(), Some("extended"));
        assert_eq!(r[1].as_deref().map(str::len), Some(64), "sha256 hex: {r:?}");
        assert!(!r[2].as_deref().unwrap().contains(secret));
    }
    assert_eq!(ext[0][1], ext[1][1], "same values, same hash");
    let all_text = rows(
        &auditor,
        "SELECT string_agg(statement, ' ') FROM aisle_audit",
    )
    .await;
    assert!(!format!("{all_text:?}").contains(secret));
    // Denied statements carry the error message.
    let denied = one(
        &auditor,
        "SELECT min(error) FROM aisle_audit WHERE user_name = 'analyst' AND outcome = 'denied'",
    )
    .await
    .unwrap();
    assert!(denied.contains("permission denied"), "{denied}");
    // Admins may read the log too; the log rotated into several files.
    assert!(
        one(&clients["admin"], "SELECT count(*) FROM aisle_audit")
            .await
            .unwrap()
            .parse::<usize>()
            .unwrap()
            >= total
    );
    let files = std::fs::read_dir(s.dir("audit")).unwrap().count();
    assert!(
        files >= 2,
        "rotate_bytes = 4096 must rotate, got {files} file(s)"
    );

    // Durable before completion: kill -9 right after, nothing acknowledged is lost.
    let before: usize = one(&auditor, "SELECT count(*) FROM aisle_audit")
        .await
        .unwrap()
        .parse()
        .unwrap();
    for i in 0..20 {
        clients["planner"]
            .simple_query(&format!("SELECT {i} AS marker_before_kill"))
            .await
            .unwrap();
    }
    drop(clients);
    drop(auditor);
    srv.kill9();
    let srv = start(&s);
    let auditor = connect(srv.port, "auditor", "auditor-check").await;
    let markers = one(
        &auditor,
        "SELECT count(*) FROM aisle_audit WHERE statement LIKE '%marker_before_kill'",
    )
    .await;
    assert_eq!(markers.as_deref(), Some("20"));
    let after: usize = one(&auditor, "SELECT count(*) FROM aisle_audit")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(after >= before + 20, "before {before}, after {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_log_is_refused_to_other_roles_on_every_path() {
    let s = setup("");
    let srv = start(&s);
    for u in ["planner", "analyst", "approver"] {
        let c = connect(srv.port, u, "t").await;
        for sql in [
            "SELECT * FROM aisle_audit",
            "SELECT count(*) FROM (SELECT * FROM aisle_audit) x",
            "WITH a AS (SELECT * FROM aisle_audit) SELECT count(*) FROM a",
            "SELECT count(*) FROM products p JOIN aisle_audit a ON a.user_name = p.category",
        ] {
            let e = c.simple_query(sql).await.unwrap_err();
            assert_eq!(code(&e), "42501", "{u}: {sql}");
        }
    }
    let c = connect(srv.port, "auditor", "t").await;
    let n: usize = one(
        &c,
        "SELECT count(*) FROM aisle_audit WHERE outcome = 'denied'",
    )
    .await
    .unwrap()
    .parse()
    .unwrap();
    assert_eq!(n, 12);
}
