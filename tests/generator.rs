//! The demo data generator: determinism, sizes, the catalog that describes it, and the statistical
//! structure the forecasting, customer and inventory work relies on.
//!
//! Every check reads the generated Parquet back (through DataFusion) and compares it with what the
//! simulation promises; the thresholds are loose enough for any seed and tight enough to fail when
//! the structure is missing.

use aisle::demo::{self, GenerateOptions, GenerateReport};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn gen_at(out: &Path, scale: f64, seed: u64) -> GenerateReport {
    demo::generate(&GenerateOptions {
        scale,
        seed,
        out: out.to_path_buf(),
        progress: false,
    })
    .unwrap_or_else(|e| panic!("generate scale {scale} seed {seed}: {e:#}"))
}

/// Every file under `dir` (relative path -> bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn rows(report: &GenerateReport, table: &str) -> u64 {
    report
        .tables
        .iter()
        .find(|t| t.0 == table)
        .map(|t| t.1)
        .unwrap_or_else(|| panic!("no table {table} in report"))
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let c = tmp.path().join("c");
    gen_at(&a, 0.05, 11);
    gen_at(&b, 0.05, 11);
    gen_at(&c, 0.05, 12);
    let fa = files(&a);
    let fb = files(&b);
    let fc = files(&c);
    assert!(
        fa.len() > 40,
        "expected every table and monthly partition, got {} files",
        fa.len()
    );
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "same seed: same file list"
    );
    for (k, v) in &fa {
        assert!(v == &fb[k], "same seed: {k} differs");
    }
    let differing = fa.iter().filter(|(k, v)| fc.get(*k) != Some(*v)).count();
    assert!(
        differing > fa.len() / 2,
        "another seed changed only {differing} of {} files",
        fa.len()
    );
    for month in ["2023-01", "2024-12"] {
        let k = format!("sales_lines/month={month}/part-0.parquet");
        assert!(fa.contains_key(&k), "missing {k}");
        assert_ne!(
            fa[&k], fc[&k],
            "another seed must give other sales in {month}"
        );
    }
}

#[test]
fn row_counts_grow_linearly_with_scale() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let small = gen_at(&tmp.path().join("s"), 0.1, 5);
    let large = gen_at(&tmp.path().join("l"), 0.2, 5);
    for (table, lo, hi) in [
        ("products", 1.9, 2.1),
        ("customers", 1.9, 2.1),
        ("sales_lines", 1.5, 2.6),
        ("daily_sales", 1.5, 2.6),
        ("purchase_orders", 1.4, 2.8),
        ("inventory_snapshots", 1.5, 2.6),
    ] {
        let ratio = rows(&large, table) as f64 / rows(&small, table).max(1) as f64;
        assert!(
            (lo..=hi).contains(&ratio),
            "{table}: scale 0.2 / scale 0.1 rows = {ratio:.2}, want {lo}..{hi}"
        );
    }
    // the calendar is fixed: weather has one row per region and day whatever the scale
    assert_eq!(rows(&small, "weather"), 4 * 731);
    for (name, r, bytes) in &small.tables {
        assert!(*r > 0, "{name} is empty");
        assert!(*bytes > 0, "{name} has no bytes");
    }
}

