//! Markdown: the discount that makes the most of stock that will not sell through by the end of
//! its season.
//!
//! ## Model
//! * Demand response, constant price elasticity ε ≤ 0: rate(δ) = base rate × (1 - δ)^ε for a
//!   discount δ (ε = -2: 20% off lifts the rate by 1/0.8² = 1.5625×).
//! * Sales over the remaining days are Poisson with mean m = rate(δ) × days, capped by stock:
//!   expected units sold = E[min(N, stock)]. Poisson captures the randomness of sales at a known
//!   rate; uncertainty in the rate itself is not modelled.
//! * Unsold stock at season end is worth `salvage_value` per unit (outlet price, return credit;
//!   0 if written off).
//! * Expected margin(δ) = sold × (price·(1-δ) - cost) + unsold × (salvage - cost). The cost of
//!   the stock is sunk, so maximising margin and maximising revenue pick the same discount; the
//!   margin is reported because it is what planners compare.
//!
//! The suggested discount is the grid point with the highest expected margin; ties go to the
//! smaller discount. The margin effect is measured against no markdown (δ = 0), which is always
//! evaluated even when 0 is not on the grid.

use super::error::{InventoryError, Result, finite, non_negative};
use super::normal::loss_unchecked;

/// Above this Poisson mean the normal approximation is used for E[min(N, s)]: the Poisson sum
/// would need thousands of terms, and at m = 700 the approximation is within 0.04 units of the
/// exact value (checked against scipy's Poisson for stock m ± 60).
/// 700 keeps e^(-m) (the first Poisson term) well above the smallest double.
const NORMAL_APPROX_MEAN: f64 = 700.0;

/// Inputs for one SKU × location.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownInput<'a> {
    /// Units on hand to sell, ≥ 0.
    pub stock: f64,
    /// Days left in the season, ≥ 0.
    pub remaining_days: f64,
    /// Expected sales per day at the current price, ≥ 0.
    pub baseline_rate: f64,
    /// Price elasticity of demand, finite and ≤ 0.
    pub elasticity: f64,
    /// Current selling price per unit, > 0 (checked as ≥ 0 with finite values).
    pub price: f64,
    /// Unit cost, ≥ 0.
    pub unit_cost: f64,
    /// Value per unsold unit at season end, ≥ 0.
    pub salvage_value: f64,
    /// Discounts to consider, each in [0, 1) (0.3 = 30% off). Not empty.
    pub discounts: &'a [f64],
}

/// The evaluation of one discount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkdownOption {
    pub discount: f64,
    /// Expected daily sales rate at this discount.
    pub rate: f64,
    /// Expected units sold by season end (≤ stock).
    pub expected_units: f64,
    /// expected units / stock (0 when stock is 0).
    pub sell_through: f64,
    /// Expected margin including the salvage of unsold units.
    pub expected_margin: f64,
}

/// The suggested markdown and its comparison with no markdown.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownRecommendation {
    pub best: MarkdownOption,
    /// The same figures at δ = 0.
    pub no_markdown: MarkdownOption,
    /// best.expected_margin - no_markdown.expected_margin (≥ 0 when 0 is on the grid).
    pub margin_effect: f64,
    /// Every grid point in input order, for views that show the curve.
    pub options: Vec<MarkdownOption>,
}

/// E[min(N, s)] for N ~ Poisson(m): Σ_{k ≥ 0} min(1, s - k)⁺·P(N > k), since
/// min(N, s) = ∫₀ˢ 1{N > t} dt and N > t ⟺ N > ⌊t⌋ for integer N.
pub fn expected_poisson_sales(mean: f64, stock: f64) -> Result<f64> {
    let m = non_negative("expected demand", mean)?;
    let s = non_negative("stock", stock)?;
    Ok(poisson_sales_unchecked(m, s))
}

fn poisson_sales_unchecked(m: f64, s: f64) -> f64 {
    if m == 0.0 || s == 0.0 {
        return 0.0;
    }
    if m > NORMAL_APPROX_MEAN {
        // E[min(X, s)] = m - E[(X - s)⁺], X ~ N(m, m).
        let sigma = m.sqrt();
        return (m - sigma * loss_unchecked((s - m) / sigma)).clamp(0.0, s);
    }
    let mut pmf = (-m).exp(); // P(N = 0), ≥ e^-700 ≈ 1e-304
    let mut cdf = pmf;
    let mut total = 0.0;
    let mut k = 0.0;
    while k < s {
        let survival = (1.0 - cdf).max(0.0);
        total += (s - k).min(1.0) * survival;
        if survival < 1e-17 {
            break;
        }
        k += 1.0;
        pmf *= m / k;
        cdf += pmf;
    }
    total
}

fn evaluate(input: &MarkdownInput<'_>, discount: f64) -> MarkdownOption {
    let rate = input.baseline_rate * (1.0 - discount).powf(input.elasticity);
    let expected_units = poisson_sales_unchecked(rate * input.remaining_days, input.stock);
    let unsold = input.stock - expected_units;
    let expected_margin = expected_units * (input.price * (1.0 - discount) - input.unit_cost)
        + unsold * (input.salvage_value - input.unit_cost);
    MarkdownOption {
        discount,
        rate,
        expected_units,
        sell_through: if input.stock > 0.0 {
            expected_units / input.stock
        } else {
            0.0
        },
        expected_margin,
    }
}

