//! `round_order(need, moq, case_pack)`: a need rounded to an orderable quantity.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::order_quantity::round_order;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("need"),
    Param::num_or("moq", 0.0),
    Param::num_or("case_pack", 1.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Rounds a need to an orderable quantity: first up to whole case packs (rounding down \
         would leave the position below target), then, if that is below the minimum order \
         quantity, up to the MOQ itself rounded up to whole cases. A tolerance of 1e-9 cases \
         keeps float noise from adding a case. A need of 0 or less gives 0. Returns NULL when any \
         argument is NULL. A NaN or infinite need, a negative MOQ and a case pack of 0 or less \
         are errors (SQLSTATE 22023): a case pack of 0 usually means missing master data.",
        "round_order(need[, moq, case_pack])",
    )
    .with_sql_example(
        "SELECT round_order(25, 0, 12), round_order(7, 50, 12), round_order(-3, 50, 12);\n\
         -- 36, 60, 0",
    )
    .with_argument("need", "Units needed (any finite number).")
    .with_argument("moq", arg_doc::MOQ)
    .with_argument("case_pack", arg_doc::CASE_PACK)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| round_order(a[0], a[1], a[2]).map(|(q, _)| Some(q)))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("round_order", PARAMS, DataType::Float64, &DOC, kernel)
}
