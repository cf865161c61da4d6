//! The quantity to order now, from the stock picture and the supplier's ordering constraints.
//!
//! Inventory position = on hand + on order - backorders. It is what the policy compares with its
//! reorder point, because stock already on its way will arrive before anything ordered now.
//!
//! ## Rounding (documented order of operations)
//! 1. The raw need (e.g. order-up-to level - position) is rounded **up** to the next whole case
//!    pack: shelves are filled in cases and rounding down would leave the position below target.
//! 2. If that is below the minimum order quantity (MOQ) it is raised **up** to the MOQ, itself
//!    rounded up to whole cases so the order stays orderable.
//!
//! Rounding uses a tolerance of 1e-9 cases so that 24.000000001 units with a case of 12 stays two
//! cases (float noise from upstream arithmetic must not add a whole case).

use super::error::{InventoryError, Result, finite, non_negative, positive};

/// Why the final quantity differs from the raw need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// No order (raw need ≤ 0, or the position is above the reorder point).
    NoOrder,
    /// The need was already a whole number of cases at or above the MOQ.
    Exact,
    /// Rounded up to the next case pack.
    CasePack,
    /// Raised to the minimum order quantity (in whole cases).
    Moq,
}

impl Rounding {
    /// A short label for SQL output and reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Rounding::NoOrder => "no_order",
            Rounding::Exact => "exact",
            Rounding::CasePack => "case_pack",
            Rounding::Moq => "moq",
        }
    }
}

/// An order recommendation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderRecommendation {
    /// On hand + on order - backorders.
    pub inventory_position: f64,
    /// Whether the position was at or below the reorder point (the policy triggers an order).
    pub triggered: bool,
    /// What the policy asks for before rounding (0 when not triggered).
    pub raw_need: f64,
    /// What to order: whole cases, at least the MOQ, or 0.
    pub quantity: f64,
    /// Which rounding step decided `quantity`.
    pub rounding: Rounding,
}

/// The order-up-to level of a periodic-review policy whose orders are rounded **up** to whole
/// cases: `max(demand_mean, demand_mean + safety_stock − (case_pack − 1)/2)`.
///
/// Why: rounding up leaves the position after ordering anywhere from S to S + case − 1 units
/// (for unit-count goods, evenly spread), so it averages (case − 1)/2 above S, and the service
/// level achieved is the average over that spread — the (R, nQ) policy's uniform-position
/// result. Lowering S by half the spread aims the *average* position at the target. Never below
/// the expected demand over the interval, which keeps an order coming when the case is large
/// against demand (the target is then overshot, which cannot be helped). A case pack of 1 or
/// less (or fractional goods) changes nothing. Measured on the demo data's policy simulation
/// (docs/inventory.md): without it every class overshot its target by 1.6–2.7 points.
pub fn case_pack_order_up_to(demand_mean: f64, safety_stock: f64, case_pack: f64) -> Result<f64> {
    let mean = non_negative("demand mean", demand_mean)?;
    let ss = finite("safety stock", safety_stock)?;
    let case = positive("case pack", case_pack)?;
    Ok((mean + ss - (case - 1.0).max(0.0) / 2.0).max(mean))
}

/// Rounds a need to an orderable quantity: up to whole `case_pack`s, then up to `moq` (in whole
/// cases). See the module docs for the order of operations.
///
/// * `need` must be finite; need ≤ 0 gives 0 with [`Rounding::NoOrder`].
/// * `moq` ≥ 0 (0 = no minimum). An MOQ above the need is honoured: the order is raised to it
///   and `Rounding::Moq` lets the view say so ("ordered 48 to meet the supplier minimum; 20
///   needed").
/// * `case_pack` must be > 0 (use 1 for items sold by the unit); 0 is an error rather than a
///   silent 1 because it usually means missing master data. Fractional case packs (kilograms)
///   are allowed.
pub fn round_order(need: f64, moq: f64, case_pack: f64) -> Result<(f64, Rounding)> {
    let need = finite("need", need)?;
    let moq = non_negative("minimum order quantity", moq)?;
    let cp = positive("case pack", case_pack)?;
    if need <= 0.0 {
        return Ok((0.0, Rounding::NoOrder));
    }
    let cases = |x: f64| (x / cp - 1e-9).ceil().max(1.0) * cp;
    let by_case = cases(need);
    if by_case < moq {
        return Ok((cases(moq), Rounding::Moq));
    }
    let rounding = if (by_case - need).abs() <= 1e-9 * cp {
        Rounding::Exact
    } else {
        Rounding::CasePack
    };
    Ok((by_case, rounding))
}

