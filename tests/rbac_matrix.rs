//! The RBAC matrix: every demo role x every table and view x access path, through a real server
//! over real sockets (tokio-postgres), on the shared demo dataset with the built-in demo grants.
//!
//! Paths: direct SELECT, CTE, subquery (FROM and IN), join with a granted table, the extended
//! protocol, `information_schema.tables`/`columns`, `pg_catalog.pg_class`, a table function
//! (`forecast_table`), a view over a table the role may not read, file paths, COPY, DDL and
//! engine SET. Expected access is written here independently of the implementation (the demo
//! grants as documented in docs/governance.md), and PII values are compared with admin's.
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::governance::access::policy::glob_match;
use aisle::governance::access::{AccessPolicy, Privilege};
use aisle::server::{self, RunningServer, ServerConfig, UserEntry};
use aisle::views::ViewSource;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use tokio_util::sync::CancellationToken;

const ROLES: &[&str] = &["admin", "planner", "approver", "analyst", "auditor"];

fn password(user: &str) -> String {
    format!("{user}-rbac-pw")
}

/// What each demo role may read, as documented (docs/governance.md, "Demo grants").
fn expected_read(role: &str, relation: &str) -> bool {
    let public = relation == "aisle_roles" || relation == "aisle_grants";
    let governance = relation.starts_with("aisle_audit")
        || ["decisions", "pending_approvals", "approved_actions"].contains(&relation);
    match role {
        "admin" => true,
        _ if public => true,
        "analyst" => !governance,
        "planner" | "approver" => {
            relation != "customers" && !relation.starts_with("customer_") && !governance
                || ["decisions", "pending_approvals", "approved_actions"].contains(&relation)
        }
        "auditor" => relation.starts_with("aisle_audit"),
        _ => false,
    }
}

async fn start() -> RunningServer {
    start_with(AccessPolicy::demo(), &[]).await
}

/// A server over the demo data with `policy`, the demo users, a user `nobody` with an unknown
/// role, and `extra` users (name, roles).
async fn start_with(policy: AccessPolicy, extra: &[(&str, &[&str])]) -> RunningServer {
    let engine: Arc<Engine> = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(common::demo_dir()),
        views: ViewSource::BuiltIn,
        target_partitions: Some(2),
        access: policy,
        ..Default::default()
    })
    .await
    .expect("open the demo engine");
    let mut users: Vec<(&str, Vec<&str>)> = ROLES.iter().map(|r| (*r, vec![*r])).collect();
    users.push(("nobody", vec!["no_such_role"]));
    users.extend(extra.iter().map(|(u, r)| (*u, r.to_vec())));
    let users = users
        .into_iter()
        .map(|(name, roles)| UserEntry {
            name: name.to_string(),
            scram_verifier: server::scram_verifier(&password(name)),
            roles: roles.into_iter().map(str::to_string).collect(),
        })
        .collect();
    let cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        users,
        shutdown_grace_secs: 2,
        ..Default::default()
    };
    server::bind(engine, cfg, CancellationToken::new())
        .await
        .expect("bind server")
}

