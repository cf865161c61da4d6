//! aisle's own rows in the PostgreSQL catalog, on top of datafusion-pg-catalog's:
//!
//! - `pg_proc`: one row per aisle function (from `udfs::documented_functions`), in the `public`
//!   namespace, so psql `\df` and JDBC `getFunctions` list them;
//! - `pg_description`: the functions' descriptions (`\df+`, JDBC `REMARKS`) and the catalog
//!   files' table and column comments (`\dt+`, `\d+`, JDBC `getTables`/`getColumns` `REMARKS`);
//! - `information_schema_columns`: `information_schema.columns` with PostgreSQL type names
//!   (`integer`, `text`, `timestamp without time zone`, ...) instead of Arrow's, plus `udt_name`
//!   (`int4`, ...). DataFusion answers `information_schema` itself, so the server rewrites
//!   references to `information_schema.columns` to this table (`rewrite_information_schema`).
//!
//! `AisleCatalogSchema` wraps the pg_catalog schema provider and delegates every other table.
//! Table OIDs are handed out by the wrapped provider when pg_class is built, so the rows that
//! need them are computed when the table is scanned.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int32Type, Schema, SchemaRef};
use datafusion::catalog::information_schema::InformationSchemaProvider;
use datafusion::catalog::{CatalogProviderList, SchemaProvider, Session, TableProvider};
use datafusion::common::Result as DfResult;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, ReturnFieldArgs, TableType};
use datafusion::physical_plan::{ExecutionPlan, collect};

use super::pgcompat::{comments, pg_type_name};

/// `pg_class` OID of pg_proc (the `classoid` of function descriptions).
const PG_PROC_CLASS: i32 = 1255;
/// `pg_class` OID of pg_class (the `classoid` of table and column descriptions).
const PG_CLASS_CLASS: i32 = 1259;
/// OIDs of aisle functions: above the dynamic OIDs pg_catalog hands to tables (from 16384).
const FIRST_FUNCTION_OID: i32 = 1_000_000;

/// One aisle function as the catalog shows it.
#[derive(Debug, Clone)]
pub struct FnEntry {
    pub oid: i32,
    pub name: String,
    /// `f` function, `a` aggregate (pg_proc.prokind).
    pub prokind: &'static str,
    pub retset: bool,
    /// What `pg_get_function_arguments` shows: the argument names of the documented syntax.
    pub arguments: String,
    /// What `pg_get_function_result` shows (PostgreSQL type name), when it can be derived.
    pub result: Option<String>,
    pub description: String,
}

/// Every aisle function, with fixed OIDs (sorted by name, so they are stable for a build).
pub fn functions() -> &'static [FnEntry] {
    static FNS: LazyLock<Vec<FnEntry>> = LazyLock::new(build_functions);
    &FNS
}

/// The function with this OID, if it is one of ours.
pub fn function_by_oid(oid: i64) -> Option<&'static FnEntry> {
    let i = usize::try_from(oid - FIRST_FUNCTION_OID as i64).ok()?;
    functions().get(i)
}

/// `f(a, b[, c])` -> `a, b[, c]`.
fn arguments_of(syntax: &str) -> String {
    match (syntax.find('('), syntax.rfind(')')) {
        (Some(a), Some(b)) if b > a => syntax[a + 1..b].trim().to_string(),
        _ => String::new(),
    }
}

/// PostgreSQL name of a function result type.
fn result_name(t: &DataType) -> String {
    match t {
        DataType::Struct(_) => "record".to_string(),
        DataType::List(_) | DataType::LargeList(_) => match pg_type_name(t).as_str() {
            "unknown" => "record[]".to_string(),
            n => n.to_string(),
        },
        _ => pg_type_name(t),
    }
}

/// Argument type lists to try when deriving a result type: the signature's examples, then
/// every documented argument as double precision (our numeric functions take any number).
fn candidate_types(examples: Vec<Vec<DataType>>, nargs: usize) -> Vec<Vec<DataType>> {
    let mut v = examples;
    v.push(vec![DataType::Float64; nargs]);
    v
}

/// The result type for the first candidate argument types the function accepts.
fn result_type(
    candidates: Vec<Vec<DataType>>,
    f: impl Fn(&[FieldRef]) -> DfResult<FieldRef>,
) -> Option<String> {
    candidates.into_iter().find_map(|types| {
        let fields: Vec<FieldRef> = types
            .iter()
            .enumerate()
            .map(|(i, t)| Arc::new(Field::new(format!("a{i}"), t.clone(), true)))
            .collect();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&fields))).ok()?;
        r.ok().map(|field| result_name(field.data_type()))
    })
}

