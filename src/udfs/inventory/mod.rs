//! SQL functions of the inventory family, one function per file.
//!
//! Thin adapters over `crate::models::inventory`: they read Arrow columns, call the model row by
//! row (or per group for the aggregate), and map [`InventoryError`] to a SQLSTATE with
//! [`to_sql_error`]. The calling conventions shared by every function (number coercion, NULL in →
//! NULL out, NaN and out-of-range values are 22023 errors, trailing optional parameters) are
//! described in `common.rs`.
//!
//! Argument names are the same across the family: `service_level`, `fill_rate`, `demand_mean`,
//! `demand_std` (per period), `lead_time`, `lead_time_std`, `review_period` (in periods),
//! `order_quantity`, `safety_stock`, `on_hand`, `on_order`, `backorders`, `reorder_point`,
//! `order_up_to`, `moq`, `case_pack`.
use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

use crate::error::{SqlError, codes};
use crate::models::inventory::InventoryError;

mod common;

mod cover_from_forecast;
mod days_of_cover;
mod demand_shift;
mod eoq;
mod eoq_backorders;
mod expected_shortage;
mod fill_rate_from_safety_stock;
mod inverse_normal_loss;
mod launch_allocation;
mod lead_time_demand;
mod markdown_suggestion;
mod normal_loss;
mod order_quantity;
mod order_quantity_fixed;
mod order_up_to_level;
mod phantom_inventory_probability;
mod policy_replay;
mod recommendation_confidence;
mod recommendation_confidence_from_mase;
mod recommendation_priority;
mod reorder_point;
mod robust_zscore;
mod rolling_order_up_to;
mod round_order;
mod rq_policy;
mod safety_stock;
mod safety_stock_fill_rate;
mod safety_stock_from_cumulative;
mod safety_stock_from_forecast;
mod safety_stock_from_intervals;
mod safety_stock_from_quantile;
mod service_level_from_z;
mod service_level_z;
mod ss_policy;
mod stockout_probability;
mod supplier_risk;
mod transfer_benefit;
mod weeks_of_cover;
mod zero_sales_probability;

/// Scalar functions of this family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    [
        service_level_z::udf(),
        service_level_from_z::udf(),
        normal_loss::udf(),
        inverse_normal_loss::udf(),
        lead_time_demand::udf(),
        safety_stock::udf(),
        safety_stock_fill_rate::udf(),
        fill_rate_from_safety_stock::udf(),
        safety_stock_from_intervals::udf(),
        safety_stock_from_forecast::udf(),
        safety_stock_from_cumulative::udf(),
        safety_stock_from_quantile::udf(),
        reorder_point::udf(),
        order_up_to_level::udf(),
        ss_policy::udf(),
        rq_policy::udf(),
        eoq::udf(),
        eoq_backorders::udf(),
        round_order::udf(),
        order_quantity::udf(),
        order_quantity_fixed::udf(),
        days_of_cover::udf(),
        weeks_of_cover::udf(),
        cover_from_forecast::udf(),
        expected_shortage::udf(),
        stockout_probability::udf(),
        transfer_benefit::udf(),
        markdown_suggestion::udf(),
        launch_allocation::udf(),
        robust_zscore::udf(),
        demand_shift::udf(),
        zero_sales_probability::udf(),
        phantom_inventory_probability::udf(),
        recommendation_confidence::udf(),
        recommendation_confidence_from_mase::udf(),
        recommendation_priority::udf(),
    ]
    .into_iter()
    .map(Arc::new)
    .collect()
}

/// Aggregate functions of this family.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::from(supplier_risk::SupplierRisk::new())),
        Arc::new(AggregateUDF::from(policy_replay::PolicyReplay::new())),
        Arc::new(AggregateUDF::from(
            rolling_order_up_to::RollingOrderUpTo::new(),
        )),
    ]
}

/// Maps a model error to a SQL error: argument problems are 22023 (invalid parameter value) with
/// a hint where one helps; a solver that did not converge is an internal error (XX000).
pub fn to_sql_error(e: InventoryError) -> SqlError {
    let message = e.to_string();
    match e {
        InventoryError::NoConvergence { .. } => SqlError::new(codes::INTERNAL_ERROR, message)
            .with_hint("this is a bug in aisle; please report it with the arguments of the call"),
        InventoryError::OutOfRange { range, .. } if range.starts_with("between 0 and 1") => {
            SqlError::invalid_argument(message)
                .with_hint("levels and rates are fractions: write 0.95 for 95%")
        }
        InventoryError::OutOfRange { value, .. } if value.is_nan() => SqlError::invalid_argument(
            message,
        )
        .with_hint("NaN usually comes from a division by zero upstream; filter or coalesce it"),
        InventoryError::OutOfRange { .. } => SqlError::invalid_argument(message),
        InventoryError::TooShort { .. } => SqlError::invalid_argument(message)
            .with_hint("pass a longer list, or filter out the groups with too little history"),
        InventoryError::LengthMismatch { .. } => SqlError::invalid_argument(message).with_hint(
            "build the lists from the same rows with the same ORDER BY, e.g. \
             array_agg(yhat ORDER BY ds) and array_agg(yhat_lo_80 ORDER BY ds)",
        ),
        InventoryError::UnknownName { .. } => SqlError::invalid_argument(message),
        InventoryError::Inconsistent { .. } => SqlError::invalid_argument(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates() {
        let e = to_sql_error(InventoryError::NoConvergence { what: "x" });
        assert_eq!(e.code, codes::INTERNAL_ERROR);
        let e = to_sql_error(InventoryError::OutOfRange {
            name: "service level",
            range: "between 0 and 1 exclusive",
            value: 95.0,
        });
        assert_eq!(e.code, codes::INVALID_PARAMETER_VALUE);
        assert_eq!(
            e.message,
            "service level must be between 0 and 1 exclusive, got 95"
        );
        assert!(e.hint.unwrap().contains("0.95"));
    }

    #[test]
    fn every_function_is_documented_with_every_argument() {
        for f in scalar_functions() {
            let doc = f.documentation().expect("documented");
            let names = f
                .signature()
                .parameter_names
                .clone()
                .expect("named parameters");
            let documented: Vec<&str> = doc
                .arguments
                .as_ref()
                .expect("arguments documented")
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            assert_eq!(documented, names, "{}", f.name());
            assert!(doc.sql_example.is_some(), "{} has an example", f.name());
            assert!(doc.syntax_example.starts_with(f.name()), "{}", f.name());
            assert!(
                doc.description.contains("NULL"),
                "{} states NULL behaviour",
                f.name()
            );
        }
        for f in aggregate_functions() {
            let doc = f.documentation().expect("documented");
            let names = f
                .signature()
                .parameter_names
                .clone()
                .expect("named parameters");
            let documented: Vec<&str> = doc
                .arguments
                .as_ref()
                .unwrap()
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            assert_eq!(documented, names, "{}", f.name());
        }
    }
}
