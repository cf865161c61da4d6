//! `forecast_table('table', 'id_cols', 'ds_col', 'y_col', horizon[, 'options'])`: the forecast of
//! every series of a table or view as rows, without writing the GROUP BY and unnest.
//!
//! The function looks the table up in the calling session's catalog, plans
//! `forecast(ds, y, horizon, options[, available])` grouped by the id columns, repeats the ids
//! next to the list (`array_repeat(id, array_length(fc))`, unnested together — the safe pattern
//! for DataFusion 55's GROUP BY + unnest bug) and returns the plan as a view.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{Column, ScalarValue, TableReference, UnnestOptions};
use datafusion::datasource::{ViewTable, provider_as_source};
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::functions_nested::expr_fn::{array_element, array_length, array_repeat};
use datafusion::logical_expr::{Documentation, Expr, LogicalPlanBuilder, cast, lit};
use datafusion::prelude::coalesce;

use super::options::{self, Func, split_pairs};
use crate::error::{SqlError, codes};
use crate::udfs::docs::SECTION_FORECAST;

const NAME: &str = "forecast_table";

/// Documentation of `forecast_table` (table functions carry no `Documentation` in DataFusion;
/// `super::table_function_docs` hands it to the docs generator).
pub(super) static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        "Table function: forecasts every series of a table or view and returns one row per \
         series and forecast period: the id columns, ds, yhat, yhat_lo_80, yhat_hi_80, \
         yhat_lo_95, yhat_hi_95, model, and one column yhat_q<percent> per probability of the \
         quantiles option (quantiles=0.9,0.975 adds yhat_q90 and yhat_q97_5), and one column \
         yhat_cum_q<percent> per probability of the cumulative_quantiles option (the quantile \
         of total demand from the first forecast period through this one). It is \
         forecast(ds_col, y_col, horizon, options[, available]) grouped by the id columns, \
         unnested safely; every rule of forecast applies (gaps are missing, NULL y is missing, \
         duplicate ds is an error, ...). Arguments are constants: the table or view name \
         (optionally schema-qualified), the id columns as one comma-separated text ('' = the \
         whole table is one series), the ds and y column names. options are forecast's plus \
         one key of its own: available = <boolean column> or available = NOT <column> (e.g. \
         'available=NOT stockout' for daily_sales), passed as forecast's available argument. A \
         series whose result is NULL (no observed value, or on_error = null and a failure) has \
         no rows. Errors: unknown table 42P01, unknown column 42703, bad horizon or option \
         22023 (raised when the query is planned). The table is read with the caller's \
         session, so it sees what the caller may see.",
        "forecast_table(table, id_cols, ds_col, y_col, horizon[, options])",
    )
    .with_sql_example(
        r#"SELECT *
FROM forecast_table('daily_sales', 'sku_id, store_id', 'date', 'units', 28,
                    'available=NOT stockout, quantiles=0.95')
WHERE sku_id = 1001 ORDER BY store_id, ds;"#,
    )
    .with_argument(
        "table",
        "Table or view name, as text (or a bare identifier).",
    )
    .with_argument(
        "id_cols",
        "Columns that identify a series, comma-separated text; '' for none.",
    )
    .with_argument("ds_col", "The period column (DATE, TIMESTAMP or integer).")
    .with_argument("y_col", "The value column (a number).")
    .with_argument("horizon", "Periods to forecast, a constant 1..10000.")
    .with_argument(
        "options",
        "Optional options text: forecast's keys plus available.",
    )
    .build()
});

/// The resolved arguments shared by the table functions of the family.
pub(super) struct Source {
    pub table: TableReference,
    pub provider: Arc<dyn TableProvider>,
    pub ids: Vec<String>,
    pub ds: String,
    pub y: String,
    pub horizon: i64,
    /// Options text for the aggregate (without `available`).
    pub options: String,
    /// `available` column and whether it is negated.
    pub available: Option<(String, bool)>,
    pub definition: String,
}

fn arg_text(name: &str, i: usize, e: Option<&Expr>, what: &str) -> Result<Option<String>> {
    match e {
        None => Ok(None),
        Some(Expr::Literal(
            ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s),
            _,
        )) => Ok(s.clone()),
        Some(Expr::Literal(v, _)) if v.is_null() => Ok(None),
        Some(Expr::Column(c)) => Ok(Some(c.name.clone())),
        Some(other) => Err(SqlError::invalid_argument(format!(
            "{name}: argument {} ({what}) must be a text constant, got {other}",
            i + 1
        ))
        .into_df()),
    }
}

