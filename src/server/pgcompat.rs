//! What PostgreSQL clients expect beyond plain SQL: `pg_catalog`, `information_schema` helpers
//! and functions such as `version()`, `current_setting()`, `pg_typeof()`.
//!
//! The `pg_catalog` schema (from datafusion-pg-catalog) is registered once in the shared catalog;
//! functions that depend on the session (user, settings, backend pid) are registered in every
//! session.
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion_pg_catalog::pg_catalog::{PgCatalogSchemaProvider, PgCatalogStaticTables};
use parking_lot::Mutex;

use super::session::Settings;

pub const SERVER_VERSION: &str = "16.6";
pub const SERVER_VERSION_NUM: &str = "160006";

/// The `version()` string. SQLAlchemy and others parse the leading `PostgreSQL 16.6`.
pub fn version_string() -> String {
    format!(
        "PostgreSQL {SERVER_VERSION} (aisle {}) on {}-unknown-linux-gnu, compiled by rustc, 64-bit",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    )
}

type Body = dyn Fn(&ScalarFunctionArgs) -> DfResult<ColumnarValue> + Send + Sync;

/// A small scalar function defined by a closure.
struct PgFn {
    name: &'static str,
    signature: Signature,
    ret: DataType,
    body: Box<Body>,
}

impl std::fmt::Debug for PgFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgFn").field("name", &self.name).finish()
    }
}

impl PartialEq for PgFn {
    fn eq(&self, other: &Self) -> bool {
        // Each instance carries its own session state: only the same instance is equal.
        std::ptr::eq(self, other)
    }
}
impl Eq for PgFn {}
impl Hash for PgFn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for PgFn {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(self.ret.clone())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        (self.body)(&args)
    }
}

fn udf(
    name: &'static str,
    signature: Signature,
    ret: DataType,
    body: impl Fn(&ScalarFunctionArgs) -> DfResult<ColumnarValue> + Send + Sync + 'static,
) -> ScalarUDF {
    ScalarUDF::new_from_impl(PgFn {
        name,
        signature,
        ret,
        body: Box::new(body),
    })
}

fn constant_text(v: Option<String>) -> ColumnarValue {
    ColumnarValue::Scalar(ScalarValue::Utf8(v))
}

/// Apply a text -> text function element-wise over the first argument.
fn map_text(
    args: &ScalarFunctionArgs,
    f: impl Fn(&str) -> DfResult<Option<String>>,
) -> DfResult<ColumnarValue> {
    match &args.args[0] {
        ColumnarValue::Scalar(s) => {
            let v = match s {
                ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
                    v.clone()
                }
                ScalarValue::Null => None,
                other => Some(other.to_string()),
            };
            Ok(constant_text(match v {
                Some(v) => f(&v)?,
                None => None,
            }))
        }
        ColumnarValue::Array(a) => {
            let a = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
            let a = a.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
                DataFusionError::Internal("text argument did not cast to Utf8".into())
            })?;
            let mut out = Vec::with_capacity(a.len());
            for v in a.iter() {
                out.push(match v {
                    Some(v) => f(v)?,
                    None => None,
                });
            }
            Ok(ColumnarValue::Array(
                Arc::new(StringArray::from(out)) as ArrayRef
            ))
        }
    }
}

/// PostgreSQL type name for an Arrow type (what `pg_typeof` shows).
pub fn pg_type_name(dt: &DataType) -> String {
    match arrow_pg::datatypes::into_pg_type(dt) {
        Ok(t) => match t.name() {
            "int2" => "smallint".into(),
            "int4" => "integer".into(),
            "int8" => "bigint".into(),
            "float4" => "real".into(),
            "float8" => "double precision".into(),
            "bool" => "boolean".into(),
            "varchar" => "character varying".into(),
            "timestamptz" => "timestamp with time zone".into(),
            "timestamp" => "timestamp without time zone".into(),
            "_int8" => "bigint[]".into(),
            "_int4" => "integer[]".into(),
            "_float8" => "double precision[]".into(),
            "_text" => "text[]".into(),
            other => other.to_string(),
        },
        Err(_) => "unknown".into(),
    }
}

/// Facts about the session that its functions report.
pub struct SessionFacts {
    pub user: String,
    pub pid: i32,
    pub database: String,
    pub settings: Arc<Mutex<Settings>>,
}

