//! RFM: quintile scores for recency, frequency and monetary value, and named segments.
//!
//! # Scores
//! Scores are SQL `NTILE(5)` buckets, exactly as DuckDB / PostgreSQL compute them (the tests
//! compare with DuckDB): rows sorted, the first `n % 5` buckets one row larger than the rest.
//! Recency is scored descending (most recent = 5), frequency and monetary ascending (largest =
//! 5), so 5 is always "best".
//!
//! Ties: NTILE must break ties, so equal values can land in different buckets. Two policies:
//! * [`Ties::Ntile`]: ties broken by the tie-break key ascending (the customer id if given, else
//!   the input position) — identical to `NTILE(5) OVER (ORDER BY value [DESC], customer_id)`.
//!   Every bucket has n/5 rows (±1), but two customers with the same frequency can get different
//!   F scores.
//! * [`Ties::Shared`] (default for segments): equal values share the lowest score NTILE gave any
//!   of them — identical to `min(ntile) OVER (PARTITION BY value)` in SQL. Equal customers are
//!   scored equally; buckets become uneven where ties are massive (e.g. 40 % of customers with
//!   frequency 1 all get F = 1).
//!
//! pandas `qcut` is not used as the reference: it fails ("bin edges must be unique") or drops
//! bins on heavily tied data, which is the normal case for frequency.
//!
//! # Segments
//! [`rfm_segment`] names a segment from R and FM = (F + M) / 2 rounded half up (the common
//! "R × FM" grid, extended with "lost"):
//!
//! | R \ FM | 1              | 2                  | 3                  | 4         | 5         |
//! |--------|----------------|--------------------|--------------------|-----------|-----------|
//! | 5      | new            | potential_loyalist | potential_loyalist | champions | champions |
//! | 4      | promising      | potential_loyalist | potential_loyalist | loyal     | loyal     |
//! | 3      | about_to_sleep | about_to_sleep     | need_attention     | loyal     | loyal     |
//! | 2      | hibernating    | hibernating        | at_risk            | at_risk   | cant_lose |
//! | 1      | lost           | lost               | at_risk            | at_risk   | cant_lose |

use super::error::{CustomerError, Result, check_finite, check_lengths};

/// How equal values are scored; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    /// SQL `NTILE` with the tie-break key: buckets of equal size.
    Ntile,
    /// Equal values share the lowest of their NTILE scores.
    #[default]
    Shared,
}

impl Ties {
    /// `ntile` or `shared` (any case); anything else is an error.
    pub fn parse(s: &str) -> Result<Ties> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ntile" => Ok(Ties::Ntile),
            "shared" => Ok(Ties::Shared),
            _ => Err(CustomerError::InvalidParameter(format!(
                "ties must be 'ntile' or 'shared', got '{s}'"
            ))),
        }
    }
}

/// R, F and M scores of one customer, each 1..=5 (5 = best).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmScore {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

/// SQL `NTILE(buckets)` of 0-based sorted position `pos` among `n` rows (DuckDB's formula;
/// with fewer rows than buckets, bucket numbers stop at n).
fn ntile_of(pos: usize, n: usize, buckets: usize) -> usize {
    let k = buckets.min(n).max(1);
    let size = n / k;
    let large = n - k * size; // buckets with one extra row
    let in_large = large * (size + 1);
    if pos < in_large {
        1 + pos / (size + 1)
    } else {
        1 + large + (pos - in_large) / size
    }
}

/// NTILE scores of `values` into `buckets` buckets (1 = first in sort order).
///
/// `descending` sorts largest first. `tiebreak` (e.g. customer ids; same length as `values`)
/// orders equal values ascending, else the input position does. NaN or infinite values are an
/// error naming the row; empty input gives an empty result; `buckets` must be 1..=255.
/// With fewer rows than buckets the scores stop at the row count (SQL semantics).
pub fn ntile_scores(
    values: &[f64],
    tiebreak: Option<&[i64]>,
    buckets: usize,
    descending: bool,
    ties: Ties,
) -> Result<Vec<u8>> {
    if !(1..=255).contains(&buckets) {
        return Err(CustomerError::InvalidParameter(format!(
            "number of buckets must be between 1 and 255, got {buckets}"
        )));
    }
    let n = values.len();
    if let Some(tb) = tiebreak {
        check_lengths(&["values", "tie-break key"], &[n, tb.len()])?;
    }
    for (i, &v) in values.iter().enumerate() {
        check_finite("value", i, v)?;
    }
    let mut order: Vec<usize> = (0..n).collect();
    let key = |i: usize| tiebreak.map_or(i as i64, |t| t[i]);
    order.sort_unstable_by(|&i, &j| {
        // -0.0 and 0.0 compare equal, as in SQL
        let c = values[i].partial_cmp(&values[j]).expect("finite values");
        let c = if descending { c.reverse() } else { c };
        c.then_with(|| key(i).cmp(&key(j))).then_with(|| i.cmp(&j))
    });
    let mut out = vec![0u8; n];
    let mut pos = 0;
    while pos < n {
        // run of equal values [pos, end)
        let mut end = pos + 1;
        while end < n && values[order[end]] == values[order[pos]] {
            end += 1;
        }
        let shared = ntile_of(pos, n, buckets) as u8;
        for (p, &row) in order.iter().enumerate().take(end).skip(pos) {
            out[row] = match ties {
                Ties::Ntile => ntile_of(p, n, buckets) as u8,
                Ties::Shared => shared,
            };
        }
        pos = end;
    }
    Ok(out)
}

