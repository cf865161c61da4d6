//! Return rates and net demand. Small on purpose: the aggregation (per customer, per SKU) is
//! SQL's job; these fix the edge cases once.

use super::error::{CustomerError, Result, check_non_negative};

/// Returned units / sold units. `None` when nothing was sold (the rate is undefined, not 0).
/// Both must be finite and >= 0. The rate can exceed 1 in a period (returns of earlier sales);
/// it is not clipped.
pub fn return_rate(returned: f64, sold: f64) -> Result<Option<f64>> {
    check_non_negative("returned", 0, returned)?;
    check_non_negative("sold", 0, sold)?;
    Ok((sold > 0.0).then(|| returned / sold))
}

/// Return rate shrunk towards `prior_rate` with the weight of `prior_strength` pseudo-units:
/// `(returned + prior_rate × prior_strength) / (sold + prior_strength)`. For ranking customers
/// or SKUs with few sales (1 return of 1 sale is not a 100 % returner). `prior_rate` in [0, 1]
/// (usually the overall rate), `prior_strength` >= 0; with both `sold` and `prior_strength` 0
/// the rate is undefined (error).
pub fn smoothed_return_rate(
    returned: f64,
    sold: f64,
    prior_rate: f64,
    prior_strength: f64,
) -> Result<f64> {
    check_non_negative("returned", 0, returned)?;
    check_non_negative("sold", 0, sold)?;
    if !(prior_rate.is_finite() && (0.0..=1.0).contains(&prior_rate)) {
        return Err(CustomerError::InvalidParameter(format!(
            "prior rate must be in [0, 1], got {prior_rate}"
        )));
    }
    if !(prior_strength.is_finite() && prior_strength >= 0.0) {
        return Err(CustomerError::InvalidParameter(format!(
            "prior strength must be a finite number >= 0, got {prior_strength}"
        )));
    }
    if sold + prior_strength == 0.0 {
        return Err(CustomerError::Degenerate(
            "nothing sold and prior strength 0: the return rate is undefined".into(),
        ));
    }
    Ok((returned + prior_rate * prior_strength) / (sold + prior_strength))
}

/// Net demand for forecasting: sold - returned. Both finite and >= 0. It can be negative in a
/// period with more returns than sales; it is not clipped, because clipping would bias demand
/// upwards over time (sum the periods first if a non-negative figure is needed).
pub fn net_units(sold: f64, returned: f64) -> Result<f64> {
    check_non_negative("sold", 0, sold)?;
    check_non_negative("returned", 0, returned)?;
    Ok(sold - returned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(return_rate(1.0, 4.0).unwrap(), Some(0.25));
        assert_eq!(return_rate(1.0, 0.0).unwrap(), None);
        assert_eq!(return_rate(5.0, 4.0).unwrap(), Some(1.25));
        assert!(return_rate(-1.0, 4.0).is_err());
        assert!(return_rate(f64::NAN, 4.0).is_err());
        assert_eq!(smoothed_return_rate(1.0, 1.0, 0.1, 9.0).unwrap(), 0.19);
        assert_eq!(smoothed_return_rate(0.0, 0.0, 0.1, 9.0).unwrap(), 0.1);
        assert!(smoothed_return_rate(0.0, 0.0, 0.1, 0.0).is_err());
        assert!(smoothed_return_rate(0.0, 1.0, 1.5, 0.0).is_err());
        assert_eq!(net_units(3.0, 5.0).unwrap(), -2.0);
        assert!(net_units(3.0, f64::INFINITY).is_err());
    }
}
