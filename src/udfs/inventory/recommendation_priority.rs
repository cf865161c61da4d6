//! `recommendation_priority(...)`: urgency class and ranking score, as a struct.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, struct_type};
use crate::models::inventory::confidence::priority;
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("value_at_stake"),
    Param::num("confidence"),
    Param::num("cover"),
    Param::num("lead_time"),
    Param::num("review_period"),
];

const FIELDS: &[(&str, OutKind)] = &[("priority", OutKind::Text), ("score", OutKind::F64)];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Urgency of a recommendation and a score to sort by. priority is 'critical' when the \
         stock runs out before an order placed now can arrive (cover < lead_time), 'high' when \
         before the next review's order can arrive (cover < lead_time + review_period), else \
         'normal'. score = value_at_stake × confidence × urgency with urgency = 1 + max(0, (L + R \
         - cover)/(L + R)) in [1, 2], so a confident, valuable, imminent stock-out ranks first \
         (ORDER BY score DESC). Returns a struct {priority, score}. A NULL cover means unbounded \
         cover (what days_of_cover returns for stock with no demand) and gives 'normal'; any \
         other NULL argument gives NULL. Errors (SQLSTATE 22023): negative value, cover, lead \
         time or review period, a confidence outside [0, 1], NaN or infinities.",
        "recommendation_priority(value_at_stake, confidence, cover, lead_time, review_period)",
    )
    .with_sql_example(
        "SELECT recommendation_priority(100, 0.8, 3, 5, 7);\n\
         -- {priority: critical, score: 140}",
    )
    .with_argument(
        "value_at_stake",
        "Money at stake (expected lost margin avoided, order value), at least 0.",
    )
    .with_argument(
        "confidence",
        "Confidence in [0, 1] (recommendation_confidence).",
    )
    .with_argument(
        "cover",
        "Periods of cover (days_of_cover, cover_from_forecast), at least 0; NULL = unbounded.",
    )
    .with_argument(
        "lead_time",
        "Lead time in the periods of cover, at least 0.",
    )
    .with_argument(
        "review_period",
        "Review period in the periods of cover, at least 0.",
    )
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    for r in 0..i.rows {
        let (Some(v), Some(c), Some(l), Some(rp)) = (
            i.num(0).get(r),
            i.num(1).get(r),
            i.num(3).get(r),
            i.num(4).get(r),
        ) else {
            out.null_row();
            continue;
        };
        let p = priority(v, c, i.num(2).get(r), l, rp).map_err(|e| i.err(e))?;
        out.text(0, Some(p.class.as_str()));
        out.f64(1, Some(p.score));
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "recommendation_priority",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
