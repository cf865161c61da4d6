//! Per-role catalogs: what a session may reach is what its catalog contains.
//!
//! - `MaskedSchema` is the full `public` schema seen by a role without `pii`: every table with
//!   PII columns is replaced by `MaskedTable` (a projection that puts a typed NULL in place of
//!   each PII column), and every view that reads such a table is planned again over the masked
//!   tables. Tables and views without PII are the shared providers themselves.
//! - `RestrictedSchema` filters the full (or masked) schema by the role's grants: listing shows
//!   only granted relations; a relation that exists but is not granted is an error with SQLSTATE
//!   42501, a name that does not exist is "not found" (42P01), a file path or URL is 42501.
//! - `RestrictedCatalog` holds the restricted `public` schema and the `pg_catalog` schema the
//!   server installs over this catalog list, so `pg_catalog` and `information_schema` list only
//!   what the role may read.
//!
//! Views are planned with the providers of the (masked) full catalog, so a view grant does not
//! need grants on the tables the view reads; table functions such as `forecast_table` resolve
//! names through the caller's session, i.e. through `RestrictedSchema`.
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{
    CatalogProvider, CatalogProviderList, MemTable, MemoryCatalogProvider,
    MemoryCatalogProviderList, SchemaProvider, Session, TableProvider,
};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{Column, Result, ScalarValue, TableReference};
use datafusion::datasource::{ViewTable, provider_as_source, source_as_provider};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{
    DdlStatement, Expr, LogicalPlan, LogicalPlanBuilder, TableProviderFilterPushDown, TableType,
    lit,
};
use datafusion::optimizer::Analyzer;
use datafusion::optimizer::analyzer::type_coercion::TypeCoercion;
use datafusion::physical_plan::ExecutionPlan;
use parking_lot::{Mutex, RwLock};

use super::policy::{Access, AccessPolicy, PUBLIC_RELATIONS, Privilege};
use crate::error::{SqlError, codes};

/// The schema every catalog table and view lives in.
pub const PUBLIC: &str = "public";

fn ptr_key(p: &Arc<dyn TableProvider>) -> usize {
    Arc::as_ptr(p) as *const () as usize
}

// ----- masking -----

/// A base table with its PII columns replaced by typed NULLs. Reported as a base table (so
/// `\dt` still lists it); planned as the projection it wraps, so filters on a masked column see
/// NULL and never reach the stored values.
#[derive(Debug)]
pub struct MaskedTable {
    view: ViewTable,
    masked: Vec<String>,
}

impl MaskedTable {
    pub fn new(name: &str, inner: Arc<dyn TableProvider>, pii: &[String]) -> Result<MaskedTable> {
        let schema = inner.schema();
        let qualifier = TableReference::bare(name);
        let mut exprs = Vec::with_capacity(schema.fields().len());
        let mut masked = Vec::new();
        for f in schema.fields() {
            if pii.iter().any(|p| p == f.name()) {
                let null = ScalarValue::try_from(f.data_type())?;
                exprs.push(lit(null).alias(f.name()));
                masked.push(f.name().clone());
            } else {
                exprs.push(Expr::Column(Column::new(Some(qualifier.clone()), f.name())));
            }
        }
        let plan = LogicalPlanBuilder::scan(qualifier, provider_as_source(inner), None)?
            .project(exprs)?
            .build()?;
        Ok(MaskedTable {
            view: ViewTable::new(plan, None),
            masked,
        })
    }

    /// Names of the columns shown as NULL.
    pub fn masked_columns(&self) -> &[String] {
        &self.masked
    }
}

#[async_trait]
impl TableProvider for MaskedTable {
    fn schema(&self) -> SchemaRef {
        self.view.schema()
    }
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    fn get_logical_plan(&'_ self) -> Option<Cow<'_, LogicalPlan>> {
        Some(Cow::Borrowed(self.view.logical_plan()))
    }
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.view.supports_filters_pushdown(filters)
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.view.scan(state, projection, filters, limit).await
    }
}

