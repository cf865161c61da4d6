//! `aisle scheduler` and `aisle executor`: Ballista's scheduler and executor, linked with aisle so
//! that every aisle function, aisle's codecs and the cluster object stores are there.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::prelude::SessionConfig;

use super::codec::{AisleLogicalCodec, AislePhysicalCodec};
use super::stores::{ClusterStores, runtime_env};

/// The configuration every cluster session starts from on a scheduler or executor, before the
/// coordinator's settings are applied: Ballista's, plus the (empty) store list so the
/// coordinator's `aisle_stores.s3` setting has somewhere to go.
pub fn config_producer() -> SessionConfig {
    SessionConfig::new_with_ballista().with_option_extension(ClusterStores::default())
}

/// A full session with every DataFusion and aisle function (Ballista's default registry lacks
/// the `array_*` functions; DESIGN.md).
fn state_with_functions(
    config: SessionConfig,
    runtime: Option<Arc<datafusion::execution::runtime_env::RuntimeEnv>>,
) -> datafusion::error::Result<SessionState> {
    let mut b = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules());
    if let Some(rt) = runtime {
        b = b.with_runtime_env(rt);
    }
    let mut state = b.build();
    crate::udfs::register_all(&mut state)?;
    Ok(state)
}

/// `aisle scheduler`.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    pub bind: SocketAddr,
    /// Host name executors and clients use to reach this scheduler (default: the bind address).
    pub external_host: Option<String>,
    /// Seconds without a heartbeat before an executor counts as lost and its tasks are re-run.
    pub executor_timeout_secs: u64,
}

pub async fn run_scheduler(o: SchedulerOptions) -> anyhow::Result<()> {
    let session_builder = Arc::new(|config: SessionConfig| {
        let runtime = runtime_env(&config, None, "scheduler")?;
        state_with_functions(config, Some(runtime))
    });
    let host = o
        .external_host
        .clone()
        .unwrap_or_else(|| o.bind.ip().to_string());
    let timeout = o.executor_timeout_secs.max(2);
    let mut config = SchedulerConfig::default()
        .with_hostname(host)
        .with_port(o.bind.port())
        .with_task_distribution(TaskDistributionPolicy::RoundRobin)
        .with_override_config_producer(Arc::new(config_producer))
        .with_override_session_builder(session_builder)
        .with_no_executors_grace_period_seconds(timeout);
    config.bind_host = o.bind.ip().to_string();
    config.executor_timeout_seconds = timeout;
    config.expire_dead_executor_interval_seconds = (timeout / 4).max(1);
    config.override_logical_codec = Some(Arc::new(AisleLogicalCodec::new("scheduler")));
    config.override_physical_codec = Some(Arc::new(AislePhysicalCodec::new("scheduler")));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| anyhow::anyhow!("cannot set up the scheduler state: {e}"))?;
    tracing::info!(
        "aisle scheduler listening on df://{} ({} aisle functions)",
        o.bind,
        crate::udfs::scalar_functions().len() + crate::udfs::aggregate_functions().len()
    );
    start_server(cluster, o.bind, Arc::new(config))
        .await
        .map_err(|e| anyhow::anyhow!("scheduler on {}: {e}", o.bind))
}

/// `aisle executor`.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// Arrow Flight (shuffle and results) address.
    pub bind: SocketAddr,
    /// gRPC port the scheduler pushes tasks to (default: the Flight port + 1).
    pub grpc_port: Option<u16>,
    /// Host name the scheduler and other executors use to reach this one.
    pub external_host: Option<String>,
    /// Memory for query execution in bytes; sorts and aggregates spill beyond it.
    pub memory_pool: Option<u64>,
    /// Shuffle files and spills.
    pub work_dir: Option<PathBuf>,
    /// Concurrent tasks (default: the number of cores).
    pub concurrent_tasks: Option<usize>,
    pub heartbeat_secs: u64,
}

pub async fn run_executor(o: ExecutorOptions) -> anyhow::Result<()> {
    let external = o
        .external_host
        .clone()
        .unwrap_or_else(|| o.bind.ip().to_string());
    let node = format!("executor {external}:{}", o.bind.port());
    let work_dir = match &o.work_dir {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("cannot create the work dir {}", d.display()))?;
            Some(d.clone())
        }
        None => None,
    };
    let registry_state =
        state_with_functions(config_producer(), None).context("cannot register aisle functions")?;
    let registry = BallistaFunctionRegistry::from(&registry_state);
    let producer_node = node.clone();
    let producer_dir = work_dir.clone();
    let runtime_producer = Arc::new(move |config: &SessionConfig| {
        runtime_env(config, producer_dir.clone(), &producer_node)
    });
    let config = ExecutorProcessConfig {
        bind_host: o.bind.ip().to_string(),
        external_host: Some(external.clone()),
        port: o.bind.port(),
        grpc_port: o.grpc_port.unwrap_or(o.bind.port().saturating_add(1)),
        scheduler_host: o.scheduler_host.clone(),
        scheduler_port: o.scheduler_port,
        scheduler_connect_timeout_seconds: 30,
        vcores: o.concurrent_tasks.unwrap_or(0),
        task_scheduling_policy: TaskSchedulingPolicy::PushStaged,
        work_dir: work_dir.map(|d| d.to_string_lossy().into_owned()),
        executor_heartbeat_interval_seconds: o.heartbeat_secs.max(1),
        memory_pool_size: o.memory_pool,
        override_function_registry: Some(Arc::new(registry)),
        override_runtime_producer: Some(runtime_producer),
        override_config_producer: Some(Arc::new(config_producer)),
        override_logical_codec: Some(Arc::new(AisleLogicalCodec::new(&node))),
        override_physical_codec: Some(Arc::new(AislePhysicalCodec::new(&node))),
        ..Default::default()
    };
    tracing::info!(
        "aisle {node} starting; scheduler {}:{}",
        o.scheduler_host,
        o.scheduler_port
    );
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| anyhow::anyhow!("{node}: {e}"))
}
