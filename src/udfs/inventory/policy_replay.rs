//! `policy_replay(ds, demand, reorder_point, order_up_to, lead_time, review_period [, moq,
//! case_pack, backorders, warmup])`: an aggregate over one series' daily demand that replays it
//! under a periodic-review replenishment policy (`models::inventory::simulate::replay`) and
//! returns what the policy achieved: cycle service level, fill rate, average stock, stock-outs.
//! The reorder point and order-up-to level may change from period to period (a policy
//! re-planned at every review, e.g. from `rolling_order_up_to`).
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, FieldRef, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use super::common::{OutKind, StructOut, model_error, struct_type};
use crate::models::inventory::InventoryError;
use crate::models::inventory::rolling::levels_per_period;
use crate::models::inventory::simulate::{ReplayConfig, ReplayPolicy, ReplayResult, replay};
use crate::udfs::docs::SECTION_INVENTORY;

const NAME: &str = "policy_replay";

const PARAMS: [&str; 10] = [
    "ds",
    "demand",
    "reorder_point",
    "order_up_to",
    "lead_time",
    "review_period",
    "moq",
    "case_pack",
    "backorders",
    "warmup",
];

/// Required leading arguments; the rest have defaults.
const REQUIRED: usize = 6;
/// Index after the per-row levels (reorder_point, order_up_to); from here on the parameters
/// are one value per group.
const LEVELS: usize = 4;
/// Defaults of the policy parameters (index 2..): moq 0, case_pack 1, lost sales, no warm-up.
const DEFAULTS: [f64; 8] = [f64::NAN, f64::NAN, f64::NAN, f64::NAN, 0.0, 1.0, 0.0, 0.0];
/// Longest lead time or review period accepted, in periods.
const MAX_PERIODS: f64 = 3650.0;
/// Longest series replayed (days between the first and the last ds), in periods.
const MAX_SPAN: i64 = 200_000;

const FIELDS: &[(&str, OutKind)] = &[
    ("periods", OutKind::I64),
    ("censored_periods", OutKind::I64),
    ("demand", OutKind::F64),
    ("served", OutKind::F64),
    ("unmet", OutKind::F64),
    ("fill_rate", OutKind::F64),
    ("cycles", OutKind::I64),
    ("cycles_without_stockout", OutKind::I64),
    ("cycle_service_level", OutKind::F64),
    ("stockout_periods", OutKind::I64),
    ("average_on_hand", OutKind::F64),
    ("orders", OutKind::I64),
    ("units_ordered", OutKind::F64),
];

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_INVENTORY,
        "Replays a demand history under a periodic-review policy and reports what it achieved: \
         GROUP BY the series (e.g. sku_id, store_id), one row per period (day). Each period: \
         orders due arrive; on a review period (every review_period periods from the first ds) \
         the inventory position (on hand + on order - backorders) is compared with \
         reorder_point and, when at or below it, an order up to order_up_to is placed (equal \
         reorder_point and order_up_to: order whenever the position is below it), rounded up \
         to whole cases and at least the MOQ; it arrives lead_time periods later (rounded to \
         whole periods). Then demand is served from stock on hand; the rest is backordered or \
         lost. reorder_point and order_up_to may change from row to row: the value on a \
         period's row is in force from that period on (a policy re-planned at every review, \
         e.g. from rolling_order_up_to), a NULL keeps the previous level and periods before the \
         first value use the first one. The replay starts with the first order_up_to on hand. \
         Returns a struct {periods, \
         censored_periods, demand, served, unmet, fill_rate, cycles, cycles_without_stockout, \
         cycle_service_level, stockout_periods, average_on_hand, orders, units_ordered} over the \
         periods after warmup: fill_rate = served / demand (NULL without demand), \
         cycle_service_level = share of complete replenishment cycles (arrival to arrival) \
         without unmet demand (NULL when no cycle completed), stockout_periods = periods with \
         unmet demand, average_on_hand = mean end-of-period stock. Periods missing between the \
         first and last ds have zero demand; rows with the same ds add up. NULL handling: a \
         NULL ds skips the row; a NULL demand is a censored period (e.g. a stock-out day that \
         sold nothing) and is replayed with the mean of the group's observed demand; the other \
         parameters (lead_time and after) must be the same on every row of a group (constants or \
         per-group columns), NULL ones take the defaults; a group where reorder_point or \
         order_up_to is NULL on every row, or lead_time or review_period is NULL, gives a NULL \
         result. A group with no row gives NULL. Errors (SQLSTATE 22023): negative or NaN \
         demand, lead_time .. warmup differing between rows of a group, two different levels \
         on rows of the same period, order_up_to below reorder_point, review_period below 1, \
         lead_time or review_period above 3650, case_pack 0, warmup covering the whole \
         history.",
        "policy_replay(ds, demand, reorder_point, order_up_to, lead_time, review_period \
         [, moq, case_pack, backorders, warmup])",
    )
    .with_sql_example(
        "SELECT sku_id, store_id, r['cycle_service_level'], r['fill_rate'], r['stockout_periods']\n\
         FROM (SELECT sku_id, store_id,\n\
         \x20            policy_replay(date, CASE WHEN NOT stockout OR units > 0 THEN units END,\n\
         \x20                          60, 60, 7, 7, 0, 6, false, 28) AS r\n\
         \x20     FROM daily_sales WHERE sku_id = 1 GROUP BY sku_id, store_id);",
    )
    .with_argument(
        "ds",
        "The period: a DATE, TIMESTAMP (whole days) or an integer period number.",
    )
    .with_argument(
        "demand",
        "Demand in the period, at least 0; NULL = censored (replayed with the group's mean \
         observed demand).",
    )
    .with_argument(
        "reorder_point",
        "Order when the inventory position is at or below this (units); may change from period \
         to period (in force from its row on).",
    )
    .with_argument(
        "order_up_to",
        "Order up to this level (units), at least reorder_point; may change from period to \
         period like reorder_point; the first one is also the starting stock.",
    )
    .with_argument(
        "lead_time",
        "Periods from order to arrival, 0 to 3650 (rounded to whole periods).",
    )
    .with_argument(
        "review_period",
        "Periods between reviews, 1 to 3650 (rounded); 7 = weekly on daily data.",
    )
    .with_argument("moq", "Minimum order quantity, at least 0 (default 0).")
    .with_argument("case_pack", "Orders are whole multiples of this, above 0 (default 1).")
    .with_argument(
        "backorders",
        "true: unmet demand is backordered; false (default): it is lost, as in a store.",
    )
    .with_argument(
        "warmup",
        "Periods at the start left out of the measures (default 0).",
    )
    .build()
    });

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PolicyReplay {
    signature: Signature,
}

