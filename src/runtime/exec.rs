//! The executor: runs one compiled kernel over its iteration space, split
//! along the outermost loop into chunks run by the requested number of
//! workers on one shared rayon pool. Element-wise kernels write each output
//! element exactly once, so the result is identical whatever the number of
//! threads or chunks.
//!
//! **The pool.** There is one pool per process, sized to the next power of
//! two of the largest thread count asked for so far (at most
//! [`MAX_THREADS`]); a launch with `t` threads spawns `t` workers on it that
//! take chunks from a shared counter, so no more than `t` threads run it
//! whatever the pool's size. A request beyond the pool's size replaces it
//! (the old pool's threads exit once its last launch is done), so a process
//! makes at most eight pools (2, 4, …, 256 threads) in its life and keeps
//! one: thread counts 2..64
//! leave 64 threads, not one pool per count.

use crate::error::{Error, Result};
use crate::jit::{host::STATUS_NEGATIVE_POWER, Compiled};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Below this many elements per thread, a kernel runs on the calling thread.
pub const MIN_PER_THREAD: usize = 1 << 15;

/// The most worker threads an evaluation may use (`ExecOptions::threads`,
/// `LAZYFUSE_THREADS`, `--threads`): far above any core count this code is
/// tuned for, low enough that a mistyped count cannot exhaust the
/// process's threads or memory (each pool thread reserves a stack).
pub const MAX_THREADS: usize = 256;

/// [`MIN_PER_THREAD`], or `LAZYFUSE_MIN_PER_THREAD` (read once; tests use a
/// small value to exercise chunking on small arrays).
pub fn min_per_thread() -> usize {
    crate::env::min_per_thread(MIN_PER_THREAD)
}

/// Arguments of one kernel launch (see [`crate::jit::KernelFn`]).
pub struct Launch {
    /// Pointer per param at iteration point zero.
    pub ptrs: Vec<*mut u8>,
    /// Byte strides, `[param][dim]`.
    pub strides: Vec<isize>,
    /// Extents.
    pub dims: Vec<usize>,
}

struct SendPtr(*const Launch);
// SAFETY: the launch outlives the scope that uses it and kernels only
// write disjoint chunks of the outputs.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    fn get(&self) -> &Launch {
        // SAFETY: made from a reference to a launch that outlives every use.
        unsafe { &*self.0 }
    }
}

/// The process's pool, with at least `threads` threads (see the module
/// header); `None` if its threads cannot be started (then callers run on
/// the calling thread).
fn pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    static POOL: Mutex<Option<Arc<rayon::ThreadPool>>> = Mutex::new(None);
    let threads = threads.min(MAX_THREADS);
    let mut cur = POOL.lock().ok()?;
    if let Some(p) = cur.as_ref().filter(|p| p.current_num_threads() >= threads) {
        return Some(p.clone());
    }
    let size = threads.next_power_of_two().min(MAX_THREADS);
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(size)
            .thread_name(|i| format!("lazyfuse-{i}"))
            .build()
            .ok()?,
    );
    // Dropping the old pool here lets its threads exit once no launch
    // holds it any more.
    *cur = Some(p.clone());
    Some(p)
}

/// Runs `work(i)` for every `i` in `0..n` on `workers` workers of `p`,
/// each taking the next `i` from a shared counter: at most `workers`
/// threads of the pool run it.
fn run_on(p: &rayon::ThreadPool, workers: usize, n: usize, work: &(dyn Fn(usize) + Sync)) {
    let next = AtomicUsize::new(0);
    let next = &next;
    p.scope(|s| {
        for _ in 0..workers.min(n) {
            s.spawn(move |_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                work(i);
            });
        }
    });
}

