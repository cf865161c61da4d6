//! `stockout_probability(position, demand_mean, demand_std)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::shortage::stockout_probability;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("position"),
    Param::num("demand_mean"),
    Param::num("demand_std"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Probability that normal demand over a horizon exceeds a stock position: 1 - \
         Φ((position - mean)/σ); σ = 0 gives 1 when mean > position, else 0. Returns NULL when \
         any argument is NULL. A NaN or infinite position, and a negative or NaN mean or σ, are \
         errors (SQLSTATE 22023).",
        "stockout_probability(position, demand_mean, demand_std)",
    )
    .with_sql_example("SELECT stockout_probability(116.448536, 100, 10);\n-- 0.05")
    .with_argument(
        "position",
        "Stock available over the horizon (units), any finite number; negative for a backlog.",
    )
    .with_argument(
        "demand_mean",
        "Mean demand over the whole horizon (units), at least 0.",
    )
    .with_argument(
        "demand_std",
        "Standard deviation of demand over the whole horizon (units), at least 0.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| stockout_probability(a[0], a[1], a[2]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "stockout_probability",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
