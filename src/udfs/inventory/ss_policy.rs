//! `ss_policy(...)`: (R, s, S) policy parameters as a struct.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, arg_doc, struct_type};
use crate::models::inventory::InventoryError;
use crate::models::inventory::policy::{ServiceTarget, s_s_policy};
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::num("demand_mean"),
    Param::num("demand_std"),
    Param::num("lead_time"),
    Param::num("lead_time_std"),
    Param::num("review_period"),
    Param::num("lot_size"),
    Param::text_or("target", "csl"),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("reorder_point", OutKind::F64),
    ("order_up_to", OutKind::F64),
    ("safety_stock", OutKind::F64),
    ("safety_factor", OutKind::F64),
    ("demand_mean", OutKind::F64),
    ("demand_std", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Parameters of an (R, s, S) policy: review every R periods; when the inventory position \
         is at or below s, order up to S. Returns a struct {reorder_point (s), order_up_to (S), \
         safety_stock, safety_factor, demand_mean, demand_std} with s = d·(L + R) + safety stock \
         and S = s + lot_size (Silver, Pyke & Peterson's sequential approximation; use eoq(...) \
         as the lot size). demand_mean and demand_std describe demand over L + R. lot_size 0 \
         gives an (R, S) base-stock policy with S = s. With target 'fill_rate' the safety stock \
         is sized for a fill rate with replenishment max(lot_size, d·R) per cycle. Returns NULL \
         when any argument is NULL. Errors (SQLSTATE 22023): a level outside (0, 1), negative or \
         NaN inputs, an unknown target, and a fill-rate target with neither a lot size nor a \
         review period.",
        "ss_policy(service_level, demand_mean, demand_std, lead_time, lead_time_std, review_period, lot_size[, target])",
    )
    .with_sql_example(
        "SELECT p['reorder_point'] AS s, p['order_up_to'] AS S\n\
         FROM (SELECT ss_policy(0.95, 10, 3, 5, 0, 7, 40) AS p);\n-- s = 137.09, S = 177.09",
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
    .with_argument(
        "lot_size",
        "S - s in units, at least 0; usually the EOQ. 0 gives an (R, S) policy.",
    )
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
        if matches!(target, ServiceTarget::FillRate(_)) && a[6] == 0.0 && a[1] * a[5] == 0.0 {
            return Err(i.err(InventoryError::Inconsistent {
                message: "a fill-rate target needs a lot size or a review period: the \
                          replenishment per cycle, max(lot_size, demand_mean·review_period), is 0"
                    .into(),
            }));
        }
        let p = s_s_policy(target, a[1], a[2], a[3], a[4], a[5], a[6]).map_err(|e| i.err(e))?;
        out.f64(0, Some(p.reorder_level));
        out.f64(1, Some(p.order_up_to));
        out.f64(2, Some(p.safety.safety_stock));
        out.f64(3, Some(p.safety.k));
        out.f64(4, Some(p.safety.mean));
        out.f64(5, Some(p.safety.std_dev));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("ss_policy", PARAMS, struct_type(FIELDS), &DOC, kernel)
}
