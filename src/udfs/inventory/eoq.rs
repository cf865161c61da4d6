//! `eoq(demand_rate, order_cost, holding_cost)`: the Wilson economic order quantity.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::eoq::eoq;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("demand_rate"),
    Param::num("order_cost"),
    Param::num("holding_cost"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Economic order quantity (Wilson): Q* = sqrt(2·D·K/h), the lot size that minimises \
         ordering plus holding cost (which is then sqrt(2·D·K·h) per period). D and h must use \
         the same period (annual demand with annual holding cost). A real number: round it with \
         round_order. Zero demand or zero order cost gives 0. Returns NULL when any argument is \
         NULL. Negative or NaN arguments, and a holding cost of 0 (the lot would be unbounded), \
         are errors (SQLSTATE 22023).",
        "eoq(demand_rate, order_cost, holding_cost)",
    )
    .with_sql_example(
        "-- Chopra & Meindl (Best Buy): 12,000 units/year, $4,000 per order, $100/unit/year\n\
         SELECT eoq(12000, 4000, 100);\n-- 979.795897",
    )
    .with_argument("demand_rate", "Demand per period (units), at least 0; a year is usual.")
    .with_argument("order_cost", "Fixed cost per order (money), at least 0.")
    .with_argument(
        "holding_cost",
        "Cost of holding one unit for one period (money; unit cost × carrying rate), greater than 0.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| eoq(a[0], a[1], a[2]).map(|e| Some(e.quantity)))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("eoq", PARAMS, DataType::Float64, &DOC, kernel)
}
