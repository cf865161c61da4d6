//! The options of a forecast call: the method, its parameters and the policies for negative
//! values, yearly seasonality, model selection and intervals, with a strict text parser
//! ([`ForecastOptions::set`]) for the SQL adapters' options map.

use super::error::{ForecastError, check_range};
use super::ets::{self, EtsPattern};
use super::intermittent::IntermittentMethod;
use super::theta::ThetaModel;

/// The forecasting method of a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Classify the demand ([`super::classify`]) and route: smooth/erratic → AutoETS (+ yearly terms
    /// and regressors), intermittent/lumpy → [`ForecastOptions::intermittent_method`] (TSB by
    /// default; with regressors → AutoETS, which can carry them), too short → naive or a
    /// window average, all zero → zero. Optionally chosen by holdout ([`Selection::Holdout`]).
    /// The class is reported in [`super::FitInfo::demand_class`].
    Auto,
    /// ETS: a full spec (`AAdN`) fits that model, a pattern with `Z` (default `ZZZ`) is AutoETS.
    Ets(EtsPattern),
    /// Simple exponential smoothing: ETS(A,N,N) by maximum likelihood, or with a fixed
    /// `alpha` option statsforecast's `SimpleExponentialSmoothing(alpha)`.
    Ses,
    /// Holt's linear trend, ETS(A,A,N).
    Holt,
    /// Damped trend, ETS(A,Ad,N).
    HoltDamped,
    /// Additive Holt–Winters, ETS(A,A,A) (statsforecast `HoltWinters(error_type="A")`).
    HoltWinters,
    /// Multiplicative Holt–Winters, ETS(M,A,M).
    HoltWintersMultiplicative,
    Naive,
    SeasonalNaive,
    /// Historic average.
    Mean,
    WindowAverage,
    /// Random walk with drift.
    Drift,
    CrostonClassic,
    CrostonOptimized,
    CrostonSba,
    Tsb,
    Adida,
    Imapa,
    /// A Theta model; `None` = AutoTheta.
    Theta(Option<ThetaModel>),
}

/// Valid method names, for error messages and docs.
pub const METHOD_NAMES: &str = "auto, ets (alias auto_ets; model via option ets_model), ses, \
    holt, holt_damped, holt_winters, holt_winters_multiplicative, naive, seasonal_naive, mean, \
    window_average, drift, croston (alias croston_classic), croston_optimized, croston_sba \
    (alias sba), tsb, adida, imapa, theta, optimized_theta, dynamic_theta, \
    dynamic_optimized_theta, auto_theta";

impl Method {
    /// Parses a method name (case-insensitive, see [`METHOD_NAMES`]).
    pub fn parse(name: &str) -> Result<Method, ForecastError> {
        let n = name.trim().to_ascii_lowercase();
        Ok(match n.as_str() {
            "auto" => Method::Auto,
            "ets" | "auto_ets" | "autoets" => Method::Ets(EtsPattern::auto()),
            "ses" => Method::Ses,
            "holt" => Method::Holt,
            "holt_damped" => Method::HoltDamped,
            "holt_winters" => Method::HoltWinters,
            "holt_winters_multiplicative" => Method::HoltWintersMultiplicative,
            "naive" => Method::Naive,
            "seasonal_naive" => Method::SeasonalNaive,
            "mean" | "historic_average" => Method::Mean,
            "window_average" => Method::WindowAverage,
            "drift" | "random_walk_with_drift" => Method::Drift,
            "croston" | "croston_classic" => Method::CrostonClassic,
            "croston_optimized" => Method::CrostonOptimized,
            "croston_sba" | "sba" => Method::CrostonSba,
            "tsb" => Method::Tsb,
            "adida" => Method::Adida,
            "imapa" => Method::Imapa,
            "theta" => Method::Theta(Some(ThetaModel::Standard)),
            "optimized_theta" => Method::Theta(Some(ThetaModel::Optimized)),
            "dynamic_theta" => Method::Theta(Some(ThetaModel::Dynamic)),
            "dynamic_optimized_theta" => Method::Theta(Some(ThetaModel::DynamicOptimized)),
            "auto_theta" => Method::Theta(None),
            _ => {
                return Err(ForecastError::UnknownMethod {
                    name: name.to_string(),
                    valid: METHOD_NAMES,
                });
            }
        })
    }

