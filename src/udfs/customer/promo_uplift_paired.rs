//! `promo_uplift_paired(actual, baseline[, level])`: uplift of actual units over a baseline
//! forecast of the same promotion periods.
use std::sync::LazyLock;

use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{ColData, CustomerUdaf, Options, Param};
use super::promo_uplift::{check_units, uplift_row, uplift_type};
use crate::models::customer::promo::promo_uplift_paired;
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "promo_uplift_paired";
const PARAMS: &[Param] = &[
    Param::num("actual"),
    Param::num("baseline"),
    Param::num_or("level", 0.95),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Promotion uplift against a baseline forecast: one row per promotion period (day) with \
         the actual units and the units a baseline forecast expected without the promotion. \
         uplift = mean actual / mean baseline; the interval is the delta method on the log \
         ratio for paired samples (n - 1 degrees of freedom), with the two-sided p-value of \
         'no uplift'. Returns the struct of promo_uplift {uplift, lo, hi, p_value, level, \
         log_ratio, se_log, n_promo, n_base} with n_promo = n_base = the rows used. uplift is \
         NULL when the baseline is 0 on every row; the interval is NULL with fewer than 2 rows \
         or no actual sales. Rows with a NULL argument are skipped; a group with no rows gives \
         NULL, as does a NULL level. Errors: negative, NaN or infinite units (SQLSTATE 22000); \
         level outside (0, 1) (22023).",
        "promo_uplift_paired(actual, baseline[, level])",
    )
    .with_sql_example(
        "-- one row per promotion day: units sold and a baseline forecast for that day\n\
         SELECT u['uplift'], u['lo'], u['hi']\n\
         FROM (SELECT promo_uplift_paired(actual, baseline) AS u\n\
         \x20     FROM (VALUES (30, 20.5), (28, 21.0), (35, 22.4), (31, 20.9)) AS t(actual, baseline));\n\
         -- 1.462 | 1.316 | 1.624",
    )
    .with_argument(
        "actual",
        "Units actually sold in the promotion period, >= 0.",
    )
    .with_argument(
        "baseline",
        "Units a baseline forecast expected for the same period without the promotion, >= 0.",
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
    let (a, b) = (data[0].f64s(), data[1].f64s());
    check_units(NAME, "actual units", a)?;
    check_units(NAME, "baseline units", b)?;
    let level = opts.f64(0);
    uplift_row(
        NAME,
        promo_uplift_paired(a, b, level),
        level,
        a.len(),
        b.len(),
    )
}
