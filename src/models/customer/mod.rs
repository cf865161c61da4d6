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

mod error;
mod optim;
mod special;

pub mod bgnbd;

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
        v.as_array().expect("array").iter().map(|x| x.as_i64().expect("integer")).collect()
    }

    /// |got - want| <= tol * max(|want|, tiny), with equal infinities accepted.
    #[track_caller]
    pub fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
        if got == want {
            return;
        }
        let err = (got - want).abs() / want.abs().max(1e-300);
        assert!(err <= tol, "{what}: got {got}, want {want} (relative error {err:.3e} > {tol:.0e})");
    }
}
