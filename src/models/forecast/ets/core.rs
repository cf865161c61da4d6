//! The ETS state-space recursions (Hyndman et al. 2008, with the exact update order and guards
//! of forecast-R's `etscalc` / statsforecast's `ets.cpp`) — the hot loop of every ETS fit.
//!
//! State: level `l`, growth `b` (additive trend only; multiplicative trend is not offered) and
//! `m` seasonal states `s[0..m]`, `s[0]` the most recent and `s[m−1]` the one that applies to the
//! next period. The seasonal states are written to a linear scratch buffer (state for step `t`
//! at `t`, its update at `t + m`), so a step touches O(1) memory whatever `m` is, and nothing
//! is allocated inside [`likelihood`] once the workspace has grown.
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
/// `cutoff`: for additive errors the pass stops as soon as `n·ln(Σe²)` is known to exceed it
/// (`n_obs` = the number of observed values of `y`, counted by the caller) and returns
/// `lik = +∞`; pass `+∞` for an exact value. See [`super::super::optim`] for why the optimiser's
/// decisions do not change.
///
/// `resid` (if given, same length as `y`) receives the residuals `e_t` (NaN where `y_t` is NaN);
/// `last` receives the final state in the `x0` layout. `sbuf` is scratch that grows to
/// `y.len() + m` values (kept in the caller's workspace so the optimiser allocates nothing).
#[allow(clippy::too_many_arguments)]
pub(crate) fn likelihood(
    y: &[f64],
    spec: EtsSpec,
    m: usize,
    p: Smoothing,
    x0: &[f64],
    sbuf: &mut Vec<f64>,
    cutoff: f64,
    n_obs: usize,
    resid: Option<&mut [f64]>,
    last: Option<&mut [f64]>,
) -> Pass {
    // Σe² above this proves n·ln(Σe²) > cutoff
    let sse_stop = if spec.error == Component::Additive && n_obs > 0 {
        // the 1e-12 margin keeps near-ties to the exact comparison
        (cutoff / n_obs as f64).exp() * (1.0 + 1e-12)
    } else {
        f64::INFINITY
    };
    let has_trend = spec.trend != Component::None;
    let mult_error = spec.error == Component::Multiplicative;
    // one monomorphised loop per component combination: no per-step dispatch
    let (pass, l, b) = match (has_trend, spec.season, mult_error) {
        (false, Component::None, false) => {
            kernel::<false, 0, false>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (false, Component::None, true) => {
            kernel::<false, 0, true>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (true, Component::None, false) => {
            kernel::<true, 0, false>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (true, Component::None, true) => {
            kernel::<true, 0, true>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (false, Component::Additive, false) => {
            kernel::<false, 1, false>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (false, Component::Additive, true) => {
            kernel::<false, 1, true>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (true, Component::Additive, false) => {
            kernel::<true, 1, false>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (true, Component::Additive, true) => {
            kernel::<true, 1, true>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (false, Component::Multiplicative, false) => {
            kernel::<false, 2, false>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (false, Component::Multiplicative, true) => {
            kernel::<false, 2, true>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (true, Component::Multiplicative, false) => {
            kernel::<true, 2, false>(y, m, p, x0, sbuf, sse_stop, resid)
        }
        (true, Component::Multiplicative, true) => {
            kernel::<true, 2, true>(y, m, p, x0, sbuf, sse_stop, resid)
        }
    };
    if let Some(out) = last {
        out[0] = l;
        let s_off = 1 + has_trend as usize;
        if has_trend {
            out[1] = b;
        }
        if spec.season != Component::None {
            // s[0] (most recent) was written last
            let n = y.len();
            for j in 0..m {
                out[s_off + j] = sbuf[n + m - 1 - j];
            }
        }
    }
    pass
}

/// The filter for one component combination. `SEASON`: 0 none, 1 additive, 2 multiplicative.
/// Seasonal states are laid out linearly: the state used at step `t` is `sbuf[t]` and the
/// updated one goes to `sbuf[t + m]` (no ring-buffer index arithmetic in the loop).
#[inline(always)]
fn kernel<const TREND: bool, const SEASON: u8, const MULT_ERROR: bool>(
    y: &[f64],
    m: usize,
    p: Smoothing,
    x0: &[f64],
    sbuf: &mut Vec<f64>,
    sse_stop: f64,
    mut resid: Option<&mut [f64]>,
) -> (Pass, f64, f64) {
    let n = y.len();
    let mut l = x0[0];
    let mut b = if TREND { x0[1] } else { 0.0 };
    let s_off = 1 + TREND as usize;
    if SEASON != 0 {
        if sbuf.len() < n + m {
            sbuf.resize(n + m, 0.0);
        }
        for j in 0..m {
            sbuf[j] = x0[s_off + m - 1 - j];
        }
    }
    let (alpha, beta, gamma, phi) = (p.alpha, p.beta, p.gamma, p.phi);
    // level and growth updates in the linear form (see the loop)
    let c1 = 1.0 - alpha;
    let c2 = c1 * phi;
    let c3 = phi * (1.0 - beta);
    let mut sse = 0.0;
    // Σ ln|ŷ| for multiplicative error, accumulated as a product of mantissas plus a sum of
    // binary exponents: one `ln` per pass instead of one per step (the log was half the run
    // time). Values that are zero, subnormal or non-finite take the direct path.
    let mut logf = 0.0;
    let mut prod = 1.0f64;
    let mut exp_sum: i64 = 0;
    let mut since_norm = 0u32;
    let mut n_obs = 0usize;

    for (i, &yi) in y.iter().enumerate() {
        // one-step forecast
        let q = if TREND { l + phi * b } else { l };
        let s_old = if SEASON != 0 { sbuf[i] } else { 0.0 };
        let f = match SEASON {
            0 => q,
            1 => q + s_old,
            _ => q * s_old,
        };
        let obs = if yi.is_nan() {
            if let Some(r) = resid.as_deref_mut() {
                r[i] = f64::NAN;
            }
            f
        } else {
            let e = if MULT_ERROR {
                let f0 = if f.abs() < TOL { f + TOL } else { f };
                (yi - f) / f0
            } else {
                yi - f
            };
            if let Some(r) = resid.as_deref_mut() {
                r[i] = e;
            }
            sse += e * e;
            if sse > sse_stop {
                let pass = Pass {
                    lik: f64::INFINITY,
                    n_obs,
                    sse,
                };
                return (pass, l, b);
            }
            if MULT_ERROR {
                let af = f.abs();
                if af.is_normal() {
                    // multiply mantissas only: the product's only dependency is one multiply
                    // per step (renormalising it every step put a float→int→float round trip
                    // on that chain); up to 512 mantissas in [1, 2) stay below 2^512
                    let bits = af.to_bits();
                    exp_sum += ((bits >> 52) & 0x7ff) as i64 - 1023;
                    prod *= f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | (1023u64 << 52));
                    since_norm += 1;
                    if since_norm == 512 {
                        since_norm = 0;
                        let pb = prod.to_bits();
                        exp_sum += ((pb >> 52) & 0x7ff) as i64 - 1023;
                        prod = f64::from_bits((pb & 0x000F_FFFF_FFFF_FFFF) | (1023u64 << 52));
                    }
                } else {
                    logf += if af > 0.0 { af.ln() } else { (af + 1e-8).ln() };
                }
            }
            n_obs += 1;
            yi
        };
        // state update
        let pp = match SEASON {
            0 => obs,
            1 => obs - s_old,
            _ => {
                if s_old.abs() < TOL {
                    HUGE_N
                } else {
                    obs / s_old
                }
            }
        };
        // forecast-R: l' = q + α(pp − q), b' = φb + (β/α)(l' − l − φb), q = l + φb.
        // Expanded (the same values up to rounding): l' = (1−α)l + (1−α)φb + α·pp and
        // b' = φ(1−β)b + β(pp − l). The loop is latency-bound; this form cuts the dependency
        // chain from one step's (l, b) to the next from ~20 to ~12 cycles with a trend and
        // from 12 to 8 without (the fixture fits are unchanged: same 361/406 equal
        // likelihoods as statsforecast).
        if TREND {
            let (l_old, b_old) = (l, b);
            l = c1 * l_old + (alpha * pp + c2 * b_old);
            b = c3 * b_old + (beta * pp - beta * l_old);
        } else {
            l = c1 * l + alpha * pp;
        }
        if SEASON != 0 {
            let t = if SEASON == 1 {
                obs - q
            } else if q.abs() < TOL {
                HUGE_N
            } else {
                obs / q
            };
            sbuf[i + m] = s_old + gamma * (t - s_old);
        }
    }
    let nf = n_obs as f64;
    let mut lik = if sse > 0.0 {
        nf * sse.ln()
    } else {
        nf * (sse + 1e-8).ln()
    };
    if MULT_ERROR {
        logf += exp_sum as f64 * std::f64::consts::LN_2 + prod.ln();
        lik += 2.0 * logf;
    }
    (Pass { lik, n_obs, sse }, l, b)
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