fn find_column(
    name: &str,
    schema: &SchemaRef,
    col: &str,
    table: &TableReference,
) -> Result<String> {
    let c = col.trim().trim_matches('"');
    if let Some(f) = schema.fields().iter().find(|f| f.name() == c) {
        return Ok(f.name().clone());
    }
    if let Some(f) = schema
        .fields()
        .iter()
        .find(|f| f.name().eq_ignore_ascii_case(c))
    {
        return Ok(f.name().clone());
    }
    Err(SqlError::new(
        codes::UNDEFINED_COLUMN,
        format!(
            "{name}: column '{c}' does not exist in {table}; its columns: {}",
            schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .into_df())
}

/// Looks a table up in the session's catalog. Catalog lookups are async in DataFusion; the
/// in-memory catalogs aisle uses answer at once, so the future is driven to completion here.
fn lookup(
    name: &str,
    session: &dyn Session,
    table: &str,
) -> Result<(TableReference, Arc<dyn TableProvider>)> {
    let tref = TableReference::from(table.trim());
    let opts = session.config_options();
    let resolved = tref
        .clone()
        .resolve(&opts.catalog.default_catalog, &opts.catalog.default_schema);
    let provider = session
        .catalog_list()
        .catalog(&resolved.catalog)
        .and_then(|c| c.schema(&resolved.schema))
        .map(|s| futures::executor::block_on(s.table(&resolved.table)))
        .transpose()?
        .flatten();
    match provider {
        Some(p) => Ok((tref, p)),
        None => Err(SqlError::new(
            codes::UNDEFINED_TABLE,
            format!("{name}: table or view '{table}' does not exist"),
        )
        .into_df()),
    }
}

impl Source {
    /// Reads `(table, id_cols, ds_col, y_col, horizon[, options])` for function `name` whose
    /// options are checked as `func`'s.
    pub fn read(name: &str, func: Func, args: &TableFunctionArgs) -> Result<Source> {
        let exprs = args.exprs();
        if exprs.len() < 5 || exprs.len() > 6 {
            return Err(SqlError::new(
                codes::UNDEFINED_FUNCTION,
                format!("{name} takes 5 or 6 arguments, got {}", exprs.len()),
            )
            .with_hint(format!(
                "call it as {name}('table', 'id_cols', 'ds_col', 'y_col', horizon[, 'options'])"
            ))
            .into_df());
        }
        let need = |i: usize, what: &str| -> Result<String> {
            arg_text(name, i, exprs.get(i), what)?.ok_or_else(|| {
                SqlError::invalid_argument(format!("{name}: {what} must not be NULL")).into_df()
            })
        };
        let table = need(0, "table")?;
        let ids_text = arg_text(name, 1, exprs.get(1), "id_cols")?.unwrap_or_default();
        let ds = need(2, "ds_col")?;
        let y = need(3, "y_col")?;
        let horizon = match &exprs[4] {
            Expr::Literal(v, _) if !v.is_null() => match v.cast_to(&DataType::Int64) {
                Ok(ScalarValue::Int64(Some(h))) => h,
                _ => {
                    return Err(SqlError::invalid_argument(format!(
                        "{name}: horizon must be an integer, got {v}"
                    ))
                    .into_df());
                }
            },
            other => {
                return Err(SqlError::invalid_argument(format!(
                    "{name}: horizon must be a constant integer, got {other}"
                ))
                .into_df());
            }
        };
        if !(1..=10_000).contains(&horizon) {
            return Err(SqlError::invalid_argument(format!(
                "{name}: horizon must be between 1 and 10000, got {horizon}"
            ))
            .into_df());
        }
        let opts_text = arg_text(name, 5, exprs.get(5), "options")?.unwrap_or_default();
        let (provider_ref, provider) = lookup(name, args.session(), &table)?;
        let schema = provider.schema();
        let mut ids = Vec::new();
        for c in ids_text.split(',').filter(|c| !c.trim().is_empty()) {
            ids.push(find_column(name, &schema, c, &provider_ref)?);
        }
        let ds = find_column(name, &schema, &ds, &provider_ref)?;
        let y = find_column(name, &schema, &y, &provider_ref)?;
        // split off `available`, keep the rest for the aggregate
        let mut available = None;
        let mut rest = Vec::new();
        for (k, v) in split_pairs(func, &opts_text).map_err(SqlError::into_df)? {
            if k.trim().eq_ignore_ascii_case("available") {
                let v = v.trim();
                let (c, neg) = match v.get(..4) {
                    Some(p) if p.eq_ignore_ascii_case("not ") => (v[4..].trim(), true),
                    _ => (v.strip_prefix('!').map_or(v, str::trim), v.starts_with('!')),
                };
                let c = find_column(name, &schema, c, &provider_ref)?;
                if schema
                    .field_with_name(&c)
                    .map(|f| f.data_type() != &DataType::Boolean)
                    .unwrap_or(true)
                {
                    return Err(SqlError::invalid_argument(format!(
                        "{name}: available must name a BOOLEAN column (optionally with NOT), got '{v}'"
                    ))
                    .into_df());
                }
                available = Some((c, neg));
            } else {
                rest.push(format!("{}={}", k.trim(), v.trim()));
            }
        }
        let options = rest.join(", ");
        // fail at planning for bad options, with the aggregate's own messages
        options::parse(func, Some(&options)).map_err(|mut e| {
            e.message = e.message.replacen(func.name(), name, 1);
            e.into_df()
        })?;
        let definition = format!(
            "{name}('{table}', '{ids_text}', '{ds}', '{y}', {horizon}, '{}')",
            opts_text.replace('\'', "''")
        );
        Ok(Source {
            table: provider_ref,
            provider,
            ids,
            ds,
            y,
            horizon,
            options,
            available,
            definition,
        })
    }

    /// `agg(ds, y, horizon, options[, available])`.
    pub fn aggregate_args(&self) -> Vec<Expr> {
        let mut args = vec![
            Expr::Column(Column::new_unqualified(&self.ds)),
            Expr::Column(Column::new_unqualified(&self.y)),
            lit(self.horizon),
            lit(self.options.clone()),
        ];
        if let Some((c, neg)) = &self.available {
            let e = Expr::Column(Column::new_unqualified(c));
            args.push(if *neg {
                datafusion::logical_expr::not(e)
            } else {
                e
            });
        }
        args
    }

    pub fn scan(&self) -> Result<LogicalPlanBuilder> {
        LogicalPlanBuilder::scan(
            self.table.clone(),
            provider_as_source(self.provider.clone()),
            None,
        )
    }

    pub fn id_exprs(&self) -> Vec<Expr> {
        self.ids
            .iter()
            .map(|c| Expr::Column(Column::new_unqualified(c)))
            .collect()
    }
}

/// `yhat_q95`, `yhat_q97_5` for p = 0.95, 0.975.
fn quantile_column(p: f64) -> String {
    format!("yhat_q{}", percent_suffix(p))
}

/// `95`, `97_5` for p = 0.95, 0.975: the column-name form of a probability.
fn percent_suffix(p: f64) -> String {
    format!("{}", (p * 100.0 * 1e6).round() / 1e6).replace('.', "_")
}

#[derive(Debug)]
pub(super) struct ForecastTable;

impl TableFunctionImpl for ForecastTable {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let src = Source::read(NAME, Func::Forecast, &args)?;
        let parsed =
            options::parse(Func::Forecast, Some(&src.options)).map_err(SqlError::into_df)?;
        let (quantiles, cumulative) = (parsed.quantiles, parsed.cumulative_quantiles);
        const FC: &str = "__forecast";
        let fc = || Expr::Column(Column::new_unqualified(FC));
        let agg = super::forecast::udaf().call(src.aggregate_args()).alias(FC);
        let plan = src.scan()?.aggregate(src.id_exprs(), vec![agg])?;
        // repeat the ids next to the list and unnest them together (never the key itself)
        let len = coalesce(vec![cast(array_length(fc()), DataType::Int64), lit(0i64)]);
        let mut proj: Vec<Expr> = src
            .ids
            .iter()
            .map(|c| array_repeat(Expr::Column(Column::new_unqualified(c)), len.clone()).alias(c))
            .collect();
        proj.push(fc());
        let mut unnest: Vec<Column> = src.ids.iter().map(Column::new_unqualified).collect();
        unnest.push(Column::new_unqualified(FC));
        let plan = plan
            .project(proj)?
            .unnest_columns_with_options(unnest, UnnestOptions::default())?;
        let mut out: Vec<Expr> = src.id_exprs();
        for f in [
            "ds",
            "yhat",
            "yhat_lo_80",
            "yhat_hi_80",
            "yhat_lo_95",
            "yhat_hi_95",
            "model",
        ] {
            out.push(get_field(fc(), f).alias(f));
        }
        let q = super::forecast_quantile::udf();
        for p in quantiles {
            out.push(q.call(vec![fc(), lit(p)]).alias(quantile_column(p)));
        }
        // the cumulative quantiles are listed in the order of the option
        for (i, p) in cumulative.into_iter().enumerate() {
            let item = array_element(get_field(fc(), "cumulative_quantiles"), lit(i as i64 + 1));
            out.push(get_field(item, "value").alias(format!("yhat_cum_q{}", percent_suffix(p))));
        }
        let plan = plan.project(out)?.build()?;
        Ok(Arc::new(ViewTable::new(plan, Some(src.definition))))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantile_column_names() {
        assert_eq!(super::quantile_column(0.95), "yhat_q95");
        assert_eq!(super::quantile_column(0.975), "yhat_q97_5");
        assert_eq!(super::quantile_column(0.5), "yhat_q50");
    }
}
