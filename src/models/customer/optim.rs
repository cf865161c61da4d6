//! Small unconstrained minimisers for the maximum-likelihood fits (a handful of parameters).
//!
//! The fits use them in sequence, because each covers the other's weakness:
//! 1. Nelder–Mead on log-parameters from a neutral start: derivative-free, so it walks out of
//!    regions where the gradient is tiny or the likelihood overflows, and it gets close cheaply.
//! 2. BFGS with the analytic gradient: fast local convergence to a tight gradient tolerance.
//! 3. Newton steps with a finite-difference Hessian of the analytic gradient: removes the last
//!    bits of error in flat directions (BG/NBD's `a`/`b` are often weakly identified), which is
//!    what lets the fits agree with `lifetimes` to 1e-6 and better rather than 1e-3.
//!
//! When the objective also has an analytic Hessian (BG/NBD), [`newton`] replaces all three on
//! large data: from a start close to the optimum (a subsample's fit) it converges quadratically
//! in a handful of full-data evaluations, where BFGS needs hundreds.
//!
//! Objective functions return `f64::INFINITY` (or NaN, treated the same) where they are not
//! defined; the minimisers never step there.

/// Objective value; non-finite values count as +infinity.
fn clean(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

/// Result of a minimisation.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub grad_norm: f64,
    pub iterations: usize,
}

/// Nelder–Mead (standard coefficients 1, 2, 0.5, 0.5) from `x0` with initial simplex steps
/// `step`. Stops when the spread of values in the simplex is below `ftol` (absolute) and its
/// diameter below `xtol`, or after `max_iter` iterations.
pub(crate) fn nelder_mead<F: FnMut(&[f64]) -> f64>(
    mut f: F,
    x0: &[f64],
    step: f64,
    ftol: f64,
    xtol: f64,
    max_iter: usize,
) -> Minimum {
    let n = x0.len();
    let mut pts: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    pts.push(x0.to_vec());
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| clean(f(p))).collect();
    let mut iters = 0;
    while iters < max_iter {
        iters += 1;
        // order best .. worst
        let mut idx: Vec<usize> = (0..=n).collect();
        idx.sort_by(|&i, &j| vals[i].total_cmp(&vals[j]));
        pts = idx.iter().map(|&i| pts[i].clone()).collect();
        vals = idx.iter().map(|&i| vals[i]).collect();
        let spread = vals[n] - vals[0];
        let diam = pts[1..]
            .iter()
            .map(|p| {
                p.iter()
                    .zip(&pts[0])
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        if spread.is_finite() && spread <= ftol && diam <= xtol {
            break;
        }
        let mut centroid = vec![0.0; n];
        for p in &pts[..n] {
            for (c, v) in centroid.iter_mut().zip(p) {
                *c += v / n as f64;
            }
        }
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&pts[n])
                .map(|(c, w)| c + t * (w - c))
                .collect()
        };
        let xr = along(-1.0);
        let fr = clean(f(&xr));
        if fr < vals[0] {
            let xe = along(-2.0);
            let fe = clean(f(&xe));
            if fe < fr {
                pts[n] = xe;
                vals[n] = fe;
            } else {
                pts[n] = xr;
                vals[n] = fr;
            }
            continue;
        }
        if fr < vals[n - 1] {
            pts[n] = xr;
            vals[n] = fr;
            continue;
        }
        // contraction: outside if the reflection improved on the worst, else inside
        let (xc, fc) = if fr < vals[n] {
            let xc = along(-0.5);
            let fc = clean(f(&xc));
            (xc, fc)
        } else {
            let xc = along(0.5);
            let fc = clean(f(&xc));
            (xc, fc)
        };
        if fc < vals[n].min(fr) {
            pts[n] = xc;
            vals[n] = fc;
            continue;
        }
        // shrink towards the best point
        for i in 1..=n {
            let p: Vec<f64> = pts[0]
                .iter()
                .zip(&pts[i])
                .map(|(b, p)| b + 0.5 * (p - b))
                .collect();
            vals[i] = clean(f(&p));
            pts[i] = p;
        }
    }
    let best = (0..=n)
        .min_by(|&i, &j| vals[i].total_cmp(&vals[j]))
        .unwrap_or(0);
    Minimum {
        x: pts[best].clone(),
        value: vals[best],
        grad_norm: f64::NAN,
        iterations: iters,
    }
}