    /// Whether the method can use regressors and yearly Fourier terms.
    pub(crate) fn takes_regression(self) -> bool {
        matches!(
            self,
            Method::Auto
                | Method::Ets(_)
                | Method::Ses
                | Method::Holt
                | Method::HoltDamped
                | Method::HoltWinters
                | Method::HoltWintersMultiplicative
                | Method::Theta(_)
        )
    }
}

/// What to do with negative values in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegativePolicy {
    /// Replace them by 0 and clamp forecasts and bounds at 0 (default).
    Clamp,
    /// Refuse the series ([`ForecastError::Negative`]).
    Error,
    /// Keep them (additive models only; intermittent models still refuse them). Forecasts may
    /// be negative.
    Allow,
}

/// Yearly seasonality by Fourier regression (see [`super::regression`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yearly {
    /// On for ETS/Theta/auto-smooth when at least two full periods are observed.
    Auto,
    /// Always for ETS/Theta/auto-smooth (needs one full period; error otherwise).
    On,
    Off,
}

/// How `auto` picks the model within a demand class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The class's default model.
    Rules,
    /// Fit the class's candidates on all but the last `holdout` steps, keep the lowest MAE on
    /// them, refit it on everything. Smooth/erratic candidates: AutoETS, AutoTheta, seasonal
    /// naive; intermittent/lumpy: CrostonSBA, TSB, ADIDA, IMAPA.
    Holdout,
}

/// Which prediction intervals to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intervals {
    /// Each model's own: analytic normal for ETS, baselines, Theta; empirical residual
    /// quantiles for the intermittent models (statsforecast's definitions where it has them).
    Model,
    /// ETS and intermittent intervals from the model's own h-step in-sample errors
    /// ([`super::IntervalMethod::HStepErrors`]); other models as `Model`.
    Empirical,
    /// ETS intervals from the analytic σ_h scaled by the empirical quantiles of the
    /// standardised one-step residuals ([`super::IntervalMethod::ScaledResiduals`]); other
    /// models as `Model`.
    Scaled,
}

/// Options of one forecast call. `Default` is what `forecast(ds, y, h)` means in SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastOptions {
    pub method: Method,
    /// Season length (7 for daily data with a weekly pattern). 1..=10000.
    pub season_length: usize,
    /// Window of `window_average` (default 7).
    pub window: usize,
    /// Fixed smoothing for `ses` (None = estimated by ETS).
    pub alpha: Option<f64>,
    /// TSB smoothing of the demand size (default 0.2).
    pub tsb_alpha_d: f64,
    /// TSB smoothing of the demand probability (default 0.2).
    pub tsb_alpha_p: f64,
    pub negatives: NegativePolicy,
    pub yearly: Yearly,
    /// Yearly period in steps (default 365.25).
    pub yearly_period: f64,
    /// Fourier pairs for the yearly term (default 3).
    pub yearly_terms: usize,
    pub selection: Selection,
    /// Holdout length for [`Selection::Holdout`] (0 = the horizon).
    pub holdout: usize,
    /// The model `auto` uses for intermittent and lumpy demand (default TSB(0.2, 0.2)).
    pub intermittent_method: IntermittentMethod,
    /// Observed periods needed before a series is classified (0 = 2 × season_length, at
    /// least 14).
    pub min_history: usize,
    /// Fit on the last `max_history` periods only (0 = the whole history, default). The cost
    /// of an ETS fit grows with the history; three years of daily data (1096) keep the yearly
    /// terms (which need two full years) and cut a 1,941-day fit by ~45 %.
    pub max_history: usize,
    /// Fall back to a simple rule when the method needs more data (default true).
    pub fallback: bool,
    /// Interval construction (default [`Intervals::Empirical`]).
    pub intervals: Intervals,
    /// ETS optimiser effort (default [`ets::FitControl::FAST`]; `REFERENCE` = statsforecast).
    pub ets_fit: ets::FitControl,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            method: Method::Auto,
            season_length: 7,
            window: 7,
            alpha: None,
            tsb_alpha_d: 0.2,
            tsb_alpha_p: 0.2,
            negatives: NegativePolicy::Clamp,
            yearly: Yearly::Auto,
            yearly_period: 365.25,
            yearly_terms: 3,
            selection: Selection::Rules,
            holdout: 0,
            intermittent_method: IntermittentMethod::Tsb {
                alpha_d: 0.2,
                alpha_p: 0.2,
            },
            min_history: 0,
            max_history: 0,
            fallback: true,
            intervals: Intervals::Empirical,
            ets_fit: ets::FitControl::FAST,
        }
    }
}

