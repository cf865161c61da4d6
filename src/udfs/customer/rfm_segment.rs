//! `rfm_segment(r, f, m)`: the named RFM segment of recency, frequency and monetary scores.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{CustomerUdf, Inputs, Param, arg_error, get_f64};
use crate::models::customer::rfm::{RFM_SEGMENTS, try_rfm_segment};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "rfm_segment";
const PARAMS: &[Param] = &[Param::num("r"), Param::num("f"), Param::num("m")];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    let names: Vec<String> = RFM_SEGMENTS
        .iter()
        .map(|(n, d)| format!("'{n}' ({d})"))
        .collect();
    Documentation::builder(
        SECTION_CUSTOMER,
        format!(
            "Names the RFM segment of a customer from quintile scores R, F and M (1..5, 5 = best: \
             most recent, most frequent, highest spend). The grid uses R and FM = (F + M) / 2 \
             rounded half up — R5: FM1 new, FM2-3 potential_loyalist, FM4-5 champions; R4: FM1 \
             promising, FM2-3 potential_loyalist, FM4-5 loyal; R3: FM1-2 about_to_sleep, FM3 \
             need_attention, FM4-5 loyal; R2: FM1-2 hibernating, FM3-4 at_risk, FM5 cant_lose; R1: \
             FM1-2 lost, FM3-4 at_risk, FM5 cant_lose. The eleven segments: {}. Scores are \
             NTILE(5) buckets; the customer_segments view computes them with ties shared (equal \
             values get the lowest NTILE score any of them got: \
             min(ntile(5) OVER (ORDER BY x, customer_id)) OVER (PARTITION BY x)), which equals the \
             model's default tie policy. Returns NULL when any score is NULL. A score that is not a \
             whole number between 1 and 5 (NaN included) is an error (SQLSTATE 22023).",
            names.join(", ")
        ),
        "rfm_segment(r, f, m)",
    )
    .with_sql_example("SELECT rfm_segment(5, 4, 5), rfm_segment(1, 1, 2);\n-- champions | lost")
    .with_argument("r", "Recency score 1..5 (5 = bought most recently).")
    .with_argument("f", "Frequency score 1..5 (5 = buys most often).")
    .with_argument("m", "Monetary score 1..5 (5 = spends the most).")
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Utf8, &DOC, kernel)
}

fn score(arg: &str, v: f64) -> Result<u8> {
    if v.is_finite() && v.fract() == 0.0 && (1.0..=5.0).contains(&v) {
        Ok(v as u8)
    } else {
        Err(arg_error(
            NAME,
            arg,
            format!("score must be a whole number between 1 and 5, got {v}"),
        ))
    }
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let (r, f, m) = (i.num(0)?, i.num(1)?, i.num(2)?);
    let mut out = StringBuilder::with_capacity(i.rows, i.rows * 10);
    for row in 0..i.rows {
        match (get_f64(&r, row), get_f64(&f, row), get_f64(&m, row)) {
            (Some(r), Some(f), Some(m)) => {
                let (r, f, m) = (score("r", r)?, score("f", f)?, score("m", m)?);
                out.append_value(try_rfm_segment(r, f, m).map_err(|e| i.err(e))?);
            }
            _ => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}
