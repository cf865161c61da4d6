//! The rows of one group and how they become a regular series: the time axis (`ds`), its
//! frequency, gaps, censored (unavailable) periods, and the future rows of `forecast_x`.
//!
//! Rules shared by every series aggregate of the family (documented on each function):
//! - rows with a NULL `ds` are skipped; two rows with the same `ds` are an error;
//! - the series runs from the first to the last `ds` of the group at a fixed step (`freq`,
//!   inferred as the smallest gap between consecutive dates unless given); a date absent from
//!   the group is a gap = missing (NaN), never a zero;
//! - NULL or NaN `y` is missing; an unavailable period (`available = false`) is missing when
//!   `censor = zero` (default; only when it sold 0) or `censor = all`;
//! - for `forecast_x`, the last `horizon` steps of the group are the future: each must be
//!   present with a NULL `y` and known (non-NULL) regressor values.
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Date64Array, Int64Array, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type, TimeUnit};
use datafusion::error::Result;

use super::options::Censor;

/// Largest number of periods a series may span (first to last `ds` at the chosen step).
pub(super) const MAX_PERIODS: i64 = 1_000_000;

/// The type of the `ds` argument, after coercion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum TimeAxis {
    /// `DATE`: days since 1970-01-01.
    Date32,
    /// Arrow Date64: milliseconds since the epoch.
    Date64,
    Timestamp(TimeUnit, Option<Arc<str>>),
    /// Any integer period index (read as BIGINT).
    Int,
}

impl TimeAxis {
    /// The axis of a (coerced or not) `ds` type; None when the type cannot be a time axis.
    pub fn of(t: &DataType) -> Option<TimeAxis> {
        match t {
            DataType::Date32 => Some(TimeAxis::Date32),
            DataType::Date64 => Some(TimeAxis::Date64),
            DataType::Timestamp(u, tz) => Some(TimeAxis::Timestamp(*u, tz.clone())),
            t if t.is_integer() => Some(TimeAxis::Int),
            _ => None,
        }
    }

    /// The canonical Arrow type of the axis (integers become BIGINT).
    pub fn data_type(&self) -> DataType {
        match self {
            TimeAxis::Date32 => DataType::Date32,
            TimeAxis::Date64 => DataType::Date64,
            TimeAxis::Timestamp(u, tz) => DataType::Timestamp(*u, tz.clone()),
            TimeAxis::Int => DataType::Int64,
        }
    }

    /// Ticks of the axis in one second (None for dates and integers).
    fn ticks_per_second(&self) -> Option<i64> {
        match self {
            TimeAxis::Timestamp(TimeUnit::Second, _) => Some(1),
            TimeAxis::Timestamp(TimeUnit::Millisecond, _) => Some(1_000),
            TimeAxis::Timestamp(TimeUnit::Microsecond, _) => Some(1_000_000),
            TimeAxis::Timestamp(TimeUnit::Nanosecond, _) => Some(1_000_000_000),
            TimeAxis::Date64 => Some(1_000),
            _ => None,
        }
    }

    /// Ticks in one day (None for integer axes).
    pub fn ticks_per_day(&self) -> Option<i64> {
        match self {
            TimeAxis::Date32 => Some(1),
            TimeAxis::Int => None,
            _ => self.ticks_per_second().map(|t| t * 86_400),
        }
    }

    /// The default step of a series with a single distinct `ds`: one day, or 1 for integers.
    pub fn default_step(&self) -> i64 {
        self.ticks_per_day().unwrap_or(1)
    }

