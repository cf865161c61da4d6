//! The day-by-day simulation of one selling location: demand, baskets, stock, shrink, ordering.
//!
//! Each location owns its random stream and its state, so locations can run on any thread in any
//! order and still give the same data.

use super::calendar::{self, N_DAYS};
use super::names::DEPARTMENTS;
use super::rng::{Cumulative, Rng};
use super::world::{CH_APP, CH_STORE, CH_WEB, Format, REVIEW_DAYS, World};

/// Mean extra basket slots of an anonymous store shopper (lines = 1 + Poisson(slots)).
const ANON_SLOTS: f64 = 1.4;
/// Mean extra basket slots of a digital order (times the customer's basket multiplier).
const DIGITAL_SLOTS: f64 = 3.2;
/// Share of a loyal customer's basket slots drawn from their favourite category.
const FAV_SHARE: f64 = 0.3;
/// Safety factor of the store planners.
const Z: f64 = 1.5;
/// Planner smoothing constant (exponentially weighted mean of daily units on in-stock days).
const ALPHA: f64 = 0.07;

/// Weekday demand shape of some departments on top of store traffic (Monday first).
fn dept_dow(dept: usize, dow: usize) -> f64 {
    match dept {
        1 => [0.95, 0.95, 0.96, 1.0, 1.05, 1.12, 0.95][dow],
        2 => [0.88, 0.88, 0.92, 1.0, 1.18, 1.28, 0.95][dow],
        _ => 1.0,
    }
}

const STORE_HOURS: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.8, 1.0, 1.1, 1.4, 1.3, 1.0, 1.0, 1.2, 1.6, 1.8,
    1.4, 0.9, 0.5, 0.0, 0.0,
];
const DIGITAL_HOURS: [f64; 24] = [
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 1.1, 1.0, 0.9, 0.9, 1.0, 1.1,
    1.3, 1.6, 1.8, 1.6, 1.0, 0.5,
];

pub struct Series {
    pub sku: usize,
    /// Expected item lines per day at this location before time-varying effects.
    pub base: f64,
    /// First day with a daily_sales row.
    pub start: usize,
    pub on_hand: i64,
    pub book: i64,
    pub on_order: i64,
    pub mu_hat: f64,
    initial_stock: bool,
    initial_po_day: Option<usize>,
    // ---- truth accumulators ----
    pub demand_units: u64,
    pub sold_units: u64,
    pub lost_units: u64,
    pub shrink_units: u64,
    pub stockout_days: u32,
    pub promo_days: u32,
    pub days: u32,
    // ---- per-day scratch ----
    weight: f64,
    disc: f64,
    promo: Option<usize>,
    multibuy: bool,
    day_units: i64,
    day_revenue: f64,
    day_lost: i64,
}

