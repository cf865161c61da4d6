//! The governance services one server (or CLI command) runs: the audit log, recommendation runs
//! and decisions, their configuration (`[governance.audit]`, `[governance.runs]`,
//! `[governance.decisions]`) and the tables they add to the catalog.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use datafusion::catalog::Session;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::audit::str_value;
use super::audit::{AuditConfig, AuditLog, AuditTable};
use super::decisions::{DecisionStore, DecisionsConfig};
use super::runs::{Runs, RunsConfig};
use super::storage::StateLocation;
use crate::engine::Engine;
use crate::error::{SqlError, codes};

/// Who runs a statement: set by the server on each session's configuration
/// (`SessionConfig::set_extension`) so table providers can check roles on every access path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub roles: Vec<String>,
}

impl Caller {
    /// The caller of a DataFusion session, if the session belongs to a server connection.
    pub fn of(state: &dyn Session) -> Option<Arc<Caller>> {
        state.config().get_extension::<Caller>()
    }

    pub fn has_any(&self, roles: &[&str]) -> bool {
        self.roles.iter().any(|r| roles.contains(&r.as_str()))
    }
}

/// Refuse with 42501 unless the caller has one of `roles`. A session without a caller is a local
/// command (`aisle query`, `aisle refresh`) run by the operator, who owns the files anyway.
pub fn require_role(
    caller: Option<&Caller>,
    roles: &[&str],
    what: &str,
) -> Result<(), DataFusionError> {
    match caller {
        Some(c) if !c.has_any(roles) => Err(SqlError::new(
            codes::INSUFFICIENT_PRIVILEGE,
            format!(
                "permission denied: only roles {} may {what}",
                roles.join(", ")
            ),
        )
        .with_detail(format!(
            "user \"{}\" has roles [{}]",
            c.user,
            c.roles.join(", ")
        ))
        .with_hint("Ask an administrator to grant one of these roles in the server configuration.")
        .into_df()),
        _ => Ok(()),
    }
}

/// The parts of `[governance]` this module reads (roles and grants are read by `access`).
#[derive(Debug, Clone)]
pub struct GovernanceConfig {
    pub audit: AuditConfig,
    pub runs: RunsConfig,
    pub decisions: DecisionsConfig,
}

impl GovernanceConfig {
    /// Parse `[governance.audit]`, `[governance.runs]` and `[governance.decisions]` of the raw
    /// `[governance]` table. Missing folders default to `<state_dir>/audit`, `/runs`,
    /// `/decisions`; relative folders resolve against `base` (the config file's folder).
    pub fn from_toml(
        gov: Option<&toml::Table>,
        state_dir: &Path,
        base: &Path,
    ) -> anyhow::Result<GovernanceConfig> {
        let sub = |name: &str| -> anyhow::Result<Option<&toml::Table>> {
            match gov.and_then(|g| g.get(name)) {
                None => Ok(None),
                Some(toml::Value::Table(t)) => Ok(Some(t)),
                Some(other) => anyhow::bail!("[governance.{name}] must be a table, got {other}"),
            }
        };
        // `[governance] state_dir = "s3://bucket/prefix"` (or a folder) moves runs and decisions;
        // the audit log stays in a local folder (it is appended and fsynced per statement).
        let state = match gov.and_then(|g| g.get("state_dir")) {
            None => StateLocation::Local(state_dir.to_path_buf()),
            Some(v) => StateLocation::parse(str_value(v, "governance.state_dir")?, base)
                .context("governance.state_dir")?,
        };
        let audit_default = match &state {
            StateLocation::Local(p) => p.join("audit"),
            StateLocation::Url { .. } => state_dir.join("audit"),
        };
        Ok(GovernanceConfig {
            audit: AuditConfig::from_toml(sub("audit")?, audit_default, base)?,
            runs: RunsConfig::from_toml(sub("runs")?, state.join("runs"), base)?,
            decisions: DecisionsConfig::from_toml(
                sub("decisions")?,
                state.join("decisions"),
                base,
            )?,
        })
    }

    /// Defaults under one folder (e.g. `<data dir>/governance` for `serve --demo`).
    pub fn under(state_dir: &Path) -> GovernanceConfig {
        Self::from_toml(None, state_dir, Path::new(".")).expect("defaults are valid")
    }
}

/// The running services.
pub struct Governance {
    pub audit: Arc<AuditLog>,
    pub runs: Arc<Runs>,
    pub decisions: Arc<DecisionStore>,
}

impl std::fmt::Debug for Governance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Governance")
            .field("audit", &self.audit.dir())
            .finish_non_exhaustive()
    }
}

impl Governance {
    /// Open the audit log, the runs store and the decision log, and register `aisle_audit`,
    /// `recommendation_runs`, `<view>_latest`, `decisions`, `pending_approvals` and
    /// `approved_actions` in the engine's shared catalog.
    pub async fn open(cfg: GovernanceConfig, engine: &Engine) -> anyhow::Result<Arc<Governance>> {
        let audit = AuditLog::open(cfg.audit.clone())?;
        let ctx = engine.new_session();
        let runs = Runs::open(cfg.runs.clone(), engine).await?;
        let decisions = DecisionStore::open(cfg.decisions.clone(), runs.clone(), engine).await?;
        let g = Arc::new(Governance {
            audit,
            runs,
            decisions,
        });
        g.register(&ctx).await?;
        Ok(g)
    }

    async fn register(&self, ctx: &SessionContext) -> anyhow::Result<()> {
        ctx.register_table(
            "aisle_audit",
            Arc::new(AuditTable {
                log: self.audit.clone(),
            }),
        )
        .context("cannot register aisle_audit")?;
        self.runs.register(ctx).await?;
        self.decisions.register(ctx)?;
        Ok(())
    }
}

/// Default folder for governance state: `<data dir>/governance`, else `./aisle-governance`.
pub fn default_state_dir(data_dir: Option<&Path>) -> PathBuf {
    match data_dir {
        Some(d) => d.join("governance"),
        None => PathBuf::from("aisle-governance"),
    }
}
