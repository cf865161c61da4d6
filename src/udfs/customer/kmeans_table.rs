//! `kmeans_table('table', 'id_cols', 'feature_cols', k[, 'options'])`: k-means clusters of a
//! table's rows, without writing the fit, the cross join and the assignment.
//!
//! The function resolves the table and columns in the calling session's catalog, plans
//! `kmeans_fit(make_array(features), k, seed, n_init, max_iter)` over the whole table, assigns
//! every row with `kmeans_assign`, and returns the plan as a view.
use std::sync::{Arc, LazyLock};

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result;
use datafusion::logical_expr::Documentation;

use super::table_common::{Args, check_unique, is_number, plan_view, quote, sql_text};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "kmeans_table";
const USAGE: &str = "kmeans_table('table', 'id_cols', 'feature_cols', k[, 'options'])";
const OPTIONS: &[&str] = &["seed", "n_init", "max_iter"];

/// Documentation of `kmeans_table` (table functions carry no `Documentation` in DataFusion;
/// `super::table_function_docs` hands it to the docs generator).
pub(super) static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Table function: k-means clusters of the rows of a table or view, one row per input row: \
         the id columns, cluster_id (0-based), cluster_size (rows in that cluster), \
         inertia (within-cluster sum of squares of the whole fit, standardised units) \
         and silhouette (of the whole fit; NULL for k = 1). It is kmeans_fit(make_array(feature \
         columns), k, seed, n_init, max_iter) over the whole table — standardised features, \
         k-means++ seeding, Lloyd iterations as scikit-learn's, deterministic for a seed — with \
         every row labelled by kmeans_assign; every rule of kmeans_fit applies. A row with a NULL \
         feature is left out of the fit and gets a NULL cluster_id. Transform features first \
         (e.g. ln(1 + spend)) in a view if their scale is skewed. Options ('key=value, ...'): \
         seed (default 0), n_init (restarts, 1..1000, default 3), max_iter (default 300). \
         Arguments are constants: the table or view name (optionally schema-qualified), the id \
         columns and the feature columns as comma-separated texts, k. Errors: unknown table \
         42P01, unknown column 42703, a feature column that is not a number, k < 1, an unknown \
         or bad option 22023 (raised when the query is planned); k larger than the number of \
         distinct rows 22023 when it runs. The table is read with the caller's session.",
        USAGE,
    )
    .with_sql_example(
        r#"SELECT cluster_id, count(*) AS customers, avg(total_amount) AS avg_spend
FROM kmeans_table('customer_segments', 'customer_id, total_amount',
                  'recency_days, purchase_days, total_amount', 4, 'seed=42')
GROUP BY cluster_id ORDER BY cluster_id;"#,
    )
    .with_argument(
        "table",
        "Table or view name, as text (or a bare identifier).",
    )
    .with_argument(
        "id_cols",
        "Columns returned next to the cluster, comma-separated text (at least one).",
    )
    .with_argument(
        "feature_cols",
        "Numeric columns to cluster on, comma-separated text (at least one).",
    )
    .with_argument("k", "Number of clusters, a constant >= 1.")
    .with_argument(
        "options",
        "Optional options text: seed (>= 0, default 0), n_init (1..1000, default 3), max_iter \
         (>= 1, default 300).",
    )
    .build()
});

#[derive(Debug)]
pub(super) struct KmeansTable;

impl TableFunctionImpl for KmeansTable {
    fn call_with_args(&self, call: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let args = Args::new(NAME, &call, 4, 5, USAGE)?;
        let table = args.table(0)?;
        let ids = table.columns(&args.text(1, "id_cols")?, "id_cols")?;
        let features = table.columns(&args.text(2, "feature_cols")?, "feature_cols")?;
        for f in &features {
            table.expect_type(f, "feature", "a number", is_number)?;
        }
        let k = args.integer(3, "k")?;
        if k < 1 {
            return Err(args.invalid(format!("k must be at least 1, got {k}")));
        }
        let opts = args.options(4, OPTIONS)?;
        let seed = args.int_option(&opts, "seed", 0, 0..=i64::MAX)?;
        let n_init = args.int_option(&opts, "n_init", 3, 1..=1000)?;
        let max_iter = args.int_option(&opts, "max_iter", 300, 1..=1_000_000)?;
        let mut names = ids.clone();
        names.extend(["cluster_id", "cluster_size", "inertia", "silhouette"].map(String::from));
        check_unique(NAME, &names)?;

        let feats = features
            .iter()
            .map(|f| format!("CAST(src.{} AS DOUBLE)", quote(f)))
            .collect::<Vec<_>>()
            .join(", ");
        let id_list = ids
            .iter()
            .map(|c| format!("src.{q} AS {q}", q = quote(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH model AS (
    SELECT kmeans_fit(make_array({feats}), {k}, {seed}, {n_init}, {max_iter}) AS m
    FROM {t} AS src
),
assigned AS (
    SELECT {id_list}, kmeans_assign(model.m, make_array({feats})) AS cluster_id, model.m AS m
    FROM {t} AS src CROSS JOIN model
)
SELECT {out_ids}, cluster_id, m['sizes'][cluster_id + 1] AS cluster_size,
       m['inertia'] AS inertia, m['silhouette'] AS silhouette
FROM assigned",
            t = table.sql,
            out_ids = ids.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
        );
        let definition = format!(
            "{NAME}({}, {}, {}, {k}, {})",
            sql_text(&table.display),
            sql_text(&ids.join(", ")),
            sql_text(&features.join(", ")),
            sql_text(&args.text_opt(4, "options")?.unwrap_or_default())
        );
        plan_view(&args, &sql, definition)
    }
}
