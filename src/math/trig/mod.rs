//! Trigonometric functions: sin, cos, tan (and sincos, one reduction for
//! both), arcsin, arccos, arctan, arctan2, for f64 and f32.
//!
//! Ported from SLEEF (<https://github.com/shibatch/sleef>,
//! `src/libm/sleefsimddp.c`, `src/common/dd.h`, `src/common/commonfuncs.h`),
//! Boost Software License 1.0, Copyright Naoki Shibata and contributors
//! 2010 - 2025; see `LICENSE-SLEEF.txt` in this folder:
//! - `sin`, `cos`, `sincos`: `xsincos_u1` (polynomials and double-double
//!   finishing), `tan`: `xtan_u1`, each on an argument reduced modulo π/2
//!   to a double-double `r` and a quadrant `q`.
//! - arguments with |x| ≥ 1e14: `rempi` (Payne–Hanek with the 1/(2π) bits
//!   of `rempitab.rs`), as in SLEEF.
//! - `arctan`, `arctan2`: `atan2k_u1`, `xatan_u1`, `xatan2_u1`;
//!   `arcsin`, `arccos`: `xasin_u1`, `xacos_u1`.
//!
//! Differences from SLEEF: below 1e14 the reduction is one three-part
//! Cody–Waite step that relies on the fused multiply-add (`r1 = x − q·C1`
//! is exact: `x` and `q·C1` are multiples of 2^-53 and |r1| < 1), with the
//! rest `q·(C2 + C3)` subtracted in double-double; SLEEF uses a two-part
//! reduction below 15 and a four-part one (without FMA) up to 1e14.
//! Polynomials are evaluated by Horner's rule (SLEEF: Estrin).
//!
//! Vectorisation: the kernels below 1e14 (`*_small`) are branch-free; the
//! scalar entry points (`sin_f64`, …) branch to the Payne–Hanek path for
//! |x| ≥ 1e14. The block functions scan each chunk of 64 elements first
//! and run the vectorised small kernel on it; where the chunk has huge
//! arguments, those (kept aside) are then redone by the scalar entry
//! point. Both give the scalar entry point's bits.
//!
//! f32: computed in f64 (a three-FMA reduction, plain-double polynomials —
//! the f64 error is far below f32's half ULP) and rounded once.

use super::rempitab::REMPITAB_F64;

mod asin;
mod atan;
mod blocks;
mod inverse_f32;
mod sincos;
mod single;
mod tan;
pub use asin::*;
pub use atan::*;
pub use blocks::*;
pub use inverse_f32::*;
pub use sincos::*;
pub use single::*;
pub use tan::*;

// ---------------------------------------------------------------------------
// Double-double arithmetic (SLEEF dd.h, FMA variants).

#[derive(Clone, Copy, Debug)]
pub(super) struct Dd {
    h: f64,
    l: f64,
}

#[inline(always)]
pub(super) fn dd(h: f64, l: f64) -> Dd {
    Dd { h, l }
}

pub(super) const SIGN: u64 = 0x8000_0000_0000_0000;

/// `x` with its sign flipped where `y` is negative (SLEEF `vmulsign`).
#[inline(always)]
pub(super) fn mulsign(x: f64, y: f64) -> f64 {
    f64::from_bits(x.to_bits() ^ (y.to_bits() & SIGN))
}

#[inline(always)]
pub(super) fn sel_dd(c: bool, a: Dd, b: Dd) -> Dd {
    dd(if c { a.h } else { b.h }, if c { a.l } else { b.l })
}

/// Exact sum of two doubles (Knuth's two-sum: any order of magnitude).
#[inline(always)]
pub(super) fn dd_add2_d_d(x: f64, y: f64) -> Dd {
    let s = x + y;
    let v = s - x;
    dd(s, (x - (s - v)) + (y - v))
}

/// `ddadd_vd2_vd_vd`: |x| ≥ |y|.
#[inline(always)]
pub(super) fn dd_add_d_d(x: f64, y: f64) -> Dd {
    let s = x + y;
    dd(s, (x - s) + y)
}

/// `ddadd_vd2_vd2_vd`
#[inline(always)]
pub(super) fn dd_add_dd_d(x: Dd, y: f64) -> Dd {
    let s = x.h + y;
    dd(s, ((x.h - s) + y) + x.l)
}

/// `ddadd_vd2_vd_vd2`
#[inline(always)]
pub(super) fn dd_add_d_dd(x: f64, y: Dd) -> Dd {
    let s = x + y.h;
    dd(s, ((x - s) + y.h) + y.l)
}

/// `ddadd2_vd2_vd_vd2`
#[inline(always)]
pub(super) fn dd_add2_d_dd(x: f64, y: Dd) -> Dd {
    let s = x + y.h;
    let v = s - x;
    dd(s, ((x - (s - v)) + (y.h - v)) + y.l)
}

