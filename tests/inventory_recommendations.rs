//! inventory_exceptions against the generator's ground truth (`_truth/`, which the catalog does
//! not list and the views never read): precision and recall of the shrink anomalies and the
//! phantom-inventory flags, with the floors docs/inventory.md states.
//!
//! Runs on the shared test dataset. To measure another dataset (the numbers in docs/inventory.md
//! are from scale 1), point `AISLE_TRUTH_DATA_DIR` at it and run with `--nocapture`.
mod common;

use std::path::PathBuf;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::views::ViewSource;
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

async fn engine_and_dir() -> (std::sync::Arc<Engine>, PathBuf) {
    let dir = match std::env::var("AISLE_TRUTH_DATA_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => common::demo_dir(),
    };
    let engine = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(dir.clone()),
        views: ViewSource::BuiltIn,
        ..Default::default()
    })
    .await
    .expect("open the demo engine");
    (engine, dir)
}

async fn counts(ctx: &SessionContext, sql: &str) -> Vec<i64> {
    let batches = ctx
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("plan {sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("run {sql}: {e}"));
    let b = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    (0..b.num_columns())
        .map(|i| {
            let c = datafusion::arrow::compute::cast(
                b.column(i),
                &datafusion::arrow::datatypes::DataType::Int64,
            )
            .unwrap();
            c.as_primitive::<Int64Type>().value(0)
        })
        .collect()
}

fn ratio(a: i64, b: i64) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Shrink anomalies: a series is truly anomalous when its true shrunk units (`_truth/series`)
/// per physical unit-day on hand (weekly snapshots x 7) exceed 2x its department's median — the
/// same rule the view applies to what a retailer can see (unexplained book corrections per book
/// unit-day). Phantom inventory: truly phantom when the latest snapshot's book shows stock and
/// the shelf (physical `on_hand`, never read by the views) is empty.
#[tokio::test]
async fn exceptions_find_the_true_shrink_and_phantom_stock() {
    let (engine, dir) = engine_and_dir().await;
    let ctx = engine.new_session();
    ctx.register_parquet(
        "truth_series",
        dir.join("_truth/series").to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .expect("register _truth/series");
    ctx.sql(
        "CREATE VIEW exc AS SELECT kind, sku_id, store_id FROM inventory_exceptions \
         WHERE kind IN ('shrink_anomaly', 'phantom_inventory')",
    )
    .await
    .unwrap();
    // the view is planned once here and materialised, so both evaluations see the same rows
    let exc = ctx.table("exc").await.unwrap().cache().await.unwrap();
    ctx.deregister_table("exc").unwrap();
    ctx.register_table("exc", exc.into_view()).unwrap();

    let shrink = counts(
        &ctx,
        "WITH phys AS (
             SELECT sku_id, store_id, sum(CAST(on_hand AS DOUBLE)) * 7 AS stock_days
             FROM inventory_snapshots GROUP BY sku_id, store_id
         ),
         t AS (
             SELECT s.sku_id, s.store_id,
                    CAST(s.shrink_units AS DOUBLE) / ph.stock_days AS rate,
                    median(CAST(s.shrink_units AS DOUBLE) / ph.stock_days)
                        OVER (PARTITION BY p.department) AS dept
             FROM truth_series s
             JOIN phys ph ON ph.sku_id = s.sku_id AND ph.store_id = s.store_id
             JOIN products p ON p.sku_id = s.sku_id
             WHERE ph.stock_days > 0
         ),
         truth AS (SELECT sku_id, store_id FROM t WHERE dept > 0 AND rate > 2 * dept),
         det AS (SELECT sku_id, store_id FROM exc WHERE kind = 'shrink_anomaly')
         SELECT (SELECT count(*) FROM truth) AS truth_n, (SELECT count(*) FROM det) AS det_n,
                (SELECT count(*) FROM det JOIN truth USING (sku_id, store_id)) AS hits,
                (SELECT count(*) FROM t) AS series",
    )
    .await;
    let (truth_n, det_n, hits, series) = (shrink[0], shrink[1], shrink[2], shrink[3]);
    let (precision, recall) = (ratio(hits, det_n), ratio(hits, truth_n));
    println!(
        "shrink_anomaly: {series} series, {truth_n} truly anomalous, {det_n} flagged, {hits} right: \
         precision {precision:.3}, recall {recall:.3}"
    );

    let phantom = counts(
        &ctx,
        "WITH last AS (
             SELECT i.sku_id, i.store_id, i.on_hand, i.book_on_hand
             FROM inventory_snapshots i
             WHERE i.snapshot_date = (SELECT max(snapshot_date) FROM inventory_snapshots)
               AND i.book_on_hand > 0
         ),
         det AS (SELECT sku_id, store_id FROM exc WHERE kind = 'phantom_inventory')
         SELECT (SELECT count(*) FROM last WHERE on_hand = 0) AS truth_n,
                (SELECT count(*) FROM det) AS det_n,
                (SELECT count(*) FROM det JOIN last USING (sku_id, store_id) WHERE last.on_hand = 0) AS hits,
                (SELECT count(*) FROM last WHERE on_hand > 0) AS ordinary,
                (SELECT count(*) FROM det JOIN last USING (sku_id, store_id) WHERE last.on_hand > 0) AS false_hits",
    )
    .await;
    let (p_truth, p_det, p_hits, ordinary, p_false) =
        (phantom[0], phantom[1], phantom[2], phantom[3], phantom[4]);
    let false_rate = ratio(p_false, ordinary);
    println!(
        "phantom_inventory: {p_truth} truly phantom, {p_det} flagged, {p_hits} right: precision {:.3}, \
         recall {:.3}; {p_false} of {ordinary} ordinary series with stock flagged ({false_rate:.4})",
        ratio(p_hits, p_det),
        ratio(p_hits, p_truth)
    );

    // floors (docs/inventory.md): the dataset must have anomalies to find, the view must find
    // most of them, and most of what it flags must be real
    assert!(
        truth_n >= 5,
        "too few true shrink anomalies to judge: {truth_n}"
    );
    assert!(
        precision >= 0.7,
        "shrink precision {precision:.3} below 0.7"
    );
    assert!(recall >= 0.7, "shrink recall {recall:.3} below 0.7");
    // ordinary days mostly are not flagged
    assert!(ordinary > 0);
    assert!(
        false_rate <= 0.02,
        "{p_false} of {ordinary} ordinary series flagged as phantom ({false_rate:.4} > 0.02)"
    );
}

