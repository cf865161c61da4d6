//! Decisions on recommendations: approve, override (with a new quantity) or reject, with a reason.
//!
//! The one SQL way: `INSERT INTO decisions (recommendation_id, action, quantity, reason) VALUES
//! (...)[, (...)]`, intercepted by the server (it is not a DataFusion table write). Columns may be
//! given in any order; without a column list the order is the one above. Values are literals or
//! `$n` parameters (sent as text). The server stamps the user, roles and time, and checks
//! everything before anything is written (one bad row rejects the statement):
//! - the role: `planner`, `approver` or `admin` (else 42501);
//! - the recommendation exists in the newest run (else 23503; no run yet: 55000);
//! - `action` is `approve`, `override` or `reject` (else 22023);
//! - `override` needs a `quantity`: finite, >= 0 and at most `max_quantity` (22023/22003);
//!   `approve` and `reject` take none; `override` and `reject` need a non-empty `reason`.
//!
//! A recommendation needs an approver when its `value` is above `approval_value` or its
//! `confidence` is below `min_confidence` (or unknown). A planner's decision on one is recorded
//! with status `proposed`; only an `approver`'s or `admin`'s decision is `final` there. The newest
//! final decision of a recommendation in the newest run wins. `pending_approvals` lists the newest
//! run's recommendations that need an approver and have no final decision yet (with the newest
//! proposal); `approved_actions` gives the ERP the final quantity of every approved or overridden
//! recommendation (the recommended quantity for approve, the new one for override).
//!
//! Durability: every statement's decisions are appended to `log-<gen>.jsonl` and `fsync`ed before
//! the server answers, so an acknowledged decision survives `kill -9`. At start the log segments
//! are compacted into `snapshot-<gen>.parquet`, written through object_store (an atomic put:
//! temporary file renamed into place), and only then deleted; every decision has a unique
//! `decision_id`, and reading de-duplicates by it, so a crash at any point of the compaction
//! neither loses nor duplicates a decision. A torn last line (a crash in the middle of a write
//! that was never acknowledged) is ignored, and writing always continues in a fresh segment.
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use async_trait::async_trait;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use super::audit::{f64_value, str_value, u64_value};
use super::runs::{LoadedRun, RecInfo, Runs};
use super::service::Caller;
use super::storage::StateLocation;
use crate::engine::Engine;
use crate::error::{SqlError, codes};

/// `[governance.decisions]`.
#[derive(Debug, Clone)]
pub struct DecisionsConfig {
    /// A local folder or `s3://bucket/prefix`.
    pub dir: StateLocation,
    /// Recommendations worth more than this need an approver.
    pub approval_value: f64,
    /// Recommendations less sure than this (or of unknown confidence) need an approver.
    pub min_confidence: f64,
    /// Largest quantity an override may set.
    pub max_quantity: f64,
    /// Compact the log into a snapshot while serving once it holds this many bytes.
    pub compact_bytes: u64,
    /// Object store: also once it holds this many log objects (one per statement).
    pub compact_objects: u64,
}

impl DecisionsConfig {
    pub fn from_toml(
        t: Option<&toml::Table>,
        default_dir: StateLocation,
        base: &Path,
    ) -> anyhow::Result<Self> {
        let mut c = DecisionsConfig {
            dir: default_dir,
            approval_value: 10_000.0,
            min_confidence: 0.5,
            max_quantity: 1_000_000.0,
            compact_bytes: 16 << 20,
            compact_objects: 1000,
        };
        for (k, v) in t.into_iter().flatten() {
            let key = format!("governance.decisions.{k}");
            match k.as_str() {
                "dir" => c.dir = StateLocation::parse(str_value(v, &key)?, base).context(key)?,
                "compact_bytes" => {
                    c.compact_bytes = match v {
                        toml::Value::String(s) => crate::config::parse_byte_size(s)? as u64,
                        _ => u64_value(v, &key)?,
                    }
                }
                "compact_objects" => c.compact_objects = u64_value(v, &key)?.max(1),
                "approval_value" => c.approval_value = f64_value(v, &key)?,
                "min_confidence" => c.min_confidence = f64_value(v, &key)?,
                "max_quantity" => c.max_quantity = f64_value(v, &key)?,
                other => bail!(
                    "unknown key `governance.decisions.{other}`. Fix: use dir, approval_value, \
                     min_confidence, max_quantity, compact_bytes or compact_objects"
                ),
            }
        }
        if !(0.0..=1.0).contains(&c.min_confidence) {
            bail!(
                "governance.decisions.min_confidence must be between 0 and 1, got {}",
                c.min_confidence
            );
        }
        if c.max_quantity <= 0.0 {
            bail!("governance.decisions.max_quantity must be positive");
        }
        Ok(c)
    }
}

