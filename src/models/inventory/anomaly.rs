//! Scoring helpers for inventory exceptions: robust z-scores (shrink, sudden demand shifts) and
//! the zero-sales test behind phantom inventory.
//!
//! Robust rather than classical statistics because the histories being scored contain the very
//! anomalies we look for (a shrink spike, a promotion week): a mean and standard deviation would
//! be dragged by them, the median and MAD are not.

use super::error::{InventoryError, Result, all_non_negative, non_negative, open_unit};

/// Consistency constant: 1.4826·MAD estimates σ for normal data (1 / Φ⁻¹(0.75)).
pub const MAD_TO_SIGMA: f64 = 1.482_602_218_505_602;
/// √(π/2): mean absolute deviation × this estimates σ for normal data. Used when MAD = 0.
pub const MEAN_AD_TO_SIGMA: f64 = 1.253_314_137_315_500_3;
/// Minimum number of finite history values for a robust scale.
pub const MIN_HISTORY: usize = 3;

/// Which estimator gave the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleKind {
    /// 1.4826 × median absolute deviation (the normal case).
    Mad,
    /// 1.2533 × mean absolute deviation from the median: more than half the history equals the
    /// median (typical of intermittent demand, mostly zeros), so MAD is 0.
    MeanAbsoluteDeviation,
    /// Every value equals the median: no spread at all.
    Zero,
}

/// Robust location and scale of a history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustScale {
    pub median: f64,
    /// σ-equivalent scale (comparable to a standard deviation for normal data).
    pub scale: f64,
    pub kind: ScaleKind,
    /// Number of finite values used.
    pub n: usize,
}

fn median_of_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Median of the finite values in `values` (NaN skipped). Errors on an empty input or ±∞.
pub fn median(values: &[f64]) -> Result<f64> {
    let mut v = finite_values("values", values)?;
    if v.is_empty() {
        return Err(InventoryError::TooShort {
            name: "values",
            needed: 1,
            got: 0,
        });
    }
    v.sort_by(f64::total_cmp);
    Ok(median_of_sorted(&v))
}

/// NaN values are missing observations and are skipped; infinities are data errors.
fn finite_values(name: &'static str, values: &[f64]) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(values.len());
    for &x in values {
        if x.is_nan() {
            continue;
        }
        if x.is_infinite() {
            return Err(InventoryError::OutOfRange {
                name,
                range: "finite numbers (NaN is skipped as missing)",
                value: x,
            });
        }
        out.push(x);
    }
    Ok(out)
}

/// Median and σ-equivalent scale of `history`: 1.4826·MAD, falling back to 1.2533·mean absolute
/// deviation when MAD is 0, and to 0 when all values are equal.
///
/// * NaN values are skipped (missing days); ±∞ is an error.
/// * Fewer than [`MIN_HISTORY`] finite values is an error naming the count.
pub fn robust_scale(history: &[f64]) -> Result<RobustScale> {
    let mut v = finite_values("history", history)?;
    if v.len() < MIN_HISTORY {
        return Err(InventoryError::TooShort {
            name: "history (finite values)",
            needed: MIN_HISTORY,
            got: v.len(),
        });
    }
    v.sort_by(f64::total_cmp);
    let med = median_of_sorted(&v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median_of_sorted(&dev);
    let (scale, kind) = if mad > 0.0 {
        (MAD_TO_SIGMA * mad, ScaleKind::Mad)
    } else {
        let mean_ad = dev.iter().sum::<f64>() / dev.len() as f64;
        if mean_ad > 0.0 {
            (MEAN_AD_TO_SIGMA * mean_ad, ScaleKind::MeanAbsoluteDeviation)
        } else {
            (0.0, ScaleKind::Zero)
        }
    };
    Ok(RobustScale {
        median: med,
        scale,
        kind,
        n: v.len(),
    })
}

/// Scores (value - median)/scale; a zero scale gives 0 for the median itself and ±∞ for anything
/// else (a change from a perfectly constant history is infinitely surprising; never NaN).
fn score(value: f64, median: f64, scale: f64) -> f64 {
    let d = value - median;
    if scale > 0.0 {
        d / scale
    } else if d == 0.0 {
        0.0
    } else {
        d.signum() * f64::INFINITY
    }
}

/// Robust z-score of `value` against `history`: (value - median)/scale, scale from
/// [`robust_scale`]. Iglewicz & Hoaglin's modified z-score (|z| > 3.5 is an outlier) is the
/// same number.
///
/// Use for shrink (latest shrink rate against the location's own history, or against peer
/// locations) and for any single-value anomaly.
/// * `value` must be finite. History rules as in [`robust_scale`].
/// * Constant history: 0 if value equals it, ±∞ otherwise.
pub fn robust_z(value: f64, history: &[f64]) -> Result<f64> {
    let value = super::error::finite("value", value)?;
    let s = robust_scale(history)?;
    Ok(score(value, s.median, s.scale))
}

/// A recent window compared with a baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandShift {
    /// (recent mean - baseline median) / (baseline scale / √n_recent). Positive = demand up.
    pub z: f64,
    /// Mean of the recent window.
    pub recent_mean: f64,
    /// Median of the baseline.
    pub baseline_median: f64,
    /// recent mean / baseline mean; `None` when the baseline mean is 0.
    pub ratio: Option<f64>,
}

