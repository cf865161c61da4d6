//! `bgnbd_p_alive(model, frequency, recency, age)`: probability that a customer is still active.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{CustomerUdf, Inputs, ModelKind, Param, arg_doc, get_f64, map_runs};
use crate::models::customer::bgnbd::BgNbdParams;
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "bgnbd_p_alive";
const PARAMS: &[Param] = &[
    Param::model("model", ModelKind::BgNbd),
    Param::num("frequency"),
    Param::num("recency"),
    Param::num("age"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Probability that a customer with history (frequency, recency, age) is still active under \
         a BG/NBD model (lifetimes' conditional_probability_alive; Fader, Hardie & Lee note 021). \
         Exactly 1 for frequency 0: the model lets customers drop out only right after a repeat \
         purchase. Churn risk is 1 - P(alive) (bgnbd_churn_risk keeps small risks precise). \
         Returns NULL when the model or any argument is NULL. Errors: NaN, infinite or negative \
         values, recency > age, recency > 0 with frequency 0 (SQLSTATE 22000); model parameters \
         that are not finite numbers > 0 (22023). A fractional frequency is accepted.",
        "bgnbd_p_alive(model, frequency, recency, age)",
    )
    .with_sql_example(
        "SELECT bgnbd_p_alive(named_struct('r', 0.243, 'alpha', 4.414, 'a', 0.793, 'b', 2.426),\n\
         \x20                    2, 30.43, 38.86);\n-- 0.7266",
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

/// BG/NBD parameters of every row as bit patterns (the run key), None for NULL rows.
pub(super) fn bgnbd_key(
    i: &Inputs,
    model: usize,
    nums: &[usize],
) -> Result<impl Fn(usize) -> Option<[u64; 4]> + use<>> {
    let m = i.model(model, ModelKind::BgNbd)?;
    let cols = nums.iter().map(|&c| i.num(c)).collect::<Result<Vec<_>>>()?;
    Ok(move |row: usize| {
        let mut p = [0.0; 4];
        if !m.get(row, &mut p) || cols.iter().any(|c| get_f64(c, row).is_none()) {
            return None;
        }
        Some(p.map(f64::to_bits))
    })
}

pub(super) fn bgnbd_params(i: &Inputs, k: &[u64; 4]) -> Result<BgNbdParams> {
    let [r, alpha, a, b] = k.map(f64::from_bits);
    BgNbdParams::new(r, alpha, a, b).map_err(|e| i.err(e))
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let key = bgnbd_key(i, 0, &[1, 2, 3])?;
    let (x, tx, age) = (i.num(1)?, i.num(2)?, i.num(3)?);
    map_runs(i.rows, key, |k, rows| {
        let p = bgnbd_params(i, k)?;
        rows.iter()
            .map(|&r| {
                p.p_alive(x.value(r), tx.value(r), age.value(r))
                    .map_err(|e| i.err(e))
            })
            .collect()
    })
}
