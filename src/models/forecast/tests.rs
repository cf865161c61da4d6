//! Tests of the entry point [`super::forecast`]: argument validation, edge cases of the history
//! (empty, length 1, all missing, negatives, infinities), routing of `auto`, regressors, yearly
//! terms, censored values, fallbacks, and a smoke run of every method on every fixture series.

use super::fixtures;
use super::*;

fn opts(method: &str) -> ForecastOptions {
    let mut o = ForecastOptions::default();
    o.set("method", method).unwrap();
    o
}

fn weekly(n: usize, level: f64) -> Vec<f64> {
    let w = [0.8, 0.9, 0.95, 1.0, 1.1, 1.4, 0.85];
    (0..n)
        .map(|t| (level * w[t % 7] + ((t * 7919) % 13) as f64 * 0.3).round())
        .collect()
}

#[test]
fn horizon_and_levels_are_validated() {
    let y = weekly(50, 20.0);
    let o = ForecastOptions::default();
    let e = forecast(&y, 0, &[], &o, &[]).unwrap_err();
    assert_eq!(e.to_string(), "horizon must be between 1 and 10000, got 0");
    assert!(forecast(&y, 10_001, &[], &o, &[]).is_err());
    assert!(forecast(&y, 10_000, &[], &o, &[]).is_ok());
    for bad in [0.0, 100.0, -5.0, 150.0, f64::NAN] {
        let e = forecast(&y, 7, &[80.0, bad], &o, &[]).unwrap_err();
        assert!(
            e.to_string()
                .contains("level must be strictly between 0 and 100"),
            "{e}"
        );
    }
    let mut o2 = o.clone();
    o2.season_length = 0;
    assert!(forecast(&y, 7, &[], &o2, &[]).is_err());
}

#[test]
fn empty_short_missing_and_infinite_histories() {
    let o = ForecastOptions::default();
    assert_eq!(
        forecast(&[], 3, &[80.0], &o, &[]),
        Err(ForecastError::Empty)
    );
    assert_eq!(
        forecast(&[f64::NAN; 4], 3, &[80.0], &o, &[]),
        Err(ForecastError::AllMissing { len: 4 })
    );
    let e = forecast(&[1.0, f64::INFINITY], 3, &[], &o, &[]).unwrap_err();
    assert!(matches!(e, ForecastError::NonFinite { index: 1, .. }));

    // length 1: auto → naive, zero-width but finite intervals
    let f = forecast(&[4.0], 3, &[80.0, 95.0], &o, &[]).unwrap();
    assert_eq!(f.mean, vec![4.0; 3]);
    assert_eq!(f.model, "Naive");
    assert_eq!(f.fit.demand_class, Some(DemandClass::TooShort));

    // explicit ETS on 5 values falls back (and says so) unless fallback is off
    let y = [3.0, 4.0, 5.0, 4.0, 6.0];
    let f = forecast(&y, 2, &[80.0], &opts("ets"), &[]).unwrap();
    assert!(
        f.fit.notes.iter().any(|n| n.starts_with("fallback")),
        "{:?}",
        f.fit.notes
    );
    let mut no_fb = opts("ets");
    no_fb.fallback = false;
    assert!(matches!(
        forecast(&y, 2, &[80.0], &no_fb, &[]),
        Err(ForecastError::TooShort { .. })
    ));

    // leading NaN are dropped, inner NaN reported
    let mut y = weekly(60, 30.0);
    y[0] = f64::NAN;
    y[1] = f64::NAN;
    y[20] = f64::NAN;
    let f = forecast(&y, 7, &[80.0], &opts("ets"), &[]).unwrap();
    assert_eq!(f.fit.n_missing, 1);
    assert!(f.fit.notes.iter().any(|n| n.contains("2 leading missing")));
}

#[test]
fn negative_values_policies() {
    let y = [5.0, -2.0, 4.0, 6.0, 5.0, 3.0, 4.0, 5.0];
    let f = forecast(&y, 3, &[95.0], &opts("naive"), &[]).unwrap();
    assert!(
        f.fit
            .notes
            .iter()
            .any(|n| n.contains("1 negative value(s) clamped"))
    );
    assert!(f.lower[0].iter().all(|v| *v >= 0.0));
    let mut o = opts("naive");
    o.negatives = NegativePolicy::Error;
    assert!(matches!(
        forecast(&y, 3, &[], &o, &[]),
        Err(ForecastError::Negative { index: 1, .. })
    ));
    let mut o = opts("croston");
    o.negatives = NegativePolicy::Allow;
    assert!(matches!(
        forecast(&y, 3, &[], &o, &[]),
        Err(ForecastError::Negative { .. })
    ));
    let mut o = opts("drift");
    o.negatives = NegativePolicy::Allow;
    let f = forecast(&[3.0, 1.0, -1.0], 2, &[80.0], &o, &[]).unwrap();
    assert_eq!(f.mean, vec![-3.0, -5.0]);
}

