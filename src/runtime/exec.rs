//! The executor: runs one compiled kernel over its iteration space, split
//! along the outermost loop into chunks run on a rayon pool of the requested
//! size. Element-wise kernels write each output element exactly once, so the
//! result is identical whatever the number of threads or chunks.

use crate::error::{Error, Result};
use crate::jit::{host::STATUS_NEGATIVE_POWER, Compiled};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Below this many elements per thread, a kernel runs on the calling thread.
pub const MIN_PER_THREAD: usize = 1 << 15;

/// [`MIN_PER_THREAD`], or `LAZYFUSE_MIN_PER_THREAD` (read once; tests use a
/// small value to exercise chunking on small arrays).
pub fn min_per_thread() -> usize {
    static V: OnceLock<usize> = OnceLock::new();
    *V.get_or_init(|| {
        std::env::var("LAZYFUSE_MIN_PER_THREAD")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(MIN_PER_THREAD)
    })
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

fn pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let m = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut m = m.lock().ok()?;
    if let Some(p) = m.get(&threads) {
        return Some(p.clone());
    }
    let p = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok()?);
    m.insert(threads, p.clone());
    Some(p)
}

/// Runs `k` over the whole iteration space of `l` with up to `threads`
/// threads.
pub fn run(k: &Compiled, l: &Launch, threads: usize) -> Result<()> {
    let total: usize = l.dims.iter().product();
    if total == 0 {
        return Ok(());
    }
    let outer = l.dims[0];
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
        None => call(0, outer),
        Some(p) => {
            // A few chunks per thread balance uneven progress; with one loop,
            // chunk edges are multiples of 64 elements (whole vectors).
            let chunks = if l.dims.len() == 1 { t * 4 } else { (t * 4).min(outer) };
            let align = if l.dims.len() == 1 { 64 } else { 1 };
            let per = outer.div_ceil(chunks).div_ceil(align) * align;
            let lp = SendPtr(l);
            let st = &status;
            p.scope(|s| {
                let mut lo = 0;
                while lo < outer {
                    let hi = (lo + per).min(outer);
                    let lp = &lp;
                    s.spawn(move |_| {
                        // SAFETY: see `call`; `lp` points at `l`, alive for the scope.
                        let l = unsafe { &*lp.0 };
                        unsafe { f(l.ptrs.as_ptr(), l.strides.as_ptr(), l.dims.as_ptr(), lo, hi, st) }
                    });
                    lo = hi;
                }
            });
        }
    }
    match status.load(Ordering::Relaxed) {
        0 => Ok(()),
        STATUS_NEGATIVE_POWER => Err(Error::Value(
            "integers to negative integer powers are not allowed".into(),
        )),
        s => Err(Error::Internal(format!("kernel status {s}"))),
    }
}
