//! Host functions the generated code calls: libm transcendentals (the very
//! functions the interpreter calls, so results match bit for bit) and a
//! generic escape to the interpreter's scalar evaluators for rare ops.
//!
//! Every function is `extern "C"` and never unwinds.

use crate::array::{DType, Scalar};
use crate::expr::{BinaryOp, UnaryOp};
use crate::interp::{eval_binary, eval_unary};
use std::sync::atomic::{AtomicU32, Ordering};

/// Status written by a kernel when a value NumPy rejects is met.
pub const STATUS_NEGATIVE_POWER: u32 = 1;

macro_rules! unary_fns {
    ($($name:ident: $t:ty => $body:expr;)*) => {$(
        extern "C" fn $name(x: $t) -> $t { let f: fn($t) -> $t = $body; f(x) }
    )*};
}

// The interpreter's `unary_float` calls these same methods (and the C
// library's asinh/acosh/atanh), so each is the same libm symbol.
unary_fns! {
    exp64: f64 => f64::exp; exp32: f32 => f32::exp;
    exp2_64: f64 => f64::exp2; exp2_32: f32 => f32::exp2;
    expm1_64: f64 => f64::exp_m1; expm1_32: f32 => f32::exp_m1;
    log64: f64 => f64::ln; log32: f32 => f32::ln;
    log2_64: f64 => f64::log2; log2_32: f32 => f32::log2;
    log10_64: f64 => f64::log10; log10_32: f32 => f32::log10;
    log1p64: f64 => f64::ln_1p; log1p32: f32 => f32::ln_1p;
    sin64: f64 => f64::sin; sin32: f32 => f32::sin;
    cos64: f64 => f64::cos; cos32: f32 => f32::cos;
    tan64: f64 => f64::tan; tan32: f32 => f32::tan;
    asin64: f64 => f64::asin; asin32: f32 => f32::asin;
    acos64: f64 => f64::acos; acos32: f32 => f32::acos;
    atan64: f64 => f64::atan; atan32: f32 => f32::atan;
    sinh64: f64 => f64::sinh; sinh32: f32 => f32::sinh;
    cosh64: f64 => f64::cosh; cosh32: f32 => f32::cosh;
    tanh64: f64 => f64::tanh; tanh32: f32 => f32::tanh;
}

mod libm {
    unsafe extern "C" {
        pub safe fn asinh(x: f64) -> f64;
        pub safe fn acosh(x: f64) -> f64;
        pub safe fn atanh(x: f64) -> f64;
        pub safe fn asinhf(x: f32) -> f32;
        pub safe fn acoshf(x: f32) -> f32;
        pub safe fn atanhf(x: f32) -> f32;
    }
}

extern "C" fn pow64(x: f64, y: f64) -> f64 {
    x.powf(y)
}
extern "C" fn pow32(x: f32, y: f32) -> f32 {
    x.powf(y)
}

/// The libm function for a float unary op, if it is one: (f64 fn, f32 fn).
pub fn unary_libm(op: UnaryOp) -> Option<(*const u8, *const u8)> {
    use UnaryOp::*;
    macro_rules! p {
        ($a:expr, $b:expr) => {
            Some(($a as *const u8, $b as *const u8))
        };
    }
    let f64f = |f: extern "C" fn(f64) -> f64| f as *const u8;
    let f32f = |f: extern "C" fn(f32) -> f32| f as *const u8;
    let libm64 = |f: fn(f64) -> f64| f as *const u8;
    let libm32 = |f: fn(f32) -> f32| f as *const u8;
    let _ = (libm64, libm32);
    match op {
        Exp => Some((f64f(exp64), f32f(exp32))),
        Exp2 => Some((f64f(exp2_64), f32f(exp2_32))),
        Expm1 => Some((f64f(expm1_64), f32f(expm1_32))),
        Log => Some((f64f(log64), f32f(log32))),
        Log2 => Some((f64f(log2_64), f32f(log2_32))),
        Log10 => Some((f64f(log10_64), f32f(log10_32))),
        Log1p => Some((f64f(log1p64), f32f(log1p32))),
        Sin => Some((f64f(sin64), f32f(sin32))),
        Cos => Some((f64f(cos64), f32f(cos32))),
        Tan => Some((f64f(tan64), f32f(tan32))),
        Arcsin => Some((f64f(asin64), f32f(asin32))),
        Arccos => Some((f64f(acos64), f32f(acos32))),
        Arctan => Some((f64f(atan64), f32f(atan32))),
        Sinh => Some((f64f(sinh64), f32f(sinh32))),
        Cosh => Some((f64f(cosh64), f32f(cosh32))),
        Tanh => Some((f64f(tanh64), f32f(tanh32))),
        Arcsinh => p!(asinh_c, asinhf_c),
        Arccosh => p!(acosh_c, acoshf_c),
        Arctanh => p!(atanh_c, atanhf_c),
        _ => None,
    }
}

extern "C" fn asinh_c(x: f64) -> f64 {
    libm::asinh(x)
}
extern "C" fn acosh_c(x: f64) -> f64 {
    libm::acosh(x)
}
extern "C" fn atanh_c(x: f64) -> f64 {
    libm::atanh(x)
}
extern "C" fn asinhf_c(x: f32) -> f32 {
    libm::asinhf(x)
}
extern "C" fn acoshf_c(x: f32) -> f32 {
    libm::acoshf(x)
}
extern "C" fn atanhf_c(x: f32) -> f32 {
    libm::atanhf(x)
}

/// `pow` for f64 and f32.
pub fn pow_fns() -> (*const u8, *const u8) {
    (pow64 as *const u8, pow32 as *const u8)
}

/// Any unary op on raw bits through the interpreter's evaluator.
pub extern "C" fn unary_bits(op: u32, dtype: u32, x: u64) -> u64 {
    let s = Scalar::from_bits(DType::ALL[dtype as usize], x);
    eval_unary(UnaryOp::ALL[op as usize], s).map_or(0, |r| r.bits())
}

/// Any binary op on raw bits through the interpreter's evaluator; an error
/// (negative integer power) sets `*status`.
pub extern "C" fn binary_bits(op: u32, dtype: u32, a: u64, b: u64, status: *const AtomicU32) -> u64 {
    let dt = DType::ALL[dtype as usize];
    let r = eval_binary(
        BinaryOp::ALL[op as usize],
        Scalar::from_bits(dt, a),
        Scalar::from_bits(dt, b),
    );
    match r {
        Ok(r) => r.bits(),
        Err(_) => {
            // SAFETY: the runtime passes a live status word to every call.
            unsafe { (*status).store(STATUS_NEGATIVE_POWER, Ordering::Relaxed) };
            0
        }
    }
}

/// Index of a dtype in [`DType::ALL`].
pub fn dtype_index(d: DType) -> u32 {
    DType::ALL.iter().position(|&x| x == d).expect("dtype") as u32
}

/// Index of a unary op in [`UnaryOp::ALL`].
pub fn unary_index(u: UnaryOp) -> u32 {
    UnaryOp::ALL.iter().position(|&x| x == u).expect("op") as u32
}

/// Index of a binary op in [`BinaryOp::ALL`].
pub fn binary_index(b: BinaryOp) -> u32 {
    BinaryOp::ALL.iter().position(|&x| x == b).expect("op") as u32
}
