-- Policy simulation: the evidence that the replenishment policy delivers its service level,
-- replayed the way a planning system runs it — re-planned at every weekly review. For each SKU x
-- selling location, the last 119 days of daily_sales (a 28-day warm-up, then 91 measured days)
-- are replayed through the weekly (R, S) policy of replenishment_recommendations, with S re-planned
-- every 7 days by rolling_order_up_to: at each review a forecast is issued from the history
-- before that day only (rolling origin; method auto as demand_forecast_location, stock-out days
-- that sold nothing censored), over the protection interval lead time + 7 days, and S = demand
-- mean + safety stock - (case pack - 1)/2 (at least the mean), the safety stock the larger of the
-- intervals rule and the forecast's own quantile of the interval's total (the rules
-- inventory_position applies to today's forecast). Service level, lead time and its
-- standard deviation, case pack and MOQ are inventory_position's (the primary supplier's lead
-- time as replenishment uses it, rounded to whole days in the replay). policy_replay then replays
-- the days: orders every 7 days up to the S in force, rounded to cases and the MOQ, arriving after
-- the lead time; unserved demand is lost (a store); a stock-out day that sold nothing is censored
-- and replayed at the series' mean observed demand. target_service_level = the cycle service
-- level planned for; achieved_cycle_service_level = share of replenishment cycles (arrival to
-- arrival) without a lost sale; fill_rate = share of demand served from the shelf; stockout_days
-- = days with a lost sale; reviews = plans made (one forecast each), order_up_to_min/avg/max = the
-- levels planned; status 'met' (within 2 points of the target or above), 'below', or 'no_cycles'
-- (no order arrived in the measured days). policy_simulation_summary rolls it up per value class.
-- Cost: one forecast per series and review (17 per series).
CREATE VIEW policy_simulation AS
WITH win AS (
    SELECT max(date) - INTERVAL '118 days' AS start_date FROM daily_sales
),
plans AS (
    SELECT p.sku_id, p.store_id, p.region_id, p.sku_name, p.value_class,
           p.service_level, p.lead_time, p.lead_time_std, p.review_period, p.case_pack, p.moq,
           rolling_order_up_to(d.date,
                               CASE WHEN d.stockout AND d.units = 0 THEN NULL ELSE CAST(d.units AS DOUBLE) END,
                               p.service_level, p.lead_time, p.lead_time_std, p.review_period,
                               w.start_date,
                               concat('method=auto, season_length=7, case_pack=', CAST(p.case_pack AS VARCHAR))) AS plan
    FROM daily_sales d
    CROSS JOIN win w
    JOIN inventory_position p ON p.sku_id = d.sku_id AND p.store_id = d.store_id
    GROUP BY p.sku_id, p.store_id, p.region_id, p.sku_name, p.value_class,
             p.service_level, p.lead_time, p.lead_time_std, p.review_period, p.case_pack, p.moq,
             w.start_date
),
-- one row per review; the series' inputs travel in a struct unnested next to the plans (never a
-- GROUP BY key next to an unnest: the DataFusion 55.2 pitfall in DESIGN.md)
reviews AS (
    SELECT unnest(array_repeat(named_struct('sku_id', sku_id, 'store_id', store_id,
                                            'region_id', region_id, 'sku_name', sku_name,
                                            'value_class', value_class,
                                            'service_level', service_level, 'lead_time', lead_time,
                                            'review_period', review_period, 'case_pack', case_pack,
                                            'moq', moq),
                               array_length(plan))) AS s,
           unnest(plan) AS r
    FROM plans
),
levels AS (
    SELECT s['sku_id'] AS sku_id, s['store_id'] AS store_id, s AS series,
           r['ds'] AS review_date, r['order_up_to'] AS order_up_to, r['model'] AS model,
           lead(r['ds']) OVER (PARTITION BY s['sku_id'], s['store_id'] ORDER BY r['ds']) AS next_review
    FROM reviews
),
-- each day of the window gets the level of the latest review on or before it
replayed AS (
    SELECT l.sku_id, l.store_id,
           l.series['region_id'] AS region_id, l.series['sku_name'] AS sku_name,
           l.series['value_class'] AS value_class, l.series['service_level'] AS service_level,
           l.series['lead_time'] AS lead_time, l.series['review_period'] AS review_period,
           l.series['case_pack'] AS case_pack, l.series['moq'] AS moq,
           count(DISTINCT l.review_date) AS reviews,
           min(l.order_up_to) AS order_up_to_min,
           avg(CASE WHEN d.date = l.review_date THEN l.order_up_to END) AS order_up_to_avg,
           max(l.order_up_to) AS order_up_to_max,
           policy_replay(d.date,
                         CASE WHEN d.stockout AND d.units = 0 THEN NULL ELSE CAST(d.units AS DOUBLE) END,
                         l.order_up_to, l.order_up_to, round(l.series['lead_time']),
                         l.series['review_period'], l.series['moq'], l.series['case_pack'], false, 28) AS r
    FROM levels l
    JOIN daily_sales d ON d.sku_id = l.sku_id AND d.store_id = l.store_id
     AND d.date >= l.review_date AND (l.next_review IS NULL OR d.date < l.next_review)
    GROUP BY l.sku_id, l.store_id, l.series['region_id'], l.series['sku_name'],
             l.series['value_class'], l.series['service_level'], l.series['lead_time'],
             l.series['review_period'], l.series['case_pack'], l.series['moq']
),
flat AS (
    SELECT sku_id, store_id, region_id, sku_name, value_class,
           service_level AS target_service_level,
           reviews, order_up_to_min, order_up_to_avg, order_up_to_max,
           lead_time, review_period, case_pack, moq,
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
           '; policy: every ', CAST(CAST(review_period AS BIGINT) AS VARCHAR),
           ' days order up to a level re-planned from that day''s forecast (',
           CAST(reviews AS VARCHAR), ' plans, ', CAST(round(order_up_to_min, 1) AS VARCHAR), ' to ',
           CAST(round(order_up_to_max, 1) AS VARCHAR), ' units) in cases of ',
           CAST(CAST(case_pack AS BIGINT) AS VARCHAR),
           ', arriving after ', CAST(CAST(round(lead_time) AS BIGINT) AS VARCHAR), ' days',
           CASE WHEN censored_days > 0
                THEN concat('; ', CAST(censored_days AS VARCHAR), ' censored stock-out days replayed at the mean demand')
                ELSE '' END) AS reason
FROM flat
