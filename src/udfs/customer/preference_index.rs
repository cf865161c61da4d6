//! `preference_index(value, region_total, category_total, grand_total[, prior])`: how much more a
//! region buys of a category than the whole business does (100 = average).
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{CustomerUdf, Inputs, Param};
use crate::models::customer::regional::preference_index;
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "preference_index";
const PARAMS: &[Param] = &[
    Param::num("value"),
    Param::num("region_total"),
    Param::num("category_total"),
    Param::num("grand_total"),
    Param::num_or("prior", 0.0),
];

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_CUSTOMER,
        "Regional preference index of one (region, category) cell: 100 x (share of the category \
         in the region) / (share of the category overall). 100 = the region buys the category \
         in proportion to its size, 150 = 1.5 times as much, 50 = half. With prior > 0 the \
         region's shares are smoothed towards the overall mix by adding prior pseudo-units \
         spread by the overall category shares: share = (value + prior x s_c) / (region_total + \
         prior), so small regions stay near 100 until their volume outweighs prior (the model \
         equals pandas on the same formula to 1e-12). Compute the totals with window sums, e.g. \
         sum(v) OVER (PARTITION BY region). Returns NULL when any argument is NULL. Errors \
         (SQLSTATE 22023): NaN, infinite or negative values, value > region_total, value > \
         category_total, category_total > grand_total; (22000) category_total = 0 (no index \
         exists) and region_total = 0 with prior = 0 (0/0: use prior > 0).",
        "preference_index(value, region_total, category_total, grand_total[, prior])",
    )
    .with_sql_example(
        "SELECT preference_index(30, 100, 200, 1000);\n-- 150 (30 % of the region vs 20 % overall)",
    )
    .with_argument("value", "Volume of the category in the region (units or money), >= 0.")
    .with_argument("region_total", "Volume of all categories in the region, >= value.")
    .with_argument("category_total", "Volume of the category in all regions, > 0 and >= value.")
    .with_argument("grand_total", "Volume of all categories in all regions, >= category_total.")
    .with_argument(
        "prior",
        "Smoothing strength in the unit of the values (about the volume below which a region's \
         mix should not be trusted, e.g. 20 units), >= 0. Optional, default 0 (raw index).",
    )
    .build()
    });

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Float64, &DOC, kernel)
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    i.map_f64(|a| preference_index(a[0], a[1], a[2], a[3], a[4]).map(Some))
}
