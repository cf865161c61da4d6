//! Demand forecasting (temporary root while building).
pub mod baseline;
pub mod error;
pub mod ets;
pub mod intermittent;
pub(crate) mod linalg;
pub(crate) mod optim;
pub mod ses;
pub mod theta;
pub mod types;
pub(crate) mod util;
#[cfg(test)]
pub(crate) mod fixtures;
