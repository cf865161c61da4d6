//! launch_allocation over the demo data, checked against an independent computation from the raw
//! Parquet files (read by a plain DataFusion context without aisle's views or functions):
//!
//! * the allocation tracks like-item demand: every row's expected demand is the mean of its
//!   like-items' units at that location over the 28 days before the launch, times the early-life
//!   factor, recomputed here from `daily_sales` and `products`; the like-items are the nearest in
//!   price within the category; within a launch, locations whose like-items sell more get more;
//! * high-value locations get more: the safety factor is Φ⁻¹ of the row's service level, the
//!   service level never falls as the share of high-value customers rises, and locations above
//!   the basic class plan more stock than a flat basic target would give them;
//! * a backtest: past launches are planned with data before their launch date only, so what they
//!   then sold in their first 28 days is a fair check (printed; the rank correlation must be
//!   positive).
//!
//! Runs on the shared test dataset; `AISLE_TRUTH_DATA_DIR=/path/to/scale1 cargo nextest run
//! --test inventory_launch --no-capture` measures another one (the numbers in docs/inventory.md).
mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use aisle::catalog::CatalogSource;
use aisle::engine::{Engine, EngineConfig};
use aisle::views::ViewSource;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

async fn engine_and_dir() -> (std::sync::Arc<Engine>, PathBuf) {
    let dir = match std::env::var("AISLE_TRUTH_DATA_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => common::demo_dir(),
    };
    let engine = Engine::open(EngineConfig {
        catalogs: vec![CatalogSource::demo()],
        data_dir: Some(dir.clone()),
        views: ViewSource::BuiltIn,
        ..Default::default()
    })
    .await
    .expect("open the demo engine");
    (engine, dir)
}

async fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("plan {sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("run {sql}: {e}"))
}

/// Column `i` of every batch as f64 (NULL = NaN).
fn f64s(batches: &[RecordBatch], i: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for b in batches {
        let c = cast(b.column(i), &DataType::Float64).unwrap();
        let c = c.as_primitive::<Float64Type>();
        out.extend((0..c.len()).map(|r| if c.is_null(r) { f64::NAN } else { c.value(r) }));
    }
    out
}

fn i64s(batches: &[RecordBatch], i: usize) -> Vec<i64> {
    let mut out = Vec::new();
    for b in batches {
        let c = cast(b.column(i), &DataType::Int64).unwrap();
        out.extend(c.as_primitive::<Int64Type>().values().iter().copied());
    }
    out
}

fn strings(batches: &[RecordBatch], i: usize) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let c = cast(b.column(i), &DataType::Utf8).unwrap();
        let c = c.as_string::<i32>();
        out.extend((0..c.len()).map(|r| c.value(r).to_string()));
    }
    out
}

