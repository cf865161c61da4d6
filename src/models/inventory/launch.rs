//! Initial allocation of a new product (a launch) to one location from like-items.
//!
//! A launch has no history of its own. What a planner has is the early-life demand of similar
//! items (same category, nearby price, same brand where possible) at the location. Each
//! like-item gives one guess of what the launch will sell over the cover period; the guesses
//! differ because like-items differ, and that spread is the uncertainty of the launch:
//!
//! * demand mean m = mean of the like-items' demands x₁..xₙ over the cover period;
//! * σ² = max(s², m) · (1 + 1/n), with s² the sample variance of the xᵢ (n ≥ 2; with one
//!   like-item s² is unknown and Poisson noise m is used). max(·, m) keeps at least Poisson
//!   noise when like-items happen to agree; (1 + 1/n) adds the uncertainty of m itself
//!   (prediction, not estimation, interval of a new draw from the same population);
//! * safety stock = Φ⁻¹(service level) · σ, so locations with a higher service-level target
//!   (where high-value customers buy) get more stock per unit of demand uncertainty;
//! * quantity = max(m + safety stock, minimum) rounded up to whole cases (0 when that is ≤ 0);
//! * confidence = 1/(1 + σ/m) · n/(n + 3): how tightly like-items agree, times how many there
//!   are (3 like-items give half). m = 0 with σ = 0 is a confident "none".
//!
//! Worked example (checked in the tests): like-items sold 10, 14 and 18 units in their first four
//! weeks at a store; m = 14, s² = 16, σ² = 16·(4/3) = 21.33, σ = 4.62; at a 95 % service level
//! z = 1.645, safety stock = 7.60, need 21.60 → 24 units in cases of 6.

use super::Result;
use super::error::{all_non_negative, at_least, non_negative, open_unit, positive};
use super::normal::z_from_service_level;
use super::order_quantity::round_order;

/// Like-items that give a confidence (history factor) of one half.
pub const LIKE_ITEMS_HALF_CONFIDENCE: f64 = 3.0;

/// The allocation of a launch to one location.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaunchAllocation {
    /// Units to send, whole cases.
    pub quantity: f64,
    /// Expected demand over the cover period (mean of the like-items).
    pub demand_mean: f64,
    /// Standard deviation of that demand (spread of the like-items, at least Poisson).
    pub demand_std: f64,
    /// Φ⁻¹(service level) · demand_std.
    pub safety_stock: f64,
    /// Φ⁻¹(service level).
    pub safety_factor: f64,
    /// Number of like-items behind the estimate.
    pub like_items: usize,
    /// Confidence in [0, 1].
    pub confidence: f64,
}

/// Allocation of a launch to one location from its like-items' demand there.
///
/// * `like_demand`: each like-item's demand at the location over the cover period, finite and
///   ≥ 0, at least one value.
/// * `service_level` in (0, 1); `case_pack` > 0; `min_qty` ≥ 0 (a presentation minimum, 0 for
///   none).
pub fn launch_allocation(
    like_demand: &[f64],
    service_level: f64,
    case_pack: f64,
    min_qty: f64,
) -> Result<LaunchAllocation> {
    at_least("like-item demand", like_demand, 1)?;
    all_non_negative("like-item demand", like_demand)?;
    let sl = open_unit("service level", service_level)?;
    let cp = positive("case pack", case_pack)?;
    let min_qty = non_negative("minimum quantity", min_qty)?;
    let n = like_demand.len() as f64;
    let m = like_demand.iter().sum::<f64>() / n;
    let s2 = if like_demand.len() >= 2 {
        like_demand.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        m
    };
    let sigma = (s2.max(m) * (1.0 + 1.0 / n)).sqrt();
    let z = z_from_service_level(sl)?;
    let safety_stock = z * sigma;
    let need = (m + safety_stock).max(min_qty);
    let (quantity, _) = round_order(need, 0.0, cp)?;
    let accuracy = if sigma == 0.0 {
        1.0
    } else if m == 0.0 {
        0.0
    } else {
        1.0 / (1.0 + sigma / m)
    };
    Ok(LaunchAllocation {
        quantity,
        demand_mean: m,
        demand_std: sigma,
        safety_stock,
        safety_factor: z,
        like_items: like_demand.len(),
        confidence: accuracy * n / (n + LIKE_ITEMS_HALF_CONFIDENCE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        let a = launch_allocation(&[10.0, 14.0, 18.0], 0.95, 6.0, 0.0).unwrap();
        assert!((a.demand_mean - 14.0).abs() < 1e-12);
        assert!((a.demand_std - (16.0_f64 * 4.0 / 3.0).sqrt()).abs() < 1e-12);
        assert!((a.safety_factor - 1.6448536269514722).abs() < 1e-9);
        assert!((a.safety_stock - 7.597).abs() < 1e-3);
        assert_eq!(a.quantity, 24.0);
        assert_eq!(a.like_items, 3);
        let acc = 1.0 / (1.0 + a.demand_std / 14.0);
        assert!((a.confidence - acc * 0.5).abs() < 1e-12);
    }

    #[test]
    fn higher_service_level_allocates_more() {
        let like = [3.0, 9.0, 5.0, 12.0];
        let lo = launch_allocation(&like, 0.90, 1.0, 0.0).unwrap();
        let hi = launch_allocation(&like, 0.98, 1.0, 0.0).unwrap();
        assert!(hi.safety_stock > lo.safety_stock);
        assert!(hi.quantity > lo.quantity);
        assert_eq!(hi.demand_mean, lo.demand_mean);
    }

    #[test]
    fn one_like_item_uses_poisson_noise_and_agreeing_items_keep_it() {
        let a = launch_allocation(&[16.0], 0.5, 1.0, 0.0).unwrap();
        assert!((a.demand_std - (16.0_f64 * 2.0).sqrt()).abs() < 1e-12);
        assert_eq!(a.quantity, 16.0);
        let b = launch_allocation(&[16.0, 16.0], 0.5, 1.0, 0.0).unwrap();
        assert!((b.demand_std - (16.0_f64 * 1.5).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn zero_demand_is_a_confident_nothing_unless_a_minimum() {
        let a = launch_allocation(&[0.0, 0.0], 0.95, 6.0, 0.0).unwrap();
        assert_eq!(a.quantity, 0.0);
        assert_eq!(a.confidence, 0.4);
        let b = launch_allocation(&[0.0, 0.0], 0.95, 6.0, 4.0).unwrap();
        assert_eq!(b.quantity, 6.0);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_argument() {
        let e = launch_allocation(&[], 0.95, 6.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("like-item demand"), "{e}");
        let e = launch_allocation(&[1.0, -2.0], 0.95, 6.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("like-item demand"), "{e}");
        let e = launch_allocation(&[1.0], 1.0, 6.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("service level"), "{e}");
        let e = launch_allocation(&[1.0], 0.9, 0.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("case pack"), "{e}");
        assert!(launch_allocation(&[f64::NAN], 0.9, 1.0, 0.0).is_err());
    }
}