/// The full `public` schema as a role without `pii` sees it. Built lazily per relation and
/// cached; a relation replaced by an admin (DDL) is masked again on next use.
#[derive(Debug)]
pub struct MaskedSchema {
    full: Arc<dyn SchemaProvider>,
    /// table name -> PII column names (from the catalog files).
    pii: HashMap<String, Vec<String>>,
    /// view name -> the `CREATE VIEW` text it was created from (sql/views).
    view_sql: HashMap<String, String>,
    template: SessionState,
    me: Weak<MaskedSchema>,
    cache: Mutex<HashMap<String, (usize, Arc<dyn TableProvider>)>>,
}

impl MaskedSchema {
    pub fn new(
        full: Arc<dyn SchemaProvider>,
        pii: HashMap<String, Vec<String>>,
        view_sql: HashMap<String, String>,
        template: SessionState,
    ) -> Arc<MaskedSchema> {
        Arc::new_cyclic(|me| MaskedSchema {
            full,
            pii: pii.into_iter().filter(|(_, c)| !c.is_empty()).collect(),
            view_sql,
            template,
            me: me.clone(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A planning state whose catalog is this masked schema (for planning views again).
    fn planning_state(&self) -> Result<SessionState> {
        let me: Arc<dyn SchemaProvider> = self
            .me
            .upgrade()
            .ok_or_else(|| DataFusionError::Internal("masked schema dropped".into()))?;
        let catalog = MemoryCatalogProvider::new();
        catalog.register_schema(PUBLIC, me)?;
        let list = MemoryCatalogProviderList::new();
        let default_catalog = self
            .template
            .config()
            .options()
            .catalog
            .default_catalog
            .clone();
        list.register_catalog(default_catalog, Arc::new(catalog));
        Ok(
            SessionStateBuilder::new_from_existing(self.template.clone())
                .with_catalog_list(Arc::new(list))
                .build(),
        )
    }

    /// Whether `plan` (a view's plan) reads a table with PII columns, looking through views.
    fn reads_pii(&self, plan: &LogicalPlan, depth: usize) -> bool {
        if depth > 32 {
            return true; // be safe with absurd nesting
        }
        let mut found = false;
        let _ = plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                if self.pii.contains_key(scan.table_name.table()) {
                    found = true;
                    return Ok(TreeNodeRecursion::Stop);
                }
                if let Ok(p) = source_as_provider(&scan.source) {
                    if let Some(inner) = p.get_logical_plan() {
                        if self.reads_pii(&inner, depth + 1) {
                            found = true;
                            return Ok(TreeNodeRecursion::Stop);
                        }
                    }
                }
            }
            Ok(TreeNodeRecursion::Continue)
        });
        found
    }

    async fn mask(
        &self,
        name: &str,
        src: Arc<dyn TableProvider>,
    ) -> Result<Arc<dyn TableProvider>> {
        if let Some(cols) = self.pii.get(name) {
            if src.table_type() != TableType::View {
                return Ok(Arc::new(MaskedTable::new(name, src, cols)?));
            }
        }
        let Some(plan) = src.get_logical_plan() else {
            return Ok(src);
        };
        if !self.reads_pii(&plan, 0) {
            return Ok(src);
        }
        let sql = self
            .view_sql
            .get(name)
            .cloned()
            .or_else(|| src.get_table_definition().map(str::to_string))
            .ok_or_else(|| {
                SqlError::new(
                    codes::INSUFFICIENT_PRIVILEGE,
                    format!(
                        "permission denied for view {name}: it reads PII columns and has no SQL \
                         definition to plan it with masked columns"
                    ),
                )
                .with_hint(
                    "an admin can grant the `pii` privilege or recreate the view with CREATE VIEW",
                )
                .into_df()
            })?;
        let state = self.planning_state()?;
        let plan = state.create_logical_plan(&sql).await.map_err(|e| {
            DataFusionError::Plan(format!(
                "view {name}: cannot plan it over masked PII columns: {e}"
            ))
        })?;
        let LogicalPlan::Ddl(DdlStatement::CreateView(cv)) = plan else {
            return Err(DataFusionError::Plan(format!(
                "view {name}: its definition is not a CREATE VIEW statement"
            )));
        };
        let input = Analyzer::with_rules(vec![Arc::new(TypeCoercion::new())]).execute_and_check(
            Arc::unwrap_or_clone(cv.input),
            state.config().options(),
            |_, _| {},
        )?;
        Ok(Arc::new(ViewTable::new(input, Some(sql))))
    }
}

#[async_trait]
impl SchemaProvider for MaskedSchema {
    fn table_names(&self) -> Vec<String> {
        self.full.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let Some(src) = self.full.table(name).await? else {
            self.cache.lock().remove(name);
            return Ok(None);
        };
        let key = ptr_key(&src);
        if let Some((k, p)) = self.cache.lock().get(name) {
            if *k == key {
                return Ok(Some(p.clone()));
            }
        }
        let masked = self.mask(name, src).await?;
        self.cache
            .lock()
            .insert(name.to_string(), (key, masked.clone()));
        Ok(Some(masked))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.full.table_exist(name)
    }
}

// ----- grants -----

/// A file path or URL used as a table name (`SELECT * FROM '/etc/passwd'`).
fn looks_like_path(name: &str) -> bool {
    name.contains('/') || name.contains('\\') || name.contains("://") || name.contains('.')
}

/// The `public` schema filtered by a user's grants.
#[derive(Debug)]
pub struct RestrictedSchema {
    /// The full schema (for roles with `pii`) or the masked one.
    base: Arc<dyn SchemaProvider>,
    /// The full schema, to tell "not granted" (42501) from "does not exist" (42P01).
    full: Arc<dyn SchemaProvider>,
    access: Arc<Access>,
}

impl RestrictedSchema {
    pub fn new(
        base: Arc<dyn SchemaProvider>,
        full: Arc<dyn SchemaProvider>,
        access: Arc<Access>,
    ) -> RestrictedSchema {
        RestrictedSchema { base, full, access }
    }
}

/// 42501 for a relation that exists but is not granted.
pub fn permission_denied(kind: &str, name: &str, access: &Access) -> SqlError {
    SqlError::new(
        codes::INSUFFICIENT_PRIVILEGE,
        format!("permission denied for {kind} {name}"),
    )
    .with_detail(format!(
        "none of your roles [{}] has a read grant on \"{name}\"",
        access.user_roles.join(", ")
    ))
    .with_hint(format!(
        "ask an admin to add \"{name}\" to `read` of one of your roles in [governance.roles.ROLE]; \
         SELECT * FROM aisle_grants lists what each role may read"
    ))
}

#[async_trait]
impl SchemaProvider for RestrictedSchema {
    fn table_names(&self) -> Vec<String> {
        self.base
            .table_names()
            .into_iter()
            .filter(|n| self.access.can_read(n))
            .collect()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if looks_like_path(name) && !self.full.table_exist(name) {
            return Err(SqlError::new(
                codes::INSUFFICIENT_PRIVILEGE,
                format!("permission denied: only admins may read files and URLs (\"{name}\")"),
            )
            .with_hint(
                "ask an admin to declare the data in a catalog file and grant it to your role",
            )
            .into_df());
        }
        if self.access.can_read(name) {
            return self.base.table(name).await;
        }
        if let Some(t) = self.full.table_type(name).await? {
            let kind = if t == TableType::View {
                "view"
            } else {
                "table"
            };
            return Err(permission_denied(kind, name, &self.access).into_df());
        }
        Ok(None)
    }

