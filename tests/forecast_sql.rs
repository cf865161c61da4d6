//! Forecasting through SQL against the demo engine: the DataFusion 55.2 GROUP BY + unnest bug pin
//! (and the workaround every generated plan and view uses), the table functions, and checks that
//! need Rust rather than sqllogictest (types, plans, many groups across partitions).
mod common;

use aisle::engine::Engine;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;

/// A session with the forecast table functions registered (the engine registers them once it
/// calls `udfs::forecast::table_functions()`; registering again is harmless).
async fn session(engine: &Engine) -> SessionContext {
    let ctx = engine.new_session();
    for (name, f) in aisle::udfs::forecast::table_functions() {
        ctx.register_udtf(name, f);
    }
    ctx
}

async fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("plan {sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("run {sql}: {e}"))
}

async fn run_err(ctx: &SessionContext, sql: &str) -> String {
    let res = match ctx.sql(sql).await {
        Ok(df) => df.collect().await.map(|_| ()),
        Err(e) => Err(e),
    };
    let e = res.expect_err("the statement should fail");
    match aisle::error::SqlError::find_in(&e) {
        Some(s) => format!("[{}] {}", s.code, s.message),
        None => format!("[XX000] {e}"),
    }
}

/// All rows as `a|b|c` strings.
fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let text = pretty_format_batches(batches).expect("format").to_string();
    text.lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

const KV: &str = "(SELECT * FROM (VALUES (1, 10), (1, 11), (1, 12), (1, 13), (1, 14), \
    (2, 20), (2, 21), (2, 22), (2, 23), (2, 24), (3, 30), (3, 31), (3, 32), (3, 33), (3, 34)) AS t(k, v))";

/// DataFusion 55.2 keeps treating a GROUP BY key as unique after `unnest` of an aggregate's list
/// (its functional dependency survives the unnest). This test shows the WRONG results of the
/// naive pattern so that we notice when an upgrade fixes it: when it fails, the bug is fixed
/// upstream — flip the assertions to the right answers, and the workaround may be dropped.
#[tokio::test]
async fn datafusion_55_group_by_unnest_bug_is_still_there() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let naive = format!(
        "(SELECT k, unnest(l) AS v FROM (SELECT k, array_agg(v) AS l FROM {KV} GROUP BY k))"
    );

    // ORDER BY k, v DESC ignores v: the sort thinks k alone orders the rows.
    let got = rows(
        &run(
            &ctx,
            &format!("SELECT k, v FROM {naive} ORDER BY k, v DESC LIMIT 4"),
        )
        .await,
    );
    let right = vec!["1|14", "1|13", "1|12", "1|11"];
    assert_ne!(
        got, right,
        "upstream fixed ORDER BY after GROUP BY + unnest: update this pin"
    );
    assert!(got.iter().all(|r| r.starts_with("1|")), "{got:?}");

    // A join on k that uses only the other side's columns becomes a semi join: 3 rows, not 15.
    let join =
        format!("SELECT o.k FROM {naive} u JOIN (SELECT DISTINCT k FROM {KV}) o ON u.k = o.k");
    let n: usize = run(&ctx, &join).await.iter().map(|b| b.num_rows()).sum();
    assert_eq!(
        n, 3,
        "upstream fixed the join after GROUP BY + unnest (15 rows is right): update this pin"
    );
}

/// The workaround: do not carry the key through the unnest; repeat it next to the list and unnest
/// both together. The views and forecast_table use this pattern.
#[tokio::test]
async fn repeating_the_key_next_to_the_list_is_right() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let safe = format!(
        "(SELECT unnest(array_repeat(k, array_length(l))) AS k, unnest(l) AS v \
         FROM (SELECT k, array_agg(v) AS l FROM {KV} GROUP BY k))"
    );
    let got = rows(
        &run(
            &ctx,
            &format!("SELECT k, v FROM {safe} ORDER BY k, v DESC LIMIT 4"),
        )
        .await,
    );
    assert_eq!(got, vec!["1|14", "1|13", "1|12", "1|11"]);
    let join =
        format!("SELECT o.k FROM {safe} u JOIN (SELECT DISTINCT k FROM {KV}) o ON u.k = o.k");
    let n: usize = run(&ctx, &join).await.iter().map(|b| b.num_rows()).sum();
    assert_eq!(n, 15);

    // the same with forecast(): the keys stay aligned with their own forecasts
    let fc = "SELECT k, f['ds'] AS ds, f['yhat'] AS yhat FROM \
        (SELECT unnest(array_repeat(k, array_length(fc))) AS k, unnest(fc) AS f \
         FROM (SELECT k, forecast(v, CAST(v AS DOUBLE), 3, 'method=naive') AS fc FROM KV GROUP BY k)) \
        ORDER BY k, ds DESC LIMIT 4"
        .replace("KV", KV);
    assert_eq!(
        rows(&run(&ctx, &fc).await),
        vec!["1|17|14.0", "1|16|14.0", "1|15|14.0", "2|27|24.0"]
    );
}

