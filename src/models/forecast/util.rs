//! Small numeric helpers shared by the model families: normal quantiles, empirical quantiles
//! (numpy's default "linear" rule, so results line up with the Python reference scripts),
//! NaN-aware summaries and gap filling.

use statrs::distribution::{ContinuousCDF, Normal};

/// The standard normal quantile for the two-sided interval `level` (in percent, 0 < level < 100):
/// `z = Φ⁻¹(0.5 + level/200)`. 80 → 1.2816, 95 → 1.9600.
pub fn z_for_level(level: f64) -> f64 {
    let p = 0.5 + level / 200.0;
    // Normal::standard() cannot fail; unwrap_or keeps this panic-free regardless.
    Normal::standard().inverse_cdf(p)
}

/// Empirical quantile of `sorted` (ascending, no NaN) at probability `p` in [0, 1], with linear
/// interpolation between order statistics (numpy `quantile(..., method="linear")`).
/// Returns NaN for an empty slice.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return sorted[0];
    }
    let pos = p.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// The finite values of `x`, sorted ascending. Sorts integer keys that order like the floats
/// (sign-magnitude flipped to two's-complement order), which is several times faster than a
/// float comparator on the heavily tied residuals of intermittent demand.
pub fn sorted_finite(x: &[f64]) -> Vec<f64> {
    let mut keys: Vec<u64> = x
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| {
            let b = v.to_bits();
            if b >> 63 == 1 { !b } else { b | (1 << 63) }
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter()
        .map(|k| {
            let b = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
            f64::from_bits(b)
        })
        .collect()
}

/// Number of non-NaN values.
pub fn count_observed(y: &[f64]) -> usize {
    y.iter().filter(|v| !v.is_nan()).count()
}

/// Mean of the non-NaN values (NaN when there are none).
pub fn nan_mean(y: &[f64]) -> f64 {
    let (mut s, mut c) = (0.0, 0usize);
    for &v in y {
        if !v.is_nan() {
            s += v;
            c += 1;
        }
    }
    if c == 0 { f64::NAN } else { s / c as f64 }
}

/// Fills NaN gaps by linear interpolation between the neighbouring observed values; leading
/// NaN take the first observed value and trailing NaN the last one. Used only where a model
/// needs a complete series for its *initialisation* (ETS initial states, Theta, decomposition);
/// the likelihoods themselves skip missing values. Returns `None` if nothing is observed.
pub fn interpolate_missing(y: &[f64]) -> Option<Vec<f64>> {
    let first = y.iter().position(|v| !v.is_nan())?;
    let mut out = y.to_vec();
    for v in out.iter_mut().take(first) {
        *v = y[first];
    }
    let mut last_obs = first;
    for i in first + 1..y.len() {
        if !y[i].is_nan() {
            if i > last_obs + 1 {
                let (a, b) = (y[last_obs], y[i]);
                let span = (i - last_obs) as f64;
                for (k, slot) in out.iter_mut().enumerate().take(i).skip(last_obs + 1) {
                    *slot = a + (b - a) * (k - last_obs) as f64 / span;
                }
            }
            last_obs = i;
        }
    }
    for v in out.iter_mut().skip(last_obs + 1) {
        *v = y[last_obs];
    }
    Some(out)
}

/// True when every value equals the first (statsforecast's `is_constant`). NaN never equals.
pub fn is_constant(y: &[f64]) -> bool {
    match y.first() {
        None => true,
        Some(&a) => y.iter().all(|&v| v == a),
    }
}

/// Python's `round()` on floats: round half to even ("banker's rounding"), which statsforecast's
/// ADIDA/IMAPA use for the aggregation level.
pub fn round_half_even(x: f64) -> f64 {
    x.round_ties_even()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_values() {
        assert!((z_for_level(80.0) - 1.2815515655446004).abs() < 1e-12);
        assert!((z_for_level(95.0) - 1.959963984540054).abs() < 1e-12);
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert!((quantile_sorted(&v, 0.1) - 1.3).abs() < 1e-12);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn sorted_finite_orders_like_floats() {
        let v = [
            5.0,
            -1.0,
            f64::NAN,
            0.0,
            -0.0,
            2.5,
            -7.25,
            f64::INFINITY,
            1e-300,
        ];
        let s = sorted_finite(&v);
        assert_eq!(s, vec![-7.25, -1.0, -0.0, 0.0, 1e-300, 2.5, 5.0]);
    }

    #[test]
    fn interpolation_fills_gaps() {
        let y = [f64::NAN, 1.0, f64::NAN, 3.0, f64::NAN];
        assert_eq!(
            interpolate_missing(&y).unwrap(),
            vec![1.0, 1.0, 2.0, 3.0, 3.0]
        );
        assert!(interpolate_missing(&[f64::NAN]).is_none());
    }

    #[test]
    fn banker_rounding() {
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_half_even(1.2), 1.0);
    }
}
