//! `power`, `hypot` and `fmod`, for f64 and f32.
//!
//! `power_*` and `hypot_*` are ported from SLEEF's `xpow`/`xpowf` (u10)
//! and `xhypot_u05`/`xhypotf_u05` (`sleefsimddp.c`, `sleefsimdsp.c`;
//! Boost Software License 1.0, see `LICENSE-SLEEF.txt` in this folder) on
//! the double-double kernels of `dd.rs`: `x^y = e^(y · ln|x|)` with `ln|x|`
//! as a double-double, then the C99 (Annex F) special cases as selects.
//! Changes: the special cases are selects of constants (every NaN is the
//! default quiet NaN); `y` is odd/integral by rounding tests in both
//! widths; f32 overflow is tested on the exponent's argument, not left to
//! an integer `ldexp`.
//!
//! `fmod_*` is lazyfuse's own: exact, by integer remainders of the
//! significands (scalar code with branches and a loop — the block function
//! is a plain loop over it, which gives the same bits on every path).

use super::common::round_f64;
use super::dd::{expk, expkf, logk, logkf, mulsign_f32, mulsign_f64, Dd, D2, F2};

/// `x^y` as C99 `pow` (max error ≤ 1 ULP; C99 special cases exactly:
/// `pow(x, ±0) = 1` and `pow(1, y) = 1` even for NaN, `pow(-1, ±inf) = 1`,
/// a negative base with a non-integral exponent is NaN, `pow(±0, y)` and
/// `pow(±inf, y)` by the sign and oddness of `y`).
#[inline(always)]
pub fn power_f64(x: f64, y: f64) -> f64 {
    const LOG_DBL_MAX: f64 = 709.782_712_893_384;
    let yisint = round_f64(y) == y;
    let h = y * 0.5;
    let yisodd = yisint && round_f64(h) != h;

    let d = logk(x.abs()).mul_f(y);
    let r = expk(d);
    let r = if d.x > LOG_DBL_MAX { f64::INFINITY } else { r };
    // A negative base: the sign of an odd power, NaN for a non-integer.
    let r = if x <= 0.0 && yisodd { -r } else { r };
    let r = if x <= 0.0 && !yisint { f64::NAN } else { r };

    let efx = mulsign_f64(x.abs() - 1.0, y);
    let rinf = if efx < 0.0 {
        0.0
    } else if efx == 0.0 {
        1.0
    } else {
        f64::INFINITY
    };
    let r = if y.is_infinite() { rinf } else { r };

    let x0 = x == 0.0;
    let mag = if y.is_sign_negative() != x0 { 0.0 } else { f64::INFINITY };
    let r0 = mulsign_f64(mag, if yisodd { x } else { 1.0 });
    let r = if x.is_infinite() || x0 { r0 } else { r };

    let r = if x.is_nan() || y.is_nan() { f64::NAN } else { r };
    if y == 0.0 || x == 1.0 {
        1.0
    } else {
        r
    }
}

/// `x^y` as C99 `powf` (max error ≤ 1 ULP; special cases as
/// [`power_f64`]).
#[inline(always)]
pub fn power_f32(x: f32, y: f32) -> f32 {
    let yisint = y.round_ties_even() == y;
    let h = y * 0.5;
    let yisodd = yisint && h.round_ties_even() != h;

    let d = logkf(x.abs()).mul_f(y);
    let r = expkf(d);
    let r = if d.x > 89.0 || r.is_nan() { f32::INFINITY } else { r };
    let r = if x <= 0.0 && yisodd { -r } else { r };
    let r = if x <= 0.0 && !yisint { f32::NAN } else { r };

    let efx = mulsign_f32(x.abs() - 1.0, y);
    let rinf = if efx < 0.0 {
        0.0
    } else if efx == 0.0 {
        1.0
    } else {
        f32::INFINITY
    };
    let r = if y.is_infinite() { rinf } else { r };

    let x0 = x == 0.0;
    let mag = if y.is_sign_negative() != x0 { 0.0 } else { f32::INFINITY };
    let r0 = mulsign_f32(mag, if yisodd { x } else { 1.0 });
    let r = if x.is_infinite() || x0 { r0 } else { r };

    let r = if x.is_nan() || y.is_nan() { f32::NAN } else { r };
    if y == 0.0 || x == 1.0 {
        1.0
    } else {
        r
    }
}

/// `√(x² + y²)` as C `hypot` (max error ≤ 0.5001 ULP, no spurious
/// overflow or underflow; `hypot(±inf, NaN) = inf`).
#[inline(always)]
pub fn hypot_f64(x: f64, y: f64) -> f64 {
    let x = x.abs();
    let y = y.abs();
    let min = if x < y { x } else { y };
    let max = if x < y { y } else { x };
    let o = max < f64::MIN_POSITIVE;
    let n = if o { min * 18_014_398_509_481_984.0 } else { min };
    let d = if o { max * 18_014_398_509_481_984.0 } else { max };
    let t = D2::div_dd(Dd { x: n, y: 0.0 }, Dd { x: d, y: 0.0 });
    let t = t.squ().add2_f(1.0).sqrt().mul_f(max);
    let r = t.x + t.y;
    let r = if r.is_nan() { f64::INFINITY } else { r };
    let r = if min == 0.0 { max } else { r };
    let r = if x.is_nan() || y.is_nan() { f64::NAN } else { r };
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else {
        r
    }
}

