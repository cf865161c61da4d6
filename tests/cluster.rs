//! Scale-out on Ballista (feature `cluster`): a scheduler and two executors started by the test as
//! separate processes of the real `aisle` binary on 127.0.0.1 (ephemeral ports, killed on drop),
//! compared with local mode over the same demo data; S3 (moto) on the cluster; an executor killed
//! in the middle of a query.
//!
//! Run with `cargo nextest run --features cluster --test cluster`.
mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aisle::catalog::{CatalogSource, read_catalog_sources};
use aisle::engine::{Engine, EngineConfig};
use aisle::views::ViewSource;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const AISLE: &str = env!("CARGO_BIN_EXE_aisle");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn read(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    s
}

/// One `aisle scheduler` and `aisle executor`s, each a child process writing its log to a file.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    scheduler: Child,
    executors: Vec<Option<Child>>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in self.executors.iter_mut().flatten() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = self.scheduler.kill();
        let _ = self.scheduler.wait();
    }
}

impl Cluster {
    /// Start a scheduler and `n` executors; returns once every executor has registered.
    async fn start(n: usize, log: &str) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let scheduler = Command::new(AISLE)
            .args(["--log", log, "scheduler", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--executor-timeout-secs", "6"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("scheduler.log")).unwrap())
            .spawn()
            .expect("start aisle scheduler");
        let mut cluster = Cluster {
            dir,
            port,
            scheduler,
            executors: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "scheduler did not listen: {}",
                read(&cluster.dir.path().join("scheduler.log"))
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for i in 0..n {
            let work = cluster.dir.path().join(format!("work{i}"));
            let child = Command::new(AISLE)
                .args(["--log", log, "executor", "--scheduler"])
                .arg(format!("df://127.0.0.1:{port}"))
                .arg("--bind")
                .arg(format!("127.0.0.1:{}", free_port()))
                .arg("--grpc-port")
                .arg(free_port().to_string())
                .args(["--memory-pool", "1GiB", "--concurrent-tasks", "2"])
                .args(["--heartbeat-secs", "1", "--work-dir"])
                .arg(&work)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(cluster.log_path(i)).unwrap())
                .spawn()
                .expect("start aisle executor");
            cluster.executors.push(Some(child));
        }
        for i in 0..n {
            while !read(&cluster.log_path(i)).contains("Executor registration succeed") {
                assert!(
                    Instant::now() < deadline,
                    "executor {i} did not register: {}",
                    read(&cluster.log_path(i))
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        cluster
    }

    fn log_path(&self, executor: usize) -> PathBuf {
        self.dir.path().join(format!("executor{executor}.log"))
    }

    fn url(&self) -> String {
        format!("df://127.0.0.1:{}", self.port)
    }

    fn logs(&self) -> String {
        let mut s = read(&self.dir.path().join("scheduler.log"));
        for i in 0..self.executors.len() {
            s.push_str(&read(&self.log_path(i)));
        }
        s
    }

    fn kill_executor(&mut self, i: usize) {
        if let Some(mut c) = self.executors[i].take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

async fn demo_engine_on(cluster: Option<String>) -> Arc<Engine> {
    Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(common::demo_dir()),
        views: ViewSource::BuiltIn,
        cluster,
        ..Default::default()
    })
    .await
    .expect("open the demo engine")
}

/// A value of a result row: floats compared with a tolerance, everything else as text.
#[derive(Debug, Clone)]
enum Value {
    F(f64),
    S(String),
}

fn rows(batches: &[RecordBatch]) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            let mut row = Vec::new();
            for c in b.columns() {
                let v = if c.is_null(r) {
                    Value::S("NULL".into())
                } else {
                    match c.data_type() {
                        DataType::Float64 => Value::F(c.as_primitive::<Float64Type>().value(r)),
                        DataType::Float32 => {
                            Value::F(c.as_primitive::<Float32Type>().value(r) as f64)
                        }
                        _ => Value::S(
                            datafusion::arrow::util::display::array_value_to_string(c, r).unwrap(),
                        ),
                    }
                };
                row.push(v);
            }
            out.push(row);
        }
    }
    // Sort by the text columns, then by the floats rounded (so tiny differences in the last bits
    // of a float do not change the order).
    let key = |row: &Vec<Value>| -> String {
        let mut k = String::new();
        for v in row {
            if let Value::S(s) = v {
                k.push_str(s);
                k.push('\u{1}');
            }
        }
        for v in row {
            if let Value::F(f) = v {
                k.push_str(&format!("{f:.6e}\u{1}"));
            }
        }
        k
    };
    out.sort_by_key(key);
    out
}

fn assert_same(sql: &str, local: &[Vec<Value>], cluster: &[Vec<Value>]) {
    assert_eq!(local.len(), cluster.len(), "{sql}: row counts differ");
    for (i, (a, b)) in local.iter().zip(cluster).enumerate() {
        assert_eq!(a.len(), b.len(), "{sql}: row {i} widths differ");
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            let same = match (x, y) {
                (Value::F(x), Value::F(y)) => {
                    (x.is_nan() && y.is_nan())
                        || x == y
                        || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
                }
                (Value::S(x), Value::S(y)) => x == y,
                _ => false,
            };
            assert!(
                same,
                "{sql}: row {i} column {j}: local {x:?}, cluster {y:?}"
            );
        }
    }
}

