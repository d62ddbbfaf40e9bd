//! Host functions the generated code calls: the math module's functions
//! (through the op table, `UnaryOp::math`; the interpreter calls the same
//! ones, so results match bit for bit), block helpers for `sqrt` and
//! division, and integer `power` ([`power_i64`], [`power_u64`], on the
//! scalar semantics of `ops::scalar`). Every other op is lowered inline
//! (`scalar.rs`, `vector.rs`); nothing here calls the interpreter.
//!
//! Every function is `extern "C"` and never unwinds.

use crate::expr::{BinaryOp, UnaryOp};
use crate::ops::scalar;
use std::sync::atomic::{AtomicU32, Ordering};

/// Status written by a kernel when a value NumPy rejects is met.
pub const STATUS_NEGATIVE_POWER: u32 = 1;

/// Signed integer `power` of every width on sign-extended operands (the
/// kernel truncates the result to its width); a negative exponent sets
/// `*status` to [`STATUS_NEGATIVE_POWER`] and gives 0.
///
/// # Safety
/// `status` must point to a live `AtomicU32` (kernels pass their status word).
pub unsafe extern "C" fn power_i64(x: i64, y: i64, status: *const AtomicU32) -> i64 {
    match scalar::power_i64(x, y) {
        Some(r) => r,
        None => {
            // SAFETY: the runtime passes a live status word to every call.
            unsafe { (*status).store(STATUS_NEGATIVE_POWER, Ordering::Relaxed) };
            0
        }
    }
}

/// Unsigned integer `power` of every width on zero-extended operands (the
/// kernel truncates the result to its width).
pub extern "C" fn power_u64(x: u64, y: u64) -> u64 {
    scalar::power_u64(x, y)
}

/// Block helpers: one op over a block of contiguous values in a kernel's
/// scratch buffer, with the host's 256-bit vectors. Cranelift's x86-64
/// backend has 128-bit vectors only, and `sqrt` and division are bound by
/// the divider's throughput per instruction, so a 256-bit AVX loop does
/// twice the work per instruction. Kernels compute a block's operands into
/// the scratch, call one of these, and read the results back (see
/// `Outline` in `jit/outline.rs`). IEEE `sqrt` and `/` are correctly rounded,
/// so the results are the same bits as the 128-bit instructions'.
pub mod block {
    macro_rules! helpers {
        ($t:ty, $sqrt:ident, $div:ident, $divs:ident, $rdivs:ident) => {
            /// `x[i] = sqrt(x[i])` for `i < n`.
            ///
            /// # Safety
            ///
            /// `x` points to `n` initialised, writable values; the CPU has
            /// AVX (`loops::outline::helpers_available`).
            pub unsafe extern "C" fn $sqrt(x: *mut $t, n: usize) {
                #[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx"))]
                unsafe fn avx(x: &mut [$t]) {
                    for v in x {
                        *v = v.sqrt();
                    }
                }
                // SAFETY: the kernel passes a scratch or output block of
                // `n` values; the helpers are only used when AVX was
                // detected.
                unsafe { avx(std::slice::from_raw_parts_mut(x, n)) }
            }
            /// `x[i] = x[i] / y[i]` for `i < n`.
            ///
            /// # Safety
            ///
            /// The pointers are to distinct buffers of `n` initialised
            /// values, `x` writable; the CPU has AVX (`loops::outline::helpers_available`).
            pub unsafe extern "C" fn $div(x: *mut $t, y: *const $t, n: usize) {
                #[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx"))]
                unsafe fn avx(x: &mut [$t], y: &[$t]) {
                    for (v, &d) in x.iter_mut().zip(y) {
                        *v /= d;
                    }
                }
                // SAFETY: as above.
                unsafe {
                    avx(
                        std::slice::from_raw_parts_mut(x, n),
                        std::slice::from_raw_parts(y, n),
                    )
                }
            }
            /// `x[i] = x[i] / s` for `i < n`.
            ///
            /// # Safety
            ///
            /// `x` points to `n` initialised, writable values; the CPU has
            /// AVX (`loops::outline::helpers_available`).
            pub unsafe extern "C" fn $divs(x: *mut $t, s: $t, n: usize) {
                #[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx"))]
                unsafe fn avx(x: &mut [$t], s: $t) {
                    for v in x {
                        *v /= s;
                    }
                }
                // SAFETY: as above.
                unsafe { avx(std::slice::from_raw_parts_mut(x, n), s) }
            }
            /// `y[i] = s / y[i]` for `i < n`.
            ///
            /// # Safety
            ///
            /// `y` points to `n` initialised, writable values; the CPU has
            /// AVX (`loops::outline::helpers_available`).
            pub unsafe extern "C" fn $rdivs(y: *mut $t, s: $t, n: usize) {
                #[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx"))]
                unsafe fn avx(y: &mut [$t], s: $t) {
                    for v in y {
                        *v = s / *v;
                    }
                }
                // SAFETY: as above.
                unsafe { avx(std::slice::from_raw_parts_mut(y, n), s) }
            }
        };
    }
    helpers!(f64, sqrt_f64, div_f64, div_scalar_f64, rdiv_scalar_f64);
    helpers!(f32, sqrt_f32, div_f32, div_scalar_f32, rdiv_scalar_f32);

