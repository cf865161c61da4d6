//! Property tests over every SQL function aisle registers (scalar, aggregate and table
//! functions), driven by the functions themselves: arity and parameter names come from each
//! function's `Documentation`, the accepted types from its own type check (probed with NULL in
//! the other positions), and values of those types are generated hostile — NULL, NaN,
//! ±Infinity, negatives, zero, huge and tiny numbers, empty lists, one-element and constant
//! series, duplicate / unsorted / far-apart dates, odd option text. The results of our fits
//! (models, forecasts, backtests) are types too, so the functions that read them get
//! generated structs and lists of structs.
//!
//! Every call runs through SQL on a session of the real engine over the shared demo dataset.
//! The property: no panic, no hang, and the result is a value or an error that maps to a
//! SQLSTATE other than XX000 (`server::sqlstate::classify`, which finds a `SqlError` first).
//! Each function must also get past planning at least once, so the generator really reaches it.
//!
//! Cases per function: `AISLE_PROPTEST_CASES` (default 64; table functions a quarter of that).
//! Long run: `AISLE_PROPTEST_CASES=2000 cargo nextest run --test properties`.
mod common;
#[path = "properties/sqlgen.rs"]
mod sqlgen;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlgen::{FnSpec, Mode};

fn cases() -> u32 {
    std::env::var("AISLE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Value(usize),
    PlanError(String),
    ExecError(String),
}

#[derive(Default, Debug)]
struct Tally {
    values: usize,
    plan_errors: BTreeMap<String, usize>,
    exec_errors: BTreeMap<String, usize>,
}

type Tallies = Arc<Mutex<BTreeMap<String, Tally>>>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Run one query on its own task: a panic anywhere in planning or execution surfaces as a
/// `JoinError`, a query that does not finish in 120 s is a hang.
/// Statements before this marker set a case up (the table a table function reads); their
/// failure is a bug of the generator, not an outcome of the function.
const SETUP_END: &str = "\n-- end of setup\n";

fn run(rt: &tokio::runtime::Runtime, ctx: &SessionContext, sql: &str) -> Result<Outcome, String> {
    let ctx = ctx.clone();
    let (setup, q) = match sql.split_once(SETUP_END) {
        Some((s, q)) => (Some(s.to_string()), q.to_string()),
        None => (None, sql.to_string()),
    };
    if let Some(setup) = setup {
        let c = ctx.clone();
        rt.block_on(async move {
            match c.sql(&setup).await {
                Ok(df) => df.collect().await.map(|_| ()),
                Err(e) => Err(e),
            }
        })
        .map_err(|e| {
            format!(
                "the generated setup failed: {e}\nsetup: {setup_text}",
                setup_text = sql
            )
        })?;
    }
    rt.block_on(async move {
        let mut task = tokio::spawn(async move {
            let df = match ctx.sql(&q).await {
                Ok(df) => df,
                Err(e) => return Err((true, e)),
            };
            let batches = df.collect().await.map_err(|e| (false, e))?;
            // Formatting every value must not panic either (the wire encodes them too).
            let _ = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                .map(|t| t.to_string());
            Ok(batches.iter().map(|b| b.num_rows()).sum::<usize>())
        });
        match tokio::time::timeout(Duration::from_secs(120), &mut task).await {
            Err(_) => {
                task.abort();
                Err("hang: no answer in 120 s".to_string())
            }
            Ok(Err(j)) if j.is_panic() => {
                let p = j.into_panic();
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("panic: {msg}"))
            }
            Ok(Err(j)) => Err(format!("task failed: {j}")),
            Ok(Ok(Ok(n))) => Ok(Outcome::Value(n)),
            Ok(Ok(Err((plan, e)))) => {
                let pg = aisle::server::sqlstate::classify(&e);
                if pg.code == "XX000" || pg.code.len() != 5 || pg.message.trim().is_empty() {
                    return Err(format!(
                        "error without a user SQLSTATE: {} {} (from {e})",
                        pg.code, pg.message
                    ));
                }
                Ok(if plan {
                    Outcome::PlanError(pg.code)
                } else {
                    Outcome::ExecError(pg.code)
                })
            }
        }
    })
}

