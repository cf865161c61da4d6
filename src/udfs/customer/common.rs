//! Shared plumbing of the customer-analytics SQL functions: parameter lists, lenient coercion with
//! precise errors, the one `ScalarUDFImpl` and the one `AggregateUDFImpl` every function of the
//! family uses, readers for model structs, and builders for struct and list results.
//!
//! ## Calling conventions (the same for every function of the family)
//! * Numbers: any integer, decimal or float type is accepted and read as `DOUBLE`. Identifiers
//!   (`basket_id`, `item_id`, `series_id`) are integers, read as `BIGINT`.
//! * Models: the struct a `*_fit` aggregate returns is passed whole to the scalar functions that
//!   use it (`bgnbd_p_alive(m, ...)`). Any struct with the needed fields works, so known
//!   parameters can be given with `named_struct('r', 0.24, 'alpha', 4.41, 'a', 0.79, 'b', 2.43)`.
//! * Optional parameters are trailing and have documented defaults. Named notation
//!   (`f(a => 1)`) fills parameters in order, so to give a later optional parameter give the
//!   earlier ones too.
//! * Scalars: a `NULL` argument (or a `NULL` model) gives a `NULL` result for that row. NaN,
//!   infinite and out-of-range values are errors naming the argument and the value.
//! * Aggregates: rows with a `NULL` in any data argument are skipped (like `sum`); a group with
//!   no rows left gives `NULL`. Options of an aggregate (k, thresholds, penalizer) must be
//!   constants; a `NULL` option gives a `NULL` result.
//! * Wrong argument count: 42883; wrong argument type: 42804 — both at planning time. Model
//!   errors keep the SQLSTATE of [`CustomerError::sqlstate`].
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Float64Builder, Int64Array, Int64Builder,
    ListArray, ListBuilder, StringArray, StringBuilder, StructArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, ScalarFunctionArgs, Signature,
};
use datafusion::physical_expr::expressions::Literal;

use super::to_sql_error;
use crate::error::SqlError;
#[cfg(test)]
use crate::error::codes;
use crate::models::customer::CustomerError;
pub(super) use crate::udfs::declarative::f64_list_type;
use crate::udfs::declarative::{self, ArgKind, DeclarativeUdf, Family, ParamDefault};
#[cfg(test)]
use crate::udfs::declarative::{DATATYPE_MISMATCH, call_shape};
use crate::udfs::declarative::{
    check_types, coerce, is_number, is_number_list, is_text, list_item, signature,
};

/// Threads a model may use inside one evaluation. Results never depend on it.
pub(super) fn model_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

// ---------------------------------------------------------------------------------------------
// Parameters and coercion
// ---------------------------------------------------------------------------------------------

/// The fields a model struct must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum ModelKind {
    /// `{r, alpha, a, b}` numbers (what `bgnbd_fit` returns).
    BgNbd,
    /// `{p, q, v}` numbers (what `gamma_gamma_fit` returns).
    GammaGamma,
    /// `{centroids LIST<LIST<DOUBLE>>, means LIST<DOUBLE>, stds LIST<DOUBLE>}` (what
    /// `kmeans_fit` returns).
    KMeans,
}

impl ModelKind {
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ModelKind::BgNbd => &["r", "alpha", "a", "b"],
            ModelKind::GammaGamma => &["p", "q", "v"],
            ModelKind::KMeans => &["centroids", "means", "stds"],
        }
    }

    fn label(self) -> &'static str {
        match self {
            ModelKind::BgNbd => "a BG/NBD model struct {r, alpha, a, b} (from bgnbd_fit)",
            ModelKind::GammaGamma => "a Gamma-Gamma model struct {p, q, v} (from gamma_gamma_fit)",
            ModelKind::KMeans => {
                "a k-means model struct {centroids, means, stds} (from kmeans_fit)"
            }
        }
    }
}

/// What an argument holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    /// Any number, read as DOUBLE.
    Num,
    /// Any integer, read as BIGINT.
    Int,
    /// A BOOLEAN (or a number: non-zero = true), read as BOOLEAN.
    Bool,
    Text,
    /// A list of numbers, read as `LIST<DOUBLE>`.
    NumList,
    /// A list of integers, read as `LIST<BIGINT>`.
    IntList,
    Model(ModelKind),
}

/// Default of an optional parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum DefaultValue {
    Required,
    Num(f64),
    Int(i64),
    Text(&'static str),
}

/// One parameter of a function.
pub(super) type Param = declarative::Param<Kind, DefaultValue>;