/// RFM quintile scores per customer.
///
/// `recency_days` (days since the last purchase: smaller is better), `frequency` and `monetary`
/// (larger is better) are parallel slices, one element per customer; `customer_ids` (optional,
/// same length) breaks ties as `ORDER BY value, customer_id` does. NaN/infinite values are an
/// error naming the column and row; negative values are allowed (refunds can make monetary
/// negative; they simply score low). Empty input gives an empty result.
pub fn rfm_scores(
    recency_days: &[f64],
    frequency: &[f64],
    monetary: &[f64],
    customer_ids: Option<&[i64]>,
    ties: Ties,
) -> Result<Vec<RfmScore>> {
    check_lengths(
        &["recency_days", "frequency", "monetary"],
        &[recency_days.len(), frequency.len(), monetary.len()],
    )?;
    let label = |col: &str, e: CustomerError| match e {
        CustomerError::InvalidValue(m) => CustomerError::InvalidValue(m.replacen("value", col, 1)),
        other => other,
    };
    let r = ntile_scores(recency_days, customer_ids, 5, true, ties)
        .map_err(|e| label("recency_days", e))?;
    let f =
        ntile_scores(frequency, customer_ids, 5, false, ties).map_err(|e| label("frequency", e))?;
    let m =
        ntile_scores(monetary, customer_ids, 5, false, ties).map_err(|e| label("monetary", e))?;
    Ok((0..r.len())
        .map(|i| RfmScore {
            r: r[i],
            f: f[i],
            m: m[i],
        })
        .collect())
}

/// The segment names with a one-line description each, in the order of the grid (best first).
pub const RFM_SEGMENTS: [(&str, &str); 11] = [
    ("champions", "bought recently, buy often and spend the most"),
    ("loyal", "buy often and spend well; recent enough"),
    (
        "potential_loyalist",
        "recent customers with average frequency and spend",
    ),
    ("new", "bought very recently, but only little so far"),
    ("promising", "recent, low frequency and spend"),
    ("need_attention", "average recency, frequency and spend"),
    (
        "about_to_sleep",
        "below-average recency, low frequency and spend",
    ),
    ("at_risk", "used to buy often and spend well, not recently"),
    ("cant_lose", "were among the best customers, long gone"),
    (
        "hibernating",
        "long since the last purchase, low frequency and spend",
    ),
    ("lost", "lowest recency, frequency and spend"),
];

/// Segment name for R, F, M scores in 1..=5, per the grid in the module documentation.
/// Scores outside 1..=5 give `"unknown"` (use [`try_rfm_segment`] to get an error instead).
pub fn rfm_segment(r: u8, f: u8, m: u8) -> &'static str {
    try_rfm_segment(r, f, m).unwrap_or("unknown")
}

