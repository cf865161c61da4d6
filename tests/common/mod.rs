//! Shared set-up for integration tests: a small demo dataset generated once per build and reused
//! by every test process (nextest runs each test in its own process), guarded by a file lock.
#![allow(dead_code)]
use std::path::PathBuf;
use std::sync::Arc;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::views::ViewSource;

/// Scale and seed of the shared test dataset: small enough to generate in seconds.
pub const TEST_SCALE: f64 = 0.05;
pub const TEST_SEED: u64 = 7;

/// The folder holding the shared demo dataset, generating it on first use.
pub fn demo_dir() -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = base.join(format!(
        "demo-s{TEST_SCALE}-seed{TEST_SEED}-v{}",
        aisle::demo::GENERATOR_VERSION
    ));
    let lock_path = base.join("demo.lock");
    let lock = std::fs::File::create(&lock_path).expect("create lock file");
    lock.lock().expect("lock demo dataset");
    if !dir.join("_aisle_dataset.json").exists() {
        aisle::demo::generate(&aisle::demo::GenerateOptions {
            scale: TEST_SCALE,
            seed: TEST_SEED,
            out: dir.clone(),
            progress: false,
        })
        .expect("generate the test dataset");
    }
    drop(lock);
    dir
}

/// An engine over the shared demo dataset with the built-in views.
pub async fn demo_engine() -> Arc<Engine> {
    Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(demo_dir()),
        views: ViewSource::BuiltIn,
        ..Default::default()
    })
    .await
    .expect("open the demo engine")
}

/// Run one query and return its batches.
pub async fn query(
    engine: &Engine,
    sql: &str,
) -> Vec<datafusion::arrow::record_batch::RecordBatch> {
    let ctx = engine.new_session();
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("plan {sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("run {sql}: {e}"))
}

/// The single value of a one-row, one-column result, formatted as text.
pub async fn scalar(engine: &Engine, sql: &str) -> String {
    let batches = query(engine, sql).await;
    let b = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    datafusion::arrow::util::display::array_value_to_string(b.column(0), 0).expect("format value")
}
