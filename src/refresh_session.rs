//! The session one `aisle refresh` (or `CALL refresh_recommendations`) computes its snapshot in.
//!
//! Why: the recommendation views share inputs. `replenishment_recommendations`,
//! `transfer_recommendations`, `markdown_recommendations` and `inventory_exceptions` all read
//! `inventory_position`, which reads the 28-day forecast `demand_forecast_location`, and model
//! monitoring issues that same forecast again. Evaluated view by view, a run would fit every
//! series' forecast once per view plus once for monitoring — minutes each at scale 10. Here every
//! view that the run reads from two or more places is computed **once**, held in memory for the
//! run, and the views above it are re-created over that result. Besides the time, this makes all
//! views of one run agree with each other by construction (one forecast, one position).
//!
//! The session is a private copy of the engine's full catalog: tables are shared (same providers),
//! views are re-created from their SQL, so nothing a connection sees changes.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use anyhow::Context;
use datafusion::catalog::{
    CatalogProvider, CatalogProviderList, MemoryCatalogProvider, MemoryCatalogProviderList,
    MemorySchemaProvider, SchemaProvider,
};
use datafusion::datasource::MemTable;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::SessionContext;

use crate::engine::Engine;
use crate::views::ViewMeta;

/// A session over the engine's full catalog in which every view reached from `roots` by two or
/// more paths (two parent views, or a parent and a root) is materialised once. Returns the
/// session and the names materialised, in the order they were computed.
pub async fn refresh_session(
    engine: &Engine,
    roots: &[String],
) -> anyhow::Result<(SessionContext, Vec<String>)> {
    let base = engine.new_session();
    let views: Vec<&ViewMeta> = engine.views().iter().collect();
    let names: BTreeSet<String> = views.iter().map(|v| v.name.clone()).collect();
    let deps: BTreeMap<String, BTreeSet<String>> = views
        .iter()
        .map(|v| {
            let read = identifiers(&v.sql)
                .into_iter()
                .filter(|n| names.contains(n) && n != &v.name)
                .collect();
            (v.name.clone(), read)
        })
        .collect();
    let shared = shared_views(&deps, roots);

    let ctx = SessionContext::new_with_state(
        SessionStateBuilder::new_from_existing(base.state())
            .with_catalog_list(copy_without_views(base.state().catalog_list(), &names).await?)
            .build(),
    );
    let partitions = ctx.state().config().target_partitions().max(1);
    let mut materialised = Vec::new();
    for v in topological(&views, &deps)? {
        ctx.sql(&v.sql)
            .await
            .with_context(|| format!("{}: cannot create view `{}`", v.source.display(), v.name))?
            .collect()
            .await?;
        if !shared.contains(&v.name) {
            continue;
        }
        let df = ctx.table(v.name.as_str()).await?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df
            .collect()
            .await
            .with_context(|| format!("cannot compute view {} for the run", v.name))?;
        // Spread the rows over the session's partitions so what reads them stays parallel.
        let mut parts: Vec<Vec<_>> = vec![Vec::new(); partitions];
        for (i, b) in batches.into_iter().enumerate() {
            parts[i % partitions].push(b);
        }
        let table = MemTable::try_new(schema, parts)?;
        ctx.deregister_table(v.name.as_str())?;
        ctx.register_table(v.name.as_str(), Arc::new(table))?;
        materialised.push(v.name.clone());
    }
    Ok((ctx, materialised))
}

