-- Launch allocation: the initial quantity of each new product per selling location, from the
-- early-life demand of like-items and the location's high-value customers (one row per launch x
-- location; action 'allocate' or 'no_allocation'). A launch is a product whose launch_date is at
-- least 28 days after the first day of daily_sales (launched inside the data, or announced for
-- after its end); it is planned as of min(launch_date, last day + 1) with data before that day
-- only, so past launches can be checked against what they really sold (actual_units_28d).
-- Like-items: up to 5 products of the same category on sale for the 28 days before, nearest in
-- price (|ln price ratio|, the same brand counts as 20 % closer). Each like-item's units at the
-- location over those 28 days (pro rata when it sold there fewer days), times early_life_factor,
-- is one guess of the launch's demand over its first 28 days: early_life_factor = units in the
-- first 28 days / units in days 29-56 over the data's launches with 56 days on sale (new products
-- ramp up). Locations: where the launch is ranged (has daily_sales rows), or, before it sells
-- anywhere, every location where a like-item sold. The service level comes from
-- service_level_targets by the location's high_value_share in the launch's category
-- (segment_demand, last 13 weeks): where high-value customers buy, more safety stock.
-- launch_allocation() gives expected_demand, demand_std (spread of the like-items), safety stock
-- and recommended_qty in whole cases; value = recommended_qty x unit cost; confidence = like-item
-- agreement x their number. priority 1 = launch on or after the day after the data (allocate
-- now), 2 = launched in the last 28 days (in early life), 3 = earlier launches (a replay for
-- review). recommendation_id = 'launch:' || sku_id || ':' || store_id.
CREATE VIEW launch_allocation AS
WITH params AS (
    SELECT min(date) AS history_start, max(date) AS end_date, 28 AS cover_days FROM daily_sales
),
launches AS (
    SELECT p.sku_id, p.name AS sku_name, p.department, p.category, p.brand, p.unit_price, p.unit_cost,
           CAST(p.case_pack AS DOUBLE) AS case_pack, p.launch_date,
           least(p.launch_date, x.end_date + INTERVAL '1 day') AS planned_as_of
    FROM products p
    CROSS JOIN params x
    WHERE p.launch_date >= x.history_start + INTERVAL '28 days'
),
ramp AS (
    SELECT CAST(sum(CASE WHEN d.date < p.launch_date + INTERVAL '28 days' THEN d.units ELSE 0 END) AS DOUBLE)
           / nullif(sum(CASE WHEN d.date >= p.launch_date + INTERVAL '28 days' THEN d.units ELSE 0 END), 0)
               AS early_life_factor
    FROM daily_sales d
    JOIN products p ON p.sku_id = d.sku_id
    CROSS JOIN params x
    WHERE p.launch_date > x.history_start
      AND p.launch_date + INTERVAL '56 days' <= x.end_date
      AND d.date < p.launch_date + INTERVAL '56 days'
),
pairs AS (
    SELECT l.sku_id AS launch_sku, c.sku_id AS like_sku,
           abs(ln(c.unit_price / l.unit_price)) - CASE WHEN c.brand = l.brand THEN 0.2 ELSE 0.0 END AS distance
    FROM launches l
    JOIN products c ON c.category = l.category AND c.sku_id <> l.sku_id
    WHERE c.launch_date <= l.planned_as_of - INTERVAL '28 days'
      AND c.unit_price > 0 AND l.unit_price > 0
),
candidates AS (
    SELECT launch_sku, like_sku,
           row_number() OVER (PARTITION BY launch_sku ORDER BY distance, like_sku) AS similarity_rank
    FROM pairs
),
like_sales AS (
    SELECT k.launch_sku, k.like_sku, d.store_id,
           CAST(sum(d.units) AS DOUBLE) * 28.0 / count(*) AS units_28d
    FROM daily_sales d
    JOIN candidates k ON k.like_sku = d.sku_id AND k.similarity_rank <= 5
    JOIN launches l ON l.sku_id = k.launch_sku
    WHERE d.date >= l.planned_as_of - INTERVAL '28 days' AND d.date < l.planned_as_of
    GROUP BY k.launch_sku, k.like_sku, d.store_id
),
cells AS (
    SELECT s.launch_sku, s.store_id,
           array_agg(s.units_28d * COALESCE(r.early_life_factor, 1.0) ORDER BY s.like_sku) AS like_demand,
           array_agg(s.like_sku ORDER BY s.like_sku) AS like_skus,
           sum(s.units_28d) / count(*) AS like_units_28d
    FROM like_sales s
    CROSS JOIN ramp r
    GROUP BY s.launch_sku, s.store_id
),
launch_range AS (
    SELECT d.sku_id, d.store_id,
           sum(CASE WHEN d.date < l.launch_date + INTERVAL '28 days' THEN d.units ELSE 0 END) AS units_28d,
           min(d.date) AS first_day
    FROM daily_sales d
    JOIN launches l ON l.sku_id = d.sku_id
    GROUP BY d.sku_id, d.store_id
),
ranged AS (
    SELECT DISTINCT sku_id FROM launch_range
),
category_share AS (
    SELECT p.category, s.store_id,
           CAST(sum(CASE WHEN s.segment = 'high' THEN s.units ELSE 0 END) AS DOUBLE)
               / nullif(sum(s.units), 0) AS high_value_share
    FROM segment_demand s
    JOIN products p ON p.sku_id = s.sku_id
    GROUP BY p.category, s.store_id
),
targets AS (
    SELECT c.launch_sku, c.store_id, c.like_demand, c.like_skus, c.like_units_28d,
           lr.units_28d AS launch_units_28d, lr.first_day,
           l.sku_name, l.department, l.category, l.unit_price, l.unit_cost, l.case_pack,
           l.launch_date, l.planned_as_of,
           COALESCE(sh.high_value_share, 0.0) AS high_value_share
    FROM cells c
    JOIN launches l ON l.sku_id = c.launch_sku
    LEFT JOIN launch_range lr ON lr.sku_id = c.launch_sku AND lr.store_id = c.store_id
    LEFT JOIN ranged g ON g.sku_id = c.launch_sku
    LEFT JOIN category_share sh ON sh.category = l.category AND sh.store_id = c.store_id
    WHERE lr.store_id IS NOT NULL OR g.sku_id IS NULL
),
classed AS (
    SELECT t.*, s.value_class, s.service_level,
           row_number() OVER (PARTITION BY t.launch_sku, t.store_id ORDER BY s.min_high_value_share DESC) AS rn
    FROM targets t
    JOIN service_level_targets s ON t.high_value_share >= s.min_high_value_share
),
allocated AS (
    SELECT c.*, st.region_id, st.format AS location_format, x.end_date, x.cover_days,
           COALESCE(r.early_life_factor, 1.0) AS early_life_factor,
           launch_allocation(c.like_demand, c.service_level, c.case_pack) AS a
    FROM classed c
    JOIN stores st ON st.store_id = c.store_id
    CROSS JOIN params x
    CROSS JOIN ramp r
    WHERE c.rn = 1
)
SELECT 'launch:' || CAST(launch_sku AS VARCHAR) || ':' || CAST(store_id AS VARCHAR) AS recommendation_id,
       CASE WHEN a['quantity'] > 0 THEN 'allocate' ELSE 'no_allocation' END AS action,
       launch_sku AS sku_id,
       store_id,
       region_id,
       location_format,
       sku_name,
       department,
       category,
       launch_date,
       CAST(planned_as_of AS DATE) AS planned_as_of,
       cover_days,
       a['like_items'] AS like_items,
       like_skus,
       like_units_28d,
       early_life_factor,
       a['demand_mean'] AS expected_demand,
       a['demand_std'] AS demand_std,
       value_class,
       high_value_share,
       service_level,
       a['safety_stock'] AS safety_stock,
       case_pack,
       a['quantity'] AS recommended_qty,
       a['quantity'] * unit_cost AS value,
       a['confidence'] AS confidence,
       CAST(CASE WHEN launch_date > end_date THEN 1
                 WHEN launch_date > end_date - INTERVAL '28 days' THEN 2
                 ELSE 3 END AS INT) AS priority,
       CASE WHEN launch_date + INTERVAL '28 days' <= end_date + INTERVAL '1 day' AND first_day IS NOT NULL
            THEN CAST(launch_units_28d AS DOUBLE) END AS actual_units_28d,
       concat(
           CASE WHEN a['quantity'] > 0
                THEN concat('Allocate ', CAST(CAST(a['quantity'] AS BIGINT) AS VARCHAR), ' units (',
                            CAST(CAST(round(a['quantity'] / case_pack) AS BIGINT) AS VARCHAR), ' cases of ',
                            CAST(CAST(case_pack AS BIGINT) AS VARCHAR), ') for the first ',
                            CAST(cover_days AS VARCHAR), ' days: ')
                ELSE 'Nothing to allocate: ' END,
           CAST(a['like_items'] AS VARCHAR), ' like-item(s) of ', category,
           ' sold ', CAST(round(like_units_28d, 1) AS VARCHAR), ' units each on average in the 28 days before ',
           CAST(CAST(planned_as_of AS DATE) AS VARCHAR), ' here; as a new product (early-life factor ',
           CAST(round(early_life_factor, 2) AS VARCHAR), ') expect ',
           CAST(round(a['demand_mean'], 1) AS VARCHAR), ' ± ', CAST(round(a['demand_std'], 1) AS VARCHAR),
           ' units; safety stock ', CAST(round(a['safety_stock'], 1) AS VARCHAR), ' for a ',
           CAST(round(100 * service_level, 1) AS VARCHAR), ' % service level (', value_class, ': ',
           CAST(CAST(floor(100 * high_value_share) AS BIGINT) AS VARCHAR),
           ' % of recent ', category, ' units here bought by high-value customers).'
       ) AS reason
FROM allocated
