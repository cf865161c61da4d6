//! Result types of the forecast family and their Arrow builders.
//!
//! - `forecast`/`forecast_x`: `LIST<STRUCT<ds, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95,
//!   yhat_hi_95, model, quantiles LIST<STRUCT<p, value>>, cumulative_quantiles
//!   LIST<STRUCT<p, value>>>>`, one item per forecast period.
//! - `forecast_backtest`: `STRUCT<model, demand_class, folds, n, mae, rmse, mape, smape, mase,
//!   rmsse, wape, bias, me, coverage_80, coverage_95, pool STRUCT<...>>`; `pool` holds the sums
//!   that `forecast_backtest_pooled` adds up across series.
//! - `forecast_backtest_pooled`: the same metrics with `series` instead of `model`/`demand_class`.
//! - `demand_profile`: `STRUCT<class, adi, cv2, n_obs, n_demand, n_missing>`.
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, ListArray, StringArray, StructArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, Fields};

use super::series::TimeAxis;
use crate::models::forecast::backtest::{Accumulator as Pool, Metrics};

/// The fixed interval levels of every forecast result, in percent.
pub(super) const LEVELS: [f64; 2] = [80.0, 95.0];

fn f64_field(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}
fn i64_field(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}
fn text_field(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

/// `STRUCT<p DOUBLE, value DOUBLE>`: one requested quantile of one period.
pub(super) fn quantile_item_fields() -> Fields {
    Fields::from(vec![f64_field("p"), f64_field("value")])
}

/// The fields of one forecast period.
pub(super) fn forecast_item_fields(ds: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("ds", ds.clone(), true),
        f64_field("yhat"),
        f64_field("yhat_lo_80"),
        f64_field("yhat_hi_80"),
        f64_field("yhat_lo_95"),
        f64_field("yhat_hi_95"),
        text_field("model"),
        Field::new(
            "quantiles",
            DataType::List(Arc::new(Field::new_list_field(
                DataType::Struct(quantile_item_fields()),
                true,
            ))),
            true,
        ),
        Field::new(
            "cumulative_quantiles",
            DataType::List(Arc::new(Field::new_list_field(
                DataType::Struct(quantile_item_fields()),
                true,
            ))),
            true,
        ),
    ])
}

/// `LIST<STRUCT<...>>` of a forecast over a `ds` of type `ds`.
pub(super) fn forecast_type(ds: &DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(
        DataType::Struct(forecast_item_fields(ds)),
        true,
    )))
}

/// One series' forecast, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ForecastOut {
    pub ds: Vec<i64>,
    pub mean: Vec<f64>,
    /// The bounds; all four empty = no intervals (`intervals=none`: NULL bounds).
    pub lo80: Vec<f64>,
    pub hi80: Vec<f64>,
    pub lo95: Vec<f64>,
    pub hi95: Vec<f64>,
    pub model: String,
    /// `(p, value per period)`.
    pub quantiles: Vec<(f64, Vec<f64>)>,
    /// `(p, cumulative value through each period)`.
    pub cumulative: Vec<(f64, Vec<f64>)>,
}

/// A `LIST<STRUCT<p, value>>` column from the flat probabilities, values and per-item offsets.
fn quantile_list(p: Vec<f64>, v: Vec<f64>, offsets: Vec<i32>) -> ListArray {
    let st = StructArray::new(
        quantile_item_fields(),
        vec![
            Arc::new(Float64Array::from(p)),
            Arc::new(Float64Array::from(v)),
        ],
        None,
    );
    ListArray::new(
        Arc::new(Field::new_list_field(
            DataType::Struct(quantile_item_fields()),
            true,
        )),
        OffsetBuffer::new(offsets.into()),
        Arc::new(st),
        None,
    )
}

