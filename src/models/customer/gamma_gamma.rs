//! Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Hardie's note 025):
//! each customer's transaction values are Gamma(`p`, ν) with ν ~ Gamma(`q`, `v`) across
//! customers. Fitted on customers with at least one repeat purchase, from their number of repeat
//! transactions x and the mean value m of those transactions; it predicts a customer's expected
//! average spend per transaction, shrinking m towards the population mean.
//!
//! Conventions and the optional penalizer follow lifetimes' `GammaGammaFitter`: the objective is
//! the mean negative log-likelihood per customer plus `penalizer * (p² + q² + v²)` (no rescaling,
//! so `v` is in the money unit of the data). The model assumes spend is independent of purchase
//! frequency; check that correlation before relying on it.

use super::error::{CustomerError, Result, check_lengths, check_non_negative, check_param_range};
use super::optim::{bfgs, nelder_mead, newton_polish};
use super::special::{digamma, ln_gamma};

/// Gamma-Gamma parameters (`v` in the money unit of the data).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaParams {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

/// Fit options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaOptions {
    /// lifetimes' `penalizer_coef` (>= 0, default 0).
    pub penalizer: f64,
    /// Iteration cap per optimiser stage (default 2000).
    pub max_iterations: usize,
}

impl Default for GammaGammaOptions {
    fn default() -> Self {
        GammaGammaOptions {
            penalizer: 0.0,
            max_iterations: 2000,
        }
    }
}

/// A fitted Gamma-Gamma model.
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaFit {
    pub params: GammaGammaParams,
    /// Total log-likelihood (unpenalised).
    pub log_likelihood: f64,
    /// lifetimes' `_negative_log_likelihood_`: mean NLL plus penalty.
    pub objective: f64,
    pub n_customers: usize,
    pub iterations: usize,
    pub gradient_norm: f64,
}

fn objective(
    theta: &[f64],
    x: &[f64],
    m: &[f64],
    w: &[f64],
    wsum: f64,
    pen: f64,
    grad: Option<&mut [f64]>,
) -> f64 {
    let (p, q, v) = (theta[0].exp(), theta[1].exp(), theta[2].exp());
    if ![p, q, v].iter().all(|t| t.is_finite() && *t > 0.0) {
        return f64::INFINITY;
    }
    let (lg_q, ln_v) = (ln_gamma(q), v.ln());
    let want = grad.is_some();
    let dg_q = if want { digamma(q) } else { 0.0 };
    let mut ll = 0.0;
    let mut g = [0.0_f64; 3];
    for i in 0..x.len() {
        let (xi, mi) = (x[i], m[i]);
        let px = p * xi;
        let (ln_m, ln_x, ln_xmv) = (mi.ln(), xi.ln(), (xi * mi + v).ln());
        let l = ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_v + (px - 1.0) * ln_m + px * ln_x
            - (px + q) * ln_xmv;
        ll += w[i] * l;
        if want {
            let dg_pxq = digamma(px + q);
            g[0] += w[i] * xi * (dg_pxq - digamma(px) + ln_m + ln_x - ln_xmv);
            g[1] += w[i] * (dg_pxq - dg_q + ln_v - ln_xmv);
            g[2] += w[i] * (q / v - (px + q) / (xi * mi + v));
        }
    }
    let par = [p, q, v];
    if let Some(out) = grad {
        for k in 0..3 {
            out[k] = -g[k] * par[k] / wsum + 2.0 * pen * par[k] * par[k];
        }
    }
    -ll / wsum + pen * par.iter().map(|t| t * t).sum::<f64>()
}

