//! `lazyfuse bench`: times compiled expressions and, for the cases of the
//! benchmark suite (`benches/suite.json`), a hand-written Rust loop
//! computing the same thing in the same run, so every figure comes with a
//! ratio against a baseline measured beside it.
//!
//! Reported per case: `compile_s` (cold: caches cleared, then
//! fuse + lower + compile every kernel; the median of five such cold
//! compiles in a row), `median_s`/`min_s` (cached
//! evaluation into a reused output buffer), `median_fresh_s` (cached
//! evaluation allocating its output), `bytes_moved` (inputs read once plus
//! the output written once), `gb_per_s`, `peak_extra_bytes` (highest bytes
//! allocated during one fresh evaluation, when the counting allocator is
//! installed, as in the `lazyfuse` binary), `kernels`, `threads`; and
//! `handloop_s` with `ratio = median_s / handloop_s` where a hand loop
//! exists. The hand loops are compiled for AVX2+FMA when the CPU has them
//! (as with `-C target-cpu=native`), without fast-math.

use crate::alloc_count;
use crate::array::{random, Array, DType};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::pipeline;
use crate::runtime::{self, ExecOptions};
use std::time::Instant;

mod handloop;

/// One benchmark case: an expression over named random inputs.
#[derive(Clone, Debug)]
pub struct Case {
    /// Case id (`add`, `poly4`, …) or `expr` for an ad-hoc expression.
    pub id: String,
    /// The expression in the string syntax.
    pub expr: String,
    /// Input names with dtype and shape.
    pub inputs: Vec<(String, DType, Vec<usize>)>,
}

/// Reads the cases of a suite file.
pub fn load_suite(path: &str) -> Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Io(crate::error::IoError::new(format!("{path}: {e}"), e)))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Parse(format!("{path}: {e}")))?;
    let bad = |what: &str| Error::Parse(format!("{path}: {what}"));
    let cases = v
        .get("cases")
        .and_then(|c| c.as_array())
        .ok_or_else(|| bad("no \"cases\" array"))?;
    cases
        .iter()
        .map(|c| {
            let id = c
                .get("id")
                .and_then(|x| x.as_str())
                .ok_or_else(|| bad("a case without \"id\""))?;
            let expr = c
                .get("expr")
                .and_then(|x| x.as_str())
                .ok_or_else(|| bad("a case without \"expr\""))?;
            let ins = c
                .get("inputs")
                .and_then(|x| x.as_object())
                .ok_or_else(|| bad("a case without \"inputs\""))?;
            let mut inputs = vec![];
            for (name, spec) in ins {
                let dt = spec
                    .get(0)
                    .and_then(|x| x.as_str())
                    .ok_or_else(|| bad("input without dtype"))?;
                let shape = spec
                    .get(1)
                    .and_then(|x| x.as_array())
                    .ok_or_else(|| bad("input without shape"))?
                    .iter()
                    .map(|d| d.as_u64().map(|d| d as usize).ok_or_else(|| bad("bad dimension")))
                    .collect::<Result<Vec<_>>>()?;
                inputs.push((name.clone(), dt.parse()?, shape));
            }
            Ok(Case {
                id: id.into(),
                expr: expr.into(),
                inputs,
            })
        })
        .collect()
}

/// The measurements of one case.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// The case.
    pub id: String,
    /// Its expression.
    pub expr: String,
    /// Elements of the output.
    pub n_elements: usize,
    /// Cold compile of every kernel.
    pub compile_s: f64,
    /// Median cached evaluation into a reused buffer.
    pub median_s: f64,
    /// Fastest cached evaluation into a reused buffer.
    pub min_s: f64,
    /// Median cached evaluation allocating its output.
    pub median_fresh_s: f64,
    /// Bytes read and written, each input and the output once.
    pub bytes_moved: usize,
    /// Peak bytes allocated during a fresh evaluation (None without the
    /// counting allocator).
    pub peak_extra_bytes: Option<usize>,
    /// Kernels compiled.
    pub kernels: usize,
    /// Worker threads.
    pub threads: usize,
    /// Median of the hand-written loop, if the suite case has one.
    pub handloop_s: Option<f64>,
    /// Median over rounds of `lazyfuse / hand loop`, the two timed back to
    /// back in each round (so that load from other processes on a shared
    /// machine hits both sides of a ratio alike).
    pub ratio: Option<f64>,
}

impl Measurement {
    /// `bytes_moved / median_s` in GB/s.
    pub fn gb_per_s(&self) -> f64 {
        self.bytes_moved as f64 / self.median_s / 1e9
    }

