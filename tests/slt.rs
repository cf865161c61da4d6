//! sqllogictest files (`tests/sql/*.slt`), one per function family, run against the demo engine.
//!
//! Conventions: floats print rounded to 6 decimals (trailing zeros trimmed), NULL as `NULL`,
//! empty strings as `(empty)`. Errors read `[SQLSTATE] message`, so a file can assert the code:
//! `statement error \[22023\] .*service level`.
mod common;

use std::path::PathBuf;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, Float32Array, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;
use sqllogictest::{DBOutput, DefaultColumnType};

#[derive(Debug)]
struct SltError(String);

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SltError {}

struct Db {
    ctx: SessionContext,
}

fn format_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" { "0".into() } else { s }
}

fn cell(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return "NULL".into();
    }
    match array.data_type() {
        DataType::Float64 => format_float(
            array
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .value(row),
        ),
        DataType::Float32 => format_float(
            array
                .as_any()
                .downcast_ref::<Float32Array>()
                .unwrap()
                .value(row) as f64,
        ),
        _ => {
            let s = array_value_to_string(array, row).unwrap_or_else(|e| format!("<{e}>"));
            if s.is_empty() { "(empty)".into() } else { s }
        }
    }
}

fn column_type(dt: &DataType) -> DefaultColumnType {
    match dt {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => DefaultColumnType::Integer,
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _) => {
            DefaultColumnType::FloatingPoint
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DefaultColumnType::Text,
        _ => DefaultColumnType::Any,
    }
}

fn error_text(e: &datafusion::error::DataFusionError) -> String {
    match aisle::error::SqlError::find_in(e) {
        Some(s) => format!("[{}] {}", s.code, s.message),
        None => format!("[XX000] {e}"),
    }
}

#[async_trait]
impl sqllogictest::AsyncDB for Db {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<Self::ColumnType>, Self::Error> {
        let df = self
            .ctx
            .sql(sql)
            .await
            .map_err(|e| SltError(error_text(&e)))?;
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await.map_err(|e| SltError(error_text(&e)))?;
        let is_statement = {
            let head = sql.trim_start().to_ascii_lowercase();
            ["create", "drop", "set", "insert"]
                .iter()
                .any(|k| head.starts_with(k))
        };
        if is_statement {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let mut rows = Vec::new();
        for b in &batches {
            for r in 0..b.num_rows() {
                rows.push(b.columns().iter().map(|c| cell(c.as_ref(), r)).collect());
            }
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "aisle"
    }

    async fn sleep(dur: std::time::Duration) {
        tokio::time::sleep(dur).await;
    }
}

#[tokio::test]
async fn sqllogictest_files() {
    let engine = common::demo_engine().await;
    let dir = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/sql")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .slt files in {}", dir.display());
    let mut failures = Vec::new();
    for f in &files {
        let engine = engine.clone();
        let mut runner = sqllogictest::Runner::new(move || {
            let ctx = engine.new_session();
            async move { Ok(Db { ctx }) }
        });
        if let Err(e) = runner.run_file_async(f).await {
            failures.push(format!("{}:\n{e}", f.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} file(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
