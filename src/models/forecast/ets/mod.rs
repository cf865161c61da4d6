//! The ETS (error, trend, seasonal) state-space family and AutoETS.
//!
//! Models: error A/M × trend N/A/Ad × season N/A/M, fitted by maximum likelihood exactly as
//! statsforecast 2.1.1's `ets_f` does (forecast-R's `ets` lineage): starting values from
//! `init.rs`, bounded Nelder–Mead (`optim.rs`) on `n·ln(Σe²) (+2Σln|ŷ|)` over the smoothing
//! parameters *and* the initial states, smoothing bounds [1e-4, 0.9999], damping [0.8, 0.98].
//! AutoETS fits every admissible candidate in statsforecast's order and keeps the lowest AICc.
//! With [`FitControl::REFERENCE`] the fits reproduce statsforecast's (fixture tests); the
//! default [`FitControl::FAST`] stops the optimiser earlier (see there for why that is fine).
//!
//! Which candidates (forecast-R `restrict = TRUE`, no multiplicative trend): additive error
//! never pairs with a multiplicative season; multiplicative error or season need strictly
//! positive data; seasonal models need `m ≥ 2` and more than `m` values (and `m ≤ 52`: longer
//! seasons — yearly on daily data — are handled by Fourier deseasonalisation in
//! [`super::regression`], not by `m` seasonal states).
//!
//! Input handling, per call:
//! - **NaN** (missing/censored): skipped in the likelihood (see `core.rs`); the initial states are
//!   computed on a copy with NaN linearly interpolated; `n` in the information criteria counts
//!   observed values only. Forecasts after a trailing gap are propagated through it.
//! - **Negative values**: fine for additive-error models; they rule out multiplicative ones.
//! - **Short input**: AutoETS needs more than 6 observed values; a single model needs more
//!   parameters than statsforecast's `n > npars + 4` rule; a candidate with at least `n − 1`
//!   parameters is skipped. Too short → [`ForecastError::TooShort`].
//! - **Constant input**: ETS(A,N,N) with α = 0.9999 (statsforecast's rule); zero-width intervals.

pub(crate) mod core;
pub(crate) mod init;
pub(crate) mod intervals;
pub mod params;
mod spec;

use self::core::{Smoothing, forecast_from, likelihood};
pub use self::params::{Bounds, FixedParams};
use self::spec::SPEC_HELP;
pub use self::spec::{Component, EtsPattern, EtsSpec};
use super::error::ForecastError;
use super::optim::NelderMead;
use super::types::{FitInfo, Forecast, IntervalMethod};
use super::util::{interpolate_missing, is_constant};

/// How hard the optimiser works on each candidate model.
///
/// Nelder–Mead stops when the standard deviation of the simplex values (on the `n·ln(SSE)`
/// scale, where AICc differences below ~0.1 carry no information) falls below `tol`, or after
/// `max_iter` iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitControl {
    pub max_iter: usize,
    pub tol: f64,
}

impl FitControl {
    /// statsforecast 2.1.1's settings (1000 iterations, 1e-4): reproduces its fits bit for bit
    /// on most series (the fixture tests use this).
    pub const REFERENCE: FitControl = FitControl {
        max_iter: 1000,
        tol: 1e-4,
    };
    /// 75 iterations, tolerance 0.1 (AICc differences below that are noise): a budget of
    /// 1/13 of `REFERENCE`'s and still more accurate out of sample than statsforecast's fits (the
    /// last hundreds of iterations polish in-sample noise of the seasonal states). The default
    /// of the SQL functions. Measured with `bench/forecast` data (h = 28, MASE of the `auto`
    /// method; statsforecast AutoETS 0.946 on the first set):
    ///
    /// | iterations | 1,000 × 730 | 400 × 1,941 (M5-shaped) | CPU, 400 × 1,941 |
    /// | --- | --- | --- | --- |
    /// | 150 (the default until 2026-11-29) | 0.9122 | 0.9605 | 4.3 s |
    /// | 100 | 0.9136 | 0.9575 | 3.3 s |
    /// | 75 | 0.9168 | 0.9596 | 2.7 s |
    ///
    /// Seasonal candidates (10–12 parameters) use the whole budget either way, so AutoETS's
    /// choice among them changes on ~20 % of the series between 75 and 150 iterations without
    /// a change in accuracy: it is close to a tie there.
    pub const FAST: FitControl = FitControl {
        max_iter: 75,
        tol: 0.1,
    };
}

