//! Clients we cannot install here, replayed: the exact SQL that Npgsql 8/9 (the .NET driver under
//! Power BI) sends when it opens a connection and returns one to its pool, and the queries
//! Grafana's PostgreSQL data source runs to list tables and columns. The SQL texts in
//! `tests/fixtures/replay/` are what those clients put on the wire (Npgsql's
//! `PostgresDatabaseInfo` type-loading batch for a PostgreSQL >= 14 server, Grafana's
//! `postgresMetaQuery` table/column/version queries); these tests replay them verbatim with
//! tokio-postgres, over the simple and the extended protocol, against the real server on
//! 127.0.0.1, and check the rows the way those clients read them. They replay the queries, not
//! the drivers: a driver-side change is not noticed.
//!
//! Also here: `obj_description`/`col_description` (psql `\d+`, `\dt+`) stay right when roles
//! with different catalogs (so different OIDs) ask at the same time.
mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::server::{self, RunningServer, ServerConfig, UserEntry};
use aisle::views::ViewSource;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use tokio_util::sync::CancellationToken;

const PW: &str = "replay-secret";

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/replay")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn start() -> (RunningServer, Arc<Engine>) {
    let engine = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(common::demo_dir()),
        views: ViewSource::BuiltIn,
        target_partitions: Some(2),
        access: aisle::governance::access::AccessPolicy::demo(),
        ..Default::default()
    })
    .await
    .expect("open the demo engine");
    let users = ["admin", "planner", "analyst"]
        .into_iter()
        .map(|u| UserEntry {
            name: u.into(),
            scram_verifier: server::scram_verifier(PW),
            roles: vec![u.into()],
        })
        .collect();
    let cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        users,
        shutdown_grace_secs: 1,
        ..Default::default()
    };
    let srv = server::bind(engine.clone(), cfg, CancellationToken::new())
        .await
        .expect("bind server");
    (srv, engine)
}

