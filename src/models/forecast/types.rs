//! The result of forecasting one series, shared by every model family.

use super::util::{quantile_sorted, z_for_level};

/// How the prediction intervals of a [`Forecast`] were made. Reported so a planner (and the
/// accuracy views) can tell analytic intervals from empirical ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalMethod {
    /// `mean ± z·σ_h` with an analytic (or, for ETS class 3, moment-recursion) σ_h.
    Normal,
    /// `mean + empirical quantiles of the in-sample one-step residuals` (intermittent models):
    /// lower bound clamped at 0 (and then `[0, mean + Q(L)]`), width constant over the horizon.
    EmpiricalResiduals,
    /// `mean + σ_h · q`, `q` the empirical quantiles of the standardised one-step residuals
    /// (`e_t/σ`) instead of the normal's ±z: the analytic horizon scaling of the model with the
    /// residuals' own shape (skewed, heavy-tailed demand). ETS with `intervals = empirical`.
    ScaledResiduals,
    /// `mean + s_k · Q`: per-step scales `s_k` and a quantile table `Q` from the model's own
    /// h-step in-sample errors (see `hstep.rs`). ETS and the intermittent models with
    /// `intervals = empirical` (the default).
    HStepErrors,
    /// No spread could be estimated (fewer than two usable residuals): lower = upper = mean.
    Degenerate,
}

impl IntervalMethod {
    /// A short name for output columns and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            IntervalMethod::Normal => "normal",
            IntervalMethod::EmpiricalResiduals => "empirical_residuals",
            IntervalMethod::ScaledResiduals => "scaled_residuals",
            IntervalMethod::HStepErrors => "hstep_errors",
            IntervalMethod::Degenerate => "degenerate",
        }
    }
}

/// What the fit found: parameters, information criteria and bookkeeping, for the `fit info`
/// column of the SQL functions and for explaining a forecast to a planner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitInfo {
    /// Named parameters (`alpha`, `beta`, `gamma`, `phi`, `l0`, `b0`, `s1..`, `theta`,
    /// `alpha_d`, `alpha_p`, `aggregation`, `beta_<regressor>`, ...).
    pub params: Vec<(String, f64)>,
    /// Corrected Akaike information criterion (ETS only; the same scale as statsforecast/R:
    /// computed from `n·ln(SSE)` without the constant terms).
    pub aicc: Option<f64>,
    /// Log-likelihood on the same scale (`-0.5·(n·ln(SSE) + 2Σln|ŷ|)` for ETS).
    pub loglik: Option<f64>,
    /// Residual variance used for the intervals, where the model has one.
    pub sigma2: Option<f64>,
    /// Observed (non-missing) values the fit used.
    pub n_obs: usize,
    /// Missing (NaN) values inside the history (after leading NaN were dropped).
    pub n_missing: usize,
    /// The demand class, when the method classified the series (`auto`).
    pub demand_class: Option<super::classify::DemandClass>,
    /// Free notes: fallbacks, yearly deseasonalisation, regressors, interval caveats.
    pub notes: Vec<String>,
}

/// Point forecasts and prediction intervals for one series.
///
/// `lower[i]` and `upper[i]` belong to `levels[i]` (percent, e.g. 80 and 95), each of length
/// `mean.len()`. Intervals are never NaN: where no spread can be estimated the interval
/// collapses onto the mean and [`IntervalMethod::Degenerate`] says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Point forecasts, one per step `1..=horizon`.
    pub mean: Vec<f64>,
    /// The interval levels, in the order they were requested.
    pub levels: Vec<f64>,
    /// Lower bounds per level.
    pub lower: Vec<Vec<f64>>,
    /// Upper bounds per level.
    pub upper: Vec<Vec<f64>>,
    /// Standard deviation per step when the intervals are normal; lets [`Forecast::quantile`]
    /// answer any probability, not just the requested levels.
    pub sigma_h: Option<Vec<f64>>,
    /// For [`IntervalMethod::ScaledResiduals`] and [`IntervalMethod::HStepErrors`]: the
    /// standardised residual quantiles at
    /// p = 0, 0.01, …, 1 (101 values), so [`Forecast::quantile`] can answer any probability.
    pub residual_quantiles: Option<Vec<f64>>,
    /// How the intervals were made.
    pub interval_method: IntervalMethod,
    /// The spread of cumulative demand (the total over the first k periods) from the model's
    /// own h-step in-sample errors, when it has them (see `cumulative.rs`).
    pub cumulative: Option<super::cumulative::Cumulative>,
    /// The model that produced the forecast, e.g. `ETS(M,Ad,M)`, `CrostonSBA`, `SeasonalNaive(7)`.
    pub model: String,
    /// Parameters and fit statistics.
    pub fit: FitInfo,
}