fn position(on_hand: f64, on_order: f64, backorders: f64) -> Result<f64> {
    // Negative on hand is accepted: ERPs that do not track backorders book them as negative
    // stock, and it lowers the position exactly as a backorder would.
    let oh = finite("on hand", on_hand)?;
    let oo = non_negative("on order", on_order)?;
    let bo = non_negative("backorders", backorders)?;
    Ok(oh + oo - bo)
}

/// Order for an order-up-to policy ((R, S) when `reorder_point` = `order_up_to`, else (s, S)):
/// if position ≤ s, order S - position, rounded (see [`round_order`]).
///
/// * `on_hand` finite, may be negative (see the module docs); `on_order`, `backorders` ≥ 0.
/// * `reorder_point` finite; `order_up_to` finite and ≥ `reorder_point` (error otherwise).
/// * For an (R, S) review pass `reorder_point = order_up_to`: any position below S orders.
#[allow(clippy::too_many_arguments)]
pub fn order_up_to_quantity(
    on_hand: f64,
    on_order: f64,
    backorders: f64,
    reorder_point: f64,
    order_up_to: f64,
    moq: f64,
    case_pack: f64,
) -> Result<OrderRecommendation> {
    let ip = position(on_hand, on_order, backorders)?;
    let s = finite("reorder point", reorder_point)?;
    let big_s = finite("order-up-to level", order_up_to)?;
    if big_s < s {
        return Err(InventoryError::Inconsistent {
            message: format!(
                "order-up-to level must be at least the reorder point, got {big_s} < {s}"
            ),
        });
    }
    // (R, S) orders whenever below S; (s, S) only at or below s.
    let triggered = if s == big_s { ip < big_s } else { ip <= s };
    let raw_need = if triggered { big_s - ip } else { 0.0 };
    let (quantity, rounding) = round_order(raw_need, moq, case_pack)?;
    Ok(OrderRecommendation {
        inventory_position: ip,
        triggered,
        raw_need,
        quantity,
        rounding,
    })
}