/// Every documented function with the types each parameter accepts.
fn specs() -> Vec<FnSpec> {
    let scalars = aisle::udfs::scalar_functions();
    let aggs = aisle::udfs::aggregate_functions();
    let mut specs: Vec<FnSpec> = aisle::udfs::documented_functions()
        .iter()
        .map(|(n, k, d)| sqlgen::spec_from_doc(n, k, d))
        .collect();
    let mut cands = sqlgen::base_candidates();
    for pass in 0..2 {
        let mut extra = Vec::new();
        for s in specs.iter_mut() {
            if let Some(f) = scalars.iter().find(|f| f.name() == s.name) {
                sqlgen::probe_scalar(s, f, &cands);
                if pass == 0 {
                    extra.extend(sqlgen::typical_return(s, |ts| {
                        f.coerce_types(ts).and_then(|c| f.return_type(&c)).ok()
                    }));
                }
            } else if let Some(f) = aggs.iter().find(|f| f.name() == s.name) {
                sqlgen::probe_aggregate(s, f, &cands);
                if pass == 0 {
                    extra.extend(sqlgen::typical_return(s, |ts| {
                        f.coerce_types(ts).and_then(|c| f.return_type(&c)).ok()
                    }));
                }
            }
        }
        for t in extra {
            if !cands.contains(&t) && !matches!(t, DataType::Null) {
                cands.push(t);
            }
        }
    }
    specs
}

/// A column value strategy for one parameter: one of its accepted types (or, when the probe
/// found none, NULL) rendered hostile.
fn param_type(p: &sqlgen::Param) -> BoxedStrategy<Option<DataType>> {
    if p.types.is_empty() {
        Just(None).boxed()
    } else {
        proptest::sample::select(p.types.clone())
            .prop_map(Some)
            .boxed()
    }
}

fn values_of(t: &Option<DataType>, mode: Mode, words: &Arc<Vec<String>>) -> BoxedStrategy<String> {
    match t {
        Some(t) => sqlgen::value_sql(t, mode, words.clone(), 0),
        None => Just("NULL".to_string()).boxed(),
    }
}

/// SQL for one scalar call: literals only (the scalar path) or columns of a VALUES list (the
/// array path), constants always literal.
fn scalar_case(spec: &FnSpec) -> BoxedStrategy<String> {
    let spec = spec.clone();
    let n = spec.params.len();
    let req = spec.required.min(n);
    let types: Vec<_> = spec.params.iter().map(param_type).collect();
    (req..=n, sqlgen::modes(), types, 0usize..4)
        .prop_flat_map(move |(k, mode, types, rows)| {
            let spec = spec.clone();
            let cols: Vec<BoxedStrategy<Vec<String>>> = (0..k)
                .map(|i| {
                    let len = if spec.params[i].constant || rows == 0 {
                        1
                    } else {
                        rows
                    };
                    proptest::collection::vec(values_of(&types[i], mode, &spec.words), len..=len)
                        .boxed()
                })
                .collect();
            (Just(spec), Just(rows), cols)
        })
        .prop_map(|(spec, rows, cols)| {
            let mut args = Vec::new();
            let mut value_cols = Vec::new();
            for (i, c) in cols.iter().enumerate() {
                if c.len() == 1 && (rows == 0 || spec.params[i].constant) {
                    args.push(c[0].clone());
                } else {
                    args.push(format!("c{i}"));
                    value_cols.push((i, c.clone()));
                }
            }
            let call = format!("{}({})", spec.name, args.join(", "));
            if value_cols.is_empty() {
                format!("SELECT {call} AS r")
            } else {
                let rows_sql: Vec<String> = (0..rows)
                    .map(|r| {
                        let vals: Vec<String> =
                            value_cols.iter().map(|(_, c)| c[r].clone()).collect();
                        format!("({})", vals.join(", "))
                    })
                    .collect();
                let names: Vec<String> = value_cols.iter().map(|(i, _)| format!("c{i}")).collect();
                format!(
                    "SELECT {call} AS r FROM (VALUES {}) AS t({})",
                    rows_sql.join(", "),
                    names.join(", ")
                )
            }
        })
        .boxed()
}

