//! What the customer table functions (`rfm_table`, `association_rules_table`, `kmeans_table`)
//! share: reading their constant arguments, resolving the table and its columns in the calling
//! session's catalog, `key=value` options, and planning the generated query.
//!
//! Like `forecast_table`, each function looks the table up through `args.session()` and returns a
//! `ViewTable` over a planned query. The query is written as SQL and planned by the session's own
//! SQL planner (RFM needs window functions and CTEs that are long-winded to build expression by
//! expression); every identifier in it is a column or table that was resolved first and is
//! double-quoted, and every constant is a number or date this module parsed, so no argument text
//! reaches the SQL unchecked.
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::{ScalarValue, TableReference};
use datafusion::datasource::ViewTable;
use datafusion::error::Result;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan};

use crate::error::{SqlError, codes};

/// `"name"` with embedded quotes doubled.
pub(super) fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The constant arguments of one table-function call.
pub(super) struct Args<'a> {
    pub name: &'static str,
    pub exprs: &'a [Expr],
    pub session: &'a dyn Session,
}

impl<'a> Args<'a> {
    /// Checks the argument count (`min..=max`) and shows the call shape when it is wrong.
    pub fn new(
        name: &'static str,
        args: &'a TableFunctionArgs,
        min: usize,
        max: usize,
        usage: &str,
    ) -> Result<Self> {
        let exprs = args.exprs();
        if exprs.len() < min || exprs.len() > max {
            let want = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(SqlError::new(
                codes::UNDEFINED_FUNCTION,
                format!("{name} takes {want} arguments, got {}", exprs.len()),
            )
            .with_hint(format!("call it as {usage}"))
            .into_df());
        }
        Ok(Args {
            name,
            exprs,
            session: args.session(),
        })
    }

    fn error(&self, msg: String) -> datafusion::error::DataFusionError {
        SqlError::invalid_argument(format!("{}: {msg}", self.name)).into_df()
    }