/// demand_forecast is planned without the broken pattern: joining it on its keys keeps every row.
#[tokio::test]
async fn demand_forecast_view_joins_on_its_keys() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let n: usize = run(
        &ctx,
        "SELECT p.category FROM demand_forecast f JOIN products p ON f.sku_id = p.sku_id",
    )
    .await
    .iter()
    .map(|b| b.num_rows())
    .sum();
    let total = common::scalar(&engine, "SELECT count(*) FROM demand_forecast").await;
    assert_eq!(n.to_string(), total);
    assert!(n > 0);
}

#[tokio::test]
async fn forecast_table_matches_the_aggregate() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let sql = "SELECT * FROM forecast_table('daily_sales', 'sku_id, store_id', 'date', 'units', 7, \
               'available=NOT stockout, quantiles=0.95') WHERE sku_id = 1001 ORDER BY store_id, ds";
    let batches = run(&ctx, sql).await;
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "sku_id",
            "store_id",
            "ds",
            "yhat",
            "yhat_lo_80",
            "yhat_hi_80",
            "yhat_lo_95",
            "yhat_hi_95",
            "model",
            "yhat_q95"
        ]
    );
    assert_eq!(schema.field(2).data_type(), &DataType::Date32);
    let table = rows(&batches);
    let series: usize = common::scalar(
        &engine,
        "SELECT count(DISTINCT store_id) FROM daily_sales WHERE sku_id = 1001",
    )
    .await
    .parse()
    .unwrap();
    assert_eq!(table.len(), 7 * series);

    // the same numbers as the aggregate with the safe unnest
    let agg = "SELECT sku_id, store_id, f['ds'] AS ds, f['yhat'] AS yhat, f['yhat_lo_80'] AS lo80, \
               f['yhat_hi_80'] AS hi80, f['yhat_lo_95'] AS lo95, f['yhat_hi_95'] AS hi95, f['model'] AS model, \
               forecast_quantile(f, 0.95) AS q95 \
               FROM (SELECT unnest(array_repeat(sku_id, array_length(fc))) AS sku_id, \
                            unnest(array_repeat(store_id, array_length(fc))) AS store_id, unnest(fc) AS f \
                     FROM (SELECT sku_id, store_id, forecast(date, units, 7, 'quantiles=0.95', NOT stockout) AS fc \
                           FROM daily_sales WHERE sku_id = 1001 GROUP BY sku_id, store_id)) \
               ORDER BY store_id, ds";
    assert_eq!(rows(&run(&ctx, agg).await), table);

    // a view works as the source; no id columns: the whole view is one series
    run(&ctx, "CREATE VIEW chain_units AS SELECT date, sum(units) AS units FROM daily_sales GROUP BY date").await;
    let one = rows(
        &run(&ctx, "SELECT CAST(ds AS VARCHAR), model FROM forecast_table(chain_units, '', 'date', 'units', 2, 'method=naive')")
            .await,
    );
    assert_eq!(one, vec!["2025-01-01|Naive", "2025-01-02|Naive"]);
}

#[tokio::test]
async fn forecast_table_errors() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let e = run_err(
        &ctx,
        "SELECT * FROM forecast_table('no_such', 'a', 'b', 'c', 3)",
    )
    .await;
    assert_eq!(
        e,
        "[42P01] forecast_table: table or view 'no_such' does not exist"
    );
    let e = run_err(
        &ctx,
        "SELECT * FROM forecast_table('daily_sales', 'sku', 'date', 'units', 3)",
    )
    .await;
    assert!(e.starts_with("[42703] forecast_table: column 'sku' does not exist in daily_sales; its columns: date, sku_id"), "{e}");
    let e = run_err(
        &ctx,
        "SELECT * FROM forecast_table('daily_sales', 'sku_id', 'date', 'units', 0)",
    )
    .await;
    assert_eq!(
        e,
        "[22023] forecast_table: horizon must be between 1 and 10000, got 0"
    );
    let e = run_err(
        &ctx,
        "SELECT * FROM forecast_table('daily_sales', 'sku_id, store_id', 'date', 'units', 3, 'colour=red')",
    )
    .await;
    assert!(
        e.starts_with("[22023] forecast_table: unknown option 'colour'; valid options: method"),
        "{e}"
    );
    let e = run_err(
        &ctx,
        "SELECT * FROM forecast_table('daily_sales', 'sku_id, store_id', 'date', 'units', 3, 'available=units')",
    )
    .await;
    assert!(
        e.starts_with("[22023] forecast_table: available must name a BOOLEAN column"),
        "{e}"
    );
    // a duplicate date (no id columns: every SKU and store on one date) names the series
    let e = run_err(
        &ctx,
        "SELECT * FROM forecast_table('daily_sales', '', 'date', 'units', 3)",
    )
    .await;
    assert!(
        e.starts_with("[22023] forecast: the series of ") && e.contains("appears twice"),
        "{e}"
    );
}

