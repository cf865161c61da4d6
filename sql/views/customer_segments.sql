-- RFM scores, named segments and a behavioural cluster for every loyalty customer who bought in
-- the data window (sales_lines with a customer_id), one row per customer.
-- Time is in days; the observation ends on the last day with any sale. Per customer: purchase_days
-- (distinct days with a purchase), total_amount (net spend), recency_days (days since the last
-- purchase); and in lifetimes' terms frequency = purchase_days - 1, recency = days from the first to
-- the last purchase, age = days from the first purchase to the end (lifetimes' T), monetary = mean
-- spend of the repeat purchase days (0 without one) — the inputs of customer_value.
-- r_score, f_score, m_score are NTILE(5) quintiles (5 = best: most recent, most purchase days,
-- highest spend) with ties shared: equal values get the lowest score NTILE gave any of them
-- (min(ntile(5) OVER (ORDER BY x, customer_id)) OVER (PARTITION BY x)), so equal customers score
-- equally. segment = rfm_segment(r_score, f_score, m_score), one of champions, loyal,
-- potential_loyalist, new, promising, need_attention, about_to_sleep, at_risk, cant_lose,
-- hibernating, lost. cluster_id (0..3) is k-means (k = 4, seed 42) on standardised recency_days,
-- ln(1 + purchase_days) and ln(1 + total_amount); cluster_size is its number of customers.
CREATE VIEW customer_segments AS
WITH days AS (
    SELECT customer_id, date, sum(net_amount) AS amount
    FROM sales_lines
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id, date
),
window_end AS (
    SELECT max(date) AS end_date FROM sales_lines
),
per_customer AS (
    SELECT customer_id,
           min(date) AS first_purchase,
           max(date) AS last_purchase,
           count(*) AS purchase_days,
           sum(amount) AS total_amount,
           sum(CASE WHEN rn = 1 THEN amount ELSE 0 END) AS first_amount
    FROM (SELECT customer_id, date, amount,
                 row_number() OVER (PARTITION BY customer_id ORDER BY date) AS rn
          FROM days)
    GROUP BY customer_id
),
summary AS (
    SELECT c.customer_id, c.first_purchase, c.last_purchase, c.purchase_days, c.total_amount,
           CAST(CAST(w.end_date AS INT) - CAST(c.last_purchase AS INT) AS DOUBLE) AS recency_days,
           CAST(c.purchase_days - 1 AS DOUBLE) AS frequency,
           CAST(CAST(c.last_purchase AS INT) - CAST(c.first_purchase AS INT) AS DOUBLE) AS recency,
           CAST(CAST(w.end_date AS INT) - CAST(c.first_purchase AS INT) AS DOUBLE) AS age,
           CASE WHEN c.purchase_days > 1
                THEN (c.total_amount - c.first_amount) / (c.purchase_days - 1)
                ELSE 0.0 END AS monetary
    FROM per_customer c CROSS JOIN window_end w
),
tiles AS (
    SELECT *,
           ntile(5) OVER (ORDER BY recency_days DESC, customer_id) AS r_tile,
           ntile(5) OVER (ORDER BY purchase_days, customer_id) AS f_tile,
           ntile(5) OVER (ORDER BY total_amount, customer_id) AS m_tile
    FROM summary
),
scored AS (
    SELECT *,
           min(r_tile) OVER (PARTITION BY recency_days) AS r_score,
           min(f_tile) OVER (PARTITION BY purchase_days) AS f_score,
           min(m_tile) OVER (PARTITION BY total_amount) AS m_score
    FROM tiles
),
clusters AS (
    SELECT kmeans_fit(make_array(recency_days, ln(1 + purchase_days), ln(1 + total_amount)), 4, 42) AS m
    FROM summary
)
SELECT s.customer_id,
       cu.loyalty_tier,
       cu.home_region_id,
       cu.home_store_id,
       s.first_purchase,
       s.last_purchase,
       s.recency_days,
       s.purchase_days,
       s.total_amount,
       s.frequency,
       s.recency,
       s.age,
       s.monetary,
       CAST(s.r_score AS BIGINT) AS r_score,
       CAST(s.f_score AS BIGINT) AS f_score,
       CAST(s.m_score AS BIGINT) AS m_score,
       concat(CAST(s.r_score AS VARCHAR), CAST(s.f_score AS VARCHAR), CAST(s.m_score AS VARCHAR)) AS rfm_score,
       rfm_segment(s.r_score, s.f_score, s.m_score) AS segment,
       kmeans_assign(k.m, make_array(s.recency_days, ln(1 + s.purchase_days), ln(1 + s.total_amount))) AS cluster_id,
       k.m['sizes'][kmeans_assign(k.m, make_array(s.recency_days, ln(1 + s.purchase_days), ln(1 + s.total_amount))) + 1] AS cluster_size
FROM scored s
CROSS JOIN clusters k
LEFT JOIN customers cu ON cu.customer_id = s.customer_id
