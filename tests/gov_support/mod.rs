//! Shared set-up of the governance tests (tests/audit_log.rs, tests/decisions.rs): the real
//! `aisle` binary serving the shared demo dataset with a test recommendation view, governance
//! folders in a temporary directory, and tokio-postgres clients over real sockets.
#![allow(dead_code)]
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls};

pub const PASSWORD: &str = "gov-test-pw";

/// A recommendation view of our own (the real ones may still be in the works): one row per
/// product, some worth more than the approval threshold (500) and some less sure than 0.5.
pub const TEST_VIEW: &str = "-- Test recommendations over products (governance tests).
CREATE VIEW test_recommendations AS
SELECT 'sku-' || CAST(sku_id AS VARCHAR) AS recommendation_id,
       'order' AS action,
       CAST(sku_id % 7 + 1 AS DOUBLE) AS recommended_qty,
       CAST(unit_price * 100 AS DOUBLE) AS value,
       CASE WHEN sku_id % 5 = 0 THEN 0.3 ELSE 0.9 END AS confidence,
       CAST(1 AS INT) AS priority,
       'test reason' AS reason
FROM products
";

/// Folders and config of one test server.
pub struct Setup {
    pub tmp: tempfile::TempDir,
    pub config: PathBuf,
    pub views: PathBuf,
    pub data: PathBuf,
}

impl Setup {
    pub fn dir(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

/// Temporary governance folders, a views folder holding only the test view, and a config file.
/// `extra` is appended to the config file (e.g. more `[governance.audit]` keys).
pub fn setup(audit_extra: &str) -> Setup {
    let tmp = tempfile::tempdir().expect("temp dir");
    let views = tmp.path().join("views");
    std::fs::create_dir_all(&views).unwrap();
    std::fs::write(views.join("test_recommendations.sql"), TEST_VIEW).unwrap();
    let g = tmp.path();
    let config = g.join("aisle.toml");
    std::fs::write(
        &config,
        format!(
            "[governance.audit]\ndir = \"{}\"\n{audit_extra}\n\n[governance.runs]\ndir = \"{}\"\n\n\
             [governance.decisions]\ndir = \"{}\"\napproval_value = 500\nmin_confidence = 0.5\n",
            g.join("audit").display(),
            g.join("runs").display(),
            g.join("decisions").display()
        ),
    )
    .unwrap();
    Setup {
        config,
        views,
        data: crate::common::demo_dir(),
        tmp,
    }
}

/// A running `aisle serve --demo`.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// SIGKILL (no shutdown code runs).
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn base_command(s: &Setup) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aisle"));
    c.arg("--config")
        .arg(&s.config)
        .env("AISLE_DEMO_PASSWORD", PASSWORD)
        .env("AISLE_LOG", "warn")
        .env_remove("AISLE_CONFIG")
        .env_remove("AISLE_CATALOG")
        .env_remove("AISLE_LISTEN");
    c
}

/// Start the server and wait until it accepts connections.
pub fn start(s: &Setup) -> Server {
    let port = free_port();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(s.dir("server.log"))
        .unwrap();
    let child = base_command(s)
        .arg("serve")
        .arg("--demo")
        .arg("--data-dir")
        .arg(&s.data)
        .arg("--views-dir")
        .arg(&s.views)
        .arg("--target-partitions")
        .arg("2")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start aisle serve");
    let mut srv = Server { child, port };
    let t0 = Instant::now();
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return srv;
        }
        if let Ok(Some(status)) = srv.child.try_wait() {
            let log = std::fs::read_to_string(s.dir("server.log")).unwrap_or_default();
            panic!("aisle serve exited with {status}:\n{log}");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "server did not start in 120 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `aisle refresh` with the test set-up; returns its standard output.
pub fn refresh_cli(s: &Setup, user: &str) -> String {
    let out = base_command(s)
        .arg("refresh")
        .arg("--data-dir")
        .arg(&s.data)
        .arg("--views-dir")
        .arg(&s.views)
        .arg("--user")
        .arg(user)
        .output()
        .expect("run aisle refresh");
    assert!(
        out.status.success(),
        "aisle refresh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Log in as a demo user (password `PASSWORD`) with an application name.
pub async fn connect(port: u16, user: &str, app: &str) -> Client {
    let conn_str = format!(
        "host=127.0.0.1 port={port} user={user} password={PASSWORD} dbname=aisle application_name={app}"
    );
    let (client, conn) = tokio_postgres::connect(&conn_str, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect as {user}: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// SQLSTATE of a failed statement.
pub fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

/// Rows of a simple query as text.
pub async fn rows(c: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let msgs = c
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    msgs.into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(String::from)).collect())
            }
            _ => None,
        })
        .collect()
}

/// The one value of a one-row result.
pub async fn one(c: &Client, sql: &str) -> Option<String> {
    let r = rows(c, sql).await;
    assert_eq!(r.len(), 1, "{sql}: expected one row, got {r:?}");
    r[0][0].clone()
}
