//! The `options` text of the forecast family: `'method=ets, season_length=7, quantiles=0.9,0.99'`
//! (comma-separated `key=value` pairs; a value may itself hold commas, e.g. a list) or a JSON
//! object `'{"method": "ets", "quantiles": [0.9, 0.99]}'`. Keys are case-insensitive. Model keys
//! go to [`ForecastOptions::set`]; the keys below belong to the SQL layer. An unknown key, a key
//! given twice or a bad value is an error (22023) that lists the valid keys.
use crate::error::SqlError;
use crate::models::forecast::{ForecastError, ForecastOptions, OPTION_KEYS};

/// How `available = false` rows are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Censor {
    /// A zero sold on an unavailable day is missing demand (default).
    Zero,
    /// Every unavailable day is missing, whatever it sold.
    All,
    /// Ignore `available`.
    None,
}

/// What a failing series does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum OnError {
    /// The query fails with the series' error (default).
    Raise,
    /// The series' result is NULL and the query goes on.
    Null,
}

/// Which function the options are for (decides the valid keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Func {
    Forecast,
    ForecastX,
    Backtest,
    Profile,
}

impl Func {
    pub fn name(self) -> &'static str {
        match self {
            Func::Forecast => "forecast",
            Func::ForecastX => "forecast_x",
            Func::Backtest => "forecast_backtest",
            Func::Profile => "demand_profile",
        }
    }

    /// The SQL-layer keys of this function, for error messages.
    pub fn sql_keys(self) -> &'static str {
        match self {
            Func::Forecast | Func::ForecastX => {
                "freq (auto|<n>|<n> day|week|hour|minute|second), censor (zero|all|none), \
                 quantiles (e.g. 0.9,0.99), cumulative_quantiles (e.g. 0.9,0.98), on_error \
                 (raise|null), intervals=none (point forecasts only)"
            }
            Func::Backtest => {
                "folds, step, mase_season, freq (auto|<n>|<n> day|week|hour|minute|second), \
                 censor (zero|all|none), on_error (raise|null)"
            }
            Func::Profile => {
                "min_history, season_length, freq (auto|<n>|<n> day|week|hour|minute|second), \
                 censor (zero|all|none)"
            }
        }
    }

    fn valid_keys(self) -> String {
        match self {
            Func::Profile => self.sql_keys().to_string(),
            _ => format!("{OPTION_KEYS}, {}", self.sql_keys()),
        }
    }
}

/// Parsed options of one call.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SeriesOptions {
    pub model: ForecastOptions,
    /// The `freq` text (parsed against the ds type later); None = auto.
    pub freq: Option<String>,
    pub censor: Censor,
    /// Extra quantile probabilities to report (forecast, forecast_x).
    pub quantiles: Vec<f64>,
    /// Probabilities of the cumulative-demand quantiles to report per period (forecast,
    /// forecast_x): the total from the first period through this one.
    pub cumulative_quantiles: Vec<f64>,
    pub on_error: OnError,
    /// Backtest folds (default 3).
    pub folds: usize,
    /// Backtest step between origins (default: the horizon).
    pub step: Option<usize>,
    /// Backtest MASE season (default: season_length).
    pub mase_season: Option<usize>,
    /// `intervals=none` (forecast, forecast_x): point forecasts only, the interval columns
    /// NULL. The models then skip the in-sample forecasts the intervals need (for the cheap
    /// methods most of the work).
    pub no_intervals: bool,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            model: ForecastOptions::default(),
            freq: None,
            censor: Censor::Zero,
            quantiles: Vec::new(),
            cumulative_quantiles: Vec::new(),
            on_error: OnError::Raise,
            folds: 3,
            step: None,
            mase_season: None,
            no_intervals: false,
        }
    }
}

/// Most folds a backtest may ask for.
pub(super) const MAX_FOLDS: usize = 1000;

fn bad(func: Func, msg: impl std::fmt::Display) -> SqlError {
    SqlError::invalid_argument(format!("{}: {msg}", func.name()))
}