impl Forecast {
    /// Intervals `mean ± z(level)·σ_h`.
    pub(crate) fn normal(
        model: String,
        mean: Vec<f64>,
        sigma_h: Vec<f64>,
        levels: &[f64],
        fit: FitInfo,
    ) -> Forecast {
        let mut lower = Vec::with_capacity(levels.len());
        let mut upper = Vec::with_capacity(levels.len());
        for &lv in levels {
            let z = z_for_level(lv);
            lower.push(mean.iter().zip(&sigma_h).map(|(m, s)| m - z * s).collect());
            upper.push(mean.iter().zip(&sigma_h).map(|(m, s)| m + z * s).collect());
        }
        Forecast {
            mean,
            levels: levels.to_vec(),
            lower,
            upper,
            sigma_h: Some(sigma_h),
            residual_quantiles: None,
            interval_method: IntervalMethod::Normal,
            cumulative: None,
            model,
            fit,
        }
    }

    /// Intervals from the empirical quantiles of one-step residuals (`residuals` may contain
    /// NaN, which are skipped). Lower bounds are clamped at 0 when `nonnegative`.
    /// With fewer than two finite residuals the intervals collapse onto the mean.
    pub(crate) fn empirical(
        model: String,
        mean: Vec<f64>,
        residuals: &[f64],
        levels: &[f64],
        nonnegative: bool,
        mut fit: FitInfo,
    ) -> Forecast {
        let sorted: Vec<f64> = if levels.is_empty() {
            Vec::new()
        } else {
            super::util::sorted_finite(residuals)
        };
        let mut lower = Vec::with_capacity(levels.len());
        let mut upper = Vec::with_capacity(levels.len());
        let degenerate = sorted.len() < 2 && !levels.is_empty();
        for &lv in levels {
            let (lo_p, hi_p) = (0.5 - lv / 200.0, 0.5 + lv / 200.0);
            let (qlo, qhi) = if degenerate {
                (0.0, 0.0)
            } else {
                (
                    quantile_sorted(&sorted, lo_p),
                    quantile_sorted(&sorted, hi_p),
                )
            };
            let lo: Vec<f64> = mean
                .iter()
                .map(|m| {
                    let v = (m + qlo).min(*m);
                    if nonnegative { v.max(0.0) } else { v }
                })
                .collect();
            // Demand cannot go below 0: when the lower quantile is cut at 0, the mass below it
            // belongs to the interval already, so the upper bound is the L-quantile instead of
            // the (1+L)/2-quantile ([0, Q(L)] holds L of the distribution). For zero-inflated
            // counts this keeps an 80 % interval from covering 95 % of the days.
            let hi: Vec<f64> = mean
                .iter()
                .map(|m| {
                    let q = if !degenerate && nonnegative && m + qlo <= 0.0 {
                        quantile_sorted(&sorted, lv / 100.0)
                    } else {
                        qhi
                    };
                    (m + q).max(*m)
                })
                .collect();
            lower.push(lo);
            upper.push(hi);
        }
        if degenerate {
            fit.notes
                .push("fewer than 2 usable residuals: intervals collapse onto the forecast".into());
        }
        Forecast {
            mean,
            levels: levels.to_vec(),
            lower,
            upper,
            sigma_h: None,
            residual_quantiles: None,
            interval_method: if degenerate {
                IntervalMethod::Degenerate
            } else {
                IntervalMethod::EmpiricalResiduals
            },
            cumulative: None,
            model,
            fit,
        }
    }

