//! Scale-out on Apache DataFusion Ballista 55 (feature `cluster`; docs/scale-out.md).
//!
//! - [`process`]: `aisle scheduler` and `aisle executor`, Ballista's processes linked with aisle
//!   (every aisle function registered, aisle's codecs, the cluster object stores).
//! - [`client`]: what `--cluster df://HOST:PORT` changes in the engine: the template session
//!   gets Ballista's settings, the codecs, the stores and a planner that sends catalog-table
//!   plans to the cluster and keeps coordinator-only tables local.
//! - [`codec`]: aisle functions travel with their definition, so an executor never computes with
//!   another function than the one the coordinator planned.
//! - [`stores`]: the catalogs' object stores, carried to the cluster as a session setting.
pub mod client;
pub mod codec;
pub mod process;
pub mod stores;

pub use client::{SchedulerAddr, check_reachable, runs_on_cluster, upgrade};
