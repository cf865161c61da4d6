//! Catalog files: which object stores exist and which tables live where.
//!
//! A catalog is a TOML file (see `catalog/demo.toml` and `catalog/s3-example.toml`):
//!
//! ```toml
//! [catalog]
//! name = "demo"
//! description = "..."
//! base = "."                     # where relative locations resolve (default: the file's folder)
//!
//! [store.lake]                   # optional: an S3-compatible store for one bucket
//! kind = "s3"
//! bucket = "retail"
//! endpoint = "http://127.0.0.1:9000"
//! region = "us-east-1"
//! path_style = true
//! allow_http = true
//! access_key_id = "..."          # else AWS_ACCESS_KEY_ID and friends from the environment
//! secret_access_key = "..."
//!
//! [[table]]
//! name = "sales_lines"
//! location = "sales_lines/"      # relative, file:///abs/, /abs/ or s3://bucket/prefix/
//! format = "parquet"             # parquet | csv
//! partition_columns = [{ name = "month", type = "string" }]
//! description = "..."
//! pii = ["email"]
//! [table.columns]
//! line_id = "..."
//! ```
//!
//! Loading is strict on purpose: an unknown key, a location without data, an unreachable store,
//! a duplicate table or a description of a column that does not exist stops start-up with a
//! message naming the file, the table and the fix. A catalog that silently drops a table is worse
//! than one that refuses to start.
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::context::SessionState;
use object_store::aws::AmazonS3Builder;
use serde::Deserialize;
use url::Url;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    catalog: CatalogSection,
    #[serde(default)]
    store: BTreeMap<String, StoreSpec>,
    #[serde(default)]
    table: Vec<TableSpec>,
}

/// `name` and `description` document the catalog for people; the engine only reads `base`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CatalogSection {
    name: Option<String>,
    description: Option<String>,
    base: Option<String>,
}

/// An object store declared in a catalog. Only S3-compatible stores need declaring: local files
/// are always reachable by the engine (but never by non-admin SQL, see governance).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct StoreSpec {
    pub kind: StoreKind,
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Path-style requests (`http://host/bucket/key`), what MinIO, moto and s3rver expect.
    pub path_style: Option<bool>,
    pub allow_http: Option<bool>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Retries of a failed request (default 3): enough for a flaky network, few enough that an
    /// unreachable store fails start-up in seconds rather than minutes.
    pub max_retries: Option<usize>,
    /// Seconds before a request is abandoned (default 30).
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    S3,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Parquet,
    Csv,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct PartitionColumn {
    name: String,
    #[serde(rename = "type", default = "default_partition_type")]
    data_type: String,
}

fn default_partition_type() -> String {
    "string".into()
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct TableSpec {
    name: String,
    location: String,
    #[serde(default = "default_format")]
    format: TableFormat,
    #[serde(default)]
    partition_columns: Vec<PartitionColumn>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    pii: Vec<String>,
    /// CSV only: whether the first line is a header (default true).
    has_header: Option<bool>,
    /// CSV only: one-character delimiter (default ",").
    delimiter: Option<String>,
}

fn default_format() -> TableFormat {
    TableFormat::Parquet
}

/// What the rest of aisle needs to know about a table besides its data: descriptions become
/// comments that BI tools show, and PII flags drive masking.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMeta {
    pub name: String,
    pub description: String,
    pub location: String,
    pub format: TableFormat,
    pub columns: Vec<ColumnMeta>,
    /// The catalog file that declared the table (for error messages and lineage).
    pub source: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMeta {
    pub name: String,
    pub description: String,
    pub pii: bool,
}

/// A catalog file resolved into registered-ready table providers.
pub struct LoadedTable {
    pub meta: TableMeta,
    pub provider: Arc<dyn TableProvider>,
}

/// Where relative table locations resolve: the catalog's own `base`, unless the operator points
/// the catalog at a data directory (`--data-dir`), which wins.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub data_dir: Option<PathBuf>,
}

/// The demo catalog, built into the binary so `aisle serve --demo` works from any folder.
pub const DEMO_CATALOG_TOML: &str = include_str!("../catalog/demo.toml");

