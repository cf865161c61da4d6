//! Errors that carry a PostgreSQL SQLSTATE, a message, and optionally a detail and a hint.
//!
//! Functions and the engine raise these wrapped in `DataFusionError::External`, so the wire server
//! can find the SQLSTATE again however deep DataFusion nested the error (see `server::sqlstate`).
use std::fmt;

use datafusion::error::DataFusionError;

/// Well-known SQLSTATE codes used across aisle.
pub mod codes {
    pub const SYNTAX_ERROR: &str = "42601";
    pub const UNDEFINED_TABLE: &str = "42P01";
    pub const UNDEFINED_COLUMN: &str = "42703";
    pub const UNDEFINED_FUNCTION: &str = "42883";
    pub const INVALID_PARAMETER_VALUE: &str = "22023";
    pub const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
    pub const DATA_EXCEPTION: &str = "22000";
    pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
    pub const OUT_OF_MEMORY: &str = "53200";
    pub const QUERY_CANCELED: &str = "57014";
    pub const TOO_MANY_CONNECTIONS: &str = "53300";
    pub const INVALID_PASSWORD: &str = "28P01";
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    pub const INTERNAL_ERROR: &str = "XX000";
    pub const CONFIG_FILE_ERROR: &str = "F0000";
    pub const IO_ERROR: &str = "58030";
}

/// A user-facing error with a SQLSTATE.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlError {
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl SqlError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        SqlError {
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    /// 22023: an argument has a value the function cannot use.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMETER_VALUE, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Wrap for returning through DataFusion.
    pub fn into_df(self) -> DataFusionError {
        DataFusionError::External(Box::new(self))
    }

    /// Find a `SqlError` inside a (possibly nested) DataFusion error.
    pub fn find_in(err: &DataFusionError) -> Option<&SqlError> {
        match err {
            DataFusionError::External(e) => e.downcast_ref::<SqlError>(),
            DataFusionError::Context(_, inner) => Self::find_in(inner),
            DataFusionError::Shared(inner) => Self::find_in(inner),
            DataFusionError::Diagnostic(_, inner) => Self::find_in(inner),
            DataFusionError::ArrowError(e, _) => match e.as_ref() {
                datafusion::arrow::error::ArrowError::ExternalError(inner) => {
                    inner.downcast_ref::<SqlError>().or_else(|| {
                        inner
                            .downcast_ref::<DataFusionError>()
                            .and_then(Self::find_in)
                    })
                }
                _ => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(d) = &self.detail {
            write!(f, "\nDETAIL: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nHINT: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}

impl From<SqlError> for DataFusionError {
    fn from(e: SqlError) -> Self {
        e.into_df()
    }
}
