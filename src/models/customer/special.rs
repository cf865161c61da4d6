//! Special functions the models need beyond `statrs`: the Gauss hypergeometric series used by
//! the BG/NBD conditional expectation, and a few numerically careful one-liners.

pub(crate) use statrs::function::gamma::{digamma, ln_gamma};

/// The trigamma function ψ′(x) = d²/dx² ln Γ(x) for x > 0 (recurrence up to x >= 20, then the
/// asymptotic series; relative error a few 1e-16). Non-positive or NaN input gives NaN.
pub(crate) fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 20.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    // 1/x + 1/(2x²) + Σ B_2k / x^(2k+1)
    let series = z
        * (1.0 / 6.0
            + z * (-1.0 / 30.0
                + z * (1.0 / 42.0 + z * (-1.0 / 30.0 + z * (5.0 / 66.0 - z * 691.0 / 2730.0)))));
    acc + 1.0 / x + 0.5 * z + series / x
}

/// The logistic function `1 / (1 + exp(-x))`, exact in both tails.
pub(crate) fn expit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Upper bound on the number of series terms; the BG/NBD callers choose the faster converging
/// of two equivalent forms, so this is only reached with absurd inputs.
const MAX_TERMS: usize = 5_000_000;

/// `2F1(a, b; c; z)` for `0 <= z < 1` by the Gauss series, summed with rescaling so a huge
/// value (hundreds of orders of magnitude) does not overflow. Returns `(ln |F|, sign of F)`.
///
/// Returns `None` when `c` is zero or a negative integer (a pole), when the sum cancels to
/// exactly 0, or when the series does not converge within [`MAX_TERMS`]; callers turn that into
/// an error instead of a NaN.
pub(crate) fn ln_hyp2f1_series(a: f64, b: f64, c: f64, z: f64) -> Option<(f64, f64)> {
    if !(0.0..1.0).contains(&z) || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return None;
    }
    if c <= 0.0 && c == c.floor() {
        return None;
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Some((0.0, 1.0));
    }
    const BIG: f64 = 1e250;
    let ln_big = BIG.ln();
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut ln_scale = 0.0_f64;
    let done = |sum: f64, ln_scale: f64| {
        if sum == 0.0 {
            None
        } else {
            Some((sum.abs().ln() + ln_scale, sum.signum()))
        }
    };
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        let ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        term *= ratio;
        sum += term;
        if term == 0.0 {
            // a or b is a non-positive integer: the series terminated
            return done(sum, ln_scale);
        }
        if sum.abs() > BIG {
            sum /= BIG;
            term /= BIG;
            ln_scale += ln_big;
        }
        // Stop once the remaining tail is negligible. Past the point where the term ratio has
        // fallen below 1 (and every parameter + n is positive, so signs no longer change) it
        // tends to z, so the geometric bound with the larger of the current ratio and z bounds
        // the tail.
        let r = ratio.abs().max(z);
        if ratio.abs() < 1.0
            && nf > (-a).max(-b).max(-c)
            && term.abs() * r / (1.0 - r) <= 1e-17 * sum.abs()
        {
            return done(sum, ln_scale);
        }
    }
    None
}

/// Number of Gauss-series terms `2F1(a, b; c; z)` needs, roughly: the terms grow while
/// `(a+n)(b+n) z > (c+n)(n+1)` and then decay like `z^n`.
pub(crate) fn series_cost(a: f64, b: f64, z: f64) -> f64 {
    a.abs().max(b.abs()) * z / (1.0 - z) + 40.0 / (1.0 - z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyp2f1_known_values() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z
        for z in [0.1_f64, 0.5, 0.9, 0.99] {
            let want = (-(1.0 - z).ln() / z).ln();
            let got = ln_hyp2f1_series(1.0, 1.0, 2.0, z).unwrap().0;
            assert!((got - want).abs() < 1e-13, "z={z}: {got} vs {want}");
        }
        // 2F1(a, b; b; z) = (1 - z)^-a
        let got = ln_hyp2f1_series(3.5, 2.0, 2.0, 0.7).unwrap().0;
        assert!((got - (-3.5 * (0.3_f64).ln())).abs() < 1e-12);
        // huge value without overflow: (1 - z)^-a with a = 2000, z = 0.9 is 10^2000
        let got = ln_hyp2f1_series(2000.0, 5.0, 5.0, 0.9).unwrap().0;
        assert!((got / (-2000.0 * (0.1_f64).ln()) - 1.0).abs() < 1e-12);
        // terminating series: a = -2
        let got = ln_hyp2f1_series(-2.0, 1.0, 1.0, 0.5).unwrap();
        assert!((got.0 - (0.25_f64).ln()).abs() < 1e-14 && got.1 == 1.0);
        // negative value: 2F1(1, 1; -0.5; 0.5) = 1 - 4 + ... < 0 (c < 0: one sign change)
        let (l, s) = ln_hyp2f1_series(1.0, 1.0, -0.5, 0.5).unwrap();
        assert_eq!(s, -1.0);
        assert!(l.is_finite());
        assert!(ln_hyp2f1_series(1.0, 1.0, -3.0, 0.5).is_none());
        assert!(ln_hyp2f1_series(1.0, 1.0, 2.0, 1.0).is_none());
    }

    #[test]
    fn trigamma_known_values() {
        // ψ′(1) = π²/6, ψ′(1/2) = π²/2, ψ′(x) - ψ′(x + 1) = 1/x², ψ′(x) ~ 1/x for large x
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        let rel = |got: f64, want: f64| ((got - want) / want).abs();
        assert!(rel(trigamma(1.0), pi2 / 6.0) < 1e-15);
        assert!(rel(trigamma(0.5), pi2 / 2.0) < 1e-15);
        // mpmath psi(1, x) at 30 digits
        for (x, want) in [
            (2.5, 0.490357756100234864972801055494),
            (10.0, 0.105166335681685746122201006908),
            (37.2, 0.0272462709847649267001714399069),
        ] {
            assert!(rel(trigamma(x), want) < 1e-15, "x={x}");
        }
        for x in [0.01, 0.3, 2.5, 9.99, 10.0, 37.2, 1e4] {
            let d = trigamma(x) - trigamma(x + 1.0);
            assert!((d * x * x - 1.0).abs() < 1e-11, "x={x}: {d}");
        }
        // trigamma(1e8) = 1e-8 + 5e-17 + (terms below 1e-24)
        assert!(rel(trigamma(1e8), 1e-8 + 5e-17) < 1e-15);
        assert!(trigamma(0.0).is_nan() && trigamma(-1.0).is_nan());
    }

    #[test]
    fn expit_is_stable() {
        assert_eq!(expit(-1000.0), 0.0);
        assert_eq!(expit(1000.0), 1.0);
        assert!((expit(0.0) - 0.5).abs() < 1e-16);
    }
}
