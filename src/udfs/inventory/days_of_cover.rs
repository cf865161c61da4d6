//! `days_of_cover(on_hand, daily_demand)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::cover::periods_of_cover;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("on_hand"), Param::num("daily_demand")];

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_INVENTORY,
        "Days the stock lasts at a flat daily demand: on_hand / daily_demand (with weekly demand \
         the answer is in weeks). Stock of 0 or less gives 0 whatever the demand. Zero demand \
         with stock on hand is unbounded cover and gives NULL, which sorts last in a 'lowest \
         cover first' list (ORDER BY ... NULLS LAST). Returns NULL when any argument is NULL. \
         Negative demand, NaN and infinities are errors (SQLSTATE 22023).",
        "days_of_cover(on_hand, daily_demand)",
    )
    .with_sql_example(
        "SELECT days_of_cover(70, 10), days_of_cover(70, 0), days_of_cover(-3, 5);\n\
         -- 7, NULL, 0",
    )
    .with_argument("on_hand", arg_doc::ON_HAND)
    .with_argument("daily_demand", "Expected demand per day (units), at least 0.")
    .build()
    });

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| periods_of_cover(a[0], a[1]))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("days_of_cover", PARAMS, DataType::Float64, &DOC, kernel)
}
