//! `expected_shortage(position, demand_mean, demand_std)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::shortage::expected_shortage;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("position"),
    Param::num("demand_mean"),
    Param::num("demand_std"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Expected units of demand a stock position fails to serve over a horizon when demand \
         over the horizon is normal: σ·G((position - mean)/σ) with G the normal loss function; \
         σ = 0 gives max(mean - position, 0). Use it for stock-out risk in units ('we expect to \
         miss 12 units before the next delivery'). The normal shape is rough for very slow \
         movers (mean below 3σ); good enough for ranking. Returns NULL when any argument is NULL. \
         A NaN or infinite position, and a negative or NaN mean or σ, are errors (SQLSTATE \
         22023); a negative position (backlog) is allowed.",
        "expected_shortage(position, demand_mean, demand_std)",
    )
    .with_sql_example("SELECT expected_shortage(100, 100, 10);\n-- 3.989423")
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
    i.map_f64(|a| expected_shortage(a[0], a[1], a[2]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("expected_shortage", PARAMS, DataType::Float64, &DOC, kernel)
}
