//! Shared argument handling for the SQL adapters: turning `ColumnarValue`s into plain values and
//! raising argument errors with a SQLSTATE.
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;

use crate::error::SqlError;

/// Turn every argument into an array of `number_rows` rows, so adapters can treat scalars and
/// columns alike.
pub fn to_arrays(args: &[ColumnarValue], number_rows: usize) -> Result<Vec<ArrayRef>> {
    args.iter()
        .map(|a| a.clone().into_array(number_rows))
        .collect()
}

/// View an argument as Float64 (integers and decimals are cast; NULL stays NULL).
pub fn as_f64(array: &ArrayRef) -> Result<Arc<Float64Array>> {
    let cast = if array.data_type() == &DataType::Float64 {
        array.clone()
    } else {
        cast(array, &DataType::Float64)?
    };
    Ok(Arc::new(
        cast.as_any()
            .downcast_ref::<Float64Array>()
            .cloned()
            .expect("cast to Float64 yields Float64Array"),
    ))
}

/// `22023 invalid_parameter_value` for function `func`, argument `arg`.
pub fn invalid_arg(func: &str, arg: &str, problem: impl std::fmt::Display) -> SqlError {
    SqlError::invalid_argument(format!("{func}: {arg} {problem}"))
}

/// The value at row `i`, or None when it is NULL.
pub fn opt_f64(a: &Float64Array, i: usize) -> Option<f64> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

/// The argument-count and per-argument type check of an aggregate (`params[..required]`
/// required, the rest optional trailing arguments; `required == params.len()` for none):
/// 42883 for a wrong count, 42804 for a wrong type, both with the call shape as the hint.
pub fn check_arg_types(
    name: &str,
    params: &[&str],
    required: usize,
    arg_types: &[DataType],
    accepts: impl Fn(usize, &DataType) -> bool,
    expected: impl Fn(usize) -> &'static str,
) -> Result<()> {
    let all_required = required == params.len();
    let shape = if all_required {
        format!("{name}({})", params.join(", "))
    } else {
        format!(
            "{name}({} [, {}])",
            params[..required].join(", "),
            params[required..].join(", ")
        )
    };
    if arg_types.len() < required || arg_types.len() > params.len() {
        let count = if all_required {
            format!("{required}")
        } else {
            format!("{required} to {}", params.len())
        };
        return Err(SqlError::new(
            crate::error::codes::UNDEFINED_FUNCTION,
            format!("{name} takes {count} arguments, got {}", arg_types.len()),
        )
        .with_hint(format!("call it as {shape}"))
        .into_df());
    }
    for (i, t) in arg_types.iter().enumerate() {
        if !accepts(i, t) {
            return Err(SqlError::new(
                "42804",
                format!(
                    "{name}: argument {} must be {}, got {t}",
                    params[i],
                    expected(i)
                ),
            )
            .with_hint(format!("call it as {shape}"))
            .into_df());
        }
    }
    Ok(())
}
