//! Part of the hyperbolic functions (see `mod.rs`): float64.

#[allow(unused_imports)]
use super::*;

/// `sinh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn sinh_f64(x: f64) -> f64 {
    let a = x.abs();
    // h = e^a / 2; sinh a = h - 1/(4h).
    let h = expk2(dd(a, 0.0), -1.0);
    let d = h.sub_dd(h.rec().scale(0.25));
    let y = d.x + d.y;
    let y = if a > 710.5 || y.is_nan() { f64::INFINITY } else { y };
    // Below 2^-28 sinh a rounds to a (and h's low part could be subnormal).
    let y = if a < 3.725_290_298_461_914e-9 { a } else { y };
    let y = mulsign_f64(y, x);
    if x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// `cosh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn cosh_f64(x: f64) -> f64 {
    let a = x.abs();
    let h = expk2(dd(a, 0.0), -1.0);
    let d = h.add_dd(h.rec().scale(0.25));
    let y = d.x + d.y;
    let y = if a > 710.5 || y.is_nan() { f64::INFINITY } else { y };
    if x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// `tanh x` (max error < 1 ULP).
///
/// Branch-free, in plain doubles with compensated steps, one formula for
/// every argument: `tanh a = M / (M + 2)` with `M = e^(2a) - 1` (`2a` is
/// exact). [`expm1_parts_f64`](crate::math::expm1_parts_f64) gives
/// `e^(2a) = 2^q (1 + vh + vl)`, so `M = (2^q - 1) + 2^q vh + 2^q vl`: a
/// fast two-sum (`q ≥ 0`, `|2^q vh| ≤ 0.42 · 2^q`) plus the low parts.
/// `M + 2` is a fast two-sum of that pair with 2, the larger first. Errors
/// of `M` reach the result damped by `2/(M + 2)`, so the rounding of
/// `2^q - 1` (from `q = 54` on, where `M > 2^53`) is left out. The quotient
/// of the two pairs is `mh · (1/dh)` corrected by its remainder (FMAs), so
/// near 0 (`q = 0`, `M = vh + vl`) nothing cancels and nothing is lost. From
/// 19.1 on the result rounds to 1; the argument is clamped at 19.5 (`q` at
/// most 56).
#[inline(always)]
pub fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let a = if a > 19.5 { 19.5 } else { a };
    let (vh, vl, q) = crate::math::expm1_parts_f64(a);
    let p = crate::math::common::pow2_f64(q);
    let ph = p * vh;
    // M = (2^q - 1) + 2^q vh + 2^q vl, the first sum fast (|2^q - 1| ≥
    // |2^q vh| or q = 0). 2^q - 1 is inexact from q = 54 on; its error is
    // left out: M's relative errors reach the result damped by 2/(M + 2).
    let c = p - 1.0;
    // c + ph as one FMA: p · vh is exact, so the same bits, one step
    // shorter.
    let mh = p.mul_add(vh, c);
    let ml = p.mul_add(vl, (c - mh) + ph);
    // M + 2 from the pair (M ≥ 0): a fast two-sum with the larger first
    // (selects, not `f64::max`, whose NaN rule costs a blend). `dh` is
    // the same sum either way; only the error term needs the order, so
    // the selects stay off the path to the division.
    let dh = mh + 2.0;
    let (big, small) = if mh > 2.0 { (mh, 2.0) } else { (2.0, mh) };
    let dl = ((big - dh) + small) + ml;
    // One division: t = mh · (1/dh), corrected by the remainder
    // (mh + ml) - t (dh + dl) (Markstein's step; the first part exact).
    let inv = 1.0 / dh;
    let t = mh * inv;
    let r = (-t).mul_add(dh, mh) + (-t).mul_add(dl, ml);
    let y = mulsign_f64(r.mul_add(inv, t), x);
    // The default NaN, whatever the input NaN.
    if x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// `arcsinh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn arcsinh_f64(x: f64) -> f64 {
    let a = x.abs();
    let big = a > 4_294_967_296.0; // 2^32: ln(2a) is exact to 2^-66.
    let o = a > 1.0;
    // √(a² + 1), as a·√(1/a² + 1) above 1.
    let d = D2::sel(o, D2::rec_f(a), dd(a, 0.0));
    let d = d.squ().add2_f(1.0).sqrt();
    let d = D2::sel(o, d.mul_f(a), d);
    let arg = D2::sel(big, dd(a, 0.0), d.add2_f(a).normalize());
    let r = logk2(arg);
    let r = D2::sel(big, r.add_dd(LN2_DD), r);
    let y = r.x + r.y;
    let y = if a == f64::INFINITY { a } else { y };
    // Below 2^-28 arcsinh a rounds to a (and the pairs would be subnormal).
    let y = if a < 3.725_290_298_461_914e-9 { a } else { y };
    let y = mulsign_f64(y, x);
    if x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// `arccosh x` (max error ≤ 1 ULP; NaN below 1).
#[inline(always)]
pub fn arccosh_f64(x: f64) -> f64 {
    let big = x > 4_294_967_296.0;
    let d = D2::add2_ff(x, 1.0).sqrt().mul_dd(D2::add2_ff(x, -1.0).sqrt()).add2_f(x);
    let arg = D2::sel(big, dd(x, 0.0), d);
    let r = logk2(arg);
    let r = D2::sel(big, r.add_dd(LN2_DD), r);
    let y = r.x + r.y;
    let y = if x == f64::INFINITY { x } else { y };
    let y = if x == 1.0 { 0.0 } else { y };
    if x < 1.0 || x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// `arctanh x` (max error ≤ 1 ULP; ±inf at ±1, NaN beyond).
#[inline(always)]
pub fn arctanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let d = logk2(D2::div_dd(D2::add2_ff(1.0, a), D2::add2_ff(1.0, -a)));
    let y = (d.x + d.y) * 0.5;
    let y = if a == 1.0 { f64::INFINITY } else { y };
    // Below 2^-28 arctanh a rounds to a (and the pairs would be subnormal).
    let y = if a < 3.725_290_298_461_914e-9 { a } else { y };
    let y = mulsign_f64(y, x);
    if a > 1.0 || a.is_nan() {
        f64::NAN
    } else {
        y
    }
}
