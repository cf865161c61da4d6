-- Service-level targets by customer value: the configurable table replenishment reads. A SKU x
-- location gets the class of the highest row whose min_high_value_share its high_value_share (the
-- share of its last-13-week units bought by high-value customers, from segment_demand) reaches,
-- and plans with that row's cycle service level (probability of no stock-out per replenishment
-- cycle). Cells with no sales in the window have share 0 ('basic'). To change the targets, edit
-- the VALUES below in a copy of sql/views and start aisle with --views-dir (or views_dir in the
-- config file): keep one row with min_high_value_share 0, shares in [0, 1), service levels in
-- (0, 1) and rising with the share. docs/inventory.md explains the choice.
CREATE VIEW service_level_targets AS
SELECT CAST(value_class AS VARCHAR) AS value_class,
       CAST(min_high_value_share AS DOUBLE) AS min_high_value_share,
       CAST(service_level AS DOUBLE) AS service_level,
       CAST(description AS VARCHAR) AS description
FROM (VALUES
    ('key',      0.40, 0.98, 'at least 40 % of units bought by high-value customers'),
    ('high',     0.25, 0.95, '25-40 % of units bought by high-value customers'),
    ('standard', 0.10, 0.92, '10-25 % of units bought by high-value customers'),
    ('basic',    0.00, 0.90, 'under 10 % of units bought by high-value customers, or no recent sales')
) AS t(value_class, min_high_value_share, service_level, description)