fn norm_inf(g: &[f64]) -> f64 {
    g.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// BFGS with a backtracking (Armijo) line search. `fg(x, grad)` returns the value and writes the
/// gradient. Stops when the largest gradient component is below `gtol`.
pub(crate) fn bfgs<F: FnMut(&[f64], &mut [f64]) -> f64>(
    fg: F,
    x0: &[f64],
    gtol: f64,
    max_iter: usize,
) -> Minimum {
    bfgs_with(fg, x0, None, gtol, max_iter)
}

/// [`bfgs`] starting from a given inverse-Hessian approximation `h0` (row-major n x n), e.g. the
/// inverse of a Hessian computed on a subsample; then the first steps are already Newton-like.
pub(crate) fn bfgs_with<F: FnMut(&[f64], &mut [f64]) -> f64>(
    mut fg: F,
    x0: &[f64],
    h0: Option<Vec<f64>>,
    gtol: f64,
    max_iter: usize,
) -> Minimum {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = clean(fg(&x, &mut g));
    let given_h = h0.is_some();
    // inverse Hessian approximation, identity unless given
    let mut h = h0.unwrap_or_else(|| {
        let mut h = vec![0.0; n * n];
        for i in 0..n {
            h[i * n + i] = 1.0;
        }
        h
    });
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    let mut iters = 0;
    // steps that no longer lower the value (rounding level) in a row: stop after a few
    let mut stalled = 0;
    while iters < max_iter && fx.is_finite() && norm_inf(&g) > gtol && stalled < 4 {
        iters += 1;
        let mut d: Vec<f64> = (0..n)
            .map(|i| -(0..n).map(|j| h[i * n + j] * g[j]).sum::<f64>())
            .collect();
        let mut slope = dot(&d, &g);
        if slope.is_nan() || slope >= 0.0 {
            // not a descent direction: restart from steepest descent
            for i in 0..n {
                for j in 0..n {
                    h[i * n + j] = if i == j { 1.0 } else { 0.0 };
                }
            }
            d = g.iter().map(|v| -v).collect();
            slope = dot(&d, &g);
        }
        // keep log-parameter steps sane
        let dmax = norm_inf(&d);
        let mut t = if dmax > 5.0 { 5.0 / dmax } else { 1.0 };
        let mut accepted = false;
        for _ in 0..60 {
            for i in 0..n {
                xn[i] = x[i] + t * d[i];
            }
            let fnew = clean(fg(&xn, &mut gn));
            if fnew <= fx + 1e-4 * t * slope {
                // BFGS update with s = xn - x, y = gn - g, skipped if curvature is not positive
                let s: Vec<f64> = (0..n).map(|i| xn[i] - x[i]).collect();
                let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
                let sy = dot(&s, &y);
                if sy > 1e-300 {
                    if iters == 1 && !given_h {
                        // scale the first inverse Hessian guess (Nocedal & Wright 6.20)
                        let scale = sy / dot(&y, &y);
                        for v in h.iter_mut() {
                            *v *= scale;
                        }
                    }
                    let rho = 1.0 / sy;
                    let hy: Vec<f64> = (0..n)
                        .map(|i| (0..n).map(|j| h[i * n + j] * y[j]).sum())
                        .collect();
                    let yhy = dot(&y, &hy);
                    for i in 0..n {
                        for j in 0..n {
                            h[i * n + j] += (1.0 + rho * yhy) * rho * s[i] * s[j]
                                - rho * (hy[i] * s[j] + s[i] * hy[j]);
                        }
                    }
                }
                stalled = if fnew < fx - 1e-15 * fx.abs() {
                    0
                } else {
                    stalled + 1
                };
                x.copy_from_slice(&xn);
                g.copy_from_slice(&gn);
                fx = fnew;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break; // no progress possible in double precision
        }
    }
    Minimum {
        grad_norm: norm_inf(&g),
        x,
        value: fx,
        iterations: iters,
    }
}

/// Newton's method with an analytic Hessian. `fgh(x, grad, hess)` returns the value and writes
/// the gradient and the row-major n x n Hessian. Where the Hessian is not positive definite, a
/// growing multiple of the identity is added until it is (Levenberg), so far from the optimum
/// the step turns towards steepest descent; steps are capped at `max_step` per component and
/// halved until the value decreases (Armijo), or, at rounding level, until the gradient shrinks
/// without the value rising. Stops when the largest gradient component is at most `gtol`, when a
/// component of `x` leaves `[-bound, bound]` (the optimum is on the boundary; the caller
/// decides), or when no step helps any more. Near the optimum the convergence is quadratic, so
/// a good start needs a handful of evaluations.
pub(crate) fn newton<F: FnMut(&[f64], &mut [f64], &mut [f64]) -> f64>(
    mut fgh: F,
    x0: &[f64],
    gtol: f64,
    max_iter: usize,
    max_step: f64,
    bound: f64,
) -> Minimum {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut h = vec![0.0; n * n];
    let mut fx = clean(fgh(&x, &mut g, &mut h));
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    let mut hn = vec![0.0; n * n];
    let mut iters = 0;
    while iters < max_iter
        && fx.is_finite()
        && norm_inf(&g) > gtol
        && x.iter().all(|v| v.abs() <= bound)
    {
        iters += 1;
        let scale = (0..n)
            .map(|i| h[i * n + i].abs())
            .fold(0.0, f64::max)
            .max(1e-12);
        let mut lambda = 0.0;
        let mut step = None;
        while lambda <= 1e12 * scale {
            let mut hl = h.clone();
            for i in 0..n {
                hl[i * n + i] += lambda;
            }
            if let Some(s) = solve_spd(&hl, &g, n).filter(|s| s.iter().all(|v| v.is_finite())) {
                step = Some(s);
                break;
            }
            lambda = if lambda == 0.0 {
                1e-8 * scale
            } else {
                lambda * 10.0
            };
        }
        let mut d: Vec<f64> = match step {
            Some(s) => s.iter().map(|v| -v).collect(),
            None => g.iter().map(|v| -v).collect(),
        };
        let mut slope = dot(&d, &g);
        if slope.is_nan() || slope >= 0.0 {
            d = g.iter().map(|v| -v).collect();
            slope = dot(&d, &g);
        }
        let dmax = norm_inf(&d);
        let mut t = if dmax > max_step {
            max_step / dmax
        } else {
            1.0
        };
        let mut accepted = false;
        let gnorm = norm_inf(&g);
        for _ in 0..40 {
            for i in 0..n {
                xn[i] = x[i] + t * d[i];
            }
            if xn == x {
                break;
            }
            let fnew = clean(fgh(&xn, &mut gn, &mut hn));
            let tol = 1e-14 * fx.abs().max(1.0);
            // Near the optimum the predicted decrease (-slope / 2) is below the rounding noise
            // of the value (a sum of ~1e5 terms): there a step that shrinks the gradient well
            // is taken unless the value rises beyond that noise.
            let noise = 1e-12 * fx.abs().max(1.0);
            let gnew = norm_inf(&gn);
            if fnew <= fx + 1e-4 * t * slope
                || (fnew <= fx + tol && gnew < gnorm)
                || (-slope < noise && fnew <= fx + noise && gnew < 0.5 * gnorm)
            {
                x.copy_from_slice(&xn);
                g.copy_from_slice(&gn);
                h.copy_from_slice(&hn);
                fx = fnew;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    Minimum {
        grad_norm: norm_inf(&g),
        x,
        value: fx,
        iterations: iters,
    }
}

/// Newton polish: while the largest gradient component exceeds `gtol`, up to `max_steps` Newton
/// steps with a central-difference Hessian of the analytic gradient, each accepted only if it
/// lowers the objective or the gradient norm without raising the objective beyond rounding.
/// Returns the improved point.
pub(crate) fn newton_polish<F: FnMut(&[f64], &mut [f64]) -> f64>(
    mut fg: F,
    start: Minimum,
    gtol: f64,
    max_steps: usize,
) -> Minimum {
    let n = start.x.len();
    let mut best = start;
    let mut g = vec![0.0; n];
    let f0 = clean(fg(&best.x, &mut g));
    best.value = f0;
    best.grad_norm = norm_inf(&g);
    for _ in 0..max_steps {
        if best.grad_norm <= gtol {
            break;
        }
        let hess = numeric_hessian(&mut fg, &best.x);
        let Some(step) = solve_spd(&hess, &g, n) else {
            break;
        };
        let mut improved = false;
        let mut t = 1.0;
        for _ in 0..8 {
            let xn: Vec<f64> = (0..n).map(|i| best.x[i] - t * step[i]).collect();
            let mut gn = vec![0.0; n];
            let fnew = clean(fg(&xn, &mut gn));
            let gnorm = norm_inf(&gn);
            let tol = 1e-14 * best.value.abs().max(1.0);
            if fnew < best.value - tol || (fnew <= best.value + tol && gnorm < best.grad_norm) {
                best = Minimum {
                    x: xn,
                    value: fnew,
                    grad_norm: gnorm,
                    iterations: best.iterations + 1,
                };
                g = gn;
                improved = true;
                break;
            }
            t *= 0.5;
        }
        if !improved {
            break;
        }
    }
    best
}

/// Central-difference Hessian of an analytic gradient, symmetrised (2n gradient evaluations).
pub(crate) fn numeric_hessian<F: FnMut(&[f64], &mut [f64]) -> f64>(
    fg: &mut F,
    x0: &[f64],
) -> Vec<f64> {
    let n = x0.len();
    let mut hess = vec![0.0; n * n];
    let mut x = x0.to_vec();
    let mut gp = vec![0.0; n];
    let mut gm = vec![0.0; n];
    for j in 0..n {
        let hstep = 1e-5 * (1.0 + x[j].abs());
        let xj = x[j];
        x[j] = xj + hstep;
        fg(&x, &mut gp);
        x[j] = xj - hstep;
        fg(&x, &mut gm);
        x[j] = xj;
        for i in 0..n {
            hess[i * n + j] = (gp[i] - gm[i]) / (2.0 * hstep);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (hess[i * n + j] + hess[j * n + i]);
            hess[i * n + j] = v;
            hess[j * n + i] = v;
        }
    }
    hess
}

/// Solve `h x = g` by Cholesky; `None` if `h` is not positive definite (not at a minimum).
pub(crate) fn solve_spd(h: &[f64], g: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = h[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s = g[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>();
        y[i] = s / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s = y[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>();
        x[i] = s / l[i * n + i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosen(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn minimisers_find_rosenbrock_minimum() {
        let nm = nelder_mead(
            |x| rosen(x, &mut [0.0; 2]),
            &[-1.2, 1.0],
            0.5,
            1e-12,
            1e-8,
            5000,
        );
        assert!(
            (nm.x[0] - 1.0).abs() < 1e-4 && (nm.x[1] - 1.0).abs() < 1e-4,
            "{:?}",
            nm.x
        );
        let bf = bfgs(rosen, &[-1.2, 1.0], 1e-10, 1000);
        assert!((bf.x[0] - 1.0).abs() < 1e-8, "{:?}", bf);
        let nt = newton_polish(rosen, bf, 1e-12, 5);
        assert!(
            (nt.x[0] - 1.0).abs() < 1e-10 && nt.grad_norm < 1e-9,
            "{:?}",
            nt
        );
    }

    #[test]
    fn newton_finds_rosenbrock_minimum() {
        let fgh = |x: &[f64], g: &mut [f64], h: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            h.copy_from_slice(&[
                2.0 - 400.0 * (b - 3.0 * a * a),
                -400.0 * a,
                -400.0 * a,
                200.0,
            ]);
            rosen(x, g)
        };
        // from a point where the Hessian is indefinite
        let nt = newton(fgh, &[-1.2, 1.0], 1e-12, 200, 2.0, 100.0);
        assert!(
            (nt.x[0] - 1.0).abs() < 1e-10 && (nt.x[1] - 1.0).abs() < 1e-10 && nt.grad_norm <= 1e-12,
            "{nt:?}"
        );
        assert!(nt.iterations < 60, "{nt:?}");
        // running off to the bound stops there: f = exp(-x) has no minimum
        let off = newton(
            |x: &[f64], g: &mut [f64], h: &mut [f64]| {
                g[0] = -(-x[0]).exp();
                h[0] = (-x[0]).exp();
                (-x[0]).exp()
            },
            &[0.0],
            1e-20,
            1000,
            2.0,
            30.0,
        );
        assert!(off.x[0] > 30.0 && off.grad_norm > 1e-20, "{off:?}");
    }

    #[test]
    fn cholesky_solves() {
        let h = [4.0, 1.0, 1.0, 3.0];
        let x = solve_spd(&h, &[1.0, 2.0], 2).unwrap();
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-14 && (x[0] + 3.0 * x[1] - 2.0).abs() < 1e-14);
        assert!(solve_spd(&[1.0, 2.0, 2.0, 1.0], &[1.0, 1.0], 2).is_none());
    }
}
