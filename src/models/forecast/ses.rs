//! Simple exponential smoothing kernels used by the intermittent-demand models, with the exact
//! conventions of statsforecast's C++ `ses` module so Croston/TSB/ADIDA/IMAPA match it to the
//! last bits: the smoothed value starts at `x[0]`, the one-step forecast after the last value
//! is returned, and the optimised variant picks alpha by golden-section search of the in-sample
//! SSE on `[0.1, 0.3]`.
//!
//! These work on complete slices (no NaN); the callers remove missing values first.

/// One-step-ahead forecast after the whole of `x` with smoothing `alpha`
/// (`f_1 = x_0`, `f_{t+1} = α·x_t + (1−α)·f_t`). A single value forecasts itself.
/// Returns NaN for an empty slice (callers never pass one).
pub fn ses_forecast(x: &[f64], alpha: f64) -> f64 {
    match x.len() {
        0 => f64::NAN,
        1 => x[0],
        _ => {
            let c = 1.0 - alpha;
            let mut f = x[0];
            for &v in &x[..x.len() - 1] {
                f = alpha * v + c * f;
            }
            alpha * x[x.len() - 1] + c * f
        }
    }
}

/// In-sample sum of squared one-step errors of SES (0 for fewer than 2 values).
pub fn ses_sse(alpha: f64, x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let c = 1.0 - alpha;
    let mut f = x[0];
    let mut sse = 0.0;
    for i in 1..x.len() {
        f = alpha * x[i - 1] + c * f;
        let e = x[i] - f;
        sse += e * e;
    }
    sse
}

/// Golden-section minimisation of [`ses_sse`] over `[lower, upper]`, stopping when the bracket
/// is narrower than 1e-12 or the two probes tie (so a flat objective returns the midpoint).
/// A hard cap of 200 iterations guards against a non-terminating loop on odd inputs; the
/// bracket shrinks by 0.618 per step, so the cap is never reached on finite data.
pub fn golden_section_ses(x: &[f64], lower: f64, upper: f64) -> f64 {
    let gr = (5f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lower, upper);
    let mut c = b - (b - a) / gr;
    let mut d = a + (b - a) / gr;
    let mut fc = ses_sse(c, x);
    let mut fd = ses_sse(d, x);
    let mut it = 0;
    while (b - a).abs() >= 1e-12 && it < 200 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / gr;
            fc = ses_sse(c, x);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / gr;
            fd = ses_sse(d, x);
        } else {
            break;
        }
        it += 1;
    }
    (b + a) / 2.0
}

/// SES with alpha chosen by [`golden_section_ses`] on `[0.1, 0.3]`: returns (forecast, alpha).
pub fn optimized_ses_forecast(x: &[f64]) -> (f64, f64) {
    let alpha = golden_section_ses(x, 0.1, 0.3);
    (ses_forecast(x, alpha), alpha)
}

/// In-sample one-step forecasts of SES: `out[t]` is the forecast of `x[t]` made before seeing it
/// (`out[0]` = NaN, `out[1]` = `x[0]`, ...). Used for residual-based intervals.
pub fn ses_fitted(x: &[f64], alpha: f64) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    if x.is_empty() {
        return out;
    }
    let c = 1.0 - alpha;
    let mut f = x[0];
    for t in 1..x.len() {
        out[t] = f;
        f = alpha * x[t] + c * f;
    }
    out
}

/// SES forecasts after each prefix: `out[k]` is the forecast made after seeing `x[..k]`
/// (`out[0]` = NaN, `out[1]` = `x[0]`, `out[len]` = [`ses_forecast`] of the whole slice).
pub fn ses_states(x: &[f64], alpha: f64) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len() + 1];
    if x.is_empty() {
        return out;
    }
    let c = 1.0 - alpha;
    let mut f = x[0];
    out[1] = f;
    for k in 1..x.len() {
        f = alpha * x[k] + c * f;
        out[k + 1] = f;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ses_basics() {
        assert_eq!(ses_forecast(&[5.0], 0.3), 5.0);
        // f1 = 1, f2 = 0.5*1 + 0.5*1 = 1, forecast = 0.5*3 + 0.5*1 = 2
        assert_eq!(ses_forecast(&[1.0, 1.0, 3.0], 0.5), 2.0);
        assert_eq!(ses_sse(0.5, &[1.0]), 0.0);
        // flat objective: midpoint
        assert!((golden_section_ses(&[2.0], 0.1, 0.3) - 0.2).abs() < 1e-15);
        let fitted = ses_fitted(&[1.0, 1.0, 3.0], 0.5);
        assert!(fitted[0].is_nan());
        assert_eq!(&fitted[1..], &[1.0, 1.0]);
    }
}
