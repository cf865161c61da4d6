//! The static world: regions, locations, products, suppliers, promotions, weather, events and
//! customers (with their latent behaviour), everything the day-by-day simulation reads.

use super::calendar::{self, N_DAYS};
use super::names::{self, DEPARTMENTS, Season};
use super::rng::Rng;
use std::f64::consts::PI;

/// Review period (days) the store planners use in their order-up-to levels.
pub const REVIEW_DAYS: f64 = 4.0;

/// Demand classes the simulation was built with (truth only; not in `products`).
pub const CLASS_NAMES: [&str; 4] = ["fast", "regular", "slow", "lumpy"];

/// Table sizes derived from the scale factor.
#[derive(Clone, Debug)]
pub struct Counts {
    pub regions: usize,
    pub regular_stores: usize,
    pub dark_stores: usize,
    pub dcs: usize,
    pub skus: usize,
    pub customers: usize,
    pub suppliers: usize,
    /// Multiplier on each location's ranging fraction, so series grow linearly with scale.
    pub ranging: f64,
}

impl Counts {
    pub fn for_scale(scale: f64) -> Counts {
        let root = scale.sqrt();
        let r = |x: f64| x.round() as usize;
        let skus = r(300.0 * scale).max(24);
        // below the SKU floor, customers and suppliers follow the SKU count
        let effective = scale.max(skus as f64 / 300.0);
        Counts {
            regions: r(4.0 * root).clamp(4, names::REGIONS.len() * 8),
            regular_stores: r(12.0 * root).max(12),
            dark_stores: r(2.0 * root).max(2),
            dcs: r(2.0 * root).max(2),
            skus,
            customers: r(10_000.0 * effective).max(100),
            suppliers: r(30.0 * effective).max(9),
            ranging: (1.0 / root).min(1.0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Store,
    DarkStore,
    Dc,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Store => "store",
            Format::DarkStore => "dark_store",
            Format::Dc => "dc",
        }
    }
}

pub struct Region {
    pub id: i32,
    pub name: String,
    pub climate: &'static str,
    pub mean_temp: f64,
    pub amplitude: f64,
    pub wet: f64,
    pub lat: f64,
    pub lon: f64,
}

pub struct Location {
    pub id: i32,
    pub name: String,
    pub region: usize,
    pub format: Format,
    /// Day index of opening (negative: before the calendar).
    pub open_day: i64,
    pub lat: f64,
    pub lon: f64,
    pub size_sqm: i32,
    pub serving_dc: Option<i32>,
    /// Relative selling power (regular stores); 1 = a 3,000 m² store.
    pub size_factor: f64,
    /// Yearly traffic growth (log).
    pub growth: f64,
    /// Share of the product range carried.
    pub range_fraction: f64,
    /// Weekdays (0 = Monday) on which orders are placed.
    pub review_days: [bool; 7],
    /// Day offset of the quarterly cycle count.
    pub count_offset: usize,
}

impl Location {
    pub fn sells(&self) -> bool {
        self.format != Format::Dc
    }
}

pub struct Sku {
    pub id: i32,
    pub name: String,
    pub dept: usize,
    pub category: usize,
    pub category_name: &'static str,
    pub subcategory: &'static str,
    pub item: &'static str,
    pub brand: &'static str,
    pub private_label: bool,
    pub season: Season,
    pub perishable: bool,
    pub event_boost: bool,
    /// Regular shelf price at the start of the calendar.
    pub price0: f64,
    /// Day of the one regular price change (i64::MAX: none) and the new price.
    pub price_change_day: i64,
    pub price1: f64,
    pub cost0: f64,
    pub cost1: f64,
    pub case_pack: i32,
    pub launch_day: i64,
    pub launch_tau: f64,
    // ---- latent (truth) ----
    pub class: usize,
    /// Expected item lines per day in a reference store (before all other effects).
    pub rate: f64,
    /// Extra units per line: quantity = 1 + Poisson(qty_extra).
    pub qty_extra: f64,
    pub elasticity: f64,
    /// Log growth per year.
    pub trend: f64,
    /// Log change in demand per °C of temperature anomaly.
    pub weather_sensitivity: f64,
    pub return_rate: f64,
    pub shrink: f64,
    pub supplier: usize,
    pub lead_time: i64,
    pub moq: i32,
    pub promos: Vec<usize>,
    /// Complement group this SKU anchors.
    pub anchors: Option<usize>,
}

impl Sku {
    pub fn regular_price(&self, d: usize) -> f64 {
        if d as i64 >= self.price_change_day {
            self.price1
        } else {
            self.price0
        }
    }
    pub fn cost(&self, d: usize) -> f64 {
        if d as i64 >= self.price_change_day {
            self.cost1
        } else {
            self.cost0
        }
    }
    pub fn mean_qty(&self) -> f64 {
        1.0 + self.qty_extra
    }
}

pub struct Supplier {
    pub id: i32,
    pub name: String,
    pub country: &'static str,
    pub payment_terms_days: i32,
    pub lead_min: i64,
    pub lead_max: i64,
    // ---- latent ----
    pub on_time: f64,
    pub delay_mean: f64,
    pub partial_prob: f64,
    pub reject_prob: f64,
}

pub struct SupplierProduct {
    pub supplier: usize,
    pub sku: usize,
    pub lead_time: i64,
    pub moq: i32,
    pub unit_cost: f64,
    pub primary: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Chain,
    Region(usize),
    Store(usize),
}

pub struct Promo {
    pub id: i32,
    pub sku: usize,
    pub scope: Scope,
    pub start: usize,
    /// Inclusive.
    pub end: usize,
    pub discount: f64,
    pub kind: &'static str,
}

impl Promo {
    pub fn applies(&self, loc: usize, region: usize) -> bool {
        match self.scope {
            Scope::Chain => true,
            Scope::Region(r) => r == region,
            Scope::Store(s) => s == loc,
        }
    }
    /// The demand multiplier of the promotion for a SKU of the given elasticity (truth).
    pub fn uplift(&self, elasticity: f64) -> f64 {
        let display = match self.kind {
            "feature" => 1.3,
            "multibuy" => 1.1,
            _ => 1.0,
        };
        (1.0 - self.discount).powf(-elasticity) * display
    }
}

pub struct Event {
    pub id: i32,
    pub region: usize,
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub kind: &'static str,
    pub attendance: i32,
    pub lift: f64,
}

pub struct ComplementGroup {
    pub id: i32,
    /// SKU indexes; the first is the anchor.
    pub members: Vec<usize>,
    pub prob: f64,
}

pub struct Customer {
    pub id: i64,
    pub region: usize,
    pub home_store: usize,
    pub signup_day: i64,
    pub email: String,
    pub birth_year: i32,
    pub marketing_opt_in: bool,
    // ---- latent ----
    pub rate: f64,
    pub dropout: f64,
    pub digital_share: f64,
    pub app_share: f64,
    pub basket_mult: f64,
    pub fav_category: usize,
    /// Day on which the customer became inactive (after their last purchase), if before the end.
    pub churn_day: Option<i64>,
}

/// Channels of a transaction.
pub const CH_STORE: u8 = 0;
pub const CH_WEB: u8 = 1;
pub const CH_APP: u8 = 2;

/// Weekday traffic profiles (Monday first).
pub const STORE_DOW: [f64; 7] = [0.84, 0.80, 0.86, 0.95, 1.16, 1.38, 1.01];
pub const DIGITAL_DOW: [f64; 7] = [1.12, 1.02, 1.0, 0.98, 0.88, 0.86, 1.14];

pub struct World {
    pub seed: u64,
    pub counts: Counts,
    pub regions: Vec<Region>,
    pub locations: Vec<Location>,
    pub skus: Vec<Sku>,
    pub n_categories: usize,
    pub category_names: Vec<(&'static str, &'static str)>,
    pub suppliers: Vec<Supplier>,
    pub supplier_products: Vec<SupplierProduct>,
    pub promos: Vec<Promo>,
    pub events: Vec<Event>,
    pub groups: Vec<ComplementGroup>,
    pub customers: Vec<Customer>,
    /// [region][category] demand multiplier.
    pub region_pref: Vec<Vec<f64>>,
    /// [season][day] yearly curve, mean 1 over a year.
    pub season_curve: Vec<Vec<f64>>,
    /// [day] chain-wide traffic factor (holidays, yearly), store and digital.
    pub chain_store: Vec<f64>,
    pub chain_digital: Vec<f64>,
    /// [region][day]
    pub temp: Vec<Vec<f64>>,
    pub temp_normal: Vec<Vec<f64>>,
    pub precip: Vec<Vec<f64>>,
    pub event_lift: Vec<Vec<f64>>,
    /// Dark store of each region, if any.
    pub region_dark: Vec<Option<usize>>,
    /// Identified transactions bucketed by location and day: (customer index, channel).
    pub cust_txns: Vec<Vec<(u32, u8)>>,
    /// Per location: (sku index, location fit) of the carried range, in SKU order.
    pub ranges: Vec<Vec<(usize, f64)>>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A shelf price ending in 9 (e.g. 2.49).
pub fn shelf_price(x: f64) -> f64 {
    if x < 1.0 {
        return round2(x.max(0.19));
    }
    round2((x * 10.0).round() / 10.0 - 0.01)
}

fn cos_year(doy: usize, peak: f64) -> f64 {
    (2.0 * PI * (doy as f64 - peak) / 365.25).cos()
}

/// Weather multiplier on store traffic (heavy rain keeps people home) and digital (and the reverse).
pub fn rain_factor(mm: f64, digital: bool) -> f64 {
    let heavy = (mm / 10.0).min(1.5);
    if digital {
        1.0 + 0.12 * heavy
    } else {
        1.0 - 0.09 * heavy
    }
}

impl World {
    pub fn build(scale: f64, seed: u64) -> World {
        let counts = Counts::for_scale(scale);
        let mut w = World {
            seed,
            counts: counts.clone(),
            regions: Vec::new(),
            locations: Vec::new(),
            skus: Vec::new(),
            n_categories: 0,
            category_names: Vec::new(),
            suppliers: Vec::new(),
            supplier_products: Vec::new(),
            promos: Vec::new(),
            events: Vec::new(),
            groups: Vec::new(),
            customers: Vec::new(),
            region_pref: Vec::new(),
            season_curve: Vec::new(),
            chain_store: Vec::new(),
            chain_digital: Vec::new(),
            temp: Vec::new(),
            temp_normal: Vec::new(),
            precip: Vec::new(),
            event_lift: Vec::new(),
            region_dark: Vec::new(),
            cust_txns: Vec::new(),
            ranges: Vec::new(),
        };
        w.build_calendar_curves();
        w.build_regions_and_locations();
        w.build_weather();
        w.build_events();
        w.build_suppliers();
        w.build_skus();
        w.build_supplier_products();
        w.build_groups();
        w.build_promotions();
        w.build_ranges();
        w.build_customers();
        w
    }