/// Order for an (r, Q) policy: if position ≤ r, order n·Q with the smallest n ≥ 1 that lifts the
/// position above r, then round (see [`round_order`]; a Q that is already whole cases above the
/// MOQ is unchanged).
///
/// * Stock arguments as in [`order_up_to_quantity`]; `order_quantity` Q must be > 0.
pub fn fixed_quantity_order(
    on_hand: f64,
    on_order: f64,
    backorders: f64,
    reorder_point: f64,
    order_quantity: f64,
    moq: f64,
    case_pack: f64,
) -> Result<OrderRecommendation> {
    let ip = position(on_hand, on_order, backorders)?;
    let r = finite("reorder point", reorder_point)?;
    let q = positive("order quantity", order_quantity)?;
    let triggered = ip <= r;
    let raw_need = if triggered {
        // smallest n with ip + n·Q > r
        let n = ((r - ip) / q).floor() + 1.0;
        n * q
    } else {
        0.0
    };
    let (quantity, rounding) = round_order(raw_need, moq, case_pack)?;
    Ok(OrderRecommendation {
        inventory_position: ip,
        triggered,
        raw_need,
        quantity,
        rounding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_order_of_operations() {
        assert_eq!(
            round_order(25.0, 0.0, 12.0).unwrap(),
            (36.0, Rounding::CasePack)
        );
        assert_eq!(
            round_order(24.0, 0.0, 12.0).unwrap(),
            (24.0, Rounding::Exact)
        );
        assert_eq!(
            round_order(24.000_000_000_1, 0.0, 12.0).unwrap(),
            (24.0, Rounding::Exact)
        );
        // MOQ above need: raised to MOQ, and the MOQ itself to whole cases (50 → 60)
        assert_eq!(round_order(7.0, 50.0, 12.0).unwrap(), (60.0, Rounding::Moq));
        assert_eq!(round_order(7.0, 48.0, 12.0).unwrap(), (48.0, Rounding::Moq));
        // need above MOQ: MOQ irrelevant
        assert_eq!(
            round_order(70.0, 48.0, 12.0).unwrap(),
            (72.0, Rounding::CasePack)
        );
        assert_eq!(
            round_order(0.0, 48.0, 12.0).unwrap(),
            (0.0, Rounding::NoOrder)
        );
        assert_eq!(
            round_order(-5.0, 48.0, 12.0).unwrap(),
            (0.0, Rounding::NoOrder)
        );
        // tiny positive need still orders one case
        assert_eq!(
            round_order(0.2, 0.0, 6.0).unwrap(),
            (6.0, Rounding::CasePack)
        );
        assert_eq!(
            round_order(5.0, 0.0, 0.0).unwrap_err().to_string(),
            "case pack must be a finite number greater than 0, got 0"
        );
        assert!(round_order(f64::NAN, 0.0, 1.0).is_err());
        assert!(round_order(5.0, -1.0, 1.0).is_err());
    }

    #[test]
    fn order_up_to() {
        // position = 40 + 30 - 5 = 65; S = 150 → need 85 → 8 cases of 12 = 96
        let o = order_up_to_quantity(40.0, 30.0, 5.0, 150.0, 150.0, 0.0, 12.0).unwrap();
        assert_eq!(o.inventory_position, 65.0);
        assert!(o.triggered);
        assert_eq!(o.raw_need, 85.0);
        assert_eq!(o.quantity, 96.0);
        // (s, S) above s: no order
        let o = order_up_to_quantity(100.0, 0.0, 0.0, 80.0, 200.0, 0.0, 1.0).unwrap();
        assert!(!o.triggered);
        assert_eq!((o.quantity, o.rounding), (0.0, Rounding::NoOrder));
        // negative on hand counts like backorders
        let o = order_up_to_quantity(-10.0, 0.0, 0.0, 20.0, 50.0, 0.0, 1.0).unwrap();
        assert_eq!(o.quantity, 60.0);
        assert!(order_up_to_quantity(1.0, 0.0, 0.0, 50.0, 20.0, 0.0, 1.0).is_err());
        assert!(order_up_to_quantity(1.0, -1.0, 0.0, 50.0, 60.0, 0.0, 1.0).is_err());
    }

    #[test]
    fn fixed_quantity() {
        // position 10, r = 50, Q = 30 → need 2·Q = 60 so that 70 > 50
        let o = fixed_quantity_order(10.0, 0.0, 0.0, 50.0, 30.0, 0.0, 1.0).unwrap();
        assert_eq!(o.quantity, 60.0);
        // exactly at r: one Q
        let o = fixed_quantity_order(50.0, 0.0, 0.0, 50.0, 30.0, 0.0, 1.0).unwrap();
        assert_eq!(o.quantity, 30.0);
        let o = fixed_quantity_order(51.0, 0.0, 0.0, 50.0, 30.0, 0.0, 1.0).unwrap();
        assert_eq!(o.quantity, 0.0);
    }

    /// Half the rounding spread comes off S; never below the mean; no change for single units.
    #[test]
    fn case_pack_lowers_the_order_up_to_level_by_half_the_spread() {
        assert_eq!(case_pack_order_up_to(100.0, 20.0, 1.0).unwrap(), 120.0);
        assert_eq!(case_pack_order_up_to(100.0, 20.0, 13.0).unwrap(), 114.0);
        assert_eq!(case_pack_order_up_to(10.0, 4.0, 24.0).unwrap(), 10.0);
        assert_eq!(case_pack_order_up_to(10.0, 4.0, 0.5).unwrap(), 14.0);
        assert!(case_pack_order_up_to(10.0, 4.0, 0.0).is_err());
        assert!(case_pack_order_up_to(-1.0, 4.0, 6.0).is_err());
    }
}
