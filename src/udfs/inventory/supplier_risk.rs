//! `supplier_risk(lead_time_days, order_date, qty_ordered, qty_received, qty_rejected, on_time)`:
//! an aggregate over purchase-order rows → lead-time statistics, rates, a 0–100 risk score and
//! the lead-time figures replenishment should plan with.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
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
use crate::models::inventory::supplier::{SupplierRisk as Risk, WEIGHTS, supplier_risk};
use crate::udfs::docs::SECTION_INVENTORY;

const NAME: &str = "supplier_risk";

const PARAMS: [&str; 6] = [
    "lead_time_days",
    "order_date",
    "qty_ordered",
    "qty_received",
    "qty_rejected",
    "on_time",
];

const FIELDS: &[(&str, OutKind)] = &[
    ("orders", OutKind::I64),
    ("lead_time_mean", OutKind::F64),
    ("lead_time_std", OutKind::F64),
    ("lead_time_p90", OutKind::F64),
    ("lead_time_trend", OutKind::F64),
    ("lead_time_rise", OutKind::F64),
    ("fill_rate", OutKind::F64),
    ("on_time_rate", OutKind::F64),
    ("reject_rate", OutKind::F64),
    ("score", OutKind::F64),
    ("band", OutKind::Text),
    ("main_risk", OutKind::Text),
    ("planning_lead_time", OutKind::F64),
    ("planning_lead_time_std", OutKind::F64),
];

