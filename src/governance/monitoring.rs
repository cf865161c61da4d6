//! Model monitoring: how the forecasts aisle issued did once the actuals arrived.
//!
//! Every recommendation run (`aisle refresh`, `CALL refresh_recommendations()`) also:
//! 1. **issues** a forecast snapshot: `demand_forecast_location` (the 28-day SKU x location
//!    forecast replenishment uses) summed per day to monitoring groups — `category`
//!    (products.category), `region` (the store's region name), `segment` (the customer value
//!    segment of `segment_demand`: each cell's forecast split by the segment's share of the cell's
//!    last 91 days) and `overall` — written to `runs/<run_id>/forecast_issued.parquet` with each
//!    group's baseline error: the mean absolute error of a seasonal-naive forecast (same weekday
//!    a week earlier) over the 28 days before the forecast starts;
//! 2. **scores** every earlier run's issued forecast against the actuals that have arrived since
//!    in the forecast's own units: kept units per group and day (`net_demand.kept_units_est`, or
//!    `daily_sales.units` in a catalog without `net_demand`; segments: their `sales_lines` x the
//!    series' kept ratio), written to
//!    `runs/<run_id>/forecast_monitoring.parquet`. `forecast_monitoring` serves the newest run's
//!    scores: one row per issuing run and group, so the history shows accuracy over time.
//!
//! Drift: a group is flagged when, over at least 7 scored days, its forecast error is more than
//! twice its baseline (MASE > 2) **and** the errors are one-sided (|tracking signal| > 4, the
//! tracking signal being the summed error divided by the mean absolute error). Error well above
//! the group's usual day-to-day variation that does not cancel out is a shift in demand the
//! model has not followed, not noise.
//!
//! All of this needs the demo-shaped relations (`daily_sales`, `products`, `stores`, `regions`,
//! `demand_forecast_location`; segments also `segment_demand`, `sales_lines`, `customer_value`);
//! a catalog without them gets runs without monitoring.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch,
    StringArray,
};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Float64Type, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};

/// Minimum scored days before a group can be flagged.
pub const DRIFT_MIN_DAYS: i64 = 7;
/// Error relative to the group's seasonal-naive baseline above which it may drift.
pub const DRIFT_MASE: f64 = 2.0;
/// |summed error / mean absolute error| above which the errors are one-sided.
pub const DRIFT_TRACKING_SIGNAL: f64 = 4.0;
/// Days of history the baseline error is measured on.
const BASELINE_DAYS: i32 = 28;
const SEASON: i32 = 7;

/// What a run's manifest records about monitoring.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MonitoringFiles {
    /// The issued forecast (group, day, forecast, baseline).
    pub issued_file: String,
    /// Last day of actuals when the forecast was issued (`YYYY-MM-DD`).
    pub issued_through: String,
    /// Scores of the earlier runs' forecasts, as of this run.
    pub scores_file: Option<String>,
    pub scored_rows: u64,
}

fn required(with_segments: bool) -> Vec<&'static str> {
    let mut r = vec![
        "daily_sales",
        "products",
        "stores",
        "regions",
        "demand_forecast_location",
    ];
    if with_segments {
        r.extend(["segment_demand", "sales_lines", "customer_value"]);
    }
    r
}

/// Relations monitoring reads (with segments), so a refresh can compute what it shares with the
/// recommendation views once.
pub fn inputs() -> Vec<&'static str> {
    required(true)
}

/// Is monitoring possible in this catalog (and with segments)?
pub fn available(ctx: &SessionContext) -> Option<bool> {
    let has = |n: &str| ctx.table_exist(n).unwrap_or(false);
    if !required(false).iter().all(|n| has(n)) {
        return None;
    }
    Some(required(true).iter().all(|n| has(n)))
}

fn issued_sql(segments: bool) -> String {
    let seg = if segments {
        "UNION ALL
         SELECT 'segment', CAST(sd.segment AS VARCHAR), f.ds, f.yhat * sd.share
         FROM f JOIN segment_demand sd ON sd.sku_id = f.sku_id AND sd.store_id = f.store_id"
    } else {
        ""
    };
    format!(
        "WITH f AS (
            SELECT sku_id, store_id, CAST(ds AS DATE) AS ds, CAST(yhat AS DOUBLE) AS yhat
            FROM demand_forecast_location WHERE yhat IS NOT NULL
         ),
         g AS (
            SELECT 'category' AS group_kind, CAST(p.category AS VARCHAR) AS group_value, f.ds, f.yhat
            FROM f JOIN products p ON p.sku_id = f.sku_id
            UNION ALL
            SELECT 'region', CAST(r.name AS VARCHAR), f.ds, f.yhat
            FROM f JOIN stores s ON s.store_id = f.store_id JOIN regions r ON r.region_id = s.region_id
            UNION ALL
            SELECT 'overall', 'all', f.ds, f.yhat FROM f
            {seg}
         )
         SELECT group_kind, group_value, ds, sum(yhat) AS yhat FROM g GROUP BY 1, 2, 3"
    )
}

