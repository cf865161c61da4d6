//! Governance: who may read what (roles, grants, PII masks), what happened (the audit log), and
//! what was recommended and decided (recommendation runs, decisions).
//!
//! - `access`: roles and grants from the `[governance]` config section, per-role catalogs with
//!   masked PII columns, checks of statements against grants.
//! - `audit`: the durable, rotated, queryable audit log of every statement.
//! - `decisions`: approve / override / reject of recommendations, durable across crashes.
//! - `monitoring`: `forecast_monitoring`, the accuracy and drift of the forecasts runs issued.
//! - `runs`: recommendation runs (snapshots of the recommendation views with lineage).
//! - `storage`: where runs and decisions live (a local folder or `s3://bucket/prefix`).
//!
//! The server calls into this module; this module knows nothing of the wire protocol.
pub mod access;
pub mod audit;
pub mod decisions;
pub mod monitoring;
pub mod runs;
pub mod service;
pub mod storage;
