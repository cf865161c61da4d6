//! `bgnbd_churn_risk(model, frequency, recency, age)`: 1 - P(alive).
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::bgnbd_p_alive::{bgnbd_key, bgnbd_params};
use super::common::{CustomerUdf, Inputs, ModelKind, Param, arg_doc, map_runs};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "bgnbd_churn_risk";
const PARAMS: &[Param] = &[
    Param::model("model", ModelKind::BgNbd),
    Param::num("frequency"),
    Param::num("recency"),
    Param::num("age"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Churn risk under a BG/NBD model: the probability that the customer has already dropped \
         out, 1 - bgnbd_p_alive(...), computed from the log-odds so that small risks keep their \
         precision. 0 for frequency 0. Returns NULL when the model or any argument is NULL. \
         Errors as bgnbd_p_alive: NaN, infinite or negative values, recency > age, recency > 0 \
         with frequency 0 (SQLSTATE 22000); invalid model parameters (22023).",
        "bgnbd_churn_risk(model, frequency, recency, age)",
    )
    .with_sql_example(
        "SELECT bgnbd_churn_risk(named_struct('r', 0.243, 'alpha', 4.414, 'a', 0.793, 'b', 2.426),\n\
         \x20                       2, 30.43, 38.86);\n-- 0.2734",
    )
    .with_argument("model", arg_doc::BGNBD_MODEL)
    .with_argument("frequency", arg_doc::FREQUENCY)
    .with_argument("recency", arg_doc::RECENCY)
    .with_argument("age", arg_doc::AGE)
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Float64, &DOC, kernel)
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let key = bgnbd_key(i, 0, &[1, 2, 3])?;
    let (x, tx, age) = (i.num(1)?, i.num(2)?, i.num(3)?);
    map_runs(i.rows, key, |k, rows| {
        let p = bgnbd_params(i, k)?;
        rows.iter()
            .map(|&r| {
                p.churn_risk(x.value(r), tx.value(r), age.value(r))
                    .map_err(|e| i.err(e))
            })
            .collect()
    })
}
