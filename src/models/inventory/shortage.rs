//! Expected shortage of a stock position against normally distributed demand:
//! E[(X - p)⁺] = σ·G((p - μ)/σ), X ~ N(μ, σ²). The building block of transfer benefits and
//! stock-out risk ("units we expect to miss before the next delivery").

use super::error::{Result, finite, non_negative};
use super::normal::{loss_unchecked, std_normal_cdf};

/// Expected units of demand that `position` fails to serve when demand over the horizon is
/// normal with `mean` and `std_dev`.
///
/// * `position` finite (may be negative: an existing backlog adds to the shortage);
///   `mean` ≥ 0, `std_dev` ≥ 0.
/// * σ = 0: the deterministic shortage max(μ - p, 0).
/// * The normal shape puts some probability on negative demand; for μ < 3σ it is a rough
///   approximation, good enough for ranking. Very slow movers are better served by a Poisson
///   form (as `markdown.rs` uses).
pub fn expected_shortage(position: f64, mean: f64, std_dev: f64) -> Result<f64> {
    let p = finite("stock position", position)?;
    let mu = non_negative("mean demand", mean)?;
    let sigma = non_negative("demand standard deviation", std_dev)?;
    Ok(shortage_unchecked(p, mu, sigma))
}

pub(super) fn shortage_unchecked(p: f64, mu: f64, sigma: f64) -> f64 {
    if sigma == 0.0 {
        (mu - p).max(0.0)
    } else {
        sigma * loss_unchecked((p - mu) / sigma)
    }
}

/// Probability of a stock-out over the horizon: P(X > position) = 1 - Φ((p - μ)/σ).
/// Same argument rules as [`expected_shortage`]; σ = 0 gives 1 if μ > p else 0.
pub fn stockout_probability(position: f64, mean: f64, std_dev: f64) -> Result<f64> {
    let p = finite("stock position", position)?;
    let mu = non_negative("mean demand", mean)?;
    let sigma = non_negative("demand standard deviation", std_dev)?;
    if sigma == 0.0 {
        return Ok(if mu > p { 1.0 } else { 0.0 });
    }
    Ok(1.0 - std_normal_cdf((p - mu) / sigma))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortage_values() {
        // at the mean: σ·G(0) = σ·0.3989
        assert!(
            (expected_shortage(100.0, 100.0, 10.0).unwrap() - 3.989_422_804_014_327).abs() < 1e-12
        );
        assert_eq!(expected_shortage(80.0, 100.0, 0.0).unwrap(), 20.0);
        assert_eq!(expected_shortage(120.0, 100.0, 0.0).unwrap(), 0.0);
        // far below the mean the shortage is ≈ μ - p
        assert!((expected_shortage(-50.0, 100.0, 10.0).unwrap() - 150.0).abs() < 1e-9);
        assert!(expected_shortage(1.0, -1.0, 1.0).is_err());
        assert!((stockout_probability(100.0, 100.0, 10.0).unwrap() - 0.5).abs() < 1e-15);
        assert_eq!(stockout_probability(99.0, 100.0, 0.0).unwrap(), 1.0);
    }
}
