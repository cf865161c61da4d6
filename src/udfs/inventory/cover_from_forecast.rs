//! `cover_from_forecast(on_hand, forecast)`: periods of cover against a forecast path.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Float64Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, Param, arg_doc};
use crate::models::inventory::cover::cover_from_forecast;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("on_hand"),
    Param::list_or_field("forecast", "yhat"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Periods of cover against a forecast path: the (fractional) period in which cumulative \
         forecast demand reaches the stock, demand spread evenly within a period. Stock 15 \
         against [10, 10, 10] lasts 1.5 periods. Stock of 0 or less gives 0; stock beyond the \
         whole horizon (or an empty forecast with stock) gives NULL, meaning 'more than the \
         horizon'. Returns NULL when an argument or the whole list is NULL. A NULL, NaN or \
         negative forecast value is an error (SQLSTATE 22023): clamp model output with \
         greatest(yhat, 0) first.",
        "cover_from_forecast(on_hand, forecast)",
    )
    .with_sql_example(
        "SELECT cover_from_forecast(15, [10, 10, 10]);\n-- 1.5\n\n\
         SELECT sku_id, cover_from_forecast(min(on_hand), array_agg(yhat ORDER BY ds))\n\
         FROM forecasts JOIN stock USING (sku_id) GROUP BY sku_id;\n\n\
         -- straight from the forecast aggregate's list of structs (its yhat field)\n\
         SELECT cover_from_forecast(on_hand, fc) FROM stock_with_forecasts;",
    )
    .with_argument("on_hand", arg_doc::ON_HAND)
    .with_argument(
        "forecast",
        "Expected demand per period from the next period on, at least 0: a list of numbers \
         (array_agg(yhat ORDER BY ds)) or the list of structs the forecast aggregate returns, \
         read through its yhat field.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = Float64Builder::with_capacity(i.rows);
    let mut scratch = Vec::new();
    for r in 0..i.rows {
        let (Some(oh), Some(f)) = (i.num(0).get(r), i.list(1).get(r, &mut scratch)) else {
            out.append_null();
            continue;
        };
        out.append_option(cover_from_forecast(oh, f).map_err(|e| i.err(e))?);
    }
    Ok(Arc::new(out.finish()))
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "cover_from_forecast",
        PARAMS,
        DataType::Float64,
        &DOC,
        kernel,
    )
}
