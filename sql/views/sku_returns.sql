-- Return behaviour of every SKU sold in the data window, one row per SKU (all channels and
-- locations, loyalty and anonymous customers alike). Returns are counted against the SKU whenever
-- they happened. units_sold / units_returned, lines_sold / lines_returned; amount_returned = the
-- refund value (returned units x the line's net price per unit). return_rate = units_returned /
-- units_sold (return_rate()); department_return_rate = the same over the SKU's department;
-- return_rate_smoothed shrinks the SKU's rate towards its department's with a prior of 50 units
-- (return_rate(returned, sold, department rate, 50)), so a slow seller with one return does not
-- top the list. return_index = 100 x return_rate_smoothed / department_return_rate (100 = returned
-- as often as its department; NULL when the department has no returns). top_reason = the most
-- frequent return reason (ties: alphabetical), NULL without returns; reason in plain words.
CREATE VIEW sku_returns AS
WITH sold AS (
    SELECT sku_id,
           count(*) AS lines_sold,
           sum(quantity) AS units_sold
    FROM sales_lines
    GROUP BY sku_id
),
returned AS (
    SELECT r.sku_id,
           count(*) AS lines_returned,
           sum(r.quantity) AS units_returned,
           round(sum(r.quantity * s.net_amount / s.quantity), 2) AS amount_returned
    FROM returns r
    JOIN sales_lines s ON s.line_id = r.line_id
    GROUP BY r.sku_id
),
reasons AS (
    SELECT sku_id, reason,
           row_number() OVER (PARTITION BY sku_id ORDER BY count(*) DESC, reason) AS rn
    FROM returns
    GROUP BY sku_id, reason
),
joined AS (
    SELECT s.sku_id, p.name, p.department, p.category,
           s.lines_sold, s.units_sold,
           COALESCE(r.lines_returned, 0) AS lines_returned,
           COALESCE(r.units_returned, 0) AS units_returned,
           COALESCE(r.amount_returned, 0.0) AS amount_returned,
           x.reason AS top_reason
    FROM sold s
    LEFT JOIN products p ON p.sku_id = s.sku_id
    LEFT JOIN returned r ON r.sku_id = s.sku_id
    LEFT JOIN reasons x ON x.sku_id = s.sku_id AND x.rn = 1
),
rated AS (
    SELECT *,
           CAST(sum(units_returned) OVER (PARTITION BY department) AS DOUBLE)
               / sum(units_sold) OVER (PARTITION BY department) AS department_return_rate
    FROM joined
),
smoothed AS (
    SELECT *,
           return_rate(units_returned, units_sold) AS return_rate,
           return_rate(units_returned, units_sold, department_return_rate, 50) AS return_rate_smoothed
    FROM rated
)
SELECT sku_id,
       name,
       department,
       category,
       CAST(lines_sold AS BIGINT) AS lines_sold,
       CAST(units_sold AS BIGINT) AS units_sold,
       CAST(lines_returned AS BIGINT) AS lines_returned,
       CAST(units_returned AS BIGINT) AS units_returned,
       amount_returned,
       return_rate,
       return_rate_smoothed,
       department_return_rate,
       CASE WHEN department_return_rate > 0
            THEN 100 * return_rate_smoothed / department_return_rate END AS return_index,
       top_reason,
       CASE WHEN units_returned = 0
            THEN concat('No returns in ', CAST(units_sold AS VARCHAR), ' units sold.')
            ELSE concat(CAST(units_returned AS VARCHAR), ' of ', CAST(units_sold AS VARCHAR),
                        ' units returned (', CAST(round(return_rate * 100, 1) AS VARCHAR),
                        ' %; ', department, ' ', CAST(round(department_return_rate * 100, 1) AS VARCHAR),
                        ' %), mostly ', replace(top_reason, '_', ' '), '.')
       END AS reason
FROM smoothed
