//! Baseline forecasts: naive, seasonal naive, historic mean, window average and drift.
//!
//! Point forecasts and normal intervals follow statsforecast 2.1.1 (`Naive`, `SeasonalNaive`,
//! `HistoricAverage`, `WindowAverage`, `RandomWalkWithDrift`) exactly on complete histories;
//! the fixture tests hold them to 1e-9 relative. The residual standard deviation is
//! `σ = sqrt(Σe² / k)` over the `k` one-step (or one-season) residuals, as statsforecast's
//! `_calculate_sigma` computes it.
//!
//! Missing values (NaN, e.g. stock-out days): every baseline works on the observed values only:
//! the naive forecast is the last *observed* value, the seasonal naive forecast per position is
//! the last observed value at that seasonal position, means skip NaN, and residual pairs with a
//! missing member are skipped (σ divides by the number of complete pairs). Callers have already
//! removed leading NaN and rejected all-missing input (see [`super::forecast`]).

use super::error::ForecastError;
use super::types::{FitInfo, Forecast};
use super::util::count_observed;

fn fit_info(y: &[f64], params: Vec<(String, f64)>, sigma: f64) -> FitInfo {
    let n_obs = count_observed(y);
    FitInfo {
        params,
        sigma2: Some(sigma * sigma),
        n_obs,
        n_missing: y.len() - n_obs,
        ..FitInfo::default()
    }
}

fn last_observed(y: &[f64]) -> Option<(usize, f64)> {
    y.iter()
        .enumerate()
        .rev()
        .find(|(_, v)| !v.is_nan())
        .map(|(i, v)| (i, *v))
}

fn first_observed(y: &[f64]) -> Option<(usize, f64)> {
    y.iter()
        .enumerate()
        .find(|(_, v)| !v.is_nan())
        .map(|(i, v)| (i, *v))
}

fn too_short(method: &str, needed: usize, got: usize) -> ForecastError {
    ForecastError::TooShort {
        method: method.to_string(),
        needed,
        got,
    }
}

/// Naive: every step forecasts the last observed value.
///
/// Intervals: `σ·sqrt(k)` at step `k`, σ from the one-step differences of consecutive observed
/// values. One observation gives σ = 0 (zero-width intervals, noted in `fit.notes`), as in
/// statsforecast. Needs at least one observed value.
pub fn naive(y: &[f64], h: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
    let (_, last) = last_observed(y).ok_or(ForecastError::AllMissing { len: y.len() })?;
    let (mut ss, mut k) = (0.0, 0usize);
    for w in y.windows(2) {
        let d = w[1] - w[0];
        if !d.is_nan() {
            ss += d * d;
            k += 1;
        }
    }
    let sigma = if k > 0 { (ss / k as f64).sqrt() } else { 0.0 };
    let mean = vec![last; h];
    let sigma_h = (1..=h).map(|s| sigma * (s as f64).sqrt()).collect();
    let mut fit = fit_info(y, vec![], sigma);
    if k == 0 {
        fit.notes
            .push("no one-step residual available: zero-width intervals".into());
    }
    Ok(Forecast::normal("Naive".into(), mean, sigma_h, levels, fit))
}

/// Seasonal naive: step `k` forecasts the last observed value at the same seasonal position
/// (`m` steps per season).
///
/// Needs at least `m` values (statsforecast fills the unseen positions with NaN; we refuse with
/// [`ForecastError::TooShort`] so the caller can fall back). A position whose every value is
/// missing takes the last observed value of the series.
///
/// Intervals: `σ·sqrt(⌊(k-1)/m⌋ + 1)` at step `k`, σ from the residuals `y_t − y_{t−m}`.
pub fn seasonal_naive(
    y: &[f64],
    h: usize,
    m: usize,
    levels: &[f64],
) -> Result<Forecast, ForecastError> {
    let name = format!("SeasonalNaive({m})");
    let n = y.len();
    if m == 0 {
        return Err(ForecastError::OutOfRange {
            name: "season_length",
            range: "at least 1",
            value: 0.0,
        });
    }
    if n < m {
        return Err(too_short(&name, m, n));
    }
    let (_, last) = last_observed(y).ok_or(ForecastError::AllMissing { len: n })?;
    // season_vals[j] forecasts steps k with (k-1) % m == j: the value at position n-m+j, or the
    // latest observed one at the same position further back.
    let season_vals: Vec<f64> = (0..m)
        .map(|j| {
            let mut t = n - m + j;
            loop {
                if !y[t].is_nan() {
                    return y[t];
                }
                if t < m {
                    return last;
                }
                t -= m;
            }
        })
        .collect();
    let (mut ss, mut k) = (0.0, 0usize);
    for t in m..n {
        let d = y[t] - y[t - m];
        if !d.is_nan() {
            ss += d * d;
            k += 1;
        }
    }
    let sigma = if k > 0 { (ss / k as f64).sqrt() } else { 0.0 };
    let mean = (0..h).map(|i| season_vals[i % m]).collect();
    let sigma_h = (0..h)
        .map(|i| sigma * (((i / m) + 1) as f64).sqrt())
        .collect();
    let mut fit = fit_info(y, vec![("season_length".into(), m as f64)], sigma);
    if k == 0 {
        fit.notes
            .push("no seasonal residual available: zero-width intervals".into());
    }
    Ok(Forecast::normal(name, mean, sigma_h, levels, fit))
}

