//! The little linear algebra the models need: least squares by Householder QR (for the ETS
//! initial states, the yearly Fourier terms and the regressors) and the largest root modulus of
//! a polynomial (for the ETS admissibility test).

/// Least squares `min ‖X·β − y‖` for a column-major design `x` (`cols` columns of `rows`
/// values each). Returns `None` when the design is rank deficient (a column is, numerically, a
/// combination of the others) or has fewer rows than columns.
pub fn lstsq(x: &[f64], rows: usize, cols: usize, y: &[f64]) -> Option<Vec<f64>> {
    if rows < cols || x.len() != rows * cols || y.len() != rows || cols == 0 {
        return None;
    }
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    let mut diag = vec![0.0; cols];
    // scale for the rank test
    let norm_max = (0..cols)
        .map(|j| {
            a[j * rows..(j + 1) * rows]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0f64, f64::max);
    if norm_max == 0.0 || !norm_max.is_finite() {
        return None;
    }
    for k in 0..cols {
        let col = k * rows;
        let norm = a[col + k..col + rows]
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt();
        if norm <= 1e-11 * norm_max {
            return None;
        }
        let alpha = if a[col + k] > 0.0 { -norm } else { norm };
        // v = a_k - alpha e_k, stored in place
        a[col + k] -= alpha;
        let vnorm2: f64 = a[col + k..col + rows].iter().map(|v| v * v).sum();
        diag[k] = alpha;
        if vnorm2 == 0.0 {
            continue;
        }
        for j in k + 1..cols {
            let cj = j * rows;
            let dot: f64 = (k..rows).map(|i| a[col + i] * a[cj + i]).sum();
            let f = 2.0 * dot / vnorm2;
            for i in k..rows {
                a[cj + i] -= f * a[col + i];
            }
        }
        let dot: f64 = (k..rows).map(|i| a[col + i] * b[i]).sum();
        let f = 2.0 * dot / vnorm2;
        for i in k..rows {
            b[i] -= f * a[col + i];
        }
    }
    // back substitution with R (diag on the diagonal, a above it)
    let mut beta = vec![0.0; cols];
    for k in (0..cols).rev() {
        let mut s = b[k];
        for j in k + 1..cols {
            s -= a[j * rows + k] * beta[j];
        }
        beta[k] = s / diag[k];
    }
    if beta.iter().all(|v| v.is_finite()) {
        Some(beta)
    } else {
        None
    }
}

/// The largest modulus among the roots of `Σ coef[i]·z^i` (coefficients in increasing powers,
/// highest one non-zero), by the Aberth–Ehrlich iteration. Returns `None` if it does not
/// converge (callers then treat the model as not admissible).
pub fn max_root_modulus(coef: &[f64]) -> Option<f64> {
    let mut deg = coef.len().checked_sub(1)?;
    while deg > 0 && coef[deg] == 0.0 {
        deg -= 1;
    }
    if deg == 0 {
        return Some(0.0);
    }
    let lead = coef[deg];
    let c: Vec<f64> = coef[..=deg].iter().map(|v| v / lead).collect();
    // Cauchy bound for the initial circle
    let bound = 1.0 + c[..deg].iter().map(|v| v.abs()).fold(0.0, f64::max);
    // min/max rather than clamp: no panic path even for a NaN bound
    #[allow(clippy::manual_clamp)]
    let r0 = bound.min(2.0).max(0.5);
    let mut z: Vec<(f64, f64)> = (0..deg)
        .map(|k| {
            let t = 2.0 * std::f64::consts::PI * (k as f64 + 0.25) / deg as f64 + 0.4;
            (r0 * t.cos(), r0 * t.sin())
        })
        .collect();
    let cmul = |a: (f64, f64), b: (f64, f64)| (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0);
    let cdiv = |a: (f64, f64), b: (f64, f64)| {
        let d = b.0 * b.0 + b.1 * b.1;
        ((a.0 * b.0 + a.1 * b.1) / d, (a.1 * b.0 - a.0 * b.1) / d)
    };
    for _ in 0..500 {
        let mut max_step = 0.0f64;
        for i in 0..deg {
            // p(z) and p'(z) by Horner
            let zi = z[i];
            let (mut p, mut dp) = ((c[deg], 0.0), (0.0, 0.0));
            for k in (0..deg).rev() {
                dp = cmul(dp, zi);
                dp = (dp.0 + p.0, dp.1 + p.1);
                p = cmul(p, zi);
                p = (p.0 + c[k], p.1);
            }
            if p.0 == 0.0 && p.1 == 0.0 {
                continue;
            }
            let ratio = cdiv(p, dp);
            let mut sum = (0.0, 0.0);
            for (j, zj) in z.iter().enumerate() {
                if j != i {
                    let d = (zi.0 - zj.0, zi.1 - zj.1);
                    let inv = cdiv((1.0, 0.0), d);
                    sum = (sum.0 + inv.0, sum.1 + inv.1);
                }
            }
            let denom = (
                1.0 - (ratio.0 * sum.0 - ratio.1 * sum.1),
                -(ratio.0 * sum.1 + ratio.1 * sum.0),
            );
            let step = cdiv(ratio, denom);
            if !(step.0.is_finite() && step.1.is_finite()) {
                continue;
            }
            z[i] = (zi.0 - step.0, zi.1 - step.1);
            max_step = max_step.max((step.0 * step.0 + step.1 * step.1).sqrt());
        }
        if max_step < 1e-14 {
            break;
        }
    }
    let m = z
        .iter()
        .map(|(a, b)| (a * a + b * b).sqrt())
        .fold(0.0, f64::max);
    if m.is_finite() { Some(m) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lstsq_line() {
        // y = 1 + 2 t
        let t: Vec<f64> = (1..=5).map(|v| v as f64).collect();
        let mut x = vec![1.0; 5];
        x.extend(&t);
        let y: Vec<f64> = t.iter().map(|v| 1.0 + 2.0 * v).collect();
        let b = lstsq(&x, 5, 2, &y).unwrap();
        assert!((b[0] - 1.0).abs() < 1e-12 && (b[1] - 2.0).abs() < 1e-12);
        // rank deficient
        let x = vec![1.0; 10];
        assert!(lstsq(&x, 5, 2, &y).is_none());
    }

    #[test]
    fn roots() {
        // (z-2)(z+0.5) = z^2 - 1.5 z - 1
        let m = max_root_modulus(&[-1.0, -1.5, 1.0]).unwrap();
        assert!((m - 2.0).abs() < 1e-10);
        // z^3 - 1: all on the unit circle
        let m = max_root_modulus(&[-1.0, 0.0, 0.0, 1.0]).unwrap();
        assert!((m - 1.0).abs() < 1e-10);
    }
}
