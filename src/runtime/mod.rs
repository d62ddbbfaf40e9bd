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
//! - [`prepare()`] / [`Prepared::run_into`]: compile once, run many times (for
//!   `bench`); [`eval_graph`] keeps recently prepared plans in a cache keyed
//!   by graph and input layouts, so a repeated call skips fusion and
//!   lowering and only looks its plan up.
//! - `explain_graph`: the `fused`, `loop`, `clif` and `asm` stages.
//! - [`cache_stats`]: kernel cache counters.
//!
//! Guarantees: results equal the interpreter's bit for bit (tested by
//! `tests/differential/`) except float sums, `mean`, `var`, `std` and
//! `prod`, which differ by rounding within the bounds stated in
//! `tests/reductions.rs`; identical whatever the thread count; kernels never read
//! or write outside their arrays (`tests/guard_pages.rs`).

mod boundary;
mod cache;
mod exec;
mod finish;
mod launch;
mod plan_cache;
mod prepare;
mod run;
mod sources;
pub(crate) mod stream;
mod windows;

use boundary::eval_node;
use finish::finalize;
use launch::{launch, param_ptrs, KernelRun};
use plan_cache::plans;
pub use plan_cache::prepare_cached;
pub(crate) use plan_cache::prepare_cached_donating;
pub(crate) use prepare::{
    assemble, check_inputs, fits, kernel_strides, layout_of, lower_kernel, prepare_donating, prepare_layouts, Layout,
    PreparedKernel,
};

/// A kernel's machine code, from the kernel cache (compiled on a miss).
pub(crate) fn compile_kernel(f: &LoopFunc) -> Result<Arc<Compiled>> {
    cache::get_or_compile(f)
}
pub use prepare::{prepare, Prepared};
pub(crate) use prepare::{prepare_layouts_check, stream_text};

use crate::array::layout::c_strides;
use crate::array::{Array, Buffer, DType};
use crate::error::{shape_err, type_err, Error, Result};
use crate::expr::{Graph, Op};
use crate::fuse::{self, Program, Step, Val};
use crate::jit::Compiled;
use crate::loops::{self, Binding, LoopFunc};
use crate::plan::{BufferPlan, Home};
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

/// How many kernels were compiled again for their text (for `explain`'s
/// `clif` and `asm` stages).
pub fn text_compiles() -> u64 {
    cache::text_compiles()
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
    /// The buffer plan (without donated inputs).
    pub plan: String,
    /// The loop IR of every kernel, after the loop passes.
    pub loops: String,
    /// The Cranelift IR of every kernel, as optimized by Cranelift.
    pub clif: String,
    /// Machine code (Cranelift's VCode listing), if available.
    pub asm: Option<String>,
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
pub(crate) fn explain_graph(g: &Graph, inputs: &[stream::Input], text: bool) -> Result<Stages> {
    // The plan evaluation runs (the same sequencer, through the same plan
    // and kernel caches): explaining an evaluated expression compiles
    // nothing new, except each kernel's text once (`cache::text_of`).
    let layouts: Vec<Layout> = inputs.iter().map(stream::Input::layout).collect();
    let p = plan_cache::prepare_cached_layouts(g, layouts)?;
    let mut st = Stages {
        fused: p.program.to_string(),
        plan: p.plan.to_string(),
        ..Stages::default()
    };
    let mut asm = String::new();
    for (kid, pk) in p.kernels.iter().flatten().enumerate() {
        let _ = write!(st.loops, "{}", pk.func);
        let (clif, a) = if text { cache::text_of(&pk.func)? } else { (None, None) };
        if let Some(clif) = &clif {
            let _ = writeln!(st.clif, "; kernel k{kid}\n{clif}");
        }
        if let Some(a) = &a {
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
mod tests;
