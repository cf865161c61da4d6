//! Exogenous regressors and yearly seasonality by regression, applied around any univariate
//! model ("regression with model errors", two-step):
//!
//! 1. regress the history on an intercept, a linear trend, `K` Fourier pairs of the yearly
//!    period (when enabled) and the regressors (promotion flag, price, temperature, ...);
//! 2. remove the Fourier and regressor effects (the intercept and trend stay in the series, for
//!    the model to track);
//! 3. forecast the adjusted series with the chosen model (e.g. ETS with weekly seasonality);
//! 4. put the effects back using the future Fourier terms and the future regressor values.
//!
//! **Mode**: when every observed value is positive the regression is on `ln y` and the effects
//! are multiplicative factors (a promotion lifts sales by a factor, a yearly peak scales the
//! weekly pattern); otherwise it is on `y` and the effects are additive. Forecast bounds are
//! scaled (or shifted) with the mean, treating the effects as known.
//!
//! **Yearly seasonality** for daily data: `sin/cos(2πk·t/P)`, `k = 1..K`, `P = 365.25` by
//! default, `t` the position in the history (the phase is estimated, so no calendar is needed).
//!
//! **Validation** (never silently ignore a regressor): each regressor needs exactly one history
//! value per history value of `y` and one future value per forecast step; future values must be
//! finite; names must be unique and non-empty. A history row with a NaN regressor value (or NaN
//! `y`) is left out of the regression. A regressor that is constant over the rows used cannot
//! be estimated: its coefficient is 0 and a note says so. Too few rows for the columns is
//! [`ForecastError::TooShort`].

use super::error::ForecastError;
use super::linalg::lstsq;

/// One exogenous regressor: its values over the history (aligned with `y`) and over the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regressor<'a> {
    pub name: &'a str,
    pub history: &'a [f64],
    pub future: &'a [f64],
}

/// Yearly Fourier terms: period (in steps) and number of sine/cosine pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fourier {
    pub period: f64,
    pub pairs: usize,
}

/// The fitted regression part.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionFit {
    /// Multiplicative (log-scale) effects.
    pub multiplicative: bool,
    /// Effect per history step (additive amount, or factor when multiplicative).
    pub history_effect: Vec<f64>,
    /// Effect per forecast step.
    pub future_effect: Vec<f64>,
    /// `(name, coefficient)` for every Fourier column and regressor.
    pub coefficients: Vec<(String, f64)>,
    /// Human-readable notes (constant regressors, mode).
    pub notes: Vec<String>,
}

impl RegressionFit {
    /// The history with the effects removed.
    pub fn adjust(&self, y: &[f64]) -> Vec<f64> {
        y.iter()
            .zip(&self.history_effect)
            .map(|(v, e)| if self.multiplicative { v / e } else { v - e })
            .collect()
    }

    /// Puts the future effects back onto a forecast path (mean or a bound).
    pub fn restore(&self, v: &mut [f64]) {
        for (x, e) in v.iter_mut().zip(&self.future_effect) {
            if self.multiplicative {
                *x *= e;
            } else {
                *x += e;
            }
        }
    }
}