/// One recorded decision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decision {
    pub decision_id: String,
    pub recommendation_id: String,
    pub view: String,
    pub run_id: String,
    /// approve | override | reject
    pub action: String,
    pub quantity: Option<f64>,
    /// What the ERP should do: the recommended quantity (approve), the new one (override), none
    /// (reject).
    pub final_quantity: Option<f64>,
    pub reason: Option<String>,
    pub decided_by: String,
    pub roles: String,
    pub decided_at_us: i64,
    /// final | proposed (waiting for an approver)
    pub status: String,
}

/// One row of an `INSERT INTO decisions`.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput {
    pub recommendation_id: Option<String>,
    pub action: Option<String>,
    pub quantity: Option<String>,
    pub reason: Option<String>,
}

const COLUMNS: [&str; 4] = ["recommendation_id", "action", "quantity", "reason"];

/// Is this `INSERT INTO decisions ...`?
pub fn is_decisions_insert(ins: &ast::Insert) -> bool {
    match &ins.table {
        ast::TableObject::TableName(n) => {
            n.0.last()
                .and_then(|p| p.as_ident())
                .is_some_and(|i| i.value.eq_ignore_ascii_case("decisions"))
        }
        _ => false,
    }
}

fn values_of(ins: &ast::Insert) -> Result<&ast::Values, SqlError> {
    let unsupported = || {
        SqlError::new(
            codes::FEATURE_NOT_SUPPORTED,
            "decisions are recorded only with INSERT INTO decisions (...) VALUES (...)",
        )
        .with_hint(
            "Write INSERT INTO decisions (recommendation_id, action, quantity, reason) \
             VALUES ('id', 'approve', NULL, 'why'); no SELECT, RETURNING or ON CONFLICT.",
        )
    };
    if ins.returning.is_some() || ins.on.is_some() || !ins.assignments.is_empty() {
        return Err(unsupported());
    }
    match ins.source.as_deref().map(|q| q.body.as_ref()) {
        Some(ast::SetExpr::Values(v)) => Ok(v),
        _ => Err(unsupported()),
    }
}

/// Number of `$n` parameters the statement uses (the largest n).
pub fn placeholder_count(ins: &ast::Insert) -> usize {
    let Ok(v) = values_of(ins) else { return 0 };
    v.rows
        .iter()
        .flat_map(|r| r.content.iter())
        .filter_map(placeholder_index)
        .max()
        .unwrap_or(0)
}

fn placeholder_index(e: &ast::Expr) -> Option<usize> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Placeholder(p) => p.trim_start_matches('$').parse().ok(),
            _ => None,
        },
        ast::Expr::Cast { expr, .. } | ast::Expr::Nested(expr) => placeholder_index(expr),
        _ => None,
    }
}

fn literal(
    e: &ast::Expr,
    column: &str,
    param: &dyn Fn(usize) -> Result<Option<String>, SqlError>,
) -> Result<Option<String>, SqlError> {
    use ast::{Expr as E, Value as V};
    match e {
        E::Value(v) => match &v.value {
            V::SingleQuotedString(s)
            | V::EscapedStringLiteral(s)
            | V::DollarQuotedString(ast::DollarQuotedString { value: s, .. }) => {
                Ok(Some(s.clone()))
            }
            V::Number(n, _) => Ok(Some(n.to_string())),
            V::Null => Ok(None),
            V::Placeholder(p) => match p.trim_start_matches('$').parse::<usize>() {
                Ok(i) if i >= 1 => param(i),
                _ => Err(SqlError::new(
                    codes::SYNTAX_ERROR,
                    format!("bad parameter {p} for column {column}"),
                )),
            },
            other => Err(SqlError::invalid_argument(format!(
                "{column}: {other} is not a text or number"
            ))),
        },
        E::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => Ok(literal(expr, column, param)?.map(|s| format!("-{s}"))),
        E::Cast { expr, .. } | E::Nested(expr) => literal(expr, column, param),
        other => Err(SqlError::new(
            codes::FEATURE_NOT_SUPPORTED,
            format!(
                "{column}: `{other}` is not a literal; decisions take literal values or $n parameters"
            ),
        )),
    }
}

