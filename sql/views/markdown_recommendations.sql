-- Markdowns: stock that will not sell through in what is left of its season, with the discount
-- that earns the most (markdown_suggestion: constant-elasticity demand from price_elasticity,
-- Poisson sales capped by the stock, unsold units at salvage value). One row per SKU x location
-- where a discount beats holding the price. Season left as of the last day of data: 'winter'
-- goods sell until the end of February, 'holiday' goods get a 14-day clearance after Christmas,
-- 'summer' goods until the end of August but only from May (out of season they are carried
-- over, not marked down), 'all_year' goods are judged over 91 days (slow stock). Demand at the
-- current shelf price (current_price, after any running promotion; discounts apply to it) = the
-- 28-day forecast per day (inventory_position, read once). Salvage value:
-- 0 for perishables, 30 % of cost for seasonal goods (outlet), 90 % of cost for all-year goods
-- (they keep their value, less carrying cost). recommended_qty = units to mark down (on hand),
-- discount and markdown_price, expected sell-through with and without it, value = the margin
-- effect (expected margin with the markdown minus without), confidence = the forecast confidence
-- x 0.8 when the elasticity is pooled over the category; priority 1 = largest value x confidence.
-- recommendation_id = 'mkdn:' || sku_id || ':' || store_id.
CREATE VIEW markdown_recommendations AS
WITH last_day AS (
    SELECT (SELECT max(date) FROM daily_sales) AS end_date
),
bounds AS (
    SELECT end_date,
           CAST(date_part('year', end_date) AS INT) AS y,
           CAST(date_part('month', end_date) AS INT) AS m,
           CAST(date_part('day', end_date) AS INT) AS d
    FROM last_day
),
season_left AS (
    SELECT p.*, e.elasticity, e.source AS elasticity_source,
           CAST(CASE
               WHEN p.season = 'winter' AND (b.m >= 11 OR b.m <= 2)
                   THEN make_date(b.y + CASE WHEN b.m > 2 THEN 1 ELSE 0 END, 3, 1)
                        - b.end_date - 1
               WHEN p.season = 'holiday' AND b.m = 12 AND b.d >= 25 THEN 14
               WHEN p.season = 'holiday' AND b.m = 1 AND b.d <= 10
                   THEN 11 - b.d
               WHEN p.season = 'summer' AND b.m BETWEEN 5 AND 8
                   THEN make_date(b.y, 9, 1) - b.end_date - 1
               WHEN p.season = 'all_year' THEN 91
           END AS DOUBLE) AS remaining_days,
           CASE WHEN p.perishable THEN 0.0
                WHEN p.season = 'all_year' THEN 0.9 * p.unit_cost
                ELSE 0.3 * p.unit_cost END AS salvage_value
    FROM inventory_position p
    CROSS JOIN bounds b
    LEFT JOIN price_elasticity e ON e.sku_id = p.sku_id
),
suggested AS (
    SELECT s.*,
           markdown_suggestion(on_hand, remaining_days, forecast_daily, least(COALESCE(elasticity, 0.0), 0.0),
                               current_price, unit_cost, salvage_value) AS m
    FROM season_left s
    WHERE remaining_days > 0 AND on_hand > forecast_daily * remaining_days + greatest(case_pack, 1.0)
),
rated AS (
    SELECT suggested.*,
           confidence * CASE WHEN elasticity_source = 'sku' THEN 1.0 ELSE 0.8 END AS markdown_confidence
    FROM suggested
    WHERE m['discount'] > 0 AND m['margin_effect'] > 0
)
SELECT 'mkdn:' || CAST(sku_id AS VARCHAR) || ':' || CAST(store_id AS VARCHAR) AS recommendation_id,
       'markdown' AS action,
       sku_id,
       store_id,
       region_id,
       sku_name,
       season,
       remaining_days,
       on_hand,
       forecast_daily,
       elasticity,
       elasticity_source,
       unit_price,
       current_price,
       unit_cost,
       m['discount'] AS discount,
       m['markdown_price'] AS markdown_price,
       m['sell_through'] AS expected_sell_through,
       m['no_markdown_sell_through'] AS sell_through_without_markdown,
       m['expected_units'] AS expected_units,
       m['expected_margin'] AS expected_margin,
       m['no_markdown_margin'] AS margin_without_markdown,
       CAST(on_hand AS DOUBLE) AS recommended_qty,
       CAST(m['margin_effect'] AS DOUBLE) AS value,
       CAST(markdown_confidence AS DOUBLE) AS confidence,
       CAST(row_number() OVER (ORDER BY m['margin_effect'] * markdown_confidence DESC, sku_id, store_id) AS INT)
           AS priority,
       concat(CAST(CAST(on_hand AS BIGINT) AS VARCHAR), ' on hand but only about ',
              CAST(round(m['no_markdown_units'], 1) AS VARCHAR), ' expected to sell in the ',
              CAST(CAST(remaining_days AS BIGINT) AS VARCHAR), ' days ',
              CASE WHEN season = 'all_year' THEN 'ahead (slow stock)' ELSE concat('left of the ', season, ' season') END,
              ' at the current ', CAST(round(current_price, 2) AS VARCHAR),
              CASE WHEN current_price < unit_price THEN concat(' (regular ', CAST(round(unit_price, 2) AS VARCHAR), ')') ELSE '' END, '. ',
              CAST(CAST(round(100 * m['discount']) AS BIGINT) AS VARCHAR), ' % off (',
              CAST(round(m['markdown_price'], 2) AS VARCHAR), ') should sell ',
              CAST(round(m['expected_units'], 1) AS VARCHAR), ' (sell-through ',
              CAST(CAST(round(100 * m['no_markdown_sell_through']) AS BIGINT) AS VARCHAR), ' % -> ',
              CAST(CAST(round(100 * m['sell_through']) AS BIGINT) AS VARCHAR), ' %) and improve the margin by ',
              CAST(round(m['margin_effect'], 2) AS VARCHAR), ' (elasticity ', CAST(round(elasticity, 2) AS VARCHAR),
              CASE WHEN elasticity_source = 'sku' THEN ', own price history)' ELSE ', category pooled)' END, '.')
           AS reason
FROM rated
