-- Forecast accuracy of the demand_forecast method (auto, stock-out zeros censored) by rolling-origin
-- backtest on the series it forecasts, net_demand.kept_units_est (units kept: sold and not
-- returned, by day of sale): 3 folds of 28 days, 28 days apart, ending on the last day. The
-- actuals are kept units where the returns are all in; the last W days (45 on the demo data: the
-- last fold and part of the one before) are scored against units sold x the series' kept ratio,
-- as their returns are not all in yet (see net_demand). One row per
-- scope: 'series' (one SKU x store, with its model and demand class), 'category', 'region',
-- 'demand_class' and 'overall' (sku_id, store_id, category, region and demand_class are NULL where
-- they do not apply). Metrics: mae, rmse, mape, smape, mase (season 7), rmsse, wape, bias
-- (> 0 = over-forecast) and the share of actual days inside the 80 % and 95 % intervals; series =
-- SKU x store series pooled, folds and n = folds run and days scored (censored days are not
-- scored). Totals pool every scored day, so they are exact, not averages of averages. Series too
-- short for three folds count in series with folds = 0 and no metrics.
CREATE VIEW forecast_accuracy AS
SELECT CASE
           WHEN g_series = 0 THEN 'series'
           WHEN g_category = 0 THEN 'category'
           WHEN g_region = 0 THEN 'region'
           WHEN g_class = 0 THEN 'demand_class'
           ELSE 'overall'
       END AS scope,
       sku_id,
       store_id,
       category,
       region,
       demand_class,
       model,
       t['series'] AS series,
       t['folds'] AS folds,
       t['n'] AS n,
       t['mae'] AS mae,
       t['rmse'] AS rmse,
       t['mape'] AS mape,
       t['smape'] AS smape,
       t['mase'] AS mase,
       t['rmsse'] AS rmsse,
       t['wape'] AS wape,
       t['bias'] AS bias,
       t['coverage_80'] AS coverage_80,
       t['coverage_95'] AS coverage_95
FROM (
    SELECT sku_id,
           store_id,
           category,
           region,
           demand_class,
           grouping(sku_id) AS g_series,
           grouping(category) AS g_category,
           grouping(region) AS g_region,
           grouping(demand_class) AS g_class,
           CASE WHEN grouping(sku_id) = 0 THEN max(model) END AS model,
           forecast_backtest_pooled(b) AS t
    FROM (
        SELECT bt.sku_id,
               bt.store_id,
               p.category,
               r.name AS region,
               bt.b['demand_class'] AS demand_class,
               bt.b['model'] AS model,
               bt.b AS b
        FROM (
            SELECT sku_id,
                   store_id,
                   forecast_backtest(date, kept_units_est, 28,
                                     'method=auto, season_length=7, censor=zero, folds=3, step=28, on_error=null',
                                     NOT stockout OR units > 0) AS b
            FROM net_demand
            GROUP BY sku_id, store_id
        ) AS bt
        JOIN products AS p ON p.sku_id = bt.sku_id
        JOIN stores AS s ON s.store_id = bt.store_id
        JOIN regions AS r ON r.region_id = s.region_id
    ) AS per_series
    GROUP BY GROUPING SETS ((sku_id, store_id, category, region, demand_class),
                            (category), (region), (demand_class), ())
)
