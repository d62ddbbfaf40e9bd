//! `runtime`: runs a simplified graph through fusion, the loop passes and
//! the JIT, with a kernel cache and a multi-threaded executor.
//!
//! - [`eval_graph`] / [`eval_graph_into`]: every kernel — element-wise work
//!   and the reductions it feeds (`sum` … `all`, `argmin`/`argmax`) — runs
//!   JIT-compiled; copying reshapes run in the interpreter on materialized
//!   operands. Temporaries live where the buffer plan
//!   ([`crate::plan`]) puts them: planned buffers reused once their last
//!   reader ran, or in place over an operand that dies at the kernel.
//! - [`eval_graph_donating`]: inputs handed over by value may be
//!   overwritten in place.
//! - Reductions: accumulators are filled with the op's identity, the
//!   kernel folds into them (registers, with compensated blocks for float
//!   sums along the inner loop, whole rows of vectors along outer loops),
//!   an accumulator reduced along the outermost loop gets per-chunk partials
//!   (fixed chunks, combined pairwise in a fixed tree — `exec::run_reduce`)
//!   and `mean`/`var`/`std` are finalized from their sums. `argmin`/
//!   `argmax` keep a (best value, index) pair per accumulator (index -1:
//!   none yet); reduced along the outermost loop they run as one call.
//! - [`prepare`] / [`Prepared::run_into`]: compile once, run many times (for
//!   `bench`); [`eval_graph`] keeps recently prepared plans in a cache keyed
//!   by graph and input layouts, so a repeated call skips fusion and
//!   lowering and only looks its plan up.
//! - [`explain_graph`]: the `fused`, `loop`, `clif` and `asm` stages.
//! - [`cache_stats`]: kernel cache counters.
//!
//! Guarantees: results equal the interpreter's bit for bit (tested by
//! `tests/differential.rs`) except float sums, `mean`, `var`, `std` and
//! `prod`, which differ by rounding within the bounds stated in
//! `tests/reductions.rs`; identical whatever the thread count; kernels never read
//! or write outside their arrays (`tests/guard_pages.rs`).

mod cache;
mod exec;
pub(crate) mod stream;

use crate::array::layout::c_strides;
use crate::array::{Array, Buffer, DType};
use crate::error::{shape_err, type_err, Error, Result};
use crate::expr::{Graph, Op};
use crate::fuse::{self, Program, Step, Val};
use crate::jit::Compiled;
use crate::loops::{self, Binding, LoopFunc};
use crate::plan::{plan_buffers, BufferPlan, Home};
use std::collections::HashMap;
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

pub use exec::{min_per_thread, MAX_THREADS, MIN_PER_THREAD};

/// How to run: taken by every evaluating call (`eval_with`,
/// `eval_many_with`, `Function::call_with`, …).
///
/// ```
/// use lazyfuse::{lazy, Array, ExecOptions};
/// let a = Array::from_vec(vec![1.0f64; 100_000]);
/// let two = ExecOptions::default().with_threads(2);
/// assert_eq!((lazy(&a) * 2.0).sum().eval_with(&two)?.to_scalar::<f64>()?, 200_000.0);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ExecOptions {
    /// Worker threads, at most [`MAX_THREADS`]; 0 = `LAZYFUSE_THREADS`
    /// (read once per process; unset, empty or 0 means 1). Results are
    /// the same for every thread count.
    pub threads: usize,
    /// Working memory for an evaluation that streams (inputs read from
    /// files, results written to files or consumed in chunks), in bytes;
    /// `None`: 256 MiB. Window buffers take about half of it. Results are
    /// the same for every budget.
    pub memory: Option<usize>,
    /// Called as a streamed evaluation goes (after each window of each
    /// kernel) with the bytes read and written so far and the total
    /// expected, for a progress bar; see [`ExecOptions::with_progress`].
    pub progress: Option<Progress>,
}

/// A progress callback: `(bytes done, bytes in all)` of a streamed
/// evaluation's reading and writing (the total is an estimate made when
/// the evaluation starts).
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

impl std::fmt::Debug for ExecOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecOptions")
            .field("threads", &self.threads)
            .field("memory", &self.memory)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .finish()
    }
}

impl ExecOptions {
    /// These options with a progress callback (see
    /// [`ExecOptions::progress`]).
    ///
    /// ```
    /// use lazyfuse::{Array, ExecOptions, Expr};
    /// use std::sync::{Arc, Mutex};
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-progress-{}.npy", std::process::id()));
    /// Array::from_vec(vec![1.0f64; 100_000]).write_npy(&path)?;
    /// let seen = Arc::new(Mutex::new(vec![]));
    /// let s = seen.clone();
    /// let opts = ExecOptions::default()
    ///     .with_memory(64 << 10)
    ///     .with_progress(move |done, total| s.lock().unwrap().push((done, total)));
    /// let x = Expr::npy("x", &path)?;
    /// assert_eq!((&x * 2.0).eval_with(&opts)?.len(), 100_000);
    /// let seen = seen.lock().unwrap();
    /// assert!(seen.len() > 10);                           // one call per window
    /// assert_eq!(seen.last().unwrap().0, 800_000);        // every byte read
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn with_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> ExecOptions {
        self.progress = Some(Arc::new(f));
        self
    }

    /// These options with a memory budget of `bytes` (see
    /// [`ExecOptions::memory`]).
    pub fn with_memory(mut self, bytes: usize) -> ExecOptions {
        self.memory = Some(bytes);
        self
    }

    /// The memory budget in bytes.
    pub fn budget(&self) -> usize {
        self.memory.unwrap_or(stream::DEFAULT_BUDGET).max(1)
    }

    /// These options with `n` worker threads (0: `LAZYFUSE_THREADS`).
    pub fn with_threads(mut self, n: usize) -> ExecOptions {
        self.threads = n;
        self
    }

    /// The thread count to use: an `Err` naming the limit above
    /// [`MAX_THREADS`], or for a `LAZYFUSE_THREADS` that is not a count.
    ///
    /// ```
    /// use lazyfuse::internals::runtime::{ExecOptions, MAX_THREADS};
    /// assert_eq!(ExecOptions::default().with_threads(4).thread_count()?, 4);
    /// let err = ExecOptions::default().with_threads(MAX_THREADS + 1).thread_count().unwrap_err();
    /// assert_eq!(err.to_string(), "257 threads asked for: the limit is 256");
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn thread_count(&self) -> Result<usize> {
        if self.threads > 0 {
            return checked_threads(self.threads, "");
        }
        crate::env::threads()
    }
}

