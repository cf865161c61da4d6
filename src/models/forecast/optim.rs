//! Bounded Nelder–Mead, reproducing the variant statsforecast 2.x uses for ETS and Theta so
//! fitted parameters land where statsforecast's do:
//! - the start point is clamped into the box, vertex `i < n` perturbs coordinate `i` by +5 %
//!   (or sets it to 1e-4 when it is 0), vertex `n` is the start point;
//! - adaptive coefficients (Gao & Han 2012): expansion `1 + 2/n`, contraction `0.75 − 1/(2n)`,
//!   shrink `1 − 1/n`; every trial point is clamped into the box;
//! - it stops when the population standard deviation of the simplex values drops below `tol`
//!   or after `max_iter` iterations, and returns the best vertex of the final simplex.
//!
//! All buffers live in [`NelderMead`] so repeated fits (AutoETS fits up to 15 models per series)
//! allocate nothing in the loop.

/// Reusable Nelder–Mead workspace.
#[derive(Debug, Default)]
pub struct NelderMead {
    simplex: Vec<f64>, // (n+1) x n, row-major
    fvals: Vec<f64>,
    order: Vec<usize>,
    centroid: Vec<f64>,
    xr: Vec<f64>,
    xt: Vec<f64>,
}

/// The result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimResult {
    /// The best point found.
    pub x: Vec<f64>,
    /// Its objective value.
    pub fval: f64,
    /// Iterations run.
    pub iterations: usize,
}

fn clamp_into(x: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
        // max then min, as Eigen's cwiseMax(lower).cwiseMin(upper)
        *v = v.max(*lo).min(*hi);
    }
}