/// `ddadd_vd2_vd2_vd2`: |x| ≥ |y|.
#[inline(always)]
pub(super) fn dd_add_dd_dd(x: Dd, y: Dd) -> Dd {
    let s = x.h + y.h;
    dd(s, (((x.h - s) + y.h) + x.l) + y.l)
}

/// `ddadd2_vd2_vd2_vd2`
#[inline(always)]
pub(super) fn dd_add2_dd_dd(x: Dd, y: Dd) -> Dd {
    let s = x.h + y.h;
    let v = s - x.h;
    let t = (x.h - (s - v)) + (y.h - v);
    dd(s, t + (x.l + y.l))
}

/// `ddsub_vd2_vd2_vd`
#[inline(always)]
pub(super) fn dd_sub_dd_d(x: Dd, y: f64) -> Dd {
    let s = x.h - y;
    dd(s, ((x.h - s) - y) + x.l)
}

/// `ddsub_vd2_vd2_vd2`: |x| ≥ |y|.
#[inline(always)]
pub(super) fn dd_sub_dd_dd(x: Dd, y: Dd) -> Dd {
    let s = x.h - y.h;
    let t = ((x.h - s) - y.h) + x.l;
    dd(s, t - y.l)
}

#[inline(always)]
pub(super) fn dd_normalize(t: Dd) -> Dd {
    let s = t.h + t.l;
    dd(s, (t.h - s) + t.l)
}

#[inline(always)]
pub(super) fn dd_scale(x: Dd, s: f64) -> Dd {
    dd(x.h * s, x.l * s)
}

#[inline(always)]
pub(super) fn dd_neg(x: Dd) -> Dd {
    dd(-x.h, -x.l)
}

/// Exact product of two doubles.
#[inline(always)]
pub(super) fn dd_mul_d_d(x: f64, y: f64) -> Dd {
    let s = x * y;
    dd(s, x.mul_add(y, -s))
}

/// `ddmul_vd2_vd2_vd`
#[inline(always)]
pub(super) fn dd_mul_dd_d(x: Dd, y: f64) -> Dd {
    let s = x.h * y;
    dd(s, x.l.mul_add(y, x.h.mul_add(y, -s)))
}

/// `ddmul_vd2_vd2_vd2`
#[inline(always)]
pub(super) fn dd_mul_dd_dd(x: Dd, y: Dd) -> Dd {
    let s = x.h * y.h;
    dd(s, x.h.mul_add(y.l, x.l.mul_add(y.h, x.h.mul_add(y.h, -s))))
}

/// `ddsqu_vd2_vd2`
#[inline(always)]
pub(super) fn dd_squ(x: Dd) -> Dd {
    let s = x.h * x.h;
    dd(s, (x.h + x.h).mul_add(x.l, x.h.mul_add(x.h, -s)))
}

/// `ddsqu_vd_vd2`: the square, as one double.
#[inline(always)]
pub(super) fn dd_squ_d(x: Dd) -> f64 {
    x.h.mul_add(x.h, x.h * x.l + x.h * x.l)
}

/// `ddrec_vd2_vd`
#[inline(always)]
pub(super) fn dd_rec_d(d: f64) -> Dd {
    let s = 1.0 / d;
    dd(s, s * (-d).mul_add(s, 1.0))
}

/// `dddiv_vd2_vd2_vd2`
#[inline(always)]
pub(super) fn dd_div(n: Dd, d: Dd) -> Dd {
    let t = 1.0 / d.h;
    let s = n.h * t;
    let u = t.mul_add(n.h, -s);
    let v = (-d.l).mul_add(t, (-d.h).mul_add(t, 1.0));
    dd(s, s.mul_add(v, n.l.mul_add(t, u)))
}

/// `ddsqrt_vd2_vd`
#[inline(always)]
pub(super) fn dd_sqrt_d(d: f64) -> Dd {
    let t = d.sqrt();
    dd_scale(dd_mul_dd_dd(dd_add2_d_dd(d, dd_mul_d_d(t, t)), dd_rec_d(t)), 0.5)
}

#[inline(always)]
pub(super) fn horner(x: f64, c: &[f64]) -> f64 {
    let mut u = c[0];
    for &k in &c[1..] {
        u = u.mul_add(x, k);
    }
    u
}

// ---------------------------------------------------------------------------
// Argument reduction modulo π/2.

/// Arguments at or above this magnitude (and finite) take the Payne–Hanek
/// path.
pub(super) const HUGE: f64 = 1e14;

/// Whether `x` takes the Payne–Hanek path (NaN and ±inf do not: the small
/// kernels give NaN for them).
#[inline(always)]
pub(super) fn is_huge(x: f64) -> bool {
    let a = x.abs();
    (HUGE..f64::INFINITY).contains(&a)
}

