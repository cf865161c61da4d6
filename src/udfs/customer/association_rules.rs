//! `association_rules(basket_id, item_id, min_support, min_confidence[, max_len])`: market-basket
//! rules by FP-growth.
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::common::{
    ColData, CustomerUdaf, Options, Param, Val, arg_error, i64_list_type, list_of,
    list_of_structs_scalar, model_error, struct_type,
};
use crate::models::customer::assoc::{
    ItemsetOptions, RuleMetric, association_rules, frequent_itemsets,
};
use crate::udfs::docs::SECTION_CUSTOMER;

const NAME: &str = "association_rules";
const PARAMS: &[Param] = &[
    Param::int("basket_id"),
    Param::int("item_id"),
    Param::num("min_support"),
    Param::num("min_confidence"),
    Param::int_or("max_len", 3),
];

pub(super) fn rule_type() -> DataType {
    struct_type(&[
        ("antecedent", i64_list_type()),
        ("consequent", i64_list_type()),
        ("antecedent_support", DataType::Float64),
        ("consequent_support", DataType::Float64),
        ("support", DataType::Float64),
        ("count", DataType::Int64),
        ("confidence", DataType::Float64),
        ("lift", DataType::Float64),
        ("leverage", DataType::Float64),
        ("conviction", DataType::Float64),
    ])
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        SECTION_CUSTOMER,
        "Association rules A -> C over the group's baskets, given in long form (one row per \
         basket line; a basket's repeated item counts once): frequent itemsets by FP-growth up \
         to max_len items, then every rule with confidence >= min_confidence. Results equal \
         mlxtend's fpgrowth + association_rules(metric='confidence', num_itemsets = number of \
         baskets), including its support threshold. Returns a list of struct {antecedent, \
         consequent (item ids, ascending), antecedent_support, consequent_support, support \
         (share of baskets holding A and C), count (such baskets), confidence = support / \
         antecedent_support, lift = confidence / consequent_support, leverage = support - \
         antecedent_support x consequent_support, conviction = (1 - consequent_support) / (1 - \
         confidence)}, sorted by antecedent then consequent. A rule that never fails (confidence \
         1) has conviction +Infinity ('Infinity' on the wire), as in mlxtend; filter with \
         conviction < 'Infinity'::double if needed. unnest() turns the list into rows; a rule \
         with lift > 1 means the items are bought together more often than by chance. Rows with \
         a NULL basket or item are skipped; a group with no rows gives NULL, as does a NULL \
         option; no qualifying rule gives an empty list. Errors (SQLSTATE 22023): min_support \
         outside (0, 1], min_confidence outside [0, 1], max_len < 1; more than 5,000,000 \
         frequent itemsets (raise min_support or lower max_len).",
        "association_rules(basket_id, item_id, min_support, min_confidence[, max_len])",
    )
    .with_sql_example(
        "SELECT r['antecedent'], r['consequent'], r['support'], r['confidence'], r['lift']\n\
         FROM (SELECT unnest(association_rules(transaction_id, sku_id, 0.01, 0.2)) AS r\n\
         \x20     FROM sales_lines)\n\
         WHERE r['lift'] > 1\n\
         ORDER BY r['lift'] DESC;",
    )
    .with_argument("basket_id", "Basket (transaction) identifier, an integer.")
    .with_argument("item_id", "Item (SKU) identifier, an integer.")
    .with_argument(
        "min_support",
        "Minimum share of baskets an itemset must appear in, a constant in (0, 1].",
    )
    .with_argument(
        "min_confidence",
        "Minimum confidence of a rule, a constant in [0, 1].",
    )
    .with_argument(
        "max_len",
        "Largest itemset (antecedent plus consequent), a constant >= 1. Optional, default 3 \
         (pairs and triples).",
    )
    .build()
});

pub fn udaf() -> AggregateUDF {
    CustomerUdaf::new(NAME, PARAMS, 2, list_of(rule_type()), &DOC, finish)
}

fn finish(data: &[ColData], opts: &Options) -> Result<ScalarValue> {
    let min_support = opts.f64(0);
    let min_confidence = opts.f64(1);
    if !(0.0..=1.0).contains(&min_confidence) {
        return Err(arg_error(
            NAME,
            "min_confidence",
            format!("must be in [0, 1], got {min_confidence}"),
        ));
    }
    let max_len = match opts.i64(2) {
        Some(v) if v >= 1 => v as usize,
        v => {
            return Err(arg_error(
                NAME,
                "max_len",
                format!("must be at least 1, got {}", v.unwrap_or(0)),
            ));
        }
    };
    let o = ItemsetOptions {
        min_support,
        max_len: Some(max_len),
        ..Default::default()
    };
    let fi =
        frequent_itemsets(data[0].i64s(), data[1].i64s(), &o).map_err(|e| model_error(NAME, e))?;
    let rules = association_rules(&fi, RuleMetric::Confidence, min_confidence)
        .map_err(|e| model_error(NAME, e))?;
    list_of_structs_scalar(
        &list_of(rule_type()),
        rules
            .into_iter()
            .map(|r| {
                vec![
                    Val::I64List(Some(r.antecedents)),
                    Val::I64List(Some(r.consequents)),
                    Val::F64(Some(r.antecedent_support)),
                    Val::F64(Some(r.consequent_support)),
                    Val::F64(Some(r.support)),
                    Val::I64(Some(r.count as i64)),
                    Val::F64(Some(r.confidence)),
                    Val::F64(Some(r.lift)),
                    Val::F64(Some(r.leverage)),
                    Val::F64(Some(r.conviction)),
                ]
            })
            .collect(),
    )
}