    /// Text argument `i` (a text constant or a bare identifier); `None` when absent or NULL.
    pub fn text_opt(&self, i: usize, what: &str) -> Result<Option<String>> {
        match self.exprs.get(i) {
            None => Ok(None),
            Some(Expr::Literal(
                ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s),
                _,
            )) => Ok(s.clone()),
            Some(Expr::Literal(v, _)) if v.is_null() => Ok(None),
            Some(Expr::Column(c)) => Ok(Some(c.name.clone())),
            Some(other) => Err(self.error(format!(
                "argument {} ({what}) must be a text constant, got {other}",
                i + 1
            ))),
        }
    }

    /// A required text argument.
    pub fn text(&self, i: usize, what: &str) -> Result<String> {
        self.text_opt(i, what)?
            .ok_or_else(|| self.error(format!("{what} must not be NULL")))
    }

    /// A required numeric constant.
    pub fn number(&self, i: usize, what: &str) -> Result<f64> {
        match self.exprs.get(i) {
            Some(Expr::Literal(v, _)) if !v.is_null() => match v.cast_to(&DataType::Float64) {
                Ok(ScalarValue::Float64(Some(x))) if x.is_finite() => Ok(x),
                _ => Err(self.error(format!("{what} must be a number, got {v}"))),
            },
            Some(Expr::Literal(_, _)) => Err(self.error(format!("{what} must not be NULL"))),
            Some(other) => {
                Err(self.error(format!("{what} must be a constant number, got {other}")))
            }
            None => Err(self.error(format!("{what} is missing"))),
        }
    }

    /// A required whole-number constant.
    pub fn integer(&self, i: usize, what: &str) -> Result<i64> {
        let x = self.number(i, what)?;
        if x.fract() != 0.0 || x.abs() > 1e15 {
            return Err(self.error(format!("{what} must be a whole number, got {x}")));
        }
        Ok(x as i64)
    }

    /// Looks the table or view up in the session's catalog. Catalog lookups are async in
    /// DataFusion; the in-memory catalogs aisle uses answer at once, so the future is driven to
    /// completion here (as `forecast_table` does).
    pub fn table(&self, i: usize) -> Result<Table> {
        let text = self.text(i, "table")?;
        let tref = TableReference::from(text.trim());
        let opts = self.session.config_options();
        let resolved = tref
            .clone()
            .resolve(&opts.catalog.default_catalog, &opts.catalog.default_schema);
        let provider = self
            .session
            .catalog_list()
            .catalog(&resolved.catalog)
            .and_then(|c| c.schema(&resolved.schema))
            .map(|s| futures::executor::block_on(s.table(&resolved.table)))
            .transpose()?
            .flatten();
        let Some(provider) = provider else {
            return Err(SqlError::new(
                codes::UNDEFINED_TABLE,
                format!("{}: table or view '{text}' does not exist", self.name),
            )
            .into_df());
        };
        let sql = match &tref {
            TableReference::Bare { table } => quote(table),
            TableReference::Partial { schema, table } => {
                format!("{}.{}", quote(schema), quote(table))
            }
            TableReference::Full {
                catalog,
                schema,
                table,
            } => format!("{}.{}.{}", quote(catalog), quote(schema), quote(table)),
        };
        Ok(Table {
            func: self.name,
            display: text.trim().to_string(),
            sql,
            provider,
        })
    }

    /// The options text of argument `i` as `key=value` pairs, each key one of `known`.
    pub fn options(&self, i: usize, known: &[&str]) -> Result<Vec<(String, String)>> {
        let text = self.text_opt(i, "options")?.unwrap_or_default();
        let mut out: Vec<(String, String)> = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(self.error(format!(
                    "option '{part}' must be written key=value (keys: {})",
                    known.join(", ")
                )));
            };
            let k = k.trim().to_ascii_lowercase();
            if !known.contains(&k.as_str()) {
                return Err(self.error(format!(
                    "unknown option '{k}'; the options are {}",
                    known.join(", ")
                )));
            }
            if out.iter().any(|(o, _)| *o == k) {
                return Err(self.error(format!("option '{k}' is given twice")));
            }
            out.push((k, v.trim().to_string()));
        }
        Ok(out)
    }

    /// Option `key` as a whole number in `range`, or `default`.
    pub fn int_option(
        &self,
        opts: &[(String, String)],
        key: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64> {
        let Some((_, v)) = opts.iter().find(|(k, _)| k == key) else {
            return Ok(default);
        };
        match v.parse::<i64>() {
            Ok(x) if range.contains(&x) => Ok(x),
            _ => Err(self.error(format!(
                "option {key} must be a whole number between {} and {}, got '{v}'",
                range.start(),
                range.end()
            ))),
        }
    }

    /// Option `key` as a number in `[lo, hi]`, or `None` when not given.
    pub fn f64_option(
        &self,
        opts: &[(String, String)],
        key: &str,
        lo: f64,
        hi: f64,
    ) -> Result<Option<f64>> {
        let Some((_, v)) = opts.iter().find(|(k, _)| k == key) else {
            return Ok(None);
        };
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= lo && x <= hi => Ok(Some(x)),
            _ => Err(self.error(format!(
                "option {key} must be a number between {lo} and {hi}, got '{v}'"
            ))),
        }
    }

    /// A text option, or `None`.
    pub fn str_option<'o>(&self, opts: &'o [(String, String)], key: &str) -> Option<&'o str> {
        opts.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// An invalid-argument error of this function.
    pub fn invalid(&self, msg: impl Into<String>) -> datafusion::error::DataFusionError {
        self.error(msg.into())
    }
}

/// A resolved table: its provider (for the schema) and its quoted name for the generated SQL.
pub(super) struct Table {
    func: &'static str,
    pub display: String,
    pub sql: String,
    pub provider: Arc<dyn TableProvider>,
}

impl Table {
    pub fn schema(&self) -> SchemaRef {
        self.provider.schema()
    }

