//! Basket affinity: frequent itemsets by FP-growth and association rules with support,
//! confidence, lift, leverage, conviction (and Zhang's metric, Jaccard, certainty, Kulczynski).
//!
//! Results equal mlxtend's `fpgrowth` + `association_rules(num_itemsets = n_baskets)` on the
//! same baskets (the tests check the exact set of itemsets and rules, metrics to 1e-9; the
//! formulas are evaluated in the same floating-point order, so in practice they are bit-equal).
//! That includes mlxtend's support threshold: an item is frequent when `count / n >= min_support`,
//! a larger itemset when also `count >= ceil(min_support * n)` (the two differ only when
//! `min_support * n` rounds up past an integer).
//!
//! Conviction is `(1 - support(C)) / (1 - confidence)`; when confidence is 1 it is `+infinity`,
//! as in mlxtend (a rule that never fails). It is not NaN; SQL adapters can pass it as float8
//! `Infinity` or map it to NULL, and should document which.

use std::collections::HashMap;

use super::error::{CustomerError, Result, check_lengths};
use super::fasthash::FastMap;

/// A frequent itemset: item ids ascending, the number of baskets containing all of them, and
/// that count over the number of baskets.
#[derive(Debug, Clone, PartialEq)]
pub struct Itemset {
    pub items: Vec<i64>,
    pub count: u64,
    pub support: f64,
}

/// Frequent itemsets (sorted by size, then items) and the number of baskets they were counted in.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequentItemsets {
    pub itemsets: Vec<Itemset>,
    pub n_baskets: u64,
}

/// Itemset mining options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemsetOptions {
    /// Minimum support in (0, 1] (default 0.01).
    pub min_support: f64,
    /// Largest itemset size (>= 1); None = no limit (mlxtend's default). Default Some(3): pairs
    /// and triples.
    pub max_len: Option<usize>,
    /// Safety cap on the number of frequent itemsets (default 5,000,000): exceeding it is an
    /// error asking for a higher `min_support` or a `max_len`, instead of exhausting memory.
    pub max_itemsets: usize,
}

impl Default for ItemsetOptions {
    fn default() -> Self {
        ItemsetOptions {
            min_support: 0.01,
            max_len: Some(3),
            max_itemsets: 5_000_000,
        }
    }
}

/// The metric a rule threshold applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMetric {
    Support,
    Confidence,
    Lift,
    Leverage,
    Conviction,
    ZhangsMetric,
    Jaccard,
    Certainty,
    Kulczynski,
}

impl RuleMetric {
    /// mlxtend's metric names (`support`, `confidence`, `lift`, `leverage`, `conviction`,
    /// `zhangs_metric`, `jaccard`, `certainty`, `kulczynski`), any case.
    pub fn parse(s: &str) -> Result<RuleMetric> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "support" => RuleMetric::Support,
            "confidence" => RuleMetric::Confidence,
            "lift" => RuleMetric::Lift,
            "leverage" => RuleMetric::Leverage,
            "conviction" => RuleMetric::Conviction,
            "zhangs_metric" => RuleMetric::ZhangsMetric,
            "jaccard" => RuleMetric::Jaccard,
            "certainty" => RuleMetric::Certainty,
            "kulczynski" => RuleMetric::Kulczynski,
            _ => {
                return Err(CustomerError::InvalidParameter(format!(
                    "metric must be one of support, confidence, lift, leverage, conviction, zhangs_metric, \
                     jaccard, certainty, kulczynski; got '{s}'"
                )));
            }
        })
    }
}

/// An association rule `antecedents -> consequents` (item ids ascending) with mlxtend's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub antecedents: Vec<i64>,
    pub consequents: Vec<i64>,
    pub antecedent_support: f64,
    pub consequent_support: f64,
    pub support: f64,
    /// Baskets containing antecedents and consequents.
    pub count: u64,
    pub confidence: f64,
    pub lift: f64,
    pub leverage: f64,
    /// +infinity when confidence is 1.
    pub conviction: f64,
    pub zhangs_metric: f64,
    pub jaccard: f64,
    pub certainty: f64,
    pub kulczynski: f64,
}

