//! `fill_rate_from_safety_stock(...)`: the fill rate a safety stock achieves.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::safety_stock::fill_rate_for_safety_stock;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("safety_stock"),
    Param::num("demand_std"),
    Param::num("order_quantity"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Fill rate achieved by a safety stock, the forward direction of safety_stock_fill_rate: \
         1 - σ·G(SS/σ)/Q, where σ is the standard deviation of demand over the whole protection \
         interval (see lead_time_demand) and G the normal loss function. Use it to evaluate an \
         existing reorder point. σ = 0 gives 1 for a non-negative safety stock; the result is \
         clamped at 0. Returns NULL when any argument is NULL. A negative σ, an order quantity of \
         0 or less, NaN and infinities are errors (SQLSTATE 22023).",
        "fill_rate_from_safety_stock(safety_stock, demand_std, order_quantity)",
    )
    .with_sql_example(
        "-- Chopra & Meindl: ss 1,000, σ over the lead time 707, lot 10,000\n\
         SELECT fill_rate_from_safety_stock(1000, 707.106781, 10000);\n-- 0.997487",
    )
    .with_argument("safety_stock", arg_doc::SAFETY_STOCK)
    .with_argument(
        "demand_std",
        "Standard deviation of demand over the whole protection interval (not per period), at \
         least 0: lead_time_demand(...)['demand_std'].",
    )
    .with_argument("order_quantity", arg_doc::ORDER_QUANTITY)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| fill_rate_for_safety_stock(a[0], a[1], a[2]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "fill_rate_from_safety_stock",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
