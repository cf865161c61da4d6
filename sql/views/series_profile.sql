-- Demand profile of every SKU x location series in daily_sales: history length, demand days,
-- stock-out days, average inter-demand interval (ADI) and squared coefficient of variation of
-- non-zero demand (CV²) over the days that were not stocked out, and the Syntetos–Boylan class
-- (smooth, erratic, intermittent, lumpy; 'no_demand' when nothing sold). Planners use it to see
-- which series are slow or intermittent; forecasting routes by the same classes.
CREATE VIEW series_profile AS
WITH base AS (
    SELECT
        sku_id,
        store_id,
        min(date) AS first_date,
        max(date) AS last_date,
        count(*) AS days,
        sum(CASE WHEN stockout THEN 1 ELSE 0 END) AS stockout_days,
        sum(CASE WHEN NOT stockout THEN 1 ELSE 0 END) AS observed_days,
        sum(CASE WHEN NOT stockout AND units > 0 THEN 1 ELSE 0 END) AS demand_days,
        sum(units) AS units,
        avg(CASE WHEN NOT stockout AND units > 0 THEN CAST(units AS DOUBLE) END) AS mean_nonzero,
        stddev_pop(CASE WHEN NOT stockout AND units > 0 THEN CAST(units AS DOUBLE) END) AS std_nonzero
    FROM daily_sales
    GROUP BY sku_id, store_id
)
SELECT
    sku_id,
    store_id,
    first_date,
    last_date,
    days,
    stockout_days,
    demand_days,
    units,
    CASE WHEN demand_days > 0 THEN CAST(observed_days AS DOUBLE) / demand_days END AS adi,
    CASE WHEN demand_days > 0 THEN power(std_nonzero / mean_nonzero, 2) END AS cv2,
    CASE
        WHEN demand_days = 0 THEN 'no_demand'
        ELSE demand_class(
            greatest(CAST(observed_days AS DOUBLE) / demand_days, 1.0),
            power(std_nonzero / mean_nonzero, 2))
    END AS demand_class
FROM base
