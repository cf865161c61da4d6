-- Inventory position and planning inputs per SKU x selling location, as of the end of the data:
-- the one place the recommendation views (replenishment_recommendations,
-- transfer_recommendations, markdown_recommendations, inventory_exceptions) read the forecast
-- (demand_forecast_location, the SKU x location total of demand_forecast),
-- so each of them computes demand_forecast once per query. on_hand is the inventory system's
-- book stock (book_on_hand of the latest Sunday snapshot, plus goods received and minus units
-- sold since), never the physical count a retailer does not have; on_order = units on open
-- purchase orders. The primary supplier gives MOQ and case pack; lead_time = the SKU's nominal
-- lead time plus the supplier's observed slip (supplier_risk planning_lead_time minus the mean
-- nominal lead time of its SKUs), lead_time_std = supplier_risk planning_lead_time_std. The
-- service level comes from service_level_targets by high_value_share (segment_demand). Over the
-- protection interval (lead time + a 7-day review period, capped at the 28 forecast days) the
-- safety stock is the larger of two rules: the 80 % forecast intervals with independent days and
-- lead-time variability (safety_stock_from_intervals), and the forecast's own service-level
-- quantile of the interval's total from its errors summed over as many days
-- (safety_stock_from_cumulative; errors that persist over days add up) — safety_stock_rule says
-- which ('intervals' or 'cumulative'), safety_stock_intervals and safety_stock_cumulative give both
-- (the latter NULL when the model had too few in-sample errors): lead_time_demand, lead_time_demand_std, safety_stock and
-- order_up_to (the order-up-to and reorder level of the weekly (R, S) policy) = lead_time_demand +
-- safety_stock - (case_pack - 1)/2, at least lead_time_demand: orders are rounded up to whole
-- cases, so the position after ordering averages half the rounding spread above it. forecast_daily = mean forecast per day
-- over the 28 days; current_price = the shelf price on the last day (after any promotion);
-- cover_days = days the on-hand stock lasts against the forecast (NULL = beyond
-- 28 days), position_cover_days the same for on hand + on order; confidence = recommendation_confidence of the interval demand and the history length.
CREATE VIEW inventory_position AS
WITH params AS (
    SELECT (SELECT max(snapshot_date) FROM inventory_snapshots) AS snapshot_date,
           (SELECT max(date) FROM daily_sales) AS end_date
),
snap AS (
    SELECT i.sku_id, i.store_id, i.snapshot_date, i.book_on_hand
    FROM inventory_snapshots i
    JOIN params p ON i.snapshot_date = p.snapshot_date
),
sales AS (
    SELECT d.sku_id,
           d.store_id,
           count(*) AS history_days,
           max(CASE WHEN d.units > 0 THEN d.date END) AS last_sale_date,
           sum(CASE WHEN d.date > p.snapshot_date THEN d.units ELSE 0 END) AS units_since_snapshot,
           sum(CASE WHEN d.date > p.end_date - INTERVAL '28 days' THEN d.units ELSE 0 END) AS units_28d,
           sum(CASE WHEN d.date > p.end_date - INTERVAL '91 days' THEN d.units ELSE 0 END) AS units_91d,
           max(CASE WHEN d.date = p.end_date THEN d.price END) AS current_price
    FROM daily_sales d
    CROSS JOIN params p
    GROUP BY d.sku_id, d.store_id
),
orders AS (
    SELECT o.sku_id,
           o.store_id,
           sum(CASE WHEN o.status = 'open' THEN o.qty_ordered ELSE 0 END) AS on_order,
           sum(CASE WHEN o.received_date > p.snapshot_date THEN o.qty_received - o.qty_rejected ELSE 0 END)
               AS received_since_snapshot
    FROM purchase_orders o
    CROSS JOIN params p
    GROUP BY o.sku_id, o.store_id
),
supply AS (
    SELECT sp.sku_id, sp.supplier_id, sp.nominal_lead_time_days, sp.moq,
           avg(CAST(sp.nominal_lead_time_days AS DOUBLE)) OVER (PARTITION BY sp.supplier_id) AS supplier_nominal
    FROM supplier_products sp
    WHERE sp.is_primary
),
lead AS (
    SELECT s.sku_id, s.supplier_id, s.moq,
           COALESCE(r.supplier_name, CAST(s.supplier_id AS VARCHAR)) AS supplier_name,
           r.band AS supplier_risk_band,
           greatest(1.0, s.nominal_lead_time_days + COALESCE(r.planning_lead_time - s.supplier_nominal, 0.0))
               AS lead_time,
           COALESCE(r.planning_lead_time_std, 0.0) AS lead_time_std
    FROM supply s
    LEFT JOIN supplier_risk r ON r.supplier_id = s.supplier_id
),
share AS (
    SELECT sku_id, store_id, max(high_value_share) AS high_value_share
    FROM segment_demand
    GROUP BY sku_id, store_id
),
classed AS (
    SELECT k.sku_id, k.store_id, COALESCE(sh.high_value_share, 0.0) AS high_value_share,
           t.value_class, t.service_level,
           row_number() OVER (PARTITION BY k.sku_id, k.store_id ORDER BY t.min_high_value_share DESC) AS rn
    FROM snap k
    LEFT JOIN share sh ON sh.sku_id = k.sku_id AND sh.store_id = k.store_id
    JOIN service_level_targets t ON COALESCE(sh.high_value_share, 0.0) >= t.min_high_value_share
),
fc AS (
    SELECT f.sku_id,
           f.store_id,
           array_agg(greatest(yhat, 0.0) ORDER BY ds) AS means,
           array_agg(greatest(yhat_lo_80, 0.0) ORDER BY ds) AS lo,
           array_agg(greatest(yhat_hi_80, yhat_lo_80, 0.0) ORDER BY ds) AS hi,
           -- the series' service-level quantile of the total through each day (flat numbers:
           -- array_agg of the nested per-day lists is accounted at many times its size)
           array_agg(cumulative_quantile(cumulative_quantiles, c.service_level) ORDER BY ds) AS cumulative,
           sum(greatest(yhat, 0.0)) AS forecast_28d,
           count(*) AS forecast_days,
           max(model) AS model,
           max(demand_class) AS demand_class
    -- the location total (demand_forecast's channel = 'all' rows): a location's stock serves
    -- every channel
    FROM demand_forecast_location f
    JOIN classed c ON c.sku_id = f.sku_id AND c.store_id = f.store_id AND c.rn = 1
    GROUP BY f.sku_id, f.store_id
),
joined AS (
    SELECT k.sku_id, k.store_id, st.region_id, st.format AS location_format,
           pr.name AS sku_name, pr.department, pr.category, pr.season, pr.perishable,
           CAST(pr.case_pack AS DOUBLE) AS case_pack, pr.unit_price, pr.unit_cost,
           l.supplier_id, l.supplier_name, l.supplier_risk_band, CAST(l.moq AS DOUBLE) AS moq,
           l.lead_time, l.lead_time_std, 7.0 AS review_period,
           c.value_class, c.service_level, c.high_value_share,
           k.snapshot_date,
           CAST(k.book_on_hand AS DOUBLE) AS book_on_hand_snapshot,
           CAST(greatest(k.book_on_hand + COALESCE(o.received_since_snapshot, 0)
                         - COALESCE(s.units_since_snapshot, 0), 0) AS DOUBLE) AS on_hand,
           CAST(COALESCE(o.on_order, 0) AS DOUBLE) AS on_order,
           s.history_days, s.last_sale_date, s.units_28d, s.units_91d,
           COALESCE(s.current_price, pr.unit_price) AS current_price,
           f.means, f.lo, f.hi, f.cumulative, f.forecast_28d, f.forecast_days, f.model, f.demand_class
    FROM snap k
    JOIN stores st ON st.store_id = k.store_id
    JOIN products pr ON pr.sku_id = k.sku_id
    JOIN lead l ON l.sku_id = k.sku_id
    JOIN classed c ON c.sku_id = k.sku_id AND c.store_id = k.store_id AND c.rn = 1
    JOIN fc f ON f.sku_id = k.sku_id AND f.store_id = k.store_id
    LEFT JOIN sales s ON s.sku_id = k.sku_id AND s.store_id = k.store_id
    LEFT JOIN orders o ON o.sku_id = k.sku_id AND o.store_id = k.store_id
),
independent AS (
    SELECT *,
           least(lead_time + review_period, CAST(forecast_days AS DOUBLE)) AS protection_days,
           safety_stock_from_intervals(service_level, means, lo, hi, 0.8,
                                       least(lead_time + review_period, CAST(forecast_days AS DOUBLE)),
                                       lead_time_std) AS ss_independent,
           cover_from_forecast(on_hand, means) AS cover_days,
           cover_from_forecast(on_hand + on_order, means) AS position_cover_days
    FROM joined
),
both_rules AS (
    SELECT *,
           safety_stock_from_cumulative(service_level, cumulative, protection_days,
                                        ss_independent['demand_mean'], lead_time_std) AS ss_cumulative
    FROM independent
),
-- the larger safety stock of the two rules (the one from summed errors is NULL when the model
-- had too few in-sample errors)
planned AS (
    SELECT *,
           CASE WHEN ss_cumulative['safety_stock'] > ss_independent['safety_stock']
                THEN ss_cumulative ELSE ss_independent END AS ss,
           CASE WHEN ss_cumulative['safety_stock'] > ss_independent['safety_stock']
                THEN 'cumulative' ELSE 'intervals' END AS safety_stock_rule
    FROM both_rules
)
SELECT sku_id, store_id, region_id, location_format, sku_name, department, category, season, perishable,
       case_pack, unit_price, current_price, unit_cost, supplier_id, supplier_name, supplier_risk_band, moq,
       lead_time, lead_time_std, review_period, protection_days,
       value_class, service_level, high_value_share,
       snapshot_date, book_on_hand_snapshot,
       on_hand, on_order, on_hand + on_order AS position,
       history_days, last_sale_date, units_28d, units_91d,
       forecast_28d, forecast_days, forecast_28d / forecast_days AS forecast_daily, means AS forecast_path, model,
       demand_class,
       ss['demand_mean'] AS lead_time_demand,
       ss['demand_std'] AS lead_time_demand_std,
       ss['safety_stock'] AS safety_stock,
       ss['safety_factor'] AS safety_factor,
       safety_stock_rule,
       ss_independent['safety_stock'] AS safety_stock_intervals,
       ss_cumulative['safety_stock'] AS safety_stock_cumulative,
       -- orders are rounded up to whole cases: S is lowered by half the rounding spread, never
       -- below the expected demand (models::inventory::order_quantity::case_pack_order_up_to)
       greatest(ss['demand_mean'],
                ss['reorder_point'] - greatest(case_pack - 1.0, 0.0) / 2.0) AS order_up_to,
       cover_days,
       position_cover_days,
       recommendation_confidence(ss['demand_mean'],
                                 greatest(ss['demand_mean'] - 1.2815515655446004 * ss['demand_std'], 0.0),
                                 ss['demand_mean'] + 1.2815515655446004 * ss['demand_std'],
                                 0.8, history_days) AS confidence
FROM planned
