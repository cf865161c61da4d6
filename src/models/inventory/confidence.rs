//! How sure a recommendation is, and how urgent: the `confidence` and priority columns of the
//! recommendation views.
//!
//! ## Confidence in [0, 1]
//! confidence = accuracy × history, two factors that must both be good:
//! * accuracy from the forecast's own uncertainty. From a prediction interval: the implied
//!   coefficient of variation cv = σ/mean (σ from the interval, see [`sigma_from_interval`]),
//!   accuracy = 1/(1 + cv): a forecast as uncertain as it is large (cv = 1) gets 0.5.
//!   From MASE (mean absolute scaled error on a backtest): accuracy = 1/(1 + MASE): a model
//!   exactly as good as the seasonal-naive benchmark gets 0.5, a perfect one 1.
//! * history = n/(n + [`HISTORY_HALF_CONFIDENCE`]): 28 periods of history give 0.5, a year of
//!   days 0.93, nothing 0. New items are not trusted however tight their interval looks.
//!
//! These are monotone, bounded and easy to explain, not calibrated probabilities. Views use them
//! to rank and to route low-confidence recommendations to an approver.
//!
//! ## Priority
//! Urgency from cover versus the replenishment cycle: a location whose stock runs out before
//! an order placed now can arrive (cover < lead time) is `Critical`; before the next review's
//! order can arrive (cover < L + R) `High`; otherwise `Normal`. The ranking score is
//! value at stake × confidence × urgency, urgency = 1 + max(0, (L + R - cover)/(L + R)) ∈ [1, 2]
//! — so a confident, valuable, imminent stock-out ranks first.

use super::error::{Result, finite, non_negative, unit};
use super::forecast_quantiles::sigma_from_interval;

/// Periods of history at which the history factor is 0.5.
pub const HISTORY_HALF_CONFIDENCE: f64 = 28.0;

fn history_factor(history_len: usize) -> f64 {
    let n = history_len as f64;
    n / (n + HISTORY_HALF_CONFIDENCE)
}

/// Confidence from a forecast interval and the length of history.
///
/// * `mean` ≥ 0 (forecast over the horizon the recommendation covers), `lo` ≤ `hi` finite,
///   `level` in (0, 1).
/// * mean = 0 with a zero-width interval is a confident "no demand" (accuracy 1); mean = 0 with
///   a positive width has unbounded cv, accuracy 0.
/// * `history_len` 0 gives confidence 0.
pub fn confidence_from_interval(
    mean: f64,
    lo: f64,
    hi: f64,
    level: f64,
    history_len: usize,
) -> Result<f64> {
    let mean = non_negative("forecast mean", mean)?;
    let sigma = sigma_from_interval(lo, hi, level)?;
    let accuracy = if sigma == 0.0 {
        1.0
    } else if mean == 0.0 {
        0.0
    } else {
        1.0 / (1.0 + sigma / mean)
    };
    Ok(accuracy * history_factor(history_len))
}

/// Confidence from a backtest MASE and the length of history.
/// * `mase` finite and ≥ 0; `history_len` 0 gives 0.
pub fn confidence_from_mase(mase: f64, history_len: usize) -> Result<f64> {
    let m = non_negative("MASE", mase)?;
    Ok(history_factor(history_len) / (1.0 + m))
}

/// Urgency class of a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PriorityClass {
    Normal,
    High,
    Critical,
}

impl PriorityClass {
    pub fn as_str(self) -> &'static str {
        match self {
            PriorityClass::Normal => "normal",
            PriorityClass::High => "high",
            PriorityClass::Critical => "critical",
        }
    }
}

/// Priority of a recommendation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priority {
    pub class: PriorityClass,
    /// value × confidence × urgency; sort descending.
    pub score: f64,
}

