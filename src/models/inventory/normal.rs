//! The standard normal pieces inventory theory is built from: density, distribution, its inverse
//! (service level → z) and the standard normal loss function G(z) with its inverse (fill rate → k).
//!
//! Accuracy (checked against scipy in `reference_tests.rs`): the inverse CDF agrees with
//! `scipy.stats.norm.ppf` to 1e-9 absolute over p in [1e-12, 1 - 1e-12]; G(z) agrees with an
//! independent quadrature to 1e-12 relative over z in [-8, 8].

use super::error::{InventoryError, Result, finite, open_unit, positive};
use statrs::function::erf::erfc_inv;
use std::f64::consts::{FRAC_1_SQRT_2, SQRT_2};

/// 1 / sqrt(2π).
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Standard normal density φ(z). Total: NaN in gives NaN out; callers validate first.
pub fn std_normal_pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// Standard normal distribution Φ(z), accurate to about 1e-15 relative in both tails.
/// Total: NaN in gives NaN out; callers validate first.
pub fn std_normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z < 0.0 {
        std_normal_sf(-z)
    } else {
        1.0 - std_normal_sf(z)
    }
}

/// Standard normal survival function 1 - Φ(z), accurate to about 1e-15 relative far into the
/// upper tail (needed for fill rates close to 1 and for the loss function).
///
/// statrs' `erfc` is only good to about 1e-10 relative in places, which is visible in the loss
/// function and in scipy comparisons, so Φ is computed here from two expansions that need no
/// tables of coefficients:
/// * |z| < 3: the all-positive series erf(x) = 2/√π·e^(-x²)·Σ x·(2x²)ⁿ/(2n+1)!!, x = z/√2, which
///   has no cancellation; 1 - Φ then keeps at least 13 significant digits (1 - Φ(3) = 1.3e-3).
/// * |z| ≥ 3: 1 - Φ(z) = φ(z)·M(z) with the Mills-ratio continued fraction.
pub fn std_normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z < 0.0 {
        return 1.0 - std_normal_sf(-z);
    }
    if z >= 3.0 {
        return std_normal_pdf(z) * mills_ratio(z);
    }
    let x = z * FRAC_1_SQRT_2;
    let two_x2 = 2.0 * x * x;
    let mut term = x;
    let mut sum = x;
    let mut n = 0.0;
    // Terms grow while 2x² > 2n+3 (n ≤ 3 for z < 3) and then fall geometrically.
    while n < 200.0 {
        term *= two_x2 / (2.0 * n + 3.0);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
        n += 1.0;
    }
    let erf = std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp() * sum;
    0.5 * (1.0 - erf)
}

/// Mills ratio (1 - Φ(z))/φ(z) for z ≥ 1, by backward evaluation of the continued fraction
/// M(z) = 1/(z + 1/(z + 2/(z + 3/(z + ...)))). Returns (M, t) where M = 1/(z + t): the tail `t`
/// is what the loss function needs to avoid cancellation.
fn mills_parts(z: f64) -> (f64, f64) {
    // The fraction converges more slowly as z falls: 200 terms leave 4e-13 relative error in G
    // at z = 1.1, 400 terms reach full double precision from z = 1 (checked against scipy
    // quadrature in reference_tests.rs). 400 divisions cost about a microsecond.
    let mut t = 0.0;
    for n in (2..=400).rev() {
        t = n as f64 / (z + t);
    }
    let t = 1.0 / (z + t);
    (1.0 / (z + t), t)
}

fn mills_ratio(z: f64) -> f64 {
    mills_parts(z).0
}

/// Safety factor z for a cycle service level p: Φ⁻¹(p).
///
/// * `p` must be in (0, 1) exclusive: 0 and 1 would need an infinite safety stock, NaN is rejected.
/// * Computed as -√2·erfc⁻¹(2p) with statrs' `erfc_inv` (a port of Boost's rational
///   approximations, accurate to a few ulps; a Halley refinement step was tried and only added
///   noise). The scipy fixture checks it to 1e-9 over p in [1e-12, 1 - 1e-12].
pub fn z_from_service_level(p: f64) -> Result<f64> {
    let p = open_unit("service level", p)?;
    Ok(-SQRT_2 * erfc_inv(2.0 * p))
}