/// `√(x² + y²)` as C `hypotf` (max error ≤ 0.5001 ULP).
#[inline(always)]
pub fn hypot_f32(x: f32, y: f32) -> f32 {
    let x = x.abs();
    let y = y.abs();
    let min = if x < y { x } else { y };
    let max = if x < y { y } else { x };
    let o = max < f32::MIN_POSITIVE;
    let n = if o { min * 16_777_216.0 } else { min };
    let d = if o { max * 16_777_216.0 } else { max };
    let t = F2::div_dd(Dd { x: n, y: 0.0 }, Dd { x: d, y: 0.0 });
    let t = t.squ().add2_f(1.0).sqrt().mul_f(max);
    let r = t.x + t.y;
    let r = if r.is_nan() { f32::INFINITY } else { r };
    let r = if min == 0.0 { max } else { r };
    let r = if x.is_nan() || y.is_nan() { f32::NAN } else { r };
    if x == f32::INFINITY || y == f32::INFINITY {
        f32::INFINITY
    } else {
        r
    }
}

/// `(m, e)` with `|x| = m · 2^e`, `m` an integer below `2^53`, for a
/// finite nonzero `x`.
#[inline(always)]
fn split_f64(x: f64) -> (u64, i32) {
    let b = x.to_bits() & !(1 << 63);
    let field = (b >> 52) as i32;
    let frac = b & ((1 << 52) - 1);
    if field == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), field - 1075)
    }
}

/// `(m, e)` with `|x| = m · 2^e`, `m` an integer below `2^24`.
#[inline(always)]
fn split_f32(x: f32) -> (u64, i32) {
    let b = x.to_bits() & !(1 << 31);
    let field = (b >> 23) as i32;
    let frac = (b & ((1 << 23) - 1)) as u64;
    if field == 0 {
        (frac, -149)
    } else {
        (frac | (1 << 23), field - 150)
    }
}

/// `(m · 2^s) mod d` for `m, d < 2^53` (`d > 0`), shifting in steps that
/// keep every intermediate below `2^64`.
#[inline(always)]
fn shifted_rem(m: u64, mut s: i32, d: u64, step: i32) -> u64 {
    let mut r = m % d;
    while s > 0 && r != 0 {
        let k = s.min(step);
        r = (r << k) % d;
        s -= k;
    }
    r
}

/// `x - trunc(x / y) · y`, exactly, as C `fmod` (the sign of `x`; NaN when
/// `y` is 0 or `x` is infinite or either is NaN; `x` when `y` is infinite).
#[inline(always)]
pub fn fmod_f64(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f64::NAN;
    }
    if x.abs() < y.abs() {
        return x;
    }
    let (mx, ex) = split_f64(x);
    let (my, ey) = split_f64(y);
    // |x| ≥ |y| > 0, so ex ≥ ey; r < my keeps y's scale 2^ey.
    let r = shifted_rem(mx, ex - ey, my, 11);
    let scale = if ey >= -1022 {
        f64::from_bits(((ey + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (ey + 1074))
    };
    // r < 2^53 converts exactly and r · 2^ey is representable (a multiple
    // of y's unit below |y|): the product is exact.
    (r as f64 * scale).copysign(x)
}

/// `x - trunc(x / y) · y`, exactly, as C `fmodf`.
#[inline(always)]
pub fn fmod_f32(x: f32, y: f32) -> f32 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f32::NAN;
    }
    if x.abs() < y.abs() {
        return x;
    }
    let (mx, ex) = split_f32(x);
    let (my, ey) = split_f32(y);
    let r = shifted_rem(mx, ex - ey, my, 40);
    let scale = if ey >= -126 {
        f32::from_bits(((ey + 127) as u32) << 23)
    } else {
        f32::from_bits(1u32 << (ey + 149))
    };
    (r as f32 * scale).copysign(x)
}

crate::math_binary_block!(
    /// `x[i] = power(x[i], y[i])`.
    power_f64_block,
    power_f64_block_on,
    power_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = power(x[i], y[i])`.
    power_f32_block,
    power_f32_block_on,
    power_f32,
    f32
);
crate::math_binary_block!(
    /// `x[i] = hypot(x[i], y[i])`.
    hypot_f64_block,
    hypot_f64_block_on,
    hypot_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = hypot(x[i], y[i])`.
    hypot_f32_block,
    hypot_f32_block_on,
    hypot_f32,
    f32
);
crate::math_binary_block!(
    /// `x[i] = fmod(x[i], y[i])` (a plain loop: `fmod` has branches).
    fmod_f64_block,
    fmod_f64_block_on,
    fmod_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = fmod(x[i], y[i])` (a plain loop: `fmod` has branches).
    fmod_f32_block,
    fmod_f32_block_on,
    fmod_f32,
    f32
);
