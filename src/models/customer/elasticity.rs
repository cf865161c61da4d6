//! Price elasticity of demand: the slope of `ln(units) ~ ln(price)` by ordinary least squares,
//! per SKU, with a category-pooled fallback when a SKU's own data are thin.
//!
//! * Rows with units = 0 or price = 0 cannot enter a log-log fit; they are skipped and counted
//!   (`n_skipped`), never silently: a SKU that sells 0 on most days is better served by a count
//!   model, and the count tells the analyst. Negative prices or units, NaN and infinities are
//!   errors naming the row.
//! * Standard errors are the classical OLS ones (homoskedastic), t = slope / se, two-sided p
//!   from Student's t with n - 2 degrees of freedom (the tests compare with numpy's `lstsq`
//!   closed form).
//! * Pooled fit: one common slope for all SKUs of a category with a separate intercept per SKU
//!   (SKU fixed effects, "within" estimator): regressing demeaned ln(units) on demeaned ln(price).
//!   Pooling raw levels instead would mix the SKUs' different base demands into the slope.
//! * Thin-data rule ([`ElasticityOptions`]): a SKU uses its own fit when it has at least
//!   `min_observations` usable rows (default 8) and its ln(price) varies with population
//!   standard deviation at least `min_log_price_sd` (default 0.02, about ±2 % price moves);
//!   otherwise it takes the pooled category slope (source `Pooled`). If the pool itself cannot
//!   be fitted the SKU gets no estimate (source `Insufficient`), never a NaN.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::error::{CustomerError, Result, check_lengths, check_non_negative};

/// One log-log OLS fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OlsFit {
    /// The elasticity.
    pub slope: f64,
    pub intercept: f64,
    /// Standard error of the slope.
    pub se: f64,
    /// slope / se; None when se = 0 (a perfect fit).
    pub t: Option<f64>,
    /// Two-sided p-value of slope = 0; None when se = 0.
    pub p_value: Option<f64>,
    /// R²; None when ln(units) does not vary.
    pub r2: Option<f64>,
    /// Rows used, and rows skipped for units = 0 or price = 0.
    pub n: usize,
    pub n_skipped: usize,
}

/// The category-pooled (SKU fixed-effects) fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PooledFit {
    pub slope: f64,
    pub se: f64,
    pub t: Option<f64>,
    pub p_value: Option<f64>,
    /// R² of the demeaned regression; None when demeaned ln(units) does not vary.
    pub r2_within: Option<f64>,
    pub n: usize,
    pub n_skus: usize,
    pub n_skipped: usize,
}

/// Thin-data thresholds; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElasticityOptions {
    pub min_observations: usize,
    pub min_log_price_sd: f64,
}

impl Default for ElasticityOptions {
    fn default() -> Self {
        ElasticityOptions {
            min_observations: 8,
            min_log_price_sd: 0.02,
        }
    }
}

/// Where a SKU's elasticity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElasticitySource {
    Sku,
    Pooled,
    Insufficient,
}

impl ElasticitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            ElasticitySource::Sku => "sku",
            ElasticitySource::Pooled => "pooled",
            ElasticitySource::Insufficient => "insufficient",
        }
    }
}

/// The elasticity chosen for one SKU.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuElasticity {
    pub sku: i64,
    /// None only with source `Insufficient`.
    pub elasticity: Option<f64>,
    pub se: Option<f64>,
    pub source: ElasticitySource,
    /// Usable rows of this SKU, and the reason it was thin (None when its own fit is used).
    pub n: usize,
    pub thin_reason: Option<String>,
    /// The SKU's own fit when it could be computed at all (even if thin and not used).
    pub own_fit: Option<OlsFit>,
}

/// Validates and logs the usable rows; returns (ln price, ln units) and the skipped count.
fn log_rows(prices: &[f64], units: &[f64], offset: usize) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    check_lengths(&["prices", "units"], &[prices.len(), units.len()])?;
    let (mut lp, mut lq) = (
        Vec::with_capacity(prices.len()),
        Vec::with_capacity(prices.len()),
    );
    let mut skipped = 0;
    for i in 0..prices.len() {
        let p = check_non_negative("price", offset + i, prices[i])?;
        let q = check_non_negative("units", offset + i, units[i])?;
        if p == 0.0 || q == 0.0 {
            skipped += 1;
        } else {
            lp.push(p.ln());
            lq.push(q.ln());
        }
    }
    Ok((lp, lq, skipped))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Two-sided p-value and t for `slope / se` with `dof` degrees of freedom.