async fn collect(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<Vec<RecordBatch>> {
    ctx.sql(sql).await?.collect().await
}

/// The physical plan of `sql` in this session, as text.
async fn plan_text(ctx: &SessionContext, sql: &str) -> String {
    let plan = ctx
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    datafusion::physical_plan::displayable(plan.as_ref())
        .indent(false)
        .to_string()
}

const FORECAST_AGG: &str = "SELECT sku_id, store_id, f['ds'] AS ds, f['yhat'] AS yhat, \
    f['yhat_lo_80'] AS lo80, f['yhat_hi_80'] AS hi80, f['model'] AS model \
    FROM (SELECT unnest(array_repeat(sku_id, array_length(fc))) AS sku_id, \
                 unnest(array_repeat(store_id, array_length(fc))) AS store_id, unnest(fc) AS f \
          FROM (SELECT sku_id, store_id, forecast(date, units, 14, 'method=ets') AS fc \
                FROM daily_sales WHERE sku_id % 10 = 1 GROUP BY sku_id, store_id))";

const FORECAST_TABLE: &str = "SELECT * FROM forecast_table('daily_sales', 'sku_id, store_id', \
    'date', 'units', 7, 'quantiles=0.95') WHERE sku_id % 10 = 3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_answers_like_local_mode() {
    let cluster = Cluster::start(2, "info").await;
    let local = demo_engine_on(None).await;
    let remote = demo_engine_on(Some(cluster.url())).await;
    let (lctx, rctx) = (local.new_session(), remote.new_session());

    let queries = [
        FORECAST_AGG,
        FORECAST_TABLE,
        "SELECT * FROM customer_value",
        "SELECT * FROM replenishment_recommendations",
        "SELECT channel, count(*) AS n, sum(quantity) AS q, avg(net_amount) AS a \
         FROM sales_lines GROUP BY channel",
    ];
    for sql in queries {
        // Planned for the cluster: the whole query runs as a Ballista job.
        let plan = plan_text(&rctx, sql).await;
        assert!(
            plan.contains("DistributedQueryExec"),
            "{sql}: not distributed:\n{plan}"
        );
        let l = rows(&collect(&lctx, sql).await.unwrap());
        let r = rows(
            &collect(&rctx, sql)
                .await
                .unwrap_or_else(|e| panic!("{sql} on the cluster: {e}\n{}", cluster.logs())),
        );
        assert!(!l.is_empty(), "{sql}: no rows");
        assert_same(sql, &l, &r);
    }

    // Both executors did work.
    for i in 0..2 {
        let log = read(&cluster.log_path(i));
        assert!(
            log.contains("Execute task"),
            "executor {i} ran no task:\n{log}"
        );
    }

    // Coordinator-only tables stay on the coordinator and still answer.
    let plan = plan_text(&rctx, "SELECT count(*) FROM information_schema.tables").await;
    assert!(!plan.contains("DistributedQueryExec"), "{plan}");
    assert!(
        !collect(
            &rctx,
            "SELECT table_name FROM information_schema.tables WHERE table_name = 'customer_value'"
        )
        .await
        .unwrap()
        .is_empty()
    );
}

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

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn put(port: u16, path: &str, body: &[u8]) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "PUT {path}: {resp}");
}

