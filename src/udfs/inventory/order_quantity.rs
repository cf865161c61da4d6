//! `order_quantity(...)`: what to order now under an order-up-to policy.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::order_quantity::order_up_to_quantity;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("on_hand"),
    Param::num("on_order"),
    Param::num("backorders"),
    Param::num("reorder_point"),
    Param::num("order_up_to"),
    Param::num_or("moq", 0.0),
    Param::num_or("case_pack", 1.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Quantity to order now under an order-up-to policy. The inventory position is on hand + \
         on order - backorders. (s, S): when the position is at or below reorder_point, order \
         order_up_to - position; (R, S): pass reorder_point = order_up_to and any position \
         below S orders. The need is rounded up to whole case packs, then raised to the MOQ (in \
         whole cases) — see round_order. No need gives 0. Returns NULL when any argument is NULL. \
         Errors (SQLSTATE 22023): NaN or infinite values, negative on order, backorders or MOQ, \
         a case pack of 0 or less, and order_up_to below reorder_point.",
        "order_quantity(on_hand, on_order, backorders, reorder_point, order_up_to[, moq, case_pack])",
    )
    .with_sql_example(
        "-- position 40 + 30 - 5 = 65, S = 150: need 85, in cases of 12\n\
         SELECT order_quantity(40, 30, 5, 150, 150, 0, 12);\n-- 96",
    )
    .with_argument("on_hand", arg_doc::ON_HAND)
    .with_argument("on_order", arg_doc::ON_ORDER)
    .with_argument("backorders", arg_doc::BACKORDERS)
    .with_argument("reorder_point", arg_doc::REORDER_POINT)
    .with_argument(
        "order_up_to",
        "Order-up-to level S, at least reorder_point.",
    )
    .with_argument("moq", arg_doc::MOQ)
    .with_argument("case_pack", arg_doc::CASE_PACK)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| {
        order_up_to_quantity(a[0], a[1], a[2], a[3], a[4], a[5], a[6]).map(|o| Some(o.quantity))
    })
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("order_quantity", PARAMS, DataType::Float64, &DOC, kernel)
}
