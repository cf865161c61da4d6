//! Transfer benefit: should surplus stock at one location move to a location short of it, rather
//! than waiting for the supplier?
//!
//! ## Model
//! Each location faces normal demand over its own horizon: the source until its next
//! replenishment arrives, the destination until a supplier order placed now would arrive (the
//! wait the transfer avoids). Expected lost units at position p are σ·G((p - μ)/σ)
//! ([`expected_shortage`](super::shortage::expected_shortage)).
//!
//! Moving q units:
//! * avoids `margin × [short_dst(p_dst) - short_dst(p_dst + q)]` of lost margin at the
//!   destination,
//! * risks `margin × [short_src(p_src - q) - short_src(p_src)]` at the source,
//! * costs `cost_per_shipment + cost_per_unit × q`.
//!
//! Bounds: the source keeps its own target (q ≤ surplus = p_src - (μ_src + z·σ_src), rounded
//! down to whole cases) and the destination is not filled past its target (q ≤ deficit =
//! μ_dst + z·σ_dst - p_dst, rounded up to whole cases), z from the service level. Within the bounds
//! the quantity maximises the net benefit; because each shortage is convex in q the benefit
//! before the fixed cost is concave, so the optimum is found by bisection on the marginal gain of
//! one more case. A transfer is recommended only if its net benefit, fixed cost included, is
//! positive.

use super::error::{Result, finite, non_negative, open_unit, positive};
use super::normal::z_from_service_level;
use super::shortage::shortage_unchecked;

/// The two locations and the economics of a transfer. All quantities in units, money in one
/// currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferInput {
    /// Stock available to ship at the source (on hand net of commitments), ≥ 0.
    pub source_on_hand: f64,
    /// Mean and σ of source demand until its next replenishment, ≥ 0.
    pub source_mean: f64,
    pub source_std: f64,
    /// Destination inventory position (on hand + on order arriving within the horizon -
    /// backorders), finite, may be negative.
    pub destination_position: f64,
    /// Mean and σ of destination demand until a supplier order placed now would arrive, ≥ 0.
    pub destination_mean: f64,
    pub destination_std: f64,
    /// Service level defining both locations' targets, in (0, 1).
    pub service_level: f64,
    /// Margin lost per unit of unmet demand (price - cost), ≥ 0.
    pub unit_margin: f64,
    /// Variable transport and handling cost per unit moved, ≥ 0.
    pub cost_per_unit: f64,
    /// Fixed cost per shipment, ≥ 0.
    pub cost_per_shipment: f64,
    /// Units per case; transfers move whole cases. > 0.
    pub case_pack: f64,
}

/// The recommended transfer and its economics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferRecommendation {
    /// Units to move (whole cases), 0 when a transfer does not pay.
    pub quantity: f64,
    /// Source stock above its own target (before case rounding), ≥ 0.
    pub surplus: f64,
    /// Destination shortfall below its target (before case rounding), ≥ 0.
    pub deficit: f64,
    /// Expected lost units avoided at the destination.
    pub destination_units_saved: f64,
    /// Expected lost units added at the source.
    pub source_units_lost: f64,
    /// unit margin × (saved - lost).
    pub benefit: f64,
    /// Fixed + variable transport cost of `quantity` (0 when quantity is 0).
    pub cost: f64,
    /// benefit - cost.
    pub net_benefit: f64,
}

struct Eval {
    saved: f64,
    lost: f64,
    variable_value: f64,
}

