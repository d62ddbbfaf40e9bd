//! Part of the hyperbolic functions (see `mod.rs`): float32.

#[allow(unused_imports)]
use super::*;

/// `sinh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn sinh_f32(x: f32) -> f32 {
    let a = x.abs();
    let h = expk2f(dd(a, 0.0), -1.0);
    let d = h.sub_dd(h.rec().scale(0.25));
    let y = d.x + d.y;
    let y = if a > 89.5 || y.is_nan() { f32::INFINITY } else { y };
    // Below 2^-14 sinh a rounds to a (and h's low part could be subnormal).
    let y = if a < 6.103_515_625e-5 { a } else { y };
    let y = mulsign_f32(y, x);
    if x.is_nan() {
        f32::NAN
    } else {
        y
    }
}

/// `cosh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn cosh_f32(x: f32) -> f32 {
    let a = x.abs();
    let h = expk2f(dd(a, 0.0), -1.0);
    let d = h.add_dd(h.rec().scale(0.25));
    let y = d.x + d.y;
    let y = if a > 89.5 || y.is_nan() { f32::INFINITY } else { y };
    if x.is_nan() {
        f32::NAN
    } else {
        y
    }
}

/// `tanh x` (max error ≤ 1 ULP): the float64 algorithm ([`tanh_f64`]) in
/// float32 — Cody & Waite's rational below 0.625, a compensated
/// `1 - 2/(e^(2a) + 1)` above, one shared division — instead of SLEEF's
/// double-float quotient.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let z = a * a;
    let p = (-9.643_991_794_250_522e-1f32)
        .mul_add(z, -9.928_772_310_019_186e1)
        .mul_add(z, -1.614_687_684_417_084_5e3);
    let q = (z + 1.128_116_784_916_329_3e2)
        .mul_add(z, 2.235_488_390_601_004_5e3)
        .mul_add(z, 4.844_063_053_251_255e3);
    let (eh, el, k) = crate::math::exp_parts_f32(2.0 * a.min(9.5));
    let scale = crate::math::common::pow2_f32(k);
    let (eh, el) = (eh * scale, el * scale);
    let d = eh + 1.0;
    let dl = (eh - d) + 1.0 + el;
    let small = a < 0.625;
    let num = if small { (a * z) * p } else { 2.0 };
    let den = if small { q } else { d };
    let r = num / den;
    let tl = ((-r).mul_add(d, 2.0) - r * dl) * (r * 0.5);
    let w = 1.0 - r;
    let wl = ((1.0 - w) - r) - tl;
    let y = if small { a + r } else { w + wl };
    let y = if a > 9.1 { 1.0 } else { y };
    // Below 2^-14 tanh a rounds to a.
    let y = if a < 6.103_515_625e-5 { a } else { y };
    let y = mulsign_f32(y, x);
    if x.is_nan() {
        f32::NAN
    } else {
        y
    }
}

/// `arcsinh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn arcsinh_f32(x: f32) -> f32 {
    let a = x.abs();
    let big = a > 65_536.0; // 2^16: ln(2a) is exact to 2^-34.
    let o = a > 1.0;
    let d = F2::sel(o, F2::rec_f(a), dd(a, 0.0));
    let d = d.squ().add2_f(1.0).sqrt();
    let d = F2::sel(o, d.mul_f(a), d);
    let arg = F2::sel(big, dd(a, 0.0), d.add2_f(a).normalize());
    let r = logk2f(arg);
    let r = F2::sel(big, r.add_dd(LN2_DF), r);
    let y = r.x + r.y;
    let y = if a == f32::INFINITY { a } else { y };
    // Below 2^-14 arcsinh a rounds to a (and the pairs would be subnormal).
    let y = if a < 6.103_515_625e-5 { a } else { y };
    let y = mulsign_f32(y, x);
    if x.is_nan() {
        f32::NAN
    } else {
        y
    }
}

/// `arccosh x` (max error ≤ 1 ULP; NaN below 1).
#[inline(always)]
pub fn arccosh_f32(x: f32) -> f32 {
    let big = x > 65_536.0;
    let d = F2::add2_ff(x, 1.0).sqrt().mul_dd(F2::add2_ff(x, -1.0).sqrt()).add2_f(x);
    let arg = F2::sel(big, dd(x, 0.0), d);
    let r = logk2f(arg);
    let r = F2::sel(big, r.add_dd(LN2_DF), r);
    let y = r.x + r.y;
    let y = if x == f32::INFINITY { x } else { y };
    let y = if x == 1.0 { 0.0 } else { y };
    if x < 1.0 || x.is_nan() {
        f32::NAN
    } else {
        y
    }
}

/// `arctanh x` (max error ≤ 1 ULP; ±inf at ±1, NaN beyond).
#[inline(always)]
pub fn arctanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let d = logk2f(F2::div_dd(F2::add2_ff(1.0, a), F2::add2_ff(1.0, -a)));
    let y = (d.x + d.y) * 0.5;
    let y = if a == 1.0 { f32::INFINITY } else { y };
    // Below 2^-14 arctanh a rounds to a (and the pairs would be subnormal).
    let y = if a < 6.103_515_625e-5 { a } else { y };
    let y = mulsign_f32(y, x);
    if a > 1.0 || a.is_nan() {
        f32::NAN
    } else {
        y
    }
}