    /// One JSON object (one line).
    pub fn to_json(&self) -> String {
        let opt = |v: Option<f64>| v.map_or("null".to_string(), |v| format!("{v:.6e}"));
        format!(
            "{{\"id\": {:?}, \"expr\": {:?}, \"n_elements\": {}, \"compile_s\": {:.6e}, \"median_s\": {:.6e}, \
             \"min_s\": {:.6e}, \"median_fresh_s\": {:.6e}, \"bytes_moved\": {}, \"gb_per_s\": {:.3}, \
             \"peak_extra_bytes\": {}, \"kernels\": {}, \"threads\": {}, \"handloop_s\": {}, \"ratio\": {}}}",
            self.id,
            self.expr,
            self.n_elements,
            self.compile_s,
            self.median_s,
            self.min_s,
            self.median_fresh_s,
            self.bytes_moved,
            self.gb_per_s(),
            self.peak_extra_bytes.map_or("null".to_string(), |b| b.to_string()),
            self.kernels,
            self.threads,
            opt(self.handloop_s),
            opt(self.ratio),
        )
    }
}

/// The header of the text table.
pub const TABLE_HEADER: &str =
    "case         compile_ms  median_ms  fresh_ms  hand_ms  ratio   GB/s  kernels  peak_extra_MB";

