//! `order_up_to_level(demand_mean, lead_time, review_period, safety_stock)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::policy::order_up_to_level;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("demand_mean"),
    Param::num("lead_time"),
    Param::num("review_period"),
    Param::num("safety_stock"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Order-up-to level S of a periodic-review (R, S) policy: d·(L + R) + safety stock, where \
         the safety stock covers the same interval L + R (pass review_period to safety_stock \
         too). Every review raises the inventory position to S. The same number as reorder_point, \
         named as planners think of it. Returns NULL when any argument is NULL. Negative or NaN \
         demand, lead time or review period, and a NaN or infinite safety stock, are errors \
         (SQLSTATE 22023).",
        "order_up_to_level(demand_mean, lead_time, review_period, safety_stock)",
    )
    .with_sql_example(
        "SELECT order_up_to_level(10, 5, 7, safety_stock(0.95, 10, 3, 5, 0, 7));\n-- 137.09",
    )
    .with_argument("demand_mean", arg_doc::DEMAND_MEAN)
    .with_argument("lead_time", arg_doc::LEAD_TIME)
    .with_argument("review_period", arg_doc::REVIEW_PERIOD_REQUIRED)
    .with_argument("safety_stock", arg_doc::SAFETY_STOCK)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| order_up_to_level(a[0], a[1], a[2], a[3]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("order_up_to_level", PARAMS, DataType::Float64, &DOC, kernel)
}
