//! `forecast(ds, y, horizon[, options[, available]])`: one model per group, a list of forecast
//! periods with 80/95 % intervals and the chosen model.
use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::options::Func;
use super::udaf::SeriesUdaf;
use crate::udfs::docs::SECTION_FORECAST;

/// The rules every series aggregate of the family shares, quoted in each function's docs.
pub(super) const SERIES_RULES: &str = "Series rules: one row per period; rows may come in any \
    order. Rows with a NULL ds are skipped; two rows with the same ds are an error (22023). The \
    series runs from the group's first to its last ds at a fixed step: the smallest gap between \
    consecutive ds (one day for a single DATE row), or the freq option; a ds off that grid is an \
    error. A period without a row, a NULL y and a NaN y are missing values (gaps), never zeros: \
    the models skip or bridge them. When the available argument is false the period is censored \
    (a stock-out): with censor = zero (default) a zero sold that day is missing demand, with \
    censor = all the whole day is missing, censor = none ignores available; a NULL available \
    counts as available. Negative y are clamped to 0 (option negatives = clamp, default; \
    'error' refuses them, 'allow' keeps them for additive models) and forecasts are clamped at \
    0 too. Infinite y is an error. A group's rows are held in memory until it is fitted (about \
    17 bytes a row); they cannot spill, so one enormous group is bounded by the memory limit \
    (raise memory_limit or split the group).";

