//! `safety_stock_from_quantile(...)`: safety stock from a quantile of lead-time demand.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::forecast_quantiles::safety_stock_from_lead_time_quantile;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::num("lead_time_demand_mean"),
    Param::num("lead_time_demand_quantile"),
    Param::num("quantile_level"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety stock (units) from one quantile of demand over the whole protection interval, \
         e.g. from a model that forecasts cumulative demand or from sample paths. When \
         service_level equals quantile_level the result is exactly quantile - mean; otherwise the \
         quantile is translated through a normal shape: σ = (quantile - mean)/Φ⁻¹(quantile_level) \
         and the result is Φ⁻¹(service_level)·σ. Returns NULL when any argument is NULL. Errors \
         (SQLSTATE 22023): levels outside (0, 1), a quantile_level of 0.5 (the median carries no \
         spread), a quantile on the wrong side of the mean, a negative mean, NaN or infinities.",
        "safety_stock_from_quantile(service_level, lead_time_demand_mean, lead_time_demand_quantile, quantile_level)",
    )
    .with_sql_example(
        "SELECT safety_stock_from_quantile(0.9, 100, 130, 0.9);\n-- 30\n\
         SELECT safety_stock_from_quantile(0.95, 100, 130, 0.9);\n-- 38.504583",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument(
        "lead_time_demand_mean",
        "Expected demand over the protection interval (units), at least 0.",
    )
    .with_argument(
        "lead_time_demand_quantile",
        "Quantile of demand over the protection interval at quantile_level (units).",
    )
    .with_argument(
        "quantile_level",
        "Probability of the quantile, strictly between 0 and 1 and not 0.5.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| {
        safety_stock_from_lead_time_quantile(a[0], a[1], a[2], a[3]).map(|s| Some(s.safety_stock))
    })
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "safety_stock_from_quantile",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
