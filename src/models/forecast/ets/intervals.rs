//! Forecast variances of the ETS models (Hyndman, Koehler, Ord & Snyder 2008, ch. 6;
//! forecast-R's `class1`/`class2`/`class3`), for normal prediction intervals `ŷ ± z·sqrt(v_h)`.
//!
//! - **Class 1** (additive error, no multiplicative component): exact closed forms, Table 6.1.
//! - **Class 2** (multiplicative error, additive or no season): the exact recursion
//!   `θ_h = μ_h² + σ²·Σ_{j<h} c_j² θ_{h−j}`, `v_h = (1+σ²)θ_h − μ_h²`.
//! - **Class 3** (multiplicative error and season): the moment recursion of section 6.4 (an
//!   approximation that ignores higher moments), propagating the mean and covariance of the
//!   state products step by step.
//!
//! Where statsforecast 2.1.1 departs from these definitions we follow the book/forecast-R and
//! say so, because the intervals feed safety stock:
//! - it uses the *total* horizon's `h_m = ⌊(H−1)/m⌋` for every step of ANA/AAA/AAdA (we use
//!   each step's own `⌊(h−1)/m⌋`; the two agree for steps `h > m·⌊(H−1)/m⌋`);
//! - its MAA coefficient reads `c_j = α·β·j + γ·d_j` (we use `α + β·j + γ·d_j`);
//! - its class-3 recursion never advances the mean matrix `M_h` and vectorises it row-major
//!   (we advance it and use column-major `vec`, as forecast-R; the first step agrees).
//!
//! The combinations with additive error and multiplicative season (classes 4–5) are excluded
//! from the model search (forecast-R's `restrict = TRUE`), so they need no simulation here.

use super::{Component, EtsSpec};

/// Variance of the `h`-step forecast for every step `1..=out.len()`.
///
/// `mean` are the point forecasts, `last` the final state `[l, (b), s_0..s_{m−1}]`, `sigma2`
/// the residual variance (of relative errors for multiplicative error).
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast_variance(
    spec: EtsSpec,
    m: usize,
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    sigma2: f64,
    mean: &[f64],
    last: &[f64],
) -> Vec<f64> {
    let h = mean.len();
    let has_trend = spec.trend != Component::None;
    let damped = spec.damped;
    if spec.error == Component::Additive && spec.season == Component::Multiplicative {
        // Not reachable from the model search (restricted); the class-2 recursion keeps the
        // function total.
        class2(spec, m, alpha, beta, gamma, phi, sigma2, mean)
    } else if spec.error == Component::Additive {
        class1(
            has_trend,
            damped,
            spec.season,
            m,
            alpha,
            beta,
            gamma,
            phi,
            sigma2,
            h,
        )
    } else if spec.season == Component::Multiplicative {
        class3(
            has_trend, damped, m, alpha, beta, gamma, phi, sigma2, mean, last,
        )
    } else {
        class2(spec, m, alpha, beta, gamma, phi, sigma2, mean)
    }
}