impl Param {
    pub const fn num(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::Num,
            default: DefaultValue::Required,
        }
    }
    pub const fn num_or(name: &'static str, default: f64) -> Param {
        Param {
            name,
            kind: Kind::Num,
            default: DefaultValue::Num(default),
        }
    }
    pub const fn int(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::Int,
            default: DefaultValue::Required,
        }
    }
    pub const fn int_or(name: &'static str, default: i64) -> Param {
        Param {
            name,
            kind: Kind::Int,
            default: DefaultValue::Int(default),
        }
    }
    pub const fn bool(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::Bool,
            default: DefaultValue::Required,
        }
    }
    pub const fn text_or(name: &'static str, default: &'static str) -> Param {
        Param {
            name,
            kind: Kind::Text,
            default: DefaultValue::Text(default),
        }
    }
    pub const fn num_list(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::NumList,
            default: DefaultValue::Required,
        }
    }
    pub const fn int_list(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::IntList,
            default: DefaultValue::Required,
        }
    }
    pub const fn model(name: &'static str, kind: ModelKind) -> Param {
        Param {
            name,
            kind: Kind::Model(kind),
            default: DefaultValue::Required,
        }
    }
}

pub(super) fn i64_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

pub(super) fn f64_list_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(f64_list_type(), true)))
}

/// `LIST<STRUCT<fields>>`.
pub(super) fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

fn is_integer(t: &DataType) -> bool {
    t.is_integer() || matches!(t, DataType::Null)
}

fn is_integer_list(t: &DataType) -> bool {
    matches!(t, DataType::Null) || list_item(t).is_some_and(is_integer)
}

fn struct_field<'a>(t: &'a DataType, name: &str) -> Option<&'a DataType> {
    match t {
        DataType::Struct(fields) => fields
            .iter()
            .find(|f| f.name() == name)
            .map(|f| f.data_type()),
        _ => None,
    }
}

fn is_model(t: &DataType, kind: ModelKind) -> bool {
    if matches!(t, DataType::Null) {
        return true;
    }
    match kind {
        ModelKind::BgNbd | ModelKind::GammaGamma => kind
            .fields()
            .iter()
            .all(|f| struct_field(t, f).is_some_and(|t| t.is_numeric() || t == &DataType::Null)),
        ModelKind::KMeans => {
            struct_field(t, "centroids")
                .and_then(list_item)
                .is_some_and(|inner| list_item(inner).is_some_and(is_number))
                && struct_field(t, "means").is_some_and(is_number_list)
                && struct_field(t, "stds").is_some_and(is_number_list)
        }
    }
}

fn kind_label(k: Kind) -> &'static str {
    match k {
        Kind::Num => "a number",
        Kind::Int => "an integer",
        Kind::Bool => "a BOOLEAN",
        Kind::Text => "text",
        Kind::NumList => "a list of numbers (e.g. make_array(recency, frequency, monetary))",
        Kind::IntList => "a list of integers (e.g. [2, 3, 4])",
        Kind::Model(m) => m.label(),
    }
}

impl ArgKind for Kind {
    fn coerce(self, t: &DataType) -> Option<DataType> {
        match self {
            Kind::Num if is_number(t) => Some(DataType::Float64),
            Kind::Int if is_integer(t) => Some(DataType::Int64),
            Kind::Bool if t == &DataType::Boolean || is_number(t) => Some(DataType::Boolean),
            Kind::Text if is_text(t) => Some(DataType::Utf8),
            Kind::NumList if is_number_list(t) => Some(f64_list_type()),
            Kind::IntList if is_integer_list(t) => Some(i64_list_type()),
            _ => None,
        }
    }

    fn accepts(self, t: &DataType) -> bool {
        match self {
            Kind::Num => is_number(t),
            Kind::Int => is_integer(t),
            Kind::Bool => t == &DataType::Boolean || is_number(t),
            Kind::Text => is_text(t),
            Kind::NumList => is_number_list(t),
            Kind::IntList => is_integer_list(t),
            Kind::Model(m) => is_model(t, m),
        }
    }

    fn label(self) -> Cow<'static, str> {
        kind_label(self).into()
    }
}

impl ParamDefault for DefaultValue {
    fn is_required(&self) -> bool {
        *self == DefaultValue::Required
    }
}

/// The model error `e`, as raised by function `func`.
pub(super) fn model_error(func: &str, e: CustomerError) -> DataFusionError {
    let mut s = to_sql_error(e);
    s.message = format!("{func}: {}", s.message);
    s.into_df()
}

/// A 22023 error for argument `arg` of `func`.
pub(super) fn arg_error(func: &str, arg: &str, problem: impl fmt::Display) -> DataFusionError {
    SqlError::invalid_argument(format!("{func}: {arg} {problem}")).into_df()
}

// ---------------------------------------------------------------------------------------------
// Reading arguments
// ---------------------------------------------------------------------------------------------

fn to_f64(a: &ArrayRef) -> Result<Float64Array> {
    let c = if a.data_type() == &DataType::Float64 {
        a.clone()
    } else {
        cast(a, &DataType::Float64)?
    };
    Ok(c.as_primitive::<Float64Type>().clone())
}

fn to_i64(a: &ArrayRef) -> Result<Int64Array> {
    let c = if a.data_type() == &DataType::Int64 {
        a.clone()
    } else {
        cast(a, &DataType::Int64)?
    };
    Ok(c.as_primitive::<Int64Type>().clone())
}

