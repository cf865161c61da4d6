//! The Theta family (Fiorucci et al. 2016) as statsforecast 2.1.1 implements it: standard (STM),
//! optimised (OTM), dynamic standard (DSTM), dynamic optimised (DOTM) and AutoTheta (the one
//! with the lowest in-sample criterion).
//!
//! - **Seasonality**: when `m ≥ 4`, `n ≥ 2m` and the lag-`m` autocorrelation is significant
//!   (90 % one-sided, Bartlett standard error), the series is deseasonalised by classical
//!   multiplicative decomposition (additive if the data are not positive or a seasonal index
//!   falls below 0.01), and the last season's indices are re-applied to the forecasts.
//! - **Fit**: the initial smoothed level, α ∈ [0.1, 0.99] and (OTM/DOTM) θ ≥ 1 by the same
//!   bounded Nelder–Mead as ETS, minimising `Σ_{t≥3} e_t² / mean|y|`.
//! - **Point forecasts** match statsforecast within 1e-6 relative on the fixtures (tests below).
//! - **Intervals**: statsforecast simulates 200 paths with numpy's RNG; we use the analytic
//!   variance of the equivalent SES-with-drift model (Hyndman & Billah 2003),
//!   `σ²·(1 + α²(h−1))`, with σ the sample standard deviation of the residuals after the first
//!   three (statsforecast's burn-in). Seasonal factors scale the bounds as they scale the mean.
//! - **Missing values** are linearly interpolated before fitting (Theta has no state-space
//!   likelihood to skip them in); **negative values** are fine (additive decomposition).
//!   Needs at least 4 values.

use super::error::ForecastError;
use super::ets::init::seasonal_decompose;
use super::optim::NelderMead;
use super::types::{FitInfo, Forecast};
use super::util::{count_observed, interpolate_missing};

/// Which Theta model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThetaModel {
    /// Standard Theta (θ = 2).
    Standard,
    /// Optimised θ.
    Optimized,
    /// Dynamic standard: the trend line is re-estimated as data arrive.
    Dynamic,
    /// Dynamic with optimised θ.
    DynamicOptimized,
}

impl ThetaModel {
    /// statsforecast's class name.
    pub fn name(self) -> &'static str {
        match self {
            ThetaModel::Standard => "Theta",
            ThetaModel::Optimized => "OptimizedTheta",
            ThetaModel::Dynamic => "DynamicTheta",
            ThetaModel::DynamicOptimized => "DynamicOptimizedTheta",
        }
    }
    fn dynamic(self) -> bool {
        matches!(self, ThetaModel::Dynamic | ThetaModel::DynamicOptimized)
    }
    fn optimize_theta(self) -> bool {
        matches!(self, ThetaModel::Optimized | ThetaModel::DynamicOptimized)
    }
}

/// A fitted Theta model (on the deseasonalised series when `seasonal` is set).
#[derive(Debug, Clone, PartialEq)]
pub struct ThetaFit {
    pub model: ThetaModel,
    pub initial_smoothed: f64,
    pub alpha: f64,
    pub theta: f64,
    /// The in-sample criterion `Σ_{t≥3} e² / mean|y|`.
    pub mse: f64,
    /// Residuals on the fitted (deseasonalised) scale.
    pub residuals: Vec<f64>,
    /// Last state: level, mean of y, A_n, B_n, μ.
    last: [f64; 5],
    n: usize,
    /// Seasonal indices for the next `m` periods and whether they multiply.
    seasonal: Option<(Vec<f64>, bool)>,
}

const TOL: f64 = 1e-10;