    fn build_calendar_curves(&mut self) {
        let easter_sat: Vec<usize> = [2023, 2024]
            .iter()
            .map(|y| {
                let e = calendar::easter(*y);
                (e - calendar::start_date()).num_days() as usize - 1
            })
            .collect();
        let mut curves = vec![vec![0.0; N_DAYS]; 4];
        for d in 0..N_DAYS {
            let doy = calendar::doy(d);
            let x = calendar::date(d as i64);
            use chrono::Datelike;
            let (m, day) = (x.month(), x.day());
            curves[0][d] = 1.0 + 0.06 * cos_year(doy, 350.0);
            curves[1][d] = (0.85 * cos_year(doy, 196.0)).exp();
            curves[2][d] = (0.75 * cos_year(doy, 12.0)).exp();
            curves[3][d] = if m == 12 && day <= 24 {
                0.3 + 7.0 * (-0.5 * ((day as f64 - 20.0) / 9.0).powi(2)).exp()
            } else if m == 11 {
                0.3 + 7.0 * (-0.5 * ((day as f64 - 50.0) / 9.0).powi(2)).exp()
                    + 0.6 * (day as f64 / 30.0)
            } else if m == 12 {
                0.6
            } else {
                0.12
            };
        }
        // normalise each curve to mean 1 over the calendar
        for c in curves.iter_mut() {
            let mean = c.iter().sum::<f64>() / N_DAYS as f64;
            for v in c.iter_mut() {
                *v /= mean;
            }
        }
        self.season_curve = curves;
        // Black Friday (the day after the fourth Thursday of November) through Cyber Monday
        let black_friday: Vec<usize> = [2023, 2024]
            .iter()
            .filter_map(|y| {
                chrono::NaiveDate::from_weekday_of_month_opt(*y, 11, chrono::Weekday::Thu, 4)
            })
            .flat_map(|thu| {
                let fri = (thu - calendar::start_date()).num_days() as usize + 1;
                fri..fri + 4
            })
            .collect();
        self.chain_store = vec![1.0; N_DAYS];
        self.chain_digital = vec![1.0; N_DAYS];
        for d in 0..N_DAYS {
            use chrono::Datelike;
            let x = calendar::date(d as i64);
            let doy = calendar::doy(d);
            let base = 1.0 + 0.05 * cos_year(doy, 200.0);
            let (m, day) = (x.month(), x.day());
            let hol = if m == 12 && (14..=23).contains(&day) {
                1.0 + 0.5 * (day as f64 - 13.0) / 10.0
            } else if m == 12 && day == 24 {
                1.3
            } else if m == 12 && day == 25 {
                0.0
            } else if m == 12 && day == 26 {
                0.7
            } else if m == 12 && day == 31 {
                1.15
            } else if m == 1 && day == 1 {
                0.55
            } else if black_friday.contains(&d) {
                1.15
            } else if easter_sat.contains(&d) {
                1.25
            } else {
                1.0
            };
            self.chain_store[d] = base * hol;
            let dig_hol = if black_friday.contains(&d) {
                1.6
            } else {
                hol.max(if hol == 0.0 { 0.0 } else { 0.9 })
            };
            self.chain_digital[d] = base * dig_hol;
        }
    }