    /// The `ds` values as ticks (NULL stays NULL).
    pub fn ticks(&self, a: &ArrayRef) -> Result<Int64Array> {
        Ok(match a.data_type() {
            DataType::Date32 => a
                .as_primitive::<Date32Type>()
                .unary::<_, Int64Type>(|v| v as i64),
            DataType::Int64 => a.as_primitive::<Int64Type>().clone(),
            _ => cast(a, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .clone(),
        })
    }

    /// An array of this axis' type from ticks.
    pub fn array(&self, ticks: Vec<i64>) -> ArrayRef {
        match self {
            TimeAxis::Date32 => Arc::new(Date32Array::from(
                ticks.into_iter().map(|t| t as i32).collect::<Vec<_>>(),
            )),
            TimeAxis::Date64 => Arc::new(Date64Array::from(ticks)),
            TimeAxis::Int => Arc::new(Int64Array::from(ticks)),
            TimeAxis::Timestamp(u, tz) => match u {
                TimeUnit::Second => {
                    Arc::new(TimestampSecondArray::from(ticks).with_timezone_opt(tz.clone()))
                }
                TimeUnit::Millisecond => {
                    Arc::new(TimestampMillisecondArray::from(ticks).with_timezone_opt(tz.clone()))
                }
                TimeUnit::Microsecond => {
                    Arc::new(TimestampMicrosecondArray::from(ticks).with_timezone_opt(tz.clone()))
                }
                TimeUnit::Nanosecond => {
                    Arc::new(TimestampNanosecondArray::from(ticks).with_timezone_opt(tz.clone()))
                }
            },
        }
    }

    /// A tick for people: `2024-01-31`, `2024-01-31 10:00:00` or the integer.
    pub fn format(&self, t: i64) -> String {
        let epoch = chrono::DateTime::UNIX_EPOCH.naive_utc();
        match self {
            TimeAxis::Int => t.to_string(),
            TimeAxis::Date32 => match chrono::TimeDelta::try_days(t) {
                Some(d) => (epoch + d).date().to_string(),
                None => t.to_string(),
            },
            _ => {
                let per_s = self.ticks_per_second().unwrap_or(1);
                let (s, rem) = (t.div_euclid(per_s), t.rem_euclid(per_s));
                let nanos = (rem as i128 * 1_000_000_000 / per_s as i128) as i64;
                match chrono::TimeDelta::try_seconds(s) {
                    Some(d) => {
                        let v = epoch + d + chrono::TimeDelta::nanoseconds(nanos);
                        if matches!(self, TimeAxis::Date64) && v.time() == chrono::NaiveTime::MIN {
                            v.date().to_string()
                        } else {
                            v.to_string()
                        }
                    }
                    None => t.to_string(),
                }
            }
        }
    }

    /// A step for people: `1 day(s)`, `7 day(s)`, `2 hour(s)`, `3 period(s)`.
    pub fn step_text(&self, step: i64) -> String {
        if matches!(self, TimeAxis::Int) {
            return format!("{step} period(s)");
        }
        if let Some(d) = self.ticks_per_day()
            && step % d == 0
        {
            return format!("{} day(s)", step / d);
        }
        let per_s = self.ticks_per_second().unwrap_or(1);
        for (unit, secs) in [("hour", 3_600), ("minute", 60), ("second", 1)] {
            if step % (per_s * secs) == 0 {
                return format!("{} {unit}(s)", step / (per_s * secs));
            }
        }
        format!("{step} tick(s)")
    }

    /// Parses the `freq` option into ticks: `auto` (None), an integer (ticks of the axis: days
    /// for DATE, periods for integers), or a count and a unit (`7 days`, `1 week`, `1h`,
    /// `15 minutes`, `day`, `week`, `hour`, `minute`, `second`).
    pub fn parse_freq(&self, text: &str) -> std::result::Result<Option<i64>, String> {
        let t = text.trim().to_ascii_lowercase();
        if t.is_empty() || t == "auto" {
            return Ok(None);
        }
        let split = t.find(|c: char| !(c.is_ascii_digit())).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let unit = unit.trim();
        let count: i64 = if num.is_empty() {
            1
        } else {
            num.parse()
                .map_err(|_| format!("freq '{text}' is not a whole number of periods"))?
        };
        if count < 1 {
            return Err(format!("freq must be at least 1 period, got '{text}'"));
        }
        if unit.is_empty() {
            return Ok(Some(count));
        }
        let seconds = match unit {
            "s" | "sec" | "second" | "seconds" => 1,
            "m" | "min" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3_600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            _ => {
                return Err(format!(
                    "freq '{text}' has an unknown unit '{unit}'; use auto, a whole number of \
                     periods, or a count with second, minute, hour, day or week"
                ));
            }
        };
        match self {
            TimeAxis::Int => Err(format!(
                "freq '{text}' has a unit, but ds is an integer period index: give a whole \
                 number of periods"
            )),
            TimeAxis::Date32 => {
                if seconds % 86_400 != 0 {
                    Err(format!(
                        "freq '{text}' is shorter than a day, but ds is a DATE"
                    ))
                } else {
                    Ok(Some(count * seconds / 86_400))
                }
            }
            _ => Ok(Some(count * seconds * self.ticks_per_second().unwrap_or(1))),
        }
    }
}

/// The raw rows of one group (NULL `ds` rows are never stored).
#[derive(Debug, Default, Clone)]
pub(super) struct Rows {
    pub ds: Vec<i64>,
    /// NaN for NULL.
    pub y: Vec<f64>,
    /// false = the item could not be sold (stock-out).
    pub avail: Vec<bool>,
    /// One vector per regressor, NaN for NULL.
    pub x: Vec<Vec<f64>>,
}

impl Rows {
    pub fn new(n_regressors: usize) -> Rows {
        Rows {
            x: vec![Vec::new(); n_regressors],
            ..Rows::default()
        }
    }

    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Heap bytes held.
    pub fn size(&self) -> usize {
        self.ds.capacity() * 8
            + self.y.capacity() * 8
            + self.avail.capacity()
            + self.x.iter().map(|v| v.capacity() * 8 + 24).sum::<usize>()
            + std::mem::size_of::<Rows>()
    }

