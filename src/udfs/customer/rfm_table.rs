//! `rfm_table('table', 'customer_col', 'date_col', 'amount_col'[, 'options'])`: RFM scores and
//! segments of every customer of a transaction table, without writing the windows.
//!
//! The function resolves the table and columns in the calling session's catalog, writes the
//! RFM query the `customer_segments` view uses (purchase days, NTILE(5) quintiles with shared
//! ties, `rfm_segment`) over them, and returns the planned query as a view.
use std::sync::{Arc, LazyLock};

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::error::Result;
use datafusion::logical_expr::Documentation;

use super::table_common::{
    Args, check_unique, is_date_like, is_number, plan_view, quote, sql_text,
};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "rfm_table";
const USAGE: &str = "rfm_table('table', 'customer_col', 'date_col', 'amount_col'[, 'options'])";
const OPTIONS: &[&str] = &["end_date", "ties"];

/// The columns `rfm_table` adds after the customer column.
const OUTPUT: &[&str] = &[
    "first_purchase",
    "last_purchase",
    "purchase_days",
    "total_amount",
    "recency_days",
    "frequency",
    "recency",
    "age",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_score",
    "segment",
];

/// Documentation of `rfm_table` (table functions carry no `Documentation` in DataFusion;
/// `super::table_function_docs` hands it to the docs generator).
pub(super) static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Table function: RFM scores and segment of every customer of a transaction table or \
         view, one row per customer: the customer column (under its own name), first_purchase, \
         last_purchase, purchase_days (distinct days with a purchase), total_amount, \
         recency_days (days from the last purchase to the end of the window), lifetimes' \
         summary frequency (purchase_days - 1), recency (first to last purchase, days), age \
         (first purchase to the end, lifetimes' T) and monetary (mean spend of the repeat \
         purchase days, 0 without one) — ready for bgnbd_fit and gamma_gamma_fit — then \
         r_score, f_score, m_score (NTILE(5) quintiles, 5 = best: most recent, most purchase \
         days, highest spend), rfm_score ('545') and segment (rfm_segment). It is the query of \
         the customer_segments view over any table: over sales_lines with customer_id, date, \
         net_amount it gives the same scores. The window ends on the table's last date unless \
         options say end_date; dates are whole days (a TIMESTAMP column is cast to DATE). Rows \
         with a NULL customer, date or amount are skipped; a customer's amounts are summed per \
         day (negative amounts, e.g. refunds, reduce the day's spend). Options ('key=value, \
         ...'): end_date = YYYY-MM-DD (rows after it are ignored; recency is measured to it), \
         ties = shared (default: equal values share the lowest NTILE score any of them got, so \
         equal customers score equally) or ntile (plain NTILE, ties broken by the customer \
         column: buckets of equal size). Arguments are constants: the table or view name \
         (optionally schema-qualified) and the column names. Errors: unknown table 42P01, \
         unknown column 42703, a date column that is not DATE or TIMESTAMP, an amount that is not \
         a number, an unknown or bad option 22023 (raised when the query is planned). The table \
         is read with the caller's session, so it sees what the caller may see.",
        USAGE,
    )
    .with_sql_example(
        r#"SELECT segment, count(*) AS customers, avg(total_amount) AS avg_spend
FROM rfm_table('sales_lines', 'customer_id', 'date', 'net_amount', 'end_date=2024-12-31')
GROUP BY segment ORDER BY customers DESC;"#,
    )
    .with_argument(
        "table",
        "Table or view name, as text (or a bare identifier).",
    )
    .with_argument(
        "customer_col",
        "The customer column (any type; rows where it is NULL are skipped).",
    )
    .with_argument(
        "date_col",
        "The transaction date column (DATE or TIMESTAMP).",
    )
    .with_argument("amount_col", "The amount column (a number).")
    .with_argument(
        "options",
        "Optional options text: end_date = YYYY-MM-DD, ties = shared | ntile.",
    )
    .build()
});

#[derive(Debug)]
pub(super) struct RfmTable;

/// A YYYY-MM-DD date, checked (so only a valid date reaches the generated SQL).
fn parse_date(args: &Args<'_>, v: &str) -> Result<String> {
    match chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Ok(d.format("%Y-%m-%d").to_string()),
        Err(_) => Err(args.invalid(format!(
            "option end_date must be a date written YYYY-MM-DD, got '{v}'"
        ))),
    }
}

