//! Shared plumbing of the inventory SQL functions: parameter lists (names, kinds, defaults),
//! lenient coercion with precise errors, column accessors that never allocate per row, the one
//! `ScalarUDFImpl` every scalar function of the family uses, and a struct-result builder.
//!
//! ## Calling conventions (the same for every function of the family)
//! * Numbers: any integer, decimal or float type is accepted and read as `DOUBLE`.
//! * Text: `VARCHAR` / `TEXT` (any string type).
//! * Lists of numbers: any `LIST` / `LARGE LIST` / fixed-size list of numbers, read as a list of
//!   `DOUBLE`. A `NULL` element inside a list counts as a missing value (NaN): functions that skip
//!   missing values skip it, the others reject it.
//! * Optional parameters are trailing and have documented defaults. Named notation
//!   (`f(a => 1)`) fills parameters in order, so to give a later optional parameter give the
//!   earlier ones too.
//! * A `NULL` argument gives a `NULL` result for that row. NaN, infinite and out-of-range values
//!   are errors with SQLSTATE 22023 naming the argument, the valid range and the value.
//! * Wrong argument count: 42883; wrong argument type: 42804 — both at planning time.
use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Float64Builder, Int64Builder, ListArray, StringArray,
    StringBuilder, StructArray,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs};

use super::to_sql_error;
#[cfg(test)]
use crate::error::SqlError;
use crate::models::inventory::InventoryError;
use crate::udfs::as_f64;
pub(super) use crate::udfs::declarative::f64_list_type;
use crate::udfs::declarative::{self, ArgKind, DeclarativeUdf, Family, ParamDefault};
#[cfg(test)]
use crate::udfs::declarative::{DATATYPE_MISMATCH, call_shape, check_types, coerce};
use crate::udfs::declarative::{is_number, is_number_list, is_text};

/// What an argument holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Num,
    Text,
    NumList,
    /// A list of numbers, or a list of structs read through one numeric field (the list the
    /// forecast aggregate returns, read through `yhat`).
    NumListOrField(&'static str),
    /// A list of structs (forecast output), read field by field by the kernel.
    StructList,
}

/// Default of an optional parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum DefaultValue {
    Required,
    Num(f64),
    Text(&'static str),
    /// A fixed list of numbers.
    List(&'static [f64]),
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
    pub const fn text_or(name: &'static str, default: &'static str) -> Param {
        Param {
            name,
            kind: Kind::Text,
            default: DefaultValue::Text(default),
        }
    }
    pub const fn list(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::NumList,
            default: DefaultValue::Required,
        }
    }
    pub const fn list_or(name: &'static str, default: &'static [f64]) -> Param {
        Param {
            name,
            kind: Kind::NumList,
            default: DefaultValue::List(default),
        }
    }
    pub const fn list_or_field(name: &'static str, field: &'static str) -> Param {
        Param {
            name,
            kind: Kind::NumListOrField(field),
            default: DefaultValue::Required,
        }
    }
    pub const fn struct_list(name: &'static str) -> Param {
        Param {
            name,
            kind: Kind::StructList,
            default: DefaultValue::Required,
        }
    }
}

/// The fields of the structs in a `List<Struct>` / `LargeList<Struct>`, if `t` is one.
pub(super) fn struct_list_fields(t: &DataType) -> Option<&Fields> {
    match t {
        DataType::List(f) | DataType::LargeList(f) => match f.data_type() {
            DataType::Struct(fields) => Some(fields),
            _ => None,
        },
        _ => None,
    }
}

/// `t` is a list of structs with a numeric field `field`.
fn is_struct_list_with(t: &DataType, field: &str) -> bool {
    struct_list_fields(t).is_some_and(|fs| {
        fs.iter()
            .any(|f| f.name() == field && is_number(f.data_type()))
    })
}