    /// Bytes a kernel call writes per output from which its streamed
    /// outputs are streamed (`loops::outline::Outline::streamed`): twice
    /// a 1 MiB L2 and half a 32 MiB L3 — a result this large is out of
    /// the caches before anyone reads it.
    pub const STREAM_BYTES: usize = 16 << 20;

    /// Copies `n * size` bytes from `x` to `y` with non-temporal stores
    /// where `y` is aligned to the vector (regular ones around them).
    ///
    /// # Safety
    ///
    /// Distinct buffers of `bytes` bytes, `x` readable, `y` writable; the
    /// caller issues [`store_fence`] before anyone else reads `y`.
    #[inline(always)]
    unsafe fn stream(x: *const u8, y: *mut u8, bytes: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::*;
            #[target_feature(enable = "avx512f")]
            unsafe fn avx512(x: *const u8, y: *mut u8, head: usize, body: usize) {
                let mut i = head;
                while i < head + body {
                    // SAFETY: in bounds (the caller's), `y + i` 64-aligned.
                    unsafe {
                        let v = _mm512_loadu_si512(x.add(i) as *const _);
                        _mm512_stream_si512(y.add(i) as *mut _, v);
                    }
                    i += 64;
                }
            }
            #[target_feature(enable = "avx")]
            unsafe fn avx(x: *const u8, y: *mut u8, head: usize, body: usize) {
                let mut i = head;
                while i < head + body {
                    // SAFETY: in bounds, `y + i` 32-aligned.
                    unsafe {
                        let v = _mm256_loadu_si256(x.add(i) as *const __m256i);
                        _mm256_stream_si256(y.add(i) as *mut __m256i, v);
                    }
                    i += 32;
                }
            }
            let path = crate::math::Path::current();
            let w = if path == crate::math::Path::Avx512 { 64 } else { 32 };
            let head = (y.align_offset(w)).min(bytes);
            let body = (bytes - head) / w * w;
            // SAFETY: the ranges are the caller's; head and tail regular.
            unsafe {
                std::ptr::copy_nonoverlapping(x, y, head);
                if w == 64 {
                    avx512(x, y, head, body);
                } else {
                    avx(x, y, head, body);
                }
                let done = head + body;
                std::ptr::copy_nonoverlapping(x.add(done), y.add(done), bytes - done);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: the caller's ranges.
        unsafe {
            std::ptr::copy_nonoverlapping(x, y, bytes)
        }
    }

    /// `y[i] = x[i]` for `i < n` with non-temporal stores (a streamed
    /// output's block out of its scratch).
    ///
    /// # Safety
    ///
    /// Distinct buffers of `n` values, `x` initialised, `y` writable; the
    /// kernel calls [`store_fence`] before it returns. The CPU has AVX
    /// (`loops::outline::helpers_available`).
    pub unsafe extern "C" fn stream_f64(x: *const f64, y: *mut f64, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { stream(x as *const u8, y as *mut u8, n * 8) }
    }

    /// As [`stream_f64`].
    ///
    /// # Safety
    ///
    /// As [`stream_f64`].
    pub unsafe extern "C" fn stream_f32(x: *const f32, y: *mut f32, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { stream(x as *const u8, y as *mut u8, n * 4) }
    }

    /// `sfence`: orders the non-temporal stores before it (a streaming
    /// kernel's last act).
    pub extern "C" fn store_fence() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE is part of x86-64.
        unsafe {
            std::arch::x86_64::_mm_sfence()
        };
    }
}