#[tokio::test]
async fn forecast_backtest_table_and_pooled_totals() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let per_series = run(
        &ctx,
        "SELECT sku_id, store_id, model, demand_class, folds, n, mae, mase, coverage_80 \
         FROM forecast_backtest_table('daily_sales', 'sku_id, store_id', 'date', 'units', 14, \
              'folds=2, available=NOT stockout') WHERE sku_id < 1004",
    )
    .await;
    let n_rows: usize = per_series.iter().map(|b| b.num_rows()).sum();
    assert!(n_rows > 0);
    for b in &per_series {
        let folds = b.column(4).as_primitive::<Int64Type>();
        let mae = b.column(6).as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            assert!(folds.value(i) <= 2);
            assert!(mae.is_null(i) || mae.value(i) >= 0.0);
        }
    }
    // totals from the table function's pool equal the aggregate's
    let a = common::scalar(
        &engine,
        "SELECT round(t['mae'], 9) FROM (SELECT forecast_backtest_pooled(b) AS t FROM \
         (SELECT forecast_backtest(date, units, 14, 'folds=2', NOT stockout) AS b FROM daily_sales \
          WHERE sku_id < 1004 GROUP BY sku_id, store_id))",
    )
    .await;
    let b = run(
        &ctx,
        "SELECT round(t['mae'], 9) FROM (SELECT forecast_backtest_pooled(named_struct('pool', pool)) AS t \
         FROM forecast_backtest_table('daily_sales', 'sku_id, store_id', 'date', 'units', 14, \
              'folds=2, available=NOT stockout') WHERE sku_id < 1004)",
    )
    .await;
    let b = datafusion::arrow::util::display::array_value_to_string(b[0].column(0), 0).unwrap();
    assert_eq!(a, b);
}

/// Many groups over several partitions: the partial states (lists) merge across partitions and
/// every group gets its own forecast, whatever the partitioning.
#[tokio::test]
async fn many_groups_merge_across_partitions() {
    let engine = common::demo_engine().await;
    let one = engine.new_session();
    one.sql("SET datafusion.execution.target_partitions = 1")
        .await
        .unwrap();
    let many = engine.new_session();
    many.sql("SET datafusion.execution.target_partitions = 4")
        .await
        .unwrap();
    many.sql("SET datafusion.execution.batch_size = 1000")
        .await
        .unwrap();
    let sql = "SELECT sku_id, store_id, fc[28]['yhat'] AS y28, fc[1]['model'] AS model \
               FROM (SELECT sku_id, store_id, forecast(date, units, 28, 'method=auto', NOT stockout) AS fc \
                     FROM daily_sales GROUP BY sku_id, store_id) ORDER BY sku_id, store_id";
    let a = rows(&run(&one, sql).await);
    let b = rows(&run(&many, sql).await);
    assert!(a.len() > 100, "{}", a.len());
    assert_eq!(a, b);
}

/// The result types the docs promise.
#[tokio::test]
async fn result_types() {
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let b = run(
        &ctx,
        "SELECT forecast(t, y, 2) AS f, forecast_backtest(t, y, 2) AS b, demand_profile(t, y) AS p \
         FROM (VALUES (1, 1.0), (2, 2.0), (3, 3.0)) AS v(t, y)",
    )
    .await;
    let s = b[0].schema();
    let DataType::List(item) = s.field(0).data_type() else {
        panic!("forecast returns a list")
    };
    let DataType::Struct(fc) = item.data_type() else {
        panic!("of structs")
    };
    let names: Vec<String> = fc
        .iter()
        .map(|f| format!("{}:{}", f.name(), f.data_type()))
        .collect();
    assert_eq!(
        names[..7],
        [
            "ds:Int64",
            "yhat:Float64",
            "yhat_lo_80:Float64",
            "yhat_hi_80:Float64",
            "yhat_lo_95:Float64",
            "yhat_hi_95:Float64",
            "model:Utf8"
        ]
    );
    assert_eq!(fc[7].name(), "quantiles");
    let DataType::Struct(bt) = s.field(1).data_type() else {
        panic!()
    };
    let names: Vec<&str> = bt.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "model",
            "demand_class",
            "folds",
            "n",
            "mae",
            "rmse",
            "mape",
            "smape",
            "mase",
            "rmsse",
            "wape",
            "bias",
            "me",
            "coverage_80",
            "coverage_95",
            "pool"
        ]
    );
    let p = b[0].column(2).as_struct();
    assert_eq!(
        p.column_by_name("class")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "too_short"
    );
}

