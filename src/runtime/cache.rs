//! The kernel cache: compiled kernels keyed by loop structure
//! ([`crate::loops::Key`]: ops, dtypes, stride classes, vector width — not
//! extents, strides or pointers), shared by all threads.
//!
//! Entries are `Arc<Compiled>`; evicting one (least recently used, beyond
//! [`CAPACITY`]) drops the cache's reference, and the JIT memory is freed
//! when the last running kernel lets go of it.

use crate::error::Result;
use crate::jit::{self, Compiled};
use crate::loops::{Key, LoopFunc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Maximum number of cached kernels.
pub const CAPACITY: usize = 512;

struct Entry {
    kernel: Arc<Compiled>,
    last_use: u64,
}

#[derive(Default)]
struct Cache {
    map: HashMap<Key, Entry>,
    tick: u64,
}

static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
static HITS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);
static COMPILE_NS: AtomicU64 = AtomicU64::new(0);

fn cache() -> &'static Mutex<Cache> {
    CACHE.get_or_init(|| Mutex::new(Cache::default()))
}

/// The compiled kernel for `f`, compiling it on a miss.
pub fn get_or_compile(f: &LoopFunc) -> Result<Arc<Compiled>> {
    let key = f.key();
    {
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        c.tick += 1;
        let tick = c.tick;
        if let Some(e) = c.map.get_mut(&key) {
            e.last_use = tick;
            HITS.fetch_add(1, Ordering::Relaxed);
            return Ok(e.kernel.clone());
        }
    }
    // Compile outside the lock: other threads keep running cached kernels.
    MISSES.fetch_add(1, Ordering::Relaxed);
    let t0 = Instant::now();
    let k = Arc::new(jit::compile(f, false)?);
    COMPILE_NS.fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    c.tick += 1;
    let tick = c.tick;
    if c.map.len() >= CAPACITY {
        if let Some(old) = c.map.iter().min_by_key(|(_, e)| e.last_use).map(|(k, _)| k.clone()) {
            c.map.remove(&old);
        }
    }
    let e = c.map.entry(key).or_insert(Entry {
        kernel: k,
        last_use: tick,
    });
    Ok(e.kernel.clone())
}

/// The CLIF and machine-code text of `f`'s kernel, for `explain`: from
/// the cached kernel when it was compiled with its text; otherwise `f` is
/// compiled once more, with its text, and that kernel replaces the cached
/// one (so a kernel's text is made at most once, on demand — evaluation
/// does not pay for it). Counted apart from kernel compiles
/// ([`text_compiles`]).
pub fn text_of(f: &LoopFunc) -> Result<(Option<String>, Option<String>)> {
    let key = f.key();
    {
        let c = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = c.map.get(&key).filter(|e| e.kernel.clif.is_some()) {
            return Ok((e.kernel.clif.clone(), e.kernel.asm.clone()));
        }
    }
    TEXT_COMPILES.fetch_add(1, Ordering::Relaxed);
    let k = Arc::new(jit::compile(f, true)?);
    let text = (k.clif.clone(), k.asm.clone());
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    c.tick += 1;
    let tick = c.tick;
    if !c.map.contains_key(&key) && c.map.len() >= CAPACITY {
        if let Some(old) = c.map.iter().min_by_key(|(_, e)| e.last_use).map(|(k, _)| k.clone()) {
            c.map.remove(&old);
        }
    }
    c.map.insert(
        key,
        Entry {
            kernel: k,
            last_use: tick,
        },
    );
    Ok(text)
}

static TEXT_COMPILES: AtomicU64 = AtomicU64::new(0);

/// How many kernels were compiled again for their text ([`text_of`]).
pub fn text_compiles() -> u64 {
    TEXT_COMPILES.load(Ordering::Relaxed)
}

/// Counters: (hits, misses, compile ns, entries).
pub fn counters() -> (u64, u64, u64, usize) {
    let n = cache().lock().map(|c| c.map.len()).unwrap_or(0);
    (
        HITS.load(Ordering::Relaxed),
        MISSES.load(Ordering::Relaxed),
        COMPILE_NS.load(Ordering::Relaxed),
        n,
    )
}

/// Drops every cached kernel (their memory is freed once no run uses them).
pub fn clear() {
    if let Ok(mut c) = cache().lock() {
        c.map.clear();
    }
}
