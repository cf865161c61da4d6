//! Safety stock from demand and lead-time variability, for a cycle service level (α) or a fill
//! rate (β).
//!
//! Units: every argument is in one time unit chosen by the caller ("period": a day or a week).
//! Demand mean and standard deviation are per period, lead time, its standard deviation and the
//! review period are in periods.
//!
//! ## Demand over the protection interval
//! The stock on hand after an order is placed must cover demand until the *next* order can
//! arrive: the lead time L plus the review period R (R = 0 for continuous review). Per-period
//! demand is independent with mean d and standard deviation σd; the lead time is random with mean
//! L and standard deviation σL, independent of demand; the review period is a fixed calendar
//! cadence and therefore carries no variance of its own. Then (Chopra & Meindl, "Safety inventory",
//! random lead time; Silver, Pyke & Peterson §7):
//!
//! ```text
//! mean  = d·(L + R)
//! σ²    = (L + R)·σd² + d²·σL²
//! ```
//!
//! The demand over L + R is treated as normal. That is accurate for fast movers; for slow and
//! intermittent items the safety stock is an approximation (see `simulate.rs` to check a policy).

use super::error::{Result, non_negative, open_unit, positive};
use super::normal::{inverse_normal_loss, z_from_service_level};

/// Demand over a protection interval (lead time plus review period).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProtectionDemand {
    /// Expected demand over the interval, d·(L + R).
    pub mean: f64,
    /// Standard deviation of demand over the interval, sqrt((L+R)·σd² + d²·σL²).
    pub std_dev: f64,
    /// Length of the interval in periods, L + R.
    pub periods: f64,
}

/// A safety stock with the figures that produced it, so a recommendation can explain itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafetyStock {
    /// The safety factor: z for a cycle service level, k for a fill rate. Safety stock = k·σ.
    pub k: f64,
    /// Expected demand over the protection interval.
    pub mean: f64,
    /// Standard deviation of demand over the protection interval.
    pub std_dev: f64,
    /// k·σ, in units. May be negative for fill-rate targets (see [`safety_stock_fill_rate`]).
    pub safety_stock: f64,
}

/// Mean and standard deviation of demand over lead time plus review period, including lead-time
/// variability: σ = sqrt((L + R)·σd² + d²·σL²).
///
/// * All arguments must be finite and ≥ 0; NaN and negatives are errors naming the argument.
/// * Zero lead time and zero review period give a zero interval (mean 0, σ 0).
/// * Zero demand variance and zero lead-time variance give σ = 0 (deterministic demand).
pub fn protection_demand(
    mean_demand: f64,
    std_demand: f64,
    lead_time: f64,
    lead_time_std: f64,
    review_period: f64,
) -> Result<ProtectionDemand> {
    let d = non_negative("mean demand", mean_demand)?;
    let sd = non_negative("demand standard deviation", std_demand)?;
    let l = non_negative("lead time", lead_time)?;
    let sl = non_negative("lead time standard deviation", lead_time_std)?;
    let r = non_negative("review period", review_period)?;
    let periods = l + r;
    let variance = periods * sd * sd + d * d * sl * sl;
    Ok(ProtectionDemand {
        mean: d * periods,
        std_dev: variance.sqrt(),
        periods,
    })
}

/// Safety stock for a cycle service level α (the probability of no stock-out in a replenishment
/// cycle): SS = Φ⁻¹(α)·σ, σ as in [`protection_demand`].
///
/// * `service_level` must be in (0, 1) exclusive; 0, 1 and NaN are errors.
/// * A service level below 0.5 gives a negative safety stock (stock planned below mean demand).
/// * σ = 0 (no variability) gives a safety stock of 0 whatever the service level.
pub fn safety_stock_cycle(
    service_level: f64,
    mean_demand: f64,
    std_demand: f64,
    lead_time: f64,
    lead_time_std: f64,
    review_period: f64,
) -> Result<SafetyStock> {
    let z = z_from_service_level(service_level)?;
    let p = protection_demand(
        mean_demand,
        std_demand,
        lead_time,
        lead_time_std,
        review_period,
    )?;
    Ok(SafetyStock {
        k: z,
        mean: p.mean,
        std_dev: p.std_dev,
        safety_stock: z * p.std_dev,
    })
}

