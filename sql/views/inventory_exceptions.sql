-- Inventory exceptions a planner should look at first, one row per SKU x location x kind
-- (deduplicated by construction), ranked: priority 1 = the most money at stake times confidence.
-- Kinds: 'stockout_risk' (on hand + on order runs out before an order placed now can arrive:
-- expected lost units over the lead time, valued at margin), 'overstock' (position above the
-- order-up-to level plus four weeks of forecast: excess units at cost), 'phantom_inventory' (the
-- book shows stock but nothing sold for days although the forecast expects sales:
-- phantom_inventory_probability >= 0.95 after at least 3 silent days; count the shelf),
-- 'shrink_anomaly' (stock lost to unexplained book corrections at more than 2x the median rate of
-- the department, over the whole history: a correction is book stock last Sunday + goods received -
-- units sold - book stock this Sunday), 'demand_shift' (all-year SKUs whose last 28 days differ
-- from the 63 days before by |demand_shift z| > 4 and at least 50 %). Every row has the
-- recommendation columns (recommendation_id = 'exc:' || kind || ':' || sku_id || ':' || store_id,
-- action, recommended_qty, value, confidence, priority, reason) and the evidence (metric).
CREATE VIEW inventory_exceptions AS
WITH bounds AS (
    SELECT (SELECT max(date) FROM daily_sales) AS end_date
),
weekly_sales AS (
    SELECT sku_id, store_id,
           CAST(date_trunc('week', date) AS DATE) + INTERVAL '6 days' AS week_end,
           sum(units) AS units
    FROM daily_sales
    GROUP BY sku_id, store_id, CAST(date_trunc('week', date) AS DATE) + INTERVAL '6 days'
),
weekly_receipts AS (
    SELECT sku_id, store_id,
           CAST(date_trunc('week', received_date) AS DATE) + INTERVAL '6 days' AS week_end,
           sum(qty_received - qty_rejected) AS received
    FROM purchase_orders
    WHERE received_date IS NOT NULL
    GROUP BY sku_id, store_id, CAST(date_trunc('week', received_date) AS DATE) + INTERVAL '6 days'
),
snaps AS (
    SELECT i.sku_id, i.store_id, i.snapshot_date, i.book_on_hand,
           lag(i.book_on_hand) OVER (PARTITION BY i.sku_id, i.store_id ORDER BY i.snapshot_date) AS prev_book
    FROM inventory_snapshots i
),
corrections AS (
    SELECT s.sku_id, s.store_id,
           sum(greatest(s.prev_book + COALESCE(r.received, 0) - COALESCE(w.units, 0) - s.book_on_hand, 0))
               AS corrected_units,
           sum(CAST(s.book_on_hand AS DOUBLE)) * 7 AS stock_days,
           count(*) AS weeks
    FROM snaps s
    LEFT JOIN weekly_sales w ON w.sku_id = s.sku_id AND w.store_id = s.store_id AND w.week_end = s.snapshot_date
    LEFT JOIN weekly_receipts r ON r.sku_id = s.sku_id AND r.store_id = s.store_id AND r.week_end = s.snapshot_date
    WHERE s.prev_book IS NOT NULL
    GROUP BY s.sku_id, s.store_id
),
shrink AS (
    SELECT c.*, p.department,
           CASE WHEN c.stock_days > 0 THEN c.corrected_units / c.stock_days END AS shrink_rate,
           median(CASE WHEN c.stock_days > 0 THEN c.corrected_units / c.stock_days END)
               OVER (PARTITION BY p.department) AS department_rate
    FROM corrections c
    JOIN products p ON p.sku_id = c.sku_id
),
shift AS (
    SELECT d.sku_id, d.store_id,
           demand_shift(
               array_agg(CAST(d.units AS DOUBLE) ORDER BY d.date)
                   FILTER (WHERE d.date > b.end_date - INTERVAL '91 days' AND d.date <= b.end_date - INTERVAL '28 days'),
               array_agg(CAST(d.units AS DOUBLE) ORDER BY d.date)
                   FILTER (WHERE d.date > b.end_date - INTERVAL '28 days')) AS s
    FROM daily_sales d
    CROSS JOIN bounds b
    JOIN products pr ON pr.sku_id = d.sku_id
    WHERE pr.season = 'all_year' AND d.date > b.end_date - INTERVAL '91 days'
    GROUP BY d.sku_id, d.store_id
    HAVING count(*) FILTER (WHERE d.date <= b.end_date - INTERVAL '28 days') >= 28
),
pos_metrics AS (
    -- inventory_position is read once (a CTE referenced twice would plan the forecast twice)
    SELECT p.*,
           CAST(b.end_date - COALESCE(p.last_sale_date, p.snapshot_date - INTERVAL '728 days') AS DOUBLE)
               AS silent_days,
           p.forecast_daily * p.lead_time AS lt_mean,
           p.lead_time_demand_std * sqrt(p.lead_time / p.protection_days) AS lt_std,
           p.position - p.order_up_to - p.forecast_28d AS excess
    FROM inventory_position p
    CROSS JOIN bounds b
),
pos_scored AS (
    SELECT m.*,
           expected_shortage(position, lt_mean, lt_std) AS lt_shortage,
           stockout_probability(position, lt_mean, lt_std) AS lt_risk,
           phantom_inventory_probability(forecast_daily, silent_days) AS phantom_p
    FROM pos_metrics m
),
pos_candidates AS (
    SELECT unnest(make_array(
        named_struct('sku_id', sku_id, 'store_id', store_id, 'kind', 'stockout_risk',
            'action', 'expedite_or_transfer',
            'flag', position_cover_days < lead_time AND forecast_daily > 0,
            'qty', lt_shortage,
            'value', lt_shortage * greatest(unit_price - unit_cost, 0.0),
            'confidence', confidence,
            'metric', lt_risk,
            'reason', concat('On hand ', CAST(CAST(on_hand AS BIGINT) AS VARCHAR), ' + on order ',
                CAST(CAST(on_order AS BIGINT) AS VARCHAR), ' lasts ',
                CAST(round(position_cover_days, 1) AS VARCHAR), ' days, but an order placed now takes ',
                CAST(round(lead_time, 1) AS VARCHAR), ' days: ',
                CAST(CAST(round(100 * lt_risk) AS BIGINT) AS VARCHAR),
                ' % chance of a stock-out, about ', CAST(round(lt_shortage, 1) AS VARCHAR),
                ' units of demand lost. Expedite the open order or transfer stock from a nearby location.')),
        named_struct('sku_id', sku_id, 'store_id', store_id, 'kind', 'overstock',
            'action', 'stop_ordering_or_transfer',
            'flag', excess >= greatest(case_pack, 1.0),
            'qty', excess,
            'value', excess * unit_cost,
            'confidence', confidence,
            'metric', position / greatest(order_up_to + forecast_28d, 1.0),
            'reason', concat('On hand ', CAST(CAST(on_hand AS BIGINT) AS VARCHAR), ' + on order ',
                CAST(CAST(on_order AS BIGINT) AS VARCHAR), ' against an order-up-to level of ',
                CAST(round(order_up_to, 1) AS VARCHAR), ' and ',
                CAST(round(forecast_28d, 1) AS VARCHAR), ' units of demand expected in 4 weeks: ',
                CAST(CAST(round(excess) AS BIGINT) AS VARCHAR), ' excess units tie up ',
                CAST(round(excess * unit_cost, 2) AS VARCHAR),
                '. Stop ordering, transfer the excess, or mark it down.')),
        named_struct('sku_id', sku_id, 'store_id', store_id, 'kind', 'phantom_inventory',
            'action', 'count_stock',
            'flag', on_hand > 0 AND silent_days >= 3 AND phantom_p >= 0.95,
            'qty', on_hand,
            'value', on_hand * unit_cost,
            'confidence', phantom_p,
            'metric', phantom_p,
            'reason', concat('The book shows ', CAST(CAST(on_hand AS BIGINT) AS VARCHAR),
                ' on hand but nothing sold for ', CAST(CAST(silent_days AS BIGINT) AS VARCHAR),
                ' days while the forecast expects ', CAST(round(forecast_daily, 2) AS VARCHAR),
                ' a day: ', CAST(CAST(round(100 * phantom_p) AS BIGINT) AS VARCHAR),
                ' % likely the stock is not really there. Count the shelf and correct the book.'))
    )) AS c
    FROM pos_scored
),
candidates AS (
    SELECT c['sku_id'] AS sku_id, c['store_id'] AS store_id, c['kind'] AS kind, c['action'] AS action,
           c['qty'] AS qty, c['value'] AS value, c['confidence'] AS confidence, c['metric'] AS metric,
           c['reason'] AS reason
    FROM pos_candidates
    WHERE c['flag']
    UNION ALL
    -- shrink: unexplained book corrections well above the department's usual rate
    SELECT s.sku_id, s.store_id, 'shrink_anomaly', 'investigate_shrink',
           CAST(s.corrected_units AS DOUBLE),
           s.corrected_units * pr.unit_cost,
           CAST(s.weeks AS DOUBLE) / (s.weeks + 28),
           s.shrink_rate / s.department_rate,
           concat(CAST(s.corrected_units AS VARCHAR), ' units vanished in stock corrections over ',
                  CAST(s.weeks AS VARCHAR), ' weeks: ', CAST(round(100 * 7 * s.shrink_rate, 2) AS VARCHAR),
                  ' % of the stock a week, ', CAST(round(s.shrink_rate / s.department_rate, 1) AS VARCHAR),
                  'x the ', s.department, ' median. Check for theft, damage or receiving errors.')
    FROM shrink s
    JOIN products pr ON pr.sku_id = s.sku_id
    WHERE s.department_rate > 0 AND s.shrink_rate > 2 * s.department_rate AND s.corrected_units >= 3
    UNION ALL
    -- sudden demand shift on an all-year SKU
    SELECT h.sku_id, h.store_id, 'demand_shift', 'review_forecast',
           0.0,
           abs(h.s['recent_mean'] - h.s['baseline_median']) * 28 * pr.unit_price,
           least(abs(h.s['z']) / 8, 1.0),
           h.s['z'],
           concat('Demand ', CASE WHEN h.s['z'] > 0 THEN 'rose' ELSE 'fell' END, ' to ',
                  CAST(round(h.s['recent_mean'], 2) AS VARCHAR), ' a day over the last 28 days from ',
                  CAST(round(h.s['baseline_median'], 2) AS VARCHAR), ' (shift z ',
                  CAST(round(h.s['z'], 1) AS VARCHAR), '). Check the forecast, promotions and ranging.')
    FROM shift h
    JOIN products pr ON pr.sku_id = h.sku_id
    WHERE abs(h.s['z']) > 4 AND h.s['ratio'] IS NOT NULL AND abs(h.s['ratio'] - 1) >= 0.5
)
SELECT 'exc:' || kind || ':' || CAST(sku_id AS VARCHAR) || ':' || CAST(store_id AS VARCHAR) AS recommendation_id,
       kind,
       action,
       sku_id,
       store_id,
       CAST(qty AS DOUBLE) AS recommended_qty,
       CAST(value AS DOUBLE) AS value,
       CAST(confidence AS DOUBLE) AS confidence,
       CAST(row_number() OVER (ORDER BY value * confidence DESC, kind, sku_id, store_id) AS INT) AS priority,
       CAST(metric AS DOUBLE) AS metric,
       reason
FROM candidates
