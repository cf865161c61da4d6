//! `recommendation_confidence(...)`: confidence in [0, 1] from a forecast interval and history.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::InventoryError;
use crate::models::inventory::confidence::confidence_from_interval;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("forecast_mean"),
    Param::num("forecast_lo"),
    Param::num("forecast_hi"),
    Param::num("interval_level"),
    Param::num("history_periods"),
];

/// History length as a count: finite and at least 0; fractions are truncated.
pub(super) fn history_len(v: f64) -> Result<usize, InventoryError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v as usize)
    } else {
        Err(InventoryError::OutOfRange {
            name: "history periods",
            range: "a finite number at least 0",
            value: v,
        })
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Confidence in a recommendation, in [0, 1]: accuracy × history. Accuracy = 1/(1 + cv) \
         with cv = σ/mean and σ implied by the forecast interval (an interval as wide as the \
         mean is large gives 0.5); history = n/(n + 28), so 28 periods of history give 0.5 and \
         new items are not trusted however tight their interval looks. Monotone and easy to \
         explain, not a calibrated probability: views rank by it and route low values to an \
         approver. A zero mean with a zero-width interval is a confident 'no demand'; no history \
         gives 0. Returns NULL when any argument is NULL. Errors (SQLSTATE 22023): a negative \
         mean, hi below lo, a level outside (0, 1), negative history, NaN or infinities.",
        "recommendation_confidence(forecast_mean, forecast_lo, forecast_hi, interval_level, history_periods)",
    )
    .with_sql_example(
        "SELECT recommendation_confidence(10, 8, 12, 0.8, 365);\n-- 0.803377",
    )
    .with_argument(
        "forecast_mean",
        "Forecast over the horizon the recommendation covers (units), at least 0.",
    )
    .with_argument("forecast_lo", "Lower bound of its prediction interval.")
    .with_argument("forecast_hi", "Upper bound of its prediction interval, at least forecast_lo.")
    .with_argument(
        "interval_level",
        "Central coverage of the interval, strictly between 0 and 1 (0.8 for 80%).",
    )
    .with_argument(
        "history_periods",
        "Periods of sales history behind the forecast, at least 0 (fractions are truncated).",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| confidence_from_interval(a[0], a[1], a[2], a[3], history_len(a[4])?).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "recommendation_confidence",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
