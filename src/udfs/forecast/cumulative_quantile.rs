//! `cumulative_quantile(cumulative_quantiles, p)`: one probability's value from a forecast
//! period's `cumulative_quantiles` list (the quantiles of total demand from the first forecast
//! period through this one), interpolated between the probabilities the forecast reported.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Builder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::error::SqlError;
use crate::models::inventory::forecast_quantiles::quantile_from_points;
use crate::udfs::docs::SECTION_FORECAST;
use crate::udfs::{as_f64, to_arrays};

const NAME: &str = "cumulative_quantile";
const PARAMS: [&str; 2] = ["cumulative_quantiles", "p"];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        "The quantile at probability p of total demand from the first forecast period through \
         this one, from a forecast period's cumulative_quantiles list (forecast option \
         cumulative_quantiles=0.9,0.95,...; the column of the same name in \
         demand_forecast_location). A p the forecast reported is returned as is; a p between \
         two reported ones is interpolated linearly in the normal score Φ⁻¹(p), one beyond them \
         extrapolated along the nearest two (the normal shape; exact for normal totals). NaN \
         values (the model had too few in-sample errors) are skipped. NULL when the list or p \
         is NULL, or no value is usable (an empty list: the option was not given; a single \
         reported p other than p). Errors (SQLSTATE 22023): p outside (0, 1).",
        "cumulative_quantile(cumulative_quantiles, p)",
    )
    .with_sql_example(
        "SELECT ds, yhat, cumulative_quantile(cumulative_quantiles, 0.95) AS total_q95\n\
         FROM demand_forecast_location WHERE sku_id = 1001 AND store_id = 1 ORDER BY ds;",
    )
    .with_argument(
        "cumulative_quantiles",
        "One forecast period's list of {p, value} (forecast(...)['cumulative_quantiles'] after \
         unnest).",
    )
    .with_argument("p", "Probability, strictly between 0 and 1.")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
struct CumulativeQuantile {
    signature: Signature,
}

pub fn udf() -> ScalarUDF {
    let signature = Signature::user_defined(Volatility::Immutable)
        .with_parameter_names(PARAMS.to_vec())
        .expect("one name per parameter");
    ScalarUDF::new_from_impl(CumulativeQuantile { signature })
}

/// `LIST<STRUCT<p, value>>` with numeric p and value, or NULL.
fn is_quantile_list(t: &DataType) -> bool {
    let item = match t {
        DataType::Null => return true,
        DataType::List(f) | DataType::LargeList(f) => f.data_type(),
        _ => return false,
    };
    match item {
        DataType::Struct(fs) => ["p", "value"].iter().all(|n| {
            fs.iter()
                .any(|f| f.name() == n && f.data_type().is_numeric())
        }),
        _ => false,
    }
}

fn accepts(i: usize, t: &DataType) -> bool {
    if i == 0 {
        is_quantile_list(t)
    } else {
        t.is_numeric() || t == &DataType::Null
    }
}

fn expected(i: usize) -> &'static str {
    if i == 0 {
        "a list of {p, value} (a forecast period's cumulative_quantiles)"
    } else {
        "a number"
    }
}

impl ScalarUDFImpl for CumulativeQuantile {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        crate::udfs::args::check_arg_types(NAME, &PARAMS, 2, arg_types, accepts, expected)?;
        Ok(vec![arg_types[0].clone(), DataType::Float64])
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let arrays = to_arrays(&args.args, n)?;
        let p = as_f64(&arrays[1])?;
        let mut out = Float64Builder::with_capacity(n);
        let list = match arrays[0].data_type() {
            DataType::Null => {
                out.append_nulls(n);
                return Ok(ColumnarValue::Array(Arc::new(out.finish())));
            }
            DataType::LargeList(f) => cast(&arrays[0], &DataType::List(f.clone()))?,
            _ => arrays[0].clone(),
        };
        let list = list.as_list::<i32>();
        let items = list.values().as_struct();
        let column = |name: &str| -> Result<ArrayRef> {
            Ok(cast(
                items.column_by_name(name).expect("checked at planning"),
                &DataType::Float64,
            )?)
        };
        let (ps, vs) = (column("p")?, column("value")?);
        let (ps, vs) = (
            ps.as_primitive::<Float64Type>(),
            vs.as_primitive::<Float64Type>(),
        );
        let offsets = list.value_offsets();
        let mut points = Vec::new();
        for r in 0..n {
            if list.is_null(r) || p.is_null(r) {
                out.append_null();
                continue;
            }
            let pv = p.value(r);
            if !(pv > 0.0 && pv < 1.0) {
                return Err(SqlError::invalid_argument(format!(
                    "{NAME}: p must be strictly between 0 and 1, got {pv}"
                ))
                .with_hint("a probability such as 0.95, not 95")
                .into_df());
            }
            points.clear();
            for j in offsets[r] as usize..offsets[r + 1] as usize {
                if items.is_null(j) || ps.is_null(j) || vs.is_null(j) {
                    continue;
                }
                points.push((ps.value(j), vs.value(j)));
            }
            out.append_option(quantile_from_points(&points, pv));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}