/// Upload a folder as `prefix/...` keys (moto accepts unsigned requests).
async fn upload(port: u16, bucket: &str, local: &Path, prefix: &str) -> usize {
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
                    .into_owned();
                put(
                    port,
                    &format!("/{bucket}/{prefix}/{rel}"),
                    &std::fs::read(&p).unwrap(),
                )
                .await;
                n += 1;
            }
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_reads_s3_and_never_logs_the_credentials() {
    let port = free_port();
    let moto = Moto(
        Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "moto_server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    put(port, "/retail", b"").await;
    let demo = common::demo_dir();
    assert!(upload(port, "retail", &demo.join("stores"), "lake/stores").await > 0);
    assert!(
        upload(
            port,
            "retail",
            &demo.join("daily_sales"),
            "lake/daily_sales"
        )
        .await
            > 1
    );

    const SECRET: &str = "aisle-cluster-secret-5e1f";
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("s3.toml");
    std::fs::write(
        &catalog,
        format!(
            r#"[store.lake]
kind = "s3"
bucket = "retail"
endpoint = "http://127.0.0.1:{port}"
region = "us-east-1"
path_style = true
access_key_id = "aisle-cluster-key"
secret_access_key = "{SECRET}"

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

    // Ballista's own logging fully on: the settings (with the store credentials) pass through it.
    let cluster = Cluster::start(
        2,
        "info,ballista_core=trace,ballista_scheduler=trace,ballista_executor=trace",
    )
    .await;
    let open = |cluster: Option<String>| {
        let catalogs = read_catalog_sources(std::slice::from_ref(&catalog)).unwrap();
        async move {
            Engine::open(EngineConfig {
                catalogs,
                cluster,
                ..Default::default()
            })
            .await
            .expect("open the S3 catalog")
        }
    };
    let local = open(None).await;
    let remote = open(Some(cluster.url())).await;
    let (lctx, rctx) = (local.new_session(), remote.new_session());
    for sql in [
        "SELECT count(*) AS n, sum(units) AS u FROM daily_sales",
        "SELECT s.region_id, sum(d.units) AS u, avg(d.units) AS a FROM daily_sales d \
         JOIN stores s USING (store_id) WHERE d.month >= '2024-06' GROUP BY s.region_id",
    ] {
        let plan = plan_text(&rctx, sql).await;
        assert!(plan.contains("DistributedQueryExec"), "{sql}:\n{plan}");
        let l = rows(&collect(&lctx, sql).await.unwrap());
        let r = rows(
            &collect(&rctx, sql)
                .await
                .unwrap_or_else(|e| panic!("{sql} on the cluster: {e}\n{}", cluster.logs())),
        );
        assert!(!l.is_empty());
        assert_same(sql, &l, &r);
    }
    let logs = cluster.logs();
    assert!(logs.contains("ballista"), "the processes logged nothing");
    assert!(!logs.contains(SECRET), "a process logged the S3 secret");
    drop(moto);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_executor_killed_mid_query() {
    let mut cluster = Cluster::start(2, "info").await;
    let local = demo_engine_on(None).await;
    let remote = demo_engine_on(Some(cluster.url())).await;
    let sql = "SELECT sku_id, store_id, array_length(forecast(date, units, 28, 'method=ets')) AS n \
               FROM daily_sales GROUP BY sku_id, store_id";
    let expected = rows(&collect(&local.new_session(), sql).await.unwrap());

    let ctx = remote.new_session();
    let running = tokio::spawn(async move { collect(&ctx, sql).await });
    // Kill an executor once it is running a task of this query.
    let deadline = Instant::now() + Duration::from_secs(60);
    let victim = loop {
        if let Some(i) = (0..2).find(|&i| read(&cluster.log_path(i)).contains("Execute task")) {
            break i;
        }
        assert!(
            Instant::now() < deadline,
            "no executor started a task:\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    cluster.kill_executor(victim);

    let outcome = tokio::time::timeout(Duration::from_secs(240), running)
        .await
        .expect("the query neither failed nor finished after the executor was killed")
        .unwrap();
    match outcome {
        // The scheduler re-ran the lost tasks on the remaining executor.
        Ok(batches) => {
            eprintln!("outcome: the scheduler re-ran the lost executor's tasks; same rows");
            assert_same(sql, &expected, &rows(&batches))
        }
        // Or the query failed: with a message, not a hang.
        Err(e) => {
            let msg = e.to_string();
            eprintln!("outcome: the query failed after the executor was killed: {msg}");
            assert!(!msg.trim().is_empty());
        }
    }

    // The next query runs on the remaining executor.
    let next = "SELECT store_id, sum(units) AS u FROM daily_sales GROUP BY store_id";
    let l = rows(&collect(&local.new_session(), next).await.unwrap());
    let r = rows(
        &collect(&remote.new_session(), next)
            .await
            .unwrap_or_else(|e| panic!("next query after the kill: {e}\n{}", cluster.logs())),
    );
    assert_same(next, &l, &r);
}

/// The wire server over a cluster engine: login, grants and PII masks behave as in local mode
/// (they sit above the session), and the answers are the cluster's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_behind_the_wire_server_keeps_grants_and_masks() {
    use aisle::server::{self, ServerConfig, UserEntry};
    use tokio_postgres::{NoTls, SimpleQueryMessage};

    let cluster = Cluster::start(2, "info").await;
    let engine = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(common::demo_dir()),
        views: ViewSource::BuiltIn,
        access: aisle::governance::access::AccessPolicy::demo(),
        cluster: Some(cluster.url()),
        ..Default::default()
    })
    .await
    .expect("open the cluster engine");
    let user = |name: &str| UserEntry {
        name: name.into(),
        scram_verifier: server::scram_verifier(&format!("{name}-pw")),
        roles: vec![name.into()],
    };
    let cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        users: vec![user("admin"), user("analyst"), user("planner")],
        shutdown_grace_secs: 2,
        ..Default::default()
    };
    let srv = server::bind(engine, cfg, tokio_util::sync::CancellationToken::new())
        .await
        .expect("bind server");
    let connect = |name: &'static str| {
        let port = srv.addr.port();
        async move {
            let (c, conn) = tokio_postgres::connect(
                &format!("host=127.0.0.1 port={port} user={name} password={name}-pw dbname=aisle"),
                NoTls,
            )
            .await
            .expect("login");
            tokio::spawn(async move {
                let _ = conn.await;
            });
            c
        }
    };
    let texts = |msgs: Vec<SimpleQueryMessage>| -> Vec<Vec<Option<String>>> {
        msgs.into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    };
    let sql =
        "SELECT customer_id, email, loyalty_tier FROM customers ORDER BY customer_id LIMIT 20";
    let admin = texts(connect("admin").await.simple_query(sql).await.unwrap());
    let analyst = texts(connect("analyst").await.simple_query(sql).await.unwrap());
    assert_eq!(admin.len(), 20);
    assert!(admin.iter().all(|r| r[1].is_some()), "admin sees emails");
    assert!(
        analyst.iter().all(|r| r[1].is_none()),
        "analyst's emails are masked"
    );
    let ids =
        |rows: &Vec<Vec<Option<String>>>| rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&admin), ids(&analyst));
    let e = connect("planner")
        .await
        .simple_query(sql)
        .await
        .expect_err("planners may not read customers");
    assert_eq!(e.code().map(|c| c.code()), Some("42501"), "{e}");

    // The same numbers as local mode, through the wire.
    let local = demo_engine_on(None).await;
    let agg = "SELECT count(*) AS n, sum(units) AS u FROM daily_sales";
    let want = common::scalar(
        &local,
        "SELECT count(*) || '/' || sum(units) FROM daily_sales",
    )
    .await;
    let got = texts(connect("analyst").await.simple_query(agg).await.unwrap());
    assert_eq!(
        format!(
            "{}/{}",
            got[0][0].clone().unwrap(),
            got[0][1].clone().unwrap()
        ),
        want
    );
    let jobs = read(&cluster.dir.path().join("scheduler.log"));
    assert!(
        jobs.contains("Job submitted"),
        "the scheduler saw no job:\n{jobs}"
    );
}