    fn build_regions_and_locations(&mut self) {
        let mut rng = Rng::new(self.seed, "locations", 0);
        let c = &self.counts;
        for r in 0..c.regions {
            let spec = &names::REGIONS[r % names::REGIONS.len()];
            let round = r / names::REGIONS.len();
            let name = if round == 0 {
                spec.name.to_string()
            } else {
                format!("{} {}", spec.name, round + 1)
            };
            self.regions.push(Region {
                id: r as i32 + 1,
                name,
                climate: spec.climate,
                mean_temp: spec.mean_temp + rng.uniform(-0.7, 0.7) * round as f64,
                amplitude: spec.amplitude,
                wet: spec.wet,
                lat: spec.lat + rng.uniform(-0.6, 0.6) * round as f64,
                lon: spec.lon + rng.uniform(-0.6, 0.6) * round as f64,
            });
        }
        let n_regions = c.regions;
        let mut dc_ids = Vec::new();
        // DCs first in id order after stores: build stores, dark stores, then DCs, then set serving DC.
        let mut locs: Vec<Location> = Vec::new();
        let mut town = 0usize;
        let mut next_town = |rng: &mut Rng| {
            let t = names::TOWNS[town % names::TOWNS.len()];
            let round = town / names::TOWNS.len();
            town += 1;
            let _ = rng;
            if round == 0 {
                t.to_string()
            } else {
                format!("{t} {}", round + 1)
            }
        };
        for k in 0..c.regular_stores {
            let region = k % n_regions;
            let size_sqm = (rng.lognormal_mean(3000.0, 0.45))
                .clamp(900.0, 9000.0)
                .round() as i32;
            // the last regular store of the first round opens during the calendar
            let open_day = if k == c.regular_stores - 1 {
                calendar::day_of(2023, 9, 1)
            } else {
                -rng.int(400, 9000)
            };
            let reg = &self.regions[region];
            let town = next_town(&mut rng);
            locs.push(Location {
                id: 0,
                name: format!("{town} Superstore"),
                region,
                format: Format::Store,
                open_day,
                lat: reg.lat + rng.uniform(-0.8, 0.8),
                lon: reg.lon + rng.uniform(-0.9, 0.9),
                size_sqm,
                serving_dc: None,
                size_factor: (size_sqm as f64 / 3000.0).powf(0.5),
                growth: rng.normal_ms(0.01, 0.04),
                range_fraction: (0.3 + 0.35 * ((size_sqm as f64 - 900.0) / 6000.0).clamp(0.0, 1.0)),
                review_days: [false; 7],
                count_offset: rng.below(91) as usize,
            });
        }
        for k in 0..c.dark_stores {
            let region = k % n_regions;
            let reg = &self.regions[region];
            let town = next_town(&mut rng);
            locs.push(Location {
                id: 0,
                name: format!("{town} Dark Store"),
                region,
                format: Format::DarkStore,
                open_day: -rng.int(200, 1500),
                lat: reg.lat + rng.uniform(-0.3, 0.3),
                lon: reg.lon + rng.uniform(-0.3, 0.3),
                size_sqm: rng.int(1500, 4000) as i32,
                serving_dc: None,
                size_factor: 1.0,
                growth: rng.normal_ms(0.12, 0.04),
                range_fraction: 0.25,
                review_days: [false; 7],
                count_offset: rng.below(91) as usize,
            });
        }
        for k in 0..c.dcs {
            let region = k % n_regions;
            let reg = &self.regions[region];
            let town = next_town(&mut rng);
            locs.push(Location {
                id: 0,
                name: format!("{town} Distribution Centre"),
                region,
                format: Format::Dc,
                open_day: -rng.int(2000, 9000),
                lat: reg.lat + rng.uniform(-0.3, 0.3),
                lon: reg.lon + rng.uniform(-0.3, 0.3),
                size_sqm: rng.int(20_000, 60_000) as i32,
                serving_dc: None,
                size_factor: 0.0,
                growth: 0.0,
                range_fraction: 0.0,
                review_days: [false; 7],
                count_offset: 0,
            });
        }
        for (i, l) in locs.iter_mut().enumerate() {
            l.id = i as i32 + 1;
            if l.format == Format::Dc {
                dc_ids.push((l.id, l.region));
            }
            // two order days a week, three or four days apart
            let first = rng.below(3) as usize;
            l.review_days[first] = true;
            l.review_days[first + 3 + rng.below(2) as usize] = true;
            l.range_fraction = (l.range_fraction * c.ranging).min(1.0);
        }
        for l in locs.iter_mut() {
            if l.format != Format::Dc && !dc_ids.is_empty() {
                // the DC serving the region (round robin when there are fewer DCs than regions)
                let dc = dc_ids
                    .iter()
                    .find(|(_, r)| *r == l.region)
                    .copied()
                    .unwrap_or(dc_ids[l.region % dc_ids.len()]);
                l.serving_dc = Some(dc.0);
            }
        }
        self.region_dark = vec![None; n_regions];
        for (i, l) in locs.iter().enumerate() {
            if l.format == Format::DarkStore && self.region_dark[l.region].is_none() {
                self.region_dark[l.region] = Some(i);
            }
        }
        self.locations = locs;
    }