    fn register_table(
        &self,
        name: String,
        _table: Arc<dyn TableProvider>,
    ) -> Result<Option<Arc<dyn TableProvider>>> {
        Err(SqlError::new(
            codes::INSUFFICIENT_PRIVILEGE,
            format!("permission denied: only admins may create \"{name}\""),
        )
        .into_df())
    }

    fn deregister_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        Err(SqlError::new(
            codes::INSUFFICIENT_PRIVILEGE,
            format!("permission denied: only admins may drop \"{name}\""),
        )
        .into_df())
    }

    fn table_exist(&self, name: &str) -> bool {
        self.access.can_read(name) && self.base.table_exist(name)
    }
}

/// The catalog of a restricted session: the restricted `public` schema, plus schemas the server
/// installs for this catalog list (`pg_catalog`).
#[derive(Debug)]
pub struct RestrictedCatalog {
    public: Arc<dyn SchemaProvider>,
    others: RwLock<HashMap<String, Arc<dyn SchemaProvider>>>,
}

impl RestrictedCatalog {
    pub fn new(public: Arc<dyn SchemaProvider>) -> RestrictedCatalog {
        RestrictedCatalog {
            public,
            others: RwLock::new(HashMap::new()),
        }
    }
}

impl CatalogProvider for RestrictedCatalog {
    fn schema_names(&self) -> Vec<String> {
        let mut v = vec![PUBLIC.to_string()];
        v.extend(self.others.read().keys().cloned());
        v
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if name == PUBLIC {
            return Some(self.public.clone());
        }
        self.others.read().get(name).cloned()
    }

