//! SQL functions of the forecast family, one function per file.
//!
//! Thin adapters over `crate::models::forecast`. One naming scheme:
//!
//! | function | kind | returns |
//! |---|---|---|
//! | `forecast(ds, y, horizon[, options[, available]])` | aggregate | list of struct {ds, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95, model, quantiles} |
//! | `forecast_x(ds, y, horizon, regressors[, options[, available]])` | aggregate | as forecast; the last `horizon` periods of the group are the future rows carrying the regressors' planned values |
//! | `forecast_backtest(ds, y, horizon[, options[, available]])` | aggregate | struct {model, demand_class, folds, n, mae, rmse, mape, smape, mase, rmsse, wape, bias, me, coverage_80, coverage_95, pool} |
//! | `forecast_backtest_pooled(backtest)` | aggregate | struct {series, folds, n, metrics..., pool}: totals across series |
//! | `demand_profile(ds, y[, options[, available]])` | aggregate | struct {class, adi, cv2, n_obs, n_demand, n_missing} |
//! | `demand_class(adi, cv2)` | scalar | class name |
//! | `forecast_quantile(forecast, p)` | scalar | list of DOUBLE per period (or DOUBLE for one period's struct) |
//! | `forecast_table(table, id_cols, ds_col, y_col, horizon[, options])` | table | rows: ids, ds, yhat, intervals, model[, yhat_q..] |
//! | `forecast_backtest_table(table, id_cols, ds_col, y_col, horizon[, options])` | table | rows: ids, model, demand_class, folds, n, metrics, pool |
//!
//! Design decisions, because DataFusion 55 decides some of them:
//! - An aggregate's return type cannot see literal arguments, so the interval levels are fixed
//!   (80 and 95, the `yhat_lo_80 ... yhat_hi_95` fields) and other probabilities are asked for
//!   with the `quantiles` option, returned in the `quantiles` list and read with
//!   `forecast_quantile`. The table function can see its constants, so it turns them into
//!   `yhat_q<percent>` columns.
//! - Named arguments fill parameters in order and cannot skip one, so options are one trailing
//!   text (`key=value, ...` or JSON) and `available` comes after it.
//! - Censored demand is the `available` argument (false = could not be sold) with the `censor`
//!   option deciding what is missing; NULL y is always missing.
//! - Regressors are one struct argument whose field names name them, so a typo is a visible
//!   name and an unused regressor an error in the model layer, never a silent drop.
//! - `GROUP BY key` + `unnest(list)` is broken in DataFusion 55.2 (the key is treated as unique
//!   after the unnest). Everything generated here (forecast_table, the views) repeats the keys
//!   with `array_repeat(key, array_length(list))` and unnests them together; the bug is pinned in
//!   `tests/forecast_sql.rs`.
use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF};

mod cumulative_quantile;
mod demand_class;
mod demand_profile;
mod forecast;
mod forecast_backtest;
mod forecast_backtest_pooled;
mod forecast_backtest_table;
mod forecast_quantile;
mod forecast_table;
mod forecast_x;
mod options;
mod output;
mod series;
mod udaf;

/// Scalar functions of this family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::from(demand_class::DemandClass::new())),
        Arc::new(forecast_quantile::udf()),
        Arc::new(cumulative_quantile::udf()),
    ]
}

/// Aggregate functions of this family.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(forecast::udaf()),
        Arc::new(forecast_x::udaf()),
        Arc::new(forecast_backtest::udaf()),
        Arc::new(forecast_backtest_pooled::udaf()),
        Arc::new(demand_profile::udaf()),
    ]
}

/// Table functions of this family, to register on a SessionContext/SessionState
/// (`register_udtf(name, f)`); they hold no state.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        ("forecast_table", Arc::new(forecast_table::ForecastTable)),
        (
            "forecast_backtest_table",
            Arc::new(forecast_backtest_table::ForecastBacktestTable),
        ),
    ]
}

/// Name and documentation of the table functions (DataFusion's `TableFunctionImpl` carries no
/// documentation), for `docs/functions.md` and the catalog.
pub fn table_function_docs() -> Vec<(&'static str, Documentation)> {
    vec![
        ("forecast_table", forecast_table::DOC.clone()),
        (
            "forecast_backtest_table",
            forecast_backtest_table::DOC.clone(),
        ),
    ]
}
