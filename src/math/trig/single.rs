//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// sin, cos, tan (f32): in f64, rounded once.

/// `(sin, cos)` of a reduced argument in plain double (relative error
/// ~1e-16, far below f32's half ULP).
#[inline(always)]
pub(super) fn sincos_eval_lite(x: f64, r: Dd, q: f64) -> (f64, f64) {
    let r = r.h + r.l;
    let s = r * r;
    let u = horner(
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
    let rx = (u * s).mul_add(r, r);
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
    let ry = s.mul_add(u, 1.0);
    let qi = (q + MAGIC).to_bits();
    let odd = qi & 1 != 0;
    let (sn, cs) = if odd { (ry, rx) } else { (rx, ry) };
    let sn = f64::from_bits(sn.to_bits() ^ ((qi & 2) << 62));
    let cs = f64::from_bits(cs.to_bits() ^ ((qi.wrapping_add(1) & 2) << 62));
    let sn = if x == 0.0 { x } else { sn };
    let nan = nan_of(x);
    let finite = x.abs() < f64::INFINITY;
    (if finite { sn } else { nan }, if finite { cs } else { nan })
}

/// `(sin x, cos x)` in f32 for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn sincos_f32_small(x: f32) -> (f32, f32) {
    let x = f64::from(x);
    let (r, q) = reduce_small_lite(x);
    let (s, c) = sincos_eval_lite(x, r, q);
    (s as f32, c as f32)
}

#[inline(never)]
pub(super) fn sincos_f32_huge(x: f32) -> (f32, f32) {
    let x = f64::from(x);
    let (r, q) = reduce_huge(x);
    let (s, c) = sincos_eval_lite(x, r, q);
    (s as f32, c as f32)
}

#[inline(always)]
pub(super) fn is_huge_f32(x: f32) -> bool {
    is_huge(f64::from(x))
}

/// `(sin x, cos x)` in f32 with one argument reduction (max error
/// < 0.501 ULP).
#[inline(always)]
pub fn sincos_f32(x: f32) -> (f32, f32) {
    if is_huge_f32(x) {
        sincos_f32_huge(x)
    } else {
        sincos_f32_small(x)
    }
}

/// `sin x` in f32 for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn sin_f32_small(x: f32) -> f32 {
    sincos_f32_small(x).0
}

/// `cos x` in f32 for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn cos_f32_small(x: f32) -> f32 {
    sincos_f32_small(x).1
}

/// `sin x` (f32).
#[inline(always)]
pub fn sin_f32(x: f32) -> f32 {
    sincos_f32(x).0
}

/// `cos x` (f32).
#[inline(always)]
pub fn cos_f32(x: f32) -> f32 {
    sincos_f32(x).1
}

/// `tan` of a reduced argument in plain double: `tan r` by its own
/// polynomial (SLEEF `xtan`'s, on r/2, doubled with
/// tan 2t = 2 tan t / (1 − tan² t)), `−1/tan r` in odd quadrants.
#[inline(always)]
pub(super) fn tan_eval_lite(d: f64, r: Dd, q: f64) -> f64 {
    let t = (r.h + r.l) * 0.5;
    let s = t * t;
    let u = horner(
        s,
        &[
            0.324_509_882_663_927_631_6e-3,
            0.561_921_973_811_432_373_5e-3,
            0.146_078_150_240_278_449_4e-2,
            0.359_161_154_079_249_951_9e-2,
            0.886_326_840_956_311_312_6e-2,
            0.218_694_872_818_553_549_8e-1,
            0.539_682_539_951_727_297e-1,
            0.133_333_333_333_050_058_1,
            0.333_333_333_333_334_369_5,
        ],
    );
    let x = (s * t).mul_add(u, t);
    let y = x.mul_add(x, -1.0);
    let x = x * -2.0;
    let qi = (q + MAGIC).to_bits();
    let odd = qi & 1 != 0;
    let u = if odd { -y } else { x } / if odd { x } else { y };
    let u = if d == 0.0 { d } else { u };
    if d.abs() < f64::INFINITY {
        u
    } else {
        nan_of(d)
    }
}

/// `tan x` in f32 for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn tan_f32_small(x: f32) -> f32 {
    let x = f64::from(x);
    let (r, q) = reduce_small_lite(x);
    tan_eval_lite(x, r, q) as f32
}

#[inline(never)]
pub(super) fn tan_f32_huge(x: f32) -> f32 {
    let x = f64::from(x);
    let (r, q) = reduce_huge(x);
    tan_eval_lite(x, r, q) as f32
}

/// `tan x` (f32).
#[inline(always)]
pub fn tan_f32(x: f32) -> f32 {
    if is_huge_f32(x) {
        tan_f32_huge(x)
    } else {
        tan_f32_small(x)
    }
}