fn kind_label(k: Kind) -> String {
    match k {
        Kind::Num => "a number".into(),
        Kind::Text => "text".into(),
        Kind::NumList => "a list of numbers (e.g. array_agg(x ORDER BY ds))".into(),
        Kind::NumListOrField(f) => format!(
            "a list of numbers (e.g. array_agg(x ORDER BY ds)) or a list of structs with a \
             numeric field {f} (forecast output)"
        ),
        Kind::StructList => {
            "a list of structs with fields yhat, yhat_lo_<level>, yhat_hi_<level> (forecast output)"
                .into()
        }
    }
}

impl ArgKind for Kind {
    fn coerce(self, t: &DataType) -> Option<DataType> {
        match self {
            Kind::Num if is_number(t) => Some(DataType::Float64),
            Kind::Text if is_text(t) => Some(DataType::Utf8),
            Kind::NumList if is_number_list(t) => Some(f64_list_type()),
            Kind::NumListOrField(_) if is_number_list(t) => Some(f64_list_type()),
            Kind::StructList if t == &DataType::Null => Some(f64_list_type()),
            _ => None,
        }
    }

    fn accepts(self, t: &DataType) -> bool {
        match self {
            Kind::Num => is_number(t),
            Kind::Text => is_text(t),
            Kind::NumList => is_number_list(t),
            Kind::NumListOrField(f) => is_number_list(t) || is_struct_list_with(t, f),
            Kind::StructList => {
                is_struct_list_with(t, "yhat") || t == &f64_list_type() || t == &DataType::Null
            }
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

/// The error of an inventory model, as raised by function `func`.
pub(super) fn model_error(func: &str, e: InventoryError) -> DataFusionError {
    let mut s = to_sql_error(e);
    s.message = format!("{func}: {}", s.message);
    s.into_df()
}

/// A numeric argument: a constant or a Float64 column.
pub(super) enum NumCol {
    Const(Option<f64>),
    Arr(Arc<Float64Array>),
}

impl NumCol {
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        match self {
            NumCol::Const(v) => *v,
            NumCol::Arr(a) => {
                if a.is_null(i) {
                    None
                } else {
                    Some(a.value(i))
                }
            }
        }
    }
}

/// A text argument: a constant or a Utf8 column.
pub(super) enum TextCol {
    Const(Option<String>),
    Arr(StringArray),
}

impl TextCol {
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            TextCol::Const(v) => v.as_deref(),
            TextCol::Arr(a) => {
                if a.is_null(i) {
                    None
                } else {
                    Some(a.value(i))
                }
            }
        }
    }
}

/// A list-of-numbers argument: a constant or a `List<Float64>` column. Rows are read without
/// allocating: a slice of the child buffer when the row has no NULL elements, else a copy into a
/// caller-owned scratch buffer with NULL → NaN.
pub(super) enum ListCol {
    Const(Option<Vec<f64>>),
    Arr {
        list: ListArray,
        values: Float64Array,
    },
}

impl ListCol {
    #[inline]
    pub fn get<'a>(&'a self, i: usize, scratch: &'a mut Vec<f64>) -> Option<&'a [f64]> {
        match self {
            ListCol::Const(v) => v.as_deref(),
            ListCol::Arr { list, values } => {
                if list.is_null(i) {
                    return None;
                }
                let offsets = list.value_offsets();
                let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
                if values.null_count() == 0
                    || values
                        .nulls()
                        .is_some_and(|n| n.slice(start, end - start).null_count() == 0)
                {
                    return Some(&values.values()[start..end]);
                }
                scratch.clear();
                scratch.extend((start..end).map(|j| {
                    if values.is_null(j) {
                        f64::NAN
                    } else {
                        values.value(j)
                    }
                }));
                Some(scratch.as_slice())
            }
        }
    }
}

/// One argument after defaults are filled in.
pub(super) enum Col {
    Num(NumCol),
    Text(TextCol),
    List(ListCol),
    Structs(StructListCol),
}

/// A list column with a struct field type: `LargeList` cast to `List` so offsets are `i32`.
fn to_list32(a: &ArrayRef) -> Result<ArrayRef> {
    match a.data_type() {
        DataType::LargeList(f) => Ok(cast(a, &DataType::List(f.clone()))?),
        _ => Ok(a.clone()),
    }
}