/// Register the per-session functions.
pub fn register_session_functions(ctx: &SessionContext, facts: SessionFacts) {
    let version = version_string();
    ctx.register_udf(udf(
        "version",
        Signature::exact(vec![], Volatility::Stable),
        DataType::Utf8,
        move |_| Ok(constant_text(Some(version.clone()))),
    ));

    let user = facts.user.clone();
    for name in ["session_user", "current_user", "user", "current_role"] {
        let user = user.clone();
        ctx.register_udf(udf(
            name,
            Signature::exact(vec![], Volatility::Stable),
            DataType::Utf8,
            move |_| Ok(constant_text(Some(user.clone()))),
        ));
    }

    let pid = facts.pid;
    ctx.register_udf(udf(
        "pg_backend_pid",
        Signature::exact(vec![], Volatility::Stable),
        DataType::Int32,
        move |_| Ok(ColumnarValue::Scalar(ScalarValue::Int32(Some(pid)))),
    ));

    let db = facts.database.clone();
    ctx.register_udf(udf(
        "current_database",
        Signature::exact(vec![], Volatility::Stable),
        DataType::Utf8,
        move |_| Ok(constant_text(Some(db.clone()))),
    ));
    ctx.register_udf(udf(
        "current_catalog",
        Signature::exact(vec![], Volatility::Stable),
        DataType::Utf8,
        {
            let db = facts.database.clone();
            move |_| Ok(constant_text(Some(db.clone())))
        },
    ));

    let settings = facts.settings.clone();
    ctx.register_udf(udf(
        "current_setting",
        Signature::one_of(
            vec![TypeSignature::Any(1), TypeSignature::Any(2)],
            Volatility::Stable,
        ),
        DataType::Utf8,
        move |args| {
            let missing_ok = matches!(
                args.args.get(1),
                Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
            );
            map_text(args, |name| match settings.lock().get(name) {
                Some(v) => Ok(Some(v)),
                None if missing_ok => Ok(None),
                None => Err(crate::error::SqlError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                )
                .into_df()),
            })
        },
    ));

    ctx.register_udf(udf(
        "pg_typeof",
        Signature::any(1, Volatility::Immutable),
        DataType::Utf8,
        |args| {
            let dt = args.arg_fields[0].data_type();
            Ok(constant_text(Some(pg_type_name(dt))))
        },
    ));

    for name in [
        "pg_function_is_visible",
        "pg_type_is_visible",
        "pg_opclass_is_visible",
        "pg_collation_is_visible",
        "pg_conversion_is_visible",
        "pg_operator_is_visible",
        "pg_ts_config_is_visible",
    ] {
        ctx.register_udf(udf(
            name,
            Signature::any(1, Volatility::Stable),
            DataType::Boolean,
            |args| {
                Ok(match &args.args[0] {
                    ColumnarValue::Array(a) => ColumnarValue::Array(Arc::new(BooleanArray::from(
                        (0..a.len())
                            .map(|i| if a.is_null(i) { None } else { Some(true) })
                            .collect::<Vec<_>>(),
                    ))),
                    ColumnarValue::Scalar(s) => {
                        ColumnarValue::Scalar(ScalarValue::Boolean(if s.is_null() {
                            None
                        } else {
                            Some(true)
                        }))
                    }
                })
            },
        ));
    }

    // Extension types (hstore, ...) do not exist: `to_regtype('hstore')` is NULL.
    for name in ["to_regtype", "to_regclass", "to_regproc", "to_regnamespace"] {
        ctx.register_udf(udf(
            name,
            Signature::any(1, Volatility::Stable),
            DataType::Int32,
            |_| Ok(ColumnarValue::Scalar(ScalarValue::Int32(None))),
        ));
    }

    ctx.register_udf(udf(
        "pg_size_pretty",
        Signature::any(1, Volatility::Immutable),
        DataType::Utf8,
        |args| {
            map_text(args, |v| {
                let Ok(n) = v.trim().parse::<f64>() else {
                    return Ok(Some(v.to_string()));
                };
                let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
                let mut x = n;
                let mut i = 0;
                while x.abs() >= 10.0 * 1024.0 && i + 1 < units.len() {
                    x /= 1024.0;
                    i += 1;
                }
                Ok(Some(format!("{} {}", x.round() as i64, units[i])))
            })
        },
    ));

    // aisle's functions (pg_proc rows from `pg_proc::functions`): arguments and result type.
    // Our functions have no defaults or OUT parameters, so identity arguments = arguments.
    for name in [
        "pg_get_function_arguments",
        "pg_get_function_identity_arguments",
    ] {
        ctx.register_udf(udf(
            name,
            Signature::any(1, Volatility::Stable),
            DataType::Utf8,
            |args| {
                oid_lookup(args, |oid, _| {
                    super::pg_proc::function_by_oid(oid).map(|f| f.arguments.clone())
                })
            },
        ));
    }
    ctx.register_udf(udf(
        "pg_get_function_result",
        Signature::any(1, Volatility::Stable),
        DataType::Utf8,
        |args| {
            oid_lookup(args, |oid, _| {
                super::pg_proc::function_by_oid(oid).and_then(|f| f.result.clone())
            })
        },
    ));

    // `information_schema._pg_expandarray(a)` is rewritten to `unnest(pg_expandarray_list(a))`
    // (see `pg_proc::rewrite_client_sql`): the elements of an array or of an int2vector's text
    // ("1 2") with their positions, as a list of (x, n) records.
    ctx.register_udf(udf(
        "pg_expandarray_list",
        Signature::any(1, Volatility::Immutable),
        expandarray_type(),
        |args| expandarray(&args.args[0], args.number_rows),
    ));
    ctx.register_udf(udf(
        "pg_vector_element",
        Signature::any(2, Volatility::Immutable),
        DataType::Int16,
        vector_element,
    ));

    // Tables are Parquet files, not PostgreSQL heaps: no sizes to report (psql `\dt+` shows 0).
    for name in ["pg_table_size", "pg_indexes_size", "pg_database_size"] {
        ctx.register_udf(udf(
            name,
            Signature::any(1, Volatility::Stable),
            DataType::Int64,
            |_| Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(0)))),
        ));
    }

    // No sequences, no function definitions in SQL, no comments on shared objects.
    for (name, arity) in [
        ("pg_get_functiondef", 1usize),
        ("pg_get_function_sqlbody", 1),
        ("pg_get_indexdef", 3),
        ("pg_get_triggerdef", 1),
        ("pg_get_serial_sequence", 2),
        ("shobj_description", 2),
    ] {
        ctx.register_udf(udf(
            name,
            Signature::any(arity, Volatility::Stable),
            DataType::Utf8,
            |_| Ok(constant_text(None)),
        ));
    }

    // Table and column comments come from the catalog files (see `Comments`), found through
    // the OIDs of this session's own pg_catalog (see `RelationOids`).
    let comments = comments();
    let oids = relation_oids(ctx);
    ctx.register_udf(udf(
        "obj_description",
        Signature::one_of(
            vec![TypeSignature::Any(1), TypeSignature::Any(2)],
            Volatility::Stable,
        ),
        DataType::Utf8,
        {
            let comments = comments.clone();
            let oids = oids.clone();
            move |args| {
                oid_lookup(args, |oid, _| {
                    comments.table_comment(&oids, oid).or_else(|| {
                        super::pg_proc::function_by_oid(oid).map(|f| f.description.clone())
                    })
                })
            }
        },
    ));
    ctx.register_udf(udf(
        "col_description",
        Signature::any(2, Volatility::Stable),
        DataType::Utf8,
        move |args| oid_lookup(args, |oid, col| comments.column_comment(&oids, oid, col)),
    ));
}