impl Default for FitControl {
    fn default() -> Self {
        FitControl::FAST
    }
}

/// Largest season length ETS models with seasonal states (longer ones: Fourier terms).
pub const MAX_SEASON: usize = 52;

/// A fitted ETS model.
#[derive(Debug, Clone, PartialEq)]
pub struct EtsModel {
    pub spec: EtsSpec,
    /// Season length used (1 for non-seasonal models).
    pub m: usize,
    pub alpha: f64,
    /// NaN without a trend.
    pub beta: f64,
    /// NaN without a season.
    pub gamma: f64,
    /// NaN without damping.
    pub phi: f64,
    /// Initial state `[l0, (b0), s_0..s_{m−1}]`, `s_0` the most recent seasonal state.
    pub init_state: Vec<f64>,
    /// Final state, same layout.
    pub last_state: Vec<f64>,
    /// `−0.5·lik`, forecast-R/statsforecast's scale (no constant terms).
    pub loglik: f64,
    pub aic: f64,
    pub aicc: f64,
    pub bic: f64,
    /// `Σe² / (n − k − 1)`, k = number of parameters incl. σ.
    pub sigma2: f64,
    /// Parameters counted in the information criteria (smoothing + free states + σ).
    pub n_params: usize,
    /// Observed values used.
    pub n_obs: usize,
    /// One-step residuals (relative for multiplicative error), NaN where `y` is missing.
    pub residuals: Vec<f64>,
}

impl EtsModel {
    fn phi_or_one(&self) -> f64 {
        if self.spec.damped { self.phi } else { 1.0 }
    }

    /// Point forecasts for steps `1..=h`.
    pub fn point_forecast(&self, h: usize) -> Vec<f64> {
        let mut out = vec![0.0; h];
        forecast_from(
            &self.last_state,
            self.spec,
            self.m,
            self.phi_or_one(),
            &mut out,
        );
        out
    }

    /// Forecast variance per step (see `intervals.rs` for the formulas and where they differ
    /// from statsforecast).
    pub fn variance(&self, mean: &[f64]) -> Vec<f64> {
        intervals::forecast_variance(
            self.spec,
            self.m,
            self.alpha,
            if self.beta.is_nan() { 0.0 } else { self.beta },
            if self.gamma.is_nan() { 0.0 } else { self.gamma },
            self.phi_or_one(),
            self.sigma2,
            mean,
            &self.last_state,
        )
    }

