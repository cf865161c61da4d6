//! `safety_stock_from_forecast(...)`: safety stock straight from the list of structs the forecast
//! aggregate returns.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, ListCol, Param, StructOut, arg_doc, struct_type};
use super::safety_stock_from_intervals::FIELDS;
use crate::error::SqlError;
use crate::models::inventory::forecast_quantiles::{Aggregation, safety_stock_from_intervals};
use crate::udfs::docs::SECTION_INVENTORY;

const NAME: &str = "safety_stock_from_forecast";

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::struct_list("forecast"),
    Param::num("interval_level"),
    Param::num("periods"),
    Param::num_or("lead_time_std", 0.0),
    Param::text_or("aggregation", "independent"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety stock straight from the list of structs the forecast aggregate returns (fields \
         yhat, yhat_lo_<level>, yhat_hi_<level>, one struct per period, next period first): the \
         same computation as safety_stock_from_intervals over its yhat, yhat_lo_<level> and \
         yhat_hi_<level> fields, where <level> is interval_level in percent (0.8 reads \
         yhat_lo_80 and yhat_hi_80). Returns a struct {reorder_point, safety_stock, \
         safety_factor, demand_mean, demand_std}. Returns NULL when any argument or the whole \
         list is NULL; a NULL struct inside the list counts as a missing period and is an error. \
         Errors (SQLSTATE 22023): no interval fields at interval_level (the message lists the \
         levels the forecast has), fewer than ceil(periods) periods, a negative mean, hi below \
         lo, a level outside (0, 1), an unknown aggregation.",
        "safety_stock_from_forecast(service_level, forecast, interval_level, periods[, lead_time_std, aggregation])",
    )
    .with_sql_example(
        "SELECT sku_id, store_id,\n\
         \x20      safety_stock_from_forecast(0.95, forecast(ds, units, 28), 0.8, 7 + 7)['reorder_point']\n\
         FROM daily_sales GROUP BY sku_id, store_id;",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument(
        "forecast",
        "The forecast as a list of structs with numeric fields yhat, yhat_lo_<level> and \
         yhat_hi_<level>, one per period from the next one on (what the forecast aggregate \
         returns).",
    )
    .with_argument(
        "interval_level",
        "Which interval to read, as a fraction strictly between 0 and 1: 0.8 reads yhat_lo_80 \
         and yhat_hi_80.",
    )
    .with_argument(
        "periods",
        "Protection interval L + R in forecast periods, at least 0, may be fractional.",
    )
    .with_argument("lead_time_std", arg_doc::LEAD_TIME_STD)
    .with_argument(
        "aggregation",
        "'independent' (variances add, default) or 'correlated' (standard deviations add, an \
         upper bound).",
    )
    .build()
});

/// The interval fields for `level` (a fraction): the `yhat_lo_<p>` / `yhat_hi_<p>` pair whose
/// percent suffix p equals 100·level.
fn interval_fields(names: &[String], level: f64) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        let suffix = n.strip_prefix("yhat_lo_")?;
        let p: f64 = suffix.replace('_', ".").parse().ok()?;
        let hi = format!("yhat_hi_{suffix}");
        ((p / 100.0 - level).abs() < 1e-9 && names.contains(&hi)).then(|| (n.clone(), hi))
    })
}

/// The levels a forecast carries, for the error message: "0.8, 0.95".
fn levels(names: &[String]) -> String {
    let v: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix("yhat_lo_"))
        .filter_map(|s| s.replace('_', ".").parse::<f64>().ok())
        .map(|p| format!("{}", p / 100.0))
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let fc = i.structs(1);
    let names = fc.field_names();
    let means = fc.field("yhat")?;
    // interval columns per distinct level (almost always one)
    let mut bounds: Vec<(f64, ListCol, ListCol)> = Vec::new();
    let (mut s1, mut s2, mut s3) = (Vec::new(), Vec::new(), Vec::new());
    let mut last: Option<(String, Aggregation)> = None;
    for r in 0..i.rows {
        let (Some(sl), Some(level), Some(periods), Some(lt_std), Some(agg)) = (
            i.num(0).get(r),
            i.num(2).get(r),
            i.num(3).get(r),
            i.num(4).get(r),
            i.text(5).get(r),
        ) else {
            out.null_row();
            continue;
        };
        if names.is_empty() {
            out.null_row();
            continue;
        }
        let k = match bounds.iter().position(|(l, _, _)| *l == level) {
            Some(k) => k,
            None => {
                let Some((lo, hi)) = interval_fields(&names, level) else {
                    return Err(SqlError::invalid_argument(format!(
                        "{NAME}: the forecast has no interval at level {level} \
                         (fields yhat_lo_{p}, yhat_hi_{p}); its levels are: {}",
                        levels(&names),
                        p = (level * 1e8).round() / 1e6
                    ))
                    .with_hint("pass interval_level as a fraction: 0.8 for yhat_lo_80")
                    .into_df());
                };
                bounds.push((level, fc.field(&lo)?, fc.field(&hi)?));
                bounds.len() - 1
            }
        };
        let (_, lo_col, hi_col) = &bounds[k];
        let (Some(m), Some(lo), Some(hi)) = (
            means.get(r, &mut s1),
            lo_col.get(r, &mut s2),
            hi_col.get(r, &mut s3),
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
        let s = safety_stock_from_intervals(sl, m, lo, hi, level, periods, aggregation, lt_std)
            .map_err(|e| i.err(e))?;
        super::safety_stock_from_intervals::push_row(&mut out, &s);
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(NAME, PARAMS, struct_type(FIELDS), &DOC, kernel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_fields() {
        let names: Vec<String> = [
            "ds",
            "yhat",
            "yhat_lo_80",
            "yhat_hi_80",
            "yhat_lo_95",
            "yhat_hi_95",
            "model",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            interval_fields(&names, 0.8),
            Some(("yhat_lo_80".into(), "yhat_hi_80".into()))
        );
        assert_eq!(
            interval_fields(&names, 0.95),
            Some(("yhat_lo_95".into(), "yhat_hi_95".into()))
        );
        assert_eq!(interval_fields(&names, 0.9), None);
        assert_eq!(levels(&names), "0.8, 0.95");
    }
}