/// Option keys accepted by [`ForecastOptions::set`].
pub const OPTION_KEYS: &str = "method, season_length, window, alpha, alpha_d, alpha_p, \
    negatives (clamp|error|allow), yearly (auto|on|off), yearly_period, yearly_terms, \
    selection (rules|holdout), holdout, intermittent_method (croston|croston_optimized|\
    croston_sba|tsb|adida|imapa), min_history, max_history, fallback (true|false), ets_model (e.g. ZZZ, MAdM), \
    intervals (empirical|scaled|model), ets_fit (fast|reference)";

fn parse_num(key: &str, value: &str) -> Result<f64, ForecastError> {
    value
        .trim()
        .parse::<f64>()
        .map_err(|_| ForecastError::UnknownOption {
            name: format!("{key} = '{value}' (not a number)"),
            valid: OPTION_KEYS,
        })
}

fn parse_count(
    key: &'static str,
    range: &'static str,
    value: &str,
    lo: usize,
    hi: usize,
) -> Result<usize, ForecastError> {
    let v = parse_num(key, value)?;
    if v.fract() != 0.0 || v < lo as f64 || v > hi as f64 {
        return Err(ForecastError::OutOfRange {
            name: key,
            range,
            value: v,
        });
    }
    Ok(v as usize)
}

