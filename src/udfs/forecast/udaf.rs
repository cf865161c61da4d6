//! The one aggregate implementation behind `forecast`, `forecast_x`, `forecast_backtest` and
//! `demand_profile`: it collects each group's rows (a `GroupsAccumulator`, so a `GROUP BY` over
//! thousands of series keeps one flat vector of groups; a plain `Accumulator` for the no-GROUP BY
//! case), merges partial states across partitions (lists of ds, y, available and regressor
//! values), and fits one model per group when the final aggregate is evaluated. Groups are fitted
//! where the final aggregation runs, so DataFusion's partitions fit different groups in parallel.
//!
//! A group's state cannot spill: one group holds its whole history in memory (16–17 bytes per row
//! plus 8 per regressor), bounded by the memory pool like any hash aggregate.
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, ListArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

use super::options::{self, Func, OnError, SeriesOptions, model_error};
use super::output::{
    self, BacktestOut, ForecastOut, LEVELS, Pooled, backtest_type, forecast_type, profile_type,
};
use super::series::{Rows, TimeAxis, prepare};
use crate::error::{SqlError, codes};
use crate::models::forecast::backtest::{Accumulator as Pool, BacktestSpec};
use crate::models::forecast::{ForecastError, Regressor, backtest_series, classify, forecast};

/// SQLSTATE 42804 datatype_mismatch.
const DATATYPE_MISMATCH: &str = "42804";

/// Largest horizon (as the models).
const MAX_HORIZON: i64 = crate::models::forecast::MAX_HORIZON as i64;

/// Where each parameter sits in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Layout {
    horizon: Option<usize>,
    regressors: Option<usize>,
    options: usize,
    available: usize,
    /// Required (leading) parameters.
    required: usize,
}

impl Func {
    fn layout(self) -> Layout {
        match self {
            Func::Forecast | Func::Backtest => Layout {
                horizon: Some(2),
                regressors: None,
                options: 3,
                available: 4,
                required: 3,
            },
            Func::ForecastX => Layout {
                horizon: Some(2),
                regressors: Some(3),
                options: 4,
                available: 5,
                required: 4,
            },
            Func::Profile => Layout {
                horizon: None,
                regressors: None,
                options: 2,
                available: 3,
                required: 2,
            },
        }
    }

    fn params(self) -> &'static [&'static str] {
        match self {
            Func::Forecast | Func::Backtest => &["ds", "y", "horizon", "options", "available"],
            Func::ForecastX => &["ds", "y", "horizon", "regressors", "options", "available"],
            Func::Profile => &["ds", "y", "options", "available"],
        }
    }

    /// `forecast(ds, y, horizon[, options[, available]])`.
    fn shape(self) -> String {
        let p = self.params();
        let req = self.layout().required;
        let mut s = format!("{}({}", self.name(), p[..req].join(", "));
        for q in &p[req..] {
            s.push_str(&format!("[, {q}"));
        }
        s.push_str(&"]".repeat(p.len() - req));
        s.push(')');
        s
    }
}

/// The aggregate UDF of one function of the family.
pub(super) struct SeriesUdaf {
    func: Func,
    signature: Signature,
    doc: &'static LazyLock<Documentation>,
}

impl SeriesUdaf {
    pub fn new(func: Func, doc: &'static LazyLock<Documentation>) -> SeriesUdaf {
        let signature = Signature::user_defined(Volatility::Immutable)
            .with_parameter_names(func.params().to_vec())
            .expect("user-defined signatures accept parameter names");
        SeriesUdaf {
            func,
            signature,
            doc,
        }
    }
}

impl fmt::Debug for SeriesUdaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeriesUdaf")
            .field("name", &self.func.name())
            .finish()
    }
}

impl PartialEq for SeriesUdaf {
    fn eq(&self, o: &Self) -> bool {
        self.func == o.func
    }
}
impl Eq for SeriesUdaf {}
impl Hash for SeriesUdaf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.func.hash(state);
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    )
}

