//! Recommendation runs: snapshots of every `*_recommendations` view into versioned Parquet, with
//! lineage, so ERP jobs and decisions work on a stable set of recommendations.
//!
//! A run (`aisle refresh` or `CALL refresh_recommendations()`) writes, through object_store
//! (whose puts are atomic: a temporary file renamed into place, so no partial file is ever
//! visible):
//! - `runs/<run_id>/<view>.parquet`: the view's rows plus a `run_id` column; every row keeps the
//!   view's own stable `recommendation_id` (required, unique, not NULL);
//! - `manifests/<run_id>.json`, written last, so a run exists only once all its files do: run id,
//!   time, who, the input files of every table the views read (path, size, last modified, e_tag
//!   and version as the store reports them), parameters (engine settings that shape the result
//!   and the SHA-256 of each view's SQL) and model versions (aisle and demo generator versions).
//!
//! `<view>_latest` serves the newest run's rows of `<view>`; `recommendation_runs` lists every
//! run with its lineage. Run ids are UTC timestamps (`20261129T021500123456Z`), so they sort by
//! time.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::datasource::listing::ListingTable;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, LogicalPlan, TableType};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::audit::str_value;
use super::monitoring::{self, MonitoringFiles};
use super::service::{Caller, require_role};
use super::storage::StateLocation;
use crate::engine::Engine;
use crate::error::{SqlError, codes};

/// Views whose names end with this are snapshotted by a run.
pub const SUFFIX: &str = "_recommendations";

/// `[governance.runs]`: `dir` (the folder runs are written to).
#[derive(Debug, Clone)]
pub struct RunsConfig {
    /// A local folder or `s3://bucket/prefix`.
    pub dir: StateLocation,
}

impl RunsConfig {
    pub fn from_toml(
        t: Option<&toml::Table>,
        default_dir: StateLocation,
        base: &Path,
    ) -> anyhow::Result<Self> {
        let mut c = RunsConfig { dir: default_dir };
        for (k, v) in t.into_iter().flatten() {
            match k.as_str() {
                "dir" => {
                    c.dir = StateLocation::parse(str_value(v, "governance.runs.dir")?, base)
                        .context("governance.runs.dir")?
                }
                other => bail!("unknown key `governance.runs.{other}`. Fix: the only key is dir"),
            }
        }
        Ok(c)
    }
}

/// One input file of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputFile {
    pub table: String,
    pub path: String,
    pub size: u64,
    pub last_modified: String,
    pub e_tag: Option<String>,
    pub version: Option<String>,
}

/// One snapshotted view of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunView {
    pub view: String,
    pub rows: u64,
    pub file: String,
    pub sql_sha256: String,
}

/// The lineage of a run (`manifests/<run_id>.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunManifest {
    pub run_id: String,
    pub created_at: String,
    pub created_by: String,
    pub views: Vec<RunView>,
    pub inputs: Vec<InputFile>,
    pub parameters: BTreeMap<String, String>,
    pub model_version: BTreeMap<String, String>,
    /// The forecast this run issued and its scores of earlier runs (`forecast_monitoring`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<MonitoringFiles>,
}

/// What decisions need to know about a recommendation of the newest run.
#[derive(Debug, Clone, PartialEq)]
pub struct RecInfo {
    pub view: String,
    pub action: Option<String>,
    pub recommended_qty: Option<f64>,
    pub value: Option<f64>,
    pub confidence: Option<f64>,
    pub reason: Option<String>,
}

/// A run loaded in memory.
#[derive(Debug)]
pub struct LoadedRun {
    pub manifest: RunManifest,
    pub tables: HashMap<String, Vec<RecordBatch>>,
    pub index: HashMap<String, RecInfo>,
}

/// The runs store.
pub struct Runs {
    store: Arc<dyn ObjectStore>,
    dir: StateLocation,
    /// (view name, SQL) of every recommendation view.
    views: Vec<(String, String)>,
    latest: parking_lot::RwLock<Option<Arc<LoadedRun>>>,
    refresh_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runs").field("dir", &self.dir).finish()
    }
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn io_err(e: impl std::fmt::Display) -> datafusion::error::DataFusionError {
    SqlError::new(codes::IO_ERROR, format!("recommendation runs: {e}")).into_df()
}

