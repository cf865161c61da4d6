//! `safety_stock(...)`: safety stock for a cycle service level, with lead-time variability.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::safety_stock::safety_stock_cycle;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::num("demand_mean"),
    Param::num("demand_std"),
    Param::num("lead_time"),
    Param::num_or("lead_time_std", 0.0),
    Param::num_or("review_period", 0.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety stock (units) for a cycle service level: z·σ with z = Φ⁻¹(service_level) and σ \
         the standard deviation of demand over lead time plus review period, including lead-time \
         variability: σ = sqrt((L + R)·σd² + d²·σL²) (Chopra & Meindl; Silver, Pyke & Peterson). \
         Demand is treated as normal over the interval. A service level below 0.5 gives a \
         negative safety stock; no variability (σ = 0) gives 0. Returns NULL when any argument is \
         NULL. Service level 0 or 1 or outside (0, 1), NaN, infinities and negative demand, lead \
         time or review period are errors (SQLSTATE 22023) naming the argument.",
        "safety_stock(service_level, demand_mean, demand_std, lead_time[, lead_time_std, review_period])",
    )
    .with_sql_example(
        "-- Chopra & Meindl: weekly demand 2,500 ± 500, lead time 4 weeks, CSL 90%\n\
         SELECT safety_stock(0.90, 2500, 500, 4);\n-- 1281.551566\n\n\
         -- daily demand, lead time 7 ± 2 days, weekly review\n\
         SELECT safety_stock(service_level => 0.95, demand_mean => 12, demand_std => 4,\n\
         \x20                   lead_time => 7, lead_time_std => 2, review_period => 7);",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument("demand_mean", arg_doc::DEMAND_MEAN)
    .with_argument("demand_std", arg_doc::DEMAND_STD)
    .with_argument("lead_time", arg_doc::LEAD_TIME)
    .with_argument("lead_time_std", arg_doc::LEAD_TIME_STD)
    .with_argument("review_period", arg_doc::REVIEW_PERIOD)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| {
        safety_stock_cycle(a[0], a[1], a[2], a[3], a[4], a[5]).map(|s| Some(s.safety_stock))
    })
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new("safety_stock", PARAMS, DataType::Float64, &DOC, kernel)
}