fn is_regressor_field(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Boolean | DataType::Null)
}

fn type_error(func: Func, msg: String) -> datafusion::error::DataFusionError {
    SqlError::new(DATATYPE_MISMATCH, format!("{}: {msg}", func.name()))
        .with_hint(format!("call it as {}", func.shape()))
        .into_df()
}

/// Checks argument count and types (42883 / 42804); returns the time axis.
fn check_types(func: Func, t: &[DataType]) -> Result<TimeAxis> {
    let l = func.layout();
    let n_params = func.params().len();
    if t.len() < l.required || t.len() > n_params {
        return Err(SqlError::new(
            codes::UNDEFINED_FUNCTION,
            format!(
                "{} takes {} to {} arguments, got {}",
                func.name(),
                l.required,
                n_params,
                t.len()
            ),
        )
        .with_hint(format!("call it as {}", func.shape()))
        .into_df());
    }
    let axis = TimeAxis::of(&t[0]).ok_or_else(|| {
        type_error(
            func,
            format!(
                "ds must be a DATE, a TIMESTAMP or an integer period index, got {}",
                t[0]
            ),
        )
    })?;
    if !(t[1].is_numeric() || t[1] == DataType::Null) {
        return Err(type_error(
            func,
            format!("y must be a number, got {}", t[1]),
        ));
    }
    if let Some(h) = l.horizon
        && !(t[h].is_integer() || t[h] == DataType::Null)
    {
        return Err(type_error(
            func,
            format!("horizon must be an integer, got {}", t[h]),
        ));
    }
    if let Some(r) = l.regressors {
        match &t[r] {
            DataType::Struct(fields)
                if !fields.is_empty()
                    && fields.iter().all(|f| is_regressor_field(f.data_type())) => {}
            other => {
                return Err(type_error(
                    func,
                    format!(
                        "regressors must be a struct of numbers or booleans, e.g. \
                         named_struct('promo', promo, 'price', price), got {other}"
                    ),
                ));
            }
        }
    }
    if let Some(o) = t.get(l.options)
        && !is_text(o)
    {
        return Err(type_error(func, format!("options must be text, got {o}")));
    }
    if let Some(a) = t.get(l.available)
        && !matches!(a, DataType::Boolean | DataType::Null)
    {
        return Err(type_error(
            func,
            format!("available must be a BOOLEAN, got {a}"),
        ));
    }
    Ok(axis)
}