impl PolicyReplay {
    pub fn new() -> Self {
        let signature = Signature::user_defined(Volatility::Immutable)
            .with_parameter_names(PARAMS.to_vec())
            .expect("user-defined signatures accept parameter names");
        PolicyReplay { signature }
    }
}

impl Default for PolicyReplay {
    fn default() -> Self {
        Self::new()
    }
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric() || t == &DataType::Null
}

fn is_date(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
    )
}

fn accepts(i: usize, t: &DataType) -> bool {
    match i {
        0 => is_date(t) || t.is_integer() || t == &DataType::Null,
        8 => t == &DataType::Boolean || is_number(t),
        _ => is_number(t),
    }
}

fn expected(i: usize) -> &'static str {
    match i {
        0 => "a DATE, TIMESTAMP or integer period",
        8 => "a BOOLEAN",
        _ => "a number",
    }
}

impl AggregateUDFImpl for PolicyReplay {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| match i {
                0 if is_date(t) => DataType::Date32,
                0 if t.is_integer() || t == &DataType::Null => DataType::Int64,
                _ if i > 0 && is_number(t) => DataType::Float64,
                8 if t == &DataType::Boolean => DataType::Float64,
                _ => t.clone(),
            })
            .collect())
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        crate::udfs::args::check_arg_types(NAME, &PARAMS, REQUIRED, arg_types, accepts, expected)?;
        Ok(struct_type(FIELDS))
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ReplayAccumulator::default()))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)));
        let mut fields = vec![
            Field::new(format_state_name(args.name, "days"), list.clone(), true),
            Field::new(format_state_name(args.name, "demand"), list.clone(), true),
            Field::new(
                format_state_name(args.name, "reorder_point"),
                list.clone(),
                true,
            ),
            Field::new(format_state_name(args.name, "order_up_to"), list, true),
        ];
        for p in &PARAMS[LEVELS..] {
            fields.push(Field::new(
                format_state_name(args.name, p),
                DataType::Float64,
                true,
            ));
        }
        Ok(fields.into_iter().map(Arc::new).collect())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// One policy parameter as seen so far in a group.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Seen {
    #[default]
    Nothing,
    Null,
    Value(f64),
}

