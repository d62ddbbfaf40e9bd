//! Part of the exponentials and logarithms (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---- f32 bit-level helpers ------------------------------------------------

pub(super) const SIGN32: u32 = 1 << 31;
/// 1.5·2^23.
pub(super) const MAGIC32: f32 = 12_582_912.0;

#[inline(always)]
pub(super) fn expo_bits_f32(d: f32) -> u32 {
    (d.to_bits() >> 23) & 0xff
}

/// A small integer (two's complement in `u32`) as a float, exactly.
#[inline(always)]
pub(super) fn int_f32(i: u32) -> f32 {
    f32::from_bits(MAGIC32.to_bits().wrapping_add(i)) - MAGIC32
}

#[inline(always)]
pub(super) fn mulsign_f32(x: f32, y: f32) -> f32 {
    f32::from_bits(x.to_bits() ^ (y.to_bits() & SIGN32))
}

#[inline(always)]
pub(super) fn log_split_f32(d: f32) -> (f32, f32) {
    const TWO64: f32 = 18_446_744_073_709_551_616.0;
    let o = d < f32::MIN_POSITIVE;
    let d = if o { d * TWO64 } else { d };
    let eb = expo_bits_f32(d * (1.0 / 0.75));
    let m = f32::from_bits(d.to_bits().wrapping_sub(eb.wrapping_sub(127) << 23));
    let e = int_f32(eb) - if o { 127.0 + 64.0 } else { 127.0 };
    (m, e)
}

#[inline(always)]
pub(super) fn log_special_f32(d: f32, r: f32) -> f32 {
    let r = if d == f32::INFINITY { f32::INFINITY } else { r };
    let r = if d < 0.0 || d.is_nan() { f32::NAN } else { r };
    if d == 0.0 {
        f32::NEG_INFINITY
    } else {
        r
    }
}