#[inline]
pub(super) fn get_f64(a: &Float64Array, i: usize) -> Option<f64> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

#[inline]
pub(super) fn get_i64(a: &Int64Array, i: usize) -> Option<i64> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

/// A model struct column whose fields are numbers (BG/NBD, Gamma-Gamma), each read as DOUBLE.
pub(super) struct NumStruct {
    nulls: Option<NullBuffer>,
    cols: Vec<Float64Array>,
}

impl NumStruct {
    fn new(a: &ArrayRef, fields: &[&str]) -> Result<NumStruct> {
        if a.data_type() == &DataType::Null {
            return Ok(NumStruct {
                nulls: Some(NullBuffer::new_null(a.len())),
                cols: fields
                    .iter()
                    .map(|_| Float64Array::new_null(a.len()))
                    .collect(),
            });
        }
        let s = a.as_struct();
        let cols = fields
            .iter()
            .map(|f| {
                let c = s.column_by_name(f).ok_or_else(|| {
                    DataFusionError::Internal(format!("model struct without field {f}"))
                })?;
                to_f64(c)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(NumStruct {
            nulls: s.nulls().cloned(),
            cols,
        })
    }

    /// The field values of row `i` into `out`; false when the struct or a field is NULL.
    #[inline]
    pub fn get(&self, i: usize, out: &mut [f64]) -> bool {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return false;
        }
        for (slot, c) in out.iter_mut().zip(&self.cols) {
            match get_f64(c, i) {
                Some(v) => *slot = v,
                None => return false,
            }
        }
        true
    }
}

/// A `LIST<DOUBLE>` column; rows read as slices (NULL elements become NaN in a copy).
pub(super) struct NumListCol {
    list: ListArray,
    values: Float64Array,
}

impl NumListCol {
    pub fn new(a: &ArrayRef) -> Result<NumListCol> {
        let a: ArrayRef = if a.data_type() == &f64_list_type() {
            a.clone()
        } else {
            cast(a, &f64_list_type())?
        };
        let list = a.as_list::<i32>().clone();
        let values = list.values().as_primitive::<Float64Type>().clone();
        Ok(NumListCol { list, values })
    }

    /// Row `i`: None when the list is NULL; `Some(Err(j))` when element j is NULL.
    #[inline]
    pub fn get(&self, i: usize) -> Option<std::result::Result<&[f64], usize>> {
        if self.list.is_null(i) {
            return None;
        }
        let offsets = self.list.value_offsets();
        let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
        if self.values.null_count() > 0 {
            if let Some(j) = (start..end).find(|&j| self.values.is_null(j)) {
                return Some(Err(j - start));
            }
        }
        Some(Ok(&self.values.values()[start..end]))
    }
}

/// The arguments of one scalar invocation, as arrays of `rows` rows, with defaults filled in for
/// omitted optional parameters.
pub(super) struct Inputs {
    pub name: &'static str,
    pub arrays: Vec<ArrayRef>,
    pub rows: usize,
}

fn default_scalar(p: &Param) -> Option<ScalarValue> {
    match p.default {
        DefaultValue::Required => None,
        DefaultValue::Num(v) => Some(ScalarValue::Float64(Some(v))),
        DefaultValue::Int(v) => Some(ScalarValue::Int64(Some(v))),
        DefaultValue::Text(v) => Some(ScalarValue::Utf8(Some(v.to_string()))),
    }
}

impl Inputs {
    fn new(name: &'static str, params: &[Param], args: &ScalarFunctionArgs) -> Result<Inputs> {
        let rows = args.number_rows;
        let mut arrays = Vec::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            let a = match args.args.get(i) {
                Some(c) => c.clone().into_array(rows)?,
                None => match default_scalar(p) {
                    Some(s) => s.to_array_of_size(rows)?,
                    None => {
                        return Err(DataFusionError::Internal(format!(
                            "{name}: missing required argument {}",
                            p.name
                        )));
                    }
                },
            };
            arrays.push(a);
        }
        Ok(Inputs { name, arrays, rows })
    }

    pub fn num(&self, i: usize) -> Result<Float64Array> {
        to_f64(&self.arrays[i])
    }

    pub fn text(&self, i: usize) -> Result<StringArray> {
        let a = &self.arrays[i];
        let a = if a.data_type() == &DataType::Utf8 {
            a.clone()
        } else {
            cast(a, &DataType::Utf8)?
        };
        Ok(a.as_string::<i32>().clone())
    }

    pub fn num_list(&self, i: usize) -> Result<NumListCol> {
        NumListCol::new(&self.arrays[i])
    }

    pub fn model(&self, i: usize, kind: ModelKind) -> Result<NumStruct> {
        NumStruct::new(&self.arrays[i], kind.fields())
    }

    /// The model error `e`, as raised by this function.
    pub fn err(&self, e: CustomerError) -> DataFusionError {
        model_error(self.name, e)
    }

