//! Generic SQL argument generation for the property tests: which types each parameter of a
//! function accepts (probed through the function's own `return_type` check, so new functions are
//! covered without a list to maintain), and proptest strategies that render hostile values of a
//! type as SQL text (NULL, NaN, ±Infinity, negatives, zero, huge, tiny, empty lists, lists with
//! NULL / NaN elements, odd option text, duplicate and unsorted dates).
#![allow(dead_code)]
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF};
use proptest::prelude::*;

/// One parameter: its documented name and description, and every type it accepts.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub description: String,
    /// The description says the value must be a constant (horizon, options, thresholds).
    pub constant: bool,
    pub types: Vec<DataType>,
}

/// A function under test.
#[derive(Debug, Clone)]
pub struct FnSpec {
    pub name: String,
    pub kind: &'static str,
    pub params: Vec<Param>,
    /// Arguments before the first `[` of the documented syntax.
    pub required: usize,
    /// Words of the description, used to build option text (`key=value`).
    pub words: Arc<Vec<String>>,
    pub example: Option<String>,
}

/// Parameter names and the number of required ones from a syntax line such as
/// `f(a, b[, c[, d]])`.
pub fn parse_syntax(syntax: &str) -> (Vec<String>, usize) {
    let inner = match (syntax.find('('), syntax.rfind(')')) {
        (Some(a), Some(b)) if b > a => &syntax[a + 1..b],
        _ => "",
    };
    let mut names = Vec::new();
    let mut required = None;
    let mut cur = String::new();
    for ch in inner.chars() {
        if ch == '[' && required.is_none() {
            if !cur.trim().is_empty() {
                names.push(cur.trim().to_string());
                cur.clear();
            }
            required = Some(names.len());
        }
        if ch.is_ascii_alphanumeric() || ch == '_' {
            cur.push(ch);
        } else if !cur.is_empty() {
            names.push(cur.clone());
            cur.clear();
        }
    }
    if !cur.is_empty() {
        names.push(cur);
    }
    let n = names.len();
    (names, required.unwrap_or(n))
}

