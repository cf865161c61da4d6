//! Days (or weeks) of cover: how long the stock lasts at expected demand.
//!
//! The unit of the answer is the unit of the demand argument: daily demand gives days, weekly
//! demand gives weeks. `None` means "unbounded": there is stock and no expected demand (flat rate)
//! or the stock outlasts the forecast horizon (forecast form). SQL adapters return NULL for it,
//! which sorts last in a "lowest cover first" list, and say so in the column documentation.

use super::error::{Result, all_non_negative, finite, non_negative};

/// Periods of cover at a flat rate: on hand / demand per period.
///
/// * `on_hand` finite; ≤ 0 gives `Some(0.0)` (nothing to cover with, whatever the demand).
/// * `demand_per_period` finite and ≥ 0; 0 with stock on hand gives `None` (unbounded).
pub fn periods_of_cover(on_hand: f64, demand_per_period: f64) -> Result<Option<f64>> {
    let oh = finite("on hand", on_hand)?;
    let d = non_negative("demand per period", demand_per_period)?;
    if oh <= 0.0 {
        return Ok(Some(0.0));
    }
    if d == 0.0 {
        return Ok(None);
    }
    Ok(Some(oh / d))
}

/// Weeks of cover from a daily rate: days of cover / 7.
pub fn weeks_of_cover_from_daily(on_hand: f64, daily_demand: f64) -> Result<Option<f64>> {
    Ok(periods_of_cover(on_hand, daily_demand)?.map(|days| days / 7.0))
}

/// Periods of cover against a forecast path: the (fractional) period in which cumulative
/// forecast demand reaches the stock, assuming demand is spread evenly within a period.
///
/// * `forecast[i]` is expected demand in period i+1 from now; values must be finite and ≥ 0
///   (clamp negative model output before calling). An empty forecast gives `None` for positive
///   stock.
/// * `on_hand` ≤ 0 gives `Some(0.0)`; stock beyond the whole horizon gives `None`.
///
/// Example: stock 15 against [10, 10, 10] lasts 1.5 periods.
pub fn cover_from_forecast(on_hand: f64, forecast: &[f64]) -> Result<Option<f64>> {
    let oh = finite("on hand", on_hand)?;
    all_non_negative("forecast", forecast)?;
    if oh <= 0.0 {
        return Ok(Some(0.0));
    }
    let mut left = oh;
    for (i, &f) in forecast.iter().enumerate() {
        if f >= left {
            return Ok(Some(i as f64 + left / f));
        }
        left -= f;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_rate() {
        assert_eq!(periods_of_cover(70.0, 10.0).unwrap(), Some(7.0));
        assert_eq!(weeks_of_cover_from_daily(70.0, 10.0).unwrap(), Some(1.0));
        assert_eq!(periods_of_cover(70.0, 0.0).unwrap(), None);
        assert_eq!(periods_of_cover(0.0, 0.0).unwrap(), Some(0.0));
        assert_eq!(periods_of_cover(-3.0, 5.0).unwrap(), Some(0.0));
        assert!(periods_of_cover(5.0, -1.0).is_err());
        assert!(periods_of_cover(f64::NAN, 1.0).is_err());
    }

    #[test]
    fn forecast_path() {
        assert_eq!(
            cover_from_forecast(15.0, &[10.0, 10.0, 10.0]).unwrap(),
            Some(1.5)
        );
        assert_eq!(
            cover_from_forecast(30.0, &[10.0, 10.0, 10.0]).unwrap(),
            Some(3.0)
        );
        assert_eq!(
            cover_from_forecast(31.0, &[10.0, 10.0, 10.0]).unwrap(),
            None
        );
        assert_eq!(
            cover_from_forecast(5.0, &[0.0, 0.0, 10.0]).unwrap(),
            Some(2.5)
        );
        assert_eq!(cover_from_forecast(5.0, &[]).unwrap(), None);
        assert_eq!(cover_from_forecast(0.0, &[]).unwrap(), Some(0.0));
        assert!(cover_from_forecast(5.0, &[1.0, -1.0]).is_err());
    }
}
