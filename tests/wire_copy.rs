//! `COPY ... TO STDOUT` on the real `aisle serve` binary over the demo dataset, with
//! tokio-postgres `copy_out` (extended protocol): text and CSV formats and their escaping, table
//! and query sources, admin-only access (42501), COPY to a file or FROM refused (0A000), and the
//! audit log recording it like any statement.
mod common;
mod gov_support;

use futures::TryStreamExt;
use gov_support::{code, connect, one, rows, setup, start};
use tokio_postgres::Client;

async fn copy_out(c: &Client, sql: &str) -> Result<String, tokio_postgres::Error> {
    let stream = c.copy_out(sql).await?;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await?;
    let all: Vec<u8> = chunks.iter().flat_map(|b| b.iter().copied()).collect();
    Ok(String::from_utf8(all).expect("COPY output is UTF-8"))
}

#[tokio::test]
async fn copy_to_stdout_text_csv_access_and_audit() {
    let s = setup("");
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "copy-test").await;

    // Text format: PostgreSQL's escaping (backslash, tab, newline) and \N for NULL.
    let out = copy_out(
        &admin,
        "COPY (SELECT 'a\tb' AS x, CAST(NULL AS VARCHAR) AS y, 'back\\slash' AS z, \
         'two' || chr(10) || 'lines' AS w, 42 AS n) TO STDOUT",
    )
    .await
    .expect("copy text");
    assert_eq!(out, "a\\tb\t\\N\tback\\\\slash\ttwo\\nlines\t42\n");

    // CSV with HEADER: quoting only where needed, NULL as an empty unquoted field, an empty
    // string quoted.
    let out = copy_out(
        &admin,
        "COPY (SELECT 'a,b' AS x, 'say \"hi\"' AS y, CAST(NULL AS VARCHAR) AS z, '' AS e, 7 AS n) \
         TO STDOUT WITH (FORMAT csv, HEADER true)",
    )
    .await
    .expect("copy csv");
    assert_eq!(out, "x,y,z,e,n\n\"a,b\",\"say \"\"hi\"\"\",,\"\",7\n");

    // DELIMITER and the old `CSV HEADER` spelling.
    let out = copy_out(
        &admin,
        "COPY (SELECT 1 AS a, 2 AS b) TO STDOUT WITH (FORMAT csv, DELIMITER ';')",
    )
    .await
    .unwrap();
    assert_eq!(out, "1;2\n");

    // A whole table from the demo data: one line per row, matching a SELECT of the same rows.
    let n: usize = one(&admin, "SELECT count(*) FROM stores")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0);
    let out = copy_out(&admin, "COPY stores TO STDOUT CSV HEADER")
        .await
        .expect("copy table");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), n + 1, "header + one line per store");
    let cols: Vec<String> = rows(
        &admin,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'stores' \
         ORDER BY ordinal_position",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone().unwrap())
    .collect();
    assert_eq!(lines[0], cols.join(","));

    // Column list and a query in text format agree with the simple-protocol rows.
    let out = copy_out(
        &admin,
        "COPY (SELECT store_id, region_id FROM stores ORDER BY store_id) TO STDOUT",
    )
    .await
    .unwrap();
    let expected: String = rows(
        &admin,
        "SELECT store_id, region_id FROM stores ORDER BY store_id",
    )
    .await
    .into_iter()
    .map(|r| {
        let v: Vec<String> = r
            .into_iter()
            .map(|x| x.unwrap_or_else(|| "\\N".into()))
            .collect();
        format!("{}\n", v.join("\t"))
    })
    .collect();
    assert_eq!(out, expected);

    // Errors: planning errors keep their SQLSTATE; files, FROM and binary are refused.
    let e = copy_out(&admin, "COPY (SELECT * FROM no_such_table) TO STDOUT")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "42P01");
    for sql in [
        "COPY stores TO '/tmp/aisle-copy-test.csv'",
        "COPY (SELECT 1) TO STDOUT (FORMAT binary)",
    ] {
        let e = copy_out(&admin, sql).await.unwrap_err();
        assert_eq!(code(&e), "0A000", "{sql}: {e}");
    }
    let e = admin
        .simple_query("COPY stores TO '/tmp/aisle-copy-test.csv'")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "0A000");
    assert!(
        e.as_db_error()
            .unwrap()
            .message()
            .contains("COPY TO a file is not supported, use COPY ... TO STDOUT"),
        "{e:?}"
    );
    assert!(!std::path::Path::new("/tmp/aisle-copy-test.csv").exists());
    // The session still works after the errors.
    assert_eq!(one(&admin, "SELECT 1").await.as_deref(), Some("1"));

    // Non-admins may not COPY in any form.
    let analyst = connect(srv.port, "analyst", "copy-test").await;
    for sql in [
        "COPY (SELECT 1) TO STDOUT",
        "COPY stores TO STDOUT",
        "COPY stores TO '/tmp/aisle-copy-test.csv'",
    ] {
        let e = copy_out(&analyst, sql).await.unwrap_err();
        assert_eq!(code(&e), "42501", "{sql}: {e}");
    }
    let e = analyst
        .simple_query("COPY stores FROM STDIN")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "42501");

    // The audit log records COPY like any statement, with its row count.
    let auditor = connect(srv.port, "auditor", "copy-check").await;
    let got = rows(
        &auditor,
        "SELECT user_name, outcome, sqlstate, CAST(rows AS VARCHAR) FROM aisle_audit \
         WHERE application_name = 'copy-test' AND statement LIKE 'COPY stores TO STDOUT CSV%'",
    )
    .await;
    assert_eq!(
        got,
        vec![vec![
            Some("admin".to_string()),
            Some("ok".to_string()),
            Some("00000".to_string()),
            Some(n.to_string()),
        ]]
    );
    let denied = one(
        &auditor,
        "SELECT count(*) FROM aisle_audit WHERE application_name = 'copy-test' \
         AND user_name = 'analyst' AND statement LIKE 'COPY%' AND sqlstate = '42501'",
    )
    .await;
    assert_eq!(denied.as_deref(), Some("4"));
    drop(srv);
}