/// Cycle service level Φ(z) for a safety factor z.
///
/// * `z` must be finite (NaN and ±∞ are rejected); any sign is allowed: a negative safety factor
///   means a service level below 50%.
pub fn service_level_from_z(z: f64) -> Result<f64> {
    Ok(std_normal_cdf(finite("safety factor z", z)?))
}

/// Standard normal loss function G(z) = E[(X - z)⁺] for X ~ N(0, 1) = φ(z) - z·(1 - Φ(z)).
///
/// This is the expected shortage per unit of standard deviation when the safety factor is z.
/// * `z` must be finite; G is positive and decreasing, G(z) ≈ -z for very negative z and
///   G(z) → 0 for large z.
/// * For z > 1 the textbook form cancels (φ and z·(1-Φ) agree in more and more digits: 6e-13
///   relative error at z = 2.9, total loss far out), so there G is computed as φ(z)·t/(z + t) with t from the continued fraction of the Mills ratio,
///   which keeps full relative accuracy far into the tail. For z < 0 the identity
///   G(z) = G(-z) - z is used.
pub fn normal_loss(z: f64) -> Result<f64> {
    let z = finite("safety factor z", z)?;
    Ok(loss_unchecked(z))
}

pub(super) fn loss_unchecked(z: f64) -> f64 {
    if z < 0.0 {
        return loss_unchecked(-z) - z;
    }
    if z <= 1.0 {
        return std_normal_pdf(z) - z * std_normal_sf(z);
    }
    // With M = 1/(z + t) (see `mills_parts`), 1 - z·M = t·M, so G = φ·(1 - z·M) = φ·t·M with
    // no subtraction.
    let (m, t) = mills_parts(z);
    std_normal_pdf(z) * t * m
}

