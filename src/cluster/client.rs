//! The coordinator side: `aisle serve --cluster` and `aisle query --cluster`.
//!
//! The engine is built exactly as in local mode (catalog, views, functions, grants, masks); only
//! its template session changes: Ballista's settings and codecs, the cluster's object stores
//! ([`ClusterStores`]) and a query planner that decides per plan where it runs:
//!
//! - a plan whose every scan is a catalog table (Parquet/CSV `ListingTable`) is sent to the
//!   scheduler as a logical plan and executed by the executors; views, masked tables and table
//!   functions are already inlined into it (they are logical plans over catalog tables);
//! - anything else runs on the coordinator: plans without tables (`SELECT 1`, `VALUES`),
//!   `EXPLAIN`, and plans reading state that only the coordinator has — `information_schema`,
//!   `pg_catalog`, the audit log, decisions, recommendation runs, `aisle_grants`. Those tables
//!   are small and cannot be serialised anyway.
//!
//! Login, grants, masks and audit sit above the session (src/server, src/governance), so they
//! behave as in local mode.
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ballista_core::extension::SessionConfigExt;
use ballista_core::planner::BallistaQueryPlanner;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::source_as_provider;
use datafusion::error::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::{QueryPlanner, SessionState};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion_proto::protobuf::LogicalPlanNode;

use super::codec::{AisleLogicalCodec, AislePhysicalCodec};
use super::stores::ClusterStores;
use crate::catalog::CatalogSource;

/// A parsed `df://HOST:PORT` scheduler address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerAddr {
    pub host: String,
    pub port: u16,
}

impl SchedulerAddr {
    /// `df://HOST:PORT` (also `HOST:PORT`); the port defaults to Ballista's 50050.
    pub fn parse(text: &str) -> anyhow::Result<SchedulerAddr> {
        let rest = text.strip_prefix("df://").unwrap_or(text);
        let rest = rest.trim_end_matches('/');
        let url = url::Url::parse(&format!("df://{rest}")).map_err(|e| {
            anyhow::anyhow!(
                "--cluster {text}: not a scheduler address ({e}). Fix: use df://HOST:PORT, e.g. \
                 df://127.0.0.1:50050"
            )
        })?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| anyhow::anyhow!("--cluster {text}: no host. Fix: use df://HOST:PORT"))?;
        Ok(SchedulerAddr {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port: url.port().unwrap_or(50050),
        })
    }

    /// The gRPC URL Ballista's client expects.
    pub fn grpc_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for SchedulerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

/// Whether a plan can run on the cluster: it reads at least one table, and every table it reads
/// (subqueries included) is a catalog table the executors can read themselves.
pub fn runs_on_cluster(plan: &LogicalPlan) -> Result<bool> {
    if matches!(
        plan,
        LogicalPlan::Explain(_)
            | LogicalPlan::Analyze(_)
            | LogicalPlan::Dml(_)
            | LogicalPlan::Ddl(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::Statement(_)
            | LogicalPlan::DescribeTable(_)
    ) {
        return Ok(false);
    }
    let (mut catalog_tables, mut other) = (0usize, false);
    plan.apply_with_subqueries(|node| {
        match node {
            LogicalPlan::TableScan(scan) => {
                let local = source_as_provider(&scan.source)
                    .ok()
                    .is_some_and(|p| p.is::<ListingTable>());
                if local {
                    catalog_tables += 1;
                } else {
                    other = true;
                }
            }
            LogicalPlan::Extension(_) => other = true,
            _ => {}
        }
        Ok(if other {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(catalog_tables > 0 && !other)
}

/// Sends catalog-table plans to the cluster, runs the rest here (see the module docs).
struct ClusterPlanner {
    remote: BallistaQueryPlanner<LogicalPlanNode>,
    local: DefaultPhysicalPlanner,
}

impl std::fmt::Debug for ClusterPlanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterPlanner").finish()
    }
}

#[async_trait]
impl QueryPlanner for ClusterPlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session_state: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if runs_on_cluster(logical_plan)? {
            self.remote
                .create_physical_plan(logical_plan, session_state)
                .await
        } else {
            self.local
                .create_physical_plan(logical_plan, session_state)
                .await
        }
    }
}

/// Turn the engine's template session into a cluster session: same catalog, functions and
/// settings; Ballista's settings and aisle's codecs; the catalogs' object stores as a session
/// setting; the planner above.
pub fn upgrade(
    template: SessionState,
    scheduler: &SchedulerAddr,
    catalogs: &[CatalogSource],
) -> anyhow::Result<SessionState> {
    let stores = ClusterStores::from_catalogs(catalogs)?;
    tracing::info!(
        "queries over catalog tables execute on the Ballista cluster at {scheduler} ({} S3 \
         store(s) passed to it)",
        stores.s3.len()
    );
    // Without this, `build()` below would register a new, empty default catalog in the
    // template's catalog list (shared with the local session), replacing aisle's tables.
    let config = template
        .config()
        .clone()
        .with_create_default_catalog_and_schema(false)
        .upgrade_for_ballista()
        .with_ballista_logical_extension_codec(Arc::new(AisleLogicalCodec::new("scheduler")))
        .with_ballista_physical_extension_codec(Arc::new(AislePhysicalCodec::new("executor")))
        .with_option_extension(stores);
    let ballista_config = config.ballista_config();
    let remote = BallistaQueryPlanner::<LogicalPlanNode>::with_extension(
        scheduler.grpc_url(),
        ballista_config,
        config.ballista_logical_extension_codec(),
    );
    let optimizer_rules =
        ballista_core::optimizer::with_ballista_optimizer_rules(template.optimizers());
    let planner = ClusterPlanner {
        remote,
        local: DefaultPhysicalPlanner::default(),
    };
    // Not `SessionStateExt::upgrade_for_ballista`: it replaces the session's functions with
    // DataFusion's defaults, which would drop aisle's.
    Ok(SessionStateBuilder::new_from_existing(template)
        .with_config(config)
        .with_optimizer_rules(optimizer_rules)
        .with_query_planner(Arc::new(planner))
        .build())
}

/// Fail start-up in seconds, with the fix, when nothing listens at the scheduler address
/// (otherwise the first query would be the one to find out).
pub async fn check_reachable(scheduler: &SchedulerAddr) -> anyhow::Result<()> {
    let addr = format!("{}:{}", scheduler.host, scheduler.port);
    match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect(&addr),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => anyhow::bail!(
            "cannot reach the Ballista scheduler at {scheduler}: {e}. Fix: start it with `aisle \
             scheduler --bind {addr}` (and at least one `aisle executor --scheduler {addr}`), or \
             correct --cluster"
        ),
        Err(_) => anyhow::bail!(
            "the Ballista scheduler at {scheduler} did not answer within 5 s. Fix: check the \
             address and the firewall, or start it with `aisle scheduler --bind {addr}`"
        ),
    }
}
