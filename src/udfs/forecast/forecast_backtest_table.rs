//! `forecast_backtest_table('table', 'id_cols', 'ds_col', 'y_col', horizon[, 'options'])`: the
//! backtest metrics of every series of a table or view as rows.
use std::sync::{Arc, LazyLock};

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Column;
use datafusion::datasource::ViewTable;
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{Documentation, Expr};

use super::forecast_table::Source;
use super::options::Func;
use crate::udfs::docs::SECTION_FORECAST;

const NAME: &str = "forecast_backtest_table";

/// The metric columns, in order.
const COLUMNS: [&str; 15] = [
    "model",
    "demand_class",
    "folds",
    "n",
    "mae",
    "rmse",
    "mape",
    "smape",
    "mase",
    "rmsse",
    "wape",
    "bias",
    "me",
    "coverage_80",
    "coverage_95",
];

pub(super) static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        "Table function: backtests every series of a table or view (forecast_backtest grouped \
         by the id columns) and returns one row per series: the id columns, model, \
         demand_class, folds, n, mae, rmse, mape, smape, mase, rmsse, wape, bias, me, \
         coverage_80, coverage_95 and pool (the sums for forecast_backtest_pooled, e.g. SELECT \
         forecast_backtest_pooled(named_struct('pool', pool)) FROM forecast_backtest_table(...) \
         for the totals). Arguments as forecast_table; options are forecast_backtest's \
         (folds, step, mase_season, the model keys, ...) plus available = <boolean column> or \
         available = NOT <column>. Every rule of forecast_backtest applies (too-short series \
         give folds = 0 and NULL metrics).",
        "forecast_backtest_table(table, id_cols, ds_col, y_col, horizon[, options])",
    )
    .with_sql_example(
        r#"SELECT store_id, avg(mase)
FROM forecast_backtest_table('daily_sales', 'sku_id, store_id', 'date', 'units', 28,
                             'folds=2, available=NOT stockout')
GROUP BY store_id;"#,
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
    .with_argument("horizon", "Periods forecast per fold, a constant 1..10000.")
    .with_argument(
        "options",
        "Optional options text: forecast_backtest's keys plus available.",
    )
    .build()
});

#[derive(Debug)]
pub(super) struct ForecastBacktestTable;

impl TableFunctionImpl for ForecastBacktestTable {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let src = Source::read(NAME, Func::Backtest, &args)?;
        const BT: &str = "__backtest";
        let bt = || Expr::Column(Column::new_unqualified(BT));
        let agg = super::forecast_backtest::udaf()
            .call(src.aggregate_args())
            .alias(BT);
        let plan = src.scan()?.aggregate(src.id_exprs(), vec![agg])?;
        let mut out = src.id_exprs();
        for c in COLUMNS.iter().chain(["pool"].iter()) {
            out.push(get_field(bt(), *c).alias(*c));
        }
        let plan = plan.project(out)?.build()?;
        Ok(Arc::new(ViewTable::new(plan, Some(src.definition))))
    }
}
