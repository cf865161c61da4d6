//! Customer analytics in plain Rust over slices: lifetime value (BG/NBD, Gamma-Gamma, CLV),
//! RFM scores and segments, k-means, association rules, price elasticity, promotion response,
//! regional preference and return rates.
//!
//! Nothing here knows about Arrow, DataFusion or SQL. Inputs are slices (one element per
//! customer, transaction or basket line), outputs are plain structs, failures are a
//! [`CustomerError`] whose message says what was wrong and how to fix it. Nothing panics on user
//! input and nothing returns a silent NaN. This directory compiles on its own (std + `statrs`;
//! `serde_json` in tests only) and uses only `super::`/`self::` paths, so it is checked in a
//! scratch crate without building the engine.
//!
//! Every model is compared with the reference library a user would otherwise pick, on fixtures
//! in `tests/fixtures/customer/` written by `make_fixtures.py` there (lifetimes, scikit-learn,
//! mlxtend, DuckDB, numpy); each test states its tolerance.
//!
//! | module | what | reference (tolerance in the tests) |
//! |---|---|---|
//! | [`summary`] | transaction log → (frequency, recency, T, monetary) | lifetimes `summary_data_from_transaction_data` (exact; monetary 1e-12) |
//! | [`bgnbd`] | BG/NBD fit, expected purchases, P(alive), churn risk | lifetimes `BetaGeoFitter` (params 1e-5, predictions 1e-4; observed ≤ 2e-6) |
//! | [`gamma_gamma`] | spend model, expected average spend | lifetimes `GammaGammaFitter` (params 1e-5; observed ≤ 6e-8) |
//! | [`clv`] | discounted lifetime value with margin | lifetimes `customer_lifetime_value` (formula 1e-9, after refit 1e-4) |
//! | [`rfm`] | quintile scores, named segments | DuckDB `NTILE(5)` (exact) |
//! | [`kmeans`] | k-means++, Lloyd, silhouette, assignment | scikit-learn (same init: inertia 1e-6, labels exact; own seeding ≤ 1.01× sklearn) |
//! | [`assoc`] | FP-growth, association rules | mlxtend `fpgrowth` + `association_rules` (exact sets, metrics 1e-9) |
//! | [`elasticity`] | log-log OLS per SKU, pooled fallback | numpy `lstsq` (1e-10 / 1e-9) |
//! | [`promo`] | uplift with a log-ratio interval | numpy/scipy closed form (1e-12; intervals 1e-8) |
//! | [`regional`] | regional preference index, smoothed | pandas (1e-12) |
//! | [`returns`] | return rates, net demand | — |
//!
//! Conventions shared by all models: parallel slices must have equal lengths
//! ([`CustomerError::LengthMismatch`]); a NaN or infinite input is an error naming the column
//! and 0-based row; options are validated with messages like "discount rate must be in [0, 1),
//! got 1.5"; [`CustomerError::sqlstate`] gives the SQLSTATE for the adapters.

mod error;
mod fasthash;
mod optim;
mod rng;
mod special;

pub mod assoc;
pub mod bgnbd;
pub mod clv;
pub mod elasticity;
pub mod gamma_gamma;
pub mod kmeans;
pub mod promo;
pub mod regional;
pub mod returns;
pub mod rfm;
pub mod summary;

pub use error::{CustomerError, Result};

#[cfg(test)]
pub(crate) mod testutil {
    //! Fixture loading for the unit tests.
    pub use serde_json::Value;

    pub fn fixture(json: &str) -> Value {
        serde_json::from_str(json).expect("fixture is valid JSON")
    }

    /// Numbers (and the strings "inf"/"-inf"/"nan" the fixture writer uses for non-finite values).
    pub fn f64_of(v: &Value) -> f64 {
        match v {
            Value::String(s) if s == "inf" => f64::INFINITY,
            Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
            Value::Null => f64::NAN,
            _ => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
        }
    }

    pub fn f64s(v: &Value) -> Vec<f64> {
        v.as_array().expect("array").iter().map(f64_of).collect()
    }

    pub fn i64s(v: &Value) -> Vec<i64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_i64().expect("integer"))
            .collect()
    }

    /// |got - want| <= tol * max(|want|, tiny), with equal infinities accepted.
    #[track_caller]
    pub fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
        if got == want {
            return;
        }
        let err = (got - want).abs() / want.abs().max(1e-300);
        assert!(
            err <= tol,
            "{what}: got {got}, want {want} (relative error {err:.3e} > {tol:.0e})"
        );
    }
}
