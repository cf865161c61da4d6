//! Intermittent-demand models: Croston (classic and optimised), SBA, TSB, ADIDA and IMAPA.
//!
//! Point forecasts follow statsforecast 2.1.1's definitions exactly (fixture tests: 1e-9
//! relative):
//! - **Croston classic**: SES (α = 0.1) of the non-zero demand sizes divided by SES (α = 0.1) of
//!   the intervals between non-zero demands (the first interval counts from the series start).
//!   No demand at all → the naive forecast (the last value, 0).
//! - **Croston optimised**: the same with each α chosen by golden-section search of the
//!   in-sample SSE on [0.1, 0.3].
//! - **SBA**: Croston classic × 0.95 (Syntetos–Boylan approximation, bias correction 1 − α/2).
//! - **TSB**: SES (α_p) of the demand-occurrence indicator over all periods × SES (α_d) of the
//!   non-zero sizes.
//! - **ADIDA**: aggregate into non-overlapping buckets of `round(mean interval)` periods
//!   (banker's rounding, as Python's `round`), dropping the oldest remainder, forecast the
//!   bucket sums with optimised SES, divide by the bucket size.
//! - **IMAPA**: the ADIDA forecast averaged over every bucket size 1..=round(mean interval).
//!
//! The forecast is flat over the horizon.
//!
//! **Intervals** (statsforecast gives these models no native intervals): empirical quantiles of
//! the in-sample one-step residuals `y_t − ŷ_t`, where `ŷ_t` is the model's own forecast made
//! before `t` with its final smoothing parameters (for ADIDA/IMAPA, the bucket-level SES forecast
//! spread evenly over the bucket's periods). `lower = max(0, f + q_{(1−L)/2})`,
//! `upper = f + q_{(1+L)/2}` — or `f + q_L` when the lower bound is cut at 0, because then the
//! interval `[0, f + q_L]` already holds `L` of the distribution (for zero-inflated counts the
//! central interval would cover far more than `L`). Constant over the horizon: for demand that
//! arrives as independent occurrences the one-day uncertainty does not grow with the lead time.
//! Coverage is measured on the bench data (see BENCHMARKS.md).
//!
//! **Missing values** (NaN = stock-out / unknown demand): the missing periods are removed before
//! fitting, so intervals count observed periods only; a stock-out is neither a zero nor a demand.
//! **Negative values** are rejected here ([`ForecastError::Negative`]); the entry point clamps
//! them to 0 first under the default policy.

use super::error::ForecastError;
use super::ses::{
    golden_section_ses, optimized_ses_forecast, ses_fitted, ses_forecast, ses_states,
};
use super::types::{FitInfo, Forecast};
use super::util::round_half_even;

/// Which intermittent model to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IntermittentMethod {
    /// Croston with α = 0.1 for sizes and intervals.
    CrostonClassic,
    /// Croston with both α optimised on [0.1, 0.3].
    CrostonOptimized,
    /// Croston classic × 0.95.
    CrostonSba,
    /// Teunter–Syntetos–Babai with the given smoothing for demand size and probability.
    Tsb { alpha_d: f64, alpha_p: f64 },
    /// Aggregate–disaggregate intermittent demand approach.
    Adida,
    /// Intermittent multiple aggregation prediction algorithm.
    Imapa,
}

impl IntermittentMethod {
    /// The model name reported per series (statsforecast's class names).
    pub fn name(&self) -> String {
        match self {
            IntermittentMethod::CrostonClassic => "CrostonClassic".into(),
            IntermittentMethod::CrostonOptimized => "CrostonOptimized".into(),
            IntermittentMethod::CrostonSba => "CrostonSBA".into(),
            IntermittentMethod::Tsb { .. } => "TSB".into(),
            IntermittentMethod::Adida => "ADIDA".into(),
            IntermittentMethod::Imapa => "IMAPA".into(),
        }
    }
}

/// The flat point forecast plus the in-sample one-step forecasts (NaN where none exists yet).
struct Fit {
    value: f64,
    fitted: Vec<f64>,
    params: Vec<(String, f64)>,
}