    /// Point forecasts and normal intervals at `levels` (percent).
    pub fn forecast(&self, h: usize, levels: &[f64]) -> Forecast {
        let mean = self.point_forecast(h);
        let var = self.variance(&mean);
        let sigma_h = var
            .iter()
            .map(|v| {
                if v.is_finite() && *v > 0.0 {
                    v.sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        Forecast::normal(self.spec.name(), mean, sigma_h, levels, self.fit_info())
    }

    /// Point forecasts with intervals `mean + σ_h·q`, `q` the empirical quantiles of the
    /// standardised one-step residuals `e_t/σ` at `0.5 ± L/200` (see
    /// [`IntervalMethod::ScaledResiduals`]); the analytic σ_h carries the horizon growth, the
    /// residuals carry the shape (count data are skewed and heavy-tailed, so the normal ±z
    /// over-covers at 80 % and under-covers at 95 %). Needs 30 finite residuals, otherwise the
    /// normal intervals of [`EtsModel::forecast`] are returned.
    pub fn forecast_scaled(&self, h: usize, levels: &[f64]) -> Forecast {
        let sigma = self.sigma2.sqrt();
        let mut std_resid: Vec<f64> = if sigma.is_finite() && sigma > 0.0 {
            self.residuals
                .iter()
                .filter(|e| e.is_finite())
                .map(|e| e / sigma)
                .collect()
        } else {
            Vec::new()
        };
        let mut f = self.forecast(h, levels);
        if std_resid.len() < 30 {
            return f;
        }
        std_resid.sort_by(|a, b| a.total_cmp(b));
        let sigma_h = f.sigma_h.clone().unwrap_or_default();
        for (i, lv) in levels.iter().enumerate() {
            let qlo = super::util::quantile_sorted(&std_resid, 0.5 - lv / 200.0);
            let qhi = super::util::quantile_sorted(&std_resid, 0.5 + lv / 200.0);
            for (k, sh) in sigma_h.iter().enumerate() {
                f.lower[i][k] = (f.mean[k] + qlo * sh).min(f.mean[k]);
                f.upper[i][k] = (f.mean[k] + qhi * sh).max(f.mean[k]);
            }
        }
        f.residual_quantiles = Some(
            (0..=100)
                .map(|k| super::util::quantile_sorted(&std_resid, k as f64 / 100.0))
                .collect(),
        );
        f.interval_method = IntervalMethod::ScaledResiduals;
        f
    }

    /// Point forecasts with intervals from the model's own h-step in-sample errors (see
    /// `hstep.rs`): the filter is run once over `y` (the history the model was fitted on) with
    /// the fitted parameters, stopping at origins a whole number of seasons (`stride`) before
    /// the end, and each origin forecasts `h` steps. Falls back to
    /// [`EtsModel::forecast_scaled`] when the history gives fewer than 30 errors.
    pub fn forecast_hstep(&self, y: &[f64], h: usize, levels: &[f64], stride: usize) -> Forecast {
        if levels.is_empty() || y.len() != self.residuals.len() {
            return self.forecast_scaled(h, levels);
        }
        let warmup = (2 * self.m).max(10);
        let origins = super::hstep::origins(y.len(), stride, warmup);
        let p = Smoothing {
            alpha: self.alpha,
            beta: if self.beta.is_nan() { 0.0 } else { self.beta },
            gamma: if self.gamma.is_nan() { 0.0 } else { self.gamma },
            phi: self.phi_or_one(),
        };
        let mut state = self.init_state.clone();
        let mut next = vec![0.0; state.len()];
        let mut sbuf = Vec::new();
        let mut fc = vec![0.0; h];
        let mut errors = vec![f64::NAN; origins.len() * h];
        let mut fcs = vec![f64::NAN; origins.len() * h];
        let mut at = 0usize;
        for (j, &o) in origins.iter().enumerate() {
            if o > at {
                likelihood(
                    &y[at..o],
                    self.spec,
                    self.m,
                    p,
                    &state,
                    &mut sbuf,
                    f64::INFINITY,
                    0,
                    None,
                    Some(&mut next),
                );
                std::mem::swap(&mut state, &mut next);
                at = o;
            }
            forecast_from(&state, self.spec, self.m, self.phi_or_one(), &mut fc);
            for k in 0..h.min(y.len() - o) {
                errors[j * h + k] = y[o + k] - fc[k];
                fcs[j * h + k] = fc[k];
            }
        }
        let mean = self.point_forecast(h);
        let nonnegative = y.iter().all(|v| v.is_nan() || *v >= 0.0);
        match super::hstep::intervals(
            self.spec.name(),
            mean,
            &errors,
            &fcs,
            stride,
            levels,
            nonnegative,
            self.fit_info(),
        ) {
            Some(f) => f.widen_to(&self.forecast_scaled(h, levels)),
            None => self.forecast_scaled(h, levels),
        }
    }

    /// The in-sample one-step forecasts (NaN where `y` was missing).
    pub fn fitted(&self, y: &[f64]) -> Vec<f64> {
        y.iter()
            .zip(&self.residuals)
            .map(|(v, e)| match self.spec.error {
                Component::Multiplicative => v / (1.0 + e),
                _ => v - e,
            })
            .collect()
    }

    /// Parameters and criteria for reporting.
    pub fn fit_info(&self) -> FitInfo {
        let mut params = vec![("alpha".to_string(), self.alpha)];
        if !self.beta.is_nan() {
            params.push(("beta".into(), self.beta));
        }
        if !self.gamma.is_nan() {
            params.push(("gamma".into(), self.gamma));
        }
        if !self.phi.is_nan() {
            params.push(("phi".into(), self.phi));
        }
        params.push(("l0".into(), self.init_state[0]));
        let has_trend = self.spec.trend != Component::None;
        if has_trend {
            params.push(("b0".into(), self.init_state[1]));
        }
        let off = 1 + has_trend as usize;
        for (j, s) in self.init_state[off..].iter().enumerate() {
            params.push((format!("s{j}"), *s));
        }
        FitInfo {
            params,
            aicc: Some(self.aicc),
            loglik: Some(self.loglik),
            sigma2: Some(self.sigma2),
            n_obs: self.n_obs,
            n_missing: self.residuals.len() - self.n_obs,
            ..FitInfo::default()
        }
    }
}

/// The history, prepared once for all candidate models.
struct Prepared<'a> {
    y: &'a [f64],
    filled: Vec<f64>,
    n_obs: usize,
    positive: bool,
}

fn prepare(y: &[f64]) -> Result<Prepared<'_>, ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::Empty);
    }
    let filled = interpolate_missing(y).ok_or(ForecastError::AllMissing { len: y.len() })?;
    let n_obs = y.iter().filter(|v| !v.is_nan()).count();
    let positive = y.iter().filter(|v| !v.is_nan()).all(|v| *v > 0.0);
    Ok(Prepared {
        y,
        filled,
        n_obs,
        positive,
    })
}

