//! Test-only access to the statsforecast reference fixtures in `tests/fixtures/forecast/`
//! (made by `make_fixtures.py` there). `null` in the JSON means NaN.

use serde_json::Value;

pub const SERIES: &str = include_str!("../../../tests/fixtures/forecast/series.json");
pub const BASELINES: &str = include_str!("../../../tests/fixtures/forecast/baselines.json");
pub const INTERMITTENT: &str = include_str!("../../../tests/fixtures/forecast/intermittent.json");
pub const ETS: &str = include_str!("../../../tests/fixtures/forecast/ets.json");
pub const THETA: &str = include_str!("../../../tests/fixtures/forecast/theta.json");

pub struct Series {
    pub id: String,
    pub m: usize,
    pub y: Vec<f64>,
}

pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture JSON")
}

pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        _ => f64::NAN,
    }
}

pub fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(num).collect())
        .unwrap_or_default()
}

pub fn series() -> Vec<Series> {
    let v = parse(SERIES);
    v["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Series {
            id: s["id"].as_str().unwrap().to_string(),
            m: s["m"].as_u64().unwrap() as usize,
            y: nums(&s["y"]),
        })
        .collect()
}

/// Relative difference `|a − b| / max(|b|, floor)`; NaN-equal values compare as 0.
pub fn rel(a: f64, b: f64, floor: f64) -> f64 {
    if a.is_nan() && b.is_nan() {
        return 0.0;
    }
    (a - b).abs() / b.abs().max(floor)
}
