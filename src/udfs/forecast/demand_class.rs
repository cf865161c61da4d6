//! `demand_class(adi, cv2)`: the Syntetos–Boylan demand pattern of a series.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::udfs::docs::SECTION_FORECAST;
use crate::udfs::{as_f64, invalid_arg, opt_f64, to_arrays};

/// Syntetos–Boylan cut-offs (Syntetos, Boylan & Croston 2005): average inter-demand interval
/// 1.32 and squared coefficient of variation of non-zero demand 0.49 — the ones the forecast
/// models' classification (and `demand_profile`, method `auto`) use.
use crate::models::forecast::classify::{ADI_CUTOFF, CV2_CUTOFF};

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        "Classifies a demand pattern by the Syntetos–Boylan scheme from its average inter-demand \
         interval (ADI) and the squared coefficient of variation of its non-zero demands (CV²): \
         'smooth' (ADI < 1.32, CV² < 0.49), 'erratic' (ADI < 1.32, CV² >= 0.49), 'intermittent' \
         (ADI >= 1.32, CV² < 0.49) or 'lumpy' (ADI >= 1.32, CV² >= 0.49) — the classes demand_profile and forecast's \
         method auto use. Returns NULL when either argument is NULL. NaN, infinite, negative values and ADI < 1 are errors \
         (SQLSTATE 22023): ADI is at least 1 by definition.",
        "demand_class(adi, cv2)",
    )
    .with_sql_example("SELECT demand_class(1.8, 0.3);\n-- intermittent")
    .with_argument("adi", "Average inter-demand interval in periods (>= 1).")
    .with_argument(
        "cv2",
        "Squared coefficient of variation of the non-zero demands (>= 0).",
    )
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DemandClass {
    signature: Signature,
}

impl DemandClass {
    pub fn new() -> Self {
        let signature = Signature::exact(
            vec![DataType::Float64, DataType::Float64],
            Volatility::Immutable,
        )
        .with_parameter_names(vec!["adi", "cv2"])
        .expect("two names for two parameters");
        Self { signature }
    }
}

impl Default for DemandClass {
    fn default() -> Self {
        Self::new()
    }
}

/// The class of one (adi, cv2) pair; the caller has validated the inputs.
fn classify(adi: f64, cv2: f64) -> &'static str {
    match (adi >= ADI_CUTOFF, cv2 >= CV2_CUTOFF) {
        (false, false) => "smooth",
        (false, true) => "erratic",
        (true, false) => "intermittent",
        (true, true) => "lumpy",
    }
}

impl ScalarUDFImpl for DemandClass {
    fn name(&self) -> &str {
        "demand_class"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = to_arrays(&args.args, args.number_rows)?;
        let adi = as_f64(&arrays[0])?;
        let cv2 = as_f64(&arrays[1])?;
        let mut out = StringBuilder::with_capacity(args.number_rows, args.number_rows * 8);
        for i in 0..args.number_rows {
            match (opt_f64(&adi, i), opt_f64(&cv2, i)) {
                (Some(a), Some(c)) => {
                    if !a.is_finite() || a < 1.0 {
                        return Err(invalid_arg("demand_class", "adi", format!("must be a finite number >= 1, got {a}"))
                            .with_hint("ADI is the mean number of periods between non-zero demands; compute it over a series with at least one sale.")
                            .into_df());
                    }
                    if !c.is_finite() || c < 0.0 {
                        return Err(invalid_arg(
                            "demand_class",
                            "cv2",
                            format!("must be a finite number >= 0, got {c}"),
                        )
                        .with_hint("CV² is (std/mean)² of the non-zero demands.")
                        .into_df());
                    }
                    out.append_value(classify(a, c));
                }
                _ => out.append_null(),
            }
        }
        let array = Arc::new(out.finish());
        Ok(ColumnarValue::Array(array))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn cutoffs_are_inclusive_on_the_upper_class() {
        assert_eq!(classify(1.0, 0.0), "smooth");
        assert_eq!(classify(1.32, 0.1), "intermittent");
        assert_eq!(classify(1.1, 0.49), "erratic");
        assert_eq!(classify(3.0, 2.0), "lumpy");
    }
}
