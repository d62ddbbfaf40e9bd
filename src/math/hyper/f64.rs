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

/// `tanh x` (max error ≤ 1 ULP).
///
/// Branch-free, in plain doubles with compensated steps (no double-double
/// kernels), and one division shared by the two ranges through selects:
/// - below 0.625, Cody & Waite's rational `a + a³·P(a²)/Q(a²)` (the
///   coefficients of S. L. Moshier's Cephes library, `tanh.c`, which "may
///   be used freely"; Go's `math.Tanh` uses them too); the correction is
///   at most an eighth of `a`, so its rounding errors shrink by that factor;
/// - from 0.625, `1 - t` with `t = 2/(E + 1)` and `E = e^(2a)` (`2a` is
///   exact). `E` comes as a pair from [`exp_parts_f64`](crate::math::exp_parts_f64);
///   `E + 1` is a two-sum, the division's remainder (one FMA) corrects
///   `t`, and `1 - t` is a two-sum, so the only sizable rounding is the
///   last addition.
#[inline(always)]
pub fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    // Small range.
    let z = a * a;
    let p = (-9.643_991_794_250_522_386_28e-1f64)
        .mul_add(z, -9.928_772_310_019_185_865_64e1)
        .mul_add(z, -1.614_687_684_417_084_479_52e3);
    let q = (z + 1.128_116_784_916_329_314_02e2)
        .mul_add(z, 2.235_488_390_601_004_485_83e3)
        .mul_add(z, 4.844_063_053_251_254_860_48e3);
    // Large range: E = (eh + el)·2^k; from 19.1 on the result is 1, so the
    // argument is clamped there (and 2^k stays a normal power of two).
    let (eh, el, k) = crate::math::exp_parts_f64(2.0 * a.min(19.5));
    let scale = crate::math::common::pow2_f64(k);
    let (eh, el) = (eh * scale, el * scale);
    let d = eh + 1.0; // E ≥ 3.4 here: the two-sum needs one step.
    let dl = (eh - d) + 1.0 + el;
    let small = a < 0.625;
    let num = if small { (a * z) * p } else { 2.0 };
    let den = if small { q } else { d };
    let r = num / den;
    // t = r + tl ≈ 2/(d + dl).
    let tl = ((-r).mul_add(d, 2.0) - r * dl) * (r * 0.5);
    let w = 1.0 - r;
    let wl = ((1.0 - w) - r) - tl;
    let y = if small { a + r } else { w + wl };
    let y = if a > 19.1 { 1.0 } else { y };
    // Below 2^-28 tanh a rounds to a.
    let y = if a < 3.725_290_298_461_914e-9 { a } else { y };
    let y = mulsign_f64(y, x);
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