fn build_functions() -> Vec<FnEntry> {
    let scalars: HashMap<String, _> = crate::udfs::scalar_functions()
        .into_iter()
        .map(|f| (f.name().to_string(), f))
        .collect();
    let aggregates: HashMap<String, _> = crate::udfs::aggregate_functions()
        .into_iter()
        .map(|f| (f.name().to_string(), f))
        .collect();
    crate::udfs::documented_functions()
        .into_iter()
        .enumerate()
        .map(|(i, (name, kind, doc))| {
            let nargs = doc.arguments.as_ref().map(|a| a.len()).unwrap_or(0);
            let result = match kind {
                "scalar" => scalars.get(&name).and_then(|f| {
                    let c =
                        candidate_types(f.signature().type_signature.get_example_types(), nargs);
                    result_type(c, |fields| {
                        let scalars = vec![None; fields.len()];
                        f.return_field_from_args(ReturnFieldArgs {
                            arg_fields: fields,
                            scalar_arguments: &scalars,
                        })
                    })
                }),
                "aggregate" => aggregates.get(&name).and_then(|f| {
                    let c =
                        candidate_types(f.signature().type_signature.get_example_types(), nargs);
                    result_type(c, |fields| f.return_field(fields))
                }),
                _ => Some("SETOF record".to_string()),
            };
            FnEntry {
                oid: FIRST_FUNCTION_OID + i as i32,
                prokind: if kind == "aggregate" { "a" } else { "f" },
                retset: kind == "table",
                arguments: arguments_of(&doc.syntax_example),
                result,
                description: doc.description.clone(),
                name,
            }
        })
        .collect()
}

/// Build a batch of `schema` from rows of optional text values keyed by column name; each
/// value is cast to the column's type, missing columns are NULL.
fn rows_batch(schema: &SchemaRef, rows: &[HashMap<&str, Option<String>>]) -> DfResult<RecordBatch> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let text: StringArray = rows
            .iter()
            .map(|r| r.get(field.name().as_str()).cloned().flatten())
            .collect();
        columns.push(cast(&text, field.data_type())?);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Scan a table of the wrapped schema to completion.
async fn collect_table(
    inner: &Arc<dyn SchemaProvider>,
    name: &str,
    state: &dyn Session,
) -> DfResult<Vec<RecordBatch>> {
    let Some(t) = inner.table(name).await? else {
        return Ok(vec![]);
    };
    let plan = t.scan(state, None, &[], None).await?;
    collect(plan, state.task_ctx()).await
}

/// Column `name` of a batch as Int32 / Utf8.
fn col_i32(b: &RecordBatch, name: &str) -> DfResult<ArrayRef> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| DataFusionError::Internal(format!("pg_catalog column {name} missing")))?;
    Ok(cast(c, &DataType::Int32)?)
}
fn col_text(b: &RecordBatch, name: &str) -> DfResult<ArrayRef> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| DataFusionError::Internal(format!("pg_catalog column {name} missing")))?;
    Ok(cast(c, &DataType::Utf8)?)
}

/// OID of the `public` namespace.
async fn public_oid(inner: &Arc<dyn SchemaProvider>, state: &dyn Session) -> DfResult<Option<i32>> {
    for b in collect_table(inner, "pg_namespace", state).await? {
        let oid = col_i32(&b, "oid")?;
        let name = col_text(&b, "nspname")?;
        let (oid, name) = (oid.as_primitive::<Int32Type>(), name.as_string::<i32>());
        for i in 0..b.num_rows() {
            if !name.is_null(i) && name.value(i) == "public" && !oid.is_null(i) {
                return Ok(Some(oid.value(i)));
            }
        }
    }
    Ok(None)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Proc,
    Description,
    InfoColumns,
    Settings,
}

/// PostgreSQL's fixed (compile-time) settings that clients read from `pg_settings`: pgjdbc's
/// `getIndexInfo` asks for `max_index_keys` and fails without it.
const FIXED_SETTINGS: [(&str, &str, &str, &str); 7] = [
    (
        "max_index_keys",
        "32",
        "integer",
        "Shows the maximum number of index keys.",
    ),
    (
        "max_identifier_length",
        "63",
        "integer",
        "Shows the maximum identifier length.",
    ),
    (
        "max_function_args",
        "100",
        "integer",
        "Shows the maximum number of function arguments.",
    ),
    (
        "block_size",
        "8192",
        "integer",
        "Shows the size of a disk block.",
    ),
    (
        "integer_datetimes",
        "on",
        "bool",
        "Shows whether datetimes are integer based.",
    ),
    (
        "server_encoding",
        "UTF8",
        "string",
        "Shows the server (database) character set encoding.",
    ),
    (
        "server_version_num",
        super::pgcompat::SERVER_VERSION_NUM,
        "integer",
        "Shows the server version as an integer.",
    ),
];

/// A pg_catalog table whose rows are the wrapped table's plus aisle's, computed at scan time.
#[derive(Debug)]
struct ExtTable {
    kind: Kind,
    schema: SchemaRef,
    inner: Arc<dyn SchemaProvider>,
    catalogs: Arc<dyn CatalogProviderList>,
}