    /// "the series of 731 rows from 2023-01-01 to 2024-12-31", for error messages.
    pub fn describe(&self, axis: &TimeAxis) -> String {
        let lo = self.ds.iter().min();
        let hi = self.ds.iter().max();
        match (lo, hi) {
            (Some(lo), Some(hi)) => format!(
                "the series of {} row(s) from {} to {}",
                self.len(),
                axis.format(*lo),
                axis.format(*hi)
            ),
            _ => "an empty series".into(),
        }
    }
}

/// One group as a regular series.
#[derive(Debug, Clone)]
pub(super) struct Series {
    /// Step between periods, in ticks.
    pub step: i64,
    /// `ds` of the last history period (the forecast starts one step later).
    pub last: i64,
    /// The history, one value per period, NaN = missing (gap, NULL, NaN or censored).
    pub y: Vec<f64>,
    /// Regressor values over the history (NaN = unknown) ...
    pub x_hist: Vec<Vec<f64>>,
    /// ... and over the future periods (forecast_x only).
    pub x_future: Vec<Vec<f64>>,
}

/// Turns the rows of a group into a regular series. `future` = number of trailing periods that
/// are the forecast horizon (forecast_x), else 0. `names` = regressor names (for messages).
/// Ok(None) when the group has no rows.
pub(super) fn prepare(
    rows: &Rows,
    axis: &TimeAxis,
    freq: Option<i64>,
    censor: Censor,
    future: usize,
    names: &[String],
) -> std::result::Result<Option<Series>, String> {
    let n_rows = rows.len();
    if n_rows == 0 {
        return Ok(None);
    }
    let mut order: Vec<usize> = (0..n_rows).collect();
    order.sort_unstable_by_key(|&i| rows.ds[i]);
    let first = rows.ds[order[0]];
    let last_row = rows.ds[order[n_rows - 1]];
    // Every difference below is at most last_row - first: check that one fits (ds near both
    // ends of the timestamp range overflowed here; found by tests/properties.rs).
    if last_row.checked_sub(first).is_none() {
        return Err(format!(
            "its ds values are too far apart ({} to {}) to measure the span between them; \
             check the ds values",
            axis.format(first),
            axis.format(last_row)
        ));
    }
    let mut min_gap = i64::MAX;
    for w in order.windows(2) {
        let (a, b) = (rows.ds[w[0]], rows.ds[w[1]]);
        if a == b {
            return Err(format!(
                "ds {} appears twice; a series needs one row per period (aggregate first, e.g. \
                 sum(units) ... GROUP BY the series and ds)",
                axis.format(a)
            ));
        }
        min_gap = min_gap.min(b - a);
    }
    let step = match freq {
        Some(f) => f,
        None if n_rows == 1 => axis.default_step(),
        None => min_gap,
    };
    let span = (last_row - first) / step + 1;
    if span > MAX_PERIODS {
        return Err(format!(
            "it spans {span} periods of {} between {} and {}, more than {MAX_PERIODS}; \
             check the freq option",
            axis.step_text(step),
            axis.format(first),
            axis.format(last_row)
        ));
    }
    let n = span as usize;
    let mut y = vec![f64::NAN; n];
    let mut present = vec![false; n];
    let mut raw_missing = vec![true; n];
    let k = rows.x.len();
    let mut x = vec![vec![f64::NAN; n]; k];
    for &i in &order {
        let d = rows.ds[i] - first;
        if d % step != 0 {
            let hint = if freq.is_some() {
                "the freq option does not match the data"
            } else {
                "the dates are irregular; set the freq option or aggregate to a regular calendar"
            };
            return Err(format!(
                "ds {} is not on the grid of one period every {} from {}: {hint}",
                axis.format(rows.ds[i]),
                axis.step_text(step),
                axis.format(first),
            ));
        }
        let p = (d / step) as usize;
        present[p] = true;
        let v = rows.y[i];
        raw_missing[p] = v.is_nan();
        let censored = !rows.avail[i]
            && match censor {
                Censor::Zero => v == 0.0,
                Censor::All => true,
                Censor::None => false,
            };
        y[p] = if censored { f64::NAN } else { v };
        for (j, xs) in x.iter_mut().enumerate() {
            xs[p] = rows.x[j][i];
        }
    }
    if future == 0 {
        return Ok(Some(Series {
            step,
            last: last_row,
            y,
            x_hist: x,
            x_future: vec![Vec::new(); k],
        }));
    }
    if n <= future {
        return Err(format!(
            "it spans {n} period(s) but the last {future} (the horizon) are the future: \
             forecast_x needs history rows followed by exactly horizon future rows"
        ));
    }
    let h0 = n - future;
    for p in h0..n {
        let ds = axis.format(first + p as i64 * step);
        if !present[p] {
            return Err(format!(
                "future period {ds} has no row: forecast_x takes the last horizon periods of the \
                 group as the future and needs each of them with the regressors' planned values"
            ));
        }
        if !raw_missing[p] {
            return Err(format!(
                "y is {} at {ds}, which is one of the last horizon periods (the future); future \
                 rows must have a NULL y — check the horizon or the rows you added",
                y[p]
            ));
        }
        for (j, xs) in x.iter().enumerate() {
            if !xs[p].is_finite() {
                return Err(format!(
                    "regressor '{}' is NULL at future period {ds}; planned values must be known \
                     for every forecast period",
                    names.get(j).map(String::as_str).unwrap_or("?")
                ));
            }
        }
    }
    let x_future: Vec<Vec<f64>> = x.iter_mut().map(|xs| xs.split_off(h0)).collect();
    y.truncate(h0);
    Ok(Some(Series {
        step,
        last: first + (h0 as i64 - 1) * step,
        y,
        x_hist: x,
        x_future,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ds: &[i64], y: &[f64]) -> Rows {
        Rows {
            ds: ds.to_vec(),
            y: y.to_vec(),
            avail: vec![true; ds.len()],
            x: Vec::new(),
        }
    }

    #[test]
    fn gaps_become_missing_and_order_does_not_matter() {
        let r = rows(&[5, 1, 2, 4], &[5.0, 1.0, 2.0, 4.0]);
        let s = prepare(&r, &TimeAxis::Int, None, Censor::Zero, 0, &[])
            .unwrap()
            .unwrap();
        assert_eq!(s.step, 1);
        assert_eq!(s.last, 5);
        assert_eq!(s.y.len(), 5);
        assert!(s.y[2].is_nan());
        assert_eq!(s.y[4], 5.0);
    }

    #[test]
    fn weekly_step_is_inferred_and_irregular_dates_fail() {
        let r = rows(&[0, 7, 21], &[1.0, 2.0, 3.0]);
        let s = prepare(&r, &TimeAxis::Date32, None, Censor::Zero, 0, &[])
            .unwrap()
            .unwrap();
        assert_eq!((s.step, s.y.len()), (7, 4));
        let bad = rows(&[0, 7, 10], &[1.0, 2.0, 3.0]);
        assert!(prepare(&bad, &TimeAxis::Date32, None, Censor::Zero, 0, &[]).is_err());
        let dup = rows(&[0, 0], &[1.0, 2.0]);
        let e = prepare(&dup, &TimeAxis::Date32, None, Censor::Zero, 0, &[]).unwrap_err();
        assert!(e.contains("1970-01-01 appears twice"), "{e}");
    }

    #[test]
    fn censoring() {
        let mut r = rows(&[0, 1, 2], &[0.0, 3.0, 0.0]);
        r.avail = vec![false, false, true];
        let z = prepare(&r, &TimeAxis::Int, None, Censor::Zero, 0, &[])
            .unwrap()
            .unwrap();
        assert!(z.y[0].is_nan() && z.y[1] == 3.0 && z.y[2] == 0.0);
        let a = prepare(&r, &TimeAxis::Int, None, Censor::All, 0, &[])
            .unwrap()
            .unwrap();
        assert!(a.y[0].is_nan() && a.y[1].is_nan());
        let n = prepare(&r, &TimeAxis::Int, None, Censor::None, 0, &[])
            .unwrap()
            .unwrap();
        assert_eq!(n.y, vec![0.0, 3.0, 0.0]);
    }

    #[test]
    fn future_rows() {
        let mut r = rows(&[0, 1, 2, 3], &[1.0, 2.0, f64::NAN, f64::NAN]);
        r.x = vec![vec![0.0, 1.0, 1.0, 0.0]];
        let names = vec!["promo".to_string()];
        let s = prepare(&r, &TimeAxis::Int, None, Censor::Zero, 2, &names)
            .unwrap()
            .unwrap();
        assert_eq!(s.y, vec![1.0, 2.0]);
        assert_eq!(s.last, 1);
        assert_eq!(s.x_future, vec![vec![1.0, 0.0]]);
        r.x[0][3] = f64::NAN;
        let e = prepare(&r, &TimeAxis::Int, None, Censor::Zero, 2, &names).unwrap_err();
        assert!(
            e.contains("regressor 'promo' is NULL at future period 3"),
            "{e}"
        );
        let e = prepare(&r, &TimeAxis::Int, None, Censor::Zero, 3, &names).unwrap_err();
        assert!(e.contains("y is 2 at 1"), "{e}");
    }

    #[test]
    fn freq_parsing() {
        assert_eq!(TimeAxis::Date32.parse_freq("7 days"), Ok(Some(7)));
        assert_eq!(TimeAxis::Date32.parse_freq("week"), Ok(Some(7)));
        assert_eq!(TimeAxis::Date32.parse_freq("auto"), Ok(None));
        assert!(TimeAxis::Date32.parse_freq("1h").is_err());
        let ts = TimeAxis::Timestamp(TimeUnit::Microsecond, None);
        assert_eq!(ts.parse_freq("1h"), Ok(Some(3_600_000_000)));
        assert!(TimeAxis::Int.parse_freq("1 day").is_err());
        assert_eq!(TimeAxis::Date32.format(19_723), "2024-01-01");
        assert_eq!(ts.format(3_600_000_000), "1970-01-01 01:00:00");
        assert_eq!(ts.step_text(7_200_000_000), "2 hour(s)");
        assert_eq!(TimeAxis::Date32.step_text(7), "7 day(s)");
    }
}
