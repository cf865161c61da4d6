//! `service_level_from_z(z)`: the cycle service level Φ(z) a safety factor delivers.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::normal::service_level_from_z;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("z")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Cycle service level delivered by a safety factor: the standard normal distribution \
         Φ(z), the inverse of service_level_z. Use it to evaluate an existing reorder point: \
         service_level_from_z((reorder_point - mean) / std). Any sign is allowed (a negative z \
         gives a level below 0.5). Returns NULL when the argument is NULL; NaN and infinities \
         are errors (SQLSTATE 22023).",
        "service_level_from_z(z)",
    )
    .with_sql_example("SELECT service_level_from_z(1.644854);\n-- 0.95")
    .with_argument("z", "Safety factor: safety stock divided by the standard deviation of demand over the protection interval.")
    .build()
});

fn kernel(i: &Inputs) -> datafusion::error::Result<datafusion::arrow::array::ArrayRef> {
    i.map_f64(|a| service_level_from_z(a[0]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "service_level_from_z",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