/// Reusable buffers for fitting many models.
#[derive(Debug, Default)]
pub struct Workspace {
    nm: NelderMead,
    sbuf: Vec<f64>,
    state: Vec<f64>,
}

/// Fits one ETS model with all parameters estimated (fresh bounds).
///
/// Errors: empty/all-missing history, too short (`n ≤ npars + 4` as statsforecast),
/// multiplicative components on non-positive data, a seasonal spec with `m < 2`, `m > 52` or
/// `n ≤ m`.
pub fn fit(
    y: &[f64],
    m: usize,
    spec: EtsSpec,
    control: FitControl,
) -> Result<EtsModel, ForecastError> {
    fit_fixed(y, m, spec, FixedParams::default(), control)
}

/// [`fit`] with some smoothing parameters held fixed.
pub fn fit_fixed(
    y: &[f64],
    m: usize,
    spec: EtsSpec,
    fixed: FixedParams,
    control: FitControl,
) -> Result<EtsModel, ForecastError> {
    let prep = prepare(y)?;
    if spec.trend == Component::None && spec.damped {
        return Err(ForecastError::UnknownOption {
            name: "damped without a trend".into(),
            valid: SPEC_HELP,
        });
    }
    if spec.season != Component::None {
        if m < 2 {
            return Err(ForecastError::Unsupported {
                method: spec.name(),
                reason: format!("a seasonal model needs season_length >= 2, got {m}"),
            });
        }
        if m > MAX_SEASON {
            return Err(ForecastError::Unsupported {
                method: spec.name(),
                reason: format!(
                    "season_length {m} is above {MAX_SEASON}; use yearly Fourier terms for long seasons"
                ),
            });
        }
        if y.len() <= m {
            return Err(ForecastError::TooShort {
                method: spec.name(),
                needed: m + 1,
                got: y.len(),
            });
        }
    }
    if !prep.positive
        && (spec.error == Component::Multiplicative || spec.season == Component::Multiplicative)
    {
        return Err(ForecastError::Unsupported {
            method: spec.name(),
            reason: "multiplicative error or season needs strictly positive data".into(),
        });
    }
    let npars = 2
        + 2 * (spec.trend != Component::None) as usize
        + 2 * (spec.season != Component::None) as usize
        + spec.damped as usize;
    if prep.n_obs <= npars + 4 {
        return Err(ForecastError::TooShort {
            method: spec.name(),
            needed: npars + 5,
            got: prep.n_obs,
        });
    }
    let mut ws = Workspace::default();
    let mut bounds = Bounds::default();
    if is_constant_observed(y) {
        return constant_model(&prep, &mut ws, control);
    }
    fit_one(&prep, m, spec, fixed, &mut bounds, &mut ws, control)?.ok_or_else(|| {
        ForecastError::TooShort {
            method: spec.name(),
            needed: npars + 5,
            got: prep.n_obs,
        }
    })
}