fn t_test(slope: f64, se: f64, dof: f64) -> (Option<f64>, Option<f64>) {
    if se.is_nan() || se <= 0.0 {
        return (None, None);
    }
    let t = slope / se;
    let p = StudentsT::new(0.0, 1.0, dof)
        .ok()
        .map(|d| 2.0 * d.sf(t.abs()));
    (Some(t), p)
}

/// Log-log OLS of `units` on `prices` for one SKU.
///
/// Errors: unequal lengths; negative/NaN/infinite values (naming the row); fewer than 3 usable
/// rows (the standard error needs n - 2 > 0 degrees of freedom); no variation in price.
pub fn fit_log_log(prices: &[f64], units: &[f64]) -> Result<OlsFit> {
    let (x, y, skipped) = log_rows(prices, units, 0)?;
    ols(&x, &y, skipped)
}

fn ols(x: &[f64], y: &[f64], skipped: usize) -> Result<OlsFit> {
    let n = x.len();
    if n < 3 {
        return Err(CustomerError::Empty(format!(
            "a log-log fit needs at least 3 rows with price > 0 and units > 0, got {n} ({skipped} skipped)"
        )));
    }
    let (mx, my) = (mean(x), mean(y));
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let syy: f64 = y.iter().map(|v| (v - my) * (v - my)).sum();
    // exact comparison: the sum of squares of identical logs can come out 1e-31 instead of 0
    let varies = x.iter().any(|v| *v != x[0]);
    if !varies || sxx.is_nan() || sxx <= 0.0 {
        return Err(CustomerError::Degenerate(
            "price does not vary, so elasticity cannot be estimated".into(),
        ));
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (b - intercept - slope * a).powi(2))
        .sum();
    let dof = (n - 2) as f64;
    let se = (rss / dof / sxx).sqrt();
    let (t, p_value) = t_test(slope, se, dof);
    Ok(OlsFit {
        slope,
        intercept,
        se,
        t,
        p_value,
        r2: if syy > 0.0 {
            Some(1.0 - rss / syy)
        } else {
            None
        },
        n,
        n_skipped: skipped,
    })
}

/// Rows grouped by SKU (sorted by SKU id): (sku, ln prices, ln units, skipped).
type SkuRows = Vec<(i64, Vec<f64>, Vec<f64>, usize)>;

fn group_rows(skus: &[i64], prices: &[f64], units: &[f64]) -> Result<SkuRows> {
    check_lengths(
        &["skus", "prices", "units"],
        &[skus.len(), prices.len(), units.len()],
    )?;
    let mut order: Vec<usize> = (0..skus.len()).collect();
    order.sort_by_key(|&i| (skus[i], i));
    let mut out: SkuRows = Vec::new();
    for &i in &order {
        let p = check_non_negative("price", i, prices[i])?;
        let q = check_non_negative("units", i, units[i])?;
        if out.last().is_none_or(|g| g.0 != skus[i]) {
            out.push((skus[i], vec![], vec![], 0));
        }
        let g = out.last_mut().expect("group exists");
        if p == 0.0 || q == 0.0 {
            g.3 += 1;
        } else {
            g.1.push(p.ln());
            g.2.push(q.ln());
        }
    }
    Ok(out)
}

fn pooled_from_groups(groups: &SkuRows) -> Result<PooledFit> {
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    let (mut n, mut skipped) = (0, 0);
    let mut n_skus = 0;
    for (_, x, y, s) in groups {
        skipped += s;
        if x.is_empty() {
            continue;
        }
        n_skus += 1;
        n += x.len();
        let my = mean(y);
        if x.iter().all(|v| *v == x[0]) {
            // no price variation: adds to the residual only (exactly, not a 1e-31 "variation")
            syy += y.iter().map(|b| (b - my) * (b - my)).sum::<f64>();
            continue;
        }
        let mx = mean(x);
        for (a, b) in x.iter().zip(y) {
            sxx += (a - mx) * (a - mx);
            sxy += (a - mx) * (b - my);
            syy += (b - my) * (b - my);
        }
    }
    // degrees of freedom of the dummy-variable regression: n rows - one intercept per SKU - slope
    if n < n_skus + 2 {
        return Err(CustomerError::Empty(format!(
            "a pooled fit needs at least 2 more usable rows than SKUs, got {n} rows for {n_skus} SKUs"
        )));
    }
    if sxx.is_nan() || sxx <= 0.0 {
        return Err(CustomerError::Degenerate(
            "price does not vary within any SKU of the pool, so elasticity cannot be estimated"
                .into(),
        ));
    }
    let slope = sxy / sxx;
    let rss = (syy - slope * sxy).max(0.0);
    let dof = (n - n_skus - 1) as f64;
    let se = (rss / dof / sxx).sqrt();
    let (t, p_value) = t_test(slope, se, dof);
    Ok(PooledFit {
        slope,
        se,
        t,
        p_value,
        r2_within: if syy > 0.0 {
            Some(1.0 - rss / syy)
        } else {
            None
        },
        n,
        n_skus,
        n_skipped: skipped,
    })
}

