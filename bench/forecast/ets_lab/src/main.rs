//! Runs `forecast::forecast` (the same code as the SQL functions) over series dumped by
//! `dump_series.py`, holding out the last 28 values of each: CPU time, mean MASE (the bench's
//! definition, seasonal naive scale m = 7), the chosen models, and optionally one line per
//! series (index, model, first forecast, AICc) to compare two builds.
//!
//!     ets_lab SERIES.bin [LIMIT] ["key=value, ..." forecast options] [OUT.tsv]

#[path = "../../../../src/models/forecast/mod.rs"]
#[allow(dead_code)]
pub mod forecast;

use std::io::Write;
use std::time::Instant;

fn load(path: &str) -> Vec<Vec<f64>> {
    let b = std::fs::read(path).unwrap();
    let n = u32::from_le_bytes(b[0..4].try_into().unwrap()) as usize;
    let mut at = 4;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let len = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        at += 4;
        let y: Vec<f64> = (0..len)
            .map(|i| f64::from_le_bytes(b[at + 8 * i..at + 8 * i + 8].try_into().unwrap()))
            .collect();
        at += 8 * len;
        out.push(y);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let limit: usize = args
        .get(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(usize::MAX);
    let opts_s = args.get(3).cloned().unwrap_or_default();
    let out_path = args.get(4).cloned();
    let mut opts = forecast::ForecastOptions::default();
    for kv in opts_s.split(',').filter(|s| !s.trim().is_empty()) {
        let (k, v) = kv.split_once('=').unwrap();
        opts.set(k.trim(), v.trim()).unwrap();
    }
    let series = load(path);
    let h = 28;
    let levels = [80.0, 95.0];
    let t0 = Instant::now();
    let mut mase_sum = 0.0;
    let mut mase_n = 0usize;
    let mut models: std::collections::BTreeMap<String, usize> = Default::default();
    let mut lines = Vec::new();
    for (i, y) in series.iter().take(limit).enumerate() {
        let n = y.len();
        let train = &y[..n - h];
        let test = &y[n - h..];
        let f = forecast::forecast(train, h, &levels, &opts, &[]).unwrap();
        *models.entry(f.model.clone()).or_default() += 1;
        let m = 7;
        let scale: f64 = train[m..]
            .iter()
            .zip(&train[..n - h - m])
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / (n - h - m) as f64;
        let mae: f64 = test
            .iter()
            .zip(&f.mean)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / h as f64;
        if scale > 0.0 && scale.is_finite() {
            mase_sum += mae / scale;
            mase_n += 1;
        }
        lines.push(format!(
            "{i}\t{}\t{:.6}\t{:.6}",
            f.model,
            f.mean[0],
            f.fit.aicc.unwrap_or(f64::NAN)
        ));
    }
    let el = t0.elapsed().as_secs_f64();
    println!(
        "series {} time {:.3}s mase {:.6}",
        lines.len(),
        el,
        mase_sum / mase_n as f64
    );
    for (k, v) in &models {
        println!("  {k}: {v}");
    }
    if let Some(p) = out_path {
        let mut f = std::fs::File::create(p).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
    }
}