/// Actual demand per group and day since `from`, in the forecast's units. The forecast
/// (`demand_forecast_location`) is of kept units (`net_demand.kept_units_est`: units sold minus
/// those returned later; on the last days, whose returns are not all in, units x the series'
/// kept ratio), so with `net_demand` the actuals are the same quantity; a catalog without it
/// forecasts and scores gross units (`daily_sales.units`). Segment actuals are the segment's
/// sales lines x their series' kept ratio.
fn actuals_sql(segments: bool, net: bool, from: &str) -> String {
    let seg = match (segments, net) {
        (false, _) => String::new(),
        (true, false) => format!(
            "UNION ALL
             SELECT 'segment', CAST(COALESCE(v.value_segment, 'anonymous') AS VARCHAR), sl.date,
                    CAST(sl.quantity AS DOUBLE)
             FROM sales_lines sl LEFT JOIN customer_value v ON v.customer_id = sl.customer_id
             WHERE sl.date >= DATE '{from}'"
        ),
        (true, true) => format!(
            "UNION ALL
             SELECT 'segment', CAST(COALESCE(v.value_segment, 'anonymous') AS VARCHAR), sl.date,
                    CAST(sl.quantity AS DOUBLE) * k.kept_ratio
             FROM sales_lines sl
             JOIN (SELECT DISTINCT sku_id, store_id, kept_ratio FROM d) k
               ON k.sku_id = sl.sku_id AND k.store_id = sl.store_id
             LEFT JOIN customer_value v ON v.customer_id = sl.customer_id
             WHERE sl.date >= DATE '{from}'"
        ),
    };
    let source = if net {
        format!(
            "SELECT sku_id, store_id, date AS ds, CAST(kept_units_est AS DOUBLE) AS units, kept_ratio
             FROM net_demand WHERE date >= DATE '{from}'"
        )
    } else {
        format!(
            "SELECT sku_id, store_id, date AS ds, CAST(units AS DOUBLE) AS units
             FROM daily_sales WHERE date >= DATE '{from}'"
        )
    };
    format!(
        "WITH d AS (
            {source}
         ),
         g AS (
            SELECT 'category' AS group_kind, CAST(p.category AS VARCHAR) AS group_value, d.ds, d.units
            FROM d JOIN products p ON p.sku_id = d.sku_id
            UNION ALL
            SELECT 'region', CAST(r.name AS VARCHAR), d.ds, d.units
            FROM d JOIN stores s ON s.store_id = d.store_id JOIN regions r ON r.region_id = s.region_id
            UNION ALL
            SELECT 'overall', 'all', d.ds, d.units FROM d
            {seg}
         )
         SELECT group_kind, group_value, ds, sum(units) AS units FROM g GROUP BY 1, 2, 3"
    )
}

type Key = (String, String);

/// Units per group and day (days as Date32 numbers).
async fn actuals(
    ctx: &SessionContext,
    segments: bool,
    from: i32,
) -> DfResult<HashMap<Key, BTreeMap<i32, f64>>> {
    let net = ctx.table_exist("net_demand").unwrap_or(false);
    let batches = ctx
        .sql(&actuals_sql(segments, net, &date_text(from)))
        .await?
        .collect()
        .await?;
    let mut out: HashMap<Key, BTreeMap<i32, f64>> = HashMap::new();
    for b in batches {
        let (k, g, d, u) = (
            cast(b.column(0), &DataType::Utf8)?,
            cast(b.column(1), &DataType::Utf8)?,
            cast(b.column(2), &DataType::Date32)?,
            cast(b.column(3), &DataType::Float64)?,
        );
        let (k, g) = (k.as_string::<i32>(), g.as_string::<i32>());
        let (d, u) = (
            d.as_primitive::<Date32Type>(),
            u.as_primitive::<Float64Type>(),
        );
        for i in 0..b.num_rows() {
            if k.is_null(i) || g.is_null(i) || d.is_null(i) || u.is_null(i) {
                continue;
            }
            out.entry((k.value(i).into(), g.value(i).into()))
                .or_default()
                .insert(d.value(i), u.value(i));
        }
    }
    Ok(out)
}