impl ExtTable {
    async fn batches(&self, state: &dyn Session) -> DfResult<Vec<RecordBatch>> {
        match self.kind {
            Kind::Proc => {
                let mut out = collect_table(&self.inner, "pg_proc", state).await?;
                let ns = public_oid(&self.inner, state).await?.unwrap_or(2200);
                let rows: Vec<HashMap<&str, Option<String>>> = functions()
                    .iter()
                    .map(|f| {
                        let s = |v: &str| Some(v.to_string());
                        HashMap::from([
                            ("oid", Some(f.oid.to_string())),
                            ("proname", s(&f.name)),
                            ("pronamespace", Some(ns.to_string())),
                            ("proowner", s("10")),
                            ("prolang", s("12")), // internal
                            ("procost", s("1")),
                            ("prorows", s(if f.retset { "1000" } else { "0" })),
                            ("provariadic", s("0")),
                            ("prosupport", s("-")),
                            ("prokind", s(f.prokind)),
                            ("prosecdef", s("false")),
                            ("proleakproof", s("false")),
                            ("proisstrict", s("false")),
                            ("proretset", s(if f.retset { "true" } else { "false" })),
                            ("provolatile", s("i")),
                            ("proparallel", s("s")),
                            (
                                "pronargs",
                                Some(
                                    f.arguments
                                        .split(',')
                                        .filter(|a| !a.trim().is_empty())
                                        .count()
                                        .to_string(),
                                ),
                            ),
                            ("pronargdefaults", s("0")),
                            ("prorettype", s(if f.retset { "2249" } else { "2283" })),
                            ("proargtypes", s("")),
                            ("prosrc", s(&f.name)),
                        ])
                    })
                    .collect();
                out.push(rows_batch(&self.schema, &rows)?);
                Ok(out)
            }
            Kind::Description => {
                let mut out = collect_table(&self.inner, "pg_description", state).await?;
                // `classoid` must match what `'pg_class'::regclass` gives here: the OID
                // pg_catalog handed to that table (not PostgreSQL's fixed 1259).
                let (mut class_pg_class, mut class_pg_proc) = (PG_CLASS_CLASS, PG_PROC_CLASS);
                let ns = public_oid(&self.inner, state).await?;
                let mut tables: HashMap<i32, String> = HashMap::new();
                for b in collect_table(&self.inner, "pg_class", state).await? {
                    let oid = col_i32(&b, "oid")?;
                    let nsp = col_i32(&b, "relnamespace")?;
                    let name = col_text(&b, "relname")?;
                    let oid = oid.as_primitive::<Int32Type>();
                    let nsp = nsp.as_primitive::<Int32Type>();
                    let name = name.as_string::<i32>();
                    for i in 0..b.num_rows() {
                        if oid.is_null(i) || name.is_null(i) {
                            continue;
                        }
                        if !nsp.is_null(i) && nsp.value(i) == 11 {
                            match name.value(i) {
                                "pg_class" => class_pg_class = oid.value(i),
                                "pg_proc" => class_pg_proc = oid.value(i),
                                _ => {}
                            }
                        }
                        if ns.is_some() && (nsp.is_null(i) || Some(nsp.value(i)) != ns) {
                            continue;
                        }
                        tables.insert(oid.value(i), name.value(i).to_string());
                    }
                }
                let mut rows: Vec<HashMap<&str, Option<String>>> = functions()
                    .iter()
                    .map(|f| {
                        HashMap::from([
                            ("objoid", Some(f.oid.to_string())),
                            ("classoid", Some(class_pg_proc.to_string())),
                            ("objsubid", Some("0".to_string())),
                            ("description", Some(f.description.clone())),
                        ])
                    })
                    .collect();
                let comments = comments();
                if comments.has_any() {
                    let mut attnums: HashMap<(i32, String), i32> = HashMap::new();
                    for b in collect_table(&self.inner, "pg_attribute", state).await? {
                        let rel = col_i32(&b, "attrelid")?;
                        let num = col_i32(&b, "attnum")?;
                        let name = col_text(&b, "attname")?;
                        let rel = rel.as_primitive::<Int32Type>();
                        let num = num.as_primitive::<Int32Type>();
                        let name = name.as_string::<i32>();
                        for i in 0..b.num_rows() {
                            if rel.is_null(i) || num.is_null(i) || name.is_null(i) {
                                continue;
                            }
                            if tables.contains_key(&rel.value(i)) {
                                attnums.insert(
                                    (rel.value(i), name.value(i).to_string()),
                                    num.value(i),
                                );
                            }
                        }
                    }
                    let mut by_name: Vec<(&i32, &String)> = tables.iter().collect();
                    by_name.sort();
                    for (oid, table) in by_name {
                        let Some((description, columns)) = comments.table(table) else {
                            continue;
                        };
                        let row = |sub: i32, d: String| {
                            HashMap::from([
                                ("objoid", Some(oid.to_string())),
                                ("classoid", Some(class_pg_class.to_string())),
                                ("objsubid", Some(sub.to_string())),
                                ("description", Some(d)),
                            ])
                        };
                        if !description.is_empty() {
                            rows.push(row(0, description));
                        }
                        for (col, d) in columns {
                            if d.is_empty() {
                                continue;
                            }
                            if let Some(n) = attnums.get(&(*oid, col)) {
                                rows.push(row(*n, d));
                            }
                        }
                    }
                }
                out.push(rows_batch(&self.schema, &rows)?);
                Ok(out)
            }
            Kind::InfoColumns => info_columns(&self.catalogs, &self.schema, state).await,
            Kind::Settings => {
                let mut out = collect_table(&self.inner, "pg_settings", state).await?;
                let rows: Vec<HashMap<&str, Option<String>>> = FIXED_SETTINGS
                    .iter()
                    .map(|(name, setting, vartype, desc)| {
                        let s = |v: &str| Some(v.to_string());
                        HashMap::from([
                            ("name", s(name)),
                            ("setting", s(setting)),
                            ("category", s("Preset Options")),
                            ("short_desc", s(desc)),
                            ("context", s("internal")),
                            ("vartype", s(vartype)),
                            ("source", s("default")),
                            ("reset_val", s(setting)),
                            ("boot_val", s(setting)),
                            ("pending_restart", s("false")),
                        ])
                    })
                    .collect();
                out.push(rows_batch(&self.schema, &rows)?);
                Ok(out)
            }
        }
    }
}