/// Runs `k` over outermost iterations `[lo, hi)` of `l` (a window of a
/// streamed evaluation, or the whole extent) with up to `threads` threads.
pub fn run_range(k: &Compiled, l: &Launch, lo: usize, hi: usize, threads: usize) -> Result<()> {
    let all: usize = l.dims.iter().product();
    if all == 0 || lo >= hi {
        return Ok(());
    }
    let outer = hi - lo;
    let total = all / l.dims[0] * outer;
    let status = AtomicU32::new(0);
    let f = k.func();
    let t = threads.min(total / min_per_thread()).min(outer).max(1);
    let call = |lo: usize, hi: usize| {
        // SAFETY: pointers, strides and extents describe live arrays that
        // the kernel's params were lowered for; [lo, hi) is within the
        // outermost extent.
        unsafe { f(l.ptrs.as_ptr(), l.strides.as_ptr(), l.dims.as_ptr(), lo, hi, &status) }
    };
    match (t > 1).then(|| pool(t)).flatten() {
        None => call(lo, hi),
        Some(p) => {
            // Many chunks per thread (but none below `min_per_thread`
            // elements) balance uneven progress — on a shared machine one
            // core is often slower than the other; with one loop, chunk
            // edges are multiples of 64 elements (whole vectors).
            let many = (t * 16).min(total / min_per_thread()).max(t);
            let chunks = if l.dims.len() == 1 { many } else { many.min(outer) };
            let align = if l.dims.len() == 1 { 64 } else { 1 };
            let per = outer.div_ceil(chunks).div_ceil(align) * align;
            let lp = SendPtr(l);
            let st = &status;
            run_on(&p, t, outer.div_ceil(per), &|c| {
                let (lo, hi) = (lo + c * per, (lo + (c + 1) * per).min(hi));
                let l = lp.get();
                // SAFETY: see `call`; chunks are disjoint parts of the
                // outermost extent.
                unsafe { f(l.ptrs.as_ptr(), l.strides.as_ptr(), l.dims.as_ptr(), lo, hi, st) }
            });
        }
    }
    check_status(&status)
}

// ------------------------------------------------------------ reductions

/// Elements of the iteration space per reduction chunk (a fixed number,
/// whatever the thread count, so results do not depend on it).
pub const REDUCE_CHUNK: usize = 1 << 18;
/// Above this many bytes of partial accumulators per chunk, a reduction
/// along the outermost loop runs as one call (no partial copies).
const PARTIAL_LIMIT: usize = 256 << 10;

/// An accumulator param reduced along the outermost loop: each chunk of
/// that loop folds into its own partial copy (filled with the identity),
/// and partials are combined pairwise in a fixed tree.
#[derive(Clone, Debug)]
pub struct Partial {
    /// The param.
    pub param: usize,
    /// How values fold.
    pub op: crate::expr::BinaryOp,
    /// Element type.
    pub dtype: crate::array::DType,
    /// Elements of the accumulator array.
    pub len: usize,
    /// Byte offset of the param's pointer from the array's start.
    pub offset: isize,
}

/// The identity of folding with `op` in `dt`, as the element's bits.
pub fn identity_bits(op: crate::expr::BinaryOp, dt: crate::array::DType) -> u64 {
    use crate::array::DType;
    use crate::expr::BinaryOp::*;
    match (op, dt) {
        (Add, _) | (LogicalOr, _) | (Maximum, DType::Bool) => 0,
        (Mul, DType::F64) => 1f64.to_bits(),
        (Mul, DType::F32) => 1f32.to_bits() as u64,
        (Mul, _) | (LogicalAnd, _) | (Minimum, DType::Bool) => 1,
        (Minimum, DType::F64) => f64::INFINITY.to_bits(),
        (Minimum, DType::F32) => f32::INFINITY.to_bits() as u64,
        (Maximum, DType::F64) => f64::NEG_INFINITY.to_bits(),
        (Maximum, DType::F32) => f32::NEG_INFINITY.to_bits() as u64,
        (op, dt) => {
            let bits = dt.size() * 8;
            let mask = u64::MAX >> (64 - bits);
            match (op, dt.is_signed_int()) {
                (Minimum, true) => mask >> 1,
                (Minimum, false) => mask,
                (_, true) => 1 << (bits - 1),
                _ => 0,
            }
        }
    }
}