/// The rows of an `INSERT INTO decisions`, with `$n` parameters resolved by `param`.
pub fn parse_insert(
    ins: &ast::Insert,
    param: &dyn Fn(usize) -> Result<Option<String>, SqlError>,
) -> Result<Vec<DecisionInput>, SqlError> {
    let values = values_of(ins)?;
    let cols: Vec<String> = if ins.columns.is_empty() {
        COLUMNS.iter().map(|s| s.to_string()).collect()
    } else {
        ins.columns
            .iter()
            .map(|c| c.to_string().trim_matches('"').to_ascii_lowercase())
            .collect()
    };
    let mut seen = HashSet::new();
    for c in &cols {
        if !COLUMNS.contains(&c.as_str()) {
            return Err(SqlError::new(
                codes::UNDEFINED_COLUMN,
                format!("column \"{c}\" of relation \"decisions\" does not exist"),
            )
            .with_hint("The columns are recommendation_id, action, quantity and reason; user and time are stamped by the server."));
        }
        if !seen.insert(c.clone()) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{c}\" specified more than once"),
            ));
        }
    }
    let mut out = Vec::new();
    for row in &values.rows {
        if row.content.len() != cols.len() {
            return Err(SqlError::new(
                codes::SYNTAX_ERROR,
                format!(
                    "INSERT has {} values for {} columns",
                    row.content.len(),
                    cols.len()
                ),
            ));
        }
        let mut d = DecisionInput {
            recommendation_id: None,
            action: None,
            quantity: None,
            reason: None,
        };
        for (c, e) in cols.iter().zip(row.content.iter()) {
            let v = literal(e, c, param)?;
            match c.as_str() {
                "recommendation_id" => d.recommendation_id = v,
                "action" => d.action = v,
                "quantity" => d.quantity = v,
                _ => d.reason = v,
            }
        }
        out.push(d);
    }
    Ok(out)
}

/// Why a recommendation needs an approver, if it does.
pub fn approval_needed(cfg: &DecisionsConfig, rec: &RecInfo) -> Option<String> {
    let mut why = Vec::new();
    if let Some(v) = rec.value {
        if v > cfg.approval_value {
            why.push(format!("value {v:.2} above {}", cfg.approval_value));
        }
    }
    match rec.confidence {
        Some(c) if c < cfg.min_confidence => {
            why.push(format!("confidence {c:.2} below {}", cfg.min_confidence))
        }
        None => why.push("confidence unknown".to_string()),
        _ => {}
    }
    (!why.is_empty()).then(|| why.join("; "))
}

struct Inner {
    /// Local folder: the open segment (appended and fsynced). Object store: none (every
    /// commit is one new object).
    file: Option<File>,
    decisions: Vec<Decision>,
    ids: HashSet<String>,
    /// Log segments (local) or log objects written or found since the last compaction.
    logs: Vec<String>,
    /// Bytes in `logs`.
    log_bytes: u64,
    /// The newest snapshot, replaced (then deleted) by the next compaction.
    snapshot: Option<String>,
    /// Next free generation number for a segment or snapshot.
    next_gen: u64,
    /// A compaction is running (at most one at a time).
    compacting: bool,
}

/// The decision log.
pub struct DecisionStore {
    cfg: DecisionsConfig,
    runs: Arc<Runs>,
    store: Arc<dyn ObjectStore>,
    /// The folder, when the log is local (then segments are appended and fsynced).
    local: Option<PathBuf>,
    /// Object store: the generation of this process's log objects.
    log_gen: u64,
    inner: Arc<parking_lot::Mutex<Inner>>,
    id_prefix: String,
    next: AtomicU64,
    /// Compactions done while serving (for tests and logs).
    compactions: AtomicU64,
}

impl std::fmt::Debug for DecisionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionStore")
            .field("dir", &self.cfg.dir)
            .finish()
    }
}

/// The generation of `snapshot-<gen>.parquet`, `log-<gen>.jsonl` or `log-<gen>-<seq>.jsonl`.
fn gen_of(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let core = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    let (g, seq) = core.split_once('-').unwrap_or((core, "0"));
    seq.parse::<u64>().ok()?;
    g.parse().ok()
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn decisions_parquet(decisions: &[Decision]) -> DfResult<Vec<u8>> {
    let batch = decisions_batch(decisions)?;
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, batch.schema(), None)?;
    w.write(&batch)?;
    w.close()?;
    Ok(buf)
}

/// Write `snapshot-<gen>.parquet` holding `decisions` (one atomic put; fsynced when local), then
/// delete `obsolete` (older segments, log objects and snapshots whose decisions it holds).
async fn write_snapshot(
    store: &Arc<dyn ObjectStore>,
    local: Option<&Path>,
    decisions: &[Decision],
    gen_: u64,
    obsolete: &[String],
) -> anyhow::Result<String> {
    let name = format!("snapshot-{gen_:010}.parquet");
    let buf = decisions_parquet(decisions)?;
    store
        .put(&ObjPath::from(name.as_str()), PutPayload::from(buf))
        .await
        .with_context(|| format!("cannot write the decision snapshot {name}"))?;
    if let Some(dir) = local {
        if let Ok(f) = File::open(dir.join(&name)) {
            let _ = f.sync_all();
        }
        sync_dir(dir);
    }
    // Only now, with every decision of them in the snapshot, are the old files removed.
    for n in obsolete.iter().filter(|n| **n != name) {
        let _ = store.delete(&ObjPath::from(n.as_str())).await;
    }
    if let Some(dir) = local {
        sync_dir(dir);
    }
    Ok(name)
}