/// Fits `method` to `y` and forecasts `h` steps with intervals at `levels`.
///
/// `y` may contain NaN (removed, see the module docs); it must not contain negative values.
/// An empty or all-missing history is an error; a history with no demand forecasts 0 with
/// zero-width intervals.
pub fn forecast(
    y: &[f64],
    h: usize,
    levels: &[f64],
    method: IntermittentMethod,
) -> Result<Forecast, ForecastError> {
    forecast_impl(y, h, levels, method, None)
}

/// [`forecast`] with intervals from the model's own h-step in-sample errors (see `hstep.rs`):
/// from observed-period origins a multiple of `stride` before the end, the flat forecast the
/// model made there is compared with the next `h` observed values. Falls back to the one-step
/// residual intervals of [`forecast`] when fewer than 30 errors exist. The point forecast is
/// the same.
pub fn forecast_hstep(
    y: &[f64],
    h: usize,
    levels: &[f64],
    method: IntermittentMethod,
    stride: usize,
) -> Result<Forecast, ForecastError> {
    forecast_impl(y, h, levels, method, Some(stride))
}

fn forecast_impl(
    y: &[f64],
    h: usize,
    levels: &[f64],
    method: IntermittentMethod,
    hstep: Option<usize>,
) -> Result<Forecast, ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::Empty);
    }
    if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(ForecastError::Negative { index, value });
    }
    if let IntermittentMethod::Tsb { alpha_d, alpha_p } = method {
        super::error::check_range("alpha_d", "between 0 and 1", alpha_d, 0.0, 1.0)?;
        super::error::check_range("alpha_p", "between 0 and 1", alpha_p, 0.0, 1.0)?;
    }
    let has_nan = y.iter().any(|v| v.is_nan());
    let obs: std::borrow::Cow<'_, [f64]> = if has_nan {
        y.iter().copied().filter(|v| !v.is_nan()).collect()
    } else {
        std::borrow::Cow::Borrowed(y)
    };
    if obs.is_empty() {
        return Err(ForecastError::AllMissing { len: y.len() });
    }
    // the in-sample forecasts are only needed for intervals
    let streamed = if levels.is_empty() {
        point_streaming(&obs, method)
    } else {
        None
    };
    let fit = match streamed {
        Some(value) => Fit {
            value,
            fitted: Vec::new(),
            params: match method {
                IntermittentMethod::Tsb { alpha_d, alpha_p } => {
                    vec![("alpha_d".into(), alpha_d), ("alpha_p".into(), alpha_p)]
                }
                _ => vec![("alpha_d".into(), 0.1), ("alpha_p".into(), 0.1)],
            },
        },
        None => fit_observed(&obs, method, !levels.is_empty()),
    };
    let residuals: Vec<f64> = obs.iter().zip(&fit.fitted).map(|(a, f)| a - f).collect();
    let info = FitInfo {
        params: fit.params,
        n_obs: obs.len(),
        n_missing: y.len() - obs.len(),
        ..FitInfo::default()
    };
    let one_step = Forecast::empirical(
        method.name(),
        vec![fit.value; h],
        &residuals,
        levels,
        true,
        info.clone(),
    );
    if let Some(stride) = hstep
        && !levels.is_empty()
        && fit.fitted.len() == obs.len()
    {
        let origins = super::hstep::origins(obs.len(), stride, 10);
        let mut errors = vec![f64::NAN; origins.len() * h];
        let mut fcs = vec![f64::NAN; origins.len() * h];
        for (j, &o) in origins.iter().enumerate() {
            let f = fit.fitted[o];
            for k in 0..h.min(obs.len() - o) {
                errors[j * h + k] = obs[o + k] - f;
                fcs[j * h + k] = f;
            }
        }
        if let Some(f) = super::hstep::intervals(
            method.name(),
            vec![fit.value; h],
            &errors,
            &fcs,
            stride,
            levels,
            true,
            info,
        ) {
            return Ok(f.widen_to(&one_step));
        }
    }
    Ok(one_step)
}

/// The point forecast alone (no intervals), on a complete history (no NaN: use [`forecast`]
/// for histories with missing values). Errors on empty input and negative values. Exposed for
/// benchmarks and the reference tests.
pub fn point_forecast(y: &[f64], method: IntermittentMethod) -> Result<f64, ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::Empty);
    }
    if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| **v < 0.0 || v.is_nan()) {
        return if value.is_nan() {
            Err(ForecastError::Unsupported {
                method: method.name(),
                reason: format!("point_forecast needs a complete history (NaN at {index})"),
            })
        } else {
            Err(ForecastError::Negative { index, value })
        };
    }
    Ok(point_streaming(y, method).unwrap_or_else(|| fit_observed(y, method, false).value))
}