impl Measurement {
    /// One row of the text table.
    pub fn table_row(&self) -> String {
        format!(
            "{:<12} {:>10.3} {:>10.4} {:>9.4} {:>8} {:>6} {:>6.1} {:>8} {:>14}",
            self.id,
            self.compile_s * 1e3,
            self.median_s * 1e3,
            self.median_fresh_s * 1e3,
            self.handloop_s.map_or("-".into(), |h| format!("{:.4}", h * 1e3)),
            self.ratio.map_or("-".into(), |r| format!("{r:.2}")),
            self.gb_per_s(),
            self.kernels,
            self.peak_extra_bytes
                .map_or("-".into(), |b| format!("{:.2}", b as f64 / 1e6)),
        )
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Times `f`: `repeat` samples, each running `f` often enough to take at
/// least ~2 ms (so microsecond cases are measured per call).
fn time_samples(repeat: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    let batch = calibrate(&mut f)?;
    (0..repeat).map(|_| sample(batch, &mut f)).collect()
}

/// Warms `f` up (caches, page faults of reused buffers) and returns how
/// many calls one sample makes.
fn calibrate(mut f: impl FnMut() -> Result<()>) -> Result<usize> {
    f()?;
    let t = Instant::now();
    f()?;
    let once = t.elapsed().as_secs_f64().max(1e-9);
    Ok(((2e-3 / once).ceil() as usize).clamp(1, 100_000))
}

/// Seconds per call of `f`, over `batch` calls.
fn sample(batch: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let t = Instant::now();
    for _ in 0..batch {
        f()?;
    }
    Ok(t.elapsed().as_secs_f64() / batch as f64)
}

/// Cold compiles per case; `compile_s` is their median.
const COLD_COMPILES: usize = 5;

/// Runs one case.
pub fn run_case(case: &Case, threads: usize, repeat: usize) -> Result<Measurement> {
    let arrays: Vec<(String, Array)> = case
        .inputs
        .iter()
        .enumerate()
        .map(|(k, (n, dt, shape))| Ok((n.clone(), random::random(*dt, shape, 0x5eed + k as u64)?)))
        .collect::<Result<_>>()?;
    let bind: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
    let expr = Expr::parse(&case.expr, &bind)?;
    let (g, inputs) = pipeline::build_graph(std::slice::from_ref(&expr))?;
    let opts = ExecOptions::default().with_threads(threads);

    // Process-wide one-time set-up (host ISA detection, the JIT's symbol
    // table) is not part of compiling a kernel: do it before timing.
    let warm = Array::zeros(DType::I8, &[1]);
    (crate::lazy(&warm) + 1).eval()?;
    // The median of COLD_COMPILES cold compiles (caches cleared before
    // each): one sample on a shared machine is mostly noise.
    let mut cold = Vec::with_capacity(COLD_COMPILES);
    let mut cold_prepare = || -> Result<runtime::Prepared> {
        runtime::clear_caches();
        let t = Instant::now();
        let p = runtime::prepare(&g, &inputs)?;
        cold.push(t.elapsed().as_secs_f64());
        Ok(p)
    };
    let mut prepared = cold_prepare()?;
    for _ in 1..COLD_COMPILES {
        prepared = cold_prepare()?;
    }
    cold.sort_by(f64::total_cmp);
    let compile_s = cold[COLD_COMPILES / 2];

    let (dt, shape) = (expr.dtype()?, expr.shape()?);
    let mut out = Array::try_zeros(dt, &shape)?;
    let hand = handloop::find(&case.id);
    let mut hout = Array::try_zeros(dt, &shape)?;
    let ins: Vec<Array> = arrays.iter().map(|(_, a)| a.clone()).collect();
    // Rounds of one lazyfuse sample and one hand-loop sample, back to back.
    let mut lazy = || prepared.run_into(&inputs, &mut out, &opts);
    let lb = calibrate(&mut lazy)?;
    let mut hand_loop = hand.map(|h| {
        move || {
            h(&ins, &mut hout);
            Ok(())
        }
    });
    let hb = match hand_loop.as_mut() {
        Some(h) => calibrate(h)?,
        None => 0,
    };
    let (mut samples, mut hand_samples, mut ratios) = (vec![], vec![], vec![]);
    for _ in 0..repeat {
        let s = sample(lb, &mut lazy)?;
        samples.push(s);
        if let Some(h) = hand_loop.as_mut() {
            let t = sample(hb, h)?;
            hand_samples.push(t);
            ratios.push(s / t);
        }
    }
    let fresh = time_samples(repeat.div_ceil(2).max(3), || prepared.run(&inputs, &opts).map(drop))?;

    let peak_extra_bytes = alloc_count::is_installed().then(|| {
        let base = alloc_count::current();
        alloc_count::reset_peak();
        let r = prepared.run(&inputs, &opts);
        let p = alloc_count::peak().saturating_sub(base);
        drop(r);
        p
    });

    let bytes_moved = inputs.iter().map(|a| a.nbytes()).sum::<usize>() + out.nbytes();
    let (handloop_s, ratio) = match hand {
        Some(_) => (Some(median(hand_samples)), Some(median(ratios))),
        None => (None, None),
    };
    Ok(Measurement {
        id: case.id.clone(),
        expr: case.expr.clone(),
        n_elements: out.len(),
        compile_s,
        median_s: median(samples.clone()),
        min_s: samples.iter().copied().fold(f64::INFINITY, f64::min),
        median_fresh_s: median(fresh),
        bytes_moved,
        peak_extra_bytes,
        kernels: prepared.kernel_count(),
        threads: opts.thread_count()?,
        handloop_s,
        ratio,
    })
}

/// Targets between suite cases that move the same bytes (issue targets):
/// `(case, baseline case, highest ratio)`.
pub const RELATIVE_TARGETS: &[(&str, &str, f64)] = &[("colsum", "rowsum", 1.2), ("standardize", "add", 1.3)];

/// Cases whose two-thread speed-up has a target (issue target):
/// `(case, lowest speed-up of 2 threads over 1)`.
pub const SCALING_TARGETS: &[(&str, f64)] = &[("trig", 1.7)];

/// `case / baseline`: both cases timed in alternating rounds (cached
/// evaluation into reused outputs, like `median_s`), the median of the
/// per-round ratios; each with its own number of threads.
pub fn run_pair(case: (&Case, usize), baseline: (&Case, usize), repeat: usize) -> Result<f64> {
    let ((case, ta), (baseline, tb)) = (case, baseline);
    let (oa_, ob_) = (
        ExecOptions::default().with_threads(ta),
        ExecOptions::default().with_threads(tb),
    );
    let setup = |c: &Case| -> Result<(runtime::Prepared, Vec<Array>, Array)> {
        let arrays: Vec<(String, Array)> = c
            .inputs
            .iter()
            .enumerate()
            .map(|(k, (n, dt, shape))| Ok((n.clone(), random::random(*dt, shape, 0x5eed + k as u64)?)))
            .collect::<Result<_>>()?;
        let bind: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
        let expr = Expr::parse(&c.expr, &bind)?;
        let (g, inputs) = pipeline::build_graph(std::slice::from_ref(&expr))?;
        let out = Array::try_zeros(expr.dtype()?, &expr.shape()?)?;
        Ok((runtime::prepare(&g, &inputs)?, inputs, out))
    };
    let (pa, ia, mut oa) = setup(case)?;
    let (pb, ib, mut ob) = setup(baseline)?;
    let mut fa = || pa.run_into(&ia, &mut oa, &oa_);
    let mut fb = || pb.run_into(&ib, &mut ob, &ob_);
    let (ba, bb) = (calibrate(&mut fa)?, calibrate(&mut fb)?);
    let mut ratios = vec![];
    for _ in 0..repeat {
        let a = sample(ba, &mut fa)?;
        ratios.push(a / sample(bb, &mut fb)?);
    }
    Ok(median(ratios))
}
