//! The catalog over a real S3-compatible server: moto_server started by the test on 127.0.0.1,
//! the demo data uploaded through object_store, then queried through a catalog with a [store].
mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aisle::catalog::read_catalog_sources;
use aisle::engine::{Engine, EngineConfig};
use common::{demo_dir, scalar};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// moto_server from the test virtualenv (scripts/test.sh creates it).
fn moto_server() -> PathBuf {
    let venv = std::env::var("AISLE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/aisle/venv-test")
        });
    let bin = venv.join("bin/moto_server");
    assert!(
        bin.exists(),
        "{} not found: run scripts/test.sh once, it installs the test virtualenv",
        bin.display()
    );
    bin
}

/// A running moto_server, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(moto_server())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    moto
}

/// Create a bucket with a plain HTTP PUT: object_store cannot create buckets, and moto accepts
/// unsigned requests.
async fn create_bucket(port: u16, bucket: &str) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "bucket creation failed: {resp}"
    );
}

async fn upload_dir(store: &Arc<dyn ObjectStore>, local: &Path, prefix: &str) -> usize {
    let mut n = 0;
    let mut stack = vec![local.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(local)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let key = ObjectPath::from(format!("{prefix}/{rel}"));
                store
                    .put(&key, std::fs::read(&p).unwrap().into())
                    .await
                    .unwrap();
                n += 1;
            }
        }
    }
    n
}

#[tokio::test]
async fn tables_on_s3_answer_like_local_ones() {
    let moto = start_moto().await;
    create_bucket(moto.port, "retail").await;
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let store: Arc<dyn ObjectStore> = Arc::new(
        AmazonS3Builder::new()
            .with_bucket_name("retail")
            .with_endpoint(&endpoint)
            .with_region("us-east-1")
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .unwrap(),
    );
    let demo = demo_dir();
    assert!(upload_dir(&store, &demo.join("stores"), "lake/stores").await > 0);
    assert!(upload_dir(&store, &demo.join("daily_sales"), "lake/daily_sales").await > 1);

    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("s3.toml");
    std::fs::write(
        &catalog,
        format!(
            r#"[catalog]
name = "s3-test"

[store.lake]
kind = "s3"
bucket = "retail"
endpoint = "{endpoint}"
region = "us-east-1"
path_style = true
access_key_id = "test"
secret_access_key = "test"

[[table]]
name = "stores"
location = "s3://retail/lake/stores/"
description = "stores on S3"

[[table]]
name = "daily_sales"
location = "s3://retail/lake/daily_sales/"
partition_columns = [{{ name = "month", type = "string" }}]
description = "daily sales on S3"
"#
        ),
    )
    .unwrap();
    let s3 = Engine::open(EngineConfig {
        catalogs: read_catalog_sources(&[catalog]).unwrap(),
        ..Default::default()
    })
    .await
    .expect("open an S3 catalog");
    let local = common::demo_engine().await;

    for sql in [
        "SELECT count(*) FROM stores",
        "SELECT sum(units) FROM daily_sales",
        "SELECT count(*) FROM daily_sales WHERE month = '2024-06'",
    ] {
        assert_eq!(scalar(&s3, sql).await, scalar(&local, sql).await, "{sql}");
    }
    // Pruning works on S3 too: only June's prefix is read.
    let plan = common::query(
        &s3,
        "EXPLAIN SELECT sum(units) FROM daily_sales WHERE month = '2024-06'",
    )
    .await;
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&plan)
        .unwrap()
        .to_string();
    assert!(
        text.contains("month=2024-06") && !text.contains("month=2024-07"),
        "{text}"
    );
}