#[derive(Debug, Default)]
struct ReplayAccumulator {
    days: Vec<f64>,
    /// NaN = censored.
    demand: Vec<f64>,
    /// Per-row reorder point and order-up-to level, NaN = NULL (no change).
    reorder_point: Vec<f64>,
    order_up_to: Vec<f64>,
    /// Parameters 2.. of [`PARAMS`] (0 and 1, the levels, stay `Nothing`: they are per row).
    params: [Seen; 8],
}

/// The level in force in each of `n` periods from per-row values (day, value; NaN = none):
/// carried forward, the first value before it. None when no row has a value.
fn per_period(
    name: &'static str,
    days: &[f64],
    values: &[f64],
    first: i64,
    n: usize,
) -> Result<Option<Vec<f64>>> {
    let mut at: BTreeMap<usize, f64> = BTreeMap::new();
    for (&d, &v) in days.iter().zip(values) {
        if v.is_nan() {
            continue;
        }
        let t = (d as i64 - first) as usize;
        if let Some(&old) = at.get(&t)
            && old != v
        {
            return Err(inconsistent(format!(
                "{name} must be the same on every row of a period, got {old} and {v} in period {t}"
            )));
        }
        at.insert(t, v);
    }
    Ok(levels_per_period(&at.into_iter().collect::<Vec<_>>(), n))
}

fn inconsistent(message: String) -> datafusion::error::DataFusionError {
    model_error(NAME, InventoryError::Inconsistent { message })
}

impl ReplayAccumulator {
    fn see(&mut self, k: usize, v: Seen) -> Result<()> {
        let cur = self.params[k];
        let same = match (cur, v) {
            (Seen::Nothing, _) | (_, Seen::Nothing) => true,
            (Seen::Null, Seen::Null) => true,
            (Seen::Value(a), Seen::Value(b)) => a == b || (a.is_nan() && b.is_nan()),
            _ => false,
        };
        if !same {
            let show = |s: Seen| match s {
                Seen::Value(x) => x.to_string(),
                _ => "NULL".to_string(),
            };
            return Err(inconsistent(format!(
                "{} must be the same on every row of a group, got {} and {}",
                PARAMS[k + 2],
                show(cur),
                show(v)
            )));
        }
        if cur == Seen::Nothing {
            self.params[k] = v;
        }
        Ok(())
    }

    /// The parameter's value (k ≥ 2): None when NULL (only possible for the required ones).
    fn param(&self, k: usize) -> Option<f64> {
        match self.params[k] {
            Seen::Value(v) => Some(v),
            _ if k >= REQUIRED - 2 => Some(DEFAULTS[k]),
            _ => None,
        }
    }