fn expandarray_type() -> DataType {
    use datafusion::arrow::datatypes::{Field, Fields};
    let item = DataType::Struct(Fields::from(vec![
        Field::new("x", DataType::Int64, true),
        Field::new("n", DataType::Int32, false),
    ]));
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// `pg_expandarray_list(a)`: `[(a[1], 1), (a[2], 2), ...]`; `a` is a list of integers or
/// int2vector text such as `1 2`.
fn expandarray(arg: &ColumnarValue, number_rows: usize) -> DfResult<ColumnarValue> {
    use datafusion::arrow::array::{Int32Builder, Int64Builder, ListBuilder, StructBuilder};
    use datafusion::arrow::datatypes::Field;
    let array = arg.clone().into_array(number_rows.max(1))?;
    let text = vector_text(&array)?;
    let text = text
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| DataFusionError::Internal("pg_expandarray_list: not text".into()))?;
    let fields = vec![
        Field::new("x", DataType::Int64, true),
        Field::new("n", DataType::Int32, false),
    ];
    let mut out = ListBuilder::new(StructBuilder::new(
        fields,
        vec![Box::new(Int64Builder::new()), Box::new(Int32Builder::new())],
    ));
    for v in text.iter() {
        let Some(v) = v else {
            out.append(false);
            continue;
        };
        for (i, item) in vector_items(v).enumerate() {
            let sb = out.values();
            sb.field_builder::<Int64Builder>(0)
                .expect("x builder")
                .append_option(item.parse::<i64>().ok());
            sb.field_builder::<Int32Builder>(1)
                .expect("n builder")
                .append_value(i as i32 + 1);
            sb.append(true);
        }
        out.append(true);
    }
    let result: ArrayRef = Arc::new(out.finish());
    if matches!(arg, ColumnarValue::Scalar(_)) {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(result))
    }
}

