//! `rq_policy(...)`: (R, r, Q) policy parameters as a struct.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, arg_doc, struct_type};
use crate::models::inventory::policy::{ServiceTarget, r_q_policy};
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::num("demand_mean"),
    Param::num("demand_std"),
    Param::num("lead_time"),
    Param::num("lead_time_std"),
    Param::num("review_period"),
    Param::num("order_quantity"),
    Param::text_or("target", "csl"),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("reorder_point", OutKind::F64),
    ("order_quantity", OutKind::F64),
    ("safety_stock", OutKind::F64),
    ("safety_factor", OutKind::F64),
    ("demand_mean", OutKind::F64),
    ("demand_std", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Parameters of an (R, r, Q) policy: when the inventory position is at or below r, order \
         the smallest multiple of Q that lifts it above r (order_quantity_fixed computes the \
         order). Returns a struct {reorder_point (r), order_quantity (Q), safety_stock, \
         safety_factor, demand_mean, demand_std} with r = d·(L + R) + safety stock; demand_mean \
         and demand_std describe demand over L + R. With target 'fill_rate' the safety stock is \
         sized for a fill rate with Q as the replenishment per cycle. Returns NULL when any \
         argument is NULL. Errors (SQLSTATE 22023): a level outside (0, 1), Q of 0 or less, \
         negative or NaN inputs, an unknown target.",
        "rq_policy(service_level, demand_mean, demand_std, lead_time, lead_time_std, review_period, order_quantity[, target])",
    )
    .with_sql_example(
        "SELECT rq_policy(0.98, 10, 3, 5, 0, 0, 100, 'fill_rate')['reorder_point'];",
    )
    .with_argument(
        "service_level",
        "Target as a fraction strictly between 0 and 1: a cycle service level, or a fill rate \
         when target is 'fill_rate'.",
    )
    .with_argument("demand_mean", arg_doc::DEMAND_MEAN)
    .with_argument("demand_std", arg_doc::DEMAND_STD)
    .with_argument("lead_time", arg_doc::LEAD_TIME)
    .with_argument(
        "lead_time_std",
        "Standard deviation of the lead time in periods, at least 0 (0 = lead time known).",
    )
    .with_argument("review_period", arg_doc::REVIEW_PERIOD_REQUIRED)
    .with_argument("order_quantity", "Fixed order quantity Q in units, greater than 0 (e.g. the EOQ).")
    .with_argument("target", arg_doc::TARGET)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut a = [0.0; 7];
    for r in 0..i.rows {
        let Some(kind) = i.text(7).get(r) else {
            out.null_row();
            continue;
        };
        if !i.nums_into(r, &mut a) {
            out.null_row();
            continue;
        }
        let target = ServiceTarget::from_name(kind, a[0]).map_err(|e| i.err(e))?;
        let p = r_q_policy(target, a[1], a[2], a[3], a[4], a[5], a[6]).map_err(|e| i.err(e))?;
        out.f64(0, Some(p.reorder_point));
        out.f64(1, Some(p.order_quantity));
        out.f64(2, Some(p.safety.safety_stock));
        out.f64(3, Some(p.safety.k));
        out.f64(4, Some(p.safety.mean));
        out.f64(5, Some(p.safety.std_dev));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("rq_policy", PARAMS, struct_type(FIELDS), &DOC, kernel)
}