    fn register_schema(
        &self,
        name: &str,
        schema: Arc<dyn SchemaProvider>,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        // Only the server's own schemas (pg_catalog) are installed here; users cannot run
        // CREATE SCHEMA (admins use the full catalog).
        if name == PUBLIC {
            return Err(DataFusionError::Plan("schema public already exists".into()));
        }
        Ok(self.others.write().insert(name.to_string(), schema))
    }
}

/// Build the catalog list of one access: `catalog_name` holding the restricted schema.
pub fn restricted_catalog_list(
    catalog_name: &str,
    full: Arc<dyn SchemaProvider>,
    masked: Arc<dyn SchemaProvider>,
    access: Arc<Access>,
) -> Arc<dyn CatalogProviderList> {
    let base = if access.pii { full.clone() } else { masked };
    let public = Arc::new(RestrictedSchema::new(base, full, access));
    let list = MemoryCatalogProviderList::new();
    list.register_catalog(
        catalog_name.to_string(),
        Arc::new(RestrictedCatalog::new(public)),
    );
    Arc::new(list)
}

// ----- aisle_roles / aisle_grants -----

fn text(v: Vec<String>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

/// `aisle_roles`: one row per configured role.
pub fn roles_table(policy: &AccessPolicy) -> Result<Arc<dyn TableProvider>> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("role_name", DataType::Utf8, false),
        Field::new("description", DataType::Utf8, false),
        Field::new("read", DataType::Utf8, false),
        Field::new("pii", DataType::Boolean, false),
        Field::new("privileges", DataType::Utf8, false),
        Field::new("is_admin", DataType::Boolean, false),
    ]));
    let roles: Vec<_> = policy.roles().collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(roles.iter().map(|r| r.name.clone()).collect()),
            text(roles.iter().map(|r| r.description.clone()).collect()),
            text(roles.iter().map(|r| r.read.join(", ")).collect()),
            Arc::new(BooleanArray::from(
                roles
                    .iter()
                    .map(|r| r.pii || r.is_admin())
                    .collect::<Vec<_>>(),
            )),
            text(
                roles
                    .iter()
                    .map(|r| {
                        r.privileges
                            .iter()
                            .map(|p| p.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect(),
            ),
            Arc::new(BooleanArray::from(
                roles.iter().map(|r| r.is_admin()).collect::<Vec<_>>(),
            )),
        ],
    )?;
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
}

/// `aisle_grants`: one row per role and relation it may read, computed when it is read (so
/// relations created after start-up are included).
#[derive(Debug)]
pub struct GrantsTable {
    policy: Arc<AccessPolicy>,
    full: Arc<dyn SchemaProvider>,
    /// table name -> PII column names.
    pii: HashMap<String, Vec<String>>,
    schema: SchemaRef,
}

