-- 28-day demand forecast per SKU x store x channel, one row per series and day: channel ('all' =
-- the SKU x store total forecast from daily_sales; 'store', 'web', 'app' = the channel's own
-- units from sales_lines), ds, yhat (expected units), the 80 % and 95 % prediction intervals
-- (yhat_lo_80 .. yhat_hi_95), the model chosen for the series (method auto: AutoETS with weekly
-- seasonality for smooth and erratic demand, TSB for intermittent and lumpy demand, simple rules
-- for short histories) and its demand class. Read the location total with channel = 'all' (or
-- demand_forecast_location): channel forecasts do not add up to it interval by
-- interval, and quantiles never add. A channel series exists where the SKU x store sold through
-- that channel at least once; it covers every day of the location's daily_sales (a day without
-- a sale in the channel is 0). Stock-out days that sold nothing are censored demand, not zero
-- demand: they are treated as missing (forecast option censor=zero with available = NOT
-- stockout; a location stock-out censors every channel). A series that cannot be forecast
-- (e.g. nothing observed) has no rows. Forecasts start the day after the series' last day in
-- daily_sales. The 'all' rows are demand_forecast_location (read that view for totals: it does
-- not compute the channel series, which cost about as much again as the totals at scale 1 —
-- 1,689 total + ~3,400 sparser channel series).
CREATE VIEW demand_forecast AS
SELECT sku_id, store_id, 'all' AS channel, ds, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95,
       yhat_hi_95, model, demand_class
FROM demand_forecast_location
UNION ALL
SELECT sku_id,
       store_id,
       channel,
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
           unnest(array_repeat(channel, array_length(fc))) AS channel,
           unnest(array_repeat(profile['class'], array_length(fc))) AS demand_class,
           unnest(fc) AS f
    FROM (
        SELECT sku_id,
               store_id,
               channel,
               forecast(date, units, 28, 'method=auto, season_length=7, censor=zero, on_error=null',
                        NOT stockout) AS fc,
               demand_profile(date, units, 'season_length=7, censor=zero', NOT stockout) AS profile
        FROM (
            SELECT d.sku_id,
                   d.store_id,
                   c.channel,
                   d.date,
                   CAST(coalesce(l.units, 0) AS BIGINT) AS units,
                   d.stockout
            FROM daily_sales AS d
            JOIN (SELECT DISTINCT sku_id, store_id, channel FROM sales_lines) AS c
              ON c.sku_id = d.sku_id AND c.store_id = d.store_id
            LEFT JOIN (SELECT sku_id, store_id, channel, date, sum(quantity) AS units
                       FROM sales_lines
                       GROUP BY sku_id, store_id, channel, date) AS l
              ON l.sku_id = d.sku_id AND l.store_id = d.store_id AND l.channel = c.channel
             AND l.date = d.date
        ) AS per_channel
        GROUP BY sku_id, store_id, channel
    )
)