impl DecisionStore {
    /// Read snapshot and log, compact the log into a new Parquet snapshot, open a fresh segment.
    pub async fn open(
        cfg: DecisionsConfig,
        runs: Arc<Runs>,
        engine: &Engine,
    ) -> anyhow::Result<Arc<DecisionStore>> {
        let opened = cfg
            .dir
            .open(engine)
            .await
            .with_context(|| format!("cannot open the decisions folder {}", cfg.dir))?;
        let store = opened.store;
        let local = cfg.dir.local().map(Path::to_path_buf);
        let mut snapshots = Vec::new();
        let mut logs = Vec::new();
        let listed = store
            .list_with_delimiter(None)
            .await
            .with_context(|| format!("cannot list the decisions folder {}", cfg.dir))?;
        for m in listed.objects {
            let Some(name) = m.location.filename().map(String::from) else {
                continue;
            };
            if let Some(g) = gen_of(&name, "snapshot-", ".parquet") {
                snapshots.push((g, name));
            } else if let Some(g) = gen_of(&name, "log-", ".jsonl") {
                logs.push((g, name));
            }
        }
        snapshots.sort();
        logs.sort();
        let mut decisions = Vec::new();
        let mut ids = HashSet::new();
        let mut keep = |d: Decision, decisions: &mut Vec<Decision>| {
            if ids.insert(d.decision_id.clone()) {
                decisions.push(d);
            }
        };
        if let Some((_, name)) = snapshots.last() {
            let bytes = store
                .get(&ObjPath::from(name.as_str()))
                .await?
                .bytes()
                .await?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
            for b in reader {
                for d in decisions_from_batch(&b?)? {
                    keep(d, &mut decisions);
                }
            }
        }
        for (_, name) in &logs {
            let bytes = store
                .get(&ObjPath::from(name.as_str()))
                .await?
                .bytes()
                .await?;
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                // A torn last line was never acknowledged: skip it.
                if let Ok(d) = serde_json::from_str::<Decision>(line) {
                    keep(d, &mut decisions);
                }
            }
        }
        decisions.sort_by(|a, b| {
            (a.decided_at_us, &a.decision_id).cmp(&(b.decided_at_us, &b.decision_id))
        });
        let max_gen = snapshots
            .iter()
            .chain(logs.iter())
            .map(|x| x.0)
            .max()
            .unwrap_or(0);
        let gen_ = max_gen + 1;
        let mut snapshot = snapshots.last().map(|s| s.1.clone());
        if !logs.is_empty() || snapshots.len() > 1 {
            // Compact: the new snapshot holds everything; only then are older files removed.
            let obsolete: Vec<String> = logs
                .iter()
                .chain(snapshots.iter())
                .map(|x| x.1.clone())
                .collect();
            let name = write_snapshot(&store, local.as_deref(), &decisions, gen_, &obsolete)
                .await
                .with_context(|| format!("in {}", cfg.dir))?;
            tracing::info!(decisions = decisions.len(), snapshot = %name, "decision log compacted");
            snapshot = Some(name);
        }
        let log_gen = gen_ + 1;
        let (file, first_log) = match &local {
            Some(dir) => {
                let name = format!("log-{log_gen:010}.jsonl");
                let log_path = dir.join(&name);
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log_path)
                    .with_context(|| format!("cannot open {}", log_path.display()))?;
                sync_dir(dir);
                (Some(file), vec![name])
            }
            None => (None, vec![]),
        };
        let now = chrono::Utc::now().timestamp_micros();
        Ok(Arc::new(DecisionStore {
            cfg,
            runs,
            store,
            local,
            log_gen,
            inner: Arc::new(parking_lot::Mutex::new(Inner {
                file,
                decisions,
                ids,
                logs: first_log,
                log_bytes: 0,
                snapshot,
                next_gen: log_gen + 1,
                compacting: false,
            })),
            id_prefix: format!("d{now:x}{:x}", std::process::id()),
            next: AtomicU64::new(1),
            compactions: AtomicU64::new(0),
        }))
    }

    /// Compactions done since start (not counting the one at start).
    pub fn compactions(&self) -> u64 {
        self.compactions.load(Ordering::SeqCst)
    }

    /// Compact while serving once the log holds `compact_bytes` (or, in an object store,
    /// `compact_objects` objects). Commits wait only for the cut (a few microseconds under the
    /// lock): the snapshot is written in the background, and old logs are deleted only after it
    /// is.
    fn maybe_compact(self: &Arc<Self>) {
        let (cut, obsolete, gen_) = {
            let mut g = self.inner.lock();
            let over = g.log_bytes >= self.cfg.compact_bytes
                || (self.local.is_none() && g.logs.len() as u64 >= self.cfg.compact_objects);
            if g.compacting || !over {
                return;
            }
            let mut obsolete = std::mem::take(&mut g.logs);
            if let Some(dir) = &self.local {
                // Later commits go to a fresh segment; the old ones end in the snapshot.
                let name = format!("log-{:010}.jsonl", g.next_gen);
                g.next_gen += 1;
                match OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dir.join(&name))
                {
                    Ok(f) => {
                        sync_dir(dir);
                        g.file = Some(f);
                        g.logs.push(name);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot start a new decision log segment; compaction postponed");
                        g.logs = obsolete;
                        return;
                    }
                }
            }
            obsolete.extend(g.snapshot.iter().cloned());
            let gen_ = g.next_gen;
            g.next_gen += 1;
            g.log_bytes = 0;
            g.compacting = true;
            (g.decisions.clone(), obsolete, gen_)
        };
        let me = self.clone();
        tokio::spawn(async move {
            let r = write_snapshot(&me.store, me.local.as_deref(), &cut, gen_, &obsolete).await;
            let mut g = me.inner.lock();
            g.compacting = false;
            match r {
                Ok(name) => {
                    g.snapshot = Some(name.clone());
                    me.compactions.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(decisions = cut.len(), snapshot = %name, "decision log compacted while serving");
                }
                Err(e) => {
                    // Nothing was deleted: the old logs stay and are compacted next time.
                    let mut keep: Vec<String> = obsolete
                        .into_iter()
                        .filter(|n| Some(n) != g.snapshot.as_ref())
                        .collect();
                    keep.append(&mut g.logs);
                    g.logs = keep;
                    tracing::warn!(error = %e, "decision log compaction failed; will retry");
                }
            }
        });
    }

    pub fn config(&self) -> &DecisionsConfig {
        &self.cfg
    }

    /// Every decision, oldest first.
    pub fn all(&self) -> Vec<Decision> {
        self.inner.lock().decisions.clone()
    }

    /// Validate and durably record the decisions of one statement (all or none).
    pub async fn decide(
        self: &Arc<Self>,
        caller: &Caller,
        inputs: Vec<DecisionInput>,
    ) -> Result<Vec<Decision>, SqlError> {
        if !caller.has_any(&["planner", "approver", "admin"]) {
            return Err(SqlError::new(
                codes::INSUFFICIENT_PRIVILEGE,
                "permission denied: only roles planner, approver, admin may record decisions",
            )
            .with_detail(format!(
                "user \"{}\" has roles [{}]",
                caller.user,
                caller.roles.join(", ")
            )));
        }
        let latest = self
            .runs
            .latest()
            .await
            .map_err(|e| SqlError::new(codes::IO_ERROR, e.to_string()))?
            .ok_or_else(|| {
                SqlError::new("55000", "there is no recommendation run to decide on yet")
                    .with_hint("Run `aisle refresh` or CALL refresh_recommendations() first.")
            })?;
        let approver = caller.has_any(&["approver", "admin"]);
        let now = chrono::Utc::now().timestamp_micros();
        let mut out = Vec::with_capacity(inputs.len());
        for (row, input) in inputs.into_iter().enumerate() {
            out.push(self.validate(&latest, caller, approver, now, row, input)?);
        }
        let mut buf = Vec::new();
        for d in &out {
            buf.extend_from_slice(
                &serde_json::to_vec(d)
                    .map_err(|e| SqlError::new(codes::INTERNAL_ERROR, e.to_string()))?,
            );
            buf.push(b'\n');
        }
        let write_err = |e: String| {
            SqlError::new(
                codes::IO_ERROR,
                format!("could not write the decision log: {e}"),
            )
            .with_hint("Nothing was recorded; retry when the decision log is writable.")
        };
        let written = out.clone();
        let bytes = buf.len() as u64;
        if self.local.is_some() {
            // Append to the segment and fsync it; statements are serialized on the lock.
            let inner = self.inner.clone();
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                let mut g = inner.lock();
                let file = g
                    .file
                    .as_mut()
                    .ok_or_else(|| std::io::Error::other("no open segment"))?;
                file.write_all(&buf)?;
                file.sync_data()?;
                g.log_bytes += bytes;
                for d in written {
                    g.ids.insert(d.decision_id.clone());
                    g.decisions.push(d);
                }
                Ok(())
            })
            .await
            .map_err(|e| SqlError::new(codes::INTERNAL_ERROR, e.to_string()))?
            .map_err(|e| write_err(e.to_string()))?;
        } else {
            // One new object per statement: the PUT is atomic and durable when it returns.
            let seq = self.next.fetch_add(1, Ordering::SeqCst);
            let name = format!("log-{:010}-{seq:010}.jsonl", self.log_gen);
            self.store
                .put(&ObjPath::from(name.as_str()), PutPayload::from(buf))
                .await
                .map_err(|e| write_err(e.to_string()))?;
            let mut g = self.inner.lock();
            g.logs.push(name);
            g.log_bytes += bytes;
            for d in written {
                g.ids.insert(d.decision_id.clone());
                g.decisions.push(d);
            }
        }
        self.maybe_compact();
        Ok(out)
    }

    fn validate(
        &self,
        latest: &LoadedRun,
        caller: &Caller,
        approver: bool,
        now: i64,
        row: usize,
        d: DecisionInput,
    ) -> Result<Decision, SqlError> {
        let at = |m: String| format!("row {}: {m}", row + 1);
        let id = d
            .recommendation_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                SqlError::new("23502", at("recommendation_id must not be NULL".into()))
            })?;
        let rec = latest.index.get(&id).ok_or_else(|| {
            SqlError::new(
                "23503",
                at(format!(
                    "recommendation \"{id}\" is not in the newest run {}",
                    latest.manifest.run_id
                )),
            )
            .with_hint("Decide on recommendation_id values of the *_latest views.")
        })?;
        let action = d
            .action
            .map(|a| a.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !["approve", "override", "reject"].contains(&action.as_str()) {
            return Err(SqlError::invalid_argument(at(format!(
                "action must be approve, override or reject, got \"{action}\""
            ))));
        }
        let quantity = match d.quantity.as_deref().map(str::trim) {
            None => None,
            Some(q) => Some(q.parse::<f64>().map_err(|_| {
                SqlError::invalid_argument(at(format!("quantity \"{q}\" is not a number")))
            })?),
        };
        let reason = d
            .reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let final_quantity = match action.as_str() {
            "override" => {
                let q = quantity.ok_or_else(|| {
                    SqlError::invalid_argument(at("override needs a quantity".into())).with_hint(
                        "Give the new quantity, e.g. VALUES ('id', 'override', 12, 'why').",
                    )
                })?;
                if !q.is_finite() || q < 0.0 {
                    return Err(SqlError::invalid_argument(at(format!(
                        "quantity must be a number >= 0, got {q}"
                    ))));
                }
                if q > self.cfg.max_quantity {
                    return Err(SqlError::new(
                        codes::NUMERIC_VALUE_OUT_OF_RANGE,
                        at(format!(
                            "quantity {q} is above the limit of {}",
                            self.cfg.max_quantity
                        )),
                    )
                    .with_hint("governance.decisions.max_quantity sets the limit."));
                }
                Some(q)
            }
            other => {
                if quantity.is_some() {
                    return Err(SqlError::invalid_argument(at(format!(
                        "{other} takes no quantity (only override does)"
                    ))));
                }
                if other == "approve" {
                    rec.recommended_qty
                } else {
                    None
                }
            }
        };
        if action != "approve" && reason.is_none() {
            return Err(SqlError::invalid_argument(at(format!(
                "{action} needs a reason"
            ))));
        }
        let status = if approval_needed(&self.cfg, rec).is_some() && !approver {
            "proposed"
        } else {
            "final"
        };
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        Ok(Decision {
            decision_id: format!("{}-{n:08}", self.id_prefix),
            recommendation_id: id,
            view: rec.view.clone(),
            run_id: latest.manifest.run_id.clone(),
            action,
            quantity,
            final_quantity,
            reason,
            decided_by: caller.user.clone(),
            roles: caller.roles.join(","),
            decided_at_us: now,
            status: status.to_string(),
        })
    }

    /// Register `decisions`, `pending_approvals` and `approved_actions`.
    pub fn register(self: &Arc<Self>, ctx: &SessionContext) -> anyhow::Result<()> {
        for kind in [Kind::Decisions, Kind::Pending, Kind::Approved] {
            ctx.register_table(
                kind.name(),
                Arc::new(DecisionTable {
                    store: self.clone(),
                    kind,
                }),
            )
            .with_context(|| format!("cannot register {}", kind.name()))?;
        }
        Ok(())
    }
}

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn decisions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("decision_id", DataType::Utf8, false),
        Field::new("recommendation_id", DataType::Utf8, false),
        Field::new("view_name", DataType::Utf8, false),
        Field::new("run_id", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("quantity", DataType::Float64, true),
        Field::new("final_quantity", DataType::Float64, true),
        Field::new("reason", DataType::Utf8, true),
        Field::new("decided_by", DataType::Utf8, false),
        Field::new("roles", DataType::Utf8, false),
        Field::new("decided_at", ts_type(), false),
        Field::new("status", DataType::Utf8, false),
    ]))
}