    /// Row-wise map over a function whose parameters (all of them) are numbers and whose result
    /// is one number: NULL in any argument → NULL; `Ok(None)` → NULL; an error stops the query.
    pub fn map_f64(
        &self,
        f: impl Fn(&[f64]) -> std::result::Result<Option<f64>, CustomerError>,
    ) -> Result<ArrayRef> {
        let cols = (0..self.arrays.len())
            .map(|i| self.num(i))
            .collect::<Result<Vec<_>>>()?;
        let mut buf = vec![0.0; cols.len()];
        let mut out = Float64Builder::with_capacity(self.rows);
        'rows: for i in 0..self.rows {
            for (slot, c) in buf.iter_mut().zip(&cols) {
                match get_f64(c, i) {
                    Some(v) => *slot = v,
                    None => {
                        out.append_null();
                        continue 'rows;
                    }
                }
            }
            match f(&buf) {
                Ok(v) => out.append_option(v),
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(Arc::new(out.finish()))
    }
}

/// Evaluates a row-wise numeric function in runs of consecutive rows that share a key (the model
/// parameters and options), so batch model functions can cache per-run work. `key(i)` is None
/// for a row with a NULL input (its result is NULL); `run(key, rows)` returns one value per row.
pub(super) fn map_runs<K: PartialEq + Clone>(
    rows: usize,
    key: impl Fn(usize) -> Option<K>,
    mut run: impl FnMut(&K, &[usize]) -> Result<Vec<f64>>,
) -> Result<ArrayRef> {
    let mut out: Vec<Option<f64>> = vec![None; rows];
    let mut current: Option<K> = None;
    let mut idx: Vec<usize> = Vec::new();
    let mut flush =
        |k: &Option<K>, idx: &mut Vec<usize>, out: &mut Vec<Option<f64>>| -> Result<()> {
            if let Some(k) = k {
                if !idx.is_empty() {
                    let vals = run(k, idx)?;
                    for (&i, v) in idx.iter().zip(vals) {
                        out[i] = Some(v);
                    }
                }
            }
            idx.clear();
            Ok(())
        };
    for i in 0..rows {
        let Some(k) = key(i) else { continue };
        if current.as_ref() != Some(&k) {
            flush(&current, &mut idx, &mut out)?;
            current = Some(k);
        }
        idx.push(i);
    }
    flush(&current, &mut idx, &mut out)?;
    Ok(Arc::new(Float64Array::from(out)))
}

// ---------------------------------------------------------------------------------------------
// The scalar UDF
// ---------------------------------------------------------------------------------------------

/// The customer family of table-driven scalar functions.
pub(super) struct Customer;

impl Family for Customer {
    const UDF_NAME: &'static str = "CustomerUdf";
    type Kind = Kind;
    type Default = DefaultValue;
    type Inputs = Inputs;
    fn inputs(name: &'static str, params: &[Param], args: &ScalarFunctionArgs) -> Result<Inputs> {
        Inputs::new(name, params, args)
    }
}

/// The single `ScalarUDFImpl` behind every scalar function of the family. Each function file
/// supplies its name, parameters, return type, documentation and kernel.
pub(super) type CustomerUdf = DeclarativeUdf<Customer>;

// ---------------------------------------------------------------------------------------------
// The aggregate UDF: collect the rows of a group, fit at the end
// ---------------------------------------------------------------------------------------------

/// The rows a group collected: one entry per data parameter.
#[derive(Debug, Clone)]
pub(super) enum ColData {
    F64(Vec<f64>),
    I64(Vec<i64>),
    /// A `LIST<DOUBLE>` per row, all of the same width, flattened row-major.
    F64Rows {
        flat: Vec<f64>,
        width: Option<usize>,
    },
}

impl ColData {
    fn for_kind(k: Kind) -> ColData {
        match k {
            Kind::Int => ColData::I64(Vec::new()),
            Kind::NumList => ColData::F64Rows {
                flat: Vec::new(),
                width: None,
            },
            _ => ColData::F64(Vec::new()),
        }
    }

    pub fn f64s(&self) -> &[f64] {
        match self {
            ColData::F64(v) => v,
            ColData::F64Rows { flat, .. } => flat,
            ColData::I64(_) => panic!("integer column read as numbers"),
        }
    }

    pub fn i64s(&self) -> &[i64] {
        match self {
            ColData::I64(v) => v,
            _ => panic!("number column read as integers"),
        }
    }

    /// Width of the list rows (0 when no row was collected).
    pub fn width(&self) -> usize {
        match self {
            ColData::F64Rows { width, .. } => width.unwrap_or(0),
            _ => 1,
        }
    }

    fn bytes(&self) -> usize {
        match self {
            ColData::F64(v) => v.capacity() * 8,
            ColData::I64(v) => v.capacity() * 8,
            ColData::F64Rows { flat, .. } => flat.capacity() * 8,
        }
    }
}

/// The constant options of one aggregate call (defaults filled in), in parameter order after the
/// data parameters.
#[derive(Debug, Clone)]
pub(super) struct Options(pub Vec<ScalarValue>);

impl Options {
    pub fn f64(&self, i: usize) -> f64 {
        match self.0[i].cast_to(&DataType::Float64) {
            Ok(ScalarValue::Float64(Some(v))) => v,
            _ => f64::NAN,
        }
    }