/// The elements of an int2vector's text (`1 2`), of `{1,2}` or `[1, 2]`.
fn vector_items(v: &str) -> impl Iterator<Item = &str> {
    v.trim_matches(|c| c == '{' || c == '}' || c == '[' || c == ']')
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
}

/// `pg_vector_element(v, i)`: element `i` (0-based, as PostgreSQL subscripts int2vector and
/// oidvector) of an int2vector/oidvector column, which pg_catalog holds as text (`1 2`), as
/// smallint; NULL when `v` or `i` is NULL or `i` is out of range. The server rewrites
/// subscripts of those columns (`i.indoption[k]`, JDBC `getIndexInfo`) to this function.
fn vector_element(args: &ScalarFunctionArgs) -> DfResult<ColumnarValue> {
    use datafusion::arrow::array::Int16Array;
    let n = args.number_rows.max(1);
    let all_scalar = args
        .args
        .iter()
        .all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let vectors = vector_text(&args.args[0].clone().into_array(n)?)?;
    let vectors = vectors
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| DataFusionError::Internal("pg_vector_element: not text".into()))?;
    let index = args.args[1].clone().into_array(n)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let k = if index.is_null(i) {
            None
        } else {
            scalar_i64(&ScalarValue::try_from_array(&index, i)?)
        };
        out.push(match (vectors.is_null(i), k) {
            (false, Some(k)) if k >= 0 => vector_items(vectors.value(i))
                .nth(k as usize)
                .and_then(|x| x.parse::<i16>().ok()),
            _ => None,
        });
    }
    let result: ArrayRef = Arc::new(Int16Array::from(out));
    if all_scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(result))
    }
}

/// Each row of an int2vector text column or of a list column as text (`1 2`).
fn vector_text(array: &ArrayRef) -> DfResult<ArrayRef> {
    datafusion::arrow::compute::cast(array, &DataType::Utf8).or_else(|_| {
        // lists: render each element list as space-separated text
        let values: Vec<Option<String>> = (0..array.len())
            .map(|i| {
                if array.is_null(i) {
                    return Ok(None);
                }
                let v = ScalarValue::try_from_array(array, i)?;
                Ok(match v {
                    ScalarValue::List(l) => {
                        let inner = datafusion::arrow::compute::cast(l.values(), &DataType::Utf8)?;
                        let inner = inner.as_any().downcast_ref::<StringArray>().cloned();
                        inner.map(|a| a.iter().flatten().collect::<Vec<_>>().join(" "))
                    }
                    other => Some(other.to_string()),
                })
            })
            .collect::<DfResult<_>>()?;
        Ok::<ArrayRef, DataFusionError>(Arc::new(StringArray::from(values)))
    })
}

fn scalar_i64(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::Int8(Some(x)) => Some(*x as i64),
        ScalarValue::Int16(Some(x)) => Some(*x as i64),
        ScalarValue::Int32(Some(x)) => Some(*x as i64),
        ScalarValue::Int64(Some(x)) => Some(*x),
        ScalarValue::UInt32(Some(x)) => Some(*x as i64),
        ScalarValue::UInt64(Some(x)) => Some(*x as i64),
        ScalarValue::Utf8(Some(s)) => s.parse().ok(),
        _ => None,
    }
}