/// Sudden demand shift: is the mean of the `recent` window out of line with the `baseline`?
///
/// The window mean is compared with the baseline median using the baseline's robust scale
/// divided by √(window length) — the standard error of a mean of independent days. Daily sales
/// are somewhat autocorrelated, so treat |z| > 4 (not 2) as a shift.
/// * NaN skipped in both; baseline needs [`MIN_HISTORY`] finite values, recent at least 1.
/// * Zero baseline scale: see [`robust_z`].
pub fn demand_shift(baseline: &[f64], recent: &[f64]) -> Result<DemandShift> {
    let s = robust_scale(baseline)?;
    let r = finite_values("recent", recent)?;
    if r.is_empty() {
        return Err(InventoryError::TooShort {
            name: "recent (finite values)",
            needed: 1,
            got: 0,
        });
    }
    let recent_mean = r.iter().sum::<f64>() / r.len() as f64;
    let base = finite_values("baseline", baseline)?;
    let base_mean = base.iter().sum::<f64>() / base.len() as f64;
    Ok(DemandShift {
        z: score(recent_mean, s.median, s.scale / (r.len() as f64).sqrt()),
        recent_mean,
        baseline_median: s.median,
        ratio: if base_mean != 0.0 {
            Some(recent_mean / base_mean)
        } else {
            None
        },
    })
}

/// P(no sales over the days | stock really there) = exp(-Σλᵢ) for Poisson sales with expected
/// daily rates λᵢ (a forecast path or a flat rate repeated).
///
/// A small value with stock on hand and zero recorded sales means phantom inventory is likely.
/// * Rates must be finite and ≥ 0; an empty slice (no days) gives 1.
pub fn zero_sales_probability(expected_rates: &[f64]) -> Result<f64> {
    all_non_negative("expected sales rates", expected_rates)?;
    Ok((-expected_rates.iter().sum::<f64>()).exp())
}

/// P(no sales over `days` days) at a flat expected rate: exp(-λ·n).
/// * `rate` ≥ 0, `days` ≥ 0 (may be fractional).
pub fn zero_sales_probability_flat(rate: f64, days: f64) -> Result<f64> {
    let l = non_negative("expected sales rate", rate)?;
    let n = non_negative("days", days)?;
    Ok((-l * n).exp())
}