fn date_text(d: i32) -> String {
    (chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(d as i64))
        .format("%Y-%m-%d")
        .to_string()
}

fn parse_date(s: &str) -> Option<i32> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some((d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days() as i32)
}

/// Last day of actuals (`max(date)` of daily_sales).
async fn last_day(ctx: &SessionContext) -> DfResult<Option<i32>> {
    let b = ctx
        .sql("SELECT CAST(max(date) AS DATE) FROM daily_sales")
        .await?
        .collect()
        .await?;
    Ok(b.first().and_then(|b| {
        let a = b.column(0).as_primitive::<Date32Type>();
        (b.num_rows() == 1 && !a.is_null(0)).then(|| a.value(0))
    }))
}

/// The pure arithmetic (no Arrow).
pub mod metrics {
    /// Mean absolute error of the seasonal-naive forecast (`a[t - season]`) over the last
    /// `days` days of `history` (oldest first); `None` when the history is too short.
    pub fn naive_mae(history: &[f64], season: usize, days: usize) -> Option<f64> {
        if history.len() < season + 1 || days == 0 {
            return None;
        }
        let start = history.len().saturating_sub(days).max(season);
        let n = history.len() - start;
        let sum: f64 = (start..history.len())
            .map(|t| (history[t] - history[t - season]).abs())
            .sum();
        Some(sum / n as f64)
    }

    /// Accuracy of one forecast against its actuals (same days, same order).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Scores {
        pub days: usize,
        pub actual: f64,
        pub forecast: f64,
        pub mae: f64,
        /// sum |f - a| / sum a (None when nothing sold).
        pub wape: Option<f64>,
        /// sum (f - a) / sum a: > 0 over-forecast.
        pub bias: Option<f64>,
        /// sum (f - a) / mae: between -days and days; far from 0 = one-sided errors.
        pub tracking_signal: Option<f64>,
        /// mae / baseline.
        pub mase: Option<f64>,
    }

    pub fn score(forecast: &[f64], actual: &[f64], baseline_mae: Option<f64>) -> Scores {
        let n = forecast.len().min(actual.len());
        let (mut sa, mut sf, mut abs, mut err) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            sa += actual[i];
            sf += forecast[i];
            abs += (forecast[i] - actual[i]).abs();
            err += forecast[i] - actual[i];
        }
        let mae = if n > 0 { abs / n as f64 } else { 0.0 };
        Scores {
            days: n,
            actual: sa,
            forecast: sf,
            mae,
            wape: (sa > 0.0).then(|| abs / sa),
            bias: (sa > 0.0).then(|| err / sa),
            tracking_signal: (mae > 0.0).then(|| err / mae),
            mase: baseline_mae.filter(|b| *b > 0.0).map(|b| mae / b),
        }
    }

    /// The drift rule (module docs); the reason in words when it fires.
    pub fn drift(s: &Scores, min_days: usize, max_mase: f64, max_ts: f64) -> Option<String> {
        let (Some(mase), Some(ts)) = (s.mase, s.tracking_signal) else {
            return None;
        };
        if s.days < min_days || mase <= max_mase || ts.abs() <= max_ts {
            return None;
        }
        let dir = if ts < 0.0 {
            "under-forecast: demand rose above the forecast"
        } else {
            "over-forecast: demand fell below the forecast"
        };
        Some(format!(
            "{dir}; error {mase:.1}x the baseline (> {max_mase}), tracking signal {ts:.1} \
             (beyond ±{max_ts}), actual {:.0} vs forecast {:.0} units over {} days",
            s.actual, s.forecast, s.days
        ))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn naive_mae_uses_the_last_days() {
            let h: Vec<f64> = (0..14).map(|i| (i % 7) as f64).collect();
            assert_eq!(naive_mae(&h, 7, 7), Some(0.0));
            let h = [1.0, 1.0, 3.0];
            assert_eq!(naive_mae(&h, 1, 2), Some(1.0));
            assert_eq!(naive_mae(&[1.0], 7, 28), None);
        }

        #[test]
        fn a_shift_is_drift_and_noise_is_not() {
            let f = vec![10.0; 14];
            let noisy: Vec<f64> = (0..14)
                .map(|i| if i % 2 == 0 { 12.0 } else { 8.0 })
                .collect();
            let s = score(&f, &noisy, Some(2.0));
            assert_eq!(s.tracking_signal, Some(0.0));
            assert_eq!(drift(&s, 7, 2.0, 4.0), None);
            let shifted = vec![30.0; 14];
            let s = score(&f, &shifted, Some(2.0));
            assert_eq!(s.mase, Some(10.0));
            assert_eq!(s.tracking_signal, Some(-14.0));
            assert!((s.bias.unwrap() + 2.0 / 3.0).abs() < 1e-12);
            assert!(
                drift(&s, 7, 2.0, 4.0)
                    .unwrap()
                    .starts_with("under-forecast")
            );
            // Too few days: not yet.
            let s = score(&f[..3], &shifted[..3], Some(2.0));
            assert_eq!(drift(&s, 7, 2.0, 4.0), None);
        }
    }
}

