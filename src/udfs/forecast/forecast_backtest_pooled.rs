//! `forecast_backtest_pooled(backtest)`: pools `forecast_backtest` results across series.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use super::forecast_backtest::METRICS;
use super::output::{
    Pooled, pool_fields, pool_struct, pooled_array, pooled_type, read_pool_struct, read_pools,
};
use crate::error::SqlError;
use crate::udfs::docs::SECTION_FORECAST;

const NAME: &str = "forecast_backtest_pooled";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_FORECAST,
        format!(
            "Pools forecast_backtest results across the rows of a group (all series, or GROUP \
             BY category, region or demand class) into one struct {{series, folds, n, mae, \
             rmse, mape, smape, mase, rmsse, wape, bias, me, coverage_80, coverage_95, pool}}: \
             series = backtest results pooled (including those with folds = 0), folds and n = \
             folds run and points scored in total. It adds up the pool sums, so the totals are \
             exact (not an average of averages) and its own result can be pooled again. \
             {METRICS} NULL inputs are skipped; a group with no non-NULL input gives NULL. The \
             argument must be a struct with the pool field of forecast_backtest (or of this \
             function), else 42804."
        ),
        "forecast_backtest_pooled(backtest)",
    )
    .with_sql_example(
        r#"SELECT t['series'], t['mae'], t['mase'], t['wape'], t['bias'],
       t['coverage_80'], t['coverage_95']
FROM (SELECT forecast_backtest_pooled(b) AS t
      FROM (SELECT forecast_backtest(date, units, 28, '', NOT stockout) AS b
            FROM daily_sales GROUP BY sku_id, store_id));"#,
    )
    .with_argument(
        "backtest",
        "A forecast_backtest result (or a forecast_backtest_pooled result) per row.",
    )
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
struct Pooler {
    signature: Signature,
}

pub fn udaf() -> AggregateUDF {
    let signature = Signature::user_defined(Volatility::Immutable)
        .with_parameter_names(vec!["backtest"])
        .expect("one name for one parameter");
    AggregateUDF::new_from_impl(Pooler { signature })
}

fn has_pool(t: &DataType) -> bool {
    let DataType::Struct(fields) = t else {
        return false;
    };
    let Some(pool) = fields.iter().find(|f| f.name() == "pool") else {
        return false;
    };
    let DataType::Struct(pf) = pool.data_type() else {
        return false;
    };
    pool_fields().iter().all(|need| {
        pf.iter()
            .any(|f| f.name() == need.name() && f.data_type() == need.data_type())
    })
}

impl AggregateUDFImpl for Pooler {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(arg_types.to_vec())
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.len() != 1 {
            return Err(SqlError::new(
                crate::error::codes::UNDEFINED_FUNCTION,
                format!("{NAME} takes 1 argument, got {}", arg_types.len()),
            )
            .with_hint(format!("call it as {NAME}(backtest)"))
            .into_df());
        }
        if !has_pool(&arg_types[0]) {
            return Err(SqlError::new(
                "42804",
                format!(
                    "{NAME}: backtest must be a forecast_backtest result (a struct with its pool \
                     field), got {}",
                    arg_types[0]
                ),
            )
            .into_df());
        }
        Ok(pooled_type())
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(PoolAcc::default()))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "pool"),
            DataType::Struct(pool_fields()),
            true,
        ))])
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug, Default)]
struct PoolAcc {
    pooled: Pooled,
}

impl Accumulator for PoolAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for p in read_pools(values[0].as_ref())?.iter().flatten() {
            self.pooled.merge(p);
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let row = if self.pooled.series == 0 {
            None
        } else {
            Some(self.pooled.clone())
        };
        ScalarValue::try_from_array(&pooled_array(&[row]), 0)
    }
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + 64
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::try_from_array(
            &pool_struct(&self.pooled),
            0,
        )?])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for p in read_pool_struct(states[0].as_ref())?.iter().flatten() {
            self.pooled.merge(p);
        }
        Ok(())
    }
}