fn is_constant_observed(y: &[f64]) -> bool {
    let obs: Vec<f64> = y.iter().copied().filter(|v| !v.is_nan()).collect();
    is_constant(&obs)
}

fn constant_model(
    prep: &Prepared<'_>,
    ws: &mut Workspace,
    control: FitControl,
) -> Result<EtsModel, ForecastError> {
    let spec = EtsSpec {
        error: Component::Additive,
        trend: Component::None,
        damped: false,
        season: Component::None,
    };
    let fixed = FixedParams {
        alpha: Some(0.9999),
        ..FixedParams::default()
    };
    let mut bounds = Bounds::default();
    fit_one(prep, 1, spec, fixed, &mut bounds, ws, control)?.ok_or(ForecastError::TooShort {
        method: "ETS".into(),
        needed: 3,
        got: prep.n_obs,
    })
}

/// AutoETS: fits every candidate allowed by `pattern` and returns the one with the lowest AICc.
///
/// Errors: empty/all-missing, fewer than 7 observed values, or no candidate could be fitted.
pub fn auto(
    y: &[f64],
    m: usize,
    pattern: EtsPattern,
    control: FitControl,
) -> Result<EtsModel, ForecastError> {
    let mut ws = Workspace::default();
    auto_with(y, m, pattern, control, &mut ws)
}

