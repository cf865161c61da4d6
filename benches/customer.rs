//! Criterion bench of the BG/NBD maximum-likelihood fit (`src/models/customer/bgnbd.rs`).
//!
//! Needs in Cargo.toml:
//! ```toml
//! [[bench]]
//! name = "customer"
//! harness = false
//! ```
//! Run: `cargo bench --bench customer`. The side-by-side comparison with lifetimes is
//! `bench/customer/bench.py` (BENCHMARKS.md, "Customer models"); this bench tracks regressions
//! of the kernel alone.
//!
//! Input: 200,000 simulated customers at day resolution, sized like the benchmark's summary
//! (ages 30–730 days, log-normal purchase rates, drop-out probability uniform on [0, 0.3]; 96 %
//! repeat buyers in 169k distinct (frequency, recency, T) patterns, the benchmark has 157k),
//! from a tiny deterministic LCG.

use std::hint::black_box;

use aisle::models::customer::bgnbd::{BgNbdOptions, fit_bgnbd};
use criterion::{Criterion, criterion_group, criterion_main};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// (frequency, recency, T) in days for `n` simulated customers.
fn customers(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = Lcg(seed);
    let (mut x, mut tx, mut age) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let t_end = (30.0 + 701.0 * rng.next()).floor();
        // purchase rate: log-normal around one purchase in ~25 days; drop-out p in [0, 0.3]
        let z = (-2.0 * rng.next().ln()).sqrt() * (std::f64::consts::TAU * rng.next()).cos();
        let lam = (-3.2 + 1.0 * z).exp();
        let p = 0.3 * rng.next();
        let (mut t, mut k, mut last) = (0.0_f64, 0.0, 0.0);
        loop {
            t += -rng.next().ln() / lam;
            if t > t_end {
                break;
            }
            let day = t.floor();
            if day > last {
                k += 1.0;
                last = day;
            }
            if rng.next() < p {
                break;
            }
        }
        x.push(k);
        tx.push(if k > 0.0 { last } else { 0.0 });
        age.push(t_end);
    }
    (x, tx, age)
}

fn bench(c: &mut Criterion) {
    let (x, tx, age) = customers(200_000, 7);
    let mut g = c.benchmark_group("bgnbd_fit_200k_days");
    g.sample_size(10);
    for threads in [1, 2] {
        let o = BgNbdOptions {
            threads,
            ..Default::default()
        };
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| fit_bgnbd(black_box(&x), black_box(&tx), black_box(&age), &o).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