    /// Widens `self`'s intervals to also contain `other`'s (same mean, levels and horizon):
    /// lower = the smaller, upper = the larger of the two. The h-step intervals use it to
    /// keep the model's own (analytic or one-step) intervals as a floor. Other fields are
    /// `self`'s.
    pub(crate) fn widen_to(mut self, other: &Forecast) -> Forecast {
        if other.levels != self.levels || other.mean.len() != self.mean.len() {
            return self;
        }
        for (a, b) in self.lower.iter_mut().zip(&other.lower) {
            for (x, y) in a.iter_mut().zip(b) {
                *x = x.min(*y);
            }
        }
        for (a, b) in self.upper.iter_mut().zip(&other.upper) {
            for (x, y) in a.iter_mut().zip(b) {
                *x = x.max(*y);
            }
        }
        self
    }

    /// The `p` quantile of total demand over the first `periods` periods (fractional allowed,
    /// at most the horizon) from the cumulative in-sample errors (`cumulative.rs`); `None` when
    /// the model has none (fewer than 30 in-sample errors, one-step or analytic intervals).
    pub fn cumulative_quantile(&self, periods: f64, p: f64) -> Option<f64> {
        self.cumulative.as_ref()?.quantile(&self.mean, periods, p)
    }

    /// Forecast horizon.
    pub fn horizon(&self) -> usize {
        self.mean.len()
    }

    /// Lower and upper bounds for `level` if it was requested (compared within 1e-9).
    pub fn interval(&self, level: f64) -> Option<(&[f64], &[f64])> {
        let i = self.levels.iter().position(|l| (l - level).abs() < 1e-9)?;
        Some((&self.lower[i], &self.upper[i]))
    }

    /// The forecast quantile at probability `p` (0 < p < 1) per step — the accessor the
    /// replenishment functions use. `p = 0.5` is the point forecast (the models' forecasts are
    /// means; for symmetric normal intervals mean = median). A `p` matching a requested level
    /// (`0.5 ± level/200`) returns that bound. Other `p` are available only for normal
    /// intervals (`mean + Φ⁻¹(p)·σ_h`); otherwise `None`.
    pub fn quantile(&self, p: f64) -> Option<Vec<f64>> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        if (p - 0.5).abs() < 1e-12 {
            return Some(self.mean.clone());
        }
        for (i, lv) in self.levels.iter().enumerate() {
            if (0.5 - lv / 200.0 - p).abs() < 1e-9 {
                return Some(self.lower[i].clone());
            }
            if (0.5 + lv / 200.0 - p).abs() < 1e-9 {
                return Some(self.upper[i].clone());
            }
        }
        let s = self.sigma_h.as_ref()?;
        if let Some(table) = &self.residual_quantiles {
            let q = quantile_sorted(table, p);
            let mut out: Vec<f64> = self.mean.iter().zip(s).map(|(m, s)| m + q * s).collect();
            // keep quantiles monotone across the requested bounds (h-step intervals are
            // widened to the model's own, which the table does not know about)
            for (i, lv) in self.levels.iter().enumerate() {
                if p > 0.5 && 0.5 + lv / 200.0 <= p {
                    for (o, b) in out.iter_mut().zip(&self.upper[i]) {
                        *o = o.max(*b);
                    }
                } else if p < 0.5 && 0.5 - lv / 200.0 >= p {
                    for (o, b) in out.iter_mut().zip(&self.lower[i]) {
                        *o = o.min(*b);
                    }
                }
            }
            return Some(out);
        }
        let level = (2.0 * p - 1.0).abs() * 100.0;
        let z = z_for_level(level) * if p < 0.5 { -1.0 } else { 1.0 };
        Some(self.mean.iter().zip(s).map(|(m, s)| m + z * s).collect())
    }
}