/// Safety stock for a fill rate β (the fraction of demand served from stock on hand), through the
/// standard normal loss function: choose k with G(k) = (1 - β)·Q / σ, then SS = k·σ.
///
/// This is the textbook (Silver–Pyke–Peterson "B2", Chopra "fill rate") rule: expected shortage
/// per replenishment cycle σ·G(k) equals the allowed shortage (1 - β)·Q. It drops the term
/// σ·G(k + Q/σ), which is negligible when Q ≥ σ and otherwise makes the safety stock slightly
/// conservative (higher than needed).
///
/// * `order_quantity` Q is the expected replenishment per cycle: the lot size for (r, Q) or
///   (s, S) policies, and the mean demand per review period d·R for an (R, S) policy.
///   It must be > 0.
/// * `fill_rate` must be in (0, 1) exclusive.
/// * k can be negative: when Q is large relative to σ the lot size alone meets the target and the
///   reorder point may sit below mean lead-time demand. The result reports it as is; a view that
///   forbids negative safety stock takes max(0, SS).
/// * σ = 0 (no variability): no shortage occurs with zero safety stock, so k = 0 and SS = 0.
pub fn safety_stock_fill_rate(
    fill_rate: f64,
    order_quantity: f64,
    mean_demand: f64,
    std_demand: f64,
    lead_time: f64,
    lead_time_std: f64,
    review_period: f64,
) -> Result<SafetyStock> {
    let beta = open_unit("fill rate", fill_rate)?;
    let q = positive("order quantity", order_quantity)?;
    let p = protection_demand(
        mean_demand,
        std_demand,
        lead_time,
        lead_time_std,
        review_period,
    )?;
    if p.std_dev == 0.0 {
        return Ok(SafetyStock {
            k: 0.0,
            mean: p.mean,
            std_dev: 0.0,
            safety_stock: 0.0,
        });
    }
    let k = inverse_normal_loss((1.0 - beta) * q / p.std_dev)?;
    Ok(SafetyStock {
        k,
        mean: p.mean,
        std_dev: p.std_dev,
        safety_stock: k * p.std_dev,
    })
}