/// Names of the score components, in the model's order, as `main_risk` reports them.
const COMPONENT_NAMES: [&str; 5] = [
    "lead-time variability",
    "late deliveries",
    "short shipments",
    "quality rejects",
    "rising lead times",
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Supplier risk from purchase-order history, one row per received order: GROUP BY \
         supplier (or supplier and SKU). Returns a struct {orders, lead_time_mean, \
         lead_time_std, lead_time_p90, lead_time_trend, lead_time_rise, fill_rate, on_time_rate, \
         reject_rate, score, band, main_risk, planning_lead_time, planning_lead_time_std}. \
         lead_time_std is the sample standard deviation, lead_time_p90 the empirical 90th \
         percentile (numpy's linear rule); with at least 6 orders lead_time_trend is the OLS \
         slope of lead time on order date (days per calendar day) and lead_time_rise the fitted \
         rise over the history relative to the mean, else both are 0. fill_rate = Σ min(received, \
         ordered) / Σ ordered, on_time_rate = share of on-time orders, reject_rate = Σ rejected \
         / Σ received (capped at 1). score (0–100, higher = riskier) weighs lead-time CV (25, \
         capped at CV 0.5), lateness (25), short shipments (20, capped at 80% fill), rejects \
         (15, capped at 5%) and a rising trend (15, capped at +50%); band is 'low' (< 25), \
         'medium' (< 50) or 'high'; main_risk names the largest contribution (NULL at score 0). \
         planning_lead_time is the mean, or the trend level at the latest order when lead times \
         are rising: use it and planning_lead_time_std as lead_time and lead_time_std in \
         safety_stock. NULL handling: a row with a NULL lead time or order date (an open order) \
         is skipped; NULL quantities leave the row out of the fill and reject rates, a NULL \
         on_time out of the on-time rate; a rate with no data is NULL and counts as perfect in \
         the score. A group with no received order gives NULL. Errors (SQLSTATE 22023): NaN or \
         negative lead times or quantities, and 6 or more orders all placed on the same day \
         (no trend can be fitted).",
        "supplier_risk(lead_time_days, order_date, qty_ordered, qty_received, qty_rejected, on_time)",
    )
    .with_sql_example(
        "SELECT supplier_id, r['score'], r['band'], r['planning_lead_time']\n\
         FROM (SELECT supplier_id,\n\
         \x20            supplier_risk(received_date - order_date, order_date, qty_ordered,\n\
         \x20                          qty_received, qty_rejected, received_date <= due_date) AS r\n\
         \x20     FROM purchase_orders GROUP BY supplier_id)\n\
         ORDER BY r['score'] DESC;",
    )
    .with_argument(
        "lead_time_days",
        "Days from order to receipt, at least 0 (NULL for an order not yet received: skipped).",
    )
    .with_argument(
        "order_date",
        "When the order was placed: a DATE, TIMESTAMP or a number of days (any origin), for the \
         trend. NULL: the row is skipped.",
    )
    .with_argument("qty_ordered", "Units ordered, at least 0.")
    .with_argument("qty_received", "Units received (rejected ones included), at least 0.")
    .with_argument("qty_rejected", "Units rejected at receipt for quality, at least 0.")
    .with_argument(
        "on_time",
        "Whether the order arrived by its due date: a BOOLEAN (or a number, non-zero = true).",
    )
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SupplierRisk {
    signature: Signature,
}

impl SupplierRisk {
    pub fn new() -> Self {
        let signature = Signature::user_defined(Volatility::Immutable)
            .with_parameter_names(PARAMS.to_vec())
            .expect("user-defined signatures accept parameter names");
        SupplierRisk { signature }
    }
}

impl Default for SupplierRisk {
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

fn is_flag(t: &DataType) -> bool {
    t == &DataType::Boolean || is_number(t)
}

/// What each argument accepts, for errors.
const EXPECTED: [&str; 6] = [
    "a number",
    "a DATE, TIMESTAMP or number of days",
    "a number",
    "a number",
    "a number",
    "a BOOLEAN or number",
];

fn accepts(i: usize, t: &DataType) -> bool {
    match i {
        1 => is_date(t) || is_number(t),
        5 => is_flag(t),
        _ => is_number(t),
    }
}

impl AggregateUDFImpl for SupplierRisk {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        // Lenient: unknown types pass through so that return_type can raise a typed error.
        Ok(arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| match i {
                1 if is_date(t) => DataType::Date32,
                1 if is_number(t) => DataType::Float64,
                5 if is_flag(t) => DataType::Boolean,
                0 | 2 | 3 | 4 if is_number(t) => DataType::Float64,
                _ => t.clone(),
            })
            .collect())
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        crate::udfs::args::check_arg_types(NAME, &PARAMS, PARAMS.len(), arg_types, accepts, |i| {
            EXPECTED[i]
        })?;
        Ok(struct_type(FIELDS))
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(RiskAccumulator::default()))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)));
        let mut fields = vec![
            Field::new(
                format_state_name(args.name, "lead_times"),
                list.clone(),
                true,
            ),
            Field::new(format_state_name(args.name, "order_days"), list, true),
        ];
        for s in SUMS {
            fields.push(Field::new(
                format_state_name(args.name, s),
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

/// Names of the running sums in the partial state, in [`RiskAccumulator::sums`] order.
const SUMS: [&str; 6] = [
    "fill_ordered",
    "fill_received",
    "reject_received",
    "rejected",
    "on_time",
    "on_time_known",
];

#[derive(Debug, Default)]
struct RiskAccumulator {
    lead_times: Vec<f64>,
    order_days: Vec<f64>,
    /// See [`SUMS`].
    sums: [f64; 6],
}

fn bad(name: &'static str, value: f64) -> InventoryError {
    InventoryError::OutOfRange {
        name,
        range: "a finite number at least 0",
        value,
    }
}

fn quantity(name: &'static str, a: &Float64Array, i: usize) -> Result<Option<f64>> {
    if a.is_null(i) {
        return Ok(None);
    }
    let v = a.value(i);
    if v.is_finite() && v >= 0.0 {
        Ok(Some(v))
    } else {
        Err(model_error(NAME, bad(name, v)))
    }
}

impl RiskAccumulator {
    fn risk(&self) -> Result<Option<(Risk, [Option<f64>; 3])>> {
        if self.lead_times.is_empty() {
            return Ok(None);
        }
        let [f_ord, f_rec, r_rec, rej, on_time, on_time_n] = self.sums;
        let fill = (f_ord > 0.0).then(|| (f_rec / f_ord).min(1.0));
        let reject = (r_rec > 0.0).then(|| (rej / r_rec).min(1.0));
        let on_time = (on_time_n > 0.0).then(|| on_time / on_time_n);
        let r = supplier_risk(
            &self.lead_times,
            Some(&self.order_days),
            fill.unwrap_or(1.0),
            on_time.unwrap_or(1.0),
            reject.unwrap_or(0.0),
        )
        .map_err(|e| model_error(NAME, e))?;
        Ok(Some((r, [fill, on_time, reject])))
    }
}

impl Accumulator for RiskAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let lt = values[0].as_primitive::<Float64Type>();
        let day = |i: usize| -> Option<f64> {
            let a = &values[1];
            if a.is_null(i) {
                return None;
            }
            match a.data_type() {
                DataType::Date32 => Some(a.as_primitive::<Date32Type>().value(i) as f64),
                DataType::Float64 => Some(a.as_primitive::<Float64Type>().value(i)),
                _ => None,
            }
        };
        let ordered = values[2].as_primitive::<Float64Type>();
        let received = values[3].as_primitive::<Float64Type>();
        let rejected = values[4].as_primitive::<Float64Type>();
        let on_time: &BooleanArray = values[5].as_boolean();
        for i in 0..lt.len() {
            if lt.is_null(i) {
                continue;
            }
            let Some(d) = day(i) else { continue };
            let l = lt.value(i);
            if !(l.is_finite() && l >= 0.0) {
                return Err(model_error(NAME, bad("lead time", l)));
            }
            if !d.is_finite() {
                return Err(model_error(
                    NAME,
                    InventoryError::OutOfRange {
                        name: "order date",
                        range: "a finite number",
                        value: d,
                    },
                ));
            }
            self.lead_times.push(l);
            self.order_days.push(d);
            let o = quantity("quantity ordered", ordered, i)?;
            let rc = quantity("quantity received", received, i)?;
            let rj = quantity("quantity rejected", rejected, i)?;
            if let (Some(o), Some(rc)) = (o, rc) {
                if o > 0.0 {
                    self.sums[0] += o;
                    self.sums[1] += rc.min(o);
                }
            }
            if let (Some(rc), Some(rj)) = (rc, rj) {
                self.sums[2] += rc;
                self.sums[3] += rj;
            }
            if !on_time.is_null(i) {
                self.sums[4] += f64::from(u8::from(on_time.value(i)));
                self.sums[5] += 1.0;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut out = StructOut::new(FIELDS, 1);
        match self.risk()? {
            None => out.null_row(),
            Some((r, [fill, on_time, reject])) => {
                out.i64(0, Some(r.observations as i64));
                out.f64(1, Some(r.lead_time_mean));
                out.f64(2, Some(r.lead_time_std));
                out.f64(3, Some(r.lead_time_p90));
                out.f64(4, Some(r.trend_slope));
                out.f64(5, Some(r.trend_relative));
                out.f64(6, fill);
                out.f64(7, on_time);
                out.f64(8, reject);
                out.f64(9, Some(r.score));
                out.text(10, Some(r.band()));
                out.text(11, main_risk(&r));
                out.f64(12, Some(r.planning_lead_time));
                out.f64(13, Some(r.planning_lead_time_std));
                out.end_row();
            }
        }
        let array = out.finish();
        let s: &StructArray = array.as_struct();
        Ok(ScalarValue::Struct(Arc::new(s.clone())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + (self.lead_times.capacity() + self.order_days.capacity()) * std::mem::size_of::<f64>()
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
        let mut state = vec![list(&self.lead_times), list(&self.order_days)];
        state.extend(self.sums.iter().map(|s| ScalarValue::Float64(Some(*s))));
        Ok(state)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lts = states[0].as_list::<i32>();
        let days = states[1].as_list::<i32>();
        for row in 0..lts.len() {
            if lts.is_null(row) || days.is_null(row) {
                continue;
            }
            let l = lts.value(row);
            let d = days.value(row);
            self.lead_times
                .extend(l.as_primitive::<Float64Type>().values().iter());
            self.order_days
                .extend(d.as_primitive::<Float64Type>().values().iter());
            for (k, s) in self.sums.iter_mut().enumerate() {
                let a = states[2 + k].as_primitive::<Float64Type>();
                if !a.is_null(row) {
                    *s += a.value(row);
                }
            }
        }
        Ok(())
    }
}

/// The component with the largest weighted contribution, or None for a perfect supplier.
fn main_risk(r: &Risk) -> Option<&'static str> {
    let (best, value) = r
        .components
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| c * w)
        .enumerate()
        .fold((0, 0.0), |acc, (i, v)| if v > acc.1 { (i, v) } else { acc });
    (value > 0.0).then_some(COMPONENT_NAMES[best])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlError;

    fn batch(rows: &[(Option<f64>, f64, f64, f64, f64, bool)]) -> Vec<ArrayRef> {
        vec![
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            )),
            Arc::new(BooleanArray::from(
                rows.iter().map(|r| r.5).collect::<Vec<_>>(),
            )),
        ]
    }

    #[test]
    fn partial_states_merge_to_the_same_answer() {
        let rows = [
            (Some(5.0), 0.0, 100.0, 100.0, 0.0, true),
            (Some(4.0), 10.0, 100.0, 90.0, 2.0, true),
            (None, 15.0, 100.0, 0.0, 0.0, false),
            (Some(6.0), 20.0, 50.0, 50.0, 0.0, false),
            (Some(7.0), 30.0, 80.0, 80.0, 1.0, true),
            (Some(9.0), 40.0, 100.0, 100.0, 0.0, true),
            (Some(6.2), 50.0, 100.0, 110.0, 0.0, false),
        ];
        let mut whole = RiskAccumulator::default();
        whole.update_batch(&batch(&rows)).unwrap();
        let mut a = RiskAccumulator::default();
        a.update_batch(&batch(&rows[..3])).unwrap();
        let mut b = RiskAccumulator::default();
        b.update_batch(&batch(&rows[3..])).unwrap();
        let sa = a.state().unwrap();
        let sb = b.state().unwrap();
        let states: Vec<ArrayRef> = (0..sa.len())
            .map(|k| ScalarValue::iter_to_array([sa[k].clone(), sb[k].clone()]).unwrap())
            .collect();
        let mut merged = RiskAccumulator::default();
        merged.merge_batch(&states).unwrap();
        assert_eq!(whole.evaluate().unwrap(), merged.evaluate().unwrap());
        let (r, [fill, on_time, reject]) = whole.risk().unwrap().unwrap();
        assert_eq!(r.observations, 6);
        assert!((r.lead_time_mean - 6.2).abs() < 1e-12);
        // fill: min(received, ordered) summed: 100 + 90 + 50 + 80 + 100 + 100 over 530
        assert!((fill.unwrap() - 520.0 / 530.0).abs() < 1e-12);
        assert!((on_time.unwrap() - 4.0 / 6.0).abs() < 1e-12);
        assert!((reject.unwrap() - 3.0 / 530.0).abs() < 1e-12);
    }

    #[test]
    fn empty_group_is_null_and_bad_input_is_an_error() {
        let mut acc = RiskAccumulator::default();
        acc.update_batch(&batch(&[(None, 0.0, 1.0, 1.0, 0.0, true)]))
            .unwrap();
        assert!(acc.evaluate().unwrap().is_null());
        let mut acc = RiskAccumulator::default();
        let e = acc
            .update_batch(&batch(&[(Some(-1.0), 0.0, 1.0, 1.0, 0.0, true)]))
            .unwrap_err();
        assert_eq!(
            SqlError::find_in(&e).unwrap().message,
            "supplier_risk: lead time must be a finite number at least 0, got -1"
        );
    }
}