fn words_of(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|s| {
            s.len() >= 2 && s.len() <= 24 && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
        .map(str::to_string)
        .collect();
    w.sort();
    w.dedup();
    w
}

pub fn spec_from_doc(name: &str, kind: &'static str, doc: &Documentation) -> FnSpec {
    let (names, required) = parse_syntax(&doc.syntax_example);
    let docs = doc.arguments.clone().unwrap_or_default();
    let params = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let description = docs
                .iter()
                .find(|(a, _)| a == n)
                .or_else(|| docs.get(i))
                .map(|(_, d)| d.clone())
                .unwrap_or_default();
            Param {
                name: n.clone(),
                constant: description.to_lowercase().contains("constant"),
                description,
                types: vec![],
            }
        })
        .collect();
    FnSpec {
        name: name.to_string(),
        kind,
        params,
        required,
        words: Arc::new(words_of(&doc.description)),
        example: doc.sql_example.clone(),
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

/// The plain types every parameter is probed with.
pub fn base_candidates() -> Vec<DataType> {
    vec![
        DataType::Float64,
        DataType::Int64,
        DataType::Int32,
        DataType::Utf8,
        DataType::Boolean,
        DataType::Date32,
        DataType::Timestamp(TimeUnit::Nanosecond, None),
        list_of(DataType::Float64),
        list_of(DataType::Int64),
        DataType::Struct(Fields::from(vec![Field::new("x", DataType::Float64, true)])),
    ]
}

/// Which candidate types a function accepts at position `i` of an `n`-argument call, the other
/// arguments being NULL (every family accepts NULL anywhere at type-check time).
fn accepted<F: Fn(&[DataType]) -> bool>(
    others: &[DataType],
    i: usize,
    cands: &[DataType],
    ok: F,
) -> Vec<DataType> {
    let mut out = Vec::new();
    for c in cands {
        let mut ts = others.to_vec();
        ts[i] = c.clone();
        if ok(&ts) && !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

/// Whether the types are what an `Exact` signature asks for (NULL matches anything); such
/// functions have no `coerce_types` of their own.
fn exact_ok(sig: &datafusion::logical_expr::Signature, ts: &[DataType]) -> bool {
    match &sig.type_signature {
        datafusion::logical_expr::TypeSignature::Exact(v) => {
            v.len() == ts.len()
                && v.iter()
                    .zip(ts)
                    .all(|(a, b)| b == &DataType::Null || a == b)
        }
        _ => false,
    }
}

pub fn probe_scalar(spec: &mut FnSpec, f: &ScalarUDF, cands: &[DataType]) {
    probe(spec, cands, |ts| match f.coerce_types(ts) {
        Ok(c) => f.return_type(&c).is_ok(),
        Err(_) => exact_ok(f.signature(), ts),
    });
}

pub fn probe_aggregate(spec: &mut FnSpec, f: &AggregateUDF, cands: &[DataType]) {
    probe(spec, cands, |ts| match f.coerce_types(ts) {
        Ok(c) => f.return_type(&c).is_ok(),
        Err(_) => exact_ok(f.signature(), ts),
    });
}

fn add_types(spec: &mut FnSpec, i: usize, found: Vec<DataType>) {
    for t in found {
        if !spec.params[i].types.contains(&t) {
            spec.params[i].types.push(t);
        }
    }
}

/// Round 1: each parameter with NULL elsewhere. Round 2: with the others at their first
/// accepted type (some checks depend on a neighbour). Then, for a function whose required
/// parameters are still unresolved (checks that reject NULL neighbours), a seeded random search
/// over whole type vectors of the required parameters.
fn probe(spec: &mut FnSpec, cands: &[DataType], ok: impl Fn(&[DataType]) -> bool) {
    let n = spec.params.len();
    for round in 0..2 {
        let others: Vec<DataType> = spec
            .params
            .iter()
            .map(|p| {
                if round == 0 {
                    DataType::Null
                } else {
                    p.types.first().cloned().unwrap_or(DataType::Null)
                }
            })
            .collect();
        for i in 0..n {
            let found = accepted(&others, i, cands, &ok);
            add_types(spec, i, found);
        }
    }
    let req = spec.required.min(n);
    if spec.params[..req].iter().all(|p| !p.types.is_empty()) {
        return;
    }
    let mut pool = cands.to_vec();
    pool.push(DataType::Null);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut hits = 0;
    for _ in 0..200_000 {
        let ts: Vec<DataType> = (0..n)
            .map(|i| {
                if i >= req {
                    return DataType::Null;
                }
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                pool[(seed >> 33) as usize % pool.len()].clone()
            })
            .collect();
        if ok(&ts) {
            for (i, t) in ts.into_iter().enumerate().take(req) {
                if t != DataType::Null {
                    add_types(spec, i, vec![t]);
                }
            }
            hits += 1;
            if hits >= 20 {
                break;
            }
        }
    }
    // With the required ones known, the optional ones again.
    let others: Vec<DataType> = spec
        .params
        .iter()
        .map(|p| p.types.first().cloned().unwrap_or(DataType::Null))
        .collect();
    for i in req..n {
        let found = accepted(&others, i, cands, &ok);
        add_types(spec, i, found);
    }
}

/// The return type of a call with each parameter's first accepted type (used to feed the
/// results of fits — models, forecasts, backtests — to the functions that read them).
pub fn typical_return(
    spec: &FnSpec,
    ret: impl Fn(&[DataType]) -> Option<DataType>,
) -> Option<DataType> {
    let ts: Option<Vec<DataType>> = spec
        .params
        .iter()
        .take(spec.required.max(1).min(spec.params.len()))
        .map(|p| p.types.first().cloned())
        .collect();
    ret(&ts?)
}

pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A typed NULL of any type: `CASE WHEN false THEN <value> END`.
fn typed_null(v: String) -> String {
    format!("CASE WHEN false THEN {v} END")
}

fn f64_sql(x: f64) -> String {
    if x.is_nan() {
        "CAST('NaN' AS DOUBLE)".into()
    } else if x == f64::INFINITY {
        "CAST('Infinity' AS DOUBLE)".into()
    } else if x == f64::NEG_INFINITY {
        "CAST('-Infinity' AS DOUBLE)".into()
    } else {
        format!("CAST({x:e} AS DOUBLE)")
    }
}

/// Hostile doubles, weighted towards the edge cases.
pub fn f64_values() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => Just(f64::NAN),
        2 => Just(f64::INFINITY),
        2 => Just(f64::NEG_INFINITY),
        3 => Just(0.0),
        1 => Just(-0.0),
        3 => Just(1.0),
        3 => Just(-1.0),
        2 => Just(0.5),
        2 => Just(1e308),
        2 => Just(-1e308),
        1 => Just(5e-324),
        1 => Just(f64::MAX),
        1 => Just(0.999_999_999),
        6 => (0i64..60).prop_map(|v| v as f64),
        4 => -1e6f64..1e6,
        2 => (-5i64..5).prop_map(|v| v as f64 / 4.0),
    ]
    .boxed()
}

pub fn i64_values() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => Just(0i64),
        3 => Just(1),
        3 => Just(-1),
        2 => Just(i64::MAX),
        2 => Just(i64::MIN),
        1 => Just(i32::MAX as i64),
        1 => Just(10_001),
        8 => 0i64..40,
        2 => -1_000_000i64..1_000_000,
    ]
    .boxed()
}

