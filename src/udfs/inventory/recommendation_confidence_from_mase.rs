//! `recommendation_confidence_from_mase(mase, history_periods)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use super::recommendation_confidence::history_len;
use crate::models::inventory::confidence::confidence_from_mase;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("mase"), Param::num("history_periods")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Confidence in a recommendation, in [0, 1], from a backtest: accuracy × history with \
         accuracy = 1/(1 + MASE) (a model exactly as good as the seasonal-naive benchmark gets \
         0.5, a perfect one 1) and history = n/(n + 28). Same scale as \
         recommendation_confidence. No history gives 0. Returns NULL when any argument is NULL. \
         A negative or NaN MASE or history is an error (SQLSTATE 22023).",
        "recommendation_confidence_from_mase(mase, history_periods)",
    )
    .with_sql_example("SELECT recommendation_confidence_from_mase(1.0, 28);\n-- 0.25")
    .with_argument(
        "mase",
        "Mean absolute scaled error of the forecast on a backtest, at least 0.",
    )
    .with_argument(
        "history_periods",
        "Periods of sales history behind the forecast, at least 0 (fractions are truncated).",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| confidence_from_mase(a[0], history_len(a[1])?).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "recommendation_confidence_from_mase",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
