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
                w.write(&nested_as_text(b)?)?;
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

/// CSV has no lists or structs: print such columns the way the table format shows them
/// (`[1, 2]`, `{a: 1}`) so a CSV export of any view works.
fn nested_as_text(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    use std::sync::Arc;

    use datafusion::arrow::array::{Array, ArrayRef, StringBuilder};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

    let is_nested = |t: &DataType| t.is_nested();
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| is_nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, col) in batch.schema().fields().iter().zip(batch.columns()) {
        if is_nested(f.data_type()) {
            let fmt = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default())?;
            let mut b = StringBuilder::new();
            for i in 0..col.len() {
                if col.is_null(i) {
                    b.append_null();
                } else {
                    b.append_value(fmt.value(i).to_string());
                }
            }
            fields.push(Field::new(f.name(), DataType::Utf8, true));
            columns.push(Arc::new(b.finish()));
        } else {
            fields.push(f.as_ref().clone());
            columns.push(col.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Array, Int64Array, ListArray};
    use datafusion::arrow::datatypes::{Field, Int64Type, Schema};

    use super::*;

    #[test]
    fn csv_prints_lists_as_text() {
        let list = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            None,
        ]);
        let n = Int64Array::from(vec![3, 4]);
        let schema = Schema::new(vec![
            Field::new("a", list.data_type().clone(), true),
            Field::new("n", n.data_type().clone(), false),
        ]);
        let batch =
            RecordBatch::try_new(Arc::new(schema), vec![Arc::new(list), Arc::new(n)]).unwrap();
        let mut out = Vec::new();
        write_batches(&mut out, &[batch], OutputFormat::Csv).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a,n\n\"[1, 2]\",3\n,4\n");
    }
}