fn strs<'a>(v: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

fn opt_strs<'a>(v: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(v))
}

fn decisions_batch(ds: &[Decision]) -> DfResult<RecordBatch> {
    Ok(RecordBatch::try_new(
        decisions_schema(),
        vec![
            strs(ds.iter().map(|d| d.decision_id.as_str())),
            strs(ds.iter().map(|d| d.recommendation_id.as_str())),
            strs(ds.iter().map(|d| d.view.as_str())),
            strs(ds.iter().map(|d| d.run_id.as_str())),
            strs(ds.iter().map(|d| d.action.as_str())),
            Arc::new(Float64Array::from_iter(ds.iter().map(|d| d.quantity))),
            Arc::new(Float64Array::from_iter(ds.iter().map(|d| d.final_quantity))),
            opt_strs(ds.iter().map(|d| d.reason.as_deref())),
            strs(ds.iter().map(|d| d.decided_by.as_str())),
            strs(ds.iter().map(|d| d.roles.as_str())),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(ds.iter().map(|d| d.decided_at_us))
                    .with_timezone("UTC"),
            ),
            strs(ds.iter().map(|d| d.status.as_str())),
        ],
    )?)
}

fn decisions_from_batch(b: &RecordBatch) -> anyhow::Result<Vec<Decision>> {
    let s = |name: &str| -> anyhow::Result<&StringArray> {
        let i = b.schema().index_of(name)?;
        b.column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .with_context(|| format!("snapshot column {name} is not text"))
    };
    let f = |name: &str| -> anyhow::Result<ArrayRef> {
        let i = b.schema().index_of(name)?;
        Ok(b.column(i).clone())
    };
    let (id, rid, view, run, action, reason, by, roles, status) = (
        s("decision_id")?,
        s("recommendation_id")?,
        s("view_name")?,
        s("run_id")?,
        s("action")?,
        s("reason")?,
        s("decided_by")?,
        s("roles")?,
        s("status")?,
    );
    let qty = f("quantity")?;
    let qty = qty.as_primitive::<Float64Type>();
    let fq = f("final_quantity")?;
    let fq = fq.as_primitive::<Float64Type>();
    let at = f("decided_at")?;
    let at = at
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .context("snapshot column decided_at is not a timestamp")?;
    let opt_f = |a: &datafusion::arrow::array::PrimitiveArray<Float64Type>, i: usize| {
        (!a.is_null(i)).then(|| a.value(i))
    };
    Ok((0..b.num_rows())
        .map(|i| Decision {
            decision_id: id.value(i).into(),
            recommendation_id: rid.value(i).into(),
            view: view.value(i).into(),
            run_id: run.value(i).into(),
            action: action.value(i).into(),
            quantity: opt_f(qty, i),
            final_quantity: opt_f(fq, i),
            reason: (!reason.is_null(i)).then(|| reason.value(i).to_string()),
            decided_by: by.value(i).into(),
            roles: roles.value(i).into(),
            decided_at_us: at.value(i),
            status: status.value(i).into(),
        })
        .collect())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Decisions,
    Pending,
    Approved,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Decisions => "decisions",
            Kind::Pending => "pending_approvals",
            Kind::Approved => "approved_actions",
        }
    }

    fn schema(self) -> SchemaRef {
        let t = |n: &str| Field::new(n, DataType::Utf8, true);
        let f = |n: &str| Field::new(n, DataType::Float64, true);
        match self {
            Kind::Decisions => decisions_schema(),
            Kind::Pending => Arc::new(Schema::new(vec![
                Field::new("recommendation_id", DataType::Utf8, false),
                Field::new("view_name", DataType::Utf8, false),
                Field::new("run_id", DataType::Utf8, false),
                t("action"),
                f("recommended_qty"),
                f("value"),
                f("confidence"),
                t("reason"),
                Field::new("needs_approval_because", DataType::Utf8, false),
                t("proposed_action"),
                f("proposed_quantity"),
                t("proposed_by"),
                Field::new("proposed_at", ts_type(), true),
            ])),
            Kind::Approved => Arc::new(Schema::new(vec![
                Field::new("recommendation_id", DataType::Utf8, false),
                Field::new("view_name", DataType::Utf8, false),
                Field::new("run_id", DataType::Utf8, false),
                t("action"),
                Field::new("decision", DataType::Utf8, false),
                f("recommended_qty"),
                f("final_quantity"),
                Field::new("decided_by", DataType::Utf8, false),
                Field::new("decided_at", ts_type(), false),
                Field::new("decision_id", DataType::Utf8, false),
                t("reason"),
            ])),
        }
    }
}