/// Suggested markdown from a discount grid; see the module docs for the model.
///
/// * Zero stock or zero remaining days: nothing can sell, every option has the same margin and
///   the smallest discount on the grid is suggested.
/// * Elasticity 0: discounts only lose margin, so the smallest discount wins.
/// * Errors: empty grid, a discount outside [0, 1), positive elasticity, negative or NaN inputs.
pub fn suggest_markdown(input: &MarkdownInput<'_>) -> Result<MarkdownRecommendation> {
    non_negative("stock", input.stock)?;
    non_negative("remaining days", input.remaining_days)?;
    non_negative("baseline rate", input.baseline_rate)?;
    let e = finite("price elasticity", input.elasticity)?;
    if e > 0.0 {
        return Err(InventoryError::OutOfRange {
            name: "price elasticity",
            range: "at most 0 (demand falls as price rises; -1.5 to -3 is typical)",
            value: e,
        });
    }
    non_negative("price", input.price)?;
    non_negative("unit cost", input.unit_cost)?;
    non_negative("salvage value", input.salvage_value)?;
    if input.discounts.is_empty() {
        return Err(InventoryError::TooShort {
            name: "discount grid",
            needed: 1,
            got: 0,
        });
    }
    for &d in input.discounts {
        if !(0.0..1.0).contains(&d) {
            return Err(InventoryError::OutOfRange {
                name: "discount",
                range: "between 0 inclusive and 1 exclusive (0.3 = 30% off)",
                value: d,
            });
        }
    }
    let options: Vec<MarkdownOption> = input
        .discounts
        .iter()
        .map(|&d| evaluate(input, d))
        .collect();
    let mut best = options[0];
    for o in &options[1..] {
        let better =
            o.expected_margin > best.expected_margin + 1e-9 * best.expected_margin.abs().max(1.0);
        let tie = (o.expected_margin - best.expected_margin).abs()
            <= 1e-9 * best.expected_margin.abs().max(1.0);
        if better || (tie && o.discount < best.discount) {
            best = *o;
        }
    }
    let no_markdown = evaluate(input, 0.0);
    Ok(MarkdownRecommendation {
        best,
        no_markdown,
        margin_effect: best.expected_margin - no_markdown.expected_margin,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: [f64; 8] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

    fn input(grid: &[f64]) -> MarkdownInput<'_> {
        MarkdownInput {
            stock: 300.0,
            remaining_days: 30.0,
            baseline_rate: 4.0,
            elasticity: -2.5,
            price: 40.0,
            unit_cost: 18.0,
            salvage_value: 5.0,
            discounts: grid,
        }
    }

    #[test]
    fn poisson_sales_against_direct_sum() {
        // E[min(N, 3)], N ~ Poisson(2) = 0·p0 + 1·p1 + 2·p2 + 3·(1 - p0 - p1 - p2)
        let p0 = (-2f64).exp();
        let (p1, p2) = (2.0 * p0, 2.0 * p0);
        let direct = p1 + 2.0 * p2 + 3.0 * (1.0 - p0 - p1 - p2);
        assert!((expected_poisson_sales(2.0, 3.0).unwrap() - direct).abs() < 1e-14);
        // unlimited stock → the mean; fractional stock interpolates
        assert!((expected_poisson_sales(2.0, 1e6).unwrap() - 2.0).abs() < 1e-12);
        let a = expected_poisson_sales(2.0, 3.0).unwrap();
        let b = expected_poisson_sales(2.0, 4.0).unwrap();
        let h = expected_poisson_sales(2.0, 3.5).unwrap();
        assert!((h - 0.5 * (a + b)).abs() < 1e-14);
        // the normal branch joins smoothly
        let big = expected_poisson_sales(1500.0, 1500.0).unwrap();
        assert!((big - (1500.0 - 1500f64.sqrt() * 0.398_942_280_401_432_7)).abs() < 1e-9);
        assert_eq!(expected_poisson_sales(0.0, 5.0).unwrap(), 0.0);
        assert_eq!(expected_poisson_sales(5.0, 0.0).unwrap(), 0.0);
    }

    #[test]
    fn slow_stock_gets_a_markdown() {
        // 4/day × 30 days = 120 expected at full price against 300 on hand
        let r = suggest_markdown(&input(&GRID)).unwrap();
        assert!(r.best.discount > 0.0, "{:?}", r.best);
        assert!(r.margin_effect > 0.0);
        assert!(r.best.sell_through > r.no_markdown.sell_through);
        assert_eq!(r.options.len(), GRID.len());
        // brute check: best is the argmax
        let max = r
            .options
            .iter()
            .map(|o| o.expected_margin)
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(r.best.expected_margin, max);
    }

    #[test]
    fn fast_stock_keeps_full_price() {
        let mut i = input(&GRID);
        i.stock = 60.0; // sells out at full price
        let r = suggest_markdown(&i).unwrap();
        assert_eq!(r.best.discount, 0.0);
        assert_eq!(r.margin_effect, 0.0);
    }

    #[test]
    fn degenerate_inputs() {
        let mut i = input(&GRID);
        i.elasticity = 0.0;
        assert_eq!(suggest_markdown(&i).unwrap().best.discount, 0.0);
        let mut i = input(&GRID);
        i.remaining_days = 0.0;
        let r = suggest_markdown(&i).unwrap();
        assert_eq!((r.best.discount, r.best.expected_units), (0.0, 0.0));
        let mut i = input(&GRID);
        i.stock = 0.0;
        assert_eq!(suggest_markdown(&i).unwrap().best.sell_through, 0.0);
        let mut i = input(&GRID);
        i.elasticity = 1.5;
        assert!(suggest_markdown(&i).is_err());
        assert!(suggest_markdown(&input(&[])).is_err());
        assert_eq!(
            suggest_markdown(&input(&[0.1, 1.0]))
                .unwrap_err()
                .to_string(),
            "discount must be between 0 inclusive and 1 exclusive (0.3 = 30% off), got 1"
        );
        // grid without 0 still reports the effect against no markdown
        let r = suggest_markdown(&input(&[0.3, 0.5])).unwrap();
        assert_eq!(r.no_markdown.discount, 0.0);
    }
}
