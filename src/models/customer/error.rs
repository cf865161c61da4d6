//! The one error type of the customer models.
//!
//! Every message says what was wrong, with the offending value, and where it helps how to fix it,
//! so the SQL adapters can pass it through unchanged. [`CustomerError::sqlstate`] gives the
//! PostgreSQL error class the adapters should report.

use std::fmt;

/// What went wrong in a customer model. The `String` is the complete, user-facing message.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerError {
    /// A scalar argument (option, threshold, rate) is outside its domain:
    /// "discount rate must be in [0, 1), got 1.5".
    InvalidParameter(String),
    /// A value in the input data is unusable (NaN, negative, inconsistent with another column);
    /// the message names the column and the 0-based row.
    InvalidValue(String),
    /// Input slices that must be parallel have different lengths.
    LengthMismatch(String),
    /// There is nothing (or too little) to fit.
    Empty(String),
    /// The data cannot identify the model (e.g. nobody ever bought twice); a penalizer or more
    /// data is needed. Never papered over with NaN.
    Degenerate(String),
    /// The optimiser did not reach a stationary point.
    NotConverged(String),
    /// A result would not be a finite number (overflow in a prediction, a parameter at a pole).
    NonFinite(String),
}

impl CustomerError {
    /// PostgreSQL SQLSTATE for the adapters: `22023` (invalid_parameter_value) for bad arguments,
    /// `22003` (numeric_value_out_of_range) for results that would overflow, `22000`
    /// (data_exception) for bad, too little or degenerate data. None of these is an internal
    /// error, so `XX000` is never used.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            CustomerError::InvalidParameter(_) => "22023",
            CustomerError::InvalidValue(_) => "22000",
            CustomerError::LengthMismatch(_) => "22000",
            CustomerError::Empty(_) => "22000",
            CustomerError::Degenerate(_) => "22000",
            CustomerError::NotConverged(_) => "22000",
            CustomerError::NonFinite(_) => "22003",
        }
    }

    /// The message without the category.
    pub fn message(&self) -> &str {
        match self {
            CustomerError::InvalidParameter(m)
            | CustomerError::InvalidValue(m)
            | CustomerError::LengthMismatch(m)
            | CustomerError::Empty(m)
            | CustomerError::Degenerate(m)
            | CustomerError::NotConverged(m)
            | CustomerError::NonFinite(m) => m,
        }
    }
}

impl fmt::Display for CustomerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for CustomerError {}

/// Result alias used throughout the customer models.
pub type Result<T> = std::result::Result<T, CustomerError>;

// ---- small validation helpers shared by the models (kept here so every model words its
// ---- messages the same way)

/// All slices must have the length of the first; `names` label them in the message.
pub(crate) fn check_lengths(names: &[&str], lens: &[usize]) -> Result<usize> {
    let n = lens.first().copied().unwrap_or(0);
    for (name, &len) in names.iter().zip(lens).skip(1) {
        if len != n {
            return Err(CustomerError::LengthMismatch(format!(
                "{} has {} values but {} has {}; the columns must be parallel",
                names[0], n, name, len
            )));
        }
    }
    Ok(n)
}

/// A finite value.
pub(crate) fn check_finite(column: &str, row: usize, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(CustomerError::InvalidValue(format!(
            "{column} at row {row} must be a finite number, got {v}"
        )))
    }
}

/// A finite, non-negative value.
pub(crate) fn check_non_negative(column: &str, row: usize, v: f64) -> Result<f64> {
    check_finite(column, row, v)?;
    if v < 0.0 {
        return Err(CustomerError::InvalidValue(format!(
            "{column} at row {row} must be >= 0, got {v}"
        )));
    }
    Ok(v)
}

/// A scalar argument that must be finite and inside `[lo, hi]` / `[lo, hi)`.
pub(crate) fn check_param_range(
    name: &str,
    v: f64,
    lo: f64,
    hi: f64,
    hi_inclusive: bool,
) -> Result<f64> {
    let ok = v.is_finite() && v >= lo && if hi_inclusive { v <= hi } else { v < hi };
    if ok {
        Ok(v)
    } else {
        let close = if hi_inclusive { "]" } else { ")" };
        Err(CustomerError::InvalidParameter(format!(
            "{name} must be in [{lo}, {hi}{close}, got {v}"
        )))
    }
}
