//! Rolling-origin backtest (time-series cross-validation) and accuracy metrics with exactly the
//! definitions of `shared/bench/metrics.py`, so aisle's accuracy views and the reference scripts
//! report the same numbers:
//!
//! - **MAE** mean |y − f|; **RMSE** sqrt(mean (y − f)²); **ME** mean (f − y);
//! - **sMAPE** `200/h · Σ |y−f| / (|y|+|f|)` with 0/0 counted as 0 (percent, 0..200);
//! - **MAPE** `100 · mean |y−f|/|y|` over points with `y ≠ 0` (not in metrics.py; NaN if none);
//! - **MASE** `MAE / mean|y_t − y_{t−m}|` over the training part (m = 7 by default, M4), NaN if
//!   the training part has at most `m` values or a zero scale;
//! - **RMSSE** (M5) `sqrt(mean (y−f)² / mean (y_t − y_{t−1})²)`, the denominator over the
//!   training part from its first non-zero value; NaN if that scale is 0 or undefined;
//! - **WAPE** `Σ|y−f| / Σ|y|`; **bias** `Σ(f − y) / Σy` (> 0 = over-forecast);
//! - **coverage** per level: share of points with `lo ≤ y ≤ hi`.
//!
//! Missing actuals (NaN, e.g. censored test days) are left out of every metric; missing
//! training values are skipped in the MASE/RMSSE scales (pairs with a NaN member are dropped).
//!
//! Folds: with `folds = k`, `horizon = h`, `step = s`, fold `i = 0..k` (oldest first) trains on
//! `y[..n − h − (k−1−i)·s]` and is scored on the next `h` values; the last fold ends at `n`.

use super::error::ForecastError;
use super::types::Forecast;

/// Accuracy of one forecast against the actuals (NaN where undefined).
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Points scored (non-missing actuals).
    pub n: usize,
    pub mae: f64,
    pub rmse: f64,
    pub mape: f64,
    pub smape: f64,
    pub mase: f64,
    pub rmsse: f64,
    pub wape: f64,
    pub bias: f64,
    pub me: f64,
    /// `(level, coverage)` for each interval level of the forecast.
    pub coverage: Vec<(f64, f64)>,
}

/// MASE scale `mean |y_t − y_{t−m}|` over `train` (NaN pairs skipped; NaN if none or `len ≤ m`).
pub fn mase_scale(train: &[f64], m: usize) -> f64 {
    if train.len() <= m || m == 0 {
        return f64::NAN;
    }
    let (mut s, mut c) = (0.0, 0usize);
    for t in m..train.len() {
        let d = (train[t] - train[t - m]).abs();
        if !d.is_nan() {
            s += d;
            c += 1;
        }
    }
    if c == 0 { f64::NAN } else { s / c as f64 }
}

/// RMSSE scale (M5): `mean (y_t − y_{t−1})²` from the first non-zero training value.
pub fn rmsse_scale(train: &[f64]) -> f64 {
    let Some(first) = train.iter().position(|v| *v != 0.0 && !v.is_nan()) else {
        return f64::NAN;
    };
    let t = &train[first..];
    if t.len() < 2 {
        return f64::NAN;
    }
    let (mut s, mut c) = (0.0, 0usize);
    for w in t.windows(2) {
        let d = w[1] - w[0];
        if !d.is_nan() {
            s += d * d;
            c += 1;
        }
    }
    if c == 0 { f64::NAN } else { s / c as f64 }
}

/// Scores `forecast` against `actual` (same length as the forecast horizon, NaN = missing),
/// with `train` the history the forecast was made from and `m` the MASE season.
pub fn score(forecast: &Forecast, actual: &[f64], train: &[f64], m: usize) -> Metrics {
    let f = &forecast.mean;
    let (mut n, mut sa, mut ss, mut se, mut sy, mut say) = (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut smape_sum, mut mape_sum, mut mape_n) = (0.0, 0.0, 0usize);
    for (y, fc) in actual.iter().zip(f) {
        if y.is_nan() {
            continue;
        }
        let e = fc - y;
        n += 1;
        sa += e.abs();
        ss += e * e;
        se += e;
        sy += y;
        say += y.abs();
        let den = y.abs() + fc.abs();
        if den != 0.0 {
            smape_sum += e.abs() / den;
        }
        if *y != 0.0 {
            mape_sum += e.abs() / y.abs();
            mape_n += 1;
        }
    }
    let nf = n as f64;
    let nan_if_empty = |v: f64| if n == 0 { f64::NAN } else { v };
    let mae = nan_if_empty(sa / nf);
    let ms = mase_scale(train, m);
    let rs = rmsse_scale(train);
    let coverage = forecast
        .levels
        .iter()
        .enumerate()
        .map(|(i, lv)| {
            let covered = actual
                .iter()
                .enumerate()
                .filter(|(k, y)| {
                    !y.is_nan() && forecast.lower[i][*k] <= **y && **y <= forecast.upper[i][*k]
                })
                .count();
            (*lv, nan_if_empty(covered as f64 / nf))
        })
        .collect();
    Metrics {
        n,
        mae,
        rmse: nan_if_empty((ss / nf).sqrt()),
        mape: if mape_n > 0 {
            100.0 * mape_sum / mape_n as f64
        } else {
            f64::NAN
        },
        smape: nan_if_empty(200.0 * smape_sum / nf),
        mase: if ms.is_finite() && ms > 0.0 {
            mae / ms
        } else {
            f64::NAN
        },
        rmsse: if rs.is_finite() && rs > 0.0 {
            nan_if_empty((ss / nf / rs).sqrt())
        } else {
            f64::NAN
        },
        wape: if say > 0.0 { sa / say } else { f64::NAN },
        bias: if sy != 0.0 { se / sy } else { f64::NAN },
        me: nan_if_empty(se / nf),
        coverage,
    }
}

