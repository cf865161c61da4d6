//! The audit log: every statement a session runs (simple or extended protocol, succeeded, failed
//! or denied) is appended as one JSON line.
//!
//! Durability (`[governance.audit] fsync`):
//! - `"commit"` (default): a writer thread appends the records of all sessions and `fsync`s them
//!   as one group; a statement's `ReadyForQuery` is sent only after its record is on disk. Many
//!   concurrent statements share one `fsync` (group commit), so the cost per statement falls as
//!   load rises.
//! - `"interval"`: records are written at once and `fsync`ed at least every `fsync_interval_ms`
//!   (default 200 ms); statements do not wait, so a power loss may lose up to that interval.
//! - `"off"`: written, never `fsync`ed (tests, throw-away servers).
//!
//! Rotation: the log is a folder of `audit-<UTC start>-<seq>.jsonl` files. A new file starts at
//! every server start, when the current one exceeds `rotate_bytes` (default 64 MiB) and when it is
//! older than `rotate_secs` (default 86400, one day). Old files are never deleted by aisle
//! (retention is the operator's: archive or delete whole files).
//!
//! Statement text: the SQL as the client sent it. For the extended protocol that is the text
//! with `$n` placeholders; the parameter values are not stored, only `params_sha256`, the SHA-256
//! of the values (each as a 4-byte big-endian length, -1 for NULL, then the bytes as sent), so
//! an auditor can confirm a suspected value without the log holding customer data.
//!
//! The table `aisle_audit` reads every file of the folder (a torn last line of a crashed server
//! is skipped). Only sessions with the `auditor` or `admin` role may read it; everyone else gets
//! SQLSTATE 42501, whatever the access path (direct, view, join, subquery).
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_trait::async_trait;
use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::service::{Caller, require_role};

/// How audit records reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncMode {
    /// fsync before the statement completes (group commit).
    Commit,
    /// fsync at least every interval; statements do not wait.
    Interval(Duration),
    /// never fsync.
    Off,
}

/// `[governance.audit]`.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub dir: PathBuf,
    pub fsync: FsyncMode,
    pub rotate_bytes: u64,
    pub rotate_secs: u64,
}

impl AuditConfig {
    pub fn new(dir: PathBuf) -> Self {
        AuditConfig {
            dir,
            fsync: FsyncMode::Commit,
            rotate_bytes: 64 << 20,
            rotate_secs: 86_400,
        }
    }

    /// Parse `[governance.audit]`: `dir`, `fsync` ("commit" | "interval" | "off"),
    /// `fsync_interval_ms`, `rotate_bytes` (number or "64MiB"), `rotate_secs`.
    pub fn from_toml(
        t: Option<&toml::Table>,
        default_dir: PathBuf,
        base: &Path,
    ) -> anyhow::Result<Self> {
        let mut c = AuditConfig::new(default_dir);
        let Some(t) = t else { return Ok(c) };
        let mut interval = 200u64;
        let mut mode = "commit".to_string();
        for (k, v) in t {
            match k.as_str() {
                "dir" => c.dir = base.join(str_value(v, "governance.audit.dir")?),
                "fsync" => mode = str_value(v, "governance.audit.fsync")?.to_string(),
                "fsync_interval_ms" => {
                    interval = u64_value(v, "governance.audit.fsync_interval_ms")?
                }
                "rotate_bytes" => {
                    c.rotate_bytes = match v {
                        toml::Value::String(s) => crate::config::parse_byte_size(s)? as u64,
                        _ => u64_value(v, "governance.audit.rotate_bytes")?,
                    }
                }
                "rotate_secs" => c.rotate_secs = u64_value(v, "governance.audit.rotate_secs")?,
                other => bail!(
                    "unknown key `governance.audit.{other}`. Fix: use dir, fsync, fsync_interval_ms, \
                     rotate_bytes or rotate_secs"
                ),
            }
        }
        c.fsync = match mode.as_str() {
            "commit" => FsyncMode::Commit,
            "interval" => FsyncMode::Interval(Duration::from_millis(interval.max(1))),
            "off" => FsyncMode::Off,
            other => bail!(
                "governance.audit.fsync = \"{other}\" is not a mode. Fix: use \"commit\" (default), \
                 \"interval\" or \"off\""
            ),
        };
        if c.rotate_bytes < 4096 {
            bail!(
                "governance.audit.rotate_bytes must be at least 4096, got {}",
                c.rotate_bytes
            );
        }
        Ok(c)
    }
}

pub(crate) fn str_value<'a>(v: &'a toml::Value, key: &str) -> anyhow::Result<&'a str> {
    v.as_str()
        .with_context(|| format!("`{key}` must be text, got {v}"))
}

pub(crate) fn u64_value(v: &toml::Value, key: &str) -> anyhow::Result<u64> {
    v.as_integer()
        .filter(|n| *n >= 0)
        .map(|n| n as u64)
        .with_context(|| format!("`{key}` must be a non-negative integer, got {v}"))
}