fn checked_threads(n: usize, source: &str) -> Result<usize> {
    if n > MAX_THREADS {
        return Err(Error::Value(format!(
            "{n} threads asked for{source}: the limit is {MAX_THREADS}"
        )));
    }
    Ok(n)
}

/// Kernel cache counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups that found a compiled kernel.
    pub hits: u64,
    /// Lookups that compiled.
    pub misses: u64,
    /// Total compile time, nanoseconds.
    pub compile_ns: u64,
    /// Kernels currently cached.
    pub entries: usize,
}

/// The kernel cache counters (process-wide).
pub fn cache_stats() -> CacheStats {
    let (hits, misses, compile_ns, entries) = cache::counters();
    CacheStats {
        hits,
        misses,
        compile_ns,
        entries,
    }
}

/// Empties the kernel and plan caches (compiled code is freed once unused).
pub fn clear_caches() {
    cache::clear();
    if let Ok(mut p) = plans().lock() {
        p.0.clear();
    }
}

/// The text of the stages after `graph`.
#[derive(Clone, Debug, Default)]
pub struct Stages {
    /// The fused program.
    pub fused: String,
    /// The loop IR of every kernel, after the loop passes.
    pub loops: String,
    /// The Cranelift IR of every kernel, as optimized by Cranelift.
    pub clif: String,
    /// Machine code (Cranelift's VCode listing), if available.
    pub asm: Option<String>,
}

/// A kernel step ready to launch.
struct PreparedKernel {
    func: LoopFunc,
    binds: Vec<Binding>,
    compiled: Arc<Compiled>,
}

/// Layout of an input: dtype, shape, strides, offset.
type Layout = (DType, Vec<usize>, Vec<isize>, isize);

fn layout_of(a: &Array) -> Layout {
    (
        a.dtype(),
        a.shape().to_vec(),
        kernel_strides(a.shape(), a.strides()),
        a.offset(),
    )
}

/// Whether `a` can run on a plan prepared for layout `l`: same dtype,
/// shape and kernel strides. The offset may differ — kernels take each
/// input's pointer at iteration point zero, which [`launch`] moves by the
/// difference — except for a donated input, which the plan may overwrite
/// in place (only at offset 0).
fn fits(a: &Array, l: &Layout, offset_too: bool) -> bool {
    a.dtype() == l.0
        && a.shape() == l.1.as_slice()
        && a.shape()
            .iter()
            .zip(a.strides())
            .zip(&l.2)
            .all(|((&d, &s), &k)| k == if d <= 1 { 0 } else { s })
        && (!offset_too || a.offset() == l.3)
}

/// Strides as kernels see them: 0 along axes of length 0 or 1, which are
/// never stepped (an array may carry any stride there, up to `isize::MAX`,
/// and no loop bound or pointer bump should be computed from it).
fn kernel_strides(shape: &[usize], strides: &[isize]) -> Vec<isize> {
    shape
        .iter()
        .zip(strides)
        .map(|(&d, &s)| if d <= 1 { 0 } else { s })
        .collect()
}

/// A graph compiled for particular input layouts: run it many times.
pub struct Prepared {
    program: Program,
    layouts: Vec<Layout>,
    kernels: Vec<Option<PreparedKernel>>,
    /// Where every temporary lives (see [`crate::plan`]).
    plan: BufferPlan,
    /// Whether an input was donated (the plan may write over it).
    donating: bool,
    /// Per temporary: the last step that reads it (`None`: never read, or
    /// an output, which lives on).
    last_read: Vec<Option<usize>>,
    /// Per planned buffer: the last step that needs it.
    buf_last: Vec<Option<usize>>,
}

/// Fuses, lowers and compiles `g` for the layouts of `inputs`.
pub fn prepare(g: &Graph, inputs: &[Array]) -> Result<Prepared> {
    prepare_donating(g, inputs, &[])
}

/// [`prepare`] with a buffer plan that may overwrite the inputs marked in
/// `donated` (which the caller guarantees nothing else reads; see
/// [`eval_graph_donating`]).
pub(crate) fn prepare_donating(g: &Graph, inputs: &[Array], donated: &[bool]) -> Result<Prepared> {
    check_inputs(g, inputs)?;
    prepare_layouts(g, inputs.iter().map(layout_of).collect(), donated)
}

/// [`prepare_donating`] for inputs given by their layouts (checked against
/// the graph's inputs).
pub(crate) fn prepare_layouts(g: &Graph, layouts: Vec<Layout>, donated: &[bool]) -> Result<Prepared> {
    prepare_layouts_check(g, &layouts)?;
    let program = fuse::fuse(g)?;
    let mask: Vec<bool> = (0..layouts.len()).map(|i| donated.get(i) == Some(&true)).collect();
    let plan = plan_buffers(&program, g, &mask);
    let (last_read, buf_last) = lifetimes(&program, &plan);
    prepare_program(program, plan, layouts, &mask, last_read, buf_last)
}

/// The streaming section of the `plan` stage: how an evaluation over
/// `inputs` (sources and arrays over mapped files streamed) runs in the
/// default memory budget.
pub(crate) fn stream_text(g: &Graph, inputs: &[stream::Input]) -> Result<String> {
    if !stream::streams(inputs) {
        return Ok(String::new());
    }
    let p = prepare_layouts(g, inputs.iter().map(stream::Input::layout).collect(), &[])?;
    let streamed: Vec<bool> = inputs
        .iter()
        .map(|i| match i {
            stream::Input::Source(_) => true,
            stream::Input::Array(a) => a.buffer().mapped_file().is_some(),
        })
        .collect();
    Ok(p.stream_text(&streamed, ExecOptions::default().budget()))
}

/// Checks layouts against a graph's inputs.
fn prepare_layouts_check(g: &Graph, layouts: &[Layout]) -> Result<()> {
    if layouts.len() != g.inputs().len() {
        return shape_err!("the graph takes {} inputs, got {}", g.inputs().len(), layouts.len());
    }
    for (&i, l) in g.inputs().iter().zip(layouts) {
        let n = g.node(i);
        if n.dtype != l.0 || n.shape != l.1 {
            return type_err!(
                "input '{}' is declared {}{:?}, got {}{:?}",
                g.input_name(i).unwrap_or("?"),
                n.dtype,
                n.shape,
                l.0,
                l.1
            );
        }
    }
    Ok(())
}

