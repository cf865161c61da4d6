//! Where governance state lives: a local folder or an object-store prefix (`s3://bucket/prefix`).
//!
//! Recommendation runs and the decision log are written through `object_store` in both cases, so
//! the same code serves a laptop and a bucket. What makes a write safe differs:
//! - an object-store PUT is atomic (the object appears whole or not at all), and so is
//!   `LocalFileSystem::put` (a temporary file renamed into place);
//! - a multi-object change (a run: data files, then its manifest) is committed by its last PUT,
//!   the manifest; readers look only at committed manifests;
//! - a local folder can additionally be fsynced (the decision log appends and fsyncs a segment);
//!   an object store cannot be appended to, so there every commit is one new object.
//!
//! Credentials for `s3://bucket`: the store a catalog declared for that bucket (`[store.NAME]`
//! with `bucket = "..."`, registered on the engine), else the usual `AWS_*` environment variables
//! (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ALLOW_HTTP`, ...), like every AWS tool.
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use datafusion::execution::object_store::ObjectStoreUrl;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::prefix::PrefixStore;

use crate::engine::Engine;

/// A governance folder: local or in an object store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    Local(PathBuf),
    /// `s3://bucket/prefix` (no trailing slash).
    Url {
        bucket: String,
        prefix: String,
    },
}

impl fmt::Display for StateLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateLocation::Local(p) => write!(f, "{}", p.display()),
            StateLocation::Url { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            StateLocation::Url { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl StateLocation {
    /// Parse a configured folder: `s3://bucket/prefix`, else a path resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> anyhow::Result<StateLocation> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let rest = rest.trim_end_matches('/');
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                bail!("`{text}` has no bucket. Fix: write s3://bucket/prefix");
            }
            return Ok(StateLocation::Url {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if text.contains("://") {
            bail!(
                "unsupported governance location `{text}`. Fix: use a local folder or \
                 s3://bucket/prefix"
            );
        }
        Ok(StateLocation::Local(base.join(text)))
    }

    /// A sub-folder (`runs`, `decisions`).
    pub fn join(&self, sub: &str) -> StateLocation {
        match self {
            StateLocation::Local(p) => StateLocation::Local(p.join(sub)),
            StateLocation::Url { bucket, prefix } => StateLocation::Url {
                bucket: bucket.clone(),
                prefix: if prefix.is_empty() {
                    sub.to_string()
                } else {
                    format!("{prefix}/{sub}")
                },
            },
        }
    }

    /// For log lines and CLI output (`location.display()` like a path's).
    pub fn display(&self) -> String {
        self.to_string()
    }

    /// The local folder, if this is one.
    pub fn local(&self) -> Option<&Path> {
        match self {
            StateLocation::Local(p) => Some(p),
            StateLocation::Url { .. } => None,
        }
    }

    /// Open the store (creating a local folder), rooted at this location.
    pub async fn open(&self, engine: &Engine) -> anyhow::Result<StateStore> {
        match self {
            StateLocation::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the folder {}", dir.display()))?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .with_context(|| format!("cannot open the folder {}", dir.display()))?;
                Ok(StateStore {
                    store: Arc::new(store),
                    location: self.clone(),
                })
            }
            StateLocation::Url { bucket, prefix } => {
                let url = ObjectStoreUrl::parse(format!("s3://{bucket}"))?;
                let base: Arc<dyn ObjectStore> =
                    match engine.new_session().runtime_env().object_store(&url) {
                        Ok(s) => s,
                        Err(_) => Arc::new(s3_from_env(bucket).with_context(|| {
                            format!(
                                "cannot open {self}: no catalog declares a [store] for bucket \
                                 `{bucket}` and the AWS environment is incomplete. Fix: set \
                                 AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and \
                                 AWS_REGION, or declare the bucket in a catalog's [store.NAME]"
                            )
                        })?),
                    };
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    base
                } else {
                    Arc::new(PrefixStore::new(base, ObjPath::from(prefix.as_str())))
                };
                // Reachable and allowed? A wrong endpoint or credentials stop start-up here
                // rather than at the first decision.
                store
                    .list_with_delimiter(None)
                    .await
                    .with_context(|| format!("cannot list {self}"))?;
                Ok(StateStore {
                    store,
                    location: self.clone(),
                })
            }
        }
    }
}

/// S3 from the environment, with bounded retries and timeouts (as the catalog's stores).
fn s3_from_env(bucket: &str) -> anyhow::Result<object_store::aws::AmazonS3> {
    let timeout = std::time::Duration::from_secs(30);
    let retry = object_store::RetryConfig {
        max_retries: 3,
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
        .with_bucket_name(bucket);
    // `with_client_options` replaced AWS_ALLOW_HTTP from the environment: apply it again.
    let endpoint = std::env::var("AWS_ENDPOINT")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_default();
    let allow_http = std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v == "true" || v == "1");
    if allow_http || endpoint.starts_with("http://") {
        b = b.with_allow_http(true);
    }
    Ok(b.build()?)
}

/// An opened governance folder.
#[derive(Debug, Clone)]
pub struct StateStore {
    pub store: Arc<dyn ObjectStore>,
    pub location: StateLocation,
}
