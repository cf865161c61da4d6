//! The deterministic demo retail data generator behind `aisle generate`.
//!
//! [`generate`] simulates two years (2023-01-01 .. 2024-12-31) of a retail chain and writes it as
//! Parquet, one directory per table (large tables partitioned hive style by `month=YYYY-MM`). The
//! same scale and seed always give byte-identical files, whatever the number of threads. What the
//! simulation put in (the demand classes, elasticities, customer rates, lost sales, ...) is written
//! only under `_truth/`, which the catalog does not expose: it is there for tests and for checking
//! models against the truth. `docs/data.md` is the data dictionary and `catalog/demo.toml` the
//! catalog of the public tables.

mod calendar;
mod names;
mod parquet;
mod rng;
mod sim;
mod world;

use anyhow::{Context, Result, bail};
use parquet::{Col, batch, write};
use sim::{LocState, MonthOut, channel_name};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use world::{CLASS_NAMES, Scope, World};

/// Options of [`generate`].
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Size factor (> 0; fractions such as 0.1 are fine). SKUs, customers and series grow linearly;
    /// the calendar is fixed.
    pub scale: f64,
    pub seed: u64,
    /// The dataset directory. It must not exist, be empty, or hold an earlier aisle dataset
    /// (which is replaced).
    pub out: PathBuf,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// What [`generate`] wrote.
#[derive(Clone, Debug)]
pub struct GenerateReport {
    /// (table, rows, bytes on disk) for each public table, then each `_truth/...` table.
    pub tables: Vec<(String, u64, u64)>,
    pub elapsed: Duration,
}

/// The marker file that identifies an aisle dataset directory.
pub const MARKER_FILE: &str = "_aisle_dataset.json";
/// Bumped whenever the generated data changes for a given seed and scale.
pub const GENERATOR_VERSION: u32 = 2;
/// Directory (inside the dataset) of the simulation's ground truth; not in the catalog.
pub const TRUTH_DIR: &str = "_truth";
/// First and last day of the calendar.
pub const START_DATE: &str = "2023-01-01";
pub const END_DATE: &str = "2024-12-31";
/// The public tables, in catalog order.
pub const TABLES: &[&str] = &[
    "regions",
    "stores",
    "products",
    "suppliers",
    "supplier_products",
    "customers",
    "promotions",
    "sales_lines",
    "daily_sales",
    "returns",
    "inventory_snapshots",
    "purchase_orders",
    "weather",
    "digital_traffic",
    "events",
];
/// Tables partitioned by `month=YYYY-MM` (a string partition column).
pub const PARTITIONED_TABLES: &[&str] = &["sales_lines", "daily_sales"];
/// The ground-truth tables under `_truth/`.
pub const TRUTH_TABLES: &[&str] = &[
    "skus",
    "series",
    "customers",
    "suppliers",
    "complements",
    "region_category_preference",
    "lost_sales",
];

/// Generate the demo dataset into `opts.out`.
///
/// The data is written into a temporary sibling directory and renamed into place at the end, so a
/// failure or crash never leaves a half-written dataset behind.
pub fn generate(opts: &GenerateOptions) -> Result<GenerateReport> {
    let started = Instant::now();
    if !opts.scale.is_finite() || opts.scale <= 0.0 {
        bail!(
            "scale must be a number greater than 0 (for example 1 or 0.1), got {}",
            opts.scale
        );
    }
    if opts.scale > 1000.0 {
        bail!("scale must be at most 1000, got {}", opts.scale);
    }
    let out = &opts.out;
    let replace = check_out_dir(out)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("--out {} must name a directory", out.display()))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let pid = std::process::id();
    remove_stale_temporaries(&parent, &name, pid);
    let tmp = parent.join(format!(".{name}.aisle-tmp-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("removing stale {}", tmp.display()))?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let tables = match generate_into(&tmp, opts) {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if replace {
        let old = parent.join(format!(".{name}.aisle-old-{pid}"));
        if old.exists() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("removing stale {}", old.display()))?;
        }
        std::fs::rename(out, &old)
            .with_context(|| format!("moving the old dataset {} aside", out.display()))?;
        std::fs::rename(&tmp, out)
            .with_context(|| format!("moving the new dataset into {}", out.display()))?;
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("removing the old dataset {}", old.display()))?;
    } else {
        if out.exists() {
            // an empty directory
            std::fs::remove_dir(out)
                .with_context(|| format!("replacing the empty directory {}", out.display()))?;
        }
        std::fs::rename(&tmp, out)
            .with_context(|| format!("moving the new dataset into {}", out.display()))?;
    }
    Ok(GenerateReport {
        tables,
        elapsed: started.elapsed(),
    })
}