/// Evaluate `f(oid, second_arg)` row by row.
fn oid_lookup(
    args: &ScalarFunctionArgs,
    f: impl Fn(i64, Option<i64>) -> Option<String>,
) -> DfResult<ColumnarValue> {
    let n = args.number_rows;
    let all_scalar = args
        .args
        .iter()
        .all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let rows = if all_scalar { 1 } else { n };
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        let get = |c: &ColumnarValue| -> DfResult<ScalarValue> {
            match c {
                ColumnarValue::Scalar(s) => Ok(s.clone()),
                ColumnarValue::Array(a) => ScalarValue::try_from_array(a, i),
            }
        };
        let oid = scalar_i64(&get(&args.args[0])?);
        let second = match args.args.get(1) {
            Some(c) => scalar_i64(&get(c)?),
            None => None,
        };
        out.push(oid.and_then(|o| f(o, second)));
    }
    if all_scalar {
        Ok(constant_text(out.pop().flatten()))
    } else {
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(out))))
    }
}

/// Comments on tables and columns from the catalog files, by relation name (the same for every
/// session).
///
/// Filled by the server from the engine's catalog metadata at start-up. `obj_description(oid)`
/// and `col_description(oid, n)` find the relation through the session's `RelationOids`: OIDs
/// are handed out per pg_catalog, and every role's catalog has its own pg_catalog, so the same
/// OID names different relations for different roles.
#[derive(Default)]
pub struct Comments {
    /// table name -> (description, [(column name, description)])
    by_name: Mutex<std::collections::HashMap<String, (String, Vec<(String, String)>)>>,
}

/// OID -> (relation name, column names by attnum) as one pg_catalog hands them out, learned
/// from its pg_class/pg_attribute (`learn`). One per pg_catalog (`AisleCatalogSchema`), so per
/// role catalog: a session never resolves an OID another role's catalog assigned.
#[derive(Default, Debug)]
pub struct RelationOids {
    map: Mutex<std::collections::HashMap<i64, (String, Vec<String>)>>,
}

impl RelationOids {
    pub fn learn(&self, oid: i64, table: &str, columns: Vec<String>) {
        self.map.lock().insert(oid, (table.to_string(), columns));
    }

    fn get(&self, oid: i64) -> Option<(String, Vec<String>)> {
        self.map.lock().get(&oid).cloned()
    }
}

/// The `RelationOids` of the session's pg_catalog (an empty map if it has none: no comments
/// rather than another relation's).
pub fn relation_oids(ctx: &SessionContext) -> Arc<RelationOids> {
    for name in ctx.catalog_names() {
        let Some(catalog) = ctx.catalog(&name) else {
            continue;
        };
        let Some(schema) = catalog.schema("pg_catalog") else {
            continue;
        };
        if let Some(s) = schema.downcast_ref::<super::pg_proc::AisleCatalogSchema>() {
            return s.relation_oids();
        }
    }
    Arc::new(RelationOids::default())
}

impl Comments {
    pub fn set_table(&self, table: &str, description: &str, columns: Vec<(String, String)>) {
        self.by_name
            .lock()
            .insert(table.to_string(), (description.to_string(), columns));
    }

    fn table_comment(&self, oids: &RelationOids, oid: i64) -> Option<String> {
        let table = oids.get(oid)?.0;
        let d = self.by_name.lock().get(&table)?.0.clone();
        (!d.is_empty()).then_some(d)
    }

    fn column_comment(&self, oids: &RelationOids, oid: i64, attnum: Option<i64>) -> Option<String> {
        let attnum = attnum?;
        let (table, cols) = oids.get(oid)?;
        let col = cols.get(usize::try_from(attnum - 1).ok()?)?.clone();
        let by_name = self.by_name.lock();
        let (_, comments) = by_name.get(&table)?;
        comments
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(_, d)| d.clone())
            .filter(|d| !d.is_empty())
    }

    /// Description and column comments of a table, by name.
    pub fn table(&self, table: &str) -> Option<(String, Vec<(String, String)>)> {
        self.by_name.lock().get(table).cloned()
    }

    pub fn has_any(&self) -> bool {
        !self.by_name.lock().is_empty()
    }
}

