//! `reorder_point(demand_mean, lead_time, review_period, safety_stock)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::policy::reorder_point;
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
        "Reorder point d·(L + R) + safety stock: order when the inventory position (on hand + on \
         order - backorders) is at or below it. Not clamped: a negative reorder point is \
         meaningful under backordering. Returns NULL when any argument is NULL. Negative or NaN \
         demand, lead time or review period, and a NaN or infinite safety stock, are errors \
         (SQLSTATE 22023).",
        "reorder_point(demand_mean, lead_time, review_period, safety_stock)",
    )
    .with_sql_example(
        "-- Chopra & Meindl: weekly demand 2,500, lead time 2 weeks, safety inventory 1,000\n\
         SELECT reorder_point(2500, 2, 0, 1000);\n-- 6000\n\n\
         SELECT reorder_point(d, lt, 0, safety_stock(0.95, d, sd, lt, lt_sd)) FROM params;",
    )
    .with_argument("demand_mean", arg_doc::DEMAND_MEAN)
    .with_argument("lead_time", arg_doc::LEAD_TIME)
    .with_argument("review_period", arg_doc::REVIEW_PERIOD_REQUIRED)
    .with_argument("safety_stock", arg_doc::SAFETY_STOCK)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| reorder_point(a[0], a[1], a[2], a[3]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("reorder_point", PARAMS, DataType::Float64, &DOC, kernel)
}
