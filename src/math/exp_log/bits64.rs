//! Part of the exponentials and logarithms (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---- f64 bit-level helpers ------------------------------------------------

pub(super) const SIGN64: u64 = 1 << 63;
/// 1.5·2^52: adding a small integer to its bits adds it to its value.
pub(super) const MAGIC64: f64 = 6_755_399_441_055_744.0;

/// The biased exponent field of `d` (sign ignored), as an integer.
#[inline(always)]
pub(super) fn expo_bits_f64(d: f64) -> u64 {
    (d.to_bits() >> 52) & 0x7ff
}

/// A small integer (|i| < 2^51, two's complement in `u64`) as a float,
/// exactly.
#[inline(always)]
pub(super) fn int_f64(i: u64) -> f64 {
    f64::from_bits(MAGIC64.to_bits().wrapping_add(i)) - MAGIC64
}

/// `x` with its sign flipped when `y` is negative (SLEEF's `mulsign`).
#[inline(always)]
pub(super) fn mulsign_f64(x: f64, y: f64) -> f64 {
    f64::from_bits(x.to_bits() ^ (y.to_bits() & SIGN64))
}

/// `d = m · 2^e` with `m ∈ [0.75, 1.5)` for positive finite `d`
/// (subnormals included; `d` up to the largest float): returns `(m, e)`.
/// Other inputs give some `(m, e)` that the callers select away.
#[inline(always)]
pub(super) fn log_split_f64(d: f64) -> (f64, f64) {
    const TWO64: f64 = 18_446_744_073_709_551_616.0;
    let o = d < f64::MIN_POSITIVE;
    let d = if o { d * TWO64 } else { d };
    // e = ilogb(d / 0.75); 1024 when d / 0.75 overflows, which is right.
    let eb = expo_bits_f64(d * (1.0 / 0.75));
    let m = f64::from_bits(d.to_bits().wrapping_sub(eb.wrapping_sub(1023) << 52));
    let e = int_f64(eb) - if o { 1023.0 + 64.0 } else { 1023.0 };
    (m, e)
}

/// The special values of log, log2, log10: `+inf → +inf`, negative or NaN
/// → NaN, `±0 → -inf`.
#[inline(always)]
pub(super) fn log_special_f64(d: f64, r: f64) -> f64 {
    let r = if d == f64::INFINITY { f64::INFINITY } else { r };
    let r = if d < 0.0 || d.is_nan() { f64::NAN } else { r };
    if d == 0.0 {
        f64::NEG_INFINITY
    } else {
        r
    }
}
