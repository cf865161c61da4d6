//! `forecast_x(ds, y, horizon, regressors[, options[, available]])`: `forecast` with exogenous
//! drivers whose future values are known (planned promotions and prices, weather forecasts).
use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::forecast::{MODEL_OPTIONS, SERIES_RULES};
use super::options::Func;
use super::udaf::SeriesUdaf;
use crate::udfs::docs::SECTION_FORECAST;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        format!(
            "forecast with exogenous regressors known in the future (planned promotions, \
             planned prices, a weather forecast, event days). Same result as forecast (a list \
             of {{ds, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95, model, \
             quantiles, cumulative_quantiles}}). The group holds the history followed by the future: the last \
             horizon periods of the group (up to its last ds) are the forecast periods, and \
             each of them must have a row with a NULL y and every regressor known (non-NULL); \
             add them with a UNION ALL of the planned rows (e.g. from promotions). Errors \
             (22023), each naming the series: a future period without a row, a future row with \
             a non-NULL y, a NULL regressor in a future row. NULL regressor values in the \
             history leave that row out of the regression. regressors is a struct whose field \
             names name the regressors (named_struct('promo', promo, 'price', price)); numbers \
             and booleans (true = 1) are accepted. How they are used: a regression on an \
             intercept, a trend, the yearly Fourier terms (when on) and the regressors — on \
             ln y, i.e. multiplicative effects, when every observed y is positive, else \
             additive — removes their effect, the method forecasts the adjusted series, and the \
             future effects are put back. Methods that can carry regressors: auto (ETS or \
             Theta for smooth and erratic demand; intermittent demand is routed to AutoETS \
             when regressors are given), ets, ses, holt, holt_damped, holt_winters, \
             holt_winters_multiplicative and the theta methods; any other method with \
             regressors is an error (22023), never a silent drop. A regressor that is constant \
             over the history cannot be estimated (its coefficient is 0). The fallback rule \
             for too-short series does not use the regressors (model ends in ' (fallback)'). \
             {SERIES_RULES} Result NULL: no rows, all history values missing, or a NULL \
             horizon. {MODEL_OPTIONS} quantiles and cumulative_quantiles as in forecast."
        ),
        "forecast_x(ds, y, horizon, regressors[, options[, available]])",
    )
    .with_sql_example(
        r#"-- history plus 7 future rows per series (y NULL, the planned promotion
-- flag known; here: no promotion planned)
SELECT sku_id, store_id, forecast_x(ds, y, 7, named_struct('promo', promo)) AS fc
FROM (SELECT sku_id, store_id, date AS ds, CAST(units AS DOUBLE) AS y,
             CAST(promo AS DOUBLE) AS promo
      FROM daily_sales WHERE sku_id = 1001
      UNION ALL
      SELECT sku_id, store_id, date + INTERVAL '7 days', NULL, 0.0
      FROM daily_sales WHERE sku_id = 1001 AND date > DATE '2024-12-24')
GROUP BY sku_id, store_id;"#,
    )
    .with_argument("ds", "Period of the row: a DATE, a TIMESTAMP or an integer period index.")
    .with_argument(
        "y",
        "Value of the period; NULL in the last horizon periods (the future), NULL/NaN elsewhere = missing.",
    )
    .with_argument("horizon", "Number of future periods at the end of the group: a constant, 1..10000.")
    .with_argument(
        "regressors",
        "A struct of the regressors' values in this period, e.g. named_struct('promo', promo, \
         'price', price); field names name the regressors (unique, non-empty).",
    )
    .with_argument("options", "Optional constant options text, as for forecast.")
    .with_argument(
        "available",
        "Optional BOOLEAN: false = the item could not be sold (censored sales), as for forecast.",
    )
    .build()
});

pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SeriesUdaf::new(Func::ForecastX, &DOC))
}
