//! Safety stock straight from a probabilistic forecast, instead of from a demand standard
//! deviation estimated on history.
//!
//! aisle's forecasts carry per-period means (`yhat`) and interval bounds (`yhat_lo_<level>`,
//! `yhat_hi_<level>`). Two ways in:
//!
//! 1. **Per-period intervals → lead-time demand.** Each period's spread is turned into a normal
//!    σᵢ (an interval at central coverage c spans 2·Φ⁻¹((1+c)/2)·σ). Periods are then added up
//!    under one of two documented assumptions ([`Aggregation`]):
//!    * `Independent`: σ² = Σσᵢ² — forecast errors of different periods are uncorrelated.
//!      This is the usual assumption and gives the smaller safety stock.
//!    * `Correlated`: σ = Σσᵢ — errors are perfectly correlated (a level error persists over
//!      the whole lead time). An upper bound; use it when the forecast is known to be biased
//!      over runs of periods.
//!
//!    The mean is Σ yhatᵢ. Lead-time variability can be added on top (d̄²·σL² with d̄ the mean
//!    per-period forecast over the interval).
//! 2. **Lead-time quantiles given directly** (e.g. from a model that forecasts cumulative demand
//!    or from sample paths): σ = (q_p - mean)/Φ⁻¹(p), and the safety stock for the target is
//!    z_target·σ — which is exactly q_p - mean when the target equals p.
//! 3. **Cumulative quantiles from the forecast's own errors** ([`safety_stock_from_cumulative`]):
//!    the forecast reports quantiles of *total* demand through each period, measured from its
//!    errors summed over that many periods at in-sample origins (`models::forecast::cumulative`).
//!    Errors that persist (a level the model has not caught up with) add up linearly, which
//!    neither rule 1 assumption gets right per series; the replenishment views keep the larger
//!    of rules 1 and 3. [`quantile_from_points`] reads a service level between tabulated
//!    probabilities, [`cumulative_at`] a fractional number of periods.
//!
//! Partial periods: the protection interval may end inside a period (lead time 2.5 days). The
//! last period then counts with weight f ∈ (0, 1): mean f·yhat, variance f·σ² (independent) or
//! σ·f (correlated) — demand spread evenly within the period.

use super::error::{
    InventoryError, Result, all_non_negative, finite, non_negative, open_unit, same_len,
};
use super::normal::z_from_service_level;
use super::safety_stock::SafetyStock;

/// How per-period forecast errors combine over the protection interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// Uncorrelated errors: variances add.
    Independent,
    /// Perfectly correlated errors: standard deviations add (upper bound).
    Correlated,
}

impl Aggregation {
    /// `independent` or `correlated` (case-insensitive), for SQL callers.
    pub fn from_name(name: &str) -> Result<Aggregation> {
        match name.trim().to_ascii_lowercase().as_str() {
            "independent" => Ok(Aggregation::Independent),
            "correlated" => Ok(Aggregation::Correlated),
            _ => Err(InventoryError::UnknownName {
                name: "aggregation",
                got: name.to_string(),
                expected: "independent, correlated",
            }),
        }
    }
}

/// Normal σ implied by a central prediction interval [lo, hi] with coverage `level`:
/// σ = (hi - lo) / (2·Φ⁻¹((1 + level)/2)).
///
/// * `level` in (0, 1) exclusive (0.8 for an 80% interval, not 80).
/// * `lo`, `hi` finite with hi ≥ lo (crossed bounds are an error); hi = lo gives σ = 0.
pub fn sigma_from_interval(lo: f64, hi: f64, level: f64) -> Result<f64> {
    let lo = finite("interval lower bound", lo)?;
    let hi = finite("interval upper bound", hi)?;
    let level = open_unit("interval level", level)?;
    if hi < lo {
        return Err(InventoryError::Inconsistent {
            message: format!(
                "interval upper bound must be at least the lower bound, got {hi} < {lo}"
            ),
        });
    }
    Ok((hi - lo) / (2.0 * z_from_service_level(0.5 * (1.0 + level))?))
}

