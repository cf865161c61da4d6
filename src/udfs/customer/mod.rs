//! SQL functions of the customer family, one function per file.
//!
//! Thin adapters over `crate::models::customer`: they read Arrow columns, call the model row by
//! row (scalars) or once per group (aggregates), and map [`CustomerError`] to a SQLSTATE with
//! [`to_sql_error`]. The calling conventions shared by every function (number coercion, models
//! passed as structs, NULL handling, constant options of aggregates) are described in
//! `common.rs`.
//!
//! Naming: a model family is a prefix (`bgnbd_`, `gamma_gamma_`, `kmeans_`); `*_fit` aggregates
//! return the fitted model as a struct, and the scalars of the family take that struct as their
//! first argument `model`. Customer history is always `frequency, recency, age[, monetary]` in
//! lifetimes' meaning (`age` is lifetimes' `T`).
//!
//! | function | kind | returns |
//! |---|---|---|
//! | `rfm_segment(r, f, m)` | scalar | segment name |
//! | `bgnbd_fit(frequency, recency, age[, penalizer])` | aggregate | struct {r, alpha, a, b, log_likelihood, n, n_repeat} |
//! | `bgnbd_expected_purchases(model, t, frequency, recency, age)` | scalar | DOUBLE |
//! | `bgnbd_p_alive(model, frequency, recency, age)` | scalar | DOUBLE |
//! | `bgnbd_churn_risk(model, frequency, recency, age)` | scalar | DOUBLE |
//! | `gamma_gamma_fit(frequency, monetary[, penalizer])` | aggregate | struct {p, q, v, log_likelihood, n} |
//! | `gamma_gamma_spend(model, frequency, monetary)` | scalar | DOUBLE |
//! | `clv(bgnbd_model, gamma_gamma_model, frequency, recency, age, monetary[, months, discount_rate, margin, time_unit])` | scalar | DOUBLE |
//! | `kmeans_fit(features, k[, seed, n_init, max_iter])` | aggregate | struct {k, centroids, centers, means, stds, sizes, inertia, silhouette, n_iter, n} |
//! | `kmeans_assign(model, features)` | scalar | BIGINT cluster (0-based) |
//! | `kmeans_sweep(features, ks[, seed])` | aggregate | list of struct {k, inertia, silhouette} |
//! | `association_rules(basket_id, item_id, min_support, min_confidence[, max_len])` | aggregate | list of struct rules |
//! | `price_elasticity(price, units[, min_observations, min_log_price_sd])` | aggregate | struct |
//! | `price_elasticity_pooled(series_id, price, units)` | aggregate | struct |
//! | `promo_uplift(units, on_promo[, level])` | aggregate | struct {uplift, lo, hi, p_value, ...} |
//! | `promo_uplift_paired(actual, baseline[, level])` | aggregate | struct |
//! | `preference_index(value, region_total, category_total, grand_total[, prior])` | scalar | DOUBLE |
//! | `return_rate(returned, sold[, prior_rate, prior_strength])` | scalar | DOUBLE |
//! | `rfm_table(table, customer_col, date_col, amount_col[, options])` | table | rows: customer, summary, r/f/m scores, segment |
//! | `association_rules_table(table, basket_col, item_col, min_support, min_confidence[, options])` | table | rows: one per rule |
//! | `kmeans_table(table, id_cols, feature_cols, k[, options])` | table | rows: ids, cluster_id, cluster_size, inertia, silhouette |
//!
//! The table functions (shared plumbing in `table_common.rs`) resolve the table in the calling
//! session and return a view over a query planned by the session's SQL planner.
use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF};

use crate::error::SqlError;
use crate::models::customer::CustomerError;

mod common;
mod table_common;

mod association_rules;
mod association_rules_table;
mod bgnbd_churn_risk;
mod bgnbd_expected_purchases;
mod bgnbd_fit;
mod bgnbd_p_alive;
mod clv;
mod gamma_gamma_fit;
mod gamma_gamma_spend;
mod kmeans_assign;
mod kmeans_fit;
mod kmeans_sweep;
mod kmeans_table;
mod preference_index;
mod price_elasticity;
mod price_elasticity_pooled;
mod promo_uplift;
mod promo_uplift_paired;
mod return_rate;
mod rfm_segment;
mod rfm_table;

/// Scalar functions of this family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    [
        rfm_segment::udf(),
        bgnbd_expected_purchases::udf(),
        bgnbd_p_alive::udf(),
        bgnbd_churn_risk::udf(),
        gamma_gamma_spend::udf(),
        clv::udf(),
        kmeans_assign::udf(),
        preference_index::udf(),
        return_rate::udf(),
    ]
    .into_iter()
    .map(Arc::new)
    .collect()
}

/// Aggregate functions of this family.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    [
        bgnbd_fit::udaf(),
        gamma_gamma_fit::udaf(),
        kmeans_fit::udaf(),
        kmeans_sweep::udaf(),
        association_rules::udaf(),
        price_elasticity::udaf(),
        price_elasticity_pooled::udaf(),
        promo_uplift::udaf(),
        promo_uplift_paired::udaf(),
    ]
    .into_iter()
    .map(Arc::new)
    .collect()
}