/// Fills `n` elements of `dt` at `dst` with `bits`.
///
/// # Safety
/// `dst` must be valid for `n * dt.size()` bytes of writes.
pub unsafe fn fill_bits(dst: *mut u8, dt: crate::array::DType, n: usize, bits: u64) {
    let size = dt.size();
    let pat = bits.to_le_bytes();
    let out = std::slice::from_raw_parts_mut(dst, n * size);
    for c in out.chunks_exact_mut(size) {
        c.copy_from_slice(&pat[..size]);
    }
}

/// `dst[i] = op(dst[i], src[i])` for `n` elements of `dt`, with the
/// interpreter's semantics (wrapping integers, NaN-propagating min/max).
///
/// # Safety
/// Both pointers must be valid for `n` elements (any alignment).
pub unsafe fn combine(op: crate::expr::BinaryOp, dt: crate::array::DType, dst: *mut u8, src: *const u8, n: usize) {
    use crate::array::DType;
    use crate::expr::BinaryOp::*;
    macro_rules! go {
        ($t:ty, $f:expr) => {{
            let f = $f;
            for i in 0..n {
                let d = (dst as *mut $t).add(i);
                let s = (src as *const $t).add(i);
                d.write_unaligned(f(d.read_unaligned(), s.read_unaligned()));
            }
        }};
    }
    macro_rules! float {
        ($t:ty) => {
            match op {
                Add => go!($t, |a: $t, b: $t| a + b),
                Mul => go!($t, |a: $t, b: $t| a * b),
                Minimum => go!($t, |a: $t, b: $t| if a.is_nan() || b.is_nan() {
                    <$t>::NAN
                } else {
                    a.min(b)
                }),
                _ => go!($t, |a: $t, b: $t| if a.is_nan() || b.is_nan() {
                    <$t>::NAN
                } else {
                    a.max(b)
                }),
            }
        };
    }
    macro_rules! int {
        ($t:ty) => {
            match op {
                Add => go!($t, |a: $t, b: $t| a.wrapping_add(b)),
                Mul => go!($t, |a: $t, b: $t| a.wrapping_mul(b)),
                Minimum => go!($t, |a: $t, b: $t| a.min(b)),
                _ => go!($t, |a: $t, b: $t| a.max(b)),
            }
        };
    }
    match dt {
        DType::F64 => float!(f64),
        DType::F32 => float!(f32),
        DType::Bool => match op {
            Mul | Minimum | LogicalAnd => go!(u8, |a: u8, b: u8| a & b),
            _ => go!(u8, |a: u8, b: u8| a | b),
        },
        DType::I8 => int!(i8),
        DType::I16 => int!(i16),
        DType::I32 => int!(i32),
        DType::I64 => int!(i64),
        DType::U8 => int!(u8),
        DType::U16 => int!(u16),
        DType::U32 => int!(u32),
        DType::U64 => int!(u64),
    }
}

/// One set of partial accumulators (one buffer per [`Partial`]).
type Parts = Vec<Vec<u64>>;

fn new_parts(parts: &[Partial]) -> Parts {
    parts
        .iter()
        .map(|p| {
            let words = (p.len * p.dtype.size()).div_ceil(8).max(1);
            let mut v = vec![0u64; words];
            // SAFETY: `v` holds at least `len` elements.
            unsafe { fill_bits(v.as_mut_ptr() as *mut u8, p.dtype, p.len, identity_bits(p.op, p.dtype)) };
            v
        })
        .collect()
}

fn merge(parts: &[Partial], a: &mut Parts, b: &Parts) {
    for ((p, x), y) in parts.iter().zip(a.iter_mut()).zip(b) {
        // SAFETY: both buffers hold `len` elements.
        unsafe { combine(p.op, p.dtype, x.as_mut_ptr() as *mut u8, y.as_ptr() as *const u8, p.len) };
    }
}

/// Pairwise combination of a sequence of partials: a binary counter (merge
/// the two newest while they cover equally many chunks), then right to
/// left. The tree depends only on the sequence's length.
struct Tree {
    stack: Vec<(u32, Parts)>,
    /// Merged-away partials, refilled instead of reallocated.
    spare: Vec<Parts>,
}