/// Category-pooled elasticity: SKU fixed effects, one common slope, over rows
/// (`skus[i]`, `prices[i]`, `units[i]`) in any order. Errors as [`fit_log_log`], and when there
/// are fewer than (SKUs + 2) usable rows or price never varies within a SKU.
pub fn fit_pooled(skus: &[i64], prices: &[f64], units: &[f64]) -> Result<PooledFit> {
    pooled_from_groups(&group_rows(skus, prices, units)?)
}

/// Elasticity per SKU of one category, with the pooled fallback for thin SKUs (see the module
/// documentation). Rows in any order; output sorted by SKU. Bad values are errors naming the
/// row; empty input gives an empty result; bad options are errors.
pub fn elasticity_by_sku(
    skus: &[i64],
    prices: &[f64],
    units: &[f64],
    opts: &ElasticityOptions,
) -> Result<Vec<SkuElasticity>> {
    if opts.min_observations < 3 {
        return Err(CustomerError::InvalidParameter(format!(
            "min_observations must be at least 3, got {}",
            opts.min_observations
        )));
    }
    if !(opts.min_log_price_sd.is_finite() && opts.min_log_price_sd >= 0.0) {
        return Err(CustomerError::InvalidParameter(format!(
            "min_log_price_sd must be a finite number >= 0, got {}",
            opts.min_log_price_sd
        )));
    }
    let groups = group_rows(skus, prices, units)?;
    let pooled = pooled_from_groups(&groups).ok();
    Ok(groups
        .iter()
        .map(|(sku, x, y, skipped)| {
            let own = ols(x, y, *skipped).ok();
            let n = x.len();
            let sd = if n > 0 {
                let m = mean(x);
                (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt()
            } else {
                0.0
            };
            let thin = if n < opts.min_observations {
                Some(format!(
                    "{n} usable rows < min_observations {}",
                    opts.min_observations
                ))
            } else if sd < opts.min_log_price_sd {
                Some(format!(
                    "sd of ln(price) {sd:.4} < min_log_price_sd {}",
                    opts.min_log_price_sd
                ))
            } else {
                None
            };
            let (elasticity, se, source) = match (&thin, own, pooled) {
                (None, Some(f), _) => (Some(f.slope), Some(f.se), ElasticitySource::Sku),
                (_, _, Some(p)) => (Some(p.slope), Some(p.se), ElasticitySource::Pooled),
                _ => (None, None, ElasticitySource::Insufficient),
            };
            SkuElasticity {
                sku: *sku,
                elasticity,
                se,
                source,
                n,
                thin_reason: thin,
                own_fit: own,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64s, fixture, i64s};
    use super::*;

    #[test]
    fn matches_numpy_lstsq() {
        let fx = fixture(include_str!(
            "../../../tests/fixtures/customer/elasticity.json"
        ));
        let (sku, cat) = (i64s(&fx["sku"]), i64s(&fx["category"]));
        let (p, q) = (f64s(&fx["price"]), f64s(&fx["units"]));
        let rows = |pred: &dyn Fn(usize) -> bool| -> (Vec<i64>, Vec<f64>, Vec<f64>) {
            let idx: Vec<usize> = (0..sku.len()).filter(|&i| pred(i)).collect();
            (
                idx.iter().map(|&i| sku[i]).collect(),
                idx.iter().map(|&i| p[i]).collect(),
                idx.iter().map(|&i| q[i]).collect(),
            )
        };
        // per SKU: 1e-10 relative (closed form vs numpy's SVD-based lstsq)
        for (k, w) in fx["per_sku"].as_object().unwrap() {
            let s: i64 = k.parse().unwrap();
            let (_, pp, qq) = rows(&|i| sku[i] == s);
            let f = fit_log_log(&pp, &qq).unwrap();
            assert_close(f.slope, w["slope"].as_f64().unwrap(), 1e-10, "slope");
            assert_close(
                f.intercept,
                w["intercept"].as_f64().unwrap(),
                1e-10,
                "intercept",
            );
            assert_close(f.se, w["se"].as_f64().unwrap(), 1e-10, "se");
            assert_close(f.t.unwrap(), w["t"].as_f64().unwrap(), 1e-10, "t");
            assert_close(f.r2.unwrap(), w["r2"].as_f64().unwrap(), 1e-10, "r2");
            assert_eq!(f.n as u64, w["n"].as_u64().unwrap());
        }
        // pooled with SKU dummies: 1e-9 relative
        for (k, w) in fx["pooled"].as_object().unwrap() {
            let c: i64 = k.parse().unwrap();
            let (ss, pp, qq) = rows(&|i| cat[i] == c);
            let f = fit_pooled(&ss, &pp, &qq).unwrap();
            assert_close(f.slope, w["slope"].as_f64().unwrap(), 1e-9, "pooled slope");
            assert_close(f.se, w["se"].as_f64().unwrap(), 1e-9, "pooled se");
            assert_close(
                f.r2_within.unwrap(),
                w["r2_within"].as_f64().unwrap(),
                1e-9,
                "pooled r2",
            );
            assert_eq!(f.n as u64, w["n"].as_u64().unwrap());
            assert_eq!(f.n_skus as u64, w["n_skus"].as_u64().unwrap());
            // the fallback: thin SKUs (3: 5 rows; 4: constant price; 7: 0.5 % price moves) pooled
            let by = elasticity_by_sku(&ss, &pp, &qq, &ElasticityOptions::default()).unwrap();
            for e in &by {
                let thin = matches!(e.sku, 3 | 4 | 7);
                assert_eq!(
                    e.source,
                    if thin {
                        ElasticitySource::Pooled
                    } else {
                        ElasticitySource::Sku
                    },
                    "{e:?}"
                );
                assert!(e.elasticity.unwrap().is_finite());
                if thin {
                    assert_eq!(e.elasticity, Some(f.slope));
                    assert!(e.thin_reason.is_some());
                }
            }
        }
    }

    #[test]
    fn thin_and_bad_inputs() {
        let e = fit_log_log(&[1.0, 2.0], &[3.0, 4.0]).unwrap_err();
        assert!(e.to_string().contains("at least 3 rows"), "{e}");
        let e = fit_log_log(&[1.0, 1.0, 1.0], &[3.0, 4.0, 5.0]).unwrap_err();
        assert!(e.to_string().contains("price does not vary"), "{e}");
        let e = fit_log_log(&[1.0, -2.0, 1.0], &[3.0, 4.0, 5.0]).unwrap_err();
        assert_eq!(e.to_string(), "price at row 1 must be >= 0, got -2");
        assert!(fit_log_log(&[1.0, f64::NAN, 1.0], &[3.0, 4.0, 5.0]).is_err());
        // zero units are skipped and counted
        let f = fit_log_log(&[1.0, 2.0, 3.0, 4.0], &[10.0, 0.0, 4.0, 3.0]).unwrap();
        assert_eq!((f.n, f.n_skipped), (3, 1));
        // perfect fit: se 0, t and p None (not NaN)
        let f = fit_log_log(&[1.0, 2.0, 4.0], &[8.0, 4.0, 2.0]).unwrap();
        assert_close(f.slope, -1.0, 1e-12, "perfect slope");
        assert!(f.se < 1e-7);
        // nothing poolable: Insufficient, no NaN
        let by = elasticity_by_sku(
            &[1, 1],
            &[2.0, 2.0],
            &[1.0, 1.0],
            &ElasticityOptions::default(),
        )
        .unwrap();
        assert_eq!(by[0].source, ElasticitySource::Insufficient);
        assert_eq!(by[0].elasticity, None);
        assert!(
            elasticity_by_sku(&[], &[], &[], &ElasticityOptions::default())
                .unwrap()
                .is_empty()
        );
        let o = ElasticityOptions {
            min_observations: 2,
            ..Default::default()
        };
        assert!(elasticity_by_sku(&[1], &[1.0], &[1.0], &o).is_err());
    }
}