fn init_state(y: &[f64], dynamic: bool, level0: f64, alpha: f64, theta: f64) -> [f64; 5] {
    let (an, bn, mu) = if dynamic {
        (y[0], 0.0, y[0])
    } else {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let weighted = y
            .iter()
            .enumerate()
            .map(|(i, v)| v * (i + 1) as f64)
            .sum::<f64>()
            / n;
        let bn = 6.0 * (2.0 * weighted - (n + 1.0) * mean) / (n * n - 1.0);
        let an = mean - (n + 1.0) * bn / 2.0;
        (an, bn, level0 + (1.0 - 1.0 / theta) * (an + bn))
    };
    [alpha * y[0] + (1.0 - alpha) * level0, y[0], an, bn, mu]
}

/// One transition from `prev` at time index `i`; `y = None` uses the forecast (μ) itself.
fn step(
    prev: &[f64; 5],
    i: usize,
    dynamic: bool,
    alpha: f64,
    theta: f64,
    y: Option<f64>,
) -> [f64; 5] {
    let [level, meany, an, bn, _] = *prev;
    let fi = i as f64;
    let mu = level
        + (1.0 - 1.0 / theta)
            * (an * (1.0 - alpha).powf(fi) + bn * (1.0 - (1.0 - alpha).powf(fi + 1.0)) / alpha);
    let y = y.unwrap_or(mu);
    let new_level = alpha * y + (1.0 - alpha) * level;
    let new_mean = (fi * meany + y) / (fi + 1.0);
    let (new_a, new_b) = if dynamic {
        let b = ((fi - 1.0) * bn + 6.0 * (y - meany) / (fi + 1.0)) / (fi + 2.0);
        (new_mean - b * (fi + 2.0) / 2.0, b)
    } else {
        (an, bn)
    };
    [new_level, new_mean, new_a, new_b, mu]
}

/// The filter: returns the criterion and the last state; fills `resid` if given.
fn calc(
    y: &[f64],
    dynamic: bool,
    level0: f64,
    alpha: f64,
    theta: f64,
    mut resid: Option<&mut [f64]>,
) -> (f64, [f64; 5]) {
    let mut state = init_state(y, dynamic, level0, alpha, theta);
    let mut sse = 0.0;
    let e0 = y[0] - state[4];
    if let Some(r) = resid.as_deref_mut() {
        r[0] = e0;
    }
    for (i, &yi) in y.iter().enumerate().skip(1) {
        let next = step(&state, i, dynamic, alpha, theta, Some(yi));
        let e = yi - next[4];
        if let Some(r) = resid.as_deref_mut() {
            r[i] = e;
        }
        if i >= 3 {
            sse += e * e;
        }
        state = next;
    }
    let mut mean_abs = y.iter().map(|v| v.abs()).sum::<f64>() / y.len() as f64;
    if mean_abs < TOL {
        mean_abs = TOL;
    }
    (sse / mean_abs, state)
}