#[test]
fn options_are_parsed_strictly() {
    let mut o = ForecastOptions::default();
    assert!(matches!(
        o.set("methd", "naive"),
        Err(ForecastError::UnknownOption { .. })
    ));
    assert!(matches!(
        o.set("method", "prophet"),
        Err(ForecastError::UnknownMethod { .. })
    ));
    assert!(o.set("season_length", "0").is_err());
    assert!(o.set("season_length", "7.5").is_err());
    assert!(o.set("alpha", "1.5").is_err());
    assert!(o.set("negatives", "ignore").is_err());
    o.set("ets_model", "MAdM").unwrap();
    o.set("method", "ets").unwrap();
    assert_eq!(o.method, Method::Ets(EtsPattern::parse("MAdM").unwrap()));
    assert!(o.set("ets_model", "XYZ").is_err());
    o.set("Season_Length", " 12 ").unwrap();
    assert_eq!(o.season_length, 12);
}

#[test]
fn auto_routes_by_demand_class() {
    let o = ForecastOptions::default();
    let smooth = weekly(120, 40.0);
    let f = forecast(&smooth, 14, &[80.0, 95.0], &o, &[]).unwrap();
    assert!(f.model.starts_with("ETS("), "{}", f.model);
    assert_eq!(f.fit.demand_class, Some(DemandClass::Smooth));
    assert!(f.fit.aicc.is_some());

    let inter: Vec<f64> = (0..120)
        .map(|t| if t % 5 == 0 { 2.0 } else { 0.0 })
        .collect();
    let f = forecast(&inter, 14, &[80.0], &o, &[]).unwrap();
    assert_eq!(f.model, "TSB");
    assert_eq!(f.fit.demand_class, Some(DemandClass::Intermittent));
    assert_eq!(f.interval_method, IntervalMethod::HStepErrors);

    let f = forecast(&[0.0; 40], 5, &[80.0], &o, &[]).unwrap();
    assert_eq!(f.model, "Zero");
    assert_eq!(f.mean, vec![0.0; 5]);

    let f = forecast(&[3.0, 5.0, 4.0, 6.0, 5.0], 5, &[80.0], &o, &[]).unwrap();
    assert_eq!(f.model, "WindowAverage(5)");
    assert_eq!(f.fit.demand_class, Some(DemandClass::TooShort));

    let mut hold = o.clone();
    hold.selection = Selection::Holdout;
    let f = forecast(&smooth, 14, &[80.0], &hold, &[]).unwrap();
    assert!(
        f.fit
            .notes
            .iter()
            .any(|n| n.contains("selected by holdout")),
        "{:?}",
        f.fit.notes
    );
    let f = forecast(&inter, 14, &[80.0], &hold, &[]).unwrap();
    assert!(
        f.fit
            .notes
            .iter()
            .any(|n| n.contains("selected by holdout"))
    );
}