impl ForecastOptions {
    /// Sets one option from text (case-insensitive key). Unknown keys and unparsable or
    /// out-of-range values are errors naming the valid keys or range.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ForecastError> {
        let k = key.trim().to_ascii_lowercase();
        let v = value.trim().to_ascii_lowercase();
        let bad = |what: &str| ForecastError::UnknownOption {
            name: format!("{k} = '{value}' ({what})"),
            valid: OPTION_KEYS,
        };
        match k.as_str() {
            "method" => {
                // keep an ETS pattern chosen earlier with ets_model
                let m = Method::parse(&v)?;
                self.method = match (m, self.method) {
                    (Method::Ets(_), Method::Ets(p)) => Method::Ets(p),
                    _ => m,
                };
            }
            "ets_model" => {
                let p = EtsPattern::parse(&v)?;
                self.method = Method::Ets(p);
            }
            "season_length" => {
                self.season_length =
                    parse_count("season_length", "between 1 and 10000", &v, 1, 10_000)?
            }
            "window" => self.window = parse_count("window", "between 1 and 10000", &v, 1, 10_000)?,
            "alpha" => {
                let a = parse_num("alpha", &v)?;
                check_range("alpha", "between 0 and 1", a, 0.0, 1.0)?;
                self.alpha = Some(a);
            }
            "alpha_d" => {
                let a = parse_num("alpha_d", &v)?;
                check_range("alpha_d", "between 0 and 1", a, 0.0, 1.0)?;
                self.tsb_alpha_d = a;
                self.sync_tsb();
            }
            "alpha_p" => {
                let a = parse_num("alpha_p", &v)?;
                check_range("alpha_p", "between 0 and 1", a, 0.0, 1.0)?;
                self.tsb_alpha_p = a;
                self.sync_tsb();
            }
            "negatives" => {
                self.negatives = match v.as_str() {
                    "clamp" => NegativePolicy::Clamp,
                    "error" => NegativePolicy::Error,
                    "allow" => NegativePolicy::Allow,
                    _ => return Err(bad("expected clamp, error or allow")),
                }
            }
            "yearly" => {
                self.yearly = match v.as_str() {
                    "auto" => Yearly::Auto,
                    "on" | "true" => Yearly::On,
                    "off" | "false" => Yearly::Off,
                    _ => return Err(bad("expected auto, on or off")),
                }
            }
            "yearly_period" => {
                let p = parse_num("yearly_period", &v)?;
                check_range("yearly_period", "between 4 and 100000", p, 4.0, 100_000.0)?;
                self.yearly_period = p;
            }
            "yearly_terms" => {
                self.yearly_terms = parse_count("yearly_terms", "between 1 and 20", &v, 1, 20)?
            }
            "selection" => {
                self.selection = match v.as_str() {
                    "rules" => Selection::Rules,
                    "holdout" => Selection::Holdout,
                    _ => return Err(bad("expected rules or holdout")),
                }
            }
            "holdout" => {
                self.holdout = parse_count("holdout", "between 0 and 10000", &v, 0, 10_000)?
            }
            "intermittent_method" => {
                self.intermittent_method = match Method::parse(&v)? {
                    Method::CrostonClassic => IntermittentMethod::CrostonClassic,
                    Method::CrostonOptimized => IntermittentMethod::CrostonOptimized,
                    Method::CrostonSba => IntermittentMethod::CrostonSba,
                    Method::Tsb => IntermittentMethod::Tsb {
                        alpha_d: self.tsb_alpha_d,
                        alpha_p: self.tsb_alpha_p,
                    },
                    Method::Adida => IntermittentMethod::Adida,
                    Method::Imapa => IntermittentMethod::Imapa,
                    _ => return Err(bad("expected an intermittent method")),
                }
            }
            "min_history" => {
                self.min_history =
                    parse_count("min_history", "between 0 and 100000", &v, 0, 100_000)?
            }
            "max_history" => {
                self.max_history = parse_count(
                    "max_history",
                    "0 (the whole history) or between 2 and 10000000",
                    &v,
                    0,
                    10_000_000,
                )?;
                if self.max_history == 1 {
                    return Err(ForecastError::OutOfRange {
                        name: "max_history",
                        range: "0 (the whole history) or between 2 and 10000000",
                        value: 1.0,
                    });
                }
            }
            "fallback" => {
                self.fallback = match v.as_str() {
                    "true" | "on" | "1" => true,
                    "false" | "off" | "0" => false,
                    _ => return Err(bad("expected true or false")),
                }
            }
            "ets_fit" => {
                self.ets_fit = match v.as_str() {
                    "fast" => ets::FitControl::FAST,
                    "reference" | "statsforecast" => ets::FitControl::REFERENCE,
                    _ => return Err(bad("expected fast or reference")),
                }
            }
            "intervals" => {
                self.intervals = match v.as_str() {
                    "empirical" => Intervals::Empirical,
                    "scaled" => Intervals::Scaled,
                    "model" | "normal" => Intervals::Model,
                    _ => return Err(bad("expected empirical, scaled or model")),
                }
            }
            _ => {
                return Err(ForecastError::UnknownOption {
                    name: key.to_string(),
                    valid: OPTION_KEYS,
                });
            }
        }
        Ok(())
    }

    fn sync_tsb(&mut self) {
        if let IntermittentMethod::Tsb { .. } = self.intermittent_method {
            self.intermittent_method = IntermittentMethod::Tsb {
                alpha_d: self.tsb_alpha_d,
                alpha_p: self.tsb_alpha_p,
            };
        }
    }

    pub(crate) fn min_history(&self) -> usize {
        if self.min_history > 0 {
            self.min_history
        } else {
            (2 * self.season_length).max(14)
        }
    }
}
