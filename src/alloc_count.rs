//! A counting global allocator, so benchmarks and memory tests can report
//! the peak bytes an evaluation allocated.
//!
//! Install it in a binary or test with
//! `#[global_allocator] static A: lazyfuse::internals::alloc_count::CountingAlloc = lazyfuse::internals::alloc_count::CountingAlloc;`.
//! Without it, [`is_installed`] is false and the figures stay 0.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting live and peak bytes.
pub struct CountingAlloc;

fn grow(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: delegates to `System`, only adding bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
            grow(new);
        }
        q
    }
}

/// Records `n` bytes obtained outside the global allocator (large buffers
/// are memory mappings), so peaks include them.
pub(crate) fn note_alloc(n: usize) {
    grow(n);
}

/// Records `n` bytes given back (see [`note_alloc`]).
pub(crate) fn note_free(n: usize) {
    CURRENT.fetch_sub(n, Ordering::Relaxed);
}

/// Whether the counting allocator is the global allocator.
pub fn is_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}
/// Bytes currently allocated.
pub fn current() -> usize {
    CURRENT.load(Ordering::Relaxed)
}
/// Highest [`current`] since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}
/// Starts a new peak measurement from the current level.
pub fn reset_peak() {
    PEAK.store(current(), Ordering::Relaxed);
}
