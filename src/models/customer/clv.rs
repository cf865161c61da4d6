//! Customer lifetime value: discounted expected spend over a horizon, from a BG/NBD model
//! (how many purchases) and an expected spend per purchase (usually Gamma-Gamma's).
//!
//! Exactly lifetimes' `customer_lifetime_value`: for each month k = 1..=months, the expected
//! purchases in month k (BG/NBD cumulative expectation at k months minus at k-1 months, a month
//! being 30 days, 4.345 weeks or 720 hours as lifetimes defines it) times the spend, divided by
//! `(1 + discount_rate)^k`. aisle adds a `margin` factor (1 = lifetimes: value in revenue).

use super::bgnbd::{BgNbdParams, check_customer};
use super::error::{CustomerError, Result, check_finite, check_lengths, check_param_range};
use super::fasthash::FastMap;
use super::gamma_gamma::GammaGammaParams;

/// The unit the BG/NBD times (recency, T) are measured in, which fixes how many of them make a
/// month (lifetimes' `freq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// 720 hours per month
    Hour,
    /// 30 days per month
    Day,
    /// 4.345 weeks per month
    Week,
    /// 1 month per month
    Month,
}

impl TimeUnit {
    /// Units per month, as lifetimes defines them.
    pub fn per_month(self) -> f64 {
        match self {
            TimeUnit::Hour => 720.0,
            TimeUnit::Day => 30.0,
            TimeUnit::Week => 4.345,
            TimeUnit::Month => 1.0,
        }
    }

    /// Parses `hour`/`h`, `day`/`d`, `week`/`w`, `month`/`m` (any case) for the SQL options;
    /// anything else is an error listing the accepted values.
    pub fn parse(s: &str) -> Result<TimeUnit> {
        match s.trim().to_ascii_lowercase().as_str() {
            "h" | "hour" | "hours" => Ok(TimeUnit::Hour),
            "d" | "day" | "days" => Ok(TimeUnit::Day),
            "w" | "week" | "weeks" => Ok(TimeUnit::Week),
            "m" | "month" | "months" => Ok(TimeUnit::Month),
            _ => Err(CustomerError::InvalidParameter(format!(
                "time unit must be one of hour, day, week, month, got '{s}'"
            ))),
        }
    }
}

/// CLV options. Defaults are lifetimes' (12 months, 1 % per month, days) with margin 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Horizon in months, 1..=1200.
    pub months: u32,
    /// Discount rate per month, in [0, 1).
    pub discount_rate: f64,
    /// Profit margin applied to spend, in [0, 1].
    pub margin: f64,
    /// Unit of recency and T.
    pub time_unit: TimeUnit,
}

impl Default for ClvOptions {
    fn default() -> Self {
        ClvOptions {
            months: 12,
            discount_rate: 0.01,
            margin: 1.0,
            time_unit: TimeUnit::Day,
        }
    }
}

impl ClvOptions {
    /// Checks every option, with messages such as "discount rate must be in [0, 1), got 1.5".
    pub fn validate(&self) -> Result<()> {
        if !(1..=1200).contains(&self.months) {
            return Err(CustomerError::InvalidParameter(format!(
                "horizon must be between 1 and 1200 months, got {}",
                self.months
            )));
        }
        check_param_range("discount rate", self.discount_rate, 0.0, 1.0, false)?;
        check_param_range("margin", self.margin, 0.0, 1.0, true)?;
        Ok(())
    }
}

/// `Σ_k (S_k - S_{k-1}) / (1 + d)^k` over the months, with `S_k` the recency-free part of the
/// BG/NBD expectation at k months (see [`BgNbdParams::alive_part`]); the CLV of a customer is
/// this times spend, P(alive) and margin. Depends on (x, T) only, so batches cache it.
fn discounted_purchases(bg: &BgNbdParams, x: f64, age: f64, opts: &ClvOptions) -> Result<f64> {
    let factor = opts.time_unit.per_month();
    let mut total = 0.0;
    let mut prev = 0.0; // at t = 0
    for k in 1..=opts.months {
        // same arithmetic as lifetimes: i = k * factor, discount exponent i / factor
        let i = k as f64 * factor;
        let cum = bg.alive_part(i, x, age)?;
        total += (cum - prev) / (1.0 + opts.discount_rate).powf(i / factor);
        prev = cum;
    }
    Ok(total)
}

fn check_spend(row: usize, spend: f64) -> Result<()> {
    check_finite("spend", row, spend)?;
    if spend < 0.0 {
        return Err(CustomerError::InvalidValue(format!(
            "expected spend at row {row} must be >= 0, got {spend}"
        )));
    }
    Ok(())
}

fn finish(v: f64, row: usize) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(CustomerError::NonFinite(format!(
            "lifetime value at row {row} overflows"
        )))
    }
}

