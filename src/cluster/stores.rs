//! Object stores on a cluster: configured once where `aisle serve --cluster` (or `aisle query
//! --cluster`) runs, carried to the scheduler and every executor in the Ballista session settings.
//!
//! The coordinator reads the `[store.*]` sections of its catalog files (and, for an `s3://`
//! location whose bucket has no section, the `AWS_*` environment, as in local mode) into a
//! [`ClusterStores`] config extension. Ballista sends every session setting with every job; the
//! scheduler (which lists files while planning) and the executors (which read them) build their
//! object stores from it in [`runtime_env`]. Local paths need no configuration: they must name
//! the same shared directory on every node.
//!
//! Credentials travel in the settings, so they are never printed: `Debug` shows `***`, and the
//! aisle processes cap Ballista's settings logger at `info` (it logs values at `trace`).
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::catalog::{CatalogSource, StoreSpec};

/// One S3-compatible store, for one bucket.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct S3Store {
    pub bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_style: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_http: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .field("allow_http", &self.allow_http)
            .field("access_key_id", &hidden(&self.access_key_id))
            .field("secret_access_key", &hidden(&self.secret_access_key))
            .field("session_token", &hidden(&self.session_token))
            .finish()
    }
}

impl S3Store {
    fn from_spec(s: &StoreSpec) -> S3Store {
        S3Store {
            bucket: s.bucket.clone(),
            endpoint: s.endpoint.clone(),
            region: s.region.clone(),
            path_style: s.path_style,
            allow_http: s.allow_http,
            access_key_id: s.access_key_id.clone(),
            secret_access_key: s.secret_access_key.clone(),
            session_token: s.session_token.clone(),
            max_retries: s.max_retries,
            timeout_secs: s.timeout_secs,
        }
    }

    /// A bucket without a `[store]` section: what the coordinator's AWS environment says, so the
    /// executors use the same account and endpoint as the coordinator did when it loaded the
    /// catalog (not whatever their own environment happens to hold).
    fn from_env(bucket: &str) -> S3Store {
        let var = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        };
        S3Store {
            bucket: bucket.to_string(),
            endpoint: var(&["AWS_ENDPOINT", "AWS_ENDPOINT_URL"]),
            region: var(&["AWS_REGION", "AWS_DEFAULT_REGION"]),
            path_style: var(&["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"]).map(|v| v != "true"),
            allow_http: var(&["AWS_ALLOW_HTTP"]).map(|v| v == "true"),
            access_key_id: var(&["AWS_ACCESS_KEY_ID"]),
            secret_access_key: var(&["AWS_SECRET_ACCESS_KEY"]),
            session_token: var(&["AWS_SESSION_TOKEN", "AWS_TOKEN"]),
            max_retries: None,
            timeout_secs: None,
        }
    }

    /// The object store, built the way `catalog.rs` builds it in local mode (bounded retries and
    /// timeouts, path-style and plain HTTP for S3-compatible servers).
    pub fn build(&self) -> Result<Arc<dyn ObjectStore>> {
        let timeout = std::time::Duration::from_secs(self.timeout_secs.unwrap_or(30));
        let retry = object_store::RetryConfig {
            max_retries: self.max_retries.unwrap_or(3),
            retry_timeout: timeout,
            ..Default::default()
        };
        let mut b = AmazonS3Builder::from_env()
            .with_retry(retry)
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_connect_timeout(std::time::Duration::from_secs(5))
                    .with_timeout(timeout),
            )
            .with_bucket_name(&self.bucket);
        if let Some(v) = &self.endpoint {
            b = b.with_endpoint(v);
        }
        if let Some(v) = &self.region {
            b = b.with_region(v);
        }
        if let Some(v) = self.path_style {
            b = b.with_virtual_hosted_style_request(!v);
        }
        if let Some(v) = self.allow_http {
            b = b.with_allow_http(v);
        } else if self
            .endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"))
        {
            b = b.with_allow_http(true);
        }
        if let Some(v) = &self.access_key_id {
            b = b.with_access_key_id(v);
        }
        if let Some(v) = &self.secret_access_key {
            b = b.with_secret_access_key(v);
        }
        if let Some(v) = &self.session_token {
            b = b.with_token(v);
        }
        let store = b.build().map_err(|e| {
            DataFusionError::Configuration(format!(
                "cannot build the object store for s3://{} on this node: {e}",
                self.bucket
            ))
        })?;
        Ok(Arc::new(store))
    }
}

/// The stores a cluster session may read: a Ballista session setting (`aisle_stores.s3`, JSON),
/// so it reaches the scheduler and every executor with each job.
#[derive(Clone, Default)]
pub struct ClusterStores {
    pub s3: Vec<S3Store>,
}

impl fmt::Debug for ClusterStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterStores")
            .field("s3", &self.s3)
            .finish()
    }
}

impl ConfigExtension for ClusterStores {
    const PREFIX: &'static str = "aisle_stores";
}