/// [`auto`] reusing a workspace across series (saves the allocations of the optimiser).
pub fn auto_with(
    y: &[f64],
    m: usize,
    pattern: EtsPattern,
    control: FitControl,
    ws: &mut Workspace,
) -> Result<EtsModel, ForecastError> {
    let prep = prepare(y)?;
    if is_constant_observed(y) {
        return constant_model(&prep, ws, control);
    }
    let mut seasons: Vec<Component> = match pattern.season {
        Some(s) => vec![s],
        None => vec![
            Component::None,
            Component::Additive,
            Component::Multiplicative,
        ],
    };
    if m < 2 || y.len() <= m || m > MAX_SEASON {
        if pattern.season.is_some_and(|s| s != Component::None) {
            return Err(ForecastError::Unsupported {
                method: "AutoETS".into(),
                reason: format!(
                    "a seasonal model needs 2 <= season_length <= {MAX_SEASON} and more than \
                     season_length values (season_length {m}, {} values)",
                    y.len()
                ),
            });
        }
        seasons = vec![Component::None];
    }
    // statsforecast's "tiny dataset" rule counts only the components fixed by the pattern
    let npars = 2
        + 2 * (pattern.trend == Some(Component::Additive)) as usize
        + 2 * pattern.season.is_some_and(|s| s != Component::None) as usize
        + pattern.damped.unwrap_or(false) as usize;
    if prep.n_obs <= npars + 4 {
        return Err(ForecastError::TooShort {
            method: "AutoETS".into(),
            needed: npars + 5,
            got: prep.n_obs,
        });
    }
    let errors: Vec<Component> = match pattern.error {
        Some(e) => vec![e],
        None => vec![Component::Additive, Component::Multiplicative],
    };
    let trends: Vec<Component> = match pattern.trend {
        Some(t) => vec![t],
        None => vec![Component::None, Component::Additive],
    };
    let dampings: Vec<bool> = match pattern.damped {
        Some(d) => vec![d],
        None => vec![true, false],
    };
    let mut bounds = Bounds::default();
    let mut best: Option<EtsModel> = None;
    let mut last_err: Option<ForecastError> = None;
    for &error in &errors {
        for &trend in &trends {
            for &season in &seasons {
                for &damped in &dampings {
                    if trend == Component::None && damped {
                        continue;
                    }
                    if error == Component::Additive && season == Component::Multiplicative {
                        continue;
                    }
                    if !prep.positive
                        && (error == Component::Multiplicative
                            || season == Component::Multiplicative)
                    {
                        continue;
                    }
                    let spec = EtsSpec {
                        error,
                        trend,
                        damped,
                        season,
                    };
                    match fit_one(
                        &prep,
                        m,
                        spec,
                        FixedParams::default(),
                        &mut bounds,
                        ws,
                        control,
                    ) {
                        Ok(Some(model)) => {
                            if !model.aicc.is_nan()
                                && best.as_ref().is_none_or(|b| model.aicc < b.aicc)
                            {
                                best = Some(model);
                            }
                        }
                        Ok(None) => {}
                        Err(e) => last_err = Some(e),
                    }
                }
            }
        }
    }
    match best {
        Some(b) if b.aicc.is_finite() => Ok(b),
        _ => Err(last_err.unwrap_or(ForecastError::TooShort {
            method: "AutoETS".into(),
            needed: npars + 5,
            got: prep.n_obs,
        })),
    }
}

