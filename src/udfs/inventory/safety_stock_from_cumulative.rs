//! `safety_stock_from_cumulative(service_level, cumulative, periods, demand_mean[,
//! lead_time_std])`: safety stock from the forecast's own service-level quantiles of *total*
//! demand through each period (read from a forecast's `cumulative_quantiles` with
//! `cumulative_quantile`), the second rule next to `safety_stock_from_intervals`
//! (`models::inventory::forecast_quantiles`, rule 3).
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, StructOut, arg_doc, struct_type};
use super::safety_stock_from_intervals::FIELDS;
use crate::models::inventory::InventoryError;
use crate::models::inventory::forecast_quantiles::{cumulative_at, safety_stock_from_cumulative};
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("service_level"),
    Param::list("cumulative"),
    Param::num("periods"),
    Param::num("demand_mean"),
    Param::num_or("lead_time_std", 0.0),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Safety stock from the forecast's own quantile of total demand over the protection \
         interval. `cumulative` lists, per forecast period (next period first), the \
         service_level quantile of demand from the first period through that one — \
         array_agg(cumulative_quantile(cumulative_quantiles, service_level) ORDER BY ds) over \
         forecast rows made with the option cumulative_quantiles=... (measured from the \
         model's errors summed over as many periods at in-sample origins). The quantile q over \
         `periods` (L + R, may be fractional: linear between the whole periods around it, 0 \
         before the first) gives safety_stock = √(max(q − demand_mean, 0)² + \
         (z·d̄·lead_time_std)²) with z = Φ⁻¹(service_level) and d̄ = demand_mean / periods. \
         Returns {reorder_point, safety_stock, safety_factor (z), demand_mean, demand_std \
         (safety_stock / z)} like safety_stock_from_intervals; inventory_position keeps the \
         larger of the two (errors that persist over days add up linearly, which independent \
         per-period intervals miss). NULL when any argument is NULL or a needed value is NULL or \
         NaN (the model had too few in-sample errors). Errors (SQLSTATE 22023): service_level \
         outside (0, 1), periods negative or beyond the list, a negative demand_mean or \
         lead_time_std.",
        "safety_stock_from_cumulative(service_level, cumulative, periods, demand_mean[, lead_time_std])",
    )
    .with_sql_example(
        "SELECT safety_stock_from_cumulative(0.95, [14, 28], 2, 20)['safety_stock'];\n-- 8\n\n\
         SELECT safety_stock_from_cumulative(0.95,\n\
         \x20   array_agg(cumulative_quantile(cumulative_quantiles, 0.95) ORDER BY ds), 12,\n\
         \x20   sum(yhat) FILTER (WHERE ds < DATE '2025-01-13'), 1.0)\n\
         FROM demand_forecast_location WHERE sku_id = 1001 AND store_id = 1;",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument(
        "cumulative",
        "Per forecast period (next period first), the service_level quantile of total demand \
         through that period (units).",
    )
    .with_argument(
        "periods",
        "The protection interval L + R in forecast periods, at least 0 and at most the list's \
         length; may be fractional.",
    )
    .with_argument(
        "demand_mean",
        "Expected demand over the same periods (the forecast total), at least 0.",
    )
    .with_argument(
        "lead_time_std",
        "Standard deviation of the lead time in periods, at least 0 (default 0).",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut scratch = Vec::new();
    for r in 0..i.rows {
        let (Some(sl), Some(path), Some(periods), Some(mean), Some(lt_std)) = (
            i.num(0).get(r),
            i.list(1).get(r, &mut scratch),
            i.num(2).get(r),
            i.num(3).get(r),
            i.num(4).get(r),
        ) else {
            out.null_row();
            continue;
        };
        if !(periods >= 0.0 && periods <= path.len() as f64) {
            return Err(i.err(InventoryError::OutOfRange {
                name: "periods",
                range: "between 0 and the length of the cumulative list",
                value: periods,
            }));
        }
        let Some(q) = cumulative_at(path, periods) else {
            out.null_row();
            continue;
        };
        let s = safety_stock_from_cumulative(sl, mean, q, periods, lt_std).map_err(|e| i.err(e))?;
        super::safety_stock_from_intervals::push_row(&mut out, &s);
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "safety_stock_from_cumulative",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
