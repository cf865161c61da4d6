//! Model monitoring over the real `aisle` binary: a refresh issues the forecast, four weeks of
//! sales arrive (a real Parquet file appended to a copy of the demo data, one category's demand
//! tripled), a second refresh scores the first run's forecast, and `forecast_monitoring` flags
//! the shifted category and not a steady one.
mod common;
mod gov_support;

use std::path::Path;
use std::sync::Arc;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::views::ViewSource;
use datafusion::parquet::arrow::ArrowWriter;
use gov_support::{TEST_VIEW, code, connect, one, refresh_cli, rows, setup, start};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "governance" {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

async fn engine_over(data: &Path) -> Arc<Engine> {
    Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(data.to_path_buf()),
        views: ViewSource::None,
        ..Default::default()
    })
    .await
    .expect("open the copied data")
}

/// Write the result of `sql` as one Parquet file.
async fn write_parquet(engine: &Engine, sql: &str, file: &Path) -> usize {
    let batches = engine
        .new_session()
        .sql(sql)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    // Text as the generator writes it (Utf8), so the folder's files share one schema.
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(
        batches[0]
            .schema()
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8View => Field::new(f.name(), DataType::Utf8, f.is_nullable()),
                _ => f.as_ref().clone(),
            })
            .collect::<Vec<_>>(),
    ));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let f = std::fs::File::create(file).unwrap();
    let mut w = ArrowWriter::try_new(f, schema.clone(), None).unwrap();
    let mut n = 0;
    for b in &batches {
        n += b.num_rows();
        let cols = b
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| datafusion::arrow::compute::cast(c, f.data_type()).unwrap())
            .collect();
        w.write(&datafusion::arrow::array::RecordBatch::try_new(schema.clone(), cols).unwrap())
            .unwrap();
    }
    w.close().unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forecast_monitoring_flags_the_shifted_category() {
    let mut s = setup("");
    // A copy of the demo data we can append to, and the views the monitoring reads.
    let data = s.dir("data");
    copy_dir(&common::demo_dir(), &data);
    s.data = data.clone();
    let repo_views = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/views");
    for v in [
        "demand_forecast_location",
        "net_demand",
        "segment_demand",
        "customer_value",
        "customer_segments",
    ] {
        std::fs::copy(
            repo_views.join(format!("{v}.sql")),
            s.views.join(format!("{v}.sql")),
        )
        .unwrap();
    }
    assert!(
        std::fs::read_to_string(s.views.join("test_recommendations.sql")).unwrap() == TEST_VIEW
    );

    // Run 1 issues the forecast from the data's last day on.
    refresh_cli(&s, "r1");

    // Four weeks of sales arrive: the last four weeks again, one category's demand tripled.
    let eng = engine_over(&data).await;
    let last: String =
        common::scalar(&eng, "SELECT CAST(max(date) AS VARCHAR) FROM daily_sales").await;
    let cats = common::query(
        &eng,
        &format!(
            "SELECT CAST(p.category AS VARCHAR), sum(d.units) AS u FROM daily_sales d \
             JOIN products p USING (sku_id) WHERE d.date > DATE '{last}' - INTERVAL '28 days' \
             GROUP BY 1 ORDER BY u DESC, 1"
        ),
    )
    .await;
    let names = datafusion::arrow::compute::cast(
        cats[0].column(0),
        &datafusion::arrow::datatypes::DataType::Utf8,
    )
    .unwrap();
    let names = datafusion::arrow::array::AsArray::as_string::<i32>(&names);
    let shifted = names.value(0).to_string();
    let steady = names.value(1).to_string();
    let ids = common::scalar(
        &eng,
        &format!(
            "SELECT array_to_string(array_agg(sku_id), ',') FROM products \
             WHERE CAST(category AS VARCHAR) = '{}'",
            shifted.replace('\'', "''")
        ),
    )
    .await;
    let skus = format!("({ids})");
    let window = format!("date > DATE '{last}' - INTERVAL '28 days'");
    let n = write_parquet(
        &eng,
        &format!(
            "SELECT CAST(date + INTERVAL '28 days' AS DATE) AS date, sku_id, store_id, \
             CAST(CASE WHEN sku_id IN {skus} THEN units * 3 ELSE units END AS INT) AS units, \
             revenue, on_hand_close, stockout, promo, price \
             FROM daily_sales WHERE {window} ORDER BY date, sku_id, store_id"
        ),
        &data.join("daily_sales/month=2025-01/part-0.parquet"),
    )
    .await;
    assert!(n > 100, "{n} daily rows appended");
    write_parquet(
        &eng,
        &format!(
            "SELECT line_id + 1000000000 AS line_id, transaction_id + 1000000000 AS transaction_id, \
             ts + INTERVAL '28 days' AS ts, CAST(date + INTERVAL '28 days' AS DATE) AS date, \
             store_id, channel, customer_id, sku_id, \
             CAST(CASE WHEN sku_id IN {skus} THEN quantity * 3 ELSE quantity END AS INT) AS quantity, \
             unit_price, discount, promo_id, net_amount \
             FROM sales_lines WHERE {window} ORDER BY line_id"
        ),
        &data.join("sales_lines/month=2025-01/part-0.parquet"),
    )
    .await;
    drop(eng);

    // Run 2 scores run 1's forecast against the four new weeks.
    refresh_cli(&s, "r2");
    let srv = start(&s);
    let admin = connect(srv.port, "admin", "t").await;
    let runs = rows(
        &admin,
        "SELECT DISTINCT run_id FROM recommendation_runs ORDER BY 1",
    )
    .await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    let (run1, run2) = (runs[0][0].clone().unwrap(), runs[1][0].clone().unwrap());

    // The whole table, for the log of a failing run.
    for r in rows(
        &admin,
        "SELECT group_kind, group_value, days, round(wape, 3), round(bias, 3), \
         round(tracking_signal, 1), round(mase, 2), drift FROM forecast_monitoring ORDER BY 1, 2",
    )
    .await
    {
        eprintln!("{r:?}");
    }
    eprintln!("shifted: {shifted}, steady: {steady}");
    let row = |kind: &str, group: &str| {
        format!(
            "SELECT run_id, scored_by_run, days, drift, bias, mase, tracking_signal, drift_reason \
             FROM forecast_monitoring WHERE group_kind = '{kind}' AND group_value = '{}'",
            group.replace('\'', "''")
        )
    };
    let sh = rows(&admin, &row("category", &shifted)).await;
    assert_eq!(sh.len(), 1, "{sh:?}");
    let sh = &sh[0];
    assert_eq!(sh[0].as_deref(), Some(run1.as_str()));
    assert_eq!(sh[1].as_deref(), Some(run2.as_str()));
    assert_eq!(sh[2].as_deref(), Some("28"), "{sh:?}");
    assert_eq!(
        sh[3].as_deref(),
        Some("t"),
        "the tripled category drifts: {sh:?}"
    );
    let bias: f64 = sh[4].as_ref().unwrap().parse().unwrap();
    assert!(
        bias < -0.4,
        "demand tripled, so the forecast is far too low: {sh:?}"
    );
    assert!(
        sh[7].as_deref().unwrap().starts_with("under-forecast"),
        "{sh:?}"
    );

    let st = rows(&admin, &row("category", &steady)).await;
    assert_eq!(st.len(), 1, "{st:?}");
    assert_eq!(
        st[0][3].as_deref(),
        Some("f"),
        "the steady category does not drift: {st:?}"
    );
    let mase: f64 = st[0][5].as_ref().unwrap().parse().unwrap();
    assert!(mase < 2.0, "{st:?}");

    // Every kind of group is scored, each once per issuing run.
    let kinds = rows(
        &admin,
        "SELECT group_kind, count(*), count(DISTINCT group_value), min(days), max(days) \
         FROM forecast_monitoring GROUP BY 1 ORDER BY 1",
    )
    .await;
    let k: Vec<&str> = kinds.iter().map(|r| r[0].as_deref().unwrap()).collect();
    assert_eq!(k, ["category", "overall", "region", "segment"], "{kinds:?}");
    for r in &kinds {
        assert_eq!(r[1], r[2], "one row per group: {r:?}");
    }
    let cat_n: usize = kinds[0][1].as_ref().unwrap().parse().unwrap();
    assert!(cat_n >= 10, "{kinds:?}");

    // The actuals are the forecast's own quantity, kept units (net_demand.kept_units_est), not
    // units sold: some of the new weeks' sales are returned.
    let mut sums = vec![];
    for sql in [
        "SELECT CAST(actual_units AS VARCHAR) FROM forecast_monitoring WHERE group_kind = 'overall'"
            .to_string(),
        format!("SELECT CAST(sum(kept_units_est) AS VARCHAR) FROM net_demand WHERE date > DATE '{last}'"),
        format!("SELECT CAST(sum(units) AS VARCHAR) FROM daily_sales WHERE date > DATE '{last}'"),
    ] {
        sums.push(one(&admin, &sql).await.unwrap().parse::<f64>().unwrap());
    }
    let (actual, kept, sold) = (sums[0], sums[1], sums[2]);
    assert!(
        kept < sold - 100.0,
        "returns lower the kept units: {kept} vs {sold}"
    );
    assert!(
        (actual - kept).abs() <= 1e-6 * kept,
        "scored against kept units {kept}, not units sold {sold}: {actual}"
    );

    // Granted to planners, analysts and auditors (auditors see no business data).
    for user in ["planner", "analyst", "auditor"] {
        let c = connect(srv.port, user, "t").await;
        assert_eq!(
            one(&c, "SELECT count(*) FROM forecast_monitoring").await,
            one(&admin, "SELECT count(*) FROM forecast_monitoring").await,
            "{user}"
        );
        if user == "auditor" {
            let e = c
                .simple_query("SELECT count(*) FROM stores")
                .await
                .unwrap_err();
            assert_eq!(code(&e), "42501");
        }
    }
}
