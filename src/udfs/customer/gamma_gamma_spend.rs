//! `gamma_gamma_spend(model, frequency, monetary)`: expected average spend per transaction.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{CustomerUdf, Inputs, ModelKind, Param, arg_doc, get_f64, map_runs};
use crate::models::customer::gamma_gamma::GammaGammaParams;
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "gamma_gamma_spend";
const PARAMS: &[Param] = &[
    Param::model("model", ModelKind::GammaGamma),
    Param::num("frequency"),
    Param::num("monetary"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Expected average spend per transaction of a customer under a Gamma-Gamma model \
         (lifetimes' conditional_expected_average_profit): the customer's own mean shrunk \
         towards the population mean p v / (q - 1), with weight p x / (p x + q - 1) on their own. \
         Frequency 0 gives the population mean (monetary is then ignored). Returns NULL when the \
         model or any argument is NULL. Errors: NaN, infinite or negative frequency or monetary \
         (SQLSTATE 22000); model parameters that are not finite numbers > 0 (22023); q <= 1, \
         where the mean spend is infinite (22000: refit).",
        "gamma_gamma_spend(model, frequency, monetary)",
    )
    .with_sql_example(
        "SELECT gamma_gamma_spend(named_struct('p', 6.249, 'q', 3.745, 'v', 15.448), 2, 22.35);\n\
         -- about 24.66",
    )
    .with_argument("model", arg_doc::GG_MODEL)
    .with_argument("frequency", arg_doc::FREQUENCY)
    .with_argument("monetary", arg_doc::MONETARY)
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Float64, &DOC, kernel)
}

/// Gamma-Gamma parameters of every row as bit patterns, None for NULL rows.
pub(super) fn gg_key(
    i: &Inputs,
    model: usize,
    nums: &[usize],
) -> Result<impl Fn(usize) -> Option<[u64; 3]> + use<>> {
    let m = i.model(model, ModelKind::GammaGamma)?;
    let cols = nums.iter().map(|&c| i.num(c)).collect::<Result<Vec<_>>>()?;
    Ok(move |row: usize| {
        let mut p = [0.0; 3];
        if !m.get(row, &mut p) || cols.iter().any(|c| get_f64(c, row).is_none()) {
            return None;
        }
        Some(p.map(f64::to_bits))
    })
}

pub(super) fn gg_params(i: &Inputs, k: &[u64; 3]) -> Result<GammaGammaParams> {
    let [p, q, v] = k.map(f64::from_bits);
    GammaGammaParams::new(p, q, v).map_err(|e| i.err(e))
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let key = gg_key(i, 0, &[1, 2])?;
    let (x, m) = (i.num(1)?, i.num(2)?);
    map_runs(i.rows, key, |k, rows| {
        let p = gg_params(i, k)?;
        rows.iter()
            .map(|&r| {
                p.expected_average_spend(x.value(r), m.value(r))
                    .map_err(|e| i.err(e))
            })
            .collect()
    })
}
