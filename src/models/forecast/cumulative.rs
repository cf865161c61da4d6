//! The spread of **cumulative** demand — the total over the first `k` periods of a forecast —
//! from the model's own h-step in-sample errors (the same errors as `hstep.rs`).
//!
//! # Why
//!
//! A safety stock protects the total demand over lead time + review period. Summing per-day
//! variances (σ² = Σσᵢ²) assumes the daily errors are independent; a forecast's errors are not:
//! when the level is off it is off for every day of the interval (a promotion, a trend, a level
//! the model has not caught up with), so the total's error grows nearly linearly with the days,
//! not with their square root. On the demo data the independent rule covered 72–86 % of the
//! (L + R)-day totals where 90–98 % was planned (docs/inventory.md, "Policy simulation").
//!
//! # How
//!
//! For every in-sample origin `j` (whole seasons back, as `hstep.rs`) the cumulative error through
//! step `k` is `C_jk = Σ_{i≤k} e_ji` and the cumulative forecast `F_jk = Σ_{i≤k} ŷ_ji`. A missing
//! actual (a censored day) inside the window is left out and the sum scaled by `sqrt((k+1)/n)`
//! (`n` = finite errors so far, at least half of the steps); steps past the last finite error of
//! an origin (the history's end) are not used. Each `C_jk` is divided by
//! `sqrt(max(F_jk, floor·(k+1)))` — count-like spread grows with the level, as in `hstep.rs` —
//! then per step `s_k` = root mean square over origins (a step with fewer than
//! [`MIN_ORIGINS`] origins extrapolates the previous scale by `sqrt((k+1)/k)`), and the
//! standardised `C_jk / s_k` pooled over every step give one quantile table `Q` (a bias the model
//! carried in sample shows as an off-centre table). The quantile of the total over `t` periods
//! (fractional `t` interpolates) is then `M_t + Q(p)·s_t·sqrt(max(M_t, floor·t))`, `M_t` the
//! forecast total.
//!
//! In-sample errors of a model fitted to the same data are optimistic, so callers use this as a
//! second opinion next to the independent-errors rule and keep the larger safety stock.

use super::util::quantile_sorted;

/// Fewest origins a step needs for its own scale.
pub(crate) const MIN_ORIGINS: usize = 8;
/// Fewest standardised cumulative errors in the table.
const MIN_TABLE: usize = 30;

/// The cumulative-demand spread of one forecast (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Cumulative {
    /// `s_k`: scale of the standardised cumulative error through step `k` (0-based).
    pub scale: Vec<f64>,
    /// `Q` at p = 0, 0.01, …, 1 (101 values).
    pub table: Vec<f64>,
    /// Per-period level floor of the standardisation.
    pub floor: f64,
}

impl Cumulative {
    /// From `errors[j·h + k]` (error of origin `j` at step `k`, NaN = unknown) and the
    /// forecasts they belong to, with the per-period level floor of `hstep.rs`. `None` with too
    /// few errors or no spread.
    pub(crate) fn from_errors(errors: &[f64], fcs: &[f64], h: usize, floor: f64) -> Option<Self> {
        if h == 0 || errors.len() % h != 0 || fcs.len() != errors.len() {
            return None;
        }
        let rows = errors.len() / h;
        // standardised cumulative errors, NaN where unusable
        let mut std_err = vec![f64::NAN; errors.len()];
        for j in 0..rows {
            let e = &errors[j * h..(j + 1) * h];
            let f = &fcs[j * h..(j + 1) * h];
            let Some(last) = e.iter().rposition(|v| v.is_finite()) else {
                continue;
            };
            let (mut ce, mut cf, mut n) = (0.0, 0.0, 0usize);
            for k in 0..=last {
                if e[k].is_finite() && f[k].is_finite() {
                    ce += e[k];
                    cf += f[k];
                    n += 1;
                }
                let steps = (k + 1) as f64;
                if n == 0 || 2 * n < k + 1 {
                    continue;
                }
                let c = ce * (steps / n as f64).sqrt();
                let level = (cf * steps / n as f64).abs().max(floor * steps);
                std_err[j * h + k] = c / level.sqrt();
            }
        }
        let mut scale = vec![0.0; h];
        for k in 0..h {
            let (mut ss, mut cnt) = (0.0, 0usize);
            for j in 0..rows {
                let v = std_err[j * h + k];
                if v.is_finite() {
                    ss += v * v;
                    cnt += 1;
                }
            }
            scale[k] = if cnt >= MIN_ORIGINS {
                (ss / cnt as f64).sqrt()
            } else if k > 0 {
                scale[k - 1] * ((k + 1) as f64 / k as f64).sqrt()
            } else {
                return None;
            };
        }
        let mut z = Vec::with_capacity(errors.len());
        for j in 0..rows {
            for k in 0..h {
                let v = std_err[j * h + k];
                if v.is_finite() && scale[k] > 0.0 {
                    z.push(v / scale[k]);
                }
            }
        }
        if z.len() < MIN_TABLE || scale.iter().all(|s| *s <= 0.0) {
            return None;
        }
        z.sort_unstable_by(|a, b| a.total_cmp(b));
        let table = (0..=100)
            .map(|p| quantile_sorted(&z, p as f64 / 100.0))
            .collect();
        Some(Cumulative {
            scale,
            table,
            floor,
        })
    }