#[test]
fn regressors_are_used_or_refused() {
    // sales double in promotion weeks
    let n = 140;
    let promo: Vec<f64> = (0..n + 14)
        .map(|t| if (t / 7) % 4 == 1 { 1.0 } else { 0.0 })
        .collect();
    let base = weekly(n, 30.0);
    let y: Vec<f64> = (0..n).map(|t| base[t] * (1.0 + promo[t])).collect();
    let r = [Regressor {
        name: "promo",
        history: &promo[..n],
        future: &promo[n..],
    }];
    let f = forecast(&y, 14, &[80.0], &opts("ets"), &r).unwrap();
    let beta = f.fit.params.iter().find(|p| p.0 == "beta_promo").unwrap().1;
    assert!((beta - 2f64.ln()).abs() < 0.1, "log-uplift {beta}");
    // future promo days (steps 1..7 are promo: t = 140..146 → week 20, 20 % 4 = 0; check by data)
    let on: Vec<usize> = (0..14).filter(|k| promo[n + k] == 1.0).collect();
    let off: Vec<usize> = (0..14).filter(|k| promo[n + k] == 0.0).collect();
    if !on.is_empty() && !off.is_empty() {
        let avg = |ix: &[usize]| ix.iter().map(|k| f.mean[*k]).sum::<f64>() / ix.len() as f64;
        assert!(avg(&on) > 1.5 * avg(&off));
    }
    // refused by a method that cannot use them
    assert!(matches!(
        forecast(&y, 14, &[], &opts("naive"), &r),
        Err(ForecastError::Unsupported { .. })
    ));
    // future rows missing / wrong length
    let short = [Regressor {
        name: "promo",
        history: &promo[..n],
        future: &promo[n..n + 5],
    }];
    let e = forecast(&y, 14, &[], &opts("ets"), &short).unwrap_err();
    assert!(e.to_string().contains("must have 14 values, got 5"), "{e}");
    let wrong = [Regressor {
        name: "promo",
        history: &promo[..n - 1],
        future: &promo[n..],
    }];
    assert!(matches!(
        forecast(&y, 14, &[], &opts("ets"), &wrong),
        Err(ForecastError::LengthMismatch { .. })
    ));
}

#[test]
fn yearly_fourier_terms_for_long_daily_series() {
    let n = 3 * 365;
    let y: Vec<f64> = (0..n)
        .map(|t| {
            let yearly = 1.0 + 0.4 * (2.0 * std::f64::consts::PI * t as f64 / 365.25).cos();
            (50.0 * yearly * [0.9, 0.9, 1.0, 1.0, 1.1, 1.3, 0.8][t % 7]).round()
        })
        .collect();
    let h = 60;
    let (train, test) = y.split_at(n - h);
    let on = forecast(train, h, &[80.0], &ForecastOptions::default(), &[]).unwrap();
    assert!(
        on.fit
            .notes
            .iter()
            .any(|n| n.contains("yearly seasonality")),
        "{:?}",
        on.fit.notes
    );
    let o = ForecastOptions {
        yearly: Yearly::Off,
        ..ForecastOptions::default()
    };
    let off = forecast(train, h, &[80.0], &o, &[]).unwrap();
    let mae = |f: &Forecast| {
        f.mean
            .iter()
            .zip(test)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / h as f64
    };
    assert!(
        mae(&on) < mae(&off),
        "yearly on {} vs off {}",
        mae(&on),
        mae(&off)
    );
    // yearly = on with less than a year is an error, not silence
    let o = ForecastOptions {
        yearly: Yearly::On,
        fallback: false,
        ..ForecastOptions::default()
    };
    assert!(forecast(&y[..200], 7, &[], &o, &[]).is_err());
}

#[test]
fn censored_values_do_not_bias_ets() {
    // a wandering level (so the fitted alpha is large) and a stock-out in the last 5 days:
    // recorded as NaN the level stays where it was; recorded as zeros it collapses
    let mut level = 40.0;
    let mut y: Vec<f64> = (0..120)
        .map(|t| {
            level += ((t * 7919 % 11) as f64 - 5.0) * 0.8;
            level
        })
        .collect();
    let last_seen = y[114];
    for v in y[115..].iter_mut() {
        *v = f64::NAN;
    }
    let f = forecast(&y, 7, &[80.0], &opts("ses"), &[]).unwrap();
    let mut z = y.clone();
    for v in z[115..].iter_mut() {
        *v = 0.0;
    }
    let g = forecast(&z, 7, &[80.0], &opts("ses"), &[]).unwrap();
    assert!(
        (f.mean[0] - last_seen).abs() < 5.0,
        "{} vs {last_seen}",
        f.mean[0]
    );
    assert!(
        g.mean[0] < f.mean[0] - 10.0,
        "zeros {} vs censored {}",
        g.mean[0],
        f.mean[0]
    );
    assert_eq!(f.fit.n_missing, 5);
}

#[test]
fn quantile_accessor() {
    let f = forecast(&weekly(100, 20.0), 7, &[80.0, 95.0], &opts("ets"), &[]).unwrap();
    assert_eq!(f.quantile(0.5).unwrap(), f.mean);
    assert_eq!(f.quantile(0.9).unwrap(), f.upper[0]);
    assert_eq!(f.quantile(0.025).unwrap(), f.lower[1]);
    let q99 = f.quantile(0.99).unwrap();
    assert!(q99.iter().zip(&f.upper[1]).all(|(a, b)| a >= b));
    assert!(f.quantile(1.0).is_none());
    let g = forecast(
        &[0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 1.0],
        3,
        &[80.0],
        &opts("tsb"),
        &[],
    )
    .unwrap();
    assert!(g.quantile(0.99).is_none());
    assert!(g.quantile(0.9).is_some());
}

