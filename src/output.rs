//! Printing query results for the command line: a pretty table, CSV or JSON lines.
use std::io::Write;

use anyhow::Context;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;

/// Output format of `aisle query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A bordered table for people.
    Table,
    /// CSV with a header line, for spreadsheets and scripts.
    Csv,
    /// One JSON object per row (JSON lines), for scripts.
    Json,
}

/// Write `batches` to `out` in `format`.
pub fn write_batches(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    format: OutputFormat,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Table => {
            let table = pretty_format_batches(batches).context("cannot format the result")?;
            writeln!(out, "{table}")?;
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
        }
        OutputFormat::Csv => {
            let mut w = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            for b in batches {
                w.write(b)?;
            }
        }
        OutputFormat::Json => {
            let mut w = datafusion::arrow::json::LineDelimitedWriter::new(out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
