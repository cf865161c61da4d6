-- 28-day demand forecast per SKU x store (all channels together), one row per series and day:
-- ds, yhat (expected units kept: sold and not returned), the 80 % and 95 % prediction intervals
-- (yhat_lo_80 .. yhat_hi_95), the model chosen for the series (method auto: AutoETS with weekly
-- seasonality for smooth and erratic demand, TSB for intermittent and lumpy demand, simple rules
-- for short histories) and its demand class. cumulative_quantiles = list of {p, value}: the
-- quantiles at p = 0.8 .. 0.99 of total demand from the first forecast day through this one, from
-- the model's errors summed over as many days at in-sample origins (value NaN when the model has
-- too few; inventory_position's safety stock reads them with safety_stock_from_cumulative). The input of replenishment: a location's stock
-- serves every channel. demand_forecast adds the per-channel series (its channel = 'all' rows are
-- these).
-- Net demand: the series forecast is net_demand.kept_units_est — units sold minus those returned
-- later, by day of sale; for the last W days (45 on the demo data), whose returns are not all in
-- yet, units sold x the series' kept ratio (its share of units kept over the complete days,
-- shrunk towards its SKU's and category's; see net_demand). A series that returns 10 % of what it
-- sells is forecast about 10 % below its gross sales; one without returns as before.
-- Stock-out days that sold nothing are censored demand, not zero demand: they are treated as
-- missing (forecast option censor=zero with available = NOT stockout OR units > 0, so a day whose
-- sales were all returned is 0 kept, not censored). A series that cannot be forecast (e.g.
-- nothing observed) has no rows. Forecasts start the day after the series' last day in
-- daily_sales.
CREATE VIEW demand_forecast_location AS
SELECT sku_id,
       store_id,
       f['ds'] AS ds,
       f['yhat'] AS yhat,
       f['yhat_lo_80'] AS yhat_lo_80,
       f['yhat_hi_80'] AS yhat_hi_80,
       f['yhat_lo_95'] AS yhat_lo_95,
       f['yhat_hi_95'] AS yhat_hi_95,
       f['model'] AS model,
       f['cumulative_quantiles'] AS cumulative_quantiles,
       demand_class
FROM (
    -- the keys are repeated next to the list and unnested with it: DataFusion 55 mis-plans a
    -- GROUP BY key selected next to unnest(list) (see tests/forecast_sql.rs)
    SELECT unnest(array_repeat(sku_id, array_length(fc))) AS sku_id,
           unnest(array_repeat(store_id, array_length(fc))) AS store_id,
           unnest(array_repeat(profile['class'], array_length(fc))) AS demand_class,
           unnest(fc) AS f
    FROM (
        SELECT sku_id,
               store_id,
               forecast(date, kept_units_est, 28,
                        'method=auto, season_length=7, censor=zero, on_error=null, cumulative_quantiles=0.8,0.85,0.9,0.92,0.95,0.97,0.98,0.99',
                        NOT stockout OR units > 0) AS fc,
               demand_profile(date, kept_units_est, 'season_length=7, censor=zero',
                              NOT stockout OR units > 0) AS profile
        FROM net_demand
        GROUP BY sku_id, store_id
    )
)
