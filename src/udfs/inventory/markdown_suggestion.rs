//! `markdown_suggestion(...)`: the discount that makes the most of stock that will not sell
//! through, as a struct.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, struct_type};
use crate::models::inventory::markdown::{MarkdownInput, suggest_markdown};
use crate::udfs::docs::SECTION_INVENTORY;

/// The discount grid used when none is given: 0% to 70% in steps of 10%.
const DEFAULT_GRID: &[f64] = &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

const PARAMS: &[Param] = &[
    Param::num("stock"),
    Param::num("remaining_days"),
    Param::num("daily_demand"),
    Param::num("elasticity"),
    Param::num("price"),
    Param::num("unit_cost"),
    Param::num_or("salvage_value", 0.0),
    Param::list_or("discounts", DEFAULT_GRID),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("discount", OutKind::F64),
    ("markdown_price", OutKind::F64),
    ("expected_units", OutKind::F64),
    ("sell_through", OutKind::F64),
    ("expected_margin", OutKind::F64),
    ("no_markdown_units", OutKind::F64),
    ("no_markdown_sell_through", OutKind::F64),
    ("no_markdown_margin", OutKind::F64),
    ("margin_effect", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Suggested markdown for stock that will not sell through by the end of its season. \
         Demand responds with constant price elasticity ε: rate(δ) = daily_demand·(1 - δ)^ε for \
         a discount δ (ε = -2: 20% off sells 1.5625× as fast). Sales over the remaining days are \
         Poisson, capped by the stock; unsold units are worth salvage_value. For each discount \
         on the grid the expected margin is sold·(price·(1 - δ) - unit_cost) + unsold·(salvage - \
         unit_cost); the best one wins (ties go to the smaller discount) and is compared with no \
         markdown. Returns a struct {discount, markdown_price, expected_units, sell_through, \
         expected_margin, no_markdown_units, no_markdown_sell_through, no_markdown_margin, \
         margin_effect}. Zero stock or zero remaining days suggests the smallest discount. \
         Returns NULL when any argument (or the grid) is NULL. Errors (SQLSTATE 22023): a \
         positive elasticity, negative or NaN inputs, an empty grid, a discount outside [0, 1).",
        "markdown_suggestion(stock, remaining_days, daily_demand, elasticity, price, unit_cost[, salvage_value, discounts])",
    )
    .with_sql_example(
        "-- 300 on hand, 30 days left, selling 4/day at 40 (cost 18, outlet value 5)\n\
         SELECT markdown_suggestion(300, 30, 4, -2.5, 40, 18, 5);\n\n\
         SELECT markdown_suggestion(300, 30, 4, -2.5, 40, 18, 5, [0, 0.25, 0.5])['discount'];",
    )
    .with_argument("stock", "Units on hand to sell, at least 0.")
    .with_argument("remaining_days", "Days left in the season, at least 0.")
    .with_argument("daily_demand", "Expected sales per day at the current price, at least 0.")
    .with_argument(
        "elasticity",
        "Price elasticity of demand, at most 0 (-1.5 to -3 is typical); 0 means discounts only \
         lose margin.",
    )
    .with_argument("price", "Current selling price per unit, at least 0.")
    .with_argument("unit_cost", "Cost per unit, at least 0.")
    .with_argument(
        "salvage_value",
        "Value per unsold unit at season end (outlet price, return credit), at least 0. \
         Optional, default 0 (written off).",
    )
    .with_argument(
        "discounts",
        "Discounts to consider, a list of fractions in [0, 1) (0.3 = 30% off). Optional, \
         default [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut a = [0.0; 7];
    let mut scratch = Vec::new();
    for r in 0..i.rows {
        if !i.nums_into(r, &mut a) {
            out.null_row();
            continue;
        }
        let Some(grid) = i.list(7).get(r, &mut scratch) else {
            out.null_row();
            continue;
        };
        let m = suggest_markdown(&MarkdownInput {
            stock: a[0],
            remaining_days: a[1],
            baseline_rate: a[2],
            elasticity: a[3],
            price: a[4],
            unit_cost: a[5],
            salvage_value: a[6],
            discounts: grid,
        })
        .map_err(|e| i.err(e))?;
        out.f64(0, Some(m.best.discount));
        out.f64(1, Some(a[4] * (1.0 - m.best.discount)));
        out.f64(2, Some(m.best.expected_units));
        out.f64(3, Some(m.best.sell_through));
        out.f64(4, Some(m.best.expected_margin));
        out.f64(5, Some(m.no_markdown.expected_units));
        out.f64(6, Some(m.no_markdown.sell_through));
        out.f64(7, Some(m.no_markdown.expected_margin));
        out.f64(8, Some(m.margin_effect));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "markdown_suggestion",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
