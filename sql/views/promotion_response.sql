-- How demand responds to promotions, per SKU and per customer segment, with a confidence measure.
-- Only SKU x location pairs that were ever promoted count (their promotion days against their
-- other days). level = 'sku': promo_uplift over the pair's days in daily_sales (zero-sales days
-- included, stock-out days excluded because their sales are censored): uplift = mean units per
-- location-day on promotion / mean units on the other days, with its 95 % interval (uplift_lo,
-- uplift_hi; delta method on the log ratio, Welch) — the other days are not seasonally adjusted, so
-- read it as indicative. level = 'segment': for each RFM segment of customer_segments, the
-- segment's units per promoted cell-day against its units per non-promoted cell-day of the same
-- day (promo_uplift_paired over the days, so day-to-day traffic cancels out): how strongly the
-- segment reacts to promotions. n_promo / n_base are the days (location-days for SKUs) on each
-- side. confidence = 1 - p_value of 'no uplift' (NULL when undefined); reason in plain words.
CREATE VIEW promotion_response AS
WITH promoted AS (
    SELECT DISTINCT sku_id, store_id FROM daily_sales WHERE promo
),
sku_days AS (
    SELECT d.sku_id, d.units, d.promo
    FROM daily_sales d
    JOIN promoted p ON p.sku_id = d.sku_id AND p.store_id = d.store_id
    WHERE NOT d.stockout
),
per_sku AS (
    SELECT sku_id, promo_uplift(units, promo) AS u
    FROM sku_days
    GROUP BY sku_id
),
cells AS (
    SELECT d.date,
           sum(CASE WHEN d.promo THEN 1 ELSE 0 END) AS promo_cells,
           sum(CASE WHEN d.promo THEN 0 ELSE 1 END) AS base_cells
    FROM daily_sales d
    JOIN promoted p ON p.sku_id = d.sku_id AND p.store_id = d.store_id
    GROUP BY d.date
),
segment_units AS (
    SELECT c.segment, s.date,
           sum(CASE WHEN s.promo_id IS NOT NULL THEN s.quantity ELSE 0 END) AS promo_units,
           sum(CASE WHEN s.promo_id IS NULL THEN s.quantity ELSE 0 END) AS base_units
    FROM sales_lines s
    JOIN customer_segments c ON c.customer_id = s.customer_id
    JOIN promoted p ON p.sku_id = s.sku_id AND p.store_id = s.store_id
    GROUP BY c.segment, s.date
),
segment_days AS (
    SELECT g.segment, d.date,
           CAST(COALESCE(u.promo_units, 0) AS DOUBLE) / d.promo_cells AS promo_rate,
           CAST(COALESCE(u.base_units, 0) AS DOUBLE) / d.base_cells AS base_rate
    FROM (SELECT DISTINCT segment FROM customer_segments) g
    CROSS JOIN cells d
    LEFT JOIN segment_units u ON u.segment = g.segment AND u.date = d.date
    WHERE d.promo_cells > 0 AND d.base_cells > 0
),
per_segment AS (
    SELECT segment, promo_uplift_paired(promo_rate, base_rate) AS u
    FROM segment_days
    GROUP BY segment
),
results AS (
    SELECT 'sku' AS level, s.sku_id, pr.name AS sku_name, CAST(NULL AS VARCHAR) AS segment, s.u
    FROM per_sku s
    LEFT JOIN products pr ON pr.sku_id = s.sku_id
    WHERE s.u['n_promo'] > 0
    UNION ALL
    SELECT 'segment' AS level, CAST(NULL AS BIGINT) AS sku_id, CAST(NULL AS VARCHAR) AS sku_name, segment, u
    FROM per_segment
)
SELECT level,
       sku_id,
       sku_name,
       segment,
       u['uplift'] AS uplift,
       u['lo'] AS uplift_lo,
       u['hi'] AS uplift_hi,
       u['p_value'] AS p_value,
       1 - u['p_value'] AS confidence,
       u['n_promo'] AS n_promo,
       u['n_base'] AS n_base,
       CASE
           WHEN u['uplift'] IS NULL THEN 'Not enough data to measure the promotion response.'
           ELSE concat(
               CASE WHEN level = 'sku' THEN concat(COALESCE(sku_name, CAST(sku_id AS VARCHAR)), ' sells ')
                    ELSE concat('Customers in segment ', segment, ' buy ') END,
               CAST(round(u['uplift'], 2) AS VARCHAR),
               CASE WHEN level = 'sku' THEN ' times its usual units on promotion'
                    ELSE ' times their usual units of promoted products on promotion days' END,
               CASE WHEN u['lo'] IS NOT NULL
                    THEN concat(' (95 % interval ', CAST(round(u['lo'], 2) AS VARCHAR), ' to ',
                                CAST(round(u['hi'], 2) AS VARCHAR), ')') ELSE '' END,
               '; ',
               CASE WHEN u['p_value'] IS NULL THEN 'too few days to judge the evidence'
                    WHEN u['p_value'] < 0.01 THEN 'strong evidence'
                    WHEN u['p_value'] < 0.05 THEN 'moderate evidence'
                    ELSE 'weak evidence' END,
               ' over ', CAST(u['n_promo'] AS VARCHAR), ' promotion ',
               CASE WHEN level = 'sku' THEN 'location-days.' ELSE 'days.' END)
       END AS reason
FROM results
