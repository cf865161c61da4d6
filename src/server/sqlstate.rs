//! Map errors to PostgreSQL SQLSTATEs with message, detail and hint.
//!
//! An [`SqlError`] anywhere in the chain wins. Otherwise DataFusion's error is classified by its
//! variant and, for planning errors, by the shape of its message. User mistakes never get XX000;
//! XX000 is kept for DataFusion's own `Internal` errors and panics inside a query.
use datafusion::arrow::error::ArrowError;
use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use pgwire::error::{ErrorInfo, PgWireError};

use crate::error::SqlError;

pub const SYNTAX_ERROR: &str = "42601";
pub const UNDEFINED_TABLE: &str = "42P01";
pub const UNDEFINED_COLUMN: &str = "42703";
pub const UNDEFINED_FUNCTION: &str = "42883";
pub const UNDEFINED_OBJECT: &str = "42704";
pub const AMBIGUOUS_COLUMN: &str = "42702";
pub const DUPLICATE_COLUMN: &str = "42701";
pub const DUPLICATE_TABLE: &str = "42P07";
pub const DATATYPE_MISMATCH: &str = "42804";
pub const INDETERMINATE_DATATYPE: &str = "42P18";
pub const INVALID_SCHEMA_NAME: &str = "3F000";
pub const INVALID_PARAMETER_VALUE: &str = "22023";
pub const INVALID_TEXT_REPRESENTATION: &str = "22P02";
pub const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
pub const DIVISION_BY_ZERO: &str = "22012";
pub const DATA_EXCEPTION: &str = "22000";
pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
pub const OUT_OF_MEMORY: &str = "53200";
pub const TOO_MANY_CONNECTIONS: &str = "53300";
pub const QUERY_CANCELED: &str = "57014";
pub const ADMIN_SHUTDOWN: &str = "57P01";
pub const INVALID_PASSWORD: &str = "28P01";
pub const INVALID_AUTHORIZATION: &str = "28000";
pub const PROTOCOL_VIOLATION: &str = "08P01";
pub const IN_FAILED_TRANSACTION: &str = "25P02";
pub const INVALID_CURSOR_NAME: &str = "34000";
pub const DUPLICATE_CURSOR: &str = "42P03";
pub const UNDEFINED_PSTATEMENT: &str = "26000";
pub const IO_ERROR: &str = "58030";
pub const UNDEFINED_FILE: &str = "58P01";
pub const INTERNAL_ERROR: &str = "XX000";

