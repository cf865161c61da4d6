//! Supplier risk: lead-time statistics from purchase-order history, a 0–100 risk score, and the
//! lead-time figures replenishment should plan with.
//!
//! ## Score (higher = riskier)
//! Five components, each mapped to [0, 1] and weighted (weights sum to 100):
//!
//! | component | weight | 0 when | 1 when |
//! | --- | --- | --- | --- |
//! | lead-time variability: CV = std / mean | 25 | CV = 0 | CV ≥ 0.5 |
//! | lateness: 1 - on-time rate | 25 | all on time | none on time |
//! | short shipments: 1 - fill rate | 20 | fill rate 100% | fill rate ≤ 80% |
//! | quality: reject rate | 15 | no rejects | ≥ 5% rejected |
//! | lead-time trend: relative rise over the history | 15 | flat or falling | +50% or more |
//!
//! Why these: variability and lateness both force safety stock (the d²·σL² term) and weigh
//! most; short shipments and rejects are lost supply; a rising trend warns before the mean
//! catches up. The caps are where planners in practice would already call a supplier "bad" on
//! that dimension alone. Bands: < 25 low, < 50 medium, ≥ 50 high.
//!
//! ## Planning figures
//! * `planning_lead_time` = max(mean, trend level at the latest order) when there are at least
//!   [`MIN_TREND_OBSERVATIONS`] orders and the trend rises; otherwise the mean. Planning on the
//!   historic mean while lead times are climbing under-protects.
//! * `planning_lead_time_std` = sample standard deviation (n - 1), 0 for a single order.
//! * `lead_time_p90`: empirical 90th percentile, linear interpolation between order statistics
//!   (numpy's default), for quoting and for a quantile-based buffer.

use super::error::{InventoryError, Result, all_non_negative, at_least, finite, same_len, unit};

/// Weights of the score components, in the order of [`SupplierRisk::components`].
pub const WEIGHTS: [f64; 5] = [25.0, 25.0, 20.0, 15.0, 15.0];
/// A trend is fitted only with at least this many orders.
pub const MIN_TREND_OBSERVATIONS: usize = 6;
const CV_CAP: f64 = 0.5;
const FILL_SHORTFALL_CAP: f64 = 0.2;
const REJECT_CAP: f64 = 0.05;
const TREND_CAP: f64 = 0.5;

/// Supplier risk assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierRisk {
    pub observations: usize,
    pub lead_time_mean: f64,
    /// Sample standard deviation (n - 1); 0 with one observation.
    pub lead_time_std: f64,
    pub lead_time_p90: f64,
    /// OLS slope of lead time on order time (days of lead time per day of calendar when order
    /// days are given, per order otherwise); 0 with fewer than [`MIN_TREND_OBSERVATIONS`].
    pub trend_slope: f64,
    /// Fitted rise over the observed span relative to the mean (slope·span/mean).
    pub trend_relative: f64,
    /// Lead time replenishment should use as L.
    pub planning_lead_time: f64,
    /// Lead-time standard deviation replenishment should use as σL.
    pub planning_lead_time_std: f64,
    /// 0–100, higher = riskier.
    pub score: f64,
    /// Component risks in [0, 1]: variability, lateness, short shipments, quality, trend.
    pub components: [f64; 5],
}

impl SupplierRisk {
    /// "low" (< 25), "medium" (< 50) or "high".
    pub fn band(&self) -> &'static str {
        if self.score < 25.0 {
            "low"
        } else if self.score < 50.0 {
            "medium"
        } else {
            "high"
        }
    }
}