fn issued_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("group_kind", DataType::Utf8, false),
        Field::new("group_value", DataType::Utf8, false),
        Field::new("ds", DataType::Date32, false),
        Field::new("yhat", DataType::Float64, false),
        Field::new("baseline_mae", DataType::Float64, true),
    ]))
}

/// Issue this run's forecast snapshot: the batch to write and the last day of actuals.
pub async fn issue(ctx: &SessionContext) -> DfResult<Option<(RecordBatch, i32)>> {
    let Some(segments) = available(ctx) else {
        return Ok(None);
    };
    let Some(through) = last_day(ctx).await? else {
        return Ok(None);
    };
    let batches = ctx.sql(&issued_sql(segments)).await?.collect().await?;
    let history = actuals(ctx, segments, through - BASELINE_DAYS - SEASON + 1).await?;
    let mut rows: Vec<(Key, i32, f64)> = Vec::new();
    for b in &batches {
        let (k, g) = (
            cast(b.column(0), &DataType::Utf8)?,
            cast(b.column(1), &DataType::Utf8)?,
        );
        let (k, g) = (k.as_string::<i32>(), g.as_string::<i32>());
        let d = cast(b.column(2), &DataType::Date32)?;
        let y = cast(b.column(3), &DataType::Float64)?;
        let (d, y) = (
            d.as_primitive::<Date32Type>(),
            y.as_primitive::<Float64Type>(),
        );
        for i in 0..b.num_rows() {
            if k.is_null(i) || g.is_null(i) || d.is_null(i) || y.is_null(i) {
                continue;
            }
            rows.push((
                (k.value(i).into(), g.value(i).into()),
                d.value(i),
                y.value(i),
            ));
        }
    }
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut baseline: HashMap<Key, Option<f64>> = HashMap::new();
    for (key, _, _) in &rows {
        baseline.entry(key.clone()).or_insert_with(|| {
            let h = history.get(key);
            let series: Vec<f64> = (through - BASELINE_DAYS - SEASON + 1..=through)
                .map(|d| h.and_then(|h| h.get(&d).copied()).unwrap_or(0.0))
                .collect();
            metrics::naive_mae(&series, SEASON as usize, BASELINE_DAYS as usize)
        });
    }
    let batch = RecordBatch::try_new(
        issued_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.0.0.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.0.1.as_str()),
            )),
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Float64Array::from_iter(rows.iter().map(|r| baseline[&r.0]))),
        ],
    )?;
    Ok(Some((batch, through)))
}

/// An earlier run's issued forecast.
pub struct Issued {
    pub run_id: String,
    pub created_at: String,
    pub through: i32,
    pub batch: RecordBatch,
}

pub fn monitoring_schema() -> SchemaRef {
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("issued_at", DataType::Utf8, false),
        Field::new("issued_through", DataType::Date32, false),
        Field::new("scored_by_run", DataType::Utf8, false),
        Field::new("group_kind", DataType::Utf8, false),
        Field::new("group_value", DataType::Utf8, false),
        Field::new("first_day", DataType::Date32, false),
        Field::new("last_day", DataType::Date32, false),
        Field::new("days", DataType::Int64, false),
        f("actual_units"),
        f("forecast_units"),
        f("mae"),
        f("wape"),
        f("bias"),
        f("tracking_signal"),
        f("baseline_mae"),
        f("mase"),
        Field::new("drift", DataType::Boolean, false),
        Field::new("drift_reason", DataType::Utf8, true),
    ]))
}