/// Inverse of the standard normal loss function: the k with G(k) = `g`.
///
/// Used for fill-rate targets: G(k) = (1 - β)·Q / σ.
/// * `g` must be finite and at least 1e-290 (G never reaches 0; below that it leaves the double
///   range). Large `g` gives a negative k (about -g):
///   the order quantity alone already meets the target.
/// * Solved by Newton's method on ln G (ln G is concave, so the iteration is monotone), guarded by
///   a bracket with bisection; converges to about 1e-14 in k.
pub fn inverse_normal_loss(g: f64) -> Result<f64> {
    let g = positive("loss function value G(k)", g)?;
    // Bracket the root. G(k) > max(0, -k) and G(k) < max(0, -k) + G(0), so for g >= G(0) the root
    // lies in [-g, G(0) - g]; below G(0) it is positive and G(40) underflows to 0, so [0, 40].
    let g0 = INV_SQRT_2PI;
    let (mut lo, mut hi) = if g >= g0 { (-g, g0 - g) } else { (0.0, 40.0) };
    if g < 1e-290 {
        // G(k) leaves the double range near k = 37; such a g would need a fill rate 1 - 1e-290.
        return Err(InventoryError::OutOfRange {
            name: "loss function value G(k)",
            range: "at least 1e-290 (the target is indistinguishable from a 100% fill rate)",
            value: g,
        });
    }
    if g >= 40.0 {
        // G(k) = -k + G(-k) and G(40) underflows: the root is -g to double precision (for
        // g near f64::MAX the bracket [-g, G(0) - g] collapsed and the solver reported
        // non-convergence; found by tests/properties.rs).
        return Ok(-g);
    }
    let target = g.ln();
    let mut k = 0.5 * (lo + hi);
    for _ in 0..200 {
        let gk = loss_unchecked(k);
        let f = gk.ln() - target; // decreasing in k
        if f.abs() < 1e-15 {
            return Ok(k);
        }
        if f > 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        // d/dk ln G(k) = -(1 - Φ(k)) / G(k)
        let slope = -std_normal_sf(k) / gk;
        let mut next = k - f / slope;
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        if (next - k).abs() <= 1e-15 * (1.0 + k.abs()) {
            return Ok(next);
        }
        k = next;
    }
    if hi - lo < 1e-12 {
        Ok(0.5 * (lo + hi))
    } else {
        Err(InventoryError::NoConvergence {
            what: "inverse normal loss",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_z_values() {
        // Standard table values (any statistics text): Φ⁻¹(0.95) = 1.644853626951, Φ⁻¹(0.975) = 1.959963984540.
        assert!((z_from_service_level(0.95).unwrap() - 1.644_853_626_951_472_2).abs() < 1e-12);
        assert!((z_from_service_level(0.975).unwrap() - 1.959_963_984_540_054).abs() < 1e-12);
        assert_eq!(z_from_service_level(0.5).unwrap(), 0.0);
        // symmetry
        let a = z_from_service_level(0.01).unwrap();
        let b = z_from_service_level(0.99).unwrap();
        assert!((a + b).abs() < 1e-12);
    }

    #[test]
    fn service_level_edges_are_errors() {
        for p in [0.0, 1.0, -0.1, 1.2, f64::NAN, f64::INFINITY] {
            assert!(z_from_service_level(p).is_err(), "{p}");
        }
        assert_eq!(
            z_from_service_level(1.2).unwrap_err().to_string(),
            "service level must be between 0 and 1 exclusive, got 1.2"
        );
        assert!(service_level_from_z(f64::NAN).is_err());
    }

    #[test]
    fn round_trip_z_service_level() {
        for i in 1..200 {
            let p = i as f64 / 200.0;
            let z = z_from_service_level(p).unwrap();
            assert!((service_level_from_z(z).unwrap() - p).abs() < 1e-15);
        }
    }

    #[test]
    fn loss_function_known_values() {
        // G(0) = φ(0); SPP's table gives G(1.0) = 0.0833, G(2.0) = 0.008491.
        assert!((normal_loss(0.0).unwrap() - INV_SQRT_2PI).abs() < 1e-15);
        assert!((normal_loss(1.0).unwrap() - 0.083_315_470_587_686_3).abs() < 1e-12);
        assert!((normal_loss(2.0).unwrap() - 0.008_490_702_616_829_7).abs() < 1e-12);
        // G(z) - G(-z) = -z
        for z in [0.3, 1.7, 4.2, 7.5] {
            let d = normal_loss(z).unwrap() - normal_loss(-z).unwrap();
            assert!((d + z).abs() < 1e-12);
        }
        // continuity across the switch at z = 1
        let below = std_normal_pdf(1.0) - 1.0 * std_normal_sf(1.0);
        assert!((loss_unchecked(1.000_000_001) - below).abs() / below < 1e-8);
    }

    #[test]
    fn inverse_loss_round_trips() {
        for k in [-6.0, -2.5, -0.3, 0.0, 0.1, 1.0, 2.33, 4.0, 6.0, 9.0] {
            let g = normal_loss(k).unwrap();
            let back = inverse_normal_loss(g).unwrap();
            assert!((back - k).abs() < 1e-10, "k={k} back={back}");
        }
        assert!(inverse_normal_loss(0.0).is_err());
        assert!(inverse_normal_loss(-1.0).is_err());
        assert!(inverse_normal_loss(f64::NAN).is_err());
        assert!(inverse_normal_loss(1e-300).is_err());
        let k = inverse_normal_loss(1e-250).unwrap();
        assert!(
            (normal_loss(k).unwrap() / 1e-250 - 1.0).abs() < 1e-10,
            "{k}"
        );
        // very large g: k ≈ -g
        let k = inverse_normal_loss(1e6).unwrap();
        assert!((k + 1e6).abs() < 1e-6);
    }
}
