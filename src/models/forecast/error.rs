//! The one error type of the forecasting models.
//!
//! Messages name the argument, the valid range and the value, because they travel unchanged to a
//! planner's SQL client ("horizon must be between 1 and 10000, got 0"). Nothing in this module
//! panics on user input: every invalid argument or unusable history becomes one of these.
//!
//! Suggested SQLSTATE mapping for the SQL adapters: every variant is 22023 (invalid parameter
//! value) except [`ForecastError::Numerical`], which is 22000 (data exception: the data made the
//! model fail, e.g. an overflow), and [`ForecastError::UnknownMethod`] / [`ForecastError::UnknownOption`],
//! which are also 22023 but should list the valid names (they do, in the message).

use std::fmt;

/// What went wrong when fitting or forecasting one series.
#[derive(Debug, Clone, PartialEq)]
pub enum ForecastError {
    /// A numeric argument is NaN, infinite or outside its valid range.
    /// `range` is written for people: "between 1 and 10000", "strictly between 0 and 100", ...
    OutOfRange {
        name: &'static str,
        range: &'static str,
        value: f64,
    },
    /// The history has no values at all.
    Empty,
    /// Every value of the history is missing (NULL/NaN).
    AllMissing { len: usize },
    /// The history is shorter than the method needs.
    TooShort {
        method: String,
        needed: usize,
        got: usize,
    },
    /// A negative value was found and the negative-value policy is `Error`.
    Negative { index: usize, value: f64 },
    /// An infinite value in the history (NaN is "missing"; infinity is always an error).
    NonFinite { name: String, index: usize },
    /// A method name that does not exist.
    UnknownMethod { name: String, valid: &'static str },
    /// An option name that does not exist, or a value that cannot be parsed.
    UnknownOption { name: String, valid: &'static str },
    /// Two inputs that go together have different lengths (e.g. a regressor and the history).
    LengthMismatch {
        name: String,
        expected: usize,
        got: usize,
    },
    /// The method cannot use what was given (e.g. regressors with a method that ignores them,
    /// multiplicative seasonality on data with zeros).
    Unsupported { method: String, reason: String },
    /// The fit failed numerically (overflow, singular regression). Rare; names the cause.
    Numerical { what: String },
}

impl fmt::Display for ForecastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForecastError::OutOfRange { name, range, value } => {
                write!(f, "{name} must be {range}, got {value}")
            }
            ForecastError::Empty => {
                f.write_str("the history is empty: a forecast needs at least one observed value")
            }
            ForecastError::AllMissing { len } => write!(
                f,
                "all {len} values of the history are missing (NULL/NaN): nothing to fit"
            ),
            ForecastError::TooShort {
                method,
                needed,
                got,
            } => write!(
                f,
                "{method} needs at least {needed} observed values, got {got}; \
                 use a simpler method or method 'auto' (which falls back on short histories)"
            ),
            ForecastError::Negative { index, value } => write!(
                f,
                "negative value {value} at position {index} of the history; demand cannot be \
                 negative: set negatives to 'clamp' (treat as 0) or 'allow'"
            ),
            ForecastError::NonFinite { name, index } => write!(
                f,
                "{name} has an infinite value at position {index}; use NULL/NaN for a missing value"
            ),
            ForecastError::UnknownMethod { name, valid } => {
                write!(
                    f,
                    "unknown forecast method '{name}'; valid methods: {valid}"
                )
            }
            ForecastError::UnknownOption { name, valid } => {
                write!(f, "unknown or invalid option '{name}'; valid: {valid}")
            }
            ForecastError::LengthMismatch {
                name,
                expected,
                got,
            } => write!(f, "{name} must have {expected} values, got {got}"),
            ForecastError::Unsupported { method, reason } => write!(f, "{method}: {reason}"),
            ForecastError::Numerical { what } => write!(f, "numerical failure: {what}"),
        }
    }
}

impl std::error::Error for ForecastError {}

/// Checks that `value` lies in `[lo, hi]` and is finite.
pub(crate) fn check_range(
    name: &'static str,
    range: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
) -> Result<(), ForecastError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(ForecastError::OutOfRange { name, range, value })
    }
}