/// How to cut the history into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacktestSpec {
    /// Steps forecast per fold (1..=10000).
    pub horizon: usize,
    /// Number of folds (1..=1000).
    pub folds: usize,
    /// Steps between consecutive origins (≥ 1).
    pub step: usize,
    /// MASE season (7 for daily data).
    pub mase_season: usize,
}

/// One fold's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    /// Number of history values the fold trained on (= index of its first forecast step).
    pub origin: usize,
    pub forecast: Forecast,
    /// The actuals over the fold's horizon.
    pub actual: Vec<f64>,
    pub metrics: Metrics,
}

/// Runs `model(train, horizon)` on every fold of `y` and scores it.
///
/// Errors: invalid spec, or a history too short for the folds (the oldest fold needs at least
/// one training value). A fold whose model fails returns that error, naming the fold.
pub fn backtest<F>(y: &[f64], spec: BacktestSpec, mut model: F) -> Result<Vec<Fold>, ForecastError>
where
    F: FnMut(&[f64], usize) -> Result<Forecast, ForecastError>,
{
    super::error::check_range(
        "horizon",
        "between 1 and 10000",
        spec.horizon as f64,
        1.0,
        10000.0,
    )?;
    super::error::check_range(
        "folds",
        "between 1 and 1000",
        spec.folds as f64,
        1.0,
        1000.0,
    )?;
    super::error::check_range("step", "at least 1", spec.step as f64, 1.0, f64::MAX)?;
    let n = y.len();
    let span = spec.horizon + (spec.folds - 1) * spec.step;
    if n <= span {
        return Err(ForecastError::TooShort {
            method: format!(
                "backtest with {} folds of horizon {} every {} steps",
                spec.folds, spec.horizon, spec.step
            ),
            needed: span + 1,
            got: n,
        });
    }
    let mut out = Vec::with_capacity(spec.folds);
    for i in 0..spec.folds {
        let origin = n - spec.horizon - (spec.folds - 1 - i) * spec.step;
        let train = &y[..origin];
        let actual = y[origin..origin + spec.horizon].to_vec();
        let forecast = model(train, spec.horizon).map_err(|e| match e {
            ForecastError::TooShort {
                method,
                needed,
                got,
            } => ForecastError::TooShort {
                method: format!(
                    "{method} (backtest fold {} of {}, origin {origin})",
                    i + 1,
                    spec.folds
                ),
                needed,
                got,
            },
            other => other,
        })?;
        let metrics = score(&forecast, &actual, train, spec.mase_season);
        out.push(Fold {
            origin,
            forecast,
            actual,
            metrics,
        });
    }
    Ok(out)
}

/// Mergeable accumulator for pooling accuracy over folds and series the way `metrics.py`'s
/// `evaluate` does: MAE, RMSE, WAPE, bias and ME pooled over all points; sMAPE, MAPE, MASE and
/// RMSSE averaged over the scored forecasts (folds × series) where defined; coverage pooled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator {
    pub n: usize,
    pub sum_abs: f64,
    pub sum_sq: f64,
    pub sum_err: f64,
    pub sum_y: f64,
    pub sum_abs_y: f64,
    pub smape: (f64, usize),
    pub mape: (f64, usize),
    pub mase: (f64, usize),
    pub rmsse: (f64, usize),
    /// `(level, covered points)`.
    pub covered: Vec<(f64, usize)>,
}

impl Accumulator {
    /// Adds one scored forecast (`m` from [`score`] on the same `forecast` and `actual`).
    pub fn add(&mut self, forecast: &Forecast, actual: &[f64], m: &Metrics) {
        for (y, f) in actual.iter().zip(&forecast.mean) {
            if y.is_nan() {
                continue;
            }
            let e = f - y;
            self.n += 1;
            self.sum_abs += e.abs();
            self.sum_sq += e * e;
            self.sum_err += e;
            self.sum_y += y;
            self.sum_abs_y += y.abs();
        }
        for (slot, v) in [
            (&mut self.smape, m.smape),
            (&mut self.mape, m.mape),
            (&mut self.mase, m.mase),
            (&mut self.rmsse, m.rmsse),
        ] {
            if v.is_finite() {
                slot.0 += v;
                slot.1 += 1;
            }
        }
        for (i, lv) in forecast.levels.iter().enumerate() {
            let covered = actual
                .iter()
                .enumerate()
                .filter(|(k, y)| {
                    !y.is_nan() && forecast.lower[i][*k] <= **y && **y <= forecast.upper[i][*k]
                })
                .count();
            match self.covered.iter_mut().find(|(l, _)| (l - lv).abs() < 1e-9) {
                Some(slot) => slot.1 += covered,
                None => self.covered.push((*lv, covered)),
            }
        }
    }