pub(crate) fn f64_value(v: &toml::Value, key: &str) -> anyhow::Result<f64> {
    match v {
        toml::Value::Integer(n) => Ok(*n as f64),
        toml::Value::Float(f) if f.is_finite() => Ok(*f),
        _ => bail!("`{key}` must be a number, got {v}"),
    }
}

/// One audited statement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditRecord {
    /// Start of the statement, microseconds since the Unix epoch (UTC).
    pub started_us: i64,
    pub duration_ms: f64,
    pub user: String,
    pub client_addr: String,
    pub application_name: String,
    /// Backend process id of the session (as `pg_backend_pid()`).
    pub pid: i32,
    /// `simple` or `extended`.
    pub protocol: String,
    pub statement: String,
    pub params_sha256: Option<String>,
    pub rows: u64,
    /// `ok`, `error` or `denied` (SQLSTATE 42501).
    pub outcome: String,
    pub sqlstate: String,
    pub error: Option<String>,
}

impl AuditRecord {
    /// `outcome` for a SQLSTATE.
    pub fn outcome_of(sqlstate: &str) -> &'static str {
        match sqlstate {
            "00000" => "ok",
            "42501" => "denied",
            _ => "error",
        }
    }
}

/// SHA-256 of extended-protocol parameter values as sent (see the module documentation).
pub fn params_sha256(params: &[Option<bytes::Bytes>]) -> String {
    let mut h = Sha256::new();
    for p in params {
        match p {
            None => h.update((-1i32).to_be_bytes()),
            Some(b) => {
                h.update((b.len() as i32).to_be_bytes());
                h.update(b);
            }
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

type Ack = tokio::sync::oneshot::Sender<Result<(), String>>;

/// The running audit log.
pub struct AuditLog {
    dir: PathBuf,
    mode: FsyncMode,
    tx: parking_lot::Mutex<Option<mpsc::Sender<(AuditRecord, Option<Ack>)>>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("dir", &self.dir).finish()
    }
}

struct Writer {
    cfg: AuditConfig,
    file: File,
    path: PathBuf,
    size: u64,
    opened: Instant,
    seq: u64,
}

impl Writer {
    fn open(cfg: AuditConfig) -> anyhow::Result<Writer> {
        std::fs::create_dir_all(&cfg.dir)
            .with_context(|| format!("cannot create the audit folder {}", cfg.dir.display()))?;
        let (file, path) = new_file(&cfg.dir, 0)?;
        Ok(Writer {
            cfg,
            file,
            path,
            size: 0,
            opened: Instant::now(),
            seq: 0,
        })
    }

    fn rotate_if_due(&mut self) -> std::io::Result<()> {
        if self.size >= self.cfg.rotate_bytes
            || self.opened.elapsed() >= Duration::from_secs(self.cfg.rotate_secs)
        {
            self.file.sync_all()?;
            self.seq += 1;
            let (file, path) = new_file(&self.cfg.dir, self.seq).map_err(std::io::Error::other)?;
            self.file = file;
            self.path = path;
            self.size = 0;
            self.opened = Instant::now();
        }
        Ok(())
    }
}

fn new_file(dir: &Path, seq: u64) -> anyhow::Result<(File, PathBuf)> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let path = dir.join(format!("audit-{stamp}-{seq:06}.jsonl"));
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open audit file {}", path.display()))?;
    // Make the new file's directory entry durable too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok((file, path))
}

impl AuditLog {
    /// Open the folder and start the writer thread.
    pub fn open(cfg: AuditConfig) -> anyhow::Result<Arc<AuditLog>> {
        let mut w = Writer::open(cfg.clone())?;
        let (tx, rx) = mpsc::channel::<(AuditRecord, Option<Ack>)>();
        let mode = cfg.fsync;
        std::thread::Builder::new()
            .name("aisle-audit".into())
            .spawn(move || {
                let mut last_sync = Instant::now();
                let mut dirty = false;
                loop {
                    let first = match mode {
                        FsyncMode::Interval(d) if dirty => match rx.recv_timeout(d) {
                            Ok(x) => Some(x),
                            Err(mpsc::RecvTimeoutError::Timeout) => None,
                            Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        },
                        _ => match rx.recv() {
                            Ok(x) => Some(x),
                            Err(_) => break,
                        },
                    };
                    let mut batch: Vec<(AuditRecord, Option<Ack>)> = first.into_iter().collect();
                    while let Ok(x) = rx.try_recv() {
                        batch.push(x);
                    }
                    let mut buf = Vec::new();
                    for (r, _) in &batch {
                        if let Ok(line) = serde_json::to_vec(r) {
                            buf.extend_from_slice(&line);
                            buf.push(b'\n');
                        }
                    }
                    let mut res = w.file.write_all(&buf);
                    w.size += buf.len() as u64;
                    dirty |= !buf.is_empty();
                    let sync_now = match mode {
                        FsyncMode::Commit => true,
                        FsyncMode::Interval(d) => last_sync.elapsed() >= d,
                        FsyncMode::Off => false,
                    };
                    if res.is_ok() && sync_now && dirty {
                        res = w.file.sync_data();
                        last_sync = Instant::now();
                        dirty = false;
                    }
                    if res.is_ok() {
                        res = w.rotate_if_due();
                    }
                    let outcome = res.map_err(|e| {
                        tracing::error!(file = %w.path.display(), error = %e, "audit log write failed");
                        format!("audit log write failed: {e}")
                    });
                    for (_, ack) in batch {
                        if let Some(a) = ack {
                            let _ = a.send(outcome.clone());
                        }
                    }
                }
                let _ = w.file.sync_all();
            })
            .context("cannot start the audit writer thread")?;
        Ok(Arc::new(AuditLog {
            dir: cfg.dir.clone(),
            mode,
            tx: parking_lot::Mutex::new(Some(tx)),
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one record; in `commit` mode, returns once it is on disk.
    pub async fn append(&self, rec: AuditRecord) -> Result<(), String> {
        let wait = self.mode == FsyncMode::Commit;
        let (ack_tx, ack_rx) = tokio::sync::oneshot::channel();
        {
            let tx = self.tx.lock();
            let Some(tx) = tx.as_ref() else {
                return Err("audit log is closed".into());
            };
            tx.send((rec, wait.then_some(ack_tx)))
                .map_err(|_| "audit writer stopped".to_string())?;
        }
        if wait {
            ack_rx
                .await
                .map_err(|_| "audit writer stopped".to_string())?
        } else {
            Ok(())
        }
    }

    /// Every record of the folder, oldest file first.
    pub fn read_all(&self) -> anyhow::Result<Vec<AuditRecord>> {
        read_dir_records(&self.dir)
    }
}

/// Read every `audit-*.jsonl` of a folder; unparseable lines (a torn tail after a crash) are
/// skipped.
pub fn read_dir_records(dir: &Path) -> anyhow::Result<Vec<AuditRecord>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("audit-") && n.ends_with(".jsonl"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .with_context(|| format!("cannot read audit file {}", f.display()))?;
        out.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str::<AuditRecord>(l).ok()),
        );
    }
    Ok(out)
}

/// Columns of `aisle_audit`.
pub fn audit_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(
            "started_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("duration_ms", DataType::Float64, false),
        Field::new("user_name", DataType::Utf8, false),
        Field::new("client_addr", DataType::Utf8, false),
        Field::new("application_name", DataType::Utf8, false),
        Field::new("pid", DataType::Int32, false),
        Field::new("protocol", DataType::Utf8, false),
        Field::new("statement", DataType::Utf8, false),
        Field::new("params_sha256", DataType::Utf8, true),
        Field::new("rows", DataType::Int64, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("sqlstate", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, true),
    ]))
}