    fn build_weather(&mut self) {
        let n = self.regions.len();
        self.temp = vec![vec![0.0; N_DAYS]; n];
        self.temp_normal = vec![vec![0.0; N_DAYS]; n];
        self.precip = vec![vec![0.0; N_DAYS]; n];
        for (r, reg) in self.regions.iter().enumerate() {
            let mut rng = Rng::new(self.seed, "weather", r as u64);
            let mut anomaly = rng.normal_ms(0.0, 2.0);
            let mut wet_prev = false;
            for d in 0..N_DAYS {
                let doy = calendar::doy(d);
                let normal = reg.mean_temp + reg.amplitude * cos_year(doy, 200.0);
                anomaly = 0.8 * anomaly + rng.normal_ms(0.0, 1.9);
                // occasional summer heat waves
                let t = normal + anomaly;
                self.temp_normal[r][d] = normal;
                self.temp[r][d] = (t * 10.0).round() / 10.0;
                let wet_base = (reg.wet * (1.0 + 0.25 * cos_year(doy, 350.0))).min(0.9);
                let p = if wet_prev {
                    (wet_base + 0.25).min(0.92)
                } else {
                    wet_base * 0.75
                };
                let wet = rng.bool(p);
                wet_prev = wet;
                self.precip[r][d] = if wet {
                    ((rng.gamma(0.85, 5.5) + 0.1) * 10.0).round() / 10.0
                } else {
                    0.0
                };
            }
        }
    }

    fn build_events(&mut self) {
        let n = self.regions.len();
        self.event_lift = vec![vec![1.0; N_DAYS]; n];
        let mut evs: Vec<Event> = Vec::new();
        for r in 0..n {
            let mut rng = Rng::new(self.seed, "events", r as u64);
            let k = 14 + rng.poisson(6.0) as usize;
            for _ in 0..k {
                let kind_i = rng.weighted(&[0.35, 0.3, 0.15, 0.2]);
                let (kind, labels) = names::EVENT_KINDS[kind_i];
                let mut start = rng.below(N_DAYS as u64 - 4) as usize;
                let label = labels[rng.below(labels.len() as u64) as usize];
                if label == "Christmas Market" {
                    // Christmas markets run in December
                    let year_start = if start < 365 { 0 } else { 365 };
                    start = year_start + 334 + rng.below(18) as usize;
                }
                // most events include a Saturday
                while calendar::dow(start) != 5 && rng.bool(0.8) && start + 1 < N_DAYS - 4 {
                    start += 1;
                }
                let len = match kind {
                    "market" => 2 + rng.below(3) as usize,
                    "festival" => 1 + rng.below(3) as usize,
                    _ => 1,
                };
                let end = (start + len - 1).min(N_DAYS - 1);
                if evs
                    .iter()
                    .any(|e| e.region == r && e.start <= end + 1 && start <= e.end + 1)
                {
                    continue;
                }
                let lift = rng.uniform(0.08, 0.35);
                let attendance =
                    ((lift * 120_000.0 + rng.uniform(0.0, 8000.0)) / 100.0).round() as i32 * 100;
                evs.push(Event {
                    id: 0,
                    region: r,
                    start,
                    end,
                    name: format!("{} {}", self.regions[r].name, label),
                    kind,
                    attendance,
                    lift,
                });
            }
        }
        evs.sort_by_key(|e| (e.start, e.region));
        for (i, e) in evs.iter_mut().enumerate() {
            e.id = i as i32 + 1;
            for d in e.start..=e.end {
                self.event_lift[e.region][d] = 1.0 + e.lift;
            }
        }
        self.events = evs;
    }