/// The text of one catalog and where it came from (a file, or the built-in demo catalog).
#[derive(Debug, Clone)]
pub struct CatalogSource {
    pub path: PathBuf,
    pub text: String,
}

impl CatalogSource {
    /// The built-in demo catalog; its relative locations resolve against the data directory.
    pub fn demo() -> Self {
        CatalogSource {
            path: PathBuf::from("catalog/demo.toml (built in)"),
            text: DEMO_CATALOG_TOML.into(),
        }
    }
}

/// Read catalog files and folders of `*.toml` files (in name order).
pub fn read_catalog_sources(paths: &[PathBuf]) -> anyhow::Result<Vec<CatalogSource>> {
    expand_catalog_paths(paths)?
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read catalog file {}", path.display()))?;
            Ok(CatalogSource { path, text })
        })
        .collect()
}

/// Resolve every catalog, registering S3 stores on the session's runtime.
pub async fn load_catalogs(
    sources: &[CatalogSource],
    opts: &LoadOptions,
    state: &SessionState,
) -> anyhow::Result<Vec<LoadedTable>> {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut out = Vec::new();
    for src in sources {
        let file = src.path.clone();
        let tables = load_catalog_file(&src.path, &src.text, opts, state).await?;
        for t in tables {
            if let Some(first) = seen.get(&t.meta.name) {
                bail!(
                    "{}: table `{}` is declared twice (first in {}). Fix: rename one of them or \
                     remove the duplicate.",
                    file.display(),
                    t.meta.name,
                    first.display()
                );
            }
            seen.insert(t.meta.name.clone(), file.clone());
            out.push(t);
        }
    }
    Ok(out)
}

/// A catalog argument may be a file or a folder of `*.toml` files (read in name order).
fn expand_catalog_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read catalog folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            entries.sort();
            files.extend(entries);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            bail!(
                "catalog file {} does not exist. Fix: pass --catalog with an existing .toml file \
                 or folder, or use --data-dir for the demo data.",
                p.display()
            );
        }
    }
    Ok(files)
}

/// Parse one catalog text.
fn parse_catalog(path: &Path, text: &str) -> anyhow::Result<CatalogFile> {
    toml::from_str(text).map_err(|e| {
        anyhow!(
            "{}: invalid catalog: {}Fix: correct the key or value shown above; the format is \
             described in docs/ARCHITECTURE.md (\"Catalog files\").",
            path.display(),
            e
        )
    })
}

async fn load_catalog_file(
    path: &Path,
    text: &str,
    opts: &LoadOptions,
    state: &SessionState,
) -> anyhow::Result<Vec<LoadedTable>> {
    let spec = parse_catalog(path, text)?;
    let base = resolve_base(path, &spec.catalog, opts);

    for (name, store) in &spec.store {
        register_store(path, name, store, state)?;
    }

    let mut names = HashSet::new();
    let mut out = Vec::new();
    for table in &spec.table {
        if !names.insert(table.name.clone()) {
            bail!(
                "{}: table `{}` is declared twice in this file. Fix: remove one of the entries.",
                path.display(),
                table.name
            );
        }
        let loaded = load_table(path, &base, table, &spec.store, state).await?;
        out.push(loaded);
    }
    Ok(out)
}

fn resolve_base(path: &Path, section: &CatalogSection, opts: &LoadOptions) -> PathBuf {
    if let Some(dir) = &opts.data_dir {
        return dir.clone();
    }
    let file_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    match &section.base {
        Some(b) if Path::new(b).is_absolute() => PathBuf::from(b),
        Some(b) => file_dir.join(b),
        None => file_dir,
    }
}