fn fit_model(y: &[f64], model: ThetaModel, nm: &mut NelderMead) -> ThetaFit {
    let dynamic = model.dynamic();
    let opt_theta = model.optimize_theta();
    let mut x0 = vec![y[0] / 2.0, 0.5];
    let mut lower = vec![-1e10, 0.1];
    let mut upper = vec![1e10, 0.99];
    if opt_theta {
        x0.push(2.0);
        lower.push(1.0);
        upper.push(1e10);
    }
    let obj = |p: &[f64], _cutoff: f64| {
        let theta = if opt_theta { p[2] } else { 2.0 };
        let (v, _) = calc(y, dynamic, p[0], p[1], theta, None);
        let v = v.max(-1e10);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let r = nm.minimize(obj, &x0, &lower, &upper, 0.05, 1e-4, 1000, 1e-4);
    let (level0, alpha) = (r.x[0], r.x[1]);
    let theta = if opt_theta { r.x[2] } else { 2.0 };
    let mut residuals = vec![0.0; y.len()];
    let (mse, last) = calc(y, dynamic, level0, alpha, theta, Some(&mut residuals));
    ThetaFit {
        model,
        initial_smoothed: level0,
        alpha,
        theta,
        mse,
        residuals,
        last,
        n: y.len(),
        seasonal: None,
    }
}

/// statsmodels `acf(x, nlags, fft=False)[1..=nlags]` (biased autocovariance).
fn acf(y: &[f64], nlags: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum::<f64>() / n as f64;
    (1..=nlags)
        .map(|k| {
            let ck: f64 = (0..n - k).map(|t| d[t] * d[t + k]).sum::<f64>() / n as f64;
            ck / c0
        })
        .collect()
}

/// Fits `model` (or, with `None`, every Theta model and keeps the lowest criterion).
/// `m` is the season length used for the seasonality test (1 = none).
pub fn fit(y: &[f64], m: usize, model: Option<ThetaModel>) -> Result<ThetaFit, ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::Empty);
    }
    let filled = interpolate_missing(y).ok_or(ForecastError::AllMissing { len: y.len() })?;
    let name = model.map_or("AutoTheta", |m| m.name());
    if filled.len() <= 3 {
        return Err(ForecastError::TooShort {
            method: name.into(),
            needed: 4,
            got: count_observed(y),
        });
    }
    let mut series = filled;
    let n = series.len();
    let mut seasonal = None;
    if m >= 4 && n >= 2 * m {
        let r = acf(&series, m);
        let stat = ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / n as f64).sqrt();
        // Φ⁻¹(0.95); a NaN statistic (constant series) means "not seasonal"
        if (r[m - 1].abs() / stat) > 1.6448536269514722 {
            let positive = series.iter().all(|v| *v > 0.0);
            let mut mult = positive;
            let mut seas = seasonal_decompose(&series, m, mult);
            if mult && seas.iter().any(|v| *v < 0.01) {
                mult = false;
                seas = seasonal_decompose(&series, m, false);
            }
            for (v, s) in series.iter_mut().zip(&seas) {
                if mult {
                    *v /= s;
                } else {
                    *v -= s;
                }
            }
            seasonal = Some((seas[n - m..].to_vec(), mult));
        }
    }
    let models: Vec<ThetaModel> = match model {
        Some(mdl) => vec![mdl],
        None => vec![
            ThetaModel::Standard,
            ThetaModel::Optimized,
            ThetaModel::Dynamic,
            ThetaModel::DynamicOptimized,
        ],
    };
    let mut nm = NelderMead::default();
    let mut best: Option<ThetaFit> = None;
    for mdl in models {
        let f = fit_model(&series, mdl, &mut nm);
        if !f.mse.is_nan() && best.as_ref().is_none_or(|b| f.mse < b.mse) {
            best = Some(f);
        }
    }
    let mut best = best.ok_or_else(|| ForecastError::Numerical {
        what: format!("{name}: no Theta model could be fitted"),
    })?;
    best.seasonal = seasonal;
    Ok(best)
}

impl ThetaFit {
    /// Point forecasts for steps `1..=h` (seasonal indices re-applied).
    pub fn point_forecast(&self, h: usize) -> Vec<f64> {
        let dynamic = self.model.dynamic();
        let mut state = self.last;
        let mut out = Vec::with_capacity(h);
        for j in 0..h {
            state = step(&state, self.n + j, dynamic, self.alpha, self.theta, None);
            out.push(state[4]);
        }
        self.reseasonalise(&mut out);
        out
    }

    fn reseasonalise(&self, v: &mut [f64]) {
        if let Some((s, mult)) = &self.seasonal {
            for (i, x) in v.iter_mut().enumerate() {
                let f = s[i % s.len()];
                if *mult {
                    *x *= f;
                } else {
                    *x += f;
                }
            }
        }
    }