/// Normal σ implied by one quantile: σ = (q_p - mean)/Φ⁻¹(p).
///
/// * `probability` p in (0, 1), not 0.5 (the median says nothing about spread).
/// * The quantile must lie on the correct side of the mean (above it for p > 0.5, below for
///   p < 0.5); otherwise the spread would be negative and it is an error.
pub fn sigma_from_quantile(mean: f64, quantile: f64, probability: f64) -> Result<f64> {
    let mean = finite("mean", mean)?;
    let q = finite("quantile", quantile)?;
    let p = open_unit("quantile probability", probability)?;
    if p == 0.5 {
        return Err(InventoryError::OutOfRange {
            name: "quantile probability",
            range: "different from 0.5 (the median carries no spread)",
            value: p,
        });
    }
    let sigma = (q - mean) / z_from_service_level(p)?;
    if sigma < 0.0 {
        return Err(InventoryError::Inconsistent {
            message: format!(
                "quantile at probability {p} must be on the {} side of the mean {mean}, got {q}",
                if p > 0.5 { "upper" } else { "lower" }
            ),
        });
    }
    Ok(sigma)
}

/// Protection-interval safety stock from per-period forecast means and interval bounds.
///
/// * `means`, `lo`, `hi` are per period starting with the next one, all the same length and at
///   least ceil(`periods`) long (extra periods are ignored; too few is an error naming both
///   counts). Means must be ≥ 0 (clamp model output first); bounds as in
///   [`sigma_from_interval`].
/// * `periods` = L + R in forecast periods, finite and ≥ 0, may be fractional (see module docs).
///   0 gives a zero interval.
/// * `interval_level`: the coverage of [lo, hi]; `service_level`: the target α.
/// * `lead_time_std` ≥ 0 adds d̄²·σL² to the variance (0 = lead time known).
///
/// Returns the mean over the interval, its σ, the safety factor and the safety stock; the
/// reorder point / order-up-to level is `mean + safety_stock`.
#[allow(clippy::too_many_arguments)]
pub fn safety_stock_from_intervals(
    service_level: f64,
    means: &[f64],
    lo: &[f64],
    hi: &[f64],
    interval_level: f64,
    periods: f64,
    aggregation: Aggregation,
    lead_time_std: f64,
) -> Result<SafetyStock> {
    let z = z_from_service_level(service_level)?;
    same_len("forecast means", means, "interval lower bounds", lo)?;
    same_len("forecast means", means, "interval upper bounds", hi)?;
    all_non_negative("forecast means", means)?;
    let periods = non_negative("protection periods", periods)?;
    let sl = non_negative("lead time standard deviation", lead_time_std)?;
    let whole = periods.ceil() as usize;
    if means.len() < whole {
        return Err(InventoryError::TooShort {
            name: "forecast periods",
            needed: whole,
            got: means.len(),
        });
    }
    let mut mean = 0.0;
    let mut var = 0.0;
    let mut sd_sum = 0.0;
    for i in 0..whole {
        let w = (periods - i as f64).min(1.0);
        let s = sigma_from_interval(lo[i], hi[i], interval_level)?;
        mean += w * means[i];
        var += w * s * s;
        sd_sum += w * s;
    }
    let mut variance = match aggregation {
        Aggregation::Independent => var,
        Aggregation::Correlated => sd_sum * sd_sum,
    };
    if periods > 0.0 {
        let d_bar = mean / periods;
        variance += d_bar * d_bar * sl * sl;
    }
    let std_dev = variance.sqrt();
    Ok(SafetyStock {
        k: z,
        mean,
        std_dev,
        safety_stock: z * std_dev,
    })
}

