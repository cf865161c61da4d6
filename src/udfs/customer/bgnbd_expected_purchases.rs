//! `bgnbd_expected_purchases(model, t, frequency, recency, age)`: expected purchases in the next
//! `t` time units.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::bgnbd_p_alive::{bgnbd_key, bgnbd_params};
use super::common::{CustomerUdf, Inputs, ModelKind, Param, arg_doc, map_runs};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "bgnbd_expected_purchases";
const PARAMS: &[Param] = &[
    Param::model("model", ModelKind::BgNbd),
    Param::num("t"),
    Param::num("frequency"),
    Param::num("recency"),
    Param::num("age"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Expected number of purchases in the next t time units of a customer with history \
         (frequency, recency, age) under a BG/NBD model: Fader-Hardie-Lee eq. (10), lifetimes' \
         conditional_expected_number_of_purchases_up_to_time (within 1e-4 relative, usually \
         far closer). For a brand-new customer pass frequency = recency = age = 0. t = 0 gives \
         0. Huge frequencies do not overflow (the hypergeometric series is summed in log space). \
         Returns NULL when the model or any argument is NULL. Errors: NaN, infinite or negative \
         t or history, recency > age, recency > 0 with frequency 0 (SQLSTATE 22000); invalid \
         model parameters (22023); a result that is not finite, e.g. parameters at a pole such \
         as a = 1 exactly (22003).",
        "bgnbd_expected_purchases(model, t, frequency, recency, age)",
    )
    .with_sql_example(
        "SELECT bgnbd_expected_purchases(\n\
         \x20        named_struct('r', 0.243, 'alpha', 4.414, 'a', 0.793, 'b', 2.426),\n\
         \x20        10, 2, 30.43, 38.86);\n-- 0.3569",
    )
    .with_argument("model", arg_doc::BGNBD_MODEL)
    .with_argument(
        "t",
        "Horizon in the time unit of recency and age (days in the views), >= 0.",
    )
    .with_argument("frequency", arg_doc::FREQUENCY)
    .with_argument("recency", arg_doc::RECENCY)
    .with_argument("age", arg_doc::AGE)
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Float64, &DOC, kernel)
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let model_key = bgnbd_key(i, 0, &[2, 3, 4])?;
    let t = i.num(1)?;
    let (x, tx, age) = (i.num(2)?, i.num(3)?, i.num(4)?);
    // a run shares the model and the horizon, so the model caches the hypergeometric part per
    // distinct (frequency, age)
    let key = |r: usize| {
        let k = model_key(r)?;
        super::common::get_f64(&t, r).map(|t| (k, t.to_bits()))
    };
    map_runs(i.rows, key, |(k, t), rows| {
        let p = bgnbd_params(i, k)?;
        let pick = |a: &datafusion::arrow::array::Float64Array| -> Vec<f64> {
            rows.iter().map(|&r| a.value(r)).collect()
        };
        let res = p.predict(f64::from_bits(*t), &pick(&x), &pick(&tx), &pick(&age));
        Ok(res
            .map_err(|e| i.err(e))?
            .into_iter()
            .map(|(e, _)| e)
            .collect())
    })
}