impl Rule {
    fn metric(&self, m: RuleMetric) -> f64 {
        match m {
            RuleMetric::Support => self.support,
            RuleMetric::Confidence => self.confidence,
            RuleMetric::Lift => self.lift,
            RuleMetric::Leverage => self.leverage,
            RuleMetric::Conviction => self.conviction,
            RuleMetric::ZhangsMetric => self.zhangs_metric,
            RuleMetric::Jaccard => self.jaccard,
            RuleMetric::Certainty => self.certainty,
            RuleMetric::Kulczynski => self.kulczynski,
        }
    }
}

/// An FP-tree over dense item ids.
struct FpTree {
    item: Vec<u32>,
    count: Vec<u64>,
    parent: Vec<u32>,
    children: FastMap<(u32, u32), u32>,
    /// nodes of each item present in the tree (items indexed densely, global ids)
    header: FastMap<u32, Vec<u32>>,
}

const ROOT: u32 = 0;

impl FpTree {
    fn new() -> FpTree {
        FpTree {
            item: vec![u32::MAX],
            count: vec![0],
            parent: vec![ROOT],
            children: FastMap::default(),
            header: FastMap::default(),
        }
    }

    /// Inserts a path (items in tree order, most frequent first) with a count.
    fn insert(&mut self, path: &[u32], count: u64) {
        let mut node = ROOT;
        for &it in path {
            node = match self.children.get(&(node, it)) {
                Some(&c) => {
                    self.count[c as usize] += count;
                    c
                }
                None => {
                    let c = self.item.len() as u32;
                    self.item.push(it);
                    self.count.push(count);
                    self.parent.push(node);
                    self.children.insert((node, it), c);
                    self.header.entry(it).or_default().push(c);
                    c
                }
            };
        }
    }
}

struct Miner {
    min_count: u64,
    max_len: usize,
    max_itemsets: usize,
    out: Vec<(Vec<u32>, u64)>,
}

impl Miner {
    /// FP-growth: every item of `tree` extends `prefix`; recurse on its conditional tree.
    fn mine(&mut self, tree: &FpTree, prefix: &mut Vec<u32>) -> Result<()> {
        let mut items: Vec<u32> = tree.header.keys().copied().collect();
        items.sort_unstable();
        for it in items {
            let nodes = &tree.header[&it];
            let support: u64 = nodes.iter().map(|&n| tree.count[n as usize]).sum();
            prefix.push(it);
            self.out.push((prefix.clone(), support));
            if self.out.len() > self.max_itemsets {
                return Err(CustomerError::InvalidParameter(format!(
                    "more than {} frequent itemsets; raise min_support or set max_len",
                    self.max_itemsets
                )));
            }
            if prefix.len() < self.max_len {
                // conditional pattern base: the path above each node of `it`, with its count
                let mut counts: FastMap<u32, u64> = FastMap::default();
                let mut paths: Vec<(Vec<u32>, u64)> = Vec::with_capacity(nodes.len());
                for &n in nodes {
                    let c = tree.count[n as usize];
                    let mut path = Vec::new();
                    let mut p = tree.parent[n as usize];
                    while p != ROOT {
                        let pi = tree.item[p as usize];
                        path.push(pi);
                        *counts.entry(pi).or_insert(0) += c;
                        p = tree.parent[p as usize];
                    }
                    paths.push((path, c));
                }
                counts.retain(|_, c| *c >= self.min_count);
                if !counts.is_empty() {
                    let mut cond = FpTree::new();
                    for (mut path, c) in paths {
                        path.retain(|i| counts.contains_key(i));
                        // most frequent first (ties by id) so shared prefixes share nodes
                        path.sort_unstable_by(|a, b| counts[b].cmp(&counts[a]).then(a.cmp(b)));
                        cond.insert(&path, c);
                    }
                    self.mine(&cond, prefix)?;
                }
            }
            prefix.pop();
        }
        Ok(())
    }
}