    pub fn i64(&self, i: usize) -> Option<i64> {
        match self.0[i].cast_to(&DataType::Int64) {
            Ok(ScalarValue::Int64(v)) => v,
            _ => None,
        }
    }

    pub fn i64_list(&self, i: usize) -> Vec<Option<i64>> {
        match self.0[i].cast_to(&i64_list_type()) {
            Ok(ScalarValue::List(l)) if !l.is_null(0) => {
                let v = l.value(0);
                let v = v.as_primitive::<Int64Type>();
                (0..v.len()).map(|j| get_i64(v, j)).collect()
            }
            _ => Vec::new(),
        }
    }

    fn any_null(&self) -> bool {
        self.0.iter().any(|s| s.is_null())
    }
}

/// Computes the result of a group from its collected rows (never empty) and options.
pub(super) type Finish = fn(&[ColData], &Options) -> Result<ScalarValue>;

/// The single `AggregateUDFImpl` behind every aggregate of the family: the first `n_data`
/// parameters are per-row data (collected), the rest are constant options.
pub(super) struct CustomerUdaf {
    name: &'static str,
    params: &'static [Param],
    n_data: usize,
    signature: Signature,
    return_type: DataType,
    doc: &'static LazyLock<Documentation>,
    finish: Finish,
}

impl CustomerUdaf {
    pub fn new(
        name: &'static str,
        params: &'static [Param],
        n_data: usize,
        return_type: DataType,
        doc: &'static LazyLock<Documentation>,
        finish: Finish,
    ) -> AggregateUDF {
        AggregateUDF::new_from_impl(CustomerUdaf {
            name,
            params,
            n_data,
            signature: signature(params),
            return_type,
            doc,
            finish,
        })
    }
}

impl fmt::Debug for CustomerUdaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerUdaf")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for CustomerUdaf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.signature == other.signature
            && self.return_type == other.return_type
    }
}

impl Eq for CustomerUdaf {}

impl Hash for CustomerUdaf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.signature.hash(state);
        self.return_type.hash(state);
    }
}

impl AggregateUDFImpl for CustomerUdaf {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(coerce(self.params, arg_types))
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        check_types(self.name, self.params, arg_types)?;
        Ok(self.return_type.clone())
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let mut opts = Vec::new();
        for (i, p) in self.params.iter().enumerate().skip(self.n_data) {
            let v = match args.exprs.get(i) {
                None => default_scalar(p).expect("optional parameters have defaults"),
                Some(e) => match e.downcast_ref::<Literal>() {
                    Some(l) => l.value().clone(),
                    None => {
                        return Err(SqlError::invalid_argument(format!(
                            "{}: {} must be a constant, got the expression {e}",
                            self.name, p.name
                        ))
                        .with_hint("options of an aggregate are the same for the whole group: write a literal")
                        .into_df());
                    }
                },
            };
            opts.push(v);
        }
        Ok(Box::new(Collector {
            name: self.name,
            kinds: self.params[..self.n_data].iter().map(|p| p.kind).collect(),
            data: self.params[..self.n_data]
                .iter()
                .map(|p| ColData::for_kind(p.kind))
                .collect(),
            rows: 0,
            options: Options(opts),
            return_type: self.return_type.clone(),
            finish: self.finish,
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let mut fields = Vec::new();
        for p in &self.params[..self.n_data] {
            let item = if p.kind == Kind::Int {
                DataType::Int64
            } else {
                DataType::Float64
            };
            fields.push(Field::new(
                format_state_name(args.name, p.name),
                list_of(item),
                true,
            ));
            if p.kind == Kind::NumList {
                let name = format!("{}_width", p.name);
                fields.push(Field::new(
                    format_state_name(args.name, &name),
                    DataType::Int64,
                    true,
                ));
            }
        }
        Ok(fields.into_iter().map(Arc::new).collect())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(LazyLock::force(self.doc))
    }
}

/// Collects the non-NULL rows of a group.
struct Collector {
    name: &'static str,
    kinds: Vec<Kind>,
    data: Vec<ColData>,
    rows: usize,
    options: Options,
    return_type: DataType,
    finish: Finish,
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("name", &self.name)
            .field("rows", &self.rows)
            .finish()
    }
}

/// One data argument of an `update_batch`, read in its canonical type.
enum DataCol {
    F64(Float64Array),
    I64(Int64Array),
    Bool(BooleanArray),
    List(NumListCol),
}

/// A one-row `LIST` scalar over `values` (built as one array, not element by element: a group's
/// state can hold millions of rows).
fn list_scalar(values: ArrayRef) -> ScalarValue {
    let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
    let offsets = OffsetBuffer::from_lengths([values.len()]);
    ScalarValue::List(Arc::new(ListArray::new(field, offsets, values, None)))
}

impl Collector {
    fn width_mismatch(&self, want: usize, got: usize) -> DataFusionError {
        arg_error(
            self.name,
            "features",
            format!(
                "must have the same number of values on every row: {want} on the first row, {got} on another"
            ),
        )
    }

