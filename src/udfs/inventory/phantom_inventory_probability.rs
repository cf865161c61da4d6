//! `phantom_inventory_probability(daily_rate, days_without_sales[, prior])`.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param};
use crate::models::inventory::anomaly::{phantom_posterior, zero_sales_probability_flat};
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("daily_rate"),
    Param::num("days_without_sales"),
    Param::num_or("prior", 0.05),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Probability that recorded stock is phantom (not really on the shelf) after a run of \
         days without sales, by Bayes: prior / (prior + (1 - prior)·p0) with p0 = \
         exp(-daily_rate·days) the chance of no sales if the stock is real (Poisson sales) and \
         phantom stock selling nothing. With a rate of 2/day, 3 silent days and a 5% prior the \
         probability is 0.955. No silent days (or a zero rate) leave the prior unchanged. Call \
         it only for rows with stock on hand. Returns NULL when any argument is NULL. Errors \
         (SQLSTATE 22023): a negative or NaN rate or day count, a prior outside (0, 1).",
        "phantom_inventory_probability(daily_rate, days_without_sales[, prior])",
    )
    .with_sql_example(
        "SELECT phantom_inventory_probability(2, 3);\n-- 0.955022\n\
         SELECT phantom_inventory_probability(0.1, 3, prior => 0.02);\n-- 0.02681",
    )
    .with_argument(
        "daily_rate",
        "Expected sales per day if the stock were there (the forecast), at least 0.",
    )
    .with_argument(
        "days_without_sales",
        "Consecutive days with stock on hand and no sale, at least 0.",
    )
    .with_argument(
        "prior",
        "Share of stock records that are phantom before looking at sales (from cycle counts; \
         0.02–0.1 in the literature), strictly between 0 and 1. Optional, default 0.05.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| {
        let p0 = zero_sales_probability_flat(a[0], a[1])?;
        phantom_posterior(a[2], p0).map(Some)
    })
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "phantom_inventory_probability",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
