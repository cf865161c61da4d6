//! `safety_stock_fill_rate(...)`: safety stock for a fill-rate target, through the loss function.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::safety_stock::safety_stock_fill_rate;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("fill_rate"),
    Param::num("order_quantity"),
    Param::num("demand_mean"),
    Param::num("demand_std"),
    Param::num("lead_time"),
    Param::num_or("lead_time_std", 0.0),
    Param::num_or("review_period", 0.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety stock (units) for a fill rate β, the share of demand served from stock: k·σ with \
         k solving normal_loss(k) = (1 - β)·Q/σ, so that the expected shortage per cycle σ·G(k) \
         equals the allowed (1 - β)·Q (Silver, Pyke & Peterson; Chopra & Meindl). σ is the \
         standard deviation of demand over lead time plus review period with lead-time \
         variability, as in safety_stock. The result can be negative when the lot size alone \
         meets the target (take greatest(0, ...) to forbid that); σ = 0 gives 0. Returns NULL \
         when any argument is NULL. A fill rate of 0 or 1 or outside (0, 1), an order quantity \
         of 0 or less, NaN, infinities and negative demand or lead times are errors (SQLSTATE \
         22023).",
        "safety_stock_fill_rate(fill_rate, order_quantity, demand_mean, demand_std, lead_time[, lead_time_std, review_period])",
    )
    .with_sql_example(
        "-- Chopra & Meindl: weekly demand 2,500 ± 500, lead time 2 weeks, lot 10,000, fill rate 99%\n\
         SELECT safety_stock_fill_rate(0.99, 10000, 2500, 500, 2);\n-- about 499",
    )
    .with_argument("fill_rate", arg_doc::FILL_RATE)
    .with_argument("order_quantity", arg_doc::ORDER_QUANTITY)
    .with_argument("demand_mean", arg_doc::DEMAND_MEAN)
    .with_argument("demand_std", arg_doc::DEMAND_STD)
    .with_argument("lead_time", arg_doc::LEAD_TIME)
    .with_argument("lead_time_std", arg_doc::LEAD_TIME_STD)
    .with_argument("review_period", arg_doc::REVIEW_PERIOD)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| {
        safety_stock_fill_rate(a[0], a[1], a[2], a[3], a[4], a[5], a[6])
            .map(|s| Some(s.safety_stock))
    })
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "safety_stock_fill_rate",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