#[async_trait]
impl TableProvider for ExtTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let batches = self.batches(state).await?;
        let mem = MemTable::try_new(self.schema.clone(), vec![batches])?;
        mem.scan(state, projection, filters, limit).await
    }
}

/// DataFusion's information_schema.columns with `data_type` as PostgreSQL names and `udt_name`.
async fn info_columns(
    catalogs: &Arc<dyn CatalogProviderList>,
    schema: &SchemaRef,
    state: &dyn Session,
) -> DfResult<Vec<RecordBatch>> {
    let info = InformationSchemaProvider::new(catalogs.clone());
    let Some(t) = info.table("columns").await? else {
        return Ok(vec![]);
    };
    let plan = t.scan(state, None, &[], None).await?;
    let batches = collect(plan, state.task_ctx()).await?;
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let dt = col_text(&b, "data_type")?;
        let dt = dt.as_string::<i32>();
        let mut pg_names = Vec::with_capacity(b.num_rows());
        let mut udt = Vec::with_capacity(b.num_rows());
        for i in 0..b.num_rows() {
            if dt.is_null(i) {
                pg_names.push(None);
                udt.push(None);
                continue;
            }
            let s = dt.value(i);
            match s.parse::<DataType>() {
                Ok(t) => {
                    pg_names.push(Some(pg_type_name(&t)));
                    udt.push(
                        arrow_pg::datatypes::into_pg_type(&t)
                            .ok()
                            .map(|t| t.name().to_string()),
                    );
                }
                Err(_) => {
                    pg_names.push(Some(s.to_string()));
                    udt.push(None);
                }
            }
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for f in schema.fields() {
            columns.push(match f.name().as_str() {
                "data_type" => Arc::new(StringArray::from(pg_names.clone())),
                "udt_name" => Arc::new(StringArray::from(udt.clone())),
                name => b
                    .column_by_name(name)
                    .cloned()
                    .ok_or_else(|| DataFusionError::Internal(format!("columns.{name} missing")))?,
            });
        }
        out.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok(out)
}

/// The name under which the PostgreSQL-typed information_schema.columns is served.
pub const INFO_COLUMNS_TABLE: &str = "information_schema_columns";

/// pg_catalog with aisle's rows (see the module documentation).
#[derive(Debug)]
pub struct AisleCatalogSchema {
    inner: Arc<dyn SchemaProvider>,
    catalogs: Arc<dyn CatalogProviderList>,
    /// The OIDs this pg_catalog handed to relations, for obj_description/col_description.
    oids: Arc<super::pgcompat::RelationOids>,
}

impl AisleCatalogSchema {
    pub fn new(inner: Arc<dyn SchemaProvider>, catalogs: Arc<dyn CatalogProviderList>) -> Self {
        AisleCatalogSchema {
            inner,
            catalogs,
            oids: Arc::default(),
        }
    }

    /// OID -> relation of this pg_catalog (see `pgcompat::RelationOids`).
    pub fn relation_oids(&self) -> Arc<super::pgcompat::RelationOids> {
        self.oids.clone()
    }

    async fn ext(&self, kind: Kind, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        let schema = match kind {
            Kind::InfoColumns => {
                let info = InformationSchemaProvider::new(self.catalogs.clone());
                let Some(t) = info.table("columns").await? else {
                    return Ok(None);
                };
                let mut fields: Vec<Field> = t
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.as_ref().clone())
                    .collect();
                fields.push(Field::new("udt_name", DataType::Utf8, true));
                Arc::new(Schema::new(fields))
            }
            _ => match self.inner.table(name).await? {
                Some(t) => t.schema(),
                None => return Ok(None),
            },
        };
        Ok(Some(Arc::new(ExtTable {
            kind,
            schema,
            inner: self.inner.clone(),
            catalogs: self.catalogs.clone(),
        })))
    }
}

#[async_trait]
impl SchemaProvider for AisleCatalogSchema {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }
    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        match name.to_ascii_lowercase().as_str() {
            "pg_proc" => self.ext(Kind::Proc, "pg_proc").await,
            "pg_description" => self.ext(Kind::Description, "pg_description").await,
            "pg_settings" => self.ext(Kind::Settings, "pg_settings").await,
            INFO_COLUMNS_TABLE => self.ext(Kind::InfoColumns, name).await,
            _ => self.inner.table(name).await,
        }
    }
    fn table_exist(&self, name: &str) -> bool {
        name.eq_ignore_ascii_case(INFO_COLUMNS_TABLE) || self.inner.table_exist(name)
    }
}

