//! Policy replay: run a demand history through a replenishment policy, period by period, and
//! report what a planner would have seen — cycle service level, fill rate, average stock,
//! stock-outs, orders. This is the evidence that a recommended policy delivers its target.
//!
//! ## Mechanics, each period t
//! 1. Orders due at t arrive (before demand is served).
//! 2. If t is a review period (t mod R = 0), the policy compares the inventory position
//!    (net stock + on order) with its reorder point and orders, rounded to case pack and MOQ
//!    exactly as [`round_order`] does; the order arrives lead-time periods later (lead time 0
//!    arrives at once). Order i uses `lead_times[i mod n]`, so a supplier's observed lead times
//!    can be replayed in turn.
//! 3. Demand is served from stock on hand. Unserved demand is backordered (net stock goes
//!    negative and is served from later arrivals first) or lost, per `backorders`.
//!
//! ## Measures (over periods after `warmup`)
//! * fill rate = served on arrival / demand (`None` with no demand).
//! * cycle service level = share of replenishment cycles without unserved demand. A cycle runs
//!   from one arrival to the period before the next, so only complete cycles starting after the
//!   warm-up count (`None` when there is none).
//! * stock-out periods: periods with some unserved demand; average on hand: mean end-of-period
//!   stock on hand (never negative).

use super::error::{InventoryError, Result, all_non_negative, finite, non_negative, positive};
use super::order_quantity::round_order;

/// The policy being replayed. Each parameter slice holds one value (constant policy) or one
/// value per demand period (a policy re-planned every period, e.g. from rolling forecasts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplayPolicy<'a> {
    /// (R, s, S): when position ≤ s order up to S. Equal s and S give (R, S): order whenever the
    /// position is below S.
    OrderUpTo {
        reorder_point: &'a [f64],
        order_up_to: &'a [f64],
    },
    /// (R, r, Q): when position ≤ r order the smallest multiple of Q that lifts it above r.
    FixedQuantity {
        reorder_point: &'a [f64],
        order_quantity: &'a [f64],
    },
}

/// How to replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayConfig<'a> {
    pub policy: ReplayPolicy<'a>,
    /// Periods between reviews, ≥ 1 (1 = review every period).
    pub review_period: usize,
    /// Lead times in periods, used in turn by successive orders. At least one.
    pub lead_times: &'a [usize],
    /// Stock on hand before the first period, finite and ≥ 0.
    pub initial_on_hand: f64,
    /// Minimum order quantity (≥ 0) and case pack (> 0).
    pub moq: f64,
    pub case_pack: f64,
    /// true: unmet demand is backordered; false: it is lost (typical for stores).
    pub backorders: bool,
    /// Periods at the start excluded from the measures (start-up transient).
    pub warmup: usize,
}

/// What the replay achieved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayResult {
    /// Periods measured (after warm-up).
    pub periods: usize,
    pub demand: f64,
    /// Demand served from stock on hand when it occurred.
    pub served: f64,
    /// Demand not served when it occurred (backordered or lost).
    pub unmet: f64,
    pub fill_rate: Option<f64>,
    pub cycles: usize,
    pub cycles_without_stockout: usize,
    pub cycle_service_level: Option<f64>,
    pub stockout_periods: usize,
    pub average_on_hand: f64,
    /// Orders placed and units ordered over the measured periods.
    pub orders: usize,
    pub units_ordered: f64,
}

fn param<'a>(name: &'static str, values: &'a [f64], n: usize) -> Result<&'a [f64]> {
    if values.len() == 1 || values.len() == n {
        for &v in values {
            finite(name, v)?;
        }
        Ok(values)
    } else {
        Err(InventoryError::Inconsistent {
            message: format!(
                "{name} must have 1 value (constant) or one per demand period ({n}), got {}",
                values.len()
            ),
        })
    }
}

fn at(values: &[f64], t: usize) -> f64 {
    values[t.min(values.len() - 1)]
}