/// The options common to forecast, forecast_x and forecast_backtest, for the docs.
pub(super) const MODEL_OPTIONS: &str = "Options text: comma-separated key=value pairs, e.g. \
    'method=ets, season_length=7, quantiles=0.9,0.99', or a JSON object; keys are \
    case-insensitive; an unknown key, a key given twice or a bad value is an error (22023) that \
    lists the valid keys. Model keys: method (auto [default: classify the demand and route: \
    smooth/erratic -> AutoETS with weekly season and yearly Fourier terms when two years are \
    observed, intermittent/lumpy -> TSB, too short -> naive or window average, all zero -> 0], \
    ets/auto_ets, ses, holt, holt_damped, holt_winters, holt_winters_multiplicative, naive, \
    seasonal_naive, mean, window_average, drift, croston, croston_optimized, croston_sba, tsb, \
    adida, imapa, theta, optimized_theta, dynamic_theta, dynamic_optimized_theta, auto_theta); \
    season_length (alias season; default 7, 1..10000); window (window_average, default 7); \
    alpha (fixed SES smoothing 0..1); alpha_d, alpha_p (TSB, default 0.2); negatives \
    (clamp|error|allow); yearly (auto|on|off: yearly Fourier terms for ETS/Theta/auto); \
    yearly_period (default 365.25 periods); yearly_terms (Fourier pairs, default 3); selection \
    (rules|holdout: auto picks by a holdout MAE among its class's candidates); holdout \
    (periods, 0 = horizon); intermittent_method (what auto uses for intermittent demand, \
    default tsb); min_history (observed periods before a series is classified; default \
    max(2 x season_length, 14)); max_history (fit on the last N periods only, 0 = all \
    [default]; the cost of an ETS fit grows with the history: 1096 days keep the yearly \
    terms and cut a 1,941-day auto forecast by about 40 %); fallback (true|false: fall back to a simple rule when a method \
    needs more data, default true, the model name then says so); ets_model (e.g. ZZZ, AAdN, \
    MNM); intervals (empirical [default: ETS and intermittent bounds from the model's own \
    28-step in-sample errors, level-scaled, never narrower than the model's own] | scaled \
    [ETS: analytic spread with the one-step residuals' quantiles] | model [analytic normal] | \
    none [forecast and forecast_x only: point forecasts, the yhat_lo/hi columns NULL; the \
    cheap methods then skip the in-sample forecasts intervals need, several times faster]); ets_fit (fast|reference). SQL keys: freq (auto [default], a \
    whole number of periods — days for DATE —, or '7 days', 'week', '1 hour', '15 minutes'); \
    censor (zero|all|none, see available); on_error (raise [default]: a series that cannot be \
    fitted fails the query, naming its rows and dates | null: its result is NULL).";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        format!(
            "Forecasts the group's series (GROUP BY sku_id, store_id: one model per series, \
             fitted in parallel across groups) and returns a list with one struct per forecast \
             period: {{ds, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95, model, \
             quantiles, cumulative_quantiles}}. ds continues the series' step after its last ds (daily for daily \
             DATEs) and has the type of the ds argument (integers become BIGINT); yhat is the \
             point forecast (the model's mean); yhat_lo/hi_80 and _95 are the central 80 % and \
             95 % prediction intervals; model names the fitted model (e.g. ETS(A,N,A), \
             TSB, SeasonalNaive(7), WindowAverage(7); ' (fallback)' is appended when the requested method \
             needed more data and a simple rule was used); quantiles is a list of \
             {{p, value}} for the probabilities asked for with the quantiles option (empty \
             otherwise); read any of them with forecast_quantile(list, p); \
             cumulative_quantiles is a list of {{p, value}} for the probabilities of the \
             cumulative_quantiles option (empty otherwise): the quantile of total demand from \
             the first forecast period through this one, from the model's own errors over \
             that many periods at in-sample origins (errors that persist over days add up, \
             which per-period intervals cannot show; the input of safety_stock_from_cumulative); \
             value NaN when the model has fewer than 30 such errors (short history, \
             intervals=scaled|model or a simple rule). Turn the list into \
             rows with unnest — and do not select the GROUP BY keys next to unnest(forecast(...)) \
             in the same query: DataFusion 55 then treats the key as unique after the unnest \
             (wrong ORDER BY and joins); repeat the keys instead: \
             unnest(array_repeat(sku_id, array_length(fc))) next to unnest(fc), as the \
             demand_forecast view does, or use forecast_table. {SERIES_RULES} Result NULL: for a \
             group without rows with a ds, a series whose values are all missing, or a NULL \
             horizon. Short series: method auto never fails for length (a series too short to \
             classify gets naive or a window average); a named method that needs more data \
             falls back to the same rule (model ends in ' (fallback)') unless fallback = \
             false, which makes a too-short series an error. horizon must \
             be a constant between 1 and 10000 (else 22023); options and horizon must be \
             constants. Every model error is SQLSTATE 22023 (22000 for a numerical failure) and \
             names the function, the series (rows, first and last ds) and the fix. \
             {MODEL_OPTIONS} quantiles: probabilities strictly between 0 and 1, e.g. \
             quantiles=0.05,0.5,0.9,0.99 (0.5 is yhat; others come from the model's interval \
             at level |2p-1|); cumulative_quantiles: the same form (e.g. \
             cumulative_quantiles=0.9,0.98)."
        ),
        "forecast(ds, y, horizon[, options[, available]])",
    )
    .with_sql_example(
        r#"SELECT sku_id, store_id, f['ds'] AS ds, f['yhat'] AS yhat,
       f['yhat_lo_80'] AS lo80, f['yhat_hi_80'] AS hi80, f['model'] AS model
FROM (SELECT unnest(array_repeat(sku_id, array_length(fc))) AS sku_id,
             unnest(array_repeat(store_id, array_length(fc))) AS store_id,
             unnest(fc) AS f
      FROM (SELECT sku_id, store_id,
                   forecast(date, units, 28, 'method=auto', NOT stockout) AS fc
            FROM daily_sales GROUP BY sku_id, store_id));"#,
    )
    .with_argument(
        "ds",
        "Period of the row: a DATE, a TIMESTAMP or an integer period index. One row per period.",
    )
    .with_argument(
        "y",
        "Value of the period (units sold), any number. NULL or NaN = missing; negative values \
         follow the negatives option.",
    )
    .with_argument("horizon", "Number of periods to forecast: a constant integer, 1..10000.")
    .with_argument(
        "options",
        "Optional constant text of key=value pairs (or a JSON object), see above; NULL or '' = \
         defaults.",
    )
    .with_argument(
        "available",
        "Optional BOOLEAN per row: false when the item could not be sold in that period (a \
         stock-out), so its sales are censored (see the censor option). daily_sales: NOT \
         stockout. To pass it with default options write forecast(ds, y, h, '', available).",
    )
    .build()
});

pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SeriesUdaf::new(Func::Forecast, &DOC))
}
