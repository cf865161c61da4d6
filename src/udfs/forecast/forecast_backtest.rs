//! `forecast_backtest(ds, y, horizon[, options[, available]])`: rolling-origin cross-validation
//! of `forecast` per group, with accuracy metrics and the sums to pool them.
use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::forecast::{MODEL_OPTIONS, SERIES_RULES};
use super::options::Func;
use super::udaf::SeriesUdaf;
use crate::udfs::docs::SECTION_FORECAST;

/// The metric definitions, shared with forecast_backtest_pooled's docs.
pub(super) const METRICS: &str = "Metrics (the definitions of shared/bench/metrics.py; missing \
    actuals — gaps and censored days — are not scored; NULL where undefined): mae = mean |y - \
    yhat|; rmse = sqrt(mean (y - yhat)^2); me = mean (yhat - y); mape = 100 x mean |y - yhat| / \
    |y| over y <> 0; smape = 200/h x sum |y - yhat| / (|y| + |yhat|), 0/0 counted as 0; mase = \
    mae / mean |y_t - y_(t-m)| over the fold's training data (m = mase_season, default \
    season_length); rmsse (M5) = sqrt(mean (y - yhat)^2 / mean (y_t - y_(t-1))^2) over the \
    training data from its first non-zero value; wape = sum |y - yhat| / sum |y|; bias = sum \
    (yhat - y) / sum y (> 0 = over-forecast); coverage_80/_95 = share of actuals inside the \
    80/95 % interval. Across folds (and across series in forecast_backtest_pooled) mae, rmse, \
    me, wape, bias and coverage pool every scored point; mape, smape, mase and rmsse average the \
    per-fold values where defined.";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        format!(
            "Backtests forecast on the group's series by rolling-origin cross-validation: with \
             folds = k, horizon = h, step = s, fold i = 1..k (oldest first) fits on everything \
             before origin n - h - (k - i) x s and is scored on the next h periods; the last \
             fold ends at the last period. Returns a struct {{model, demand_class, folds, n, \
             mae, rmse, mape, smape, mase, rmsse, wape, bias, me, coverage_80, coverage_95, \
             pool}}: model = the model of the last fold (auto may pick different models per \
             fold); demand_class = the class of the whole history (smooth, erratic, \
             intermittent, lumpy, too_short, all_zero); folds = folds run; n = points scored; \
             pool = the sums behind the metrics, which forecast_backtest_pooled adds up for \
             totals by category, region or overall. A series too short for the folds (it \
             needs more than h + (k - 1) x s periods) or without any observed value in a \
             fold's history gives folds = 0, n = 0 and NULL metrics — not an error — so one \
             call can cover new and old series alike. {METRICS} {SERIES_RULES} Result NULL: \
             no rows with a ds, or a NULL horizon. {MODEL_OPTIONS} Backtest keys: folds \
             (default 3, 1..1000), step (periods between origins, default = horizon), \
             mase_season (default season_length). Regressors are not supported here."
        ),
        "forecast_backtest(ds, y, horizon[, options[, available]])",
    )
    .with_sql_example(
        r#"SELECT sku_id, store_id, b['model'], b['mase'], b['wape'], b['coverage_80']
FROM (SELECT sku_id, store_id,
             forecast_backtest(date, units, 28, 'folds=3, step=28', NOT stockout) AS b
      FROM daily_sales GROUP BY sku_id, store_id);"#,
    )
    .with_argument(
        "ds",
        "Period of the row: a DATE, a TIMESTAMP or an integer period index.",
    )
    .with_argument(
        "y",
        "Value of the period; NULL/NaN = missing (not scored when it is an actual).",
    )
    .with_argument(
        "horizon",
        "Periods forecast per fold: a constant, 1..10000.",
    )
    .with_argument(
        "options",
        "Optional constant options text: the forecast options plus folds, step, mase_season.",
    )
    .with_argument(
        "available",
        "Optional BOOLEAN: false = the item could not be sold (censored sales), as for forecast.",
    )
    .build()
});

pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SeriesUdaf::new(Func::Backtest, &DOC))
}
