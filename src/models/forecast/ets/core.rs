//! The ETS state-space recursions (Hyndman et al. 2008, with the exact update order and guards
//! of forecast-R's `etscalc` / statsforecast's `ets.cpp`) — the hot loop of every ETS fit.
//!
//! State: level `l`, growth `b` (additive trend only; multiplicative trend is not offered) and
//! `m` seasonal states `s[0..m]`, `s[0]` the most recent and `s[m−1]` the one that applies to the
//! next period. The seasonal states live in a ring buffer, so a step touches O(1) memory
//! whatever `m` is, and nothing is allocated inside [`likelihood`].
//!
//! **Missing values**: a NaN observation contributes no error term (it is skipped in the sum of
//! squares, the `Σ ln|ŷ|` term and the count `n`), and the state is propagated with the
//! observation replaced by its one-step forecast — the state-space way of "no news".

use super::{Component, EtsSpec};

/// Values statsforecast uses as guards against division by ~0.
pub(crate) const TOL: f64 = 1e-10;
pub(crate) const HUGE_N: f64 = 1e10;

/// Smoothing parameters of one evaluation; `beta`/`gamma` are ignored when the component is
/// absent and `phi` is 1 for an undamped trend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Smoothing {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
}

/// What one pass over the data produced.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pass {
    /// `n·ln(Σe²) (+ 2Σln|ŷ|)` — minus twice the concentrated log-likelihood without constants.
    pub lik: f64,
    /// Observed values counted.
    pub n_obs: usize,
    /// Σe² of the (relative, for multiplicative error) residuals.
    pub sse: f64,
}

/// Runs the filter over `y` from the initial state `x0 = [l, (b), s[0..m]]`.
///
/// `resid` (if given, same length as `y`) receives the residuals `e_t` (NaN where `y_t` is NaN);
/// `last` receives the final state in the `x0` layout. `ring` is scratch of at least `m` values.
#[allow(clippy::too_many_arguments)]
pub(crate) fn likelihood(
    y: &[f64],
    spec: EtsSpec,
    m: usize,
    p: Smoothing,
    x0: &[f64],
    ring: &mut [f64],
    mut resid: Option<&mut [f64]>,
    last: Option<&mut [f64]>,
) -> Pass {
    let has_trend = spec.trend != Component::None;
    let season = spec.season;
    let seasonal = season != Component::None;
    let mult_error = spec.error == Component::Multiplicative;
    let m = if seasonal { m.max(1) } else { 1 };
    let mut l = x0[0];
    let mut b = if has_trend { x0[1] } else { 0.0 };
    let s_off = 1 + has_trend as usize;
    if seasonal {
        ring[..m].copy_from_slice(&x0[s_off..s_off + m]);
    }
    let mut head = 0usize;
    let (alpha, beta, gamma, phi) = (p.alpha, p.beta, p.gamma, p.phi);
    let beta_over_alpha = beta / alpha;
    let mut sse = 0.0;
    let mut logf = 0.0;
    let mut n_obs = 0usize;

    for (i, &yi) in y.iter().enumerate() {
        // one-step forecast
        let (q, phi_b) = if has_trend {
            let pb = phi * b;
            (l + pb, pb)
        } else {
            (l, 0.0)
        };
        let tail = if head == 0 { m - 1 } else { head - 1 };
        let s_old = if seasonal { ring[tail] } else { 0.0 };
        let f = match season {
            Component::None => q,
            Component::Additive => q + s_old,
            Component::Multiplicative => q * s_old,
        };
        let obs = if yi.is_nan() {
            if let Some(r) = resid.as_deref_mut() {
                r[i] = f64::NAN;
            }
            f
        } else {
            let e = if mult_error {
                let f0 = if f.abs() < TOL { f + TOL } else { f };
                (yi - f) / f0
            } else {
                yi - f
            };
            if let Some(r) = resid.as_deref_mut() {
                r[i] = e;
            }
            sse += e * e;
            let af = f.abs();
            logf += if af > 0.0 { af.ln() } else { (af + 1e-8).ln() };
            n_obs += 1;
            yi
        };
        // state update
        let pp = match season {
            Component::None => obs,
            Component::Additive => obs - s_old,
            Component::Multiplicative => {
                if s_old.abs() < TOL {
                    HUGE_N
                } else {
                    obs / s_old
                }
            }
        };
        let old_l = l;
        l = q + alpha * (pp - q);
        if has_trend {
            let r = l - old_l;
            b = phi_b + beta_over_alpha * (r - phi_b);
        }
        if seasonal {
            let t = match season {
                Component::Additive => obs - q,
                _ => {
                    if q.abs() < TOL {
                        HUGE_N
                    } else {
                        obs / q
                    }
                }
            };
            ring[tail] = s_old + gamma * (t - s_old);
            head = tail;
        }
    }
    let n = n_obs as f64;
    let mut lik = if sse > 0.0 {
        n * sse.ln()
    } else {
        n * (sse + 1e-8).ln()
    };
    if mult_error {
        lik += 2.0 * logf;
    }
    if let Some(out) = last {
        out[0] = l;
        if has_trend {
            out[1] = b;
        }
        if seasonal {
            for j in 0..m {
                out[s_off + j] = ring[(head + j) % m];
            }
        }
    }
    Pass { lik, n_obs, sse }
}

/// Point forecasts `h` steps ahead from the state `x = [l, (b), s[0..m]]` into `out`.
/// Damped trend: step `k` adds `(φ + φ² + … + φ^k)·b`.
pub(crate) fn forecast_from(x: &[f64], spec: EtsSpec, m: usize, phi: f64, out: &mut [f64]) {
    let has_trend = spec.trend != Component::None;
    let seasonal = spec.season != Component::None;
    let m = if seasonal { m.max(1) } else { 1 };
    let l = x[0];
    let b = if has_trend { x[1] } else { 0.0 };
    let s_off = 1 + has_trend as usize;
    let mut phistar = phi;
    let h = out.len();
    for (i, slot) in out.iter_mut().enumerate() {
        let mut f = if has_trend { l + phistar * b } else { l };
        if seasonal {
            // s[m-1-i] cycling backwards through the season
            let j = (m - 1) - (i % m);
            match spec.season {
                Component::Additive => f += x[s_off + j],
                _ => f *= x[s_off + j],
            }
        }
        *slot = f;
        if i + 1 < h {
            if (phi - 1.0).abs() < TOL {
                phistar += 1.0;
            } else {
                phistar += phi.powf((i + 1) as f64);
            }
        }
    }
}
