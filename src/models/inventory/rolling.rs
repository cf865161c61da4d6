//! Rolling-origin re-planning of a periodic-review (R, S) policy: what a planner's system does
//! every review. At each review date t the order-up-to level S_t is planned from a forecast
//! issued at t from the history before t only (a rolling origin), over the protection interval
//! (lead time + review period), with the safety stock the larger of two rules applied to that
//! forecast — the same rules `inventory_position` applies to today's forecast: its per-period
//! intervals taken as independent ([`safety_stock_from_intervals`], lead-time variability on
//! top), and its own quantile of the interval's total from errors summed over the interval
//! ([`ForecastPath::protection_quantile`], [`safety_stock_from_cumulative`]). S is then lowered
//! by half the case-pack rounding spread ([`case_pack_order_up_to`]).
//!
//! The forecast itself is the caller's: a closure receives the history before the origin
//! (oldest first, NaN = censored or missing) and the horizon, and returns a [`ForecastPath`]
//! (per-period means and one central interval) or `None` when it cannot forecast (e.g. nothing
//! observed yet). So this module stays free of the forecasting code (it compiles on its own), and
//! any model can be replayed. [`super::simulate::replay`] then replays demand with one S per
//! period (the plan of the latest review).

use super::error::{InventoryError, Result, finite, non_negative, open_unit};
use super::forecast_quantiles::{
    Aggregation, safety_stock_from_cumulative, safety_stock_from_intervals,
};
use super::order_quantity::case_pack_order_up_to;

/// A forecast issued at one origin: per-period means and the bounds of one central interval
/// (coverage `level` in (0, 1), e.g. 0.8), starting with the period of the origin itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPath {
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub level: f64,
    /// The model that made it (reported with the plan).
    pub model: String,
    /// The forecast's own quantile, at the rule's service level, of total demand over the
    /// protection interval, when the model can give one (from its cumulative in-sample errors:
    /// errors that persist over days add up linearly, which independent per-day intervals
    /// miss). The plan keeps the larger of the two safety stocks.
    pub protection_quantile: Option<f64>,
}

/// The planning rule applied at every review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanRule {
    /// Cycle service level target in (0, 1).
    pub service_level: f64,
    /// Lead time in periods (≥ 0, may be fractional: the protection interval is L + R).
    pub lead_time: f64,
    /// Standard deviation of the lead time in periods (≥ 0).
    pub lead_time_std: f64,
    /// Periods between reviews (≥ 1).
    pub review_period: usize,
    /// How the per-period forecast errors add up over the protection interval.
    pub aggregation: Aggregation,
    /// Orders are rounded up to whole cases of this many units (> 0; 1 = single units): S is
    /// lowered by half the rounding spread ([`case_pack_order_up_to`]).
    pub case_pack: f64,
}

impl PlanRule {
    /// The protection interval L + R in periods.
    pub fn protection(&self) -> f64 {
        self.lead_time + self.review_period as f64
    }

    /// Forecast periods needed to cover the protection interval: ceil(L + R), at least 1.
    pub fn horizon(&self) -> usize {
        (self.protection().ceil() as usize).max(1)
    }

    fn validate(&self) -> Result<()> {
        open_unit("service level", self.service_level)?;
        non_negative("lead time", self.lead_time)?;
        non_negative("lead time standard deviation", self.lead_time_std)?;
        super::error::positive("case pack", self.case_pack)?;
        if self.review_period == 0 {
            return Err(InventoryError::OutOfRange {
                name: "review period",
                range: "at least 1",
                value: 0.0,
            });
        }
        Ok(())
    }
}

/// The plan made at one review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPlan {
    /// The review period index (the origin: the history used is `history[..origin]`).
    pub origin: usize,
    /// Expected demand over the protection interval.
    pub demand_mean: f64,
    /// Its standard deviation (forecast intervals + lead-time variability).
    pub demand_std: f64,
    /// Φ⁻¹(service level)·σ.
    pub safety_stock: f64,
    /// demand_mean + safety_stock, lowered by half the case-pack rounding spread
    /// ([`case_pack_order_up_to`]).
    pub order_up_to: f64,
    pub model: String,
}