/// Point `information_schema.columns` (and `catalog.information_schema.columns`) at
/// `pg_catalog.information_schema_columns`, which shows PostgreSQL type names.
pub fn rewrite_information_schema(stmt: &mut datafusion::sql::sqlparser::ast::Statement) {
    use datafusion::sql::sqlparser::ast::{Ident, ObjectName, ObjectNamePart, visit_relations_mut};
    use std::ops::ControlFlow;
    let _ = visit_relations_mut(stmt, |name: &mut ObjectName| {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.to_ascii_lowercase()))
            .collect();
        let n = parts.len();
        if n >= 2 && parts[n - 2] == "information_schema" && parts[n - 1] == "columns" {
            *name = ObjectName(vec![
                ObjectNamePart::Identifier(Ident::new("pg_catalog")),
                ObjectNamePart::Identifier(Ident::new(INFO_COLUMNS_TABLE)),
            ]);
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The rewrites of client SQL that the catalog needs (called for every planned statement):
/// `information_schema.columns` with PostgreSQL type names, `(expr).field` access,
/// `information_schema._pg_expandarray` (JDBC `getPrimaryKeys`/`getIndexInfo`) and
/// correlated scalar subqueries over pg_catalog that PostgreSQL knows return one row (JDBC
/// `getTypeInfo`).
pub fn rewrite_client_sql(stmt: &mut datafusion::sql::sqlparser::ast::Statement) {
    rewrite_information_schema(stmt);
    rewrite_catalog_exprs(stmt);
    rewrite_from_functions(stmt);
}

/// PostgreSQL functions in `FROM` (Grafana's table list:
/// `FROM generate_series(...) AS i, string_to_array(current_setting('search_path'), ',') s`):
/// a function called in `FROM` with an alias and no column list names its one column after the
/// alias. DataFusion treats `FROM f(...)` as a table function, which `string_to_array` is not
/// and whose `generate_series` column is `value`, so:
/// - `string_to_array(a, b) AS s` -> `(SELECT string_to_array(a, b) AS s) AS s`;
/// - `generate_series(a, b) AS i` -> `generate_series(a, b) AS i(i)` (still the streaming
///   table function; only its column is named as in PostgreSQL).
fn rewrite_from_functions(stmt: &mut datafusion::sql::sqlparser::ast::Statement) {
    use datafusion::sql::sqlparser::ast::{SetExpr, TableFactor, VisitMut, VisitorMut};
    use datafusion::sql::sqlparser::{dialect::PostgreSqlDialect, parser::Parser};
    use std::ops::ControlFlow;

    fn replacement(name: &str, args: &str, alias: &str) -> Option<TableFactor> {
        let sql = match name {
            "string_to_array" => {
                format!("SELECT 1 FROM (SELECT string_to_array({args}) AS {alias}) AS {alias}")
            }
            _ => return None,
        };
        let mut stmts = Parser::parse_sql(&PostgreSqlDialect {}, &sql).ok()?;
        let datafusion::sql::sqlparser::ast::Statement::Query(q) = stmts.pop()? else {
            return None;
        };
        let SetExpr::Select(select) = *q.body else {
            return None;
        };
        select.from.into_iter().next().map(|t| t.relation)
    }

    struct V;
    impl VisitorMut for V {
        type Break = ();
        fn post_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
            let TableFactor::Table {
                name,
                alias: Some(alias),
                args: Some(args),
                ..
            } = t
            else {
                return ControlFlow::Continue(());
            };
            let fname = match name.0.as_slice() {
                [f] => f.to_string().to_ascii_lowercase(),
                [s, f] if s.to_string().eq_ignore_ascii_case("pg_catalog") => {
                    f.to_string().to_ascii_lowercase()
                }
                _ => return ControlFlow::Continue(()),
            };
            // `pg_catalog.generate_series(...)` (JDBC getImportedKeys): the table function
            // is registered unqualified.
            if fname == "generate_series" && name.0.len() == 2 {
                name.0.remove(0);
            }
            if !alias.columns.is_empty() || args.settings.is_some() {
                return ControlFlow::Continue(());
            }
            let args = args
                .args
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            if fname == "generate_series" {
                alias
                    .columns
                    .push(datafusion::sql::sqlparser::ast::TableAliasColumnDef {
                        name: alias.name.clone(),
                        data_type: None,
                    });
            } else if let Some(r) = replacement(&fname, &args, &alias.name.to_string()) {
                *t = r;
            }
            ControlFlow::Continue(())
        }
    }
    let _ = stmt.visit(&mut V);
}

fn parse_expr(sql: &str) -> Option<datafusion::sql::sqlparser::ast::Expr> {
    use datafusion::sql::sqlparser::{dialect::PostgreSqlDialect, parser::Parser};
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()
}

/// Whether `e` names an int2vector/oidvector column of pg_catalog (or an alias ending in its
/// name, like JDBC's `tmp.I_INDOPTION`): those are text here, so `[k]` needs
/// `pg_vector_element`.
fn is_vector_column(e: &datafusion::sql::sqlparser::ast::Expr) -> bool {
    use datafusion::sql::sqlparser::ast::Expr as SqlExpr;
    const VECTORS: [&str; 9] = [
        "indkey",
        "indoption",
        "indcollation",
        "indclass",
        "stxkeys",
        "partattrs",
        "partclass",
        "partcollation",
        "proargtypes",
    ];
    let name = match e {
        SqlExpr::Identifier(i) => i.value.to_ascii_lowercase(),
        SqlExpr::CompoundIdentifier(p) => match p.last() {
            Some(i) => i.value.to_ascii_lowercase(),
            None => return false,
        },
        _ => return false,
    };
    VECTORS.iter().any(|v| name.ends_with(v))
}

/// `t.col[k]` / `col[k]` over an int2vector/oidvector column: (`t.col`, `k`) as SQL text.
fn vector_subscript(
    root: &datafusion::sql::sqlparser::ast::Expr,
    chain: &[datafusion::sql::sqlparser::ast::AccessExpr],
) -> Option<(String, String)> {
    use datafusion::sql::sqlparser::ast::{AccessExpr, Expr as SqlExpr, Subscript};
    let (AccessExpr::Subscript(Subscript::Index { index }), path) = chain.split_last()? else {
        return None;
    };
    let SqlExpr::Identifier(first) = root else {
        return None;
    };
    let mut parts = vec![first.clone()];
    for p in path {
        match p {
            AccessExpr::Dot(SqlExpr::Identifier(i)) => parts.push(i.clone()),
            _ => return None,
        }
    }
    let column = SqlExpr::CompoundIdentifier(parts);
    if is_vector_column(&column) {
        return Some((column.to_string(), index.to_string()));
    }
    // pg_constraint's key columns are int2[] in PostgreSQL, subscripted from 1 (JDBC
    // `getImportedKeys`: `con.conkey[pos.n]`); text here as well.
    const ARRAYS: [&str; 2] = ["conkey", "confkey"];
    let last = match &column {
        SqlExpr::CompoundIdentifier(p) => p.last()?.value.to_ascii_lowercase(),
        _ => return None,
    };
    ARRAYS
        .contains(&last.as_str())
        .then(|| (column.to_string(), format!("({index}) - 1")))
}

/// `x.oid` (a qualified `oid` column).
fn is_oid_column(e: &datafusion::sql::sqlparser::ast::Expr) -> bool {
    matches!(e, datafusion::sql::sqlparser::ast::Expr::CompoundIdentifier(p)
        if p.len() >= 2 && p.last().is_some_and(|i| i.value.eq_ignore_ascii_case("oid")))
}

/// pg_type's regproc columns (`typreceive`, `typinput`, ...), which hold function names here.
fn is_regproc_column(e: &datafusion::sql::sqlparser::ast::Expr) -> bool {
    use datafusion::sql::sqlparser::ast::Expr as SqlExpr;
    const REGPROC: [&str; 7] = [
        "typinput",
        "typoutput",
        "typreceive",
        "typsend",
        "typmodin",
        "typmodout",
        "typanalyze",
    ];
    let name = match e {
        SqlExpr::Identifier(i) => &i.value,
        SqlExpr::CompoundIdentifier(p) => match p.last() {
            Some(i) => &i.value,
            None => return false,
        },
        _ => return false,
    };
    REGPROC.iter().any(|r| name.eq_ignore_ascii_case(r))
}

fn rewrite_catalog_exprs(stmt: &mut datafusion::sql::sqlparser::ast::Statement) {
    use datafusion::sql::sqlparser::ast::{
        AccessExpr, Expr as SqlExpr, SelectItem, SetExpr, visit_expressions, visit_expressions_mut,
    };
    use std::ops::ControlFlow;
    let _ = visit_expressions_mut(stmt, |expr| {
        match expr {
            // `(expr).field` -> get_field(expr, 'field'); DataFusion 55 plans only `ident.field`.
            SqlExpr::CompoundFieldAccess { root, access_chain }
                if access_chain
                    .iter()
                    .all(|a| matches!(a, AccessExpr::Dot(SqlExpr::Identifier(_))))
                    && !matches!(root.as_ref(), SqlExpr::Identifier(_)) =>
            {
                let mut text = root.to_string();
                for a in access_chain.iter() {
                    if let AccessExpr::Dot(SqlExpr::Identifier(id)) = a {
                        text = format!("get_field({text}, '{}')", id.value.replace('\'', "''"));
                    }
                }
                if let Some(e) = parse_expr(&text) {
                    *expr = e;
                }
            }
            // `i.indoption[k]` (JDBC getIndexInfo): int2vector/oidvector columns are text
            // here; PostgreSQL subscripts them from 0. -> pg_vector_element(i.indoption, k).
            SqlExpr::CompoundFieldAccess { root, access_chain }
                if vector_subscript(root, access_chain).is_some() =>
            {
                if let Some((column, index)) = vector_subscript(root, access_chain) {
                    if let Some(e) = parse_expr(&format!("pg_vector_element({column}, {index})")) {
                        *expr = e;
                    }
                }
            }
            // `proc.oid = typ.typreceive` (Npgsql's type loading): pg_type's regproc columns
            // hold function names here, so join on the name (unique for these functions).
            SqlExpr::BinaryOp {
                left,
                op: datafusion::sql::sqlparser::ast::BinaryOperator::Eq,
                right,
            } if (is_oid_column(left) && is_regproc_column(right))
                || (is_oid_column(right) && is_regproc_column(left)) =>
            {
                let oid_side = if is_oid_column(left) { left } else { right };
                if let SqlExpr::CompoundIdentifier(parts) = oid_side.as_mut() {
                    if let Some(last) = parts.last_mut() {
                        *last = datafusion::sql::sqlparser::ast::Ident::new("proname");
                    }
                }
            }
            // information_schema._pg_expandarray(a): one row (x = element, n = position) per
            // element, like the set-returning function it is in PostgreSQL.
            SqlExpr::Function(f)
                if f.name
                    .to_string()
                    .to_ascii_lowercase()
                    .ends_with("._pg_expandarray")
                    || f.name.to_string().eq_ignore_ascii_case("_pg_expandarray") =>
            {
                if let Some(e) = parse_expr(&format!("unnest(pg_expandarray_list{})", f.args)) {
                    *expr = e;
                }
            }
            // `'pg_catalog.array_in'::regproc` (JDBC getTypeInfo) compares with pg_type's
            // text columns (`typinput`): the function name as text.
            SqlExpr::Cast {
                expr: inner,
                data_type: datafusion::sql::sqlparser::ast::DataType::Custom(t, _),
                ..
            } if t.to_string().eq_ignore_ascii_case("regproc") => {
                if let SqlExpr::Value(v) = inner.as_ref() {
                    if let datafusion::sql::sqlparser::ast::Value::SingleQuotedString(name) =
                        &v.value
                    {
                        let bare = name.strip_prefix("pg_catalog.").unwrap_or(name);
                        if let Some(e) = parse_expr(&format!("'{}'", bare.replace('\'', "''"))) {
                            *expr = e;
                        }
                    }
                }
            }
            // `array_to_string(p.proacl, E'\n')` (psql `\df+`, `\dp`): the ACL columns are
            // text here, not aclitem[]; show them as they are.
            SqlExpr::Function(f)
                if f.name
                    .to_string()
                    .to_ascii_lowercase()
                    .ends_with("array_to_string") =>
            {
                use datafusion::sql::sqlparser::ast::{
                    FunctionArg, FunctionArgExpr, FunctionArguments,
                };
                if let FunctionArguments::List(l) = &f.args {
                    if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) = l.args.first()
                    {
                        let last = match first {
                            SqlExpr::Identifier(i) => Some(i.value.to_ascii_lowercase()),
                            SqlExpr::CompoundIdentifier(p) => {
                                p.last().map(|i| i.value.to_ascii_lowercase())
                            }
                            _ => None,
                        };
                        if last.is_some_and(|n| n.ends_with("acl")) {
                            *expr = first.clone();
                        }
                    }
                }
            }
            SqlExpr::Subquery(q) => {
                let SetExpr::Select(select) = q.body.as_mut() else {
                    return ControlFlow::<()>::Continue(());
                };
                let from = select
                    .from
                    .iter()
                    .map(|t| t.to_string().to_ascii_lowercase())
                    .collect::<Vec<_>>()
                    .join(" ");
                let grouped = !matches!(
                    &select.group_by,
                    datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty()
                );
                if select.projection.len() != 1
                    || grouped
                    || !from.contains("pg_")
                    || q.limit_clause.is_some()
                {
                    return ControlFlow::<()>::Continue(());
                }
                if let SelectItem::UnnamedExpr(e) = &mut select.projection[0] {
                    let calls_function = visit_expressions(e, |x| {
                        if matches!(x, SqlExpr::Function(_) | SqlExpr::Subquery(_)) {
                            ControlFlow::Break(())
                        } else {
                            ControlFlow::Continue(())
                        }
                    })
                    .is_break();
                    if !calls_function {
                        if let Some(agg) = parse_expr(&format!("first_value({e})")) {
                            *e = agg;
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Text fixes of oid-alias casts, applied before datafusion-pg-catalog's rewrite turns them
/// into name lookups:
/// - `'pg_class'::regclass`: a system table name is looked up in `pg_catalog` (PostgreSQL's
///   search path always includes it; the lookup would search only `current_schema()`);
/// - `'pg_catalog.array_in'::regproc`: pg_type's `typinput`/`typoutput`/... columns hold
///   function names as text here, so the cast becomes the bare name (JDBC `getTypeInfo`).
///
/// Also keeps Grafana's table list working: datafusion-pg-catalog replaces its `search_path`
/// subquery (`SELECT CASE WHEN trim(s[i]) = '"$user"' ... ) as i, string_to_array(...) s`)
/// with `''` because it once lacked `current_setting()`, so Grafana listed no tables. We have
/// `current_setting`, so the subquery's `) as i` is written `) AS i` (the same SQL), which that
/// token-for-token substitution no longer matches.
pub fn fix_reg_casts(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains("current_setting('search_path')") && sql.contains(") as i,") {
        let sql = sql.replace(") as i,", ") AS i,");
        return std::borrow::Cow::Owned(fix_reg_casts(&sql).into_owned());
    }
    if !sql.contains("::regclass") && !sql.contains("::regproc") {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(q) = rest.find('\'') {
        let (before, after) = rest.split_at(q);
        out.push_str(before);
        // `after` starts at the opening quote
        let Some(end) = after[1..].find('\'') else {
            out.push_str(after);
            return std::borrow::Cow::Owned(out);
        };
        let name = &after[1..1 + end];
        let tail = &after[end + 2..];
        let simple = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if simple
            && tail.starts_with("::regclass")
            && name.starts_with("pg_")
            && !name.contains('.')
        {
            out.push_str(&format!("'pg_catalog.{name}'::regclass"));
            rest = &tail["::regclass".len()..];
        } else if simple
            && tail.starts_with("::regproc")
            && !tail[9..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            let bare = name.strip_prefix("pg_catalog.").unwrap_or(name);
            out.push_str(&format!("'{bare}'"));
            rest = &tail["::regproc".len()..];
        } else {
            out.push_str(&after[..end + 2]);
            rest = tail;
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_have_oids_and_descriptions() {
        let fns = functions();
        assert!(fns.iter().any(|f| f.name == "eoq" && f.prokind == "f"));
        assert!(fns.iter().any(|f| f.name == "forecast" && f.prokind == "a"));
        let eoq = fns.iter().find(|f| f.name == "eoq").unwrap();
        assert_eq!(function_by_oid(eoq.oid as i64).unwrap().name, "eoq");
        assert_eq!(eoq.arguments, "demand_rate, order_cost, holding_cost");
        assert!(eoq.description.starts_with("Economic order quantity"));
        assert_eq!(eoq.result.as_deref(), Some("double precision"));
        assert!(function_by_oid(12).is_none());
    }

    fn rewritten(sql: &str) -> String {
        let cmds = crate::server::statement::SqlParser::default()
            .parse(sql)
            .unwrap();
        match &cmds[0] {
            crate::server::statement::Command::Sql(s) => s.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn catalog_expressions_are_rewritten() {
        let s = rewritten(
            "SELECT (information_schema._pg_expandarray(i.indkey)).n AS s FROM pg_catalog.pg_index i",
        );
        assert!(
            s.contains("get_field((unnest(pg_expandarray_list(i.indkey))), 'n')"),
            "{s}"
        );
        let s = rewritten(
            "SELECT t.typname FROM pg_catalog.pg_type t WHERE (t.typrelid = 0 OR \
             (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))",
        );
        assert!(
            s.contains("SELECT first_value(c.relkind = 'c') FROM"),
            "{s}"
        );
        let s = rewritten(
            "SELECT pg_catalog.array_to_string(p.proacl, E'\\n') FROM pg_catalog.pg_proc p",
        );
        assert!(s.starts_with("SELECT p.proacl FROM"), "{s}");
        // int2vector subscripts (JDBC getIndexInfo), not other arrays
        let s = rewritten(
            "SELECT CASE tmp.I_INDOPTION[tmp.ORDINAL_POSITION - 1] & 1::smallint WHEN 1 THEN 'D' END, \
             a[1] FROM t",
        );
        assert!(
            s.contains("pg_vector_element(tmp.I_INDOPTION, tmp.ORDINAL_POSITION - 1) & 1"),
            "{s}"
        );
        assert!(s.contains("a[1]"), "{s}");
        // functions in FROM name their column after the alias (Grafana's table list)
        let s =
            rewritten("SELECT s[i] FROM generate_series(1, 2) AS i, string_to_array('a,b', ',') s");
        assert!(
            s.contains("generate_series(1, 2) AS i (i)")
                || s.contains("generate_series(1, 2) AS i(i)"),
            "{s}"
        );
        assert!(
            s.contains("(SELECT string_to_array('a,b', ',') AS s) AS s"),
            "{s}"
        );
        // Npgsql's type loading joins pg_proc on pg_type's regproc columns by name
        let s = rewritten(
            "SELECT 1 FROM pg_type AS typ LEFT JOIN pg_proc AS proc ON proc.oid = typ.typreceive",
        );
        assert!(s.contains("ON proc.proname = typ.typreceive"), "{s}");
        // subqueries that are not over the catalog are left alone
        let s = rewritten("SELECT (SELECT x FROM t WHERE t.y = u.y) FROM u");
        assert!(!s.contains("first_value"), "{s}");
    }

    #[test]
    fn reg_casts_are_fixed() {
        assert_eq!(
            fix_reg_casts("d.classoid = 'pg_class'::regclass AND x = 'it''s'"),
            "d.classoid = 'pg_catalog.pg_class'::regclass AND x = 'it''s'"
        );
        assert_eq!(
            fix_reg_casts("typinput='pg_catalog.array_in'::regproc as is_array"),
            "typinput='array_in' as is_array"
        );
        assert_eq!(fix_reg_casts("'stores'::regclass"), "'stores'::regclass");
        assert_eq!(fix_reg_casts("SELECT 1"), "SELECT 1");
        let grafana = "SELECT x FROM generate_series(1, 2) as i, \
                       string_to_array(current_setting('search_path'),',') s";
        assert!(fix_reg_casts(grafana).contains(") AS i,"));
    }

    #[test]
    fn information_schema_columns_is_rewritten() {
        use datafusion::sql::sqlparser::{dialect::PostgreSqlDialect, parser::Parser};
        let mut s = Parser::parse_sql(
            &PostgreSqlDialect {},
            "SELECT data_type FROM information_schema.columns c JOIN information_schema.tables t USING (table_name)",
        )
        .unwrap()
        .remove(0);
        rewrite_information_schema(&mut s);
        let text = s.to_string();
        assert!(
            text.contains("FROM pg_catalog.information_schema_columns c JOIN"),
            "{text}"
        );
        assert!(text.contains("information_schema.tables"), "{text}");
    }
}
