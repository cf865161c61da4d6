//! Columns to Arrow batches to Parquet files, byte-for-byte reproducible.

use anyhow::{Context, Result};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

/// One column's values. Variants ending in `N` are nullable; the others are written as required.
pub enum Col {
    I32(Vec<i32>),
    I32N(Vec<Option<i32>>),
    I64(Vec<i64>),
    I64N(Vec<Option<i64>>),
    F64(Vec<f64>),
    Str(Vec<String>),
    SStr(Vec<&'static str>),
    Date(Vec<i32>),
    DateN(Vec<Option<i32>>),
    Ts(Vec<i64>),
    Bool(Vec<bool>),
}

impl Col {
    fn into_array(self) -> (ArrayRef, bool) {
        match self {
            Col::I32(v) => (Arc::new(Int32Array::from(v)), false),
            Col::I32N(v) => (Arc::new(Int32Array::from(v)), true),
            Col::I64(v) => (Arc::new(Int64Array::from(v)), false),
            Col::I64N(v) => (Arc::new(Int64Array::from(v)), true),
            Col::F64(v) => (Arc::new(Float64Array::from(v)), false),
            Col::Str(v) => (Arc::new(StringArray::from(v)), false),
            Col::SStr(v) => (Arc::new(StringArray::from(v)), false),
            Col::Date(v) => (Arc::new(Date32Array::from(v)), false),
            Col::DateN(v) => (Arc::new(Date32Array::from(v)), true),
            Col::Ts(v) => (Arc::new(TimestampMicrosecondArray::from(v)), false),
            Col::Bool(v) => (Arc::new(BooleanArray::from(v)), false),
        }
    }

    /// The Arrow type of a column variant.
    pub fn data_type(&self) -> DataType {
        match self {
            Col::I32(_) | Col::I32N(_) => DataType::Int32,
            Col::I64(_) | Col::I64N(_) => DataType::Int64,
            Col::F64(_) => DataType::Float64,
            Col::Str(_) | Col::SStr(_) => DataType::Utf8,
            Col::Date(_) | Col::DateN(_) => DataType::Date32,
            Col::Ts(_) => DataType::Timestamp(TimeUnit::Microsecond, None),
            Col::Bool(_) => DataType::Boolean,
        }
    }
}

/// Build a batch from named columns (all of the same length).
pub fn batch(cols: Vec<(&'static str, Col)>) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(cols.len());
    let mut arrays = Vec::with_capacity(cols.len());
    for (name, col) in cols {
        let dt = col.data_type();
        let (arr, nullable) = col.into_array();
        fields.push(Field::new(name, dt, nullable));
        arrays.push(arr);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).context("building an Arrow batch")
}

fn properties() -> Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_created_by(format!(
            "aisle {} demo generator",
            env!("CARGO_PKG_VERSION")
        ))
        .set_max_row_group_row_count(Some(1 << 20))
        .build())
}

/// Write one batch to `path` (creating parent directories); returns the file's size in bytes.
pub fn write(path: &Path, batch: &RecordBatch) -> Result<u64> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = ArrowWriter::try_new(
        std::io::BufWriter::with_capacity(1 << 20, file),
        batch.schema(),
        Some(properties()?),
    )
    .with_context(|| format!("opening a Parquet writer for {}", path.display()))?;
    writer
        .write(batch)
        .with_context(|| format!("writing {}", path.display()))?;
    let inner = writer
        .into_inner()
        .with_context(|| format!("finishing {}", path.display()))?;
    let file = inner
        .into_inner()
        .map_err(|e| anyhow::anyhow!("flushing {}: {}", path.display(), e.error()))?;
    file.sync_all().ok();
    drop(file);
    Ok(std::fs::metadata(path)
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len())
}