/// Plans S at every origin in `origins` (each in 1..=history.len(); the history before it is
/// `history[..origin]`). Origins where the forecast closure returns `None` get no plan. The
/// forecast's means are clamped at 0 and its bounds to `0 ≤ lo ≤ hi` (a model may return a
/// negative lower bound for low demand), as `inventory_position` does.
///
/// Errors: an invalid rule, an origin of 0 or past the history, a forecast shorter than the
/// horizon, an interval level outside (0, 1), a non-finite forecast value.
pub fn plan_reviews<F>(
    history: &[f64],
    origins: &[usize],
    rule: &PlanRule,
    mut forecast: F,
) -> Result<Vec<ReviewPlan>>
where
    F: FnMut(&[f64], usize) -> Option<ForecastPath>,
{
    rule.validate()?;
    let h = rule.horizon();
    let mut out = Vec::with_capacity(origins.len());
    for &origin in origins {
        if origin == 0 || origin > history.len() {
            return Err(InventoryError::OutOfRange {
                name: "review origin",
                range: "between 1 and the history length",
                value: origin as f64,
            });
        }
        let Some(path) = forecast(&history[..origin], h) else {
            continue;
        };
        if path.mean.len() < h {
            return Err(InventoryError::TooShort {
                name: "forecast periods",
                needed: h,
                got: path.mean.len(),
            });
        }
        let mut mean = Vec::with_capacity(h);
        let mut lo = Vec::with_capacity(h);
        let mut hi = Vec::with_capacity(h);
        for i in 0..h {
            let m = finite("forecast mean", path.mean[i])?.max(0.0);
            let l = finite("forecast lower bound", *path.lo.get(i).unwrap_or(&m))?.max(0.0);
            let u = finite("forecast upper bound", *path.hi.get(i).unwrap_or(&m))?
                .max(l)
                .max(0.0);
            mean.push(m);
            lo.push(l);
            hi.push(u);
        }
        let ss = safety_stock_from_intervals(
            rule.service_level,
            &mean,
            &lo,
            &hi,
            path.level,
            rule.protection(),
            rule.aggregation,
            rule.lead_time_std,
        )?;
        // the forecast's own quantile of the interval's total, when it has one: the larger
        // safety stock of the two rules
        let cumulative = match path.protection_quantile.filter(|q| q.is_finite()) {
            Some(q) => Some(safety_stock_from_cumulative(
                rule.service_level,
                ss.mean,
                q,
                rule.protection(),
                rule.lead_time_std,
            )?),
            None => None,
        };
        let ss = match cumulative {
            Some(c) if c.safety_stock > ss.safety_stock => c,
            _ => ss,
        };
        out.push(ReviewPlan {
            origin,
            demand_mean: ss.mean,
            demand_std: ss.std_dev,
            safety_stock: ss.safety_stock,
            order_up_to: case_pack_order_up_to(ss.mean, ss.safety_stock, rule.case_pack)?,
            model: path.model,
        });
    }
    Ok(out)
}