    /// Merges another accumulator (e.g. from another thread or group).
    pub fn merge(&mut self, o: &Accumulator) {
        self.n += o.n;
        self.sum_abs += o.sum_abs;
        self.sum_sq += o.sum_sq;
        self.sum_err += o.sum_err;
        self.sum_y += o.sum_y;
        self.sum_abs_y += o.sum_abs_y;
        for (a, b) in [
            (&mut self.smape, o.smape),
            (&mut self.mape, o.mape),
            (&mut self.mase, o.mase),
            (&mut self.rmsse, o.rmsse),
        ] {
            a.0 += b.0;
            a.1 += b.1;
        }
        for (lv, c) in &o.covered {
            match self.covered.iter_mut().find(|(l, _)| (l - lv).abs() < 1e-9) {
                Some(slot) => slot.1 += c,
                None => self.covered.push((*lv, *c)),
            }
        }
    }

    /// The pooled metrics.
    pub fn finish(&self) -> Metrics {
        let n = self.n as f64;
        let avg = |(s, c): (f64, usize)| if c > 0 { s / c as f64 } else { f64::NAN };
        let pooled = |v: f64| if self.n == 0 { f64::NAN } else { v };
        Metrics {
            n: self.n,
            mae: pooled(self.sum_abs / n),
            rmse: pooled((self.sum_sq / n).sqrt()),
            mape: avg(self.mape),
            smape: avg(self.smape),
            mase: avg(self.mase),
            rmsse: avg(self.rmsse),
            wape: if self.sum_abs_y > 0.0 {
                self.sum_abs / self.sum_abs_y
            } else {
                f64::NAN
            },
            bias: if self.sum_y != 0.0 {
                self.sum_err / self.sum_y
            } else {
                f64::NAN
            },
            me: pooled(self.sum_err / n),
            coverage: self
                .covered
                .iter()
                .map(|(l, c)| (*l, pooled(*c as f64 / n)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::{FitInfo, Forecast};
    use super::*;

    fn fc(mean: Vec<f64>, lo: Vec<f64>, hi: Vec<f64>) -> Forecast {
        Forecast {
            mean,
            levels: vec![80.0],
            lower: vec![lo],
            upper: vec![hi],
            sigma_h: None,
            residual_quantiles: None,
            interval_method: super::super::types::IntervalMethod::Normal,
            cumulative: None,
            model: "test".into(),
            fit: FitInfo::default(),
        }
    }

    /// The self-test cases of shared/bench/metrics.py.
    #[test]
    fn matches_metrics_py_selftest() {
        let y_train = [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        assert_eq!(rmsse_scale(&y_train), 1.0);
        let ar: Vec<f64> = (0..20).map(|v| v as f64).collect();
        assert_eq!(mase_scale(&ar, 7), 7.0);
        let y = [1.0, 0.0, 3.0];
        let f = fc(
            vec![1.0, 0.0, 1.0],
            vec![0.0, -1.0, 0.0],
            vec![2.0, 1.0, 2.0],
        );
        let m = score(&f, &y, &ar, 7);
        assert!((m.smape - 200.0 / 3.0 * 0.5).abs() < 1e-12);
        assert_eq!(m.mae, 2.0 / 3.0);
        assert!((m.wape - 0.5).abs() < 1e-12);
        assert!((m.bias + 0.5).abs() < 1e-12);
        assert_eq!(m.coverage[0].1, 2.0 / 3.0);
        assert!((m.mase - (2.0 / 3.0) / 7.0).abs() < 1e-12);
    }

    #[test]
    fn folds_and_accumulator() {
        let y: Vec<f64> = (0..30).map(|v| v as f64).collect();
        let spec = BacktestSpec {
            horizon: 5,
            folds: 3,
            step: 2,
            mase_season: 7,
        };
        let folds = backtest(&y, spec, |train, h| {
            let last = *train.last().unwrap();
            Ok(fc(vec![last; h], vec![last; h], vec![last + 10.0; h]))
        })
        .unwrap();
        assert_eq!(
            folds.iter().map(|f| f.origin).collect::<Vec<_>>(),
            vec![21, 23, 25]
        );
        assert_eq!(folds[2].actual, vec![25.0, 26.0, 27.0, 28.0, 29.0]);
        assert_eq!(folds[2].metrics.mae, 3.0);
        let mut acc = Accumulator::default();
        for f in &folds {
            acc.add(&f.forecast, &f.actual, &f.metrics);
        }
        let tot = acc.finish();
        assert_eq!(tot.n, 15);
        assert_eq!(tot.mae, 3.0);
        assert_eq!(tot.coverage[0].1, 1.0);
        let too_short = backtest(&y[..9], spec, |_, _| unreachable!());
        assert!(matches!(too_short, Err(ForecastError::TooShort { .. })));
    }
}
