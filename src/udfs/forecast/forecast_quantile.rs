//! `forecast_quantile(forecast, p)`: a quantile path (or one period's quantile) of a forecast,
//! for the replenishment functions.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, Float64Array, Float64Builder, ListArray, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::error::SqlError;
use crate::udfs::docs::SECTION_FORECAST;
use crate::udfs::{as_f64, to_arrays};

const NAME: &str = "forecast_quantile";

/// The fixed fields and the probability each one is.
const FIXED: [(f64, &str); 5] = [
    (0.5, "yhat"),
    (0.1, "yhat_lo_80"),
    (0.9, "yhat_hi_80"),
    (0.025, "yhat_lo_95"),
    (0.975, "yhat_hi_95"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        "The forecast quantile at probability p, for replenishment: given the list that \
         forecast or forecast_x returns it gives the list of per-period values (next period \
         first) that the inventory functions take as means, lo and hi (e.g. \
         safety_stock_from_intervals(0.95, forecast_quantile(fc, 0.5), \
         forecast_quantile(fc, 0.1), forecast_quantile(fc, 0.9), 0.8, 7)); given one period's \
         struct (after unnest) it gives that period's value. p = 0.5 is yhat (the point \
         forecast, the model's mean); 0.1 and 0.9 are yhat_lo_80 and yhat_hi_80; 0.025 and \
         0.975 are yhat_lo_95 and yhat_hi_95; any other p must have been asked for with the \
         forecast option quantiles=... (e.g. quantiles=0.95,0.99), else the call fails with \
         22023 listing the probabilities available. NULL forecast or NULL p gives NULL; p \
         must be strictly between 0 and 1 (22023). An empty list gives an empty list.",
        "forecast_quantile(forecast, p)",
    )
    .with_sql_example(
        r#"SELECT sku_id, store_id, forecast_quantile(fc, 0.95) AS q95
FROM (SELECT sku_id, store_id,
             forecast(date, units, 14, 'quantiles=0.95', NOT stockout) AS fc
      FROM daily_sales WHERE sku_id = 1001 GROUP BY sku_id, store_id);"#,
    )
    .with_argument(
        "forecast",
        "The list returned by forecast/forecast_x, or one struct of it (a period).",
    )
    .with_argument("p", "Probability, strictly between 0 and 1.")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
struct ForecastQuantile {
    signature: Signature,
}

pub fn udf() -> ScalarUDF {
    let signature = Signature::user_defined(Volatility::Immutable)
        .with_parameter_names(vec!["forecast", "p"])
        .expect("two names for two parameters");
    ScalarUDF::new_from_impl(ForecastQuantile { signature })
}

fn item_fields_ok(t: &DataType) -> bool {
    let DataType::Struct(f) = t else { return false };
    FIXED.iter().all(|(_, n)| {
        f.iter()
            .any(|x| x.name() == n && x.data_type().is_numeric())
    })
}

fn type_error(msg: String) -> datafusion::error::DataFusionError {
    SqlError::new("42804", format!("{NAME}: {msg}"))
        .with_hint(format!("call it as {NAME}(forecast(...), 0.9)"))
        .into_df()
}

fn check(arg_types: &[DataType]) -> Result<bool> {
    if arg_types.len() != 2 {
        return Err(SqlError::new(
            crate::error::codes::UNDEFINED_FUNCTION,
            format!("{NAME} takes 2 arguments, got {}", arg_types.len()),
        )
        .into_df());
    }
    if !(arg_types[1].is_numeric() || arg_types[1] == DataType::Null) {
        return Err(type_error(format!(
            "p must be a number, got {}",
            arg_types[1]
        )));
    }
    match &arg_types[0] {
        DataType::List(f) | DataType::LargeList(f) if item_fields_ok(f.data_type()) => Ok(true),
        t if item_fields_ok(t) => Ok(false),
        t => Err(type_error(format!(
            "forecast must be the list forecast() returns or one of its structs, got {t}"
        ))),
    }
}

/// The value of period `i` of the struct array `s` at probability `p`.
struct Reader<'a> {
    fixed: Vec<(f64, Float64Array)>,
    quantiles: Option<&'a ListArray>,
}

