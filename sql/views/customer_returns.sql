-- Return behaviour of every loyalty customer who bought in the data window (sales_lines with a
-- customer_id), one row per customer. Returns are counted by the customer of the returned line,
-- whenever they happened. units_bought / units_returned = units over all lines / returned units;
-- lines_bought, lines_returned = lines and return lines; amount_bought = net spend; amount_returned
-- = the refund value (returned units x the line's net price per unit). return_rate =
-- units_returned / units_bought (return_rate()); return_rate_smoothed shrinks it towards the rate
-- of all loyalty customers (overall_return_rate) with a prior of 20 units (return_rate(returned,
-- bought, overall, 20)), so one return out of one purchase is not a 100 % returner — rank and
-- band customers by it. return_band = 'none' (nothing returned), 'high' (smoothed rate at least
-- twice the overall rate) or 'normal'. top_reason = the customer's most frequent return reason
-- (ties: alphabetical), NULL without returns; reason in plain words.
CREATE VIEW customer_returns AS
WITH bought AS (
    SELECT customer_id,
           count(*) AS lines_bought,
           sum(quantity) AS units_bought,
           round(sum(net_amount), 2) AS amount_bought
    FROM sales_lines
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
),
returned AS (
    SELECT r.customer_id,
           count(*) AS lines_returned,
           sum(r.quantity) AS units_returned,
           round(sum(r.quantity * s.net_amount / s.quantity), 2) AS amount_returned
    FROM returns r
    JOIN sales_lines s ON s.line_id = r.line_id
    WHERE r.customer_id IS NOT NULL
    GROUP BY r.customer_id
),
reasons AS (
    SELECT customer_id, reason,
           row_number() OVER (PARTITION BY customer_id ORDER BY count(*) DESC, reason) AS rn
    FROM returns
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id, reason
),
joined AS (
    SELECT b.customer_id, b.lines_bought, b.units_bought, b.amount_bought,
           COALESCE(r.lines_returned, 0) AS lines_returned,
           COALESCE(r.units_returned, 0) AS units_returned,
           COALESCE(r.amount_returned, 0.0) AS amount_returned,
           x.reason AS top_reason
    FROM bought b
    LEFT JOIN returned r ON r.customer_id = b.customer_id
    LEFT JOIN reasons x ON x.customer_id = b.customer_id AND x.rn = 1
),
overall AS (
    SELECT CAST(sum(units_returned) AS DOUBLE) / sum(units_bought) AS rate FROM joined
),
rated AS (
    SELECT j.*,
           o.rate AS overall_return_rate,
           return_rate(j.units_returned, j.units_bought) AS return_rate,
           return_rate(j.units_returned, j.units_bought, o.rate, 20) AS return_rate_smoothed
    FROM joined j
    CROSS JOIN overall o
)
SELECT r.customer_id,
       c.loyalty_tier,
       c.home_region_id,
       CAST(r.lines_bought AS BIGINT) AS lines_bought,
       CAST(r.units_bought AS BIGINT) AS units_bought,
       r.amount_bought,
       CAST(r.lines_returned AS BIGINT) AS lines_returned,
       CAST(r.units_returned AS BIGINT) AS units_returned,
       r.amount_returned,
       r.return_rate,
       r.return_rate_smoothed,
       r.overall_return_rate,
       CASE WHEN r.units_returned = 0 THEN 'none'
            WHEN r.return_rate_smoothed >= 2 * r.overall_return_rate THEN 'high'
            ELSE 'normal' END AS return_band,
       r.top_reason,
       CASE WHEN r.units_returned = 0
            THEN concat('No returns in ', CAST(r.units_bought AS VARCHAR), ' units bought.')
            ELSE concat('Returned ', CAST(r.units_returned AS VARCHAR), ' of ',
                        CAST(r.units_bought AS VARCHAR), ' units (',
                        CAST(round(r.return_rate * 100, 1) AS VARCHAR), ' %; all customers ',
                        CAST(round(r.overall_return_rate * 100, 1) AS VARCHAR), ' %), mostly ',
                        replace(r.top_reason, '_', ' '),
                        CASE WHEN r.return_rate_smoothed >= 2 * r.overall_return_rate
                             THEN ': a frequent returner.' ELSE '.' END)
       END AS reason
FROM rated r
LEFT JOIN customers c ON c.customer_id = r.customer_id
