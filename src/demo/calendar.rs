//! The fixed demo calendar: 2023-01-01 .. 2024-12-31, 731 days.
//!
//! Days are numbered from 0 (2023-01-01, a Sunday). The calendar never depends on today's date, so
//! a seed gives the same data whenever it is run.

use chrono::{Datelike, NaiveDate};

pub const START_YEAR: i32 = 2023;
pub const N_DAYS: usize = 731;
pub const N_MONTHS: usize = 24;
/// Days between 1970-01-01 and 2023-01-01 (Arrow Date32 of day 0).
pub const EPOCH_OFFSET: i32 = 19_358;

pub fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(START_YEAR, 1, 1).unwrap_or_default()
}

/// The calendar date of day `d` (d may lie outside the calendar, e.g. for launch dates).
pub fn date(d: i64) -> NaiveDate {
    start_date() + chrono::Duration::days(d)
}

/// Arrow Date32 value (days since the Unix epoch) of day `d`.
pub fn date32(d: i64) -> i32 {
    EPOCH_OFFSET + d as i32
}

/// Day index of a calendar date.
pub fn day_of(y: i32, m: u32, dd: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, dd)
        .map(|x| (x - start_date()).num_days())
        .unwrap_or(0)
}

/// Day of week, 0 = Monday .. 6 = Sunday.
pub fn dow(d: usize) -> usize {
    // day 0 (2023-01-01) is a Sunday
    (d + 6) % 7
}

/// Day of year, 0-based (fractional position in the year is doy / 365.25).
pub fn doy(d: usize) -> usize {
    date(d as i64).ordinal0() as usize
}

/// Month index 0..24 of day `d`.
pub fn month_of(d: usize) -> usize {
    let x = date(d as i64);
    ((x.year() - START_YEAR) * 12) as usize + x.month0() as usize
}

/// `2023-01` style label of month index `m`.
pub fn month_label(m: usize) -> String {
    format!("{:04}-{:02}", START_YEAR + (m / 12) as i32, m % 12 + 1)
}

/// Half-open day ranges of each month.
pub fn month_ranges() -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(N_MONTHS);
    let mut start = 0;
    for d in 1..=N_DAYS {
        if d == N_DAYS || month_of(d) != month_of(start) {
            out.push((start, d));
            start = d;
        }
    }
    out
}

/// Physical stores, dark stores and web orders are all closed on Christmas Day.
pub fn is_closed(d: usize) -> bool {
    let x = date(d as i64);
    x.month() == 12 && x.day() == 25
}

/// Easter Sunday (anonymous Gregorian algorithm).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_facts() {
        assert_eq!(date(0).weekday(), chrono::Weekday::Sun);
        assert_eq!(dow(0), 6);
        assert_eq!(dow(1), 0);
        assert_eq!(
            date(N_DAYS as i64 - 1),
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap_or_default()
        );
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        assert_eq!((start_date() - epoch).num_days(), EPOCH_OFFSET as i64);
        let r = month_ranges();
        assert_eq!(r.len(), N_MONTHS);
        assert_eq!(r[0], (0, 31));
        assert_eq!(r[N_MONTHS - 1].1, N_DAYS);
        assert_eq!(month_label(13), "2024-02");
        assert_eq!(
            easter(2024),
            NaiveDate::from_ymd_opt(2024, 3, 31).unwrap_or_default()
        );
        assert!(is_closed(day_of(2023, 12, 25) as usize));
    }
}
