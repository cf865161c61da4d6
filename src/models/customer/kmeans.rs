//! k-means clustering of customers (or SKUs) on a few numeric features.
//!
//! * Features are standardised (z-score with the population standard deviation, like
//!   scikit-learn's `StandardScaler`); the means and standard deviations are returned so
//!   [`KMeansModel::assign`] can place new rows. A constant feature gets standard deviation 1
//!   (it then carries no weight), as in scikit-learn.
//! * Seeding is scikit-learn's greedy k-means++ (2 + ln k candidate centres per step, keep the
//!   one that lowers the potential most) driven by our own seeded PRNG, so a seed gives the same
//!   clustering on every machine and thread count (scikit-learn's own random stream cannot be
//!   reproduced, so the seeds differ; quality is compared instead).
//! * Lloyd iterations follow scikit-learn's `lloyd` exactly: stop when no label changes ("strict
//!   convergence") or when the summed squared centre shift is <= `tol` × mean feature variance;
//!   an empty cluster takes the point farthest from its centre; a final assignment step makes
//!   labels consistent with the returned centres. From the same initial centres the inertia
//!   equals scikit-learn's (test: 1e-6 relative; observed ~1e-15).
//! * `n_init` restarts keep the lowest inertia.
//! * The assignment step runs on `threads` OS threads over fixed-size chunks whose partial sums
//!   are reduced in chunk order, so results do not depend on the thread count.

use super::error::{CustomerError, Result, check_lengths};
use super::rng::Rng;

/// Options. Defaults: k = 8, n_init = 3, max_iter = 300, tol = 1e-4, seed = 0, standardise,
/// one thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansOptions {
    pub k: usize,
    pub n_init: usize,
    pub max_iter: usize,
    pub tol: f64,
    pub seed: u64,
    pub standardize: bool,
    pub threads: usize,
}

impl Default for KMeansOptions {
    fn default() -> Self {
        KMeansOptions {
            k: 8,
            n_init: 3,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            standardize: true,
            threads: 1,
        }
    }
}

/// A fitted clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansModel {
    pub k: usize,
    pub dims: usize,
    /// Per feature: the mean and standard deviation used to standardise (0 and 1 when
    /// `standardize` is off).
    pub means: Vec<f64>,
    pub stds: Vec<f64>,
    /// Centroids in the standardised space, `k` rows of `dims`.
    pub centroids: Vec<Vec<f64>>,
    /// Sum of squared distances of rows to their centroid, in the standardised space.
    pub inertia: f64,
    /// Lloyd iterations of the kept run.
    pub n_iter: usize,
    /// Cluster of each input row (0-based) and the cluster sizes.
    pub labels: Vec<u32>,
    pub sizes: Vec<u64>,
}

/// Rows per chunk of the parallel assignment step; fixed so results do not depend on threads.
const CHUNK: usize = 4096;

/// Row-major standardised copy of the columns, with the means and standard deviations.
struct Data {
    x: Vec<f64>,
    n: usize,
    d: usize,
    means: Vec<f64>,
    stds: Vec<f64>,
    /// per-feature variance of `x` (1 for standardised features, 0 for constant ones)
    vars: Vec<f64>,
}

fn validate_options(o: &KMeansOptions) -> Result<()> {
    if o.k == 0 {
        return Err(CustomerError::InvalidParameter(
            "k must be at least 1, got 0".into(),
        ));
    }
    if o.n_init == 0 || o.n_init > 1000 {
        return Err(CustomerError::InvalidParameter(format!(
            "n_init must be between 1 and 1000, got {}",
            o.n_init
        )));
    }
    if o.max_iter == 0 {
        return Err(CustomerError::InvalidParameter(
            "max_iter must be at least 1, got 0".into(),
        ));
    }
    if !(o.tol.is_finite() && o.tol >= 0.0) {
        return Err(CustomerError::InvalidParameter(format!(
            "tol must be a finite number >= 0, got {}",
            o.tol
        )));
    }
    if o.threads == 0 || o.threads > 256 {
        return Err(CustomerError::InvalidParameter(format!(
            "threads must be between 1 and 256, got {}",
            o.threads
        )));
    }
    Ok(())
}