async fn connect(srv: &RunningServer, user: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(
        &format!(
            "host=127.0.0.1 port={} user={user} password={PW} dbname=aisle",
            srv.addr.port()
        ),
        NoTls,
    )
    .await
    .unwrap_or_else(|e| panic!("{user} connects: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// One statement's result of a simple-protocol batch: column names and rows as text.
#[derive(Debug, Default)]
struct ResultSet {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

/// Run a (multi-statement) batch with the simple protocol, as Npgsql sends its type loading;
/// one `ResultSet` per statement, split at CommandComplete.
async fn simple_batch(c: &Client, sql: &str) -> Vec<ResultSet> {
    let msgs = c
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("simple batch failed: {e:?}\n{sql}"));
    let mut out = vec![];
    let mut cur = ResultSet::default();
    for m in msgs {
        match m {
            SimpleQueryMessage::RowDescription(cols) => {
                cur.columns = cols.iter().map(|c| c.name().to_string()).collect();
            }
            SimpleQueryMessage::Row(r) => {
                cur.rows
                    .push((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect());
            }
            SimpleQueryMessage::CommandComplete(n) => {
                assert_eq!(n as usize, cur.rows.len(), "CommandComplete row count");
                out.push(std::mem::take(&mut cur));
            }
            _ => {}
        }
    }
    out
}

/// The statements of a batch file (each ends with `;` at the end of a line).
fn statements(batch: &str) -> Vec<String> {
    batch
        .split(";\n")
        .map(str::trim)
        .filter(|s| {
            s.lines()
                .any(|l| !l.trim().is_empty() && !l.trim().starts_with("--"))
        })
        .map(str::to_string)
        .collect()
}

/// Column index by name.
fn col(rs: &ResultSet, name: &str) -> usize {
    rs.columns
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("column {name} missing from {:?}", rs.columns))
}

/// Check the type rows the way Npgsql's `LoadBackendTypes` reads them: non-NULL text it parses
/// (`uint.Parse(oid)`, `typtype[0]`, `typnotnull[0] == 't'`), and every array, range and domain
/// refers to a type listed before it (else Npgsql skips it). Returns oid -> (typname, typtype).
fn check_npgsql_types(rs: &ResultSet) -> HashMap<u32, (String, String)> {
    assert_eq!(
        rs.columns,
        [
            "nspname",
            "oid",
            "typname",
            "typtype",
            "typnotnull",
            "elemtypoid"
        ],
        "the columns Npgsql reads, in its order"
    );
    let mut seen: HashMap<u32, (String, String)> = HashMap::new();
    for row in &rs.rows {
        let text = |i: usize| {
            row[i]
                .clone()
                .unwrap_or_else(|| panic!("column {} is NULL: {row:?}", rs.columns[i]))
        };
        let (nspname, oid, typname, typtype, typnotnull) =
            (text(0), text(1), text(2), text(3), text(4));
        assert!(!nspname.is_empty(), "{row:?}");
        let oid: u32 = oid.parse().unwrap_or_else(|_| panic!("oid: {row:?}"));
        assert!(oid != 0, "{row:?}");
        assert!(
            ["b", "r", "m", "e", "d", "c", "p", "a"].contains(&typtype.as_str()),
            "typtype Npgsql knows: {row:?}"
        );
        assert!(
            typnotnull.starts_with('t') || typnotnull.starts_with('f'),
            "typnotnull: {row:?}"
        );
        if ["a", "r", "m", "d"].contains(&typtype.as_str()) {
            let elem: u32 = row[5]
                .as_deref()
                .unwrap_or_else(|| panic!("elemtypoid of {typtype}: {row:?}"))
                .parse()
                .unwrap_or_else(|_| panic!("elemtypoid: {row:?}"));
            assert!(
                seen.contains_key(&elem),
                "{typname} refers to {elem}, not listed before it"
            );
        }
        seen.insert(oid, (typname, typtype));
    }
    seen
}

/// Type OIDs of the columns aisle sends: every result type and the catalog tables' columns.
async fn our_type_oids(c: &Client) -> Vec<(String, u32)> {
    let mut out = vec![];
    for sql in [
        "SELECT 1::SMALLINT AS i2, 2::INT AS i4, 3::BIGINT AS i8, 1.5::REAL AS f4, \
         2.5::DOUBLE AS f8, true AS b, 'x' AS t, 'v'::VARCHAR AS v, DATE '2024-01-02' AS d, \
         TIMESTAMP '2024-01-02 03:04:05' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tstz, \
         CAST(1.5 AS DECIMAL(10,2)) AS num, make_array(1, 2) AS a_i8, make_array(1.5, 2.5) AS a_f8, \
         make_array('a', 'b') AS a_t, INTERVAL '1 day' AS iv",
        "SELECT * FROM stores LIMIT 0",
        "SELECT * FROM sales_lines LIMIT 0",
        "SELECT * FROM products LIMIT 0",
        "SELECT * FROM daily_sales LIMIT 0",
    ] {
        let st = c
            .prepare(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        for column in st.columns() {
            out.push((column.name().to_string(), column.type_().oid()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npgsql_startup_replay_simple_protocol() {
    let (srv, _engine) = start().await;
    let batch = fixture("npgsql_load_types.sql");
    for user in ["admin", "planner"] {
        let c = connect(&srv, user).await;
        // Npgsql's first round trip: version(), types, composite fields, enum labels, one batch.
        let sets = simple_batch(&c, &batch).await;
        assert_eq!(sets.len(), 4, "four result sets: {sets:?}");
        assert_eq!(sets[0].rows.len(), 1);
        let version = sets[0].rows[0][0].clone().expect("version");
        assert!(version.starts_with("PostgreSQL 16."), "{version}");
        let types = check_npgsql_types(&sets[1]);
        let by_name: HashMap<&str, u32> = types
            .iter()
            .map(|(oid, (n, _))| (n.as_str(), *oid))
            .collect();
        for (name, oid) in [
            ("bool", 16),
            ("int2", 21),
            ("int4", 23),
            ("int8", 20),
            ("float4", 700),
            ("float8", 701),
            ("text", 25),
            ("varchar", 1043),
            ("date", 1082),
            ("timestamp", 1114),
            ("timestamptz", 1184),
            ("numeric", 1700),
            ("interval", 1186),
            ("_int8", 1016),
            ("_float8", 1022),
            ("_text", 1009),
            ("record", 2249),
        ] {
            assert_eq!(by_name.get(name), Some(&oid), "pg_type row for {name}");
        }
        assert_eq!(types[&1016].1, "a", "_int8 is an array for Npgsql");
        // Every type aisle puts in a RowDescription is one Npgsql has loaded.
        for (column, oid) in our_type_oids(&c).await {
            assert!(
                types.contains_key(&oid),
                "column {column}: type oid {oid} not in Npgsql's type list"
            );
        }
        assert_eq!(sets[2].columns, ["oid", "attname", "atttypid"]);
        assert_eq!(sets[3].columns, ["oid", "enumlabel"]);
        // What Npgsql sends when a pooled connection is returned (reset) and reused.
        let discard = simple_batch(&c, "DISCARD ALL").await;
        assert!(discard.iter().all(|s| s.rows.is_empty()));
        let again = simple_batch(&c, "SELECT version();").await;
        assert_eq!(again[0].rows[0][0].as_deref(), Some(version.as_str()));
    }
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npgsql_startup_replay_extended_protocol() {
    let (srv, _engine) = start().await;
    let c = connect(&srv, "analyst").await;
    let batch = fixture("npgsql_load_types.sql");
    let stmts = statements(&batch);
    assert_eq!(stmts.len(), 4, "{stmts:#?}");
    let simple = simple_batch(&c, &batch).await;
    for (i, sql) in stmts.iter().enumerate() {
        // Parse/Bind/Execute of each statement (binary results): same columns, same rows.
        let st = c
            .prepare(sql)
            .await
            .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
        let names: Vec<&str> = st.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, simple[i].columns, "{sql}");
        let rows = c
            .query(&st, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(rows.len(), simple[i].rows.len(), "{sql}");
        if i == 1 {
            // the oid and typname columns decode as the types RowDescription announced
            let oid_col = col(&simple[1], "oid");
            let name_col = col(&simple[1], "typname");
            let mut oids = HashSet::new();
            for r in &rows {
                let oid: String = match st.columns()[oid_col].type_().oid() {
                    23 => r.get::<_, i32>(oid_col).to_string(),
                    20 => r.get::<_, i64>(oid_col).to_string(),
                    26 => r.get::<_, u32>(oid_col).to_string(),
                    other => panic!("oid column of type {other}"),
                };
                let name: String = r.get(name_col);
                assert!(!name.is_empty());
                oids.insert(oid);
            }
            let simple_oids: HashSet<String> = simple[1]
                .rows
                .iter()
                .map(|r| r[oid_col].clone().unwrap())
                .collect();
            assert_eq!(oids, simple_oids);
        }
    }
    c.execute("DISCARD ALL", &[]).await.expect("DISCARD ALL");
    let v: String = c.query_one("SELECT version()", &[]).await.unwrap().get(0);
    assert!(v.starts_with("PostgreSQL 16."), "{v}");
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grafana_meta_queries_replay() {
    let (srv, _engine) = start().await;
    let tables_sql = fixture("grafana_tables.sql");
    for (user, sees_customers) in [("admin", true), ("planner", false)] {
        let c = connect(&srv, user).await;
        // simple protocol
        let sets = simple_batch(&c, &tables_sql).await;
        assert_eq!(sets[0].columns, ["table"]);
        let tables: HashSet<String> = sets[0].rows.iter().filter_map(|r| r[0].clone()).collect();
        for t in ["stores", "sales_lines", "products", "daily_sales"] {
            assert!(tables.contains(t), "{user}: Grafana lists {t}: {tables:?}");
        }
        assert_eq!(
            tables.contains("customers"),
            sees_customers,
            "{user}: {tables:?}"
        );
        assert!(!tables.iter().any(|t| t.starts_with("pg_")), "{tables:?}");
        // extended protocol: the same list
        let rows = c
            .query(tables_sql.trim().trim_end_matches(';'), &[])
            .await
            .expect("Grafana table list, extended protocol");
        let ext: HashSet<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
        assert_eq!(ext, tables);

        let cols = simple_batch(&c, &fixture("grafana_columns.sql")).await;
        assert_eq!(cols[0].columns, ["column", "type"]);
        let types: HashMap<String, String> = cols[0]
            .rows
            .iter()
            .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
            .collect();
        assert_eq!(types.get("store_id").map(String::as_str), Some("integer"));
        assert_eq!(types.get("name").map(String::as_str), Some("text"));
        assert_eq!(types.get("opened_date").map(String::as_str), Some("date"));

        let version = simple_batch(&c, &fixture("grafana_version.sql")).await;
        assert_eq!(version[0].rows, [[Some("1600".to_string())]]);
        assert!(version[1].rows.is_empty(), "no timescaledb");
    }
    srv.stop().await.unwrap();
}

/// `obj_description`/`col_description` as psql `\dt+` and `\d+` call them: every relation of
/// the `public` schema with its comment, its first column and that column's comment.
const DESCRIBE: &str = "SELECT c.relname, pg_catalog.obj_description(c.oid, 'pg_class'), \
     a.attname, pg_catalog.col_description(a.attrelid, a.attnum) FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid \
     WHERE n.nspname = 'public' AND a.attnum = 1 ORDER BY 1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_stay_right_under_concurrent_roles() {
    let (srv, engine) = start().await;
    // What the catalog files say, by relation name: description and column comments.
    let expected: HashMap<String, (String, HashMap<String, String>)> = engine
        .tables()
        .iter()
        .map(|t| {
            let cols = t
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.description.clone()))
                .collect();
            (t.name.clone(), (t.description.clone(), cols))
        })
        .collect();
    // The roles' catalogs differ, so pg_catalog hands the same relation different OIDs (else
    // this test would prove nothing).
    let oids = |rows: Vec<tokio_postgres::Row>| -> HashMap<String, i64> {
        rows.iter()
            .map(|r| {
                let oid: i64 = match r.columns()[1].type_().oid() {
                    23 => r.get::<_, i32>(1) as i64,
                    26 => r.get::<_, u32>(1) as i64,
                    _ => r.get::<_, i64>(1),
                };
                (r.get::<_, String>(0), oid)
            })
            .collect()
    };
    let sql = "SELECT c.relname, c.oid FROM pg_catalog.pg_class c \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'";
    let admin_oids = oids(connect(&srv, "admin").await.query(sql, &[]).await.unwrap());
    let planner_oids = oids(
        connect(&srv, "planner")
            .await
            .query(sql, &[])
            .await
            .unwrap(),
    );
    assert!(
        planner_oids
            .iter()
            .any(|(name, oid)| admin_oids.get(name) != Some(oid)),
        "admin and planner catalogs assign the same OIDs: {admin_oids:?} {planner_oids:?}"
    );
    assert!(!planner_oids.contains_key("customers"));

    let mut tasks = vec![];
    for (i, user) in ["admin", "planner", "analyst", "admin", "planner", "analyst"]
        .into_iter()
        .enumerate()
    {
        let c = connect(&srv, user).await;
        let expected = expected.clone();
        tasks.push(tokio::spawn(async move {
            let mut checked = 0usize;
            for round in 0..8 {
                // simple and extended protocol in turn
                type Described = (String, Option<String>, String, Option<String>);
                let rows: Vec<Described> = if (i + round) % 2 == 0 {
                    simple_batch(&c, DESCRIBE)
                        .await
                        .remove(0)
                        .rows
                        .into_iter()
                        .map(|r| {
                            (
                                r[0].clone().unwrap(),
                                r[1].clone(),
                                r[2].clone().unwrap(),
                                r[3].clone(),
                            )
                        })
                        .collect()
                } else {
                    c.query(DESCRIBE, &[])
                        .await
                        .unwrap()
                        .iter()
                        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                        .collect()
                };
                for (name, description, column, column_comment) in rows {
                    if let Some((want, cols)) = expected.get(&name) {
                        let want = (!want.is_empty()).then(|| want.clone());
                        assert_eq!(description, want, "{user}: table comment of {name}");
                        let want_col = cols.get(&column).filter(|d| !d.is_empty()).cloned();
                        assert_eq!(
                            column_comment, want_col,
                            "{user}: comment of {name}.{column}"
                        );
                        checked += 1;
                    }
                }
            }
            checked
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("no mismatch");
    }
    assert!(total > 6 * 8 * 5, "compared {total} relation comments");
    srv.stop().await.unwrap();
}

/// What pgjdbc's `getIndexInfo` needs besides `_pg_expandarray`: `pg_settings.max_index_keys`
/// and subscripts of pg_index's int2vector columns (text here), 0-based as in PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jdbc_index_info_catalog_pieces() {
    let (srv, _engine) = start().await;
    let c = connect(&srv, "analyst").await;
    let rows = simple_batch(
        &c,
        "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'",
    )
    .await;
    assert_eq!(rows[0].rows, [[Some("32".to_string())]]);
    let rows = simple_batch(
        &c,
        "SELECT pg_vector_element('1 2 3', 0), pg_vector_element('1 2 3', 2), \
         pg_vector_element('1 2', 5), pg_vector_element(NULL, 0)",
    )
    .await;
    assert_eq!(
        rows[0].rows,
        [[Some("1".to_string()), Some("3".to_string()), None, None]]
    );
    // the subscript of an int2vector column plans and runs; pg_catalog's own indexes are
    // listed, so compare with the column's text
    let rows = simple_batch(
        &c,
        "SELECT CAST(i.indkey AS TEXT), i.indkey[0], i.indkey[1], i.indoption[0] & 1::smallint \
         FROM pg_catalog.pg_index i",
    )
    .await
    .remove(0)
    .rows;
    assert!(!rows.is_empty(), "pg_index lists pg_catalog's indexes");
    for r in &rows {
        let keys: Vec<&str> = r[0].as_deref().unwrap_or("").split_whitespace().collect();
        assert_eq!(r[1].as_deref(), keys.first().copied(), "indkey[0] of {r:?}");
        assert_eq!(r[2].as_deref(), keys.get(1).copied(), "indkey[1] of {r:?}");
    }
    srv.stop().await.unwrap();
}