/// Priority from the money at stake, the confidence and the cover.
///
/// * `value_at_stake` ≥ 0 (e.g. expected lost margin avoided, order value); `confidence` in
///   [0, 1].
/// * `cover`: periods of cover (see [`cover`](super::cover)); `None` (unbounded) is `Normal`
///   with urgency 1. Must be ≥ 0 when given.
/// * `lead_time`, `review_period` ≥ 0 in the same periods. If both are 0 the class is
///   `Critical` only at zero cover.
pub fn priority(
    value_at_stake: f64,
    confidence: f64,
    cover: Option<f64>,
    lead_time: f64,
    review_period: f64,
) -> Result<Priority> {
    let v = non_negative("value at stake", value_at_stake)?;
    let c = unit("confidence", confidence)?;
    let l = non_negative("lead time", lead_time)?;
    let r = non_negative("review period", review_period)?;
    let (class, urgency) = match cover {
        None => (PriorityClass::Normal, 1.0),
        Some(cov) => {
            let cov = non_negative("cover", finite("cover", cov)?)?;
            let horizon = l + r;
            let class = if cov < l || (horizon == 0.0 && cov == 0.0) {
                PriorityClass::Critical
            } else if cov < horizon {
                PriorityClass::High
            } else {
                PriorityClass::Normal
            };
            let urgency = if horizon > 0.0 {
                1.0 + ((horizon - cov) / horizon).max(0.0)
            } else if cov == 0.0 {
                2.0
            } else {
                1.0
            };
            (class, urgency)
        }
    };
    Ok(Priority {
        class,
        score: v * c * urgency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_shapes() {
        // σ = mean → accuracy 0.5; 28 periods → history 0.5
        let half = 1.281_551_565_544_600_5 * 10.0;
        let c = confidence_from_interval(10.0, 10.0 - half, 10.0 + half, 0.8, 28).unwrap();
        assert!((c - 0.25).abs() < 1e-9, "{c}");
        assert_eq!(
            confidence_from_interval(0.0, 0.0, 0.0, 0.8, 28).unwrap(),
            0.5
        );
        assert_eq!(
            confidence_from_interval(0.0, 0.0, 1.0, 0.8, 28).unwrap(),
            0.0
        );
        assert_eq!(
            confidence_from_interval(5.0, 4.0, 6.0, 0.8, 0).unwrap(),
            0.0
        );
        assert!((confidence_from_mase(1.0, 28).unwrap() - 0.25).abs() < 1e-12);
        assert!(confidence_from_mase(0.0, 365).unwrap() > 0.92);
        assert!(confidence_from_mase(-1.0, 10).is_err());
        assert!(confidence_from_mase(f64::NAN, 10).is_err());
        // more history, tighter interval → more confidence
        assert!(
            confidence_from_interval(10.0, 8.0, 12.0, 0.8, 100).unwrap()
                > confidence_from_interval(10.0, 5.0, 15.0, 0.8, 100).unwrap()
        );
    }

    #[test]
    fn priority_classes() {
        let p = priority(100.0, 0.8, Some(3.0), 5.0, 7.0).unwrap();
        assert_eq!(p.class, PriorityClass::Critical);
        assert!((p.score - 100.0 * 0.8 * (1.0 + 9.0 / 12.0)).abs() < 1e-12);
        assert_eq!(
            priority(100.0, 0.8, Some(8.0), 5.0, 7.0).unwrap().class,
            PriorityClass::High
        );
        let p = priority(100.0, 0.8, Some(20.0), 5.0, 7.0).unwrap();
        assert_eq!((p.class, p.score), (PriorityClass::Normal, 80.0));
        let p = priority(100.0, 0.8, None, 5.0, 7.0).unwrap();
        assert_eq!((p.class, p.score), (PriorityClass::Normal, 80.0));
        assert_eq!(
            priority(1.0, 1.0, Some(0.0), 0.0, 0.0).unwrap().class,
            PriorityClass::Critical
        );
        assert!(priority(1.0, 1.5, None, 1.0, 1.0).is_err());
        assert!(priority(1.0, 0.5, Some(-1.0), 1.0, 1.0).is_err());
        assert!(PriorityClass::Critical > PriorityClass::High);
    }
}
