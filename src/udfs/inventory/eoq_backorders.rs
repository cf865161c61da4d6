//! `eoq_backorders(...)`: EOQ with planned backorders, as a struct.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, struct_type};
use crate::models::inventory::eoq::eoq_with_backorders;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("demand_rate"),
    Param::num("order_cost"),
    Param::num("holding_cost"),
    Param::num("backorder_cost"),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("order_quantity", OutKind::F64),
    ("max_backorders", OutKind::F64),
    ("max_inventory", OutKind::F64),
    ("total_cost", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Economic order quantity when shortages are planned and backordered (Hillier & \
         Lieberman, EOQ with planned shortages). Returns a struct {order_quantity, \
         max_backorders, max_inventory, total_cost}: Q* = sqrt(2·D·K/h)·sqrt((h + b)/b), largest \
         backlog Q*·h/(h + b), stock after a delivery Q* - backlog, and ordering + holding + \
         backorder cost per period. As backorder_cost grows the result tends to eoq(...). \
         Returns NULL when any argument is NULL. Negative or NaN arguments, a holding cost of 0 \
         and a backorder cost of 0 are errors (SQLSTATE 22023).",
        "eoq_backorders(demand_rate, order_cost, holding_cost, backorder_cost)",
    )
    .with_sql_example(
        "-- Hillier & Lieberman's speaker example: 8,000/month, $12,000 per order,\n\
         -- $0.30 holding and $1.10 shortage per unit per month\n\
         SELECT eoq_backorders(8000, 12000, 0.30, 1.10);\n\
         -- {order_quantity: 28540.3, max_backorders: 6115.8, max_inventory: 22424.5, ...}",
    )
    .with_argument("demand_rate", "Demand per period (units), at least 0.")
    .with_argument("order_cost", "Fixed cost per order (money), at least 0.")
    .with_argument(
        "holding_cost",
        "Cost of holding one unit for one period, greater than 0.",
    )
    .with_argument(
        "backorder_cost",
        "Cost of one unit backordered for one period, greater than 0.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut a = [0.0; 4];
    for r in 0..i.rows {
        if !i.nums_into(r, &mut a) {
            out.null_row();
            continue;
        }
        let e = eoq_with_backorders(a[0], a[1], a[2], a[3]).map_err(|e| i.err(e))?;
        out.f64(0, Some(e.quantity));
        out.f64(1, Some(e.max_backorders));
        out.f64(2, Some(e.max_inventory));
        out.f64(3, Some(e.total_cost));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("eoq_backorders", PARAMS, struct_type(FIELDS), &DOC, kernel)
}
