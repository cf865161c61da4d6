-- Replenishment: what to order from the primary supplier today, per SKU x selling location (one
-- row each; action 'order' or 'no_order'). Weekly (R, S) policy on the book position
-- (inventory_position): order_up_to = forecast demand over lead time + 7-day review
-- (lead_time_demand) + safety stock for the location's service level, less half the case-pack
-- rounding spread (orders come in whole cases; inventory_position), the service level coming from
-- service_level_targets by the share of demand from high-value customers (segment_demand):
-- where the best customers buy, the target is higher. The need order_up_to - (on_hand +
-- on_order) is rounded up to whole cases and at least the MOQ (order_quantity). value = order
-- value at unit cost; expected_shortage = units the position is expected to miss over the
-- protection interval without this order. priority 1 = on hand + on order runs out before an
-- order placed now arrives, 2 = before the next review's order arrives, 3 = other
-- orders, 4 = no order; score (value x confidence x urgency, recommendation_priority) ranks within
-- a priority. confidence = forecast and history confidence (inventory_position). reason says it
-- in plain words. recommendation_id = 'repl:' || sku_id || ':' || store_id.
CREATE VIEW replenishment_recommendations AS
WITH q AS (
    SELECT p.*,
           order_quantity(on_hand, on_order, 0, order_up_to, order_up_to, moq, case_pack) AS qty,
           expected_shortage(position, lead_time_demand, lead_time_demand_std) AS shortage,
           stockout_probability(position, lead_time_demand, lead_time_demand_std) AS stockout_risk
    FROM inventory_position p
),
ranked AS (
    SELECT q.*,
           qty * unit_cost AS order_value,
           recommendation_priority(greatest(qty * unit_cost, shortage * greatest(unit_price - unit_cost, 0.0)),
                                   confidence, position_cover_days, lead_time, review_period) AS pr
    FROM q
)
SELECT 'repl:' || CAST(sku_id AS VARCHAR) || ':' || CAST(store_id AS VARCHAR) AS recommendation_id,
       CASE WHEN qty > 0 THEN 'order' ELSE 'no_order' END AS action,
       sku_id,
       store_id,
       region_id,
       sku_name,
       supplier_id,
       supplier_name,
       on_hand,
       on_order,
       position,
       forecast_daily,
       lead_time,
       lead_time_std,
       review_period,
       lead_time_demand,
       lead_time_demand_std,
       value_class,
       high_value_share,
       service_level,
       safety_stock,
       order_up_to AS reorder_point,
       order_up_to,
       cover_days,
       stockout_risk,
       shortage AS expected_shortage,
       case_pack,
       moq,
       CAST(qty AS DOUBLE) AS recommended_qty,
       CAST(order_value AS DOUBLE) AS value,
       confidence,
       CAST(CASE WHEN qty <= 0 THEN 4
                 WHEN pr['priority'] = 'critical' THEN 1
                 WHEN pr['priority'] = 'high' THEN 2
                 ELSE 3 END AS INT) AS priority,
       pr['score'] AS score,
       concat(
           CASE WHEN qty > 0
                THEN concat('Order ', CAST(CAST(qty AS BIGINT) AS VARCHAR), ' units (',
                            CAST(CAST(round(qty / case_pack) AS BIGINT) AS VARCHAR), ' cases of ',
                            CAST(CAST(case_pack AS BIGINT) AS VARCHAR), ') from ', supplier_name, ': ')
                ELSE 'No order needed: ' END,
           'on hand ', CAST(CAST(on_hand AS BIGINT) AS VARCHAR),
           ' + on order ', CAST(CAST(on_order AS BIGINT) AS VARCHAR),
           CASE WHEN cover_days IS NULL THEN ' (more than 28 days of cover)'
                ELSE concat(' (on hand lasts ', CAST(round(cover_days, 1) AS VARCHAR), ' days)') END,
           ' against expected demand of ', CAST(round(lead_time_demand, 1) AS VARCHAR),
           ' ± ', CAST(round(lead_time_demand_std, 1) AS VARCHAR), ' units over the ',
           CAST(round(lead_time, 1) AS VARCHAR), '-day lead time (± ', CAST(round(lead_time_std, 1) AS VARCHAR),
           ') and ', CAST(CAST(review_period AS BIGINT) AS VARCHAR), '-day review; safety stock ',
           CAST(round(safety_stock, 1) AS VARCHAR),
           CASE WHEN safety_stock_rule = 'cumulative'
                THEN ' (sized on how far the forecast''s totals over as many days missed before)'
                ELSE '' END,
           ' for a ',
           CAST(round(100 * service_level, 1) AS VARCHAR), ' % service level (', value_class, ': ',
           CAST(CAST(floor(100 * high_value_share) AS BIGINT) AS VARCHAR),
           ' % of recent units bought by high-value customers); order-up-to level ',
           CAST(round(order_up_to, 1) AS VARCHAR),
           CASE WHEN lead_time_demand + safety_stock - order_up_to > 0.05
                THEN concat(' (', CAST(round(lead_time_demand + safety_stock - order_up_to, 1) AS VARCHAR),
                            ' below demand + safety stock: orders come in whole cases of ',
                            CAST(CAST(case_pack AS BIGINT) AS VARCHAR), ')')
                ELSE '' END, '.',
           CASE WHEN qty > 0 AND qty > order_up_to - position + case_pack
                THEN concat(' Raised to the supplier minimum of ', CAST(CAST(moq AS BIGINT) AS VARCHAR), ' units.')
                ELSE '' END,
           CASE WHEN stockout_risk >= 0.5
                THEN concat(' Stock-out likely before the next delivery (', CAST(CAST(round(100 * stockout_risk) AS BIGINT) AS VARCHAR), ' %).')
                ELSE '' END
       ) AS reason
FROM ranked
