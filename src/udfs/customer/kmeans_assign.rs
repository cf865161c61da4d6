//! `kmeans_assign(model, features)`: the cluster of a row under a fitted k-means model.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Builder, ListArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::common::{
    CustomerUdf, Inputs, ModelKind, NumListCol, Param, arg_doc, arg_error, f64_list_list_type,
    f64_list_type,
};
use crate::models::customer::kmeans::KMeansModel;
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "kmeans_assign";
const PARAMS: &[Param] = &[
    Param::model("model", ModelKind::KMeans),
    Param::num_list("features"),
];

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "The cluster (0-based, as scikit-learn's labels) of a row under a k-means model from \
         kmeans_fit: the features are standardised with the model's means and stds, then the \
         nearest centroid wins (the lowest cluster number on a tie). Give the features in the \
         order the model was fitted with. Returns NULL when the model, the features list or one \
         of its elements is NULL. Errors: NaN or infinite features (SQLSTATE 22000); a features \
         list of a different width than the model's, a malformed model (22023).",
        "kmeans_assign(model, features)",
    )
    .with_sql_example(
        "SELECT customer_id, kmeans_assign(m, make_array(recency_days, frequency, monetary))\n\
         FROM customer_segments\n\
         CROSS JOIN (SELECT kmeans_fit(make_array(recency_days, frequency, monetary), 4) AS m\n\
         \x20           FROM customer_segments);",
    )
    .with_argument("model", arg_doc::KMEANS_MODEL)
    .with_argument("features", arg_doc::FEATURES)
    .build()
});

pub fn udf() -> ScalarUDF {
    CustomerUdf::new(NAME, PARAMS, DataType::Int64, &DOC, kernel)
}

/// The (centroids, means, stds) of a model row, or None when any part is NULL.
type Parts = (Vec<Vec<f64>>, Vec<f64>, Vec<f64>);

struct ModelCol {
    array: ArrayRef,
    centroids: ListArray,
    means: NumListCol,
    stds: NumListCol,
}

impl ModelCol {
    fn new(a: &ArrayRef) -> Result<Option<ModelCol>> {
        if a.data_type() == &DataType::Null {
            return Ok(None);
        }
        let s = a.as_struct();
        let col = |n: &str| s.column_by_name(n).cloned().expect("checked at planning");
        let centroids = cast(&col("centroids"), &f64_list_list_type())?
            .as_list::<i32>()
            .clone();
        let means = NumListCol::new(&cast(&col("means"), &f64_list_type())?)?;
        let stds = NumListCol::new(&cast(&col("stds"), &f64_list_type())?)?;
        Ok(Some(ModelCol {
            array: a.clone(),
            centroids,
            means,
            stds,
        }))
    }

    fn parts(&self, i: usize) -> Option<Parts> {
        if self.array.is_null(i) || self.centroids.is_null(i) {
            return None;
        }
        let means = self.means.get(i)?.ok()?.to_vec();
        let stds = self.stds.get(i)?.ok()?.to_vec();
        let rows = self.centroids.value(i);
        let rows = rows.as_list::<i32>();
        let mut centroids = Vec::with_capacity(rows.len());
        for j in 0..rows.len() {
            if rows.is_null(j) {
                return None;
            }
            let r = rows.value(j);
            let r = r.as_primitive::<Float64Type>();
            if r.null_count() > 0 {
                return None;
            }
            centroids.push(r.values().to_vec());
        }
        Some((centroids, means, stds))
    }
}

fn model_of(parts: &Parts) -> Result<KMeansModel> {
    let (centroids, means, stds) = parts;
    let d = means.len();
    let bad = |what: String| arg_error(NAME, "model", what);
    if d == 0 || stds.len() != d {
        return Err(bad(format!(
            "must have means and stds of the same non-zero width, got {} and {}",
            d,
            stds.len()
        )));
    }
    if centroids.is_empty() || centroids.iter().any(|c| c.len() != d) {
        return Err(bad(format!(
            "must have at least one centroid, each of {d} values"
        )));
    }
    if stds.iter().any(|s| !(s.is_finite() && *s > 0.0)) || means.iter().any(|m| !m.is_finite()) {
        return Err(bad("must have finite means and stds > 0".to_string()));
    }
    Ok(KMeansModel {
        k: centroids.len(),
        dims: d,
        means: means.clone(),
        stds: stds.clone(),
        centroids: centroids.clone(),
        inertia: 0.0,
        n_iter: 0,
        labels: Vec::new(),
        sizes: vec![0; centroids.len()],
    })
}

fn kernel(i: &Inputs) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(i.rows);
    let Some(models) = ModelCol::new(&i.arrays[0])? else {
        out.append_nulls(i.rows);
        return Ok(Arc::new(out.finish()));
    };
    let features = i.num_list(1)?;
    let mut cached: Option<(Parts, KMeansModel)> = None;
    for r in 0..i.rows {
        let (Some(parts), Some(Ok(row))) = (models.parts(r), features.get(r)) else {
            out.append_null();
            continue;
        };
        if cached.as_ref().is_none_or(|(p, _)| p != &parts) {
            let m = model_of(&parts)?;
            cached = Some((parts, m));
        }
        let m = &cached.as_ref().expect("set above").1;
        if row.len() != m.dims {
            return Err(arg_error(
                NAME,
                "features",
                format!(
                    "must have {} values like the model, got {}",
                    m.dims,
                    row.len()
                ),
            ));
        }
        let c = m.assign(row).map_err(|e| i.err(e))?;
        out.append_value(c as i64);
    }
    Ok(Arc::new(out.finish()))
}