/// Best transfer between two locations; see the module docs for the model and bounds.
///
/// Errors name the first invalid field (negative stock at the source, service level outside
/// (0, 1), case pack 0, NaN anywhere). No surplus or no deficit gives quantity 0 with the figures
/// filled in, never an error.
pub fn transfer_benefit(input: &TransferInput) -> Result<TransferRecommendation> {
    let ps = non_negative("source on hand", input.source_on_hand)?;
    let mu_s = non_negative("source mean demand", input.source_mean)?;
    let sd_s = non_negative("source demand standard deviation", input.source_std)?;
    let pd = finite("destination position", input.destination_position)?;
    let mu_d = non_negative("destination mean demand", input.destination_mean)?;
    let sd_d = non_negative(
        "destination demand standard deviation",
        input.destination_std,
    )?;
    let z = z_from_service_level(open_unit("service level", input.service_level)?)?;
    let margin = non_negative("unit margin", input.unit_margin)?;
    let c_unit = non_negative("cost per unit", input.cost_per_unit)?;
    let c_fixed = non_negative("cost per shipment", input.cost_per_shipment)?;
    let cp = positive("case pack", input.case_pack)?;

    let surplus = (ps - (mu_s + z * sd_s)).max(0.0);
    let deficit = (mu_d + z * sd_d - pd).max(0.0);
    // Bounds in whole cases; 1e-9 guards float noise as in order rounding.
    let max_from_source = (surplus / cp + 1e-9).floor();
    let max_for_destination = if deficit > 0.0 {
        (deficit / cp - 1e-9).ceil()
    } else {
        0.0
    };
    let n_max = max_from_source.min(max_for_destination).max(0.0);

    let base_d = shortage_unchecked(pd, mu_d, sd_d);
    let base_s = shortage_unchecked(ps, mu_s, sd_s);
    let eval = |n: f64| {
        let q = n * cp;
        let saved = base_d - shortage_unchecked(pd + q, mu_d, sd_d);
        let lost = shortage_unchecked(ps - q, mu_s, sd_s) - base_s;
        Eval {
            saved,
            lost,
            variable_value: margin * (saved - lost) - c_unit * q,
        }
    };

    // Largest n in [0, n_max] where one more case still adds value: bisection on the
    // (decreasing) marginal value v(n+1) - v(n).
    let (mut lo, mut hi) = (0.0f64, n_max);
    while hi - lo > 0.5 {
        let mid = ((lo + hi) / 2.0).floor();
        if eval(mid + 1.0).variable_value > eval(mid).variable_value {
            lo = mid + 1.0;
        } else {
            hi = mid;
        }
    }
    let n = lo;
    let best = eval(n);
    let net = best.variable_value - c_fixed;
    let rec = if n > 0.0 && net > 0.0 {
        TransferRecommendation {
            quantity: n * cp,
            surplus,
            deficit,
            destination_units_saved: best.saved,
            source_units_lost: best.lost,
            benefit: margin * (best.saved - best.lost),
            cost: c_fixed + c_unit * n * cp,
            net_benefit: net,
        }
    } else {
        TransferRecommendation {
            quantity: 0.0,
            surplus,
            deficit,
            destination_units_saved: 0.0,
            source_units_lost: 0.0,
            benefit: 0.0,
            cost: 0.0,
            net_benefit: 0.0,
        }
    };
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> TransferInput {
        TransferInput {
            source_on_hand: 200.0,
            source_mean: 40.0,
            source_std: 10.0,
            destination_position: 10.0,
            destination_mean: 60.0,
            destination_std: 15.0,
            service_level: 0.95,
            unit_margin: 8.0,
            cost_per_unit: 0.5,
            cost_per_shipment: 30.0,
            case_pack: 6.0,
        }
    }

    /// Brute force over every case count to check the bisection.
    fn brute(input: &TransferInput) -> f64 {
        let r = transfer_benefit(input).unwrap();
        let cp = input.case_pack;
        let n_max = ((r.surplus / cp + 1e-9).floor()).min((r.deficit / cp - 1e-9).ceil());
        let mut best = (0.0, 0.0);
        let mut n = 1.0;
        while n <= n_max {
            let q = n * cp;
            let saved = shortage_unchecked(
                input.destination_position,
                input.destination_mean,
                input.destination_std,
            ) - shortage_unchecked(
                input.destination_position + q,
                input.destination_mean,
                input.destination_std,
            );
            let lost =
                shortage_unchecked(
                    input.source_on_hand - q,
                    input.source_mean,
                    input.source_std,
                ) - shortage_unchecked(input.source_on_hand, input.source_mean, input.source_std);
            let net = input.unit_margin * (saved - lost)
                - input.cost_per_unit * q
                - input.cost_per_shipment;
            if net > best.1 {
                best = (q, net);
            }
            n += 1.0;
        }
        best.0
    }

    #[test]
    fn moves_surplus_to_deficit() {
        let r = transfer_benefit(&base()).unwrap();
        // surplus = 200 - (40 + 1.645·10) = 143.55; deficit = 60 + 1.645·15 - 10 = 74.67
        assert!((r.surplus - 143.551_463_730_485).abs() < 1e-6);
        assert!((r.deficit - 74.672_804_404_272).abs() < 1e-6);
        assert!(r.quantity > 0.0 && r.quantity <= 78.0);
        assert_eq!(r.quantity % 6.0, 0.0);
        assert!(r.net_benefit > 0.0);
        assert!((r.net_benefit - (r.benefit - r.cost)).abs() < 1e-9);
        assert_eq!(r.quantity, brute(&base()));
    }

    #[test]
    fn bisection_matches_brute_force() {
        for (margin, cu, cp, pd) in [
            (8.0, 0.5, 1.0, 10.0),
            (2.0, 1.5, 1.0, 40.0),
            (20.0, 0.1, 12.0, -5.0),
            (1.0, 0.9, 3.0, 0.0),
        ] {
            let mut i = base();
            i.unit_margin = margin;
            i.cost_per_unit = cu;
            i.case_pack = cp;
            i.destination_position = pd;
            let r = transfer_benefit(&i).unwrap();
            assert_eq!(r.quantity, brute(&i), "{margin} {cu} {cp} {pd}");
        }
    }

    #[test]
    fn no_transfer_cases() {
        // no surplus
        let mut i = base();
        i.source_on_hand = 50.0;
        let r = transfer_benefit(&i).unwrap();
        assert_eq!((r.quantity, r.surplus), (0.0, 0.0));
        // no deficit
        let mut i = base();
        i.destination_position = 500.0;
        assert_eq!(transfer_benefit(&i).unwrap().quantity, 0.0);
        // transport dearer than the margin
        let mut i = base();
        i.cost_per_unit = 9.0;
        assert_eq!(transfer_benefit(&i).unwrap().quantity, 0.0);
        // fixed cost too high
        let mut i = base();
        i.cost_per_shipment = 1e6;
        assert_eq!(transfer_benefit(&i).unwrap().quantity, 0.0);
    }

    #[test]
    fn validation() {
        let mut i = base();
        i.case_pack = 0.0;
        assert!(transfer_benefit(&i).is_err());
        let mut i = base();
        i.service_level = 1.0;
        assert!(transfer_benefit(&i).is_err());
        let mut i = base();
        i.source_on_hand = f64::NAN;
        assert_eq!(
            transfer_benefit(&i).unwrap_err().to_string(),
            "source on hand must be a finite number at least 0, got NaN"
        );
    }
}
