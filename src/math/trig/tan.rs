//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// tan (f64).

/// `xtan_u1` after the reduction.
#[inline(always)]
pub(super) fn tan_eval(d: f64, s: Dd, q: f64) -> f64 {
    let t = dd_scale(s, 0.5);
    let s = dd_squ(t);
    let u = horner(
        s.h,
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
    let x = dd_add_dd_dd(t, dd_mul_dd_d(dd_mul_dd_dd(s, t), u));
    let y = dd_add_d_dd(-1.0, dd_squ(x));
    let x = dd_scale(x, -2.0);
    let qi = (q + MAGIC).to_bits();
    let odd = qi & 1 != 0;
    let x = dd_div(sel_dd(odd, dd_neg(y), x), sel_dd(odd, x, y));
    let u = x.h + x.l;
    let u = if d == 0.0 { d } else { u };
    if d.abs() < f64::INFINITY {
        u
    } else {
        nan_of(d)
    }
}

/// `tan x` for |x| < 1e14 or non-finite `x`: branch-free.
#[inline(always)]
pub fn tan_f64_small(x: f64) -> f64 {
    let (r, q) = reduce_small(x);
    let t = tan_eval(x, r, q);
    // tan x = x (correctly rounded) below 2^-27; the evaluation would lose
    // the smallest subnormals and the sign of their zero.
    if x.abs() < 7.450_580_596_923_828e-9 {
        x
    } else {
        t
    }
}

#[inline(never)]
pub(super) fn tan_f64_huge(x: f64) -> f64 {
    let (r, q) = reduce_huge(x);
    tan_eval(x, r, q)
}

/// `tan x` (max error < 1 ULP).
#[inline(always)]
pub fn tan_f64(x: f64) -> f64 {
    if is_huge(x) {
        tan_f64_huge(x)
    } else {
        tan_f64_small(x)
    }
}
