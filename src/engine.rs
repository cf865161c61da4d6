//! The engine: one shared catalog (tables, views, functions, object stores, memory pool) and a
//! fresh `SessionContext` per connection or command.
//!
//! Why one template state cloned per session: tables, views and functions are shared by every
//! user, but settings (`SET`), session ids and per-statement state must never leak between
//! connections. `SessionStateBuilder::new_from_existing` shares the catalog list and runtime by
//! `Arc` and copies the configuration.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use datafusion::catalog::{CatalogProviderList, SchemaProvider};
use datafusion::execution::context::SessionState;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{FunctionRegistry, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::catalog::{CatalogSource, LoadOptions, TableMeta, load_catalogs};
use crate::governance::access::catalog::{GrantsTable, restricted_catalog_list, roles_table};
use crate::governance::access::{Access, AccessPolicy, MaskedSchema};
use crate::views::{ViewMeta, ViewSource, create_views};

/// Name of the catalog (PostgreSQL "database") every table and view lives in.
pub const DEFAULT_CATALOG: &str = "aisle";
/// Name of the schema every catalog table and view lives in.
pub const DEFAULT_SCHEMA: &str = "public";

/// How to build an engine. Every field has a sane default; see `config.rs` for how files,
/// environment and flags fill it.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// Catalogs to load (see `catalog::read_catalog_sources` and `CatalogSource::demo`).
    pub catalogs: Vec<CatalogSource>,
    /// Resolve relative table locations against this folder (the demo data directory).
    pub data_dir: Option<PathBuf>,
    /// Which views to load.
    pub views: ViewSource,
    /// Memory for query execution in bytes; default half of physical memory.
    pub memory_limit: Option<usize>,
    /// Parallelism of a query; default the number of cores.
    pub target_partitions: Option<usize>,
    /// Where sorts and joins spill; default the OS temporary folder.
    pub spill_dir: Option<PathBuf>,
    /// Roles and grants (`[governance.roles.*]`); the default grants nothing to anyone but
    /// `admin`. Sessions from `new_session_for` see only what their roles may read.
    pub access: AccessPolicy,
    /// Execute on a Ballista cluster: the scheduler address (`df://HOST:PORT`). Planning,
    /// catalog, grants and masks stay here; see `cluster::client` (feature `cluster`).
    pub cluster: Option<String>,
    /// Functions registered after aisle's own: an embedder's (the fault tests add one that
    /// panics, to show a panic fails only its query).
    pub extra_functions: Vec<datafusion::logical_expr::ScalarUDF>,
}

/// The shared engine.
pub struct Engine {
    template: SessionState,
    tables: Vec<TableMeta>,
    views: Vec<ViewMeta>,
    memory_limit: usize,
    access: Arc<AccessPolicy>,
    /// The full `public` schema (what admins see).
    full_public: Arc<dyn SchemaProvider>,
    /// The full schema with PII columns masked (base of roles without `pii`).
    masked_public: Arc<MaskedSchema>,
    /// One catalog list per distinct set of grants (`Access::catalog_key`).
    role_catalogs: parking_lot::Mutex<HashMap<String, Arc<dyn CatalogProviderList>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("tables", &self.tables.len())
            .field("views", &self.views.len())
            .field("memory_limit", &self.memory_limit)
            .finish()
    }
}

/// Half of physical memory: leaves room for the OS, the page cache that Parquet reads rely on,
/// and per-connection buffers outside DataFusion's pool.
pub fn default_memory_limit() -> usize {
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    let total = sys.total_memory() as usize;
    if total == 0 { 2 << 30 } else { total / 2 }
}

