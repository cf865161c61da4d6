-- Lifetime value and churn risk of every customer in customer_segments, one row per customer.
-- A BG/NBD model (purchase days; time in days) and a Gamma-Gamma spend model are fitted over all
-- customers at query time (bgnbd_fit; gamma_gamma_fit on the repeat customers with a positive
-- spend): equal to lifetimes' BetaGeoFitter and GammaGammaFitter. Columns: p_alive = probability
-- the customer is still active, churn_risk = 1 - p_alive, expected_purchases_90d /
-- expected_purchases_365d = expected purchase days in the next 90 / 365 days, expected_spend =
-- expected spend per purchase day (Gamma-Gamma; the population mean for one-time buyers),
-- clv_12m = expected net revenue over the next 12 months discounted at 1 % a month (lifetimes'
-- customer_lifetime_value; revenue, not margin), value_segment = 'high' for the top 20 % of
-- clv_12m, 'medium' for the next 30 %, 'low' for the rest (NTILE(10) on clv_12m, ties broken by
-- customer_id), value_rank = 1 for the most valuable customer, churn_band = 'high' (churn_risk >=
-- 0.5), 'medium' (>= 0.2) or 'low', plus the RFM segment and cluster_id of customer_segments and a
-- reason in plain words.
CREATE VIEW customer_value AS
WITH models AS (
    SELECT bgnbd_fit(frequency, recency, age) AS bg,
           gamma_gamma_fit(frequency, monetary) FILTER (WHERE monetary > 0) AS gg
    FROM customer_segments
),
scored AS (
    SELECT c.customer_id, c.loyalty_tier, c.home_region_id, c.home_store_id,
           c.segment, c.cluster_id, c.rfm_score,
           c.frequency, c.recency, c.age, c.monetary, c.recency_days, c.total_amount,
           bgnbd_p_alive(m.bg, c.frequency, c.recency, c.age) AS p_alive,
           bgnbd_churn_risk(m.bg, c.frequency, c.recency, c.age) AS churn_risk,
           bgnbd_expected_purchases(m.bg, 90, c.frequency, c.recency, c.age) AS expected_purchases_90d,
           bgnbd_expected_purchases(m.bg, 365, c.frequency, c.recency, c.age) AS expected_purchases_365d,
           gamma_gamma_spend(m.gg, c.frequency, c.monetary) AS expected_spend,
           clv(m.bg, m.gg, c.frequency, c.recency, c.age, c.monetary,
               months => 12, discount_rate => 0.01, margin => 1, time_unit => 'day') AS clv_12m
    FROM customer_segments c
    CROSS JOIN models m
),
ranked AS (
    SELECT *,
           ntile(10) OVER (ORDER BY clv_12m DESC, customer_id) AS clv_decile,
           row_number() OVER (ORDER BY clv_12m DESC, customer_id) AS value_rank
    FROM scored
)
SELECT customer_id,
       loyalty_tier,
       home_region_id,
       home_store_id,
       segment,
       cluster_id,
       rfm_score,
       frequency,
       recency,
       age,
       monetary,
       p_alive,
       churn_risk,
       expected_purchases_90d,
       expected_purchases_365d,
       expected_spend,
       clv_12m,
       CASE WHEN clv_decile <= 2 THEN 'high' WHEN clv_decile <= 5 THEN 'medium' ELSE 'low' END AS value_segment,
       value_rank,
       CASE WHEN churn_risk >= 0.5 THEN 'high' WHEN churn_risk >= 0.2 THEN 'medium' ELSE 'low' END AS churn_band,
       concat(
           CASE WHEN clv_decile <= 2 THEN 'High-value' WHEN clv_decile <= 5 THEN 'Mid-value' ELSE 'Low-value' END,
           ' customer (', segment, '): expected to spend ', CAST(CAST(round(clv_12m, 0) AS BIGINT) AS VARCHAR),
           ' in the next 12 months (about ', CAST(round(expected_purchases_365d, 1) AS VARCHAR),
           ' purchase days a year); ', CAST(CAST(round(p_alive * 100, 0) AS BIGINT) AS VARCHAR), ' % likely still active',
           CASE WHEN frequency = 0 THEN ' (one purchase so far)'
                WHEN churn_risk >= 0.5 AND clv_decile <= 5 THEN ', at risk of churning: worth a retention offer'
                WHEN churn_risk >= 0.5 THEN ', probably lapsed'
                ELSE '' END,
           '.') AS reason
FROM ranked