impl Tree {
    fn fresh(&mut self, parts: &[Partial]) -> Parts {
        match self.spare.pop() {
            Some(mut x) => {
                for (p, buf) in parts.iter().zip(x.iter_mut()) {
                    // SAFETY: `buf` holds at least `len` elements.
                    unsafe {
                        fill_bits(
                            buf.as_mut_ptr() as *mut u8,
                            p.dtype,
                            p.len,
                            identity_bits(p.op, p.dtype),
                        )
                    };
                }
                x
            }
            None => new_parts(parts),
        }
    }

    fn push(&mut self, parts: &[Partial], x: Parts) {
        let mut cur = (0u32, x);
        while let Some(top) = self.stack.last() {
            if top.0 != cur.0 {
                break;
            }
            let (lvl, mut left) = self.stack.pop().expect("non-empty");
            merge(parts, &mut left, &cur.1);
            self.spare.push(std::mem::take(&mut cur.1));
            cur = (lvl + 1, left);
        }
        self.stack.push(cur);
    }

    fn finish(mut self, parts: &[Partial]) -> Option<Parts> {
        let (_, mut acc) = self.stack.pop()?;
        while let Some((_, mut left)) = self.stack.pop() {
            merge(parts, &mut left, &acc);
            acc = left;
        }
        Some(acc)
    }
}

/// Chunks computed in parallel at a time by [`Reducer::run_range`] (their
/// partials are pushed into the tree in order).
const BATCH: usize = 64;

/// Runs a kernel that folds values along its outermost loop into
/// accumulators whose stride along that loop is 0 (`parts`), or that
/// carries argmin/argmax state along it, over windows of that loop given in
/// order. The loop is cut into chunks of [`Reducer::rows`] iterations
/// (about [`REDUCE_CHUNK`] elements: a number fixed by the launch's shape,
/// independent of the thread count and of the windows):
///
/// * **partials** (accumulators of at most [`PARTIAL_LIMIT`] bytes): each
///   chunk folds into fresh partials (filled with the identity), computed
///   in parallel, and partials are combined pairwise in a fixed tree (a
///   binary counter over the sequence of chunks, see [`Tree`]) — so float
///   sums gain a pairwise level on top of the kernel's compensated chunk
///   sums;
/// * **sequential** (larger accumulators, argmin/argmax): one call per
///   chunk, in order, on one thread, folding into the accumulators'
///   memory.
///
/// Either way the result depends only on the launch's shape, not on the
/// thread count or on how the loop is cut into windows (as long as every
/// window but the last starts and ends on a chunk boundary), so a streamed
/// evaluation gives the bits of an in-memory one.
pub struct Reducer {
    parts: Vec<Partial>,
    tree: Tree,
    rows: usize,
    sequential: bool,
}

/// [`Reducer::rows`] for a launch of extents `dims`.
pub fn reduce_rows(dims: &[usize]) -> usize {
    let total: usize = dims.iter().product();
    let outer = dims.first().copied().unwrap_or(0).max(1);
    (REDUCE_CHUNK / (total / outer).max(1)).max(1)
}

impl Reducer {
    /// A reducer for launch `l` with accumulators `parts` (`sequential`:
    /// argmin/argmax, which run in order whatever their size).
    pub fn new(l: &Launch, parts: Vec<Partial>, sequential: bool) -> Reducer {
        let total: usize = l.dims.iter().product();
        let outer = l.dims.first().copied().unwrap_or(0).max(1);
        let inner = total / outer;
        let part_bytes: usize = parts.iter().map(|p| p.len * p.dtype.size()).sum();
        Reducer {
            sequential: sequential || part_bytes > PARTIAL_LIMIT,
            parts,
            tree: Tree {
                stack: vec![],
                spare: vec![],
            },
            rows: (REDUCE_CHUNK / inner.max(1)).max(1),
        }
    }