    fn push_row(&mut self, width: &mut Option<usize>, row: &[f64]) -> Result<()> {
        match *width {
            Some(w) if w != row.len() => return Err(self.width_mismatch(w, row.len())),
            Some(_) => {}
            None => {
                if row.is_empty() {
                    return Err(arg_error(
                        self.name,
                        "features",
                        "must hold at least one value, got an empty list",
                    ));
                }
                *width = Some(row.len());
            }
        }
        Ok(())
    }
}

impl Accumulator for Collector {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let n = values.first().map_or(0, |a| a.len());
        let cols = self
            .kinds
            .iter()
            .zip(values)
            .map(|(k, a)| {
                Ok(match k {
                    Kind::Int => DataCol::I64(to_i64(a)?),
                    Kind::Bool => {
                        let b = if a.data_type() == &DataType::Boolean {
                            a.clone()
                        } else {
                            cast(a, &DataType::Boolean)?
                        };
                        DataCol::Bool(b.as_boolean().clone())
                    }
                    Kind::NumList => DataCol::List(NumListCol::new(a)?),
                    _ => DataCol::F64(to_f64(a)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        'rows: for i in 0..n {
            for c in &cols {
                let null = match c {
                    DataCol::F64(a) => a.is_null(i),
                    DataCol::I64(a) => a.is_null(i),
                    DataCol::Bool(a) => a.is_null(i),
                    DataCol::List(l) => !matches!(l.get(i), Some(Ok(_))),
                };
                if null {
                    continue 'rows;
                }
            }
            for (j, c) in cols.iter().enumerate() {
                match c {
                    DataCol::F64(a) => {
                        if let ColData::F64(v) = &mut self.data[j] {
                            v.push(a.value(i));
                        }
                    }
                    DataCol::Bool(a) => {
                        if let ColData::F64(v) = &mut self.data[j] {
                            v.push(if a.value(i) { 1.0 } else { 0.0 });
                        }
                    }
                    DataCol::I64(a) => {
                        if let ColData::I64(v) = &mut self.data[j] {
                            v.push(a.value(i));
                        }
                    }
                    DataCol::List(l) => {
                        let Some(Ok(row)) = l.get(i) else { continue };
                        let mut data =
                            std::mem::replace(&mut self.data[j], ColData::F64(Vec::new()));
                        if let ColData::F64Rows { flat, width } = &mut data {
                            let r = self.push_row(width, row);
                            if r.is_ok() {
                                flat.extend_from_slice(row);
                            }
                            self.data[j] = data;
                            r?;
                        } else {
                            self.data[j] = data;
                        }
                    }
                }
            }
            self.rows += 1;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.rows == 0 || self.options.any_null() {
            return ScalarValue::try_from(&self.return_type);
        }
        (self.finish)(&self.data, &self.options)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.data.iter().map(|d| d.bytes()).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut out = Vec::new();
        for d in &self.data {
            match d {
                ColData::F64(v) => out.push(list_scalar(Arc::new(Float64Array::from(v.clone())))),
                ColData::I64(v) => out.push(list_scalar(Arc::new(Int64Array::from(v.clone())))),
                ColData::F64Rows { flat, width } => {
                    out.push(list_scalar(Arc::new(Float64Array::from(flat.clone()))));
                    out.push(ScalarValue::Int64(width.map(|w| w as i64)));
                }
            }
        }
        Ok(out)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let n = states.first().map_or(0, |a| a.len());
        for row in 0..n {
            let mut k = 0;
            let mut added = None;
            for j in 0..self.data.len() {
                let list = states[k].as_list::<i32>();
                k += 1;
                if list.is_null(row) {
                    if matches!(self.data[j], ColData::F64Rows { .. }) {
                        k += 1;
                    }
                    continue;
                }
                let v = list.value(row);
                let len;
                let mut data = std::mem::replace(&mut self.data[j], ColData::F64(Vec::new()));
                match &mut data {
                    ColData::F64(dst) => {
                        let v = v.as_primitive::<Float64Type>();
                        len = v.len();
                        dst.extend(v.values().iter());
                    }
                    ColData::I64(dst) => {
                        let v = v.as_primitive::<Int64Type>();
                        len = v.len();
                        dst.extend(v.values().iter());
                    }
                    ColData::F64Rows { flat, width } => {
                        let v = v.as_primitive::<Float64Type>();
                        let w = states[k].as_primitive::<Int64Type>();
                        k += 1;
                        let other = get_i64(w, row).map(|w| w as usize);
                        if let (Some(a), Some(b)) = (*width, other) {
                            if a != b {
                                // the query fails: the half-merged group is dropped with it
                                return Err(self.width_mismatch(a, b));
                            }
                        }
                        if width.is_none() {
                            *width = other;
                        }
                        len = other.map_or(0, |w| if w > 0 { v.len() / w } else { 0 });
                        flat.extend(v.values().iter());
                    }
                }
                self.data[j] = data;
                if j == 0 {
                    added = Some(len);
                }
            }
            self.rows += added.unwrap_or(0);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// One value of a result struct.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    F64(Option<f64>),
    I64(Option<i64>),
    Text(Option<String>),
    F64List(Option<Vec<f64>>),
    I64List(Option<Vec<i64>>),
    F64ListList(Option<Vec<Vec<f64>>>),
}

/// Field of a result struct.
pub(super) fn field(name: &str, t: DataType) -> Field {
    Field::new(name, t, true)
}

/// A `STRUCT` type from (name, type) pairs, every field nullable.
pub(super) fn struct_type(fields: &[(&str, DataType)]) -> DataType {
    DataType::Struct(
        fields
            .iter()
            .map(|(n, t)| field(n, t.clone()))
            .collect::<Fields>(),
    )
}

fn column(t: &DataType, vals: &[&Val]) -> Result<ArrayRef> {
    let bad = || DataFusionError::Internal(format!("result value does not fit type {t}"));
    Ok(match t {
        DataType::Float64 => {
            let mut b = Float64Builder::with_capacity(vals.len());
            for v in vals {
                match v {
                    Val::F64(x) => b.append_option(*x),
                    _ => return Err(bad()),
                }
            }
            Arc::new(b.finish())
        }
        DataType::Int64 => {
            let mut b = Int64Builder::with_capacity(vals.len());
            for v in vals {
                match v {
                    Val::I64(x) => b.append_option(*x),
                    _ => return Err(bad()),
                }
            }
            Arc::new(b.finish())
        }
        DataType::Utf8 => {
            let mut b = StringBuilder::new();
            for v in vals {
                match v {
                    Val::Text(x) => b.append_option(x.as_deref()),
                    _ => return Err(bad()),
                }
            }
            Arc::new(b.finish())
        }
        t if t == &f64_list_type() => {
            let mut b = ListBuilder::new(Float64Builder::new());
            for v in vals {
                match v {
                    Val::F64List(Some(x)) => {
                        b.values().append_slice(x);
                        b.append(true);
                    }
                    Val::F64List(None) => b.append(false),
                    _ => return Err(bad()),
                }
            }
            Arc::new(b.finish())
        }
        t if t == &i64_list_type() => {
            let mut b = ListBuilder::new(Int64Builder::new());
            for v in vals {
                match v {
                    Val::I64List(Some(x)) => {
                        b.values().append_slice(x);
                        b.append(true);
                    }
                    Val::I64List(None) => b.append(false),
                    _ => return Err(bad()),
                }
            }
            Arc::new(b.finish())
        }
        t if t == &f64_list_list_type() => {
            let mut b = ListBuilder::new(ListBuilder::new(Float64Builder::new()));
            for v in vals {
                match v {
                    Val::F64ListList(Some(rows)) => {
                        for r in rows {
                            b.values().values().append_slice(r);
                            b.values().append(true);
                        }
                        b.append(true);
                    }
                    Val::F64ListList(None) => b.append(false),
                    _ => return Err(bad()),
                }
            }
            Arc::new(b.finish())
        }
        _ => return Err(bad()),
    })
}

/// A struct array of type `t` (a `Struct`) from rows of values in field order; `None` rows are
/// NULL structs.
pub(super) fn struct_array(t: &DataType, rows: &[Option<Vec<Val>>]) -> Result<StructArray> {
    let DataType::Struct(fields) = t else {
        return Err(DataFusionError::Internal(format!("not a struct type: {t}")));
    };
    let nulls_row: Vec<Val> = fields
        .iter()
        .map(|f| match f.data_type() {
            DataType::Float64 => Val::F64(None),
            DataType::Int64 => Val::I64(None),
            DataType::Utf8 => Val::Text(None),
            t if t == &i64_list_type() => Val::I64List(None),
            t if t == &f64_list_list_type() => Val::F64ListList(None),
            _ => Val::F64List(None),
        })
        .collect();
    let mut arrays = Vec::with_capacity(fields.len());
    for (j, f) in fields.iter().enumerate() {
        let vals: Vec<&Val> = rows
            .iter()
            .map(|r| r.as_ref().map_or(&nulls_row[j], |r| &r[j]))
            .collect();
        arrays.push(column(f.data_type(), &vals)?);
    }
    let valid: Vec<bool> = rows.iter().map(|r| r.is_some()).collect();
    let nulls = if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    };
    Ok(StructArray::try_new(fields.clone(), arrays, nulls)?)
}

/// A one-row struct scalar of type `t`.
pub(super) fn struct_scalar(t: &DataType, row: Vec<Val>) -> Result<ScalarValue> {
    Ok(ScalarValue::Struct(Arc::new(struct_array(
        t,
        &[Some(row)],
    )?)))
}

/// A one-row `LIST<STRUCT>` scalar holding `rows` (the list type `t`).
pub(super) fn list_of_structs_scalar(t: &DataType, rows: Vec<Vec<Val>>) -> Result<ScalarValue> {
    let DataType::List(item) = t else {
        return Err(DataFusionError::Internal(format!("not a list type: {t}")));
    };
    let rows: Vec<Option<Vec<Val>>> = rows.into_iter().map(Some).collect();
    let values = struct_array(item.data_type(), &rows)?;
    let list = ListArray::try_new(
        item.clone(),
        OffsetBuffer::from_lengths([values.len()]),
        Arc::new(values),
        None,
    )?;
    Ok(ScalarValue::List(Arc::new(list)))
}

/// Shared argument descriptions, so one name always means one thing in the documentation.
pub(super) mod arg_doc {
    pub const FREQUENCY: &str = "Repeat purchases: the number of distinct purchase periods minus \
        one (lifetimes' `frequency`), a whole number >= 0.";
    pub const RECENCY: &str = "Time from the first to the last purchase (lifetimes' `recency`), \
        >= 0 and <= age; 0 when frequency is 0.";
    pub const AGE: &str = "Time from the first purchase to the end of observation (lifetimes' \
        `T`), >= recency, in the same unit as recency (days in the views).";
    pub const MONETARY: &str = "Mean value of the repeat purchases (the first purchase excluded, \
        lifetimes' `monetary_value`), >= 0; ignored when frequency is 0.";
    pub const BGNBD_MODEL: &str = "A BG/NBD model: the struct bgnbd_fit returns, or any struct \
        with numeric fields r, alpha, a, b (each > 0), e.g. named_struct('r', 0.243, 'alpha', \
        4.414, 'a', 0.793, 'b', 2.426).";
    pub const GG_MODEL: &str = "A Gamma-Gamma model: the struct gamma_gamma_fit returns, or any \
        struct with numeric fields p, q, v (each > 0; q > 1 for a finite mean spend).";
    pub const KMEANS_MODEL: &str = "A k-means model: the struct kmeans_fit returns (fields \
        centroids, means, stds are used).";
    pub const FEATURES: &str = "The features of a row as a list of numbers, e.g. \
        make_array(recency_days, frequency, monetary); the same order and width on every row. A \
        NULL list or a NULL element skips the row.";
    pub const PENALIZER: &str = "lifetimes' `penalizer_coef`: L2 penalty on the parameters, a \
        constant >= 0. Optional, default 0 (plain maximum likelihood, equal to lifetimes).";
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &[Param] = &[
        Param::num("a"),
        Param::model("m", ModelKind::BgNbd),
        Param::num_or("c", 0.0),
        Param::text_or("d", "x"),
    ];

    #[test]
    fn shape_and_coercion() {
        assert_eq!(call_shape("f", P), "f(a, m[, c, d])");
        let m = struct_type(&[
            ("r", DataType::Float64),
            ("alpha", DataType::Int64),
            ("a", DataType::Float64),
            ("b", DataType::Float64),
        ]);
        assert_eq!(
            coerce(
                P,
                &[DataType::Int32, m.clone(), DataType::Decimal128(10, 2)]
            ),
            vec![DataType::Float64, m.clone(), DataType::Float64]
        );
        assert!(check_types("f", P, &[DataType::Float64, m.clone()]).is_ok());
        let e = check_types("f", P, &[DataType::Float64]).unwrap_err();
        assert_eq!(
            SqlError::find_in(&e).unwrap().code,
            codes::UNDEFINED_FUNCTION
        );
        let bad = struct_type(&[("r", DataType::Float64)]);
        let e = check_types("f", P, &[DataType::Float64, bad]).unwrap_err();
        let s = SqlError::find_in(&e).unwrap();
        assert_eq!(s.code, DATATYPE_MISMATCH);
        assert!(
            s.message
                .starts_with("f: argument m must be a BG/NBD model struct"),
            "{}",
            s.message
        );
    }

    #[test]
    fn struct_results_round_trip() {
        let t = struct_type(&[
            ("x", DataType::Float64),
            ("n", DataType::Int64),
            ("s", DataType::Utf8),
            ("l", f64_list_type()),
            ("ll", f64_list_list_type()),
            ("il", i64_list_type()),
        ]);
        let row = vec![
            Val::F64(Some(1.5)),
            Val::I64(None),
            Val::Text(Some("a".into())),
            Val::F64List(Some(vec![1.0, 2.0])),
            Val::F64ListList(Some(vec![vec![1.0], vec![2.0, 3.0]])),
            Val::I64List(Some(vec![7])),
        ];
        let s = struct_scalar(&t, row.clone()).unwrap();
        assert_eq!(s.data_type(), t);
        let l = list_of_structs_scalar(&list_of(t.clone()), vec![row.clone(), row]).unwrap();
        assert_eq!(l.data_type(), list_of(t));
    }
}