/// The process-wide comment registry.
pub fn comments() -> Arc<Comments> {
    static COMMENTS: OnceLock<Arc<Comments>> = OnceLock::new();
    COMMENTS
        .get_or_init(|| Arc::new(Comments::default()))
        .clone()
}

/// Static pg_catalog tables, loaded once per process.
fn static_tables() -> DfResult<Arc<PgCatalogStaticTables>> {
    static TABLES: OnceLock<Arc<PgCatalogStaticTables>> = OnceLock::new();
    if let Some(t) = TABLES.get() {
        return Ok(t.clone());
    }
    let t = Arc::new(PgCatalogStaticTables::try_new()?);
    Ok(TABLES.get_or_init(|| t).clone())
}

/// Register the `pg_catalog` schema into the shared catalog `catalog_name` (once per process
/// and catalog list; later calls are no-ops).
/// `roles` answers `pg_catalog.pg_roles` (the configured roles).
pub fn install_catalog(
    ctx: &SessionContext,
    catalog_name: &str,
    roles: crate::governance::access::RolesContext,
) -> DfResult<()> {
    let catalog = ctx.catalog(catalog_name).ok_or_else(|| {
        DataFusionError::Configuration(format!("catalog `{catalog_name}` not found"))
    })?;
    if catalog.schema("pg_catalog").is_some() {
        return Ok(());
    }
    let provider = PgCatalogSchemaProvider::try_new(
        ctx.state().catalog_list().clone(),
        static_tables()?,
        roles,
    )?;
    let provider = super::pg_proc::AisleCatalogSchema::new(
        Arc::new(provider),
        ctx.state().catalog_list().clone(),
    );
    catalog.register_schema("pg_catalog", Arc::new(provider))?;
    Ok(())
}

/// Register pg_catalog's functions and planner extensions in one session (what
/// `datafusion_pg_catalog::setup_pg_catalog` does, without re-registering the shared schema).
pub fn install_session(ctx: &SessionContext, catalog_name: &str) -> DfResult<()> {
    use datafusion_pg_catalog::pg_catalog::*;
    let statics = static_tables()?;
    ctx.register_udf(create_current_database_udf(catalog_name));
    ctx.register_udf(create_current_schema_udf());
    ctx.register_udf(create_current_schemas_udf());
    ctx.register_udf(create_pg_get_userbyid_udf());
    for name in [
        "has_table_privilege",
        "has_schema_privilege",
        "has_database_privilege",
        "has_any_column_privilege",
        "has_column_privilege",
        "has_function_privilege",
    ] {
        ctx.register_udf(has_privilege_udf::create_has_privilege_udf(name));
    }
    ctx.register_udf(create_pg_table_is_visible());
    ctx.register_udf(format_type::create_format_type_udf());
    ctx.register_udtf("pg_get_keywords", statics.pg_get_keywords.clone());
    ctx.register_udf(pg_get_expr_udf::create_pg_get_expr_udf());
    ctx.register_udf(create_pg_get_partkeydef_udf());
    ctx.register_udf(create_pg_relation_is_publishable_udf());
    ctx.register_udf(create_pg_get_statisticsobjdef_columns_udf());
    ctx.register_udf(create_pg_encoding_to_char_udf());
    ctx.register_udf(create_pg_relation_size_udf());
    ctx.register_udf(create_pg_total_relation_size_udf());
    ctx.register_udf(create_pg_stat_get_numscans());
    ctx.register_udf(create_pg_get_constraintdef());
    ctx.register_udf(create_pg_get_partition_ancestors_udf());
    ctx.register_udf(quote_ident_udf::create_quote_ident_udf());
    ctx.register_udf(quote_ident_udf::create_parse_ident_udf());
    ctx.register_udf(array_bounds_udf::create_array_upper_udf());
    ctx.register_udf(array_bounds_udf::create_array_lower_udf());
    {
        use datafusion::execution::session_state::SessionStateBuilder;
        let state = ctx.state_ref();
        let existing = state.read().clone();
        let new_state = SessionStateBuilder::new_from_existing(existing)
            .with_type_planner(Arc::new(oid_type_planner::PgOidTypePlanner))
            .build();
        *state.write() = new_state;
    }
    generate_series_arg_coercion::CoerceIntArgsToBigInt::widen(ctx);
    Ok(())
}