#[test]
fn refuses_foreign_directories_and_replaces_its_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // a directory with other content is never touched
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("precious.txt"), "keep me").expect("write");
    let err = demo::generate(&GenerateOptions {
        scale: 0.05,
        seed: 1,
        out: foreign.clone(),
        progress: false,
    })
    .expect_err("must refuse a foreign directory");
    assert!(
        format!("{err:#}").contains("not an aisle dataset"),
        "unclear error: {err:#}"
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("precious.txt")).expect("still there"),
        "keep me"
    );
    // a file is refused too
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").expect("write");
    assert!(
        demo::generate(&GenerateOptions {
            scale: 0.05,
            seed: 1,
            out: file,
            progress: false
        })
        .is_err()
    );
    // bad scales
    for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = demo::generate(&GenerateOptions {
            scale,
            seed: 1,
            out: tmp.path().join("x"),
            progress: false,
        })
        .expect_err("bad scale must fail");
        assert!(
            format!("{err}").contains("scale"),
            "unclear error for scale {scale}: {err}"
        );
    }
    // an empty directory and an earlier dataset are fine; the earlier dataset is replaced
    let out = tmp.path().join("data");
    std::fs::create_dir_all(&out).expect("mkdir");
    gen_at(&out, 0.05, 1);
    let marker = demo::read_marker(&out).expect("marker");
    assert_eq!(marker["seed"], 1);
    std::fs::write(out.join("stale.txt"), "old").expect("write");
    // what a killed run left behind (no process has this id) is cleaned up on Linux
    let stale = tmp.path().join(".data.aisle-tmp-999999999");
    std::fs::create_dir_all(stale.join("sales_lines")).expect("mkdir");
    gen_at(&out, 0.05, 2);
    if cfg!(target_os = "linux") {
        assert!(
            !stale.exists(),
            "a stale temporary directory was not removed"
        );
    } else {
        std::fs::remove_dir_all(&stale).expect("remove");
    }
    let marker = demo::read_marker(&out).expect("marker");
    assert_eq!(marker["seed"], 2);
    assert_eq!(marker["start_date"], "2023-01-01");
    assert_eq!(marker["end_date"], "2024-12-31");
    assert!(
        !out.join("stale.txt").exists(),
        "the old dataset must be replaced whole"
    );
    // nothing temporary is left next to it
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("read")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".aisle-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary directories left behind: {leftovers:?}"
    );
}

/// Partition column names of a table directory (hive `name=value` folders) and one data file.
fn table_layout(dir: &Path) -> (Vec<String>, PathBuf) {
    let mut parts = Vec::new();
    let mut cur = dir.to_path_buf();
    loop {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&cur)
            .expect("read table dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        let first = entries
            .first()
            .unwrap_or_else(|| panic!("{} is empty", cur.display()))
            .clone();
        if first.is_dir() {
            let name = first
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let (key, _) = name
                .split_once('=')
                .unwrap_or_else(|| panic!("{name} is not a hive partition"));
            parts.push(key.to_string());
            cur = first;
        } else {
            return (parts, first);
        }
    }
}