fn regressor_names(func: Func, t: &[DataType]) -> Vec<String> {
    match func.layout().regressors.and_then(|r| t.get(r)) {
        Some(DataType::Struct(fields)) => fields.iter().map(|f| f.name().clone()).collect(),
        _ => Vec::new(),
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

impl AggregateUDFImpl for SeriesUdaf {
    fn name(&self) -> &str {
        self.func.name()
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let l = self.func.layout();
        Ok(arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i == 0 {
                    return match t {
                        t if t.is_integer() => DataType::Int64,
                        t => t.clone(),
                    };
                }
                if i == 1 {
                    return if t.is_numeric() || t == &DataType::Null {
                        DataType::Float64
                    } else {
                        t.clone()
                    };
                }
                if Some(i) == l.horizon {
                    return if t.is_integer() || t == &DataType::Null {
                        DataType::Int64
                    } else {
                        t.clone()
                    };
                }
                if i == l.options && is_text(t) {
                    return DataType::Utf8;
                }
                if i == l.available && t == &DataType::Null {
                    return DataType::Boolean;
                }
                t.clone()
            })
            .collect())
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let axis = check_types(self.func, arg_types)?;
        Ok(match self.func {
            Func::Forecast | Func::ForecastX => forecast_type(&axis.data_type()),
            Func::Backtest => backtest_type(),
            Func::Profile => profile_type(),
        })
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let cfg = Config::new(self.func, &args)?;
        let k = cfg.names.len();
        Ok(Box::new(SeriesAccumulator {
            cfg: Arc::new(cfg),
            rows: Rows::new(k),
        }))
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        let cfg = Config::new(self.func, &args)?;
        Ok(Box::new(SeriesGroups {
            cfg: Arc::new(cfg),
            groups: Vec::new(),
            bytes: 0,
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let types: Vec<DataType> = args
            .input_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let mut fields = vec![
            Field::new(
                format_state_name(args.name, "ds"),
                list_of(DataType::Int64),
                true,
            ),
            Field::new(
                format_state_name(args.name, "y"),
                list_of(DataType::Float64),
                true,
            ),
            Field::new(
                format_state_name(args.name, "available"),
                list_of(DataType::Boolean),
                true,
            ),
        ];
        for (j, _) in regressor_names(self.func, &types).iter().enumerate() {
            fields.push(Field::new(
                format_state_name(args.name, &format!("x{j}")),
                list_of(DataType::Float64),
                true,
            ));
        }
        Ok(fields.into_iter().map(Arc::new).collect())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(LazyLock::force(self.doc))
    }
}

// ---------------------------------------------------------------------------------------------
// Per-call configuration
// ---------------------------------------------------------------------------------------------

/// What every group of one call shares: constants, options, the time axis.
#[derive(Debug)]
pub(super) struct Config {
    func: Func,
    axis: TimeAxis,
    opts: SeriesOptions,
    /// The step in ticks when `freq` is given.
    freq: Option<i64>,
    /// None when the horizon is NULL (every result is NULL); Backtest/Forecast only.
    horizon: Option<usize>,
    /// Regressor names (forecast_x).
    names: Vec<String>,
    layout: Layout,
}

fn literal<'a>(func: Func, args: &'a AccumulatorArgs, i: usize) -> Result<Option<&'a ScalarValue>> {
    let Some(e) = args.exprs.get(i) else {
        return Ok(None);
    };
    match e.downcast_ref::<Literal>() {
        Some(l) => Ok(Some(l.value())),
        None => Err(SqlError::invalid_argument(format!(
            "{}: {} must be a constant, got the expression {e}",
            func.name(),
            func.params()[i]
        ))
        .with_hint(
            "the horizon and the options are the same for every series of a call: write a literal",
        )
        .into_df()),
    }
}

impl Config {
    fn new(func: Func, args: &AccumulatorArgs) -> Result<Config> {
        let types: Vec<DataType> = args
            .expr_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let axis = check_types(func, &types)?;
        let layout = func.layout();
        let text = match literal(func, args, layout.options)? {
            None => None,
            Some(v) if v.is_null() => None,
            Some(ScalarValue::Utf8(Some(s)))
            | Some(ScalarValue::LargeUtf8(Some(s)))
            | Some(ScalarValue::Utf8View(Some(s))) => Some(s.clone()),
            Some(v) => Some(v.to_string()),
        };
        let opts = options::parse(func, text.as_deref()).map_err(SqlError::into_df)?;
        let freq = match &opts.freq {
            None => None,
            Some(f) => axis.parse_freq(f).map_err(|m| {
                SqlError::invalid_argument(format!("{}: {m}", func.name())).into_df()
            })?,
        };
        let horizon = match layout.horizon {
            None => None,
            Some(i) => match literal(func, args, i)? {
                None => None,
                Some(v) if v.is_null() => None,
                Some(v) => {
                    let h = match v {
                        ScalarValue::Int64(Some(h)) => *h,
                        other => other.to_string().parse::<i64>().unwrap_or(-1),
                    };
                    if !(1..=MAX_HORIZON).contains(&h) {
                        return Err(SqlError::invalid_argument(format!(
                            "{}: horizon must be between 1 and {MAX_HORIZON}, got {h}",
                            func.name()
                        ))
                        .into_df());
                    }
                    Some(h as usize)
                }
            },
        };
        let names = regressor_names(func, &types);
        Ok(Config {
            func,
            axis,
            opts,
            freq,
            horizon,
            names,
            layout,
        })
    }

    /// The error of one series, or NULL with `on_error = null`.
    fn fail<T>(
        &self,
        rows: &Rows,
        code: &'static str,
        msg: impl fmt::Display,
    ) -> Result<Option<T>> {
        if self.opts.on_error == OnError::Null && self.func != Func::Profile {
            return Ok(None);
        }
        Err(SqlError::new(
            code,
            format!("{}: {}: {msg}", self.func.name(), rows.describe(&self.axis)),
        )
        .into_df())
    }

    fn fail_model<T>(&self, rows: &Rows, e: &ForecastError) -> Result<Option<T>> {
        if self.opts.on_error == OnError::Null {
            return Ok(None);
        }
        Err(model_error(self.func, &rows.describe(&self.axis), e).into_df())
    }

    // -- reading rows ---------------------------------------------------------------------

    /// Reads the data arguments of one batch: (ds ticks, y, available, regressors).
    fn read(&self, values: &[ArrayRef]) -> Result<Batch> {
        let ds = self.axis.ticks(&values[0])?;
        let y = to_f64(&values[1])?;
        let avail = match values.get(self.layout.available) {
            Some(a) if a.data_type() == &DataType::Boolean => Some(a.as_boolean().clone()),
            _ => None,
        };
        let x = match self.layout.regressors.and_then(|r| values.get(r)) {
            Some(s) => s
                .as_struct()
                .columns()
                .iter()
                .map(|c| {
                    let f = to_f64(c)?;
                    // a NULL struct row makes every regressor NULL
                    Ok(match s.nulls() {
                        Some(n) => Float64Array::new(
                            f.values().clone(),
                            NullBuffer::union(Some(n), f.nulls()),
                        ),
                        None => f,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        Ok(Batch { ds, y, avail, x })
    }

    // -- evaluation -----------------------------------------------------------------------

    fn evaluate(&self, groups: &[Rows]) -> Result<ArrayRef> {
        match self.func {
            Func::Forecast | Func::ForecastX => {
                let out = groups
                    .iter()
                    .map(|g| self.forecast(g))
                    .collect::<Result<Vec<_>>>()?;
                Ok(output::forecast_array(&self.axis, &out))
            }
            Func::Backtest => {
                let out = groups
                    .iter()
                    .map(|g| self.backtest(g))
                    .collect::<Result<Vec<_>>>()?;
                Ok(output::backtest_array(&out))
            }
            Func::Profile => {
                let out = groups
                    .iter()
                    .map(|g| self.profile(g))
                    .collect::<Result<Vec<_>>>()?;
                Ok(output::profile_array(&out))
            }
        }
    }

    fn series(&self, rows: &Rows, future: usize) -> Result<Option<super::series::Series>, String> {
        prepare(
            rows,
            &self.axis,
            self.freq,
            self.opts.censor,
            future,
            &self.names,
        )
    }

    fn forecast(&self, rows: &Rows) -> Result<Option<ForecastOut>> {
        let Some(h) = self.horizon else {
            return Ok(None);
        };
        let future = if self.func == Func::ForecastX { h } else { 0 };
        let s = match self.series(rows, future) {
            Ok(Some(s)) => s,
            Ok(None) => return Ok(None),
            Err(m) => return self.fail(rows, codes::INVALID_PARAMETER_VALUE, m),
        };
        // The future periods, checked: an integer ds near the type's end would overflow.
        let Some(future_ds) = (1..=h as i64)
            .map(|k| k.checked_mul(s.step).and_then(|d| s.last.checked_add(d)))
            .collect::<Option<Vec<i64>>>()
        else {
            return self.fail(
                rows,
                codes::INVALID_PARAMETER_VALUE,
                format!(
                    "{h} periods after the last ds run past the largest value ds can hold; \
                     use smaller ds values (e.g. dates or day numbers) or a shorter horizon"
                ),
            );
        };
        let mut levels = if self.opts.no_intervals {
            Vec::new()
        } else {
            LEVELS.to_vec()
        };
        for &p in &self.opts.quantiles {
            if (p - 0.5).abs() > 1e-12 {
                let l = (2.0 * p - 1.0).abs() * 100.0;
                if !levels.iter().any(|x| (x - l).abs() < 1e-9) {
                    levels.push(l);
                }
            }
        }
        let regs: Vec<Regressor<'_>> = self
            .names
            .iter()
            .enumerate()
            .map(|(j, n)| Regressor {
                name: n,
                history: &s.x_hist[j],
                future: &s.x_future[j],
            })
            .collect();
        let f = match forecast(&s.y, h, &levels, &self.opts.model, &regs) {
            Ok(f) => f,
            Err(ForecastError::AllMissing { .. } | ForecastError::Empty) => return Ok(None),
            Err(e) => return self.fail_model(rows, &e),
        };
        let bounds = |lv: f64| match f.interval(lv) {
            _ if self.opts.no_intervals => (Vec::new(), Vec::new()),
            Some((lo, hi)) => (lo.to_vec(), hi.to_vec()),
            None => (f.mean.clone(), f.mean.clone()),
        };
        let (lo80, hi80) = bounds(80.0);
        let (lo95, hi95) = bounds(95.0);
        let quantiles = self
            .opts
            .quantiles
            .iter()
            .map(|&p| (p, f.quantile(p).unwrap_or_else(|| vec![f64::NAN; h])))
            .collect();
        // NaN where the model has no cumulative errors (as quantiles without a source)
        let cumulative = self
            .opts
            .cumulative_quantiles
            .iter()
            .map(|&p| {
                let path = (1..=h)
                    .map(|k| f.cumulative_quantile(k as f64, p).unwrap_or(f64::NAN))
                    .collect();
                (p, path)
            })
            .collect();
        Ok(Some(ForecastOut {
            ds: future_ds,
            mean: f.mean.clone(),
            lo80,
            hi80,
            lo95,
            hi95,
            model: model_name(&f),
            quantiles,
            cumulative,
        }))
    }

    fn backtest(&self, rows: &Rows) -> Result<Option<BacktestOut>> {
        let Some(h) = self.horizon else {
            return Ok(None);
        };
        let s = match self.series(rows, 0) {
            Ok(Some(s)) => s,
            Ok(None) => return Ok(None),
            Err(m) => return self.fail(rows, codes::INVALID_PARAMETER_VALUE, m),
        };
        let model = &self.opts.model;
        let spec = BacktestSpec {
            horizon: h,
            folds: self.opts.folds,
            step: self.opts.step.unwrap_or(h),
            mase_season: self.opts.mase_season.unwrap_or(model.season_length),
        };
        let class = classify::classify(&s.y, model.min_history()).class.as_str();
        let (folds, last_model) = match backtest_series(&s.y, spec, &LEVELS, model, &[]) {
            Ok(f) => f.into_iter().fold((Vec::new(), None), |(mut v, _), fold| {
                let m = model_name(&fold.forecast);
                v.push(fold);
                (v, Some(m))
            }),
            Err(
                ForecastError::TooShort { .. }
                | ForecastError::AllMissing { .. }
                | ForecastError::Empty,
            ) => (Vec::new(), None),
            Err(e) => return self.fail_model(rows, &e),
        };
        let mut pool = Pool::default();
        for f in &folds {
            pool.add(&f.forecast, &f.actual, &f.metrics);
        }
        Ok(Some(BacktestOut {
            model: last_model,
            demand_class: Some(class),
            pooled: Pooled {
                series: 1,
                folds: folds.len() as i64,
                pool,
            },
        }))
    }

    fn profile(&self, rows: &Rows) -> Result<Option<crate::models::forecast::DemandProfile>> {
        match self.series(rows, 0) {
            Ok(Some(s)) => Ok(Some(classify::classify(
                &s.y,
                self.opts.model.min_history(),
            ))),
            Ok(None) => Ok(None),
            Err(m) => self.fail(rows, codes::INVALID_PARAMETER_VALUE, m),
        }
    }
}

use datafusion::arrow::buffer::NullBuffer;

/// The model name, with ` (fallback)` when the requested method gave way to a simple rule.
pub(super) fn model_name(f: &crate::models::forecast::Forecast) -> String {
    if f.fit.notes.iter().any(|n| n.starts_with("fallback")) {
        format!("{} (fallback)", f.model)
    } else {
        f.model.clone()
    }
}

fn to_f64(a: &ArrayRef) -> Result<Float64Array> {
    let c = if a.data_type() == &DataType::Float64 {
        a.clone()
    } else {
        cast(a, &DataType::Float64)?
    };
    Ok(c.as_primitive::<Float64Type>().clone())
}

/// The data arguments of one batch.
struct Batch {
    ds: Int64Array,
    y: Float64Array,
    avail: Option<BooleanArray>,
    x: Vec<Float64Array>,
}

impl Batch {
    /// Appends row `i` to `rows` (rows with a NULL ds are skipped).
    #[inline]
    fn push(&self, i: usize, rows: &mut Rows) {
        if self.ds.is_null(i) {
            return;
        }
        rows.ds.push(self.ds.value(i));
        rows.y.push(if self.y.is_null(i) {
            f64::NAN
        } else {
            self.y.value(i)
        });
        rows.avail.push(match &self.avail {
            Some(a) => a.is_null(i) || a.value(i),
            None => true,
        });
        for (xs, a) in rows.x.iter_mut().zip(&self.x) {
            xs.push(if a.is_null(i) { f64::NAN } else { a.value(i) });
        }
    }
}

/// The partial states (lists) of one merge batch.
struct StateBatch {
    ds: ListArray,
    y: ListArray,
    avail: ListArray,
    x: Vec<ListArray>,
}

impl StateBatch {
    fn new(values: &[ArrayRef]) -> StateBatch {
        StateBatch {
            ds: values[0].as_list::<i32>().clone(),
            y: values[1].as_list::<i32>().clone(),
            avail: values[2].as_list::<i32>().clone(),
            x: values[3..]
                .iter()
                .map(|a| a.as_list::<i32>().clone())
                .collect(),
        }
    }

    /// Appends the state of row `i` to `rows`.
    fn merge_row(&self, i: usize, rows: &mut Rows) {
        if self.ds.is_null(i) {
            return;
        }
        let range = |l: &ListArray| {
            let o = l.value_offsets();
            (o[i] as usize, o[i + 1] as usize)
        };
        let (a, b) = range(&self.ds);
        let ds = self.ds.values().as_primitive::<Int64Type>();
        let y = self.y.values().as_primitive::<Float64Type>();
        let av = self.avail.values().as_boolean();
        let (ya, _) = range(&self.y);
        let (aa, _) = range(&self.avail);
        for k in 0..(b - a) {
            rows.ds.push(ds.value(a + k));
            rows.y.push(if y.is_null(ya + k) {
                f64::NAN
            } else {
                y.value(ya + k)
            });
            rows.avail.push(av.is_null(aa + k) || av.value(aa + k));
        }
        for (xs, l) in rows.x.iter_mut().zip(&self.x) {
            let (xa, _) = range(l);
            let v = l.values().as_primitive::<Float64Type>();
            for k in 0..(b - a) {
                xs.push(if v.is_null(xa + k) {
                    f64::NAN
                } else {
                    v.value(xa + k)
                });
            }
        }
    }
}

/// The states of several groups as list arrays: ds, y, available, x0, x1, ...
fn state_arrays(groups: &[Rows], n_reg: usize) -> Vec<ArrayRef> {
    let mut offsets = Vec::with_capacity(groups.len() + 1);
    offsets.push(0i32);
    let total: usize = groups.iter().map(|g| g.len()).sum();
    let (mut ds, mut y, mut av) = (
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
    );
    let mut x: Vec<Vec<f64>> = vec![Vec::with_capacity(total); n_reg];
    for g in groups {
        ds.extend_from_slice(&g.ds);
        y.extend_from_slice(&g.y);
        av.extend_from_slice(&g.avail);
        for (dst, src) in x.iter_mut().zip(&g.x) {
            dst.extend_from_slice(src);
        }
        offsets.push(ds.len() as i32);
    }
    let offsets = OffsetBuffer::new(offsets.into());
    let list = |t: DataType, values: ArrayRef| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(t, true)),
            offsets.clone(),
            values,
            None,
        ))
    };
    let mut out = vec![
        list(DataType::Int64, Arc::new(Int64Array::from(ds))),
        list(DataType::Float64, Arc::new(Float64Array::from(y))),
        list(DataType::Boolean, Arc::new(BooleanArray::from(av))),
    ];
    for v in x {
        out.push(list(DataType::Float64, Arc::new(Float64Array::from(v))));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Accumulators
// ---------------------------------------------------------------------------------------------

/// All groups of one aggregate partition.
struct SeriesGroups {
    cfg: Arc<Config>,
    groups: Vec<Rows>,
    bytes: usize,
}

impl SeriesGroups {
    fn ensure(&mut self, total: usize) {
        let k = self.cfg.names.len();
        if self.groups.len() < total {
            self.groups.resize_with(total, || Rows::new(k));
        }
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Rows> {
        let taken = emit_to.take_needed(&mut self.groups);
        self.bytes = self.groups.iter().map(Rows::size).sum();
        taken
    }
}

impl GroupsAccumulator for SeriesGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure(total_num_groups);
        let batch = self.cfg.read(values)?;
        let mut grown = 0usize;
        for (i, &g) in group_indices.iter().enumerate() {
            if let Some(f) = opt_filter
                && !(f.is_valid(i) && f.value(i))
            {
                continue;
            }
            let rows = &mut self.groups[g];
            let before = rows.size();
            batch.push(i, rows);
            grown += rows.size() - before.min(rows.size());
        }
        self.bytes += grown;
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = self.take(emit_to);
        self.cfg.evaluate(&groups)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = self.take(emit_to);
        Ok(state_arrays(&groups, self.cfg.names.len()))
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.ensure(total_num_groups);
        let states = StateBatch::new(values);
        let mut grown = 0usize;
        for (i, &g) in group_indices.iter().enumerate() {
            let rows = &mut self.groups[g];
            let before = rows.size();
            states.merge_row(i, rows);
            grown += rows.size() - before.min(rows.size());
        }
        self.bytes += grown;
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let batch = self.cfg.read(values)?;
        let k = self.cfg.names.len();
        let groups: Vec<Rows> = (0..values[0].len())
            .map(|i| {
                let mut r = Rows::new(k);
                if opt_filter.is_none_or(|f| f.is_valid(i) && f.value(i)) {
                    batch.push(i, &mut r);
                }
                r
            })
            .collect();
        Ok(state_arrays(&groups, k))
    }

    fn size(&self) -> usize {
        self.bytes + self.groups.capacity() * std::mem::size_of::<Rows>()
    }
}

/// One group (aggregates without GROUP BY).
struct SeriesAccumulator {
    cfg: Arc<Config>,
    rows: Rows,
}

impl fmt::Debug for SeriesAccumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeriesAccumulator")
            .field("name", &self.cfg.func.name())
            .field("rows", &self.rows.len())
            .finish()
    }
}

impl Accumulator for SeriesAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let batch = self.cfg.read(values)?;
        for i in 0..values[0].len() {
            batch.push(i, &mut self.rows);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let a = self.cfg.evaluate(std::slice::from_ref(&self.rows))?;
        ScalarValue::try_from_array(&a, 0)
    }

    fn size(&self) -> usize {
        self.rows.size() + std::mem::size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        state_arrays(std::slice::from_ref(&self.rows), self.cfg.names.len())
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let s = StateBatch::new(states);
        for i in 0..states[0].len() {
            s.merge_row(i, &mut self.rows);
        }
        Ok(())
    }
}