/// Any list of numbers as `List<Float64>`; a list of structs as the `List<Float64>` of its
/// numeric field `field` (a NULL struct reads as a NULL element). Offsets and list-level NULLs
/// are shared with the input; only the one child column is cast.
pub(super) fn f64_list(a: &ArrayRef, field: Option<&str>) -> Result<ListArray> {
    if struct_list_fields(a.data_type()).is_some() {
        let a = to_list32(a)?;
        let list = a.as_list::<i32>();
        let st = list.values().as_struct();
        let name = field.unwrap_or("yhat");
        let child = st.column_by_name(name).ok_or_else(|| {
            DataFusionError::Internal(format!("list of structs without a field {name}"))
        })?;
        let child = cast(child, &DataType::Float64)?;
        let child = child.as_primitive::<Float64Type>();
        let nulls = NullBuffer::union(st.nulls(), child.nulls());
        let values = Float64Array::new(child.values().clone(), nulls);
        return Ok(ListArray::new(
            Arc::new(Field::new_list_field(DataType::Float64, true)),
            list.offsets().clone(),
            Arc::new(values),
            list.nulls().cloned(),
        ));
    }
    let a = if a.data_type() == &f64_list_type() {
        a.clone()
    } else {
        cast(a, &f64_list_type())?
    };
    Ok(a.as_list::<i32>().clone())
}

/// Row `i` of a `List<Float64>` as a vector, NULL elements as NaN.
fn row_vec(l: &ListArray, i: usize) -> Vec<f64> {
    let offsets = l.value_offsets();
    let v = l.values().as_primitive::<Float64Type>();
    (offsets[i] as usize..offsets[i + 1] as usize)
        .map(|j| if v.is_null(j) { f64::NAN } else { v.value(j) })
        .collect()
}

/// A list argument (numbers, or structs read through `field`) as a [`ListCol`].
pub(super) fn list_col(v: &ColumnarValue, field: Option<&str>) -> Result<ListCol> {
    match v {
        ColumnarValue::Scalar(sv) => {
            if sv.is_null() {
                return Ok(ListCol::Const(None));
            }
            let l = f64_list(&sv.to_array_of_size(1)?, field)?;
            Ok(ListCol::Const(if l.is_null(0) {
                None
            } else {
                Some(row_vec(&l, 0))
            }))
        }
        ColumnarValue::Array(a) => {
            let list = f64_list(a, field)?;
            let values = list.values().as_primitive::<Float64Type>().clone();
            Ok(ListCol::Arr { list, values })
        }
    }
}

/// A list-of-structs argument (forecast output), read one numeric field at a time.
pub(super) struct StructListCol {
    value: ColumnarValue,
}

impl StructListCol {
    /// Names of the struct fields (empty for an untyped NULL).
    pub fn field_names(&self) -> Vec<String> {
        struct_list_fields(&self.value.data_type())
            .map(|fs| fs.iter().map(|f| f.name().clone()).collect())
            .unwrap_or_default()
    }

    /// The numeric field `name` of every struct, as a list column.
    pub fn field(&self, name: &str) -> Result<ListCol> {
        if struct_list_fields(&self.value.data_type()).is_none() {
            // an untyped NULL (coerced to an empty List<Float64>): every row is NULL
            return Ok(ListCol::Const(None));
        }
        list_col(&self.value, Some(name))
    }
}

/// The arguments of one invocation, with defaults filled in for omitted optional parameters.
pub(super) struct Inputs {
    pub name: &'static str,
    pub cols: Vec<Col>,
    pub rows: usize,
}

