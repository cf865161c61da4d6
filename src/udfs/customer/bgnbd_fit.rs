//! `bgnbd_fit(frequency, recency, age[, penalizer])`: the BG/NBD model of a customer base.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, arg_doc, model_error, model_threads, struct_scalar,
    struct_type,
};
use crate::models::customer::bgnbd::{BgNbdOptions, fit_bgnbd};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "bgnbd_fit";
const PARAMS: &[Param] = &[
    Param::num("frequency"),
    Param::num("recency"),
    Param::num("age"),
    Param::num_or("penalizer", 0.0),
];

/// The model struct; `bgnbd_*` scalars read r, alpha, a, b from it.
pub(super) fn model_type() -> DataType {
    struct_type(&[
        ("r", DataType::Float64),
        ("alpha", DataType::Float64),
        ("a", DataType::Float64),
        ("b", DataType::Float64),
        ("log_likelihood", DataType::Float64),
        ("n", DataType::Int64),
        ("n_repeat", DataType::Int64),
    ])
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Fits the BG/NBD model (Fader, Hardie & Lee 2005) by maximum likelihood over one row per \
         customer, exactly as lifetimes' BetaGeoFitter (parameters within 1e-5 relative on the \
         CDNOW data). Returns a struct {r, alpha, a, b, log_likelihood, n, n_repeat}: purchase \
         rates are Gamma(r, alpha) (alpha in the time unit of the data), the drop-out probability \
         after each purchase is Beta(a, b); log_likelihood is the total unpenalised \
         log-likelihood, n the customers fitted and n_repeat those with frequency > 0. Pass the \
         struct to bgnbd_p_alive, bgnbd_expected_purchases, bgnbd_churn_risk and clv. The fit \
         is over the whole group, so fit once and join: \
         CROSS JOIN (SELECT bgnbd_fit(frequency, recency, age) AS m FROM summary). Rows with a \
         NULL argument are skipped; a group with no rows gives NULL; a NULL penalizer gives NULL. \
         Errors (SQLSTATE 22000): NaN, infinite or negative values, a fractional frequency, \
         recency > age, recency > 0 with frequency 0, data in which nobody bought twice or whose \
         optimum lies on the boundary (nobody drops out: try a penalizer). A negative penalizer \
         is 22023.",
        "bgnbd_fit(frequency, recency, age[, penalizer])",
    )
    .with_sql_example(
        "SELECT m['r'], m['alpha'], m['a'], m['b']\n\
         FROM (SELECT bgnbd_fit(frequency, recency, age) AS m FROM customer_segments);",
    )
    .with_argument("frequency", arg_doc::FREQUENCY)
    .with_argument("recency", arg_doc::RECENCY)
    .with_argument("age", arg_doc::AGE)
    .with_argument("penalizer", arg_doc::PENALIZER)
    .build()
});

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 3, model_type(), &DOC, finish)
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let o = BgNbdOptions {
        penalizer: opts.f64(0),
        threads: model_threads(),
        ..Default::default()
    };
    let fit = fit_bgnbd(data[0].f64s(), data[1].f64s(), data[2].f64s(), &o)
        .map_err(|e| model_error(NAME, e))?;
    let p = fit.params;
    struct_scalar(
        &model_type(),
        vec![
            Val::F64(Some(p.r)),
            Val::F64(Some(p.alpha)),
            Val::F64(Some(p.a)),
            Val::F64(Some(p.b)),
            Val::F64(Some(fit.log_likelihood)),
            Val::I64(Some(fit.n_customers as i64)),
            Val::I64(Some(fit.n_repeat_customers as i64)),
        ],
    )
}
