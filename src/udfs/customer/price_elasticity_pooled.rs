//! `price_elasticity_pooled(series_id, price, units)`: one common elasticity for a pool of series
//! (usually the SKUs of a category), with a separate level per series.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, model_error, struct_scalar, struct_type,
};
use super::price_elasticity::is_insufficient;
use super::strip_rows;
use crate::models::customer::elasticity::fit_pooled;
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "price_elasticity_pooled";
const PARAMS: &[Param] = &[
    Param::int("series_id"),
    Param::num("price"),
    Param::num("units"),
];

fn result_type() -> DataType {
    struct_type(&[
        ("elasticity", DataType::Float64),
        ("std_error", DataType::Float64),
        ("r2_within", DataType::Float64),
        ("p_value", DataType::Float64),
        ("n", DataType::Int64),
        ("n_series", DataType::Int64),
        ("n_skipped", DataType::Int64),
        ("source", DataType::Utf8),
        ("reason", DataType::Utf8),
    ])
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_CUSTOMER,
        "Pooled price elasticity of the group (GROUP BY category): one common slope of ln(units) \
         on ln(price) for all series of the pool with a separate intercept per series_id (series \
         fixed effects, the 'within' estimator), so different base demands do not leak into the \
         slope. It is the fallback for SKUs whose own price_elasticity is 'thin' (see the \
         price_elasticity view). Standard error and p-value use n - series - 1 degrees of \
         freedom (equal to numpy's lstsq on the dummy-variable regression to 1e-9). Rows with \
         price = 0 or units = 0 are skipped and counted. Returns a struct {elasticity, \
         std_error, r2_within, p_value, n, n_series, n_skipped, source, reason}: source \
         'pooled', or 'insufficient' with NULL numbers and a reason when there are fewer than \
         series + 2 usable rows or the price never varies within any series. Rows with a NULL \
         argument are skipped; a group with no rows gives NULL. Errors (SQLSTATE 22000): \
         negative, NaN or infinite price or units.",
        "price_elasticity_pooled(series_id, price, units)",
    )
    .with_sql_example(
        "SELECT p.category, price_elasticity_pooled(d.sku_id, d.price, d.units)['elasticity']\n\
         FROM daily_sales d JOIN products p USING (sku_id)\n\
         GROUP BY p.category;",
    )
    .with_argument(
        "series_id",
        "Series of the row (an integer, e.g. sku_id): each series gets its own level.",
    )
    .with_argument("price", "Price paid per unit in the row (after discounts), >= 0.")
    .with_argument("units", "Units sold at that price, >= 0.")
    .build()
    });

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 3, result_type(), &DOC, finish)
}

fn finish(data: &[ColData], _opts: &Options) -> Result<ScalarValue> {
    let (s, p, u) = (data[0].i64s(), data[1].f64s(), data[2].f64s());
    let row = match fit_pooled(s, p, u) {
        Ok(f) => vec![
            Val::F64(Some(f.slope)),
            Val::F64(Some(f.se)),
            Val::F64(f.r2_within),
            Val::F64(f.p_value),
            Val::I64(Some(f.n as i64)),
            Val::I64(Some(f.n_skus as i64)),
            Val::I64(Some(f.n_skipped as i64)),
            Val::Text(Some("pooled".into())),
            Val::Text(None),
        ],
        Err(e) if is_insufficient(&e) => {
            let usable = p
                .iter()
                .zip(u)
                .filter(|(p, u)| **p > 0.0 && **u > 0.0)
                .count();
            let mut series: Vec<i64> = s.to_vec();
            series.sort_unstable();
            series.dedup();
            vec![
                Val::F64(None),
                Val::F64(None),
                Val::F64(None),
                Val::F64(None),
                Val::I64(Some(usable as i64)),
                Val::I64(Some(series.len() as i64)),
                Val::I64(Some((p.len() - usable) as i64)),
                Val::Text(Some("insufficient".into())),
                Val::Text(Some(strip_rows(e.message()))),
            ]
        }
        Err(e) => return Err(model_error(NAME, e)),
    };
    struct_scalar(&result_type(), row)
}
