//! `weeks_of_cover(on_hand, daily_demand)`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::cover::weeks_of_cover_from_daily;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("on_hand"), Param::num("daily_demand")];

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_INVENTORY,
        "Weeks the stock lasts at a flat daily demand: days_of_cover(on_hand, daily_demand) / 7. \
         Stock of 0 or less gives 0; zero demand with stock on hand is unbounded and gives NULL. \
         Returns NULL when any argument is NULL. Negative demand, NaN and infinities are errors \
         (SQLSTATE 22023).",
        "weeks_of_cover(on_hand, daily_demand)",
    )
    .with_sql_example("SELECT weeks_of_cover(70, 10);\n-- 1")
    .with_argument("on_hand", arg_doc::ON_HAND)
    .with_argument("daily_demand", "Expected demand per day (units), at least 0.")
    .build()
    });

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| weeks_of_cover_from_daily(a[0], a[1]))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("weeks_of_cover", PARAMS, DataType::Float64, &DOC, kernel)
}