/// `want_fitted = false` skips the in-sample forecasts (`Fit::fitted` is then empty).
fn fit_observed(y: &[f64], method: IntermittentMethod, want_fitted: bool) -> Fit {
    let w = want_fitted;
    match method {
        IntermittentMethod::CrostonClassic => croston(y, Some(0.1), 1.0, w),
        IntermittentMethod::CrostonSba => croston(y, Some(0.1), 0.95, w),
        IntermittentMethod::CrostonOptimized => croston(y, None, 1.0, w),
        IntermittentMethod::Tsb { alpha_d, alpha_p } => tsb(y, alpha_d, alpha_p, w),
        IntermittentMethod::Adida => adida(y, w),
        IntermittentMethod::Imapa => imapa(y, w),
    }
}

/// Positive sizes and the intervals between non-zero periods (statsforecast `_demand`,
/// `_intervals`: the first interval is the 1-based index of the first non-zero value).
fn sizes_and_intervals(y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut sizes = Vec::new();
    let mut intervals = Vec::new();
    let mut prev = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            intervals.push((i + 1 - prev) as f64);
            prev = i + 1;
        }
        if v > 0.0 {
            sizes.push(v);
        }
    }
    (sizes, intervals)
}

fn no_demand(y: &[f64]) -> Fit {
    // statsforecast falls back to the naive forecast: the last value (0 here).
    let last = *y.last().unwrap_or(&0.0);
    let mut fitted = vec![f64::NAN; y.len()];
    if y.len() > 1 {
        fitted[1..].copy_from_slice(&y[..y.len() - 1]);
    }
    Fit {
        value: last,
        fitted,
        params: vec![],
    }
}

/// Croston: `alpha = None` optimises both smoothing constants.
/// Streaming SES, bit-identical to [`ses_forecast`] on the pushed values (no allocation).
struct SesStream {
    a: f64,
    c: f64,
    f: f64,
    first: f64,
    n: usize,
}

impl SesStream {
    fn new(alpha: f64) -> SesStream {
        SesStream {
            a: alpha,
            c: 1.0 - alpha,
            f: 0.0,
            first: 0.0,
            n: 0,
        }
    }
    fn push(&mut self, v: f64) {
        if self.n == 0 {
            self.first = v;
            self.f = v;
        }
        self.f = self.a * v + self.c * self.f;
        self.n += 1;
    }
    fn forecast(&self) -> f64 {
        if self.n == 1 { self.first } else { self.f }
    }
}

/// Point forecasts of Croston classic/SBA and TSB in one pass without allocating (the hot path
/// when no intervals are requested); `None` for the methods that need the whole vectors.
fn point_streaming(y: &[f64], method: IntermittentMethod) -> Option<f64> {
    match method {
        IntermittentMethod::CrostonClassic | IntermittentMethod::CrostonSba => {
            let factor = if method == IntermittentMethod::CrostonSba {
                0.95
            } else {
                1.0
            };
            let (mut z, mut p) = (SesStream::new(0.1), SesStream::new(0.1));
            let mut prev = 0usize;
            for (i, &v) in y.iter().enumerate() {
                if v != 0.0 {
                    p.push((i + 1 - prev) as f64);
                    prev = i + 1;
                }
                if v > 0.0 {
                    z.push(v);
                }
            }
            if z.n == 0 {
                return Some(*y.last().unwrap_or(&0.0));
            }
            let (zp, pp) = (z.forecast(), p.forecast());
            Some(if pp != 0.0 { zp / pp } else { zp } * factor)
        }
        IntermittentMethod::Tsb { alpha_d, alpha_p } => {
            let (mut z, mut p) = (SesStream::new(alpha_d), SesStream::new(alpha_p));
            for &v in y {
                p.push(if v != 0.0 { 1.0 } else { 0.0 });
                if v > 0.0 {
                    z.push(v);
                }
            }
            if z.n == 0 {
                return Some(0.0);
            }
            Some(p.forecast() * z.forecast())
        }
        _ => None,
    }
}