/// Posterior probability that stock is phantom after observing zero sales, by Bayes:
/// π / (π + (1 - π)·p0), where π is the prior share of phantom records (e.g. from cycle-count
/// history, 0.02–0.1 in the literature) and p0 the zero-sales probability if the stock is real.
/// Phantom stock sells nothing, so P(zero sales | phantom) = 1.
/// * `prior` in (0, 1) exclusive; `zero_sales_probability` in [0, 1].
pub fn phantom_posterior(prior: f64, zero_sales_probability: f64) -> Result<f64> {
    let pi = open_unit("phantom prior", prior)?;
    let p0 = super::error::unit("zero-sales probability", zero_sales_probability)?;
    Ok(pi / (pi + (1.0 - pi) * p0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mad_scale_and_z() {
        // history 1..9: median 5, MAD 2 → scale 2.9652
        let h: Vec<f64> = (1..=9).map(f64::from).collect();
        let s = robust_scale(&h).unwrap();
        assert_eq!((s.median, s.kind, s.n), (5.0, ScaleKind::Mad, 9));
        assert!((s.scale - 2.0 * MAD_TO_SIGMA).abs() < 1e-12);
        let z = robust_z(20.0, &h).unwrap();
        assert!((z - 15.0 / (2.0 * MAD_TO_SIGMA)).abs() < 1e-12);
        // an outlier in history barely moves it
        let mut h2 = h.clone();
        h2[8] = 1000.0;
        assert!((robust_z(20.0, &h2).unwrap() - z).abs() < 1e-12);
    }

    #[test]
    fn intermittent_and_constant_history() {
        // mostly zeros: MAD = 0, mean AD fallback
        let h = [0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 1.0];
        let s = robust_scale(&h).unwrap();
        assert_eq!(s.kind, ScaleKind::MeanAbsoluteDeviation);
        assert!((s.scale - MEAN_AD_TO_SIGMA * 3.0 / 7.0).abs() < 1e-12);
        // constant history
        let h = [4.0; 5];
        assert_eq!(robust_z(4.0, &h).unwrap(), 0.0);
        assert_eq!(robust_z(5.0, &h).unwrap(), f64::INFINITY);
        assert_eq!(robust_z(3.0, &h).unwrap(), f64::NEG_INFINITY);
    }

    #[test]
    fn nan_skipped_short_rejected() {
        let h = [1.0, f64::NAN, 2.0, 3.0];
        assert_eq!(robust_scale(&h).unwrap().n, 3);
        assert_eq!(
            robust_z(1.0, &[1.0, f64::NAN]).unwrap_err().to_string(),
            "history (finite values) must have at least 3 value(s), got 1"
        );
        assert!(robust_z(1.0, &[1.0, 2.0, f64::INFINITY]).is_err());
        assert!(robust_z(f64::NAN, &[1.0, 2.0, 3.0]).is_err());
        assert!(median(&[]).is_err());
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]).unwrap(), 2.5);
    }

    #[test]
    fn shift() {
        let base = [10.0, 12.0, 9.0, 11.0, 10.0, 13.0, 8.0, 10.0];
        let s = demand_shift(&base, &[20.0, 22.0, 19.0]).unwrap();
        assert!(s.z > 10.0);
        assert!((s.ratio.unwrap() - 20.333_333_333_333_332 / 10.375).abs() < 1e-12);
        let s = demand_shift(&base, &[10.0, 11.0, 9.0]).unwrap();
        assert!(s.z.abs() < 1.0);
        assert!(demand_shift(&base, &[]).is_err());
        let s = demand_shift(&[0.0; 5], &[1.0]).unwrap();
        assert_eq!((s.z, s.ratio), (f64::INFINITY, None));
    }

    #[test]
    fn phantom() {
        // λ = 2/day for 3 days: exp(-6)
        assert!((zero_sales_probability_flat(2.0, 3.0).unwrap() - (-6f64).exp()).abs() < 1e-15);
        assert!((zero_sales_probability(&[1.0, 2.0, 3.0]).unwrap() - (-6f64).exp()).abs() < 1e-15);
        assert_eq!(zero_sales_probability(&[]).unwrap(), 1.0);
        assert_eq!(zero_sales_probability_flat(0.0, 30.0).unwrap(), 1.0);
        assert!(zero_sales_probability(&[1.0, -0.5]).is_err());
        assert!(zero_sales_probability_flat(1.0, -1.0).is_err());
        // prior 5%, p0 = exp(-6) = 0.00248: posterior = 0.05 / (0.05 + 0.95·0.00248) ≈ 0.955
        let p = phantom_posterior(0.05, (-6f64).exp()).unwrap();
        assert!((p - 0.05 / (0.05 + 0.95 * (-6f64).exp())).abs() < 1e-15);
        assert!(p > 0.95 && p < 0.96);
        // no evidence (p0 = 1) leaves the prior unchanged
        assert!((phantom_posterior(0.05, 1.0).unwrap() - 0.05).abs() < 1e-15);
        assert!(phantom_posterior(0.0, 0.5).is_err());
    }
}