/// A list of distinct probabilities strictly between 0 and 1 (at most 50), e.g. `0.9,0.99`.
fn probabilities(func: Func, key: &str, v: &str) -> Result<Vec<f64>, SqlError> {
    let mut qs = Vec::new();
    for p in v.split([',', ' ', ';']).filter(|s| !s.trim().is_empty()) {
        match p.trim().parse::<f64>() {
            Ok(q) if q > 0.0 && q < 1.0 => {
                if !qs.iter().any(|x: &f64| (x - q).abs() < 1e-12) {
                    qs.push(q)
                }
            }
            _ => {
                return Err(bad(
                    func,
                    format!(
                        "option {key} must be probabilities strictly between 0 and 1 (e.g. \
                         {key}=0.9,0.99), got '{p}'"
                    ),
                ));
            }
        }
    }
    if qs.len() > 50 {
        return Err(bad(
            func,
            format!("option {key} takes at most 50 probabilities"),
        ));
    }
    Ok(qs)
}

fn count(func: Func, key: &str, v: &str, lo: usize, hi: usize) -> Result<usize, SqlError> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.fract() == 0.0 && x >= lo as f64 && x <= hi as f64 => Ok(x as usize),
        _ => Err(bad(
            func,
            format!("option {key} must be a whole number between {lo} and {hi}, got '{v}'"),
        )),
    }
}

/// Splits `key=value` pairs; a piece without `=` continues the previous value (lists).
pub(super) fn split_pairs(func: Func, text: &str) -> Result<Vec<(String, String)>, SqlError> {
    let t = text.trim();
    if t.starts_with('{') {
        let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(t)
            .map_err(|e| bad(func, format!("options are not a valid JSON object: {e}")))?;
        return Ok(obj
            .into_iter()
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Array(a) => a
                        .iter()
                        .map(|x| match x {
                            serde_json::Value::String(s) => s.clone(),
                            o => o.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    o => o.to_string(),
                };
                (k, s)
            })
            .collect());
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for piece in t.split(',') {
        if piece.trim().is_empty() {
            continue;
        }
        match piece.split_once('=') {
            Some((k, v)) => out.push((k.trim().to_string(), v.trim().to_string())),
            None => match out.last_mut() {
                Some((_, v)) => {
                    v.push(',');
                    v.push_str(piece.trim());
                }
                None => {
                    return Err(bad(
                        func,
                        format!(
                            "options must be key=value pairs separated by commas, got '{text}'"
                        ),
                    ));
                }
            },
        }
    }
    Ok(out)
}

/// The SQLSTATE error of a model error raised while reading options.
pub(super) fn model_error(func: Func, context: &str, e: &ForecastError) -> SqlError {
    let code = match e {
        ForecastError::Numerical { .. } => crate::error::codes::DATA_EXCEPTION,
        _ => crate::error::codes::INVALID_PARAMETER_VALUE,
    };
    if context.is_empty() {
        SqlError::new(code, format!("{}: {e}", func.name()))
    } else {
        SqlError::new(code, format!("{}: {context}: {e}", func.name()))
    }
}

