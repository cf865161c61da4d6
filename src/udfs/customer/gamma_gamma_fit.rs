//! `gamma_gamma_fit(frequency, monetary[, penalizer])`: the Gamma-Gamma spend model.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, arg_doc, model_error, struct_scalar, struct_type,
};
use crate::models::customer::gamma_gamma::{GammaGammaOptions, fit_gamma_gamma};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "gamma_gamma_fit";
const PARAMS: &[Param] = &[
    Param::num("frequency"),
    Param::num("monetary"),
    Param::num_or("penalizer", 0.0),
];

pub(super) fn model_type() -> DataType {
    struct_type(&[
        ("p", DataType::Float64),
        ("q", DataType::Float64),
        ("v", DataType::Float64),
        ("log_likelihood", DataType::Float64),
        ("n", DataType::Int64),
    ])
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Fits the Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005) by \
         maximum likelihood, exactly as lifetimes' GammaGammaFitter (parameters within 1e-5 \
         relative on CDNOW). Returns a struct {p, q, v, log_likelihood, n} (v in the money unit \
         of the data; n = customers fitted). Pass it to gamma_gamma_spend and clv. Only \
         customers with at least one repeat purchase carry spend information: rows with \
         frequency = 0 are skipped (lifetimes asks you to filter them), as are rows with a NULL \
         argument; a group with no repeat customer gives NULL, as does a NULL penalizer. Errors \
         (SQLSTATE 22000): NaN, infinite or negative values, a fractional frequency, a monetary \
         value <= 0 for a repeat customer (exclude zero-spend customers), and data with no \
         heterogeneity to fit (everyone spends the same). The model assumes spend does not \
         depend on purchase frequency; check that correlation before relying on it.",
        "gamma_gamma_fit(frequency, monetary[, penalizer])",
    )
    .with_sql_example(
        "SELECT g['p'], g['q'], g['v']\n\
         FROM (SELECT gamma_gamma_fit(frequency, monetary) AS g FROM customer_segments);",
    )
    .with_argument("frequency", arg_doc::FREQUENCY)
    .with_argument(
        "monetary",
        "Mean value of the customer's repeat purchases (lifetimes' monetary_value), > 0 for \
         customers with frequency > 0.",
    )
    .with_argument("penalizer", arg_doc::PENALIZER)
    .build()
});

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 2, model_type(), &DOC, finish)
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let (x, m) = (data[0].f64s(), data[1].f64s());
    // frequency 0 carries no spend information; NaN is kept so the model reports it
    let mut rows: Vec<(f64, f64)> = x
        .iter()
        .zip(m)
        .filter(|(x, _)| **x != 0.0)
        .map(|(a, b)| (*a, *b))
        .collect();
    // sums in a fixed order, whatever order the partitions delivered the rows in
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let (xs, ms): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
    if xs.is_empty() {
        return ScalarValue::try_from(&model_type());
    }
    let o = GammaGammaOptions {
        penalizer: opts.f64(0),
        ..Default::default()
    };
    let fit = fit_gamma_gamma(&xs, &ms, &o).map_err(|e| model_error(NAME, e))?;
    let p = fit.params;
    struct_scalar(
        &model_type(),
        vec![
            Val::F64(Some(p.p)),
            Val::F64(Some(p.q)),
            Val::F64(Some(p.v)),
            Val::F64(Some(fit.log_likelihood)),
            Val::I64(Some(fit.n_customers as i64)),
        ],
    )
}
