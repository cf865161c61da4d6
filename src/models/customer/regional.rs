//! Regional preference index: how much more (or less) a region buys of a category (or SKU) than
//! the whole business does, as `100 × (share of the category in the region) / (share of the
//! category overall)`. 100 = average, 150 = the region buys it 1.5× as much as its size implies.
//!
//! Smoothing: a region with little volume has noisy shares (2 of 3 units gives an index in the
//! hundreds). The smoothed index adds `prior` pseudo-units to the region, spread by the overall
//! category shares (a Dirichlet / additive prior towards the national mix):
//! `share = (v + prior × s_c) / (V_r + prior)`, `index = 100 × share / s_c`.
//! So a cell with no volume and a tiny region sits near 100, and as `V_r` grows past `prior` the
//! raw index takes over. `prior` is in the unit of the values (units or money); choose about the
//! volume below which a region's mix should not be trusted (e.g. 20 units). `prior = 0` gives
//! the raw index.

use std::collections::BTreeMap;

use super::error::{CustomerError, Result, check_lengths, check_non_negative};

/// Smoothed preference index of one cell from its totals.
///
/// `value` (the cell), `region_total`, `category_total` and `grand_total` must be finite and >= 0,
/// with `value <= region_total`, `value <= category_total`, `category_total <= grand_total`;
/// `category_total` must be > 0 (a category nobody bought has no index). `prior` >= 0; with
/// `prior = 0` a region total of 0 is an error (0/0).
pub fn preference_index(
    value: f64,
    region_total: f64,
    category_total: f64,
    grand_total: f64,
    prior: f64,
) -> Result<f64> {
    for (name, v) in [
        ("value", value),
        ("region total", region_total),
        ("category total", category_total),
        ("grand total", grand_total),
        ("prior", prior),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(CustomerError::InvalidParameter(format!(
                "{name} must be a finite number >= 0, got {v}"
            )));
        }
    }
    if value > region_total || value > category_total || category_total > grand_total {
        return Err(CustomerError::InvalidParameter(format!(
            "inconsistent totals: value {value}, region total {region_total}, category total {category_total}, \
             grand total {grand_total}"
        )));
    }
    if category_total == 0.0 {
        return Err(CustomerError::Degenerate(
            "the category has no volume overall, so it has no preference index".into(),
        ));
    }
    if region_total + prior == 0.0 {
        return Err(CustomerError::Degenerate(
            "the region has no volume and prior is 0, so its shares are undefined; use prior > 0"
                .into(),
        ));
    }
    let s_c = category_total / grand_total;
    Ok(100.0 * ((value + prior * s_c) / (region_total + prior)) / s_c)
}

/// One (region, category) cell.
#[derive(Debug, Clone, PartialEq)]
pub struct PreferenceCell<R, C> {
    pub region: R,
    pub category: C,
    pub value: f64,
    /// Smoothed index.
    pub index: f64,
    /// Unsmoothed index; None when the region has no volume.
    pub index_raw: Option<f64>,
}