#[test]
fn backtest_of_the_entry_point() {
    let y = weekly(150, 25.0);
    let spec = backtest::BacktestSpec {
        horizon: 14,
        folds: 3,
        step: 7,
        mase_season: 7,
    };
    let folds = backtest_series(&y, spec, &[80.0, 95.0], &ForecastOptions::default(), &[]).unwrap();
    assert_eq!(folds.len(), 3);
    let mut acc = backtest::Accumulator::default();
    for f in &folds {
        assert!(f.metrics.mase.is_finite());
        acc.add(&f.forecast, &f.actual, &f.metrics);
    }
    let m = acc.finish();
    assert_eq!(m.n, 42);
    assert!(m.coverage.len() == 2 && m.coverage[1].1 >= m.coverage[0].1);
}

/// Every method on every fixture series: a finite forecast or a typed error, never a panic.
#[test]
fn every_method_on_every_fixture_series() {
    let methods = [
        "auto",
        "ets",
        "ses",
        "holt",
        "holt_damped",
        "holt_winters",
        "holt_winters_multiplicative",
        "naive",
        "seasonal_naive",
        "mean",
        "window_average",
        "drift",
        "croston",
        "croston_optimized",
        "croston_sba",
        "tsb",
        "adida",
        "imapa",
        "theta",
        "optimized_theta",
        "dynamic_theta",
        "dynamic_optimized_theta",
        "auto_theta",
    ];
    for s in fixtures::series() {
        for m in methods {
            let mut o = opts(m);
            o.season_length = s.m;
            o.negatives = NegativePolicy::Clamp;
            match forecast(&s.y, 14, &[80.0, 95.0], &o, &[]) {
                Ok(f) => {
                    assert_eq!(f.mean.len(), 14);
                    assert!(f.mean.iter().all(|v| v.is_finite()), "{} {m}", s.id);
                    for i in 0..2 {
                        for k in 0..14 {
                            assert!(
                                f.lower[i][k] <= f.mean[k] + 1e-9
                                    && f.mean[k] <= f.upper[i][k] + 1e-9,
                                "{} {m}",
                                s.id
                            );
                        }
                    }
                }
                Err(e) => {
                    // only data-driven refusals are acceptable here
                    assert!(
                        matches!(
                            e,
                            ForecastError::Unsupported { .. } | ForecastError::TooShort { .. }
                        ),
                        "{} {m}: {e}",
                        s.id
                    );
                }
            }
        }
    }
}

/// Deterministic fuzz: short and odd histories (NaN, zeros, negatives, spikes, constants) of
/// length 1..60 through every method with every negative policy: never a panic, and either a
/// finite forecast or a typed error.
#[test]
fn fuzz_odd_histories_never_panic() {
    let methods = [
        "auto",
        "ets",
        "ses",
        "holt",
        "holt_damped",
        "holt_winters",
        "naive",
        "seasonal_naive",
        "mean",
        "window_average",
        "drift",
        "croston",
        "croston_optimized",
        "tsb",
        "adida",
        "imapa",
        "theta",
        "auto_theta",
    ];
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for case in 0..300 {
        let n = 1 + (next() * 60.0) as usize;
        let kind = case % 6;
        let y: Vec<f64> = (0..n)
            .map(|_| {
                let u = next();
                match kind {
                    0 => (u * 10.0).floor(),
                    1 if u < 0.2 => f64::NAN,
                    1 => (u * 5.0).floor(),
                    2 => u * 20.0 - 10.0,
                    3 => 7.0,
                    4 if u < 0.9 => 0.0,
                    4 => 1e6 * u,
                    _ if u < 0.5 => f64::NAN,
                    _ => 0.0,
                }
            })
            .collect();
        for m in methods {
            for neg in [NegativePolicy::Clamp, NegativePolicy::Allow] {
                let mut o = opts(m);
                o.negatives = neg;
                match forecast(&y, 5, &[50.0, 99.0], &o, &[]) {
                    Ok(f) => assert!(
                        f.mean
                            .iter()
                            .chain(f.upper.iter().flatten())
                            .all(|v| v.is_finite()),
                        "case {case} {m}"
                    ),
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
            }
        }
    }
}