/// The session configuration every session starts from.
fn base_session_config(target_partitions: usize) -> SessionConfig {
    SessionConfig::new()
        .with_default_catalog_and_schema(DEFAULT_CATALOG, DEFAULT_SCHEMA)
        .with_create_default_catalog_and_schema(true)
        .with_information_schema(true)
        .with_target_partitions(target_partitions)
        // Partition pruning and statistics on listing tables.
        .set_bool("datafusion.execution.collect_statistics", true)
        .set_bool("datafusion.execution.parquet.pushdown_filters", true)
        // DataFusion 55.2 pushes struct field access of a function result below a WHERE, so
        // our functions would run on (and fail for) rows the filter removes; pinned in
        // tests/sql/inventory_conventions.slt.
        .set_bool(
            "datafusion.optimizer.enable_leaf_expression_pushdown",
            false,
        )
}

impl Engine {
    /// Build the engine: runtime, functions, catalog tables and views. Fails with a message that
    /// names the file and the fix when any of them is wrong.
    pub async fn open(cfg: EngineConfig) -> anyhow::Result<Arc<Engine>> {
        let memory_limit = cfg.memory_limit.unwrap_or_else(default_memory_limit);
        let partitions = cfg.target_partitions.unwrap_or_else(num_cpus::get).max(1);
        let disk = match &cfg.spill_dir {
            Some(dir) => DiskManagerBuilder::default()
                .with_mode(DiskManagerMode::Directories(vec![dir.clone()])),
            None => DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
        };
        // FairSpillPool: operators that can spill (sorts, hash aggregates) share the pool fairly
        // and spill instead of failing; operators that cannot spill fail with 53200.
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(memory_limit)))
            .with_disk_manager_builder(disk)
            .build_arc()
            .context("cannot build the query runtime")?;

        let mut state = SessionStateBuilder::new()
            .with_config(base_session_config(partitions))
            .with_runtime_env(runtime)
            .with_default_features()
            .build();
        crate::udfs::register_all(&mut state).context("cannot register aisle functions")?;
        for f in &cfg.extra_functions {
            state
                .register_udf(Arc::new(f.clone()))
                .with_context(|| format!("cannot register function {}", f.name()))?;
        }

        let loaded = load_catalogs(
            &cfg.catalogs,
            &LoadOptions {
                data_dir: cfg.data_dir.clone(),
            },
            &state,
        )
        .await?;
        let ctx = SessionContext::new_with_state(state);
        crate::udfs::register_table_functions(&ctx);
        let mut tables = Vec::new();
        for t in loaded {
            ctx.register_table(t.meta.name.as_str(), t.provider)
                .with_context(|| format!("cannot register table `{}`", t.meta.name))?;
            tables.push(t.meta);
        }

        let views = cfg.views.read()?;
        create_views(&ctx, &views).await?;

        // Access control: the role catalog views, grant validation, the masked schema.
        let full_public = ctx
            .catalog(DEFAULT_CATALOG)
            .and_then(|c| c.schema(DEFAULT_SCHEMA))
            .context("the default schema is missing")?;
        let access = Arc::new(cfg.access.clone());
        let unknown = access.unknown_relations(|n| full_public.table_exist(n));
        if !unknown.is_empty() {
            let list: Vec<String> = unknown
                .iter()
                .map(|(r, n)| format!("[governance.roles.{r}] read names `{n}`"))
                .collect();
            anyhow::bail!(
                "grants name relations that do not exist: {}. Fix: correct the name (see `\\dt` \
                 and `\\dv`), or use a pattern such as `{}*` if it is created later",
                list.join("; "),
                unknown[0].1
            );
        }
        let pii: HashMap<String, Vec<String>> = tables
            .iter()
            .map(|t| {
                let cols = t.columns.iter().filter(|c| c.pii).map(|c| c.name.clone());
                (t.name.clone(), cols.collect())
            })
            .collect();
        for (name, provider) in [
            ("aisle_roles", roles_table(&access)?),
            (
                "aisle_grants",
                Arc::new(GrantsTable::new(
                    access.clone(),
                    full_public.clone(),
                    pii.clone(),
                )) as Arc<dyn datafusion::catalog::TableProvider>,
            ),
        ] {
            if full_public.table_exist(name) {
                anyhow::bail!(
                    "the catalog declares `{name}`, a name aisle reserves for its role catalog; \
                     rename the table"
                );
            }
            ctx.register_table(name, provider)?;
        }
        let view_sql = views
            .iter()
            .map(|v| (v.name.clone(), v.sql.clone()))
            .collect();
        let template = cluster_template(ctx.state(), &cfg).await?;
        let masked_public = MaskedSchema::new(full_public.clone(), pii, view_sql, template.clone());

        Ok(Arc::new(Engine {
            template,
            tables,
            views,
            memory_limit,
            access,
            full_public,
            masked_public,
            role_catalogs: parking_lot::Mutex::new(HashMap::new()),
        }))
    }

    /// Roles and grants.
    pub fn access_policy(&self) -> &Arc<AccessPolicy> {
        &self.access
    }

    /// What a user with these roles may do.
    pub fn access_for(&self, roles: &[String]) -> Access {
        self.access.effective(roles)
    }

    /// A fresh session that sees only what `access` may read, PII masked unless it has `pii`.
    /// Admins get `new_session()` (the full catalog). The catalog of each distinct set of grants
    /// is built once and shared by its sessions.
    pub fn new_session_for(&self, access: &Access) -> SessionContext {
        if access.admin {
            return self.new_session();
        }
        let key = access.catalog_key();
        let list = self
            .role_catalogs
            .lock()
            .entry(key)
            .or_insert_with(|| {
                restricted_catalog_list(
                    DEFAULT_CATALOG,
                    self.full_public.clone(),
                    self.masked_public.clone(),
                    Arc::new(access.clone()),
                )
            })
            .clone();
        let state = SessionStateBuilder::new_from_existing(self.template.clone())
            .with_catalog_list(list)
            .with_session_id(uuid_like())
            .build();
        SessionContext::new_with_state(state)
    }

    /// Whether a table or view of this name exists in the full catalog.
    pub fn relation_exists(&self, name: &str) -> bool {
        self.full_public.table_exist(name)
    }

    /// A fresh SessionContext for one connection: shares the catalog list (tables, views),
    /// runtime (memory pool, disk manager) and functions; has its own configuration so `SET`
    /// stays in the session.
    pub fn new_session(&self) -> SessionContext {
        let state = SessionStateBuilder::new_from_existing(self.template.clone())
            .with_session_id(uuid_like())
            .build();
        SessionContext::new_with_state(state)
    }

    /// Tables declared by the catalog files, with descriptions and PII flags.
    pub fn tables(&self) -> &[TableMeta] {
        &self.tables
    }

    /// Views loaded from the views folder.
    pub fn views(&self) -> &[ViewMeta] {
        &self.views
    }

    /// Bytes of memory available to query execution.
    pub fn memory_limit(&self) -> usize {
        self.memory_limit
    }
}

/// The template session of a cluster engine (`EngineConfig::cluster`), or the local one as is.
#[cfg(feature = "cluster")]
async fn cluster_template(local: SessionState, cfg: &EngineConfig) -> anyhow::Result<SessionState> {
    let Some(text) = &cfg.cluster else {
        return Ok(local);
    };
    let addr = crate::cluster::SchedulerAddr::parse(text)?;
    crate::cluster::check_reachable(&addr).await?;
    crate::cluster::upgrade(local, &addr, &cfg.catalogs)
}

#[cfg(not(feature = "cluster"))]
async fn cluster_template(local: SessionState, cfg: &EngineConfig) -> anyhow::Result<SessionState> {
    if let Some(text) = &cfg.cluster {
        anyhow::bail!(
            "--cluster {text}: this aisle was built without cluster support. Fix: build it with \
             `cargo build --release --features cluster` (docs/scale-out.md)"
        );
    }
    Ok(local)
}

/// A unique session id without pulling in a UUID crate: time + counter is unique per process,
/// which is all DataFusion needs it for.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{t:x}-{n:x}")
}
