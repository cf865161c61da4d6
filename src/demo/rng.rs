//! Deterministic random numbers for the generator.
//!
//! Every stream is a ChaCha8 generator whose 32-byte seed is derived from the master seed, a table
//! or purpose tag and an index (for example the location or customer number) with SplitMix64. The
//! derivation is written out here rather than taken from `std`'s hasher, whose algorithm may change
//! between Rust releases, so the same seed gives the same data on every build.
//!
//! The samplers are small and written out too, so that the numbers depend only on this file and on
//! the ChaCha8 block function.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64 step: a good 64-bit mixer.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a tag, stable across platforms and releases.
fn fnv1a(tag: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tag.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// A 64-bit seed for stream (`tag`, `index`) under `master`.
pub fn derive_seed(master: u64, tag: &str, index: u64) -> u64 {
    let mut s = master ^ fnv1a(tag).rotate_left(17);
    let a = splitmix64(&mut s);
    let mut t = a ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    splitmix64(&mut t)
}

/// The generator's random stream.
pub struct Rng {
    inner: ChaCha8Rng,
    spare_normal: Option<f64>,
}

impl Rng {
    /// A stream for (`tag`, `index`) under the master seed.
    pub fn new(master: u64, tag: &str, index: u64) -> Self {
        let mut s = derive_seed(master, tag, index);
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut s).to_le_bytes());
        }
        Rng {
            inner: ChaCha8Rng::from_seed(seed),
            spare_normal: None,
        }
    }

    #[inline]
    pub fn u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in [0, n); 0 when n is 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in [lo, hi] (inclusive).
    #[inline]
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability p.
    #[inline]
    pub fn bool(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal (Box-Muller, polar form).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.f64() - 1.0;
            let v = 2.0 * self.f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * m);
                return u * m;
            }
        }
    }

    pub fn normal_ms(&mut self, mean: f64, sd: f64) -> f64 {
        mean + sd * self.normal()
    }

    /// exp(N(mu, sigma)).
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }

    /// A log-normal with the given mean and log-sd.
    pub fn lognormal_mean(&mut self, mean: f64, sigma: f64) -> f64 {
        self.lognormal(mean.ln() - 0.5 * sigma * sigma, sigma)
    }

    /// Exponential with the given rate.
    pub fn exp(&mut self, rate: f64) -> f64 {
        -(1.0 - self.f64()).ln() / rate
    }

    /// Gamma(shape, scale) by Marsaglia and Tsang.
    pub fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        if shape < 1.0 {
            let u = self.f64().max(f64::MIN_POSITIVE);
            return self.gamma(shape + 1.0, scale) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.f64();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v * scale;
            }
        }
    }

    /// Beta(a, b).
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        if x + y <= 0.0 { 0.5 } else { x / (x + y) }
    }

    /// Poisson(lambda): multiplication for small lambda, PTRS (Hörmann 1993) above.
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        if lambda < 12.0 {
            let l = (-lambda).exp();
            let mut k = 0u64;
            let mut p = self.f64();
            while p > l {
                k += 1;
                p *= self.f64();
            }
            return k;
        }
        let slam = lambda.sqrt();
        let loglam = lambda.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.f64() - 0.5;
            let v = self.f64();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k.max(0.0) as u64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + invalpha.ln() - (a / (us * us) + b).ln()
                <= -lambda + k * loglam - ln_gamma(k + 1.0)
            {
                return k as u64;
            }
        }
    }

    /// Number of failures before a success, with the given mean (geometric on 0, 1, 2, ...).
    pub fn geometric(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        let p = 1.0 / (1.0 + mean);
        let u = 1.0 - self.f64();
        (u.ln() / (1.0 - p).ln()).floor().max(0.0) as u64
    }

    /// An index drawn with probability proportional to `weights` (all >= 0).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || weights.is_empty() {
            return 0;
        }
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Cumulative sums for repeated draws; `pick` does a binary search.
pub struct Cumulative {
    pub cum: Vec<f64>,
}

impl Cumulative {
    pub fn new(weights: &[f64]) -> Self {
        let mut cum = Vec::with_capacity(weights.len());
        let mut acc = 0.0;
        for w in weights {
            acc += w.max(0.0);
            cum.push(acc);
        }
        Cumulative { cum }
    }
    pub fn total(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }
    pub fn pick(&self, rng: &mut Rng) -> usize {
        let x = rng.f64() * self.total();
        self.cum
            .partition_point(|c| *c <= x)
            .min(self.cum.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = Rng::new(7, "x", 1);
        let mut b = Rng::new(7, "x", 1);
        let mut c = Rng::new(7, "x", 2);
        let va: Vec<u64> = (0..4).map(|_| a.u64()).collect();
        let vb: Vec<u64> = (0..4).map(|_| b.u64()).collect();
        let vc: Vec<u64> = (0..4).map(|_| c.u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va, vc);
    }

    #[test]
    fn sampler_means() {
        let mut r = Rng::new(1, "means", 0);
        let n = 20_000;
        for lambda in [0.3, 5.0, 40.0] {
            let m: f64 = (0..n).map(|_| r.poisson(lambda) as f64).sum::<f64>() / n as f64;
            assert!(
                (m - lambda).abs() < 0.05 * lambda + 0.02,
                "poisson {lambda}: {m}"
            );
        }
        let g: f64 = (0..n).map(|_| r.gamma(2.0, 3.0)).sum::<f64>() / n as f64;
        assert!((g - 6.0).abs() < 0.2, "gamma {g}");
        let g: f64 = (0..n).map(|_| r.gamma(0.5, 2.0)).sum::<f64>() / n as f64;
        assert!((g - 1.0).abs() < 0.06, "gamma {g}");
        let b: f64 = (0..n).map(|_| r.beta(2.0, 6.0)).sum::<f64>() / n as f64;
        assert!((b - 0.25).abs() < 0.01, "beta {b}");
        let ge: f64 = (0..n).map(|_| r.geometric(3.0) as f64).sum::<f64>() / n as f64;
        assert!((ge - 3.0).abs() < 0.15, "geometric {ge}");
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-10);
    }
}