/// SQL for one aggregate call over 0..40 generated rows in up to three groups.
fn aggregate_case(spec: &FnSpec) -> BoxedStrategy<String> {
    let spec = spec.clone();
    let n = spec.params.len();
    let req = spec.required.min(n);
    let types: Vec<_> = spec.params.iter().map(param_type).collect();
    (
        req..=n,
        sqlgen::modes(),
        types,
        prop_oneof![1 => Just(0usize), 1 => Just(1usize), 4 => 2usize..40],
    )
        .prop_flat_map(move |(k, mode, types, rows)| {
            let spec = spec.clone();
            let cols: Vec<BoxedStrategy<Vec<String>>> = (0..k)
                .map(|i| {
                    let len = if spec.params[i].constant {
                        1
                    } else {
                        rows.max(1)
                    };
                    proptest::collection::vec(values_of(&types[i], mode, &spec.words), len..=len)
                        .boxed()
                })
                .collect();
            let groups = proptest::collection::vec(0u8..3, rows.max(1)..=rows.max(1));
            (Just(spec), Just(rows), cols, groups)
        })
        .prop_map(|(spec, rows, cols, groups)| {
            let mut args = Vec::new();
            let mut value_cols = Vec::new();
            for (i, c) in cols.iter().enumerate() {
                if spec.params[i].constant {
                    args.push(c[0].clone());
                } else {
                    args.push(format!("c{i}"));
                    value_cols.push(c.clone());
                }
            }
            let rows_sql: Vec<String> = (0..rows.max(1))
                .map(|r| {
                    let mut vals = vec![groups[r].to_string()];
                    vals.extend(value_cols.iter().map(|c| c[r].clone()));
                    format!("({})", vals.join(", "))
                })
                .collect();
            let mut names = vec!["g".to_string()];
            names.extend((0..value_cols.len()).map(|j| format!("c{}", j)));
            // Column names follow the argument order of the call.
            let mut j = 0;
            let args: Vec<String> = args
                .into_iter()
                .map(|a| {
                    if a.starts_with('c') && a[1..].chars().all(|c| c.is_ascii_digit()) {
                        let s = format!("c{j}");
                        j += 1;
                        s
                    } else {
                        a
                    }
                })
                .collect();
            let call = format!("{}({})", spec.name, args.join(", "));
            let filter = if rows == 0 { " WHERE false" } else { "" };
            format!(
                "SELECT g, {call} AS r FROM (VALUES {}) AS t({}){filter} GROUP BY g ORDER BY g",
                rows_sql.join(", "),
                names.join(", ")
            )
        })
        .boxed()
}

/// The columns of the generated table a table function reads (`fz`), by the role an argument
/// name asks for; the first choice is the right one, the others are wrong on purpose.
fn column_choices(param: &str) -> Vec<&'static str> {
    match param {
        "id_cols" => vec!["id", "id, g", "", "nope", "id,id", "y"],
        "ds_col" | "date_col" => vec!["ds", "y", "nope", "ok"],
        "y_col" | "amount_col" => vec!["y", "ds", "nope", "ok"],
        "customer_col" | "basket_col" => vec!["id", "y", "nope"],
        "item_col" => vec!["item", "f1", "nope"],
        "feature_cols" => vec!["f1, f2", "f1", "ds", "", "f1,nope", "f1, f1"],
        _ => vec!["id", "g", "ds", "y", "item", "f1", "f2", "ok", "nope", ""],
    }
}

/// A number argument of a table function (horizon, k, min_support, ...): mostly sensible,
/// often hostile.
fn number_arg(name: &str) -> BoxedStrategy<String> {
    let typical: BoxedStrategy<String> = if name.contains("support") || name.contains("confidence")
    {
        proptest::sample::select(vec!["0.05", "0.1", "0.3", "0.5"])
            .prop_map(str::to_string)
            .boxed()
    } else {
        (1i64..5).prop_map(|v| v.to_string()).boxed()
    };
    prop_oneof![
        12 => typical,
        2 => proptest::sample::select(vec!["0.1", "0.5", "0.9", "1", "0"]).prop_map(str::to_string),
        1 => Just("NULL".to_string()),
        1 => Just("-1".to_string()),
        1 => Just("1e308".to_string()),
        1 => Just("10001".to_string()),
        1 => Just("CAST('NaN' AS DOUBLE)".to_string()),
        1 => Just("9223372036854775807".to_string()),
    ]
    .boxed()
}

