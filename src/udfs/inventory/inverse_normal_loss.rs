//! `inverse_normal_loss(g)`: the safety factor k with G(k) = g.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::normal::inverse_normal_loss;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[Param::num("g")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Inverse of the standard normal loss function: the safety factor k with normal_loss(k) \
         = g. For a fill-rate target β with lot size Q and protection-interval standard deviation \
         σ, k = inverse_normal_loss((1 - β)·Q / σ) (safety_stock_fill_rate does this for you). \
         Large g gives a negative k (the lot size alone meets the target). Returns NULL when the \
         argument is NULL. g must be positive: 0, negatives and NaN are errors (SQLSTATE 22023), \
         as is g below 1e-290 (a fill rate indistinguishable from 100%).",
        "inverse_normal_loss(g)",
    )
    .with_sql_example("SELECT inverse_normal_loss(0.083315);\n-- 1.000003")
    .with_argument("g", "Target value of the loss function, greater than 0.")
    .build()
});

fn kernel(i: &Inputs) -> datafusion::error::Result<datafusion::arrow::array::ArrayRef> {
    i.map_f64(|a| inverse_normal_loss(a[0]).map(Some))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "inverse_normal_loss",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