/// Safety stock from a lead-time (protection-interval) demand quantile given directly.
///
/// * `lead_time_mean`: expected demand over the interval (≥ 0); `lead_time_quantile`: its
///   quantile at `quantile_probability` (see [`sigma_from_quantile`] for the rules).
/// * If `service_level` equals `quantile_probability` the safety stock is exactly
///   quantile - mean; otherwise the quantile is translated through a normal shape.
pub fn safety_stock_from_lead_time_quantile(
    service_level: f64,
    lead_time_mean: f64,
    lead_time_quantile: f64,
    quantile_probability: f64,
) -> Result<SafetyStock> {
    let z = z_from_service_level(service_level)?;
    let mean = non_negative("lead-time demand mean", lead_time_mean)?;
    let sigma = sigma_from_quantile(mean, lead_time_quantile, quantile_probability)?;
    let safety_stock = if service_level == quantile_probability {
        lead_time_quantile - mean
    } else {
        z * sigma
    };
    Ok(SafetyStock {
        k: z,
        mean,
        std_dev: sigma,
        safety_stock,
    })
}

/// A quantile at probability `p` from tabulated `(probability, value)` points of one
/// distribution (any order; probabilities in (0, 1), distinct): linear in the normal score
/// Φ⁻¹(p) between the two points around `p`, and along the nearest two outside them (the
/// normal shape: exact for a normal distribution). A single point is used for its own
/// probability only. NaN values are skipped. `None` without a usable point.
pub fn quantile_from_points(points: &[(f64, f64)], p: f64) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(q, v)| *q > 0.0 && *q < 1.0 && v.is_finite())
        .filter_map(|&(q, v)| Some((z_from_service_level(q).ok()?, v)))
        .collect();
    let z = z_from_service_level(p).ok()?;
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-12);
    match pts.len() {
        0 => None,
        1 => ((pts[0].0 - z).abs() < 1e-9).then_some(pts[0].1),
        n => {
            let k = pts
                .iter()
                .position(|q| q.0 >= z)
                .unwrap_or(n)
                .clamp(1, n - 1);
            let ((z0, v0), (z1, v1)) = (pts[k - 1], pts[k]);
            Some(v0 + (v1 - v0) * (z - z0) / (z1 - z0))
        }
    }
}

/// The value at a fractional number of periods on a cumulative path (`path[k]` = total
/// through period k + 1, the total before the first period being 0): linear between the
/// whole periods around it. `None` for `periods` outside [0, path length] or a NaN on the way.
pub fn cumulative_at(path: &[f64], periods: f64) -> Option<f64> {
    if !(periods >= 0.0 && periods <= path.len() as f64 + 1e-9) {
        return None;
    }
    let whole = (periods.floor() as usize).min(path.len());
    let part = periods - whole as f64;
    let before = if whole == 0 { 0.0 } else { path[whole - 1] };
    let v = if part > 1e-12 && whole < path.len() {
        before + part * (path[whole] - before)
    } else {
        before
    };
    v.is_finite().then_some(v)
}