    /// The `p` quantile (0 < p < 1) of total demand over the first `periods` periods
    /// (fractional: the last one counted in part; at most the horizon) given the forecast
    /// `mean`; never below the forecast total. `None` for `periods` outside (0, horizon] or a
    /// `p` outside (0, 1).
    pub fn quantile(&self, mean: &[f64], periods: f64, p: f64) -> Option<f64> {
        let h = self.scale.len().min(mean.len());
        if !(periods > 0.0 && periods <= h as f64 + 1e-9) || !(p > 0.0 && p < 1.0) {
            return None;
        }
        let whole = periods.floor() as usize;
        let part = periods - whole as f64;
        let mut total: f64 = mean[..whole.min(h)].iter().sum();
        if whole < h {
            total += part * mean[whole];
        }
        // scale at `periods`: linear between the steps around it (step k covers k+1 periods)
        let s = if whole == 0 {
            self.scale[0]
        } else if whole >= h || part == 0.0 {
            self.scale[whole.min(h) - 1]
        } else {
            self.scale[whole - 1] + part * (self.scale[whole] - self.scale[whole - 1])
        };
        let pos = p * 100.0;
        let lo = pos.floor() as usize;
        let q =
            self.table[lo] + (self.table[(lo + 1).min(100)] - self.table[lo]) * (pos - lo as f64);
        let level = total.abs().max(self.floor * periods).sqrt();
        Some((total + q * s * level).max(total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Errors that share one offset per origin (a level the model misses for the whole window)
    /// add up linearly: the total over k periods spreads k times one period's error, not √k.
    #[test]
    fn a_shared_error_grows_linearly_with_the_periods() {
        let h = 9;
        let (mut errors, mut fcs) = (Vec::new(), Vec::new());
        for j in 0..60 {
            let offset = if j % 2 == 0 { 2.0 } else { -2.0 };
            for _ in 0..h {
                errors.push(offset);
                fcs.push(10.0);
            }
        }
        let c = Cumulative::from_errors(&errors, &fcs, h, 1.0).unwrap();
        let mean = vec![10.0; h];
        let q1 = c.quantile(&mean, 1.0, 0.9).unwrap() - 10.0;
        let q9 = c.quantile(&mean, 9.0, 0.9).unwrap() - 90.0;
        assert!((q1 - 2.0).abs() < 1e-9, "{q1}");
        assert!((q9 - 18.0).abs() < 1e-9, "{q9}");
        // fractional periods interpolate
        let q = c.quantile(&mean, 4.5, 0.9).unwrap();
        assert!(
            q > c.quantile(&mean, 4.0, 0.9).unwrap() && q < c.quantile(&mean, 5.0, 0.9).unwrap()
        );
        assert_eq!(c.quantile(&mean, 10.0, 0.9), None);
        assert_eq!(c.quantile(&mean, 3.0, 1.0), None);
    }

    /// Independent ±1 errors: the total over 9 periods spreads about 3 (= √9).
    #[test]
    fn independent_errors_grow_with_the_square_root() {
        let h = 9;
        let mut state = 7u64;
        let (mut errors, mut fcs) = (Vec::new(), Vec::new());
        for _ in 0..(444 * h) {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            errors.push(if state >> 63 == 1 { 1.0 } else { -1.0 });
            fcs.push(4.0);
        }
        let c = Cumulative::from_errors(&errors, &fcs, h, 1.0).unwrap();
        let mean = vec![4.0; h];
        let spread = |k: f64| c.quantile(&mean, k, 0.9).unwrap() - 4.0 * k;
        let ratio = spread(9.0) / spread(1.0);
        assert!((ratio - 3.0).abs() < 0.3, "{ratio}");
    }

    /// A censored day inside the window is left out; the end of the history is not imputed;
    /// too few errors give None.
    #[test]
    fn missing_errors_and_short_input() {
        let h = 3;
        let mut errors = Vec::new();
        for j in 0..40 {
            let e = if j % 2 == 0 { 1.0 } else { -1.0 };
            errors.extend_from_slice(&[e, f64::NAN, e]);
        }
        // the last origin reaches step 0 only
        errors.extend_from_slice(&[5.0, f64::NAN, f64::NAN]);
        let fcs = vec![1.0; errors.len()];
        let c = Cumulative::from_errors(&errors, &fcs, h, 1.0).unwrap();
        // step 1 has 1 of 2 errors (scaled by √2), step 2 2 of 3 (scaled by √1.5)
        assert!(c.scale.iter().all(|s| s.is_finite() && *s > 0.0), "{c:?}");
        assert!(Cumulative::from_errors(&errors[..12], &fcs[..12], h, 1.0).is_none());
        assert!(Cumulative::from_errors(&[], &[], h, 1.0).is_none());
    }
}