/// Parses the options text (None or empty = defaults).
pub(super) fn parse(func: Func, text: Option<&str>) -> Result<SeriesOptions, SqlError> {
    let mut o = SeriesOptions::default();
    let Some(text) = text else { return Ok(o) };
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in split_pairs(func, text)? {
        let mut key = k.to_ascii_lowercase();
        if key == "season" {
            key = "season_length".into();
        }
        if seen.contains(&key) {
            return Err(bad(func, format!("option {key} is given twice")));
        }
        seen.push(key.clone());
        let lv = v.to_ascii_lowercase();
        match key.as_str() {
            "freq" => o.freq = Some(v.clone()),
            "censor" => {
                o.censor = match lv.as_str() {
                    "zero" | "zeros" | "true" | "on" => Censor::Zero,
                    "all" => Censor::All,
                    "none" | "false" | "off" => Censor::None,
                    _ => {
                        return Err(bad(
                            func,
                            format!("option censor must be zero, all or none, got '{v}'"),
                        ));
                    }
                }
            }
            "on_error" if func != Func::Profile => {
                o.on_error = match lv.as_str() {
                    "raise" | "error" => OnError::Raise,
                    "null" => OnError::Null,
                    _ => {
                        return Err(bad(
                            func,
                            format!("option on_error must be raise or null, got '{v}'"),
                        ));
                    }
                }
            }
            "quantiles" if matches!(func, Func::Forecast | Func::ForecastX) => {
                o.quantiles = probabilities(func, "quantiles", &v)?;
            }
            "cumulative_quantiles" if matches!(func, Func::Forecast | Func::ForecastX) => {
                o.cumulative_quantiles = probabilities(func, "cumulative_quantiles", &v)?;
            }
            "intervals" if lv == "none" && matches!(func, Func::Forecast | Func::ForecastX) => {
                o.no_intervals = true;
            }
            "folds" if func == Func::Backtest => {
                o.folds = count(func, "folds", &v, 1, MAX_FOLDS)?;
            }
            "step" if func == Func::Backtest => {
                o.step = Some(count(func, "step", &v, 1, 10_000)?);
            }
            "mase_season" if func == Func::Backtest => {
                o.mase_season = Some(count(func, "mase_season", &v, 1, 10_000)?);
            }
            "levels" | "level" => {
                return Err(bad(
                    func,
                    format!(
                        "there is no option {key}: the result always has the 80 % and 95 % \
                         intervals (yhat_lo_80 ... yhat_hi_95); ask for other probabilities with \
                         quantiles=... (e.g. quantiles=0.05,0.95 for a 90 % interval). Valid \
                         options: {}",
                        func.valid_keys()
                    ),
                ));
            }
            _ if func == Func::Profile
                && !matches!(key.as_str(), "min_history" | "season_length") =>
            {
                return Err(bad(
                    func,
                    format!("unknown option '{k}'; valid options: {}", func.valid_keys()),
                ));
            }
            _ => match o.model.set(&key, &v) {
                Ok(()) => {}
                Err(ForecastError::UnknownOption { name, .. }) if name == key => {
                    return Err(bad(
                        func,
                        format!("unknown option '{k}'; valid options: {}", func.valid_keys()),
                    ));
                }
                Err(e @ ForecastError::UnknownOption { .. }) => {
                    // a bad value: say which and list the valid keys of this function
                    let msg = e.to_string();
                    let head = msg.split("; valid:").next().unwrap_or(&msg).to_string();
                    return Err(bad(
                        func,
                        format!("{head}; valid options: {}", func.valid_keys()),
                    ));
                }
                Err(e) => return Err(model_error(func, "", &e)),
            },
        }
    }
    if o.no_intervals && !o.quantiles.is_empty() {
        return Err(bad(
            func,
            "intervals=none leaves out the intervals that quantiles are read from; drop one of \
             the two options",
        ));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_lists_and_json() {
        let o = parse(
            Func::Forecast,
            Some("method=ets, season=7, quantiles=0.9,0.99, censor=all, on_error=null"),
        )
        .unwrap();
        assert_eq!(o.model.season_length, 7);
        assert_eq!(o.quantiles, vec![0.9, 0.99]);
        assert_eq!(o.censor, Censor::All);
        assert_eq!(o.on_error, OnError::Null);
        let j = parse(
            Func::Forecast,
            Some(r#"{"method": "naive", "quantiles": [0.95]}"#),
        )
        .unwrap();
        assert_eq!(j.quantiles, vec![0.95]);
        assert_eq!(
            parse(Func::Forecast, Some("  ")).unwrap(),
            SeriesOptions::default()
        );
    }

    #[test]
    fn errors_list_the_valid_keys() {
        let e = parse(Func::Forecast, Some("colour=red")).unwrap_err();
        assert_eq!(e.code, "22023");
        assert!(
            e.message
                .starts_with("forecast: unknown option 'colour'; valid options: method"),
            "{}",
            e.message
        );
        assert!(e.message.contains("quantiles"), "{}", e.message);
        let e = parse(Func::Forecast, Some("method=magic")).unwrap_err();
        assert!(
            e.message.contains("unknown forecast method 'magic'"),
            "{}",
            e.message
        );
        let e = parse(Func::Forecast, Some("folds=3")).unwrap_err();
        assert!(
            e.message.contains("unknown option 'folds'"),
            "{}",
            e.message
        );
        let e = parse(Func::Profile, Some("method=ets")).unwrap_err();
        assert!(
            e.message.contains("unknown option 'method'"),
            "{}",
            e.message
        );
        let e = parse(Func::Backtest, Some("folds=0")).unwrap_err();
        assert!(
            e.message
                .contains("folds must be a whole number between 1 and 1000"),
            "{}",
            e.message
        );
        let e = parse(Func::Forecast, Some("season_length=0")).unwrap_err();
        assert!(
            e.message
                .contains("season_length must be between 1 and 10000, got 0"),
            "{}",
            e.message
        );
        let e = parse(Func::Forecast, Some("method=naive, method=ets")).unwrap_err();
        assert!(e.message.contains("given twice"), "{}", e.message);
        let e = parse(Func::Forecast, Some("levels=90")).unwrap_err();
        assert!(e.message.contains("quantiles"), "{}", e.message);
    }
}