impl Inputs {
    pub fn new(name: &'static str, params: &[Param], args: &ScalarFunctionArgs) -> Result<Inputs> {
        let mut cols = Vec::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            let col = match (args.args.get(i), p.kind) {
                (Some(ColumnarValue::Scalar(sv)), Kind::Num) => {
                    let v = if sv.is_null() {
                        None
                    } else {
                        match sv.cast_to(&DataType::Float64)? {
                            ScalarValue::Float64(v) => v,
                            _ => None,
                        }
                    };
                    Col::Num(NumCol::Const(v))
                }
                (Some(ColumnarValue::Array(a)), Kind::Num) => Col::Num(NumCol::Arr(as_f64(a)?)),
                (Some(ColumnarValue::Scalar(sv)), Kind::Text) => {
                    let v = if sv.is_null() {
                        None
                    } else {
                        match sv.cast_to(&DataType::Utf8)? {
                            ScalarValue::Utf8(v) => v,
                            _ => None,
                        }
                    };
                    Col::Text(TextCol::Const(v))
                }
                (Some(ColumnarValue::Array(a)), Kind::Text) => {
                    let a = if a.data_type() == &DataType::Utf8 {
                        a.clone()
                    } else {
                        cast(a, &DataType::Utf8)?
                    };
                    Col::Text(TextCol::Arr(a.as_string::<i32>().clone()))
                }
                (Some(v), Kind::NumList) => Col::List(list_col(v, None)?),
                (Some(v), Kind::NumListOrField(f)) => Col::List(list_col(v, Some(f))?),
                (Some(v), Kind::StructList) => Col::Structs(StructListCol { value: v.clone() }),
                (None, _) => match p.default {
                    DefaultValue::Num(v) => Col::Num(NumCol::Const(Some(v))),
                    DefaultValue::Text(v) => Col::Text(TextCol::Const(Some(v.to_string()))),
                    DefaultValue::List(v) => Col::List(ListCol::Const(Some(v.to_vec()))),
                    DefaultValue::Required => {
                        return Err(DataFusionError::Internal(format!(
                            "{name}: missing required argument {}",
                            p.name
                        )));
                    }
                },
            };
            cols.push(col);
        }
        Ok(Inputs {
            name,
            cols,
            rows: args.number_rows,
        })
    }

    pub fn num(&self, i: usize) -> &NumCol {
        match &self.cols[i] {
            Col::Num(c) => c,
            _ => panic!("{}: parameter {i} is not numeric", self.name),
        }
    }

    pub fn text(&self, i: usize) -> &TextCol {
        match &self.cols[i] {
            Col::Text(c) => c,
            _ => panic!("{}: parameter {i} is not text", self.name),
        }
    }

    pub fn list(&self, i: usize) -> &ListCol {
        match &self.cols[i] {
            Col::List(c) => c,
            _ => panic!("{}: parameter {i} is not a list", self.name),
        }
    }

    pub fn structs(&self, i: usize) -> &StructListCol {
        match &self.cols[i] {
            Col::Structs(c) => c,
            _ => panic!("{}: parameter {i} is not a list of structs", self.name),
        }
    }

    /// Reads the numeric arguments of row `i` into `buf`; false when any is NULL.
    #[inline]
    pub fn nums_into(&self, i: usize, buf: &mut [f64]) -> bool {
        for (slot, col) in buf.iter_mut().zip(&self.cols) {
            match col {
                Col::Num(c) => match c.get(i) {
                    Some(v) => *slot = v,
                    None => return false,
                },
                _ => panic!("{}: nums_into over a non-numeric parameter", self.name),
            }
        }
        true
    }

    /// The model error `e`, as raised by this function.
    pub fn err(&self, e: InventoryError) -> DataFusionError {
        model_error(self.name, e)
    }

    /// Row-wise map over a function whose parameters are all numbers and whose result is one
    /// number: NULL in any argument → NULL; `Ok(None)` → NULL; an error stops the query.
    pub fn map_f64(
        &self,
        f: impl Fn(&[f64]) -> std::result::Result<Option<f64>, InventoryError>,
    ) -> Result<ArrayRef> {
        let n = self.cols.len();
        let mut buf = [0.0f64; 16];
        assert!(n <= buf.len());
        let mut out = Float64Builder::with_capacity(self.rows);
        for i in 0..self.rows {
            if !self.nums_into(i, &mut buf[..n]) {
                out.append_null();
                continue;
            }
            match f(&buf[..n]) {
                Ok(v) => out.append_option(v),
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The inventory family of table-driven scalar functions.
pub(super) struct Inventory;

impl Family for Inventory {
    const UDF_NAME: &'static str = "InventoryUdf";
    type Kind = Kind;
    type Default = DefaultValue;
    type Inputs = Inputs;
    fn inputs(name: &'static str, params: &[Param], args: &ScalarFunctionArgs) -> Result<Inputs> {
        Inputs::new(name, params, args)
    }
}

/// The single `ScalarUDFImpl` behind every scalar function of the family. Each function file
/// supplies its name, parameters, return type, documentation and kernel.
pub(super) type InventoryUdf = DeclarativeUdf<Inventory>;

/// Column types of a struct result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OutKind {
    F64,
    I64,
    Text,
}

/// The `Struct` data type of a result with these fields (every field nullable).
pub(super) fn struct_type(fields: &[(&str, OutKind)]) -> DataType {
    DataType::Struct(struct_fields(fields))
}

fn struct_fields(fields: &[(&str, OutKind)]) -> Fields {
    fields
        .iter()
        .map(|(n, k)| {
            let t = match k {
                OutKind::F64 => DataType::Float64,
                OutKind::I64 => DataType::Int64,
                OutKind::Text => DataType::Utf8,
            };
            Field::new(*n, t, true)
        })
        .collect()
}

enum ColBuilder {
    F64(Float64Builder),
    I64(Int64Builder),
    Text(StringBuilder),
}

/// Builds a struct column row by row: set each field of a row, then `end_row(true)`, or
/// `null_row()` for a NULL struct.
pub(super) struct StructOut {
    fields: Fields,
    cols: Vec<ColBuilder>,
    valid: Vec<bool>,
}

impl StructOut {
    pub fn new(fields: &[(&str, OutKind)], rows: usize) -> StructOut {
        let cols = fields
            .iter()
            .map(|(_, k)| match k {
                OutKind::F64 => ColBuilder::F64(Float64Builder::with_capacity(rows)),
                OutKind::I64 => ColBuilder::I64(Int64Builder::with_capacity(rows)),
                OutKind::Text => ColBuilder::Text(StringBuilder::with_capacity(rows, rows * 8)),
            })
            .collect();
        StructOut {
            fields: struct_fields(fields),
            cols,
            valid: Vec::with_capacity(rows),
        }
    }

    #[inline]
    pub fn f64(&mut self, col: usize, v: Option<f64>) {
        match &mut self.cols[col] {
            ColBuilder::F64(b) => b.append_option(v),
            _ => panic!("field {col} is not a float"),
        }
    }

    #[inline]
    pub fn i64(&mut self, col: usize, v: Option<i64>) {
        match &mut self.cols[col] {
            ColBuilder::I64(b) => b.append_option(v),
            _ => panic!("field {col} is not an integer"),
        }
    }

    #[inline]
    pub fn text(&mut self, col: usize, v: Option<&str>) {
        match &mut self.cols[col] {
            ColBuilder::Text(b) => b.append_option(v),
            _ => panic!("field {col} is not text"),
        }
    }

    /// Closes a row whose fields were all set.
    #[inline]
    pub fn end_row(&mut self) {
        self.valid.push(true);
    }

    /// Appends a NULL struct (every field NULL).
    pub fn null_row(&mut self) {
        for c in &mut self.cols {
            match c {
                ColBuilder::F64(b) => b.append_null(),
                ColBuilder::I64(b) => b.append_null(),
                ColBuilder::Text(b) => b.append_null(),
            }
        }
        self.valid.push(false);
    }

    pub fn finish(self) -> ArrayRef {
        let arrays: Vec<ArrayRef> = self
            .cols
            .into_iter()
            .map(|c| -> ArrayRef {
                match c {
                    ColBuilder::F64(mut b) => Arc::new(b.finish()),
                    ColBuilder::I64(mut b) => Arc::new(b.finish()),
                    ColBuilder::Text(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let nulls = if self.valid.iter().all(|v| *v) {
            None
        } else {
            Some(NullBuffer::from(self.valid))
        };
        Arc::new(StructArray::new(self.fields, arrays, nulls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &[Param] = &[
        Param::num("a"),
        Param::list("b"),
        Param::num_or("c", 0.0),
        Param::text_or("d", "x"),
    ];

    #[test]
    fn shape_and_coercion() {
        assert_eq!(call_shape("f", P), "f(a, b[, c, d])");
        let list_i64 = DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)));
        assert_eq!(
            coerce(P, &[DataType::Int32, list_i64, DataType::Decimal128(10, 2)]),
            vec![DataType::Float64, f64_list_type(), DataType::Float64]
        );
        // a wrong type is left alone for check_types to report
        assert_eq!(coerce(P, &[DataType::Utf8]), vec![DataType::Utf8]);
        assert!(check_types("f", P, &[DataType::Float64]).is_err());
        assert!(check_types("f", P, &[DataType::Float64, f64_list_type()]).is_ok());
        let e = check_types("f", P, &[DataType::Utf8, f64_list_type()]).unwrap_err();
        let s = SqlError::find_in(&e).unwrap();
        assert_eq!(s.code, DATATYPE_MISMATCH);
        assert_eq!(s.message, "f: argument a must be a number, got Utf8");
    }
}

/// Argument descriptions shared by the functions of the family, so one name always means one
/// thing in the documentation.
pub(super) mod arg_doc {
    pub const SERVICE_LEVEL: &str = "Cycle service level (probability of no stock-out per \
        replenishment cycle), a fraction strictly between 0 and 1 (0.95, not 95).";
    pub const FILL_RATE: &str = "Fill rate target (share of demand served from stock on hand), a \
        fraction strictly between 0 and 1.";
    pub const DEMAND_MEAN: &str = "Mean demand per period (units), at least 0.";
    pub const DEMAND_STD: &str = "Standard deviation of demand per period (units), at least 0.";
    pub const LEAD_TIME: &str = "Mean supplier lead time in periods (the unit of the demand \
        arguments: days with daily demand), at least 0.";
    pub const LEAD_TIME_STD: &str = "Standard deviation of the lead time in periods, at least 0. \
        Optional, default 0 (lead time known).";
    pub const REVIEW_PERIOD: &str = "Periods between order reviews, at least 0. Optional, \
        default 0 (continuous review).";
    pub const REVIEW_PERIOD_REQUIRED: &str =
        "Periods between order reviews, at least 0 (0 = continuous review).";
    pub const ORDER_QUANTITY: &str = "Expected replenishment per cycle (units), greater than 0: \
        the lot size of an (r, Q) or (s, S) policy, or mean demand per review period d·R for an \
        (R, S) policy.";
    pub const SAFETY_STOCK: &str = "Safety stock in units (any finite number; fill-rate safety \
        stocks can be negative).";
    pub const ON_HAND: &str = "Stock on hand (units). May be negative (ERPs that book \
        backorders as negative stock).";
    pub const ON_ORDER: &str = "Units ordered and not yet received, at least 0.";
    pub const BACKORDERS: &str = "Units owed to customers, at least 0.";
    pub const REORDER_POINT: &str = "Reorder point s: order when the inventory position is at or \
        below it (any finite number).";
    pub const MOQ: &str = "Supplier minimum order quantity (units), at least 0. Optional, \
        default 0 (no minimum).";
    pub const CASE_PACK: &str = "Units per case; orders are whole cases. Greater than 0 (1 for \
        items sold by the unit). Optional, default 1.";
    pub const TARGET: &str = "What service_level means: 'csl' (cycle service level, also \
        'cycle_service_level', 'alpha') or 'fill_rate' (also 'beta'). Optional, default 'csl'.";
}