impl TableFunctionImpl for RfmTable {
    fn call_with_args(&self, call: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let args = Args::new(NAME, &call, 4, 5, USAGE)?;
        let table = args.table(0)?;
        let customer = table.column(&args.text(1, "customer_col")?)?;
        let date = table.column(&args.text(2, "date_col")?)?;
        let amount = table.column(&args.text(3, "amount_col")?)?;
        table.expect_type(&date, "date", "DATE or TIMESTAMP", is_date_like)?;
        table.expect_type(&amount, "amount", "a number", is_number)?;
        let opts = args.options(4, OPTIONS)?;
        let end_date = match args.str_option(&opts, "end_date") {
            Some(v) => Some(parse_date(&args, v)?),
            None => None,
        };
        let shared = match args.str_option(&opts, "ties") {
            None => true,
            Some(v) if v.eq_ignore_ascii_case("shared") => true,
            Some(v) if v.eq_ignore_ascii_case("ntile") => false,
            Some(v) => {
                return Err(args.invalid(format!("option ties must be shared or ntile, got '{v}'")));
            }
        };
        let mut names = vec![customer.clone()];
        names.extend(OUTPUT.iter().map(|s| s.to_string()));
        check_unique(NAME, &names)?;

        let sql = rfm_sql(
            &table.sql,
            &quote(&customer),
            &quote(&date),
            &quote(&amount),
            end_date.as_deref(),
            shared,
        );
        let definition = format!(
            "{NAME}({}, {}, {}, {}, {})",
            sql_text(&table.display),
            sql_text(&customer),
            sql_text(&date),
            sql_text(&amount),
            sql_text(&args.text_opt(4, "options")?.unwrap_or_default())
        );
        plan_view(&args, &sql, definition)
    }
}

/// The RFM query; every name is already quoted and `end_date` validated.
pub(super) fn rfm_sql(
    table: &str,
    customer: &str,
    date: &str,
    amount: &str,
    end_date: Option<&str>,
    shared: bool,
) -> String {
    let (window_filter, end) = match end_date {
        Some(d) => (
            format!(" AND CAST({date} AS DATE) <= DATE '{d}'"),
            format!("SELECT DATE '{d}' AS end_date"),
        ),
        None => (
            String::new(),
            "SELECT max(day) AS end_date FROM days".into(),
        ),
    };
    let score = |tile: &str, value: &str| {
        if shared {
            format!("min({tile}) OVER (PARTITION BY {value})")
        } else {
            tile.to_string()
        }
    };
    format!(
        "WITH src AS (
    SELECT {customer} AS customer, CAST({date} AS DATE) AS day, CAST({amount} AS DOUBLE) AS amount
    FROM {table}
    WHERE {customer} IS NOT NULL AND {date} IS NOT NULL AND {amount} IS NOT NULL{window_filter}
),
days AS (
    SELECT customer, day, sum(amount) AS amount FROM src GROUP BY customer, day
),
window_end AS (
    {end}
),
per_customer AS (
    SELECT customer,
           min(day) AS first_purchase,
           max(day) AS last_purchase,
           count(*) AS purchase_days,
           sum(amount) AS total_amount,
           first_value(amount ORDER BY day) AS first_amount
    FROM days
    GROUP BY customer
),
summary AS (
    SELECT c.customer, c.first_purchase, c.last_purchase, c.purchase_days, c.total_amount,
           CAST(CAST(w.end_date AS INT) - CAST(c.last_purchase AS INT) AS DOUBLE) AS recency_days,
           CAST(c.purchase_days - 1 AS DOUBLE) AS frequency,
           CAST(CAST(c.last_purchase AS INT) - CAST(c.first_purchase AS INT) AS DOUBLE) AS recency,
           CAST(CAST(w.end_date AS INT) - CAST(c.first_purchase AS INT) AS DOUBLE) AS age,
           CASE WHEN c.purchase_days > 1
                THEN (c.total_amount - c.first_amount) / (c.purchase_days - 1)
                ELSE 0.0 END AS monetary
    FROM per_customer c CROSS JOIN window_end w
),
tiles AS (
    SELECT *,
           ntile(5) OVER (ORDER BY recency_days DESC, customer) AS r_tile,
           ntile(5) OVER (ORDER BY purchase_days, customer) AS f_tile,
           ntile(5) OVER (ORDER BY total_amount, customer) AS m_tile
    FROM summary
),
scored AS (
    SELECT *,
           {r} AS r_score,
           {f} AS f_score,
           {m} AS m_score
    FROM tiles
)
SELECT customer AS {customer},
       first_purchase,
       last_purchase,
       purchase_days,
       total_amount,
       recency_days,
       frequency,
       recency,
       age,
       monetary,
       CAST(r_score AS BIGINT) AS r_score,
       CAST(f_score AS BIGINT) AS f_score,
       CAST(m_score AS BIGINT) AS m_score,
       concat(CAST(r_score AS VARCHAR), CAST(f_score AS VARCHAR), CAST(m_score AS VARCHAR)) AS rfm_score,
       rfm_segment(r_score, f_score, m_score) AS segment
FROM scored",
        r = score("r_tile", "recency_days"),
        f = score("f_tile", "purchase_days"),
        m = score("m_tile", "total_amount"),
    )
}
