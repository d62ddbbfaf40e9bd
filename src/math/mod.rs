//! lazyfuse's own elementary functions, for f32 and f64: the same bits on
//! every machine and every code path, vectorised.
//!
//! Nothing here knows about Cranelift, arrays or expressions: each function
//! is a scalar kernel (`exp_f64(x: f64) -> f64`, used by the interpreter and
//! constant folding) plus block functions over slices (`exp_f64_block`,
//! used by compiled kernels through `jit::host`), generated from that
//! kernel for each code path (see [`dispatch`]).
//!
//! Files, by family:
//! - `dispatch.rs` — code paths (AVX-512, AVX2+FMA, portable), the run-time
//!   choice, and the macros that make block functions from a kernel.
//! - `common.rs`, `dd.rs` — shared building blocks (bit tricks, `ldexp`,
//!   double-double and float-float arithmetic, SLEEF's internal `expk`/
//!   `logk`), f32 and f64 written out: the algorithms differ in precision.
//! - `exp_log/`, `trig/` (+ `rempitab.rs`), `hyper/`, `power.rs` —
//!   the functions, by family; `table.rs` — their entry points for the op
//!   table.

// Coefficients are copied digit for digit from their sources (SLEEF,
// Cephes, minimax fits): the extra digits document them, and rounding
// them to the nearest f64 is what the compiler does anyway.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

mod common;
pub mod dd;
pub mod dispatch;
mod exp_log;
mod hyper;
mod power;
mod rempitab;
mod trig;

pub use dispatch::Path;
pub use exp_log::*;
pub use hyper::*;
pub use power::*;
pub use table::*;
pub use trig::*;

mod table;

#[cfg(test)]
mod paths_test;

/// Most elements per call of the C-ABI block functions the JIT makes (a
/// kernel's outlined block; see `Outline` in `loops/outline.rs`).
pub const BLOCK: usize = 256;

/// A one-argument function's entry points, per dtype: the scalar kernel
/// (the interpreter and constant folding call it; it runs the AVX2+FMA
/// build when the CPU has it, with the same bits), and C-ABI wrappers for
/// the JIT — one element, and a block of `n` elements in place. Made by
/// `math_unary_fn!`; the op table (`expr::ops`) names each op's constant.
#[derive(Clone, Copy)]
pub struct UnaryFn {
    /// NumPy's name.
    pub name: &'static str,
    /// The scalar kernel, f64.
    pub f64: fn(f64) -> f64,
    /// The scalar kernel, f32.
    pub f32: fn(f32) -> f32,
    /// One element, C ABI.
    pub c_f64: extern "C" fn(f64) -> f64,
    /// One element, C ABI.
    pub c_f32: extern "C" fn(f32) -> f32,
    /// `y[i] = f(x[i])` for `i < n`, C ABI; `x == y` works in place.
    /// Safety: `x` points to `n` initialised values and `y` to `n`
    /// writable ones (overlapping or not: `x` is read as if copied first).
    pub block_f64: unsafe extern "C" fn(*const f64, *mut f64, usize),
    /// As `block_f64`.
    pub block_f32: unsafe extern "C" fn(*const f32, *mut f32, usize),
    /// `y[i] = f(x[i] * mul + add)` for `i < n` (`x, y, n, mul, add`), C
    /// ABI: the product and the sum rounded each, as NumPy computes them
    /// (`dispatch::Affine`). Safety: as `block_f64`.
    pub affine_f64: unsafe extern "C" fn(*const f64, *mut f64, usize, f64, f64),
    /// As `affine_f64`.
    pub affine_f32: unsafe extern "C" fn(*const f32, *mut f32, usize, f32, f32),
    /// Cost of the block function in hundredths of a nanosecond per
    /// element, float64 then float32 (`lazyfuse-accuracy --throughput` on
    /// the project's AMD EPYC, AVX-512): for decisions that weigh
    /// arithmetic against memory traffic (`loops::outline::Outline::streamed`).
    pub cost: [u32; 2],
}

/// A two-argument function's entry points, as [`UnaryFn`]; the block form
/// is `x[i] = f(x[i], y[i])`.
#[derive(Clone, Copy)]
pub struct BinaryFn {
    /// NumPy's name.
    pub name: &'static str,
    /// The scalar kernel, f64.
    pub f64: fn(f64, f64) -> f64,
    /// The scalar kernel, f32.
    pub f32: fn(f32, f32) -> f32,
    /// One element, C ABI.
    pub c_f64: extern "C" fn(f64, f64) -> f64,
    /// One element, C ABI.
    pub c_f32: extern "C" fn(f32, f32) -> f32,
    /// `x[i] = f(x[i], y[i])` for `i < n`, C ABI. Safety: `x` and `y`
    /// point to `n` initialised values each, `x` writable.
    pub block_f64: unsafe extern "C" fn(*mut f64, *const f64, usize),
    /// As `block_f64`.
    pub block_f32: unsafe extern "C" fn(*mut f32, *const f32, usize),
    /// As [`UnaryFn::cost`].
    pub cost: [u32; 2],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path gives the scalar kernel's bits (the paths this CPU has).
    #[test]
    fn every_path_gives_the_same_bits() {
        let xs: Vec<f64> = (0..4096)
            .map(|i| f64::from_bits(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i + 1)))
            .chain([
                0.0,
                -0.0,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                709.8,
                -745.2,
                1e-310,
            ])
            .collect();
        for path in Path::ALL.into_iter().filter(|p| p.available()) {
            let mut y = xs.clone();
            exp_f64_block_on(path, None, &mut y);
            for (&x, &y) in xs.iter().zip(&y) {
                assert_eq!(y.to_bits(), exp_f64(x).to_bits(), "exp({x:e}) on {path:?}");
            }
        }
    }
}