/// [`rfm_segment`] with an error for scores outside 1..=5.
pub fn try_rfm_segment(r: u8, f: u8, m: u8) -> Result<&'static str> {
    for (name, v) in [("R", r), ("F", f), ("M", m)] {
        if !(1..=5).contains(&v) {
            return Err(CustomerError::InvalidParameter(format!(
                "{name} score must be between 1 and 5, got {v}"
            )));
        }
    }
    let fm = (f + m).div_ceil(2); // (F + M) / 2 rounded half up
    Ok(match r {
        5 => match fm {
            1 => "new",
            2 | 3 => "potential_loyalist",
            _ => "champions",
        },
        4 => match fm {
            1 => "promising",
            2 | 3 => "potential_loyalist",
            _ => "loyal",
        },
        3 => match fm {
            1 | 2 => "about_to_sleep",
            3 => "need_attention",
            _ => "loyal",
        },
        _ => match fm {
            1 | 2 if r == 2 => "hibernating",
            1 | 2 => "lost",
            3 | 4 => "at_risk",
            _ => "cant_lose",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{f64s, fixture, i64s};
    use super::*;

    #[test]
    fn matches_duckdb_ntile() {
        let fx = fixture(include_str!("../../../tests/fixtures/customer/rfm.json"));
        let ids = i64s(&fx["customer_id"]);
        let (r, f, m) = (
            f64s(&fx["recency_days"]),
            f64s(&fx["frequency"]),
            f64s(&fx["monetary"]),
        );
        for (ties, sfx) in [(Ties::Ntile, "score"), (Ties::Shared, "shared")] {
            let got = rfm_scores(&r, &f, &m, Some(&ids), ties).unwrap();
            let want = |c: &str| i64s(&fx[format!("{c}_{sfx}").as_str()]);
            let (wr, wf, wm) = (want("r"), want("f"), want("m"));
            for i in 0..ids.len() {
                // exact equality with DuckDB
                assert_eq!(
                    (got[i].r as i64, got[i].f as i64, got[i].m as i64),
                    (wr[i], wf[i], wm[i]),
                    "{ties:?} row {i}"
                );
            }
        }
    }

    #[test]
    fn ntile_edge_cases() {
        assert_eq!(
            ntile_scores(&[], None, 5, false, Ties::Ntile).unwrap(),
            Vec::<u8>::new()
        );
        // fewer rows than buckets: scores stop at n, like SQL
        assert_eq!(
            ntile_scores(&[3.0, 1.0, 2.0], None, 5, false, Ties::Ntile).unwrap(),
            vec![3, 1, 2]
        );
        // 7 rows into 5 buckets: sizes 2, 2, 1, 1, 1
        let v: Vec<f64> = (0..7).map(|i| i as f64).collect();
        assert_eq!(
            ntile_scores(&v, None, 5, false, Ties::Ntile).unwrap(),
            vec![1, 1, 2, 2, 3, 4, 5]
        );
        let e = ntile_scores(&[1.0, f64::NAN], None, 5, false, Ties::Ntile).unwrap_err();
        assert_eq!(
            e.to_string(),
            "value at row 1 must be a finite number, got NaN"
        );
        let e = rfm_scores(&[1.0], &[f64::NAN], &[1.0], None, Ties::Shared).unwrap_err();
        assert_eq!(
            e.to_string(),
            "frequency at row 0 must be a finite number, got NaN"
        );
        assert!(ntile_scores(&[1.0], None, 0, false, Ties::Ntile).is_err());
        assert!(ntile_scores(&[1.0], Some(&[1, 2]), 5, false, Ties::Ntile).is_err());
        // all tied: shared gives everyone 1
        assert_eq!(
            ntile_scores(&[2.0; 6], None, 5, false, Ties::Shared).unwrap(),
            vec![1; 6]
        );
        assert_eq!(Ties::parse("NTILE").unwrap(), Ties::Ntile);
        assert!(Ties::parse("dense").is_err());
    }

    #[test]
    fn segment_grid_covers_every_cell() {
        let mut seen = std::collections::BTreeSet::new();
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    let s = rfm_segment(r, f, m);
                    assert!(
                        RFM_SEGMENTS.iter().any(|(n, _)| *n == s),
                        "{r}{f}{m} -> {s}"
                    );
                    seen.insert(s);
                }
            }
        }
        assert_eq!(seen.len(), 11, "every segment is reachable");
        assert_eq!(rfm_segment(5, 5, 5), "champions");
        assert_eq!(rfm_segment(5, 1, 1), "new");
        assert_eq!(rfm_segment(1, 1, 1), "lost");
        assert_eq!(rfm_segment(1, 5, 5), "cant_lose");
        assert_eq!(rfm_segment(2, 4, 3), "at_risk");
        assert_eq!(rfm_segment(3, 3, 3), "need_attention");
        assert_eq!(rfm_segment(4, 1, 2), "potential_loyalist"); // FM = 1.5 -> 2
        assert_eq!(rfm_segment(0, 1, 1), "unknown");
        assert_eq!(
            try_rfm_segment(3, 6, 1).unwrap_err().to_string(),
            "F score must be between 1 and 5, got 6"
        );
    }
}
