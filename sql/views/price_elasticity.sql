-- Price elasticity of demand per SKU with a category-pooled fallback and standard errors.
-- Input: daily_sales without stock-out days (censored sales), averaged per SKU and day over the
-- locations (units per location-day, shelf price after promotion rounded to cents): ln(units) ~
-- ln(price) by least squares (price_elasticity). A SKU keeps its own estimate (source 'sku') when it has at least 8
-- usable days and its ln(price) varies with a standard deviation of at least 0.02; otherwise
-- (thin data, or no price change at all) it takes its category's pooled elasticity (source
-- 'category': one common slope with a level per SKU, price_elasticity_pooled), and 'insufficient'
-- (NULL elasticity) when the category cannot be fitted either. elasticity is the value to use
-- (-1.8 = a 1 % price cut sells about 1.8 % more), std_error its standard error, n the days it
-- rests on; sku_elasticity / sku_std_error / sku_source are the SKU's own fit, category_elasticity
-- the pooled one. reason explains the choice in plain words.
CREATE VIEW price_elasticity AS
WITH daily AS (
    SELECT sku_id, date, avg(units) AS units, round(avg(price), 2) AS price
    FROM daily_sales
    WHERE NOT stockout
    GROUP BY sku_id, date
),
own AS (
    SELECT sku_id, price_elasticity(price, units) AS e
    FROM daily
    GROUP BY sku_id
),
pooled AS (
    SELECT p.category, price_elasticity_pooled(d.sku_id, d.price, d.units) AS e
    FROM daily d
    JOIN products p ON p.sku_id = d.sku_id
    GROUP BY p.category
)
SELECT o.sku_id,
       pr.name AS sku_name,
       pr.category,
       CASE WHEN o.e['source'] = 'sku' THEN o.e['elasticity'] ELSE pl.e['elasticity'] END AS elasticity,
       CASE WHEN o.e['source'] = 'sku' THEN o.e['std_error'] ELSE pl.e['std_error'] END AS std_error,
       CASE WHEN o.e['source'] = 'sku' THEN 'sku'
            WHEN pl.e['elasticity'] IS NOT NULL THEN 'category'
            ELSE 'insufficient' END AS source,
       CASE WHEN o.e['source'] = 'sku' THEN o.e['n'] ELSE pl.e['n'] END AS n,
       o.e['elasticity'] AS sku_elasticity,
       o.e['std_error'] AS sku_std_error,
       o.e['r2'] AS sku_r2,
       o.e['source'] AS sku_source,
       pl.e['elasticity'] AS category_elasticity,
       pl.e['std_error'] AS category_std_error,
       CASE
           WHEN o.e['source'] = 'sku' THEN concat(
               'Own price history (', CAST(o.e['n'] AS VARCHAR), ' days): a 1 % price cut ',
               CASE WHEN o.e['elasticity'] <= 0 THEN 'raises' ELSE 'lowers' END, ' units by about ',
               CAST(round(abs(o.e['elasticity']), 2) AS VARCHAR), ' % (standard error ',
               CAST(round(o.e['std_error'], 2) AS VARCHAR), ')',
               CASE WHEN o.e['elasticity'] > 0
                    THEN '; the sign is unusual: price changes may coincide with seasonal demand'
                    ELSE '' END, '.')
           WHEN pl.e['elasticity'] IS NOT NULL THEN concat(
               'Too little own price variation (', COALESCE(o.e['reason'], 'no usable days'),
               '); using the pooled elasticity of category ', pr.category, ' (',
               CAST(pl.e['n_series'] AS VARCHAR), ' SKUs, ', CAST(pl.e['n'] AS VARCHAR), ' days).')
           ELSE concat('No elasticity: ', COALESCE(o.e['reason'], ''), '; the category ',
                       COALESCE(pr.category, ''), ' cannot be pooled either (',
                       COALESCE(pl.e['reason'], 'no data'), ').')
       END AS reason
FROM own o
LEFT JOIN products pr ON pr.sku_id = o.sku_id
LEFT JOIN pooled pl ON pl.category = pr.category