/// Lifetime value of one customer with BG/NBD history (frequency, recency, T) and a known
/// expected spend per purchase (`spend`, finite and >= 0). Input rules for the history are
/// those of [`BgNbdParams::expected_purchases`]; errors are returned, never NaN.
pub fn clv_with_spend(
    bg: &BgNbdParams,
    frequency: f64,
    recency: f64,
    age: f64,
    spend: f64,
    opts: &ClvOptions,
) -> Result<f64> {
    opts.validate()?;
    check_spend(0, spend)?;
    check_customer(0, frequency, recency, age, false)?;
    let d = discounted_purchases(bg, frequency, age, opts)?;
    finish(
        spend * d * bg.p_alive_unchecked(frequency, recency, age) * opts.margin,
        0,
    )
}

/// Lifetime value with spend from a Gamma-Gamma model: lifetimes'
/// `GammaGammaFitter.customer_lifetime_value(bgf, frequency, recency, T, monetary_value, time,
/// discount_rate, freq)` times `margin`. `monetary` is the mean value of the customer's repeat
/// purchases (ignored when frequency is 0, where the population mean spend is used). Gamma-Gamma
/// q <= 1 is an error (infinite mean spend).
pub fn customer_lifetime_value(
    bg: &BgNbdParams,
    gg: &GammaGammaParams,
    frequency: f64,
    recency: f64,
    age: f64,
    monetary: f64,
    opts: &ClvOptions,
) -> Result<f64> {
    let spend = gg.expected_average_spend(frequency, monetary)?;
    clv_with_spend(bg, frequency, recency, age, spend, opts)
}

/// [`clv_with_spend`] for many customers (parallel slices). The horizon sum is computed once
/// per distinct (frequency, T), so a whole customer base costs little more than its distinct
/// histories. The first bad row is an error naming it.
pub fn clv_with_spend_batch(
    bg: &BgNbdParams,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    spend: &[f64],
    opts: &ClvOptions,
) -> Result<Vec<f64>> {
    opts.validate()?;
    let n = check_lengths(
        &["frequency", "recency", "T", "spend"],
        &[frequency.len(), recency.len(), age.len(), spend.len()],
    )?;
    let mut cache: FastMap<(u64, u64), f64> = FastMap::default();
    (0..n)
        .map(|i| {
            let (x, tx, a) = (frequency[i], recency[i], age[i]);
            check_customer(i, x, tx, a, false)?;
            check_spend(i, spend[i])?;
            let key = (x.to_bits(), a.to_bits());
            let d = match cache.get(&key) {
                Some(&d) => d,
                None => {
                    let d = discounted_purchases(bg, x, a, opts)?;
                    cache.insert(key, d);
                    d
                }
            };
            finish(
                spend[i] * d * bg.p_alive_unchecked(x, tx, a) * opts.margin,
                i,
            )
        })
        .collect()
}

/// [`customer_lifetime_value`] for many customers (parallel slices), cached as
/// [`clv_with_spend_batch`].
pub fn customer_lifetime_values(
    bg: &BgNbdParams,
    gg: &GammaGammaParams,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    monetary: &[f64],
    opts: &ClvOptions,
) -> Result<Vec<f64>> {
    let n = check_lengths(
        &["frequency", "monetary"],
        &[frequency.len(), monetary.len()],
    )?;
    let spend = (0..n)
        .map(|i| {
            gg.expected_average_spend(frequency[i], monetary[i])
                .map_err(|e| match e {
                    CustomerError::InvalidValue(m) => {
                        CustomerError::InvalidValue(m.replacen("row 0", &format!("row {i}"), 1))
                    }
                    other => other,
                })
        })
        .collect::<Result<Vec<f64>>>()?;
    clv_with_spend_batch(bg, frequency, recency, age, &spend, opts)
}

#[cfg(test)]
mod tests {
    use super::super::bgnbd::{BgNbdOptions, fit_bgnbd};
    use super::super::gamma_gamma::{GammaGammaOptions, fit_gamma_gamma};
    use super::super::testutil::{Value, assert_close, f64s, fixture};
    use super::*;

    fn params(f: &Value) -> (BgNbdParams, GammaGammaParams) {
        let b = &f["bg_params"];
        let g = &f["gg_params"];
        let v = |o: &Value, k: &str| o[k].as_f64().unwrap();
        (
            BgNbdParams::new(v(b, "r"), v(b, "alpha"), v(b, "a"), v(b, "b")).unwrap(),
            GammaGammaParams::new(v(g, "p"), v(g, "q"), v(g, "v")).unwrap(),
        )
    }

