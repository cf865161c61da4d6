//! `demand_shift(baseline, recent)`: is the recent window out of line with the baseline?
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, struct_type};
use crate::models::inventory::anomaly::demand_shift;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::list("baseline"), Param::list("recent")];

const FIELDS: &[(&str, OutKind)] = &[
    ("z", OutKind::F64),
    ("recent_mean", OutKind::F64),
    ("baseline_median", OutKind::F64),
    ("ratio", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Sudden demand shift: compares the mean of a recent window with the baseline median, \
         scaled by the baseline's robust scale (as in robust_zscore) divided by √(window \
         length), the standard error of a mean of independent days. Daily sales are somewhat \
         autocorrelated, so treat |z| > 4 as a shift. Returns a struct {z, recent_mean, \
         baseline_median, ratio} with ratio = recent mean / baseline mean (NULL when the baseline \
         mean is 0); positive z means demand went up. NULL and NaN elements are skipped as \
         missing days; a constant baseline gives ±Infinity for any change. Returns NULL when a \
         whole list is NULL. Errors (SQLSTATE 22023): fewer than 3 baseline values or no recent \
         value left after skipping, infinities.",
        "demand_shift(baseline, recent)",
    )
    .with_sql_example(
        "SELECT demand_shift([10, 12, 9, 11, 10, 13, 8, 10], [20, 22, 19])['z'];\n\n\
         SELECT sku_id, demand_shift(array_agg(units ORDER BY ds) FILTER (WHERE ds < DATE '2024-06-01'),\n\
         \x20                           array_agg(units ORDER BY ds) FILTER (WHERE ds >= DATE '2024-06-01'))\n\
         FROM daily_sales GROUP BY sku_id;",
    )
    .with_argument("baseline", "Reference demand values, a list of numbers; at least 3 non-missing.")
    .with_argument("recent", "The recent window's demand values, a list of numbers; at least 1 non-missing.")
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let (mut s1, mut s2) = (Vec::new(), Vec::new());
    for r in 0..i.rows {
        let (Some(b), Some(recent)) = (i.list(0).get(r, &mut s1), i.list(1).get(r, &mut s2)) else {
            out.null_row();
            continue;
        };
        let s = demand_shift(b, recent).map_err(|e| i.err(e))?;
        out.f64(0, Some(s.z));
        out.f64(1, Some(s.recent_mean));
        out.f64(2, Some(s.baseline_median));
        out.f64(3, s.ratio);
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("demand_shift", PARAMS, struct_type(FIELDS), &DOC, kernel)
}