/// Net demand drives the forecast (issue 5): the views forecast units kept (sold and not
/// returned). Recomputed here from the raw Parquet files (not the views): the returns window W
/// (longest sale-to-return delay), each series' kept ratio over the days whose returns are all in,
/// shrunk towards its SKU's and category's rate with a prior of 50 units (net_demand's header).
/// On the test data, the SKU x store with the lowest kept ratio gets a 28-day forecast below a
/// forecast of its gross units by about that ratio; a series that never had a return is forecast
/// as before.
#[tokio::test]
async fn net_demand_lowers_the_forecast_by_the_kept_ratio() {
    use std::collections::HashMap;
    let engine = common::demo_engine().await;
    let ctx = session(&engine).await;
    let dir = common::demo_dir();
    for (name, table) in [
        ("raw_daily", "daily_sales"),
        ("raw_lines", "sales_lines"),
        ("raw_returns", "returns"),
        ("raw_products", "products"),
    ] {
        ctx.register_parquet(
            name,
            dir.join(table).to_str().unwrap(),
            datafusion::prelude::ParquetReadOptions::default(),
        )
        .await
        .unwrap();
    }
    let f64s = |b: &[RecordBatch], col: usize| -> Vec<f64> {
        b.iter()
            .flat_map(|b| {
                let c =
                    datafusion::arrow::compute::cast(b.column(col), &DataType::Float64).unwrap();
                c.as_primitive::<Float64Type>().values().to_vec()
            })
            .collect()
    };
    let i64s = |b: &[RecordBatch], col: usize| -> Vec<i64> {
        b.iter()
            .flat_map(|b| {
                let c = datafusion::arrow::compute::cast(b.column(col), &DataType::Int64).unwrap();
                c.as_primitive::<Int64Type>().values().to_vec()
            })
            .collect()
    };
    let strs = |b: &[RecordBatch], col: usize| -> Vec<String> {
        b.iter()
            .flat_map(|b| {
                let c = datafusion::arrow::compute::cast(b.column(col), &DataType::Utf8).unwrap();
                let c = c.as_string::<i32>();
                (0..c.len())
                    .map(|i| c.value(i).to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    };

    // per series: units sold on complete days, units of those days' lines returned later, and
    // returns at any time
    let series = run(
        &ctx,
        "WITH ret AS (SELECT l.sku_id, l.store_id, l.date, r.quantity, r.return_date - l.date AS delay
                      FROM raw_returns r JOIN raw_lines l ON l.line_id = r.line_id),
              w AS (SELECT max(delay) AS w FROM ret),
              last AS (SELECT max(date) AS last_day FROM raw_daily),
              sold AS (SELECT d.sku_id, d.store_id, sum(d.units) AS sold
                       FROM raw_daily d, last, w WHERE last.last_day - d.date >= w.w
                       GROUP BY 1, 2),
              back AS (SELECT ret.sku_id, ret.store_id, sum(ret.quantity) AS returned
                       FROM ret, last, w WHERE last.last_day - ret.date >= w.w GROUP BY 1, 2),
              ever AS (SELECT sku_id, store_id, sum(quantity) AS q FROM raw_returns GROUP BY 1, 2),
              total AS (SELECT sku_id, store_id, sum(units) AS units FROM raw_daily GROUP BY 1, 2)
         SELECT t.sku_id, t.store_id, p.category, COALESCE(s.sold, 0), COALESCE(b.returned, 0),
                COALESCE(e.q, 0), t.units, (SELECT w FROM w)
         FROM total t
         LEFT JOIN sold s ON s.sku_id = t.sku_id AND s.store_id = t.store_id
         LEFT JOIN back b ON b.sku_id = t.sku_id AND b.store_id = t.store_id
         LEFT JOIN ever e ON e.sku_id = t.sku_id AND e.store_id = t.store_id
         LEFT JOIN raw_products p ON p.sku_id = t.sku_id",
    )
    .await;
    let (sku, store, cat) = (i64s(&series, 0), i64s(&series, 1), strs(&series, 2));
    let (sold, ret, ever, units) = (
        f64s(&series, 3),
        f64s(&series, 4),
        f64s(&series, 5),
        f64s(&series, 6),
    );
    let w = i64s(&series, 7)[0];
    assert!((10..=60).contains(&w), "returns window {w} days");
    let mut by_sku: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut by_cat: HashMap<&str, (f64, f64)> = HashMap::new();
    for i in 0..sku.len() {
        let e = by_sku.entry(sku[i]).or_default();
        e.0 += sold[i];
        e.1 += ret[i];
        let e = by_cat.entry(cat[i].as_str()).or_default();
        e.0 += sold[i];
        e.1 += ret[i];
    }
    let kept: Vec<f64> = (0..sku.len())
        .map(|i| {
            let (cs, cr) = by_cat[cat[i].as_str()];
            let cat_rate = if cs > 0.0 { cr / cs } else { 0.0 };
            let (ss, sr) = by_sku[&sku[i]];
            let sku_rate = (sr + 50.0 * cat_rate) / (ss + 50.0);
            1.0 - (ret[i] + 50.0 * sku_rate) / (sold[i] + 50.0)
        })
        .collect();

    // the view's kept ratio is the one recomputed here, for every series
    let view = run(
        &ctx,
        "SELECT sku_id, store_id, min(kept_ratio), max(kept_ratio) FROM net_demand GROUP BY 1, 2",
    )
    .await;
    let view_kept: HashMap<(i64, i64), (f64, f64)> = i64s(&view, 0)
        .into_iter()
        .zip(i64s(&view, 1))
        .zip(f64s(&view, 2).into_iter().zip(f64s(&view, 3)))
        .collect();
    assert_eq!(view_kept.len(), sku.len());
    for i in 0..sku.len() {
        let (lo, hi) = view_kept[&(sku[i], store[i])];
        assert!(
            (lo - kept[i]).abs() < 1e-9 && (hi - kept[i]).abs() < 1e-9,
            "series {}/{}: view kept ratio {lo}..{hi}, recomputed {}",
            sku[i],
            store[i],
            kept[i]
        );
    }

    // the series with the lowest kept ratio among those selling at least 200 units, and the
    // biggest series that never had a return
    let high = (0..sku.len())
        .filter(|&i| units[i] >= 200.0)
        .min_by(|&a, &b| kept[a].total_cmp(&kept[b]))
        .expect("a series with sales");
    let none = (0..sku.len())
        .filter(|&i| ever[i] == 0.0)
        .max_by(|&a, &b| units[a].total_cmp(&units[b]))
        .expect("a series without returns in the test data");
    assert!(kept[high] < 0.93, "lowest kept ratio {}", kept[high]);
    assert!(
        kept[none] > 0.999,
        "kept ratio without returns {}",
        kept[none]
    );

    for (i, what) in [(high, "high returns"), (none, "no returns")] {
        let (s, l) = (sku[i], store[i]);
        // gross: the same forecast of units sold, from the raw file
        let gross = f64s(
            &run(
                &ctx,
                &format!(
                    "SELECT sum(f['yhat']) FROM (SELECT unnest(fc) AS f FROM (
                         SELECT forecast(date, units, 28,
                                         'method=auto, season_length=7, censor=zero, on_error=null',
                                         NOT stockout) AS fc
                         FROM raw_daily WHERE sku_id = {s} AND store_id = {l}))"
                ),
            )
            .await,
            0,
        )[0];
        let net = f64s(
            &run(
                &ctx,
                &format!(
                    "SELECT sum(yhat) FROM demand_forecast_location WHERE sku_id = {s} AND store_id = {l}"
                ),
            )
            .await,
            0,
        )[0];
        let ratio = net / gross;
        println!(
            "{what}: series {s}/{l}, {} units, kept ratio {:.4}: 28-day forecast {net:.2} kept vs {gross:.2} gross (x{ratio:.4})",
            units[i], kept[i]
        );
        assert!(gross > 1.0, "{what}: gross forecast {gross}");
        if i == high {
            assert!(
                (ratio - kept[i]).abs() < 0.03,
                "{what}: forecast ratio {ratio:.4} vs kept ratio {:.4}",
                kept[i]
            );
            assert!(
                ratio < 1.0 - (1.0 - kept[i]) / 2.0,
                "{what}: not lower: {ratio:.4}"
            );
        } else {
            assert!(
                (ratio - 1.0).abs() < 1e-3,
                "{what}: forecast changed: {ratio:.6}"
            );
        }
    }
}