    fn run(&self) -> Result<Option<(ReplayResult, usize)>> {
        if self.days.is_empty() {
            return Ok(None);
        }
        let vals: Option<Vec<f64>> = (2..8).map(|k| self.param(k)).collect();
        let Some(p) = vals else { return Ok(None) };
        let [lead, review, moq, case_pack, backorders, warmup] = p[..] else {
            unreachable!("six parameters")
        };
        let periods = |name: &'static str, v: f64, min: f64| -> Result<usize> {
            if v.is_finite() && v.round() >= min && v <= MAX_PERIODS {
                Ok(v.round() as usize)
            } else {
                Err(model_error(
                    NAME,
                    InventoryError::OutOfRange {
                        name,
                        range: if min > 0.0 {
                            "between 1 and 3650 periods"
                        } else {
                            "between 0 and 3650 periods"
                        },
                        value: v,
                    },
                ))
            }
        };
        let lead = periods("lead time", lead, 0.0)?;
        let review = periods("review period", review, 1.0)?;
        if !(warmup.is_finite() && warmup >= 0.0) {
            return Err(model_error(
                NAME,
                InventoryError::OutOfRange {
                    name: "warmup",
                    range: "a finite number of periods at least 0",
                    value: warmup,
                },
            ));
        }
        // Dense daily series from the first to the last period; same-period rows add up.
        let mut by_day: BTreeMap<i64, (f64, bool)> = BTreeMap::new();
        for (&d, &q) in self.days.iter().zip(&self.demand) {
            let e = by_day.entry(d as i64).or_insert((0.0, true));
            if q.is_nan() {
                continue;
            }
            if !(q >= 0.0 && q.is_finite()) {
                return Err(model_error(
                    NAME,
                    InventoryError::OutOfRange {
                        name: "demand",
                        range: "a finite number at least 0",
                        value: q,
                    },
                ));
            }
            e.0 += q;
            e.1 = false;
        }
        let first = *by_day.keys().next().expect("non-empty");
        let last = *by_day.keys().next_back().expect("non-empty");
        if last - first >= MAX_SPAN {
            return Err(inconsistent(format!(
                "the periods span {} (from {first} to {last}); at most {MAX_SPAN} can be replayed",
                last - first + 1
            )));
        }
        let (observed_sum, observed_n) = by_day
            .values()
            .filter(|(_, censored)| !censored)
            .fold((0.0, 0usize), |(s, n), (q, _)| (s + q, n + 1));
        let fill = if observed_n > 0 {
            observed_sum / observed_n as f64
        } else {
            0.0
        };
        let n = (last - first + 1) as usize;
        let mut demand = vec![0.0; n];
        let mut censored = 0usize;
        for (&d, &(q, c)) in &by_day {
            let t = (d - first) as usize;
            if c {
                demand[t] = fill;
                if t as f64 >= warmup {
                    censored += 1;
                }
            } else {
                demand[t] = q;
            }
        }
        let Some(rp) = per_period("reorder_point", &self.days, &self.reorder_point, first, n)?
        else {
            return Ok(None);
        };
        let Some(s) = per_period("order_up_to", &self.days, &self.order_up_to, first, n)? else {
            return Ok(None);
        };
        let leads = [lead];
        let config = ReplayConfig {
            policy: ReplayPolicy::OrderUpTo {
                reorder_point: &rp,
                order_up_to: &s,
            },
            review_period: review,
            lead_times: &leads,
            initial_on_hand: s[0].max(0.0),
            moq,
            case_pack,
            backorders: backorders != 0.0,
            warmup: warmup.round() as usize,
        };
        let r = replay(&demand, &config).map_err(|e| model_error(NAME, e))?;
        Ok(Some((r, censored)))
    }
}

/// A per-row level: NaN for NULL.
fn level(v: Seen) -> f64 {
    match v {
        Seen::Value(x) => x,
        _ => f64::NAN,
    }
}

fn day_value(a: &ArrayRef, i: usize) -> Option<f64> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Date32 => Some(a.as_primitive::<Date32Type>().value(i) as f64),
        DataType::Int64 => Some(
            a.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(i) as f64,
        ),
        _ => None,
    }
}

