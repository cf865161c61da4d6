-- Demand net of returns per SKU x selling location x day: daily_sales (same rows: dense from the
-- series' first day) with the returns of the series. units = units sold (daily_sales.units);
-- returned_units = units returned that day (by return date, whenever they were bought); net_units
-- = units - returned_units, the day's net movement, which is negative on a day with more returns
-- than sales (not clipped: clipping would bias demand upwards). kept_units = units sold that day
-- minus those of that day's lines returned later (returns attributed to the day of sale through
-- line_id): never negative, zero when nothing was sold. stockout, promo, price and
-- month are daily_sales'. Sums over any period: sum(net_units) = sum(units) - returns in the
-- period.
--
-- The series the forecasts read (demand_forecast_location, demand_forecast, forecast_accuracy)
-- is kept_units_est. Returns come up to W days after the sale (W = the longest delay between a
-- sale and its return in the data: 45 days on the demo data), so kept_units of the last W days
-- is an upper bound — returns still to come. returns_complete is true for days at least W days
-- before the last day of daily_sales, whose returns are all in. kept_ratio = the series' expected
-- share of units kept: 1 - its return rate over the complete days (units returned later /
-- units sold), shrunk towards its SKU's rate over all locations with a prior of 50 units, which is
-- shrunk towards its category's rate (or, for a category with no complete days, the overall rate)
-- with a prior of 50 units — return_rate(returned, sold, prior, 50) at each level — so a slow
-- series with one return is not read as a 10 % returner, and a new series gets its SKU's or
-- category's rate. kept_units_est = kept_units on complete days and units x kept_ratio on the last
-- W days (the expected kept units: the returns already in for those days are not used, as the
-- ones still to come would be missing from them). It is zero whenever nothing was sold (and on a
-- complete day whose units all came back), so the forecasts censor stock-outs as with gross units
-- by passing available = NOT stockout OR units > 0 (censor=zero: a stock-out day that sold
-- nothing is missing demand; a day whose sales were all returned is 0 kept, not missing).
CREATE VIEW net_demand AS
WITH returned AS (
    SELECT s.sku_id, s.store_id, s.date, r.quantity, r.return_date - s.date AS delay_days
    FROM returns r
    JOIN sales_lines s ON s.line_id = r.line_id
),
by_return_day AS (
    SELECT sku_id, store_id, return_date AS date, sum(quantity) AS returned_units
    FROM returns
    GROUP BY sku_id, store_id, return_date
),
by_sale_day AS (
    SELECT sku_id, store_id, date, sum(quantity) AS returned_later, max(delay_days) AS delay_days
    FROM returned
    GROUP BY sku_id, store_id, date
),
-- last_day - complete_until >= W: the days whose returns are all in end at complete_until
horizon AS (
    SELECT d.last_day, COALESCE(w.window_days, 0) AS window_days
    FROM (SELECT max(date) AS last_day FROM daily_sales) d
    CROSS JOIN (SELECT max(delay_days) AS window_days FROM by_sale_day) w
),
days AS (
    SELECT d.date, d.sku_id, d.store_id, d.units,
           d.units - CAST(COALESCE(k.returned_later, 0) AS BIGINT) AS kept_units,
           h.last_day - d.date >= h.window_days AS returns_complete,
           d.stockout, d.promo, d.price, d.month
    FROM daily_sales d
    CROSS JOIN horizon h
    LEFT JOIN by_sale_day k ON k.sku_id = d.sku_id AND k.store_id = d.store_id AND k.date = d.date
),
series AS (
    SELECT sku_id, store_id,
           CAST(sum(CASE WHEN returns_complete THEN units ELSE 0 END) AS DOUBLE) AS sold,
           CAST(sum(CASE WHEN returns_complete THEN units - kept_units ELSE 0 END) AS DOUBLE) AS returned
    FROM days
    GROUP BY sku_id, store_id
),
-- the SKU's, category's and overall sums by window over the (small) series rows, so the series
-- are computed once
pooled AS (
    SELECT s.sku_id, s.store_id, s.sold, s.returned,
           sum(s.sold) OVER (PARTITION BY s.sku_id) AS sku_sold,
           sum(s.returned) OVER (PARTITION BY s.sku_id) AS sku_returned,
           sum(s.sold) OVER (PARTITION BY p.category) AS category_sold,
           sum(s.returned) OVER (PARTITION BY p.category) AS category_returned,
           sum(s.sold) OVER () AS all_sold,
           sum(s.returned) OVER () AS all_returned
    FROM series s
    LEFT JOIN products p ON p.sku_id = s.sku_id
),
ratio AS (
    SELECT sku_id, store_id,
           1.0 - return_rate(returned, sold,
                             return_rate(sku_returned, sku_sold,
                                         COALESCE(CASE WHEN category_sold > 0 THEN category_returned / category_sold END,
                                                  CASE WHEN all_sold > 0 THEN all_returned / all_sold END,
                                                  0.0),
                                         50),
                             50) AS kept_ratio
    FROM pooled
)
SELECT d.date,
       d.sku_id,
       d.store_id,
       d.units,
       CAST(COALESCE(r.returned_units, 0) AS BIGINT) AS returned_units,
       d.units - CAST(COALESCE(r.returned_units, 0) AS BIGINT) AS net_units,
       d.kept_units,
       d.returns_complete,
       q.kept_ratio,
       CASE WHEN d.returns_complete THEN CAST(d.kept_units AS DOUBLE)
            ELSE d.units * q.kept_ratio END AS kept_units_est,
       d.stockout,
       d.promo,
       d.price,
       d.month
FROM days d
JOIN ratio q ON q.sku_id = d.sku_id AND q.store_id = d.store_id
LEFT JOIN by_return_day r ON r.sku_id = d.sku_id AND r.store_id = d.store_id AND r.date = d.date