/// Fits the Gamma-Gamma spend model by maximum likelihood.
///
/// `frequency[i]` is customer i's number of repeat transactions (a whole number, must be > 0:
/// filter `frequency > 0` first, as lifetimes' documentation does; a 0 is an error naming the
/// row), `monetary[i]` the mean value of those transactions (must be > 0: zero or negative spend
/// is an error, exclude such customers or shift to gross values). NaN/infinite values, unequal
/// lengths and empty input are errors. Data whose optimum is on the boundary (e.g. every customer
/// spends exactly the same, so there is no heterogeneity to fit) are a
/// [`CustomerError::Degenerate`] error. Never returns NaN.
pub fn fit_gamma_gamma(
    frequency: &[f64],
    monetary: &[f64],
    opts: &GammaGammaOptions,
) -> Result<GammaGammaFit> {
    check_param_range("penalizer", opts.penalizer, 0.0, f64::INFINITY, false)?;
    if opts.max_iterations == 0 {
        return Err(CustomerError::InvalidParameter(
            "max_iterations must be at least 1, got 0".into(),
        ));
    }
    let n = check_lengths(
        &["frequency", "monetary"],
        &[frequency.len(), monetary.len()],
    )?;
    if n == 0 {
        return Err(CustomerError::Empty(
            "Gamma-Gamma needs at least one customer with a repeat purchase, got none".into(),
        ));
    }
    for i in 0..n {
        check_finite_freq(i, frequency[i])?;
        if frequency[i] == 0.0 {
            return Err(CustomerError::InvalidValue(format!(
                "frequency at row {i} is 0; Gamma-Gamma is fitted on customers with at least one repeat \
                 purchase (filter frequency > 0)"
            )));
        }
        if !(monetary[i].is_finite() && monetary[i] > 0.0) {
            return Err(CustomerError::InvalidValue(format!(
                "monetary value at row {i} must be > 0 for Gamma-Gamma, got {}; exclude zero-spend or \
                 refund-only customers",
                monetary[i]
            )));
        }
    }
    // identical (x, m) pairs become weighted patterns
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&i| (frequency[i].to_bits(), monetary[i].to_bits()));
    let (mut x, mut m, mut w) = (vec![], vec![], vec![]);
    for &i in &order {
        if x.last() == Some(&frequency[i]) && m.last() == Some(&monetary[i]) {
            *w.last_mut().expect("pattern exists") += 1.0;
        } else {
            x.push(frequency[i]);
            m.push(monetary[i]);
            w.push(1.0);
        }
    }
    let wsum = n as f64;
    let pen = opts.penalizer;
    let f = |th: &[f64]| objective(th, &x, &m, &w, wsum, pen, None);
    let fg = |th: &[f64], g: &mut [f64]| objective(th, &x, &m, &w, wsum, pen, Some(g));
    let nm = nelder_mead(f, &[0.1; 3], 1.0, 1e-9, 1e-4, opts.max_iterations.min(600));
    let bf = bfgs(fg, &nm.x, 1e-11, opts.max_iterations);
    let iters = nm.iterations + bf.iterations;
    let best = newton_polish(fg, bf, 1e-11, 5);
    if !best.value.is_finite() {
        return Err(CustomerError::NotConverged(
            "Gamma-Gamma fit failed: the likelihood is not finite anywhere the optimiser looked"
                .into(),
        ));
    }
    let converged = best.grad_norm < 1e-6;
    let (worst, &wt) = best
        .x
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .expect("3 params");
    if wt.abs() > 18.0 || (!converged && wt.abs() > 8.0) {
        let name = ["p", "q", "v"][worst];
        return Err(CustomerError::Degenerate(format!(
            "Gamma-Gamma fit is degenerate: parameter {name} runs to {} (log {name} = {wt:.1}); average \
             spend hardly varies between customers (or there are too few customers); use a penalizer \
             (e.g. 0.001) or more data",
            if wt < 0.0 { "0" } else { "infinity" }
        )));
    }
    if !converged {
        return Err(CustomerError::NotConverged(format!(
            "Gamma-Gamma fit did not converge (largest gradient component {:.2e}); try a penalizer (e.g. 0.001)",
            best.grad_norm
        )));
    }
    let params = GammaGammaParams {
        p: best.x[0].exp(),
        q: best.x[1].exp(),
        v: best.x[2].exp(),
    };
    let penalty = pen * best.x.iter().map(|t| (2.0 * t).exp()).sum::<f64>();
    Ok(GammaGammaFit {
        params,
        log_likelihood: -(best.value - penalty) * wsum,
        objective: best.value,
        n_customers: n,
        iterations: iters + best.iterations,
        gradient_norm: best.grad_norm,
    })
}

