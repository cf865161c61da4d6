//! `safety_stock_from_intervals(...)`: safety stock straight from per-period forecast intervals.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, arg_doc, struct_type};
use crate::models::inventory::forecast_quantiles::{Aggregation, safety_stock_from_intervals};
use crate::models::inventory::safety_stock::SafetyStock;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::list("means"),
    Param::list("lo"),
    Param::list("hi"),
    Param::num("interval_level"),
    Param::num("periods"),
    Param::num_or("lead_time_std", 0.0),
    Param::text_or("aggregation", "independent"),
];

/// The struct every safety-stock-from-forecast result has.
pub(super) const FIELDS: &[(&str, OutKind)] = &[
    ("reorder_point", OutKind::F64),
    ("safety_stock", OutKind::F64),
    ("safety_factor", OutKind::F64),
    ("demand_mean", OutKind::F64),
    ("demand_std", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety stock straight from a probabilistic forecast instead of a demand standard \
         deviation estimated on history. Each period's interval [lo, hi] at central coverage \
         interval_level gives a normal σᵢ = (hi - lo)/(2·Φ⁻¹((1 + level)/2)); the first `periods` \
         periods (L + R, may be fractional: the last period counts pro rata) are added up: \
         demand_mean = Σ meansᵢ, σ² = Σσᵢ² ('independent' errors) or σ = Σσᵢ ('correlated', an \
         upper bound), plus d̄²·σL² for lead-time variability. Returns a struct {reorder_point, \
         safety_stock, safety_factor, demand_mean, demand_std} with safety_stock = \
         Φ⁻¹(service_level)·σ and reorder_point = demand_mean + safety_stock. Lists are per \
         period starting with the next one; extra periods are ignored. The lists come from \
         forecast rows with array_agg(yhat ORDER BY ds) (and the same for the bounds); for the \
         list of structs the forecast aggregate returns use safety_stock_from_forecast. \
         Returns NULL when any argument (or a whole list) is NULL. Errors \
         (SQLSTATE 22023): lists of different lengths, fewer than ceil(periods) values, a NULL, \
         NaN or negative mean, hi below lo, a level outside (0, 1), an unknown aggregation.",
        "safety_stock_from_intervals(service_level, means, lo, hi, interval_level, periods[, lead_time_std, aggregation])",
    )
    .with_sql_example(
        "SELECT safety_stock_from_intervals(0.95,\n\
         \x20   array_agg(yhat ORDER BY ds), array_agg(yhat_lo_80 ORDER BY ds),\n\
         \x20   array_agg(yhat_hi_80 ORDER BY ds), 0.8, 7 + 7)\n\
         FROM forecasts WHERE sku_id = 42 GROUP BY sku_id;\n\n\
         SELECT safety_stock_from_intervals(0.95, [10, 10, 10], [7.4, 7.4, 7.4],\n\
         \x20   [12.6, 12.6, 12.6], 0.8, 2.5)['safety_stock'];\n-- 5.276361",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument(
        "means",
        "Forecast mean per period (yhat), a list of numbers at least 0, next period first.",
    )
    .with_argument("lo", "Lower interval bound per period (yhat_lo_<level>), same length as means.")
    .with_argument("hi", "Upper interval bound per period (yhat_hi_<level>), same length, at least lo.")
    .with_argument(
        "interval_level",
        "Central coverage of [lo, hi] as a fraction strictly between 0 and 1 (0.8 for an 80% interval).",
    )
    .with_argument(
        "periods",
        "Protection interval L + R in forecast periods, at least 0, may be fractional; 0 gives an empty interval.",
    )
    .with_argument("lead_time_std", arg_doc::LEAD_TIME_STD)
    .with_argument(
        "aggregation",
        "How period errors combine: 'independent' (variances add, the usual assumption) or \
         'correlated' (standard deviations add, an upper bound for forecasts biased over runs of \
         periods). Optional, default 'independent'.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let (mut s1, mut s2, mut s3) = (Vec::new(), Vec::new(), Vec::new());
    // The aggregation is almost always a constant: parse it once per distinct text.
    let mut last: Option<(String, Aggregation)> = None;
    for r in 0..i.rows {
        let (Some(sl), Some(level), Some(periods), Some(lt_std)) = (
            i.num(0).get(r),
            i.num(4).get(r),
            i.num(5).get(r),
            i.num(6).get(r),
        ) else {
            out.null_row();
            continue;
        };
        let (Some(means), Some(lo), Some(hi), Some(agg)) = (
            i.list(1).get(r, &mut s1),
            i.list(2).get(r, &mut s2),
            i.list(3).get(r, &mut s3),
            i.text(7).get(r),
        ) else {
            out.null_row();
            continue;
        };
        let aggregation = match &last {
            Some((name, a)) if name == agg => *a,
            _ => {
                let a = Aggregation::from_name(agg).map_err(|e| i.err(e))?;
                last = Some((agg.to_string(), a));
                a
            }
        };
        let s = safety_stock_from_intervals(sl, means, lo, hi, level, periods, aggregation, lt_std)
            .map_err(|e| i.err(e))?;
        push_row(&mut out, &s);
    }
    Ok(out.finish())
}

/// Writes one safety-stock result as a row of the [`FIELDS`] struct (shared with
/// safety_stock_from_forecast and safety_stock_from_cumulative).
pub(super) fn push_row(out: &mut StructOut, s: &SafetyStock) {
    out.f64(0, Some(s.mean + s.safety_stock));
    out.f64(1, Some(s.safety_stock));
    out.f64(2, Some(s.k));
    out.f64(3, Some(s.mean));
    out.f64(4, Some(s.std_dev));
    out.end_row();
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "safety_stock_from_intervals",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
