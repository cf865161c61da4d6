//! Promotion response: uplift = mean units during the promotion / mean baseline units, with a
//! confidence interval on the log ratio (no bootstrap, so it is cheap and deterministic).
//!
//! Two designs:
//! * [`promo_uplift`] — promotion days against non-promotion (baseline) days of the same SKU:
//!   independent samples. `se² = s_p² / (n_p ȳ_p²) + s_b² / (n_b ȳ_b²)` (delta method for
//!   `ln ȳ_p - ln ȳ_b`), Welch–Satterthwaite degrees of freedom.
//! * [`promo_uplift_paired`] — actual units against a baseline *forecast* for the same promotion
//!   days (what the forecasting models provide): paired samples,
//!   `se² = (s_a²/ȳ_a² + s_f²/ȳ_f² - 2 s_af/(ȳ_a ȳ_f)) / n`, n - 1 degrees of freedom.
//!
//! Both report `exp(log ratio ± t_q · se)` at the requested level and a two-sided p-value for
//! "no uplift" (ratio 1). The delta method is a large-sample approximation: with a handful of
//! days, or units that are mostly 0, read the interval as indicative. Sample variances use
//! n - 1. The tests compare with the same formulas evaluated by numpy/scipy (t quantiles).

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::error::{CustomerError, Result, check_lengths, check_non_negative, check_param_range};

/// Uplift with its uncertainty. Optional fields are None where they are undefined (see each).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uplift {
    /// Mean promotion units / mean baseline units.
    pub uplift: f64,
    /// ln(uplift); None when promotion units are all 0 (uplift 0).
    pub log_ratio: Option<f64>,
    /// Standard error of the log ratio; None with fewer than 2 days on a side (or a zero mean).
    pub se_log: Option<f64>,
    pub dof: Option<f64>,
    /// Interval bounds on the uplift at `level`; equal to the uplift when se is 0.
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    /// Two-sided p-value of uplift = 1; None when se is 0 or undefined.
    pub p_value: Option<f64>,
    pub level: f64,
    pub n_promo: usize,
    pub n_baseline: usize,
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    (m, var)
}

fn check_units(name: &str, v: &[f64]) -> Result<()> {
    if v.is_empty() {
        return Err(CustomerError::Empty(format!(
            "{name} has no days; uplift needs at least one on each side"
        )));
    }
    for (i, &x) in v.iter().enumerate() {
        check_non_negative(name, i, x)?;
    }
    Ok(())
}

fn interval(lr: f64, se: f64, dof: f64, level: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
    let Ok(t) = StudentsT::new(0.0, 1.0, dof) else {
        return (None, None, None);
    };
    let q = t.inverse_cdf(0.5 + level / 2.0);
    let p = 2.0 * t.sf((lr / se).abs());
    (
        Some((lr - q * se).exp()),
        Some((lr + q * se).exp()),
        Some(p),
    )
}

fn result(
    uplift: f64,
    lr: Option<f64>,
    se_dof: Option<(f64, f64)>,
    level: f64,
    np: usize,
    nb: usize,
) -> Uplift {
    let (se, dof) = match (lr, se_dof) {
        (Some(_), Some((se, dof))) if se.is_finite() && (se == 0.0 || dof > 0.0) => {
            (Some(se), Some(dof))
        }
        _ => (None, None),
    };
    let (lo, hi, p) = match (lr, se, dof) {
        (Some(_), Some(0.0), _) => (Some(uplift), Some(uplift), None),
        (Some(lr), Some(se), Some(dof)) => interval(lr, se, dof, level),
        _ => (None, None, None),
    };
    Uplift {
        uplift,
        log_ratio: lr,
        se_log: se,
        dof: if se == Some(0.0) { None } else { dof },
        lo,
        hi,
        p_value: p,
        level,
        n_promo: np,
        n_baseline: nb,
    }
}

/// Uplift of promotion days over baseline days (independent samples, Welch).
///
/// Units must be finite and >= 0 (NaN or negative is an error naming the row); each side needs at
/// least one day; a baseline that sums to 0 is an error (uplift undefined). `level` in (0, 1).
/// With fewer than 2 days on a side the uplift is returned without an interval.
pub fn promo_uplift(promo: &[f64], baseline: &[f64], level: f64) -> Result<Uplift> {
    check_level(level)?;
    check_units("promo units", promo)?;
    check_units("baseline units", baseline)?;
    let (mp, vp) = mean_var(promo);
    let (mb, vb) = mean_var(baseline);
    if mb == 0.0 {
        return Err(CustomerError::Degenerate(
            "baseline units are all 0, so uplift is undefined; use a longer baseline or a baseline forecast".into(),
        ));
    }
    let uplift = mp / mb;
    let lr = (mp > 0.0).then(|| (mp / mb).ln());
    let (np, nb) = (promo.len() as f64, baseline.len() as f64);
    let se_dof = (promo.len() > 1 && baseline.len() > 1 && mp > 0.0).then(|| {
        let (a, b) = (vp / (np * mp * mp), vb / (nb * mb * mb));
        let dof = if a + b > 0.0 {
            (a + b).powi(2) / (a * a / (np - 1.0) + b * b / (nb - 1.0))
        } else {
            0.0
        };
        ((a + b).sqrt(), dof)
    });
    Ok(result(
        uplift,
        lr,
        se_dof,
        level,
        promo.len(),
        baseline.len(),
    ))
}