/// Remove temporary directories that an earlier, killed run left next to the dataset (only those of
/// processes that are gone, so a concurrent run is left alone; where that cannot be told, none).
fn remove_stale_temporaries(parent: &Path, name: &str, pid: u32) {
    let prefix = format!(".{name}.aisle-tmp-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let Some(other) = file_name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = cfg!(target_os = "linux") && !Path::new(&format!("/proc/{other}")).exists();
        if other != pid && gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Ok(true) when `out` holds an aisle dataset to replace, Ok(false) when it is absent or an empty
/// directory, an error otherwise.
fn check_out_dir(out: &Path) -> Result<bool> {
    if !out.exists() {
        return Ok(false);
    }
    if !out.is_dir() {
        bail!(
            "refusing to write the demo dataset to {}: it exists and is not a directory",
            out.display()
        );
    }
    if out.join(MARKER_FILE).is_file() {
        return Ok(true);
    }
    let mut entries =
        std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
    if entries.next().is_none() {
        return Ok(false);
    }
    bail!(
        "refusing to overwrite {}: it exists and is not an aisle dataset (it has no {MARKER_FILE}); \
         choose another --out directory or remove this one",
        out.display()
    )
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn d32(d: usize) -> i32 {
    calendar::date32(d as i64)
}

/// Collects (table, rows, bytes) as files are written.
struct Sizes {
    dir: PathBuf,
    map: BTreeMap<String, (u64, u64)>,
}

impl Sizes {
    fn write(
        &mut self,
        table: &str,
        file: &str,
        b: &datafusion::arrow::record_batch::RecordBatch,
    ) -> Result<()> {
        let path = self.dir.join(table).join(file);
        let bytes = write(&path, b)?;
        let e = self.map.entry(table.to_string()).or_insert((0, 0));
        e.0 += b.num_rows() as u64;
        e.1 += bytes;
        Ok(())
    }
}

struct Returned {
    day: u32,
    line_id: i64,
    sku_id: i32,
    customer: Option<i64>,
    store_id: i32,
    qty: i32,
    reason: &'static str,
}

fn generate_into(dir: &Path, opts: &GenerateOptions) -> Result<Vec<(String, u64, u64)>> {
    let months = calendar::month_ranges();
    let bar = if opts.progress {
        let pb = indicatif::ProgressBar::new(months.len() as u64 + 3);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} generating [{bar:30}] {pos}/{len} {msg} ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        pb
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_message("building the world");
    let w = World::build(opts.scale, opts.seed);
    bar.inc(1);
    let mut sizes = Sizes {
        dir: dir.to_path_buf(),
        map: BTreeMap::new(),
    };
    bar.set_message("dimension tables");
    write_dimensions(&w, &mut sizes)?;
    bar.inc(1);

    // ---- the simulation, month by month, locations in parallel ----
    let mut states: Vec<LocState> = (0..w.locations.len())
        .filter(|l| w.locations[*l].sells())
        .map(|l| LocState::new(&w, l))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let mut line_id = 0i64;
    let mut txn_id = 0i64;
    let mut returns: Vec<Returned> = Vec::new();
    let mut spend = vec![0.0f64; w.customers.len()];
    let mut conversions = vec![[0u32; 2]; w.regions.len() * calendar::N_DAYS];
    let mut snaps = Vec::new();
    let mut pos = Vec::new();
    let mut lost = Vec::new();
    for (m, (from, to)) in months.iter().copied().enumerate() {
        bar.set_message(format!("simulating {}", calendar::month_label(m)));
        let mut outs: Vec<(usize, MonthOut)> = run_parallel(&w, &mut states, from, to, threads);
        outs.sort_by_key(|(l, _)| *l);
        // sales_lines and daily_sales of the month, ordered by date, store, time
        let mut sl = SalesCols::default();
        let mut ds = DailyCols::default();
        for d in from..to {
            for (l, out) in outs.iter() {
                let loc = &w.locations[*l];
                let region = loc.region;
                let day = &out.days[d - from];
                let mut last_txn = u32::MAX;
                for line in &day.lines {
                    if line.txn != last_txn {
                        last_txn = line.txn;
                        txn_id += 1;
                        if line.channel != world::CH_STORE {
                            conversions[region * calendar::N_DAYS + d]
                                [(line.channel - 1) as usize] += 1;
                        }
                    }
                    line_id += 1;
                    let sku_id = w.skus[line.sku].id;
                    let customer = if line.customer == u32::MAX {
                        None
                    } else {
                        Some(w.customers[line.customer as usize].id)
                    };
                    if line.customer != u32::MAX {
                        spend[line.customer as usize] += line.net;
                    }
                    sl.line_id.push(line_id);
                    sl.txn_id.push(txn_id);
                    sl.ts
                        .push((i64::from(d32(d)) * 86_400 + i64::from(line.secs)) * 1_000_000);
                    sl.date.push(d32(d));
                    sl.store.push(loc.id);
                    sl.channel.push(channel_name(line.channel));
                    sl.customer.push(customer);
                    sl.sku.push(sku_id);
                    sl.qty.push(line.qty);
                    sl.price.push(line.unit_price);
                    sl.discount.push(line.discount);
                    sl.promo.push(if line.promo_id < 0 {
                        None
                    } else {
                        Some(line.promo_id)
                    });
                    sl.net.push(line.net);
                    if let Some((rd, rq, reason)) = line.ret {
                        returns.push(Returned {
                            day: rd,
                            line_id,
                            sku_id,
                            customer,
                            store_id: loc.id,
                            qty: rq,
                            reason,
                        });
                    }
                }
                for r in &day.daily {
                    ds.date.push(d32(d));
                    ds.sku.push(w.skus[r.sku].id);
                    ds.store.push(loc.id);
                    ds.units.push(r.units);
                    ds.revenue.push(round2(r.revenue));
                    ds.on_hand.push(r.on_hand);
                    ds.stockout.push(r.stockout);
                    ds.promo.push(r.promo);
                    ds.price.push(r.price);
                }
            }
        }
        let part = format!("month={}/part-0.parquet", calendar::month_label(m));
        sizes.write("sales_lines", &part, &sl.into_batch()?)?;
        sizes.write("daily_sales", &part, &ds.into_batch()?)?;
        for (l, out) in outs {
            let store_id = w.locations[l].id;
            snaps.extend(out.snaps.into_iter().map(|s| (store_id, s)));
            pos.extend(out.pos.into_iter().map(|p| (store_id, p)));
            lost.extend(out.lost.into_iter().map(|x| (store_id, x)));
        }
        bar.inc(1);
    }

    bar.set_message("facts and truth");
    write_returns(&mut sizes, returns)?;
    write_snapshots(&w, &mut sizes, snaps)?;
    write_purchase_orders(&w, &mut sizes, pos)?;
    write_customers(&w, &mut sizes, &spend)?;
    write_digital_traffic(&w, &mut sizes, &conversions)?;
    write_truth(&w, &mut sizes, &states, &spend, lost)?;
    write_marker(dir, opts)?;
    bar.inc(1);
    bar.finish_and_clear();

    let mut tables = Vec::new();
    for t in TABLES {
        let (rows, bytes) = sizes.map.get(*t).copied().unwrap_or((0, 0));
        tables.push((t.to_string(), rows, bytes));
    }
    for t in TRUTH_TABLES {
        let key = format!("{TRUTH_DIR}/{t}");
        let (rows, bytes) = sizes.map.get(&key).copied().unwrap_or((0, 0));
        tables.push((key, rows, bytes));
    }
    Ok(tables)
}

fn run_parallel(
    w: &World,
    states: &mut [LocState],
    from: usize,
    to: usize,
    threads: usize,
) -> Vec<(usize, MonthOut)> {
    if threads <= 1 || states.len() <= 1 {
        return states
            .iter_mut()
            .map(|s| (s.loc, s.run(w, from, to)))
            .collect();
    }
    // deal locations round robin so heavy and light ones mix; output order is restored by the caller
    let mut buckets: Vec<Vec<&mut LocState>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, s) in states.iter_mut().enumerate() {
        buckets[i % threads].push(s);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = buckets
            .into_iter()
            .map(|bucket| {
                scope.spawn(move || {
                    bucket
                        .into_iter()
                        .map(|s| (s.loc, s.run(w, from, to)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            match h.join() {
                Ok(v) => all.extend(v),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        all
    })
}

#[derive(Default)]
struct SalesCols {
    line_id: Vec<i64>,
    txn_id: Vec<i64>,
    ts: Vec<i64>,
    date: Vec<i32>,
    store: Vec<i32>,
    channel: Vec<&'static str>,
    customer: Vec<Option<i64>>,
    sku: Vec<i32>,
    qty: Vec<i32>,
    price: Vec<f64>,
    discount: Vec<f64>,
    promo: Vec<Option<i32>>,
    net: Vec<f64>,
}

impl SalesCols {
    fn into_batch(self) -> Result<datafusion::arrow::record_batch::RecordBatch> {
        batch(vec![
            ("line_id", Col::I64(self.line_id)),
            ("transaction_id", Col::I64(self.txn_id)),
            ("ts", Col::Ts(self.ts)),
            ("date", Col::Date(self.date)),
            ("store_id", Col::I32(self.store)),
            ("channel", Col::SStr(self.channel)),
            ("customer_id", Col::I64N(self.customer)),
            ("sku_id", Col::I32(self.sku)),
            ("quantity", Col::I32(self.qty)),
            ("unit_price", Col::F64(self.price)),
            ("discount", Col::F64(self.discount)),
            ("promo_id", Col::I32N(self.promo)),
            ("net_amount", Col::F64(self.net)),
        ])
    }
}

#[derive(Default)]
struct DailyCols {
    date: Vec<i32>,
    sku: Vec<i32>,
    store: Vec<i32>,
    units: Vec<i32>,
    revenue: Vec<f64>,
    on_hand: Vec<i32>,
    stockout: Vec<bool>,
    promo: Vec<bool>,
    price: Vec<f64>,
}

impl DailyCols {
    fn into_batch(self) -> Result<datafusion::arrow::record_batch::RecordBatch> {
        batch(vec![
            ("date", Col::Date(self.date)),
            ("sku_id", Col::I32(self.sku)),
            ("store_id", Col::I32(self.store)),
            ("units", Col::I32(self.units)),
            ("revenue", Col::F64(self.revenue)),
            ("on_hand_close", Col::I32(self.on_hand)),
            ("stockout", Col::Bool(self.stockout)),
            ("promo", Col::Bool(self.promo)),
            ("price", Col::F64(self.price)),
        ])
    }
}

const PART: &str = "part-0.parquet";

fn write_dimensions(w: &World, sizes: &mut Sizes) -> Result<()> {
    sizes.write(
        "regions",
        PART,
        &batch(vec![
            (
                "region_id",
                Col::I32(w.regions.iter().map(|r| r.id).collect()),
            ),
            (
                "name",
                Col::Str(w.regions.iter().map(|r| r.name.clone()).collect()),
            ),
            (
                "climate",
                Col::SStr(w.regions.iter().map(|r| r.climate).collect()),
            ),
        ])?,
    )?;
    let locs = &w.locations;
    sizes.write(
        "stores",
        PART,
        &batch(vec![
            ("store_id", Col::I32(locs.iter().map(|l| l.id).collect())),
            (
                "name",
                Col::Str(locs.iter().map(|l| l.name.clone()).collect()),
            ),
            (
                "region_id",
                Col::I32(locs.iter().map(|l| w.regions[l.region].id).collect()),
            ),
            (
                "format",
                Col::SStr(locs.iter().map(|l| l.format.as_str()).collect()),
            ),
            (
                "opened_date",
                Col::Date(locs.iter().map(|l| calendar::date32(l.open_day)).collect()),
            ),
            (
                "latitude",
                Col::F64(locs.iter().map(|l| (l.lat * 1e4).round() / 1e4).collect()),
            ),
            (
                "longitude",
                Col::F64(locs.iter().map(|l| (l.lon * 1e4).round() / 1e4).collect()),
            ),
            (
                "size_sqm",
                Col::I32(locs.iter().map(|l| l.size_sqm).collect()),
            ),
            (
                "serving_dc_id",
                Col::I32N(locs.iter().map(|l| l.serving_dc).collect()),
            ),
        ])?,
    )?;
    let skus = &w.skus;
    sizes.write(
        "products",
        PART,
        &batch(vec![
            ("sku_id", Col::I32(skus.iter().map(|s| s.id).collect())),
            (
                "name",
                Col::Str(skus.iter().map(|s| s.name.clone()).collect()),
            ),
            (
                "department",
                Col::SStr(
                    skus.iter()
                        .map(|s| names::DEPARTMENTS[s.dept].name)
                        .collect(),
                ),
            ),
            (
                "category",
                Col::SStr(skus.iter().map(|s| s.category_name).collect()),
            ),
            (
                "subcategory",
                Col::SStr(skus.iter().map(|s| s.subcategory).collect()),
            ),
            ("brand", Col::SStr(skus.iter().map(|s| s.brand).collect())),
            (
                "unit_price",
                Col::F64(skus.iter().map(|s| s.price1).collect()),
            ),
            (
                "unit_cost",
                Col::F64(skus.iter().map(|s| s.cost1).collect()),
            ),
            (
                "case_pack",
                Col::I32(skus.iter().map(|s| s.case_pack).collect()),
            ),
            (
                "season",
                Col::SStr(skus.iter().map(|s| s.season.as_str()).collect()),
            ),
            (
                "launch_date",
                Col::Date(
                    skus.iter()
                        .map(|s| calendar::date32(s.launch_day))
                        .collect(),
                ),
            ),
            (
                "perishable",
                Col::Bool(skus.iter().map(|s| s.perishable).collect()),
            ),
            (
                "private_label",
                Col::Bool(skus.iter().map(|s| s.private_label).collect()),
            ),
        ])?,
    )?;
    let sups = &w.suppliers;
    sizes.write(
        "suppliers",
        PART,
        &batch(vec![
            ("supplier_id", Col::I32(sups.iter().map(|s| s.id).collect())),
            (
                "name",
                Col::Str(sups.iter().map(|s| s.name.clone()).collect()),
            ),
            (
                "country",
                Col::SStr(sups.iter().map(|s| s.country).collect()),
            ),
            (
                "payment_terms_days",
                Col::I32(sups.iter().map(|s| s.payment_terms_days).collect()),
            ),
        ])?,
    )?;
    let sp = &w.supplier_products;
    sizes.write(
        "supplier_products",
        PART,
        &batch(vec![
            (
                "supplier_id",
                Col::I32(sp.iter().map(|x| w.suppliers[x.supplier].id).collect()),
            ),
            (
                "sku_id",
                Col::I32(sp.iter().map(|x| w.skus[x.sku].id).collect()),
            ),
            (
                "nominal_lead_time_days",
                Col::I32(sp.iter().map(|x| x.lead_time as i32).collect()),
            ),
            ("moq", Col::I32(sp.iter().map(|x| x.moq).collect())),
            (
                "unit_cost",
                Col::F64(sp.iter().map(|x| x.unit_cost).collect()),
            ),
            (
                "is_primary",
                Col::Bool(sp.iter().map(|x| x.primary).collect()),
            ),
        ])?,
    )?;
    let pr = &w.promos;
    sizes.write(
        "promotions",
        PART,
        &batch(vec![
            ("promo_id", Col::I32(pr.iter().map(|p| p.id).collect())),
            (
                "sku_id",
                Col::I32(pr.iter().map(|p| w.skus[p.sku].id).collect()),
            ),
            (
                "scope",
                Col::SStr(
                    pr.iter()
                        .map(|p| match p.scope {
                            Scope::Chain => "chain",
                            Scope::Region(_) => "region",
                            Scope::Store(_) => "store",
                        })
                        .collect(),
                ),
            ),
            (
                "region_id",
                Col::I32N(
                    pr.iter()
                        .map(|p| match p.scope {
                            Scope::Region(r) => Some(w.regions[r].id),
                            _ => None,
                        })
                        .collect(),
                ),
            ),
            (
                "store_id",
                Col::I32N(
                    pr.iter()
                        .map(|p| match p.scope {
                            Scope::Store(s) => Some(w.locations[s].id),
                            _ => None,
                        })
                        .collect(),
                ),
            ),
            (
                "start_date",
                Col::Date(pr.iter().map(|p| d32(p.start)).collect()),
            ),
            (
                "end_date",
                Col::Date(pr.iter().map(|p| d32(p.end)).collect()),
            ),
            (
                "discount_pct",
                Col::F64(pr.iter().map(|p| p.discount).collect()),
            ),
            ("promo_type", Col::SStr(pr.iter().map(|p| p.kind).collect())),
        ])?,
    )?;
    // weather: one row per region and day
    let mut wd = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for d in 0..calendar::N_DAYS {
        for (r, reg) in w.regions.iter().enumerate() {
            wd.0.push(d32(d));
            wd.1.push(reg.id);
            wd.2.push(w.temp[r][d]);
            wd.3.push(w.precip[r][d]);
        }
    }
    sizes.write(
        "weather",
        PART,
        &batch(vec![
            ("date", Col::Date(wd.0)),
            ("region_id", Col::I32(wd.1)),
            ("temp_c", Col::F64(wd.2)),
            ("precip_mm", Col::F64(wd.3)),
        ])?,
    )?;
    // events: one row per event day
    let mut ev = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for e in &w.events {
        for d in e.start..=e.end {
            ev.0.push(e.id);
            ev.1.push(d32(d));
            ev.2.push(w.regions[e.region].id);
            ev.3.push(e.name.clone());
            ev.4.push(e.kind);
            ev.5.push(e.attendance);
        }
    }
    sizes.write(
        "events",
        PART,
        &batch(vec![
            ("event_id", Col::I32(ev.0)),
            ("date", Col::Date(ev.1)),
            ("region_id", Col::I32(ev.2)),
            ("name", Col::Str(ev.3)),
            ("event_type", Col::SStr(ev.4)),
            ("expected_attendance", Col::I32(ev.5)),
        ])?,
    )?;
    Ok(())
}

fn write_returns(sizes: &mut Sizes, mut returns: Vec<Returned>) -> Result<()> {
    returns.sort_by_key(|r| (r.day, r.line_id));
    sizes.write(
        "returns",
        PART,
        &batch(vec![
            ("return_id", Col::I64((1..=returns.len() as i64).collect())),
            (
                "line_id",
                Col::I64(returns.iter().map(|r| r.line_id).collect()),
            ),
            (
                "sku_id",
                Col::I32(returns.iter().map(|r| r.sku_id).collect()),
            ),
            (
                "customer_id",
                Col::I64N(returns.iter().map(|r| r.customer).collect()),
            ),
            (
                "store_id",
                Col::I32(returns.iter().map(|r| r.store_id).collect()),
            ),
            (
                "return_date",
                Col::Date(returns.iter().map(|r| d32(r.day as usize)).collect()),
            ),
            (
                "quantity",
                Col::I32(returns.iter().map(|r| r.qty).collect()),
            ),
            (
                "reason",
                Col::SStr(returns.iter().map(|r| r.reason).collect()),
            ),
        ])?,
    )
}

fn write_snapshots(
    w: &World,
    sizes: &mut Sizes,
    mut snaps: Vec<(i32, sim::SnapOut)>,
) -> Result<()> {
    snaps.sort_by_key(|(store, s)| (s.day, *store, s.sku));
    sizes.write(
        "inventory_snapshots",
        PART,
        &batch(vec![
            (
                "snapshot_date",
                Col::Date(snaps.iter().map(|(_, s)| d32(s.day as usize)).collect()),
            ),
            (
                "sku_id",
                Col::I32(snaps.iter().map(|(_, s)| w.skus[s.sku].id).collect()),
            ),
            (
                "store_id",
                Col::I32(snaps.iter().map(|(st, _)| *st).collect()),
            ),
            (
                "on_hand",
                Col::I32(snaps.iter().map(|(_, s)| s.on_hand).collect()),
            ),
            (
                "book_on_hand",
                Col::I32(snaps.iter().map(|(_, s)| s.book).collect()),
            ),
            (
                "on_order",
                Col::I32(snaps.iter().map(|(_, s)| s.on_order).collect()),
            ),
        ])?,
    )
}

fn write_purchase_orders(
    w: &World,
    sizes: &mut Sizes,
    mut pos: Vec<(i32, sim::PoOut)>,
) -> Result<()> {
    pos.sort_by_key(|(store, p)| (p.order_day, *store, p.sku));
    sizes.write(
        "purchase_orders",
        PART,
        &batch(vec![
            ("po_id", Col::I64((1..=pos.len() as i64).collect())),
            (
                "supplier_id",
                Col::I32(
                    pos.iter()
                        .map(|(_, p)| w.suppliers[w.skus[p.sku].supplier].id)
                        .collect(),
                ),
            ),
            (
                "sku_id",
                Col::I32(pos.iter().map(|(_, p)| w.skus[p.sku].id).collect()),
            ),
            ("store_id", Col::I32(pos.iter().map(|(s, _)| *s).collect())),
            (
                "order_date",
                Col::Date(pos.iter().map(|(_, p)| d32(p.order_day as usize)).collect()),
            ),
            (
                "expected_date",
                Col::Date(
                    pos.iter()
                        .map(|(_, p)| d32(p.expected_day as usize))
                        .collect(),
                ),
            ),
            (
                "received_date",
                Col::DateN(
                    pos.iter()
                        .map(|(_, p)| p.received_day.map(|d| d32(d as usize)))
                        .collect(),
                ),
            ),
            (
                "qty_ordered",
                Col::I32(pos.iter().map(|(_, p)| p.ordered).collect()),
            ),
            (
                "qty_received",
                Col::I32(pos.iter().map(|(_, p)| p.received).collect()),
            ),
            (
                "qty_rejected",
                Col::I32(pos.iter().map(|(_, p)| p.rejected).collect()),
            ),
            (
                "status",
                Col::SStr(pos.iter().map(|(_, p)| p.status).collect()),
            ),
            (
                "unit_cost",
                Col::F64(pos.iter().map(|(_, p)| p.unit_cost).collect()),
            ),
        ])?,
    )
}

/// Loyalty tiers follow two-year spend (with some noise: tiers are reviewed yearly in real life).
fn loyalty_tiers(w: &World, spend: &[f64]) -> Vec<&'static str> {
    let mut rng = rng::Rng::new(w.seed, "tiers", 0);
    let score: Vec<f64> = spend.iter().map(|s| s * rng.lognormal(0.0, 0.25)).collect();
    let mut order: Vec<usize> = (0..spend.len()).filter(|i| spend[*i] > 0.0).collect();
    order.sort_by(|a, b| score[*b].total_cmp(&score[*a]).then(a.cmp(b)));
    let n = order.len() as f64;
    let mut tiers = vec!["bronze"; spend.len()];
    for (rank, c) in order.iter().enumerate() {
        let q = rank as f64 / n.max(1.0);
        tiers[*c] = if q < 0.05 {
            "platinum"
        } else if q < 0.2 {
            "gold"
        } else if q < 0.5 {
            "silver"
        } else {
            "bronze"
        };
    }
    tiers
}

fn write_customers(w: &World, sizes: &mut Sizes, spend: &[f64]) -> Result<()> {
    let tiers = loyalty_tiers(w, spend);
    let cs = &w.customers;
    sizes.write(
        "customers",
        PART,
        &batch(vec![
            ("customer_id", Col::I64(cs.iter().map(|c| c.id).collect())),
            ("loyalty_tier", Col::SStr(tiers)),
            (
                "home_region_id",
                Col::I32(cs.iter().map(|c| w.regions[c.region].id).collect()),
            ),
            (
                "home_store_id",
                Col::I32(cs.iter().map(|c| w.locations[c.home_store].id).collect()),
            ),
            (
                "signup_date",
                Col::Date(cs.iter().map(|c| calendar::date32(c.signup_day)).collect()),
            ),
            (
                "email",
                Col::Str(cs.iter().map(|c| c.email.clone()).collect()),
            ),
            (
                "birth_year",
                Col::I32(cs.iter().map(|c| c.birth_year).collect()),
            ),
            (
                "marketing_opt_in",
                Col::Bool(cs.iter().map(|c| c.marketing_opt_in).collect()),
            ),
        ])?,
    )
}

fn write_digital_traffic(w: &World, sizes: &mut Sizes, conversions: &[[u32; 2]]) -> Result<()> {
    let mut rng = rng::Rng::new(w.seed, "digital_traffic", 0);
    let n_regions = w.regions.len();
    // conversion rate per channel and region
    let rates: Vec<[f64; 2]> = (0..n_regions)
        .map(|_| [rng.uniform(0.022, 0.035), rng.uniform(0.045, 0.065)])
        .collect();
    let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for d in 0..calendar::N_DAYS {
        for ch in 0..2 {
            for (r, reg) in w.regions.iter().enumerate() {
                let conv = conversions[r * calendar::N_DAYS + d][ch];
                let browse = 40.0 * w.traffic_factor(d, r, true);
                let sessions = (f64::from(conv) / rates[r][ch] * rng.lognormal(0.0, 0.12)).round()
                    as i64
                    + rng.poisson(browse) as i64;
                cols.0.push(d32(d));
                cols.1.push(channel_name(ch as u8 + 1));
                cols.2.push(reg.id);
                cols.3.push(sessions.max(i64::from(conv)));
                cols.4.push(i64::from(conv));
            }
        }
    }
    sizes.write(
        "digital_traffic",
        PART,
        &batch(vec![
            ("date", Col::Date(cols.0)),
            ("channel", Col::SStr(cols.1)),
            ("region_id", Col::I32(cols.2)),
            ("sessions", Col::I64(cols.3)),
            ("conversions", Col::I64(cols.4)),
        ])?,
    )
}

fn write_truth(
    w: &World,
    sizes: &mut Sizes,
    states: &[LocState],
    spend: &[f64],
    mut lost: Vec<(i32, sim::LostOut)>,
) -> Result<()> {
    let t = |name: &str| format!("{TRUTH_DIR}/{name}");
    let skus = &w.skus;
    sizes.write(
        &t("skus"),
        PART,
        &batch(vec![
            ("sku_id", Col::I32(skus.iter().map(|s| s.id).collect())),
            (
                "demand_class",
                Col::SStr(skus.iter().map(|s| CLASS_NAMES[s.class]).collect()),
            ),
            (
                "base_lines_per_day",
                Col::F64(skus.iter().map(|s| s.rate).collect()),
            ),
            (
                "mean_quantity",
                Col::F64(skus.iter().map(|s| s.mean_qty()).collect()),
            ),
            (
                "price_elasticity",
                Col::F64(skus.iter().map(|s| s.elasticity).collect()),
            ),
            (
                "trend_per_year",
                Col::F64(skus.iter().map(|s| s.trend).collect()),
            ),
            (
                "weather_sensitivity",
                Col::F64(skus.iter().map(|s| s.weather_sensitivity).collect()),
            ),
            (
                "return_rate",
                Col::F64(skus.iter().map(|s| s.return_rate).collect()),
            ),
            (
                "shrink_rate",
                Col::F64(skus.iter().map(|s| s.shrink).collect()),
            ),
            (
                "launch_ramp_days",
                Col::F64(skus.iter().map(|s| s.launch_tau).collect()),
            ),
            (
                "price_change_date",
                Col::DateN(
                    skus.iter()
                        .map(|s| {
                            if s.price_change_day == i64::MAX {
                                None
                            } else {
                                Some(calendar::date32(s.price_change_day))
                            }
                        })
                        .collect(),
                ),
            ),
        ])?,
    )?;
    let mut se = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for st in states {
        let store_id = w.locations[st.loc].id;
        for s in &st.series {
            se.0.push(w.skus[s.sku].id);
            se.1.push(store_id);
            se.2.push(d32(s.start));
            se.3.push(s.base);
            se.4.push(s.demand_units as i64);
            se.5.push(s.sold_units as i64);
            se.6.push(s.lost_units as i64);
            se.7.push(s.shrink_units as i64);
            se.8.push(s.stockout_days as i32);
            se.9.push(s.promo_days as i32);
        }
    }
    sizes.write(
        &t("series"),
        PART,
        &batch(vec![
            ("sku_id", Col::I32(se.0)),
            ("store_id", Col::I32(se.1)),
            ("first_date", Col::Date(se.2)),
            ("base_lines_per_day", Col::F64(se.3)),
            ("demand_units", Col::I64(se.4)),
            ("sold_units", Col::I64(se.5)),
            ("lost_units", Col::I64(se.6)),
            ("shrink_units", Col::I64(se.7)),
            ("stockout_days", Col::I32(se.8)),
            ("promo_days", Col::I32(se.9)),
        ])?,
    )?;
    let cs = &w.customers;
    sizes.write(
        &t("customers"),
        PART,
        &batch(vec![
            ("customer_id", Col::I64(cs.iter().map(|c| c.id).collect())),
            (
                "purchase_rate_per_day",
                Col::F64(cs.iter().map(|c| c.rate).collect()),
            ),
            (
                "dropout_prob",
                Col::F64(cs.iter().map(|c| c.dropout).collect()),
            ),
            (
                "digital_share",
                Col::F64(cs.iter().map(|c| c.digital_share).collect()),
            ),
            (
                "app_share_of_digital",
                Col::F64(cs.iter().map(|c| c.app_share).collect()),
            ),
            (
                "basket_multiplier",
                Col::F64(cs.iter().map(|c| c.basket_mult).collect()),
            ),
            (
                "favourite_category",
                Col::SStr(
                    cs.iter()
                        .map(|c| w.category_names[c.fav_category].1)
                        .collect(),
                ),
            ),
            (
                "churn_date",
                Col::DateN(
                    cs.iter()
                        .map(|c| c.churn_day.map(calendar::date32))
                        .collect(),
                ),
            ),
            (
                "total_spend",
                Col::F64(spend.iter().map(|s| round2(*s)).collect()),
            ),
        ])?,
    )?;
    let sups = &w.suppliers;
    sizes.write(
        &t("suppliers"),
        PART,
        &batch(vec![
            ("supplier_id", Col::I32(sups.iter().map(|s| s.id).collect())),
            (
                "on_time_prob",
                Col::F64(sups.iter().map(|s| s.on_time).collect()),
            ),
            (
                "mean_delay_days_when_late",
                Col::F64(sups.iter().map(|s| 1.0 + s.delay_mean).collect()),
            ),
            (
                "partial_fill_prob",
                Col::F64(sups.iter().map(|s| s.partial_prob).collect()),
            ),
            (
                "reject_prob",
                Col::F64(sups.iter().map(|s| s.reject_prob).collect()),
            ),
        ])?,
    )?;
    let mut cg = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for g in &w.groups {
        for (k, m) in g.members.iter().enumerate() {
            cg.0.push(g.id);
            cg.1.push(w.skus[*m].id);
            cg.2.push(if k == 0 { "anchor" } else { "member" });
            cg.3.push(g.prob);
        }
    }
    sizes.write(
        &t("complements"),
        PART,
        &batch(vec![
            ("group_id", Col::I32(cg.0)),
            ("sku_id", Col::I32(cg.1)),
            ("role", Col::SStr(cg.2)),
            ("add_prob", Col::F64(cg.3)),
        ])?,
    )?;
    let mut rp = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (r, reg) in w.regions.iter().enumerate() {
        for (c, (dept, cat)) in w.category_names.iter().enumerate() {
            rp.0.push(reg.id);
            rp.1.push(*dept);
            rp.2.push(*cat);
            rp.3.push(w.region_pref[r][c]);
        }
    }
    sizes.write(
        &t("region_category_preference"),
        PART,
        &batch(vec![
            ("region_id", Col::I32(rp.0)),
            ("department", Col::SStr(rp.1)),
            ("category", Col::SStr(rp.2)),
            ("multiplier", Col::F64(rp.3)),
        ])?,
    )?;
    lost.sort_by_key(|(store, l)| (l.day, *store, l.sku));
    sizes.write(
        &t("lost_sales"),
        PART,
        &batch(vec![
            (
                "date",
                Col::Date(lost.iter().map(|(_, l)| d32(l.day as usize)).collect()),
            ),
            (
                "sku_id",
                Col::I32(lost.iter().map(|(_, l)| w.skus[l.sku].id).collect()),
            ),
            ("store_id", Col::I32(lost.iter().map(|(s, _)| *s).collect())),
            (
                "demand_units",
                Col::I32(lost.iter().map(|(_, l)| l.demand).collect()),
            ),
            (
                "lost_units",
                Col::I32(lost.iter().map(|(_, l)| l.lost).collect()),
            ),
        ])?,
    )?;
    Ok(())
}

fn write_marker(dir: &Path, opts: &GenerateOptions) -> Result<()> {
    let marker = serde_json::json!({
        "format": "aisle-demo-dataset",
        "generator_version": GENERATOR_VERSION,
        "aisle_version": env!("CARGO_PKG_VERSION"),
        "scale": opts.scale,
        "seed": opts.seed,
        "start_date": START_DATE,
        "end_date": END_DATE,
        "tables": TABLES,
        "partitioned_tables": PARTITIONED_TABLES,
        "truth_dir": TRUTH_DIR,
    });
    let text = serde_json::to_string_pretty(&marker).context("encoding the dataset marker")?;
    std::fs::write(dir.join(MARKER_FILE), text + "\n")
        .with_context(|| format!("writing {MARKER_FILE}"))
}

/// Read the marker of a dataset directory (scale, seed, version, ...), if it is an aisle dataset.
pub fn read_marker(dir: &Path) -> Result<serde_json::Value> {
    let path = dir.join(MARKER_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} is not an aisle dataset: cannot read {}",
            dir.display(),
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}
