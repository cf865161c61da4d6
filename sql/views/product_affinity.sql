-- Products bought together: association rules over all baskets (sales_lines grouped by
-- transaction_id; store, web and app alike) mined with FP-growth (association_rules: equal to
-- mlxtend), pairs and triples, kept when the itemset is in at least 0.2 % of baskets, the rule's
-- confidence is at least 5 % and its lift is above 1 (bought together more often than by chance).
-- One row per rule antecedent -> consequent: SKU lists, names, support (share of baskets with all
-- of them), baskets (how many), confidence (share of baskets with the antecedent that also hold
-- the consequent), lift, leverage, conviction ('Infinity' for a rule that never failed), a
-- rule_id (1 = highest lift), and a reason in plain words. Use it for cross-merchandising,
-- bundles, and to expect a consequent's demand to follow a promotion on the antecedent.
CREATE VIEW product_affinity AS
WITH rules AS (
    SELECT unnest(association_rules(transaction_id, sku_id, 0.002, 0.05, 3)) AS r
    FROM sales_lines
),
kept AS (
    SELECT row_number() OVER (ORDER BY r['lift'] DESC, r['support'] DESC,
                                       array_to_string(r['antecedent'], ','),
                                       array_to_string(r['consequent'], ',')) AS rule_id,
           r
    FROM rules
    WHERE r['lift'] > 1
),
named AS (
    SELECT k.rule_id,
           first_value(k.r) AS r,
           string_agg(CASE WHEN array_has(k.r['antecedent'], p.sku_id) THEN p.name END, ' + ' ORDER BY p.sku_id) AS antecedent_names,
           string_agg(CASE WHEN array_has(k.r['consequent'], p.sku_id) THEN p.name END, ' + ' ORDER BY p.sku_id) AS consequent_names
    FROM kept k
    JOIN products p ON array_has(k.r['antecedent'], p.sku_id) OR array_has(k.r['consequent'], p.sku_id)
    GROUP BY k.rule_id
)
SELECT rule_id,
       r['antecedent'] AS antecedent_skus,
       r['consequent'] AS consequent_skus,
       antecedent_names,
       consequent_names,
       r['support'] AS support,
       r['count'] AS baskets,
       r['confidence'] AS confidence,
       r['lift'] AS lift,
       r['leverage'] AS leverage,
       r['conviction'] AS conviction,
       concat('Baskets with ', antecedent_names, ' hold ', consequent_names, ' ',
              CAST(round(r['lift'], 1) AS VARCHAR), ' times as often as the average basket does (',
              CAST(CAST(round(r['confidence'] * 100, 0) AS BIGINT) AS VARCHAR), ' % of them; ',
              CAST(r['count'] AS VARCHAR), ' baskets).') AS reason
FROM named
