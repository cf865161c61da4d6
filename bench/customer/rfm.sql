-- RFM over a transaction table tx(customer_id, ts, amount): the one SQL text both DuckDB and aisle
-- run in bench.py. recency_days = whole days from the last transaction to 2025-01-01 (epoch
-- arithmetic, so both engines read it the same way), frequency = transactions, monetary = spend;
-- NTILE(5) scores, 5 = best, ties broken by customer_id.
WITH per AS (
    SELECT customer_id,
           max(ts) AS last_ts,
           count(*) AS frequency,
           sum(amount) AS monetary
    FROM tx
    GROUP BY customer_id
),
s AS (
    SELECT customer_id,
           CAST(floor((1735689600 - extract(epoch FROM last_ts)) / 86400) AS BIGINT) AS recency_days,
           frequency,
           monetary
    FROM per
)
SELECT customer_id, recency_days, frequency, monetary,
       ntile(5) OVER (ORDER BY recency_days DESC, customer_id) AS r_score,
       ntile(5) OVER (ORDER BY frequency, customer_id) AS f_score,
       ntile(5) OVER (ORDER BY monetary, customer_id) AS m_score
FROM s