/// Replays `demand` (one value per period, finite and ≥ 0, at least one) under `config`.
/// See the module docs for the mechanics and measures. Errors name the bad argument: NaN or
/// negative demand, review period 0, no lead times, policy slices of the wrong length, order-up-to
/// below reorder point, case pack 0, warm-up covering the whole history.
pub fn replay(demand: &[f64], config: &ReplayConfig<'_>) -> Result<ReplayResult> {
    let n = demand.len();
    if n == 0 {
        return Err(InventoryError::TooShort {
            name: "demand",
            needed: 1,
            got: 0,
        });
    }
    all_non_negative("demand", demand)?;
    if config.review_period == 0 {
        return Err(InventoryError::OutOfRange {
            name: "review period",
            range: "at least 1",
            value: 0.0,
        });
    }
    if config.lead_times.is_empty() {
        return Err(InventoryError::TooShort {
            name: "lead times",
            needed: 1,
            got: 0,
        });
    }
    if config.warmup >= n {
        return Err(InventoryError::Inconsistent {
            message: format!(
                "warm-up must be shorter than the demand history, got {} >= {n}",
                config.warmup
            ),
        });
    }
    non_negative("initial on hand", config.initial_on_hand)?;
    non_negative("minimum order quantity", config.moq)?;
    positive("case pack", config.case_pack)?;
    let (rp, second) = match config.policy {
        ReplayPolicy::OrderUpTo {
            reorder_point,
            order_up_to,
        } => (
            param("reorder point", reorder_point, n)?,
            param("order-up-to level", order_up_to, n)?,
        ),
        ReplayPolicy::FixedQuantity {
            reorder_point,
            order_quantity,
        } => {
            let q = param("order quantity", order_quantity, n)?;
            for &v in q {
                positive("order quantity", v)?;
            }
            (param("reorder point", reorder_point, n)?, q)
        }
    };
    let max_lead = *config.lead_times.iter().max().unwrap_or(&0);

    let mut arrivals = vec![0.0; n + max_lead + 1];
    let mut net = config.initial_on_hand; // on hand - backorders
    let mut on_order = 0.0;
    let mut order_count = 0usize;
    let mut r = ReplayResult {
        periods: n - config.warmup,
        demand: 0.0,
        served: 0.0,
        unmet: 0.0,
        fill_rate: None,
        cycles: 0,
        cycles_without_stockout: 0,
        cycle_service_level: None,
        stockout_periods: 0,
        average_on_hand: 0.0,
        orders: 0,
        units_ordered: 0.0,
    };
    // The open replenishment cycle: (start period, any unmet demand so far).
    let mut cycle: Option<(usize, bool)> = None;
    let mut on_hand_sum = 0.0;

    let close_cycle = |cycle: &mut Option<(usize, bool)>, r: &mut ReplayResult, t: usize| {
        if let Some((start, short)) = *cycle
            && start >= config.warmup
        {
            r.cycles += 1;
            if !short {
                r.cycles_without_stockout += 1;
            }
        }
        *cycle = Some((t, false));
    };

    for t in 0..n {
        let measured = t >= config.warmup;
        if arrivals[t] > 0.0 {
            net += arrivals[t];
            on_order -= arrivals[t];
            close_cycle(&mut cycle, &mut r, t);
        }
        if t % config.review_period == 0 {
            let position = net + on_order;
            let s = at(rp, t);
            let need = match config.policy {
                ReplayPolicy::OrderUpTo { .. } => {
                    let big_s = at(second, t);
                    if big_s < s {
                        return Err(InventoryError::Inconsistent {
                            message: format!(
                                "order-up-to level must be at least the reorder point, got {big_s} < {s} in period {t}"
                            ),
                        });
                    }
                    let triggered = if s == big_s {
                        position < big_s
                    } else {
                        position <= s
                    };
                    if triggered { big_s - position } else { 0.0 }
                }
                ReplayPolicy::FixedQuantity { .. } => {
                    let q = at(second, t);
                    if position <= s {
                        (((s - position) / q).floor() + 1.0) * q
                    } else {
                        0.0
                    }
                }
            };
            let (qty, _) = round_order(need, config.moq, config.case_pack)?;
            if qty > 0.0 {
                let lead = config.lead_times[order_count % config.lead_times.len()];
                order_count += 1;
                if measured {
                    r.orders += 1;
                    r.units_ordered += qty;
                }
                if lead == 0 {
                    net += qty;
                    close_cycle(&mut cycle, &mut r, t);
                } else {
                    arrivals[t + lead] += qty;
                    on_order += qty;
                }
            }
        }
        let d = demand[t];
        let served = d.min(net.max(0.0));
        let unmet = d - served;
        if config.backorders {
            net -= d;
        } else {
            net = net.max(0.0) - served;
        }
        if unmet > 0.0
            && let Some((_, short)) = cycle.as_mut()
        {
            *short = true;
        }
        if measured {
            r.demand += d;
            r.served += served;
            r.unmet += unmet;
            if unmet > 0.0 {
                r.stockout_periods += 1;
            }
            on_hand_sum += net.max(0.0);
        }
    }
    r.fill_rate = if r.demand > 0.0 {
        Some(r.served / r.demand)
    } else {
        None
    };
    r.cycle_service_level = if r.cycles > 0 {
        Some(r.cycles_without_stockout as f64 / r.cycles as f64)
    } else {
        None
    };
    r.average_on_hand = on_hand_sum / r.periods as f64;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate_free_rng::Rng;

    /// A tiny deterministic generator (SplitMix64 + Box–Muller) so the simulation test needs no
    /// extra crate and gives the same numbers everywhere.
    mod crate_free_rng {
        pub struct Rng(u64, Option<f64>);
        impl Rng {
            pub fn new(seed: u64) -> Rng {
                Rng(seed, None)
            }
            fn next_u64(&mut self) -> u64 {
                self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = self.0;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^ (z >> 31)
            }
            /// Uniform in (0, 1).
            pub fn uniform(&mut self) -> f64 {
                ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
            }
            pub fn normal(&mut self) -> f64 {
                if let Some(z) = self.1.take() {
                    return z;
                }
                let (u1, u2) = (self.uniform(), self.uniform());
                let r = (-2.0 * u1.ln()).sqrt();
                let th = 2.0 * std::f64::consts::PI * u2;
                self.1 = Some(r * th.sin());
                r * th.cos()
            }
        }
    }

    fn config<'a>(
        policy: ReplayPolicy<'a>,
        review: usize,
        leads: &'a [usize],
        initial: f64,
        backorders: bool,
    ) -> ReplayConfig<'a> {
        ReplayConfig {
            policy,
            review_period: review,
            lead_times: leads,
            initial_on_hand: initial,
            moq: 0.0,
            case_pack: 1.0,
            backorders,
            warmup: 0,
        }
    }

    #[test]
    fn hand_traced_example() {
        // (R=1, S=10), lead time 1, start with 10, demand 4, 4, 12, 0, 3, backorders.
        // t0: pos 10, no order; serve 4 → net 6
        // t1: pos 6 → order 4 (arr t2); serve 4 → net 2
        // t2: +4 → 6; pos 6 → order 4 (arr t3); serve 6 of 12 → net -6
        // t3: +4 → -2; pos -2 → order 12 (arr t4); serve 0 → net -2
        // t4: +12 → 10; pos 10 → no order; serve 3 → net 7
        let s = [10.0];
        let pol = ReplayPolicy::OrderUpTo {
            reorder_point: &s,
            order_up_to: &s,
        };
        let r = replay(
            &[4.0, 4.0, 12.0, 0.0, 3.0],
            &config(pol, 1, &[1], 10.0, true),
        )
        .unwrap();
        assert_eq!(r.demand, 23.0);
        assert_eq!(r.served, 17.0);
        assert_eq!(r.unmet, 6.0);
        assert_eq!(r.stockout_periods, 1);
        assert_eq!((r.orders, r.units_ordered), (3, 20.0));
        // cycles: [t2], [t3] complete (t4 open); t2 had unmet demand
        assert_eq!((r.cycles, r.cycles_without_stockout), (2, 1));
        assert_eq!(r.average_on_hand, (6.0 + 2.0 + 0.0 + 0.0 + 7.0) / 5.0);
    }

    #[test]
    fn lost_sales_do_not_carry() {
        let s = [10.0];
        let pol = ReplayPolicy::OrderUpTo {
            reorder_point: &s,
            order_up_to: &s,
        };
        let r = replay(
            &[4.0, 4.0, 12.0, 0.0, 3.0],
            &config(pol, 1, &[1], 10.0, false),
        )
        .unwrap();
        // t2: 6 on hand, serve 6, 6 lost → 0; t3: +4 → 4, pos 4 → order 6; t4: +6 → 10 serve 3
        assert_eq!(r.served, 17.0);
        assert_eq!(r.units_ordered, 4.0 + 4.0 + 6.0);
    }

    #[test]
    fn fixed_quantity_and_rounding() {
        let rp = [5.0];
        let q = [7.0];
        let pol = ReplayPolicy::FixedQuantity {
            reorder_point: &rp,
            order_quantity: &q,
        };
        let mut c = config(pol, 1, &[0], 6.0, true);
        c.case_pack = 4.0;
        let r = replay(&[1.0, 1.0, 1.0], &c).unwrap();
        // t0: pos 6 > 5; t1: pos 5 ≤ 5 → 7 rounded to 8, arrives at once
        assert_eq!((r.orders, r.units_ordered), (1, 8.0));
    }

    #[test]
    fn validation() {
        let s = [10.0];
        let pol = ReplayPolicy::OrderUpTo {
            reorder_point: &s,
            order_up_to: &s,
        };
        assert!(replay(&[], &config(pol, 1, &[1], 0.0, true)).is_err());
        assert!(replay(&[1.0, f64::NAN], &config(pol, 1, &[1], 0.0, true)).is_err());
        assert!(replay(&[1.0], &config(pol, 0, &[1], 0.0, true)).is_err());
        assert!(replay(&[1.0], &config(pol, 1, &[], 0.0, true)).is_err());
        let two = [1.0, 2.0];
        let bad = ReplayPolicy::OrderUpTo {
            reorder_point: &two,
            order_up_to: &s,
        };
        assert_eq!(
            replay(&[1.0, 1.0, 1.0], &config(bad, 1, &[1], 0.0, true))
                .unwrap_err()
                .to_string(),
            "reorder point must have 1 value (constant) or one per demand period (3), got 2"
        );
        let mut c = config(pol, 1, &[1], 0.0, true);
        c.warmup = 1;
        assert!(replay(&[1.0], &c).is_err());
        let no_demand = replay(&[0.0, 0.0], &config(pol, 1, &[1], 5.0, true)).unwrap();
        assert_eq!(no_demand.fill_rate, None);
    }

    /// The Rust-side twin of the Python simulation in make_fixtures.py: daily normal demand
    /// (d = 20, σ = 6), (R = 7, S) with backorders, S from our own safety-stock functions, fixed
    /// lead time 7 and a random 5–9 day lead time. Achieved fill rate and cycle service level
    /// must land within 0.5 percentage points of the target.
    #[test]
    fn simulated_targets_are_met() {
        use super::super::policy::order_up_to_level;
        use super::super::safety_stock::{safety_stock_cycle, safety_stock_fill_rate};
        let (d, sd, review) = (20.0, 6.0, 7usize);
        let days = 300_000;
        let mut rng = Rng::new(7);
        let demand: Vec<f64> = (0..days)
            .map(|_| (d + sd * rng.normal()).max(0.0))
            .collect();
        // lead times 5..9 with probabilities .1 .2 .4 .2 .1 (mean 7, sd 1.0954)
        let random_leads: Vec<usize> = (0..days / review + 1)
            .map(|_| {
                let u = rng.uniform();
                match u {
                    u if u < 0.1 => 5,
                    u if u < 0.3 => 6,
                    u if u < 0.7 => 7,
                    u if u < 0.9 => 8,
                    _ => 9,
                }
            })
            .collect();
        let fixed = [7usize];
        for (leads, l_std) in [(&fixed[..], 0.0), (&random_leads[..], 1.2f64.sqrt())] {
            for (kind, target) in [
                ("fill_rate", 0.95),
                ("fill_rate", 0.98),
                ("fill_rate", 0.99),
                ("csl", 0.90),
                ("csl", 0.95),
            ] {
                let ss = if kind == "fill_rate" {
                    safety_stock_fill_rate(target, d * review as f64, d, sd, 7.0, l_std, 7.0)
                } else {
                    safety_stock_cycle(target, d, sd, 7.0, l_std, 7.0)
                }
                .unwrap();
                let s = [order_up_to_level(d, 7.0, 7.0, ss.safety_stock).unwrap()];
                let pol = ReplayPolicy::OrderUpTo {
                    reorder_point: &s,
                    order_up_to: &s,
                };
                let mut c = config(pol, review, leads, s[0], true);
                c.case_pack = 1e-9; // no rounding: the textbook model orders exact quantities
                c.warmup = 70;
                let r = replay(&demand, &c).unwrap();
                let achieved = if kind == "fill_rate" {
                    r.fill_rate.unwrap()
                } else {
                    r.cycle_service_level.unwrap()
                };
                assert!(
                    (achieved - target).abs() <= 0.005,
                    "{kind} {target} (lead sd {l_std}): achieved {achieved}"
                );
            }
        }
    }
}