fn croston(y: &[f64], alpha: Option<f64>, factor: f64, want_fitted: bool) -> Fit {
    let (sizes, intervals) = sizes_and_intervals(y);
    if sizes.is_empty() {
        return no_demand(y);
    }
    let (ad, ai) = match alpha {
        Some(a) => (a, a),
        None => (
            golden_section_ses(&sizes, 0.1, 0.3),
            golden_section_ses(&intervals, 0.1, 0.3),
        ),
    };
    let zp = ses_forecast(&sizes, ad);
    let pp = ses_forecast(&intervals, ai);
    let value = if pp != 0.0 { zp / pp } else { zp } * factor;
    let params = vec![("alpha_d".into(), ad), ("alpha_p".into(), ai)];
    if !want_fitted {
        return Fit {
            value,
            fitted: Vec::new(),
            params,
        };
    }
    // In-sample: after the k-th demand the forecast is z_k / p_k (SES states including demand
    // k); before the first demand there is none.
    let zs = ses_states(&sizes, ad);
    let ps = ses_states(&intervals, ai);
    let mut fitted = vec![f64::NAN; y.len()];
    let (mut kz, mut kp) = (0usize, 0usize); // sizes / intervals seen so far
    for t in 0..y.len() {
        if kz >= 1 && kp >= 1 {
            let (z, p) = (zs[kz], ps[kp]);
            fitted[t] = if p != 0.0 { z / p } else { z } * factor;
        }
        if y[t] > 0.0 {
            kz += 1;
        }
        if y[t] != 0.0 {
            kp += 1;
        }
    }
    Fit {
        value,
        fitted,
        params,
    }
}

fn tsb(y: &[f64], alpha_d: f64, alpha_p: f64, want_fitted: bool) -> Fit {
    let params = vec![("alpha_d".into(), alpha_d), ("alpha_p".into(), alpha_p)];
    if y.iter().all(|v| *v == 0.0) {
        let mut fitted = vec![0.0; y.len()];
        fitted[0] = f64::NAN;
        return Fit {
            value: 0.0,
            fitted,
            params,
        };
    }
    let (sizes, _) = sizes_and_intervals(y);
    let occurrence: Vec<f64> = y
        .iter()
        .map(|v| if *v != 0.0 { 1.0 } else { 0.0 })
        .collect();
    let pf = ses_forecast(&occurrence, alpha_p);
    let df = ses_forecast(&sizes, alpha_d);
    if !want_fitted {
        return Fit {
            value: pf * df,
            fitted: Vec::new(),
            params,
        };
    }
    let pfit = ses_fitted(&occurrence, alpha_p);
    let zs = ses_states(&sizes, alpha_d);
    let mut fitted = vec![f64::NAN; y.len()];
    let mut k = 0usize;
    for t in 0..y.len() {
        if k >= 1 {
            fitted[t] = pfit[t] * zs[k];
        }
        if y[t] > 0.0 {
            k += 1;
        }
    }
    Fit {
        value: pf * df,
        fitted,
        params,
    }
}

fn mean_interval(y: &[f64]) -> f64 {
    let (_, intervals) = sizes_and_intervals(y);
    intervals.iter().sum::<f64>() / intervals.len() as f64
}

/// statsforecast `chunk_forecast`: optimised-SES forecast of the bucket sums (oldest remainder
/// dropped), plus the bucket-level fitted values spread back to periods for the residuals.
fn chunk_forecast(y: &[f64], agg: usize, fitted: Option<&mut [f64]>) -> f64 {
    let n = y.len();
    let lost = n % agg;
    let n_cut = n - lost;
    if n_cut < agg {
        return y[n - 1];
    }
    let sums: Vec<f64> = y[lost..].chunks(agg).map(|c| c.iter().sum()).collect();
    if sums.len() <= 1 {
        return sums[0];
    }
    let (value, alpha) = optimized_ses_forecast(&sums);
    if let Some(out) = fitted {
        let f = ses_fitted(&sums, alpha);
        for (j, fj) in f.iter().enumerate() {
            for slot in out[lost + j * agg..lost + (j + 1) * agg].iter_mut() {
                *slot = fj / agg as f64;
            }
        }
    }
    value
}