/// The forecasts of several groups (None = NULL) as one `LIST<STRUCT>` array.
pub(super) fn forecast_array(axis: &TimeAxis, groups: &[Option<ForecastOut>]) -> ArrayRef {
    let total: usize = groups.iter().flatten().map(|g| g.ds.len()).sum();
    let mut ds = Vec::with_capacity(total);
    let (mut yhat, mut lo80, mut hi80, mut lo95, mut hi95) = (
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
    );
    let mut model: Vec<&str> = Vec::with_capacity(total);
    let (mut qp, mut qv) = (Vec::new(), Vec::new());
    let mut q_offsets = Vec::with_capacity(total + 1);
    q_offsets.push(0i32);
    let (mut cp, mut cv) = (Vec::new(), Vec::new());
    let mut c_offsets = Vec::with_capacity(total + 1);
    c_offsets.push(0i32);
    let mut offsets = Vec::with_capacity(groups.len() + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(groups.len());
    // per item: are the bounds there (false for `intervals=none`)
    let mut bounded: Vec<bool> = Vec::new();
    let any_unbounded = groups.iter().flatten().any(|g| g.lo80.is_empty());
    for g in groups {
        if let Some(g) = g {
            ds.extend_from_slice(&g.ds);
            yhat.extend_from_slice(&g.mean);
            if g.lo80.is_empty() {
                let n = g.ds.len();
                for v in [&mut lo80, &mut hi80, &mut lo95, &mut hi95] {
                    v.resize(v.len() + n, 0.0);
                }
            } else {
                lo80.extend_from_slice(&g.lo80);
                hi80.extend_from_slice(&g.hi80);
                lo95.extend_from_slice(&g.lo95);
                hi95.extend_from_slice(&g.hi95);
            }
            if any_unbounded {
                bounded.resize(bounded.len() + g.ds.len(), !g.lo80.is_empty());
            }
            for k in 0..g.ds.len() {
                model.push(&g.model);
                for (p, v) in &g.quantiles {
                    qp.push(*p);
                    qv.push(v[k]);
                }
                q_offsets.push(qp.len() as i32);
                for (p, v) in &g.cumulative {
                    cp.push(*p);
                    cv.push(v[k]);
                }
                c_offsets.push(cp.len() as i32);
            }
        }
        valid.push(g.is_some());
        offsets.push(ds.len() as i32);
    }
    let q_list = quantile_list(qp, qv, q_offsets);
    let c_list = quantile_list(cp, cv, c_offsets);
    let bound_nulls = any_unbounded.then(|| NullBuffer::from(bounded));
    let bound =
        |v: Vec<f64>| -> ArrayRef { Arc::new(Float64Array::new(v.into(), bound_nulls.clone())) };
    let items = StructArray::new(
        forecast_item_fields(&axis.data_type()),
        vec![
            axis.array(ds),
            Arc::new(Float64Array::from(yhat)),
            bound(lo80),
            bound(hi80),
            bound(lo95),
            bound(hi95),
            Arc::new(StringArray::from(model)),
            Arc::new(q_list),
            Arc::new(c_list),
        ],
        None,
    );
    let nulls = if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    };
    Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(
            DataType::Struct(forecast_item_fields(&axis.data_type())),
            true,
        )),
        OffsetBuffer::new(offsets.into()),
        Arc::new(items),
        nulls,
    ))
}

// ------------------------------------------------------------------------------------------
// Backtest
// ------------------------------------------------------------------------------------------

const METRIC_NAMES: [&str; 11] = [
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
];

/// The pooling sums of a backtest (what `forecast_backtest_pooled` adds up).
pub(super) fn pool_fields() -> Fields {
    Fields::from(vec![
        i64_field("series"),
        i64_field("folds"),
        i64_field("n"),
        f64_field("sum_abs_error"),
        f64_field("sum_sq_error"),
        f64_field("sum_error"),
        f64_field("sum_actual"),
        f64_field("sum_abs_actual"),
        f64_field("smape_sum"),
        i64_field("smape_count"),
        f64_field("mape_sum"),
        i64_field("mape_count"),
        f64_field("mase_sum"),
        i64_field("mase_count"),
        f64_field("rmsse_sum"),
        i64_field("rmsse_count"),
        i64_field("covered_80"),
        i64_field("covered_95"),
    ])
}

fn metric_fields() -> Vec<Field> {
    let mut v = vec![i64_field("folds"), i64_field("n")];
    v.extend(METRIC_NAMES.iter().map(|n| f64_field(n)));
    v.push(Field::new("pool", DataType::Struct(pool_fields()), true));
    v
}

