//! `kmeans_sweep(features, ks[, seed])`: inertia and silhouette for several k, to choose k.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, arg_doc, arg_error, list_of,
    list_of_structs_scalar, model_error, model_threads, struct_type,
};
use super::kmeans_fit::{SILHOUETTE_SAMPLE, columns, seed_option};
use crate::models::customer::kmeans::{KMeansOptions, kmeans_sweep};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "kmeans_sweep";
const PARAMS: &[Param] = &[
    Param::num_list("features"),
    Param::int_list("ks"),
    Param::int_or("seed", 0),
];

fn return_type() -> DataType {
    list_of(struct_type(&[
        ("k", DataType::Int64),
        ("inertia", DataType::Float64),
        ("silhouette", DataType::Float64),
    ]))
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_CUSTOMER,
        format!(
            "Fits k-means (as kmeans_fit, default options) for every k in ks and returns a list \
             of struct {{k, inertia, silhouette}} in the order of ks, so an analyst can choose k: \
             look for the elbow of inertia or the highest silhouette. silhouette is the mean \
             silhouette coefficient on a deterministic sample of {SILHOUETTE_SAMPLE} rows (NULL \
             for k = 1). unnest() turns the list into rows. Rows whose features list is NULL or \
             holds a NULL are skipped; a group with no rows gives NULL, as does a NULL option. \
             Errors: NaN or infinite features, lists of different widths (SQLSTATE 22000 / \
             22023); a NULL or non-positive k in ks, k larger than the number of (distinct) rows, \
             a negative seed (22023).",
        ),
        "kmeans_sweep(features, ks[, seed])",
    )
    .with_sql_example(
        "SELECT s['k'], s['inertia'], s['silhouette']\n\
         FROM (SELECT unnest(kmeans_sweep(make_array(recency_days, frequency, monetary),\n\
         \x20                                 [2, 3, 4, 5, 6], 42)) AS s\n\
         \x20     FROM customer_segments);",
    )
    .with_argument("features", arg_doc::FEATURES)
    .with_argument("ks", "The numbers of clusters to try: a constant list of integers >= 1.")
    .with_argument("seed", "Seed of the k-means++ seeding, a constant >= 0. Optional, default 0.")
    .build()
    });

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 1, return_type(), &DOC, finish)
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let width = data[0].width();
    let cols = columns(data[0].f64s(), width);
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let ks = opts
        .i64_list(0)
        .into_iter()
        .map(|k| match k {
            Some(k) if k >= 1 => Ok(k as usize),
            Some(k) => Err(arg_error(
                NAME,
                "ks",
                format!("must hold numbers of clusters >= 1, got {k}"),
            )),
            None => Err(arg_error(NAME, "ks", "must not hold NULL")),
        })
        .collect::<Result<Vec<usize>>>()?;
    let o = KMeansOptions {
        seed: seed_option(NAME, opts.i64(1))?,
        threads: model_threads(),
        ..Default::default()
    };
    let rows = kmeans_sweep(&refs, &ks, &o, SILHOUETTE_SAMPLE).map_err(|e| model_error(NAME, e))?;
    list_of_structs_scalar(
        &return_type(),
        rows.into_iter()
            .map(|r| {
                vec![
                    Val::I64(Some(r.k as i64)),
                    Val::F64(Some(r.inertia)),
                    Val::F64(r.silhouette),
                ]
            })
            .collect(),
    )
}
