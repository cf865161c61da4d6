-- Regional preference index per region x product category: 100 x (the category's share of the
-- region's units) / (its share of the chain's units), from daily_sales over the whole calendar.
-- 100 = the region buys the category in proportion to its size, 150 = 1.5 times as much, 50 =
-- half. preference_index is smoothed towards 100 with a prior of 500 units (preference_index with
-- prior 500: a region's mix counts fully only once its volume is well above that), index_raw is
-- unsmoothed. Every region x category pair is listed, with 0 units where the region sold none.
-- share_in_region and share_overall are the two shares; reason in plain words.
CREATE VIEW regional_preference AS
WITH cells AS (
    SELECT st.region_id, p.category, sum(d.units) AS units
    FROM daily_sales d
    JOIN stores st ON st.store_id = d.store_id
    JOIN products p ON p.sku_id = d.sku_id
    GROUP BY st.region_id, p.category
),
grid AS (
    SELECT r.region_id, r.name AS region, c.category, CAST(COALESCE(x.units, 0) AS DOUBLE) AS units
    FROM regions r
    CROSS JOIN (SELECT DISTINCT category FROM products) c
    LEFT JOIN cells x ON x.region_id = r.region_id AND x.category = c.category
),
totals AS (
    SELECT *,
           sum(units) OVER (PARTITION BY region_id) AS region_units,
           sum(units) OVER (PARTITION BY category) AS category_units,
           sum(units) OVER () AS total_units
    FROM grid
)
SELECT region_id,
       region,
       category,
       CAST(units AS BIGINT) AS units,
       CAST(region_units AS BIGINT) AS region_units,
       units / NULLIF(region_units, 0) AS share_in_region,
       category_units / total_units AS share_overall,
       preference_index(units, region_units, category_units, total_units, 500) AS preference_index,
       CASE WHEN region_units > 0 THEN preference_index(units, region_units, category_units, total_units) END AS index_raw,
       concat(region, ' buys ', category, ' ',
              CASE WHEN preference_index(units, region_units, category_units, total_units, 500) >= 100
                   THEN concat(CAST(round(preference_index(units, region_units, category_units, total_units, 500) / 100, 2) AS VARCHAR), ' times')
                   ELSE concat('only ', CAST(round(preference_index(units, region_units, category_units, total_units, 500), 0) AS VARCHAR), ' % of') END,
              ' what its size implies (', CAST(round(units / NULLIF(region_units, 0) * 100, 1) AS VARCHAR),
              ' % of its units vs ', CAST(round(category_units / total_units * 100, 1) AS VARCHAR),
              ' % chain-wide).') AS reason
FROM totals
WHERE category_units > 0 AND total_units > 0