impl<'a> Reader<'a> {
    fn new(s: &'a StructArray) -> Result<Reader<'a>> {
        let mut fixed = Vec::new();
        for (p, n) in FIXED {
            let c = s.column_by_name(n).expect("checked at planning");
            let c = as_f64(c)?;
            fixed.push((p, c.as_ref().clone()));
        }
        let quantiles = s
            .column_by_name("quantiles")
            .and_then(|c| c.as_list_opt::<i32>());
        Ok(Reader { fixed, quantiles })
    }

    fn value(&self, i: usize, p: f64) -> Result<Option<f64>> {
        for (fp, c) in &self.fixed {
            if (fp - p).abs() < 1e-9 {
                return Ok(if c.is_null(i) { None } else { Some(c.value(i)) });
            }
        }
        let mut have: Vec<f64> = FIXED.iter().map(|(p, _)| *p).collect();
        if let Some(q) = self.quantiles
            && !q.is_null(i)
        {
            let items = q.value(i);
            // The quantiles field is not checked at planning: a hand-built struct may carry
            // anything there (a non-struct item panicked here; found by tests/properties.rs).
            let bad =
                || type_error("quantiles must be a list of {p, value} structs of numbers".into());
            let items = items.as_struct_opt().ok_or_else(bad)?;
            if let (Some(ps), Some(vs)) = (items.column_by_name("p"), items.column_by_name("value"))
            {
                let ps = ps.as_primitive_opt::<Float64Type>().ok_or_else(bad)?;
                let vs = vs.as_primitive_opt::<Float64Type>().ok_or_else(bad)?;
                for k in 0..ps.len() {
                    if !ps.is_null(k) && (ps.value(k) - p).abs() < 1e-9 {
                        return Ok(if vs.is_null(k) {
                            None
                        } else {
                            Some(vs.value(k))
                        });
                    }
                    if !ps.is_null(k) {
                        have.push(ps.value(k));
                    }
                }
            }
        }
        have.sort_by(|a, b| a.total_cmp(b));
        Err(SqlError::invalid_argument(format!(
            "{NAME}: the forecast has no quantile at p = {p}; available: {}",
            have.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint(format!("add quantiles={p} to the forecast options"))
        .into_df())
    }
}

fn check_p(p: f64) -> Result<()> {
    if p > 0.0 && p < 1.0 {
        Ok(())
    } else {
        Err(SqlError::invalid_argument(format!(
            "{NAME}: p must be strictly between 0 and 1, got {p}"
        ))
        .into_df())
    }
}

impl ScalarUDFImpl for ForecastQuantile {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let mut t = arg_types.to_vec();
        if let Some(p) = t.get_mut(1)
            && (p.is_numeric() || *p == DataType::Null)
        {
            *p = DataType::Float64;
        }
        Ok(t)
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(if check(arg_types)? {
            DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
        } else {
            DataType::Float64
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let arrays = to_arrays(&args.args, n)?;
        let p = as_f64(&arrays[1])?;
        let fc = &arrays[0];
        let out: ArrayRef = match fc.data_type() {
            DataType::List(_) => {
                let list = fc.as_list::<i32>();
                let items = list.values().as_struct();
                let reader = Reader::new(items)?;
                let offsets = list.value_offsets();
                let mut values = Float64Builder::with_capacity(items.len());
                let mut out_offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                for r in 0..n {
                    let ok = !list.is_null(r) && !p.is_null(r);
                    if ok {
                        let pv = p.value(r);
                        check_p(pv)?;
                        for i in offsets[r] as usize..offsets[r + 1] as usize {
                            values.append_option(reader.value(i, pv)?);
                        }
                    }
                    valid.push(ok);
                    out_offsets.push(values.len() as i32);
                }
                Arc::new(ListArray::new(
                    Arc::new(Field::new_list_field(DataType::Float64, true)),
                    OffsetBuffer::new(out_offsets.into()),
                    Arc::new(values.finish()),
                    Some(valid.into()),
                ))
            }
            DataType::LargeList(_) => {
                let c = datafusion::arrow::compute::cast(
                    fc,
                    &DataType::List(Arc::new(Field::new_list_field(
                        fc.as_list::<i64>().values().data_type().clone(),
                        true,
                    ))),
                )?;
                let mut a = args;
                a.args[0] = ColumnarValue::Array(c);
                return self.invoke_with_args(a);
            }
            _ => {
                let s = fc.as_struct();
                let reader = Reader::new(s)?;
                let mut values = Float64Builder::with_capacity(n);
                for r in 0..n {
                    if s.is_null(r) || p.is_null(r) {
                        values.append_null();
                        continue;
                    }
                    check_p(p.value(r))?;
                    values.append_option(reader.value(r, p.value(r))?);
                }
                Arc::new(values.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}