fn prepare(columns: &[&[f64]], standardize: bool) -> Result<Data> {
    if columns.is_empty() {
        return Err(CustomerError::Empty(
            "k-means needs at least one feature column, got none".into(),
        ));
    }
    let d = columns.len();
    let names: Vec<String> = (0..d).map(|j| format!("feature {j}")).collect();
    let name_refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let lens: Vec<usize> = columns.iter().map(|c| c.len()).collect();
    let n = check_lengths(&name_refs, &lens)?;
    if n == 0 {
        return Err(CustomerError::Empty(
            "k-means needs at least one row, got none".into(),
        ));
    }
    let mut means = vec![0.0; d];
    let mut stds = vec![1.0; d];
    let mut vars = vec![0.0; d];
    for (j, col) in columns.iter().enumerate() {
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            return Err(CustomerError::InvalidValue(format!(
                "feature {j} at row {i} must be a finite number, got {}; filter or impute NULL/NaN first",
                col[i]
            )));
        }
        let mean = col.iter().sum::<f64>() / n as f64;
        let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        if standardize {
            means[j] = mean;
            stds[j] = if var > 0.0 { var.sqrt() } else { 1.0 };
            vars[j] = if var > 0.0 { 1.0 } else { 0.0 };
        } else {
            vars[j] = var;
        }
    }
    let mut x = vec![0.0; n * d];
    for (j, col) in columns.iter().enumerate() {
        let (m, s) = (means[j], stds[j]);
        for (i, v) in col.iter().enumerate() {
            x[i * d + j] = (v - m) / s;
        }
    }
    Ok(Data {
        x,
        n,
        d,
        means,
        stds,
        vars,
    })
}

#[inline]
fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Nearest centre (lowest index on ties) and the squared distance.
#[inline]
fn nearest(row: &[f64], centers: &[f64], d: usize) -> (u32, f64) {
    let mut best = (0u32, f64::INFINITY);
    for (c, cen) in centers.chunks_exact(d).enumerate() {
        let dd = dist2(row, cen);
        if dd < best.1 {
            best = (c as u32, dd);
        }
    }
    best
}

/// Per-chunk result of an assignment step.
struct Partial {
    sums: Vec<f64>,
    counts: Vec<u64>,
}

/// Assigns every row to its nearest centre (writing `labels`) and returns the per-cluster sums
/// and counts, reduced in chunk order.
fn assign_step(
    data: &Data,
    centers: &[f64],
    k: usize,
    labels: &mut [u32],
    threads: usize,
) -> (Vec<f64>, Vec<u64>) {
    let d = data.d;
    let ct = transpose(centers, k, d);
    let work = |rows: &[f64], labs: &mut [u32]| -> Partial {
        let mut p = Partial {
            sums: vec![0.0; k * d],
            counts: vec![0; k],
        };
        assign_rows(rows, d, k, &ct, labs, &mut p);
        p
    };
    let chunks: Vec<(&[f64], &mut [u32])> = data
        .x
        .chunks(CHUNK * d)
        .zip(labels.chunks_mut(CHUNK))
        .collect();
    let partials: Vec<Partial> = run_chunks(chunks, threads, |(r, l)| work(r, l));
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0u64; k];
    for p in partials {
        for (s, v) in sums.iter_mut().zip(&p.sums) {
            *s += v;
        }
        for (c, v) in counts.iter_mut().zip(&p.counts) {
            *c += v;
        }
    }
    (sums, counts)
}

/// Runs `work` over the items (chunks of rows with whatever else they need) on up to `threads`
/// threads (contiguous runs of items per thread) and returns the results in item order.
fn run_chunks<C, T, F>(items: Vec<C>, threads: usize, work: F) -> Vec<T>
where
    C: Send,
    T: Send,
    F: Fn(C) -> T + Sync,
{
    let threads = threads.min(items.len()).max(1);
    if threads == 1 {
        return items.into_iter().map(&work).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut groups: Vec<Vec<C>> = Vec::new();
    let mut it = items.into_iter();
    loop {
        let g: Vec<C> = it.by_ref().take(per).collect();
        if g.is_empty() {
            break;
        }
        groups.push(g);
    }
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|g| s.spawn(move || g.into_iter().map(work).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("k-means worker does not panic"))
            .collect()
    })
}

/// Centres transposed to `d × k`, so the distances from one row to all centres are `k`
/// independent accumulators the compiler vectorises (a per-centre sum over features is one long
/// dependency chain). Each distance still adds its features in order, so the values are the
/// same as [`dist2`]'s.
fn transpose(centers: &[f64], k: usize, d: usize) -> Vec<f64> {
    let mut ct = vec![0.0; k * d];
    for c in 0..k {
        for j in 0..d {
            ct[j * k + c] = centers[c * d + j];
        }
    }
    ct
}

/// Squared distances from `row` to every centre of `ct` (transposed, `d × k`) into `out`.
#[inline]
fn dists_to_all(row: &[f64], ct: &[f64], out: &mut [f64]) {
    let k = out.len();
    out.fill(0.0);
    for (j, &xj) in row.iter().enumerate() {
        for (o, &c) in out.iter_mut().zip(&ct[j * k..(j + 1) * k]) {
            let t = xj - c;
            *o += t * t;
        }
    }
}

