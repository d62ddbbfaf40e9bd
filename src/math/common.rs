//! Building blocks shared by the math functions. Everything is branch-free
//! on the value and uses only operations that round the same way in every
//! vector width (see `dispatch`).

/// `x` rounded to the nearest integer, ties to even (exact for |x| < 2^52;
/// larger values are integers already), as a float.
#[inline(always)]
pub fn round_f64(x: f64) -> f64 {
    x.round_ties_even()
}

/// `2^k` for an integral `k` in [-1022, 1023], built from its bits.
#[inline(always)]
pub fn pow2_f64(k: f64) -> f64 {
    // k + 1023 + 1.5·2^52 puts k + 1023 in the low mantissa bits exactly.
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let b = (k + (1023.0 + MAGIC)).to_bits();
    f64::from_bits(b << 52)
}

/// `x · 2^q` for an integral `q` in [-2100, 2100] (clamped beyond), with
/// one rounding when the result is subnormal: `2^q` is applied as two
/// factors `2^⌊q/2⌋ · 2^(q-⌊q/2⌋)`, each a normal number.
#[inline(always)]
pub fn pow2i_f64(x: f64, q: f64) -> f64 {
    let q = q.clamp(-2100.0, 2100.0);
    let h = (q * 0.5).floor();
    let h = h.clamp(-1022.0, 1023.0);
    let r = (q - h).clamp(-1022.0, 1023.0);
    x * pow2_f64(h) * pow2_f64(r)
}

/// `2^k` for an integral `k` in [-126, 127], built from its bits.
#[inline(always)]
pub fn pow2_f32(k: f32) -> f32 {
    // k + 127 + 1.5·2^23 puts k + 127 in the low mantissa bits exactly.
    const MAGIC: f32 = 12_582_912.0;
    let b = (k + (127.0 + MAGIC)).to_bits();
    f32::from_bits(b << 23)
}

/// `x · 2^q` for an integral `q` (clamped to [-300, 300]), one rounding
/// when the result is subnormal (as [`pow2i_f64`]).
#[inline(always)]
pub fn pow2i_f32(x: f32, q: f32) -> f32 {
    let q = q.clamp(-300.0, 300.0);
    let h = (q * 0.5).floor().clamp(-126.0, 127.0);
    let r = (q - h).clamp(-126.0, 127.0);
    x * pow2_f32(h) * pow2_f32(r)
}
