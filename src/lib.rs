//! aisle: a retail analytics engine you talk to in SQL.
//!
//! Apache DataFusion runs over retail Parquet declared in catalog files (`catalog`), with
//! forecasting, customer-analytics and inventory-planning functions (`udfs` over `models`) and
//! recommendation views (`views`), served on the PostgreSQL wire protocol (`server`).
//! docs/ARCHITECTURE.md says how a request flows through these modules.
pub mod catalog;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod config;
pub mod demo;
pub mod engine;
pub mod error;
pub mod governance;
pub mod models;
pub mod output;
pub mod refresh_session;
pub mod server;
pub mod udfs;
pub mod views;
