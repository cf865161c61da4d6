//! `transfer_benefit(...)`: should surplus move from one location to another? As a struct.
use std::sync::LazyLock;

use datafusion::arrow::array::ArrayRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{Inputs, InventoryUdf, OutKind, Param, StructOut, arg_doc, struct_type};
use crate::models::inventory::transfer::{TransferInput, transfer_benefit};
use crate::udfs::docs::SECTION_INVENTORY;

const PARAMS: &[Param] = &[
    Param::num("source_on_hand"),
    Param::num("source_demand_mean"),
    Param::num("source_demand_std"),
    Param::num("destination_position"),
    Param::num("destination_demand_mean"),
    Param::num("destination_demand_std"),
    Param::num("service_level"),
    Param::num("unit_margin"),
    Param::num("cost_per_unit"),
    Param::num("cost_per_shipment"),
    Param::num_or("case_pack", 1.0),
];

const FIELDS: &[(&str, OutKind)] = &[
    ("quantity", OutKind::F64),
    ("surplus", OutKind::F64),
    ("deficit", OutKind::F64),
    ("destination_units_saved", OutKind::F64),
    ("source_units_lost", OutKind::F64),
    ("benefit", OutKind::F64),
    ("cost", OutKind::F64),
    ("net_benefit", OutKind::F64),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_INVENTORY,
        "Whether and how much surplus stock to move from a source location to a destination \
         short of it, rather than waiting for the supplier. Each side faces normal demand over \
         its horizon (source: until its next replenishment; destination: until a supplier order \
         placed now would arrive). Moving q units avoids unit_margin × the expected lost units \
         at the destination, risks unit_margin × the extra lost units at the source, and costs \
         cost_per_shipment + cost_per_unit·q. The source keeps its own target (mean + z·σ, z \
         from service_level) and the destination is not filled past its target; within those \
         bounds q maximises the net benefit in whole cases. Returns a struct {quantity, surplus, \
         deficit, destination_units_saved, source_units_lost, benefit, cost, net_benefit}; \
         quantity is 0 (and the money figures 0) when no transfer pays. Returns NULL when any \
         argument is NULL. Errors (SQLSTATE 22023): negative stock at the source, negative means, \
         deviations, margin or costs, a service level outside (0, 1), a case pack of 0, NaN or \
         infinities.",
        "transfer_benefit(source_on_hand, source_demand_mean, source_demand_std, destination_position, destination_demand_mean, destination_demand_std, service_level, unit_margin, cost_per_unit, cost_per_shipment[, case_pack])",
    )
    .with_sql_example(
        "SELECT transfer_benefit(200, 40, 10, 10, 60, 15, 0.95, 8, 0.5, 30, 6)['quantity'];\n\
         -- 72",
    )
    .with_argument("source_on_hand", "Stock the source can ship (on hand net of commitments), at least 0.")
    .with_argument(
        "source_demand_mean",
        "Mean source demand until its next replenishment arrives (units), at least 0.",
    )
    .with_argument(
        "source_demand_std",
        "Standard deviation of that source demand (units), at least 0.",
    )
    .with_argument(
        "destination_position",
        "Destination on hand + on order arriving within the horizon - backorders; may be negative.",
    )
    .with_argument(
        "destination_demand_mean",
        "Mean destination demand until a supplier order placed now would arrive, at least 0.",
    )
    .with_argument(
        "destination_demand_std",
        "Standard deviation of that destination demand, at least 0.",
    )
    .with_argument("service_level", arg_doc::SERVICE_LEVEL)
    .with_argument("unit_margin", "Margin lost per unit of unmet demand (price - cost), at least 0.")
    .with_argument("cost_per_unit", "Transport and handling cost per unit moved, at least 0.")
    .with_argument("cost_per_shipment", "Fixed cost per shipment, at least 0.")
    .with_argument("case_pack", arg_doc::CASE_PACK)
    .build()
});

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = StructOut::new(FIELDS, i.rows);
    let mut a = [0.0; 11];
    for r in 0..i.rows {
        if !i.nums_into(r, &mut a) {
            out.null_row();
            continue;
        }
        let t = transfer_benefit(&TransferInput {
            source_on_hand: a[0],
            source_mean: a[1],
            source_std: a[2],
            destination_position: a[3],
            destination_mean: a[4],
            destination_std: a[5],
            service_level: a[6],
            unit_margin: a[7],
            cost_per_unit: a[8],
            cost_per_shipment: a[9],
            case_pack: a[10],
        })
        .map_err(|e| i.err(e))?;
        for (c, v) in [
            t.quantity,
            t.surplus,
            t.deficit,
            t.destination_units_saved,
            t.source_units_lost,
            t.benefit,
            t.cost,
            t.net_benefit,
        ]
        .into_iter()
        .enumerate()
        {
            out.f64(c, Some(v));
        }
        out.end_row();
    }
    Ok(out.finish())
}

pub fn udf() -> ScalarUDF {
    InventoryUdf::new(
        "transfer_benefit",
        PARAMS,
        struct_type(FIELDS),
        &DOC,
        kernel,
    )
}
