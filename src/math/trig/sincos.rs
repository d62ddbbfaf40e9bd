//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// sin, cos, sincos (f64).

/// `(sin r, cos r)` from `xsincos_u1`, then the quadrant's signs and swap,
/// and the special values of `x`.
#[inline(always)]
pub(super) fn sincos_eval(x: f64, r: Dd, q: f64) -> (f64, f64) {
    let s = dd_squ_d(r);
    let mut u = horner(
        s,
        &[
            1.589_383_072_832_289_373_285_11e-10,
            -2.505_069_435_025_397_733_493_18e-08,
            2.755_731_317_768_463_605_125_47e-06,
            -0.000_198_412_698_278_911_770_864_914,
            0.008_333_333_333_319_184_596_174_6,
            -0.166_666_666_666_666_130_709_393,
        ],
    );
    u *= s * r.h;
    let t = dd_add_dd_d(r, u);
    let rx = t.h + t.l;

    let u = horner(
        s,
        &[
            -1.136_153_502_390_974_295_315_23e-11,
            2.087_574_712_070_400_554_793_66e-09,
            -2.755_731_440_288_475_674_985_67e-07,
            2.480_158_728_900_018_673_119_15e-05,
            -0.001_388_888_888_887_140_192_823_29,
            0.041_666_666_666_666_551_959_206_2,
            -0.5,
        ],
    );
    let t = dd_add_d_dd(1.0, dd_mul_d_d(s, u));
    let ry = t.h + t.l;

    let qi = (q + MAGIC).to_bits();
    let odd = qi & 1 != 0;
    let (sn, cs) = if odd { (ry, rx) } else { (rx, ry) };
    let sn = f64::from_bits(sn.to_bits() ^ ((qi & 2) << 62));
    let cs = f64::from_bits(cs.to_bits() ^ ((qi.wrapping_add(1) & 2) << 62));
    // sin(±0) = ±0; NaN and ±inf give NaN (one operation on x, the same
    // NaN on every path).
    let sn = if x == 0.0 { x } else { sn };
    let nan = nan_of(x);
    let finite = x.abs() < f64::INFINITY;
    (if finite { sn } else { nan }, if finite { cs } else { nan })
}

/// `(sin x, cos x)` for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn sincos_f64_small(x: f64) -> (f64, f64) {
    let (r, q) = reduce_small(x);
    sincos_eval(x, r, q)
}

#[inline(never)]
pub(super) fn sincos_f64_huge(x: f64) -> (f64, f64) {
    let (r, q) = reduce_huge(x);
    sincos_eval(x, r, q)
}

/// `(sin x, cos x)` with one argument reduction (max error < 1 ULP each).
#[inline(always)]
pub fn sincos_f64(x: f64) -> (f64, f64) {
    if is_huge(x) {
        sincos_f64_huge(x)
    } else {
        sincos_f64_small(x)
    }
}

/// `sin x` for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn sin_f64_small(x: f64) -> f64 {
    sincos_f64_small(x).0
}

/// `cos x` for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn cos_f64_small(x: f64) -> f64 {
    sincos_f64_small(x).1
}

/// `sin x` (max error < 1 ULP).
#[inline(always)]
pub fn sin_f64(x: f64) -> f64 {
    sincos_f64(x).0
}

/// `cos x` (max error < 1 ULP).
#[inline(always)]
pub fn cos_f64(x: f64) -> f64 {
    sincos_f64(x).1
}