fn check_finite_freq(row: usize, x: f64) -> Result<()> {
    check_non_negative("frequency", row, x)?;
    if x.fract() != 0.0 {
        return Err(CustomerError::InvalidValue(format!(
            "frequency at row {row} must be a whole number of repeat purchases, got {x}"
        )));
    }
    Ok(())
}

impl GammaGammaParams {
    /// Parameters from known values; each must be finite and > 0.
    pub fn new(p: f64, q: f64, v: f64) -> Result<Self> {
        for (name, val) in [("p", p), ("q", q), ("v", v)] {
            if !(val.is_finite() && val > 0.0) {
                return Err(CustomerError::InvalidParameter(format!(
                    "Gamma-Gamma parameter {name} must be a finite number > 0, got {val}"
                )));
            }
        }
        Ok(GammaGammaParams { p, q, v })
    }

    /// Population mean spend per transaction, `p v / (q - 1)`. Requires q > 1: with q <= 1 the
    /// mean is infinite (lifetimes returns negative nonsense); that is an error advising a
    /// refit.
    pub fn population_mean_spend(&self) -> Result<f64> {
        if self.q <= 1.0 {
            return Err(CustomerError::Degenerate(format!(
                "Gamma-Gamma q = {} <= 1, so the population mean spend is infinite and expected spend is \
                 undefined; refit without (or with a smaller) penalizer, or on more customers",
                self.q
            )));
        }
        Ok(self.p * self.v / (self.q - 1.0))
    }

    /// Expected average spend per transaction for a customer with `frequency` repeat
    /// transactions of mean value `monetary` (Hardie note 025 eq. 5; lifetimes
    /// `conditional_expected_average_profit`): a weighted average of the customer's own mean and
    /// the population mean, weight `p x / (p x + q - 1)` on their own.
    ///
    /// Frequency 0 gives the population mean (monetary is then ignored, may be 0). Frequency must
    /// be finite and >= 0, monetary finite and >= 0; q <= 1 is an error (see
    /// [`Self::population_mean_spend`]).
    pub fn expected_average_spend(&self, frequency: f64, monetary: f64) -> Result<f64> {
        check_non_negative("frequency", 0, frequency)?;
        let pop = self.population_mean_spend()?;
        if frequency == 0.0 {
            return Ok(pop);
        }
        check_non_negative("monetary value", 0, monetary)?;
        let w = self.p * frequency / (self.p * frequency + self.q - 1.0);
        Ok((1.0 - w) * pop + w * monetary)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64s, fixture};
    use super::*;

    #[test]
    fn matches_lifetimes_gamma_gamma() {
        let fx = fixture(include_str!(
            "../../../tests/fixtures/customer/gamma_gamma.json"
        ));
        let cd = &fx["cdnow"];
        let (x, m) = (f64s(&cd["frequency"]), f64s(&cd["monetary_value"]));
        let (xr, mr): (Vec<f64>, Vec<f64>) = x
            .iter()
            .zip(&m)
            .filter(|(x, _)| **x > 0.0)
            .map(|(a, b)| (*a, *b))
            .unzip();
        for f in cd["fits"].as_array().unwrap() {
            let pen = f["gg_penalizer"].as_f64().unwrap();
            let fit = fit_gamma_gamma(
                &xr,
                &mr,
                &GammaGammaOptions {
                    penalizer: pen,
                    ..Default::default()
                },
            )
            .unwrap();
            let gp = &f["gg_params"];
            // parameters within 1e-5 relative of lifetimes (brief: 1e-4), objective 1e-9
            for (got, key) in [
                (fit.params.p, "p"),
                (fit.params.q, "q"),
                (fit.params.v, "v"),
            ] {
                let want = gp[key].as_f64().unwrap();
                assert_close(got, want, 1e-5, &format!("gg pen {pen} {key}"));
                eprintln!(
                    "gamma-gamma pen {pen} {key}: rel. error {:.1e}",
                    (got / want - 1.0).abs()
                );
            }
            assert_close(
                fit.objective,
                f["gg_neg_log_likelihood"].as_f64().unwrap(),
                1e-9,
                "gg objective",
            );
            let want = f64s(&f["expected_avg_profit"]);
            if fit.params.q > 1.0 {
                for i in 0..x.len() {
                    let got = fit.params.expected_average_spend(x[i], m[i]).unwrap();
                    assert_close(got, want[i], 1e-5, &format!("expected spend row {i}"));
                }
            } else {
                // the penalised CDNOW fit has q < 1: lifetimes returns negative spend, we refuse
                let e = fit.params.expected_average_spend(x[0], m[0]).unwrap_err();
                assert!(e.to_string().contains("q = 0.96"), "{e}");
            }
        }
    }