fn records_batch(recs: &[AuditRecord]) -> DfResult<RecordBatch> {
    let mut ts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut dur = Float64Builder::new();
    let mut s: Vec<StringBuilder> = (0..9).map(|_| StringBuilder::new()).collect();
    let mut pid = Int32Builder::new();
    let mut rows = Int64Builder::new();
    for r in recs {
        ts.append_value(r.started_us);
        dur.append_value(r.duration_ms);
        s[0].append_value(&r.user);
        s[1].append_value(&r.client_addr);
        s[2].append_value(&r.application_name);
        pid.append_value(r.pid);
        s[3].append_value(&r.protocol);
        s[4].append_value(&r.statement);
        s[5].append_option(r.params_sha256.as_deref());
        rows.append_value(r.rows as i64);
        s[6].append_value(&r.outcome);
        s[7].append_value(&r.sqlstate);
        s[8].append_option(r.error.as_deref());
    }
    let mut s = s.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef);
    let mut n = || s.next().expect("nine string columns");
    let (user, client, app, proto, stmt, params, outcome, code, err) =
        (n(), n(), n(), n(), n(), n(), n(), n(), n());
    Ok(RecordBatch::try_new(
        audit_schema(),
        vec![
            Arc::new(ts.finish()),
            Arc::new(dur.finish()),
            user,
            client,
            app,
            Arc::new(pid.finish()),
            proto,
            stmt,
            params,
            Arc::new(rows.finish()),
            outcome,
            code,
            err,
        ],
    )?)
}

/// `aisle_audit`: the audit log as a table (auditor and admin only).
#[derive(Debug)]
pub struct AuditTable {
    pub log: Arc<AuditLog>,
}

#[async_trait]
impl TableProvider for AuditTable {
    fn schema(&self) -> SchemaRef {
        audit_schema()
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
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        require_role(
            Caller::of(state).as_deref(),
            &["auditor", "admin"],
            "read the audit log (aisle_audit)",
        )?;
        let dir = self.log.dir.clone();
        let recs = tokio::task::spawn_blocking(move || read_dir_records(&dir))
            .await
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?
            .map_err(|e| {
                crate::error::SqlError::new(crate::error::codes::IO_ERROR, format!("{e:#}"))
                    .into_df()
            })?;
        let batch = records_batch(&recs)?;
        MemTable::try_new(audit_schema(), vec![vec![batch]])?
            .scan(state, projection, filters, limit)
            .await
    }
}