fn adida(y: &[f64], want_fitted: bool) -> Fit {
    if y.iter().all(|v| *v == 0.0) {
        let mut fitted = vec![0.0; y.len()];
        fitted[0] = f64::NAN;
        return Fit {
            value: 0.0,
            fitted,
            params: vec![("aggregation".into(), 1.0)],
        };
    }
    let agg = round_half_even(mean_interval(y)).max(1.0) as usize;
    let mut fitted = if want_fitted {
        vec![f64::NAN; y.len()]
    } else {
        Vec::new()
    };
    let out = if want_fitted {
        Some(fitted.as_mut_slice())
    } else {
        None
    };
    let value = chunk_forecast(y, agg, out) / agg as f64;
    Fit {
        value,
        fitted,
        params: vec![("aggregation".into(), agg as f64)],
    }
}

fn imapa(y: &[f64], want_fitted: bool) -> Fit {
    if y.iter().all(|v| *v == 0.0) {
        let mut fitted = vec![0.0; y.len()];
        fitted[0] = f64::NAN;
        return Fit {
            value: 0.0,
            fitted,
            params: vec![("max_aggregation".into(), 1.0)],
        };
    }
    let max_agg = round_half_even(mean_interval(y)).max(1.0) as usize;
    let n = y.len();
    let mut total = 0.0;
    let mut fitted = vec![0.0; n];
    let mut level_fit = vec![f64::NAN; n];
    for agg in 1..=max_agg {
        // statsforecast's IMAPA cuts the remainder and always runs optimised SES on the sums
        // (a single bucket forecasts itself).
        let lost = n % agg;
        let sums: Vec<f64> = y[lost..].chunks(agg).map(|c| c.iter().sum()).collect();
        let (f, alpha) = optimized_ses_forecast(&sums);
        total += f / agg as f64;
        if !want_fitted {
            continue;
        }
        level_fit.iter_mut().for_each(|v| *v = f64::NAN);
        let sf = ses_fitted(&sums, alpha);
        for (j, fj) in sf.iter().enumerate() {
            for slot in level_fit[lost + j * agg..lost + (j + 1) * agg].iter_mut() {
                *slot = fj / agg as f64;
            }
        }
        for (acc, v) in fitted.iter_mut().zip(&level_fit) {
            *acc += v; // NaN anywhere propagates: that period has no forecast at every level
        }
    }
    if want_fitted {
        for v in fitted.iter_mut() {
            *v /= max_agg as f64;
        }
    } else {
        fitted.clear();
    }
    Fit {
        value: total / max_agg as f64,
        fitted,
        params: vec![("max_aggregation".into(), max_agg as f64)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_definition() {
        let (s, i) = sizes_and_intervals(&[0.0, 3.0, 0.0, 0.0, 2.0]);
        assert_eq!(s, vec![3.0, 2.0]);
        assert_eq!(i, vec![2.0, 3.0]);
    }

    #[test]
    fn croston_hand_computed() {
        // sizes [3, 2]: SES(0.1) forecast = 0.1*2 + 0.9*3 = 2.9; intervals [2, 3]: 2.1
        let v = point_forecast(
            &[0.0, 3.0, 0.0, 0.0, 2.0],
            IntermittentMethod::CrostonClassic,
        )
        .unwrap();
        assert!((v - 2.9 / 2.1).abs() < 1e-12);
        let sba =
            point_forecast(&[0.0, 3.0, 0.0, 0.0, 2.0], IntermittentMethod::CrostonSba).unwrap();
        assert!((sba - 0.95 * 2.9 / 2.1).abs() < 1e-12);
    }

    #[test]
    fn streaming_equals_vector_path_bit_for_bit() {
        for s in super::super::fixtures::series() {
            if s.y.iter().any(|v| *v < 0.0) {
                continue;
            }
            for m in [
                IntermittentMethod::CrostonClassic,
                IntermittentMethod::CrostonSba,
                IntermittentMethod::Tsb {
                    alpha_d: 0.2,
                    alpha_p: 0.3,
                },
            ] {
                let a = point_streaming(&s.y, m).unwrap();
                let b = fit_observed(&s.y, m, true).value;
                assert_eq!(a.to_bits(), b.to_bits(), "{} {m:?}", s.id);
            }
        }
    }

    #[test]
    fn all_zero_and_missing() {
        for m in [
            IntermittentMethod::CrostonClassic,
            IntermittentMethod::CrostonOptimized,
            IntermittentMethod::CrostonSba,
            IntermittentMethod::Tsb {
                alpha_d: 0.2,
                alpha_p: 0.2,
            },
            IntermittentMethod::Adida,
            IntermittentMethod::Imapa,
        ] {
            let f = forecast(&[0.0; 10], 3, &[80.0], m).unwrap();
            assert_eq!(f.mean, vec![0.0; 3], "{m:?}");
            assert!(f.lower[0].iter().all(|v| *v == 0.0));
            let f = forecast(
                &[0.0, 2.0, f64::NAN, 0.0, 1.0, 0.0, 0.0, 3.0],
                2,
                &[95.0],
                m,
            )
            .unwrap();
            assert!(f.mean[0].is_finite() && f.mean[0] > 0.0, "{m:?}");
            assert!(f.lower[0][0] >= 0.0 && f.upper[0][0] >= f.mean[0]);
            assert_eq!(f.fit.n_missing, 1);
        }
        assert!(matches!(
            forecast(&[1.0, -1.0], 2, &[], IntermittentMethod::Adida),
            Err(ForecastError::Negative { index: 1, .. })
        ));
        assert!(matches!(
            forecast(&[f64::NAN], 2, &[], IntermittentMethod::Adida),
            Err(ForecastError::AllMissing { .. })
        ));
        assert!(
            point_forecast(
                &[],
                IntermittentMethod::Tsb {
                    alpha_d: 0.1,
                    alpha_p: 0.1
                }
            )
            .is_err()
        );
        assert!(forecast(&[], 2, &[], IntermittentMethod::Imapa).is_err());
    }
}

/// Reference check against statsforecast 2.1.1 (`tests/fixtures/forecast/intermittent.json`).
/// Tolerance: 1e-9 relative (floor 1e-12) — same algorithms, same golden-section search.
#[cfg(test)]
mod reference {
    use super::super::fixtures::{self, num, rel};
    use super::*;

    #[test]
    fn point_forecasts_match_statsforecast() {
        let fx = fixtures::parse(fixtures::INTERMITTENT);
        let mut checked = 0;
        let mut worst = (0.0f64, String::new());
        for s in fixtures::series() {
            if s.y.iter().any(|v| *v < 0.0) {
                continue; // negatives are refused by design (clamped by the entry point)
            }
            let r = &fx[s.id.as_str()];
            let cases = [
                ("croston_classic", IntermittentMethod::CrostonClassic),
                ("croston_optimized", IntermittentMethod::CrostonOptimized),
                ("croston_sba", IntermittentMethod::CrostonSba),
                (
                    "tsb_0.2_0.2",
                    IntermittentMethod::Tsb {
                        alpha_d: 0.2,
                        alpha_p: 0.2,
                    },
                ),
                (
                    "tsb_0.1_0.3",
                    IntermittentMethod::Tsb {
                        alpha_d: 0.1,
                        alpha_p: 0.3,
                    },
                ),
                ("adida", IntermittentMethod::Adida),
                ("imapa", IntermittentMethod::Imapa),
            ];
            for (name, m) in cases {
                let want = num(&r[name]);
                let got = point_forecast(&s.y, m).unwrap();
                let d = rel(got, want, 1e-12);
                if d > worst.0 {
                    worst = (d, format!("{} {name}: {got} vs {want}", s.id));
                }
                assert!(d < 1e-9, "{} {name}: {got} vs {want}", s.id);
                checked += 1;
            }
            let ses = num(&r["ses_0.1"]);
            assert!(
                rel(ses_forecast(&s.y, 0.1), ses, 1e-12) < 1e-9,
                "{} ses",
                s.id
            );
            let ga = num(&r["golden_alpha"]);
            assert!(
                rel(golden_section_ses(&s.y, 0.1, 0.3), ga, 1e-12) < 1e-9,
                "{} golden",
                s.id
            );
        }
        eprintln!("intermittent: {checked} forecasts, worst rel diff {worst:?}");
    }
}
