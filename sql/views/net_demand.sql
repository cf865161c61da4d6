-- Demand net of returns per SKU x selling location x day: daily_sales (same rows: dense from the
-- series' first day) with the returns of the series. units = units sold (daily_sales.units);
-- returned_units = units returned that day (by return date, whenever they were bought); net_units
-- = units - returned_units, the day's net movement, which is negative on a day with more returns
-- than sales (not clipped: clipping would bias demand upwards). kept_units = units sold that day
-- minus those of that day's lines returned later (returns attributed to the day of sale through
-- line_id): never negative, and zero exactly when nothing was sold, so stock-out censoring
-- (forecast option censor=zero with NOT stockout) keeps its meaning — it is the column to forecast
-- demand net of returns from. Returns come up to 45 days after the sale, so kept_units of the last
-- weeks is an upper bound (returns still to come). stockout, promo, price and month are
-- daily_sales'. Sums over any period: sum(net_units) = sum(units) - returns in the period.
CREATE VIEW net_demand AS
WITH by_return_day AS (
    SELECT sku_id, store_id, return_date AS date, sum(quantity) AS returned_units
    FROM returns
    GROUP BY sku_id, store_id, return_date
),
by_sale_day AS (
    SELECT s.sku_id, s.store_id, s.date, sum(r.quantity) AS returned_later
    FROM returns r
    JOIN sales_lines s ON s.line_id = r.line_id
    GROUP BY s.sku_id, s.store_id, s.date
)
SELECT d.date,
       d.sku_id,
       d.store_id,
       d.units,
       CAST(COALESCE(r.returned_units, 0) AS BIGINT) AS returned_units,
       d.units - CAST(COALESCE(r.returned_units, 0) AS BIGINT) AS net_units,
       d.units - CAST(COALESCE(k.returned_later, 0) AS BIGINT) AS kept_units,
       d.stockout,
       d.promo,
       d.price,
       d.month
FROM daily_sales d
LEFT JOIN by_return_day r ON r.sku_id = d.sku_id AND r.store_id = d.store_id AND r.date = d.date
LEFT JOIN by_sale_day k ON k.sku_id = d.sku_id AND k.store_id = d.store_id AND k.date = d.date
