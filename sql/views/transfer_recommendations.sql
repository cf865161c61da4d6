-- Transfers: move surplus stock of a SKU between locations of one region (stores and dark stores;
-- the demo's distribution centres hold no stock) when it beats waiting for the supplier. Read from
-- inventory_position once. A source holds more than its order-up-to level (it keeps mean + z·σ
-- of its own demand until its next delivery); a destination's on hand + on order is expected to
-- miss at least half a unit of demand before a supplier order placed now arrives. For every
-- source x destination pair transfer_benefit weighs the margin of the destination's sales saved
-- against the source's extra lost sales and the cost of moving (5 a shipment + 0.05 a unit + 2 %
-- of unit cost, in the data's currency: an assumption — the data has no transport costs — for
-- goods riding on the region's regular delivery run; edit params to change it; the move is
-- assumed to arrive next day). Each destination takes its best source and each source
-- serves its best destination (greedy one-to-one), only when the net benefit is positive.
-- recommended_qty = units to move (whole cases), value = lost margin avoided (benefit), cost,
-- net_benefit = value - cost - margin lost at the source; confidence = the lower of the two
-- locations' confidences; priority 1 = largest net benefit x confidence. recommendation_id =
-- 'xfer:' || sku_id || ':' || from_store_id || ':' || to_store_id.
CREATE VIEW transfer_recommendations AS
WITH params AS (
    SELECT 5.0 AS cost_per_shipment, 0.05 AS cost_per_unit_fixed, 0.02 AS cost_per_unit_share
),
pos AS (
    SELECT p.sku_id, p.store_id, p.region_id, p.sku_name, p.location_format, p.unit_price, p.unit_cost,
           p.case_pack, p.service_level, p.confidence, p.on_hand, p.position, p.lead_time,
           p.order_up_to, p.lead_time_demand, p.lead_time_demand_std, p.position_cover_days,
           p.forecast_daily * p.lead_time AS lt_mean,
           p.lead_time_demand_std * sqrt(p.lead_time / p.protection_days) AS lt_std
    FROM inventory_position p
    WHERE p.location_format IN ('store', 'dark_store')
),
flagged AS (
    SELECT pos.*,
           on_hand > order_up_to AS is_source,
           expected_shortage(position, lt_mean, lt_std) >= 0.5 AS is_destination
    FROM pos
),
lists AS (
    SELECT array_agg(named_struct('sku_id', sku_id, 'region_id', region_id, 'store_id', store_id,
                                  'sku_name', sku_name, 'on_hand', on_hand, 'order_up_to', order_up_to,
                                  'mean', lead_time_demand, 'std', lead_time_demand_std,
                                  'confidence', confidence))
               FILTER (WHERE is_source) AS sources,
           array_agg(named_struct('store_id', store_id, 'position', position, 'lt_mean', lt_mean,
                                  'lt_std', lt_std, 'lead_time', lead_time, 'cover', position_cover_days,
                                  'service_level', service_level,
                                  'margin', greatest(unit_price - unit_cost, 0.0), 'unit_cost', unit_cost,
                                  'case_pack', case_pack, 'confidence', confidence))
               FILTER (WHERE is_destination) AS destinations
    FROM flagged
    GROUP BY sku_id, region_id
    HAVING bool_or(is_source) AND bool_or(is_destination)
),
-- every source x destination pair of a SKU and region: the keys travel inside the structs, never
-- as GROUP BY keys next to an unnest (DataFusion 55.2 pitfall, DESIGN.md)
src AS (
    SELECT unnest(sources) AS s, unnest(array_repeat(destinations, array_length(sources))) AS dests
    FROM lists
),
pairs AS (
    SELECT unnest(array_repeat(s, array_length(dests))) AS s, unnest(dests) AS d
    FROM src
),
scored AS (
    SELECT s, d,
           d['unit_cost'] * k.cost_per_unit_share + k.cost_per_unit_fixed AS cost_per_unit,
           transfer_benefit(s['on_hand'], s['mean'], s['std'], d['position'], d['lt_mean'], d['lt_std'],
                            d['service_level'], d['margin'],
                            d['unit_cost'] * k.cost_per_unit_share + k.cost_per_unit_fixed,
                            k.cost_per_shipment, d['case_pack']) AS t
    FROM pairs
    CROSS JOIN params k
),
worthwhile AS (
    SELECT s['sku_id'] AS sku_id, s['region_id'] AS region_id, s['sku_name'] AS sku_name,
           s['store_id'] AS from_store_id, d['store_id'] AS to_store_id,
           s, d, t, cost_per_unit
    FROM scored
    WHERE t['quantity'] > 0 AND t['net_benefit'] > 0
),
ranked AS (
    SELECT w.*,
           row_number() OVER (PARTITION BY sku_id, to_store_id ORDER BY t['net_benefit'] DESC, from_store_id) AS rank_for_destination,
           row_number() OVER (PARTITION BY sku_id, from_store_id ORDER BY t['net_benefit'] DESC, to_store_id) AS rank_for_source
    FROM worthwhile w
),
chosen AS (
    SELECT r.*, least(s['confidence'], d['confidence']) AS confidence
    FROM ranked r
    WHERE rank_for_destination = 1 AND rank_for_source = 1
)
SELECT 'xfer:' || CAST(c.sku_id AS VARCHAR) || ':' || CAST(c.from_store_id AS VARCHAR) || ':'
           || CAST(c.to_store_id AS VARCHAR) AS recommendation_id,
       'transfer' AS action,
       c.sku_id,
       c.sku_name,
       c.region_id,
       c.from_store_id,
       fs.name AS from_store_name,
       c.to_store_id,
       ts.name AS to_store_name,
       CAST(c.t['quantity'] AS DOUBLE) AS recommended_qty,
       CAST(c.t['benefit'] AS DOUBLE) AS value,
       CAST(c.t['cost'] AS DOUBLE) AS cost,
       CAST(c.t['net_benefit'] AS DOUBLE) AS net_benefit,
       c.t['destination_units_saved'] AS destination_units_saved,
       c.t['source_units_lost'] AS source_units_lost,
       c.s['on_hand'] AS source_on_hand,
       c.d['position'] AS destination_position,
       c.d['lead_time'] AS supplier_lead_time,
       CAST(c.confidence AS DOUBLE) AS confidence,
       CAST(row_number() OVER (ORDER BY c.t['net_benefit'] * c.confidence DESC, c.sku_id, c.to_store_id) AS INT)
           AS priority,
       concat('Move ', CAST(CAST(c.t['quantity'] AS BIGINT) AS VARCHAR), ' units from ', fs.name,
              ' (', CAST(CAST(c.s['on_hand'] AS BIGINT) AS VARCHAR), ' on hand, ',
              CAST(round(c.s['order_up_to'], 1) AS VARCHAR), ' needed until its next delivery) to ', ts.name,
              ' (on hand + on order ', CAST(CAST(c.d['position'] AS BIGINT) AS VARCHAR),
              CASE WHEN c.d['cover'] IS NULL THEN ''
                   ELSE concat(' lasts ', CAST(round(c.d['cover'], 1) AS VARCHAR), ' days') END,
              ', a supplier order takes ', CAST(round(c.d['lead_time'], 1) AS VARCHAR), ' days): saves about ',
              CAST(round(c.t['destination_units_saved'], 1) AS VARCHAR), ' lost sales worth ',
              CAST(round(c.t['benefit'], 2) AS VARCHAR), ' for ', CAST(round(c.t['cost'], 2) AS VARCHAR),
              ' of transport; net ', CAST(round(c.t['net_benefit'], 2) AS VARCHAR), '.') AS reason
FROM chosen c
JOIN stores fs ON fs.store_id = c.from_store_id
JOIN stores ts ON ts.store_id = c.to_store_id
