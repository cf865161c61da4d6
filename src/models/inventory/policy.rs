//! Replenishment policy parameters: reorder point, order-up-to level, (s, S) and (r, Q).
//!
//! Notation (Silver, Pyke & Peterson): d mean demand per period, L lead time, R review period
//! (0 = continuous review), SS safety stock over the protection interval L + R.
//!
//! * Reorder point / reorder level s or r = d·(L + R) + SS: order when the inventory position
//!   (on hand + on order - backorders) is at or below it.
//! * Order-up-to level S of an (R, S) policy = d·(L + R) + SS: the same number, used differently —
//!   every review raises the inventory position to it.
//! * (R, s, S): s as above, S = s + lot size; the lot size is usually the EOQ (SPP's "simple
//!   sequential" approximation, S - s = EOQ, good when EOQ is large against d·R; the exact
//!   optimisation (Zheng–Federgruen) is not implemented).
//! * (R, r, Q): r as above, order Q (or the smallest multiple of Q that lifts the position above r).

use super::error::{InventoryError, Result, finite, non_negative, positive};
use super::safety_stock::{SafetyStock, safety_stock_cycle, safety_stock_fill_rate};

/// What the safety stock is sized for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTarget {
    /// Probability of no stock-out per replenishment cycle (α), in (0, 1).
    CycleServiceLevel(f64),
    /// Fraction of demand served from stock (β), in (0, 1).
    FillRate(f64),
}

impl ServiceTarget {
    /// Builds a target from the name a SQL caller passes: `csl` / `cycle_service_level` / `alpha`
    /// or `fill_rate` / `beta` (case-insensitive). The value is validated when it is used.
    pub fn from_name(kind: &str, value: f64) -> Result<ServiceTarget> {
        match kind.trim().to_ascii_lowercase().as_str() {
            "csl" | "cycle_service_level" | "alpha" => Ok(ServiceTarget::CycleServiceLevel(value)),
            "fill_rate" | "beta" => Ok(ServiceTarget::FillRate(value)),
            _ => Err(InventoryError::UnknownName {
                name: "service target kind",
                got: kind.to_string(),
                expected: "csl, cycle_service_level, alpha, fill_rate, beta",
            }),
        }
    }
}

/// Reorder point d·(L + R) + SS.
///
/// * `mean_demand`, `lead_time`, `review_period` must be finite and ≥ 0; `safety_stock` must be
///   finite and may be negative (fill-rate safety stocks can be).
/// * The result is not clamped: a negative reorder point is meaningful under backordering
///   ("reorder once the backlog exceeds |r|").
pub fn reorder_point(
    mean_demand: f64,
    lead_time: f64,
    review_period: f64,
    safety_stock: f64,
) -> Result<f64> {
    let d = non_negative("mean demand", mean_demand)?;
    let l = non_negative("lead time", lead_time)?;
    let r = non_negative("review period", review_period)?;
    let ss = finite("safety stock", safety_stock)?;
    Ok(d * (l + r) + ss)
}

/// Order-up-to level S of an (R, S) policy: d·(L + R) + SS. Same formula and validation as
/// [`reorder_point`]; a separate name so SQL reads as the planner thinks.
pub fn order_up_to_level(
    mean_demand: f64,
    lead_time: f64,
    review_period: f64,
    safety_stock: f64,
) -> Result<f64> {
    reorder_point(mean_demand, lead_time, review_period, safety_stock)
}

/// Parameters of an (R, s, S) policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SsPolicy {
    /// Reorder level s.
    pub reorder_level: f64,
    /// Order-up-to level S = s + lot size.
    pub order_up_to: f64,
    /// The safety stock inside s, with its factor and σ.
    pub safety: SafetyStock,
}

/// Parameters of an (R, r, Q) policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RqPolicy {
    /// Reorder point r.
    pub reorder_point: f64,
    /// Order quantity Q.
    pub order_quantity: f64,
    /// The safety stock inside r.
    pub safety: SafetyStock,
}

fn sized_safety_stock(
    target: ServiceTarget,
    lot_for_fill_rate: f64,
    mean_demand: f64,
    std_demand: f64,
    lead_time: f64,
    lead_time_std: f64,
    review_period: f64,
) -> Result<SafetyStock> {
    match target {
        ServiceTarget::CycleServiceLevel(a) => safety_stock_cycle(
            a,
            mean_demand,
            std_demand,
            lead_time,
            lead_time_std,
            review_period,
        ),
        ServiceTarget::FillRate(b) => safety_stock_fill_rate(
            b,
            lot_for_fill_rate,
            mean_demand,
            std_demand,
            lead_time,
            lead_time_std,
            review_period,
        ),
    }
}

