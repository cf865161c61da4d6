//! Initial states for the ETS optimiser, computed as statsforecast's `initstate` does (itself
//! forecast-R's heuristic), so the Nelder–Mead search starts where statsforecast's starts:
//!
//! - seasonal models with at least three seasons of data: classical decomposition
//!   (centred moving average, per-position means of the detrended series, normalised to sum 0
//!   or average 1 — statsmodels' `seasonal_decompose`);
//! - seasonal models with fewer: a regression on intercept, trend and one Fourier pair;
//! - the level (and growth) from the first `max(10, 2m)` seasonally adjusted values — their
//!   mean, or a straight-line fit with a trend.
//!
//! The input must be complete (the caller interpolates missing values for this step only).

use super::super::error::ForecastError;
use super::super::linalg::lstsq;
use super::Component;

/// Classical decomposition's seasonal component (length `y.len()`), additive or multiplicative.
/// Needs `y.len() >= 2m`; multiplicative needs positive data.
pub(crate) fn seasonal_decompose(y: &[f64], m: usize, multiplicative: bool) -> Vec<f64> {
    let n = y.len();
    // centred moving average: m terms for odd m, 2×m for even m
    let filt: Vec<f64> = if m.is_multiple_of(2) {
        let mut f = vec![1.0 / m as f64; m + 1];
        f[0] = 0.5 / m as f64;
        f[m] = 0.5 / m as f64;
        f
    } else {
        vec![1.0 / m as f64; m]
    };
    let len = filt.len();
    let head = len.div_ceil(2) - 1;
    let mut trend = vec![f64::NAN; n];
    if n >= len {
        for (i, slot) in trend.iter_mut().enumerate().skip(head).take(n + 1 - len) {
            let start = i - head;
            let mut s = 0.0;
            for (k, w) in filt.iter().enumerate() {
                s += y[start + k] * w;
            }
            *slot = s;
        }
    }
    let mut avg = vec![0.0; m];
    for (j, a) in avg.iter_mut().enumerate() {
        let (mut s, mut c) = (0.0, 0usize);
        let mut t = j;
        while t < n {
            let d = if multiplicative {
                y[t] / trend[t]
            } else {
                y[t] - trend[t]
            };
            if !d.is_nan() {
                s += d;
                c += 1;
            }
            t += m;
        }
        *a = if c > 0 { s / c as f64 } else { f64::NAN };
    }
    let mean = avg.iter().sum::<f64>() / m as f64;
    for a in avg.iter_mut() {
        if multiplicative {
            *a /= mean;
        } else {
            *a -= mean;
        }
    }
    (0..n).map(|t| avg[t % m]).collect()
}

/// Initial state `[l0, (b0), s_0..s_{m-2}]` (the last seasonal state is implied by the
/// normalisation and appended by the caller), statsforecast `initstate`.
pub(crate) fn initial_state(
    y: &[f64],
    m: usize,
    trend: Component,
    season: Component,
) -> Result<Vec<f64>, ForecastError> {
    let n = y.len();
    let (init_seas, y_sa, m_eff): (Vec<f64>, Vec<f64>, usize) = if season != Component::None {
        if n < 4 {
            return Err(ForecastError::TooShort {
                method: "seasonal ETS".into(),
                needed: 4,
                got: n,
            });
        }
        let mult = season == Component::Multiplicative;
        if mult && !y.iter().all(|v| *v > 0.0) {
            return Err(ForecastError::Unsupported {
                method: "ETS".into(),
                reason: "multiplicative seasonality needs strictly positive data".into(),
            });
        }
        let seasonal: Vec<f64> = if n < 3 * m {
            // intercept + trend + one Fourier pair
            let mut x = Vec::with_capacity(4 * n);
            x.extend(std::iter::repeat_n(1.0, n));
            x.extend((1..=n).map(|t| t as f64));
            let p = 1.0 / m as f64;
            let two_pi = 2.0 * std::f64::consts::PI;
            x.extend((1..=n).map(|t| (two_pi * p * t as f64).cos()));
            let cols = if (2.0 * p - (2.0 * p).round()).abs() > f64::EPSILON {
                x.extend((1..=n).map(|t| (two_pi * p * t as f64).sin()));
                4
            } else {
                3 // m = 2: the sine column is identically zero
            };
            let coef = lstsq(&x, n, cols, y).ok_or_else(|| ForecastError::Numerical {
                what: "singular regression for the ETS initial seasonal states".into(),
            })?;
            (0..n)
                .map(|t| {
                    let tr = coef[0] + coef[1] * (t + 1) as f64;
                    if mult { y[t] / tr } else { y[t] - tr }
                })
                .collect()
        } else {
            seasonal_decompose(y, m, mult)
        };
        let mut init: Vec<f64> = seasonal[1..m].iter().rev().copied().collect();
        let y_sa: Vec<f64> = if mult {
            for v in init.iter_mut() {
                *v = v.max(1e-2);
            }
            let sum: f64 = init.iter().sum();
            if sum > m as f64 {
                let d: f64 = init.iter().map(|v| v + 1e-2).sum();
                for v in init.iter_mut() {
                    *v /= d;
                }
            }
            y.iter()
                .zip(&seasonal)
                .map(|(a, s)| a / s.max(1e-2))
                .collect()
        } else {
            y.iter().zip(&seasonal).map(|(a, s)| a - s).collect()
        };
        (init, y_sa, m)
    } else {
        (Vec::new(), y.to_vec(), 1)
    };
    let maxn = (10usize.max(2 * m_eff)).min(y_sa.len());
    let mut out = Vec::with_capacity(2 + init_seas.len());
    if trend == Component::None {
        let l0 = y_sa[..maxn].iter().sum::<f64>() / maxn as f64;
        out.push(l0);
    } else {
        // straight line through (1..=maxn, y_sa)
        let mut x = Vec::with_capacity(2 * maxn);
        x.extend(std::iter::repeat_n(1.0, maxn));
        x.extend((1..=maxn).map(|t| t as f64));
        let coef = lstsq(&x, maxn, 2, &y_sa[..maxn]).ok_or_else(|| ForecastError::TooShort {
            method: "ETS with trend".into(),
            needed: 2,
            got: maxn,
        })?;
        let (mut l0, mut b0) = (coef[0], coef[1]);
        if (l0 + b0).abs() < 1e-8 {
            l0 *= 1.0 + 1e-3;
            b0 *= 1.0 - 1e-3;
        }
        out.push(l0);
        out.push(b0);
    }
    out.extend(init_seas);
    Ok(out)
}
