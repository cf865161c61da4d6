//! The one error type of the inventory models, and the small validators every function uses.
//!
//! Messages name the argument, the valid range and the value, because they travel unchanged to a
//! planner's SQL client ("service level must be between 0 and 1 exclusive, got 1.2"). The SQL
//! adapters map every variant to SQLSTATE 22023 (invalid parameter value) except
//! [`InventoryError::NoConvergence`], which is an internal error (XX000) and should never happen.

use std::fmt;

/// What went wrong in an inventory calculation.
#[derive(Debug, Clone, PartialEq)]
pub enum InventoryError {
    /// A numeric argument is NaN, infinite or outside its valid range.
    /// `range` is written for people: "between 0 and 1 exclusive", "at least 0", ...
    OutOfRange {
        name: &'static str,
        range: &'static str,
        value: f64,
    },
    /// A slice is shorter than the calculation needs.
    TooShort {
        name: &'static str,
        needed: usize,
        got: usize,
    },
    /// Two slices that go together have different lengths.
    LengthMismatch {
        name: &'static str,
        other: &'static str,
        len: usize,
        other_len: usize,
    },
    /// A name-valued argument (a policy kind, a method) is not one of the accepted names.
    UnknownName {
        name: &'static str,
        got: String,
        expected: &'static str,
    },
    /// Two arguments are each valid but contradict each other (e.g. order-up-to below reorder point).
    Inconsistent { message: String },
    /// An iterative solver did not converge. Indicates a bug, not bad input.
    NoConvergence { what: &'static str },
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InventoryError::OutOfRange { name, range, value } => {
                write!(f, "{name} must be {range}, got {value}")
            }
            InventoryError::TooShort { name, needed, got } => {
                write!(f, "{name} must have at least {needed} value(s), got {got}")
            }
            InventoryError::LengthMismatch {
                name,
                other,
                len,
                other_len,
            } => write!(
                f,
                "{name} and {other} must have the same length, got {len} and {other_len}"
            ),
            InventoryError::UnknownName {
                name,
                got,
                expected,
            } => write!(f, "unknown {name} '{got}', expected one of: {expected}"),
            InventoryError::Inconsistent { message } => f.write_str(message),
            InventoryError::NoConvergence { what } => write!(
                f,
                "internal error: {what} did not converge (please report this with the input)"
            ),
        }
    }
}

impl std::error::Error for InventoryError {}

/// Result alias used throughout the inventory models.
pub type Result<T> = std::result::Result<T, InventoryError>;

fn out_of_range(name: &'static str, range: &'static str, value: f64) -> InventoryError {
    InventoryError::OutOfRange { name, range, value }
}

/// `value` must be a finite number (any sign).
pub(super) fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(out_of_range(name, "a finite number", value))
    }
}

/// `value` must be finite and `>= 0`.
pub(super) fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(out_of_range(name, "a finite number at least 0", value))
    }
}

/// `value` must be finite and `> 0`.
pub(super) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(out_of_range(name, "a finite number greater than 0", value))
    }
}

/// `value` must lie in the open interval (0, 1): service levels, fill rates, quantile levels.
pub(super) fn open_unit(name: &'static str, value: f64) -> Result<f64> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(out_of_range(name, "between 0 and 1 exclusive", value))
    }
}

/// `value` must lie in the closed interval [0, 1]: observed rates (on-time rate, reject rate).
pub(super) fn unit(name: &'static str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(out_of_range(name, "between 0 and 1 inclusive", value))
    }
}

/// Every element of `values` must be finite and `>= 0`; the error names the first bad element.
pub(super) fn all_non_negative(name: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        None => Ok(()),
        Some(&bad) => Err(out_of_range(name, "finite numbers at least 0", bad)),
    }
}

/// `values` must hold at least `needed` elements.
pub(super) fn at_least(name: &'static str, values: &[f64], needed: usize) -> Result<()> {
    if values.len() >= needed {
        Ok(())
    } else {
        Err(InventoryError::TooShort {
            name,
            needed,
            got: values.len(),
        })
    }
}

/// Two slices that travel together must have equal lengths.
pub(super) fn same_len(
    name: &'static str,
    a: &[f64],
    other: &'static str,
    b: &[f64],
) -> Result<()> {
    if a.len() == b.len() {
        Ok(())
    } else {
        Err(InventoryError::LengthMismatch {
            name,
            other,
            len: a.len(),
            other_len: b.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_argument_range_and_value() {
        let e = open_unit("service level", 1.2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "service level must be between 0 and 1 exclusive, got 1.2"
        );
        let e = non_negative("lead time", -3.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "lead time must be a finite number at least 0, got -3"
        );
        let e = positive("case pack", f64::NAN).unwrap_err();
        assert_eq!(
            e.to_string(),
            "case pack must be a finite number greater than 0, got NaN"
        );
        let e = at_least("history", &[1.0], 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "history must have at least 3 value(s), got 1"
        );
    }

    #[test]
    fn nan_is_rejected_everywhere() {
        assert!(finite("x", f64::NAN).is_err());
        assert!(non_negative("x", f64::NAN).is_err());
        assert!(positive("x", f64::NAN).is_err());
        assert!(open_unit("x", f64::NAN).is_err());
        assert!(unit("x", f64::NAN).is_err());
        assert!(all_non_negative("x", &[1.0, f64::NAN]).is_err());
    }
}