    fn build_suppliers(&mut self) {
        let mut rng = Rng::new(self.seed, "suppliers", 0);
        for k in 0..self.counts.suppliers {
            let base = names::SUPPLIER_NAMES[k % names::SUPPLIER_NAMES.len()];
            let round = k / names::SUPPLIER_NAMES.len();
            let name = if round == 0 {
                base.to_string()
            } else {
                format!("{base} {}", round + 1)
            };
            let ci = rng.weighted(&[0.35, 0.2, 0.2, 0.1, 0.15]);
            let (country, lmin, lmax) = names::SUPPLIER_COUNTRIES[ci];
            let far = country == "CN";
            // a few suppliers are notably unreliable
            let unreliable = rng.bool(0.25);
            self.suppliers.push(Supplier {
                id: k as i32 + 1,
                name,
                country,
                payment_terms_days: [14, 30, 30, 45, 60][rng.below(5) as usize],
                lead_min: lmin,
                lead_max: lmax,
                on_time: if unreliable {
                    rng.uniform(0.35, 0.6)
                } else {
                    rng.uniform(0.7, 0.95)
                },
                delay_mean: if far {
                    rng.uniform(2.0, 6.0)
                } else {
                    rng.uniform(0.5, 2.5)
                } * if unreliable { 1.8 } else { 1.0 },
                partial_prob: if unreliable {
                    rng.uniform(0.1, 0.25)
                } else {
                    rng.uniform(0.01, 0.08)
                },
                reject_prob: if unreliable {
                    rng.uniform(0.03, 0.08)
                } else {
                    rng.uniform(0.003, 0.025)
                },
            });
        }
    }

