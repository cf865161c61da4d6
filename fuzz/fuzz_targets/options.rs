//! Fuzz target `options`: the option and argument text of our SQL functions.
//!
//! The input's first byte picks a call, the rest (as UTF-8, lossily) is the text argument under
//! test. Each call runs through the real engine (an in-process `Engine`, no server): the
//! function's own planning-time parsing (options split into `key=value` pairs or read as JSON,
//! duplicate and unknown keys, numbers, enumerations; id and feature column lists; column names of
//! the table functions) and then its execution over a small table. The same text is also fed
//! straight to the model-level parsers (`ForecastOptions::set` per pair, `Method::parse`,
//! `EtsPattern::parse`, `EtsSpec::parse`), which are cheap and get many more executions.
//!
//! The property: no panic (libFuzzer's panic hook aborts on one, wherever it happens), and a
//! refused call is an error with a SQLSTATE that is not XX000 (internal error), as the wire server
//! would classify it (`server::sqlstate::classify`).
#![no_main]

use std::sync::{Arc, OnceLock};

use aisle::engine::{Engine, EngineConfig};
use aisle::models::forecast::{EtsPattern, EtsSpec, ForecastOptions, Method};
use libfuzzer_sys::fuzz_target;

struct Env {
    rt: tokio::runtime::Runtime,
    // Holds the session that owns table `t`.
    ctx: datafusion::prelude::SessionContext,
    _engine: Arc<Engine>,
}

/// Two series (sku 0 and 1) of 30 daily rows, with customers, baskets, items, features, a
/// stock-out flag and a forecast_x future (yx NULL in the last 3 days).
const TABLE: &str = "CREATE TABLE t AS SELECT \
    CAST(value % 2 AS BIGINT) AS sku, \
    CAST(CAST(19723 + value / 2 AS INT) AS DATE) AS ds, \
    CAST((value * 7) % 11 AS DOUBLE) AS y, \
    CASE WHEN value / 2 >= 27 THEN NULL ELSE CAST((value * 7) % 11 AS DOUBLE) END AS yx, \
    CAST(value % 3 = 0 AS BOOLEAN) AS promo, \
    value % 9 = 0 AS stockout, \
    CAST(value % 5 AS BIGINT) AS customer, \
    10.0 + CAST(value % 7 AS DOUBLE) AS amount, \
    CAST(value / 3 AS BIGINT) AS basket, \
    CAST(value % 4 AS BIGINT) AS item, \
    CAST(value % 3 AS DOUBLE) AS f1, \
    CAST(value % 5 AS DOUBLE) * 0.5 AS f2 \
    FROM range(60)";

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (engine, ctx) = rt.block_on(async {
            let engine = Engine::open(EngineConfig {
                target_partitions: Some(1),
                ..Default::default()
            })
            .await
            .expect("open the engine");
            let ctx = engine.new_session();
            ctx.sql(TABLE)
                .await
                .expect("plan the fuzz table")
                .collect()
                .await
                .expect("create the fuzz table");
            (engine, ctx)
        });
        Env {
            rt,
            ctx,
            _engine: engine,
        }
    })
}

/// The calls; `{}` is the fuzzed text (inside a SQL string literal).
const CALLS: &[&str] = &[
    "SELECT sku, forecast(ds, y, 3, '{}') FROM t GROUP BY sku",
    "SELECT sku, forecast(ds, y, 3, '{}', NOT stockout) FROM t GROUP BY sku",
    "SELECT sku, forecast_backtest(ds, y, 2, '{}') FROM t GROUP BY sku",
    "SELECT sku, demand_profile(ds, y, '{}') FROM t GROUP BY sku",
    "SELECT sku, forecast_x(ds, yx, 3, named_struct('promo', promo), '{}') FROM t GROUP BY sku",
    "SELECT * FROM forecast_table('t', 'sku', 'ds', 'y', 3, '{}')",
    "SELECT * FROM forecast_backtest_table('t', 'sku', 'ds', 'y', 2, '{}')",
    "SELECT * FROM forecast_table('t', '{}', 'ds', 'y', 2)",
    "SELECT * FROM forecast_table('{}', 'sku', 'ds', 'y', 2)",
    "SELECT * FROM rfm_table('t', 'customer', 'ds', 'amount', '{}')",
    "SELECT * FROM rfm_table('t', '{}', 'ds', 'amount')",
    "SELECT * FROM kmeans_table('t', 'customer', 'f1,f2', 2, '{}')",
    "SELECT * FROM kmeans_table('t', '{}', 'f1,f2', 2)",
    "SELECT * FROM kmeans_table('t', 'customer', '{}', 2)",
    "SELECT * FROM association_rules_table('t', 'basket', 'item', 0.1, 0.2, '{}')",
    "SELECT * FROM association_rules_table('t', '{}', 'item', 0.1, 0.2)",
];

/// The model-level parsers, straight.
fn models(text: &str) {
    let mut o = ForecastOptions::default();
    for piece in text.split(',') {
        if let Some((k, v)) = piece.split_once('=') {
            let _ = o.set(k, v);
        }
    }
    let _ = Method::parse(text);
    let _ = EtsPattern::parse(text);
    let _ = EtsSpec::parse(text);
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    models(&text);
    let sql = CALLS[pick as usize % CALLS.len()].replace("{}", &text.replace('\'', "''"));
    let env = env();
    let ctx = env.ctx.clone();
    let outcome = env.rt.block_on(async move {
        match ctx.sql(&sql).await {
            Ok(df) => df.collect().await.map(|_| ()),
            Err(e) => Err(e),
        }
    });
    if let Err(e) = outcome {
        let pg = aisle::server::sqlstate::classify(&e);
        assert_ne!(
            pg.code, "XX000",
            "internal error (XX000) for option text {text:?}: {}",
            pg.message
        );
    }
});