/// Checks the regressors against a history of `n` values and a horizon `h`.
pub fn validate(regressors: &[Regressor<'_>], n: usize, h: usize) -> Result<(), ForecastError> {
    for (i, r) in regressors.iter().enumerate() {
        if r.name.trim().is_empty() {
            return Err(ForecastError::UnknownOption {
                name: format!("regressor #{} has an empty name", i + 1),
                valid: "a non-empty, unique name per regressor",
            });
        }
        if regressors[..i].iter().any(|o| o.name == r.name) {
            return Err(ForecastError::UnknownOption {
                name: format!("regressor '{}' given twice", r.name),
                valid: "a non-empty, unique name per regressor",
            });
        }
        if r.history.len() != n {
            return Err(ForecastError::LengthMismatch {
                name: format!("history of regressor '{}' (one per history value)", r.name),
                expected: n,
                got: r.history.len(),
            });
        }
        if r.future.len() != h {
            return Err(ForecastError::LengthMismatch {
                name: format!(
                    "future values of regressor '{}' (one per forecast step: the future must be known)",
                    r.name
                ),
                expected: h,
                got: r.future.len(),
            });
        }
        if let Some(index) = r.future.iter().position(|v| !v.is_finite()) {
            return Err(ForecastError::NonFinite {
                name: format!(
                    "future value of regressor '{}' (NULL/NaN not allowed)",
                    r.name
                ),
                index,
            });
        }
        if let Some(index) = r.history.iter().position(|v| v.is_infinite()) {
            return Err(ForecastError::NonFinite {
                name: format!("history of regressor '{}'", r.name),
                index,
            });
        }
    }
    Ok(())
}

fn fourier_value(t: f64, period: f64, k: usize, sine: bool) -> f64 {
    let a = 2.0 * std::f64::consts::PI * k as f64 * t / period;
    if sine { a.sin() } else { a.cos() }
}

/// Fits the regression of `y` (length `n`, NaN = missing) on intercept, trend, the Fourier
/// terms and the regressors; `h` future steps. Call [`validate`] first.
pub fn fit(
    y: &[f64],
    regressors: &[Regressor<'_>],
    fourier: Option<Fourier>,
    h: usize,
) -> Result<RegressionFit, ForecastError> {
    let n = y.len();
    let multiplicative = y.iter().filter(|v| !v.is_nan()).all(|v| *v > 0.0);
    let rows: Vec<usize> = (0..n)
        .filter(|&t| !y[t].is_nan() && regressors.iter().all(|r| !r.history[t].is_nan()))
        .collect();
    let target: Vec<f64> = rows
        .iter()
        .map(|&t| if multiplicative { y[t].ln() } else { y[t] })
        .collect();

    // candidate columns over all n + h steps: (name, values)
    let mut cols: Vec<(String, Vec<f64>)> = Vec::new();
    if let Some(f) = fourier {
        for k in 1..=f.pairs {
            for sine in [true, false] {
                let name = format!("yearly_{}{k}", if sine { "sin" } else { "cos" });
                let v = (0..n + h)
                    .map(|t| fourier_value(t as f64, f.period, k, sine))
                    .collect();
                cols.push((name, v));
            }
        }
    }
    let n_fourier = cols.len();
    let mut notes = Vec::new();
    let mut coefficients: Vec<(String, f64)> = Vec::new();
    let mut used: Vec<usize> = (0..n_fourier).collect();
    for r in regressors {
        let mut v = r.history.to_vec();
        v.extend_from_slice(r.future);
        let first = rows.first().map(|&t| v[t]);
        let constant = first.is_none_or(|a| rows.iter().all(|&t| v[t] == a));
        cols.push((format!("beta_{}", r.name), v));
        if constant {
            notes.push(format!(
                "regressor '{}' is constant over the history: its effect cannot be estimated, \
                 coefficient set to 0",
                r.name
            ));
        } else {
            used.push(cols.len() - 1);
        }
    }
    let p = 2 + used.len();
    if rows.len() < p + 2 {
        return Err(ForecastError::TooShort {
            method: "regression on Fourier terms/regressors".into(),
            needed: p + 2,
            got: rows.len(),
        });
    }
    let mut design = Vec::with_capacity(rows.len() * p);
    design.extend(std::iter::repeat_n(1.0, rows.len()));
    design.extend(rows.iter().map(|&t| t as f64 / n as f64));
    for &c in &used {
        design.extend(rows.iter().map(|&t| cols[c].1[t]));
    }
    let beta = lstsq(&design, rows.len(), p, &target).ok_or_else(|| ForecastError::Numerical {
        what: format!(
            "the regressors {} are collinear (one is a combination of the others or of the \
             yearly terms) over the history",
            regressors
                .iter()
                .map(|r| format!("'{}'", r.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })?;
    let mut coef = vec![0.0; cols.len()];
    for (j, &c) in used.iter().enumerate() {
        coef[c] = beta[2 + j];
    }
    let mut effect = vec![0.0; n + h];
    for (c, (_, v)) in cols.iter().enumerate() {
        if coef[c] != 0.0 {
            for (e, x) in effect.iter_mut().zip(v) {
                *e += coef[c] * x;
            }
        }
    }
    for (c, (name, _)) in cols.iter().enumerate() {
        coefficients.push((name.clone(), coef[c]));
    }
    if multiplicative {
        for e in effect.iter_mut() {
            *e = e.exp();
        }
        notes.push("regression effects are multiplicative (log scale; all values positive)".into());
    } else {
        notes.push("regression effects are additive (the history has zeros or negatives)".into());
    }
    let future_effect = effect.split_off(n);
    Ok(RegressionFit {
        multiplicative,
        history_effect: effect,
        future_effect,
        coefficients,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_additive_promo_effect() {
        // y = 10 + 0.01 t + 5 promo, with zeros elsewhere so the additive mode is used
        let n = 60;
        let promo: Vec<f64> = (0..n).map(|t| if t % 10 < 3 { 1.0 } else { 0.0 }).collect();
        let mut y: Vec<f64> = (0..n)
            .map(|t| 10.0 + 0.01 * t as f64 + 5.0 * promo[t])
            .collect();
        y[5] = 0.0;
        let fut = [1.0, 0.0];
        let r = [Regressor {
            name: "promo",
            history: &promo,
            future: &fut,
        }];
        validate(&r, n, 2).unwrap();
        let f = fit(&y, &r, None, 2).unwrap();
        assert!(!f.multiplicative);
        let b = f
            .coefficients
            .iter()
            .find(|c| c.0 == "beta_promo")
            .unwrap()
            .1;
        assert!((b - 5.0).abs() < 0.5, "{b}");
        assert!((f.future_effect[0] - b).abs() < 1e-12 && f.future_effect[1] == 0.0);
    }

    #[test]
    fn validation_errors() {
        let h = [1.0, 2.0];
        let r = [Regressor {
            name: "price",
            history: &h,
            future: &[1.0],
        }];
        assert!(matches!(
            validate(&r, 3, 1),
            Err(ForecastError::LengthMismatch {
                expected: 3,
                got: 2,
                ..
            })
        ));
        assert!(matches!(
            validate(&r, 2, 2),
            Err(ForecastError::LengthMismatch {
                expected: 2,
                got: 1,
                ..
            })
        ));
        let r = [Regressor {
            name: "price",
            history: &h,
            future: &[f64::NAN],
        }];
        assert!(matches!(
            validate(&r, 2, 1),
            Err(ForecastError::NonFinite { .. })
        ));
        let r2 = [r[0], r[0]];
        assert!(validate(&r2, 2, 1).is_err());
    }

    #[test]
    fn constant_regressor_is_reported() {
        let y: Vec<f64> = (0..30).map(|t| 5.0 + (t % 3) as f64).collect();
        let zeros = vec![0.0; 30];
        let r = [Regressor {
            name: "promo",
            history: &zeros,
            future: &[1.0],
        }];
        let f = fit(&y, &r, None, 1).unwrap();
        assert!(f.notes.iter().any(|n| n.contains("constant")));
        assert_eq!(f.future_effect, vec![1.0]); // multiplicative mode, factor 1
    }
}
