//! `return_rate(returned, sold[, prior_rate, prior_strength])`: returned units over sold units,
//! optionally shrunk towards a prior rate.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{CustomerUdf, Inputs, Param};
use crate::models::customer::CustomerError;
use crate::models::customer::returns::{return_rate, smoothed_return_rate};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "return_rate";
const PARAMS: &[Param] = &[
    Param::num("returned"),
    Param::num("sold"),
    Param::num_or("prior_rate", 0.0),
    Param::num_or("prior_strength", 0.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Return rate: returned units / sold units. It can exceed 1 in a period (returns of \
         earlier sales) and is not clipped. With prior_strength > 0 the rate is shrunk towards \
         prior_rate as if prior_strength more units had been sold at that rate: (returned + \
         prior_rate x prior_strength) / (sold + prior_strength) — for ranking customers or SKUs \
         with few sales (1 return out of 1 sale is not a 100 % returner); use the overall rate as \
         prior_rate. Returns NULL when any argument is NULL, and when nothing was sold and \
         prior_strength is 0 (the rate is undefined, not 0). Errors: NaN, infinite or negative \
         returned or sold (SQLSTATE 22000); prior_rate outside [0, 1] or a negative \
         prior_strength (22023).",
        "return_rate(returned, sold[, prior_rate, prior_strength])",
    )
    .with_sql_example("SELECT return_rate(1, 4), return_rate(1, 1, 0.1, 9);\n-- 0.25 | 0.19")
    .with_argument("returned", "Units returned, >= 0.")
    .with_argument("sold", "Units sold, >= 0.")
    .with_argument(
        "prior_rate",
        "Rate to shrink towards, in [0, 1] (usually the overall return rate). Optional, \
         default 0.",
    )
    .with_argument(
        "prior_strength",
        "Weight of the prior in pseudo-units sold, >= 0. Optional, default 0 (no shrinkage).",
    )
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Float64, &DOC, kernel)
}

fn rate(a: &[f64]) -> std::result::Result<Option<f64>, CustomerError> {
    let (returned, sold, prior_rate, strength) = (a[0], a[1], a[2], a[3]);
    if strength == 0.0 {
        // validate the prior anyway, so a typo is not silently ignored
        smoothed_return_rate(0.0, 1.0, prior_rate, 0.0)?;
        return return_rate(returned, sold);
    }
    smoothed_return_rate(returned, sold, prior_rate, strength).map(Some)
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(rate)
}
