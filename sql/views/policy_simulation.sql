-- Policy simulation: the evidence that the replenishment policy delivers its service level.
-- For each SKU x selling location, the last 91 days of daily_sales (after a 28-day warm-up, so
-- 119 days are replayed) are run through the weekly (R, S) policy that
-- replenishment_recommendations uses today (inventory_position: order_up_to from the forecast
-- over lead time + 7-day review plus safety stock for the location's service level, the primary
-- supplier's lead time rounded to whole days, case pack and MOQ), with policy_replay: the replay
-- starts with order_up_to on hand, orders every 7 days up to order_up_to, unserved demand is
-- lost (a store). Demand is the day's units; a stock-out day that sold nothing is censored, as
-- in the forecasts, and replayed with the series' mean observed demand. It is a replay of
-- today's policy on recent history (the order-up-to level is not re-planned day by day, and lead
-- times do not vary), so it shows whether the policy's level of protection fits the demand the
-- series actually had. target_service_level = the cycle service level the policy is planned for;
-- achieved_cycle_service_level = share of replenishment cycles (arrival to arrival) without a
-- lost sale; fill_rate = share of demand served from the shelf; stockout_days = days with a lost
-- sale; status 'met' (within 2 points of the target or above), 'below', or 'no_cycles' (no
-- order arrived in the measured days, e.g. demand too low to trigger one). The demand-weighted
-- totals are in docs/inventory.md.
CREATE VIEW policy_simulation AS
WITH win AS (
    SELECT max(date) - INTERVAL '118 days' AS start_date FROM daily_sales
),
replayed AS (
    SELECT d.sku_id, d.store_id, p.region_id, p.sku_name, p.value_class,
           p.service_level, p.order_up_to, p.lead_time, p.review_period, p.case_pack, p.moq,
           policy_replay(d.date,
                         CASE WHEN d.stockout AND d.units = 0 THEN NULL ELSE CAST(d.units AS DOUBLE) END,
                         p.order_up_to, p.order_up_to, round(p.lead_time), p.review_period,
                         p.moq, p.case_pack, false, 28) AS r
    FROM daily_sales d
    CROSS JOIN win w
    JOIN inventory_position p ON p.sku_id = d.sku_id AND p.store_id = d.store_id
    WHERE d.date >= w.start_date
    GROUP BY d.sku_id, d.store_id, p.region_id, p.sku_name, p.value_class,
             p.service_level, p.order_up_to, p.lead_time, p.review_period, p.case_pack, p.moq
),
flat AS (
    SELECT sku_id, store_id, region_id, sku_name, value_class,
           service_level AS target_service_level,
           order_up_to, lead_time, review_period, case_pack, moq,
           r['periods'] AS days,
           r['censored_periods'] AS censored_days,
           r['demand'] AS demand,
           r['served'] AS served,
           r['unmet'] AS lost_units,
           r['cycle_service_level'] AS achieved_cycle_service_level,
           r['cycles'] AS cycles,
           r['cycles_without_stockout'] AS cycles_without_stockout,
           r['fill_rate'] AS fill_rate,
           r['stockout_periods'] AS stockout_days,
           r['average_on_hand'] AS average_on_hand,
           r['orders'] AS orders,
           r['units_ordered'] AS units_ordered
    FROM replayed
)
SELECT *,
       CASE WHEN achieved_cycle_service_level IS NULL THEN 'no_cycles'
            WHEN achieved_cycle_service_level >= target_service_level - 0.02 THEN 'met'
            ELSE 'below' END AS status,
       concat(
           CASE WHEN achieved_cycle_service_level IS NULL
                THEN concat('No replenishment cycle completed in the ', CAST(days AS VARCHAR),
                            ' days replayed (', CAST(orders AS VARCHAR), ' orders placed)')
                ELSE concat(CAST(cycles_without_stockout AS VARCHAR), ' of ', CAST(cycles AS VARCHAR),
                            ' replenishment cycles without a lost sale: ',
                            CAST(round(100 * achieved_cycle_service_level, 1) AS VARCHAR),
                            ' % against a ', CAST(round(100 * target_service_level, 1) AS VARCHAR),
                            ' % target (',
                            CASE WHEN achieved_cycle_service_level >= target_service_level - 0.02
                                 THEN 'met' ELSE 'below target' END, ')') END,
           '; fill rate ', COALESCE(CAST(round(100 * fill_rate, 1) AS VARCHAR) || ' %', 'n/a (no demand)'),
           ', ', CAST(stockout_days AS VARCHAR), ' stock-out days, ',
           CAST(round(lost_units, 1) AS VARCHAR), ' units lost of ', CAST(round(demand, 1) AS VARCHAR),
           '; average on hand ', CAST(round(average_on_hand, 1) AS VARCHAR), ' units',
           CASE WHEN demand > 0
                THEN concat(' (', CAST(round(average_on_hand * days / demand, 1) AS VARCHAR), ' days of demand)')
                ELSE '' END,
           '; policy: every ', CAST(CAST(review_period AS BIGINT) AS VARCHAR), ' days order up to ',
           CAST(round(order_up_to, 1) AS VARCHAR), ' units in cases of ', CAST(CAST(case_pack AS BIGINT) AS VARCHAR),
           ', arriving after ', CAST(CAST(round(lead_time) AS BIGINT) AS VARCHAR), ' days',
           CASE WHEN censored_days > 0
                THEN concat('; ', CAST(censored_days AS VARCHAR), ' censored stock-out days replayed at the mean demand')
                ELSE '' END) AS reason
FROM flat