/// (R, s, S) parameters: s = d·(L + R) + SS, S = s + `lot_size`.
///
/// * `lot_size` ≥ 0, usually [`eoq`](super::eoq::eoq)`.quantity`; 0 turns the policy into an
///   (R, S) base-stock policy with S = s.
/// * For a fill-rate target the expected replenishment per cycle is max(lot size, d·R) (a
///   review orders at least what was sold since the last one); if that is 0 (no lot size and
///   continuous review) the fill-rate target cannot be sized and an error says so.
/// * Demand and lead-time arguments as in
///   [`protection_demand`](super::safety_stock::protection_demand).
#[allow(clippy::too_many_arguments)]
pub fn s_s_policy(
    target: ServiceTarget,
    mean_demand: f64,
    std_demand: f64,
    lead_time: f64,
    lead_time_std: f64,
    review_period: f64,
    lot_size: f64,
) -> Result<SsPolicy> {
    let lot = non_negative("lot size", lot_size)?;
    let d = non_negative("mean demand", mean_demand)?;
    let r = non_negative("review period", review_period)?;
    let safety = sized_safety_stock(
        target,
        lot.max(d * r),
        d,
        std_demand,
        lead_time,
        lead_time_std,
        r,
    )?;
    let s = safety.mean + safety.safety_stock;
    Ok(SsPolicy {
        reorder_level: s,
        order_up_to: s + lot,
        safety,
    })
}

/// (R, r, Q) parameters: r = d·(L + R) + SS with the order quantity Q = `order_quantity`.
///
/// * `order_quantity` must be > 0; a fill-rate target uses it as the replenishment per cycle.
/// * Demand and lead-time arguments as in
///   [`protection_demand`](super::safety_stock::protection_demand).
#[allow(clippy::too_many_arguments)]
pub fn r_q_policy(
    target: ServiceTarget,
    mean_demand: f64,
    std_demand: f64,
    lead_time: f64,
    lead_time_std: f64,
    review_period: f64,
    order_quantity: f64,
) -> Result<RqPolicy> {
    let q = positive("order quantity", order_quantity)?;
    let safety = sized_safety_stock(
        target,
        q,
        mean_demand,
        std_demand,
        lead_time,
        lead_time_std,
        review_period,
    )?;
    Ok(RqPolicy {
        reorder_point: safety.mean + safety.safety_stock,
        order_quantity: q,
        safety,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chopra_reorder_point_example() {
        // Chopra & Meindl, "evaluating safety inventory given a replenishment policy": weekly
        // D = 2,500, σD = 500, L = 2 weeks, ROP = 6,000 → safety inventory 1,000, CSL = 0.92.
        let rop = reorder_point(2500.0, 2.0, 0.0, 1000.0).unwrap();
        assert_eq!(rop, 6000.0);
        let sigma = 500.0 * 2f64.sqrt();
        let csl = super::super::normal::service_level_from_z(1000.0 / sigma).unwrap();
        assert!((csl - 0.92).abs() < 0.005, "{csl}");
    }

    #[test]
    fn ss_and_rq() {
        let p = s_s_policy(
            ServiceTarget::CycleServiceLevel(0.95),
            10.0,
            3.0,
            5.0,
            0.0,
            7.0,
            40.0,
        )
        .unwrap();
        let sigma = (12.0f64 * 9.0).sqrt();
        assert!((p.reorder_level - (120.0 + 1.644_853_626_951_472 * sigma)).abs() < 1e-9);
        assert!((p.order_up_to - p.reorder_level - 40.0).abs() < 1e-12);
        let q = r_q_policy(
            ServiceTarget::FillRate(0.98),
            10.0,
            3.0,
            5.0,
            0.0,
            0.0,
            100.0,
        )
        .unwrap();
        assert!((q.reorder_point - (50.0 + q.safety.safety_stock)).abs() < 1e-12);
        assert_eq!(q.order_quantity, 100.0);
        // fill rate with neither lot size nor review period cannot be sized
        assert!(s_s_policy(ServiceTarget::FillRate(0.98), 10.0, 3.0, 5.0, 0.0, 0.0, 0.0).is_err());
        assert!(r_q_policy(ServiceTarget::FillRate(0.98), 10.0, 3.0, 5.0, 0.0, 0.0, 0.0).is_err());
    }

    #[test]
    fn target_names() {
        assert_eq!(
            ServiceTarget::from_name("CSL", 0.9).unwrap(),
            ServiceTarget::CycleServiceLevel(0.9)
        );
        assert_eq!(
            ServiceTarget::from_name("fill_rate", 0.9).unwrap(),
            ServiceTarget::FillRate(0.9)
        );
        assert_eq!(
            ServiceTarget::from_name("gamma", 0.9)
                .unwrap_err()
                .to_string(),
            "unknown service target kind 'gamma', expected one of: csl, cycle_service_level, alpha, fill_rate, beta"
        );
    }

    #[test]
    fn reorder_point_validation() {
        assert!(reorder_point(10.0, -1.0, 0.0, 5.0).is_err());
        assert!(reorder_point(10.0, 1.0, 0.0, f64::NAN).is_err());
        assert_eq!(reorder_point(0.0, 5.0, 7.0, 0.0).unwrap(), 0.0);
        assert_eq!(reorder_point(10.0, 5.0, 0.0, -20.0).unwrap(), 30.0);
    }
}
