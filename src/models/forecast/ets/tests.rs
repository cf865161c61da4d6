use super::*;
use crate_fixtures::{nums, rel};

// `super::super::fixtures` spelled once
use super::super::fixtures as crate_fixtures;

#[test]
fn parse_specs() {
    let s = EtsSpec::parse("madm").unwrap();
    assert_eq!(s.name(), "ETS(M,Ad,M)");
    assert!(EtsSpec::parse("ZZZ").is_err());
    assert!(EtsSpec::parse("ANdN").is_err());
    assert!(EtsPattern::parse("ZZZ").unwrap() == EtsPattern::auto());
}

/// Every fixed ETS spec on every fixture series, against statsforecast's fit:
/// report (not assert) the distribution of differences; the asserting tests are below.
#[test]
#[ignore = "diagnostic report; run with --ignored --nocapture"]
fn spec_fits_report() {
    let fx = crate_fixtures::parse(crate_fixtures::ETS);
    let mut rows = Vec::new();
    for s in crate_fixtures::series() {
        let specs = fx[s.id.as_str()]["specs"].as_object().unwrap();
        for (code, want) in specs {
            if want.get("error").is_some() {
                continue;
            }
            let spec = EtsSpec::parse(code).unwrap();
            let got = match fit(&s.y, s.m, spec, FitControl::REFERENCE) {
                Ok(g) => g,
                Err(e) => {
                    rows.push(format!("{:16} {:5} ERROR {e}", s.id, code));
                    continue;
                }
            };
            let wl = crate_fixtures::num(&want["loglik"]);
            let wmean = nums(&want["mean"]);
            let gmean = got.point_forecast(wmean.len());
            let maxrel = gmean
                .iter()
                .zip(&wmean)
                .map(|(a, b)| rel(*a, *b, 1e-3))
                .fold(0.0, f64::max);
            let wpar = nums(&want["par"]);
            rows.push(format!(
                "{:16} {:5} dll={:+.2e} fc={:.1e} a={:.4}/{:.4} b={:.4}/{:.4} g={:.4}/{:.4} p={:.3}/{:.3}",
                s.id, code, got.loglik - wl, maxrel, got.alpha, wpar[0], got.beta, wpar[1], got.gamma, wpar[2], got.phi, wpar[3]
            ));
        }
    }
    for r in &rows {
        eprintln!("{r}");
    }
}

#[test]
#[ignore = "diagnostic report; run with --ignored --nocapture"]
fn init_guess_report() {
    let fx = crate_fixtures::parse(crate_fixtures::ETS);
    let mut worst = 0.0f64;
    for s in crate_fixtures::series() {
        let specs = fx[s.id.as_str()]["specs"].as_object().unwrap();
        for (code, want) in specs {
            if want.get("error").is_some() {
                continue;
            }
            let spec = EtsSpec::parse(code).unwrap();
            let m = if spec.season == Component::None || s.y.len() <= s.m {
                1
            } else {
                s.m
            };
            let season = if m == 1 { Component::None } else { spec.season };
            let Ok(got) = init::initial_state(&s.y, m, spec.trend, season) else {
                continue;
            };
            let w = nums(&want["init_guess"]);
            let d = got
                .iter()
                .zip(&w)
                .map(|(a, b)| rel(*a, *b, 1e-6))
                .fold(0.0, f64::max);
            worst = worst.max(d);
            if d > 1e-12 {
                eprintln!(
                    "{} {code} init diff {d:e}\n  got {got:?}\n want {w:?}",
                    s.id
                );
            }
        }
    }
    eprintln!("worst init diff {worst:e}");
}