impl GrantsTable {
    pub fn new(
        policy: Arc<AccessPolicy>,
        full: Arc<dyn SchemaProvider>,
        pii: HashMap<String, Vec<String>>,
    ) -> GrantsTable {
        let schema = Arc::new(Schema::new(vec![
            Field::new("role_name", DataType::Utf8, false),
            Field::new("relation_name", DataType::Utf8, false),
            Field::new("relation_type", DataType::Utf8, false),
            Field::new("privilege", DataType::Utf8, false),
            Field::new("masked_columns", DataType::Utf8, false),
        ]));
        GrantsTable {
            policy,
            full,
            pii,
            schema,
        }
    }

    async fn batch(&self) -> Result<RecordBatch> {
        let mut names = self.full.table_names();
        names.sort();
        let mut relations = Vec::with_capacity(names.len());
        for n in names {
            if PUBLIC_RELATIONS.contains(&n.as_str()) {
                continue;
            }
            let kind = match self.full.table_type(&n).await? {
                Some(TableType::View) => "view",
                Some(_) => "table",
                None => continue,
            };
            relations.push((n, kind));
        }
        let (mut role, mut rel, mut kind, mut privilege, mut masked) =
            (vec![], vec![], vec![], vec![], vec![]);
        for r in self.policy.roles() {
            let access = self.policy.effective(std::slice::from_ref(&r.name));
            for (name, k) in &relations {
                if !access.can_read(name) {
                    continue;
                }
                role.push(r.name.clone());
                rel.push(name.clone());
                kind.push(k.to_string());
                privilege.push("SELECT".to_string());
                masked.push(match (access.pii, self.pii.get(name)) {
                    (false, Some(cols)) => cols.join(", "),
                    _ => String::new(),
                });
            }
            if access.has(Privilege::Admin) {
                for what in ["DDL", "COPY", "FILES", "SET"] {
                    role.push(r.name.clone());
                    rel.push("*".into());
                    kind.push("any".into());
                    privilege.push(what.into());
                    masked.push(String::new());
                }
            }
        }
        Ok(RecordBatch::try_new(
            self.schema.clone(),
            vec![
                text(role),
                text(rel),
                text(kind),
                text(privilege),
                text(masked),
            ],
        )?)
    }
}

#[async_trait]
impl TableProvider for GrantsTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let mem = MemTable::try_new(self.schema.clone(), vec![vec![self.batch().await?]])?;
        mem.scan(state, projection, filters, limit).await
    }
}

// ----- pg_roles -----

/// Roles for `pg_catalog.pg_roles` (datafusion-pg-catalog asks a context provider).
#[derive(Clone, Debug)]
pub struct RolesContext {
    policy: Arc<AccessPolicy>,
}

impl RolesContext {
    pub fn new(policy: Arc<AccessPolicy>) -> RolesContext {
        RolesContext { policy }
    }
}

#[async_trait]
impl datafusion_pg_catalog::pg_catalog::context::PgCatalogContextProvider for RolesContext {
    async fn roles(&self) -> Vec<String> {
        let mut names: Vec<String> = self.policy.roles().map(|r| r.name.clone()).collect();
        if !names.iter().any(|n| n == "admin") {
            names.insert(0, "admin".into());
        }
        names
    }

    async fn role(&self, name: &str) -> Option<datafusion_pg_catalog::pg_catalog::context::Role> {
        let admin = match self.policy.role(name) {
            Some(r) => r.is_admin(),
            None if name == "admin" => true,
            None => return None,
        };
        Some(datafusion_pg_catalog::pg_catalog::context::Role {
            name: name.to_string(),
            is_superuser: admin,
            can_login: true,
            can_create_db: false,
            can_create_role: false,
            can_create_user: false,
            can_replication: false,
            grants: vec![],
            inherited_roles: vec![],
        })
    }
}