impl ExtensionOptions for ClusterStores {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }
    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            "s3" => {
                self.s3 = serde_json::from_str(value).map_err(|e| {
                    // Never echo the value: it holds credentials.
                    DataFusionError::Configuration(format!(
                        "aisle_stores.s3 is not a valid store list ({e}); it is set by the \
                         coordinator, not by hand"
                    ))
                })?;
                Ok(())
            }
            _ => Err(DataFusionError::Configuration(format!(
                "unknown setting aisle_stores.{key}; the only key is aisle_stores.s3"
            ))),
        }
    }
    fn entries(&self) -> Vec<ConfigEntry> {
        vec![ConfigEntry {
            key: format!("{}.s3", Self::PREFIX),
            value: Some(serde_json::to_string(&self.s3).unwrap_or_else(|_| "[]".into())),
            description: "S3-compatible stores of the coordinator's catalogs (JSON; set by aisle)",
        }]
    }
}

/// Only the parts of a catalog file the cluster needs; the engine has already validated it.
#[derive(Deserialize)]
struct CatalogStores {
    #[serde(default)]
    store: BTreeMap<String, StoreSpec>,
    #[serde(default)]
    table: Vec<TableLocation>,
}

#[derive(Deserialize)]
struct TableLocation {
    location: String,
}

impl ClusterStores {
    /// Every S3 store the catalogs use: declared `[store]` sections, and buckets named by a table
    /// location without one (from the AWS environment, as `catalog.rs` does in local mode).
    pub fn from_catalogs(sources: &[CatalogSource]) -> anyhow::Result<ClusterStores> {
        let mut by_bucket: BTreeMap<String, S3Store> = BTreeMap::new();
        for src in sources {
            let spec: CatalogStores = toml::from_str(&src.text)
                .map_err(|e| anyhow::anyhow!("{}: invalid catalog: {e}", src.path.display()))?;
            for s in spec.store.values() {
                by_bucket.insert(s.bucket.clone(), S3Store::from_spec(s));
            }
            for t in &spec.table {
                if let Some(rest) = t.location.strip_prefix("s3://") {
                    let bucket = rest.split('/').next().unwrap_or_default();
                    if !bucket.is_empty() && !by_bucket.contains_key(bucket) {
                        by_bucket.insert(bucket.to_string(), S3Store::from_env(bucket));
                    }
                }
            }
        }
        Ok(ClusterStores {
            s3: by_bucket.into_values().collect(),
        })
    }
}

/// Object stores of one cluster session on a scheduler or executor: local files, and the S3
/// buckets the coordinator sent. A URL for anything else fails with a message naming it.
#[derive(Debug)]
pub struct ClusterStoreRegistry {
    local: Arc<LocalFileSystem>,
    stores: RwLock<HashMap<String, Arc<dyn ObjectStore>>>,
    node: String,
}

fn key(url: &Url) -> String {
    format!("{}://{}", url.scheme(), url.authority())
}

impl ClusterStoreRegistry {
    pub fn new(stores: &ClusterStores, node: &str) -> Result<ClusterStoreRegistry> {
        let mut map = HashMap::new();
        for s in &stores.s3 {
            map.insert(format!("s3://{}", s.bucket), s.build()?);
        }
        Ok(ClusterStoreRegistry {
            local: Arc::new(LocalFileSystem::new()),
            stores: RwLock::new(map),
            node: node.to_string(),
        })
    }
}

impl ObjectStoreRegistry for ClusterStoreRegistry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.stores.write().insert(key(url), store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.stores.write().remove(&key(url)).ok_or_else(|| {
            DataFusionError::Execution(format!("no object store registered for {url}"))
        })
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        if url.scheme() == "file" {
            return Ok(self.local.clone());
        }
        let k = key(url);
        if let Some(s) = self.stores.read().get(&k) {
            return Ok(s.clone());
        }
        Err(DataFusionError::Configuration(format!(
            "the {} has no object store for {k}: the coordinator sent none for it. Fix: declare \
             a [store] section for this bucket in the catalog of `aisle serve --cluster` / \
             `aisle query --cluster` (or set the AWS_* variables where it runs); stores are \
             passed to the cluster from there",
            self.node
        )))
    }
}

/// A runtime for one cluster session on a scheduler or executor: the session's object stores,
/// spill files under `work_dir`. (The executor adds its memory pool on top.)
pub fn runtime_env(
    config: &SessionConfig,
    work_dir: Option<PathBuf>,
    node: &str,
) -> Result<Arc<RuntimeEnv>> {
    let stores = config
        .options()
        .extensions
        .get::<ClusterStores>()
        .cloned()
        .unwrap_or_default();
    let registry = ClusterStoreRegistry::new(&stores, node)?;
    let mut b = RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(registry));
    if let Some(dir) = work_dir {
        b = b.with_temp_file_path(dir);
    }
    b.build_arc()
}