pub struct LineOut {
    pub secs: u32,
    pub txn: u32,
    pub sku: usize,
    pub channel: u8,
    /// Customer index, or u32::MAX when anonymous.
    pub customer: u32,
    pub qty: i32,
    pub unit_price: f64,
    pub discount: f64,
    pub promo_id: i32,
    pub net: f64,
    pub ret: Option<(u32, i32, &'static str)>,
}

pub struct DailyOut {
    pub sku: usize,
    pub units: i32,
    pub revenue: f64,
    pub on_hand: i32,
    pub stockout: bool,
    pub promo: bool,
    pub price: f64,
}

#[derive(Default)]
pub struct DayOut {
    pub lines: Vec<LineOut>,
    pub daily: Vec<DailyOut>,
}

pub struct SnapOut {
    pub day: u32,
    pub sku: usize,
    pub on_hand: i32,
    pub book: i32,
    pub on_order: i32,
}

pub struct PoOut {
    pub sku: usize,
    pub order_day: u32,
    pub expected_day: u32,
    pub received_day: Option<u32>,
    pub ordered: i32,
    pub received: i32,
    pub rejected: i32,
    pub status: &'static str,
    pub unit_cost: f64,
}

pub struct LostOut {
    pub day: u32,
    pub sku: usize,
    pub demand: i32,
    pub lost: i32,
}

#[derive(Default)]
pub struct MonthOut {
    pub days: Vec<DayOut>,
    pub snaps: Vec<SnapOut>,
    pub pos: Vec<PoOut>,
    pub lost: Vec<LostOut>,
}

struct Receipt {
    series: u32,
    accepted: i64,
    ordered: i64,
}

pub struct LocState {
    pub loc: usize,
    rng: Rng,
    pub series: Vec<Series>,
    by_sku: Vec<i32>,
    /// (start, end) series index range of each category.
    cat_ranges: Vec<(usize, usize)>,
    receipts: Vec<Vec<Receipt>>,
    weights: Vec<f64>,
    /// Expected lines per unit of summed base weight (1 for stores; digital volume for dark stores).
    volume: f64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl LocState {
    pub fn new(world: &World, loc: usize) -> LocState {
        let l = &world.locations[loc];
        let mut rng = Rng::new(world.seed, "location", loc as u64);
        let mut series = Vec::new();
        let mut by_sku = vec![-1i32; world.skus.len()];
        let open = l.open_day.max(0) as usize;
        for (sku_i, fit) in &world.ranges[loc] {
            let sku = &world.skus[*sku_i];
            let base = sku.rate * l.size_factor * world.region_pref[l.region][sku.category] * fit;
            let start = (sku.launch_day.max(0) as usize).max(open);
            if start >= N_DAYS {
                continue;
            }
            let initial_stock = start == open;
            let initial_po_day = if initial_stock {
                None
            } else {
                Some((start as i64 - sku.lead_time - 2).max(0) as usize)
            };
            by_sku[*sku_i] = series.len() as i32;
            series.push(Series {
                sku: *sku_i,
                base,
                start,
                on_hand: 0,
                book: 0,
                on_order: 0,
                mu_hat: 0.0,
                initial_stock,
                initial_po_day,
                demand_units: 0,
                sold_units: 0,
                lost_units: 0,
                shrink_units: 0,
                stockout_days: 0,
                promo_days: 0,
                days: 0,
                weight: 0.0,
                disc: 0.0,
                promo: None,
                multibuy: false,
                day_units: 0,
                day_revenue: 0.0,
                day_lost: 0,
            });
        }
        let mut cat_ranges = vec![(0usize, 0usize); world.n_categories];
        let mut i = 0;
        while i < series.len() {
            let c = world.skus[series[i].sku].category;
            let mut j = i;
            while j < series.len() && world.skus[series[j].sku].category == c {
                j += 1;
            }
            cat_ranges[c] = (i, j);
            i = j;
        }
        // digital locations: scale expected lines to the customers' order volume
        let volume = if l.format == Format::DarkStore {
            let mut orders = 0usize;
            let mut days = 0usize;
            for d in 0..N_DAYS {
                if (d as i64) >= l.open_day {
                    orders += world.cust_txns[loc * N_DAYS + d].len();
                    days += 1;
                }
            }
            let lines = orders as f64 * (1.0 + DIGITAL_SLOTS) / days.max(1) as f64;
            let total_base: f64 = series.iter().map(|s| s.base).sum();
            if total_base > 0.0 {
                lines / total_base
            } else {
                1.0
            }
        } else {
            1.0
        };
        let _ = rng.u64();
        let n = series.len();
        LocState {
            loc,
            rng,
            series,
            by_sku,
            cat_ranges,
            receipts: (0..=N_DAYS).map(|_| Vec::new()).collect(),
            weights: vec![0.0; n],
            volume,
        }
    }

    /// Expected units per day of a series on day d at full maturity (planner's launch estimate).
    fn planned_units(&self, world: &World, si: usize, d: usize) -> f64 {
        let s = &self.series[si];
        let sku = &world.skus[s.sku];
        s.base
            * self.volume
            * world.season_curve[sku.season as usize][d.min(N_DAYS - 1)]
            * sku.mean_qty()
    }

    /// The order-up-to level for a series given its planning rate.
    fn order_up_to(&self, world: &World, si: usize, d: usize, mu: f64) -> i64 {
        let s = &self.series[si];
        let sku = &world.skus[s.sku];
        let l = &world.locations[self.loc];
        let horizon = REVIEW_DAYS + sku.lead_time as f64;
        // the planner knows the promotion calendar and expects most of the uplift
        let mut factor = 1.0f64;
        for p in &sku.promos {
            let p = &world.promos[*p];
            if p.applies(self.loc, l.region) && p.start <= d + horizon as usize && p.end >= d {
                factor = factor.max(1.0 + 0.8 * (p.uplift(sku.elasticity) - 1.0));
            }
        }
        let m = mu.max(0.01) * factor * horizon;
        let var = m * (1.0 + 2.0 * sku.qty_extra);
        (m + Z * var.sqrt()).ceil() as i64 + 1
    }

    fn place_order(&mut self, world: &World, si: usize, d: usize, qty: i64, out: &mut MonthOut) {
        let sku_i = self.series[si].sku;
        let sku = &world.skus[sku_i];
        let sup = &world.suppliers[sku.supplier];
        let rng = &mut self.rng;
        let lead = sku.lead_time;
        let actual = if rng.bool(0.05) {
            lead - 1
        } else if rng.bool(sup.on_time) {
            lead
        } else {
            lead + 1 + rng.geometric(sup.delay_mean) as i64
        }
        .max(1);
        let mut rd = d + actual as usize;
        while rd < N_DAYS && calendar::is_closed(rd) {
            rd += 1;
        }
        let mut received = qty;
        if rng.bool(sup.partial_prob) {
            received =
                ((qty as f64 * rng.uniform(0.4, 0.95)).round() as i64).clamp(1, (qty - 1).max(1));
        }
        let mut rejected = 0;
        if rng.bool(sup.reject_prob) {
            rejected =
                ((received as f64 * rng.uniform(0.05, 0.35)).round() as i64).clamp(1, received);
        }
        self.series[si].on_order += qty;
        let (received_day, status, rec, rej) = if rd >= N_DAYS {
            (None, "open", 0, 0)
        } else {
            self.receipts[rd].push(Receipt {
                series: si as u32,
                accepted: received - rejected,
                ordered: qty,
            });
            (
                Some(rd as u32),
                if received < qty {
                    "partial"
                } else {
                    "received"
                },
                received,
                rejected,
            )
        };
        out.pos.push(PoOut {
            sku: sku_i,
            order_day: d as u32,
            expected_day: (d as i64 + lead) as u32,
            received_day,
            ordered: qty as i32,
            received: rec as i32,
            rejected: rej as i32,
            status,
            unit_cost: sku.cost(d),
        });
    }

    /// Simulate the days [from, to) and return their output.
    pub fn run(&mut self, world: &World, from: usize, to: usize) -> MonthOut {
        let mut out = MonthOut::default();
        for d in from..to {
            let day = self.day(world, d, &mut out);
            out.days.push(day);
        }
        out
    }

    fn day(&mut self, world: &World, d: usize, out: &mut MonthOut) -> DayOut {
        let mut day = DayOut::default();
        let l = &world.locations[self.loc];
        if (d as i64) < l.open_day {
            return day;
        }
        let region = l.region;
        let open = !calendar::is_closed(d);
        let dow = calendar::dow(d);

        // initial stock of series that start now, initial orders of launches
        for si in 0..self.series.len() {
            let s = &self.series[si];
            if s.initial_stock && s.start == d {
                let mu = self.planned_units(world, si, d);
                let s_level = self.order_up_to(world, si, d, mu);
                let frac = self.rng.uniform(0.6, 1.0);
                let case = world.skus[s.sku].case_pack as i64;
                let qty = (((s_level as f64 * frac) / case as f64).ceil() as i64).max(1) * case;
                let s = &mut self.series[si];
                s.on_hand = qty;
                s.book = qty;
                s.mu_hat = mu;
            } else if s.initial_po_day == Some(d) {
                let noise = self.rng.uniform(0.6, 1.4);
                let mu = self.planned_units(world, si, s.start) * noise;
                let s_level = self.order_up_to(world, si, s.start, mu);
                let sku = &world.skus[s.sku];
                let case = sku.case_pack as i64;
                let qty = ((s_level as f64 / case as f64).ceil() as i64).max(1) * case;
                let qty = qty.max(sku.moq as i64);
                self.series[si].mu_hat = mu;
                self.place_order(world, si, d, qty, out);
            }
        }

        // receipts (before opening)
        let receipts = std::mem::take(&mut self.receipts[d]);
        for r in receipts {
            let s = &mut self.series[r.series as usize];
            s.on_hand += r.accepted;
            s.book += r.accepted;
            s.on_order -= r.ordered;
        }

        // demand weights
        let temp_anomaly = world.temp[region][d] - world.temp_normal[region][d];
        let event = world.event_lift[region][d];
        let years = d as f64 / 365.25;
        let mut total_w = 0.0;
        for (si, s) in self.series.iter_mut().enumerate() {
            s.day_units = 0;
            s.day_revenue = 0.0;
            s.day_lost = 0;
            s.promo = None;
            s.disc = 0.0;
            s.multibuy = false;
            s.weight = 0.0;
            if d < s.start {
                self.weights[si] = 0.0;
                continue;
            }
            let sku = &world.skus[s.sku];
            let mut w = s.base
                * world.season_curve[sku.season as usize][d]
                * (sku.trend * years).exp()
                * dept_dow(sku.dept, dow);
            if sku.launch_day >= 0 {
                let age = (d as i64 - sku.launch_day + 1) as f64;
                w *= 1.0 - (-age / sku.launch_tau).exp();
            }
            if d as i64 >= sku.price_change_day {
                w *= (sku.price1 / sku.price0).powf(-0.5 * sku.elasticity);
            }
            if sku.weather_sensitivity != 0.0 {
                w *= (sku.weather_sensitivity * temp_anomaly)
                    .exp()
                    .clamp(0.3, 3.0);
            }
            if sku.event_boost && event > 1.0 {
                w *= 1.0 + 1.5 * (event - 1.0);
            }
            for p in &sku.promos {
                let pr = &world.promos[*p];
                if !pr.applies(self.loc, region) {
                    continue;
                }
                if pr.start <= d && d <= pr.end {
                    w *= pr.uplift(sku.elasticity);
                    s.promo = Some(*p);
                    s.disc = pr.discount;
                    s.multibuy = pr.kind == "multibuy";
                } else if !sku.perishable && pr.end < d && d <= pr.end + 7 {
                    // pantry loading: a dip after the promotion
                    w *= 0.85;
                }
            }
            if !open {
                w = 0.0;
            }
            s.weight = w;
            self.weights[si] = w;
            total_w += w;
        }
        let cum = Cumulative::new(&self.weights);

        // transactions: identified (pre-drawn from the customer process) and anonymous
        struct Txn {
            secs: u32,
            customer: u32,
            channel: u8,
        }
        let mut txns: Vec<Txn> = Vec::new();
        if open && total_w > 0.0 {
            let ident = &world.cust_txns[self.loc * N_DAYS + d];
            let mut ident_lines = 0.0;
            for (c, ch) in ident {
                let hours = if *ch == CH_STORE {
                    &STORE_HOURS
                } else {
                    &DIGITAL_HOURS
                };
                let h = self.rng.weighted(hours);
                let secs = (h * 3600) as u32 + self.rng.below(3600) as u32;
                let mult = world.customers[*c as usize].basket_mult;
                ident_lines += 1.0
                    + mult
                        * if *ch == CH_STORE {
                            ANON_SLOTS
                        } else {
                            DIGITAL_SLOTS
                        };
                txns.push(Txn {
                    secs,
                    customer: *c,
                    channel: *ch,
                });
            }
            if l.format == Format::Store {
                let mut traffic = world.traffic_factor(d, region, false) * (l.growth * years).exp();
                if l.open_day >= 0 {
                    let age = (d as i64 - l.open_day) as f64;
                    traffic *= 0.55 + 0.45 * (1.0 - (-age / 75.0).exp());
                }
                let target = traffic * total_w * self.volume;
                let anon_lines = (target - ident_lines).max(0.15 * target);
                let n = self.rng.poisson(anon_lines / (1.0 + ANON_SLOTS + 0.1));
                for _ in 0..n {
                    let h = self.rng.weighted(&STORE_HOURS);
                    let secs = (h * 3600) as u32 + self.rng.below(3600) as u32;
                    txns.push(Txn {
                        secs,
                        customer: u32::MAX,
                        channel: CH_STORE,
                    });
                }
            }
        }
        txns.sort_by_key(|t| t.secs);

        // baskets
        let mut txn_no = 0u32;
        let mut items: Vec<(usize, i64)> = Vec::with_capacity(16);
        for t in &txns {
            items.clear();
            let mult = if t.customer == u32::MAX {
                1.0
            } else {
                world.customers[t.customer as usize].basket_mult
            };
            let slots_mean = if t.channel == CH_STORE {
                ANON_SLOTS
            } else {
                DIGITAL_SLOTS
            } * mult;
            let slots = 1 + self.rng.poisson(slots_mean);
            let fav = if t.customer == u32::MAX {
                None
            } else {
                Some(world.customers[t.customer as usize].fav_category)
            };
            for _ in 0..slots {
                let mut pick = None;
                if let Some(fc) = fav {
                    let (a, b) = self.cat_ranges[fc];
                    if b > a && self.rng.bool(FAV_SHARE) {
                        let lo = if a == 0 { 0.0 } else { cum.cum[a - 1] };
                        let hi = cum.cum[b - 1];
                        if hi > lo {
                            let x = lo + self.rng.f64() * (hi - lo);
                            pick = Some(cum.cum.partition_point(|c| *c <= x).min(b - 1));
                        }
                    }
                }
                let si = match pick {
                    Some(p) => p,
                    None => cum.pick(&mut self.rng),
                };
                let s = &self.series[si];
                if s.weight <= 0.0 {
                    continue;
                }
                let sku = &world.skus[s.sku];
                let mut q = 1 + self.rng.poisson(sku.qty_extra) as i64;
                if s.multibuy && self.rng.bool(0.5) {
                    q += 1;
                }
                merge(&mut items, si, q);
                if let Some(g) = sku.anchors {
                    let grp = &world.groups[g];
                    for m in &grp.members[1..] {
                        let ms = self.by_sku[*m];
                        if ms >= 0
                            && self.series[ms as usize].weight > 0.0
                            && self.rng.bool(grp.prob)
                        {
                            let mq = 1 + self.rng.poisson(world.skus[*m].qty_extra) as i64;
                            merge(&mut items, ms as usize, mq);
                        }
                    }
                }
            }
            let mut any = false;
            for (si, q) in items.iter() {
                let s = &mut self.series[*si];
                let sku = &world.skus[s.sku];
                s.demand_units += *q as u64;
                let sold = (*q).min(s.on_hand.max(0));
                let lost = q - sold;
                s.day_lost += lost;
                s.lost_units += lost as u64;
                if sold == 0 {
                    continue;
                }
                s.on_hand -= sold;
                s.book -= sold;
                s.day_units += sold;
                s.sold_units += sold as u64;
                let unit_price = sku.regular_price(d);
                let discount = round2(sold as f64 * unit_price * s.disc);
                let net = round2(sold as f64 * unit_price - discount);
                s.day_revenue += net;
                let ret = if self.rng.bool(sku.return_rate) {
                    let rq = if sold > 1 && self.rng.bool(0.3) {
                        sold
                    } else {
                        1
                    };
                    let mean_delay = if sku.perishable { 1.5 } else { 6.0 };
                    let mut rd = d + 1 + (self.rng.geometric(mean_delay) as usize).min(44);
                    if rd < N_DAYS && calendar::is_closed(rd) {
                        rd += 1;
                    }
                    let reasons = DEPARTMENTS[sku.dept].return_reasons;
                    let w: Vec<f64> = reasons.iter().map(|r| r.1).collect();
                    let reason = reasons[self.rng.weighted(&w)].0;
                    if rd < N_DAYS {
                        Some((rd as u32, rq as i32, reason))
                    } else {
                        None
                    }
                } else {
                    None
                };
                day.lines.push(LineOut {
                    secs: t.secs,
                    txn: txn_no,
                    sku: s.sku,
                    channel: t.channel,
                    customer: t.customer,
                    qty: sold as i32,
                    unit_price,
                    discount,
                    promo_id: s.promo.map(|p| world.promos[p].id).unwrap_or(-1),
                    net,
                    ret,
                });
                any = true;
            }
            if any {
                txn_no += 1;
            }
        }

        // end of day: shrink, book corrections, planning, orders, rows
        let count_day = (d + l.count_offset) % 91 == 0;
        let review = open && l.review_days[dow];
        let sunday = dow == 6;
        for si in 0..self.series.len() {
            if d < self.series[si].start {
                continue;
            }
            {
                let sku = &world.skus[self.series[si].sku];
                let s = &mut self.series[si];
                if s.on_hand > 0 {
                    let lambda = s.on_hand as f64 * sku.shrink;
                    let x = if lambda < 0.05 {
                        i64::from(self.rng.bool(lambda))
                    } else {
                        self.rng.poisson(lambda) as i64
                    }
                    .min(s.on_hand);
                    s.on_hand -= x;
                    s.shrink_units += x as u64;
                }
                if count_day || (s.day_lost > 0 && s.book > s.on_hand && self.rng.bool(0.5)) {
                    s.book = s.on_hand;
                }
                let stockout = s.on_hand == 0 || s.day_lost > 0;
                if open && !stockout {
                    s.mu_hat += ALPHA * (s.day_units as f64 - s.mu_hat);
                }
                s.days += 1;
                if stockout {
                    s.stockout_days += 1;
                }
                if s.promo.is_some() {
                    s.promo_days += 1;
                }
                day.daily.push(DailyOut {
                    sku: s.sku,
                    units: s.day_units as i32,
                    revenue: s.day_revenue,
                    on_hand: s.on_hand as i32,
                    stockout,
                    promo: s.promo.is_some(),
                    price: round2(sku.regular_price(d) * (1.0 - s.disc)),
                });
                if s.day_lost > 0 {
                    out.lost.push(LostOut {
                        day: d as u32,
                        sku: s.sku,
                        demand: (s.day_units + s.day_lost) as i32,
                        lost: s.day_lost as i32,
                    });
                }
                if sunday {
                    out.snaps.push(SnapOut {
                        day: d as u32,
                        sku: s.sku,
                        on_hand: s.on_hand as i32,
                        book: s.book as i32,
                        on_order: s.on_order as i32,
                    });
                }
            }
            if review {
                let s = &self.series[si];
                let level = self.order_up_to(world, si, d, s.mu_hat);
                let pos = s.book + s.on_order;
                if pos < level {
                    let sku = &world.skus[s.sku];
                    let case = sku.case_pack as i64;
                    let qty = (((level - pos) as f64 / case as f64).ceil() as i64).max(1) * case;
                    let qty = qty.max(sku.moq as i64);
                    self.place_order(world, si, d, qty, out);
                }
            }
        }
        day
    }
}

fn merge(items: &mut Vec<(usize, i64)>, si: usize, q: i64) {
    for it in items.iter_mut() {
        if it.0 == si {
            it.1 += q;
            return;
        }
    }
    items.push((si, q));
}

/// Channel label of a channel code.
pub fn channel_name(ch: u8) -> &'static str {
    match ch {
        CH_WEB => "web",
        CH_APP => "app",
        _ => "store",
    }
}