fn prepare_program(
    program: Program,
    plan: BufferPlan,
    layouts: Vec<Layout>,
    mask: &[bool],
    last_read: Vec<Option<usize>>,
    buf_last: Vec<Option<usize>>,
) -> Result<Prepared> {
    let mut kernels = vec![];
    let mut kid = 0;
    for s in &program.steps {
        kernels.push(match s {
            Step::Kernel(k) => {
                let (func, binds) = lower_kernel(&program, k, kid, &layouts, None);
                kid += 1;
                let compiled = cache::get_or_compile(&func)?;
                Some(PreparedKernel { func, binds, compiled })
            }
            Step::Node { .. } => None,
        });
    }
    Ok(Prepared {
        program,
        layouts,
        kernels,
        plan,
        donating: mask.iter().any(|&d| d),
        last_read,
        buf_last,
    })
}

/// Last reading step of every temporary and last step needing every
/// planned buffer (outputs: `None`, they are returned).
fn lifetimes(p: &Program, plan: &BufferPlan) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let mut last = vec![None; p.tmps.len()];
    let mut first = vec![usize::MAX; p.tmps.len()];
    for (si, s) in p.steps.iter().enumerate() {
        let reads: Vec<Val> = match s {
            Step::Kernel(k) => k
                .body
                .iter()
                .filter_map(|i| match &i.op {
                    fuse::KOp::Load { src, .. } => Some(*src),
                    _ => None,
                })
                .collect(),
            Step::Node { arg, .. } => vec![*arg],
        };
        for v in reads {
            if let Val::Tmp(t) = v {
                last[t as usize] = Some(si);
            }
        }
        let writes = match s {
            Step::Kernel(k) => k.writes(),
            Step::Node { out, .. } => vec![*out],
        };
        for t in writes {
            first[t as usize] = first[t as usize].min(si);
            // A temporary nobody reads dies where it is written.
            if last[t as usize].is_none() {
                last[t as usize] = Some(si);
            }
        }
    }
    for &o in &p.outputs {
        if let Val::Tmp(t) = o {
            last[t as usize] = None;
        }
    }
    let mut buf_last: Vec<Option<usize>> = vec![Some(0); plan.bufs.len()];
    for (b, pb) in plan.bufs.iter().enumerate() {
        buf_last[b] = if pb.output {
            None
        } else {
            pb.tmps
                .iter()
                .map(|&t| last[t as usize])
                .try_fold(0usize, |m, l| l.map(|l| m.max(l)))
        };
    }
    (last, buf_last)
}

fn check_inputs(g: &Graph, inputs: &[Array]) -> Result<()> {
    if inputs.len() != g.inputs().len() {
        return shape_err!("the graph takes {} inputs, got {}", g.inputs().len(), inputs.len());
    }
    for (&i, a) in g.inputs().iter().zip(inputs) {
        let n = g.node(i);
        if n.dtype != a.dtype() || n.shape != a.shape() {
            return type_err!(
                "input '{}' is declared {}{:?}, got {}{:?}",
                g.input_name(i).unwrap_or("?"),
                n.dtype,
                n.shape,
                a.dtype(),
                a.shape()
            );
        }
    }
    Ok(())
}

/// Lowers and optimizes kernel `k`; temporaries are C-contiguous, except
/// `out_layout` (tmp, strides, offset) for a caller-provided output.
fn lower_kernel(
    p: &Program,
    k: &fuse::Kernel,
    kid: usize,
    inputs: &[Layout],
    out_layout: Option<(u32, &[isize], isize)>,
) -> (LoopFunc, Vec<Binding>) {
    let layout = |v: Val| -> (Vec<isize>, isize) {
        match v {
            Val::Input(i) => {
                let l = &inputs[i as usize];
                (l.2.clone(), l.3)
            }
            Val::Tmp(t) => match out_layout {
                Some((ot, st, off)) if ot == t => (st.to_vec(), off),
                _ => (c_strides(&p.tmps[t as usize].1), 0),
            },
        }
    };
    let (mut f, binds) = loops::lower(p, k, &format!("k{kid}"), &layout);
    loops::optimize(&mut f);
    (f, binds)
}

fn eval_node(op: &Op, arg: &Array) -> Result<Array> {
    if let Op::Reshape(s) = op {
        return arg.reshape(s);
    }
    let mut g = Graph::new();
    let x = g.add_input("x", arg.dtype(), arg.shape())?;
    let r = g.add(op.clone(), &[x])?;
    g.set_outputs(vec![r]);
    Ok(crate::interp::interpret(&g, std::slice::from_ref(arg))?.remove(0))
}

/// Runs one kernel over its whole iteration space. `base[i]` is the layout
/// input `i` was lowered for: an input at another offset (same strides) is
/// moved by the difference.
fn launch(
    pk: &PreparedKernel,
    inputs: &[Array],
    base: &[Layout],
    tmps: &[Option<Array>],
    threads: usize,
) -> Result<()> {
    let ptrs = param_ptrs(pk, |b, size| {
        Ok(match b.val {
            Val::Input(i) => {
                let a = &inputs[i as usize];
                a.buffer()
                    .as_ptr()
                    .wrapping_offset((a.offset() - base[i as usize].3) * size)
            }
            Val::Tmp(t) => tmps[t as usize]
                .as_ref()
                .ok_or_else(|| Error::Internal(format!("temporary %t{t} not ready")))?
                .buffer()
                .as_ptr(),
        })
    })?;
    let mut k = KernelRun::new(pk, ptrs, tmps)?;
    let outer = pk.func.dims[0];
    k.run_range(pk, 0, outer, threads)?;
    k.finish();
    Ok(())
}

/// Each param's pointer at iteration point zero: `start(binding)` is the
/// start of the memory the param's offsets count from (its buffer, or a
/// moved or windowed stand-in for it).
fn param_ptrs(pk: &PreparedKernel, start: impl Fn(&Binding, isize) -> Result<*mut u8>) -> Result<Vec<*mut u8>> {
    let f = &pk.func;
    let mut ptrs = Vec::with_capacity(f.params.len());
    for (p, b) in f.params.iter().zip(&pk.binds) {
        let size = p.dtype.size() as isize;
        if b.index {
            // No buffer: the kernel computes the index from this
            // "address" (the offset) and the strides, never dereferencing.
            ptrs.push(std::ptr::null_mut::<u8>().wrapping_offset(b.offset * size));
            continue;
        }
        ptrs.push(start(b, size)?.wrapping_offset(b.offset * size));
    }
    Ok(ptrs)
}

/// A kernel being run, over its whole outermost extent or window by
/// window (in order).
struct KernelRun {
    l: exec::Launch,
    /// For a kernel folding along its outermost loop.
    reducer: Option<exec::Reducer>,
}