/// Option text built from the function's own vocabulary: `key=value` pairs, JSON, garbage.
pub fn text_values(words: Arc<Vec<String>>) -> BoxedStrategy<String> {
    let w = words.clone();
    let word = move || {
        let w = w.clone();
        (0..w.len().max(1)).prop_map(move |i| w.get(i).cloned().unwrap_or_else(|| "x".into()))
    };
    let value = prop_oneof![
        word().boxed(),
        (-3i64..30).prop_map(|v| v.to_string()).boxed(),
        Just("0.5".to_string()).boxed(),
        Just("1e308".to_string()).boxed(),
        Just("NaN".to_string()).boxed(),
        Just("-1".to_string()).boxed(),
        Just("".to_string()).boxed(),
        Just("true".to_string()).boxed(),
        Just("0.9,0.99".to_string()).boxed(),
    ];
    let pair = (word(), value).prop_map(|(k, v)| format!("{k}={v}"));
    prop_oneof![
        2 => Just(String::new()),
        1 => Just(" ".to_string()),
        3 => word().boxed(),
        6 => proptest::collection::vec(pair, 1..4).prop_map(|v| v.join(", ")),
        1 => Just("method=ets, method=ets".to_string()),
        1 => Just("{\"method\": \"ets\", \"season_length\": 0}".to_string()),
        1 => Just("{".to_string()),
        1 => Just("=".to_string()),
        1 => Just(",,,".to_string()),
        1 => Just("ü€😀\u{0}".replace('\u{0}', "")),
        1 => Just("'; DROP TABLE x; --".to_string()),
        1 => Just("a".repeat(5000)),
        2 => "[a-z_=, .0-9]{0,30}",
    ]
    .boxed()
}

/// How the values of one generated case lean: plain random, a constant series, huge values or
/// non-finite values (so that "constant series" and "all huge" cases are actually reached).
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Random,
    Constant(f64),
    Huge,
    NonFinite,
    Negative,
}

pub fn modes() -> BoxedStrategy<Mode> {
    prop_oneof![
        4 => Just(Mode::Random),
        2 => prop_oneof![Just(0.0), Just(1.0), Just(7.5), Just(-2.0)].prop_map(Mode::Constant),
        1 => Just(Mode::Huge),
        1 => Just(Mode::NonFinite),
        1 => Just(Mode::Negative),
    ]
    .boxed()
}

fn moded(mode: Mode) -> BoxedStrategy<f64> {
    match mode {
        Mode::Random => f64_values(),
        Mode::Constant(c) => prop_oneof![9 => Just(c), 1 => f64_values()].boxed(),
        Mode::Huge => prop_oneof![
            Just(1e308),
            Just(-1e308),
            Just(1e300),
            Just(f64::MAX),
            1e200f64..1e308
        ]
        .boxed(),
        Mode::NonFinite => prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(1.0)
        ]
        .boxed(),
        Mode::Negative => prop_oneof![-1e6f64..0.0, Just(-1.0), Just(-1e-9)].boxed(),
    }
}

