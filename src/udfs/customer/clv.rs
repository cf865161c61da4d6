//! `clv(bgnbd_model, gamma_gamma_model, frequency, recency, age, monetary[, months,
//! discount_rate, margin, time_unit])`: discounted customer lifetime value.
use std::sync::LazyLock;

use datafusion::arrow::array::{ArrayRef, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::bgnbd_p_alive::{bgnbd_key, bgnbd_params};
use super::common::{CustomerUdf, Inputs, ModelKind, Param, arg_doc, arg_error, get_f64, map_runs};
use super::gamma_gamma_spend::{gg_key, gg_params};
use crate::models::customer::clv::{ClvOptions, TimeUnit, customer_lifetime_values};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "clv";
const PARAMS: &[Param] = &[
    Param::model("bgnbd_model", ModelKind::BgNbd),
    Param::model("gamma_gamma_model", ModelKind::GammaGamma),
    Param::num("frequency"),
    Param::num("recency"),
    Param::num("age"),
    Param::num("monetary"),
    Param::num_or("months", 12.0),
    Param::num_or("discount_rate", 0.01),
    Param::num_or("margin", 1.0),
    Param::text_or("time_unit", "day"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Customer lifetime value over a horizon: for each month k = 1..months, the BG/NBD \
         expected purchases in month k times the Gamma-Gamma expected spend, discounted by \
         (1 + discount_rate)^k, times margin — exactly lifetimes' \
         GammaGammaFitter.customer_lifetime_value (months = its time, discount_rate per month, \
         time_unit = its freq) when margin = 1. A month is 30 days, 4.345 weeks, 720 hours or 1 \
         month as lifetimes defines it. Returns NULL when a model or any argument is NULL. \
         Errors: NaN, infinite or negative history or monetary, recency > age (SQLSTATE 22000); \
         months not a whole number in 1..1200, discount_rate outside [0, 1), margin outside \
         [0, 1], an unknown time_unit, invalid model parameters (22023); Gamma-Gamma q <= 1 \
         (infinite mean spend, 22000); a value that overflows (22003).",
        "clv(bgnbd_model, gamma_gamma_model, frequency, recency, age, monetary[, months, discount_rate, margin, time_unit])",
    )
    .with_sql_example(
        "SELECT customer_id,\n\
         \x20      clv(f.bg, f.gg, frequency, recency, age, monetary, months => 12,\n\
         \x20          discount_rate => 0.01, margin => 0.3) AS clv_12m\n\
         FROM customer_segments\n\
         CROSS JOIN (SELECT bgnbd_fit(frequency, recency, age) AS bg,\n\
         \x20                  gamma_gamma_fit(frequency, monetary) AS gg\n\
         \x20           FROM customer_segments) f;",
    )
    .with_argument("bgnbd_model", arg_doc::BGNBD_MODEL)
    .with_argument("gamma_gamma_model", arg_doc::GG_MODEL)
    .with_argument("frequency", arg_doc::FREQUENCY)
    .with_argument("recency", arg_doc::RECENCY)
    .with_argument("age", arg_doc::AGE)
    .with_argument("monetary", arg_doc::MONETARY)
    .with_argument("months", "Horizon in months, a whole number 1..1200. Optional, default 12.")
    .with_argument(
        "discount_rate",
        "Discount rate per month, in [0, 1) (0.01 = 1 % a month). Optional, default 0.01.",
    )
    .with_argument(
        "margin",
        "Profit margin applied to spend, in [0, 1]; 1 gives revenue (lifetimes). Optional, \
         default 1.",
    )
    .with_argument(
        "time_unit",
        "Unit of recency and age: 'day', 'week', 'hour' or 'month' (also 'd', 'w', 'h', 'm'). \
         Optional, default 'day'.",
    )
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Float64, &DOC, kernel)
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let bg_key = bgnbd_key(i, 0, &[2, 3, 4, 5])?;
    let gg_key = gg_key(i, 1, &[])?;
    let (months, rate, margin) = (i.num(6)?, i.num(7)?, i.num(8)?);
    let unit = i.text(9)?;
    let (x, tx, age, m) = (i.num(2)?, i.num(3)?, i.num(4)?, i.num(5)?);
    let key = |r: usize| {
        let unit = if datafusion::arrow::array::Array::is_null(&unit, r) {
            return None;
        } else {
            unit.value(r).to_string()
        };
        Some((
            bg_key(r)?,
            gg_key(r)?,
            [
                get_f64(&months, r)?,
                get_f64(&rate, r)?,
                get_f64(&margin, r)?,
            ]
            .map(f64::to_bits),
            unit,
        ))
    };
    map_runs(i.rows, key, |(bk, gk, o, unit), rows| {
        let bg = bgnbd_params(i, bk)?;
        let gg = gg_params(i, gk)?;
        let [months, rate, margin] = o.map(f64::from_bits);
        if !(months.fract() == 0.0 && (1.0..=1200.0).contains(&months)) {
            return Err(arg_error(
                NAME,
                "months",
                format!("must be a whole number between 1 and 1200, got {months}"),
            ));
        }
        let opts = ClvOptions {
            months: months as u32,
            discount_rate: rate,
            margin,
            time_unit: TimeUnit::parse(unit).map_err(|e| i.err(e))?,
        };
        let pick = |a: &Float64Array| -> Vec<f64> { rows.iter().map(|&r| a.value(r)).collect() };
        customer_lifetime_values(
            &bg,
            &gg,
            &pick(&x),
            &pick(&tx),
            &pick(&age),
            &pick(&m),
            &opts,
        )
        .map_err(|e| i.err(e))
    })
}