/// Every host function a kernel may call, by address, with a readable
/// name (for the `clif` dump, where calls go through constant addresses).
fn symbols() -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = vec![];
    for &u in UnaryOp::ALL.iter() {
        if let Some(m) = u.math() {
            out.push((m.c_f64 as usize, format!("{}_f64", m.name)));
            out.push((m.c_f32 as usize, format!("{}_f32", m.name)));
            out.push((m.block_f64 as usize, format!("{}_f64 block", m.name)));
            out.push((m.block_f32 as usize, format!("{}_f32 block", m.name)));
            out.push((m.affine_f64 as usize, format!("{}_f64 affine block", m.name)));
            out.push((m.affine_f32 as usize, format!("{}_f32 affine block", m.name)));
        }
    }
    for &b in BinaryOp::ALL.iter() {
        if let Some(m) = b.math() {
            out.push((m.c_f64 as usize, format!("{}_f64", m.name)));
            out.push((m.c_f32 as usize, format!("{}_f32", m.name)));
            out.push((m.block_f64 as usize, format!("{}_f64 block", m.name)));
            out.push((m.block_f32 as usize, format!("{}_f32 block", m.name)));
        }
    }
    out.push((
        crate::math::sincos_f64_c_block as *const () as usize,
        "sincos_f64 block".into(),
    ));
    out.push((
        crate::math::sincos_f32_c_block as *const () as usize,
        "sincos_f32 block".into(),
    ));
    out.push((power_i64 as *const () as usize, "power_i64".into()));
    out.push((power_u64 as *const () as usize, "power_u64".into()));
    use block::*;
    for (f, n) in [
        (sqrt_f64 as *const () as usize, "sqrt_f64 block"),
        (sqrt_f32 as *const () as usize, "sqrt_f32 block"),
        (div_f64 as *const () as usize, "div_f64 block"),
        (div_f32 as *const () as usize, "div_f32 block"),
        (div_scalar_f64 as *const () as usize, "div_scalar_f64 block"),
        (div_scalar_f32 as *const () as usize, "div_scalar_f32 block"),
        (rdiv_scalar_f64 as *const () as usize, "rdiv_scalar_f64 block"),
        (rdiv_scalar_f32 as *const () as usize, "rdiv_scalar_f32 block"),
        (stream_f64 as *const () as usize, "stream_f64 block"),
        (stream_f32 as *const () as usize, "stream_f32 block"),
        (store_fence as *const () as usize, "store_fence"),
    ] {
        out.push((f, n.into()));
    }
    out
}

/// The `clif` text with each constant that is a host function's address
/// followed by the function's name (`v29 = 0x5578_5342_ee40 exp_f64 block`).
pub fn annotate(clif: String) -> String {
    let syms = symbols();
    let mut out = String::with_capacity(clif.len());
    for line in clif.lines() {
        out.push_str(line);
        if let Some(p) = line.rfind("0x") {
            let hex: String = line[p + 2..]
                .chars()
                .take_while(|c| c.is_ascii_hexdigit() || *c == '_')
                .filter(|&c| c != '_')
                .collect();
            if let Ok(addr) = usize::from_str_radix(&hex, 16) {
                if let Some((_, n)) = syms.iter().find(|(a, _)| *a == addr) {
                    out.push(' ');
                    out.push_str(n);
                }
            }
        }
        out.push('\n');
    }
    out
}