/// Fill rate achieved by a given safety stock (the forward direction of
/// [`safety_stock_fill_rate`]): β = 1 - σ·G(SS/σ)/Q. Used to evaluate an existing policy
/// (Chopra's "fill rate given a reorder point").
///
/// * `std_dev` is the protection-interval σ and must be ≥ 0; σ = 0 gives β = 1 when SS ≥ 0 and
///   1 - (-SS)/Q otherwise.
/// * The result is clamped at 0: a safety stock so negative that every unit would be short.
pub fn fill_rate_for_safety_stock(
    safety_stock: f64,
    std_dev: f64,
    order_quantity: f64,
) -> Result<f64> {
    let ss = super::error::finite("safety stock", safety_stock)?;
    let sigma = non_negative("standard deviation over the protection interval", std_dev)?;
    let q = positive("order quantity", order_quantity)?;
    let shortage = if sigma == 0.0 {
        (-ss).max(0.0)
    } else {
        sigma * super::normal::loss_unchecked(ss / sigma)
    };
    Ok((1.0 - shortage / q).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chopra_csl_example() {
        // Chopra & Meindl, Supply Chain Management, "Managing uncertainty: safety inventory",
        // example "evaluating safety inventory given CSL": weekly demand D = 2,500, σD = 500,
        // L = 4 weeks, CSL = 0.90 → σL = 1,000, ss = 1,282 (book rounds).
        let s = safety_stock_cycle(0.90, 2500.0, 500.0, 4.0, 0.0, 0.0).unwrap();
        assert_eq!(s.std_dev, 1000.0);
        assert!((s.safety_stock - 1281.55).abs() < 0.01);
    }

    #[test]
    fn chopra_lead_time_uncertainty_example() {
        // Chopra & Meindl, same chapter, "impact of lead-time uncertainty" (Dell): daily demand
        // D = 2,500, σD = 500, L = 7 days, CSL = 0.90. With sL = 7 days: σ = 17,550, ss = 22,491;
        // with sL = 6: ss = 19,298; with sL = 0: ss = 1,695.
        let s = safety_stock_cycle(0.90, 2500.0, 500.0, 7.0, 7.0, 0.0).unwrap();
        assert!((s.std_dev - 17_550.0).abs() < 1.0, "{}", s.std_dev);
        assert!(
            (s.safety_stock - 22_491.0).abs() < 1.5,
            "{}",
            s.safety_stock
        );
        let s = safety_stock_cycle(0.90, 2500.0, 500.0, 7.0, 6.0, 0.0).unwrap();
        assert!(
            (s.safety_stock - 19_298.0).abs() < 1.5,
            "{}",
            s.safety_stock
        );
        let s = safety_stock_cycle(0.90, 2500.0, 500.0, 7.0, 0.0, 0.0).unwrap();
        assert!((s.safety_stock - 1_695.0).abs() < 1.0, "{}", s.safety_stock);
    }

    #[test]
    fn chopra_fill_rate_example() {
        // Chopra & Meindl, same chapter, "evaluating safety inventory given desired fill rate":
        // weekly D = 2,500, σD = 500, L = 2 weeks, Q = 10,000. The book's table: fill rate
        // 97.5% → ss = 67; 98.0% → 183; 98.5% → 321; 99.0% → 499; 99.5% → 767.
        for (fr, book) in [
            (0.975, 67.0),
            (0.980, 183.0),
            (0.985, 321.0),
            (0.990, 499.0),
            (0.995, 767.0),
        ] {
            let s = safety_stock_fill_rate(fr, 10_000.0, 2500.0, 500.0, 2.0, 0.0, 0.0).unwrap();
            assert!(
                (s.safety_stock - book).abs() < 2.0,
                "{fr}: {}",
                s.safety_stock
            );
        }
        // Forward direction, "evaluating fill rate given safety inventory": ss = 1,000,
        // σL = 707 → ESC = 25.13, fill rate = 0.9975.
        let sigma = 500.0 * 2f64.sqrt();
        let fr = fill_rate_for_safety_stock(1000.0, sigma, 10_000.0).unwrap();
        assert!((fr - 0.9975).abs() < 0.00005, "{fr}");
    }

    #[test]
    fn review_period_widens_protection() {
        let p = protection_demand(10.0, 3.0, 5.0, 1.0, 7.0).unwrap();
        assert_eq!(p.periods, 12.0);
        assert_eq!(p.mean, 120.0);
        assert!((p.std_dev - (12.0 * 9.0 + 100.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn edge_cases() {
        // negative lead time, NaN demand, service level 0/1
        let e = safety_stock_cycle(0.95, 10.0, 2.0, -1.0, 0.0, 0.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "lead time must be a finite number at least 0, got -1"
        );
        assert!(safety_stock_cycle(0.95, f64::NAN, 2.0, 1.0, 0.0, 0.0).is_err());
        assert!(safety_stock_cycle(0.0, 10.0, 2.0, 1.0, 0.0, 0.0).is_err());
        assert!(safety_stock_cycle(1.0, 10.0, 2.0, 1.0, 0.0, 0.0).is_err());
        assert!(safety_stock_fill_rate(0.98, 0.0, 10.0, 2.0, 1.0, 0.0, 0.0).is_err());
        // zero demand and zero variance: nothing to protect
        let s = safety_stock_cycle(0.99, 0.0, 0.0, 5.0, 2.0, 0.0).unwrap();
        assert_eq!((s.mean, s.std_dev, s.safety_stock), (0.0, 0.0, 0.0));
        let s = safety_stock_fill_rate(0.99, 50.0, 10.0, 0.0, 5.0, 0.0, 0.0).unwrap();
        assert_eq!((s.k, s.safety_stock), (0.0, 0.0));
        // a huge lot size makes the fill-rate safety stock negative
        let s = safety_stock_fill_rate(0.95, 10_000.0, 10.0, 3.0, 5.0, 0.0, 0.0).unwrap();
        assert!(s.safety_stock < 0.0);
    }
}