/// The recommendation views read the location forecast through inventory_position exactly once:
/// the physical plan of each holds one first-stage forecast aggregate over net_demand (a CTE or
/// view referenced twice would be planned, and computed, twice). demand_forecast's per-channel
/// branch (forecasts over sales_lines by channel) is not counted: demand_forecast_location filters
/// it out after it ran (see docs/inventory.md, "Speed").
#[tokio::test]
async fn every_recommendation_view_computes_the_forecast_once() {
    let engine = common::demo_engine().await;
    let ctx = engine.new_session();
    for view in [
        "replenishment_recommendations",
        "transfer_recommendations",
        "markdown_recommendations",
        "inventory_exceptions",
    ] {
        let batches = ctx
            .sql(&format!("EXPLAIN SELECT * FROM {view}"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        let physical = text
            .split("physical_plan")
            .nth(1)
            .unwrap_or_else(|| panic!("{view}: no physical plan in\n{text}"));
        let forecasts = physical
            .lines()
            .filter(|l| {
                // Partial (then Final) over unpartitioned input, or SinglePartitioned when the
                // input already arrives hash-partitioned by the group keys (net_demand's joins)
                (l.contains("AggregateExec: mode=Partial")
                    || l.contains("AggregateExec: mode=Single"))
                    && l.contains("aggr=[forecast(net_demand.")
            })
            .count();
        assert_eq!(
            forecasts, 1,
            "{view} plans the forecast {forecasts} times:\n{physical}"
        );
    }
}

/// Per value class: (target, cycles, cycles without a stock-out, demand, served, series).
type ClassTotals = std::collections::BTreeMap<String, (f64, f64, f64, f64, f64, usize)>;

/// Totals over the rows of `table` with cycles that also satisfy `filter` (SQL).
async fn class_totals(ctx: &SessionContext, table: &str, filter: &str) -> ClassTotals {
    use datafusion::arrow::datatypes::{DataType, Float64Type};
    let rows = ctx
        .sql(&format!(
            "SELECT value_class, target_service_level, CAST(cycles AS DOUBLE),
                    CAST(cycles_without_stockout AS DOUBLE), demand, served
             FROM {table} WHERE cycles > 0 AND {filter}"
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut by_class = ClassTotals::new();
    for b in &rows {
        let class = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8).unwrap();
        let class = class.as_string::<i32>();
        let col = |i: usize| {
            datafusion::arrow::compute::cast(b.column(i), &DataType::Float64)
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let (t, c, w, d, s) = (col(1), col(2), col(3), col(4), col(5));
        for r in 0..b.num_rows() {
            let e = by_class.entry(class.value(r).to_string()).or_insert((
                t.value(r),
                0.0,
                0.0,
                0.0,
                0.0,
                0,
            ));
            assert_eq!(e.0, t.value(r), "one target per class");
            e.1 += c.value(r);
            e.2 += w.value(r);
            e.3 += d.value(r);
            e.4 += s.value(r);
            e.5 += 1;
        }
    }
    by_class
}

/// The policy simulation, per service class: every SKU x location replayed over the last 91 days
/// under the weekly (R, S) policy re-planned at every review from a rolling-origin forecast
/// (policy_simulation), cycles pooled per value class. The view is computed once;
/// policy_simulation_summary's SQL (its file text) is then run over that result and must agree
/// with the per-class totals summed here. The goal: every class's achieved cycle service level
/// within 2 points of its target — asserted as such when the test runs on a scale-1 dataset
/// (`AISLE_TRUTH_DATA_DIR=<scale-1 dir>`; met, docs/inventory.md). On the small test dataset
/// (130–700 cycles per class) a class must land within max(2 points, 2 binomial standard
/// errors), with or without the holiday SKUs (see the comment in the body), and the pooled total
/// within 2 points.
#[tokio::test]
async fn policy_simulation_per_class_meets_the_targets() {
    use datafusion::arrow::datatypes::{DataType, Float64Type};
    let (engine, _dir) = engine_and_dir().await;
    let ctx = engine.new_session();
    let started = std::time::Instant::now();
    let sim = ctx
        .sql("SELECT * FROM policy_simulation")
        .await
        .unwrap()
        .cache()
        .await
        .unwrap();
    println!(
        "policy_simulation computed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ctx.register_table("policy_simulation_cached", sim.into_view())
        .unwrap();
    let by_class = class_totals(&ctx, "policy_simulation_cached", "true").await;
    let no_holiday = class_totals(
        &ctx,
        "policy_simulation_cached",
        "sku_id NOT IN (SELECT sku_id FROM products WHERE season = 'holiday')",
    )
    .await;
    assert!(by_class.len() >= 3, "classes with series: {by_class:?}");

    // the summary view's own SQL over the same rows
    let text = include_str!("../sql/views/policy_simulation_summary.sql");
    let head = "CREATE VIEW policy_simulation_summary AS";
    let body = &text[text.find(head).unwrap() + head.len()..];
    let summary = ctx
        .sql(&body.replace(
            "FROM policy_simulation\n",
            "FROM policy_simulation_cached\n",
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut reported = std::collections::BTreeMap::new();
    for b in &summary {
        let s = b.schema();
        let idx = |n: &str| s.index_of(n).unwrap();
        let text = |n: &str| {
            datafusion::arrow::compute::cast(b.column(idx(n)), &DataType::Utf8)
                .unwrap()
                .as_string::<i32>()
                .clone()
        };
        let f = |n: &str| {
            datafusion::arrow::compute::cast(b.column(idx(n)), &DataType::Float64)
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let class = text("value_class");
        let (achieved, fill) = (f("achieved_cycle_service_level"), f("fill_rate"));
        let within = b.column(idx("within_2_points")).as_boolean().clone();
        let reason = text("reason");
        for r in 0..b.num_rows() {
            reported.insert(
                class.value(r).to_string(),
                (
                    achieved.value(r),
                    fill.value(r),
                    within.value(r),
                    reason.value(r).to_string(),
                ),
            );
        }
    }
    assert!(reported.contains_key("total"));
    for (class, (target, cycles, clean, demand, served, _)) in &by_class {
        let (achieved, fill) = (clean / cycles, served / demand);
        let (rep_achieved, rep_fill, rep_within, reason) = &reported[class];
        assert!(
            (rep_achieved - achieved).abs() < 1e-9,
            "{class}: summary {rep_achieved} vs {achieved}"
        );
        assert!((rep_fill - fill).abs() < 1e-9, "{class}: summary fill rate");
        assert_eq!(
            *rep_within,
            (achieved - target).abs() <= 0.02,
            "{class}: {reason}"
        );
    }

    // On a scale-1 dataset (AISLE_TRUTH_DATA_DIR) the claim is checked as made: every class
    // within 2 points. The small test dataset (130–700 cycles per class) gets a tolerance of
    // max(2 points, 2 binomial standard errors); and there the replayed quarter is the holiday
    // season of its 3 holiday SKUs (gingerbread mix in 5 stores: December ramps that the forecast,
    // without two years of history for a yearly profile, does not see coming — a known limit,
    // docs/inventory.md), so a class may instead meet it without them.
    let strict = std::env::var("AISLE_TRUTH_DATA_DIR").is_ok_and(|d| !d.is_empty());
    let within = |t: &(f64, f64, f64, f64, f64, usize)| {
        let (target, cycles, clean) = (t.0, t.1, t.2);
        let se = (target * (1.0 - target) / cycles).sqrt();
        let tolerance = if strict { 0.02 } else { (2.0 * se).max(0.02) };
        (
            (clean / cycles - target).abs() <= tolerance + 1e-12,
            tolerance,
        )
    };
    println!("| value class | series | target | achieved | fill rate | without holiday SKUs |");
    let (mut all_cycles, mut all_clean, mut all_target) = (0.0, 0.0, 0.0);
    for (class, totals) in &by_class {
        let (target, cycles, clean, demand, served, series) = *totals;
        let achieved = clean / cycles;
        let other = no_holiday.get(class);
        println!(
            "| {class} | {series} | {:.1} % | {:.1} % ({clean} of {cycles}) | {:.1} % | {} |",
            100.0 * target,
            100.0 * achieved,
            100.0 * served / demand,
            other.map_or("-".into(), |o| format!(
                "{:.1} % ({} of {})",
                100.0 * o.2 / o.1,
                o.2,
                o.1
            )),
        );
        let (ok, tolerance) = within(totals);
        let ok_without = !strict && other.is_some_and(|o| within(o).0);
        assert!(
            ok || ok_without,
            "{class}: achieved {achieved} against {target} (tolerance {tolerance}), \
             without holiday SKUs {other:?}"
        );
        all_cycles += cycles;
        all_clean += clean;
        all_target += target * cycles;
    }
    let (achieved, target) = (all_clean / all_cycles, all_target / all_cycles);
    assert!(
        (achieved - target).abs() <= 0.02,
        "total: achieved {achieved} against {target}"
    );
    println!(
        "policy simulation in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