/// One table-function case: a hostile table `fz` (0, 1 or 2..40 rows; NULL / NaN / ±inf /
/// huge / negative / constant values; ds as DATE, TIMESTAMP or BIGINT, repeated, unsorted and at
/// the ends of the range; NULL ids) created in the setup, then the function called on it with
/// arguments chosen by their names: the table, column names (right or wrong), numbers, option
/// text from the function's own vocabulary.
fn table_case(spec: &FnSpec) -> BoxedStrategy<String> {
    let spec = spec.clone();
    let n = spec.params.len();
    let req = spec.required.min(n);
    let ds_types = vec![
        (DataType::Date32, "DATE"),
        (
            DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Nanosecond, None),
            "TIMESTAMP",
        ),
        (DataType::Int64, "BIGINT"),
    ];
    (
        req..=n,
        sqlgen::modes(),
        proptest::sample::select(ds_types),
        prop_oneof![1 => Just(0usize), 1 => Just(1usize), 4 => 2usize..40],
    )
        .prop_flat_map(move |(k, mode, (ds_t, ds_sql), rows)| {
            let words = spec.words.clone();
            let small_id = || {
                prop_oneof![
                    8 => (0i64..3).prop_map(|v| v.to_string()),
                    1 => Just("CAST(NULL AS BIGINT)".to_string()),
                    1 => sqlgen::i64_values().prop_map(|v| format!("CAST({v} AS DECIMAL(20,0))")),
                ]
            };
            let f = || sqlgen::value_sql(&DataType::Float64, mode, words.clone(), 0);
            let row = (
                small_id(),
                small_id(),
                sqlgen::value_sql(&ds_t, mode, words.clone(), 0),
                f(),
                (0i64..6).prop_map(|v| v.to_string()),
                f(),
                f(),
                prop_oneof![Just("true"), Just("false"), Just("CAST(NULL AS BOOLEAN)")],
            )
                .prop_map(|(id, g, ds, y, item, f1, f2, ok)| {
                    format!("({id}, {g}, {ds}, {y}, {item}, {f1}, {f2}, {ok})")
                });
            let table_rows = proptest::collection::vec(row, rows.max(1)..=rows.max(1));
            let args: Vec<BoxedStrategy<String>> = spec.params[..k]
                .iter()
                .map(|p| {
                    let name = p.name.as_str();
                    if name == "table" {
                        prop_oneof![9 => Just("'fz'".to_string()), 1 => Just("'no_such_table'".to_string())].boxed()
                    } else if name == "options" {
                        prop_oneof![
                            1 => Just("''".to_string()),
                            1 => sqlgen::text_values(spec.words.clone()).prop_map(|t| sqlgen::quote(&t)),
                        ]
                        .boxed()
                    } else if name.ends_with("_col") || name.ends_with("_cols") {
                        let c = column_choices(name);
                        let right = c[0];
                        prop_oneof![
                            8 => Just(sqlgen::quote(right)),
                            2 => proptest::sample::select(c).prop_map(sqlgen::quote),
                        ]
                        .boxed()
                    } else {
                        number_arg(name)
                    }
                })
                .collect();
            (Just(spec.name.clone()), Just(ds_sql), Just(rows), table_rows, args)
        })
        .prop_map(|(name, ds_sql, rows, table_rows, args)| {
            let filter = if rows == 0 { " WHERE false" } else { "" };
            format!(
                "CREATE OR REPLACE TABLE fz AS SELECT CAST(id AS BIGINT) AS id, \
                 CAST(g AS BIGINT) AS g, CAST(ds AS {ds_sql}) AS ds, CAST(y AS DOUBLE) AS y, \
                 CAST(item AS BIGINT) AS item, CAST(f1 AS DOUBLE) AS f1, \
                 CAST(f2 AS DOUBLE) AS f2, CAST(ok AS BOOLEAN) AS ok \
                 FROM (VALUES {}) AS v(id, g, ds, y, item, f1, f2, ok){filter}{SETUP_END}\
                 SELECT * FROM {name}({})",
                table_rows.join(", "),
                args.join(", ")
            )
        })
        .boxed()
}