#[test]
#[ignore = "diagnostic report; run with --ignored --nocapture"]
fn auto_report() {
    let fx = crate_fixtures::parse(crate_fixtures::ETS);
    let mut same = 0;
    let mut total = 0;
    for s in crate_fixtures::series() {
        let want = &fx[s.id.as_str()]["auto"];
        let got = auto(&s.y, s.m, EtsPattern::auto(), FitControl::REFERENCE);
        if want.get("error").is_some() {
            eprintln!(
                "{:16} sf error {:?}; ours {:?}",
                s.id,
                want["error"],
                got.as_ref()
                    .map(|g| g.spec.name())
                    .map_err(|e| e.to_string())
            );
            continue;
        }
        let got = got.unwrap();
        total += 1;
        let wc = want["components"].as_str().unwrap();
        let wname = format!(
            "ETS({},{}{},{})",
            &wc[0..1],
            &wc[1..2],
            if &wc[3..4] == "D" { "d" } else { "" },
            &wc[2..3]
        );
        let wmean = nums(&want["mean"]);
        let gmean = got.point_forecast(wmean.len());
        let maxrel = gmean
            .iter()
            .zip(&wmean)
            .map(|(a, b)| rel(*a, *b, 1e-3))
            .fold(0.0, f64::max);
        if wname == got.spec.name() {
            same += 1;
        }
        eprintln!(
            "{:16} {:14} {:14} aicc {:10.3} vs {:10.3} fc {:.1e}",
            s.id,
            got.spec.name(),
            wname,
            got.aicc,
            crate_fixtures::num(&want["aicc"]),
            maxrel
        );
    }
    eprintln!("same model {same}/{total}");
}