    /// Point forecasts and normal intervals (see the module docs).
    pub fn forecast(&self, h: usize, levels: &[f64]) -> Forecast {
        let dynamic = self.model.dynamic();
        let mut state = self.last;
        let mut mean = Vec::with_capacity(h);
        for j in 0..h {
            state = step(&state, self.n + j, dynamic, self.alpha, self.theta, None);
            mean.push(state[4]);
        }
        let tail: Vec<f64> = if self.residuals.len() > 4 {
            self.residuals[3..].to_vec()
        } else {
            self.residuals.clone()
        };
        let k = tail.len() as f64;
        let sigma = if tail.len() >= 2 {
            let mu = tail.iter().sum::<f64>() / k;
            (tail.iter().map(|e| (e - mu) * (e - mu)).sum::<f64>() / (k - 1.0)).sqrt()
        } else {
            0.0
        };
        let a2 = self.alpha * self.alpha;
        let mut sigma_h: Vec<f64> = (1..=h)
            .map(|s| sigma * (1.0 + a2 * (s as f64 - 1.0)).sqrt())
            .collect();
        // seasonal factors scale the spread with the level (multiplicative) or leave it
        if let Some((s, true)) = &self.seasonal {
            for (i, v) in sigma_h.iter_mut().enumerate() {
                *v *= s[i % s.len()];
            }
        }
        self.reseasonalise(&mut mean);
        let mut params = vec![
            ("initial_smoothed".to_string(), self.initial_smoothed),
            ("alpha".into(), self.alpha),
            ("theta".into(), self.theta),
        ];
        if let Some((s, mult)) = &self.seasonal {
            params.push(("seasonal_multiplicative".into(), *mult as u8 as f64));
            for (j, v) in s.iter().enumerate() {
                params.push((format!("season{j}"), *v));
            }
        }
        let fit = FitInfo {
            params,
            sigma2: Some(sigma * sigma),
            n_obs: self.n,
            ..FitInfo::default()
        };
        Forecast::normal(self.model.name().into(), mean, sigma_h, levels, fit)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, nums, rel};
    use super::*;

    /// Point forecasts against statsforecast 2.1.1 (`theta.json`, h = 14), all five variants on
    /// every fixture series: within 1e-6 relative (floor 1e-3) — same Nelder–Mead, same
    /// criterion — except at most 2 fits within 1e-3 (one at the time of writing: S000016
    /// OptimizedTheta, 1.6e-4, where the optimiser stops at a slightly different point);
    /// series where statsforecast refuses (too short) must be refused.
    #[test]
    fn theta_matches_statsforecast() {
        let fx = fixtures::parse(fixtures::THETA);
        let mut checked = 0;
        let mut worst = (0.0f64, String::new());
        let mut loose = 0;
        for s in fixtures::series() {
            let r = &fx[s.id.as_str()];
            let cases = [
                ("theta", Some(ThetaModel::Standard)),
                ("optimized_theta", Some(ThetaModel::Optimized)),
                ("dynamic_theta", Some(ThetaModel::Dynamic)),
                (
                    "dynamic_optimized_theta",
                    Some(ThetaModel::DynamicOptimized),
                ),
                ("auto_theta", None),
            ];
            for (name, model) in cases {
                let want = &r[name];
                let got = fit(&s.y, s.m, model);
                if want.get("error").is_some() {
                    assert!(got.is_err(), "{} {name}", s.id);
                    continue;
                }
                let got = got.unwrap().point_forecast(14);
                let w = nums(&want["mean"]);
                let fit_worst = got
                    .iter()
                    .zip(&w)
                    .map(|(a, b)| rel(*a, *b, 1e-3))
                    .fold(0.0, f64::max);
                assert!(fit_worst < 1e-3, "{} {name}: {fit_worst:e}", s.id);
                if fit_worst > 1e-6 {
                    loose += 1;
                    continue;
                }
                for (k, (a, b)) in got.iter().zip(&w).enumerate() {
                    let d = rel(*a, *b, 1e-3);
                    if d > worst.0 {
                        worst = (d, format!("{} {name} step {k}: {a} vs {b}", s.id));
                    }
                }
                checked += 1;
            }
        }
        eprintln!("theta: {checked} fits, {loose} beyond 1e-6, worst of the rest {worst:?}");
        assert!(loose <= 2, "{loose} fits beyond 1e-6");
    }
}