    fn build_skus(&mut self) {
        let mut rng = Rng::new(self.seed, "products", 0);
        // flatten the taxonomy
        struct Flat {
            dept: usize,
            cat: usize,
            cat_name: &'static str,
            sub: &'static str,
            item: &'static names::Item,
            event_boost: bool,
        }
        let mut flat: Vec<Flat> = Vec::new();
        let mut cat_global = 0usize;
        for (di, dept) in DEPARTMENTS.iter().enumerate() {
            for cat in dept.categories {
                self.category_names.push((dept.name, cat.name));
                for sub in cat.subcategories {
                    for item in sub.items {
                        flat.push(Flat {
                            dept: di,
                            cat: cat_global,
                            cat_name: cat.name,
                            sub: sub.name,
                            item,
                            event_boost: cat.event_boost,
                        });
                    }
                }
                cat_global += 1;
            }
        }
        self.n_categories = cat_global;
        // which items get SKUs: complement and priority items first, then the rest, round robin
        let mut priority: Vec<usize> = Vec::new();
        let mut rest: Vec<usize> = Vec::new();
        let is_priority = |name: &str| {
            names::COMPLEMENT_RULES.iter().any(|g| g.contains(&name))
                || names::PRIORITY_ITEMS.contains(&name)
        };
        for (i, f) in flat.iter().enumerate() {
            if is_priority(f.item.name) {
                priority.push(i)
            } else {
                rest.push(i)
            }
        }
        rng.shuffle(&mut priority);
        rng.shuffle(&mut rest);
        let order: Vec<usize> = priority.into_iter().chain(rest).collect();
        // after one SKU of every item, all-year items get two SKUs for each seasonal one
        let later: Vec<usize> = order
            .iter()
            .flat_map(|i| {
                let n = if flat[*i].item.season == Season::AllYear {
                    2
                } else {
                    1
                };
                std::iter::repeat_n(*i, n)
            })
            .collect();
        let mut per_item = vec![0usize; flat.len()];
        for k in 0..self.counts.skus {
            let i = if k < order.len() {
                order[k]
            } else {
                later[(k - order.len()) % later.len()]
            };
            per_item[i] += 1;
        }
        let mut used_names = std::collections::BTreeSet::new();
        let n_sup = self.suppliers.len();
        for (fi, f) in flat.iter().enumerate() {
            let dept = &DEPARTMENTS[f.dept];
            let n = per_item[fi];
            // distinct brand x variant combinations, shuffled
            let mut combos: Vec<(usize, usize)> = Vec::new();
            for b in 0..dept.brands.len() {
                for v in 0..dept.variants.len() {
                    combos.push((b, v));
                }
            }
            rng.shuffle(&mut combos);
            for k in 0..n {
                let (b, v) = combos[k % combos.len()];
                let brand = dept.brands[b];
                let (variant, vmult) = dept.variants[v];
                let private_label = brand.starts_with("Aisle ");
                let mut name = format!("{brand} {} {variant}", f.item.name);
                if !used_names.insert(name.clone()) {
                    name = format!("{name} #{}", self.skus.len() + 1001);
                    used_names.insert(name.clone());
                }
                let price0 = shelf_price(
                    f.item.price
                        * vmult
                        * if private_label {
                            0.78
                        } else {
                            rng.uniform(0.9, 1.25)
                        },
                );
                let margin = rng.uniform(0.22, 0.45);
                let cost0 = round2(price0 * (1.0 - margin));
                let (price_change_day, price1, cost1) = if rng.bool(0.6) {
                    let day = rng.int(60, 680);
                    let up = rng.uniform(1.03, 1.11);
                    (
                        day,
                        shelf_price(price0 * up).max(price0 + 0.1),
                        round2(cost0 * up),
                    )
                } else {
                    (i64::MAX, price0, cost0)
                };
                let class = rng.weighted(&dept.class_mix);
                let rate = match class {
                    0 => rng.lognormal_mean(4.0, 0.3),
                    1 => rng.lognormal_mean(3.0, 0.25),
                    2 => rng.lognormal_mean(0.25, 0.45),
                    _ => rng.lognormal_mean(0.13, 0.35),
                };
                let qty_extra = match class {
                    3 => rng.uniform(2.0, 6.0),
                    _ => rng.uniform(0.02, 0.45),
                };
                let case_options: &[i32] = match f.dept {
                    0 | 2 => &[6, 12, 24],
                    1 => &[4, 6, 8, 12],
                    3 | 4 => &[6, 12],
                    _ => &[2, 4, 6],
                };
                let case_pack = if class >= 2 {
                    case_options[0]
                } else {
                    case_options[rng.below(case_options.len() as u64) as usize]
                };
                let launches = rng.bool(0.12);
                let launch_day = if launches {
                    rng.int(31, 640)
                } else {
                    -rng.int(30, 4500)
                };
                let weather_sensitivity = match f.item.season {
                    Season::Summer => rng.uniform(0.04, 0.08),
                    Season::Winter => -rng.uniform(0.03, 0.06),
                    _ if f.event_boost => rng.uniform(0.01, 0.03),
                    _ => 0.0,
                };
                let price_sensitive = rng.bool(0.25);
                let supplier = {
                    // suppliers specialise by department
                    let candidates: Vec<usize> = (0..n_sup)
                        .filter(|s| s % DEPARTMENTS.len() == f.dept % n_sup.min(DEPARTMENTS.len()))
                        .collect();
                    if candidates.is_empty() {
                        rng.below(n_sup as u64) as usize
                    } else {
                        candidates[rng.below(candidates.len() as u64) as usize]
                    }
                };
                let sup = &self.suppliers[supplier];
                let lead_time = rng.int(sup.lead_min, sup.lead_max);
                self.skus.push(Sku {
                    id: self.skus.len() as i32 + 1001,
                    name,
                    dept: f.dept,
                    category: f.cat,
                    category_name: f.cat_name,
                    subcategory: f.sub,
                    item: f.item.name,
                    brand,
                    private_label,
                    season: f.item.season,
                    perishable: dept.perishable,
                    event_boost: f.event_boost,
                    price0,
                    price_change_day,
                    price1,
                    cost0,
                    cost1,
                    case_pack,
                    launch_day,
                    launch_tau: rng.uniform(7.0, 35.0),
                    class,
                    rate,
                    qty_extra,
                    elasticity: if price_sensitive {
                        rng.uniform(2.5, 4.0)
                    } else {
                        rng.uniform(0.6, 1.8)
                    },
                    trend: rng.normal_ms(0.0, 0.15),
                    weather_sensitivity,
                    return_rate: (dept.return_rate * rng.lognormal_mean(1.0, 0.6)).min(0.3),
                    shrink: 0.5 * dept.shrink * rng.lognormal_mean(1.0, 0.5),
                    supplier,
                    lead_time,
                    moq: case_pack * if rng.bool(0.2) { 2 } else { 1 },
                    promos: Vec::new(),
                    anchors: None,
                });
            }
        }
        // at least two launches even at tiny scales
        let launched = self.skus.iter().filter(|s| s.launch_day >= 0).count();
        let mut i = 0;
        while launched + i < 2 && i < self.skus.len() {
            let k = (i * 7 + 3) % self.skus.len();
            self.skus[k].launch_day = rng.int(31, 640);
            i += 1;
        }
    }

    fn build_supplier_products(&mut self) {
        let mut rng = Rng::new(self.seed, "supplier_products", 0);
        let n_sup = self.suppliers.len();
        for (i, s) in self.skus.iter().enumerate() {
            self.supplier_products.push(SupplierProduct {
                supplier: s.supplier,
                sku: i,
                lead_time: s.lead_time,
                moq: s.moq,
                unit_cost: s.cost1,
                primary: true,
            });
            if rng.bool(0.3) && n_sup > 1 {
                let mut alt = rng.below(n_sup as u64) as usize;
                if alt == s.supplier {
                    alt = (alt + 1) % n_sup;
                }
                let sup = &self.suppliers[alt];
                self.supplier_products.push(SupplierProduct {
                    supplier: alt,
                    sku: i,
                    lead_time: rng.int(sup.lead_min, sup.lead_max),
                    moq: s.case_pack * rng.int(1, 4) as i32,
                    unit_cost: round2(s.cost1 * rng.uniform(0.92, 1.12)),
                    primary: false,
                });
            }
        }
        self.supplier_products
            .sort_by_key(|sp| (sp.supplier, sp.sku));
    }

