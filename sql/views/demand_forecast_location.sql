-- The 28-day demand forecast per SKU x store (all channels together): the channel = 'all' rows
-- of demand_forecast, with its columns except channel (sku_id, store_id, ds, yhat,
-- yhat_lo_80 .. yhat_hi_95, model, demand_class). The input of replenishment: a location's
-- stock serves every channel. Costs what the 'all' part of demand_forecast costs (the channel
-- branch is pruned from the plan).
CREATE VIEW demand_forecast_location AS
SELECT sku_id,
       store_id,
       ds,
       yhat,
       yhat_lo_80,
       yhat_hi_80,
       yhat_lo_95,
       yhat_hi_95,
       model,
       demand_class
FROM demand_forecast
WHERE channel = 'all'