impl Accumulator for ReplayAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let demand = cast(&values[1], &DataType::Float64)?;
        let demand = demand.as_primitive::<Float64Type>();
        let params: Vec<Option<ArrayRef>> = (2..PARAMS.len())
            .map(|k| {
                values
                    .get(k)
                    .map(|a| cast(a, &DataType::Float64))
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        for i in 0..values[0].len() {
            let Some(d) = day_value(&values[0], i) else {
                continue;
            };
            self.days.push(d);
            self.demand.push(if demand.is_null(i) {
                f64::NAN
            } else {
                demand.value(i)
            });
            for (k, p) in params.iter().enumerate() {
                let v = match p {
                    None => Seen::Null,
                    Some(a) if a.is_null(i) => Seen::Null,
                    Some(a) => Seen::Value(a.as_primitive::<Float64Type>().value(i)),
                };
                match (k, v) {
                    (0 | 1, Seen::Value(x)) if x.is_nan() => {
                        return Err(model_error(
                            NAME,
                            InventoryError::OutOfRange {
                                name: if k == 0 {
                                    "reorder point"
                                } else {
                                    "order-up-to level"
                                },
                                range: "a finite number",
                                value: x,
                            },
                        ));
                    }
                    (0, v) => self.reorder_point.push(level(v)),
                    (1, v) => self.order_up_to.push(level(v)),
                    (k, v) => self.see(k, v)?,
                }
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut out = StructOut::new(FIELDS, 1);
        match self.run()? {
            None => out.null_row(),
            Some((r, censored)) => {
                out.i64(0, Some(r.periods as i64));
                out.i64(1, Some(censored as i64));
                out.f64(2, Some(r.demand));
                out.f64(3, Some(r.served));
                out.f64(4, Some(r.unmet));
                out.f64(5, r.fill_rate);
                out.i64(6, Some(r.cycles as i64));
                out.i64(7, Some(r.cycles_without_stockout as i64));
                out.f64(8, r.cycle_service_level);
                out.i64(9, Some(r.stockout_periods as i64));
                out.f64(10, Some(r.average_on_hand));
                out.i64(11, Some(r.orders as i64));
                out.f64(12, Some(r.units_ordered));
                out.end_row();
            }
        }
        let array = out.finish();
        let s: &StructArray = array.as_struct();
        Ok(ScalarValue::Struct(Arc::new(s.clone())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + (self.days.capacity()
                + self.demand.capacity()
                + self.reorder_point.capacity()
                + self.order_up_to.capacity())
                * std::mem::size_of::<f64>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = |v: &[f64]| {
            let values = Arc::new(Float64Array::from(v.to_vec()));
            let field = Arc::new(Field::new_list_field(DataType::Float64, true));
            ScalarValue::List(Arc::new(ListArray::new(
                field,
                OffsetBuffer::from_lengths([v.len()]),
                values,
                None,
            )))
        };
        let mut state = vec![
            list(&self.days),
            list(&self.demand),
            list(&self.reorder_point),
            list(&self.order_up_to),
        ];
        // Nothing seen and NULL both travel as NULL: the group then has no value either way.
        state.extend(self.params[LEVELS - 2..].iter().map(|p| match p {
            Seen::Value(v) => ScalarValue::Float64(Some(*v)),
            _ => ScalarValue::Float64(None),
        }));
        Ok(state)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let days = states[0].as_list::<i32>();
        let demand = states[1].as_list::<i32>();
        for row in 0..days.len() {
            if days.is_null(row) || demand.is_null(row) {
                continue;
            }
            let d = days.value(row);
            if d.is_empty() {
                continue;
            }
            self.days
                .extend(d.as_primitive::<Float64Type>().values().iter());
            self.demand.extend(
                demand
                    .value(row)
                    .as_primitive::<Float64Type>()
                    .values()
                    .iter(),
            );
            for (k, target) in [(2, &mut self.reorder_point), (3, &mut self.order_up_to)] {
                let l = states[k].as_list::<i32>();
                target.extend(l.value(row).as_primitive::<Float64Type>().values().iter());
            }
            for k in LEVELS - 2..8 {
                let a = states[2 + k].as_primitive::<Float64Type>();
                let v = if a.is_null(row) {
                    Seen::Null
                } else {
                    Seen::Value(a.value(row))
                };
                self.see(k, v)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlError;
    use datafusion::arrow::array::Int64Array;

    fn batch(days: &[i64], demand: &[Option<f64>], p: [f64; 8]) -> Vec<ArrayRef> {
        let mut v: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(days.to_vec())),
            Arc::new(Float64Array::from(demand.to_vec())),
        ];
        for x in p {
            v.push(Arc::new(Float64Array::from(vec![x; days.len()])));
        }
        v
    }

    #[test]
    fn matches_the_model_and_merges() {
        // The model's hand-traced example: (R=1, S=10), lead 1, backorders, start with 10.
        let p = [10.0, 10.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0];
        let days = [0, 1, 2, 3, 4];
        let demand = [Some(4.0), Some(4.0), Some(12.0), Some(0.0), Some(3.0)];
        let mut whole = ReplayAccumulator::default();
        whole.update_batch(&batch(&days, &demand, p)).unwrap();
        let (r, censored) = whole.run().unwrap().unwrap();
        assert_eq!((r.served, r.unmet, censored), (17.0, 6.0, 0));
        assert_eq!((r.cycles, r.cycles_without_stockout), (2, 1));
        // out of order, split in two partial states
        let mut a = ReplayAccumulator::default();
        a.update_batch(&batch(&[4, 0], &[Some(3.0), Some(4.0)], p))
            .unwrap();
        let mut b = ReplayAccumulator::default();
        b.update_batch(&batch(&[2, 1, 3], &[Some(12.0), Some(4.0), Some(0.0)], p))
            .unwrap();
        let (sa, sb) = (a.state().unwrap(), b.state().unwrap());
        let states: Vec<ArrayRef> = (0..sa.len())
            .map(|k| ScalarValue::iter_to_array([sa[k].clone(), sb[k].clone()]).unwrap())
            .collect();
        let mut merged = ReplayAccumulator::default();
        merged.merge_batch(&states).unwrap();
        assert_eq!(whole.evaluate().unwrap(), merged.evaluate().unwrap());
    }

    /// A level that changes on day 2 (NULL rows keep the level): (R = 1), lead time 0,
    /// S = 4 then 10, demand 3 every day, start with 4 on hand.
    /// t0: no order (position 4), serve 3 → 1; t1: order 3 → 4, serve 3 → 1;
    /// t2: S = 10, order 9 → 10, serve 3 → 7; t3: order 3 → 10, serve 3 → 7.
    #[test]
    fn levels_may_change_per_period() {
        let p = [f64::NAN, f64::NAN, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0];
        let mut b = batch(
            &[0, 1, 2, 3],
            &[Some(3.0), Some(3.0), Some(3.0), Some(3.0)],
            p,
        );
        let levels: ArrayRef =
            Arc::new(Float64Array::from(vec![Some(4.0), None, Some(10.0), None]));
        b[2] = levels.clone();
        b[3] = levels;
        let mut acc = ReplayAccumulator::default();
        acc.update_batch(&b).unwrap();
        let (r, _) = acc.run().unwrap().unwrap();
        assert_eq!((r.orders, r.units_ordered), (3, 15.0));
        assert_eq!(r.average_on_hand, (1.0 + 1.0 + 7.0 + 7.0) / 4.0);
        // every level NULL: NULL result
        let mut b = batch(&[0, 1], &[Some(1.0), Some(1.0)], p);
        let nulls: ArrayRef = Arc::new(Float64Array::from(vec![None::<f64>, None]));
        b[2] = nulls.clone();
        b[3] = nulls;
        let mut acc = ReplayAccumulator::default();
        acc.update_batch(&b).unwrap();
        assert!(acc.evaluate().unwrap().is_null());
    }

    #[test]
    fn censored_and_missing_days() {
        let p = [10.0, 10.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0];
        // day 2 censored → mean of observed (2, 4) = 3; day 3 missing → 0
        let mut acc = ReplayAccumulator::default();
        acc.update_batch(&batch(
            &[0, 1, 2, 4],
            &[Some(2.0), Some(4.0), None, Some(3.0)],
            p,
        ))
        .unwrap();
        let (r, censored) = acc.run().unwrap().unwrap();
        assert_eq!((r.periods, censored), (5, 1));
        assert_eq!(r.demand, 2.0 + 4.0 + 3.0 + 0.0 + 3.0);
    }

    #[test]
    fn errors_name_the_problem() {
        let mut acc = ReplayAccumulator::default();
        let mut b = batch(&[0, 1], &[Some(1.0), Some(1.0)], [5.0; 8]);
        b[4] = Arc::new(Float64Array::from(vec![5.0, 6.0]));
        let e = acc.update_batch(&b).unwrap_err();
        assert_eq!(
            SqlError::find_in(&e).unwrap().message,
            "policy_replay: lead_time must be the same on every row of a group, got 5 and 6"
        );
        // two levels for one period
        let mut acc = ReplayAccumulator::default();
        let mut b = batch(&[3, 3], &[Some(1.0), Some(1.0)], [5.0; 8]);
        b[3] = Arc::new(Float64Array::from(vec![5.0, 6.0]));
        acc.update_batch(&b).unwrap();
        let e = acc.evaluate().unwrap_err();
        assert_eq!(
            SqlError::find_in(&e).unwrap().message,
            "policy_replay: order_up_to must be the same on every row of a period, got 5 and 6 in period 0"
        );
        let mut acc = ReplayAccumulator::default();
        acc.update_batch(&batch(
            &[0],
            &[Some(1.0)],
            [5.0, 5.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        ))
        .unwrap();
        let e = acc.evaluate().unwrap_err();
        assert!(
            SqlError::find_in(&e)
                .unwrap()
                .message
                .contains("review period must be between 1 and 3650"),
            "{e}"
        );
        let mut acc = ReplayAccumulator::default();
        acc.update_batch(&batch(
            &[0],
            &[Some(-1.0)],
            [5.0, 5.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0],
        ))
        .unwrap();
        assert!(acc.evaluate().is_err());
        assert!(ReplayAccumulator::default().evaluate().unwrap().is_null());
    }
}
