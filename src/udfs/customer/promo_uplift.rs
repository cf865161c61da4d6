//! `promo_uplift(units, on_promo[, level])`: uplift of promotion periods over the other periods.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, model_error, struct_scalar, struct_type,
};
use super::price_elasticity::is_insufficient;
use crate::models::customer::CustomerError;
use crate::models::customer::promo::{Uplift, promo_uplift};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "promo_uplift";
const PARAMS: &[Param] = &[
    Param::num("units"),
    Param::bool("on_promo"),
    Param::num_or("level", 0.95),
];

/// The result struct shared with `promo_uplift_paired`.
pub(super) fn uplift_type() -> DataType {
    struct_type(&[
        ("uplift", DataType::Float64),
        ("lo", DataType::Float64),
        ("hi", DataType::Float64),
        ("p_value", DataType::Float64),
        ("level", DataType::Float64),
        ("log_ratio", DataType::Float64),
        ("se_log", DataType::Float64),
        ("n_promo", DataType::Int64),
        ("n_base", DataType::Int64),
    ])
}

/// The result struct of a model outcome: an uplift, or NULL numbers (with the counts) when the
/// data cannot define one; bad values and options are errors.
/// Every value must be finite and >= 0, whatever side it falls on.
pub(super) fn check_units(func: &str, name: &str, v: &[f64]) -> Result<()> {
    match v.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        Some(x) => Err(model_error(
            func,
            CustomerError::InvalidValue(format!("{name} must be a finite number >= 0, got {x}")),
        )),
        None => Ok(()),
    }
}

pub(super) fn uplift_row(
    func: &str,
    r: std::result::Result<Uplift, CustomerError>,
    level: f64,
    n_promo: usize,
    n_base: usize,
) -> Result<ScalarValue> {
    let row = match r {
        Ok(u) => vec![
            Val::F64(Some(u.uplift)),
            Val::F64(u.lo),
            Val::F64(u.hi),
            Val::F64(u.p_value),
            Val::F64(Some(u.level)),
            Val::F64(u.log_ratio),
            Val::F64(u.se_log),
            Val::I64(Some(u.n_promo as i64)),
            Val::I64(Some(u.n_baseline as i64)),
        ],
        Err(e) if is_insufficient(&e) => vec![
            Val::F64(None),
            Val::F64(None),
            Val::F64(None),
            Val::F64(None),
            Val::F64(Some(level)),
            Val::F64(None),
            Val::F64(None),
            Val::I64(Some(n_promo as i64)),
            Val::I64(Some(n_base as i64)),
        ],
        Err(e) => return Err(model_error(func, e)),
    };
    struct_scalar(&uplift_type(), row)
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_CUSTOMER,
        "Promotion uplift of the group (GROUP BY sku_id, or sku_id and store_id): mean units on \
         promotion rows over mean units on the other (baseline) rows, with a confidence interval \
         from the delta method on the log ratio (Welch: independent samples, \
         Welch-Satterthwaite degrees of freedom) and the two-sided p-value of 'no uplift' \
         (ratio 1). Returns a struct {uplift, lo, hi, p_value, level, log_ratio, se_log, \
         n_promo, n_base}. Include zero-sales rows (daily_sales has them) or the baseline is \
         overstated; baseline rows are every non-promotion row of the group, so seasonality is \
         not removed — compare with promo_uplift_paired against a baseline forecast when one \
         exists. The interval is a large-sample approximation: with a handful of days read it \
         as indicative. uplift and the interval are NULL when one side has no rows or the \
         baseline units are all 0; the interval alone is NULL with fewer than 2 rows on a side \
         or no promotion sales; lo = hi = uplift when both sides are constant. Rows with a NULL \
         argument are skipped; a group with no rows gives NULL, as does a NULL level. Errors: \
         negative, NaN or infinite units (SQLSTATE 22000); level outside (0, 1) (22023).",
        "promo_uplift(units, on_promo[, level])",
    )
    .with_sql_example(
        "SELECT sku_id, u['uplift'], u['lo'], u['hi'], u['p_value']\n\
         FROM (SELECT sku_id, promo_uplift(units, promo) AS u FROM daily_sales GROUP BY sku_id)\n\
         WHERE u['n_promo'] > 0;",
    )
    .with_argument("units", "Units sold in the row (a day), >= 0; zero-sales rows included.")
    .with_argument(
        "on_promo",
        "Whether the row is a promotion period: a BOOLEAN (or a number, non-zero = true).",
    )
    .with_argument(
        "level",
        "Confidence level of the interval, a constant in (0, 1). Optional, default 0.95.",
    )
    .build()
    });

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 2, uplift_type(), &DOC, finish)
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let (u, flag) = (data[0].f64s(), data[1].f64s());
    check_units(NAME, "units", u)?;
    let (mut promo, mut base) = (Vec::new(), Vec::new());
    for (v, f) in u.iter().zip(flag) {
        if *f != 0.0 {
            promo.push(*v)
        } else {
            base.push(*v)
        }
    }
    let level = opts.f64(0);
    uplift_row(
        NAME,
        promo_uplift(&promo, &base, level),
        level,
        promo.len(),
        base.len(),
    )
}