fn register_store(
    path: &Path,
    name: &str,
    store: &StoreSpec,
    state: &SessionState,
) -> anyhow::Result<()> {
    match store.kind {
        StoreKind::S3 => {
            // Start from the usual AWS environment variables, then let the catalog override.
            // Client limits first: `with_client_options` replaces every client option, including
            // the allow_http flag set below.
            let mut b = with_client_limits(
                AmazonS3Builder::from_env(),
                store.max_retries,
                store.timeout_secs,
            )
            .with_bucket_name(&store.bucket);
            if let Some(v) = &store.endpoint {
                b = b.with_endpoint(v);
            }
            if let Some(v) = &store.region {
                b = b.with_region(v);
            }
            if let Some(v) = store.path_style {
                b = b.with_virtual_hosted_style_request(!v);
            }
            if let Some(v) = store.allow_http {
                b = b.with_allow_http(v);
            } else if store
                .endpoint
                .as_deref()
                .is_some_and(|e| e.starts_with("http://"))
            {
                b = b.with_allow_http(true);
            }
            if let Some(v) = &store.access_key_id {
                b = b.with_access_key_id(v);
            }
            if let Some(v) = &store.secret_access_key {
                b = b.with_secret_access_key(v);
            }
            if let Some(v) = &store.session_token {
                b = b.with_token(v);
            }
            let s3 = b.build().map_err(|e| {
                anyhow!(
                    "{}: store `{name}` (bucket {}): {e}. Fix: check endpoint, region and \
                     credentials in the [store.{name}] section or the AWS_* environment variables.",
                    path.display(),
                    store.bucket
                )
            })?;
            let url = Url::parse(&format!("s3://{}", store.bucket))
                .with_context(|| format!("{}: invalid bucket name", path.display()))?;
            state
                .runtime_env()
                .register_object_store(&url, Arc::new(s3));
        }
    }
    Ok(())
}

/// Bounded retries and timeouts: object_store's defaults retry for minutes, which turns a typo in
/// an endpoint into a start-up that seems to hang.
fn with_client_limits(
    b: AmazonS3Builder,
    max_retries: Option<usize>,
    timeout_secs: Option<u64>,
) -> AmazonS3Builder {
    let timeout = std::time::Duration::from_secs(timeout_secs.unwrap_or(30));
    let retry = object_store::RetryConfig {
        max_retries: max_retries.unwrap_or(3),
        retry_timeout: timeout,
        ..Default::default()
    };
    b.with_retry(retry).with_client_options(
        object_store::ClientOptions::new()
            .with_connect_timeout(std::time::Duration::from_secs(5))
            .with_timeout(timeout),
    )
}

/// Build the URL of a table: `s3://` and `file://` pass through; other paths are local and resolve
/// against `base`. Listing locations always end in `/` so a table is a folder of files.
fn table_url(base: &Path, location: &str) -> anyhow::Result<String> {
    let with_slash = |s: String| if s.ends_with('/') { s } else { format!("{s}/") };
    if location.starts_with("s3://") || location.starts_with("file://") {
        return Ok(with_slash(location.to_string()));
    }
    if location.contains("://") {
        bail!("unsupported location scheme in `{location}` (use s3://, file:// or a path)");
    }
    let p = Path::new(location);
    let full = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    let full = std::path::absolute(&full).unwrap_or(full);
    Ok(with_slash(full.to_string_lossy().into_owned()))
}

fn partition_type(t: &str) -> Option<DataType> {
    match t.to_ascii_lowercase().as_str() {
        "string" | "text" | "utf8" => Some(DataType::Utf8),
        "int" | "integer" | "int32" => Some(DataType::Int32),
        "bigint" | "int64" => Some(DataType::Int64),
        "date" => Some(DataType::Date32),
        _ => None,
    }
}