impl NelderMead {
    /// Minimises `f` from `x0` inside `[lower, upper]` (infinite bounds allowed).
    ///
    /// `f(x, cutoff)` may stop early and return any value `> cutoff` once it knows its result
    /// exceeds `cutoff` (the ETS likelihood does, for additive errors): Nelder–Mead only needs
    /// the exact value of a trial point when it could be accepted, so the decisions — and the
    /// result — are the same as with exact values. `cutoff` is `+∞` where exact values are
    /// needed (initial simplex, shrink).
    #[allow(clippy::too_many_arguments)]
    pub fn minimize<F: FnMut(&[f64], f64) -> f64>(
        &mut self,
        mut f: F,
        x0: &[f64],
        lower: &[f64],
        upper: &[f64],
        init_step: f64,
        zero_pert: f64,
        max_iter: usize,
        tol_std: f64,
    ) -> OptimResult {
        let n = x0.len();
        if n == 0 {
            return OptimResult {
                x: Vec::new(),
                fval: f(x0, f64::INFINITY),
                iterations: 0,
            };
        }
        let rows = n + 1;
        let nf = n as f64;
        let alpha = 1.0;
        let gamma = 1.0 + 2.0 / nf;
        let rho = 0.75 - 1.0 / (2.0 * nf);
        let sigma = 1.0 - 1.0 / nf;

        self.simplex.clear();
        self.simplex.resize(rows * n, 0.0);
        self.fvals.clear();
        self.fvals.resize(rows, 0.0);
        self.order.clear();
        self.order.extend(0..rows);
        self.centroid.clear();
        self.centroid.resize(n, 0.0);
        self.xr.clear();
        self.xr.resize(n, 0.0);
        self.xt.clear();
        self.xt.resize(n, 0.0);

        let mut start = x0.to_vec();
        clamp_into(&mut start, lower, upper);
        for r in 0..rows {
            self.simplex[r * n..(r + 1) * n].copy_from_slice(&start);
        }
        for i in 0..n {
            let v = self.simplex[i * n + i];
            let v = if v == 0.0 {
                zero_pert
            } else {
                v * (1.0 + init_step)
            };
            self.simplex[i * n + i] = v.max(lower[i]).min(upper[i]);
        }
        for r in 0..rows {
            self.fvals[r] = f(&self.simplex[r * n..(r + 1) * n], f64::INFINITY);
        }

        let mut best = 0usize;
        let mut it = 0usize;
        while it < max_iter {
            // population standard deviation of the simplex values
            let mean = self.fvals.iter().sum::<f64>() / rows as f64;
            let var = self
                .fvals
                .iter()
                .map(|v| (v - mean) * (v - mean))
                .sum::<f64>()
                / rows as f64;
            if var.sqrt() < tol_std {
                break;
            }
            let fv = &self.fvals;
            self.order.sort_by(|&a, &b| {
                fv[a]
                    .partial_cmp(&fv[b])
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            best = self.order[0];
            let worst = self.order[n];
            let second = self.order[n - 1];

            // centroid of all vertices but the worst
            for j in 0..n {
                let mut s = 0.0;
                for r in 0..rows {
                    s += self.simplex[r * n + j];
                }
                self.centroid[j] = (s - self.simplex[worst * n + j]) / nf;
            }
            for j in 0..n {
                let c = self.centroid[j];
                self.xr[j] = c + alpha * (c - self.simplex[worst * n + j]);
            }
            clamp_into(&mut self.xr, lower, upper);
            // only values below the worst can change the reflection decision
            let fr = f(&self.xr, self.fvals[worst]);
            if self.fvals[best] <= fr && fr < self.fvals[second] {
                self.simplex[worst * n..(worst + 1) * n].copy_from_slice(&self.xr);
                self.fvals[worst] = fr;
                it += 1;
                continue;
            }
            if fr < self.fvals[best] {
                for j in 0..n {
                    let c = self.centroid[j];
                    self.xt[j] = c + gamma * (self.xr[j] - c);
                }
                clamp_into(&mut self.xt, lower, upper);
                let fe = f(&self.xt, fr);
                if fe < fr {
                    self.simplex[worst * n..(worst + 1) * n].copy_from_slice(&self.xt);
                    self.fvals[worst] = fe;
                } else {
                    self.simplex[worst * n..(worst + 1) * n].copy_from_slice(&self.xr);
                    self.fvals[worst] = fr;
                }
                it += 1;
                continue;
            }
            if self.fvals[second] <= fr && fr < self.fvals[worst] {
                for j in 0..n {
                    let c = self.centroid[j];
                    self.xt[j] = c + rho * (self.xr[j] - c);
                }
                clamp_into(&mut self.xt, lower, upper);
                let fc = f(&self.xt, fr);
                if fc <= fr {
                    self.simplex[worst * n..(worst + 1) * n].copy_from_slice(&self.xt);
                    self.fvals[worst] = fc;
                    it += 1;
                    continue;
                }
            } else {
                for j in 0..n {
                    let c = self.centroid[j];
                    self.xt[j] = c - rho * (self.xr[j] - c);
                }
                clamp_into(&mut self.xt, lower, upper);
                let fc = f(&self.xt, self.fvals[worst]);
                if fc < self.fvals[worst] {
                    self.simplex[worst * n..(worst + 1) * n].copy_from_slice(&self.xt);
                    self.fvals[worst] = fc;
                    it += 1;
                    continue;
                }
            }
            // shrink every vertex but row 0 towards the best (statsforecast's loop starts at 1)
            for r in 1..rows {
                for j in 0..n {
                    let b = self.simplex[best * n + j];
                    let v = b + sigma * (self.simplex[r * n + j] - b);
                    self.simplex[r * n + j] = v.max(lower[j]).min(upper[j]);
                }
                self.fvals[r] = f(&self.simplex[r * n..(r + 1) * n], f64::INFINITY);
            }
            it += 1;
        }
        // statsforecast 2.1.1 returns the best vertex of the final simplex
        let _ = best;
        let mut best = 0;
        for r in 1..rows {
            if self.fvals[r] < self.fvals[best] {
                best = r;
            }
        }
        OptimResult {
            x: self.simplex[best * n..(best + 1) * n].to_vec(),
            fval: self.fvals[best],
            iterations: it + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quadratic_minimum_in_box() {
        let mut nm = NelderMead::default();
        let r = nm.minimize(
            |x, _| (x[0] - 0.3).powi(2) + (x[1] + 2.0).powi(2),
            &[0.5, 1.0],
            &[0.0, -1.0],
            &[1.0, 5.0],
            0.05,
            1e-4,
            1000,
            1e-12,
        );
        assert!((r.x[0] - 0.3).abs() < 1e-4, "{r:?}");
        assert!((r.x[1] + 1.0).abs() < 1e-9, "{r:?}");
    }
}