/// Empirical quantile with linear interpolation between order statistics (numpy "linear").
/// `sorted` must be non-empty and sorted ascending.
fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Risk score and planning lead times for one supplier (or supplier × product).
///
/// * `lead_times`: observed lead times of received orders, in time order, finite and ≥ 0
///   (NaN is an error: a received order has a lead time). At least 1.
/// * `order_days`: the day each order was placed (any origin, e.g. days since epoch), same
///   length as `lead_times`, for the trend; `None` uses the order index (1 per order).
/// * `fill_rate`, `on_time_rate`, `reject_rate`: in [0, 1] (fractions, not percent).
/// * A mean lead time of 0 (same-day supply) gives CV and relative trend of 0.
pub fn supplier_risk(
    lead_times: &[f64],
    order_days: Option<&[f64]>,
    fill_rate: f64,
    on_time_rate: f64,
    reject_rate: f64,
) -> Result<SupplierRisk> {
    at_least("lead times", lead_times, 1)?;
    all_non_negative("lead times", lead_times)?;
    let fill = unit("fill rate", fill_rate)?;
    let on_time = unit("on-time rate", on_time_rate)?;
    let reject = unit("reject rate", reject_rate)?;
    let x: Vec<f64> = match order_days {
        Some(days) => {
            same_len("lead times", lead_times, "order days", days)?;
            for &d in days {
                finite("order day", d)?;
            }
            days.to_vec()
        }
        None => (0..lead_times.len()).map(|i| i as f64).collect(),
    };

    let n = lead_times.len();
    let nf = n as f64;
    let mean = lead_times.iter().sum::<f64>() / nf;
    let std = if n > 1 {
        (lead_times.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
    } else {
        0.0
    };
    let mut sorted = lead_times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let p90 = quantile_sorted(&sorted, 0.9);

    let (mut slope, mut trend_relative, mut level_now) = (0.0, 0.0, mean);
    if n >= MIN_TREND_OBSERVATIONS {
        let x_mean = x.iter().sum::<f64>() / nf;
        let sxx: f64 = x.iter().map(|xi| (xi - x_mean).powi(2)).sum();
        if sxx > 0.0 {
            let sxy: f64 = x
                .iter()
                .zip(lead_times)
                .map(|(xi, yi)| (xi - x_mean) * (yi - mean))
                .sum();
            slope = sxy / sxx;
            let (x_min, x_max) = x
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            if mean > 0.0 {
                trend_relative = slope * (x_max - x_min) / mean;
            }
            level_now = mean + slope * (x_max - x_mean);
        } else {
            return Err(InventoryError::Inconsistent {
                message: "order days must not all be the same day when fitting a trend".into(),
            });
        }
    }

    let cv = if mean > 0.0 { std / mean } else { 0.0 };
    let components = [
        (cv / CV_CAP).min(1.0),
        1.0 - on_time,
        ((1.0 - fill) / FILL_SHORTFALL_CAP).min(1.0),
        (reject / REJECT_CAP).min(1.0),
        (trend_relative.max(0.0) / TREND_CAP).min(1.0),
    ];
    let score = components.iter().zip(WEIGHTS).map(|(c, w)| c * w).sum();

    Ok(SupplierRisk {
        observations: n,
        lead_time_mean: mean,
        lead_time_std: std,
        lead_time_p90: p90,
        trend_slope: slope,
        trend_relative,
        planning_lead_time: mean.max(level_now),
        planning_lead_time_std: std,
        score,
        components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_supplier_scores_zero() {
        let r = supplier_risk(&[7.0; 10], None, 1.0, 1.0, 0.0).unwrap();
        assert_eq!(r.score, 0.0);
        assert_eq!(r.band(), "low");
        assert_eq!(
            (r.lead_time_mean, r.lead_time_std, r.lead_time_p90),
            (7.0, 0.0, 7.0)
        );
        assert_eq!(r.planning_lead_time, 7.0);
    }

    #[test]
    fn worst_supplier_scores_hundred() {
        let lt = [2.0, 2.0, 4.0, 8.0, 16.0, 30.0, 40.0];
        let r = supplier_risk(&lt, None, 0.5, 0.0, 0.2).unwrap();
        assert!((r.score - 100.0).abs() < 1e-9, "{}", r.score);
        assert_eq!(r.band(), "high");
        assert!(r.planning_lead_time > r.lead_time_mean);
    }

    #[test]
    fn statistics_match_numpy() {
        // numpy: mean 6.2, std(ddof=1) 1.7204650534085253, percentile(90) 8.0,
        // polyfit slope 0.6285714285714286
        let lt = [5.0, 4.0, 6.0, 7.0, 9.0, 6.2];
        let r = supplier_risk(&lt, None, 0.95, 0.9, 0.01).unwrap();
        assert!((r.lead_time_mean - 6.2).abs() < 1e-12);
        assert!(
            (r.lead_time_std - 1.720_465_053_408_525_3).abs() < 1e-12,
            "{}",
            r.lead_time_std
        );
        assert!((r.lead_time_p90 - 8.0).abs() < 1e-12, "{}", r.lead_time_p90);
        assert!((r.trend_slope - 0.628_571_428_571_428_6).abs() < 1e-12);
        // components: cv 0.2775/0.5, lateness 0.1, fill 0.25, reject 0.2, trend
        let expect = 25.0 * (1.720_465_053_408_525_3 / 6.2 / 0.5)
            + 25.0 * 0.1
            + 20.0 * 0.25
            + 15.0 * 0.2
            + 15.0 * (r.trend_relative / 0.5).min(1.0);
        assert!((r.score - expect).abs() < 1e-9);
    }

    #[test]
    fn trend_uses_order_days() {
        // lead time rising 1 day per 10 calendar days
        let days = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0];
        let lt = [5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let r = supplier_risk(&lt, Some(&days), 1.0, 1.0, 0.0).unwrap();
        assert!((r.trend_slope - 0.1).abs() < 1e-12);
        assert!((r.planning_lead_time - 10.0).abs() < 1e-12);
        assert!((r.trend_relative - 5.0 / 7.5).abs() < 1e-12);
        // too few orders: no trend, planning on the mean
        let r = supplier_risk(&lt[..5], Some(&days[..5]), 1.0, 1.0, 0.0).unwrap();
        assert_eq!((r.trend_slope, r.planning_lead_time), (0.0, 7.0));
    }

    #[test]
    fn validation() {
        assert_eq!(
            supplier_risk(&[], None, 1.0, 1.0, 0.0)
                .unwrap_err()
                .to_string(),
            "lead times must have at least 1 value(s), got 0"
        );
        assert!(supplier_risk(&[1.0, -2.0], None, 1.0, 1.0, 0.0).is_err());
        assert!(supplier_risk(&[1.0, f64::NAN], None, 1.0, 1.0, 0.0).is_err());
        assert_eq!(
            supplier_risk(&[1.0], None, 95.0, 1.0, 0.0)
                .unwrap_err()
                .to_string(),
            "fill rate must be between 0 and 1 inclusive, got 95"
        );
        assert!(supplier_risk(&[1.0, 2.0], Some(&[1.0]), 1.0, 1.0, 0.0).is_err());
        assert!(supplier_risk(&[1.0; 6], Some(&[3.0; 6]), 1.0, 1.0, 0.0).is_err());
        let one = supplier_risk(&[4.0], None, 1.0, 1.0, 0.0).unwrap();
        assert_eq!((one.lead_time_std, one.lead_time_p90), (0.0, 4.0));
    }
}