#[allow(clippy::too_many_arguments)]
fn class1(
    has_trend: bool,
    damped: bool,
    season: Component,
    m: usize,
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    sigma2: f64,
    h: usize,
) -> Vec<f64> {
    let seasonal = season != Component::None;
    (1..=h)
        .map(|k| {
            let s = k as f64;
            let hm = if seasonal { ((k - 1) / m) as f64 } else { 0.0 };
            let exp1 = alpha * alpha + alpha * beta * s + beta * beta * s * (2.0 * s - 1.0) / 6.0;
            let v = if !has_trend {
                let mut v = 1.0 + alpha * alpha * (s - 1.0);
                if seasonal {
                    v += gamma * hm * (2.0 * alpha + gamma);
                }
                v
            } else if !damped {
                let mut v = 1.0 + (s - 1.0) * exp1;
                if seasonal {
                    v += gamma * hm * (2.0 * alpha + gamma + beta * m as f64 * (hm + 1.0));
                }
                v
            } else {
                let om = 1.0 - phi;
                let phik = phi.powf(s);
                let exp2 = beta * phi * s / (om * om);
                let exp3 = 2.0 * alpha * om + beta * phi;
                let exp4 = beta * phi * (1.0 - phik) / (om * om * (1.0 - phi * phi));
                let exp5 = 2.0 * alpha * (1.0 - phi * phi) + beta * phi * (1.0 + 2.0 * phi - phik);
                let mut v = 1.0 + alpha * alpha * (s - 1.0) + exp2 * exp3 - exp4 * exp5;
                if seasonal {
                    let phim = phi.powf(m as f64);
                    let exp7 = 2.0 * beta * gamma * phi / (om * (1.0 - phim));
                    let exp8 = hm * (1.0 - phim) - phim * (1.0 - phi.powf(m as f64 * hm));
                    v += gamma * hm * (2.0 * alpha + gamma) + exp7 * exp8;
                }
                v
            };
            sigma2 * v
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn class2(
    spec: EtsSpec,
    m: usize,
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    sigma2: f64,
    mean: &[f64],
) -> Vec<f64> {
    let h = mean.len();
    let has_trend = spec.trend != Component::None;
    let seasonal = spec.season != Component::None;
    let mut sum_phi = 0.0;
    let c: Vec<f64> = (1..=h)
        .map(|k| {
            let mut v = alpha;
            if has_trend {
                if spec.damped {
                    sum_phi += phi.powf(k as f64);
                    v += beta * sum_phi;
                } else {
                    v += beta * k as f64;
                }
            }
            if seasonal && k % m == 0 {
                v += gamma;
            }
            v
        })
        .collect();
    let mut theta = vec![0.0; h];
    for k in 0..h {
        let mut s = 0.0;
        for j in 0..k {
            s += c[j] * c[j] * theta[k - 1 - j];
        }
        theta[k] = mean[k] * mean[k] + sigma2 * s;
    }
    (0..h)
        .map(|k| (1.0 + sigma2) * theta[k] - mean[k] * mean[k])
        .collect()
}

/// Small dense row-major matrix helpers for the class-3 recursion.
struct Mat {
    r: usize,
    c: usize,
    v: Vec<f64>,
}

impl Mat {
    fn zeros(r: usize, c: usize) -> Mat {
        Mat {
            r,
            c,
            v: vec![0.0; r * c],
        }
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.v[i * self.c + j]
    }
    fn set(&mut self, i: usize, j: usize, x: f64) {
        self.v[i * self.c + j] = x;
    }
    fn mul(&self, o: &Mat) -> Mat {
        let mut out = Mat::zeros(self.r, o.c);
        for i in 0..self.r {
            for k in 0..self.c {
                let a = self.at(i, k);
                if a == 0.0 {
                    continue;
                }
                for j in 0..o.c {
                    out.v[i * o.c + j] += a * o.v[k * o.c + j];
                }
            }
        }
        out
    }
    fn t(&self) -> Mat {
        let mut out = Mat::zeros(self.c, self.r);
        for i in 0..self.r {
            for j in 0..self.c {
                out.set(j, i, self.at(i, j));
            }
        }
        out
    }
    fn kron(&self, o: &Mat) -> Mat {
        let mut out = Mat::zeros(self.r * o.r, self.c * o.c);
        for i in 0..self.r {
            for j in 0..self.c {
                let a = self.at(i, j);
                for k in 0..o.r {
                    for l in 0..o.c {
                        out.set(i * o.r + k, j * o.c + l, a * o.at(k, l));
                    }
                }
            }
        }
        out
    }
    fn add(&self, o: &Mat, scale: f64) -> Mat {
        Mat {
            r: self.r,
            c: self.c,
            v: self
                .v
                .iter()
                .zip(&o.v)
                .map(|(a, b)| a + scale * b)
                .collect(),
        }
    }
    fn scale(&self, s: f64) -> Mat {
        Mat {
            r: self.r,
            c: self.c,
            v: self.v.iter().map(|a| a * s).collect(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn class3(
    has_trend: bool,
    damped: bool,
    m: usize,
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    sigma2: f64,
    mean: &[f64],
    last: &[f64],
) -> Vec<f64> {
    let h = mean.len();
    let d1 = 1 + has_trend as usize;
    let mut h1 = Mat::zeros(1, d1);
    h1.v.fill(1.0);
    let mut h2 = Mat::zeros(1, m);
    h2.set(0, m - 1, 1.0);
    let (f1, g1) = if has_trend {
        let mut f1 = Mat::zeros(2, 2);
        f1.v = vec![1.0, 1.0, 0.0, if damped { phi } else { 1.0 }];
        let mut g1 = Mat::zeros(2, 2);
        g1.v = vec![alpha, alpha, beta, beta];
        (f1, g1)
    } else {
        let mut f1 = Mat::zeros(1, 1);
        f1.v[0] = 1.0;
        let mut g1 = Mat::zeros(1, 1);
        g1.v[0] = alpha;
        (f1, g1)
    };
    let mut f2 = Mat::zeros(m, m);
    f2.set(0, m - 1, 1.0);
    for i in 1..m {
        f2.set(i, i - 1, 1.0);
    }
    let mut g2 = Mat::zeros(m, m);
    g2.set(0, m - 1, gamma);
    // M_h = x_t s_tᵀ
    let mut mh = Mat::zeros(d1, m);
    for i in 0..d1 {
        for j in 0..m {
            mh.set(i, j, last[i] * last[d1 + j]);
        }
    }
    let dim = d1 * m;
    let mut vh = Mat::zeros(dim, dim);
    let h21 = h2.kron(&h1);
    let f21 = f2.kron(&f1);
    let g21 = g2.kron(&g1);
    let k = g2.kron(&f1).add(&f2.kron(&g1), 1.0);
    let (f21t, g21t, kt) = (f21.t(), g21.t(), k.t());
    let h21t = h21.t();
    let (f2t, g2t) = (f2.t(), g2.t());
    let mut var = Vec::with_capacity(h);
    for _ in 0..h {
        let mu = h1.mul(&mh).mul(&h2.t()).v[0];
        let hv = h21.mul(&vh).mul(&h21t).v[0];
        var.push((1.0 + sigma2) * hv + sigma2 * mu * mu);
        // column-major vec(M_h): stack the columns (seasonal index outer, trend index inner)
        let mut vec_m = Mat::zeros(dim, 1);
        for j in 0..m {
            for i in 0..d1 {
                vec_m.v[j * d1 + i] = mh.at(i, j);
            }
        }
        let mm = vec_m.mul(&vec_m.t());
        let e1 = f21.mul(&vh).mul(&f21t);
        let e2 = f21.mul(&vh).mul(&g21t);
        let e3 = g21.mul(&vh).mul(&f21t);
        let e4 = k.mul(&vh.add(&mm, 1.0)).mul(&kt);
        let e5 = g21
            .scale(sigma2)
            .mul(&vh.scale(3.0).add(&mm, 2.0))
            .mul(&g21t);
        vh = e1.add(&e2.add(&e3, 1.0).add(&e4, 1.0).add(&e5, 1.0), sigma2);
        mh = f1.mul(&mh).mul(&f2t).add(&g1.mul(&mh).mul(&g2t), sigma2);
    }
    var
}