    fn check(block: &Value, x: &[f64], tx: &[f64], age: &[f64], m: &[f64], what: &str) {
        for f in block["fits"].as_array().unwrap() {
            let (bgp, ggp) = params(f);
            if ggp.q <= 1.0 {
                continue; // lifetimes' values are meaningless there (see gamma_gamma tests)
            }
            let unit = TimeUnit::parse(f["freq"].as_str().unwrap()).unwrap();
            // refit both models ourselves and compare end to end: 1e-4 relative (brief); the
            // formulas alone with lifetimes' own parameters: 1e-9
            let fit_bg = fit_bgnbd(x, tx, age, &BgNbdOptions::default())
                .unwrap()
                .params;
            let (xr, mr): (Vec<f64>, Vec<f64>) = x
                .iter()
                .zip(m)
                .filter(|(x, _)| **x > 0.0)
                .map(|(a, b)| (*a, *b))
                .unzip();
            let fit_gg = fit_gamma_gamma(&xr, &mr, &GammaGammaOptions::default())
                .unwrap()
                .params;
            let mut worst = 0.0_f64;
            for (key, months, rate) in [("clv_12m_1pct", 12, 0.01), ("clv_3m_0pct", 3, 0.0)] {
                let want = f64s(&f[key]);
                let o = ClvOptions {
                    months,
                    discount_rate: rate,
                    margin: 1.0,
                    time_unit: unit,
                };
                let batch = customer_lifetime_values(&bgp, &ggp, x, tx, age, m, &o).unwrap();
                let refit = customer_lifetime_values(&fit_bg, &fit_gg, x, tx, age, m, &o).unwrap();
                for i in 0..x.len() {
                    let got =
                        customer_lifetime_value(&bgp, &ggp, x[i], tx[i], age[i], m[i], &o).unwrap();
                    assert_close(got, want[i], 1e-9, &format!("{what} {key} formula row {i}"));
                    assert_close(batch[i], got, 1e-15, &format!("{what} {key} batch row {i}"));
                    assert_close(
                        refit[i],
                        want[i],
                        1e-4,
                        &format!("{what} {key} refit row {i}"),
                    );
                    worst = worst.max((refit[i] - want[i]).abs() / want[i].abs());
                }
            }
            eprintln!("{what}: CLV after refit, max relative error {worst:.1e}");
        }
    }

    #[test]
    fn matches_lifetimes_customer_lifetime_value() {
        let fx = fixture(include_str!(
            "../../../tests/fixtures/customer/gamma_gamma.json"
        ));
        let cd = &fx["cdnow"];
        let (x, tx, age, m) = (
            f64s(&cd["frequency"]),
            f64s(&cd["recency"]),
            f64s(&cd["T"]),
            f64s(&cd["monetary_value"]),
        );
        check(cd, &x, &tx, &age, &m, "cdnow (weeks)");
        let tr = fixture(include_str!(
            "../../../tests/fixtures/customer/transactions.json"
        ));
        let s = &tr["summary"];
        let (x, tx, age, m) = (
            f64s(&s["frequency"]),
            f64s(&s["recency"]),
            f64s(&s["T"]),
            f64s(&s["monetary_value"]),
        );
        check(&fx["generated"], &x, &tx, &age, &m, "generated (days)");
    }

    #[test]
    fn options_are_validated() {
        let bg = BgNbdParams::new(0.24, 4.4, 0.79, 2.4).unwrap();
        let mut o = ClvOptions {
            discount_rate: 1.5,
            ..Default::default()
        };
        let e = clv_with_spend(&bg, 1.0, 1.0, 2.0, 10.0, &o).unwrap_err();
        assert_eq!(e.to_string(), "discount rate must be in [0, 1), got 1.5");
        o.discount_rate = 0.01;
        o.months = 0;
        let e = clv_with_spend(&bg, 1.0, 1.0, 2.0, 10.0, &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "horizon must be between 1 and 1200 months, got 0"
        );
        o.months = 12;
        o.margin = 2.0;
        assert_eq!(
            clv_with_spend(&bg, 1.0, 1.0, 2.0, 10.0, &o)
                .unwrap_err()
                .to_string(),
            "margin must be in [0, 1], got 2"
        );
        o.margin = 0.3;
        let full = clv_with_spend(&bg, 1.0, 1.0, 2.0, 10.0, &ClvOptions::default()).unwrap();
        let part = clv_with_spend(&bg, 1.0, 1.0, 2.0, 10.0, &o).unwrap();
        assert_close(part, 0.3 * full, 1e-14, "margin");
        assert!(clv_with_spend(&bg, 1.0, 1.0, 2.0, -1.0, &o).is_err());
        assert!(
            TimeUnit::parse("fortnight")
                .unwrap_err()
                .to_string()
                .contains("got 'fortnight'")
        );
    }
}