/// `forecast_backtest`'s result struct.
pub(super) fn backtest_type() -> DataType {
    let mut v = vec![text_field("model"), text_field("demand_class")];
    v.extend(metric_fields());
    DataType::Struct(Fields::from(v))
}

/// `forecast_backtest_pooled`'s result struct.
pub(super) fn pooled_type() -> DataType {
    let mut v = vec![i64_field("series")];
    v.extend(metric_fields());
    DataType::Struct(Fields::from(v))
}

/// A pool plus its series and fold counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Pooled {
    pub series: i64,
    pub folds: i64,
    pub pool: Pool,
}

impl Pooled {
    pub fn covered(&self, level: f64) -> i64 {
        self.pool
            .covered
            .iter()
            .find(|(l, _)| (l - level).abs() < 1e-9)
            .map_or(0, |(_, c)| *c as i64)
    }

    pub fn merge(&mut self, o: &Pooled) {
        self.series += o.series;
        self.folds += o.folds;
        self.pool.merge(&o.pool);
    }
}

/// One backtest result row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BacktestOut {
    pub model: Option<String>,
    pub demand_class: Option<&'static str>,
    pub pooled: Pooled,
}

fn opt(v: f64) -> Option<f64> {
    if v.is_finite() { Some(v) } else { None }
}

fn metric_values(m: &Metrics, p: &Pooled) -> [Option<f64>; 11] {
    let cov = |lv: f64| {
        m.coverage
            .iter()
            .find(|(l, _)| (l - lv).abs() < 1e-9)
            .and_then(|(_, c)| opt(*c))
    };
    // a level that was never scored has no coverage
    let cov = |lv: f64| {
        if p.pool.n == 0 {
            None
        } else {
            cov(lv).or(Some(0.0))
        }
    };
    [
        opt(m.mae),
        opt(m.rmse),
        opt(m.mape),
        opt(m.smape),
        opt(m.mase),
        opt(m.rmsse),
        opt(m.wape),
        opt(m.bias),
        opt(m.me),
        cov(80.0),
        cov(95.0),
    ]
}

/// The `pool` struct column of several rows.
fn pool_array(rows: &[Option<&Pooled>]) -> StructArray {
    let i = |f: &dyn Fn(&Pooled) -> i64| -> ArrayRef {
        Arc::new(rows.iter().map(|r| r.map(f)).collect::<Int64Array>())
    };
    let d = |f: &dyn Fn(&Pooled) -> f64| -> ArrayRef {
        Arc::new(rows.iter().map(|r| r.map(f)).collect::<Float64Array>())
    };
    let cols: Vec<ArrayRef> = vec![
        i(&|p| p.series),
        i(&|p| p.folds),
        i(&|p| p.pool.n as i64),
        d(&|p| p.pool.sum_abs),
        d(&|p| p.pool.sum_sq),
        d(&|p| p.pool.sum_err),
        d(&|p| p.pool.sum_y),
        d(&|p| p.pool.sum_abs_y),
        d(&|p| p.pool.smape.0),
        i(&|p| p.pool.smape.1 as i64),
        d(&|p| p.pool.mape.0),
        i(&|p| p.pool.mape.1 as i64),
        d(&|p| p.pool.mase.0),
        i(&|p| p.pool.mase.1 as i64),
        d(&|p| p.pool.rmsse.0),
        i(&|p| p.pool.rmsse.1 as i64),
        i(&|p| p.covered(80.0)),
        i(&|p| p.covered(95.0)),
    ];
    let nulls = nulls_of(rows.iter().map(|r| r.is_some()));
    StructArray::new(pool_fields(), cols, nulls)
}

fn nulls_of(valid: impl Iterator<Item = bool>) -> Option<NullBuffer> {
    let v: Vec<bool> = valid.collect();
    if v.iter().all(|x| *x) {
        None
    } else {
        Some(NullBuffer::from(v))
    }
}

/// A one-row `pool` struct array.
pub(super) fn pool_struct(p: &Pooled) -> ArrayRef {
    Arc::new(pool_array(&[Some(p)]))
}