/// The identifiers in a view's SQL, comments left out: the views it reads are among them. (The
/// stored plan of a view is no help: DataFusion inlines the views it reads when it is created.) A
/// column that happens to share a view's name only adds an ordering constraint.
fn identifiers(sql: &str) -> BTreeSet<String> {
    sql.lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// Views reached from `roots` that would be evaluated more than once: read by two or more views
/// of the reached set, or read by one and also a root itself.
fn shared_views(deps: &BTreeMap<String, BTreeSet<String>>, roots: &[String]) -> BTreeSet<String> {
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = roots.to_vec();
    while let Some(n) = stack.pop() {
        if reached.insert(n.clone()) {
            stack.extend(deps.get(&n).into_iter().flatten().cloned());
        }
    }
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for n in &reached {
        for d in deps.get(n).into_iter().flatten() {
            *uses.entry(d.as_str()).or_default() += 1;
        }
    }
    for r in roots {
        *uses.entry(r.as_str()).or_default() += 1;
    }
    uses.into_iter()
        .filter(|(n, k)| *k >= 2 && deps.contains_key(*n))
        .map(|(n, _)| n.to_string())
        .collect()
}

/// Views ordered so that each comes after the views it reads.
fn topological<'a>(
    views: &[&'a ViewMeta],
    deps: &BTreeMap<String, BTreeSet<String>>,
) -> anyhow::Result<Vec<&'a ViewMeta>> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(views.len());
    while out.len() < views.len() {
        let before = out.len();
        for v in views {
            if done.contains(v.name.as_str()) {
                continue;
            }
            let ready = deps
                .get(&v.name)
                .into_iter()
                .flatten()
                .all(|d| done.contains(d.as_str()));
            if ready {
                done.insert(v.name.as_str());
                out.push(*v);
            }
        }
        if out.len() == before {
            anyhow::bail!("the views read each other in a cycle; cannot order them for a refresh");
        }
    }
    Ok(out)
}

/// A copy of the catalog list whose schemas hold the same tables but none of the `views`.
async fn copy_without_views(
    list: &Arc<dyn CatalogProviderList>,
    views: &BTreeSet<String>,
) -> anyhow::Result<Arc<dyn CatalogProviderList>> {
    let out = MemoryCatalogProviderList::new();
    for cname in list.catalog_names() {
        let Some(catalog) = list.catalog(&cname) else {
            continue;
        };
        let copy = MemoryCatalogProvider::new();
        for sname in catalog.schema_names() {
            let Some(schema) = catalog.schema(&sname) else {
                continue;
            };
            let has_views = schema.table_names().iter().any(|t| views.contains(t));
            if !has_views {
                copy.register_schema(&sname, schema)?;
                continue;
            }
            let s = MemorySchemaProvider::new();
            for t in schema.table_names() {
                if views.contains(&t) {
                    continue;
                }
                if let Some(p) = schema.table(&t).await? {
                    s.register_table(t, p)?;
                }
            }
            copy.register_schema(&sname, Arc::new(s) as Arc<dyn SchemaProvider>)?;
        }
        out.register_catalog(cname, Arc::new(copy) as Arc<dyn CatalogProvider>);
    }
    Ok(Arc::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|d| d.to_string()).collect()))
            .collect()
    }

    #[test]
    fn identifiers_skip_comments() {
        let ids = identifiers(
            "-- reads demand_forecast\nCREATE VIEW p AS SELECT a.x FROM demand_forecast_location a -- inventory_position\nJOIN \"Segment_Demand\" s ON 1=1",
        );
        assert!(ids.contains("demand_forecast_location") && ids.contains("segment_demand"));
        assert!(!ids.contains("demand_forecast") && !ids.contains("inventory_position"));
    }

    #[test]
    fn shared_means_read_twice_from_the_roots() {
        let d = deps(&[
            ("forecast", &[]),
            ("position", &["forecast", "targets"]),
            ("targets", &[]),
            ("replenish", &["position"]),
            ("transfer", &["position"]),
            ("affinity", &[]),
        ]);
        let roots = |r: &[&str]| -> Vec<String> { r.iter().map(|s| s.to_string()).collect() };
        let s = shared_views(&d, &roots(&["replenish", "transfer"]));
        assert_eq!(s.into_iter().collect::<Vec<_>>(), vec!["position"]);
        // Monitoring reads the forecast as well: now it is shared too.
        let s = shared_views(&d, &roots(&["replenish", "transfer", "forecast"]));
        assert_eq!(
            s.into_iter().collect::<Vec<_>>(),
            vec!["forecast", "position"]
        );
        // One reader: nothing to share.
        assert!(shared_views(&d, &roots(&["replenish", "affinity"])).is_empty());
    }
}