async fn connect(srv: &RunningServer, user: &str) -> Client {
    let dsn = format!(
        "host=127.0.0.1 port={} user={user} password={} dbname=aisle",
        srv.addr.port(),
        password(user)
    );
    let (client, conn) = tokio_postgres::connect(&dsn, NoTls)
        .await
        .unwrap_or_else(|e| panic!("{user} connects: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// Rows as text, or the SQLSTATE and message of the error.
async fn run(c: &Client, sql: &str) -> Result<Vec<Vec<Option<String>>>, (String, String)> {
    match c.simple_query(sql).await {
        Ok(msgs) => Ok(msgs
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()),
        Err(e) => Err((
            e.code()
                .map(|c| c.code().to_string())
                .unwrap_or_else(|| "none".into()),
            e.as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_else(|| e.to_string()),
        )),
    }
}

async fn rows(c: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    run(c, sql).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

async fn one(c: &Client, sql: &str) -> Option<String> {
    rows(c, sql).await.remove(0).remove(0)
}

fn names(rows: Vec<Vec<Option<String>>>) -> BTreeSet<String> {
    rows.into_iter().filter_map(|mut r| r.remove(0)).collect()
}

/// Assert `sql` is allowed (`true`) or refused with 42501 naming `relation`.
fn check(
    failures: &mut Vec<String>,
    role: &str,
    relation: &str,
    path: &str,
    allowed: bool,
    result: &Result<Vec<Vec<Option<String>>>, (String, String)>,
) {
    match (allowed, result) {
        (true, Ok(_)) => {}
        (false, Err((code, msg))) if code == "42501" && msg.contains(relation) => {}
        (want, got) => failures.push(format!(
            "{role} x {relation} via {path}: expected {}, got {got:?}",
            if want { "allowed" } else { "42501" }
        )),
    }
}

/// Every relation x access path for one role: (failures, number of checks).
async fn check_role(
    srv: &RunningServer,
    role: &str,
    relations: &[(String, String)],
    names_all: &BTreeSet<String>,
) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut checked = 0usize;
    let c = connect(&srv, role).await;
    let listed_tables = names(
        rows(
            &c,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .await,
    );
    let listed_columns = names(
        rows(
            &c,
            "SELECT DISTINCT table_name FROM information_schema.columns \
             WHERE table_schema = 'public'",
        )
        .await,
    );
    let listed_pg_class = names(
        rows(
            &c,
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n \
             ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
        )
        .await,
    );
    for (rel, _kind) in relations {
        let allowed = expected_read(role, rel);
        let paths = [
            ("direct", format!("SELECT * FROM {rel} LIMIT 0")),
            (
                "cte",
                format!(
                    "WITH x AS (SELECT * FROM {rel}) SELECT count(*) FROM (SELECT * FROM x LIMIT 0) y"
                ),
            ),
            (
                "IN subquery",
                format!(
                    "SELECT 1 FROM (VALUES (1)) v(x) WHERE x IN (SELECT 1 FROM (SELECT * FROM {rel} LIMIT 0) q)"
                ),
            ),
            (
                "join",
                format!(
                    "SELECT * FROM aisle_roles r JOIN (SELECT * FROM {rel} LIMIT 0) t ON true LIMIT 0"
                ),
            ),
        ];
        for (path, sql) in &paths {
            let r = run(&c, sql).await;
            check(&mut failures, role, rel, path, allowed, &r);
            checked += 1;
        }
        // The extended protocol plans the same way.
        let r = c
            .query(format!("SELECT * FROM {rel} LIMIT 0").as_str(), &[])
            .await
            .map(|_| vec![])
            .map_err(|e| {
                (
                    e.code().map(|c| c.code().to_string()).unwrap_or_default(),
                    e.as_db_error()
                        .map(|d| d.message().to_string())
                        .unwrap_or_default(),
                )
            });
        check(&mut failures, role, rel, "extended protocol", allowed, &r);
        for (path, listed) in [
            ("information_schema.tables", &listed_tables),
            ("information_schema.columns", &listed_columns),
            ("pg_class", &listed_pg_class),
        ] {
            if listed.contains(rel) != allowed {
                failures.push(format!(
                    "{role} x {rel} via {path}: listed = {}, expected {allowed}",
                    listed.contains(rel)
                ));
            }
        }
        checked += 4;
    }
    // Nothing but granted relations is listed at all.
    for extra in listed_tables.difference(&names_all) {
        failures.push(format!("{role} lists unknown relation {extra}"));
    }
    (failures, checked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_matrix_roles_relations_paths() {
    let srv = start().await;
    let admin = connect(&srv, "admin").await;

    // Every relation of the catalog, as admin sees it.
    let all = rows(
        &admin,
        "SELECT table_name, table_type FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY 1",
    )
    .await;
    let relations: Vec<(String, String)> = all
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect();
    let names_all: BTreeSet<String> = relations.iter().map(|r| r.0.clone()).collect();
    for must in [
        "customers",
        "daily_sales",
        "stores",
        "customer_value",
        "demand_forecast",
    ] {
        assert!(
            names_all.contains(must),
            "{must} missing from {names_all:?}"
        );
    }
    assert!(relations.len() >= 25, "{relations:?}");

    let mut failures = Vec::new();
    let mut checked = 0usize;
    // The roles run at once (one connection each), which also exercises the shared per-grant
    // catalogs under concurrency.
    let results = futures::future::join_all(
        ROLES
            .iter()
            .map(|role| check_role(&srv, role, &relations, &names_all)),
    )
    .await;
    for (f, n) in results {
        failures.extend(f);
        checked += n;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 5 * 25 * 8 - 1, "checked {checked}");
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_pii_masked_on_every_path() {
    let srv = start().await;
    let admin = connect(&srv, "admin").await;
    let analyst = connect(&srv, "analyst").await;
    let planner = connect(&srv, "planner").await;

    let total = one(&admin, "SELECT count(*) FROM customers").await.unwrap();
    assert_ne!(total, "0");
    // Admin sees PII.
    assert_eq!(
        one(&admin, "SELECT count(email) FROM customers")
            .await
            .as_deref(),
        Some(total.as_str())
    );
    let email = one(&admin, "SELECT min(email) FROM customers")
        .await
        .unwrap();
    assert!(email.contains('@'), "{email}");
    assert_eq!(
        one(
            &admin,
            &format!("SELECT count(*) FROM customers WHERE email = '{email}'")
        )
        .await
        .as_deref(),
        Some("1")
    );

    // The analyst sees every row, but no PII value, on every path.
    assert_eq!(
        one(&analyst, "SELECT count(*) FROM customers")
            .await
            .as_deref(),
        Some(total.as_str())
    );
    let masked = [
        "SELECT count(email) + count(birth_year) FROM customers",
        "SELECT count(*) FROM customers WHERE email IS NOT NULL OR birth_year IS NOT NULL",
        "WITH c AS (SELECT email, birth_year FROM customers) SELECT count(email) + count(birth_year) FROM c",
        "SELECT count(e) FROM (SELECT email AS e FROM customers) s",
        "SELECT count(c.email) FROM sales_lines s JOIN customers c ON c.customer_id = s.customer_id",
        "SELECT count(*) FROM sales_lines WHERE customer_id IN \
         (SELECT customer_id FROM customers WHERE email LIKE '%@%')",
        "SELECT count(*) FROM customers WHERE length(email) > 0 OR birth_year > 0",
        "SELECT count(*) FROM aisle.public.customers WHERE email IS NOT NULL",
    ];
    for sql in masked {
        assert_eq!(one(&analyst, sql).await.as_deref(), Some("0"), "{sql}");
        assert_ne!(one(&admin, sql).await.as_deref(), Some("0"), "admin: {sql}");
    }
    // A filter on a masked column never reaches the stored values.
    assert_eq!(
        one(
            &analyst,
            &format!("SELECT count(*) FROM customers WHERE email = '{email}'")
        )
        .await
        .as_deref(),
        Some("0")
    );
    // Masked columns keep their name and type (clients that read the schema keep working).
    let cols = rows(
        &analyst,
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_name = 'customers' ORDER BY ordinal_position",
    )
    .await;
    let admin_cols = rows(
        &admin,
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_name = 'customers' ORDER BY ordinal_position",
    )
    .await;
    assert_eq!(cols, admin_cols);
    // Still a base table for \dt.
    assert_eq!(
        one(
            &analyst,
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'customers'"
        )
        .await
        .as_deref(),
        Some("BASE TABLE")
    );

    // Views: a view an admin creates later over PII is masked for roles without `pii`, and a
    // grant on the view is enough (planner has no grant on customers).
    admin
        .batch_execute(
            "CREATE VIEW rbac_pii_view AS SELECT customer_id, email, birth_year FROM customers",
        )
        .await
        .unwrap();
    let v = "SELECT count(*), count(email) + count(birth_year) FROM rbac_pii_view";
    assert_eq!(
        rows(&admin, v).await[0][1].as_deref(),
        Some(&*format!("{}", total.parse::<i64>().unwrap() * 2))
    );
    for c in [&analyst, &planner] {
        let r = rows(c, v).await;
        assert_eq!(r[0][0].as_deref(), Some(total.as_str()));
        assert_eq!(r[0][1].as_deref(), Some("0"));
    }
    // aisle_grants is computed when read: the new view is listed for the roles that may read it.
    assert_eq!(
        one(
            &planner,
            "SELECT count(*) FROM aisle_grants WHERE relation_name = 'rbac_pii_view' \
             AND role_name IN ('planner', 'analyst', 'admin')"
        )
        .await
        .as_deref(),
        Some("3")
    );
    let e = run(&planner, "SELECT count(*) FROM customers")
        .await
        .unwrap_err();
    assert_eq!(e.0, "42501", "{e:?}");
    assert!(
        e.1.contains("permission denied for table customers"),
        "{e:?}"
    );
    for sql in ["DESCRIBE customers", "SHOW COLUMNS FROM customers"] {
        let e = run(&planner, sql).await.unwrap_err();
        assert_eq!(e.0, "42501", "{sql}: {e:?}");
    }
    // A CTE that shadows a relation the role may not read is just a CTE.
    assert_eq!(
        one(
            &planner,
            "WITH customers AS (SELECT 7 AS x) SELECT x FROM customers"
        )
        .await
        .as_deref(),
        Some("7")
    );
    // A view built on a view is masked too, and DROP/CREATE OR REPLACE is picked up.
    admin
        .batch_execute(
            "CREATE VIEW rbac_pii_view2 AS SELECT email FROM rbac_pii_view WHERE email IS NOT NULL",
        )
        .await
        .unwrap();
    assert_eq!(
        one(&analyst, "SELECT count(*) FROM rbac_pii_view2")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        one(&admin, "SELECT count(*) FROM rbac_pii_view2")
            .await
            .as_deref(),
        Some(total.as_str())
    );
    admin
        .batch_execute(
            "DROP VIEW rbac_pii_view2; CREATE VIEW rbac_pii_view2 AS SELECT 42 AS answer",
        )
        .await
        .unwrap();
    assert_eq!(
        one(&analyst, "SELECT answer FROM rbac_pii_view2")
            .await
            .as_deref(),
        Some("42")
    );

    // Built-in views over customers work for the analyst (planned over the masked table).
    let n = one(&analyst, "SELECT count(*) FROM customer_value")
        .await
        .unwrap();
    assert_eq!(
        Some(n),
        one(&admin, "SELECT count(*) FROM customer_value").await
    );
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_admin_only_statements_and_catalog_views() {
    let srv = start().await;
    let admin = connect(&srv, "admin").await;
    let tmp = std::env::temp_dir().join(format!("aisle-rbac-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("stores.csv");
    let out = out.display();

    let statements = [
        ("file path", "SELECT * FROM '/etc/passwd'".to_string()),
        ("file url", "SELECT * FROM 'file:///etc/hosts'".to_string()),
        ("copy", format!("COPY (SELECT * FROM stores) TO '{out}'")),
        ("copy table", format!("COPY stores TO '{out}'")),
        (
            "create view",
            "CREATE VIEW rbac_x AS SELECT 1 AS one".to_string(),
        ),
        (
            "create table",
            "CREATE TABLE rbac_t AS SELECT 1 AS one".to_string(),
        ),
        (
            "create external table",
            "CREATE EXTERNAL TABLE rbac_e STORED AS CSV LOCATION '/etc/hosts'".to_string(),
        ),
        ("drop", "DROP VIEW customer_value".to_string()),
        (
            "insert",
            "INSERT INTO stores SELECT * FROM stores LIMIT 0".to_string(),
        ),
        (
            "set engine",
            "SET datafusion.catalog.default_catalog = 'other'".to_string(),
        ),
        (
            "set runtime",
            "SET datafusion.runtime.memory_limit = '1G'".to_string(),
        ),
    ];
    for role in ROLES
        .iter()
        .filter(|r| **r != "admin")
        .chain(["nobody"].iter())
    {
        let c = connect(&srv, role).await;
        for (what, sql) in &statements {
            let e = run(&c, sql)
                .await
                .expect_err(&format!("{role}: {what} must fail"));
            assert_eq!(e.0, "42501", "{role}: {what}: {e:?}");
            assert!(e.1.contains("permission denied"), "{role}: {what}: {e:?}");
        }
        // A relation that does not exist stays 42P01 (not 42501).
        let e = run(&c, "SELECT * FROM no_such_relation").await.unwrap_err();
        assert_eq!(e.0, "42P01", "{role}: {e:?}");
        // Table functions resolve names through the caller's grants.
        let tf = "SELECT * FROM forecast_table('daily_sales', 'sku_id,store_id', 'date', 'units', 7) LIMIT 0";
        let r = run(&c, tf).await;
        match *role {
            "planner" | "approver" | "analyst" => assert!(r.is_ok(), "{role}: {r:?}"),
            _ => {
                let e = r.unwrap_err();
                assert_eq!(e.0, "42501", "{role}: {e:?}");
                assert!(e.1.contains("daily_sales"), "{e:?}");
            }
        }
        if *role == "planner" {
            let e = run(&c, "SELECT * FROM forecast_table('customers', 'customer_id', 'birth_year', 'birth_year', 7)")
                .await
                .unwrap_err();
            assert_eq!(e.0, "42501", "{e:?}");
        }
    }
    // The default-deny user sees nothing but the role catalog views.
    let nobody = connect(&srv, "nobody").await;
    let listed = names(
        rows(
            &nobody,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .await,
    );
    assert_eq!(
        listed,
        ["aisle_grants", "aisle_roles"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    let e = run(&nobody, "SELECT * FROM stores").await.unwrap_err();
    assert_eq!(e.0, "42501");

    // Admin may do all of it (URL tables stay off for everyone: 42P01, not 42501).
    let e = run(&admin, "SELECT * FROM '/etc/passwd'")
        .await
        .unwrap_err();
    assert_ne!(e.0, "42501", "{e:?}");
    // Admins export with COPY ... TO STDOUT; the server never writes files on its host, even
    // for an admin (0A000 with the STDOUT form as the fix).
    let e = run(&admin, &format!("COPY (SELECT * FROM stores) TO '{out}'"))
        .await
        .unwrap_err();
    assert_eq!(e.0, "0A000", "{e:?}");
    assert!(!tmp.join("stores.csv").exists());
    admin
        .batch_execute("CREATE VIEW rbac_x AS SELECT 1 AS one; DROP VIEW rbac_x")
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&tmp);

    // Roles and grants are visible to everybody, as catalog views and pg_roles rows.
    let analyst = connect(&srv, "analyst").await;
    let roles = names(rows(&analyst, "SELECT role_name FROM aisle_roles").await);
    assert_eq!(roles, ROLES.iter().map(|s| s.to_string()).collect());
    let pg_roles = names(rows(&analyst, "SELECT rolname FROM pg_catalog.pg_roles").await);
    assert!(roles.is_subset(&pg_roles), "{pg_roles:?}");
    assert_eq!(
        one(
            &analyst,
            "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'admin'"
        )
        .await
        .as_deref(),
        Some("t")
    );
    assert_eq!(
        one(
            &analyst,
            "SELECT masked_columns FROM aisle_grants WHERE role_name = 'analyst' AND relation_name = 'customers'"
        )
        .await
        .as_deref(),
        Some("email, birth_year")
    );
    assert_eq!(
        one(
            &analyst,
            "SELECT count(*) FROM aisle_grants WHERE role_name = 'planner' AND relation_name = 'customers'"
        )
        .await
        .as_deref(),
        Some("0")
    );
    assert_eq!(
        one(
            &analyst,
            "SELECT count(*) FROM aisle_grants WHERE role_name = 'auditor' AND privilege = 'SELECT'"
        )
        .await
        .as_deref(),
        Some("0")
    );
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn rbac_grants_on_unknown_relations_stop_start_up() {
    let t: toml::Table =
        toml::from_str("[roles.planner]\nread = [\"daily_sales\", \"dayly_sales\"]\n").unwrap();
    let policy = AccessPolicy::from_governance(Some(&t)).unwrap();
    let e = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(common::demo_dir()),
        access: policy,
        ..Default::default()
    })
    .await
    .expect_err("a typo in a grant must stop start-up");
    let msg = format!("{e:#}");
    assert!(
        msg.contains("dayly_sales") && msg.contains("planner"),
        "{msg}"
    );
    assert!(!msg.contains("`daily_sales`"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_config_roles_pii_privilege_and_role_union() {
    // A data steward reads customers unmasked and nothing else; config roles join the demo ones.
    let t: toml::Table = toml::from_str(
        "[roles.steward]\ndescription = \"Customer data steward\"\nread = [\"customers\"]\npii = true\n",
    )
    .unwrap();
    let policy = AccessPolicy::from_governance(Some(&t))
        .unwrap()
        .with_demo_defaults();
    let srv = start_with(
        policy,
        &[
            ("steward", &["steward"]),
            ("planner_steward", &["planner", "steward"]),
        ],
    )
    .await;
    let admin = connect(&srv, "admin").await;
    let total = one(&admin, "SELECT count(email) FROM customers").await;
    assert_ne!(total.as_deref(), Some("0"));

    let steward = connect(&srv, "steward").await;
    assert_eq!(
        one(&steward, "SELECT count(email) FROM customers").await,
        total
    );
    let listed = names(
        rows(
            &steward,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .await,
    );
    let want: BTreeSet<String> = ["aisle_grants", "aisle_roles", "customers"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(listed, want);
    let e = run(&steward, "SELECT * FROM customer_value LIMIT 0")
        .await
        .unwrap_err();
    assert_eq!(e.0, "42501", "{e:?}");
    assert!(
        e.1.contains("permission denied for view customer_value"),
        "{e:?}"
    );
    let e = run(&steward, "CREATE VIEW s AS SELECT 1")
        .await
        .unwrap_err();
    assert_eq!(e.0, "42501");

    // Union of roles: planner's relations plus customers, unmasked (pii from steward).
    let both = connect(&srv, "planner_steward").await;
    assert_eq!(
        one(&both, "SELECT count(email) FROM customers").await,
        total
    );
    assert!(
        run(&both, "SELECT * FROM daily_sales LIMIT 0")
            .await
            .is_ok()
    );
    // customer_* views stay excluded: the steward role grants only `customers`.
    let e = run(&both, "SELECT * FROM customer_value LIMIT 0")
        .await
        .unwrap_err();
    assert_eq!(e.0, "42501", "{e:?}");

    let roles = names(rows(&steward, "SELECT role_name FROM aisle_roles").await);
    assert!(
        roles.contains("steward") && roles.contains("analyst"),
        "{roles:?}"
    );
    srv.stop().await.unwrap();
}

// ----- the policy itself (parsing, patterns, default deny) -----

#[test]
fn rbac_policy_globs() {
    assert!(glob_match("*", "anything"));
    assert!(glob_match("customer_*", "customer_value"));
    assert!(!glob_match("customer_*", "customers"));
    assert!(glob_match(
        "*_recommendations",
        "replenishment_recommendations"
    ));
    assert!(glob_match("a*b*c", "axxbyyc"));
    assert!(!glob_match("a*b*c", "axxbyy"));
    assert!(glob_match("stores", "stores"));
    assert!(!glob_match("stores", "stores2"));
}

#[test]
fn rbac_policy_parses_strictly() {
    let t: toml::Table = toml::from_str(
        "[roles.planner]\nread = [\"*\", \"!customers\"]\npii = false\nprivileges = [\"planner\"]\n",
    )
    .unwrap();
    let p = AccessPolicy::from_governance(Some(&t)).unwrap();
    let a = p.effective(&["planner".into()]);
    assert!(a.can_read("daily_sales"));
    assert!(!a.can_read("customers"));
    assert!(a.has(Privilege::Planner) && !a.has(Privilege::Approver));
    // Patterns and exclusions never name a missing relation; exact grants do.
    assert!(p.unknown_relations(|_| false).is_empty());
    let exact: toml::Table = toml::from_str("[roles.x]\nread = [\"stores\", \"!nope\"]\n").unwrap();
    let p = AccessPolicy::from_governance(Some(&exact)).unwrap();
    assert_eq!(
        p.unknown_relations(|n| n != "stores"),
        vec![("x".to_string(), "stores".to_string())]
    );
    assert!(p.unknown_relations(|_| true).is_empty());

    let bad: toml::Table = toml::from_str("[roles.planner]\nreed = [\"x\"]\n").unwrap();
    let e = AccessPolicy::from_governance(Some(&bad)).unwrap_err();
    assert!(format!("{e:#}").contains("reed"), "{e:#}");
    let bad: toml::Table = toml::from_str("[roles.planner]\nprivileges = [\"boss\"]\n").unwrap();
    let e = AccessPolicy::from_governance(Some(&bad)).unwrap_err();
    assert!(format!("{e:#}").contains("boss"), "{e:#}");
    let bad: toml::Table = toml::from_str("[roles.x]\nread = [\"a b\"]\n").unwrap();
    assert!(AccessPolicy::from_governance(Some(&bad)).is_err());
}

#[test]
fn rbac_policy_default_deny_and_governance_relations() {
    let p = AccessPolicy::demo();
    let nobody = p.effective(&["stranger".into()]);
    assert!(!nobody.can_read("stores"));
    assert!(nobody.can_read("aisle_roles"));
    let analyst = p.effective(&["analyst".into()]);
    assert!(analyst.can_read("customers") && !analyst.pii);
    assert!(!analyst.can_read("aisle_audit"));
    let auditor = p.effective(&["auditor".into()]);
    assert!(auditor.can_read("aisle_audit") && !auditor.can_read("stores"));
    let admin = AccessPolicy::deny_all().effective(&["admin".into()]);
    assert!(admin.admin && admin.pii && admin.can_read("aisle_audit"));
    let both = p.effective(&["planner".into(), "analyst".into()]);
    assert!(both.can_read("customers") && both.has(Privilege::Planner));
}
