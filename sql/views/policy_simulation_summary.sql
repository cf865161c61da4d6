-- Policy simulation per service class: the planner's report of policy_simulation (weekly (R, S)
-- replenishment re-planned at every review from a rolling forecast, replayed over the last 91 days).
-- One row per value_class of service_level_targets that has series, and a 'total' row. series =
-- SKU x locations with at least one completed replenishment cycle (the others are counted in
-- series_without_cycles); target_service_level = the class's cycle service level;
-- achieved_cycle_service_level = replenishment cycles without a lost sale / all cycles, every cycle
-- of every series of the class counted once (cycles pooled); achieved_demand_weighted = the
-- series' own achieved levels weighted by their demand; fill_rate = units served from the shelf /
-- demand, over the series with replenishment cycles (as the achieved levels); average_on_hand = mean stock per series and day (units), days_of_cover = stock held /
-- daily demand; stockout_days = days with a lost sale, lost_units; within_2_points = the pooled
-- achieved level within 2 points of the target either way; reason in plain words.
CREATE VIEW policy_simulation_summary AS
WITH s AS (
    SELECT COALESCE(value_class, 'total') AS value_class,
           CASE WHEN value_class IS NULL THEN 1 ELSE 0 END AS is_total,
           count(*) FILTER (WHERE cycles > 0) AS series,
           count(*) FILTER (WHERE cycles = 0 OR cycles IS NULL) AS series_without_cycles,
           sum(target_service_level * cycles) / sum(cycles) AS target_service_level,
           sum(cycles) AS cycles,
           sum(cycles_without_stockout) AS cycles_without_stockout,
           CAST(sum(cycles_without_stockout) AS DOUBLE) / sum(cycles) AS achieved_cycle_service_level,
           sum(achieved_cycle_service_level * demand) FILTER (WHERE cycles > 0)
               / sum(demand) FILTER (WHERE cycles > 0) AS achieved_demand_weighted,
           sum(served) FILTER (WHERE cycles > 0) / sum(demand) FILTER (WHERE cycles > 0) AS fill_rate,
           avg(average_on_hand) AS average_on_hand,
           sum(average_on_hand * days) / sum(demand) AS days_of_cover,
           sum(stockout_days) AS stockout_days,
           sum(lost_units) AS lost_units,
           sum(demand) AS demand,
           sum(reviews) AS plans
    FROM policy_simulation
    GROUP BY ROLLUP (value_class)
)
SELECT value_class, series, series_without_cycles, target_service_level, cycles,
       cycles_without_stockout, achieved_cycle_service_level, achieved_demand_weighted, fill_rate,
       average_on_hand, days_of_cover, stockout_days, lost_units, demand, plans,
       abs(achieved_cycle_service_level - target_service_level) <= 0.02 AS within_2_points,
       concat(CAST(cycles_without_stockout AS VARCHAR), ' of ', CAST(cycles AS VARCHAR),
              ' replenishment cycles over ', CAST(series AS VARCHAR),
              ' SKU x locations without a lost sale: ',
              CAST(round(100 * achieved_cycle_service_level, 1) AS VARCHAR), ' % against a ',
              CAST(round(100 * target_service_level, 1) AS VARCHAR), ' % target (',
              CASE WHEN abs(achieved_cycle_service_level - target_service_level) <= 0.02
                   THEN 'within 2 points'
                   WHEN achieved_cycle_service_level > target_service_level THEN 'above by more than 2 points'
                   ELSE 'below by more than 2 points' END,
              '); fill rate ', CAST(round(100 * fill_rate, 1) AS VARCHAR), ' %, ',
              CAST(stockout_days AS VARCHAR), ' stock-out days, ',
              CAST(round(lost_units, 0) AS VARCHAR), ' units lost of ', CAST(round(demand, 0) AS VARCHAR),
              '; ', CAST(round(days_of_cover, 1) AS VARCHAR), ' days of demand on hand on average') AS reason
FROM s
ORDER BY is_total, target_service_level DESC
