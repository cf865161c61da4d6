//! `launch_allocation(like_demand, service_level[, case_pack, min_qty])`: the initial quantity of
//! a new product for one location from its like-items' demand there.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, arg_doc, struct_type};
use crate::models::inventory::launch::launch_allocation;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::list("like_demand"),
    Param::num("service_level"),
    Param::num_or("case_pack", 1.0),
    Param::num_or("min_qty", 0.0),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("quantity", OutKind::F64),
    ("demand_mean", OutKind::F64),
    ("demand_std", OutKind::F64),
    ("safety_stock", OutKind::F64),
    ("safety_factor", OutKind::F64),
    ("like_items", OutKind::I64),
    ("confidence", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Initial allocation of a new product (a launch, no history of its own) to one location \
         from the demand its like-items had there over the cover period. Each like-item is one \
         guess of the launch's demand: demand_mean = their mean m, demand_std σ with \
         σ² = max(s², m)·(1 + 1/n) (s² their sample variance, Poisson noise m with one \
         like-item; 1 + 1/n for a new draw from the same population), safety_stock = \
         Φ⁻¹(service_level)·σ and quantity = max(m + safety_stock, min_qty) rounded up to whole \
         cases (0 when that is at most 0). confidence = 1/(1 + σ/m)·n/(n + 3): agreement of the \
         like-items times their number (3 give one half). Returns a struct {quantity, \
         demand_mean, demand_std, safety_stock, safety_factor, like_items, confidence}. Used by \
         the launch_allocation view, which passes each like-item's early-life demand and the \
         location's service level from service_level_targets. Returns NULL when any argument \
         (or the whole list) is NULL. Errors (SQLSTATE 22023): an empty list, a negative, NULL \
         or NaN like-item demand, a service level outside (0, 1), a case pack at most 0, a \
         negative min_qty.",
        "launch_allocation(like_demand, service_level[, case_pack, min_qty])",
    )
    .with_sql_example(
        "SELECT launch_allocation([10, 14, 18], 0.95, 6);\n\
         -- {quantity: 24.0, demand_mean: 14.0, demand_std: 4.618802, safety_stock: 7.597..., \
         safety_factor: 1.644854, like_items: 3, confidence: 0.376...}",
    )
    .with_argument(
        "like_demand",
        "Each like-item's demand at the location over the cover period (units), a list of at \
         least one number at least 0.",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument("case_pack", arg_doc::CASE_PACK)
    .with_argument(
        "min_qty",
        "Presentation minimum: at least this many units are sent (then rounded to cases). At \
         least 0. Optional, default 0.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut scratch = Vec::new();
    for r in 0..i.rows {
        let (Some(sl), Some(cp), Some(min_qty)) =
            (i.num(1).get(r), i.num(2).get(r), i.num(3).get(r))
        else {
            out.null_row();
            continue;
        };
        let Some(like) = i.list(0).get(r, &mut scratch) else {
            out.null_row();
            continue;
        };
        let a = launch_allocation(like, sl, cp, min_qty).map_err(|e| i.err(e))?;
        out.f64(0, Some(a.quantity));
        out.f64(1, Some(a.demand_mean));
        out.f64(2, Some(a.demand_std));
        out.f64(3, Some(a.safety_stock));
        out.f64(4, Some(a.safety_factor));
        out.i64(5, Some(a.like_items as i64));
        out.f64(6, Some(a.confidence));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "launch_allocation",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
