//! `price_elasticity(price, units[, min_observations, min_log_price_sd])`: log-log price
//! elasticity of the group (usually one SKU).
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, arg_error, model_error, struct_scalar, struct_type,
};
use super::strip_rows;
use crate::models::customer::CustomerError;
use crate::models::customer::elasticity::{ElasticityOptions, elasticity_by_sku, fit_log_log};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "price_elasticity";
const PARAMS: &[Param] = &[
    Param::num("price"),
    Param::num("units"),
    Param::int_or("min_observations", 8),
    Param::num_or("min_log_price_sd", 0.02),
];

fn result_type() -> DataType {
    struct_type(&[
        ("elasticity", DataType::Float64),
        ("std_error", DataType::Float64),
        ("intercept", DataType::Float64),
        ("r2", DataType::Float64),
        ("p_value", DataType::Float64),
        ("n", DataType::Int64),
        ("n_skipped", DataType::Int64),
        ("source", DataType::Utf8),
        ("reason", DataType::Utf8),
    ])
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Price elasticity of demand of the group (GROUP BY sku_id): the slope of ln(units) on \
         ln(price) by ordinary least squares, with its classical standard error, intercept, R² \
         and two-sided p-value of 'elasticity = 0' (Student's t, n - 2 degrees of freedom; equal \
         to numpy's lstsq to 1e-10). Rows with price = 0 or units = 0 cannot enter a log-log fit: \
         they are skipped and counted in n_skipped. Returns a struct {elasticity, std_error, \
         intercept, r2, p_value, n, n_skipped, source, reason}. source says whether to trust it: \
         'sku' when the group has at least min_observations usable rows and ln(price) varies \
         with a standard deviation of at least min_log_price_sd; 'thin' otherwise (the numbers \
         of the own fit are still given when they exist, reason says what is thin) — use a \
         pooled estimate then, see price_elasticity_pooled and the price_elasticity view; \
         'insufficient' when no fit exists at all (fewer than 3 usable rows, or the price never \
         changes; reason says which), with NULL numbers. r2 is NULL when units never vary, \
         p_value when the fit is perfect. Rows with a NULL argument are skipped; a group with no \
         rows gives NULL, as does a NULL option. Errors: negative, NaN or infinite price or \
         units (SQLSTATE 22000); min_observations < 3, a negative or NaN min_log_price_sd \
         (22023).",
        "price_elasticity(price, units[, min_observations, min_log_price_sd])",
    )
    .with_sql_example(
        "SELECT sku_id, e['elasticity'], e['std_error'], e['source']\n\
         FROM (SELECT sku_id, price_elasticity(price, units) AS e\n\
         \x20     FROM daily_sales GROUP BY sku_id);",
    )
    .with_argument(
        "price",
        "Price paid per unit in the row (after discounts), >= 0.",
    )
    .with_argument("units", "Units sold at that price, >= 0.")
    .with_argument(
        "min_observations",
        "Usable rows (price > 0 and units > 0) needed to trust the group's own fit, a constant \
         >= 3. Optional, default 8.",
    )
    .with_argument(
        "min_log_price_sd",
        "Smallest standard deviation of ln(price) to trust the group's own fit (0.02 is about \
         ±2 % price moves), a constant >= 0. Optional, default 0.02.",
    )
    .build()
});

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 2, result_type(), &DOC, finish)
}

/// True for errors about the data being too thin (not about bad values or options).
pub(super) fn is_insufficient(e: &CustomerError) -> bool {
    matches!(e, CustomerError::Empty(_) | CustomerError::Degenerate(_))
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let (p, u) = (data[0].f64s(), data[1].f64s());
    let min_observations = match opts.i64(0) {
        Some(v) if v >= 0 => v as usize,
        v => {
            return Err(arg_error(
                NAME,
                "min_observations",
                format!("must be at least 3, got {}", v.unwrap_or(0)),
            ));
        }
    };
    let o = ElasticityOptions {
        min_observations,
        min_log_price_sd: opts.f64(1),
    };
    let skus = vec![0i64; p.len()];
    let e = elasticity_by_sku(&skus, p, u, &o).map_err(|e| model_error(NAME, e))?;
    let s = &e[0];
    let n_skipped = (p.len() - s.n) as i64;
    let row = match (&s.own_fit, &s.thin_reason) {
        (Some(f), thin) => vec![
            Val::F64(Some(f.slope)),
            Val::F64(Some(f.se)),
            Val::F64(Some(f.intercept)),
            Val::F64(f.r2),
            Val::F64(f.p_value),
            Val::I64(Some(f.n as i64)),
            Val::I64(Some(f.n_skipped as i64)),
            Val::Text(Some(if thin.is_some() { "thin" } else { "sku" }.into())),
            Val::Text(thin.clone()),
        ],
        (None, thin) => {
            let why = match fit_log_log(p, u) {
                Err(e) if is_insufficient(&e) => strip_rows(e.message()),
                Err(e) => return Err(model_error(NAME, e)),
                Ok(_) => thin.clone().unwrap_or_default(),
            };
            vec![
                Val::F64(None),
                Val::F64(None),
                Val::F64(None),
                Val::F64(None),
                Val::F64(None),
                Val::I64(Some(s.n as i64)),
                Val::I64(Some(n_skipped)),
                Val::Text(Some("insufficient".into())),
                Val::Text(Some(why)),
            ]
        }
    };
    struct_scalar(&result_type(), row)
}