impl KernelRun {
    /// Sets param `p`'s pointer (a window's stand-in for its memory).
    fn set_ptr(&mut self, p: usize, ptr: *mut u8) {
        self.l.ptrs[p] = ptr;
    }

    fn new(pk: &PreparedKernel, ptrs: Vec<*mut u8>, tmps: &[Option<Array>]) -> Result<KernelRun> {
        let f = &pk.func;
        let mut strides = Vec::with_capacity(f.params.len() * f.ndims());
        for p in &f.params {
            let size = p.dtype.size() as isize;
            strides.extend(p.strides.iter().map(|&s| s * size));
        }
        // Accumulators reduced along the outermost loop take the fixed-chunk
        // path (partials combined pairwise, independent of `threads`).
        let mut parts = vec![];
        for i in &f.body {
            if let loops::LOp::Accum(p, op, _) = i.op {
                if f.params[p].strides[0] == 0 && f.dims[0] > 1 {
                    let Val::Tmp(t) = pk.binds[p].val else {
                        return Err(Error::Internal("accumulator bound to an input".into()));
                    };
                    let arr = tmps[t as usize]
                        .as_ref()
                        .ok_or_else(|| Error::Internal(format!("accumulator %t{t} not allocated")))?;
                    parts.push(exec::Partial {
                        param: p,
                        op,
                        dtype: i.ty,
                        len: arr.len(),
                        offset: pk.binds[p].offset * i.ty.size() as isize,
                    });
                }
            }
        }
        let l = exec::Launch {
            ptrs,
            strides,
            dims: f.dims.clone(),
        };
        // argmin/argmax reduced along the outermost loop: in order (their
        // pair accumulators are not split into partials).
        let outer_arg = f.body.iter().any(|i| {
            matches!(i.op, loops::LOp::ArgAccum { index_out, .. } if f.params[index_out].strides[0] == 0 && f.dims[0] > 1)
        });
        let reducer = (outer_arg || !parts.is_empty()).then(|| exec::Reducer::new(&l, parts, outer_arg));
        Ok(KernelRun { l, reducer })
    }

    /// Outermost iterations windows must be multiples of (except the last).
    fn align(&self) -> usize {
        self.reducer.as_ref().map_or(1, exec::Reducer::rows)
    }

    /// Runs outermost iterations `[lo, hi)`.
    fn run_range(&mut self, pk: &PreparedKernel, lo: usize, hi: usize, threads: usize) -> Result<()> {
        match &mut self.reducer {
            Some(r) => r.run_range(&pk.compiled, &self.l, lo, hi, threads),
            None => exec::run_range(&pk.compiled, &self.l, lo, hi, threads),
        }
    }

    /// Folds the partials into the accumulators.
    fn finish(self) {
        if let Some(r) = self.reducer {
            r.finish(&self.l);
        }
    }
}

/// Turns the sums of `mean`, `var`, `std` into their values, as the
/// interpreter defines them: the division by the count happens in float64
/// and is rounded to the result dtype; `var = max(Σd² - (Σd)²/n, 0) / (n -
/// ddof)` with `d = x - K` (see [`fuse::KRed`]); `std = sqrt(var)` in the
/// result dtype.
fn finalize(k: &fuse::Kernel, tmps: &[Option<Array>]) -> Result<()> {
    use crate::expr::ReduceOp;
    for r in &k.reds {
        if r.op.single_axis() {
            if r.count(&k.shape) == 0 {
                return shape_err!("attempt to get argmin/argmax of an empty sequence");
            }
            // No element beat the starting extreme: they all equal it, and
            // the first wins.
            let out = tmps[r.tmp as usize].as_ref().expect("reduction computed");
            // SAFETY: a fresh C-contiguous i64 array of `len` elements.
            let idx = unsafe { std::slice::from_raw_parts_mut(out.buffer().as_ptr() as *mut i64, out.len()) };
            for x in idx.iter_mut().filter(|x| **x < 0) {
                *x = 0;
            }
            continue;
        }
        if !matches!(r.op, ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std) {
            continue;
        }
        let n = r.count(&k.shape);
        let out = tmps[r.tmp as usize].as_ref().expect("reduction computed");
        let s1 = r.aux.map(|(t, _)| tmps[t as usize].as_ref().expect("aux computed"));
        let dof = n.saturating_sub(r.ddof as usize) as f64;
        let nf = n as f64;
        let value = |s: f64, s1: Option<f64>| -> f64 {
            match (r.op, s1) {
                (ReduceOp::Mean, _) => s / nf,
                (_, Some(d)) if n > 0 => {
                    // Rounding can make the difference slightly negative;
                    // NaN (from inf or NaN data) must stay NaN. A finite
                    // `d` means finite data: squares that overflowed then
                    // make the variance inf, as in NumPy's two passes (not
                    // inf - inf). `d * (d / n)` is at most `s`, so it does
                    // not overflow where `d * d` would.
                    let m2 = if s == f64::INFINITY && d.is_finite() {
                        f64::INFINITY
                    } else {
                        s - d * (d / nf)
                    };
                    (if m2 < 0.0 { 0.0 } else { m2 }) / dof
                }
                _ => f64::NAN,
            }
        };
        let len = out.len();
        let base = out.buffer().as_ptr();
        let aux = s1.map(|a| a.buffer().as_ptr());
        let std = r.op == ReduceOp::Std;
        // SAFETY: fresh C-contiguous arrays of `len` elements of the dtype.
        unsafe {
            match out.dtype() {
                DType::F64 => {
                    let o = std::slice::from_raw_parts_mut(base as *mut f64, len);
                    for (j, x) in o.iter_mut().enumerate() {
                        let d = aux.map(|p| *(p as *const f64).add(j));
                        let v = value(*x, d);
                        *x = if std { v.sqrt() } else { v };
                    }
                }
                DType::F32 => {
                    let o = std::slice::from_raw_parts_mut(base as *mut f32, len);
                    for (j, x) in o.iter_mut().enumerate() {
                        let d = aux.map(|p| *(p as *const f32).add(j) as f64);
                        let v = value(*x as f64, d) as f32;
                        *x = if std { v.sqrt() } else { v };
                    }
                }
                dt => return Err(Error::Internal(format!("{} of dtype {dt}", r.op))),
            }
        }
    }
    Ok(())
}