/// Table functions of this family, to register on a SessionContext/SessionState
/// (`register_udtf(name, f)`); they hold no state.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        ("rfm_table", Arc::new(rfm_table::RfmTable)),
        (
            "association_rules_table",
            Arc::new(association_rules_table::AssociationRulesTable),
        ),
        ("kmeans_table", Arc::new(kmeans_table::KmeansTable)),
    ]
}

/// Name and documentation of the table functions (DataFusion's `TableFunctionImpl` carries no
/// documentation), for `docs/functions.md` and the catalog.
pub fn table_function_docs() -> Vec<(&'static str, Documentation)> {
    vec![
        ("rfm_table", rfm_table::DOC.clone()),
        (
            "association_rules_table",
            association_rules_table::DOC.clone(),
        ),
        ("kmeans_table", kmeans_table::DOC.clone()),
    ]
}

/// Removes the model's row references (" at row 3", " row 3"): inside SQL they would count rows
/// of an internal buffer, not of the user's table, and would mislead.
fn strip_rows(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(pos) = rest.find("row ") {
        let after = &rest[pos + 4..];
        let digits = after.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            out.push_str(&rest[..pos + 4]);
            rest = after;
            continue;
        }
        let mut head = &rest[..pos];
        if let Some(h) = head.strip_suffix(" at ") {
            head = h;
        } else if let Some(h) = head.strip_suffix(' ') {
            head = h;
        }
        out.push_str(head);
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Maps a model error to a SQL error with the model's SQLSTATE (22023 bad argument, 22000 bad or
/// too little data, 22003 overflow) and a hint on how to fix the query.
pub fn to_sql_error(e: CustomerError) -> SqlError {
    let code = e.sqlstate();
    let message = strip_rows(e.message());
    let hint = match &e {
        CustomerError::InvalidParameter(_) => None,
        CustomerError::InvalidValue(m) if m.contains("NaN") || m.contains("finite") => Some(
            "NaN or infinite values usually come from a division by zero upstream; filter them \
             out or COALESCE them",
        ),
        CustomerError::InvalidValue(_) => Some(
            "filter the offending rows out in a WHERE clause (for example WHERE value >= 0), or \
             fix how the column is computed",
        ),
        CustomerError::LengthMismatch(_) => None,
        CustomerError::Empty(_) => {
            Some("the group has too few usable rows; widen the group or the time window")
        }
        CustomerError::Degenerate(_) => None,
        CustomerError::NotConverged(_) => {
            Some("try a small penalizer (for example 0.001) or more data")
        }
        CustomerError::NonFinite(_) => {
            Some("check the model parameters and the inputs for extreme values (a refit may help)")
        }
    };
    let s = SqlError::new(code, message);
    match hint {
        Some(h) => s.with_hint(h),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::codes;

    #[test]
    fn row_references_are_removed() {
        assert_eq!(
            strip_rows("recency at row 12 (5) is larger than T (4); x"),
            "recency (5) is larger than T (4); x"
        );
        assert_eq!(
            strip_rows("feature 2 at row 5 must be finite"),
            "feature 2 must be finite"
        );
        assert_eq!(
            strip_rows("lifetime value at row 0 overflows"),
            "lifetime value overflows"
        );
        assert_eq!(strip_rows("no rows here, row x"), "no rows here, row x");
    }

    #[test]
    fn sqlstates() {
        let e = to_sql_error(CustomerError::InvalidParameter(
            "k must be >= 1, got 0".into(),
        ));
        assert_eq!(
            (e.code, e.message.as_str()),
            (codes::INVALID_PARAMETER_VALUE, "k must be >= 1, got 0")
        );
        let e = to_sql_error(CustomerError::InvalidValue(
            "x at row 3 must be >= 0, got -1".into(),
        ));
        assert_eq!(
            (e.code, e.message.as_str()),
            (codes::DATA_EXCEPTION, "x must be >= 0, got -1")
        );
        assert!(e.hint.is_some());
        let e = to_sql_error(CustomerError::NonFinite("overflow".into()));
        assert_eq!(e.code, codes::NUMERIC_VALUE_OUT_OF_RANGE);
    }

    #[test]
    fn every_function_is_documented_with_every_argument() {
        let check =
            |name: &str, names: Vec<String>, doc: &datafusion::logical_expr::Documentation| {
                let documented: Vec<&str> = doc
                    .arguments
                    .as_ref()
                    .expect("arguments documented")
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                assert_eq!(documented, names, "{name}");
                assert!(doc.sql_example.is_some(), "{name} has an example");
                assert!(doc.syntax_example.starts_with(name), "{name}");
                assert!(
                    doc.description.contains("NULL"),
                    "{name} states NULL behaviour"
                );
            };
        for f in scalar_functions() {
            let names = f
                .signature()
                .parameter_names
                .clone()
                .expect("named parameters");
            check(f.name(), names, f.documentation().expect("documented"));
        }
        for f in aggregate_functions() {
            let names = f
                .signature()
                .parameter_names
                .clone()
                .expect("named parameters");
            check(f.name(), names, f.documentation().expect("documented"));
        }
    }
}
