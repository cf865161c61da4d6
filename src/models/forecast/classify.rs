//! Demand classification (Syntetos, Boylan & Croston 2005): how often demand occurs (ADI) and
//! how much its size varies (CV²), with the Syntetos–Boylan cut-offs ADI = 1.32, CV² = 0.49:
//!
//! | | CV² < 0.49 | CV² ≥ 0.49 |
//! |---|---|---|
//! | **ADI < 1.32** | smooth | erratic |
//! | **ADI ≥ 1.32** | intermittent | lumpy |
//!
//! plus two classes before those apply: **all-zero** (no demand observed) and **too-short**
//! (fewer observed periods than `min_history`).
//!
//! Definitions, on the observed (non-NaN) periods only — a stock-out day is neither demand nor
//! a zero:
//! - `ADI = observed periods / periods with demand (> 0)`;
//! - `CV² = (s / x̄)²` of the positive demand sizes, `s` the sample standard deviation
//!   (divisor `k − 1`); a single demand gives CV² = 0.
//!
//! Negative values count as no demand (net returns are not demand).

/// The demand class of one series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemandClass {
    /// Regular occurrence, stable size.
    Smooth,
    /// Regular occurrence, variable size.
    Erratic,
    /// Sporadic occurrence, stable size.
    Intermittent,
    /// Sporadic occurrence, variable size.
    Lumpy,
    /// Fewer observed periods than the classification needs.
    TooShort,
    /// Observed, but never any demand.
    AllZero,
}

impl DemandClass {
    /// Lower-case name used in SQL output: `smooth`, `erratic`, `intermittent`, `lumpy`,
    /// `too_short`, `all_zero`.
    pub fn as_str(self) -> &'static str {
        match self {
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
            DemandClass::TooShort => "too_short",
            DemandClass::AllZero => "all_zero",
        }
    }

    /// True for the classes routed to the intermittent-demand models.
    pub fn is_intermittent(self) -> bool {
        matches!(self, DemandClass::Intermittent | DemandClass::Lumpy)
    }
}

/// Syntetos–Boylan ADI cut-off.
pub const ADI_CUTOFF: f64 = 1.32;
/// Syntetos–Boylan CV² cut-off.
pub const CV2_CUTOFF: f64 = 0.49;

/// The classification with the numbers behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandProfile {
    pub class: DemandClass,
    /// Average demand interval (NaN when there is no demand).
    pub adi: f64,
    /// Squared coefficient of variation of the positive sizes (NaN when there is no demand).
    pub cv2: f64,
    /// Observed (non-NaN) periods.
    pub n_obs: usize,
    /// Periods with demand > 0.
    pub n_demand: usize,
    /// Missing (NaN) periods.
    pub n_missing: usize,
}

/// Classifies `y`. NaN periods are skipped; `min_history` observed periods are needed for a
/// real class (below: `TooShort`, unless nothing but zeros was seen, which is `AllZero` as soon
/// as one period is observed). An empty or all-missing history is `TooShort` with `n_obs = 0`.
pub fn classify(y: &[f64], min_history: usize) -> DemandProfile {
    let mut n_obs = 0usize;
    let mut sizes_sum = 0.0;
    let mut n_demand = 0usize;
    for &v in y {
        if v.is_nan() {
            continue;
        }
        n_obs += 1;
        if v > 0.0 {
            n_demand += 1;
            sizes_sum += v;
        }
    }
    let n_missing = y.len() - n_obs;
    let (adi, cv2) = if n_demand == 0 {
        (f64::NAN, f64::NAN)
    } else {
        let mean = sizes_sum / n_demand as f64;
        let var = if n_demand > 1 {
            y.iter()
                .filter(|v| **v > 0.0)
                .map(|v| (v - mean) * (v - mean))
                .sum::<f64>()
                / (n_demand - 1) as f64
        } else {
            0.0
        };
        (n_obs as f64 / n_demand as f64, var / (mean * mean))
    };
    let class = if n_obs > 0 && n_demand == 0 {
        DemandClass::AllZero
    } else if n_obs < min_history.max(1) {
        DemandClass::TooShort
    } else {
        match (adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
            (true, true) => DemandClass::Smooth,
            (true, false) => DemandClass::Erratic,
            (false, true) => DemandClass::Intermittent,
            (false, false) => DemandClass::Lumpy,
        }
    };
    DemandProfile {
        class,
        adi,
        cv2,
        n_obs,
        n_demand,
        n_missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrants() {
        let smooth = [10.0, 11.0, 9.0, 10.0, 12.0, 10.0];
        assert_eq!(classify(&smooth, 4).class, DemandClass::Smooth);
        let erratic = [1.0, 30.0, 2.0, 50.0, 1.0, 3.0];
        assert_eq!(classify(&erratic, 4).class, DemandClass::Erratic);
        let intermittent = [0.0, 5.0, 0.0, 0.0, 5.0, 0.0, 6.0, 0.0];
        let p = classify(&intermittent, 4);
        assert_eq!(p.class, DemandClass::Intermittent);
        assert!((p.adi - 8.0 / 3.0).abs() < 1e-12);
        let lumpy = [0.0, 1.0, 0.0, 0.0, 40.0, 0.0, 2.0, 0.0];
        assert_eq!(classify(&lumpy, 4).class, DemandClass::Lumpy);
    }

    #[test]
    fn edges() {
        assert_eq!(classify(&[0.0, 0.0], 14).class, DemandClass::AllZero);
        assert_eq!(classify(&[1.0, 2.0], 14).class, DemandClass::TooShort);
        assert_eq!(classify(&[], 14).class, DemandClass::TooShort);
        assert_eq!(classify(&[f64::NAN; 3], 1).class, DemandClass::TooShort);
        // missing periods are skipped, not zeros
        let p = classify(&[5.0, f64::NAN, 5.0, f64::NAN, 5.0], 3);
        assert_eq!(p.class, DemandClass::Smooth);
        assert_eq!(p.n_missing, 2);
        assert_eq!(p.adi, 1.0);
        assert_eq!(p.cv2, 0.0);
    }
}