impl Prepared {
    /// The array for temporary `t` in its planned home: a view of planned
    /// buffer `bufN` (allocated on first use, reused afterwards) or a
    /// donated input overwritten in place.
    fn planned(&self, t: u32, inputs: &[Option<&Array>], bufs: &mut [Option<Arc<Buffer>>]) -> Result<Array> {
        let (dt, shape) = &self.program.tmps[t as usize];
        match self.plan.homes.get(t as usize) {
            Some(&Home::Buf(b)) if (b as usize) < bufs.len() => {
                let slot = &mut bufs[b as usize];
                let buf = match slot {
                    Some(x) => x.clone(),
                    None => {
                        let x = Arc::new(Buffer::for_output(self.plan.bufs[b as usize].bytes)?);
                        *slot = Some(x.clone());
                        x
                    }
                };
                Ok(Array::from_parts(buf, *dt, shape.clone(), c_strides(shape), 0))
            }
            Some(&Home::Input(k)) => {
                let a =
                    inputs.get(k as usize).copied().flatten().ok_or_else(|| {
                        Error::Internal(format!("%t{t} planned over input {k}, which is not in memory"))
                    })?;
                if a.dtype() != *dt || a.shape() != shape.as_slice() || !a.is_c_contiguous() || a.offset() != 0 {
                    return Err(Error::Internal(format!("%t{t} cannot be written over input {k}")));
                }
                Ok(a.clone())
            }
            _ => Array::for_output(*dt, shape),
        }
    }

    /// Whether `inputs` fit the layouts this plan was prepared for (see
    /// [`fits`]).
    pub(crate) fn accepts(&self, inputs: &[Array]) -> bool {
        inputs.len() == self.layouts.len() && inputs.iter().zip(&self.layouts).all(|(a, l)| fits(a, l, self.donating))
    }

    /// The buffer plan.
    pub fn buffer_plan(&self) -> &BufferPlan {
        &self.plan
    }

    /// The fused program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The loop functions of the kernels, in step order.
    pub fn loop_funcs(&self) -> impl Iterator<Item = &LoopFunc> {
        self.kernels.iter().flatten().map(|k| &k.func)
    }

    /// Number of kernels.
    pub fn kernel_count(&self) -> usize {
        self.kernels.iter().flatten().count()
    }

    /// Runs with fresh outputs.
    pub fn run(&self, inputs: &[Array], opts: &ExecOptions) -> Result<Vec<Array>> {
        self.run_impl(inputs, None, opts)
    }

    /// Runs, writing the single output into `out` (dtype and shape must
    /// match; any layout). `out` is made the only owner of its buffer first
    /// (copy-on-write).
    pub fn run_into(&self, inputs: &[Array], out: &mut Array, opts: &ExecOptions) -> Result<()> {
        out.make_unique()?;
        self.run_into_exclusive(inputs, out, opts)
    }

    pub(crate) fn run_into_exclusive(&self, inputs: &[Array], out: &mut Array, opts: &ExecOptions) -> Result<()> {
        if self.program.outputs.len() != 1 {
            return shape_err!(
                "eval_into needs one output, the expression has {}",
                self.program.outputs.len()
            );
        }
        let (dt, shape) = self.program.val_type(self.program.outputs[0]);
        if out.dtype() != dt || out.shape() != shape {
            return type_err!(
                "output array is {}{:?}, the result is {dt}{:?}",
                out.dtype(),
                out.shape(),
                shape
            );
        }
        if !out.is_writable() {
            return shape_err!("output array is read-only");
        }
        if crate::array::layout::may_self_overlap(out.shape(), out.strides()) {
            return shape_err!("output array's elements overlap (a broadcast or strided window view)");
        }
        let aliased = inputs.iter().any(|a| a.shares_memory(out));
        if aliased {
            let r = self.run_impl(inputs, None, opts)?.remove(0);
            out.assign_from(&r);
            return Ok(());
        }
        self.run_impl(inputs, Some(out), opts).map(|_| ())
    }

    /// Allocates kernel `k`'s accumulators in their planned homes, filled
    /// with their folds' identities (argmin/argmax: index -1, any value).
    fn init_accumulators(
        &self,
        k: &fuse::Kernel,
        ins: &[Option<&Array>],
        tmps: &mut [Option<Array>],
        bufs: &mut [Option<Arc<Buffer>>],
    ) -> Result<()> {
        for r in &k.reds {
            let arg = r.op.single_axis();
            let mut accs = vec![(r.tmp, (!arg).then(|| r.fold_op()))];
            if let Some((t, _)) = r.aux {
                accs.push((t, (!arg).then_some(crate::expr::BinaryOp::Add)));
            }
            for (t, op) in accs {
                let a = self.planned(t, ins, bufs)?;
                let bits = match op {
                    Some(op) => exec::identity_bits(op, a.dtype()),
                    None if t == r.tmp => u64::MAX,
                    None => 0,
                };
                // SAFETY: a C-contiguous array of `len` elements.
                unsafe { exec::fill_bits(a.as_ptr() as *mut u8, a.dtype(), a.len(), bits) };
                tmps[t as usize] = Some(a);
            }
        }
        Ok(())
    }

    /// Frees what step `si` was the last to need.
    fn release(&self, si: usize, tmps: &mut [Option<Array>], bufs: &mut [Option<Arc<Buffer>>]) {
        for (t, l) in self.last_read.iter().enumerate() {
            if *l == Some(si) {
                tmps[t] = None;
            }
        }
        for (b, l) in self.buf_last.iter().enumerate() {
            if *l == Some(si) {
                bufs[b] = None;
            }
        }
    }

