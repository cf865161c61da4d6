//! Checks against `tests/fixtures/inventory/reference.json`, written by
//! `tests/fixtures/inventory/make_fixtures.py` with scipy (see that script for how each value is
//! computed independently of this code). Tolerances, and why:
//!
//! * Φ⁻¹ vs `scipy.stats.norm.ppf`: 1e-9 absolute required, 1e-12 asserted, observed 2e-15.
//! * Φ, 1 - Φ vs `norm.cdf` / `norm.sf`: 1e-13 relative (observed 7e-15).
//! * G(z) vs quadrature of 1 - Φ: 1e-13 relative (quad itself is asked for 2e-14; observed
//!   worst 7e-15).
//! * G⁻¹ vs brentq on the quadrature: 1e-9 absolute in k (observed 3e-14).
//! * safety stocks: 1e-9 relative.
//! * Poisson expected sales E[min(N, s)]: 1e-9 relative for means ≤ 700 (exact summation both
//!   sides); markdown margins 1e-8 relative and the same best discount.
//! * robust median / scale (scipy `median_abs_deviation(scale="normal")`): 1e-12 relative.
//! * supplier mean, std (ddof 1), p90 (numpy linear), trend slope (polyfit): 1e-10.
//! * the (R, S) simulation (done in Python, numpy seed in the fixture): achieved fill rate and
//!   cycle service level within 0.5 percentage points of the target, and Rust's order-up-to level
//!   equal to the one the simulation used to 1e-9 relative.

use super::anomaly::robust_scale;
use super::markdown::{MarkdownInput, expected_poisson_sales, suggest_markdown};
use super::normal::{
    inverse_normal_loss, normal_loss, std_normal_cdf, std_normal_sf, z_from_service_level,
};
use super::policy::order_up_to_level;
use super::safety_stock::{safety_stock_cycle, safety_stock_fill_rate};
use super::supplier::supplier_risk;
use serde_json::Value;