/// Historic mean: every step forecasts the mean of the observed values.
///
/// Intervals: `σ·sqrt(1 + 1/n)`, σ the sample standard deviation (divisor `n − 1`).
/// One observation gives σ = 0.
pub fn mean(y: &[f64], h: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
    let n = count_observed(y);
    if n == 0 {
        return Err(ForecastError::AllMissing { len: y.len() });
    }
    let mu = super::util::nan_mean(y);
    let ss: f64 = y
        .iter()
        .filter(|v| !v.is_nan())
        .map(|v| (v - mu) * (v - mu))
        .sum();
    let sigma = if n > 1 {
        (ss / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let sh = sigma * (1.0 + 1.0 / n as f64).sqrt();
    let fit = fit_info(y, vec![], sigma);
    Ok(Forecast::normal(
        "HistoricAverage".into(),
        vec![mu; h],
        vec![sh; h],
        levels,
        fit,
    ))
}

/// Window average: every step forecasts the mean of the observed values among the last
/// `window` positions.
///
/// Needs at least `window` values and one observed value in the window. statsforecast offers
/// only conformal intervals for this model; we use normal intervals with a constant σ from the
/// in-sample one-step errors of the rolling window average (`y_t − mean(y_{t−w..t})`).
pub fn window_average(
    y: &[f64],
    h: usize,
    window: usize,
    levels: &[f64],
) -> Result<Forecast, ForecastError> {
    let name = format!("WindowAverage({window})");
    if window == 0 {
        return Err(ForecastError::OutOfRange {
            name: "window",
            range: "at least 1",
            value: 0.0,
        });
    }
    let n = y.len();
    if n < window {
        return Err(too_short(&name, window, n));
    }
    let tail = &y[n - window..];
    let mu = super::util::nan_mean(tail);
    if mu.is_nan() {
        return Err(ForecastError::Unsupported {
            method: name,
            reason: format!("all of the last {window} values are missing"),
        });
    }
    let (mut ss, mut k) = (0.0, 0usize);
    for t in window..n {
        let f = super::util::nan_mean(&y[t - window..t]);
        let e = y[t] - f;
        if !e.is_nan() {
            ss += e * e;
            k += 1;
        }
    }
    let sigma = if k > 0 { (ss / k as f64).sqrt() } else { 0.0 };
    let mut fit = fit_info(y, vec![("window".into(), window as f64)], sigma);
    if k == 0 {
        fit.notes
            .push("no one-step residual available: zero-width intervals".into());
    }
    Ok(Forecast::normal(
        name,
        vec![mu; h],
        vec![sigma; h],
        levels,
        fit,
    ))
}

/// Random walk with drift: the last observed value plus `k` times the average change between
/// the first and last observed values.
///
/// Needs two observed values. Intervals: `σ·sqrt(k·(1 + k/T))`, `T` the number of steps between
/// the first and last observation (`n − 1` without gaps), σ from the one-step residuals
/// `y_t − y_{t−1} − slope`.
pub fn drift(y: &[f64], h: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
    let (i0, y0) = first_observed(y).ok_or(ForecastError::AllMissing { len: y.len() })?;
    let (i1, y1) = last_observed(y).ok_or(ForecastError::AllMissing { len: y.len() })?;
    if i1 == i0 {
        return Err(too_short("RandomWalkWithDrift", 2, count_observed(y)));
    }
    let span = (i1 - i0) as f64;
    let slope = (y1 - y0) / span;
    let (mut ss, mut k) = (0.0, 0usize);
    for w in y.windows(2) {
        let e = w[1] - (w[0] + slope);
        if !e.is_nan() {
            ss += e * e;
            k += 1;
        }
    }
    let sigma = if k > 0 { (ss / k as f64).sqrt() } else { 0.0 };
    // Steps run from the end of the array: a trailing gap still extrapolates from the last value.
    let lead = (y.len() - 1 - i1) as f64;
    let mean = (1..=h).map(|s| y1 + slope * (lead + s as f64)).collect();
    let sigma_h = (1..=h)
        .map(|s| {
            let s = s as f64;
            sigma * (s * (1.0 + s / span)).sqrt()
        })
        .collect();
    let fit = fit_info(y, vec![("slope".into(), slope)], sigma);
    Ok(Forecast::normal("RWD".into(), mean, sigma_h, levels, fit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_simple() {
        let f = naive(&[1.0, 2.0, 4.0], 3, &[80.0]).unwrap();
        assert_eq!(f.mean, vec![4.0; 3]);
        // residuals 1, 2 -> sigma = sqrt(5/2)
        let s = (2.5f64).sqrt();
        assert!((f.sigma_h.as_ref().unwrap()[1] - s * 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn naive_skips_missing() {
        let f = naive(&[1.0, 2.0, f64::NAN], 2, &[]).unwrap();
        assert_eq!(f.mean, vec![2.0; 2]);
        assert_eq!(f.fit.n_missing, 1);
    }

    #[test]
    fn seasonal_naive_positions() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let f = seasonal_naive(&y, 5, 3, &[]).unwrap();
        assert_eq!(f.mean, vec![4.0, 5.0, 6.0, 4.0, 5.0]);
        let y = [1.0, 2.0, 3.0, 4.0, f64::NAN, 6.0];
        let f = seasonal_naive(&y, 3, 3, &[]).unwrap();
        assert_eq!(f.mean, vec![4.0, 2.0, 6.0]);
        assert!(matches!(
            seasonal_naive(&[1.0], 3, 7, &[]),
            Err(ForecastError::TooShort { .. })
        ));
    }

    #[test]
    fn drift_line() {
        let f = drift(&[1.0, 2.0, 3.0], 2, &[95.0]).unwrap();
        assert_eq!(f.mean, vec![4.0, 5.0]);
        assert!(f.sigma_h.unwrap().iter().all(|s| *s == 0.0));
        let f = drift(&[1.0, f64::NAN, 3.0, f64::NAN], 2, &[]).unwrap();
        assert_eq!(f.mean, vec![5.0, 6.0]);
    }
}

/// Reference check against statsforecast 2.1.1 (`tests/fixtures/forecast/baselines.json`).
/// Tolerance: 1e-9 relative (floor 1e-9) on point forecasts and 80/95 bounds — the formulas
/// are identical, so only floating-point rounding differs.
#[cfg(test)]
mod reference {
    use super::super::fixtures::{self, nums, rel};
    use super::*;

    const TOL: f64 = 1e-9;

    fn check(id: &str, name: &str, got: &Forecast, want: &serde_json::Value) {
        let mean = nums(&want["mean"]);
        for (k, (a, b)) in got.mean.iter().zip(&mean).enumerate() {
            assert!(rel(*a, *b, 1e-9) < TOL, "{id} {name} mean[{k}] {a} vs {b}");
        }
        for (i, lv) in [80.0, 95.0].iter().enumerate() {
            let key = format!("{}", *lv as i64);
            let lo = nums(&want[format!("lo-{key}")]);
            let hi = nums(&want[format!("hi-{key}")]);
            if lo.is_empty() {
                continue;
            }
            for k in 0..got.mean.len() {
                assert!(
                    rel(got.lower[i][k], lo[k], 1e-9) < TOL,
                    "{id} {name} lo{key}[{k}] {} vs {}",
                    got.lower[i][k],
                    lo[k]
                );
                assert!(
                    rel(got.upper[i][k], hi[k], 1e-9) < TOL,
                    "{id} {name} hi{key}[{k}]"
                );
            }
        }
    }

    #[test]
    fn baselines_match_statsforecast() {
        let fx = fixtures::parse(fixtures::BASELINES);
        let levels = [80.0, 95.0];
        let mut checked = 0;
        for s in fixtures::series() {
            let r = &fx[s.id.as_str()];
            let h = 14;
            let cases: Vec<(&str, Result<Forecast, ForecastError>)> = vec![
                ("naive", naive(&s.y, h, &levels)),
                ("seasonal_naive", seasonal_naive(&s.y, h, s.m, &levels)),
                ("mean", mean(&s.y, h, &levels)),
                ("drift", drift(&s.y, h, &levels)),
                ("window_average_7", window_average(&s.y, h, 7, &levels)),
            ];
            for (name, got) in cases {
                let want = &r[name];
                if want.get("error").is_some() || nums(&want["mean"]).iter().any(|v| v.is_nan()) {
                    // statsforecast fails or returns NaN (too short): we must refuse, not guess
                    assert!(got.is_err(), "{} {name}: expected an error", s.id);
                    continue;
                }
                let got = got.unwrap_or_else(|e| panic!("{} {name}: {e}", s.id));
                check(&s.id, name, &got, want);
                checked += 1;
            }
        }
        assert!(checked > 150, "only {checked} cases checked");
    }
}
