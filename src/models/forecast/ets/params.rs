//! Smoothing-parameter starting values, bounds and the admissibility test (statsforecast
//! `initparam`, `check_param`, `admissible`; forecast-R's rules).

use super::super::linalg::max_root_modulus;
use super::{Component, EtsSpec};

/// Lower/upper bounds of (alpha, beta, gamma, phi).
///
/// statsforecast's AutoETS passes **one** pair of bound arrays to every candidate model and
/// `initparam` narrows them in place (`upper_beta = min(upper_beta, alpha₀)`,
/// `upper_gamma = min(upper_gamma, 1 − alpha₀)`), so models fitted later in the search inherit
/// tighter bounds from earlier ones. We reproduce that (it changes which model wins on some
/// series); a single-model fit starts from fresh bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lower: [f64; 4],
    pub upper: [f64; 4],
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            lower: [0.0001, 0.0001, 0.0001, 0.8],
            upper: [0.9999, 0.9999, 0.9999, 0.98],
        }
    }
}

/// Parameters held fixed by the caller (None = estimate).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FixedParams {
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub gamma: Option<f64>,
    pub phi: Option<f64>,
}

/// Starting values; `None` for a component the model does not have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StartValues {
    pub alpha: f64,
    pub beta: Option<f64>,
    pub gamma: Option<f64>,
    pub phi: Option<f64>,
}

/// statsforecast `initparam` with `bounds = "both"` (mutates `b` as described on [`Bounds`]).
/// `m` is 1 for non-seasonal models.
pub(crate) fn init_params(
    spec: EtsSpec,
    m: usize,
    fixed: FixedParams,
    b: &mut Bounds,
) -> StartValues {
    let alpha = fixed.alpha.unwrap_or_else(|| {
        let a = b.lower[0] + 0.2 * (b.upper[0] - b.lower[0]) / m as f64;
        if !(0.0..=1.0).contains(&a) {
            b.lower[0] + 2e-3
        } else {
            a
        }
    });
    let beta = if spec.trend != Component::None {
        Some(fixed.beta.unwrap_or_else(|| {
            b.upper[1] = b.upper[1].min(alpha);
            let v = b.lower[1] + 0.1 * (b.upper[1] - b.lower[1]);
            if v < 0.0 || v > alpha {
                alpha - 1e-3
            } else {
                v
            }
        }))
    } else {
        None
    };
    let gamma = if spec.season != Component::None {
        Some(fixed.gamma.unwrap_or_else(|| {
            b.upper[2] = b.upper[2].min(1.0 - alpha);
            let v = b.lower[2] + 0.05 * (b.upper[2] - b.lower[2]);
            if v < 0.0 || v > 1.0 - alpha {
                1.0 - alpha - 1e-3
            } else {
                v
            }
        }))
    } else {
        None
    };
    let phi = if spec.damped {
        Some(fixed.phi.unwrap_or_else(|| {
            let v = b.lower[3] + 0.99 * (b.upper[3] - b.lower[3]);
            if !(0.0..=1.0).contains(&v) {
                b.upper[3] - 1e-3
            } else {
                v
            }
        }))
    } else {
        None
    };
    StartValues {
        alpha,
        beta,
        gamma,
        phi,
    }
}

/// Hyndman et al. (2008) admissibility region (forecast-R `admissible`): the model's
/// characteristic polynomial has all roots inside the unit circle.
pub(crate) fn admissible(
    alpha: f64,
    beta: Option<f64>,
    gamma: Option<f64>,
    phi: Option<f64>,
    m: usize,
) -> bool {
    let phi = phi.unwrap_or(1.0);
    if !(0.0..=1.0 + 1e-8).contains(&phi) {
        return false;
    }
    match gamma {
        None => {
            if alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi {
                return false;
            }
            if let Some(beta) = beta
                && (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha))
            {
                return false;
            }
            true
        }
        Some(gamma) if m > 1 => {
            let beta = beta.unwrap_or(0.0);
            if gamma < (1.0 - 1.0 / phi - alpha).max(0.0) || gamma > 1.0 + 1.0 / phi - alpha {
                return false;
            }
            let mf = m as f64;
            if alpha < 1.0 - 1.0 / phi - gamma * (1.0 - mf + phi + phi * mf) / (2.0 * phi * mf) {
                return false;
            }
            if beta < -(1.0 - phi) * (gamma / mf + alpha) {
                return false;
            }
            let mut p = Vec::with_capacity(m + 2);
            p.push(phi * (1.0 - alpha - gamma));
            p.push(alpha + beta - alpha * phi + gamma - 1.0);
            for _ in 0..m.saturating_sub(2) {
                p.push(alpha + beta - alpha * phi);
            }
            p.push(alpha + beta - phi);
            p.push(1.0);
            match max_root_modulus(&p) {
                Some(r) => r <= 1.0 + 1e-10,
                None => false,
            }
        }
        Some(_) => true,
    }
}

/// statsforecast `check_param` with `bounds = "both"`: usual bounds, then admissibility.
pub(crate) fn check_params(s: &StartValues, b: &Bounds, m: usize) -> bool {
    let a = s.alpha;
    if a < b.lower[0] || a > b.upper[0] {
        return false;
    }
    if let Some(beta) = s.beta
        && (beta < b.lower[1] || beta > a || beta > b.upper[1])
    {
        return false;
    }
    if let Some(phi) = s.phi
        && (phi < b.lower[3] || phi > b.upper[3])
    {
        return false;
    }
    if let Some(g) = s.gamma
        && (g < b.lower[2] || g > 1.0 - a || g > b.upper[2])
    {
        return false;
    }
    admissible(a, s.beta, s.gamma, s.phi, m)
}
