//! A refresh computes the views its snapshots share once (src/refresh_session.rs): the forecast
//! and the inventory position behind the recommendation views, which monitoring also reads. The
//! snapshot must hold exactly what the live views return, and the manifest must say what was
//! computed once.
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::governance::runs::{Runs, RunsConfig};
use aisle::governance::storage::StateLocation;
use aisle::views::ViewSource;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;

/// recommendation_id -> the row's other columns as text (floats to 9 significant digits).
fn keyed(batches: &[RecordBatch]) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for b in batches {
        let id = b.schema().index_of("recommendation_id").unwrap();
        let ids = cast(b.column(id), &DataType::Utf8).unwrap();
        let ids = ids.as_string::<i32>();
        let cols: Vec<(String, Arc<dyn Array>)> = b
            .schema()
            .fields()
            .iter()
            .zip(b.columns())
            .filter(|(f, _)| f.name() != "run_id" && f.name() != "recommendation_id")
            .map(|(f, c)| {
                let c = match c.data_type() {
                    DataType::Float64 | DataType::Float32 => {
                        let v = cast(c, &DataType::Float64).unwrap();
                        let v = v.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
                        Arc::new(datafusion::arrow::array::StringArray::from_iter(
                            v.iter().map(|x| x.map(|x| format!("{x:.9e}"))),
                        )) as Arc<dyn Array>
                    }
                    _ => cast(c, &DataType::Utf8).unwrap_or_else(|_| c.clone()),
                };
                (f.name().clone(), c)
            })
            .collect();
        for r in 0..b.num_rows() {
            let vals = cols
                .iter()
                .map(|(n, c)| match c.data_type() {
                    DataType::Utf8 => format!(
                        "{n}={:?}",
                        (!c.is_null(r)).then(|| c.as_string::<i32>().value(r))
                    ),
                    _ => format!("{n}=<{:?}>", c.data_type()),
                })
                .collect();
            out.insert(ids.value(r).to_string(), vals);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_computes_shared_views_once_and_matches_the_live_views() {
    let tmp = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(common::demo_dir()),
        views: ViewSource::BuiltIn,
        ..Default::default()
    })
    .await
    .expect("open the demo data with the built-in views");
    let runs = Runs::open(
        RunsConfig {
            dir: StateLocation::Local(tmp.path().join("runs")),
        },
        &engine,
    )
    .await
    .unwrap();
    let only: Vec<String> = ["replenishment_recommendations", "transfer_recommendations"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let m = runs.refresh(&engine, "planner", &only).await.unwrap();

    let once: Vec<&str> = m.parameters["computed_once"].split(',').collect();
    assert!(
        once.contains(&"demand_forecast_location") && once.contains(&"inventory_position"),
        "the forecast and the position should be computed once per run: {once:?}"
    );
    // Lineage still names the files behind the materialised views.
    assert!(
        m.inputs
            .iter()
            .any(|f| f.table == "daily_sales" || f.table == "sales_lines"),
        "inputs: {:?}",
        m.inputs.iter().map(|f| &f.table).collect::<Vec<_>>()
    );

    for view in &only {
        let run_file = m.views.iter().find(|v| &v.view == view).unwrap();
        let snap = std::fs::read(tmp.path().join("runs").join(&run_file.file)).unwrap();
        let snap =
            datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                bytes::Bytes::from(snap),
            )
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let live = engine
            .new_session()
            .sql(&format!("SELECT * FROM {view}"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let (snap, live) = (keyed(&snap), keyed(&live));
        // (transfers may legitimately be none on the small test data; orders never are)
        assert!(
            view != "replenishment_recommendations" || !live.is_empty(),
            "{view} is empty on the demo data"
        );
        assert_eq!(snap.len(), live.len(), "{view}: row count");
        let differing: Vec<&String> = live
            .keys()
            .filter(|k| snap.get(*k) != live.get(*k))
            .collect();
        assert!(
            differing.is_empty(),
            "{view}: {} of {} rows differ, e.g. {:?}\nsnapshot {:?}\nlive     {:?}",
            differing.len(),
            live.len(),
            differing[0],
            snap.get(differing[0]),
            live.get(differing[0])
        );
    }
}