/// Columns `folds, n, metrics..., pool` of several rows.
fn metric_columns(rows: &[Option<&Pooled>]) -> Vec<ArrayRef> {
    let metrics: Vec<Option<[Option<f64>; 11]>> = rows
        .iter()
        .map(|r| r.map(|p| metric_values(&p.pool.finish(), p)))
        .collect();
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(
            rows.iter()
                .map(|r| r.map(|p| p.folds))
                .collect::<Int64Array>(),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.map(|p| p.pool.n as i64))
                .collect::<Int64Array>(),
        ),
    ];
    for k in 0..METRIC_NAMES.len() {
        cols.push(Arc::new(
            metrics
                .iter()
                .map(|m| m.and_then(|m| m[k]))
                .collect::<Float64Array>(),
        ));
    }
    cols.push(Arc::new(pool_array(rows)));
    cols
}

/// Backtest results of several groups (None = NULL).
pub(super) fn backtest_array(groups: &[Option<BacktestOut>]) -> ArrayRef {
    let DataType::Struct(fields) = backtest_type() else {
        unreachable!()
    };
    let pools: Vec<Option<&Pooled>> = groups
        .iter()
        .map(|g| g.as_ref().map(|g| &g.pooled))
        .collect();
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(
            groups
                .iter()
                .map(|g| g.as_ref().and_then(|g| g.model.clone()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            groups
                .iter()
                .map(|g| g.as_ref().and_then(|g| g.demand_class))
                .collect::<StringArray>(),
        ),
    ];
    cols.extend(metric_columns(&pools));
    Arc::new(StructArray::new(
        fields,
        cols,
        nulls_of(groups.iter().map(|g| g.is_some())),
    ))
}

/// Pooled results (None = NULL).
pub(super) fn pooled_array(groups: &[Option<Pooled>]) -> ArrayRef {
    let DataType::Struct(fields) = pooled_type() else {
        unreachable!()
    };
    let pools: Vec<Option<&Pooled>> = groups.iter().map(|g| g.as_ref()).collect();
    let mut cols: Vec<ArrayRef> = vec![Arc::new(
        groups
            .iter()
            .map(|g| g.as_ref().map(|g| g.series))
            .collect::<Int64Array>(),
    )];
    cols.extend(metric_columns(&pools));
    Arc::new(StructArray::new(
        fields,
        cols,
        nulls_of(groups.iter().map(|g| g.is_some())),
    ))
}

/// Reads the `pool` struct of a backtest (or pooled) struct column, row by row.
pub(super) fn read_pools(a: &dyn Array) -> datafusion::error::Result<Vec<Option<Pooled>>> {
    use datafusion::arrow::array::AsArray;
    let outer = a.as_struct();
    let Some(pool) = outer.column_by_name("pool") else {
        return Err(datafusion::error::DataFusionError::Internal(
            "struct without pool".into(),
        ));
    };
    let mut out = read_pool_struct(pool.as_ref())?;
    for (r, o) in out.iter_mut().enumerate() {
        if outer.is_null(r) {
            *o = None;
        }
    }
    Ok(out)
}

/// Largest count a pool struct may carry (counts stay exact in f64 and sums cannot overflow).
const MAX_POOL_COUNT: i64 = 1 << 53;

/// Reads a `pool` struct column (see [`pool_fields`]), row by row.
pub(super) fn read_pool_struct(pool: &dyn Array) -> datafusion::error::Result<Vec<Option<Pooled>>> {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::{Float64Type, Int64Type};
    let pool = pool.as_struct();
    let col = |name: &str| pool.column_by_name(name).cloned();
    let get_i = |name: &str| -> Option<Int64Array> {
        col(name).and_then(|c| c.as_primitive_opt::<Int64Type>().cloned())
    };
    let get_f = |name: &str| -> Option<Float64Array> {
        col(name).and_then(|c| c.as_primitive_opt::<Float64Type>().cloned())
    };
    let missing = || datafusion::error::DataFusionError::Internal("malformed pool struct".into());
    let (series, folds, n) = (
        get_i("series").ok_or_else(missing)?,
        get_i("folds").ok_or_else(missing)?,
        get_i("n").ok_or_else(missing)?,
    );
    let f = [
        "sum_abs_error",
        "sum_sq_error",
        "sum_error",
        "sum_actual",
        "sum_abs_actual",
        "smape_sum",
        "mape_sum",
        "mase_sum",
        "rmsse_sum",
    ]
    .map(|k| get_f(k));
    let c = [
        "smape_count",
        "mape_count",
        "mase_count",
        "rmsse_count",
        "covered_80",
        "covered_95",
    ]
    .map(|k| get_i(k));
    if f.iter().any(|x| x.is_none()) || c.iter().any(|x| x.is_none()) {
        return Err(missing());
    }
    let f: Vec<Float64Array> = f.into_iter().flatten().collect();
    let c: Vec<Int64Array> = c.into_iter().flatten().collect();
    let mut out = Vec::with_capacity(pool.len());
    for r in 0..pool.len() {
        if pool.is_null(r) || n.is_null(r) {
            out.push(None);
            continue;
        }
        let fv = |k: usize| if f[k].is_null(r) { 0.0 } else { f[k].value(r) };
        let cv = |k: usize| {
            if c[k].is_null(r) {
                0
            } else {
                c[k].value(r).max(0) as usize
            }
        };
        // Counts come from a user-supplied struct: bound them so that pooling cannot overflow
        // (an i64::MAX count panicked in merge; found by tests/properties.rs).
        let int = |a: &Int64Array| if a.is_null(r) { 0 } else { a.value(r) };
        let counts = [int(&series), int(&folds), int(&n)];
        if counts
            .into_iter()
            .chain(c.iter().map(int))
            .any(|v| !(0..=MAX_POOL_COUNT).contains(&v))
        {
            return Err(crate::error::SqlError::invalid_argument(
                "a pool count (series, folds, n, *_count or covered_*) is negative or larger \
                 than 2^53, so the struct is not a forecast_backtest result",
            )
            .with_hint("Pass the struct forecast_backtest or forecast_backtest_pooled returned.")
            .into_df());
        }
        out.push(Some(Pooled {
            series: if series.is_null(r) {
                0
            } else {
                series.value(r)
            },
            folds: if folds.is_null(r) { 0 } else { folds.value(r) },
            pool: Pool {
                n: n.value(r).max(0) as usize,
                sum_abs: fv(0),
                sum_sq: fv(1),
                sum_err: fv(2),
                sum_y: fv(3),
                sum_abs_y: fv(4),
                smape: (fv(5), cv(0)),
                mape: (fv(6), cv(1)),
                mase: (fv(7), cv(2)),
                rmsse: (fv(8), cv(3)),
                covered: vec![(80.0, cv(4)), (95.0, cv(5))],
            },
        }));
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Demand profile
// ------------------------------------------------------------------------------------------

/// `demand_profile`'s result struct.
pub(super) fn profile_type() -> DataType {
    DataType::Struct(Fields::from(vec![
        text_field("class"),
        f64_field("adi"),
        f64_field("cv2"),
        i64_field("n_obs"),
        i64_field("n_demand"),
        i64_field("n_missing"),
    ]))
}

/// Profiles of several groups (None = NULL).
pub(super) fn profile_array(groups: &[Option<crate::models::forecast::DemandProfile>]) -> ArrayRef {
    let DataType::Struct(fields) = profile_type() else {
        unreachable!()
    };
    let cols: Vec<ArrayRef> = vec![
        Arc::new(
            groups
                .iter()
                .map(|g| g.map(|g| g.class.as_str()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            groups
                .iter()
                .map(|g| g.and_then(|g| opt(g.adi)))
                .collect::<Float64Array>(),
        ),
        Arc::new(
            groups
                .iter()
                .map(|g| g.and_then(|g| opt(g.cv2)))
                .collect::<Float64Array>(),
        ),
        Arc::new(
            groups
                .iter()
                .map(|g| g.map(|g| g.n_obs as i64))
                .collect::<Int64Array>(),
        ),
        Arc::new(
            groups
                .iter()
                .map(|g| g.map(|g| g.n_demand as i64))
                .collect::<Int64Array>(),
        ),
        Arc::new(
            groups
                .iter()
                .map(|g| g.map(|g| g.n_missing as i64))
                .collect::<Int64Array>(),
        ),
    ];
    Arc::new(StructArray::new(
        fields,
        cols,
        nulls_of(groups.iter().map(|g| g.is_some())),
    ))
}
