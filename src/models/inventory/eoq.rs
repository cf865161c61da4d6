//! Economic order quantity (Wilson) and EOQ with planned backorders.
//!
//! Units: `demand_rate` is units per period and `holding_cost` (and `backorder_cost`) are money per
//! unit per *the same* period; `order_cost` is money per order. A year is the usual period:
//! annual demand with annual holding cost (unit cost × carrying rate).

use super::error::{Result, non_negative, positive};

/// The Wilson lot size and what it costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eoq {
    /// Q* = sqrt(2·D·K / h).
    pub quantity: f64,
    /// D / Q*: orders per period (0 when demand is 0).
    pub orders_per_period: f64,
    /// Ordering plus holding cost per period at Q*: sqrt(2·D·K·h).
    pub total_cost: f64,
}

/// Wilson EOQ: Q* = sqrt(2·D·K / h).
///
/// * `demand_rate` D ≥ 0 and `order_cost` K ≥ 0; both 0-cases give Q* = 0 (no demand: order
///   nothing; free orders: order continuously). `holding_cost` h must be > 0 (with free holding
///   the optimal lot is unbounded). NaN and negatives are errors.
/// * The result is a real number; round it to case packs with
///   [`round_order`](super::order_quantity::round_order).
pub fn eoq(demand_rate: f64, order_cost: f64, holding_cost: f64) -> Result<Eoq> {
    let d = non_negative("demand rate", demand_rate)?;
    let k = non_negative("order cost", order_cost)?;
    let h = positive("holding cost", holding_cost)?;
    let quantity = (2.0 * d * k / h).sqrt();
    Ok(Eoq {
        quantity,
        orders_per_period: if quantity > 0.0 { d / quantity } else { 0.0 },
        total_cost: (2.0 * d * k * h).sqrt(),
    })
}

/// EOQ when shortages are planned and backordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EoqBackorders {
    /// Q* = sqrt(2·D·K/h)·sqrt((h + b)/b).
    pub quantity: f64,
    /// Largest backlog just before a delivery: Q*·h/(h + b).
    pub max_backorders: f64,
    /// Stock just after a delivery: Q* - max backorders.
    pub max_inventory: f64,
    /// Ordering + holding + backorder cost per period: sqrt(2·D·K·h)·sqrt(b/(h + b)).
    pub total_cost: f64,
}

/// EOQ with planned backorders (Hillier & Lieberman's "EOQ with planned shortages").
///
/// * `backorder_cost` b is money per unit backordered per period and must be > 0; as b → ∞ the
///   result tends to the Wilson EOQ with no backorders.
/// * Other arguments as in [`eoq`].
pub fn eoq_with_backorders(
    demand_rate: f64,
    order_cost: f64,
    holding_cost: f64,
    backorder_cost: f64,
) -> Result<EoqBackorders> {
    let base = eoq(demand_rate, order_cost, holding_cost)?;
    let b = positive("backorder cost", backorder_cost)?;
    let h = holding_cost;
    let quantity = base.quantity * ((h + b) / b).sqrt();
    let max_backorders = quantity * h / (h + b);
    Ok(EoqBackorders {
        quantity,
        max_backorders,
        max_inventory: quantity - max_backorders,
        total_cost: base.total_cost * (b / (h + b)).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chopra_best_buy_example() {
        // Chopra & Meindl, "Managing economies of scale: cycle inventory", Best Buy computers:
        // D = 1,000 units/month = 12,000/year, S = $4,000/order, h = 20% of C = $500 → H = $100.
        // Book: Q* = 980, about 12.2 orders per year, annual cost (ordering + holding) ≈ $97,980.
        let e = eoq(12_000.0, 4_000.0, 100.0).unwrap();
        assert!((e.quantity - 979.8).abs() < 0.1, "{}", e.quantity);
        assert!((e.orders_per_period - 12.25).abs() < 0.01);
        assert!((e.total_cost - 97_980.0).abs() < 1.0, "{}", e.total_cost);
    }

    #[test]
    fn hillier_lieberman_speaker_example() {
        // Hillier & Lieberman, Introduction to Operations Research, EOQ section, TV speaker
        // example: d = 8,000/month, K = $12,000, h = $0.30/unit/month → Q* = 25,298.
        // With planned shortages p = $1.10/unit/month → Q* = 28,540, S* = 22,424 (max stock).
        let e = eoq(8_000.0, 12_000.0, 0.30).unwrap();
        assert!((e.quantity - 25_298.0).abs() < 1.0);
        let b = eoq_with_backorders(8_000.0, 12_000.0, 0.30, 1.10).unwrap();
        assert!((b.quantity - 28_540.0).abs() < 1.0, "{}", b.quantity);
        assert!(
            (b.max_inventory - 22_424.0).abs() < 1.0,
            "{}",
            b.max_inventory
        );
        assert!(
            (b.max_backorders - 6_116.0).abs() < 1.0,
            "{}",
            b.max_backorders
        );
    }

    #[test]
    fn edge_cases() {
        assert_eq!(eoq(0.0, 50.0, 2.0).unwrap().quantity, 0.0);
        assert_eq!(eoq(0.0, 50.0, 2.0).unwrap().orders_per_period, 0.0);
        assert_eq!(eoq(100.0, 0.0, 2.0).unwrap().quantity, 0.0);
        assert_eq!(
            eoq(100.0, 50.0, 0.0).unwrap_err().to_string(),
            "holding cost must be a finite number greater than 0, got 0"
        );
        assert!(eoq(-1.0, 50.0, 2.0).is_err());
        assert!(eoq(f64::NAN, 50.0, 2.0).is_err());
        assert!(eoq_with_backorders(100.0, 50.0, 2.0, 0.0).is_err());
        // b → ∞ recovers the Wilson EOQ
        let b = eoq_with_backorders(100.0, 50.0, 2.0, 1e12).unwrap();
        assert!((b.quantity - eoq(100.0, 50.0, 2.0).unwrap().quantity).abs() < 1e-4);
    }
}
