//! `kmeans_fit(features, k[, seed, n_init, max_iter])`: k-means clustering of the group's rows.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, arg_doc, arg_error, f64_list_list_type,
    f64_list_type, i64_list_type, model_error, model_threads, struct_scalar, struct_type,
};
use crate::models::customer::kmeans::{KMeansOptions, fit_kmeans};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "kmeans_fit";
const PARAMS: &[Param] = &[
    Param::num_list("features"),
    Param::int("k"),
    Param::int_or("seed", 0),
    Param::int_or("n_init", 3),
    Param::int_or("max_iter", 300),
];

/// Rows scored for the silhouette (a deterministic sample beyond this, as scikit-learn's
/// `sample_size`).
pub(super) const SILHOUETTE_SAMPLE: usize = 2000;

pub(super) fn model_type() -> DataType {
    struct_type(&[
        ("k", DataType::Int64),
        ("centroids", f64_list_list_type()),
        ("centers", f64_list_list_type()),
        ("means", f64_list_type()),
        ("stds", f64_list_type()),
        ("sizes", i64_list_type()),
        ("inertia", DataType::Float64),
        ("silhouette", DataType::Float64),
        ("n_iter", DataType::Int64),
        ("n", DataType::Int64),
    ])
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        format!(
            "Clusters the group's rows by k-means: features standardised (z-scores with the \
             population standard deviation, as scikit-learn's StandardScaler; a constant feature \
             gets std 1), scikit-learn's greedy k-means++ seeding driven by `seed`, Lloyd \
             iterations as scikit-learn's, n_init restarts keeping the lowest inertia. The rows are \
             sorted before seeding, so the same seed gives the same clusters on every machine \
             and whatever order the rows arrive in. Returns a struct {{k, centroids \
             (standardised, k lists), centers (centroids in the features' own units), means, \
             stds, sizes (rows per cluster), inertia (within-cluster sum of squares in \
             standardised units), silhouette (mean silhouette coefficient, on a deterministic \
             sample of {SILHOUETTE_SAMPLE} rows when there are more; NULL for k = 1 or when \
             undefined), n_iter, n}}. Pass it to kmeans_assign to label rows; cluster numbers are \
             0-based, so sizes[cluster + 1] is a cluster's size. To choose k compare \
             kmeans_sweep. Rows whose features list is NULL or holds a NULL are skipped; a group \
             with no rows gives NULL, as does a NULL option. Errors: NaN or infinite features, \
             lists of different widths (SQLSTATE 22000 / 22023); k < 1, k larger than the number \
             of rows or of distinct rows, n_init outside 1..1000, max_iter < 1, a negative seed \
             (22023).",
        ),
        "kmeans_fit(features, k[, seed, n_init, max_iter])",
    )
    .with_sql_example(
        "SELECT m['inertia'], m['silhouette'], m['sizes']\n\
         FROM (SELECT kmeans_fit(make_array(recency_days, frequency, monetary), 4, 42) AS m\n\
         \x20     FROM customer_segments);",
    )
    .with_argument("features", arg_doc::FEATURES)
    .with_argument("k", "Number of clusters, a constant >= 1 and at most the number of rows.")
    .with_argument("seed", "Seed of the k-means++ seeding, a constant >= 0. Optional, default 0.")
    .with_argument(
        "n_init",
        "Restarts from different seedings; the lowest inertia is kept. A constant in 1..1000. \
         Optional, default 3.",
    )
    .with_argument(
        "max_iter",
        "Lloyd iterations per restart, a constant >= 1. Optional, default 300.",
    )
    .build()
});

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 1, model_type(), &DOC, finish)
}

/// Row-major rows of `width` into one vector per feature, rows sorted (lexicographically by
/// their values): the seeding picks rows by position, and the order in which a parallel
/// aggregation delivers rows is not fixed, so sorting makes a seed give the same clusters on
/// every run.
pub(super) fn columns(flat: &[f64], width: usize) -> Vec<Vec<f64>> {
    let w = width.max(1);
    let n = flat.len() / w;
    let row = |i: usize| &flat[i * w..(i + 1) * w];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        row(a)
            .iter()
            .zip(row(b))
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    (0..width)
        .map(|j| order.iter().map(|&i| flat[i * w + j]).collect())
        .collect()
}

/// A whole-number option >= `min`.
pub(super) fn count_option(name: &str, v: Option<i64>, min: i64) -> Result<usize> {
    match v {
        Some(v) if v >= min => Ok(v as usize),
        Some(v) => Err(arg_error(
            NAME,
            name,
            format!("must be at least {min}, got {v}"),
        )),
        None => Err(arg_error(NAME, name, "must not be NULL")),
    }
}

/// The k-means options of a `kmeans_*` aggregate from its constant seed (and restarts).
pub(super) fn seed_option(func: &str, v: Option<i64>) -> Result<u64> {
    match v {
        Some(v) if v >= 0 => Ok(v as u64),
        Some(v) => Err(arg_error(func, "seed", format!("must be >= 0, got {v}"))),
        None => Err(arg_error(func, "seed", "must not be NULL")),
    }
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let width = data[0].width();
    let cols = columns(data[0].f64s(), width);
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let o = KMeansOptions {
        k: count_option("k", opts.i64(0), 1)?,
        seed: seed_option(NAME, opts.i64(1))?,
        n_init: count_option("n_init", opts.i64(2), 1)?,
        max_iter: count_option("max_iter", opts.i64(3), 1)?,
        threads: model_threads(),
        ..Default::default()
    };
    let m = fit_kmeans(&refs, &o).map_err(|e| model_error(NAME, e))?;
    let silhouette = if m.k >= 2 {
        m.silhouette(&refs, SILHOUETTE_SAMPLE, o.seed, o.threads)
            .ok()
    } else {
        None
    };
    struct_scalar(
        &model_type(),
        vec![
            Val::I64(Some(m.k as i64)),
            Val::F64ListList(Some(m.centroids.clone())),
            Val::F64ListList(Some(m.centroids_original())),
            Val::F64List(Some(m.means.clone())),
            Val::F64List(Some(m.stds.clone())),
            Val::I64List(Some(m.sizes.iter().map(|&s| s as i64).collect())),
            Val::F64(Some(m.inertia)),
            Val::F64(silhouette),
            Val::I64(Some(m.n_iter as i64)),
            Val::I64(Some(m.labels.len() as i64)),
        ],
    )
}
