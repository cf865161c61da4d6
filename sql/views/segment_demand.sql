-- Demand per SKU x selling location over the last 13 weeks (91 days up to the last day with any
-- sale), split by the customer value segment of customer_value: 'high', 'medium', 'low', and
-- 'anonymous' for lines without a loyalty customer. One row per SKU, location and segment that
-- bought there. units = units sold (sales_lines.quantity, returns not netted), units_per_day =
-- units / 91, customers = distinct loyalty customers, share = the segment's share of the cell's
-- units. high_value_share is the share of the cell's units bought by high-value customers (the
-- same on every row of the cell) and high_value_units_per_day their daily demand: the input
-- replenishment uses to raise service levels where the best customers buy. known_share is the
-- share of the cell's units bought by identified loyalty customers (the rest is anonymous), to
-- judge how much of the cell the split describes.
CREATE VIEW segment_demand AS
WITH window_end AS (
    SELECT max(date) AS end_date FROM sales_lines
),
lines AS (
    SELECT s.sku_id, s.store_id, s.customer_id, s.quantity,
           COALESCE(v.value_segment, 'anonymous') AS segment
    FROM sales_lines s
    CROSS JOIN window_end w
    LEFT JOIN customer_value v ON v.customer_id = s.customer_id
    WHERE s.date > w.end_date - INTERVAL '91 days'
),
cells AS (
    SELECT sku_id, store_id, segment,
           sum(quantity) AS units,
           count(DISTINCT customer_id) AS customers
    FROM lines
    GROUP BY sku_id, store_id, segment
),
totals AS (
    SELECT *,
           sum(units) OVER (PARTITION BY sku_id, store_id) AS cell_units,
           sum(CASE WHEN segment = 'high' THEN units ELSE 0 END) OVER (PARTITION BY sku_id, store_id) AS high_units,
           sum(CASE WHEN segment = 'anonymous' THEN 0 ELSE units END) OVER (PARTITION BY sku_id, store_id) AS known_units
    FROM cells
)
SELECT sku_id,
       store_id,
       segment,
       CAST(units AS BIGINT) AS units,
       CAST(units AS DOUBLE) / 91 AS units_per_day,
       customers,
       CAST(units AS DOUBLE) / cell_units AS share,
       CAST(high_units AS DOUBLE) / cell_units AS high_value_share,
       CAST(high_units AS DOUBLE) / 91 AS high_value_units_per_day,
       CAST(known_units AS DOUBLE) / cell_units AS known_share
FROM totals