// Unit-level checks of the codec, the store setting and the scheduler address (here rather than in
// the library so that CI builds the cluster feature's test binaries once).
mod unit {
    use aisle::catalog::CatalogSource;
    use aisle::cluster::SchedulerAddr;
    use aisle::cluster::codec::{AislePhysicalCodec, Definition, MAGIC};
    use aisle::cluster::stores::{ClusterStoreRegistry, ClusterStores, S3Store};
    use datafusion::execution::object_store::ObjectStoreRegistry;
    use datafusion::prelude::SessionConfig;
    use datafusion_proto::physical_plan::PhysicalExtensionCodec;
    use url::Url;

    #[test]
    fn aisle_functions_round_trip_and_foreign_definitions_are_refused() {
        let c = AislePhysicalCodec::new("executor test");
        let f = aisle::udfs::aggregate_functions()
            .into_iter()
            .find(|f| f.name() == "forecast")
            .expect("forecast is an aisle aggregate");
        let mut buf = Vec::new();
        c.try_encode_udaf(&f, &mut buf).unwrap();
        assert!(buf.starts_with(MAGIC));
        let back = c.try_decode_udaf("forecast", &buf).unwrap();
        assert_eq!(back.name(), "forecast");

        // Another build's forecast: same name, other definition.
        let other = Definition {
            version: "0.0.0-other".into(),
            fingerprint: "0123456789abcdef".into(),
        };
        let mut buf = Vec::new();
        other.encode(&mut buf);
        let e = c.try_decode_udaf("forecast", &buf).unwrap_err().to_string();
        assert!(e.contains("`forecast` differs"), "{e}");
        assert!(e.contains("0.0.0-other"), "{e}");
        assert!(e.contains("executor test"), "{e}");

        // A function this node does not have.
        let e = c
            .try_decode_udf("forecast_v9", &buf)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("has no aisle scalar function `forecast_v9`"),
            "{e}"
        );