#[test]
fn catalog_lists_exactly_the_generated_tables_and_columns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("d");
    gen_at(&out, 0.05, 3);
    let text = std::fs::read_to_string(
        std::path::PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("catalog/demo.toml"),
    )
    .expect("read catalog/demo.toml");
    let cat: toml::Value = toml::from_str(&text).expect("catalog/demo.toml parses");
    assert_eq!(cat["catalog"]["name"].as_str(), Some("demo"));
    let tables = cat["table"].as_array().expect("[[table]] entries");
    let listed: Vec<String> = tables
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(&out)
        .expect("read dataset")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != demo::TRUTH_DIR)
        .collect();
    assert_eq!(
        listed.iter().cloned().collect::<BTreeSet<_>>(),
        on_disk,
        "catalog tables vs directories"
    );
    assert_eq!(
        listed,
        demo::TABLES
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        "catalog order vs TABLES"
    );
    for t in tables {
        let name = t["name"].as_str().expect("name");
        assert_eq!(
            t["location"].as_str(),
            Some(format!("{name}/").as_str()),
            "{name}: location"
        );
        assert_eq!(t["format"].as_str(), Some("parquet"), "{name}: format");
        assert!(
            t["description"].as_str().is_some_and(|d| d.len() > 20),
            "{name}: needs a description"
        );
        let (parts, file) = table_layout(&out.join(name));
        let declared_parts: Vec<String> = t["partition_columns"]
            .as_array()
            .expect("partition_columns")
            .iter()
            .map(|p| {
                assert_eq!(p["type"].as_str(), Some("string"), "{name}: partition type");
                p["name"].as_str().expect("partition name").to_string()
            })
            .collect();
        assert_eq!(declared_parts, parts, "{name}: partition columns");
        assert_eq!(
            demo::PARTITIONED_TABLES.contains(&name),
            !parts.is_empty(),
            "{name}: PARTITIONED_TABLES disagrees with the files"
        );
        let reader = ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&file).expect("open parquet"),
        )
        .expect("parquet footer");
        let mut file_cols: Vec<String> = reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        file_cols.extend(parts.iter().cloned());
        let described = t["columns"]
            .as_table()
            .unwrap_or_else(|| panic!("{name}: [table.columns]"));
        for (col, desc) in described {
            assert!(
                desc.as_str().is_some_and(|d| !d.trim().is_empty()),
                "{name}.{col}: empty description"
            );
        }
        let described: BTreeSet<String> = described.keys().cloned().collect();
        assert_eq!(
            described,
            file_cols.iter().cloned().collect::<BTreeSet<_>>(),
            "{name}: described vs written columns"
        );
        let pii: Vec<&str> = t["pii"]
            .as_array()
            .expect("pii")
            .iter()
            .map(|p| p.as_str().expect("pii column name"))
            .collect();
        for p in &pii {
            assert!(
                described.contains(*p),
                "{name}: pii column {p} does not exist"
            );
        }
        if name == "customers" {
            assert_eq!(pii, vec!["email", "birth_year"]);
        } else {
            assert!(pii.is_empty(), "{name}: unexpected pii {pii:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The statistical structure, on one dataset at scale 0.1.

async fn context(dir: &Path) -> SessionContext {
    let ctx = SessionContext::new();
    for t in demo::TABLES {
        let opts = if demo::PARTITIONED_TABLES.contains(t) {
            ParquetReadOptions::default()
                .table_partition_cols(vec![("month".to_string(), DataType::Utf8)])
        } else {
            ParquetReadOptions::default()
        };
        let path = format!("{}/", dir.join(t).display());
        ctx.register_parquet(*t, &path, opts)
            .await
            .unwrap_or_else(|e| panic!("register {t}: {e}"));
    }
    for t in demo::TRUTH_TABLES {
        let path = format!("{}/", dir.join(demo::TRUTH_DIR).join(t).display());
        ctx.register_parquet(format!("truth_{t}"), &path, ParquetReadOptions::default())
            .await
            .unwrap_or_else(|e| panic!("register truth {t}: {e}"));
    }
    ctx
}

/// The single value of a query, as f64 (the query must produce something castable to DOUBLE).
async fn num(ctx: &SessionContext, sql: &str) -> f64 {
    let df = ctx
        .sql(&format!("SELECT CAST(v AS DOUBLE) AS v FROM ({sql}) q"))
        .await
        .unwrap_or_else(|e| panic!("plan {sql}: {e}"));
    let batches = df
        .collect()
        .await
        .unwrap_or_else(|e| panic!("run {sql}: {e}"));
    let b = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .unwrap_or_else(|| panic!("no rows: {sql}"));
    let col = b.column(0).as_primitive::<Float64Type>();
    if col.is_null(0) {
        f64::NAN
    } else {
        col.value(0)
    }
}

/// A column of f64 values of a query.
async fn nums(ctx: &SessionContext, sql: &str) -> Vec<f64> {
    let df = ctx
        .sql(&format!("SELECT CAST(v AS DOUBLE) AS v FROM ({sql}) q"))
        .await
        .unwrap_or_else(|e| panic!("plan {sql}: {e}"));
    let batches = df
        .collect()
        .await
        .unwrap_or_else(|e| panic!("run {sql}: {e}"));
    let mut out = Vec::new();
    for b in batches {
        let col = b.column(0).as_primitive::<Float64Type>();
        for i in 0..col.len() {
            out.push(if col.is_null(i) {
                f64::NAN
            } else {
                col.value(i)
            });
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_carries_the_structure_the_analytics_rely_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("d");
    gen_at(&dir, 0.1, 42);
    let ctx = context(&dir).await;
    let mut failures: Vec<String> = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };

    // daily_sales is exactly the aggregate of sales_lines
    let mismatched = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM daily_sales d FULL OUTER JOIN (
             SELECT \"date\", sku_id, store_id, SUM(quantity) AS units, SUM(net_amount) AS revenue
             FROM sales_lines GROUP BY \"date\", sku_id, store_id) l
           ON d.\"date\" = l.\"date\" AND d.sku_id = l.sku_id AND d.store_id = l.store_id
         WHERE d.sku_id IS NULL
            OR (l.sku_id IS NULL AND d.units <> 0)
            OR (l.sku_id IS NOT NULL AND (d.units <> l.units OR abs(d.revenue - l.revenue) > 0.011))",
    )
    .await;
    check(
        mismatched == 0.0,
        format!("{mismatched} daily_sales rows disagree with sales_lines"),
    );
    let lines = num(&ctx, "SELECT COUNT(*) AS v FROM sales_lines").await;
    check(
        (150_000.0..1_500_000.0).contains(&lines),
        format!("sales_lines rows at scale 0.1: {lines}"),
    );
    let per_month = num(
        &ctx,
        "SELECT MIN(c) AS v FROM (SELECT month, COUNT(*) AS c FROM sales_lines GROUP BY month)",
    )
    .await;
    check(per_month > 0.0, "a month without sales".into());
    let wrong_month = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM sales_lines WHERE month <> to_char(\"date\", '%Y-%m')",
    )
    .await;
    check(
        wrong_month == 0.0,
        format!("{wrong_month} lines in the wrong month partition"),
    );
    let bad_amounts = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM sales_lines WHERE quantity < 1
            OR abs(net_amount - (quantity * unit_price - discount)) > 0.011
            OR (promo_id IS NULL AND discount <> 0) OR CAST(ts AS DATE) <> \"date\"",
    )
    .await;
    check(
        bad_amounts == 0.0,
        format!("{bad_amounts} sales lines with inconsistent amounts"),
    );
    let christmas = num(&ctx, "SELECT COUNT(*) AS v FROM sales_lines WHERE \"date\" IN (DATE '2023-12-25', DATE '2024-12-25')").await;
    check(
        christmas == 0.0,
        format!("{christmas} sales on Christmas Day, when everything is closed"),
    );

    // weekly seasonality: day-of-week index spread of chain units
    let dow = nums(
        &ctx,
        "SELECT SUM(units) AS v FROM daily_sales GROUP BY date_part('dow', \"date\")",
    )
    .await;
    let (lo, hi) = dow
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), x| (l.min(*x), h.max(*x)));
    check(
        dow.len() == 7 && hi / lo > 1.3,
        format!(
            "weekday spread max/min = {:.2} over {} weekdays",
            hi / lo,
            dow.len()
        ),
    );

    // yearly seasonality by season
    let season_ratio = |season: &str, peak: &str, off: &str| {
        format!(
            "SELECT AVG(CASE WHEN {peak} THEN CAST(d.units AS DOUBLE) END)
                  / AVG(CASE WHEN {off} THEN CAST(d.units AS DOUBLE) END) AS v
             FROM daily_sales d JOIN products p ON d.sku_id = p.sku_id WHERE p.season = '{season}'"
        )
    };
    let summer = num(
        &ctx,
        &season_ratio(
            "summer",
            "date_part('month', d.\"date\") IN (6, 7, 8)",
            "date_part('month', d.\"date\") IN (12, 1, 2)",
        ),
    )
    .await;
    check(
        summer > 2.0,
        format!("summer SKUs: summer/winter daily units = {summer:.2}"),
    );
    let holiday = num(
        &ctx,
        &season_ratio(
            "holiday",
            "date_part('month', d.\"date\") = 12 AND date_part('day', d.\"date\") <= 24",
            "date_part('month', d.\"date\") BETWEEN 2 AND 9",
        ),
    )
    .await;
    check(
        holiday > 4.0,
        format!("holiday SKUs: December/Feb-Sep daily units = {holiday:.2}"),
    );

    // promotion uplift: promo days against non-promo days of the same series and month, in stock
    // (holiday lines are left out: their clearance sale follows the Christmas peak in the same month)
    let uplift_sql = |filter: &str| {
        format!(
            "SELECT SUM(p) / SUM(n) AS v FROM (
               SELECT d.sku_id, d.store_id, d.month,
                      AVG(CASE WHEN d.promo THEN d.units END) AS p,
                      AVG(CASE WHEN NOT d.promo THEN d.units END) AS n
               FROM daily_sales d JOIN truth_skus t ON d.sku_id = t.sku_id
               JOIN products pr ON pr.sku_id = d.sku_id
               WHERE NOT d.stockout AND pr.season <> 'holiday' {filter}
               GROUP BY d.sku_id, d.store_id, d.month) x
             WHERE p IS NOT NULL AND n IS NOT NULL"
        )
    };
    let uplift = num(&ctx, &uplift_sql("")).await;
    check(uplift > 1.3, format!("promotion uplift = {uplift:.2}"));
    // price elasticity: price-sensitive SKUs respond more to the same promotions
    let sensitive = num(&ctx, &uplift_sql("AND t.price_elasticity >= 2.5")).await;
    let insensitive = num(&ctx, &uplift_sql("AND t.price_elasticity < 2.0")).await;
    check(
        sensitive > insensitive * 1.2,
        format!("uplift price-sensitive {sensitive:.2} vs others {insensitive:.2}"),
    );

    // intermittent series: ADI = days / days with sales > 1.32 for a real share of series
    let adi = nums(
        &ctx,
        "SELECT COUNT(*) / CAST(SUM(CASE WHEN units > 0 THEN 1 ELSE 0 END) AS DOUBLE) AS v
         FROM daily_sales GROUP BY sku_id, store_id HAVING SUM(CASE WHEN units > 0 THEN 1 ELSE 0 END) > 0",
    )
    .await;
    let share = adi.iter().filter(|a| **a > 1.32).count() as f64 / adi.len().max(1) as f64;
    check(
        (0.10..=0.60).contains(&share),
        format!(
            "intermittent share (ADI > 1.32) = {share:.2} of {} series",
            adi.len()
        ),
    );
    check(adi.len() > 150, format!("only {} series", adi.len()));

    // stock-outs: zero sales with zero on hand exist, and are a minority of days
    let empty = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM daily_sales WHERE stockout AND units = 0 AND on_hand_close = 0",
    )
    .await;
    let all_days = num(&ctx, "SELECT COUNT(*) AS v FROM daily_sales").await;
    let stockout = num(&ctx, "SELECT COUNT(*) AS v FROM daily_sales WHERE stockout").await;
    check(
        empty > 100.0,
        format!("only {empty} stock-out days with zero sales and zero on hand"),
    );
    check(
        stockout / all_days < 0.15,
        format!("stock-outs on {:.1}% of days", 100.0 * stockout / all_days),
    );
    let unflagged = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM daily_sales WHERE on_hand_close = 0 AND NOT stockout",
    )
    .await;
    check(
        unflagged == 0.0,
        format!("{unflagged} empty shelves not flagged as stock-out"),
    );
    let lost = num(&ctx, "SELECT SUM(lost_units) AS v FROM truth_lost_sales").await;
    check(lost > 0.0, "no demand was lost to stock-outs".into());
    // lost demand is not recorded as sales: on days that started empty and got no delivery, no sales
    let sold_from_nothing = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM daily_sales a JOIN daily_sales b
           ON a.sku_id = b.sku_id AND a.store_id = b.store_id AND b.\"date\" = a.\"date\" + INTERVAL '1 day'
         LEFT JOIN (SELECT sku_id, store_id, received_date FROM purchase_orders WHERE received_date IS NOT NULL
                    GROUP BY sku_id, store_id, received_date) r
           ON r.sku_id = b.sku_id AND r.store_id = b.store_id AND r.received_date = b.\"date\"
         WHERE a.on_hand_close = 0 AND r.sku_id IS NULL AND b.units > 0",
    )
    .await;
    check(
        sold_from_nothing == 0.0,
        format!("{sold_from_nothing} days sold stock that was not there"),
    );
    // shrink: stock disappears beyond sales (physical on hand never exceeds the book)
    let shrink_rows = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM inventory_snapshots WHERE book_on_hand > on_hand",
    )
    .await;
    let negative = num(&ctx, "SELECT COUNT(*) AS v FROM inventory_snapshots WHERE book_on_hand < on_hand OR on_hand < 0 OR on_order < 0").await;
    check(
        shrink_rows > 50.0,
        format!("only {shrink_rows} snapshots with book above physical stock"),
    );
    check(
        negative == 0.0,
        format!("{negative} impossible inventory snapshots"),
    );

    // new launches: nothing before the launch date, sales after it
    let before = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM sales_lines s JOIN products p ON s.sku_id = p.sku_id WHERE s.\"date\" < p.launch_date",
    )
    .await;
    let rows_before = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM daily_sales d JOIN products p ON d.sku_id = p.sku_id WHERE d.\"date\" < p.launch_date",
    )
    .await;
    let launched_selling = num(
        &ctx,
        "SELECT COUNT(DISTINCT s.sku_id) AS v FROM sales_lines s JOIN products p ON s.sku_id = p.sku_id
         WHERE p.launch_date > DATE '2023-01-01'",
    )
    .await;
    check(
        before == 0.0 && rows_before == 0.0,
        format!("{before} sales and {rows_before} rows before launch"),
    );
    check(
        launched_selling >= 1.0,
        format!("only {launched_selling} launched SKUs sell"),
    );

    // purchase orders: partial fills, quality rejects, lead-time variability
    let partial = num(&ctx, "SELECT COUNT(*) AS v FROM purchase_orders WHERE status = 'partial' AND qty_received < qty_ordered").await;
    let rejects = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM purchase_orders WHERE qty_rejected > 0",
    )
    .await;
    let bad_po = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM purchase_orders WHERE qty_received > qty_ordered OR qty_rejected > qty_received
            OR (status = 'open') <> (received_date IS NULL) OR received_date < order_date",
    )
    .await;
    let lt_sd = num(
        &ctx,
        "SELECT stddev(CAST(received_date - expected_date AS DOUBLE)) AS v FROM purchase_orders WHERE received_date IS NOT NULL",
    )
    .await;
    let late = num(&ctx, "SELECT AVG(CASE WHEN received_date > expected_date THEN 1.0 ELSE 0.0 END) AS v FROM purchase_orders WHERE received_date IS NOT NULL").await;
    check(partial > 10.0, format!("only {partial} partial fills"));
    check(
        rejects > 10.0,
        format!("only {rejects} orders with rejects"),
    );
    check(
        bad_po == 0.0,
        format!("{bad_po} inconsistent purchase orders"),
    );
    check(
        lt_sd > 0.8,
        format!("lead-time deviation sd = {lt_sd:.2} days"),
    );
    check(
        (0.05..0.6).contains(&late),
        format!("share of late deliveries = {late:.2}"),
    );

    // customers: anonymous share, heterogeneity, dropout, tiers that follow spend
    let anon = num(
        &ctx,
        "SELECT AVG(CASE WHEN customer_id IS NULL THEN 1.0 ELSE 0.0 END) AS v FROM sales_lines",
    )
    .await;
    check(
        (0.1..0.8).contains(&anon),
        format!("anonymous share of lines = {anon:.2}"),
    );
    let digital_anon = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM sales_lines WHERE channel <> 'store' AND customer_id IS NULL",
    )
    .await;
    check(
        digital_anon == 0.0,
        format!("{digital_anon} anonymous web/app lines"),
    );
    let channels = num(&ctx, "SELECT COUNT(DISTINCT channel) AS v FROM sales_lines").await;
    check(channels == 3.0, format!("{channels} channels"));
    let cv = num(
        &ctx,
        "SELECT stddev(n) / AVG(n) AS v FROM (SELECT customer_id, CAST(COUNT(DISTINCT transaction_id) AS DOUBLE) AS n
         FROM sales_lines WHERE customer_id IS NOT NULL GROUP BY customer_id)",
    )
    .await;
    check(
        cv > 0.6,
        format!("purchase-count coefficient of variation = {cv:.2}"),
    );
    let dropped = num(
        &ctx,
        "SELECT AVG(CASE WHEN last < DATE '2024-07-01' THEN 1.0 ELSE 0.0 END) AS v FROM (
           SELECT customer_id, MAX(\"date\") AS last, MIN(\"date\") AS first FROM sales_lines
           WHERE customer_id IS NOT NULL GROUP BY customer_id) WHERE first < DATE '2023-07-01'",
    )
    .await;
    check(
        (0.1..0.8).contains(&dropped),
        format!("share of early customers gone by 2024-07 = {dropped:.2}"),
    );
    let mut tiers = Vec::new();
    for tier in ["bronze", "silver", "gold", "platinum"] {
        let spend = num(
            &ctx,
            &format!(
                "SELECT AVG(COALESCE(s.spend, 0)) AS v FROM customers c LEFT JOIN (
                   SELECT customer_id, SUM(net_amount) AS spend FROM sales_lines GROUP BY customer_id) s
                 ON c.customer_id = s.customer_id WHERE c.loyalty_tier = '{tier}'"
            ),
        )
        .await;
        tiers.push(spend);
    }
    check(
        tiers.windows(2).all(|w| w[1] > w[0] * 1.2),
        format!("mean spend by tier bronze..platinum = {tiers:?}"),
    );
    let unknown_customers = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM sales_lines s LEFT JOIN customers c ON s.customer_id = c.customer_id
         WHERE s.customer_id IS NOT NULL AND c.customer_id IS NULL",
    )
    .await;
    check(
        unknown_customers == 0.0,
        format!("{unknown_customers} lines of unknown customers"),
    );

    // baskets: complement pairs have lift > 1 (an association-rule miner finds them)
    let lift = num(
        &ctx,
        "WITH n AS (SELECT CAST(COUNT(DISTINCT transaction_id) AS DOUBLE) AS t FROM sales_lines),
              pairs AS (SELECT a.sku_id AS anchor, m.sku_id AS member FROM truth_complements a
                        JOIN truth_complements m ON a.group_id = m.group_id AND a.role = 'anchor' AND m.role = 'member'),
              tx AS (SELECT DISTINCT transaction_id, sku_id FROM sales_lines),
              sa AS (SELECT sku_id, CAST(COUNT(*) AS DOUBLE) AS c FROM tx GROUP BY sku_id),
              both_ AS (SELECT p.anchor, p.member, CAST(COUNT(*) AS DOUBLE) AS c FROM pairs p
                        JOIN tx x ON x.sku_id = p.anchor JOIN tx y ON y.transaction_id = x.transaction_id AND y.sku_id = p.member
                        GROUP BY p.anchor, p.member)
         SELECT approx_median(b.c * n.t / (a.c * m.c)) AS v FROM both_ b JOIN sa a ON a.sku_id = b.anchor
           JOIN sa m ON m.sku_id = b.member CROSS JOIN n WHERE b.c >= 5",
    )
    .await;
    check(
        lift > 1.5,
        format!("median lift of complement pairs = {lift:.2}"),
    );
    let multi = num(&ctx, "SELECT AVG(CASE WHEN c > 1 THEN 1.0 ELSE 0.0 END) AS v FROM (SELECT COUNT(*) AS c FROM sales_lines GROUP BY transaction_id)").await;
    check(
        (0.3..0.95).contains(&multi),
        format!("share of multi-line baskets = {multi:.2}"),
    );

    // returns: rates differ by department; returns follow their sale
    let rates = nums(
        &ctx,
        "SELECT r.n / s.n AS v FROM
           (SELECT p.department, CAST(SUM(x.quantity) AS DOUBLE) AS n FROM returns x
            JOIN products p ON x.sku_id = p.sku_id GROUP BY p.department) r
         JOIN (SELECT p.department, CAST(SUM(l.quantity) AS DOUBLE) AS n FROM sales_lines l
               JOIN products p ON l.sku_id = p.sku_id GROUP BY p.department HAVING SUM(l.quantity) > 2000) s
           ON r.department = s.department",
    )
    .await;
    let (rlo, rhi) = rates
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), x| (l.min(*x), h.max(*x)));
    check(
        rates.len() >= 4 && rhi > 4.0 * rlo,
        format!("return rates by department vary too little: {rates:?}"),
    );
    let bad_returns = num(
        &ctx,
        "SELECT COUNT(*) AS v FROM returns r JOIN sales_lines s ON r.line_id = s.line_id
         WHERE r.return_date <= s.\"date\" OR r.quantity > s.quantity OR r.sku_id <> s.sku_id OR r.store_id <> s.store_id",
    )
    .await;
    check(
        bad_returns == 0.0,
        format!("{bad_returns} returns inconsistent with their sales line"),
    );

    // digital traffic: conversions are the web and app transactions
    let conv = num(&ctx, "SELECT SUM(conversions) AS v FROM digital_traffic").await;
    let digital = num(
        &ctx,
        "SELECT COUNT(DISTINCT transaction_id) AS v FROM sales_lines WHERE channel <> 'store'",
    )
    .await;
    check(
        conv == digital && conv > 0.0,
        format!("conversions {conv} vs digital transactions {digital}"),
    );
    let sessions_ok = num(
        &ctx,
        "SELECT MIN(sessions - conversions) AS v FROM digital_traffic",
    )
    .await;
    check(sessions_ok >= 0.0, "fewer sessions than conversions".into());

    // weather: summer goods sell more on days warmer than usual for the season
    let warm = num(
        &ctx,
        "WITH x AS (SELECT d.units, w.temp_c - AVG(w.temp_c) OVER (PARTITION BY w.region_id, date_part('month', w.\"date\")) AS anomaly
                    FROM daily_sales d JOIN stores s ON d.store_id = s.store_id
                    JOIN weather w ON w.region_id = s.region_id AND w.\"date\" = d.\"date\"
                    JOIN products p ON p.sku_id = d.sku_id
                    WHERE p.season = 'summer' AND date_part('month', d.\"date\") BETWEEN 5 AND 9)
         SELECT AVG(CASE WHEN anomaly > 2 THEN units END) / AVG(CASE WHEN anomaly < -2 THEN units END) AS v FROM x",
    )
    .await;
    check(
        warm > 1.15,
        format!("summer goods: warm/cool day units = {warm:.2}"),
    );

    // local events lift drinks and snacks
    let event = num(
        &ctx,
        "SELECT AVG(CASE WHEN e.region_id IS NOT NULL THEN d.units END) / AVG(CASE WHEN e.region_id IS NULL THEN d.units END) AS v
         FROM daily_sales d JOIN stores s ON d.store_id = s.store_id JOIN products p ON p.sku_id = d.sku_id
         LEFT JOIN (SELECT DISTINCT region_id, \"date\" FROM events) e ON e.region_id = s.region_id AND e.\"date\" = d.\"date\"
         WHERE p.category IN ('Soft Drinks', 'Beer & Wine', 'Snacks') AND s.format = 'store'",
    )
    .await;
    check(
        event > 1.15,
        format!("drinks and snacks: event/normal day units = {event:.2}"),
    );

    assert!(
        failures.is_empty(),
        "the generated data lacks structure:\n  {}",
        failures.join("\n  ")
    );
}