/// The NaN that `sin`, `cos`, `tan` give for a NaN or infinite `x`: one
/// operation on `x` alone (`inf − inf` is the default NaN; a NaN keeps
/// its payload, quieted), so every path makes the same bits.
#[inline(always)]
#[allow(clippy::eq_op)]
pub(super) fn nan_of(x: f64) -> f64 {
    x - x
}

/// `1.5·2^52`: adding it to an integral `q` with |q| < 2^51 puts `q`
/// modulo 2^51 in the low mantissa bits.
pub(super) const MAGIC: f64 = 6_755_399_441_055_744.0;

/// `x = q·π/2 + r` for |x| < 1e14, `r` as a double-double (|r| ≤ ~0.79),
/// `q` an integral float (|q| < 2^46).
#[inline(always)]
pub(super) fn reduce_small(x: f64) -> (Dd, f64) {
    // π/2 = C1 + C2 + C3 (+ 5.6e-50).
    const C1: f64 = 1.570_796_326_794_896_6;
    const C2: f64 = 6.123_233_995_736_766e-17;
    const C3: f64 = -1.497_384_904_859_169_8e-33;
    const TWO_OVER_PI: f64 = 0.636_619_772_367_581_4;
    let q = (x * TWO_OVER_PI).round_ties_even();
    // Exact: q·C1 is a multiple of 2^-52, x of 2^-53 when q ≠ 0
    // (|x| > π/4), and the difference is below 1.
    let r1 = (-q).mul_add(C1, x);
    let p = dd_mul_d_d(q, C2);
    let r = dd_add2_d_d(r1, -p.h);
    let l = (-q).mul_add(C3, r.l - p.l);
    (dd_add2_d_d(r.h, l), q)
}

/// As [`reduce_small`], for an `x` with at most 24 significant bits (an
/// f32): `r` as one double from three fused steps — each rounds once
/// relative to its result, so `r` carries a relative error of ~2^-52,
/// far below f32's needs.
#[inline(always)]
pub(super) fn reduce_small_lite(x: f64) -> (Dd, f64) {
    const C1: f64 = 1.570_796_326_794_896_6;
    const C2: f64 = 6.123_233_995_736_766e-17;
    const C3: f64 = -1.497_384_904_859_169_8e-33;
    const TWO_OVER_PI: f64 = 0.636_619_772_367_581_4;
    let q = (x * TWO_OVER_PI).round_ties_even();
    let r = (-q).mul_add(C1, x);
    let r = (-q).mul_add(C2, r);
    let r = (-q).mul_add(C3, r);
    (dd(r, 0.0), q)
}

/// SLEEF's `rempisub`: `(x − rint(4x)/4, rint(4x) − 4·rint(x))`.
#[inline(always)]
pub(super) fn rempisub(x: f64) -> (f64, i32) {
    let y = (4.0 * x).round_ties_even();
    // |y − 4·rint(x)| ≤ 2.
    let vi = (y - x.round_ties_even() * 4.0) as i32;
    (x - y * 0.25, vi)
}

/// SLEEF's `rempi`: Payne–Hanek reduction of a finite `a` (any size) to
/// `r` in [-π/4, π/4] (double-double) and the quadrant `q` (mod 4).
pub(super) fn rempi(a: f64) -> (Dd, i32) {
    let mut ex = ((a.to_bits() >> 52) & 0x7ff) as i64 - 0x3ff - 55;
    let a = if ex > 700 - 55 {
        f64::from_bits(a.to_bits().wrapping_sub(64u64 << 52))
    } else {
        a
    };
    if ex < 0 {
        ex = 0;
    }
    let i = (ex * 4) as usize;
    let t = |k: usize| f64::from_bits(REMPITAB_F64[i + k]);
    let mut x = dd_mul_d_d(a, t(0));
    let (d, mut q) = rempisub(x.h);
    x.h = d;
    x = dd_normalize(x);
    let y = dd_mul_d_d(a, t(1));
    x = dd_add2_dd_dd(x, y);
    let (d, q2) = rempisub(x.h);
    q += q2;
    x.h = d;
    x = dd_normalize(x);
    let y = dd_mul_dd_d(dd(t(2), t(3)), a);
    x = dd_add2_dd_dd(x, y);
    x = dd_normalize(x);
    x = dd_mul_dd_dd(
        x,
        dd(3.141_592_653_589_793_116 * 2.0, 1.224_646_799_147_353_207_2e-16 * 2.0),
    );
    if a.abs() < 0.7 {
        x = dd(a, 0.0);
    }
    (x, q)
}

/// Payne–Hanek reduction with the quadrant as an integral float.
#[inline(never)]
pub(super) fn reduce_huge(x: f64) -> (Dd, f64) {
    let (r, q) = rempi(x);
    (r, f64::from(q))
}

#[cfg(test)]
mod tests;