        // DataFusion's own functions are left to Ballista's codec (empty definition).
        let abs = datafusion::functions::math::abs();
        let mut buf = Vec::new();
        c.try_encode_udf(&abs, &mut buf).unwrap();
        assert!(!buf.starts_with(MAGIC));
    }

    #[test]
    fn stores_travel_as_a_setting_and_never_show_secrets() {
        let stores = ClusterStores {
            s3: vec![S3Store {
                bucket: "retail".into(),
                endpoint: Some("http://127.0.0.1:9000".into()),
                access_key_id: Some("key-id".into()),
                secret_access_key: Some("very-secret".into()),
                ..Default::default()
            }],
        };
        // Through the settings and back, as Ballista sends them.
        let config = SessionConfig::new().with_option_extension(stores.clone());
        let mut other = SessionConfig::new().with_option_extension(ClusterStores::default());
        for e in config.options().entries() {
            if let (true, Some(v)) = (e.key.starts_with("aisle_stores."), e.value) {
                other.options_mut().set(&e.key, &v).unwrap();
            }
        }
        let got = other.options().extensions.get::<ClusterStores>().unwrap();
        assert_eq!(got.s3, stores.s3);
        // Debug output hides credentials.
        let shown = format!("{got:?}");
        assert!(
            shown.contains("retail") && !shown.contains("very-secret"),
            "{shown}"
        );
        // A bad value does not echo itself.
        let e = other
            .options_mut()
            .set("aisle_stores.s3", "[very-secret")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("very-secret"), "{e}");
    }

    #[test]
    fn a_bucket_the_coordinator_did_not_send_is_named() {
        let reg =
            ClusterStoreRegistry::new(&ClusterStores::default(), "executor 127.0.0.1:1").unwrap();
        let e = reg
            .get_store(&Url::parse("s3://other-bucket/x/y.parquet").unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("s3://other-bucket"), "{e}");
        assert!(e.contains("executor 127.0.0.1:1"), "{e}");
        assert!(reg.get_store(&Url::parse("file:///tmp/x").unwrap()).is_ok());
    }

    #[test]
    fn catalog_stores_and_environment_buckets() {
        let src = CatalogSource {
            path: "t.toml".into(),
            text: r#"
    [store.lake]
    kind = "s3"
    bucket = "retail"
    endpoint = "http://127.0.0.1:9000"

    [[table]]
    name = "a"
    location = "s3://retail/a/"
    description = "x"

    [[table]]
    name = "b"
    location = "s3://elsewhere/b/"
    description = "y"

    [[table]]
    name = "c"
    location = "c/"
    description = "z"
    "#
            .into(),
        };
        let s = ClusterStores::from_catalogs(&[src]).unwrap();
        let buckets: Vec<&str> = s.s3.iter().map(|s| s.bucket.as_str()).collect();
        assert_eq!(buckets, ["elsewhere", "retail"]);
        assert_eq!(s.s3[1].endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    }

    #[test]
    fn scheduler_addresses() {
        let a = SchedulerAddr::parse("df://127.0.0.1:50050").unwrap();
        assert_eq!(a.grpc_url(), "http://127.0.0.1:50050");
        let a = SchedulerAddr::parse("sched.local").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("sched.local", 50050));
        assert!(SchedulerAddr::parse("df://").is_err());
    }
}