impl Runs {
    /// Open (creating) the runs folder and load the newest run.
    pub async fn open(cfg: RunsConfig, engine: &Engine) -> anyhow::Result<Arc<Runs>> {
        let store = cfg
            .dir
            .open(engine)
            .await
            .with_context(|| format!("cannot open the runs folder {}", cfg.dir))?
            .store;
        let views = engine
            .views()
            .iter()
            .filter(|v| v.name.ends_with(SUFFIX))
            .map(|v| (v.name.clone(), v.sql.clone()))
            .collect();
        let runs = Arc::new(Runs {
            store,
            dir: cfg.dir,
            views,
            latest: parking_lot::RwLock::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
        });
        runs.latest().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(runs)
    }

    /// Names of the recommendation views a run snapshots.
    pub fn view_names(&self) -> Vec<String> {
        self.views.iter().map(|v| v.0.clone()).collect()
    }

    /// Run ids that have a manifest, oldest first.
    async fn run_ids(&self) -> DfResult<Vec<String>> {
        let prefix = ObjPath::from("manifests");
        let metas: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(io_err)?;
        let mut ids: Vec<String> = metas
            .iter()
            .filter_map(|m| {
                m.location
                    .filename()?
                    .strip_suffix(".json")
                    .map(String::from)
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    async fn manifest(&self, run_id: &str) -> DfResult<RunManifest> {
        let bytes = self
            .store
            .get(&ObjPath::from(format!("manifests/{run_id}.json")))
            .await
            .map_err(io_err)?
            .bytes()
            .await
            .map_err(io_err)?;
        serde_json::from_slice(&bytes).map_err(io_err)
    }

    /// Every manifest, oldest first.
    pub async fn manifests(&self) -> DfResult<Vec<RunManifest>> {
        let mut out = Vec::new();
        for id in self.run_ids().await? {
            out.push(self.manifest(&id).await?);
        }
        Ok(out)
    }

    /// The newest run (reloaded when another process, e.g. `aisle refresh`, wrote a newer one).
    pub async fn latest(&self) -> DfResult<Option<Arc<LoadedRun>>> {
        let ids = self.run_ids().await?;
        let Some(newest) = ids.last() else {
            return Ok(None);
        };
        if let Some(l) = self.latest.read().as_ref() {
            if &l.manifest.run_id == newest {
                return Ok(Some(l.clone()));
            }
        }
        let loaded = Arc::new(self.load(newest).await?);
        *self.latest.write() = Some(loaded.clone());
        Ok(Some(loaded))
    }

    async fn read_parquet(&self, file: &str) -> DfResult<Vec<RecordBatch>> {
        let bytes = self
            .store
            .get(&ObjPath::from(file))
            .await
            .map_err(io_err)?
            .bytes()
            .await
            .map_err(io_err)?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
        Ok(reader.collect::<Result<_, _>>()?)
    }

    async fn write_parquet(&self, file: &str, batch: &RecordBatch) -> DfResult<()> {
        let mut buf = Vec::new();
        {
            let mut w = ArrowWriter::try_new(&mut buf, batch.schema(), None)?;
            w.write(batch)?;
            w.close()?;
        }
        self.store
            .put(&ObjPath::from(file), PutPayload::from(buf))
            .await
            .map_err(io_err)?;
        Ok(())
    }

    /// Issue this run's forecast snapshot and score the earlier runs' ones (monitoring.rs).
    async fn monitor(
        &self,
        ctx: &SessionContext,
        run_id: &str,
    ) -> DfResult<Option<MonitoringFiles>> {
        let Some((issued, through)) = monitoring::issue(ctx).await? else {
            return Ok(None);
        };
        let mut earlier = Vec::new();
        for m in self.manifests().await? {
            let Some(mf) = &m.monitoring else { continue };
            let Some(t) = monitoring::through_of(mf) else {
                continue;
            };
            let batches = self.read_parquet(&mf.issued_file).await?;
            let Some(first) = batches.first() else {
                continue;
            };
            let batch = datafusion::arrow::compute::concat_batches(&first.schema(), &batches)?;
            earlier.push(monitoring::Issued {
                run_id: m.run_id.clone(),
                created_at: m.created_at.clone(),
                through: t,
                batch,
            });
        }
        let issued_file = format!("runs/{run_id}/forecast_issued.parquet");
        self.write_parquet(&issued_file, &issued).await?;
        let (scores_file, scored_rows) = match monitoring::score(ctx, run_id, &earlier).await? {
            Some(b) => {
                let f = format!("runs/{run_id}/forecast_monitoring.parquet");
                self.write_parquet(&f, &b).await?;
                (Some(f), b.num_rows() as u64)
            }
            None => (None, 0),
        };
        Ok(Some(MonitoringFiles {
            issued_file,
            issued_through: monitoring::through_text(through),
            scores_file,
            scored_rows,
        }))
    }

    /// The scores of the newest run that scored anything (`forecast_monitoring`).
    pub async fn monitoring_scores(&self) -> DfResult<Vec<RecordBatch>> {
        let ids = self.run_ids().await?;
        for id in ids.iter().rev() {
            let m = self.manifest(id).await?;
            if let Some(f) = m.monitoring.as_ref().and_then(|x| x.scores_file.as_ref()) {
                return self.read_parquet(f).await;
            }
        }
        Ok(vec![])
    }

    async fn load(&self, run_id: &str) -> DfResult<LoadedRun> {
        let manifest = self.manifest(run_id).await?;
        let mut tables = HashMap::new();
        let mut index = HashMap::new();
        for v in &manifest.views {
            let bytes = self
                .store
                .get(&ObjPath::from(v.file.as_str()))
                .await
                .map_err(io_err)?
                .bytes()
                .await
                .map_err(io_err)?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
            let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>()?;
            for b in &batches {
                index_batch(&v.view, b, &mut index)?;
            }
            tables.insert(v.view.clone(), batches);
        }
        Ok(LoadedRun {
            manifest,
            tables,
            index,
        })
    }

    /// Snapshot the recommendation views (all, or those named) into a new run.
    ///
    /// The views are computed in a session of their own (`refresh_session`) in which every view
    /// they share — the forecast, the inventory position — is computed once for the whole run.
    pub async fn refresh(
        &self,
        engine: &Engine,
        who: &str,
        only: &[String],
    ) -> DfResult<RunManifest> {
        for name in only {
            if !self.views.iter().any(|v| &v.0 == name) {
                return Err(SqlError::new(
                    codes::UNDEFINED_TABLE,
                    format!("`{name}` is not a recommendation view"),
                )
                .with_hint(format!(
                    "Recommendation views are the views whose names end in {SUFFIX}: {}",
                    self.view_names().join(", ")
                ))
                .into_df());
            }
        }
        let selected: Vec<&(String, String)> = self
            .views
            .iter()
            .filter(|v| only.is_empty() || only.contains(&v.0))
            .collect();
        if selected.is_empty() {
            return Err(
                SqlError::new("55000", "there are no recommendation views to snapshot")
                    .with_hint(format!(
                        "Load views whose names end in {SUFFIX} (--views-dir)."
                    ))
                    .into_df(),
            );
        }
        let _guard = self.refresh_lock.lock().await;
        // Inputs (files and versions) are read off the views' plans over the real catalog; the
        // rows come from the run's session.
        let plan_ctx = engine.new_session();
        let mut roots: Vec<String> = selected.iter().map(|v| v.0.clone()).collect();
        if monitoring::available(&plan_ctx).is_some() {
            roots.extend(monitoring::inputs().iter().map(|s| s.to_string()));
        }
        let (run_ctx, materialised) = crate::refresh_session::refresh_session(engine, &roots)
            .await
            .map_err(|e| datafusion::error::DataFusionError::External(e.into()))?;
        tracing::info!(
            ?materialised,
            "refresh: shared views computed once for the run"
        );
        let ctx = &run_ctx;
        let mut run_id = chrono::Utc::now().format("%Y%m%dT%H%M%S%6fZ").to_string();
        if let Some(last) = self.run_ids().await?.last() {
            if &run_id <= last {
                run_id = format!("{last}1");
            }
        }
        let mut views = Vec::new();
        let mut inputs: BTreeMap<String, InputFile> = BTreeMap::new();
        for (name, sql) in selected {
            let plan = plan_ctx.table(name.as_str()).await?.into_optimized_plan()?;
            let df = ctx.table(name.as_str()).await?;
            for table in scanned_tables(&plan) {
                for f in table_files(&plan_ctx, &table).await? {
                    inputs.insert(format!("{}\u{0}{}", f.table, f.path), f);
                }
            }
            let mut empty_fields: Vec<Field> = df
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            empty_fields.push(Field::new("run_id", DataType::Utf8, false));
            let batches = df.collect().await?;
            let batches = check_and_stamp(name, &run_id, batches)?;
            // An empty result still gets the view's columns.
            let schema = batches
                .first()
                .map(|b| b.schema())
                .unwrap_or_else(|| Arc::new(Schema::new(empty_fields)));
            let mut buf = Vec::new();
            {
                let mut w = ArrowWriter::try_new(&mut buf, schema, None)?;
                for b in &batches {
                    w.write(b)?;
                }
                w.close()?;
            }
            let file = format!("runs/{run_id}/{name}.parquet");
            self.store
                .put(&ObjPath::from(file.as_str()), PutPayload::from(buf))
                .await
                .map_err(io_err)?;
            views.push(RunView {
                view: name.clone(),
                rows: batches.iter().map(|b| b.num_rows() as u64).sum(),
                file,
                sql_sha256: sha256_hex(sql.as_bytes()),
            });
        }
        let opts = ctx.state().config().options().clone();
        let mut parameters = BTreeMap::new();
        parameters.insert(
            "datafusion.execution.target_partitions".into(),
            opts.execution.target_partitions.to_string(),
        );
        parameters.insert(
            "datafusion.execution.time_zone".into(),
            format!("{:?}", opts.execution.time_zone),
        );
        parameters.insert(
            "views".into(),
            views
                .iter()
                .map(|v| v.view.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
        for v in &views {
            parameters.insert(format!("view_sql_sha256.{}", v.view), v.sql_sha256.clone());
        }
        // Views computed once for the whole run and read from there by the snapshotted views.
        parameters.insert("computed_once".into(), materialised.join(","));
        let mut model_version = BTreeMap::new();
        model_version.insert("aisle".into(), env!("CARGO_PKG_VERSION").to_string());
        model_version.insert(
            "demo_generator".into(),
            crate::demo::GENERATOR_VERSION.to_string(),
        );
        let monitoring = self.monitor(ctx, &run_id).await?;
        let manifest = RunManifest {
            run_id: run_id.clone(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            created_by: who.to_string(),
            views,
            inputs: inputs.into_values().collect(),
            parameters,
            model_version,
            monitoring,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(io_err)?;
        // Fault injection for the crash tests: die after the data files, before the commit.
        if std::env::var("AISLE_FAULT").as_deref() == Ok("crash_before_manifest") {
            std::process::abort();
        }
        self.store
            .put(
                &ObjPath::from(format!("manifests/{run_id}.json")),
                PutPayload::from(json),
            )
            .await
            .map_err(io_err)?;
        let loaded = Arc::new(self.load(&run_id).await?);
        *self.latest.write() = Some(loaded);
        tracing::info!(run_id = %run_id, who, "recommendation run written");
        Ok(manifest)
    }

    /// Register `<view>_latest` for every recommendation view and `recommendation_runs`.
    pub async fn register(self: &Arc<Self>, ctx: &SessionContext) -> anyhow::Result<()> {
        let latest = self.latest().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        for (name, _) in &self.views {
            let schema = match latest.as_ref().and_then(|l| l.tables.get(name)?.first()) {
                Some(b) => b.schema(),
                None => {
                    let df = ctx
                        .table(name.as_str())
                        .await
                        .with_context(|| format!("cannot plan view {name}"))?;
                    let mut fields: Vec<Field> = df
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.as_ref().clone())
                        .collect();
                    fields.push(Field::new("run_id", DataType::Utf8, false));
                    Arc::new(Schema::new(fields))
                }
            };
            ctx.register_table(
                format!("{name}_latest").as_str(),
                Arc::new(LatestTable {
                    runs: self.clone(),
                    view: name.clone(),
                    schema,
                }),
            )
            .with_context(|| format!("cannot register {name}_latest"))?;
        }
        ctx.register_table(
            "recommendation_runs",
            Arc::new(RunsTable { runs: self.clone() }),
        )
        .context("cannot register recommendation_runs")?;
        ctx.register_table(
            "forecast_monitoring",
            Arc::new(monitoring::MonitoringTable { runs: self.clone() }),
        )
        .context("cannot register forecast_monitoring")?;
        Ok(())
    }
}

/// Check `recommendation_id` (present, text, not NULL, unique) and append `run_id`.
fn check_and_stamp(
    view: &str,
    run_id: &str,
    batches: Vec<RecordBatch>,
) -> DfResult<Vec<RecordBatch>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let Ok(idx) = b.schema().index_of("recommendation_id") else {
            return Err(SqlError::new(
                codes::UNDEFINED_COLUMN,
                format!("view {view} has no recommendation_id column"),
            )
            .with_hint("Every *_recommendations view must give each row a stable recommendation_id (TEXT).")
            .into_df());
        };
        let ids = cast(b.column(idx), &DataType::Utf8)?;
        let ids = ids.as_string::<i32>();
        for i in 0..ids.len() {
            if ids.is_null(i) {
                return Err(SqlError::new(
                    "23502",
                    format!("view {view} returned a NULL recommendation_id"),
                )
                .into_df());
            }
            if !seen.insert(ids.value(i).to_string()) {
                return Err(SqlError::new(
                    "23505",
                    format!(
                        "view {view} returned recommendation_id `{}` twice",
                        ids.value(i)
                    ),
                )
                .with_hint("A recommendation_id must identify one row; fix the view.")
                .into_df());
            }
        }
        let mut fields: Vec<Field> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new("run_id", DataType::Utf8, false));
        let mut cols: Vec<ArrayRef> = b.columns().to_vec();
        cols.push(Arc::new(StringArray::from(vec![run_id; b.num_rows()])));
        out.push(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?);
    }
    Ok(out)
}

fn text_col(b: &RecordBatch, name: &str) -> DfResult<Option<ArrayRef>> {
    match b.schema().index_of(name) {
        Ok(i) => Ok(Some(cast(b.column(i), &DataType::Utf8)?)),
        Err(_) => Ok(None),
    }
}

fn num_col(b: &RecordBatch, name: &str) -> DfResult<Option<ArrayRef>> {
    match b.schema().index_of(name) {
        Ok(i) => Ok(Some(cast(b.column(i), &DataType::Float64)?)),
        Err(_) => Ok(None),
    }
}

fn index_batch(view: &str, b: &RecordBatch, index: &mut HashMap<String, RecInfo>) -> DfResult<()> {
    let Some(ids) = text_col(b, "recommendation_id")? else {
        return Ok(());
    };
    let action = text_col(b, "action")?;
    let reason = text_col(b, "reason")?;
    let qty = num_col(b, "recommended_qty")?;
    let value = num_col(b, "value")?;
    let conf = num_col(b, "confidence")?;
    let t = |a: &Option<ArrayRef>, i: usize| {
        a.as_ref().and_then(|a| {
            let s = a.as_string::<i32>();
            (!s.is_null(i)).then(|| s.value(i).to_string())
        })
    };
    let n = |a: &Option<ArrayRef>, i: usize| {
        a.as_ref().and_then(|a| {
            let s = a.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            (!s.is_null(i)).then(|| s.value(i))
        })
    };
    let ids_s = ids.as_string::<i32>();
    for i in 0..b.num_rows() {
        if ids_s.is_null(i) {
            continue;
        }
        index.insert(
            ids_s.value(i).to_string(),
            RecInfo {
                view: view.to_string(),
                action: t(&action, i),
                recommended_qty: n(&qty, i),
                value: n(&value, i),
                confidence: n(&conf, i),
                reason: t(&reason, i),
            },
        );
    }
    Ok(())
}

/// Names of the tables a (view-inlined, optimized) plan scans.
fn scanned_tables(plan: &LogicalPlan) -> Vec<String> {
    use datafusion::common::tree_node::TreeNodeRecursion;
    let mut out = Vec::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(s) = node {
            let t = s.table_name.table().to_string();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    out
}

/// The data files of a listing table with their size and version.
async fn table_files(ctx: &SessionContext, table: &str) -> DfResult<Vec<InputFile>> {
    let Ok(provider) = ctx.table_provider(table).await else {
        return Ok(vec![]);
    };
    let any: &dyn std::any::Any = provider.as_ref();
    let Some(listing) = any.downcast_ref::<ListingTable>() else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for url in listing.table_paths() {
        let store = ctx.runtime_env().object_store(url.object_store())?;
        let metas: Vec<_> = store
            .list(Some(url.prefix()))
            .try_collect()
            .await
            .map_err(io_err)?;
        for m in metas {
            out.push(InputFile {
                table: table.to_string(),
                path: format!("{}{}", url.object_store().as_str(), m.location),
                size: m.size,
                last_modified: m
                    .last_modified
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                e_tag: m.e_tag,
                version: m.version,
            });
        }
    }
    Ok(out)
}

/// `<view>_latest`.
#[derive(Debug)]
struct LatestTable {
    runs: Arc<Runs>,
    view: String,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for LatestTable {
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
        let latest = self.runs.latest().await?;
        let batches = latest
            .as_ref()
            .and_then(|l| l.tables.get(&self.view).cloned())
            .unwrap_or_default();
        if let Some(b) = batches.first() {
            if b.schema().fields() != self.schema.fields() {
                return Err(SqlError::new(
                    "55000",
                    format!(
                        "the newest run of {} has other columns than when the server started",
                        self.view
                    ),
                )
                .with_hint("Restart the server after changing a recommendation view.")
                .into_df());
            }
        }
        let batches = batches
            .into_iter()
            .map(|b| b.with_schema(self.schema.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        MemTable::try_new(self.schema.clone(), vec![batches])?
            .scan(state, projection, filters, limit)
            .await
    }
}

/// `recommendation_runs`: one row per run and view, with lineage as JSON text.
#[derive(Debug)]
struct RunsTable {
    runs: Arc<Runs>,
}

fn runs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("created_at", DataType::Utf8, false),
        Field::new("created_by", DataType::Utf8, false),
        Field::new("view_name", DataType::Utf8, false),
        Field::new("rows", DataType::Int64, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("input_files", DataType::Int64, false),
        Field::new("inputs", DataType::Utf8, false),
        Field::new("parameters", DataType::Utf8, false),
        Field::new("model_version", DataType::Utf8, false),
    ]))
}

#[async_trait]
impl TableProvider for RunsTable {
    fn schema(&self) -> SchemaRef {
        runs_schema()
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
        let ms = self.runs.manifests().await?;
        let mut cols: Vec<Vec<String>> = vec![Vec::new(); 10];
        let mut rows = Vec::new();
        let mut nin = Vec::new();
        for m in &ms {
            let inputs = serde_json::to_string(&m.inputs).unwrap_or_default();
            let params = serde_json::to_string(&m.parameters).unwrap_or_default();
            let model = serde_json::to_string(&m.model_version).unwrap_or_default();
            for v in &m.views {
                cols[0].push(m.run_id.clone());
                cols[1].push(m.created_at.clone());
                cols[2].push(m.created_by.clone());
                cols[3].push(v.view.clone());
                rows.push(v.rows as i64);
                cols[5].push(v.file.clone());
                nin.push(m.inputs.len() as i64);
                cols[7].push(inputs.clone());
                cols[8].push(params.clone());
                cols[9].push(model.clone());
            }
        }
        let s = |i: usize| Arc::new(StringArray::from(cols[i].clone())) as ArrayRef;
        let batch = RecordBatch::try_new(
            runs_schema(),
            vec![
                s(0),
                s(1),
                s(2),
                s(3),
                Arc::new(Int64Array::from(rows)),
                s(5),
                Arc::new(Int64Array::from(nin)),
                s(7),
                s(8),
                s(9),
            ],
        )?;
        MemTable::try_new(runs_schema(), vec![vec![batch]])?
            .scan(state, projection, filters, limit)
            .await
    }
}

/// `CALL refresh_recommendations(['view', ...])` from a server session.
pub async fn refresh_from_sql(
    runs: &Runs,
    engine: &Engine,
    caller: &Caller,
    only: &[String],
) -> DfResult<RunManifest> {
    require_role(
        Some(caller),
        &["admin", "planner", "approver"],
        "refresh recommendations",
    )?;
    runs.refresh(engine, &caller.user, only).await
}