async fn load_table(
    path: &Path,
    base: &Path,
    spec: &TableSpec,
    stores: &BTreeMap<String, StoreSpec>,
    state: &SessionState,
) -> anyhow::Result<LoadedTable> {
    let ctx = |msg: String| anyhow!("{}: table `{}`: {msg}", path.display(), spec.name);
    let url_text = table_url(base, &spec.location).map_err(|e| ctx(e.to_string()))?;

    // An s3:// location without a declared store still works from the environment, the way
    // every AWS tool behaves; register it lazily here.
    if let Some(rest) = url_text.strip_prefix("s3://") {
        let bucket = rest.split('/').next().unwrap_or_default().to_string();
        if !stores.values().any(|s| s.bucket == bucket) {
            let s3 = with_client_limits(AmazonS3Builder::from_env(), None, None)
                .with_bucket_name(&bucket)
                .build()
                .map_err(|e| {
                    ctx(format!(
                        "no [store] declared for bucket `{bucket}` and the AWS environment is \
                         incomplete: {e}. Fix: add a [store.NAME] section with kind = \"s3\" and \
                         bucket = \"{bucket}\"."
                    ))
                })?;
            let url = Url::parse(&format!("s3://{bucket}")).map_err(|e| ctx(e.to_string()))?;
            state
                .runtime_env()
                .register_object_store(&url, Arc::new(s3));
        }
    }

    let table_url = ListingTableUrl::parse(&url_text).map_err(|e| ctx(e.to_string()))?;
    let mut partition_cols = Vec::new();
    for pc in &spec.partition_columns {
        let dt = partition_type(&pc.data_type).ok_or_else(|| {
            ctx(format!(
                "partition column `{}` has unknown type `{}`. Fix: use string, int, bigint or date.",
                pc.name, pc.data_type
            ))
        })?;
        partition_cols.push((pc.name.clone(), dt));
    }
    let options = match spec.format {
        TableFormat::Parquet => {
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet")
        }
        TableFormat::Csv => {
            let delimiter = match spec.delimiter.as_deref() {
                None => b',',
                Some(d) if d.len() == 1 => d.as_bytes()[0],
                Some(d) => {
                    return Err(ctx(format!(
                        "delimiter must be one character, got `{d}`. Fix: e.g. delimiter = \";\"."
                    )));
                }
            };
            let fmt = CsvFormat::default()
                .with_has_header(spec.has_header.unwrap_or(true))
                .with_delimiter(delimiter);
            ListingOptions::new(Arc::new(fmt)).with_file_extension(".csv")
        }
    }
    .with_table_partition_cols(partition_cols);

    let config = ListingTableConfig::new(table_url)
        .with_listing_options(options)
        .infer_schema(state)
        .await
        .map_err(|e| {
            let hint = if url_text.starts_with("s3://") {
                "Fix: check that the store is reachable (endpoint, credentials) and that the \
                 prefix holds data files."
            } else {
                "Fix: generate the data (`aisle generate --out DIR`, then --data-dir DIR) or \
                 correct `location`."
            };
            ctx(format!("cannot read `{url_text}`: {e}. {hint}"))
        })?;
    let table = ListingTable::try_new(config).map_err(|e| ctx(e.to_string()))?;
    let schema = table.schema();

    for col in spec.columns.keys().chain(spec.pii.iter()) {
        if schema.field_with_name(col).is_err() {
            return Err(ctx(format!(
                "column `{col}` is described in the catalog but the data has no such column \
                 (it has: {}). Fix: correct the name or remove the entry.",
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let columns = schema
        .fields()
        .iter()
        .map(|f| ColumnMeta {
            name: f.name().clone(),
            description: spec.columns.get(f.name()).cloned().unwrap_or_default(),
            pii: spec.pii.iter().any(|p| p == f.name()),
        })
        .collect();

    Ok(LoadedTable {
        meta: TableMeta {
            name: spec.name.clone(),
            description: spec.description.clone(),
            location: url_text,
            format: spec.format,
            columns,
            source: path.to_path_buf(),
        },
        provider: Arc::new(table),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_and_key() {
        let err = parse_catalog(
            Path::new("c.toml"),
            "[[table]]\nname='t'\nlocation='x'\nfromat='csv'\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("c.toml"), "{err}");
        assert!(err.contains("fromat"), "{err}");
    }

    #[test]
    fn relative_locations_resolve_against_base() {
        let u = table_url(Path::new("/data"), "sales").unwrap();
        assert_eq!(u, "/data/sales/");
        assert_eq!(table_url(Path::new("/x"), "s3://b/p").unwrap(), "s3://b/p/");
        assert!(table_url(Path::new("/x"), "http://evil/x").is_err());
    }
}