/// Score the earlier runs' issued forecasts against the actuals that have arrived.
pub async fn score(
    ctx: &SessionContext,
    scored_by: &str,
    earlier: &[Issued],
) -> DfResult<Option<RecordBatch>> {
    let Some(segments) = available(ctx) else {
        return Ok(None);
    };
    let Some(through) = last_day(ctx).await? else {
        return Ok(None);
    };
    let Some(from) = earlier.iter().map(|e| e.through + 1).min() else {
        return Ok(None);
    };
    if from > through {
        return Ok(None);
    }
    let act = actuals(ctx, segments, from).await?;
    let schema = monitoring_schema();
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); schema.fields().len()];
    let mut dates: Vec<Vec<i32>> = vec![Vec::new(); schema.fields().len()];
    let mut nums: Vec<Vec<Option<f64>>> = vec![Vec::new(); schema.fields().len()];
    let (mut days, mut drift) = (Vec::new(), Vec::new());
    for e in earlier {
        let b = &e.batch;
        let (k, g) = (
            b.column(0).as_string::<i32>(),
            b.column(1).as_string::<i32>(),
        );
        let d = b.column(2).as_primitive::<Date32Type>();
        let y = b.column(3).as_primitive::<Float64Type>();
        let base = b.column(4).as_primitive::<Float64Type>();
        // (group) -> (baseline, [(day, forecast)])
        let mut groups: BTreeMap<Key, (Option<f64>, Vec<(i32, f64)>)> = BTreeMap::new();
        for i in 0..b.num_rows() {
            if d.value(i) > through || d.value(i) <= e.through {
                continue;
            }
            let entry = groups
                .entry((k.value(i).into(), g.value(i).into()))
                .or_insert(((!base.is_null(i)).then(|| base.value(i)), Vec::new()));
            entry.1.push((d.value(i), y.value(i)));
        }
        for (key, (baseline, mut fc)) in groups {
            fc.sort_by_key(|x| x.0);
            let a = act.get(&key);
            let actual: Vec<f64> = fc
                .iter()
                .map(|(day, _)| a.and_then(|a| a.get(day).copied()).unwrap_or(0.0))
                .collect();
            let f: Vec<f64> = fc.iter().map(|x| x.1).collect();
            let s = metrics::score(&f, &actual, baseline);
            let why = metrics::drift(
                &s,
                DRIFT_MIN_DAYS as usize,
                DRIFT_MASE,
                DRIFT_TRACKING_SIGNAL,
            );
            cols[0].push(Some(e.run_id.clone()));
            cols[1].push(Some(e.created_at.clone()));
            dates[2].push(e.through);
            cols[3].push(Some(scored_by.to_string()));
            cols[4].push(Some(key.0.clone()));
            cols[5].push(Some(key.1.clone()));
            dates[6].push(fc.first().map(|x| x.0).unwrap_or(e.through));
            dates[7].push(fc.last().map(|x| x.0).unwrap_or(e.through));
            days.push(s.days as i64);
            nums[9].push(Some(s.actual));
            nums[10].push(Some(s.forecast));
            nums[11].push(Some(s.mae));
            nums[12].push(s.wape);
            nums[13].push(s.bias);
            nums[14].push(s.tracking_signal);
            nums[15].push(baseline);
            nums[16].push(s.mase);
            drift.push(why.is_some());
            cols[18].push(why);
        }
    }
    let arrays: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| -> ArrayRef {
            match f.data_type() {
                DataType::Float64 => Arc::new(Float64Array::from(nums[i].clone())),
                DataType::Date32 => Arc::new(Date32Array::from(dates[i].clone())),
                DataType::Int64 => Arc::new(Int64Array::from(days.clone())),
                DataType::Boolean => Arc::new(BooleanArray::from(drift.clone())),
                _ => Arc::new(StringArray::from(cols[i].clone())),
            }
        })
        .collect();
    Ok(Some(RecordBatch::try_new(schema, arrays)?))
}

/// Parse the stored `issued_through`.
pub fn through_of(m: &MonitoringFiles) -> Option<i32> {
    parse_date(&m.issued_through)
}

pub fn through_text(d: i32) -> String {
    date_text(d)
}

/// `forecast_monitoring`: the newest run's scores.
#[derive(Debug)]
pub struct MonitoringTable {
    pub runs: Arc<super::runs::Runs>,
}

#[async_trait]
impl TableProvider for MonitoringTable {
    fn schema(&self) -> SchemaRef {
        monitoring_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let batches = self.runs.monitoring_scores().await?;
        let batch = if batches.is_empty() {
            RecordBatch::new_empty(monitoring_schema())
        } else {
            concat_batches(&monitoring_schema(), &batches)?
        };
        MemTable::try_new(monitoring_schema(), vec![vec![batch]])?
            .scan(state, projection, filters, limit)
            .await
    }
}
