//! SQL functions of the forecast family, one function per file.
use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

mod demand_class;

/// Scalar functions of this family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![Arc::new(ScalarUDF::from(demand_class::DemandClass::new()))]
}

/// Aggregate functions of this family.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![]
}