fn check_all(
    specs: Vec<FnSpec>,
    ctx: SessionContext,
    rt: &tokio::runtime::Runtime,
    cases: u32,
    case_of: impl Fn(&FnSpec) -> BoxedStrategy<String>,
) {
    let tallies: Tallies = Arc::default();
    let mut failures = Vec::new();
    for spec in &specs {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        });
        let name = spec.name.clone();
        let result = runner.run(&case_of(spec), |sql| {
            let out = run(rt, &ctx, &sql).map_err(|e| {
                let short: String = sql.chars().take(3000).collect();
                TestCaseError::fail(format!("{e}\nSQL ({} chars): {short}", sql.len()))
            })?;
            let mut t = tallies.lock().unwrap();
            let t = t.entry(name.clone()).or_default();
            match out {
                Outcome::Value(_) => t.values += 1,
                Outcome::PlanError(c) => *t.plan_errors.entry(c).or_default() += 1,
                Outcome::ExecError(c) => *t.exec_errors.entry(c).or_default() += 1,
            }
            Ok(())
        });
        if let Err(e) = result {
            failures.push(format!("{}: {e}", spec.name));
        }
    }
    let tallies = tallies.lock().unwrap();
    let mut never_reached = Vec::new();
    for spec in &specs {
        let t = tallies.get(&spec.name);
        let (v, pe, ee) = t
            .map(|t| (t.values, t.plan_errors.clone(), t.exec_errors.clone()))
            .unwrap_or_default();
        let types: Vec<String> = spec
            .params
            .iter()
            .map(|p| format!("{}:{}", p.name, p.types.len()))
            .collect();
        eprintln!(
            "{:<40} values {v:>4}  exec errors {ee:?}  plan errors {pe:?}  [{}]",
            spec.name,
            types.join(" ")
        );
        if v + ee.values().sum::<usize>() == 0 && t.is_some() {
            never_reached.push(spec.name.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "{} function(s) failed the property:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        never_reached.is_empty(),
        "the generator never got past planning for: {never_reached:?}"
    );
}

fn engine_session(rt: &tokio::runtime::Runtime) -> SessionContext {
    let engine = rt.block_on(common::demo_engine());
    engine.new_session()
}

#[test]
fn scalar_functions_never_panic() {
    let rt = runtime();
    let ctx = engine_session(&rt);
    let specs: Vec<FnSpec> = specs().into_iter().filter(|s| s.kind == "scalar").collect();
    assert!(
        specs.len() >= 30,
        "only {} scalar functions found",
        specs.len()
    );
    check_all(specs, ctx, &rt, cases(), scalar_case);
}

#[test]
fn aggregate_functions_never_panic() {
    let rt = runtime();
    let ctx = engine_session(&rt);
    let specs: Vec<FnSpec> = specs()
        .into_iter()
        .filter(|s| s.kind == "aggregate")
        .collect();
    assert!(
        specs.len() >= 10,
        "only {} aggregate functions found",
        specs.len()
    );
    check_all(specs, ctx, &rt, cases(), aggregate_case);
}

/// The table functions (forecast_table, forecast_backtest_table, rfm_table,
/// association_rules_table, kmeans_table, and any registered later) over generated hostile
/// tables. Cases: a quarter of `AISLE_PROPTEST_CASES` (at least 8) per function.
#[test]
fn table_functions_never_panic() {
    let rt = runtime();
    let ctx = engine_session(&rt);
    let specs: Vec<FnSpec> = specs().into_iter().filter(|s| s.kind == "table").collect();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    for f in [
        "forecast_table",
        "forecast_backtest_table",
        "rfm_table",
        "association_rules_table",
        "kmeans_table",
    ] {
        assert!(
            names.contains(&f),
            "{f} is not among the table functions {names:?}"
        );
    }
    check_all(specs, ctx, &rt, (cases() / 4).max(8), table_case);
}

#[test]
fn syntax_parser_reads_optional_arguments() {
    let (names, req) = sqlgen::parse_syntax("f(a, b[, c[, d]])");
    assert_eq!(names, vec!["a", "b", "c", "d"]);
    assert_eq!(req, 2);
    let (names, req) = sqlgen::parse_syntax("g(x)");
    assert_eq!((names.len(), req), (1, 1));
}
