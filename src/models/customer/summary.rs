//! From a transaction log to the per-customer (frequency, recency, T, monetary value) the
//! lifetime-value models take: lifetimes' `summary_data_from_transaction_data`.
//!
//! Time is in whole periods (the adapters pass day numbers, e.g. `date - DATE '1970-01-01'`, or
//! week numbers). Transactions in the same period are one purchase (their amounts summed);
//! transactions after `end` are ignored, as lifetimes ignores those after
//! `observation_period_end`. Per customer:
//! * frequency = number of distinct periods with a purchase, minus 1 (repeat purchases),
//! * recency = last period - first period, T = end - first period,
//! * monetary value = mean per-period amount over the repeat periods (the first period excluded),
//!   0 when there is no repeat purchase.

use std::collections::BTreeMap;

use super::error::{Result, check_finite, check_lengths};

/// One customer's summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerSummary {
    pub frequency: f64,
    pub recency: f64,
    /// T, the customer's age: periods from the first purchase to the end of observation.
    pub age: f64,
    pub monetary_value: f64,
    /// Total amount over all purchases in the window, first included (for RFM's monetary).
    pub total_amount: f64,
    /// Number of purchase periods, first included (for RFM's frequency).
    pub periods: u64,
}

/// Summary of one customer's transactions (`periods[i]` with `amounts[i]`, any order).
///
/// Returns `Ok(None)` when no transaction is on or before `end` (the customer is not yet a
/// customer at the end of observation). Amounts must be finite (NaN is an error naming the
/// row); negative amounts (refunds) are summed as they are, so a net-negative period gives a
/// negative monetary value, which Gamma-Gamma then rejects. Unequal lengths are an error.
pub fn customer_summary(
    periods: &[i64],
    amounts: &[f64],
    end: i64,
) -> Result<Option<CustomerSummary>> {
    let n = check_lengths(&["periods", "amounts"], &[periods.len(), amounts.len()])?;
    let mut by_period: BTreeMap<i64, f64> = BTreeMap::new();
    for i in 0..n {
        check_finite("amount", i, amounts[i])?;
        if periods[i] <= end {
            *by_period.entry(periods[i]).or_insert(0.0) += amounts[i];
        }
    }
    Ok(summarise(&by_period, end))
}

fn summarise(by_period: &BTreeMap<i64, f64>, end: i64) -> Option<CustomerSummary> {
    let (&first, &first_amount) = by_period.iter().next()?;
    let (&last, _) = by_period.iter().next_back()?;
    let k = by_period.len();
    let repeat_total: f64 = by_period.values().skip(1).sum();
    Some(CustomerSummary {
        frequency: (k - 1) as f64,
        recency: (last - first) as f64,
        age: (end - first) as f64,
        monetary_value: if k > 1 {
            repeat_total / (k - 1) as f64
        } else {
            0.0
        },
        total_amount: first_amount + repeat_total,
        periods: k as u64,
    })
}

/// Summaries for a whole log: `customer_ids[i]`, `periods[i]`, `amounts[i]` per transaction in
/// any order. Returns one `(customer_id, summary)` per customer with a transaction on or before
/// `end`, sorted by id. Errors as [`customer_summary`].
pub fn summarize_customers(
    customer_ids: &[i64],
    periods: &[i64],
    amounts: &[f64],
    end: i64,
) -> Result<Vec<(i64, CustomerSummary)>> {
    let n = check_lengths(
        &["customer_ids", "periods", "amounts"],
        &[customer_ids.len(), periods.len(), amounts.len()],
    )?;
    let mut per: BTreeMap<i64, BTreeMap<i64, f64>> = BTreeMap::new();
    for i in 0..n {
        check_finite("amount", i, amounts[i])?;
        if periods[i] <= end {
            *per.entry(customer_ids[i])
                .or_default()
                .entry(periods[i])
                .or_insert(0.0) += amounts[i];
        }
    }
    Ok(per
        .into_iter()
        .filter_map(|(id, p)| summarise(&p, end).map(|s| (id, s)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64s, fixture, i64s};
    use super::*;

    #[test]
    fn matches_lifetimes_summary_data_from_transaction_data() {
        let fx = fixture(include_str!(
            "../../../tests/fixtures/customer/transactions.json"
        ));
        let (ids, days, amt) = (
            i64s(&fx["customer_id"]),
            i64s(&fx["day"]),
            f64s(&fx["amount"]),
        );
        let end = fx["end_day"].as_i64().unwrap();
        let got = summarize_customers(&ids, &days, &amt, end).unwrap();
        let s = &fx["summary"];
        let want_ids = i64s(&s["customer_id"]);
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), want_ids);
        let (f, r, t, m) = (
            f64s(&s["frequency"]),
            f64s(&s["recency"]),
            f64s(&s["T"]),
            f64s(&s["monetary_value"]),
        );
        for (i, (_, g)) in got.iter().enumerate() {
            assert_eq!(
                (g.frequency, g.recency, g.age),
                (f[i], r[i], t[i]),
                "row {i}"
            );
            // pandas sums in a different order: 1e-12 relative
            assert_close(g.monetary_value, m[i], 1e-12, &format!("monetary row {i}"));
        }
    }

    #[test]
    fn single_customer_edge_cases() {
        assert_eq!(customer_summary(&[], &[], 10).unwrap(), None);
        assert_eq!(customer_summary(&[11, 12], &[1.0, 2.0], 10).unwrap(), None);
        let s = customer_summary(&[3, 3, 7, 5, 20], &[1.0, 2.0, 4.0, 6.0, 100.0], 10)
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.frequency, s.recency, s.age, s.periods),
            (2.0, 4.0, 7.0, 3)
        );
        assert_eq!(s.monetary_value, 5.0);
        assert_eq!(s.total_amount, 13.0);
        assert!(
            customer_summary(&[1], &[f64::NAN], 10)
                .unwrap_err()
                .to_string()
                .contains("amount at row 0")
        );
        assert!(customer_summary(&[1, 2], &[1.0], 10).is_err());
    }
}