/// Fixture assertions for AutoETS against statsforecast 2.1.1 (`ets.json`, h = 14):
/// - our chosen model's AICc is never worse than statsforecast's (+1e-6);
/// - the chosen model is the same on at least 32 of the 35 series that statsforecast fits;
/// - where the same model is chosen with the same AICc (|Δ| < 1e-6), point forecasts agree
///   within 1e-8 relative (floor 1e-3).
#[test]
fn auto_ets_matches_statsforecast() {
    let fx = crate_fixtures::parse(crate_fixtures::ETS);
    let (mut same, mut total, mut compared) = (0, 0, 0);
    for s in crate_fixtures::series() {
        let want = &fx[s.id.as_str()]["auto"];
        let got = auto(&s.y, s.m, EtsPattern::auto(), FitControl::REFERENCE);
        if want.get("error").is_some() {
            assert!(
                got.is_err(),
                "{}: statsforecast cannot fit, we must refuse",
                s.id
            );
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{}: {e}", s.id));
        total += 1;
        let waicc = crate_fixtures::num(&want["aicc"]);
        assert!(
            got.aicc <= waicc + 1e-6,
            "{}: aicc {} worse than {}",
            s.id,
            got.aicc,
            waicc
        );
        let wc = want["components"].as_str().unwrap();
        let damped = if &wc[3..4] == "D" { "d" } else { "" };
        let wname = format!("ETS({},{}{damped},{})", &wc[0..1], &wc[1..2], &wc[2..3]);
        if wname == got.spec.name() {
            same += 1;
            if (got.aicc - waicc).abs() < 1e-6 {
                let wmean = nums(&want["mean"]);
                for (k, (a, b)) in got.point_forecast(14).iter().zip(&wmean).enumerate() {
                    assert!(rel(*a, *b, 1e-3) < 1e-8, "{} step {k}: {a} vs {b}", s.id);
                }
                compared += 1;
            }
        }
    }
    eprintln!("AutoETS: same model on {same}/{total}, same AICc and forecasts on {compared}");
    assert!(same >= 32, "same model on only {same}/{total}");
    assert!(compared >= 28, "forecasts compared on only {compared}");
}

/// Every fixed ETS spec statsforecast fitted (406 fits): the optimiser is the same bounded
/// Nelder–Mead from the same starting point, so the log-likelihoods agree within 1e-8 on at
/// least 340 fits (361 at the time of writing) and there the point forecasts agree within 1e-6
/// relative. The rest differ because a last-bit difference (numpy's SVD least squares and
/// pairwise sums vs ours) sends the simplex along another path, most often on seasonal models
/// that exhaust the 1000-iteration budget; ours is worse by more than 1e-2 on at most 4 fits
/// (S000010 MAA/MAM/MAdA and S000013 AAN, a multimodal surface) and better on others.
#[test]
fn spec_fits_match_statsforecast() {
    let fx = crate_fixtures::parse(crate_fixtures::ETS);
    let (mut fits, mut worse, mut equal, mut better) = (0, 0, 0, 0);
    for s in crate_fixtures::series() {
        let specs = fx[s.id.as_str()]["specs"].as_object().unwrap();
        for (code, want) in specs {
            let spec = EtsSpec::parse(code).unwrap();
            let got = fit(&s.y, s.m, spec, FitControl::REFERENCE);
            if want.get("error").is_some() {
                assert!(
                    got.is_err(),
                    "{} {code}: statsforecast refuses, so must we",
                    s.id
                );
                continue;
            }
            let got = got.unwrap_or_else(|e| panic!("{} {code}: {e}", s.id));
            fits += 1;
            let wl = crate_fixtures::num(&want["loglik"]);
            if got.loglik < wl - 1e-2 {
                worse += 1;
                eprintln!("{} {code}: loglik {} < {}", s.id, got.loglik, wl);
            }
            if got.loglik > wl + 1e-2 {
                better += 1;
            }
            if (got.loglik - wl).abs() < 1e-8 {
                equal += 1;
                let wmean = nums(&want["mean"]);
                for (k, (a, b)) in got.point_forecast(14).iter().zip(&wmean).enumerate() {
                    assert!(
                        rel(*a, *b, 1e-3) < 1e-6,
                        "{} {code} step {k}: {a} vs {b}",
                        s.id
                    );
                }
            }
        }
    }
    eprintln!(
        "{fits} fits, {equal} with equal loglik, {worse} worse and {better} better by > 1e-2"
    );
    assert!(fits > 350);
    assert!(equal >= 340, "only {equal} fits with the same likelihood");
    assert!(worse <= 4, "{worse} fits with a worse likelihood");
}

/// Prediction intervals of the fixed-spec fits whose likelihood equals statsforecast's, at the
/// steps where both use the same formula (see `intervals.rs` for the three places statsforecast
/// 2.1.1 departs from Hyndman et al. 2008): class 1 non-seasonal and class 2 (except MAA) at
/// every step; class 1 seasonal where ⌊(h−1)/m⌋ = ⌊(H−1)/m⌋; class 3 at step 1.
/// Tolerance 1e-6 relative (floor 1e-3).
#[test]
fn intervals_match_statsforecast_where_defined_alike() {
    let fx = crate_fixtures::parse(crate_fixtures::ETS);
    let mut checked = 0;
    for s in crate_fixtures::series() {
        let specs = fx[s.id.as_str()]["specs"].as_object().unwrap();
        for (code, want) in specs {
            if want.get("error").is_some() || want.get("lo-80").is_none() {
                continue;
            }
            let spec = EtsSpec::parse(code).unwrap();
            let got = fit(&s.y, s.m, spec, FitControl::REFERENCE).unwrap();
            if (got.loglik - crate_fixtures::num(&want["loglik"])).abs() > 1e-8 {
                continue;
            }
            let f = got.forecast(14, &[80.0, 95.0]);
            let h = 14;
            for k in 1..=h {
                let ok = match (spec.error, spec.season) {
                    (Component::Additive, Component::None) => true,
                    (Component::Additive, _) => (k - 1) / got.m == (h - 1) / got.m,
                    (_, Component::Multiplicative) => k == 1,
                    _ => code != "MAA",
                };
                if !ok {
                    continue;
                }
                for (i, lv) in ["80", "95"].iter().enumerate() {
                    let lo = nums(&want[format!("lo-{lv}")])[k - 1];
                    let hi = nums(&want[format!("hi-{lv}")])[k - 1];
                    assert!(
                        rel(f.lower[i][k - 1], lo, 1e-3) < 1e-6,
                        "{} {code} lo{lv} step {k}: {} vs {lo}",
                        s.id,
                        f.lower[i][k - 1]
                    );
                    assert!(
                        rel(f.upper[i][k - 1], hi, 1e-3) < 1e-6,
                        "{} {code} hi{lv} step {k}",
                        s.id
                    );
                    checked += 1;
                }
            }
        }
    }
    eprintln!("{checked} interval bounds checked");
    assert!(checked > 1000, "{checked}");
}
