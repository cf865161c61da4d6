-- 28-day demand forecast per SKU x store x channel, one row per series and day: channel ('all' =
-- the SKU x store total forecast, demand_forecast_location; 'store', 'web', 'app' = the
-- channel's own units from sales_lines), ds, yhat (expected units kept: sold and not returned),
-- the 80 % and 95 % prediction intervals (yhat_lo_80 .. yhat_hi_95), the model chosen for the
-- series (method auto: AutoETS with weekly seasonality for smooth and erratic demand, TSB for
-- intermittent and lumpy demand, simple rules for short histories) and its demand class. Read the
-- location total with channel = 'all' (or demand_forecast_location): channel forecasts do not add
-- up to it interval by interval, and quantiles never add. A channel series exists where the SKU x
-- store sold through that channel at least once; it covers every day of the location's
-- daily_sales (a day without a sale in the channel is 0).
-- Net demand, as in demand_forecast_location: a channel series is the channel's units kept
-- (its lines' units minus their returns, by day of sale) where the location's returns are all
-- in (net_demand.returns_complete), and the channel's units x the location series' kept ratio
-- (net_demand.kept_ratio) over the last W days, whose returns are still to come.
-- Stock-out days that sold nothing are censored demand, not zero demand: they are treated as
-- missing (forecast option censor=zero with available = NOT stockout OR the channel sold that
-- day; a location stock-out censors every channel). A series that cannot be forecast
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
               forecast(date, kept_units_est, 28,
                        'method=auto, season_length=7, censor=zero, on_error=null',
                        available) AS fc,
               demand_profile(date, kept_units_est, 'season_length=7, censor=zero', available) AS profile
        FROM (
            SELECT d.sku_id,
                   d.store_id,
                   c.channel,
                   d.date,
                   CASE WHEN d.returns_complete THEN CAST(coalesce(l.kept_units, 0) AS DOUBLE)
                        ELSE coalesce(l.units, 0) * d.kept_ratio END AS kept_units_est,
                   NOT d.stockout OR coalesce(l.units, 0) > 0 AS available
            FROM net_demand AS d
            JOIN (SELECT DISTINCT sku_id, store_id, channel FROM sales_lines) AS c
              ON c.sku_id = d.sku_id AND c.store_id = d.store_id
            LEFT JOIN (SELECT s.sku_id, s.store_id, s.channel, s.date, sum(s.quantity) AS units,
                              sum(s.quantity - coalesce(r.quantity, 0)) AS kept_units
                       FROM sales_lines AS s
                       LEFT JOIN (SELECT line_id, sum(quantity) AS quantity
                                  FROM returns GROUP BY line_id) AS r
                         ON r.line_id = s.line_id
                       GROUP BY s.sku_id, s.store_id, s.channel, s.date) AS l
              ON l.sku_id = d.sku_id AND l.store_id = d.store_id AND l.channel = c.channel
             AND l.date = d.date
        ) AS per_channel
        GROUP BY sku_id, store_id, channel
    )
)
