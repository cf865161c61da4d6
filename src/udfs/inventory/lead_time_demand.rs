//! `lead_time_demand(...)`: mean and standard deviation of demand over lead time plus review
//! period, including lead-time variability.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, arg_doc, struct_type};
use crate::models::inventory::safety_stock::protection_demand;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("demand_mean"),
    Param::num("demand_std"),
    Param::num("lead_time"),
    Param::num_or("lead_time_std", 0.0),
    Param::num_or("review_period", 0.0),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("demand_mean", OutKind::F64),
    ("demand_std", OutKind::F64),
    ("periods", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Demand over the protection interval (lead time L plus review period R), the quantity \
         safety stock protects: a struct {demand_mean, demand_std, periods} with demand_mean = \
         d·(L + R), demand_std = sqrt((L + R)·σd² + d²·σL²) (Chopra & Meindl, random lead time) \
         and periods = L + R. Demand per period is independent of the lead time. Zero lead time \
         and review period give an empty interval (0, 0, 0). Returns NULL when any argument is \
         NULL. NaN, infinities and negative values are errors (SQLSTATE 22023) naming the \
         argument.",
        "lead_time_demand(demand_mean, demand_std, lead_time[, lead_time_std, review_period])",
    )
    .with_sql_example(
        "SELECT lead_time_demand(2500, 500, 7, 7)['demand_std'];\n-- 17549.928775 \
         (Chopra & Meindl's Dell example)",
    )
    .with_argument("demand_mean", arg_doc::DEMAND_MEAN)
    .with_argument("demand_std", arg_doc::DEMAND_STD)
    .with_argument("lead_time", arg_doc::LEAD_TIME)
    .with_argument("lead_time_std", arg_doc::LEAD_TIME_STD)
    .with_argument("review_period", arg_doc::REVIEW_PERIOD)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut a = [0.0; 5];
    for r in 0..i.rows {
        if !i.nums_into(r, &mut a) {
            out.null_row();
            continue;
        }
        let p = protection_demand(a[0], a[1], a[2], a[3], a[4]).map_err(|e| i.err(e))?;
        out.f64(0, Some(p.mean));
        out.f64(1, Some(p.std_dev));
        out.f64(2, Some(p.periods));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "lead_time_demand",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
