//! `normal_loss(z)`: the standard normal loss function G(z) = E[(X - z)⁺].
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::normal::normal_loss;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("z")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Standard normal loss function G(z) = φ(z) - z·(1 - Φ(z)): the expected shortage per \
         replenishment cycle, in standard deviations of demand over the protection interval, \
         when the safety factor is z. Expected units short = std · normal_loss(safety_stock / \
         std). G(0) = 0.398942, G(1) = 0.083315, G(2) = 0.008491; G is positive, decreasing, and \
         G(z) ≈ -z for very negative z. Full relative accuracy far into the tail. Returns NULL \
         when the argument is NULL; NaN and infinities are errors (SQLSTATE 22023).",
        "normal_loss(z)",
    )
    .with_sql_example("SELECT normal_loss(1.0);\n-- 0.083315")
    .with_argument("z", "Safety factor (any finite number).")
    .build()
});

fn kernel(i: &Inputs) -> datafusion::error::Result<datafusion::arrow::array::ArrayRef> {
    i.map_f64(|a| normal_loss(a[0]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("normal_loss", PARAMS, DataType::Float64, &DOC, kernel)
}