/// Labels `rows` by their nearest centre (`ct` transposed, `d × k`) and accumulates the
/// per-cluster sums and counts. Small k (the usual case) runs a fixed-size kernel whose
/// accumulators live in registers; the general path handles any k. Both give identical labels.
fn assign_rows(rows: &[f64], d: usize, k: usize, ct: &[f64], labs: &mut [u32], p: &mut Partial) {
    macro_rules! fixed {
        ($($k:literal)*) => {
            match k {
                $($k => return assign_rows_fixed::<$k>(rows, d, ct, labs, p),)*
                _ => {}
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
    let mut dist = vec![0.0; k];
    for (row, lab) in rows.chunks_exact(d).zip(labs.iter_mut()) {
        dists_to_all(row, ct, &mut dist);
        let c = argmin(&dist);
        *lab = c as u32;
        p.counts[c] += 1;
        for (s, v) in p.sums[c * d..(c + 1) * d].iter_mut().zip(row) {
            *s += v;
        }
    }
}

fn assign_rows_fixed<const K: usize>(
    rows: &[f64],
    d: usize,
    ct: &[f64],
    labs: &mut [u32],
    p: &mut Partial,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { assign_rows_fixed_avx2::<K>(rows, d, ct, labs, p) };
        return;
    }
    assign_rows_fixed_body::<K>(rows, d, ct, labs, p)
}

/// The same kernel compiled for AVX2 (4 lanes instead of SSE2's 2). No FMA contraction happens
/// (Rust does not fuse `a * b + c`), so the distances, and the labels, are bit-identical to the
/// portable kernel's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn assign_rows_fixed_avx2<const K: usize>(
    rows: &[f64],
    d: usize,
    ct: &[f64],
    labs: &mut [u32],
    p: &mut Partial,
) {
    assign_rows_fixed_body::<K>(rows, d, ct, labs, p)
}

#[inline(always)]
fn assign_rows_fixed_body<const K: usize>(
    rows: &[f64],
    d: usize,
    ct: &[f64],
    labs: &mut [u32],
    p: &mut Partial,
) {
    for (row, lab) in rows.chunks_exact(d).zip(labs.iter_mut()) {
        let dist = dists_fixed::<K>(row, ct);
        let c = argmin(&dist);
        *lab = c as u32;
        p.counts[c] += 1;
        for (s, v) in p.sums[c * d..(c + 1) * d].iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// [`dists_to_all`] for a compile-time number of centres.
#[inline(always)]
fn dists_fixed<const K: usize>(row: &[f64], ct: &[f64]) -> [f64; K] {
    let mut acc = [0.0_f64; K];
    for (j, &xj) in row.iter().enumerate() {
        let cj: &[f64; K] = ct[j * K..(j + 1) * K]
            .try_into()
            .expect("K centres per feature");
        for c in 0..K {
            let t = xj - cj[c];
            acc[c] += t * t;
        }
    }
    acc
}

/// Index of the first minimum.
#[inline]
fn argmin(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate().skip(1) {
        if x < v[best] {
            best = i;
        }
    }
    best
}

/// Sum of squared distances of rows to their labelled centre, reduced in chunk order.
fn inertia_of(data: &Data, centers: &[f64], labels: &[u32]) -> f64 {
    let d = data.d;
    data.x
        .chunks(CHUNK * d)
        .zip(labels.chunks(CHUNK))
        .map(|(rows, labs)| {
            rows.chunks_exact(d)
                .zip(labs)
                .map(|(row, &l)| dist2(row, &centers[l as usize * d..(l as usize + 1) * d]))
                .sum::<f64>()
        })
        .sum()
}

struct Run {
    centers: Vec<f64>,
    labels: Vec<u32>,
    inertia: f64,
    n_iter: usize,
}

/// scikit-learn's `_kmeans_single_lloyd`.
fn lloyd(data: &Data, init: Vec<f64>, k: usize, max_iter: usize, tol: f64, threads: usize) -> Run {
    let (n, d) = (data.n, data.d);
    let mut centers = init;
    let mut labels = vec![0u32; n];
    let mut labels_old = vec![u32::MAX; n];
    let mut strict = false;
    let mut iter = 0;
    for i in 0..max_iter {
        iter = i;
        let (mut sums, mut counts) = assign_step(data, &centers, k, &mut labels, threads);
        if counts.contains(&0) {
            relocate_empty(data, &centers, &labels, &mut sums, &mut counts);
        }
        let mut shift = 0.0;
        for c in 0..k {
            if counts[c] == 0 {
                continue; // more clusters than distinct points: the centre stays
            }
            for j in 0..d {
                let v = sums[c * d + j] / counts[c] as f64;
                shift += (v - centers[c * d + j]) * (v - centers[c * d + j]);
                centers[c * d + j] = v;
            }
        }
        if labels == labels_old {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict {
        // labels consistent with the final centres
        assign_step(data, &centers, k, &mut labels, threads);
    }
    let inertia = inertia_of(data, &centers, &labels);
    Run {
        centers,
        labels,
        inertia,
        n_iter: iter + 1,
    }
}

/// scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes one of the points
/// farthest from their current centre (farthest first).
fn relocate_empty(
    data: &Data,
    centers: &[f64],
    labels: &[u32],
    sums: &mut [f64],
    counts: &mut [u64],
) {
    let d = data.d;
    let empty: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] == 0).collect();
    let mut far: Vec<(f64, usize)> = data
        .x
        .chunks_exact(d)
        .zip(labels)
        .enumerate()
        .map(|(i, (row, &l))| {
            (
                dist2(row, &centers[l as usize * d..(l as usize + 1) * d]),
                i,
            )
        })
        .collect();
    let m = empty.len().min(far.len());
    if m == 0 {
        return;
    }
    far.select_nth_unstable_by(m - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    far.truncate(m);
    far.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (&new_c, &(dist, i)) in empty.iter().zip(&far) {
        if dist == 0.0 {
            break; // every point sits on its centre: fewer distinct points than clusters
        }
        let old = labels[i] as usize;
        let row = &data.x[i * d..(i + 1) * d];
        for j in 0..d {
            sums[old * d + j] -= row[j];
            sums[new_c * d + j] = row[j];
        }
        counts[old] -= 1;
        counts[new_c] = 1;
    }
}

/// scikit-learn's greedy k-means++ with our PRNG: each step draws 2 + ln k candidates with
/// probability proportional to the squared distance to the nearest chosen centre and keeps the
/// one that lowers the total (the "potential") most. One pass per step computes, for every
/// candidate at once, the updated nearest distances; the winner's become the current ones.
fn kmeans_plus_plus(data: &Data, k: usize, rng: &mut Rng, threads: usize) -> Vec<f64> {
    let (n, d) = (data.n, data.d);
    let row = |i: usize| &data.x[i * d..(i + 1) * d];
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.below(n as u64) as usize;
    centers.extend_from_slice(row(first));
    let mut closest: Vec<f64> = data
        .x
        .chunks_exact(d)
        .map(|r| dist2(r, row(first)))
        .collect();
    let mut pot: f64 = closest.iter().sum();
    let mut cum = vec![0.0; n];
    let mut bufs: Vec<Vec<f64>> = if k > 1 {
        vec![vec![0.0; n]; trials]
    } else {
        vec![]
    };
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, v) in cum.iter_mut().zip(&closest) {
            acc += v;
            *c = acc;
        }
        let cands: Vec<usize> = (0..trials)
            .map(|_| {
                let r = rng.next_f64() * pot;
                // numpy searchsorted (side = left): first index with cum >= r
                cum.partition_point(|&c| c < r).min(n - 1)
            })
            .collect();
        let flat: Vec<f64> = cands.iter().flat_map(|&c| row(c).iter().copied()).collect();
        let ct = transpose(&flat, trials, d);
        let mut buf_chunks: Vec<_> = bufs.iter_mut().map(|b| b.chunks_mut(CHUNK)).collect();
        let items: Vec<CandidateChunk> = data
            .x
            .chunks(CHUNK * d)
            .zip(closest.chunks(CHUNK))
            .map(|(r, c)| {
                let outs = buf_chunks
                    .iter_mut()
                    .map(|it| it.next().expect("same chunking"))
                    .collect();
                (r, c, outs)
            })
            .collect();
        let partials = run_chunks(items, threads, |(rows, cl, mut outs)| match trials {
            2 => candidate_pass::<2>(rows, d, cl, &ct, &mut outs),
            3 => candidate_pass::<3>(rows, d, cl, &ct, &mut outs),
            4 => candidate_pass::<4>(rows, d, cl, &ct, &mut outs),
            5 => candidate_pass::<5>(rows, d, cl, &ct, &mut outs),
            _ => {
                let mut p = vec![0.0; trials];
                let mut dist = vec![0.0; trials];
                for (i, (r, &c)) in rows.chunks_exact(d).zip(cl).enumerate() {
                    dists_to_all(r, &ct, &mut dist);
                    for t in 0..trials {
                        let v = c.min(dist[t]);
                        outs[t][i] = v;
                        p[t] += v;
                    }
                }
                p
            }
        });
        let mut pots = vec![0.0; trials];
        for p in partials {
            for (a, b) in pots.iter_mut().zip(p) {
                *a += b;
            }
        }
        let best = argmin(&pots);
        pot = pots[best];
        std::mem::swap(&mut closest, &mut bufs[best]);
        centers.extend_from_slice(row(cands[best]));
    }
    centers
}

/// A chunk of rows, their current nearest distances, and one output slice per candidate.
type CandidateChunk<'a> = (&'a [f64], &'a [f64], Vec<&'a mut [f64]>);

/// One k-means++ candidate pass over a chunk for `T` candidates: the updated nearest distances
/// per candidate into `outs`, and their sums.
fn candidate_pass<const T: usize>(
    rows: &[f64],
    d: usize,
    closest: &[f64],
    ct: &[f64],
    outs: &mut [&mut [f64]],
) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { candidate_pass_avx2::<T>(rows, d, closest, ct, outs) };
    }
    candidate_pass_body::<T>(rows, d, closest, ct, outs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn candidate_pass_avx2<const T: usize>(
    rows: &[f64],
    d: usize,
    closest: &[f64],
    ct: &[f64],
    outs: &mut [&mut [f64]],
) -> Vec<f64> {
    candidate_pass_body::<T>(rows, d, closest, ct, outs)
}

#[inline(always)]
fn candidate_pass_body<const T: usize>(
    rows: &[f64],
    d: usize,
    closest: &[f64],
    ct: &[f64],
    outs: &mut [&mut [f64]],
) -> Vec<f64> {
    let mut p = [0.0_f64; T];
    for (i, (r, &c)) in rows.chunks_exact(d).zip(closest).enumerate() {
        let dist = dists_fixed::<T>(r, ct);
        for t in 0..T {
            let v = c.min(dist[t]);
            outs[t][i] = v;
            p[t] += v;
        }
    }
    p.to_vec()
}

fn finish(data: Data, run: Run, k: usize) -> Result<KMeansModel> {
    let d = data.d;
    let mut sizes = vec![0u64; k];
    for &l in &run.labels {
        sizes[l as usize] += 1;
    }
    if let Some(c) = sizes.iter().position(|&s| s == 0) {
        return Err(CustomerError::Degenerate(format!(
            "k-means found fewer than k = {k} distinct clusters (cluster {c} is empty): the data have fewer \
             distinct rows than k; lower k"
        )));
    }
    Ok(KMeansModel {
        k,
        dims: d,
        centroids: run.centers.chunks_exact(d).map(|c| c.to_vec()).collect(),
        means: data.means,
        stds: data.stds,
        inertia: run.inertia,
        n_iter: run.n_iter,
        labels: run.labels,
        sizes,
    })
}

fn tolerance(data: &Data, tol: f64) -> f64 {
    // scikit-learn: tol × mean of the per-feature variances of the (standardised) data
    tol * data.vars.iter().sum::<f64>() / data.d as f64
}

/// Fits k-means on `columns` (one slice per feature, all the same length).
///
/// Errors: no columns or rows, unequal lengths, NaN/infinite values (naming feature and row),
/// k = 0 or k larger than the number of rows, fewer distinct rows than k, bad options. Never
/// returns NaN.
pub fn fit_kmeans(columns: &[&[f64]], opts: &KMeansOptions) -> Result<KMeansModel> {
    validate_options(opts)?;
    let data = prepare(columns, opts.standardize)?;
    if opts.k > data.n {
        return Err(CustomerError::InvalidParameter(format!(
            "k ({}) is larger than the number of rows ({}); lower k",
            opts.k, data.n
        )));
    }
    let tol = tolerance(&data, opts.tol);
    let mut rng = Rng::new(opts.seed);
    let mut best: Option<Run> = None;
    for _ in 0..opts.n_init {
        let init = kmeans_plus_plus(&data, opts.k, &mut rng, opts.threads);
        let run = lloyd(&data, init, opts.k, opts.max_iter, tol, opts.threads);
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    finish(data, best.expect("n_init >= 1"), opts.k)
}

/// Fits k-means from given initial centroids (`init`: k rows of `dims` values in the
/// *standardised* space, e.g. taken from a previous model). One Lloyd run; `n_init` and `seed`
/// are ignored. Errors as [`fit_kmeans`], plus init rows of the wrong width or non-finite.
pub fn fit_kmeans_from(
    columns: &[&[f64]],
    init: &[Vec<f64>],
    opts: &KMeansOptions,
) -> Result<KMeansModel> {
    let k = init.len();
    validate_options(&KMeansOptions { k, ..*opts })?;
    let data = prepare(columns, opts.standardize)?;
    if k > data.n {
        return Err(CustomerError::InvalidParameter(format!(
            "k ({k}) is larger than the number of rows ({}); lower k",
            data.n
        )));
    }
    let mut flat = Vec::with_capacity(k * data.d);
    for (c, row) in init.iter().enumerate() {
        if row.len() != data.d || row.iter().any(|v| !v.is_finite()) {
            return Err(CustomerError::InvalidParameter(format!(
                "initial centroid {c} must have {} finite values, got {:?}",
                data.d, row
            )));
        }
        flat.extend_from_slice(row);
    }
    let tol = tolerance(&data, opts.tol);
    let run = lloyd(&data, flat, k, opts.max_iter, tol, opts.threads);
    finish(data, run, k)
}

impl KMeansModel {
    /// Standardises one raw row with the model's means and standard deviations.
    pub fn standardize(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.dims {
            return Err(CustomerError::InvalidParameter(format!(
                "the model has {} features, got a row of {}",
                self.dims,
                row.len()
            )));
        }
        row.iter()
            .enumerate()
            .map(|(j, v)| {
                if v.is_finite() {
                    Ok((v - self.means[j]) / self.stds[j])
                } else {
                    Err(CustomerError::InvalidValue(format!(
                        "feature {j} must be a finite number, got {v}"
                    )))
                }
            })
            .collect()
    }

    /// Cluster (0-based) of a new raw row: standardised, then the nearest centroid (lowest
    /// index on ties). A NaN/infinite value or a row of the wrong width is an error.
    pub fn assign(&self, row: &[f64]) -> Result<usize> {
        let z = self.standardize(row)?;
        let flat: Vec<f64> = self.centroids.concat();
        Ok(nearest(&z, &flat, self.dims).0 as usize)
    }

    /// Centroids in the original units of the features.
    pub fn centroids_original(&self) -> Vec<Vec<f64>> {
        self.centroids
            .iter()
            .map(|c| {
                c.iter()
                    .enumerate()
                    .map(|(j, v)| v * self.stds[j] + self.means[j])
                    .collect()
            })
            .collect()
    }

    /// Mean silhouette coefficient of this clustering on `columns` (the rows it was fitted on),
    /// in the standardised space, with Euclidean distances (scikit-learn `silhouette_score`).
    /// With more than `max_samples` rows, a deterministic sample of `max_samples` rows (from
    /// `seed`) is scored against itself, as scikit-learn's `sample_size` does. Rows alone in
    /// their cluster score 0. Errors if fewer than 2 or as many clusters as sampled rows occur.
    pub fn silhouette(
        &self,
        columns: &[&[f64]],
        max_samples: usize,
        seed: u64,
        threads: usize,
    ) -> Result<f64> {
        let mut data = prepare(columns, false)?;
        if data.n != self.labels.len() || data.d != self.dims {
            return Err(CustomerError::LengthMismatch(format!(
                "silhouette needs the {} rows x {} features the model was fitted on, got {} x {}",
                self.labels.len(),
                self.dims,
                data.n,
                data.d
            )));
        }
        for i in 0..data.n {
            for j in 0..data.d {
                data.x[i * data.d + j] = (data.x[i * data.d + j] - self.means[j]) / self.stds[j];
            }
        }
        silhouette_score(&data.x, data.d, &self.labels, max_samples, seed, threads)
    }
}

/// Mean silhouette of row-major `x` (`d` columns) with `labels`; see
/// [`KMeansModel::silhouette`].
pub fn silhouette_score(
    x: &[f64],
    d: usize,
    labels: &[u32],
    max_samples: usize,
    seed: u64,
    threads: usize,
) -> Result<f64> {
    if d == 0 || x.len() != labels.len() * d {
        return Err(CustomerError::LengthMismatch(format!(
            "silhouette: {} values do not form {} rows of {d} features",
            x.len(),
            labels.len()
        )));
    }
    if max_samples < 2 {
        return Err(CustomerError::InvalidParameter(format!(
            "max_samples must be at least 2, got {max_samples}"
        )));
    }
    let n = labels.len();
    let mut idx: Vec<usize> = if n > max_samples {
        Rng::new(seed).sample_indices(n, max_samples)
    } else {
        (0..n).collect()
    };
    idx.sort_unstable();
    let s = idx.len();
    let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut counts = vec![0usize; k];
    for &i in &idx {
        counts[labels[i] as usize] += 1;
    }
    let n_labels = counts.iter().filter(|&&c| c > 0).count();
    if n_labels < 2 || n_labels >= s {
        return Err(CustomerError::Degenerate(format!(
            "silhouette needs between 2 and {} clusters among the scored rows, got {n_labels}",
            s.saturating_sub(1)
        )));
    }
    let row = |i: usize| &x[i * d..(i + 1) * d];
    // per-row coefficients, summed in row order at the end so the result does not depend on
    // the thread count
    let score = |pos: &[usize]| -> Vec<f64> {
        let mut sums = vec![0.0; k];
        pos.iter()
            .map(|&p| {
                let i = idx[p];
                sums.iter_mut().for_each(|v| *v = 0.0);
                for &j in &idx {
                    if j != i {
                        sums[labels[j] as usize] += dist2(row(i), row(j)).sqrt();
                    }
                }
                let own = labels[i] as usize;
                if counts[own] <= 1 {
                    return 0.0; // singleton
                }
                let a = sums[own] / (counts[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own && counts[c] > 0)
                    .map(|c| sums[c] / counts[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                let m = a.max(b);
                if m > 0.0 { (b - a) / m } else { 0.0 }
            })
            .collect()
    };
    let positions: Vec<usize> = (0..s).collect();
    let threads = threads.clamp(1, 256).min(s);
    let per = s.div_ceil(threads);
    let values: Vec<f64> = if threads == 1 {
        score(&positions)
    } else {
        let score = &score;
        std::thread::scope(|sc| {
            let hs: Vec<_> = positions
                .chunks(per)
                .map(|c| sc.spawn(move || score(c)))
                .collect();
            hs.into_iter()
                .flat_map(|h| h.join().expect("silhouette worker does not panic"))
                .collect()
        })
    };
    let total: f64 = values.iter().sum();
    Ok(total / s as f64)
}

/// One row of a k sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct KSweepRow {
    pub k: usize,
    pub inertia: f64,
    /// None for k = 1 (undefined).
    pub silhouette: Option<f64>,
}

/// Fits k-means for each k in `ks` with `opts` (its `k` is ignored) and reports inertia and the
/// (sampled, `max_samples`) silhouette, so an analyst can choose k. Errors as [`fit_kmeans`].
pub fn kmeans_sweep(
    columns: &[&[f64]],
    ks: &[usize],
    opts: &KMeansOptions,
    max_samples: usize,
) -> Result<Vec<KSweepRow>> {
    ks.iter()
        .map(|&k| {
            let m = fit_kmeans(columns, &KMeansOptions { k, ..*opts })?;
            let silhouette = if k >= 2 {
                Some(m.silhouette(columns, max_samples, opts.seed, opts.threads)?)
            } else {
                None
            };
            Ok(KSweepRow {
                k,
                inertia: m.inertia,
                silhouette,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, f64s, fixture, i64s};
    use super::*;

    fn load() -> (Vec<Vec<f64>>, serde_json::Value) {
        let fx = fixture(include_str!("../../../tests/fixtures/customer/kmeans.json"));
        let cols: Vec<Vec<f64>> = fx["columns"].as_array().unwrap().iter().map(f64s).collect();
        (cols, fx)
    }

    #[test]
    fn same_start_same_result_as_sklearn() {
        let (cols, fx) = load();
        let c: Vec<&[f64]> = cols.iter().map(|v| v.as_slice()).collect();
        let data = prepare(&c, true).unwrap();
        for (j, (m, s)) in f64s(&fx["mean"]).iter().zip(f64s(&fx["std"])).enumerate() {
            assert_close(data.means[j], *m, 1e-12, "mean");
            assert_close(data.stds[j], s, 1e-12, "std");
        }
        for run in fx["runs"].as_array().unwrap() {
            let rows = i64s(&run["init_rows"]);
            let init: Vec<Vec<f64>> = rows
                .iter()
                .map(|&r| data.x[r as usize * data.d..(r as usize + 1) * data.d].to_vec())
                .collect();
            let opts = KMeansOptions {
                tol: run["tol"].as_f64().unwrap(),
                max_iter: run["max_iter"].as_u64().unwrap() as usize,
                ..Default::default()
            };
            for threads in [1, 3] {
                let m = fit_kmeans_from(&c, &init, &KMeansOptions { threads, ..opts }).unwrap();
                // same initial centroids: inertia within 1e-6 relative (brief), labels identical,
                // same iteration count
                assert_close(
                    m.inertia,
                    run["inertia"].as_f64().unwrap(),
                    1e-6,
                    "inertia from same init",
                );
                let want: Vec<u32> = i64s(&run["labels"]).iter().map(|&l| l as u32).collect();
                assert_eq!(m.labels, want);
                assert_eq!(m.n_iter as u64, run["n_iter"].as_u64().unwrap());
                eprintln!(
                    "same init {rows:?} tol {}: inertia {} vs sklearn {} (rel {:.1e})",
                    opts.tol,
                    m.inertia,
                    run["inertia"],
                    (m.inertia / run["inertia"].as_f64().unwrap() - 1.0).abs()
                );
            }
        }
    }

    #[test]
    fn own_seeding_is_as_good_as_sklearn_and_silhouette_matches() {
        let (cols, fx) = load();
        let c: Vec<&[f64]> = cols.iter().map(|v| v.as_slice()).collect();
        for sw in fx["sweep"].as_array().unwrap() {
            let k = sw["k"].as_u64().unwrap() as usize;
            let sk = sw["inertia"].as_f64().unwrap();
            let m = fit_kmeans(
                &c,
                &KMeansOptions {
                    k,
                    n_init: 10,
                    seed: 7,
                    ..Default::default()
                },
            )
            .unwrap();
            // our k-means++ with 10 restarts: inertia <= 1.01 x scikit-learn's best of 10
            assert!(
                m.inertia <= 1.01 * sk,
                "k={k}: {} vs sklearn {sk}",
                m.inertia
            );
            // the silhouette of scikit-learn's labels, exact (all 600 rows): 1e-10 relative
            let sk_labels: Vec<u32> = i64s(&sw["labels"]).iter().map(|&l| l as u32).collect();
            let mm = KMeansModel {
                labels: sk_labels,
                ..m.clone()
            };
            let s = mm.silhouette(&c, 10_000, 0, 2).unwrap();
            assert_close(s, sw["silhouette"].as_f64().unwrap(), 1e-10, "silhouette");
            eprintln!(
                "k={k}: inertia {} vs sklearn {sk} (ratio {:.6})",
                m.inertia,
                m.inertia / sk
            );
        }
    }

    #[test]
    fn deterministic_assign_and_errors() {
        let (cols, _) = load();
        let c: Vec<&[f64]> = cols.iter().map(|v| v.as_slice()).collect();
        let o = KMeansOptions {
            k: 4,
            seed: 3,
            ..Default::default()
        };
        let a = fit_kmeans(&c, &o).unwrap();
        let b = fit_kmeans(&c, &KMeansOptions { threads: 4, ..o }).unwrap();
        assert_eq!(a, b, "same seed, any thread count: same model");
        // assign reproduces the labels of the fitted rows
        for i in (0..cols[0].len()).step_by(37) {
            let row: Vec<f64> = cols.iter().map(|col| col[i]).collect();
            assert_eq!(a.assign(&row).unwrap(), a.labels[i] as usize);
        }
        let orig = a.centroids_original();
        assert_eq!(orig.len(), 4);
        assert!(a.assign(&[1.0, f64::NAN, 2.0]).is_err());
        assert!(a.assign(&[1.0]).is_err());
        // sampled silhouette is deterministic and close to the exact one
        let exact = a.silhouette(&c, 10_000, 0, 1).unwrap();
        let s1 = a.silhouette(&c, 300, 5, 1).unwrap();
        assert_eq!(s1, a.silhouette(&c, 300, 5, 2).unwrap());
        assert!((s1 - exact).abs() < 0.05, "{s1} vs {exact}");

        let e = fit_kmeans(&[&[1.0, 2.0, 3.0]], &KMeansOptions { k: 5, ..o }).unwrap_err();
        assert_eq!(
            e.to_string(),
            "k (5) is larger than the number of rows (3); lower k"
        );
        let e = fit_kmeans(&[&[1.0, 1.0, 1.0, 1.0]], &KMeansOptions { k: 2, ..o }).unwrap_err();
        assert!(e.to_string().contains("fewer distinct rows than k"), "{e}");
        let e = fit_kmeans(&[&[1.0, f64::NAN]], &KMeansOptions { k: 1, ..o }).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("feature 0 at row 1 must be a finite number"),
            "{e}"
        );
        assert!(fit_kmeans(&[], &o).is_err());
        assert!(fit_kmeans(&[&[]], &o).is_err());
        assert!(fit_kmeans(&[&[1.0, 2.0], &[1.0]], &KMeansOptions { k: 1, ..o }).is_err());
        assert!(fit_kmeans(&c, &KMeansOptions { k: 0, ..o }).is_err());
        // a constant feature is kept (std 1), not a division by zero
        let m = fit_kmeans(
            &[&[1.0, 2.0, 10.0, 11.0], &[5.0; 4]],
            &KMeansOptions { k: 2, ..o },
        )
        .unwrap();
        assert_eq!(m.stds[1], 1.0);
        assert!(m.inertia.is_finite());
        let sweep = kmeans_sweep(&c, &[1, 2, 3], &o, 1000).unwrap();
        assert!(sweep[0].silhouette.is_none() && sweep[1].inertia < sweep[0].inertia);
    }
}
