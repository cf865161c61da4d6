-- 28-day demand forecast per SKU x store (all channels together), one row per series and day:
-- ds, yhat (expected units), the 80 % and 95 % prediction intervals (yhat_lo_80 ..
-- yhat_hi_95), the model chosen for the series (method auto: AutoETS with weekly seasonality for
-- smooth and erratic demand, TSB for intermittent and lumpy demand, simple rules for short
-- histories) and its demand class. The input of replenishment: a location's stock serves every
-- channel. demand_forecast adds the per-channel series (its channel = 'all' rows are these).
-- Stock-out days that sold nothing are censored demand, not zero demand: they are treated as
-- missing (forecast option censor=zero with available = NOT stockout). A series that cannot be
-- forecast (e.g. nothing observed) has no rows. Forecasts start the day after the series' last
-- day in daily_sales.
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
               forecast(date, units, 28, 'method=auto, season_length=7, censor=zero, on_error=null',
                        NOT stockout) AS fc,
               demand_profile(date, units, 'season_length=7, censor=zero', NOT stockout) AS profile
        FROM daily_sales
        GROUP BY sku_id, store_id
    )
)
