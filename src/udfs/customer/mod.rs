//! SQL functions of the customer family, one function per file.
use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};


/// Scalar functions of this family.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}

/// Aggregate functions of this family.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![]
}