    #[test]
    fn matches_lifetimes_on_generated_daily_data() {
        let fx = fixture(include_str!(
            "../../../tests/fixtures/customer/gamma_gamma.json"
        ));
        let tr = fixture(include_str!(
            "../../../tests/fixtures/customer/transactions.json"
        ));
        let (x, m) = (
            f64s(&tr["summary"]["frequency"]),
            f64s(&tr["summary"]["monetary_value"]),
        );
        let (xr, mr): (Vec<f64>, Vec<f64>) = x
            .iter()
            .zip(&m)
            .filter(|(x, _)| **x > 0.0)
            .map(|(a, b)| (*a, *b))
            .unzip();
        let f = &fx["generated"]["fits"][0];
        let fit = fit_gamma_gamma(&xr, &mr, &GammaGammaOptions::default()).unwrap();
        for (got, key) in [
            (fit.params.p, "p"),
            (fit.params.q, "q"),
            (fit.params.v, "v"),
        ] {
            let want = f["gg_params"][key].as_f64().unwrap();
            assert_close(got, want, 1e-5, key);
            eprintln!(
                "gamma-gamma generated {key}: rel. error {:.1e}",
                (got / want - 1.0).abs()
            );
        }
        let want = f64s(&f["expected_avg_profit"]);
        for i in 0..x.len() {
            let got = fit.params.expected_average_spend(x[i], m[i]).unwrap();
            assert_close(got, want[i], 1e-5, &format!("expected spend row {i}"));
        }
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let o = GammaGammaOptions::default();
        let e = fit_gamma_gamma(&[1.0, 0.0], &[3.0, 4.0], &o).unwrap_err();
        assert!(e.to_string().contains("frequency at row 1 is 0"), "{e}");
        let e = fit_gamma_gamma(&[1.0, 2.0], &[3.0, 0.0], &o).unwrap_err();
        assert!(
            e.to_string()
                .contains("monetary value at row 1 must be > 0"),
            "{e}"
        );
        let e = fit_gamma_gamma(&[1.0, 2.0], &[3.0, f64::NAN], &o).unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
        assert!(matches!(
            fit_gamma_gamma(&[], &[], &o),
            Err(CustomerError::Empty(_))
        ));
        // no heterogeneity in spend: a clear error, not NaN
        let x: Vec<f64> = (0..200).map(|i| 1.0 + (i % 7) as f64).collect();
        let e = fit_gamma_gamma(&x, &vec![25.0; 200], &o).unwrap_err();
        assert!(
            matches!(
                e,
                CustomerError::Degenerate(_) | CustomerError::NotConverged(_)
            ),
            "{e}"
        );
        let p = GammaGammaParams::new(6.0, 3.7, 15.0).unwrap();
        assert_close(
            p.expected_average_spend(0.0, 0.0).unwrap(),
            6.0 * 15.0 / 2.7,
            1e-15,
            "x = 0",
        );
        assert!(p.expected_average_spend(-1.0, 3.0).is_err());
        assert!(GammaGammaParams::new(6.0, f64::NAN, 1.0).is_err());
    }
}
