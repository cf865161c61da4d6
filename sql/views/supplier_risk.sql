-- Supplier risk: one row per supplier, from its purchase-order history (received orders; open
-- orders are left out). Lead time from order to receipt in days: mean, standard deviation, 90th
-- percentile and trend; fill rate (units received of units ordered, per order capped at the
-- order), on-time rate (received by expected_date), quality reject rate; a 0-100 risk score
-- (higher = riskier: lead-time variability 25, lateness 25, short shipments 20, rejects 15,
-- rising lead times 15), its band (low < 25 <= medium < 50 <= high) and main driver; and the lead
-- time replenishment should plan with: planning_lead_time and planning_lead_time_std are the
-- lead_time and lead_time_std to pass to safety_stock (the trend level instead of the mean when
-- lead times are rising). confidence grows with the number of received orders (n / (n + 28), as
-- in recommendation_confidence); reason says it in plain words. The figures come from the
-- supplier_risk aggregate (docs/functions.md).
CREATE VIEW supplier_risk AS
WITH stats AS (
    SELECT
        supplier_id,
        count(*) AS purchase_orders,
        supplier_risk(
            received_date - order_date,
            order_date,
            qty_ordered,
            qty_received,
            qty_rejected,
            received_date <= expected_date
        ) AS r
    FROM purchase_orders
    GROUP BY supplier_id
),
flat AS (
    SELECT
        stats.supplier_id,
        stats.purchase_orders,
        r['orders'] AS received_orders,
        r['lead_time_mean'] AS lead_time_mean,
        r['lead_time_std'] AS lead_time_std,
        r['lead_time_p90'] AS lead_time_p90,
        r['lead_time_trend'] AS lead_time_trend,
        r['lead_time_rise'] AS lead_time_rise,
        r['fill_rate'] AS fill_rate,
        r['on_time_rate'] AS on_time_rate,
        r['reject_rate'] AS reject_rate,
        r['score'] AS score,
        r['band'] AS band,
        r['main_risk'] AS main_risk,
        r['planning_lead_time'] AS planning_lead_time,
        r['planning_lead_time_std'] AS planning_lead_time_std
    FROM stats
)
SELECT
    'supplier_risk:' || CAST(f.supplier_id AS VARCHAR) AS recommendation_id,
    f.supplier_id,
    s.name AS supplier_name,
    s.country,
    f.purchase_orders,
    f.received_orders,
    f.lead_time_mean,
    f.lead_time_std,
    f.lead_time_p90,
    f.lead_time_trend,
    f.lead_time_rise,
    f.fill_rate,
    f.on_time_rate,
    f.reject_rate,
    f.score,
    f.band,
    f.main_risk,
    f.planning_lead_time,
    f.planning_lead_time_std,
    CAST(f.received_orders AS DOUBLE) / (f.received_orders + 28) AS confidence,
    concat(
        CASE f.band WHEN 'high' THEN 'High' WHEN 'medium' THEN 'Medium' ELSE 'Low' END,
        ' risk (score ', CAST(CAST(round(f.score) AS BIGINT) AS VARCHAR), ')',
        CASE WHEN f.main_risk IS NULL THEN '' ELSE concat(', mainly ', f.main_risk) END,
        ': ',
        CASE WHEN f.on_time_rate IS NULL THEN 'on-time record unknown'
             ELSE concat(CAST(CAST(round(100 * f.on_time_rate) AS BIGINT) AS VARCHAR), '% of orders on time') END,
        ', lead time ', CAST(round(f.lead_time_mean, 1) AS VARCHAR),
        ' ± ', CAST(round(f.lead_time_std, 1) AS VARCHAR),
        ' days (90% within ', CAST(round(f.lead_time_p90, 1) AS VARCHAR), ')',
        CASE WHEN f.fill_rate IS NULL THEN ''
             ELSE concat(', ', CAST(round(100 * f.fill_rate, 1) AS VARCHAR), '% of units delivered') END,
        CASE WHEN f.reject_rate IS NULL THEN ''
             ELSE concat(', ', CAST(round(100 * f.reject_rate, 1) AS VARCHAR), '% rejected') END,
        ' over ', CAST(f.received_orders AS VARCHAR), ' received orders. ',
        CASE WHEN f.lead_time_rise > 0.1
             THEN concat('Lead times are rising (+', CAST(CAST(round(100 * f.lead_time_rise) AS BIGINT) AS VARCHAR),
                         '% over the history). ')
             ELSE '' END,
        'Plan with ', CAST(round(f.planning_lead_time, 1) AS VARCHAR),
        ' ± ', CAST(round(f.planning_lead_time_std, 1) AS VARCHAR), ' days.'
    ) AS reason
FROM flat f
JOIN suppliers s ON s.supplier_id = f.supplier_id
WHERE f.received_orders IS NOT NULL
