//! `zero_sales_probability(daily_rate, days)`: P(no sales | the stock is really there).
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::anomaly::zero_sales_probability_flat;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("daily_rate"), Param::num("days")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Probability of recording no sales over a number of days if the stock is really on the \
         shelf and sales are Poisson at the expected daily rate: exp(-rate·days). A small value \
         with stock on hand and zero recorded sales points to phantom inventory (see \
         phantom_inventory_probability). Against a forecast path pass the sum of the forecast and \
         1 day: zero_sales_probability(sum(yhat), 1). Zero rate or zero days gives 1. Returns \
         NULL when any argument is NULL. Negative or NaN arguments are errors (SQLSTATE 22023).",
        "zero_sales_probability(daily_rate, days)",
    )
    .with_sql_example("SELECT zero_sales_probability(2, 3);\n-- 0.002479")
    .with_argument(
        "daily_rate",
        "Expected sales per day while the stock is there, at least 0.",
    )
    .with_argument(
        "days",
        "Days without a recorded sale, at least 0 (may be fractional).",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| zero_sales_probability_flat(a[0], a[1]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "zero_sales_probability",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