/// Spearman rank correlation (average ranks for ties).
fn spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].partial_cmp(&v[b]).unwrap());
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            for k in i..=j {
                r[idx[k]] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Φ⁻¹ by bisection on erfc, independent of the models' implementation.
fn inverse_normal(p: f64) -> f64 {
    let cdf = |z: f64| 0.5 * libm_erfc(-z / std::f64::consts::SQRT_2);
    let (mut lo, mut hi) = (-10.0, 10.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// erfc from Numerical Recipes' Chebyshev fit (relative error < 1.2e-7), enough for a 1e-5 check.
fn libm_erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The raw tables in a plain context: no aisle views, no aisle functions.
async fn raw_context(dir: &std::path::Path) -> SessionContext {
    let raw = SessionContext::new();
    for t in ["products", "daily_sales"] {
        raw.register_parquet(
            t,
            dir.join(t).to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("register {t}: {e}"));
    }
    raw
}

#[tokio::test]
async fn allocation_tracks_like_item_demand_and_favours_high_value_locations() {
    let (engine, dir) = engine_and_dir().await;
    let ctx = engine.new_session();
    let rows = run(
        &ctx,
        "WITH a AS (SELECT * FROM launch_allocation)
         SELECT sku_id, store_id, CAST(planned_as_of AS VARCHAR), array_to_string(like_skus, ','),
                expected_demand, early_life_factor, recommended_qty, service_level, high_value_share,
                safety_stock, demand_std, case_pack, value_class,
                CAST(ceil((expected_demand + 1.2815515655446004 * demand_std) / case_pack - 1e-9) * case_pack AS DOUBLE),
                actual_units_28d
         FROM a ORDER BY sku_id, store_id",
    )
    .await;
    let sku = i64s(&rows, 0);
    let store = i64s(&rows, 1);
    let as_of = strings(&rows, 2);
    let likes = strings(&rows, 3);
    let expected = f64s(&rows, 4);
    let factor = f64s(&rows, 5);
    let qty = f64s(&rows, 6);
    let sl = f64s(&rows, 7);
    let share = f64s(&rows, 8);
    let ss = f64s(&rows, 9);
    let std = f64s(&rows, 10);
    let class = strings(&rows, 12);
    let flat_basic = f64s(&rows, 13);
    let actual = f64s(&rows, 14);
    let n = sku.len();
    assert!(n >= 5, "launch_allocation has {n} rows");

    // 1. Independent like-item demand from the raw files.
    let raw = raw_context(&dir).await;
    let products = run(
        &raw,
        "SELECT sku_id, category, brand, unit_price, CAST(launch_date AS VARCHAR) FROM products",
    )
    .await;
    let (p_sku, p_cat, p_brand, p_price, p_launch) = (
        i64s(&products, 0),
        strings(&products, 1),
        strings(&products, 2),
        f64s(&products, 3),
        strings(&products, 4),
    );
    let product: HashMap<i64, usize> = p_sku.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut checked = 0;
    let mut launches_seen: HashMap<i64, Vec<usize>> = HashMap::new();
    for r in 0..n {
        launches_seen.entry(sku[r]).or_default().push(r);
        let l = product[&sku[r]];
        // like-items: same category, not the launch, on sale 28 days before; nearest in price
        // (same brand 20 % closer), ties by SKU
        let cutoff = run(
            &raw,
            &format!(
                "SELECT CAST(DATE '{}' - INTERVAL '28 days' AS VARCHAR)",
                as_of[r]
            ),
        )
        .await;
        let cutoff = strings(&cutoff, 0)[0].clone();
        let mut cands: Vec<(f64, i64)> = (0..p_sku.len())
            .filter(|&c| p_cat[c] == p_cat[l] && p_sku[c] != p_sku[l] && p_launch[c] <= cutoff)
            .map(|c| {
                let d = (p_price[c] / p_price[l]).ln().abs()
                    - if p_brand[c] == p_brand[l] { 0.2 } else { 0.0 };
                (d, p_sku[c])
            })
            .collect();
        cands.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let chosen: Vec<i64> = cands.iter().take(5).map(|c| c.1).collect();
        let listed: Vec<i64> = likes[r].split(',').map(|s| s.parse().unwrap()).collect();
        assert!(
            listed.iter().all(|s| chosen.contains(s)),
            "launch {} store {}: like-items {listed:?} not among the 5 nearest {chosen:?}",
            sku[r],
            store[r]
        );
        let ids = listed
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let units = run(
            &raw,
            &format!(
                "SELECT sku_id, CAST(sum(units) AS DOUBLE) * 28.0 / count(*) FROM daily_sales
                 WHERE store_id = {} AND sku_id IN ({ids})
                   AND date >= DATE '{}' - INTERVAL '28 days' AND date < DATE '{}'
                 GROUP BY sku_id",
                store[r], as_of[r], as_of[r]
            ),
        )
        .await;
        let u = f64s(&units, 1);
        assert_eq!(u.len(), listed.len(), "every listed like-item sold there");
        let mean = u.iter().sum::<f64>() / u.len() as f64 * factor[r];
        assert!(
            (mean - expected[r]).abs() <= 1e-9 * mean.max(1.0),
            "launch {} store {}: expected demand {} vs like-items {}",
            sku[r],
            store[r],
            expected[r],
            mean
        );
        checked += 1;
    }
    assert_eq!(checked, n);

    // Within a launch, locations whose like-items sell more get more.
    let mut pooled = Vec::new();
    for rs in launches_seen.values().filter(|rs| rs.len() >= 3) {
        let e: Vec<f64> = rs.iter().map(|&r| expected[r]).collect();
        let q: Vec<f64> = rs.iter().map(|&r| qty[r]).collect();
        if e.iter().any(|x| *x != e[0]) {
            pooled.push((spearman(&e, &q), rs.len()));
        }
    }
    assert!(!pooled.is_empty(), "a launch with several locations");
    let w: f64 = pooled.iter().map(|p| p.1 as f64).sum();
    let rho = pooled.iter().map(|p| p.0 * p.1 as f64).sum::<f64>() / w;
    println!(
        "allocation vs like-item demand within launches: Spearman {rho:.3} over {} launches",
        pooled.len()
    );
    assert!(
        rho >= 0.6,
        "allocation tracks like-item demand: Spearman {rho}"
    );

    // 2. High-value locations get more.
    for r in 0..n {
        if std[r] > 0.0 {
            let z = inverse_normal(sl[r]);
            assert!(
                (ss[r] / std[r] - z).abs() < 1e-5,
                "safety factor {} vs Φ⁻¹({})",
                ss[r] / std[r],
                sl[r]
            );
        }
    }
    let mut by_share: Vec<usize> = (0..n).collect();
    by_share.sort_by(|&a, &b| share[a].partial_cmp(&share[b]).unwrap());
    for w in by_share.windows(2) {
        assert!(
            sl[w[1]] >= sl[w[0]],
            "service level falls as the high-value share rises"
        );
    }
    // Against one flat basic target (90 %) for everyone: every location above basic plans more
    // stock for the same like-item demand (before case rounding), and never gets fewer units.
    let (mut extra, mut above_basic, mut key_high_extra) = (0.0, 0, 0.0);
    for r in 0..n {
        if class[r] != "basic" {
            let need = expected[r] + ss[r];
            let flat_need = expected[r] + 1.2815515655446004 * std[r];
            assert!(
                need > flat_need || (std[r] == 0.0 && need == flat_need),
                "{} {}: {need} vs flat {flat_need}",
                sku[r],
                store[r]
            );
            assert!(
                qty[r] >= flat_basic[r],
                "{} {}: fewer units than a flat basic target",
                sku[r],
                store[r]
            );
            extra += qty[r] - flat_basic[r];
            if class[r] == "key" || class[r] == "high" {
                key_high_extra += qty[r] - flat_basic[r];
            }
            above_basic += 1;
        }
    }
    println!(
        "locations above basic: {above_basic} of {n}, {extra} units more than a flat 90 % target \
         ({key_high_extra} of them at key/high locations)"
    );
    assert!(
        above_basic > 0,
        "some launch location is above the basic class"
    );

    // 3. Backtest against what the launches then sold.
    let (mut e, mut a) = (Vec::new(), Vec::new());
    for r in 0..n {
        if !actual[r].is_nan() {
            e.push(expected[r]);
            a.push(actual[r]);
        }
    }
    let rho = spearman(&e, &a);
    let bias = a.iter().sum::<f64>() / e.iter().sum::<f64>();
    let covered = (0..n)
        .filter(|&r| !actual[r].is_nan() && actual[r] <= qty[r])
        .count();
    println!(
        "backtest over {} launch x location cells: Spearman(expected, actual first 28 days) {rho:.3}, \
         actual / expected {bias:.3}, allocation covered the first 28 days in {covered} ({:.1} %)",
        e.len(),
        100.0 * covered as f64 / e.len() as f64
    );
    assert!(e.len() >= 5);
    assert!(
        rho > 0.0,
        "expected demand ranks locations like the real sales did: {rho}"
    );
}

/// One event occurrence: first and last day.
type Window = (chrono::NaiveDate, chrono::NaiveDate);

/// The chain's recurring calendar events, computed here with chrono (not the view's SQL):
/// Christmas run-up 1-24 December; Black Friday = the day after the fourth Thursday of November,
/// through Monday.
fn event_window(event: &str, year: i32) -> Window {
    use chrono::NaiveDate;
    match event {
        "christmas" => (
            NaiveDate::from_ymd_opt(year, 12, 1).unwrap(),
            NaiveDate::from_ymd_opt(year, 12, 24).unwrap(),
        ),
        "black_friday" => {
            let thu =
                NaiveDate::from_weekday_of_month_opt(year, 11, chrono::Weekday::Thu, 4).unwrap();
            (thu + chrono::Days::new(1), thu + chrono::Days::new(4))
        }
        _ => unreachable!(),
    }
}

/// seasonal_allocation recomputed from the raw Parquet files: windows from chrono, rates, trend,
/// uplift, like-items, dispersion, safety stock and case-pack rounding per SKU in plain Rust,
/// summed per event x category x location. The service level of each row is taken from the view
/// (it comes from segment_demand and service_level_targets, checked by the launch test above
/// and the customer tests); everything else must match.
#[tokio::test]
async fn seasonal_allocation_matches_an_independent_computation() {
    use chrono::NaiveDate;
    let (engine, dir) = engine_and_dir().await;
    let ctx = engine.new_session();
    let rows = run(
        &ctx,
        "SELECT event, CAST(event_start AS VARCHAR), CAST(last_year_start AS VARCHAR), category,
                store_id, skus, like_item_skus, units_last_year, expected_demand, service_level,
                recommended_qty, uplift, growth, confidence, reason, value_class
         FROM seasonal_allocation",
    )
    .await;
    let v_event = strings(&rows, 0);
    let v_start = strings(&rows, 1);
    let v_ly = strings(&rows, 2);
    let v_cat = strings(&rows, 3);
    let v_store = i64s(&rows, 4);
    let v_skus = i64s(&rows, 5);
    let v_like = i64s(&rows, 6);
    let v_ly_units = f64s(&rows, 7);
    let v_expected = f64s(&rows, 8);
    let v_sl = f64s(&rows, 9);
    let v_qty = f64s(&rows, 10);
    let v_uplift = f64s(&rows, 11);
    let v_conf = f64s(&rows, 13);
    let v_reason = strings(&rows, 14);
    let n = v_event.len();
    assert!(n > 0, "seasonal_allocation has rows");

    let raw = raw_context(&dir).await;
    let data = run(
        &raw,
        "SELECT d.sku_id, d.store_id, CAST(d.date AS VARCHAR), CAST(d.units AS DOUBLE), d.stockout,
                p.category, CAST(p.case_pack AS DOUBLE)
         FROM daily_sales d JOIN products p ON p.sku_id = d.sku_id",
    )
    .await;
    let sku = i64s(&data, 0);
    let store = i64s(&data, 1);
    let date: Vec<NaiveDate> = strings(&data, 2)
        .iter()
        .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
        .collect();
    let units = f64s(&data, 3);
    let mut stockout = Vec::new();
    for b in &data {
        let c = b.column(4).as_boolean();
        stockout.extend((0..c.len()).map(|r| c.value(r)));
    }
    let category = strings(&data, 5);
    let case_pack = f64s(&data, 6);
    let as_of = *date.iter().max().unwrap();
    let first_day = *date.iter().min().unwrap();
    let view_sl: HashMap<(String, String, i64), f64> = (0..n)
        .map(|r| ((v_event[r].clone(), v_cat[r].clone(), v_store[r]), v_sl[r]))
        .collect();

    use chrono::Datelike;
    // (event, category, store) -> (skus, like skus, units last year, expected, qty)
    let mut mine: HashMap<(String, String, i64), (i64, i64, f64, f64, f64)> = HashMap::new();
    let mut uplifts: HashMap<(String, String, i64), f64> = HashMap::new();
    for event in ["christmas", "black_friday"] {
        let mut year = as_of.year() - 1;
        while event_window(event, year).0 <= as_of {
            year += 1;
        }
        let (start, _) = event_window(event, year);
        let (ly_start, ly_end) = event_window(event, year - 1);
        if ly_start < first_day || ly_end > as_of {
            continue;
        }
        let window_days = (event_window(event, year).1 - start).num_days() as f64 + 1.0;
        let shift = (start - ly_start).num_days();
        let ref_end = as_of;
        let ref_start = as_of - chrono::Days::new(55);
        let ref_ly_start = ref_start - chrono::Days::new(shift as u64);
        let ref_ly_end = ref_end - chrono::Days::new(shift as u64);
        let pre_start = ly_start - chrono::Days::new(56);
        let pre_end = ly_start - chrono::Days::new(1);
        // per SKU x store: [ev units, ev days, ev sq, ref_ly units, ref_ly days, ref units,
        // ref days, pre units, pre days]
        let mut acc: HashMap<(i64, i64), [f64; 9]> = HashMap::new();
        let mut meta: HashMap<(i64, i64), (String, f64)> = HashMap::new();
        for i in 0..sku.len() {
            if stockout[i] && units[i] == 0.0 {
                continue;
            }
            let d = date[i];
            let e = d >= ly_start && d <= ly_end;
            let rl = d >= ref_ly_start && d <= ref_ly_end;
            let rn = d >= ref_start && d <= ref_end;
            let pre = d >= pre_start && d <= pre_end;
            if !(e || rl || rn || pre) {
                continue;
            }
            let a = acc.entry((sku[i], store[i])).or_insert([0.0; 9]);
            meta.insert((sku[i], store[i]), (category[i].clone(), case_pack[i]));
            if e {
                a[0] += units[i];
                a[1] += 1.0;
                a[2] += units[i] * units[i];
            }
            if rl {
                a[3] += units[i];
                a[4] += 1.0;
            }
            if rn {
                a[5] += units[i];
                a[6] += 1.0;
            }
            if pre {
                a[7] += units[i];
                a[8] += 1.0;
            }
        }
        let rate = |u: f64, d: f64| if d > 0.0 { Some(u / d) } else { None };
        // category x store: trend, uplift, dispersion
        let mut cat: HashMap<(String, i64), [f64; 8]> = HashMap::new();
        for (k, a) in &acc {
            let c = cat.entry((meta[k].0.clone(), k.1)).or_insert([0.0; 8]);
            let (ev, rl, rn) = (rate(a[0], a[1]), rate(a[3], a[4]), rate(a[5], a[6]));
            if let (Some(rn), Some(rl)) = (rn, rl) {
                c[0] += rn;
                c[1] += rl;
            }
            if let (Some(ev), Some(rl)) = (ev, rl) {
                c[2] += ev;
                c[3] += rl;
            }
            if a[1] > 1.0 {
                let var = ((a[2] - a[0] * a[0] / a[1]) / (a[1] - 1.0)).max(0.0);
                c[4] += var;
                c[5] += a[0] / a[1];
            }
            if let (Some(ev), Some(pr)) = (ev, rate(a[7], a[8])) {
                c[6] += ev;
                c[7] += pr;
            }
        }
        for ((cname, st), c) in &cat {
            if c[7] > 0.0 {
                uplifts.insert((event.to_string(), cname.clone(), *st), c[6] / c[7]);
            }
        }
        for (k, a) in &acc {
            let (cname, pack) = meta[k].clone();
            let c = cat[&(cname.clone(), k.1)];
            let growth = if c[1] > 0.0 && c[0] > 0.0 {
                c[0] / c[1]
            } else {
                1.0
            };
            let event_index = if c[3] > 0.0 { Some(c[2] / c[3]) } else { None };
            let cat_disp = if c[5] > 0.0 {
                (c[4] / c[5]).max(1.0)
            } else {
                1.0
            };
            let (ev, rn) = (rate(a[0], a[1]), rate(a[5], a[6]));
            let (expected, disp, like) = if let Some(ev) = ev {
                let disp = if a[1] > 1.0 && ev > 0.0 {
                    (((a[2] - a[0] * a[0] / a[1]) / (a[1] - 1.0)).max(0.0) / ev).max(1.0)
                } else {
                    cat_disp
                };
                (ev * growth * window_days, disp, false)
            } else if let (Some(rn), Some(u)) = (rn, event_index)
                && c[2] > 0.0
            {
                (rn * u * window_days, cat_disp, true)
            } else {
                continue;
            };
            let key = (event.to_string(), cname, k.1);
            let sl = *view_sl
                .get(&key)
                .unwrap_or_else(|| panic!("the view has no row for {key:?}"));
            let total = expected + inverse_normal(sl) * (disp * expected).sqrt();
            let qty = if total > 0.0 {
                (total / pack).ceil() * pack
            } else {
                0.0
            };
            let m = mine.entry(key).or_insert((0, 0, 0.0, 0.0, 0.0));
            m.0 += 1;
            m.1 += like as i64;
            m.2 += if like { 0.0 } else { ev.unwrap() * window_days };
            m.3 += expected;
            m.4 += qty;
        }
        // the view plans the same occurrence
        for r in 0..n {
            if v_event[r] == event {
                assert_eq!(v_start[r], start.to_string());
                assert_eq!(v_ly[r], ly_start.to_string());
            }
        }
    }
    assert_eq!(mine.len(), n, "the same event x category x location rows");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0);
    let (mut total_qty, mut total_exp, mut like_rows) = (0.0, 0.0, 0);
    for r in 0..n {
        let key = (v_event[r].clone(), v_cat[r].clone(), v_store[r]);
        let m = mine
            .get(&key)
            .unwrap_or_else(|| panic!("the view has a row the recomputation has not: {key:?}"));
        assert_eq!((v_skus[r], v_like[r]), (m.0, m.1), "{key:?}: SKUs");
        assert!(
            close(v_ly_units[r], m.2),
            "{key:?}: units last year {} vs {}",
            v_ly_units[r],
            m.2
        );
        assert!(
            close(v_expected[r], m.3),
            "{key:?}: expected {} vs {}",
            v_expected[r],
            m.3
        );
        assert!(
            close(v_qty[r], m.4),
            "{key:?}: quantity {} vs {}",
            v_qty[r],
            m.4
        );
        match uplifts.get(&key) {
            Some(u) => assert!(
                close(v_uplift[r], *u),
                "{key:?}: uplift {} vs {u}",
                v_uplift[r]
            ),
            None => assert!(v_uplift[r].is_nan(), "{key:?}: uplift {}", v_uplift[r]),
        }
        assert!(
            v_qty[r] >= v_expected[r] - 1e-9,
            "{key:?}: allocation covers the expected demand"
        );
        assert!(
            (0.0..=1.0).contains(&v_conf[r]),
            "{key:?}: confidence {}",
            v_conf[r]
        );
        assert!(v_reason[r].contains("allocate"), "{key:?}: {}", v_reason[r]);
        total_qty += v_qty[r];
        total_exp += v_expected[r];
        like_rows += (v_like[r] > 0) as usize;
    }
    // both are events: across the chain, categories sell above their 8 weeks before
    let geo = |event: &str| {
        let logs: Vec<f64> = (0..n)
            .filter(|&r| v_event[r] == event && v_uplift[r] > 0.0)
            .map(|r| v_uplift[r].ln())
            .collect();
        (logs.iter().sum::<f64>() / logs.len() as f64).exp()
    };
    let geo_uplift = geo("christmas");
    let bf_uplift = geo("black_friday");
    println!(
        "seasonal_allocation: {n} event x category x location rows, {total_exp:.0} units expected, \
         {total_qty:.0} allocated, {like_rows} rows with like-item SKUs; uplift against the 8 weeks \
         before (geometric mean over rows): Christmas {geo_uplift:.3}, Black Friday {bf_uplift:.3}"
    );
    assert!(
        geo_uplift > 1.0 && bf_uplift > 1.0,
        "{geo_uplift} {bf_uplift}"
    );
}
