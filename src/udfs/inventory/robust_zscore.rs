//! `robust_zscore(value, history)`: median/MAD z-score of a value against a history list.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Float64Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::anomaly::robust_z;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("value"), Param::list("history")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Robust z-score of a value against a history: (value - median)/scale with scale = \
         1.4826·MAD (median absolute deviation), falling back to 1.2533·mean absolute deviation \
         when more than half the history equals the median (intermittent demand, mostly zeros). \
         The Iglewicz–Hoaglin modified z-score; |z| > 3.5 is an outlier. Unlike a mean and \
         standard deviation it is not dragged by the very spikes it looks for (shrink, promotion \
         weeks). NULL and NaN elements of the history are skipped as missing days. A constant \
         history gives 0 for the same value and ±Infinity for any other. Returns NULL when the \
         value or the whole list is NULL. Errors (SQLSTATE 22023): fewer than 3 non-missing \
         history values, infinities, a NaN value.",
        "robust_zscore(value, history)",
    )
    .with_sql_example(
        "SELECT robust_zscore(20, [1, 2, 3, 4, 5, 6, 7, 8, 9]);\n-- 5.058673\n\n\
         -- latest week's shrink rate against the store's own history\n\
         SELECT store_id, robust_zscore(last_value(rate ORDER BY week),\n\
         \x20                              array_agg(rate ORDER BY week))\n\
         FROM weekly_shrink GROUP BY store_id;",
    )
    .with_argument("value", "The observation to score (finite).")
    .with_argument(
        "history",
        "The reference values, a list of numbers (array_agg(x)); NULL/NaN elements are skipped, \
         at least 3 must remain.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = Float64Builder::with_capacity(i.rows);
    let mut scratch = Vec::new();
    for r in 0..i.rows {
        let (Some(v), Some(h)) = (i.num(0).get(r), i.list(1).get(r, &mut scratch)) else {
            out.append_null();
            continue;
        };
        out.append_value(robust_z(v, h).map_err(|e| i.err(e))?);
    }
    Ok(Arc::new(out.finish()))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("robust_zscore", PARAMS, DataType::Float64, &DOC, kernel)
}
