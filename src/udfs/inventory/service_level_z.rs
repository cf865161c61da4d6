//! `service_level_z(service_level)`: the safety factor z = Φ⁻¹(service level).
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::normal::z_from_service_level;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("service_level")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety factor z for a cycle service level: the inverse standard normal distribution \
         Φ⁻¹(service_level), accurate to 1e-9 against scipy. A service level of 0.95 gives \
         1.644854; levels below 0.5 give a negative z. Returns NULL when the argument is NULL. \
         0, 1, values outside (0, 1), NaN and infinities are errors (SQLSTATE 22023): a service \
         level of 1 would need an infinite safety stock.",
        "service_level_z(service_level)",
    )
    .with_sql_example("SELECT service_level_z(0.95);\n-- 1.644854")
    .with_argument(
        "service_level",
        "Cycle service level, the probability of no stock-out per replenishment cycle, as a \
         fraction strictly between 0 and 1 (0.95, not 95).",
    )
    .build()
});

fn kernel(i: &Inputs) -> datafusion::error::Result<datafusion::arrow::array::ArrayRef> {
    i.map_f64(|a| z_from_service_level(a[0]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("service_level_z", PARAMS, DataType::Float64, &DOC, kernel)
}
