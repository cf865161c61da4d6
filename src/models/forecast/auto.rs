//! The `auto` method: classify the demand, route it to a model family, optionally pick the model
//! by a holdout, and the simple rules for histories too short (or too empty) to model.

use super::classify::{self, DemandClass};
use super::error::ForecastError;
use super::ets::EtsPattern;
use super::intermittent::IntermittentMethod;
use super::options::{ForecastOptions, Method, Selection};
use super::regression::Regressor;
use super::types::{FitInfo, Forecast, IntervalMethod};
use super::util::count_observed;
use super::{baseline, run_with_regression};

/// The rule for histories too short to model: naive below 3 observations, else the average of
/// the last `min(season_length, n)` values (a week for daily data smooths the weekday effect).
pub(crate) fn short_rule(
    y: &[f64],
    h: usize,
    levels: &[f64],
    opts: &ForecastOptions,
) -> Result<Forecast, ForecastError> {
    let n_obs = count_observed(y);
    if n_obs < 3 {
        baseline::naive(y, h, levels)
    } else {
        let w = opts.season_length.min(y.len()).max(1);
        baseline::window_average(y, h, w, levels).or_else(|_| baseline::naive(y, h, levels))
    }
}

fn zero_forecast(y: &[f64], h: usize, levels: &[f64]) -> Forecast {
    let n_obs = count_observed(y);
    Forecast {
        mean: vec![0.0; h],
        levels: levels.to_vec(),
        lower: vec![vec![0.0; h]; levels.len()],
        upper: vec![vec![0.0; h]; levels.len()],
        sigma_h: Some(vec![0.0; h]),
        residual_quantiles: None,
        interval_method: IntervalMethod::Degenerate,
        cumulative: None,
        model: "Zero".into(),
        fit: FitInfo {
            n_obs,
            notes: vec!["no demand observed: forecast 0".into()],
            ..FitInfo::default()
        },
    }
}

/// The `auto` method: classify, route, optionally select by holdout.
pub(crate) fn auto(
    y: &[f64],
    h: usize,
    levels: &[f64],
    opts: &ForecastOptions,
    regs: &[Regressor<'_>],
) -> Result<Forecast, ForecastError> {
    let profile = classify::classify(y, opts.min_history());
    let mut f = match profile.class {
        DemandClass::AllZero => {
            let mut f = zero_forecast(y, h, levels);
            if !regs.is_empty() {
                f.fit
                    .notes
                    .push("regressors not used: the history has no demand to explain".into());
            }
            f
        }
        DemandClass::TooShort => {
            let mut f = short_rule(y, h, levels, opts)?;
            f.fit.notes.push(format!(
                "history too short to classify ({} observed, {} needed): simple rule",
                profile.n_obs,
                opts.min_history()
            ));
            if !regs.is_empty() {
                f.fit
                    .notes
                    .push("regressors not used: the history is too short to estimate them".into());
            }
            f
        }
        class => {
            let candidates: Vec<Method> = if class.is_intermittent() && regs.is_empty() {
                match opts.selection {
                    Selection::Rules => vec![intermittent_as_method(opts.intermittent_method)],
                    Selection::Holdout => vec![
                        Method::CrostonSba,
                        Method::Tsb,
                        Method::Adida,
                        Method::Imapa,
                    ],
                }
            } else {
                // smooth / erratic, or any demand with regressors (ETS carries them)
                match opts.selection {
                    Selection::Rules => vec![Method::Ets(EtsPattern::auto())],
                    Selection::Holdout => vec![
                        Method::Ets(EtsPattern::auto()),
                        Method::Theta(None),
                        Method::SeasonalNaive,
                    ],
                }
            };
            select(y, h, levels, opts, regs, &candidates)?
        }
    };
    f.fit.notes.insert(
        0,
        format!(
            "demand class {} (ADI {:.2}, CV² {:.2})",
            profile.class.as_str(),
            profile.adi,
            profile.cv2
        ),
    );
    f.fit.demand_class = Some(profile.class);
    Ok(f)
}

fn intermittent_as_method(m: IntermittentMethod) -> Method {
    match m {
        IntermittentMethod::CrostonClassic => Method::CrostonClassic,
        IntermittentMethod::CrostonOptimized => Method::CrostonOptimized,
        IntermittentMethod::CrostonSba => Method::CrostonSba,
        IntermittentMethod::Tsb { .. } => Method::Tsb,
        IntermittentMethod::Adida => Method::Adida,
        IntermittentMethod::Imapa => Method::Imapa,
    }
}

/// Fits the single candidate, or picks among several by holdout MAE and refits the winner.
fn select(
    y: &[f64],
    h: usize,
    levels: &[f64],
    opts: &ForecastOptions,
    regs: &[Regressor<'_>],
    candidates: &[Method],
) -> Result<Forecast, ForecastError> {
    let sub = |m: Method| ForecastOptions {
        method: m,
        ..opts.clone()
    };
    if candidates.len() == 1 {
        return run_with_regression(y, h, levels, &sub(candidates[0]), candidates[0], regs);
    }
    let hold = if opts.holdout > 0 { opts.holdout } else { h };
    let n = y.len();
    if n <= hold || count_observed(&y[..n - hold]) < opts.min_history() {
        let mut f = run_with_regression(y, h, levels, &sub(candidates[0]), candidates[0], regs)?;
        f.fit.notes.push(format!(
            "holdout selection skipped: {n} values are too few for a holdout of {hold}"
        ));
        return Ok(f);
    }
    let train = &y[..n - hold];
    let actual = &y[n - hold..];
    let split: Vec<Regressor<'_>> = regs
        .iter()
        .map(|r| Regressor {
            name: r.name,
            history: &r.history[..n - hold],
            future: &r.history[n - hold..],
        })
        .collect();
    let mut scores: Vec<(Method, f64)> = Vec::new();
    for &m in candidates {
        if let Ok(f) = run_with_regression(train, hold, &[], &sub(m), m, &split) {
            let (mut s, mut c) = (0.0, 0usize);
            for (a, p) in actual.iter().zip(&f.mean) {
                if !a.is_nan() {
                    s += (a - p.max(0.0)).abs();
                    c += 1;
                }
            }
            let mae = if c > 0 { s / c as f64 } else { f64::NAN };
            if mae.is_finite() {
                scores.push((m, mae));
            }
        }
    }
    let best = scores
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|s| s.0)
        .unwrap_or(candidates[0]);
    let mut f = run_with_regression(y, h, levels, &sub(best), best, regs)?;
    let detail: Vec<String> = scores
        .iter()
        .map(|(m, s)| format!("{m:?} {s:.4}"))
        .collect();
    f.fit.notes.push(format!(
        "selected by holdout MAE over the last {hold} values: {}",
        detail.join(", ")
    ));
    Ok(f)
}
