//! Governance state in an object store: recommendation runs and the decision log under
//! `s3://gov/aisle` on a real S3-compatible server (moto_server on loopback), served by the real
//! `aisle` binary. Runs are committed by their manifest (a crash before it leaves no visible
//! run), decisions are one object per statement before the acknowledgement, and the log is
//! compacted into Parquet snapshots without losing or duplicating a decision.
mod common;
mod gov_support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use gov_support::{Setup, connect, one, refresh_cli, rows, setup, start};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjPath;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

struct Moto {
    child: Child,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto on a free loopback port with bucket `gov`; the `AWS_*` variables of this test process
/// (inherited by the `aisle` processes it starts) point at it.
async fn start_moto() -> (Moto, Arc<dyn ObjectStore>) {
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
    let moto = Moto { child };
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "moto_server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "PUT /gov HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "create bucket: {resp}");
    let endpoint = format!("http://127.0.0.1:{port}");
    // SAFETY: set once at the start of the test, before any other thread reads the environment
    // (nextest runs every test in its own process).
    unsafe {
        std::env::set_var("AWS_ENDPOINT", &endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ALLOW_HTTP", "true");
    }
    let store: Arc<dyn ObjectStore> = Arc::new(
        AmazonS3Builder::new()
            .with_bucket_name("gov")
            .with_endpoint(&endpoint)
            .with_region("us-east-1")
            .with_allow_http(true)
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .unwrap(),
    );
    (moto, store)
}

/// The test set-up with runs and decisions under `s3://gov/aisle` (audit stays local).
fn s3_setup(decisions_extra: &str) -> Setup {
    let s = setup("");
    std::fs::write(
        &s.config,
        format!(
            "[governance]\nstate_dir = \"s3://gov/aisle\"\n\n[governance.audit]\ndir = \"{}\"\n\n\
             [governance.decisions]\napproval_value = 500\nmin_confidence = 0.5\n{decisions_extra}\n",
            s.dir("audit").display()
        ),
    )
    .unwrap();
    s
}

/// Keys under `prefix` in the bucket.
async fn keys(store: &Arc<dyn ObjectStore>, prefix: &str) -> Vec<String> {
    let mut k: Vec<String> = store
        .list(Some(&ObjPath::from(prefix)))
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    k.sort();
    k
}

/// Decisions per reason, as the server reports them.
async fn decision_counts(c: &tokio_postgres::Client) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in rows(c, "SELECT reason, count(*) FROM decisions GROUP BY reason").await {
        out.insert(
            r[0].clone().unwrap(),
            r[1].as_ref().unwrap().parse().unwrap(),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_and_decisions_live_in_the_object_store() {
    let (_moto, store) = start_moto().await;
    let s = s3_setup("compact_objects = 10");

    // A run written by the CLI lands in the bucket, committed by its manifest.
    let out = refresh_cli(&s, "nightly");
    assert!(out.contains("s3://gov/aisle/runs"), "{out}");
    let manifests = keys(&store, "aisle/runs/manifests").await;
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let run1 = manifests[0]
        .trim_start_matches("aisle/runs/manifests/")
        .trim_end_matches(".json")
        .to_string();
    assert_eq!(
        keys(&store, &format!("aisle/runs/runs/{run1}")).await,
        vec![format!(
            "aisle/runs/runs/{run1}/test_recommendations.parquet"
        )]
    );
    assert!(!s.dir("runs").exists(), "nothing is written locally");

    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let diff = one(
        &admin,
        "SELECT count(*) FROM (SELECT recommendation_id, recommended_qty FROM test_recommendations \
         EXCEPT SELECT recommendation_id, recommended_qty FROM test_recommendations_latest) d",
    )
    .await;
    assert_eq!(diff.as_deref(), Some("0"));
    assert_eq!(
        one(&admin, "SELECT count(*) FROM test_recommendations_latest").await,
        one(&admin, "SELECT count(*) FROM test_recommendations").await
    );
    assert_eq!(
        one(&admin, "SELECT min(run_id) FROM recommendation_runs").await,
        Some(run1.clone())
    );

    // Decisions from four clients at once: each statement is one object in the bucket before
    // its acknowledgement.
    let recs: Vec<String> = rows(
        &admin,
        "SELECT recommendation_id FROM test_recommendations_latest ORDER BY 1 LIMIT 8",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone().unwrap())
    .collect();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let user = if w % 2 == 0 { "planner" } else { "approver" };
        let c = connect(srv.port, user, "writer").await;
        let recs = recs.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..8 {
                c.simple_query(&format!(
                    "INSERT INTO decisions VALUES ('{}', 'reject', NULL, 'w{w}-{i}')",
                    recs[i]
                ))
                .await
                .expect("decision acknowledged");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let expected: BTreeMap<String, usize> = (0..4)
        .flat_map(|w| (0..8).map(move |i| (format!("w{w}-{i}"), 1)))
        .collect();
    assert_eq!(decision_counts(&admin).await, expected);

    // 32 statements with compact_objects = 10: the log was compacted while serving, so fewer
    // than 32 log objects remain next to a snapshot.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let k = keys(&store, "aisle/decisions").await;
        let logs = k.iter().filter(|k| k.contains("/log-")).count();
        let snaps = k.iter().filter(|k| k.contains("/snapshot-")).count();
        if logs < 32 && snaps == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no compaction while serving: {k:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // SIGKILL, restart: every acknowledged decision exactly once; the start compacts the log
    // into one snapshot.
    drop(admin);
    srv.kill9();
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    assert_eq!(decision_counts(&admin).await, expected);
    let k = keys(&store, "aisle/decisions").await;
    assert_eq!(
        k.iter().filter(|k| k.contains("/snapshot-")).count(),
        1,
        "{k:?}"
    );
    assert_eq!(k.iter().filter(|k| k.contains("/log-")).count(), 0, "{k:?}");

    // A refresh in SQL writes a second run to the bucket; the server serves it at once.
    let planner = connect(srv.port, "planner", "t").await;
    let r = rows(&planner, "CALL refresh_recommendations()").await;
    let run2 = r[0][0].clone().unwrap();
    assert!(run2 > run1);
    assert_eq!(
        one(
            &admin,
            "SELECT DISTINCT run_id FROM test_recommendations_latest"
        )
        .await,
        Some(run2.clone())
    );
    assert_eq!(keys(&store, "aisle/runs/manifests").await.len(), 2);
    planner
        .simple_query(&format!(
            "INSERT INTO decisions VALUES ('{}', 'reject', NULL, 'after restart')",
            recs[0]
        ))
        .await
        .unwrap();
    drop((admin, planner));
    drop(srv);
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let mut expected = expected;
    expected.insert("after restart".into(), 1);
    assert_eq!(decision_counts(&admin).await, expected);
    assert_eq!(
        one(
            &admin,
            "SELECT count(DISTINCT decision_id) = count(*) FROM decisions"
        )
        .await
        .as_deref(),
        Some("t")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_manifest_leaves_no_visible_run() {
    let (_moto, store) = start_moto().await;
    let s = s3_setup("");
    refresh_cli(&s, "nightly");
    let committed = keys(&store, "aisle/runs/manifests").await;
    assert_eq!(committed.len(), 1);

    // `aisle refresh` dies (abort, no clean-up) after writing the data, before the manifest.
    let status = Command::new(env!("CARGO_BIN_EXE_aisle"))
        .arg("--config")
        .arg(&s.config)
        .arg("refresh")
        .arg("--data-dir")
        .arg(&s.data)
        .arg("--views-dir")
        .arg(&s.views)
        .env("AISLE_FAULT", "crash_before_manifest")
        .env("AISLE_LOG", "warn")
        .env_remove("AISLE_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the fault hook aborts the refresh");
    let data = keys(&store, "aisle/runs/runs").await;
    assert_eq!(
        data.len(),
        2,
        "the crashed run's data file was written: {data:?}"
    );
    assert_eq!(keys(&store, "aisle/runs/manifests").await, committed);

    // The server sees only the committed run.
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let run1 = committed[0]
        .trim_start_matches("aisle/runs/manifests/")
        .trim_end_matches(".json")
        .to_string();
    assert_eq!(
        rows(&admin, "SELECT DISTINCT run_id FROM recommendation_runs").await,
        vec![vec![Some(run1.clone())]]
    );
    assert_eq!(
        rows(
            &admin,
            "SELECT DISTINCT run_id FROM test_recommendations_latest"
        )
        .await,
        vec![vec![Some(run1.clone())]]
    );
    assert_eq!(
        one(&admin, "SELECT count(*) FROM test_recommendations_latest").await,
        one(&admin, "SELECT count(*) FROM test_recommendations").await
    );
    // Decisions refer to the committed run.
    let planner = connect(srv.port, "planner", "t").await;
    let id = one(
        &admin,
        "SELECT min(recommendation_id) FROM test_recommendations_latest",
    )
    .await
    .unwrap();
    planner
        .simple_query(&format!(
            "INSERT INTO decisions VALUES ('{id}', 'reject', NULL, 'crash test')"
        ))
        .await
        .unwrap();
    assert_eq!(
        one(
            &admin,
            "SELECT run_id FROM decisions WHERE reason = 'crash test'"
        )
        .await,
        Some(run1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_decision_log_compacts_while_serving() {
    let s = setup("");
    let cfg = std::fs::read_to_string(&s.config).unwrap();
    std::fs::write(&s.config, format!("{cfg}compact_bytes = 4096\n")).unwrap();
    refresh_cli(&s, "setup");
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let planner = connect(srv.port, "planner", "t").await;
    let id = one(
        &admin,
        "SELECT min(recommendation_id) FROM test_recommendations_latest",
    )
    .await
    .unwrap();
    // About 400 bytes a decision: 40 statements pass 4 KiB several times.
    for i in 0..40 {
        planner
            .simple_query(&format!(
                "INSERT INTO decisions VALUES ('{id}', 'reject', NULL, 'local-{i}')"
            ))
            .await
            .unwrap();
    }
    let files = || {
        let mut v: Vec<String> = std::fs::read_dir(s.dir("decisions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let f = files();
        let snaps: Vec<&String> = f.iter().filter(|n| n.starts_with("snapshot-")).collect();
        let logs = f.iter().filter(|n| n.starts_with("log-")).count();
        // Compacted while serving: a snapshot newer than the start's, few segments left.
        if snaps.len() == 1
            && logs <= 2
            && f.len() <= 3
            && snaps[0] > &"snapshot-0000000002".to_string()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no compaction while serving: {f:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop((admin, planner));
    srv.kill9();
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let counts = decision_counts(&admin).await;
    assert_eq!(counts.len(), 40, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
}