    /// The column's exact name (a case-insensitive match is accepted when unique), or 42703
    /// listing the table's columns.
    pub fn column(&self, col: &str) -> Result<String> {
        let schema = self.schema();
        let c = col.trim().trim_matches('"');
        if let Some(f) = schema.fields().iter().find(|f| f.name() == c) {
            return Ok(f.name().clone());
        }
        let ci: Vec<_> = schema
            .fields()
            .iter()
            .filter(|f| f.name().eq_ignore_ascii_case(c))
            .collect();
        if ci.len() == 1 {
            return Ok(ci[0].name().clone());
        }
        Err(SqlError::new(
            codes::UNDEFINED_COLUMN,
            format!(
                "{}: column '{c}' does not exist in {}; its columns: {}",
                self.func,
                self.display,
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

    /// Comma-separated column names, each resolved; at least one.
    pub fn columns(&self, list: &str, what: &str) -> Result<Vec<String>> {
        let cols = list
            .split(',')
            .filter(|c| !c.trim().is_empty())
            .map(|c| self.column(c))
            .collect::<Result<Vec<_>>>()?;
        if cols.is_empty() {
            return Err(SqlError::invalid_argument(format!(
                "{}: {what} must name at least one column",
                self.func
            ))
            .into_df());
        }
        Ok(cols)
    }

    /// The column's type.
    pub fn data_type(&self, col: &str) -> DataType {
        self.schema()
            .field_with_name(col)
            .map(|f| f.data_type().clone())
            .unwrap_or(DataType::Null)
    }

    /// Checks that `col` has a type accepted by `ok`, else 22023 naming `what` and `expected`.
    pub fn expect_type(
        &self,
        col: &str,
        what: &str,
        expected: &str,
        ok: impl Fn(&DataType) -> bool,
    ) -> Result<()> {
        let dt = self.data_type(col);
        if ok(&dt) {
            return Ok(());
        }
        Err(SqlError::invalid_argument(format!(
            "{}: {what} column '{col}' must be {expected}, got {dt}",
            self.func
        ))
        .into_df())
    }
}

pub(super) fn is_integer(dt: &DataType) -> bool {
    dt.is_integer()
}

pub(super) fn is_number(dt: &DataType) -> bool {
    dt.is_numeric()
}

pub(super) fn is_date_like(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
    )
}

/// Output column names must be unique: an input column named like a generated one would make the
/// view ambiguous.
pub(super) fn check_unique(func: &str, names: &[String]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].iter().any(|m| m.eq_ignore_ascii_case(n)) {
            return Err(SqlError::invalid_argument(format!(
                "{func}: the output would have two columns named '{n}'"
            ))
            .with_hint("rename the input column in a view or subquery first")
            .into_df());
        }
    }
    Ok(())
}

/// Plans `sql` with the calling session's SQL planner (its functions, views and settings) and
/// wraps the plan as a view whose definition is the call itself.
pub(super) fn plan_view(
    args: &Args<'_>,
    sql: &str,
    definition: String,
) -> Result<Arc<dyn TableProvider>> {
    let state = args
        .session
        .as_any()
        .downcast_ref::<SessionState>()
        .ok_or_else(|| {
            SqlError::new(
                codes::FEATURE_NOT_SUPPORTED,
                format!(
                    "{} can only be planned by a DataFusion SessionState session",
                    args.name
                ),
            )
            .into_df()
        })?;
    let plan: LogicalPlan = futures::executor::block_on(state.create_logical_plan(sql))?;
    Ok(Arc::new(ViewTable::new(plan, Some(definition))))
}

/// Text constant for a view definition: `'...'` with quotes doubled.
pub(super) fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("a"), "\"a\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(sql_text("it's"), "'it''s'");
    }

    #[test]
    fn unique_names() {
        assert!(check_unique("f", &["a".into(), "b".into()]).is_ok());
        assert!(check_unique("f", &["a".into(), "A".into()]).is_err());
    }
}