/// Preference index for every (region, category) pair present in the rows
/// (`regions[i]`, `categories[i]`, `values[i]`; repeated pairs are summed), sorted by region then
/// category. Values must be finite and >= 0 (errors name the row). Categories with no volume
/// overall are skipped (no index exists). Empty input gives an empty result. Pairs that never
/// occur are not reported; their smoothed index would be `100 × prior / (V_r + prior)`.
pub fn regional_preference<R: Ord + Clone, C: Ord + Clone>(
    regions: &[R],
    categories: &[C],
    values: &[f64],
    prior: f64,
) -> Result<Vec<PreferenceCell<R, C>>> {
    check_lengths(
        &["regions", "categories", "values"],
        &[regions.len(), categories.len(), values.len()],
    )?;
    if !(prior.is_finite() && prior >= 0.0) {
        return Err(CustomerError::InvalidParameter(format!(
            "prior must be a finite number >= 0, got {prior}"
        )));
    }
    let mut cells: BTreeMap<(R, C), f64> = BTreeMap::new();
    let mut by_region: BTreeMap<R, f64> = BTreeMap::new();
    let mut by_cat: BTreeMap<C, f64> = BTreeMap::new();
    let mut grand = 0.0;
    for i in 0..values.len() {
        let v = check_non_negative("value", i, values[i])?;
        *cells
            .entry((regions[i].clone(), categories[i].clone()))
            .or_insert(0.0) += v;
        *by_region.entry(regions[i].clone()).or_insert(0.0) += v;
        *by_cat.entry(categories[i].clone()).or_insert(0.0) += v;
        grand += v;
    }
    let mut out = Vec::with_capacity(cells.len());
    for ((r, c), v) in cells {
        let (vr, vc) = (by_region[&r], by_cat[&c]);
        if vc == 0.0 || vr + prior == 0.0 {
            continue;
        }
        let s_c = vc / grand;
        let index = 100.0 * ((v + prior * s_c) / (vr + prior)) / s_c;
        let index_raw = (vr > 0.0).then(|| 100.0 * (v / vr) / s_c);
        out.push(PreferenceCell {
            region: r,
            category: c,
            value: v,
            index,
            index_raw,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64s, fixture, i64s};
    use super::*;

    #[test]
    fn matches_pandas() {
        let fx = fixture(include_str!(
            "../../../tests/fixtures/customer/regional.json"
        ));
        let (r, c, v) = (
            i64s(&fx["region"]),
            i64s(&fx["category"]),
            f64s(&fx["value"]),
        );
        let prior = fx["prior"].as_f64().unwrap();
        let (want, want_raw) = (f64s(&fx["index"]), f64s(&fx["index_raw"]));
        let got = regional_preference(&r, &c, &v, prior).unwrap();
        // the fixture has one row per cell, sorted by region then category
        assert_eq!(got.len(), r.len());
        for (i, g) in got.iter().enumerate() {
            assert_eq!((g.region, g.category), (r[i], c[i]));
            assert_close(g.index, want[i], 1e-12, "index");
            match g.index_raw {
                Some(x) => assert_close(x, want_raw[i], 1e-12, "raw"),
                None => assert!(want_raw[i].is_nan()),
            }
            // the scalar form agrees with the batch
            let vr: f64 = (0..r.len())
                .filter(|&j| r[j] == g.region)
                .map(|j| v[j])
                .sum();
            let vc: f64 = (0..r.len())
                .filter(|&j| c[j] == g.category)
                .map(|j| v[j])
                .sum();
            let s = preference_index(g.value, vr, vc, v.iter().sum(), prior).unwrap();
            assert_close(s, g.index, 1e-12, "scalar");
        }
    }

    #[test]
    fn smoothing_and_errors() {
        // tiny region: 2 of 3 units in a category with 10 % national share
        let raw = preference_index(2.0, 3.0, 100.0, 1000.0, 0.0).unwrap();
        let smooth = preference_index(2.0, 3.0, 100.0, 1000.0, 20.0).unwrap();
        assert_close(raw, 666.6666666666666, 1e-12, "raw");
        assert!(smooth > 100.0 && smooth < 200.0, "{smooth}");
        assert!(preference_index(0.0, 0.0, 100.0, 1000.0, 0.0).is_err());
        assert_close(
            preference_index(0.0, 0.0, 100.0, 1000.0, 5.0).unwrap(),
            100.0,
            1e-12,
            "empty region",
        );
        assert!(preference_index(1.0, 3.0, 0.0, 1000.0, 1.0).is_err());
        assert!(preference_index(f64::NAN, 3.0, 1.0, 1000.0, 1.0).is_err());
        assert!(regional_preference(&["n"], &["x"], &[-1.0], 1.0).is_err());
        let cells =
            regional_preference(&["n", "s", "n"], &["x", "x", "y"], &[1.0, 3.0, 0.0], 0.0).unwrap();
        // category y has no volume anywhere: no index, skipped
        assert_eq!(cells.len(), 2);
        assert_eq!((cells[0].region, cells[0].category), ("n", "x"));
    }
}