const FIXTURE: &str = include_str!("../../../tests/fixtures/inventory/reference.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("reference.json parses")
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

#[test]
fn ppf_matches_scipy() {
    let doc = fixture();
    let mut worst: f64 = 0.0;
    for row in doc["ppf"].as_array().unwrap() {
        let (p, z) = (f(row, "p"), f(row, "z"));
        let ours = z_from_service_level(p).unwrap();
        worst = worst.max((ours - z).abs());
        assert!((ours - z).abs() < 1e-9, "p={p}: ours {ours}, scipy {z}");
    }
    assert!(worst < 1e-12, "worst ppf error {worst}");
}

#[test]
fn cdf_matches_scipy() {
    let doc = fixture();
    for row in doc["cdf"].as_array().unwrap() {
        let z = f(row, "z");
        let (cdf, sf) = (f(row, "cdf"), f(row, "sf"));
        assert!(rel(std_normal_cdf(z), cdf) < 1e-13, "cdf z={z}");
        assert!(rel(std_normal_sf(z), sf) < 1e-13, "sf z={z}");
    }
}

#[test]
fn loss_matches_quadrature() {
    let doc = fixture();
    for row in doc["loss"].as_array().unwrap() {
        let (z, g) = (f(row, "z"), f(row, "g"));
        let ours = normal_loss(z).unwrap();
        assert!(rel(ours, g) < 1e-13, "G({z}): ours {ours}, quad {g}");
    }
}

#[test]
fn inverse_loss_matches_brentq() {
    let doc = fixture();
    for row in doc["inv_loss"].as_array().unwrap() {
        let (g, k) = (f(row, "g"), f(row, "k"));
        let ours = inverse_normal_loss(g).unwrap();
        assert!((ours - k).abs() < 1e-9, "G⁻¹({g}): ours {ours}, brentq {k}");
    }
}

#[test]
fn safety_stocks_match_scipy() {
    let doc = fixture();
    for c in doc["safety"].as_array().unwrap() {
        let args = (
            f(c, "mean_demand"),
            f(c, "std_demand"),
            f(c, "lead_time"),
            f(c, "lead_time_std"),
            f(c, "review_period"),
        );
        let csl =
            safety_stock_cycle(f(c, "target"), args.0, args.1, args.2, args.3, args.4).unwrap();
        assert!(rel(csl.std_dev, f(c, "sigma")) < 1e-12);
        assert!(rel(csl.mean, f(c, "mean")) < 1e-12);
        assert!(rel(csl.safety_stock, f(c, "csl_safety_stock")) < 1e-9);
        let fr = safety_stock_fill_rate(
            f(c, "target"),
            f(c, "order_quantity"),
            args.0,
            args.1,
            args.2,
            args.3,
            args.4,
        )
        .unwrap();
        assert!(
            (fr.k - f(c, "fill_rate_k")).abs() < 1e-9,
            "k {} vs {}",
            fr.k,
            f(c, "fill_rate_k")
        );
        assert!(rel(fr.safety_stock, f(c, "fill_rate_safety_stock")) < 1e-8);
    }
}

#[test]
fn simulated_service_meets_target() {
    let doc = fixture();
    for s in doc["simulation"].as_array().unwrap() {
        let kind = s["kind"].as_str().unwrap();
        let target = f(s, "target");
        let (d, sd, l, sl, r) = (
            f(s, "mean_demand"),
            f(s, "std_demand"),
            f(s, "lead_time"),
            f(s, "lead_time_std"),
            f(s, "review_period"),
        );
        let ss = if kind == "fill_rate" {
            safety_stock_fill_rate(target, f(s, "order_quantity"), d, sd, l, sl, r).unwrap()
        } else {
            safety_stock_cycle(target, d, sd, l, sl, r).unwrap()
        };
        let s_level = order_up_to_level(d, l, r, ss.safety_stock).unwrap();
        assert!(
            rel(s_level, f(s, "order_up_to")) < 1e-9,
            "{kind} {target}: S ours {s_level}, simulated with {}",
            f(s, "order_up_to")
        );
        let achieved = if kind == "fill_rate" {
            f(s, "achieved_fill_rate")
        } else {
            f(s, "achieved_cycle_service_level")
        };
        assert!(
            (achieved - target).abs() <= 0.005,
            "{kind} target {target}: simulation achieved {achieved}"
        );
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn poisson_sales_match_scipy() {
    let doc = fixture();
    for c in doc["poisson"].as_array().unwrap() {
        let (m, s, want) = (f(c, "mean"), f(c, "stock"), f(c, "expected_sales"));
        let ours = expected_poisson_sales(m, s).unwrap();
        assert!(
            rel(ours, want) < 1e-9,
            "m={m} s={s}: ours {ours}, scipy {want}"
        );
    }
}

#[test]
fn markdown_matches_python() {
    let doc = fixture();
    let c = &doc["markdown"];
    let grid = floats(&c["grid"]);
    let input = MarkdownInput {
        stock: f(c, "stock"),
        remaining_days: f(c, "remaining_days"),
        baseline_rate: f(c, "baseline_rate"),
        elasticity: f(c, "elasticity"),
        price: f(c, "price"),
        unit_cost: f(c, "unit_cost"),
        salvage_value: f(c, "salvage_value"),
        discounts: &grid,
    };
    let r = suggest_markdown(&input).unwrap();
    assert_eq!(r.best.discount, f(c, "best_discount"));
    for (ours, want) in r.options.iter().zip(c["options"].as_array().unwrap()) {
        assert!(rel(ours.expected_units, f(want, "expected_units")) < 1e-9);
        assert!(rel(ours.expected_margin, f(want, "expected_margin")) < 1e-8);
    }
}

#[test]
fn robust_scale_matches_scipy() {
    let doc = fixture();
    for c in doc["robust"].as_array().unwrap() {
        let s = robust_scale(&floats(&c["history"])).unwrap();
        assert!(rel(s.median, f(c, "median")) < 1e-12);
        assert!(
            rel(s.scale, f(c, "scale")) < 1e-12,
            "{} vs {}",
            s.scale,
            f(c, "scale")
        );
    }
}

#[test]
fn supplier_statistics_match_numpy() {
    let doc = fixture();
    for c in doc["supplier"].as_array().unwrap() {
        let r = supplier_risk(&floats(&c["lead_times"]), None, 1.0, 1.0, 0.0).unwrap();
        assert!((r.lead_time_mean - f(c, "mean")).abs() < 1e-10);
        assert!((r.lead_time_std - f(c, "std")).abs() < 1e-10);
        assert!((r.lead_time_p90 - f(c, "p90")).abs() < 1e-10);
        assert!((r.trend_slope - f(c, "slope")).abs() < 1e-10);
    }
}