/// SQL text of a value of type `t`. `null_weight` in tenths; `day` offsets dates so that rows of a
/// series collide, skip and come unsorted.
pub fn value_sql(
    t: &DataType,
    mode: Mode,
    words: Arc<Vec<String>>,
    depth: usize,
) -> BoxedStrategy<String> {
    let t2 = t.clone();
    let nonnull: BoxedStrategy<String> = match t {
        DataType::Float64 | DataType::Float32 | DataType::Decimal128(_, _) => {
            let sql_t = if matches!(t, DataType::Float32) { "REAL" } else { "DOUBLE" };
            let st = sql_t.to_string();
            moded(mode)
                .prop_map(move |x| f64_sql(x).replace("DOUBLE", &st))
                .boxed()
        }
        DataType::Int64 | DataType::Int32 | DataType::Int16 | DataType::Int8 | DataType::UInt64 | DataType::UInt32 => {
            let sql_t = match t {
                DataType::Int32 => "INT",
                DataType::Int16 => "SMALLINT",
                DataType::Int8 => "TINYINT",
                DataType::UInt64 => "BIGINT UNSIGNED",
                DataType::UInt32 => "INT UNSIGNED",
                _ => "BIGINT",
            }
            .to_string();
            let strat = match mode {
                Mode::Constant(c) => prop_oneof![9 => Just(c as i64), 1 => i64_values()].boxed(),
                Mode::Huge => prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(i32::MAX as i64)].boxed(),
                Mode::Negative => (-1000i64..0).boxed(),
                _ => i64_values(),
            };
            strat
                .prop_map(move |v| format!("arrow_cast(CAST({v} AS DECIMAL(20,0)), '{}')", arrow_name(&sql_t)))
                .boxed()
        }
        DataType::Boolean => prop_oneof![Just("true".to_string()), Just("false".to_string())].boxed(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            text_values(words.clone()).prop_map(|s| quote(&s)).boxed()
        }
        DataType::Date32 | DataType::Date64 => prop_oneof![
            8 => (0i64..40).prop_map(|d| format!("CAST(DATE '2024-01-01' + INTERVAL '{d} days' AS DATE)")),
            1 => Just("DATE '0001-01-01'".to_string()),
            1 => Just("DATE '9999-12-31'".to_string()),
        ]
        .boxed(),
        DataType::Timestamp(_, _) => prop_oneof![
            8 => (0i64..40).prop_map(|h| format!("TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '{h} hours'")),
            1 => Just("TIMESTAMP '1677-09-22 00:00:00'".to_string()),
            1 => Just("TIMESTAMP '2262-04-10 00:00:00'".to_string()),
        ]
        .boxed(),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) if depth < 3 => {
            let item = value_sql(f.data_type(), mode, words.clone(), depth + 1);
            let item2 = item.clone();
            prop_oneof![
                // An empty list of the item type.
                1 => item2.prop_map(|v| format!("array_slice(make_array({v}), 2, 1)")),
                6 => proptest::collection::vec(item, 1..12).prop_map(|v| format!("make_array({})", v.join(", "))),
            ]
            .boxed()
        }
        DataType::Struct(fields) if depth < 3 && !fields.is_empty() => {
            let parts: Vec<BoxedStrategy<String>> = fields
                .iter()
                .map(|f| {
                    let name = quote(f.name());
                    value_sql(f.data_type(), mode, words.clone(), depth + 1)
                        .prop_map(move |v| format!("{name}, {v}"))
                        .boxed()
                })
                .collect();
            parts
                .prop_map(|p| format!("named_struct({})", p.join(", ")))
                .boxed()
        }
        _ => Just("NULL".to_string()).boxed(),
    };
    // A typed NULL needs a non-NULL value of the same type to borrow its type from.
    let nn = nonnull.clone();
    let _ = t2;
    prop_oneof![
        8 => nonnull,
        1 => nn.prop_map(typed_null),
    ]
    .boxed()
}

fn arrow_name(sql_t: &str) -> &'static str {
    match sql_t {
        "INT" => "Int32",
        "SMALLINT" => "Int16",
        "TINYINT" => "Int8",
        "BIGINT UNSIGNED" => "UInt64",
        "INT UNSIGNED" => "UInt32",
        _ => "Int64",
    }
}
