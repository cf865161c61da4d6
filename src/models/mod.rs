//! The math of aisle, in plain Rust over slices.
//!
//! Nothing in here knows about Arrow, DataFusion or SQL: each family can be unit-tested against
//! reference libraries, benchmarked with criterion and reused from any front end. Every family
//! directory compiles on its own (std + statrs only, `super::` paths only) so it can be checked in
//! a scratch crate without building the engine.
pub mod customer;
pub mod forecast;
pub mod inventory;