    fn build_groups(&mut self) {
        let mut rng = Rng::new(self.seed, "complements", 0);
        let by_item = |skus: &Vec<Sku>, name: &str| -> Vec<usize> {
            skus.iter()
                .enumerate()
                .filter(|(_, s)| s.item == name)
                .map(|(i, _)| i)
                .collect()
        };
        for rule in names::COMPLEMENT_RULES {
            let anchors = by_item(&self.skus, rule[0]);
            for a in anchors {
                let mut members = vec![a];
                for other in &rule[1..] {
                    let cands = by_item(&self.skus, other);
                    if !cands.is_empty() {
                        members.push(cands[rng.below(cands.len() as u64) as usize]);
                    }
                }
                if members.len() >= 2 {
                    let id = self.groups.len() as i32 + 1;
                    self.skus[a].anchors = Some(self.groups.len());
                    self.groups.push(ComplementGroup {
                        id,
                        members,
                        prob: rng.uniform(0.25, 0.5),
                    });
                }
            }
        }
    }

    fn build_promotions(&mut self) {
        let mut rng = Rng::new(self.seed, "promotions", 0);
        let selling: Vec<usize> = (0..self.locations.len())
            .filter(|l| self.locations[*l].format == Format::Store)
            .collect();
        let n_regions = self.regions.len();
        let mut promos: Vec<Promo> = Vec::new();
        for (i, sku) in self.skus.iter().enumerate() {
            let mut mine: Vec<(usize, usize)> = Vec::new();
            let first = sku.launch_day.max(0) as usize;
            if rng.bool(0.75) {
                let n = rng.poisson(8.0) as usize;
                for _ in 0..n {
                    if first + 20 >= N_DAYS {
                        break;
                    }
                    let mut start = first + 7 + rng.below((N_DAYS - first - 20) as u64) as usize;
                    while calendar::dow(start) != 0 && start + 1 < N_DAYS - 14 {
                        start += 1;
                    }
                    let len = [7usize, 7, 10, 14][rng.below(4) as usize];
                    let end = (start + len - 1).min(N_DAYS - 1);
                    if mine.iter().any(|(s, e)| start <= e + 5 && *s <= end + 5) {
                        continue;
                    }
                    let scope = match rng.weighted(&[0.5, 0.35, 0.15]) {
                        0 => Scope::Region(rng.below(n_regions as u64) as usize),
                        1 => Scope::Chain,
                        _ => Scope::Store(selling[rng.below(selling.len() as u64) as usize]),
                    };
                    let discount = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]
                        [rng.weighted(&[3.0, 3.0, 3.0, 2.0, 2.0, 1.0, 0.5])];
                    let kind = ["price_cut", "multibuy", "feature"][rng.weighted(&[0.6, 0.2, 0.2])];
                    mine.push((start, end));
                    promos.push(Promo {
                        id: 0,
                        sku: i,
                        scope,
                        start,
                        end,
                        discount,
                        kind,
                    });
                }
            }
            // end-of-season clearance of holiday lines
            if sku.season == Season::Holiday {
                for y in [0usize, 365] {
                    let start = y + 361; // 27 December
                    let end = (start + 9).min(N_DAYS - 1);
                    if start < N_DAYS
                        && start >= first
                        && !mine.iter().any(|(s, e)| start <= *e && *s <= end)
                    {
                        mine.push((start, end));
                        promos.push(Promo {
                            id: 0,
                            sku: i,
                            scope: Scope::Chain,
                            start,
                            end,
                            discount: 0.5,
                            kind: "clearance",
                        });
                    }
                }
            }
        }
        promos.sort_by_key(|p| (p.start, p.sku));
        for (k, p) in promos.iter_mut().enumerate() {
            p.id = k as i32 + 1;
            self.skus[p.sku].promos.push(k);
        }
        self.promos = promos;
    }

    fn build_ranges(&mut self) {
        let n_regions = self.regions.len();
        let mut rng = Rng::new(self.seed, "ranging", 0);
        self.region_pref = (0..n_regions)
            .map(|_| {
                (0..self.n_categories)
                    .map(|_| rng.lognormal_mean(1.0, 0.25))
                    .collect()
            })
            .collect();
        let class_boost = [1.5, 1.0, 0.7, 0.6];
        let mut ranges = Vec::with_capacity(self.locations.len());
        for (li, loc) in self.locations.iter().enumerate() {
            let mut rng = Rng::new(self.seed, "range", li as u64);
            let mut carried = vec![false; self.skus.len()];
            if loc.sells() {
                for (i, s) in self.skus.iter().enumerate() {
                    let p = (loc.range_fraction * class_boost[s.class]).min(1.0);
                    carried[i] = rng.bool(p);
                }
                // complements of carried anchors are carried too
                for g in &self.groups {
                    if carried[g.members[0]] {
                        for m in &g.members {
                            carried[*m] = true;
                        }
                    }
                }
            }
            let r: Vec<(usize, f64)> = carried
                .iter()
                .enumerate()
                .filter(|(_, c)| **c)
                .map(|(i, _)| (i, rng.lognormal_mean(1.0, 0.2)))
                .collect();
            ranges.push(r);
        }
        // every SKU is sold somewhere: the largest store carries what nobody else does
        let largest = (0..self.locations.len())
            .filter(|l| {
                self.locations[*l].format == Format::Store && self.locations[*l].open_day < 0
            })
            .max_by_key(|l| self.locations[*l].size_sqm)
            .unwrap_or(0);
        for i in 0..self.skus.len() {
            if !ranges.iter().any(|r| r.iter().any(|(s, _)| *s == i)) {
                ranges[largest].push((i, 1.0));
            }
        }
        for r in ranges.iter_mut() {
            r.sort_by_key(|(s, _)| *s);
        }
        self.ranges = ranges;
    }