    fn run_impl(&self, inputs: &[Array], out: Option<&mut Array>, opts: &ExecOptions) -> Result<Vec<Array>> {
        if inputs.len() != self.layouts.len()
            || inputs
                .iter()
                .zip(&self.layouts)
                .any(|(a, l)| !fits(a, l, self.donating))
        {
            return shape_err!("inputs do not have the layouts the plan was prepared for");
        }
        let threads = opts.thread_count()?;
        let p = &self.program;
        // The output a kernel writes straight into `out` (a boundary node's
        // result is copied into it at the end instead).
        let out_tmp = match (p.outputs.first(), &out) {
            (Some(&Val::Tmp(t)), Some(_)) => p.kernels().any(|k| k.stores.iter().any(|s| s.0 == t)).then_some(t),
            _ => None,
        };
        let mut out = out;
        let ins: Vec<Option<&Array>> = inputs.iter().map(Some).collect();
        let mut tmps: Vec<Option<Array>> = vec![None; p.tmps.len()];
        let mut bufs: Vec<Option<Arc<Buffer>>> = vec![None; self.plan.bufs.len()];
        let mut kid = 0;
        for (si, (s, pk)) in p.steps.iter().zip(&self.kernels).enumerate() {
            match s {
                Step::Kernel(k) => {
                    self.init_accumulators(k, &ins, &mut tmps, &mut bufs)?;
                    let mut relowered = None;
                    for &(t, _) in &k.stores {
                        let (dt, shape) = &p.tmps[t as usize];
                        let arr = match (&mut out, out_tmp == Some(t)) {
                            (Some(o), true) => {
                                let c = kernel_strides(shape, &c_strides(shape));
                                let os = kernel_strides(o.shape(), o.strides());
                                if os != c || o.offset() != 0 {
                                    let (func, binds) =
                                        lower_kernel(p, k, kid, &self.layouts, Some((t, &os, o.offset())));
                                    let compiled = cache::get_or_compile(&func)?;
                                    relowered = Some(PreparedKernel { func, binds, compiled });
                                }
                                (**o).clone()
                            }
                            // The kernel writes every element: the planned
                            // buffer (reused, or an operand dying here).
                            _ => {
                                let _ = (dt, shape);
                                self.planned(t, &ins, &mut bufs)?
                            }
                        };
                        tmps[t as usize] = Some(arr);
                    }
                    let pk = relowered.as_ref().or(pk.as_ref()).expect("kernel prepared");
                    launch(pk, inputs, &self.layouts, &tmps, threads)?;
                    finalize(k, &tmps)?;
                    kid += 1;
                }
                Step::Node { out: o, op, arg } => {
                    let a = match *arg {
                        Val::Input(i) => &inputs[i as usize],
                        Val::Tmp(t) => tmps[t as usize].as_ref().expect("operand ready"),
                    };
                    let r = eval_node(op, a)?;
                    // A reshape may come back as a view of its operand's
                    // buffer, which the plan may hand to a later temporary
                    // once the operand is dead: the result goes to its own
                    // planned buffer.
                    let r = if r.shares_memory(a) {
                        let mut dst = self.planned(*o, &ins, &mut bufs)?;
                        dst.assign_from(&r);
                        dst
                    } else {
                        r
                    };
                    tmps[*o as usize] = Some(r);
                }
            }
            self.release(si, &mut tmps, &mut bufs);
        }
        let results: Vec<Array> = p
            .outputs
            .iter()
            .map(|&v| match v {
                Val::Input(i) => inputs[i as usize].clone(),
                Val::Tmp(t) => tmps[t as usize].clone().expect("output computed"),
            })
            .collect();
        if let (Some(o), None) = (out, out_tmp) {
            o.assign_from(&results[0]);
        }
        Ok(results)
    }
}

// ------------------------------------------------------------ plan cache

struct PlanEntry {
    graph: Graph,
    layouts: Vec<Layout>,
    donated: Vec<bool>,
    plan: Arc<Prepared>,
    last_use: u64,
}

const PLAN_CAPACITY: usize = 256;

#[allow(clippy::type_complexity)]
fn plans() -> &'static Mutex<(HashMap<u64, Vec<PlanEntry>>, u64)> {
    static PLANS: OnceLock<Mutex<(HashMap<u64, Vec<PlanEntry>>, u64)>> = OnceLock::new();
    PLANS.get_or_init(|| Mutex::new((HashMap::new(), 0)))
}

fn plan_hash(g: &Graph, inputs: &[Array], donated: &[bool]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for id in g.ids() {
        let n = g.node(id);
        n.op.hash(&mut h);
        n.args.hash(&mut h);
        n.dtype.hash(&mut h);
        n.shape.hash(&mut h);
    }
    g.outputs().hash(&mut h);
    let donating = donated.iter().any(|&d| d);
    for a in inputs {
        kernel_strides(a.shape(), a.strides()).hash(&mut h);
        if donating {
            a.offset().hash(&mut h);
        }
    }
    donated.hash(&mut h);
    h.finish()
}

/// The prepared plan for `g` and the layouts of `inputs`, cached.
pub fn prepare_cached(g: &Graph, inputs: &[Array]) -> Result<Arc<Prepared>> {
    prepare_cached_donating(g, inputs, &vec![false; inputs.len()])
}

/// [`prepare_cached`] for a donation mask (part of the cache key).
fn prepare_cached_donating(g: &Graph, inputs: &[Array], donated: &[bool]) -> Result<Arc<Prepared>> {
    let h = plan_hash(g, inputs, donated);
    {
        let mut guard = plans().lock().unwrap_or_else(|e| e.into_inner());
        let (map, tick) = &mut *guard;
        *tick += 1;
        if let Some(v) = map.get_mut(&h) {
            for e in v.iter_mut() {
                if e.layouts.len() == inputs.len()
                    && e.donated == donated
                    && e.layouts.iter().zip(inputs).all(|(l, a)| fits(a, l, e.plan.donating))
                    && e.graph == *g
                {
                    e.last_use = *tick;
                    return Ok(e.plan.clone());
                }
            }
        }
    }
    let plan = Arc::new(prepare_donating(g, inputs, donated)?);
    let mut guard = plans().lock().unwrap_or_else(|e| e.into_inner());
    let (map, tick) = &mut *guard;
    let n: usize = map.values().map(Vec::len).sum();
    if n >= PLAN_CAPACITY {
        // Evict the least recently used plan.
        let oldest = map
            .iter()
            .flat_map(|(k, v)| v.iter().enumerate().map(move |(i, e)| (e.last_use, *k, i)))
            .min();
        if let Some((_, k, i)) = oldest {
            if let Some(v) = map.get_mut(&k) {
                v.remove(i);
            }
        }
    }
    map.entry(h).or_default().push(PlanEntry {
        graph: g.clone(),
        layouts: inputs.iter().map(layout_of).collect(),
        donated: donated.to_vec(),
        plan: plan.clone(),
        last_use: *tick,
    });
    Ok(plan)
}

/// Evaluates a simplified graph: fused kernels (element-wise work and the
/// reductions it feeds) JIT-compiled and run; copying reshapes evaluated
/// by the interpreter on materialised operands.
///
/// ```
/// use lazyfuse::{Array};
/// use lazyfuse::ir::Graph;
/// use lazyfuse::internals::runtime::{eval_graph, ExecOptions};
/// let g = Graph::parse("graph @f(%a: f64[3], %b: f64[3]) {
///     %0 = mul %a, %b : f64[3]
///     return %0
/// }")?;
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
/// let out = eval_graph(&g, &[a.clone(), a], &ExecOptions::default())?;
/// assert_eq!(out[0].to_vec::<f64>()?, vec![1.0, 4.0, 9.0]);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn eval_graph(g: &Graph, inputs: &[Array], opts: &ExecOptions) -> Result<Vec<Array>> {
    check_inputs(g, inputs)?;
    prepare_cached(g, inputs)?.run(inputs, opts)
}

