//! `demand_profile(ds, y[, options[, available]])`: the demand class of a series with the
//! numbers behind it.
use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::forecast::SERIES_RULES;
use super::options::Func;
use super::udaf::SeriesUdaf;
use crate::udfs::docs::SECTION_FORECAST;

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| {
        Documentation::builder(
        SECTION_FORECAST,
        format!(
            "Classifies the group's demand series the way forecast's method auto does and \
             returns a struct {{class, adi, cv2, n_obs, n_demand, n_missing}}. On the observed \
             periods only (a gap, a NULL/NaN y or a censored day is neither demand nor zero): \
             adi = observed periods / periods with demand > 0; cv2 = (s / mean)^2 of the \
             positive demands (sample standard deviation; one demand gives 0); adi and cv2 are \
             NULL when there is no demand. class: 'all_zero' (observed, never any demand), \
             'too_short' (fewer observed periods than min_history, default max(2 x \
             season_length, 14); also a series whose values are all missing), else the \
             Syntetos–Boylan quadrant with cut-offs ADI 1.32 and CV² 0.49: 'smooth', \
             'erratic', 'intermittent', 'lumpy' (the cut-offs belong to the upper class, as in \
             demand_class). n_obs = observed periods, n_demand = periods with demand, \
             n_missing = periods between the first and last ds without an observed value. \
             Negative values count as no demand. {SERIES_RULES} Result NULL for a group \
             without rows with a ds. Options (constant text, key=value): min_history, \
             season_length, freq, censor; any other key is an error (22023)."
        ),
        "demand_profile(ds, y[, options[, available]])",
    )
    .with_sql_example(
        r#"SELECT p['class'] AS class, count(*) AS series
FROM (SELECT sku_id, store_id, demand_profile(date, units, '', NOT stockout) AS p
      FROM daily_sales GROUP BY sku_id, store_id)
GROUP BY 1 ORDER BY 2 DESC;"#,
    )
    .with_argument("ds", "Period of the row: a DATE, a TIMESTAMP or an integer period index.")
    .with_argument("y", "Demand of the period; NULL/NaN = missing.")
    .with_argument(
        "options",
        "Optional constant text: min_history, season_length, freq, censor. NULL or '' = defaults.",
    )
    .with_argument(
        "available",
        "Optional BOOLEAN: false = the item could not be sold (censored), as for forecast.",
    )
    .build()
    });

pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SeriesUdaf::new(Func::Profile, &DOC))
}