/// Uplift of actual units over a baseline forecast for the same promotion days (paired).
///
/// `actual[i]` and `forecast[i]` are the same day; lengths must match. Rules as
/// [`promo_uplift`]; a forecast that sums to 0 is an error.
pub fn promo_uplift_paired(actual: &[f64], forecast: &[f64], level: f64) -> Result<Uplift> {
    check_level(level)?;
    let n = check_lengths(
        &["actual units", "baseline forecast"],
        &[actual.len(), forecast.len()],
    )?;
    check_units("actual units", actual)?;
    check_units("baseline forecast", forecast)?;
    let (ma, va) = mean_var(actual);
    let (mf, vf) = mean_var(forecast);
    if mf == 0.0 {
        return Err(CustomerError::Degenerate(
            "the baseline forecast is 0 on every day, so uplift is undefined".into(),
        ));
    }
    let uplift = ma / mf;
    let lr = (ma > 0.0).then(|| (ma / mf).ln());
    let nf = n as f64;
    let se_dof = (n > 1 && ma > 0.0).then(|| {
        let cov = actual
            .iter()
            .zip(forecast)
            .map(|(a, f)| (a - ma) * (f - mf))
            .sum::<f64>()
            / (nf - 1.0);
        let var = (va / (ma * ma) + vf / (mf * mf) - 2.0 * cov / (ma * mf)) / nf;
        // rounding can push a perfectly correlated pair a hair below 0
        (var.max(0.0).sqrt(), nf - 1.0)
    });
    Ok(result(uplift, lr, se_dof, level, n, n))
}

fn check_level(level: f64) -> Result<()> {
    check_param_range("confidence level", level, 0.0, 1.0, false)?;
    if level == 0.0 {
        return Err(CustomerError::InvalidParameter(
            "confidence level must be in (0, 1), got 0".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64s, fixture};
    use super::*;

    #[test]
    fn matches_numpy_scipy_closed_form() {
        let fx = fixture(include_str!("../../../tests/fixtures/customer/promo.json"));
        for c in fx["cases"].as_array().unwrap() {
            let (p, b) = (f64s(&c["promo"]), f64s(&c["baseline"]));
            let level = c["level"].as_f64().unwrap();
            let u = match c["kind"].as_str().unwrap() {
                "welch" => promo_uplift(&p, &b, level).unwrap(),
                _ => promo_uplift_paired(&p, &b, level).unwrap(),
            };
            let g = |k: &str| c[k].as_f64().unwrap();
            // arithmetic to 1e-12; interval bounds and p-values to 1e-8 (statrs' t quantile and
            // tail vs scipy's)
            assert_close(u.uplift, g("uplift"), 1e-12, "uplift");
            assert_close(u.log_ratio.unwrap(), g("log_ratio"), 1e-12, "log ratio");
            assert_close(u.se_log.unwrap(), g("se_log"), 1e-12, "se");
            assert_close(u.dof.unwrap(), g("dof"), 1e-12, "dof");
            assert_close(u.lo.unwrap(), g("lo"), 1e-8, "lo");
            assert_close(u.hi.unwrap(), g("hi"), 1e-8, "hi");
            assert_close(u.p_value.unwrap(), g("p_value"), 1e-8, "p");
        }
    }

    #[test]
    fn edge_cases() {
        let e = promo_uplift(&[1.0], &[0.0, 0.0], 0.95).unwrap_err();
        assert!(e.to_string().contains("baseline units are all 0"), "{e}");
        let e = promo_uplift(&[1.0, -1.0], &[1.0, 2.0], 0.95).unwrap_err();
        assert_eq!(e.to_string(), "promo units at row 1 must be >= 0, got -1");
        assert!(promo_uplift(&[], &[1.0], 0.95).is_err());
        assert!(promo_uplift(&[1.0], &[1.0], 1.0).is_err());
        assert!(promo_uplift(&[1.0], &[1.0], 0.0).is_err());
        // one promo day: uplift without an interval
        let u = promo_uplift(&[6.0], &[2.0, 4.0], 0.9).unwrap();
        assert_eq!(u.uplift, 2.0);
        assert!(u.lo.is_none() && u.se_log.is_none());
        // promo all 0: uplift 0, no log ratio
        let u = promo_uplift(&[0.0, 0.0], &[2.0, 4.0], 0.9).unwrap();
        assert_eq!(u.uplift, 0.0);
        assert!(u.log_ratio.is_none() && u.lo.is_none());
        // no variance: a point interval
        let u = promo_uplift(&[4.0, 4.0], &[2.0, 2.0], 0.9).unwrap();
        assert_eq!((u.lo, u.hi, u.p_value), (Some(2.0), Some(2.0), None));
        assert!(promo_uplift_paired(&[1.0, 2.0], &[1.0], 0.9).is_err());
    }
}
