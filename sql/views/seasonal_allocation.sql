-- Seasonal event allocation: how many units of each category to have at each selling location
-- for the next occurrence of the chain's calendar events, planned from the same event last year
-- (one row per event x category x location; action 'allocate' or 'no_allocation'). Events (the
-- demo calendar's recurring ones, computed for any year): 'christmas' = 1-24 December (the
-- run-up: store traffic up to +50 %, holiday lines peak), 'black_friday' = the Friday after the
-- fourth Thursday of November through Monday. Planned as of the last day of daily_sales (as_of)
-- for each event's first occurrence starting after it; last year's occurrence is the one a year
-- before (it must lie inside the data), shift = days between the two starts. Per SKU x location,
-- with days censored when the shelf was empty and nothing sold (stock-out) left out of every
-- rate: event_rate_ly = units per day in last year's window; growth = the category x location's
-- units per day over the 56 days up to as_of / the same 56 days moved back by shift (the trend
-- since last year at the same distance from the event; 1 when either window has no sale);
-- uplift = the category x location's event_rate_ly / its rate over the 56 days before last year's
-- event (the event against its baseline, reported); event_index = event_rate_ly / the rate in the
-- 56 days a year before the latest 56 (what the event sells against the point the plan starts
-- from). Expected event demand of a SKU = event_rate_ly x growth x window days when it sold
-- during last year's event at the location ('last_year'); a SKU on sale now that was not (new
-- since, or not ranged then) takes its like-items' event_index: its own units per day over the
-- last 56 days x event_index x window days ('like_items', the like-items being the category's
-- items at the location that sold in both last-year windows). Sums over SKUs are of rates, so a
-- SKU weighs by its sales. Spread: variance =
-- dispersion x expected demand, dispersion = variance / mean of the SKU's daily units during
-- last year's event (the category's for like-item SKUs), at least 1 (Poisson). The service level
-- comes from service_level_targets by the location's high_value_share in the category
-- (segment_demand, last 13 weeks), as for launches: where high-value customers buy, more safety
-- stock. Per SKU: safety_stock = Φ⁻¹(service level) x σ, quantity = expected + safety stock in
-- whole case packs; the row sums its SKUs. value = recommended_qty x unit cost; confidence =
-- (0.5 + 0.5 x the share of the expected demand planned from the items' own last-year event) x
-- (1 - demand_std / expected_demand, at least 0.1); priority 1
-- for events starting within 56 days of as_of, 2 within 182, 3 later. recommendation_id =
-- 'event:' || event || ':' || category || ':' || store_id.
CREATE VIEW seasonal_allocation AS
WITH params AS (
    SELECT max(date) AS as_of, min(date) AS history_start, 56 AS ref_days,
           CAST(extract(year FROM max(date)) AS BIGINT) AS as_of_year
    FROM daily_sales
),
years AS (
    SELECT unnest(range(as_of_year - 2, as_of_year + 3)) AS y FROM params
),
occurrences AS (
    SELECT 'christmas' AS event, y, make_date(y, 12, 1) AS start_date, make_date(y, 12, 24) AS end_date
    FROM years
    UNION ALL
    -- Black Friday: November 1 + days to the first Thursday + 3 weeks + 1 day, through Monday
    SELECT 'black_friday', y,
           CAST(CAST(make_date(y, 11, 1) AS INT)
                + CAST((11 - CAST(date_part('dow', make_date(y, 11, 1)) AS INT)) % 7 AS INT) + 22 AS DATE),
           CAST(CAST(make_date(y, 11, 1) AS INT)
                + CAST((11 - CAST(date_part('dow', make_date(y, 11, 1)) AS INT)) % 7 AS INT) + 25 AS DATE)
    FROM years
),
upcoming AS (
    SELECT o.event, o.y, o.start_date, o.end_date,
           row_number() OVER (PARTITION BY o.event ORDER BY o.start_date) AS rn
    FROM occurrences o
    CROSS JOIN params p
    WHERE o.start_date > p.as_of
),
events AS (
    SELECT u.event, u.start_date, u.end_date,
           CAST(u.end_date - u.start_date + 1 AS DOUBLE) AS window_days,
           l.start_date AS ly_start, l.end_date AS ly_end,
           CAST(CAST(l.start_date AS INT) - p.ref_days AS DATE) AS pre_ly_start,
           CAST(CAST(l.start_date AS INT) - 1 AS DATE) AS pre_ly_end,
           u.start_date - l.start_date AS shift,
           p.as_of,
           CAST(CAST(p.as_of AS INT) - p.ref_days + 1 AS DATE) AS ref_start,
           CAST(CAST(p.as_of AS INT) - p.ref_days + 1 - CAST(u.start_date - l.start_date AS INT) AS DATE) AS ref_ly_start,
           CAST(CAST(p.as_of AS INT) - CAST(u.start_date - l.start_date AS INT) AS DATE) AS ref_ly_end
    FROM upcoming u
    JOIN occurrences l ON l.event = u.event AND l.y = u.y - 1
    CROSS JOIN params p
    WHERE u.rn = 1 AND l.start_date >= p.history_start AND l.end_date <= p.as_of
),
-- per event x SKU x location: units and observed (not censored) days in the three windows
cells AS (
    SELECT e.event, d.sku_id, d.store_id,
           sum(CASE WHEN d.date BETWEEN e.ly_start AND e.ly_end AND d.observed THEN d.units END) AS ev_units,
           sum(CASE WHEN d.date BETWEEN e.ly_start AND e.ly_end AND d.observed THEN 1 ELSE 0 END) AS ev_days,
           sum(CASE WHEN d.date BETWEEN e.ly_start AND e.ly_end AND d.observed
                    THEN CAST(d.units AS DOUBLE) * d.units END) AS ev_sq,
           sum(CASE WHEN d.date BETWEEN e.pre_ly_start AND e.pre_ly_end AND d.observed THEN d.units END) AS pre_units,
           sum(CASE WHEN d.date BETWEEN e.pre_ly_start AND e.pre_ly_end AND d.observed THEN 1 ELSE 0 END) AS pre_days,
           sum(CASE WHEN d.date BETWEEN e.ref_ly_start AND e.ref_ly_end AND d.observed THEN d.units END) AS ref_ly_units,
           sum(CASE WHEN d.date BETWEEN e.ref_ly_start AND e.ref_ly_end AND d.observed THEN 1 ELSE 0 END) AS ref_ly_days,
           sum(CASE WHEN d.date BETWEEN e.ref_start AND e.as_of AND d.observed THEN d.units END) AS ref_units,
           sum(CASE WHEN d.date BETWEEN e.ref_start AND e.as_of AND d.observed THEN 1 ELSE 0 END) AS ref_days
    FROM (SELECT sku_id, store_id, date, units, NOT (stockout AND units = 0) AS observed
          FROM daily_sales) d
    CROSS JOIN events e
    WHERE (d.date BETWEEN e.ly_start AND e.ly_end)
       OR (d.date BETWEEN e.pre_ly_start AND e.pre_ly_end)
       OR (d.date BETWEEN e.ref_ly_start AND e.ref_ly_end)
       OR (d.date BETWEEN e.ref_start AND e.as_of)
    GROUP BY e.event, d.sku_id, d.store_id
),
rates AS (
    SELECT c.event, c.sku_id, c.store_id, p.category, p.department, CAST(p.case_pack AS DOUBLE) AS case_pack,
           p.unit_cost,
           CAST(c.ev_units AS DOUBLE) / nullif(c.ev_days, 0) AS ev_rate,
           CAST(c.pre_units AS DOUBLE) / nullif(c.pre_days, 0) AS pre_rate,
           CAST(c.ref_ly_units AS DOUBLE) / nullif(c.ref_ly_days, 0) AS ref_ly_rate,
           CAST(c.ref_units AS DOUBLE) / nullif(c.ref_days, 0) AS ref_rate,
           CASE WHEN c.ev_days > 1
                THEN greatest((c.ev_sq - CAST(c.ev_units AS DOUBLE) * c.ev_units / c.ev_days) / (c.ev_days - 1), 0.0)
           END AS ev_var
    FROM cells c
    JOIN products p ON p.sku_id = c.sku_id
),
category_cells AS (
    -- trend and uplift of the category at the location, over SKUs observed in both windows
    SELECT event, category, store_id,
           sum(ref_rate) FILTER (WHERE ref_rate IS NOT NULL AND ref_ly_rate IS NOT NULL) AS ref_now,
           sum(ref_ly_rate) FILTER (WHERE ref_rate IS NOT NULL AND ref_ly_rate IS NOT NULL) AS ref_then,
           sum(ev_rate) FILTER (WHERE ev_rate IS NOT NULL AND ref_ly_rate IS NOT NULL) AS ev_like,
           sum(ref_ly_rate) FILTER (WHERE ev_rate IS NOT NULL AND ref_ly_rate IS NOT NULL) AS ref_like,
           sum(ev_rate) FILTER (WHERE ev_rate IS NOT NULL AND pre_rate IS NOT NULL) AS ev_pre,
           sum(pre_rate) FILTER (WHERE ev_rate IS NOT NULL AND pre_rate IS NOT NULL) AS pre_like,
           sum(ev_var) FILTER (WHERE ev_var IS NOT NULL) / nullif(sum(ev_rate) FILTER (WHERE ev_var IS NOT NULL), 0)
               AS dispersion
    FROM rates
    GROUP BY event, category, store_id
),
category_share AS (
    SELECT p.category, s.store_id,
           CAST(sum(CASE WHEN s.segment = 'high' THEN s.units ELSE 0 END) AS DOUBLE)
               / nullif(sum(s.units), 0) AS high_value_share
    FROM segment_demand s
    JOIN products p ON p.sku_id = s.sku_id
    GROUP BY p.category, s.store_id
),
classed AS (
    SELECT k.event, k.category, k.store_id, COALESCE(sh.high_value_share, 0.0) AS high_value_share,
           t.value_class, t.service_level,
           row_number() OVER (PARTITION BY k.event, k.category, k.store_id ORDER BY t.min_high_value_share DESC) AS rn
    FROM category_cells k
    LEFT JOIN category_share sh ON sh.category = k.category AND sh.store_id = k.store_id
    JOIN service_level_targets t ON COALESCE(sh.high_value_share, 0.0) >= t.min_high_value_share
),
planned AS (
    SELECT r.*, e.window_days,
           CASE WHEN k.ref_then > 0 AND k.ref_now > 0 THEN k.ref_now / k.ref_then ELSE 1.0 END AS growth,
           k.ev_like / nullif(k.ref_like, 0) AS event_index,
           k.ev_pre / nullif(k.pre_like, 0) AS uplift,
           greatest(COALESCE(k.dispersion, 1.0), 1.0) AS category_dispersion,
           c.value_class, c.service_level, c.high_value_share,
           CASE WHEN r.ev_rate IS NOT NULL THEN 'last_year'
                WHEN r.ref_rate IS NOT NULL AND k.ev_like > 0 AND k.ref_like > 0 THEN 'like_items'
           END AS method
    FROM rates r
    JOIN events e ON e.event = r.event
    JOIN category_cells k ON k.event = r.event AND k.category = r.category AND k.store_id = r.store_id
    JOIN classed c ON c.event = r.event AND c.category = r.category AND c.store_id = r.store_id AND c.rn = 1
),
sku_plans AS (
    SELECT *,
           CASE method WHEN 'last_year' THEN ev_rate * growth * window_days
                       WHEN 'like_items' THEN ref_rate * event_index * window_days END AS expected,
           CASE WHEN method = 'last_year' AND ev_var IS NOT NULL AND ev_rate > 0
                THEN greatest(ev_var / ev_rate, 1.0)
                ELSE category_dispersion END AS dispersion
    FROM planned
    WHERE method IS NOT NULL
),
sku_alloc AS (
    SELECT *,
           service_level_z(service_level) * sqrt(dispersion * expected) AS safety_stock,
           CASE WHEN expected + service_level_z(service_level) * sqrt(dispersion * expected) > 0
                THEN ceil((expected + service_level_z(service_level) * sqrt(dispersion * expected)) / case_pack) * case_pack
                ELSE 0.0 END AS quantity
    FROM sku_plans
),
rolled AS (
    SELECT a.event, a.category, a.store_id,
           max(a.department) AS department,
           count(*) AS skus,
           count(*) FILTER (WHERE a.method = 'like_items') AS like_item_skus,
           sum(CASE WHEN a.method = 'last_year' THEN a.ev_rate * a.window_days ELSE 0 END) AS units_last_year,
           sum(a.expected) AS expected_demand,
           sqrt(sum(a.dispersion * a.expected)) AS demand_std,
           sum(a.safety_stock) AS safety_stock,
           sum(a.quantity) AS recommended_qty,
           sum(a.quantity * a.unit_cost) AS value,
           sum(CASE WHEN a.method = 'last_year' THEN a.expected ELSE 0 END) / nullif(sum(a.expected), 0) AS own_history_share,
           max(a.growth) AS growth,
           max(a.uplift) AS uplift,
           max(a.event_index) AS event_index,
           max(a.value_class) AS value_class,
           max(a.service_level) AS service_level,
           max(a.high_value_share) AS high_value_share
    FROM sku_alloc a
    GROUP BY a.event, a.category, a.store_id
)
SELECT 'event:' || r.event || ':' || r.category || ':' || CAST(r.store_id AS VARCHAR) AS recommendation_id,
       CASE WHEN r.recommended_qty > 0 THEN 'allocate' ELSE 'no_allocation' END AS action,
       r.event,
       e.start_date AS event_start,
       e.end_date AS event_end,
       e.ly_start AS last_year_start,
       e.as_of AS planned_as_of,
       r.category, r.department, r.store_id, st.region_id, st.format AS location_format,
       r.skus, r.like_item_skus,
       r.units_last_year, r.growth, r.uplift, r.event_index,
       r.expected_demand, r.demand_std,
       r.value_class, r.high_value_share, r.service_level,
       r.safety_stock, r.recommended_qty, r.value,
       (0.5 + 0.5 * COALESCE(r.own_history_share, 0.0))
           * (1.0 - least(COALESCE(r.demand_std / nullif(r.expected_demand, 0), 0.9), 0.9)) AS confidence,
       CAST(CASE WHEN e.start_date - e.as_of <= 56 THEN 1
                 WHEN e.start_date - e.as_of <= 182 THEN 2 ELSE 3 END AS INT) AS priority,
       concat(initcap(replace(r.event, '_', ' ')), ' ', CAST(e.start_date AS VARCHAR), ' to ',
              CAST(e.end_date AS VARCHAR), ': expect ', CAST(round(r.expected_demand, 0) AS VARCHAR),
              ' units of ', r.category, ' over ', CAST(r.skus AS VARCHAR), ' items (last year ',
              CAST(round(r.units_last_year, 0) AS VARCHAR), ' units in the same event',
              CASE WHEN r.growth <> 1.0
                   THEN concat(', trend since then x', CAST(round(r.growth, 2) AS VARCHAR)) ELSE '' END,
              CASE WHEN r.uplift IS NOT NULL
                   THEN concat('; it sold x', CAST(round(r.uplift, 2) AS VARCHAR),
                               ' the 8 weeks before it here')
                   ELSE '' END,
              CASE WHEN r.like_item_skus > 0
                   THEN concat('; ', CAST(r.like_item_skus AS VARCHAR), ' items new since, planned from like-items')
                   ELSE '' END,
              '); ', r.value_class, ' location for this category (',
              CAST(round(100 * r.high_value_share, 0) AS VARCHAR), ' % of units to high-value customers): ',
              CAST(round(100 * r.service_level, 0) AS VARCHAR), ' % service level, safety stock ',
              CAST(round(r.safety_stock, 0) AS VARCHAR), ' units; allocate ',
              CAST(round(r.recommended_qty, 0) AS VARCHAR), ' units in whole cases') AS reason
FROM rolled r
JOIN events e ON e.event = r.event
JOIN stores st ON st.store_id = r.store_id