/// A classified error, ready for an ErrorResponse.
#[derive(Debug, Clone, PartialEq)]
pub struct PgError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl PgError {
    pub fn new(code: &str, message: impl Into<String>) -> PgError {
        PgError {
            code: code.to_string(),
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> PgError {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> PgError {
        self.detail = Some(detail.into());
        self
    }

    pub fn canceled() -> PgError {
        PgError::new(QUERY_CANCELED, "canceling statement due to user request")
    }

    pub fn timeout() -> PgError {
        PgError::new(
            QUERY_CANCELED,
            "canceling statement due to statement timeout",
        )
    }

    pub fn shutdown() -> PgError {
        PgError::new(
            ADMIN_SHUTDOWN,
            "terminating connection due to administrator command",
        )
    }

    pub fn to_error_info(&self, severity: &str) -> ErrorInfo {
        let mut info = ErrorInfo::new(
            severity.to_string(),
            self.code.clone(),
            self.message.clone(),
        );
        info.detail = self.detail.clone();
        info.hint = self.hint.clone();
        info
    }

    pub fn into_pgwire(self) -> PgWireError {
        PgWireError::UserError(Box::new(self.to_error_info("ERROR")))
    }

    pub fn into_fatal(self) -> PgWireError {
        PgWireError::UserError(Box::new(self.to_error_info("FATAL")))
    }
}

impl From<&SqlError> for PgError {
    fn from(e: &SqlError) -> Self {
        PgError {
            code: e.code.to_string(),
            message: e.message.clone(),
            detail: e.detail.clone(),
            hint: e.hint.clone(),
        }
    }
}

impl From<SqlError> for PgError {
    fn from(e: SqlError) -> Self {
        PgError::from(&e)
    }
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The client connection failed while sending.
pub fn client_gone(e: PgWireError) -> PgError {
    PgError::new(IO_ERROR, format!("could not send data to client: {e}"))
}

pub fn is_client_gone(e: &PgError) -> bool {
    e.code == IO_ERROR && e.message.starts_with("could not send data to client")
}

/// SQLSTATE of a pgwire error (for logs and metrics).
pub fn code_of(e: &PgWireError) -> String {
    match e {
        PgWireError::UserError(info) => info.code.clone(),
        PgWireError::QueryCanceled => QUERY_CANCELED.to_string(),
        PgWireError::FailedToParseParameter(_) => INVALID_TEXT_REPRESENTATION.to_string(),
        PgWireError::InvalidRustTypeForParameter(_) | PgWireError::ParameterIndexOutOfBound(_) => {
            INVALID_PARAMETER_VALUE.to_string()
        }
        PgWireError::StatementNotFound(_) | PgWireError::PortalNotFound(_) => {
            UNDEFINED_PSTATEMENT.to_string()
        }
        PgWireError::IoError(_) => IO_ERROR.to_string(),
        _ => INTERNAL_ERROR.to_string(),
    }
}

/// Turn a pgwire error raised while handling a statement into one the client can act on
/// (pgwire reports some user mistakes as XX000).
pub fn from_pgwire(e: PgWireError) -> PgError {
    match e {
        PgWireError::UserError(info) => PgError {
            code: info.code,
            message: info.message,
            detail: info.detail,
            hint: info.hint,
        },
        PgWireError::ApiError(inner) => {
            if let Some(df) = inner.downcast_ref::<DataFusionError>() {
                classify(df)
            } else {
                PgError::new(INTERNAL_ERROR, inner.to_string())
            }
        }
        PgWireError::QueryCanceled => PgError::canceled(),
        other => {
            let code = code_of(&other);
            let code = if code == INTERNAL_ERROR {
                INVALID_PARAMETER_VALUE.to_string()
            } else {
                code
            };
            PgError {
                code,
                message: other.to_string(),
                detail: None,
                hint: None,
            }
        }
    }
}

/// Classify a DataFusion error.
pub fn classify(err: &DataFusionError) -> PgError {
    if let Some(sql) = SqlError::find_in(err) {
        return sql.into();
    }
    let mut hint = None;
    let mut detail = None;
    let e = unwrap_layers(err, &mut detail, &mut hint);
    if let Some(sql) = SqlError::find_in(e) {
        return sql.into();
    }
    if let Some((code, storage_hint)) = storage_failure(e) {
        return PgError {
            code: code.to_string(),
            message: e.strip_backtrace(),
            detail,
            hint: hint.or(Some(storage_hint.to_string())),
        };
    }
    let (code, message) = match e {
        #[allow(unreachable_patterns)]
        DataFusionError::SQL(pe, _) => (SYNTAX_ERROR, clean_parser_message(&pe.to_string())),
        DataFusionError::SchemaError(se, _) => match se.as_ref() {
            SchemaError::FieldNotFound {
                field,
                valid_fields,
            } => {
                if hint.is_none() && !valid_fields.is_empty() && valid_fields.len() <= 20 {
                    let names: Vec<String> =
                        valid_fields.iter().map(|c| c.name().to_string()).collect();
                    hint = Some(format!("Columns available here: {}.", names.join(", ")));
                }
                (
                    UNDEFINED_COLUMN,
                    format!("column \"{}\" does not exist", field.name()),
                )
            }
            SchemaError::AmbiguousReference { field } => (
                AMBIGUOUS_COLUMN,
                format!("column reference \"{}\" is ambiguous", field.name()),
            ),
            SchemaError::DuplicateQualifiedField { .. }
            | SchemaError::DuplicateUnqualifiedField { .. } => (DUPLICATE_COLUMN, se.to_string()),
        },
        DataFusionError::Plan(m) => classify_plan(m, &mut hint),
        DataFusionError::NotImplemented(m) => (FEATURE_NOT_SUPPORTED, m.clone()),
        DataFusionError::Configuration(m) => {
            if m.contains("Could not find config namespace")
                || m.contains("not found")
                || m.contains("Unknown")
            {
                (
                    UNDEFINED_OBJECT,
                    format!("unrecognized configuration parameter: {m}"),
                )
            } else {
                (INVALID_PARAMETER_VALUE, m.clone())
            }
        }
        DataFusionError::ResourcesExhausted(m) => {
            if hint.is_none() {
                hint = Some(
                    "Reduce the data the query touches (filters, fewer groups) or raise the \
                     engine memory limit."
                        .into(),
                );
            }
            (OUT_OF_MEMORY, format!("out of memory: {m}"))
        }
        DataFusionError::Execution(m) => classify_execution(m),
        DataFusionError::ArrowError(ae, _) => classify_arrow(ae),
        DataFusionError::IoError(ioe) => (IO_ERROR, format!("I/O error: {ioe}")),
        #[allow(unreachable_patterns)]
        DataFusionError::ObjectStore(os) => (IO_ERROR, format!("object store error: {os}")),
        #[allow(unreachable_patterns)]
        DataFusionError::ParquetError(pe) => (DATA_EXCEPTION, format!("Parquet error: {pe}")),
        DataFusionError::ExecutionJoin(j) => (INTERNAL_ERROR, format!("query task failed: {j}")),
        DataFusionError::External(inner) => {
            if let Some(df) = inner.downcast_ref::<DataFusionError>() {
                return classify(df);
            }
            (INTERNAL_ERROR, inner.to_string())
        }
        DataFusionError::Internal(m) => (INTERNAL_ERROR, format!("internal error: {m}")),
        other => (INTERNAL_ERROR, other.strip_backtrace()),
    };
    PgError {
        code: code.to_string(),
        message,
        detail,
        hint,
    }
}

/// An object-store or file-system failure under a Parquet, Arrow, external or I/O error (the
/// Parquet reader wraps the object store's error in `ParquetError::External`): 58P01 when the
/// object is gone, else 58030 (I/O error), so that clients which retry on class 58 do. A file that
/// is there but unreadable as Parquet has no such cause and stays 22000.
fn storage_failure(e: &DataFusionError) -> Option<(&'static str, &'static str)> {
    if !matches!(
        e,
        DataFusionError::ParquetError(_)
            | DataFusionError::ArrowError(..)
            | DataFusionError::External(_)
            | DataFusionError::ObjectStore(_)
            | DataFusionError::IoError(_)
    ) {
        return None;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(os) = err.downcast_ref::<object_store::Error>() {
            // A local file shorter than its footer says is a truncated (corrupt) file: data,
            // not I/O. object_store reports it as a generic error with this text.
            if os.to_string().contains("Out of range of file") {
                return None;
            }
            return Some(match os {
                object_store::Error::NotFound { .. } => (
                    UNDEFINED_FILE,
                    "A file of the table is gone (deleted or moved after the table was opened). \
                     Restore it, or point the table's location in the catalog at the data and \
                     restart the server.",
                ),
                _ => (
                    IO_ERROR,
                    "The object store did not answer or refused the request. Check that it is \
                     reachable and that the credentials in the catalog are valid, then retry.",
                ),
            });
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::NotFound => (
                    UNDEFINED_FILE,
                    "A file of the table is gone (deleted or moved after the table was opened). \
                     Restore it, or point the table's location in the catalog at the data and \
                     restart the server.",
                ),
                _ => (
                    IO_ERROR,
                    "Reading the table's files failed. Check the file system or object store, \
                     then retry.",
                ),
            });
        }
        cur = err.source();
    }
    None
}

/// Peel Context / Shared / Diagnostic / Collection / Arrow-external layers, keeping the
/// diagnostic's notes as detail and helps as hint.
fn unwrap_layers<'a>(
    mut e: &'a DataFusionError,
    detail: &mut Option<String>,
    hint: &mut Option<String>,
) -> &'a DataFusionError {
    loop {
        e = match e {
            DataFusionError::Context(_, inner) => inner,
            DataFusionError::Shared(inner) => inner,
            DataFusionError::Diagnostic(diag, inner) => {
                if detail.is_none() && !diag.notes.is_empty() {
                    *detail = Some(
                        diag.notes
                            .iter()
                            .map(|n| n.message.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                }
                if hint.is_none() && !diag.helps.is_empty() {
                    *hint = Some(
                        diag.helps
                            .iter()
                            .map(|n| n.message.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                }
                inner
            }
            DataFusionError::Collection(errs) if !errs.is_empty() => &errs[0],
            DataFusionError::ArrowError(ae, _) => match ae.as_ref() {
                ArrowError::ExternalError(inner) => match inner.downcast_ref::<DataFusionError>() {
                    Some(df) => df,
                    None => return e,
                },
                _ => return e,
            },
            DataFusionError::External(inner) => match inner.downcast_ref::<DataFusionError>() {
                Some(df) => df,
                None => return e,
            },
            _ => return e,
        };
    }
}

fn clean_parser_message(m: &str) -> String {
    let m = m.strip_prefix("sql parser error: ").unwrap_or(m);
    format!("syntax error: {m}")
}

fn quoted(m: &str) -> Option<&str> {
    let start = m.find('\'')?;
    let rest = &m[start + 1..];
    let end = rest.find('\'')?;
    Some(&rest[..end])
}

fn classify_plan(m: &str, hint: &mut Option<String>) -> (&'static str, String) {
    let first_line = m.lines().next().unwrap_or(m);
    if let Some(rest) = m.split_once("Did you mean").map(|(_, r)| r) {
        if hint.is_none() {
            *hint = Some(format!("Did you mean{}", rest.trim_end()));
        }
    }
    if m.starts_with("table function") && m.contains("not found") {
        let name = quoted(m).unwrap_or("?");
        return (
            UNDEFINED_FUNCTION,
            format!("function {name}() does not exist"),
        );
    }
    if m.starts_with("table '") && m.contains("not found") {
        let name = quoted(m).unwrap_or("?");
        let short = name.rsplit('.').next().unwrap_or(name);
        if hint.is_none() {
            *hint = Some(
                "List the tables with \\dt or SELECT * FROM information_schema.tables.".into(),
            );
        }
        return (
            UNDEFINED_TABLE,
            format!("relation \"{short}\" does not exist"),
        );
    }
    if m.starts_with("Invalid function") {
        let name = quoted(m).unwrap_or("?");
        return (
            UNDEFINED_FUNCTION,
            format!("function {name} does not exist"),
        );
    }
    if m.contains("No function matches the given name and argument types")
        || m.contains("Failed to coerce arguments")
        || m.contains("function does not support")
        || m.contains("does not support arguments")
        || m.contains("coercion failed")
        || m.contains("Function '") && m.contains("expects")
    {
        if hint.is_none() {
            *hint = Some("Check the argument types; add explicit casts (x::BIGINT).".into());
        }
        return (UNDEFINED_FUNCTION, first_line.to_string());
    }
    if m.contains("already exists") {
        return (DUPLICATE_TABLE, first_line.to_string());
    }
    if m.contains("Placeholder type could not be resolved")
        || m.contains("could not determine data type of")
    {
        return (INDETERMINATE_DATATYPE, first_line.to_string());
    }
    if m.contains("Cannot infer common")
        || m.contains("Cannot coerce")
        || m.contains("cannot be cast")
        || m.contains("type mismatch")
        || m.contains("Unsupported CAST")
        || m.contains("must be of type")
    {
        return (DATATYPE_MISMATCH, first_line.to_string());
    }
    if m.contains("doesn't exist") || m.contains("does not exist") {
        if m.to_lowercase().contains("schema") {
            return (INVALID_SCHEMA_NAME, first_line.to_string());
        }
        return (UNDEFINED_OBJECT, first_line.to_string());
    }
    if m.starts_with("Unsupported") || m.contains("not supported") || m.contains("Unsupported SQL")
    {
        return (FEATURE_NOT_SUPPORTED, first_line.to_string());
    }
    // Remaining planning errors are mistakes in the statement (wrong arity, wrong clause).
    (SYNTAX_ERROR, m.to_string())
}

fn classify_execution(m: &str) -> (&'static str, String) {
    let lower = m.to_lowercase();
    if lower.contains("divide by zero") || lower.contains("division by zero") {
        return (DIVISION_BY_ZERO, "division by zero".into());
    }
    if lower.contains("overflow") || lower.contains("out of range") {
        return (NUMERIC_VALUE_OUT_OF_RANGE, m.to_string());
    }
    if lower.contains("cannot cast") || lower.contains("invalid input") || lower.contains("parse") {
        return (INVALID_TEXT_REPRESENTATION, m.to_string());
    }
    if lower.contains("doesn't exist") || lower.contains("does not exist") {
        if lower.contains("schema") {
            return (INVALID_SCHEMA_NAME, m.to_string());
        }
        return (UNDEFINED_OBJECT, m.to_string());
    }
    if lower.contains("already exists") {
        return (DUPLICATE_TABLE, m.to_string());
    }
    if lower.contains("not supported") || lower.contains("unsupported") {
        return (FEATURE_NOT_SUPPORTED, m.to_string());
    }
    if lower.contains("canceled") || lower.contains("cancelled") {
        return (QUERY_CANCELED, m.to_string());
    }
    if lower.contains("no such file") || lower.contains("not found") {
        return (IO_ERROR, m.to_string());
    }
    // Execution errors come from bad input data or arguments rather than from bugs.
    (DATA_EXCEPTION, m.to_string())
}

fn classify_arrow(ae: &ArrowError) -> (&'static str, String) {
    match ae {
        ArrowError::DivideByZero => (DIVISION_BY_ZERO, "division by zero".into()),
        ArrowError::ArithmeticOverflow(m) => (NUMERIC_VALUE_OUT_OF_RANGE, m.clone()),
        ArrowError::CastError(m) => {
            if m.to_lowercase().contains("overflow")
                || m.contains("out of range")
                || m.contains("too large")
            {
                (NUMERIC_VALUE_OUT_OF_RANGE, m.clone())
            } else {
                (INVALID_TEXT_REPRESENTATION, m.clone())
            }
        }
        ArrowError::ParseError(m) => (INVALID_TEXT_REPRESENTATION, m.clone()),
        ArrowError::InvalidArgumentError(m) => (INVALID_PARAMETER_VALUE, m.clone()),
        ArrowError::ComputeError(m) => {
            if m.to_lowercase().contains("overflow") {
                (NUMERIC_VALUE_OUT_OF_RANGE, m.clone())
            } else {
                (DATA_EXCEPTION, m.clone())
            }
        }
        ArrowError::MemoryError(m) => (OUT_OF_MEMORY, m.clone()),
        ArrowError::IoError(m, _) => (IO_ERROR, m.clone()),
        ArrowError::ParquetError(m) => (DATA_EXCEPTION, format!("Parquet error: {m}")),
        ArrowError::NotYetImplemented(m) => (FEATURE_NOT_SUPPORTED, m.clone()),
        other => (DATA_EXCEPTION, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn code_for(sql: &str) -> PgError {
        let ctx = SessionContext::new();
        let r = match ctx.sql(sql).await {
            Ok(df) => df.collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        classify(&r.expect_err("query should fail"))
    }

    #[tokio::test]
    async fn classifies_common_mistakes() {
        assert_eq!(code_for("SELEC 1").await.code, SYNTAX_ERROR);
        assert_eq!(code_for("SELECT * FROM nope").await.code, UNDEFINED_TABLE);
        assert_eq!(
            code_for("SELECT nope FROM (VALUES (1)) t(a)").await.code,
            UNDEFINED_COLUMN
        );
        assert_eq!(
            code_for("SELECT nosuchfn(1)").await.code,
            UNDEFINED_FUNCTION
        );
        assert_eq!(code_for("SELECT 1/0").await.code, DIVISION_BY_ZERO);
        assert_eq!(
            code_for("SELECT CAST('x' AS INT)").await.code,
            INVALID_TEXT_REPRESENTATION
        );
    }

    #[test]
    fn sql_error_wins() {
        let e = SqlError::invalid_argument("horizon must be between 1 and 10000, got 0")
            .with_hint("use 28")
            .into_df()
            .context("while planning");
        let p = classify(&e);
        assert_eq!(p.code, "22023");
        assert_eq!(p.hint.as_deref(), Some("use 28"));
        let e = DataFusionError::ResourcesExhausted("x".into());
        assert_eq!(classify(&e).code, OUT_OF_MEMORY);
    }

    /// Object-store failures reach us inside a Parquet error; they are I/O (class 58), not data
    /// exceptions, while a file that is there but broken stays 22000.
    #[test]
    fn object_store_failures_are_class_58() {
        use datafusion::parquet::errors::ParquetError;
        let wrapped = |os: object_store::Error| {
            DataFusionError::Context(
                "scan".into(),
                Box::new(DataFusionError::ParquetError(Box::new(
                    ParquetError::External(Box::new(os)),
                ))),
            )
        };
        let down = wrapped(object_store::Error::Generic {
            store: "S3",
            source: "error sending request for url (http://127.0.0.1:9/retail/x), after 3 retries"
                .into(),
        });
        let p = classify(&down);
        assert_eq!(p.code, IO_ERROR, "{p:?}");
        assert!(p.message.contains("127.0.0.1:9"), "{}", p.message);
        assert!(p.hint.as_deref().unwrap_or("").contains("retry"), "{p:?}");
        let gone = wrapped(object_store::Error::NotFound {
            path: "lake/x.parquet".into(),
            source: "404".into(),
        });
        assert_eq!(classify(&gone).code, UNDEFINED_FILE);
        let direct = DataFusionError::ObjectStore(Box::new(object_store::Error::Generic {
            store: "S3",
            source: "connection refused".into(),
        }));
        assert_eq!(classify(&direct).code, IO_ERROR);
        let broken = DataFusionError::ParquetError(Box::new(ParquetError::EOF(
            "Out of range of file x.parquet".into(),
        )));
        assert_eq!(classify(&broken).code, DATA_EXCEPTION);
        let truncated = wrapped(object_store::Error::Generic {
            store: "LocalFileSystem",
            source: "Out of range of file /d/stores/part-0.parquet, expected: 28, actual: 28"
                .into(),
        });
        assert_eq!(classify(&truncated).code, DATA_EXCEPTION);
    }
}