/// [`eval_graph`] with inputs handed over by value: where `donated[i]`,
/// `inputs` holds the only reference to the buffer (`Array::is_unique`:
/// one `Arc`, no `Weak`), the buffer is writable, and the array is C-contiguous from its
/// buffer's start, the buffer plan may write a result over input `i` once
/// its last reader has run — the returned output then shares that buffer
/// and no new array memory is allocated for it. `inputs` is borrowed
/// mutably so that no `&[T]` of those arrays can be alive while they are
/// overwritten (a shared borrow could be, even with one `Arc`).
///
/// ```
/// use lazyfuse::{Array};
/// use lazyfuse::ir::Graph;
/// use lazyfuse::internals::runtime::{eval_graph_donating, ExecOptions};
/// let g = Graph::parse("graph @f(%a: f64[3]) {
///     %0 = mul %a, %a : f64[3]
///     return %0
/// }")?;
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
/// let p = a.as_ptr();
/// let out = eval_graph_donating(&g, &mut [a], &[true], &ExecOptions::default())?;
/// assert_eq!(out[0].to_vec::<f64>()?, vec![1.0, 4.0, 9.0]);
/// assert_eq!(out[0].as_ptr(), p); // written in place
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn eval_graph_donating(
    g: &Graph,
    inputs: &mut [Array],
    donated: &[bool],
    opts: &ExecOptions,
) -> Result<Vec<Array>> {
    check_inputs(g, inputs)?;
    let mask: Vec<bool> = inputs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            donated.get(i) == Some(&true)
                // The only `Arc`, and no `Weak` that could be upgraded
                // to read the buffer while it is written.
                && a.is_unique()
                && a.is_c_contiguous()
                && a.offset() == 0
        })
        .collect();
    prepare_cached_donating(g, inputs, &mask)?.run(inputs, opts)
}

/// Same as [`eval_graph`], writing the single output into `out` (dtype and
/// shape must match, `Err` otherwise).
/// `out` is made the only owner of its buffer first (copy-on-write).
pub fn eval_graph_into(g: &Graph, inputs: &[Array], out: &mut Array, opts: &ExecOptions) -> Result<()> {
    out.make_unique()?;
    eval_graph_into_exclusive(g, inputs, out, opts)
}

/// [`eval_graph_into`] for a destination the caller knows nothing else
/// reads or writes (a unique array, or the handle of an `ArrayViewMut`).
pub(crate) fn eval_graph_into_exclusive(
    g: &Graph,
    inputs: &[Array],
    out: &mut Array,
    opts: &ExecOptions,
) -> Result<()> {
    check_inputs(g, inputs)?;
    prepare_cached(g, inputs)?.run_into_exclusive(inputs, out, opts)
}