    /// Outermost iterations per chunk: windows start on multiples of it.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Folds outermost iterations `[lo, hi)` (`lo` a multiple of
    /// [`Reducer::rows`]; `hi` too unless it is the end).
    pub fn run_range(&mut self, k: &Compiled, l: &Launch, lo: usize, hi: usize, threads: usize) -> Result<()> {
        let total: usize = l.dims.iter().product();
        if total == 0 || lo >= hi {
            return Ok(());
        }
        let status = AtomicU32::new(0);
        let f = k.func();
        let rows = self.rows;
        let chunk = |c: usize| (lo + c * rows, (lo + (c + 1) * rows).min(hi));
        let chunks = (hi - lo).div_ceil(rows);
        if self.sequential {
            for c in 0..chunks {
                let (a, b) = chunk(c);
                // SAFETY: pointers, strides and extents describe live arrays
                // the kernel was lowered for; [a, b) is within the outermost
                // extent.
                unsafe { f(l.ptrs.as_ptr(), l.strides.as_ptr(), l.dims.as_ptr(), a, b, &status) };
            }
            return check_status(&status);
        }
        let parts = &self.parts;
        let lp = SendPtr(l);
        let st = &status;
        let partial = |c: usize, mut x: Parts| -> Parts {
            let l = lp.get();
            let mut ptrs = l.ptrs.clone();
            for (p, buf) in parts.iter().zip(x.iter_mut()) {
                ptrs[p.param] = (buf.as_mut_ptr() as *mut u8).wrapping_offset(p.offset);
            }
            let (a, b) = chunk(c);
            // SAFETY: as above; the accumulator params point at the chunk's
            // own partial buffers.
            unsafe { f(ptrs.as_ptr(), l.strides.as_ptr(), l.dims.as_ptr(), a, b, st) };
            x
        };
        let per_chunk = total / l.dims[0] * rows;
        let t = threads.min(chunks).min((chunks * per_chunk) / min_per_thread()).max(1);
        let pool = (t > 1).then(|| pool(t)).flatten();
        let mut c0 = 0;
        while c0 < chunks {
            let c1 = (c0 + BATCH).min(chunks);
            let fresh: Vec<Parts> = (c0..c1).map(|_| self.tree.fresh(parts)).collect();
            let done: Vec<Parts> = match &pool {
                None => fresh.into_iter().zip(c0..c1).map(|(x, c)| partial(c, x)).collect(),
                Some(p) => {
                    let slots: Vec<Mutex<Option<Parts>>> = fresh.into_iter().map(|x| Mutex::new(Some(x))).collect();
                    run_on(p, t, c1 - c0, &|i| {
                        if let Ok(mut g) = slots[i].lock() {
                            if let Some(x) = g.take() {
                                *g = Some(partial(c0 + i, x));
                            }
                        }
                    });
                    slots
                        .into_iter()
                        .map(|m| {
                            m.into_inner()
                                .ok()
                                .flatten()
                                .ok_or_else(|| Error::Internal("lost partial".into()))
                        })
                        .collect::<Result<_>>()?
                }
            };
            for x in done {
                self.tree.push(parts, x);
            }
            c0 = c1;
        }
        check_status(&status)
    }

    /// Folds the combined partials into the accumulators' memory (which
    /// holds the identity) at `l`'s pointers.
    pub fn finish(self, l: &Launch) {
        if self.sequential {
            return;
        }
        let parts = self.parts;
        if let Some(fin) = self.tree.finish(&parts) {
            for (p, buf) in parts.iter().zip(&fin) {
                let dst = l.ptrs[p.param].wrapping_offset(-p.offset);
                // SAFETY: the accumulator array holds `len` elements at `dst`.
                unsafe { combine(p.op, p.dtype, dst, buf.as_ptr() as *const u8, p.len) };
            }
        }
    }
}

fn check_status(status: &AtomicU32) -> Result<()> {
    match status.load(Ordering::Relaxed) {
        0 => Ok(()),
        STATUS_NEGATIVE_POWER => Err(Error::Value(
            "integers to negative integer powers are not allowed".into(),
        )),
        s => Err(Error::Internal(format!("kernel status {s}"))),
    }
}