    /// The chain traffic factor of a channel on a day in a region (holidays, weekday, weather, events).
    pub fn traffic_factor(&self, d: usize, region: usize, digital: bool) -> f64 {
        let dow = calendar::dow(d);
        if digital {
            self.chain_digital[d] * DIGITAL_DOW[dow] * rain_factor(self.precip[region][d], true)
        } else {
            self.chain_store[d]
                * STORE_DOW[dow]
                * rain_factor(self.precip[region][d], false)
                * self.event_lift[region][d]
        }
    }

    fn build_customers(&mut self) {
        let n = self.counts.customers;
        let n_regions = self.regions.len();
        // regional population follows store floor space
        let mut region_w = vec![0.0; n_regions];
        for l in &self.locations {
            if l.format == Format::Store {
                region_w[l.region] += l.size_sqm as f64;
            }
        }
        let mut cust_txns: Vec<Vec<(u32, u8)>> = vec![Vec::new(); self.locations.len() * N_DAYS];
        let categories_present: Vec<bool> = {
            let mut p = vec![false; self.n_categories];
            for s in &self.skus {
                p[s.category] = true;
            }
            p
        };
        let mut customers = Vec::with_capacity(n);
        for c in 0..n {
            let mut rng = Rng::new(self.seed, "customer", c as u64);
            let region = rng.weighted(&region_w);
            let signup_day = if rng.bool(0.55) {
                -rng.int(1, 730)
            } else {
                rng.int(0, 700)
            };
            let stores: Vec<usize> = (0..self.locations.len())
                .filter(|l| {
                    let loc = &self.locations[*l];
                    loc.format == Format::Store
                        && loc.region == region
                        && loc.open_day <= signup_day.max(0)
                })
                .collect();
            let weights: Vec<f64> = stores
                .iter()
                .map(|l| self.locations[*l].size_sqm as f64)
                .collect();
            let home_store = if stores.is_empty() {
                0
            } else {
                stores[rng.weighted(&weights)]
            };
            let birth_year = 1945 + (rng.beta(2.0, 2.2) * 62.0) as i32;
            let age = 2024 - birth_year;
            let youth = if age < 35 {
                1.6
            } else if age > 65 {
                0.4
            } else {
                1.0
            };
            let digital_share = (rng.beta(0.7, 3.0) * youth).min(0.95);
            let app_share = if age < 40 { 0.75 } else { 0.4 };
            let rate = rng.gamma(0.9, 0.16 / 0.9);
            let dropout = rng.beta(0.9, 60.0);
            let basket_mult = rng.gamma(2.5, 1.0 / 2.5);
            let cat_w: Vec<f64> = (0..self.n_categories)
                .map(|k| {
                    if categories_present[k] {
                        self.region_pref[region][k]
                    } else {
                        0.0
                    }
                })
                .collect();
            let fav_category = rng.weighted(&cat_w);
            let first = names::FIRST_NAMES[rng.below(names::FIRST_NAMES.len() as u64) as usize];
            let last = names::LAST_NAMES[rng.below(names::LAST_NAMES.len() as u64) as usize];
            let domain =
                names::EMAIL_DOMAINS[rng.below(names::EMAIL_DOMAINS.len() as u64) as usize];
            let email = format!("{first}.{last}{}@{domain}", c + 1);
            let marketing_opt_in = rng.bool(0.6);
            // purchases: Poisson at `rate` thinned by the traffic pattern; after each purchase the
            // customer drops out with probability `dropout` (BG/NBD).
            let max_mod = 2.2;
            let mut t = signup_day as f64;
            let mut churn_day = None;
            let mut first_purchase = signup_day >= 0;
            loop {
                if !first_purchase {
                    t += rng.exp(rate * max_mod);
                }
                if t >= N_DAYS as f64 {
                    break;
                }
                let day = t.floor() as i64;
                let digital = rng.bool(digital_share);
                let accept = if day < 0 {
                    1.0 / max_mod
                } else if first_purchase {
                    1.0
                } else {
                    self.traffic_factor(day as usize, region, digital) / max_mod
                };
                first_purchase = false;
                if !rng.bool(accept) {
                    continue;
                }
                if day >= 0 {
                    let d = day as usize;
                    if calendar::is_closed(d) {
                        continue;
                    }
                    let channel = if digital {
                        if rng.bool(app_share) { CH_APP } else { CH_WEB }
                    } else {
                        CH_STORE
                    };
                    let loc = if digital {
                        match self.region_dark[region] {
                            Some(ds) if self.locations[ds].open_day <= day => ds,
                            _ => home_store,
                        }
                    } else if rng.bool(0.15) && stores.len() > 1 {
                        let other = stores[rng.below(stores.len() as u64) as usize];
                        if self.locations[other].open_day <= day {
                            other
                        } else {
                            home_store
                        }
                    } else {
                        home_store
                    };
                    if self.locations[loc].open_day <= day {
                        cust_txns[loc * N_DAYS + d].push((c as u32, channel));
                    }
                }
                if rng.bool(dropout) {
                    churn_day = Some(day);
                    break;
                }
            }
            customers.push(Customer {
                id: 100_001 + c as i64,
                region,
                home_store,
                signup_day,
                email,
                birth_year,
                marketing_opt_in,
                rate,
                dropout,
                digital_share,
                app_share,
                basket_mult,
                fav_category,
                churn_day,
            });
        }
        self.customers = customers;
        self.cust_txns = cust_txns;
    }
}