/// The text of the stages after `graph`: fused, loop, clif, asm.
pub(crate) fn explain_graph(g: &Graph, inputs: &[stream::Input]) -> Result<Stages> {
    let layouts: Vec<Layout> = inputs.iter().map(stream::Input::layout).collect();
    // (Checks the inputs against the graph.)
    prepare_layouts_check(g, &layouts)?;
    let program = fuse::fuse(g)?;
    let mut st = Stages {
        fused: program.to_string(),
        ..Stages::default()
    };
    let mut asm = String::new();
    for (kid, k) in program.kernels().enumerate() {
        let (f, _) = lower_kernel(&program, k, kid, &layouts, None);
        let _ = write!(st.loops, "{f}");
        let c = crate::jit::compile(&f, true)?;
        if let Some(clif) = &c.clif {
            let _ = writeln!(st.clif, "; kernel k{kid}\n{clif}");
        }
        if let Some(a) = &c.asm {
            let how = if cfg!(feature = "disas") {
                "x86-64 disassembly"
            } else {
                "Cranelift VCode"
            };
            let _ = writeln!(asm, "; kernel k{kid} ({how})\n{a}");
        }
    }
    st.asm = (!asm.is_empty()).then_some(asm);
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, inputs: &[Array]) {
        let g = Graph::parse(text).unwrap();
        let want = crate::interp::interpret(&g, inputs).unwrap();
        for threads in [1, 2] {
            let got = eval_graph(&g, inputs, &ExecOptions::default().with_threads(threads)).unwrap();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn cache_is_keyed_by_structure_not_size() {
        let text = |n: usize| {
            format!(
                "graph @f(%a: f32[{n}], %b: f32[{n}]) {{\n %0 = hypot %a, %b : f32[{n}]\n %1 = sub %0, %a : f32[{n}]\n return %1\n}}"
            )
        };
        let run = |n: usize| {
            let g = Graph::parse(&text(n)).unwrap();
            let a = Array::from_vec((0..n).map(|i| i as f32).collect::<Vec<_>>());
            let p = prepare(&g, &[a.clone(), a]).unwrap();
            p.kernels.into_iter().flatten().next().unwrap().compiled
        };
        let (k1, k2) = (run(100), run(1000));
        assert!(Arc::ptr_eq(&k1, &k2), "same structure, other size: one cached kernel");
        let k3 = run(2); // shorter than a vector: a scalar kernel
        assert!(!Arc::ptr_eq(&k1, &k3));
    }

    #[test]
    fn eval_into_any_layout() {
        let g = Graph::parse(
            "graph @f(%a: f64[6, 5]) {\n %0 = const 3.0 : f64[]\n %1 = mul %a, %0 : f64[6, 5]\n return %1\n}",
        )
        .unwrap();
        let a = Array::from_shape_vec(&[6, 5], (0..30).map(|i| i as f64).collect()).unwrap();
        let want = crate::interp::interpret(&g, std::slice::from_ref(&a))
            .unwrap()
            .remove(0);
        // A transposed destination and a reversed, strided one.
        let mut t = Array::zeros(DType::F64, &[5, 6]).t();
        eval_graph_into(&g, std::slice::from_ref(&a), &mut t, &ExecOptions::default()).unwrap();
        assert_eq!(t, want);
        let big = Array::zeros(DType::F64, &[12, 5]);
        let mut s = big
            .slice(&[crate::array::Index::Slice {
                start: None,
                stop: None,
                step: -2,
            }])
            .unwrap();
        eval_graph_into(
            &g,
            std::slice::from_ref(&a),
            &mut s,
            &ExecOptions::default().with_threads(2),
        )
        .unwrap();
        assert_eq!(s, want);
        // A broadcast destination is refused.
        let mut b = Array::zeros(DType::F64, &[5]).broadcast_to(&[6, 5]).unwrap();
        assert!(eval_graph_into(&g, std::slice::from_ref(&a), &mut b, &ExecOptions::default()).is_err());
        // Wrong shape or dtype is an error, not a panic.
        let mut bad = Array::zeros(DType::F32, &[6, 5]);
        assert!(eval_graph_into(&g, std::slice::from_ref(&a), &mut bad, &ExecOptions::default()).is_err());
        // A reduction result is copied into the destination.
        let r = Graph::parse("graph @f(%a: f64[6, 5]) {\n %0 = sum %a, axes=[1] : f64[6]\n return %0\n}").unwrap();
        let mut o = Array::zeros(DType::F64, &[6]);
        eval_graph_into(&r, std::slice::from_ref(&a), &mut o, &ExecOptions::default()).unwrap();
        assert_eq!(o, crate::interp::interpret(&r, &[a]).unwrap().remove(0));
    }

    #[test]
    fn concurrent_callers() {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    for k in 0..20 {
                        let n: i32 = 50 + k * 7 + t;
                        let text = format!(
                            "graph @f(%a: i32[{n}]) {{\n %0 = const {k} : i32[]\n %1 = add %a, %0 : i32[{n}]\n return %1\n}}"
                        );
                        let a = Array::from_vec((0..n).collect::<Vec<_>>());
                        check(&text, &[a]);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }

    #[test]
    fn eviction_keeps_running_kernels_valid() {
        // More distinct kernels than the cache holds; plans hold their own
        // references, so earlier ones still run after eviction.
        let a = Array::from_vec((0..9).map(|i| i as i64).collect::<Vec<_>>());
        let mut kept = vec![];
        for k in 0..(cache::CAPACITY + 8) as i64 {
            let text =
                format!("graph @f(%a: i64[9]) {{\n %0 = const {k} : i64[]\n %1 = xor %a, %0 : i64[9]\n return %1\n}}");
            let g = Graph::parse(&text).unwrap();
            let p = prepare(&g, std::slice::from_ref(&a)).unwrap();
            if k % 100 == 0 {
                kept.push((g, p));
            }
        }
        assert!(cache_stats().entries <= cache::CAPACITY);
        for (g, p) in &kept {
            let got = p.run(std::slice::from_ref(&a), &ExecOptions::default()).unwrap();
            assert_eq!(got, crate::interp::interpret(g, std::slice::from_ref(&a)).unwrap());
        }
    }

    #[test]
    fn kernel_nodes_cover_groups() {
        let g = Graph::parse(
            "graph @f(%a: f64[4]) {\n %0 = exp %a : f64[4]\n %1 = sum %0, axes=[0] : f64[]\n %2 = neg %0 : f64[4]\n return %1, %2\n}",
        )
        .unwrap();
        let p = fuse::fuse(&g).unwrap();
        assert_eq!(p.kernel_nodes.len(), 1);
        assert_eq!(p.kernel_nodes[0].len(), 3);
    }

    #[test]
    fn threads_split_large_arrays() {
        let n = 3 * MIN_PER_THREAD + 17;
        let a = Array::from_vec((0..n).map(|i| i as f64 * 0.001).collect::<Vec<_>>());
        check(
            &format!("graph @f(%a: f64[{n}]) {{\n %0 = sin %a : f64[{n}]\n %1 = mul %0, %a : f64[{n}]\n return %1\n}}"),
            &[a],
        );
    }

    #[test]
    fn constant_divisors() {
        use crate::array::Scalar;
        for dt in [
            DType::I8,
            DType::U8,
            DType::I16,
            DType::U16,
            DType::I32,
            DType::U32,
            DType::I64,
            DType::U64,
        ] {
            let bits = dt.bits();
            let mut vals: Vec<Scalar> = vec![];
            for k in 0..bits {
                for delta in [-1i128, 0, 1] {
                    let v = (1i128 << k) + delta;
                    vals.push(Scalar::from_bits(dt, v as u64));
                    vals.push(Scalar::from_bits(dt, (-v) as u64));
                }
            }
            for k in 0..200u64 {
                vals.push(Scalar::from_bits(dt, k.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
            }
            let n = vals.len();
            let mut a = Array::zeros(dt, &[n]);
            a.assign_scalars(&vals);
            let max = if dt.is_signed_int() {
                (1i128 << (bits - 1)) - 1
            } else {
                (1i128 << bits) - 1
            };
            let mut divisors = vec![
                1i128,
                2,
                3,
                5,
                6,
                7,
                10,
                12,
                100,
                255,
                1000,
                641,
                max,
                max - 1,
                max / 2 + 1,
                max / 3,
            ];
            divisors.retain(|&d| d > 0 && d <= max);
            for d in divisors {
                for op in ["floordiv", "mod", "fmod"] {
                    let text = format!(
                        "graph @f(%a: {dt}[{n}]) {{\n %0 = const {d} : {dt}[]\n %1 = {op} %a, %0 : {dt}[{n}]\n return %1\n}}"
                    );
                    check(&text, std::slice::from_ref(&a));
                }
            }
        }
    }

    #[test]
    fn poly4_matches_interpreter() {
        let n = 1001;
        let a = Array::from_vec((0..n).map(|i| i as f64 * 0.37 - 100.0).collect::<Vec<_>>());
        let b = Array::from_vec((0..n).map(|i| (i as f64).sin()).collect::<Vec<_>>());
        check(
            "graph @f(%a: f64[1001], %b: f64[1001]) {
                %0 = const 2.0 : f64[]
                %1 = mul %0, %a : f64[1001]
                %2 = mul %a, %b : f64[1001]
                %3 = add %1, %2 : f64[1001]
                %4 = const 4.0 : f64[]
                %5 = div %b, %4 : f64[1001]
                %6 = sub %3, %5 : f64[1001]
                %7 = sin %6 : f64[1001]
                return %7
            }",
            &[a, b],
        );
    }

    #[test]
    fn transposed_and_ints() {
        let a = Array::from_shape_vec(&[37, 5], (0..185).map(|i: i32| i * 7 - 300).collect()).unwrap();
        let b = a.t();
        check(
            "graph @f(%a: i32[5, 37], %b: i32[37]) {
                %0 = floordiv %a, %b : i32[5, 37]
                %1 = mod %a, %b : i32[5, 37]
                %2 = add %0, %1 : i32[5, 37]
                %3 = gt %2, %a : bool[5, 37]
                %4 = where %3, %2, %a : i32[5, 37]
                return %4, %3
            }",
            &[b, a.index_axis(1, 3).unwrap()],
        );
    }
}
