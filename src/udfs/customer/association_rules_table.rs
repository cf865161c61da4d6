//! `association_rules_table('table', 'basket_col', 'item_col', min_support, min_confidence[,
//! 'options'])`: the association rules of a table's baskets as rows, without writing the unnest.
//!
//! The function resolves the table and columns in the calling session's catalog, plans
//! `unnest(association_rules(basket, item, min_support, min_confidence, max_len))` over the whole
//! table (no GROUP BY key is carried through the unnest, so DataFusion 55's GROUP BY + unnest bug
//! cannot apply), spreads the rule struct into columns and returns the plan as a view.
use std::sync::{Arc, LazyLock};

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result;
use datafusion::logical_expr::Documentation;

use super::table_common::{Args, is_integer, plan_view, quote, sql_text};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "association_rules_table";
const USAGE: &str = "association_rules_table('table', 'basket_col', 'item_col', min_support, \
                     min_confidence[, 'options'])";
const OPTIONS: &[&str] = &["max_len", "min_lift"];

/// Documentation of `association_rules_table` (table functions carry no `Documentation` in
/// DataFusion; `super::table_function_docs` hands it to the docs generator).
pub(super) static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Table function: association rules A -> C over the baskets of a table or view (one row \
         per basket line), one row per rule: antecedent, consequent (item id lists, ascending), \
         antecedent_support, consequent_support, support (share of baskets holding A and C), \
         baskets (how many), confidence, lift, leverage, conviction ('Infinity' for a rule that \
         never fails). It is unnest(association_rules(basket_col, item_col, min_support, \
         min_confidence, max_len)) over the whole table — FP-growth, results equal to mlxtend's \
         fpgrowth + association_rules — with the struct spread into columns; every rule of \
         association_rules applies (a basket's repeated item counts once; rows with a NULL \
         basket or item are skipped; an empty table gives no rows). Options ('key=value, ...'): \
         max_len = largest itemset, antecedent plus consequent (default 3: pairs and triples), \
         min_lift = keep rules with lift >= this (default: all). To mine a subset, pass a view. \
         Arguments are constants: the table or view name (optionally schema-qualified), the \
         basket and item column names (integer columns), the thresholds. Errors: unknown table \
         42P01, unknown column 42703, a non-integer basket or item column, min_support outside \
         (0, 1], min_confidence outside [0, 1], an unknown or bad option 22023 (raised when the \
         query is planned); more than 5,000,000 frequent itemsets 22023 when it runs (raise \
         min_support or lower max_len). The table is read with the caller's session.",
        USAGE,
    )
    .with_sql_example(
        r#"SELECT antecedent, consequent, support, confidence, lift
FROM association_rules_table('sales_lines', 'transaction_id', 'sku_id', 0.002, 0.05,
                             'max_len=2, min_lift=1')
ORDER BY lift DESC LIMIT 10;"#,
    )
    .with_argument(
        "table",
        "Table or view name, as text (or a bare identifier).",
    )
    .with_argument("basket_col", "The basket (transaction) column, an integer.")
    .with_argument("item_col", "The item (SKU) column, an integer.")
    .with_argument(
        "min_support",
        "Minimum share of baskets an itemset must appear in, a constant in (0, 1].",
    )
    .with_argument(
        "min_confidence",
        "Minimum confidence of a rule, a constant in [0, 1].",
    )
    .with_argument(
        "options",
        "Optional options text: max_len (1..10, default 3), min_lift (>= 0).",
    )
    .build()
});

#[derive(Debug)]
pub(super) struct AssociationRulesTable;

impl TableFunctionImpl for AssociationRulesTable {
    fn call_with_args(&self, call: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let args = Args::new(NAME, &call, 5, 6, USAGE)?;
        let table = args.table(0)?;
        let basket = table.column(&args.text(1, "basket_col")?)?;
        let item = table.column(&args.text(2, "item_col")?)?;
        table.expect_type(&basket, "basket", "an integer", is_integer)?;
        table.expect_type(&item, "item", "an integer", is_integer)?;
        let min_support = args.number(3, "min_support")?;
        if !(min_support > 0.0 && min_support <= 1.0) {
            return Err(args.invalid(format!("min_support must be in (0, 1], got {min_support}")));
        }
        let min_confidence = args.number(4, "min_confidence")?;
        if !(0.0..=1.0).contains(&min_confidence) {
            return Err(args.invalid(format!(
                "min_confidence must be in [0, 1], got {min_confidence}"
            )));
        }
        let opts = args.options(5, OPTIONS)?;
        let max_len = args.int_option(&opts, "max_len", 3, 1..=10)?;
        let min_lift = args.f64_option(&opts, "min_lift", 0.0, f64::MAX)?;
        let filter = match min_lift {
            Some(l) => format!("\nWHERE r['lift'] >= {l}"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT r['antecedent'] AS antecedent,
       r['consequent'] AS consequent,
       r['antecedent_support'] AS antecedent_support,
       r['consequent_support'] AS consequent_support,
       r['support'] AS support,
       r['count'] AS baskets,
       r['confidence'] AS confidence,
       r['lift'] AS lift,
       r['leverage'] AS leverage,
       r['conviction'] AS conviction
FROM (SELECT unnest(association_rules({b}, {i}, CAST({min_support} AS DOUBLE),
                                      CAST({min_confidence} AS DOUBLE), {max_len})) AS r
      FROM {t}){filter}",
            b = quote(&basket),
            i = quote(&item),
            t = table.sql,
        );
        let definition = format!(
            "{NAME}({}, {}, {}, {min_support}, {min_confidence}, {})",
            sql_text(&table.display),
            sql_text(&basket),
            sql_text(&item),
            sql_text(&args.text_opt(5, "options")?.unwrap_or_default())
        );
        plan_view(&args, &sql, definition)
    }
}