/// The level in force in every period `0..n` from plans made at their origins: period t uses
/// the plan of the latest origin ≤ t; periods before the first plan use the first plan. `None`
/// without any plan.
pub fn levels_per_period(plans: &[(usize, f64)], n: usize) -> Option<Vec<f64>> {
    let mut sorted: Vec<(usize, f64)> = plans.to_vec();
    sorted.sort_by_key(|p| p.0);
    let first = sorted.first()?.1;
    let mut out = vec![first; n];
    let mut k = 0;
    let mut cur = first;
    for (t, slot) in out.iter_mut().enumerate() {
        while k < sorted.len() && sorted[k].0 <= t {
            cur = sorted[k].1;
            k += 1;
        }
        *slot = cur;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::normal::z_from_service_level;
    use super::super::simulate::{ReplayConfig, ReplayPolicy, replay};
    use super::*;

    /// A moving-average forecast: mean = the last 28 observed periods' mean m, an 80 % interval
    /// of ±1.2816·σ with σ their standard deviation s.
    fn window_forecast(history: &[f64], h: usize) -> Option<ForecastPath> {
        window_forecast_with(history, h, false)
    }

    /// With `sum_errors`, each period's σ² is s²·(1 + h/k) (k = 28 values in the window), so
    /// that Σσᵢ² over the h periods equals the variance of demand over them plus that of the
    /// mean's estimation error, which is the same in every period (h²·s²/k): the spread of the
    /// protection-interval demand around this forecast.
    fn window_forecast_with(history: &[f64], h: usize, sum_errors: bool) -> Option<ForecastPath> {
        let obs: Vec<f64> = history
            .iter()
            .rev()
            .filter(|v| !v.is_nan())
            .take(28)
            .copied()
            .collect();
        if obs.len() < 2 {
            return None;
        }
        let m = obs.iter().sum::<f64>() / obs.len() as f64;
        let sd = (obs.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (obs.len() - 1) as f64).sqrt();
        let sd = if sum_errors {
            sd * (1.0 + h as f64 / obs.len() as f64).sqrt()
        } else {
            sd
        };
        let z = z_from_service_level(0.9).unwrap();
        Some(ForecastPath {
            mean: vec![m; h],
            lo: vec![m - z * sd; h],
            hi: vec![m + z * sd; h],
            level: 0.8,
            model: "window".into(),
            protection_quantile: None,
        })
    }

    /// 10, 12, 10, 12, ... (60 periods): mean 11.
    fn alternating() -> Vec<f64> {
        (0..60)
            .map(|i| if i % 2 == 0 { 10.0 } else { 12.0 })
            .collect()
    }

    /// 95 %, L = 3 known, weekly reviews, single units.
    const WEEKLY_95: PlanRule = PlanRule {
        service_level: 0.95,
        lead_time: 3.0,
        lead_time_std: 0.0,
        review_period: 7,
        aggregation: Aggregation::Independent,
        case_pack: 1.0,
    };

    #[test]
    fn plan_matches_the_textbook_formula() {
        // constant history 10, 12, 10, 12 ...: mean 11, sd of the window; L = 3, R = 7
        let y = alternating();
        let rule = WEEKLY_95;
        let plans = plan_reviews(&y, &[30, 37], &rule, window_forecast).unwrap();
        assert_eq!(plans.len(), 2);
        let sd = (28.0f64 / 27.0).sqrt(); // 14 values 1 below and 14 1 above the mean
        let expect_std = (10.0 * sd * sd).sqrt();
        let p = &plans[0];
        assert_eq!(p.origin, 30);
        assert!((p.demand_mean - 110.0).abs() < 1e-9, "{p:?}");
        assert!((p.demand_std - expect_std).abs() < 1e-9, "{p:?}");
        let z = z_from_service_level(0.95).unwrap();
        assert!((p.order_up_to - (110.0 + z * expect_std)).abs() < 1e-9);
        // a lead-time standard deviation adds d̄²·σL²
        let rule_l = PlanRule {
            lead_time_std: 2.0,
            ..rule
        };
        let p = &plan_reviews(&y, &[30], &rule_l, window_forecast).unwrap()[0];
        let v = 10.0 * sd * sd + 11.0f64.powi(2) * 4.0;
        assert!((p.demand_std - v.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn only_the_history_before_the_origin_is_seen() {
        let y: Vec<f64> = (0..40).map(|i| if i < 20 { 5.0 } else { 50.0 }).collect();
        let rule = PlanRule {
            service_level: 0.9,
            lead_time: 0.0,
            lead_time_std: 0.0,
            review_period: 1,
            aggregation: Aggregation::Independent,
            case_pack: 1.0,
        };
        let mut seen = Vec::new();
        let plans = plan_reviews(&y, &[20, 21], &rule, |h, _| {
            seen.push(h.len());
            window_forecast(h, 1)
        })
        .unwrap();
        assert_eq!(seen, vec![20, 21]);
        // at origin 20 only the 5s are known: no spread, S = 5
        assert_eq!(plans[0].order_up_to, 5.0);
        assert!(plans[1].order_up_to > 5.0);
    }

    #[test]
    fn origins_without_a_forecast_are_skipped_and_bad_input_is_an_error() {
        let y = [f64::NAN, 1.0, 2.0, 3.0];
        let rule = PlanRule {
            service_level: 0.9,
            lead_time: 1.5,
            lead_time_std: 0.0,
            review_period: 1,
            aggregation: Aggregation::Independent,
            case_pack: 1.0,
        };
        let plans = plan_reviews(&y, &[1, 2, 4], &rule, window_forecast).unwrap();
        assert_eq!(plans.iter().map(|p| p.origin).collect::<Vec<_>>(), vec![4]);
        assert!(plan_reviews(&y, &[0], &rule, window_forecast).is_err());
        assert!(plan_reviews(&y, &[5], &rule, window_forecast).is_err());
        let bad = PlanRule {
            service_level: 1.0,
            ..rule
        };
        assert!(plan_reviews(&y, &[4], &bad, window_forecast).is_err());
        // a forecast shorter than ceil(L + R) = 3
        let e = plan_reviews(&y, &[4], &rule, |h, _| window_forecast(h, 2)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "forecast periods must have at least 3 value(s), got 2"
        );
    }

    #[test]
    fn levels_carry_forward() {
        assert_eq!(levels_per_period(&[], 3), None);
        assert_eq!(
            levels_per_period(&[(4, 9.0), (2, 7.0)], 6).unwrap(),
            vec![7.0, 7.0, 7.0, 7.0, 9.0, 9.0]
        );
    }

    /// Demand whose level doubles half-way: a policy planned once on the first half misses its
    /// target in the second, the same policy re-planned weekly from a rolling forecast lands
    /// near it — when the forecast's intervals describe the error of the interval's sum (with
    /// per-period intervals that leave out the mean's estimation error, shared by every period,
    /// the same replay lands at about 91 %: the independent-errors rule is then too thin).
    #[test]
    fn weekly_replanning_follows_a_level_shift() {
        let mut state = 42u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let n = 7 * 400;
        let demand: Vec<f64> = (0..n)
            .map(|t| {
                let level = if t < n / 2 { 20.0 } else { 40.0 };
                // triangular noise, sd level/4
                let u = uniform() + uniform() - 1.0;
                (level + u * level * 0.25 * 6f64.sqrt()).max(0.0)
            })
            .collect();
        let rule = PlanRule {
            service_level: 0.95,
            lead_time: 5.0,
            lead_time_std: 0.0,
            review_period: 7,
            aggregation: Aggregation::Independent,
            case_pack: 1.0,
        };
        let origins: Vec<usize> = (1..n / 7).map(|k| k * 7).collect();
        let levels_for = |sum_errors: bool| {
            let plans = plan_reviews(&demand, &origins, &rule, |h, k| {
                window_forecast_with(h, k, sum_errors)
            })
            .unwrap();
            levels_per_period(
                &plans
                    .iter()
                    .map(|p| (p.origin, p.order_up_to))
                    .collect::<Vec<_>>(),
                n,
            )
            .unwrap()
        };
        let levels = levels_for(true);
        let thin = levels_for(false);
        let run = |s: &[f64]| {
            let cfg = ReplayConfig {
                policy: ReplayPolicy::OrderUpTo {
                    reorder_point: s,
                    order_up_to: s,
                },
                review_period: 7,
                lead_times: &[5],
                initial_on_hand: s[0],
                moq: 0.0,
                case_pack: 1e-9,
                backorders: false,
                warmup: n / 2 + 28,
            };
            replay(&demand, &cfg).unwrap().cycle_service_level.unwrap()
        };
        let fixed = run(&[levels[n / 2 - 1]]);
        let rolling = run(&levels);
        let rolling_thin = run(&thin);
        assert!(fixed < 0.5, "fixed plan {fixed}");
        assert!((rolling - 0.95).abs() < 0.02, "rolling plan {rolling}");
        assert!(rolling_thin < rolling, "thin {rolling_thin} vs {rolling}");
    }

    /// The forecast's own quantile of the interval's total wins when it asks for more stock,
    /// never when it asks for less; a case pack lowers S by half its rounding spread.
    #[test]
    fn the_larger_safety_stock_and_the_case_pack_allowance() {
        let (y, rule) = (alternating(), WEEKLY_95);
        let with_q = |q: Option<f64>| {
            move |h: &[f64], k: usize| {
                window_forecast(h, k).map(|p| ForecastPath {
                    protection_quantile: q,
                    ..p
                })
            }
        };
        let base = &plan_reviews(&y, &[30], &rule, window_forecast).unwrap()[0];
        let wide = &plan_reviews(&y, &[30], &rule, with_q(Some(150.0))).unwrap()[0];
        assert!((wide.safety_stock - 40.0).abs() < 1e-9, "{wide:?}");
        assert!((wide.order_up_to - 150.0).abs() < 1e-9);
        let thin = &plan_reviews(&y, &[30], &rule, with_q(Some(111.0))).unwrap()[0];
        assert_eq!(thin.safety_stock, base.safety_stock);
        let cased = PlanRule {
            case_pack: 9.0,
            ..rule
        };
        let c = &plan_reviews(&y, &[30], &cased, with_q(Some(150.0))).unwrap()[0];
        assert!((c.order_up_to - 146.0).abs() < 1e-9, "{c:?}");
        let bad = PlanRule {
            case_pack: 0.0,
            ..rule
        };
        assert!(plan_reviews(&y, &[30], &bad, window_forecast).is_err());
    }
}
