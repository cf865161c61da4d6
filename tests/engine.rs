//! The engine over the demo catalog: answers, pruning, sessions, functions and safety settings.
mod common;

use std::path::Path;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::views::ViewSource;
use common::{demo_dir, demo_engine, query, scalar};
use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};

/// Rows of every Parquet file under `dir`, read from the file footers without DataFusion: an
/// independent count to compare the engine's answer with.
fn parquet_rows(dir: &Path) -> i64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            total += parquet_rows(&p);
        } else if p.extension().is_some_and(|x| x == "parquet") {
            let r =
                SerializedFileReader::new(std::fs::File::open(&p).expect("open")).expect("parquet");
            total += r.metadata().file_metadata().num_rows();
        }
    }
    total
}

#[tokio::test]
async fn counts_match_the_files_on_disk() {
    let engine = demo_engine().await;
    for table in [
        "daily_sales",
        "sales_lines",
        "products",
        "stores",
        "customers",
    ] {
        let n: i64 = scalar(&engine, &format!("SELECT count(*) FROM {table}"))
            .await
            .parse()
            .unwrap();
        assert_eq!(n, parquet_rows(&demo_dir().join(table)), "{table}");
        assert!(n > 0, "{table} is empty");
    }
}

#[tokio::test]
async fn every_catalog_table_is_registered_with_descriptions() {
    let engine = demo_engine().await;
    assert!(
        engine.tables().len() >= 12,
        "only {} tables",
        engine.tables().len()
    );
    for t in engine.tables() {
        assert!(
            !t.description.is_empty(),
            "table {} has no description",
            t.name
        );
        for c in &t.columns {
            assert!(
                !c.description.is_empty(),
                "{}.{} has no description",
                t.name,
                c.name
            );
        }
    }
    let customers = engine
        .tables()
        .iter()
        .find(|t| t.name == "customers")
        .expect("customers");
    let pii: Vec<_> = customers
        .columns
        .iter()
        .filter(|c| c.pii)
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        pii.contains(&"email") && pii.contains(&"birth_year"),
        "{pii:?}"
    );
}

#[tokio::test]
async fn partition_pruning_is_visible_in_explain() {
    let engine = demo_engine().await;
    let batches = query(
        &engine,
        "EXPLAIN SELECT sum(units) FROM daily_sales WHERE month = '2024-03'",
    )
    .await;
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(
        text.contains("month=2024-03"),
        "plan does not read March:\n{text}"
    );
    assert!(
        !text.contains("month=2024-04"),
        "plan reads other months:\n{text}"
    );
}

#[tokio::test]
async fn files_and_urls_are_not_tables() {
    let engine = demo_engine().await;
    let ctx = engine.new_session();
    let err = match ctx.sql("SELECT * FROM '/etc/hostname'").await {
        Ok(df) => df.collect().await.err(),
        Err(e) => Some(e),
    };
    assert!(err.is_some(), "reading a file path as a table must fail");
}

#[tokio::test]
async fn settings_stay_in_their_session() {
    let engine = demo_engine().await;
    let a = engine.new_session();
    let b = engine.new_session();
    a.sql("SET datafusion.execution.batch_size = 1234")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(a.state().config().batch_size(), 1234);
    assert_ne!(
        b.state().config().batch_size(),
        1234,
        "SET leaked into another session"
    );
    assert_ne!(engine.new_session().state().config().batch_size(), 1234);
}

#[tokio::test]
async fn functions_are_documented_in_information_schema() {
    let engine = demo_engine().await;
    let desc = scalar(
        &engine,
        "SELECT description FROM information_schema.routines WHERE routine_name = 'demand_class'",
    )
    .await;
    assert!(desc.contains("Syntetos"), "{desc}");
    let class = scalar(&engine, "SELECT demand_class(adi => 1.8, cv2 => 0.3)").await;
    assert_eq!(class, "intermittent");
}

#[tokio::test]
async fn function_argument_errors_carry_a_sqlstate() {
    let engine = demo_engine().await;
    let ctx = engine.new_session();
    let err = ctx
        .sql("SELECT demand_class(0.5, 0.1)")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    let sql_err = aisle::error::SqlError::find_in(&err).expect("a SqlError in the chain");
    assert_eq!(sql_err.code, "22023");
    assert!(sql_err.message.contains("adi"), "{}", sql_err.message);
}

#[tokio::test]
async fn docs_functions_md_is_current() {
    let md = aisle::udfs::docs::functions_markdown();
    let path = std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("docs/functions.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == md,
        "docs/functions.md is stale: run `cargo run -- docs functions` and commit the result"
    );
}

#[tokio::test]
async fn built_in_views_load_and_answer() {
    let engine = demo_engine().await;
    assert!(!engine.views().is_empty(), "no built-in views");
    for v in engine.views() {
        assert!(
            !v.description.is_empty(),
            "view {} has no description",
            v.name
        );
        query(&engine, &format!("SELECT * FROM {} LIMIT 5", v.name)).await;
    }
}

async fn open_with_views(files: &[(&str, &str)]) -> anyhow::Result<std::sync::Arc<Engine>> {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    let r = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(demo_dir()),
        views: ViewSource::Dir(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    drop(dir);
    r
}

#[tokio::test]
async fn views_load_in_dependency_order() {
    // a_top reads z_base, which sorts after it: loading must wait for z_base.
    let engine = open_with_views(&[
        (
            "a_top.sql",
            "-- top\nCREATE VIEW a_top AS SELECT count(*) AS n FROM z_base",
        ),
        (
            "z_base.sql",
            "-- base\nCREATE VIEW z_base AS SELECT * FROM stores",
        ),
    ])
    .await
    .expect("views load");
    let n: i64 = scalar(&engine, "SELECT n FROM a_top")
        .await
        .parse()
        .unwrap();
    let stores: i64 = scalar(&engine, "SELECT count(*) FROM stores")
        .await
        .parse()
        .unwrap();
    assert_eq!(n, stores);
}

#[tokio::test]
async fn a_broken_view_names_its_file_and_error() {
    let err = open_with_views(&[(
        "bad_view.sql",
        "-- broken\nCREATE VIEW bad_view AS SELECT no_such_column FROM stores",
    )])
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("bad_view.sql"), "{err}");
    assert!(err.contains("no_such_column"), "{err}");
}

#[tokio::test]
async fn a_view_file_must_be_named_after_its_view() {
    let err = open_with_views(&[("x.sql", "-- x\nCREATE VIEW y AS SELECT 1")])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("x.sql") && err.contains("`y`"), "{err}");
}

/// `aisle query` reports a failed query once, with its SQLSTATE and hint, and exits non-zero.
#[test]
fn cli_query_error_has_sqlstate_and_hint() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aisle"))
        .args(["query", "--views-dir", "none", "--data-dir"])
        .arg(common::demo_dir())
        .arg("SELECT * FROM no_such_table")
        .output()
        .expect("run aisle query");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: [42P01] relation \"no_such_table\" does not exist\nHINT: "),
        "{err}"
    );
    assert_eq!(err.matches("does not exist").count(), 1, "{err}");
}
