//! `order_quantity_fixed(...)`: what to order now under an (r, Q) policy.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::order_quantity::fixed_quantity_order;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("on_hand"),
    Param::num("on_order"),
    Param::num("backorders"),
    Param::num("reorder_point"),
    Param::num("order_quantity"),
    Param::num_or("moq", 0.0),
    Param::num_or("case_pack", 1.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Quantity to order now under a fixed-quantity (r, Q) policy: when the inventory position \
         (on hand + on order - backorders) is at or below reorder_point, order the smallest \
         multiple n·Q (n ≥ 1) that lifts it above r, then round to case packs and MOQ as \
         round_order does. Above r gives 0. Returns NULL when any argument is NULL. Errors \
         (SQLSTATE 22023): NaN or infinite values, negative on order, backorders or MOQ, and an \
         order quantity or case pack of 0 or less.",
        "order_quantity_fixed(on_hand, on_order, backorders, reorder_point, order_quantity[, moq, case_pack])",
    )
    .with_sql_example(
        "-- position 10, r = 50, Q = 30: two lots lift it to 70 > 50\n\
         SELECT order_quantity_fixed(10, 0, 0, 50, 30);\n-- 60",
    )
    .with_argument("on_hand", arg_doc::ON_HAND)
    .with_argument("on_order", arg_doc::ON_ORDER)
    .with_argument("backorders", arg_doc::BACKORDERS)
    .with_argument("reorder_point", arg_doc::REORDER_POINT)
    .with_argument("order_quantity", "Lot size Q in units, greater than 0.")
    .with_argument("moq", arg_doc::MOQ)
    .with_argument("case_pack", arg_doc::CASE_PACK)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| {
        fixed_quantity_order(a[0], a[1], a[2], a[3], a[4], a[5], a[6]).map(|o| Some(o.quantity))
    })
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "order_quantity_fixed",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