/// Safety stock from the forecast's own quantile of total demand over the protection interval
/// at the service level (`demand_quantile`, e.g. from cumulative in-sample errors; see
/// `models::forecast::cumulative`), with lead-time variability added in quadrature as the
/// independent rule adds it: safety stock = √(max(q − mean, 0)² + (z·d̄·σL)²), d̄ = mean /
/// periods. std_dev reports safety stock / z (the σ a normal with that quantile would have).
pub fn safety_stock_from_cumulative(
    service_level: f64,
    demand_mean: f64,
    demand_quantile: f64,
    periods: f64,
    lead_time_std: f64,
) -> Result<SafetyStock> {
    let z = z_from_service_level(service_level)?;
    let mean = non_negative("protection-interval demand mean", demand_mean)?;
    let q = finite("protection-interval demand quantile", demand_quantile)?;
    let periods = non_negative("protection periods", periods)?;
    let sl = non_negative("lead time standard deviation", lead_time_std)?;
    let lead = if periods > 0.0 {
        z * mean / periods * sl
    } else {
        0.0
    };
    let safety_stock = ((q - mean).max(0.0).powi(2) + lead * lead).sqrt();
    Ok(SafetyStock {
        k: z,
        mean,
        std_dev: if z.abs() > 1e-12 {
            safety_stock / z.abs()
        } else {
            0.0
        },
        safety_stock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_to_sigma() {
        // 95% interval of a N(100, 10²) is 100 ± 19.6
        let s =
            sigma_from_interval(100.0 - 19.599_639_845_4, 100.0 + 19.599_639_845_4, 0.95).unwrap();
        assert!((s - 10.0).abs() < 1e-9);
        assert_eq!(sigma_from_interval(5.0, 5.0, 0.8).unwrap(), 0.0);
        assert!(sigma_from_interval(6.0, 5.0, 0.8).is_err());
        assert_eq!(
            sigma_from_interval(1.0, 5.0, 80.0).unwrap_err().to_string(),
            "interval level must be between 0 and 1 exclusive, got 80"
        );
    }

    #[test]
    fn quantile_to_sigma() {
        let s = sigma_from_quantile(100.0, 112.815_515_655_446, 0.9).unwrap();
        assert!((s - 10.0).abs() < 1e-9);
        assert!(sigma_from_quantile(100.0, 90.0, 0.9).is_err());
        assert!(sigma_from_quantile(100.0, 110.0, 0.5).is_err());
        let s = sigma_from_quantile(100.0, 87.184_484_344_554, 0.1).unwrap();
        assert!((s - 10.0).abs() < 1e-9);
    }

    #[test]
    fn aggregation_of_periods() {
        // four periods of mean 10, σ 2 (80% interval half width 2·1.2816), interval 2.5 periods
        let half = 2.0 * 1.281_551_565_544_600_5;
        let means = [10.0; 4];
        let lo = [10.0 - half; 4];
        let hi = [10.0 + half; 4];
        let ind = safety_stock_from_intervals(
            0.95,
            &means,
            &lo,
            &hi,
            0.8,
            2.5,
            Aggregation::Independent,
            0.0,
        )
        .unwrap();
        assert!((ind.mean - 25.0).abs() < 1e-12);
        assert!((ind.std_dev - (2.5f64 * 4.0).sqrt()).abs() < 1e-9);
        let cor = safety_stock_from_intervals(
            0.95,
            &means,
            &lo,
            &hi,
            0.8,
            2.5,
            Aggregation::Correlated,
            0.0,
        )
        .unwrap();
        assert!((cor.std_dev - 5.0).abs() < 1e-9);
        assert!(cor.safety_stock > ind.safety_stock);
        // lead-time variability on top: d̄ = 10, σL = 1 → + 100
        let lt = safety_stock_from_intervals(
            0.95,
            &means,
            &lo,
            &hi,
            0.8,
            2.5,
            Aggregation::Independent,
            1.0,
        )
        .unwrap();
        assert!((lt.std_dev - 110f64.sqrt()).abs() < 1e-9);
        // too short / mismatched / negative means
        let e = safety_stock_from_intervals(
            0.95,
            &means,
            &lo,
            &hi,
            0.8,
            4.5,
            Aggregation::Independent,
            0.0,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "forecast periods must have at least 5 value(s), got 4"
        );
        assert!(
            safety_stock_from_intervals(
                0.95,
                &means[..3],
                &lo,
                &hi,
                0.8,
                2.0,
                Aggregation::Independent,
                0.0
            )
            .is_err()
        );
        assert!(
            safety_stock_from_intervals(
                0.95,
                &[-1.0, 1.0],
                &[0.0, 0.0],
                &[1.0, 1.0],
                0.8,
                2.0,
                Aggregation::Independent,
                0.0
            )
            .is_err()
        );
        // zero interval
        let z = safety_stock_from_intervals(
            0.95,
            &[],
            &[],
            &[],
            0.8,
            0.0,
            Aggregation::Independent,
            1.0,
        )
        .unwrap();
        assert_eq!((z.mean, z.std_dev), (0.0, 0.0));
        assert_eq!(
            Aggregation::from_name("Correlated").unwrap(),
            Aggregation::Correlated
        );
        assert!(Aggregation::from_name("copula").is_err());
    }

    #[test]
    fn direct_lead_time_quantile() {
        let s = safety_stock_from_lead_time_quantile(0.9, 100.0, 130.0, 0.9).unwrap();
        assert_eq!(s.safety_stock, 30.0);
        let s = safety_stock_from_lead_time_quantile(0.95, 100.0, 130.0, 0.9).unwrap();
        let sigma = 30.0 / 1.281_551_565_544_600_5;
        assert!((s.safety_stock - 1.644_853_626_951_472 * sigma).abs() < 1e-9);
    }

    /// Normal-score interpolation is exact for a normal distribution: points of N(100, 10²)
    /// give its quantiles inside and outside the tabulated range.
    #[test]
    fn quantiles_between_and_beyond_the_points() {
        let n = |p: f64| 100.0 + 10.0 * z_from_service_level(p).unwrap();
        let pts: Vec<(f64, f64)> = [0.8, 0.9, 0.95].iter().map(|&p| (p, n(p))).collect();
        for p in [0.85, 0.92, 0.98, 0.5] {
            let q = quantile_from_points(&pts, p).unwrap();
            assert!((q - n(p)).abs() < 1e-9, "{p}: {q} vs {}", n(p));
        }
        assert_eq!(quantile_from_points(&[(0.9, 5.0)], 0.9), Some(5.0));
        assert_eq!(quantile_from_points(&[(0.9, 5.0)], 0.95), None);
        assert_eq!(quantile_from_points(&[(0.9, f64::NAN)], 0.9), None);
        assert_eq!(quantile_from_points(&[], 0.9), None);
    }

    #[test]
    fn cumulative_paths_interpolate_periods() {
        let path = [2.0, 5.0, 9.0];
        assert_eq!(cumulative_at(&path, 0.0), Some(0.0));
        assert_eq!(cumulative_at(&path, 0.5), Some(1.0));
        assert_eq!(cumulative_at(&path, 2.0), Some(5.0));
        assert_eq!(cumulative_at(&path, 2.25), Some(6.0));
        assert_eq!(cumulative_at(&path, 3.0), Some(9.0));
        assert_eq!(cumulative_at(&path, 3.5), None);
        assert_eq!(cumulative_at(&[1.0, f64::NAN], 1.5), None);
    }

    /// q − mean when the lead time is known; the lead-time term adds in quadrature
    /// (hand computation: z(0.95) = 1.6449, d̄ = 100/10 = 10, σL = 2 → 32.90; with q − mean =
    /// 30: √(30² + 32.90²) = 44.52).
    #[test]
    fn safety_stock_from_a_cumulative_quantile() {
        let s = safety_stock_from_cumulative(0.95, 100.0, 130.0, 10.0, 0.0).unwrap();
        assert!((s.safety_stock - 30.0).abs() < 1e-12);
        assert!((s.std_dev - 30.0 / 1.6448536269514722).abs() < 1e-9);
        let s = safety_stock_from_cumulative(0.95, 100.0, 130.0, 10.0, 2.0).unwrap();
        let lead: f64 = 1.6448536269514722 * 10.0 * 2.0;
        assert!(
            (s.safety_stock - (900.0 + lead * lead).sqrt()).abs() < 1e-9,
            "{s:?}"
        );
        // a quantile below the mean gives no safety stock, never a negative one
        assert_eq!(
            safety_stock_from_cumulative(0.9, 10.0, 8.0, 5.0, 0.0)
                .unwrap()
                .safety_stock,
            0.0
        );
        assert!(safety_stock_from_cumulative(1.0, 10.0, 12.0, 5.0, 0.0).is_err());
        assert!(safety_stock_from_cumulative(0.9, -1.0, 12.0, 5.0, 0.0).is_err());
        assert!(safety_stock_from_cumulative(0.9, 1.0, f64::NAN, 5.0, 0.0).is_err());
    }
}
