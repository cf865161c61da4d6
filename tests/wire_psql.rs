//! psql against the wire server: meta-commands, TLS (sslmode=require / verify-full, PKCS#1 and
//! PKCS#8 keys), TLS required, FETCH_COUNT cursors. Skipped (with a message) when `psql` is not
//! installed; CI installs `postgresql-client`.
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use aisle::engine::{Engine, EngineConfig};
use aisle::server::{self, RunningServer, ServerConfig, UserEntry};
use tokio_util::sync::CancellationToken;

const PW: &str = "psql-secret";

fn psql_available() -> bool {
    Command::new("psql")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn fixtures() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/fixtures/tls")
}

async fn start(f: impl FnOnce(&mut ServerConfig)) -> RunningServer {
    let engine: Arc<Engine> = Engine::open(EngineConfig {
        target_partitions: Some(2),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        users: vec![UserEntry {
            name: "admin".into(),
            scram_verifier: server::scram_verifier(PW),
            roles: vec!["admin".into()],
        }],
        shutdown_grace_secs: 1,
        ..Default::default()
    };
    f(&mut cfg);
    server::bind(engine, cfg, CancellationToken::new())
        .await
        .unwrap()
}

/// Run psql with `args`; returns (success, stdout, stderr).
async fn psql(conninfo: String, args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("psql")
            .arg("-X")
            .arg("-v")
            .arg("ON_ERROR_STOP=1")
            .arg(&conninfo)
            .args(&args)
            .env("PGPASSWORD", PW)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .expect("run psql");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    })
    .await
    .unwrap()
}

fn conninfo(srv: &RunningServer, extra: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user=admin dbname=aisle {extra}",
        srv.addr.port()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_psql_meta_commands() {
    if !psql_available() {
        eprintln!("psql not installed: skipping");
        return;
    }
    let srv = start(|_| {}).await;
    let ci = conninfo(&srv, "sslmode=disable");
    let (ok, out, err) = psql(
        ci.clone(),
        vec![
            "-c".into(),
            "CREATE TABLE stores AS SELECT * FROM (VALUES (1, 'north', 12.5)) v(store_id, region, area)".into(),
            "-c".into(),
            "CREATE VIEW north_stores AS SELECT store_id FROM stores WHERE region = 'north'".into(),
        ],
    )
    .await;
    assert!(ok, "create: {out}\n{err}");
    for (cmd, want) in [
        ("\\dt", "stores"),
        ("\\dv", "north_stores"),
        ("\\d stores", "store_id"),
        ("\\d+ stores", "region"),
        ("\\l", "aisle"),
        ("\\dn", "public"),
        ("\\df", "Schema"),
        (
            "\\conninfo",
            "You are connected to database \"aisle\" as user \"admin\"",
        ),
    ] {
        let (ok, out, err) = psql(ci.clone(), vec!["-c".into(), cmd.into()]).await;
        assert!(
            ok && err.is_empty(),
            "{cmd} failed:\nstdout: {out}\nstderr: {err}"
        );
        assert!(out.contains(want), "{cmd}: expected {want:?} in\n{out}");
    }
    // FETCH_COUNT makes psql use a cursor (BEGIN; DECLARE; FETCH FORWARD n; CLOSE; COMMIT).
    let (ok, out, err) = psql(
        ci.clone(),
        vec![
            "-v".into(),
            "FETCH_COUNT=100".into(),
            "-At".into(),
            "-c".into(),
            "SELECT value FROM range(1000)".into(),
        ],
    )
    .await;
    assert!(ok, "FETCH_COUNT: {err}");
    assert_eq!(out.lines().count(), 1000);
    srv.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_psql_tls() {
    if !psql_available() {
        eprintln!("psql not installed: skipping");
        return;
    }
    let dir = fixtures();
    for (key, required) in [("server-pkcs8.key", false), ("server-pkcs1.key", true)] {
        let srv = start(|c| {
            c.tls_cert = Some(dir.join("server.crt"));
            c.tls_key = Some(dir.join(key));
            c.tls_required = required;
        })
        .await;
        let (ok, out, err) = psql(
            conninfo(&srv, "sslmode=require"),
            vec!["-At".into(), "-c".into(), "SHOW ssl".into()],
        )
        .await;
        assert!(ok, "{key} sslmode=require: {err}");
        assert_eq!(out.trim(), "on");
        let root = dir.join("ca.crt");
        let (ok, out, err) = psql(
            format!(
                "host=localhost port={} user=admin dbname=aisle sslmode=verify-full sslrootcert={}",
                srv.addr.port(),
                root.display()
            ),
            vec!["-At".into(), "-c".into(), "SELECT 1".into()],
        )
        .await;
        assert!(ok, "{key} verify-full: {err}");
        assert_eq!(out.trim(), "1");
        let (ok, _out, err) = psql(
            conninfo(&srv, "sslmode=disable"),
            vec!["-At".into(), "-c".into(), "SELECT 1".into()],
        )
        .await;
        if required {
            assert!(
                !ok && err.contains("requires TLS"),
                "plain connection should be refused: {err}"
            );
        } else {
            assert!(ok, "plain connection allowed when TLS is optional: {err}");
        }
        srv.stop().await.unwrap();
    }
}
