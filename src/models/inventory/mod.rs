//! Inventory planning math: service levels, safety stock, replenishment policies, order
//! quantities, and the scoring behind the transfer, markdown, exception and supplier-risk views.
//!
//! Plain Rust over `f64` and slices: no Arrow, no DataFusion, no SQL. The SQL adapters in
//! `src/udfs/` call these functions row by row (or per group) and map [`InventoryError`] to a
//! SQLSTATE. Every function validates its input and returns an error that names the argument,
//! the valid range and the value; nothing panics on user input and nothing returns a silent NaN.
//! Each function's documentation states what it does with NaN, negatives, zero, empty and short
//! input.
//!
//! Units are the caller's: demand per period with lead times in the same periods, money in one
//! currency.
//!
//! | file | what |
//! | --- | --- |
//! | [`normal`] | Φ, Φ⁻¹ (service level ↔ z), loss function G and G⁻¹ (fill rate ↔ k) |
//! | [`safety_stock`] | σ over lead time + review with lead-time variability; α and β safety stock |
//! | [`forecast_quantiles`] | safety stock straight from forecast intervals / lead-time quantiles |
//! | [`policy`] | reorder point, order-up-to level, (s, S), (r, Q) |
//! | [`eoq`] | Wilson EOQ, EOQ with planned backorders |
//! | [`order_quantity`] | order now from on hand, on order, backorders; case-pack and MOQ rounding |
//! | [`cover`] | days / weeks of cover, flat or against a forecast path |
//! | [`shortage`] | expected shortage and stock-out probability of a position |
//! | [`transfer`] | surplus → deficit transfers: quantity, benefit, cost |
//! | [`launch`] | initial allocation of a new product to a location from like-items |
//! | [`markdown`] | discount from a grid by elasticity: sell-through and margin effect |
//! | [`anomaly`] | robust z (MAD) for shrink and demand shifts; phantom-inventory probability |
//! | [`supplier`] | supplier risk score and planning lead times |
//! | [`confidence`] | confidence in [0, 1] and priority of a recommendation |
//! | [`simulate`] | replay a demand history under a policy: achieved service, stock, orders |
//! | [`rolling`] | re-plan an (R, S) policy at every review from a rolling-origin forecast |
//!
//! This directory compiles on its own (std + statrs, `super::` paths only) so it can be tested
//! in a scratch crate without building the engine.

pub mod anomaly;
pub mod confidence;
pub mod cover;
pub mod eoq;
pub mod error;
pub mod forecast_quantiles;
pub mod launch;
pub mod markdown;
pub mod normal;
pub mod order_quantity;
pub mod policy;
pub mod rolling;
pub mod safety_stock;
pub mod shortage;
pub mod simulate;
pub mod supplier;
pub mod transfer;

#[cfg(test)]
mod reference_tests;

pub use error::{InventoryError, Result};