/// `decisions`, `pending_approvals`, `approved_actions`.
#[derive(Debug)]
struct DecisionTable {
    store: Arc<DecisionStore>,
    kind: Kind,
}

impl DecisionTable {
    async fn batch(&self) -> DfResult<RecordBatch> {
        let all = self.store.all();
        if let Kind::Decisions = self.kind {
            return decisions_batch(&all);
        }
        let latest = self.store.runs.latest().await?;
        let Some(latest) = latest else {
            return Ok(RecordBatch::new_empty(self.kind.schema()));
        };
        let run = latest.manifest.run_id.as_str();
        // Newest final and newest proposed decision of each recommendation of this run.
        let mut fin: HashMap<&str, &Decision> = HashMap::new();
        let mut prop: HashMap<&str, &Decision> = HashMap::new();
        for d in all.iter().filter(|d| d.run_id == run) {
            let m = if d.status == "final" {
                &mut fin
            } else {
                &mut prop
            };
            m.insert(d.recommendation_id.as_str(), d);
        }
        let mut ids: Vec<&String> = latest.index.keys().collect();
        ids.sort();
        let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); 13];
        let mut nums: Vec<Vec<Option<f64>>> = vec![Vec::new(); 13];
        let mut times: Vec<Option<i64>> = Vec::new();
        for id in ids {
            let rec = &latest.index[id];
            match self.kind {
                Kind::Pending => {
                    let Some(why) = approval_needed(&self.store.cfg, rec) else {
                        continue;
                    };
                    if fin.contains_key(id.as_str()) {
                        continue;
                    }
                    let p = prop.get(id.as_str());
                    cols[0].push(Some(id.clone()));
                    cols[1].push(Some(rec.view.clone()));
                    cols[2].push(Some(run.to_string()));
                    cols[3].push(rec.action.clone());
                    nums[4].push(rec.recommended_qty);
                    nums[5].push(rec.value);
                    nums[6].push(rec.confidence);
                    cols[7].push(rec.reason.clone());
                    cols[8].push(Some(why));
                    cols[9].push(p.map(|d| d.action.clone()));
                    nums[10].push(p.and_then(|d| d.final_quantity));
                    cols[11].push(p.map(|d| d.decided_by.clone()));
                    times.push(p.map(|d| d.decided_at_us));
                }
                Kind::Approved => {
                    let Some(d) = fin.get(id.as_str()) else {
                        continue;
                    };
                    if d.action == "reject" {
                        continue;
                    }
                    cols[0].push(Some(id.clone()));
                    cols[1].push(Some(rec.view.clone()));
                    cols[2].push(Some(run.to_string()));
                    cols[3].push(rec.action.clone());
                    cols[4].push(Some(d.action.clone()));
                    nums[5].push(rec.recommended_qty);
                    nums[6].push(d.final_quantity);
                    cols[7].push(Some(d.decided_by.clone()));
                    times.push(Some(d.decided_at_us));
                    cols[9].push(Some(d.decision_id.clone()));
                    cols[10].push(d.reason.clone());
                }
                Kind::Decisions => unreachable!("handled above"),
            }
        }
        let schema = self.kind.schema();
        let arrays: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| -> ArrayRef {
                match f.data_type() {
                    DataType::Float64 => Arc::new(Float64Array::from(nums[i].clone())),
                    DataType::Timestamp(..) => Arc::new(
                        TimestampMicrosecondArray::from(times.clone()).with_timezone("UTC"),
                    ),
                    _ => Arc::new(StringArray::from(cols[i].clone())),
                }
            })
            .collect();
        Ok(RecordBatch::try_new(schema, arrays)?)
    }
}

#[async_trait]
impl TableProvider for DecisionTable {
    fn schema(&self) -> SchemaRef {
        self.kind.schema()
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
        let batch = self.batch().await?;
        MemTable::try_new(self.kind.schema(), vec![vec![batch]])?
            .scan(state, projection, filters, limit)
            .await
    }
}