/// Fits one candidate (statsforecast `etsmodel`). `Ok(None)` when it has too many parameters
/// for the data (its AICc would be infinite).
fn fit_one(
    prep: &Prepared<'_>,
    m_in: usize,
    spec: EtsSpec,
    fixed: FixedParams,
    bounds: &mut Bounds,
    ws: &mut Workspace,
    control: FitControl,
) -> Result<Option<EtsModel>, ForecastError> {
    let seasonal = spec.season != Component::None;
    let m = if seasonal { m_in } else { 1 };
    let start = params::init_params(spec, m, fixed, bounds);
    if !params::check_params(&start, bounds, m) {
        return Err(ForecastError::Numerical {
            what: format!(
                "{}: starting parameters outside the admissible region",
                spec.name()
            ),
        });
    }
    let init = init::initial_state(&prep.filled, m, spec.trend, spec.season)?;
    let nstate = init.len();
    // parameter vector: the smoothing parameters the model has, then the free states
    let mut x0 = vec![start.alpha];
    let mut lower = vec![bounds.lower[0]];
    let mut upper = vec![bounds.upper[0]];
    if let Some(b) = start.beta {
        x0.push(b);
        lower.push(bounds.lower[1]);
        upper.push(bounds.upper[1]);
    }
    if let Some(g) = start.gamma {
        x0.push(g);
        lower.push(bounds.lower[2]);
        upper.push(bounds.upper[2]);
    }
    if let Some(p) = start.phi {
        x0.push(p);
        lower.push(bounds.lower[3]);
        upper.push(bounds.upper[3]);
    }
    let n_smooth = x0.len();
    x0.extend_from_slice(&init);
    lower.resize(x0.len(), f64::NEG_INFINITY);
    upper.resize(x0.len(), f64::INFINITY);
    let np = x0.len();
    if np + 1 >= prep.n_obs {
        return Ok(None);
    }
    let opt_alpha = fixed.alpha.is_none();
    let opt_beta = start.beta.is_some() && fixed.beta.is_none();
    let opt_gamma = start.gamma.is_some() && fixed.gamma.is_none();
    let opt_phi = start.phi.is_some() && fixed.phi.is_none();
    let full_state_len =
        1 + (spec.trend != Component::None) as usize + if seasonal { m } else { 0 };
    let s_start = 1 + (spec.trend != Component::None) as usize;
    let mult_season = spec.season == Component::Multiplicative;
    let Workspace { nm, sbuf, state } = ws;
    state.resize(full_state_len, 0.0);

    // Expands a parameter vector into smoothing values and the full initial state (appending
    // the implied last seasonal state). Returns false if a multiplicative season goes negative.
    let unpack = |p: &[f64], state: &mut [f64]| -> (Smoothing, bool) {
        let mut j = 0;
        let mut sm = Smoothing {
            alpha: start.alpha,
            beta: start.beta.unwrap_or(0.0),
            gamma: start.gamma.unwrap_or(0.0),
            phi: start.phi.unwrap_or(1.0),
        };
        if opt_alpha {
            sm.alpha = p[j];
            j += 1;
        }
        if opt_beta {
            sm.beta = p[j];
            j += 1;
        }
        if opt_gamma {
            sm.gamma = p[j];
            j += 1;
        }
        if opt_phi {
            sm.phi = p[j];
        }
        state[..nstate].copy_from_slice(&p[np - nstate..]);
        let mut ok = true;
        if seasonal {
            let sum: f64 = state[s_start..nstate].iter().sum();
            let base = if mult_season { m as f64 } else { 0.0 };
            state[nstate] = base - sum;
            if mult_season && state[s_start..].iter().any(|v| *v < 0.0) {
                ok = false;
            }
        }
        (sm, ok)
    };

    let y = prep.y;
    let n_obs = prep.n_obs;
    let objective = |p: &[f64], cutoff: f64| -> f64 {
        let (sm, ok) = unpack(p, state);
        if !ok {
            return f64::INFINITY;
        }
        let pass = likelihood(y, spec, m, sm, state, sbuf, cutoff, n_obs, None, None);
        let lik = pass.lik.max(-1e10);
        // statsforecast maps a NaN likelihood to -inf (which then looks best); we map it to
        // +inf so a numerically broken point can never be selected.
        if lik.is_nan() { f64::INFINITY } else { lik }
    };
    let res = nm.minimize(
        objective,
        &x0,
        &lower,
        &upper,
        0.05,
        1e-4,
        control.max_iter,
        control.tol,
    );
    let x = res.x;

    // final pass with the fitted parameters
    let mut full = vec![0.0; full_state_len];
    let (sm, _) = unpack(&x, &mut full);
    let _ = n_smooth;
    let mut resid = vec![0.0; y.len()];
    let mut last = vec![0.0; full_state_len];
    let pass = likelihood(
        y,
        spec,
        m,
        sm,
        &full,
        sbuf,
        f64::INFINITY,
        n_obs,
        Some(&mut resid),
        Some(&mut last),
    );
    let lik = pass.lik;
    let ny = pass.n_obs as f64;
    let k = (np + 1) as f64;
    let aic = lik + 2.0 * k;
    let bic = lik + ny.ln() * k;
    let aicc = if ny - k - 1.0 != 0.0 {
        aic + 2.0 * k * (k + 1.0) / (ny - k - 1.0)
    } else {
        f64::INFINITY
    };
    let sigma2 = pass.sse / (ny - k - 1.0);
    Ok(Some(EtsModel {
        spec,
        m,
        alpha: sm.alpha,
        beta: if start.beta.is_some() {
            sm.beta
        } else {
            f64::NAN
        },
        gamma: if start.gamma.is_some() {
            sm.gamma
        } else {
            f64::NAN
        },
        phi: if start.phi.is_some() {
            sm.phi
        } else {
            f64::NAN
        },
        init_state: full,
        last_state: last,
        loglik: -0.5 * lik,
        aic,
        aicc,
        bic,
        sigma2,
        n_params: np + 1,
        n_obs: pass.n_obs,
        residuals: resid,
    }))
}

#[cfg(test)]
mod tests;