/// Frequent itemsets of the baskets given in long format: one `(basket_ids[i], item_ids[i])`
/// per sales line, any order; a basket's repeated item counts once.
///
/// `n_baskets` is the number of distinct basket ids. Empty input is an error; so are
/// `min_support` outside (0, 1] (mlxtend's rule), `max_len` = 0 and unequal lengths. Itemsets
/// come sorted by size, then by their (ascending) item ids.
pub fn frequent_itemsets(
    basket_ids: &[i64],
    item_ids: &[i64],
    opts: &ItemsetOptions,
) -> Result<FrequentItemsets> {
    let n = check_lengths(
        &["basket_ids", "item_ids"],
        &[basket_ids.len(), item_ids.len()],
    )?;
    if !(opts.min_support > 0.0 && opts.min_support <= 1.0) {
        return Err(CustomerError::InvalidParameter(format!(
            "min_support must be in (0, 1], got {}",
            opts.min_support
        )));
    }
    if opts.max_len == Some(0) {
        return Err(CustomerError::InvalidParameter(
            "max_len must be at least 1, got 0".into(),
        ));
    }
    if n == 0 {
        return Err(CustomerError::Empty(
            "association rules need at least one basket line, got none".into(),
        ));
    }
    // dense item ids
    let mut items: Vec<i64> = item_ids.to_vec();
    items.sort_unstable();
    items.dedup();
    let dense = |it: i64| items.binary_search(&it).expect("item is known") as u32;
    // (basket, item) pairs, deduplicated, grouped by basket
    let mut pairs: Vec<(i64, u32)> = basket_ids
        .iter()
        .zip(item_ids)
        .map(|(&b, &i)| (b, dense(i)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut item_count = vec![0u64; items.len()];
    let mut n_baskets = 0u64;
    for (k, &(b, i)) in pairs.iter().enumerate() {
        item_count[i as usize] += 1;
        if k == 0 || pairs[k - 1].0 != b {
            n_baskets += 1;
        }
    }
    let nf = n_baskets as f64;
    let ms = opts.min_support;
    // mlxtend: items by support >= min_support (float); larger itemsets by count >= ceil(ms * n)
    let frequent: Vec<bool> = item_count.iter().map(|&c| c as f64 / nf >= ms).collect();
    let min_count = (ms * nf).ceil() as u64;
    let mut tree = FpTree::new();
    let mut basket: Vec<u32> = Vec::new();
    let mut k = 0;
    while k < pairs.len() {
        let b = pairs[k].0;
        basket.clear();
        while k < pairs.len() && pairs[k].0 == b {
            if frequent[pairs[k].1 as usize] {
                basket.push(pairs[k].1);
            }
            k += 1;
        }
        basket.sort_unstable_by(|x, y| {
            item_count[*y as usize]
                .cmp(&item_count[*x as usize])
                .then(x.cmp(y))
        });
        tree.insert(&basket, 1);
    }
    let mut miner = Miner {
        min_count,
        max_len: opts.max_len.unwrap_or(usize::MAX),
        max_itemsets: opts.max_itemsets,
        out: Vec::new(),
    };
    miner.mine(&tree, &mut Vec::new())?;
    let mut itemsets: Vec<Itemset> = miner
        .out
        .into_iter()
        .filter(|(_, c)| *c as f64 / nf >= ms)
        .map(|(set, count)| {
            let mut it: Vec<i64> = set.iter().map(|&d| items[d as usize]).collect();
            it.sort_unstable();
            Itemset {
                items: it,
                count,
                support: count as f64 / nf,
            }
        })
        .collect();
    itemsets.sort_by(|a, b| {
        a.items
            .len()
            .cmp(&b.items.len())
            .then_with(|| a.items.cmp(&b.items))
    });
    Ok(FrequentItemsets {
        itemsets,
        n_baskets,
    })
}

/// All rules `A -> C` (A, C non-empty, disjoint, A ∪ C a frequent itemset) whose `metric` is
/// `>= min_threshold`, with every metric, sorted by antecedents then consequents.
///
/// Metrics exactly as mlxtend defines them (s = support): confidence = s(AC)/s(A),
/// lift = confidence/s(C), leverage = s(AC) - s(A)s(C), conviction = (1 - s(C))/(1 - confidence)
/// (+inf when confidence = 1), Zhang = leverage / max(s(AC)(1 - s(A)), s(A)(s(C) - s(AC))) (0
/// when that is 0), Jaccard = s(AC)/(s(A) + s(C) - s(AC)), certainty = (confidence - s(C))/(1 -
/// s(C)) (0 when s(C) = 1), Kulczynski = (s(AC)/s(A) + s(AC)/s(C))/2.
/// A NaN threshold is an error; itemsets of size 1 give no rules; itemsets larger than 20 items
/// are an error (2^20 splits each).
pub fn association_rules(
    fi: &FrequentItemsets,
    metric: RuleMetric,
    min_threshold: f64,
) -> Result<Vec<Rule>> {
    if min_threshold.is_nan() {
        return Err(CustomerError::InvalidParameter(
            "min_threshold must be a number, got NaN".into(),
        ));
    }
    let support: HashMap<&[i64], u64> = fi
        .itemsets
        .iter()
        .map(|s| (s.items.as_slice(), s.count))
        .collect();
    let nf = fi.n_baskets as f64;
    let mut rules = Vec::new();
    let mut a_items = Vec::new();
    let mut c_items = Vec::new();
    for set in &fi.itemsets {
        let l = set.items.len();
        if l < 2 {
            continue;
        }
        if l > 20 {
            return Err(CustomerError::InvalidParameter(format!(
                "an itemset of {l} items is too large to split into rules; set max_len (e.g. 3)"
            )));
        }
        let s_ac = set.count as f64 / nf;
        for mask in 1u32..(1 << l) - 1 {
            a_items.clear();
            c_items.clear();
            for (b, &it) in set.items.iter().enumerate() {
                if mask >> b & 1 == 1 {
                    a_items.push(it)
                } else {
                    c_items.push(it)
                }
            }
            let (Some(&ca), Some(&cc)) = (
                support.get(a_items.as_slice()),
                support.get(c_items.as_slice()),
            ) else {
                return Err(CustomerError::InvalidValue(
                    "itemsets are not closed under subsets (were they filtered?); pass frequent_itemsets' \
                     output unchanged"
                        .into(),
                ));
            };
            let (s_a, s_c) = (ca as f64 / nf, cc as f64 / nf);
            // mlxtend's expressions (with no missing values) in mlxtend's order of operations
            let confidence = (s_ac * nf) / (s_a * nf);
            let lift = confidence / s_c;
            let leverage = s_ac - s_a * s_c;
            let conviction = if confidence < 1.0 {
                (1.0 - s_c) / (1.0 - confidence)
            } else {
                f64::INFINITY
            };
            let zden = (s_ac * (1.0 - s_a)).max(s_a * (s_c - s_ac));
            let zhangs_metric = if zden == 0.0 { 0.0 } else { leverage / zden };
            let jaccard = s_ac / (s_a + s_c - s_ac);
            let certainty = if 1.0 - s_c == 0.0 {
                0.0
            } else {
                (confidence - s_c) / (1.0 - s_c)
            };
            let kulczynski = ((s_ac * nf) / (s_a * nf) + (s_ac * nf) / (s_c * nf)) / 2.0;
            let rule = Rule {
                antecedents: a_items.clone(),
                consequents: c_items.clone(),
                antecedent_support: s_a,
                consequent_support: s_c,
                support: s_ac,
                count: set.count,
                confidence,
                lift,
                leverage,
                conviction,
                zhangs_metric,
                jaccard,
                certainty,
                kulczynski,
            };
            if rule.metric(metric) >= min_threshold {
                rules.push(rule);
            }
        }
    }
    rules.sort_by(|a, b| {
        a.antecedents
            .cmp(&b.antecedents)
            .then_with(|| a.consequents.cmp(&b.consequents))
    });
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64_of, fixture, i64s};
    use super::*;

    #[test]
    fn matches_mlxtend_fpgrowth_and_association_rules() {
        let fx = fixture(include_str!("../../../tests/fixtures/customer/assoc.json"));
        let (b, i) = (i64s(&fx["basket_id"]), i64s(&fx["item_id"]));
        for case in fx["cases"].as_array().unwrap() {
            let opts = ItemsetOptions {
                min_support: case["min_support"].as_f64().unwrap(),
                max_len: case["max_len"].as_u64().map(|v| v as usize),
                ..Default::default()
            };
            let fi = frequent_itemsets(&b, &i, &opts).unwrap();
            assert_eq!(fi.n_baskets, fx["n_baskets"].as_u64().unwrap());
            let mut want: Vec<(Vec<i64>, f64)> = case["itemsets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (i64s(&s["items"]), s["support"].as_f64().unwrap()))
                .collect();
            want.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
            // exact set of itemsets; supports to 1e-15 (they are computed as mlxtend does, bit for
            // bit, but serde_json's default float parser may read the fixture 1 ulp off)
            let got: Vec<&Vec<i64>> = fi.itemsets.iter().map(|s| &s.items).collect();
            assert_eq!(
                got,
                want.iter().map(|w| &w.0).collect::<Vec<_>>(),
                "itemsets for {opts:?}"
            );
            for (g, w) in fi.itemsets.iter().zip(&want) {
                assert_close(g.support, w.1, 1e-15, "support");
            }

            let metric = RuleMetric::parse(case["metric"].as_str().unwrap()).unwrap();
            let rules =
                association_rules(&fi, metric, case["min_threshold"].as_f64().unwrap()).unwrap();
            let mut want_rules: Vec<&serde_json::Value> =
                case["rules"].as_array().unwrap().iter().collect();
            want_rules.sort_by(|a, b| {
                i64s(&a["antecedents"])
                    .cmp(&i64s(&b["antecedents"]))
                    .then(i64s(&a["consequents"]).cmp(&i64s(&b["consequents"])))
            });
            // exact set of rules
            assert_eq!(
                rules.len(),
                want_rules.len(),
                "rule count for {opts:?} {metric:?}"
            );
            let mut inf = 0;
            for (r, w) in rules.iter().zip(&want_rules) {
                assert_eq!(r.antecedents, i64s(&w["antecedents"]));
                assert_eq!(r.consequents, i64s(&w["consequents"]));
                for (got, key) in [
                    (r.antecedent_support, "antecedent support"),
                    (r.consequent_support, "consequent support"),
                    (r.support, "support"),
                    (r.confidence, "confidence"),
                    (r.lift, "lift"),
                    (r.leverage, "leverage"),
                    (r.conviction, "conviction"),
                    (r.zhangs_metric, "zhangs_metric"),
                    (r.jaccard, "jaccard"),
                    (r.certainty, "certainty"),
                    (r.kulczynski, "kulczynski"),
                ] {
                    let want = f64_of(&w[key]);
                    if want.is_infinite() {
                        assert_eq!(got, want, "{key}");
                        inf += 1;
                    } else {
                        // metrics within 1e-9 (absolute, or relative for values > 1)
                        assert_close(got + 1.0, want + 1.0, 1e-9, key);
                    }
                }
            }
            assert!(
                inf > 0 || rules.is_empty(),
                "the fixture has confidence-1 rules"
            );
        }
    }

    #[test]
    fn bad_inputs() {
        let o = ItemsetOptions::default();
        assert!(matches!(
            frequent_itemsets(&[], &[], &o),
            Err(CustomerError::Empty(_))
        ));
        let e = frequent_itemsets(
            &[1],
            &[1],
            &ItemsetOptions {
                min_support: 0.0,
                ..o
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "min_support must be in (0, 1], got 0");
        assert!(frequent_itemsets(&[1, 2], &[1], &o).is_err());
        assert!(
            frequent_itemsets(
                &[1],
                &[1],
                &ItemsetOptions {
                    max_len: Some(0),
                    ..o
                }
            )
            .is_err()
        );
        assert!(RuleMetric::parse("interest").is_err());
        // itemset cap
        let baskets: Vec<i64> = (0..3).flat_map(|bk| std::iter::repeat_n(bk, 12)).collect();
        let items: Vec<i64> = (0..3).flat_map(|_| 0..12).collect();
        let e = frequent_itemsets(
            &baskets,
            &items,
            &ItemsetOptions {
                max_len: None,
                max_itemsets: 1000,
                ..o
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("raise min_support"), "{e}");
        // duplicates in a basket count once; a basket with only rare items still counts
        let fi = frequent_itemsets(
            &[1, 1, 1, 2, 3],
            &[7, 7, 8, 7, 9],
            &ItemsetOptions {
                min_support: 0.5,
                ..o
            },
        )
        .unwrap();
        assert_eq!(fi.n_baskets, 3);
        assert_eq!(
            fi.itemsets,
            vec![Itemset {
                items: vec![7],
                count: 2,
                support: 2.0 / 3.0
            }]
        );
        let r = association_rules(&fi, RuleMetric::Confidence, 0.0).unwrap();
        assert!(r.is_empty());
        assert!(association_rules(&fi, RuleMetric::Lift, f64::NAN).is_err());
    }
}
