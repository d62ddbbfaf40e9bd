//! Hyperbolic functions and their inverses: sinh, cosh, tanh, arcsinh,
//! arccosh, arctanh, for f64 and f32.
//!
//! Ported from SLEEF's u10 functions `xsinh`, `xcosh`, `xtanh`, `xasinh`,
//! `xacosh`, `xatanh` (`sleefsimddp.c`) and their `f` versions, except the
//! float64 tanh (see [`tanh_f64`]: a rational and a compensated
//! `1 - 2/(e^(2a)+1)` in plain doubles, 1.4× faster than SLEEF's
//! double-double quotient)
//! (`sleefsimdsp.c`) (Boost Software License 1.0; see `LICENSE-SLEEF.txt`
//! in this folder), on the double-double kernels of `dd.rs`. Changes from
//! SLEEF, each to match C99/NumPy where SLEEF does not:
//! - sinh and cosh compute `e^|x| / 2` directly (an extra scale in
//!   `expk2`), so they stay finite up to the true overflow threshold
//!   (SLEEF gives inf from 709.78 on; the results are finite up to 710.47);
//! - arcsinh and arccosh of large arguments use `ln(2|x|) = ln|x| + ln 2`
//!   (SLEEF gives inf above `√DBL_MAX`);
//! - arcsinh is computed on `|x|` and given the sign of `x` (odd exactly);
//! - below 2^-28 (2^-14 for f32) sinh, tanh, arcsinh, arctanh return `x`;
//! - tanh is ±1 from 19.1 (9.1 for f32), where `1 - tanh` drops below half
//!   an ULP of 1 (SLEEF: from 18.71 and 8.66, up to 1 ULP off before).
//!
//! Every NaN result is the default quiet NaN, so that the bits do not
//! depend on how a vector unit propagates NaN payloads.

use super::dd::{dd, expk2, expk2f, logk2, logk2f, mulsign_f32, mulsign_f64, Dd, D2, F2};

const LN2_DD: Dd<f64> = Dd {
    x: 0.693_147_180_559_945_286_226_764,
    y: 2.319_046_813_846_299_558_417_771e-17,
};
const LN2_DF: Dd<f32> = Dd {
    x: 0.693_147_182_464_599_609_38,
    y: -1.904_654_323_148_236_017e-09,
};

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

/// `tanh x` (max error ≤ 1 ULP).
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let d = expk2f(dd(a, 0.0), 0.0);
    let e = d.rec();
    let d = F2::div_dd(d.add_dd(e.negate()), d.add_dd(e));
    let y = d.x + d.y;
    let y = if a > 9.1 || y.is_nan() { 1.0 } else { y };
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

crate::math_unary_block!(
    /// `x[i] = sinh(x[i])`.
    sinh_f64_block,
    sinh_f64_block_on,
    sinh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = cosh(x[i])`.
    cosh_f64_block,
    cosh_f64_block_on,
    cosh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = tanh(x[i])`.
    tanh_f64_block,
    tanh_f64_block_on,
    tanh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arcsinh(x[i])`.
    arcsinh_f64_block,
    arcsinh_f64_block_on,
    arcsinh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arccosh(x[i])`.
    arccosh_f64_block,
    arccosh_f64_block_on,
    arccosh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arctanh(x[i])`.
    arctanh_f64_block,
    arctanh_f64_block_on,
    arctanh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = sinh(x[i])`.
    sinh_f32_block,
    sinh_f32_block_on,
    sinh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = cosh(x[i])`.
    cosh_f32_block,
    cosh_f32_block_on,
    cosh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = tanh(x[i])`.
    tanh_f32_block,
    tanh_f32_block_on,
    tanh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arcsinh(x[i])`.
    arcsinh_f32_block,
    arcsinh_f32_block_on,
    arcsinh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arccosh(x[i])`.
    arccosh_f32_block,
    arccosh_f32_block_on,
    arccosh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arctanh(x[i])`.
    arctanh_f32_block,
    arctanh_f32_block_on,
    arctanh_f32,
    f32
);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::math::Path;

    // The C library's functions (Rust's own `f64::asinh` & co. are not
    // glibc's and lose accuracy near overflow and near 1).
    unsafe extern "C" {
        #[link_name = "asinh"]
        safe fn c_asinh(x: f64) -> f64;
        #[link_name = "acosh"]
        safe fn c_acosh(x: f64) -> f64;
        #[link_name = "atanh"]
        safe fn c_atanh(x: f64) -> f64;
    }

    /// A deterministic generator (splitmix64).
    pub(crate) struct Rng(pub u64);
    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        pub(crate) fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
        }
        /// Uniform in [lo, hi).
        pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.unit()
        }
        /// Log-uniform magnitude in [2^lo, 2^hi), random sign if `signed`.
        pub(crate) fn log_uniform(&mut self, lo: f64, hi: f64, signed: bool) -> f64 {
            let m = (self.uniform(lo, hi) * std::f64::consts::LN_2).exp();
            if signed && self.next() & 1 == 1 {
                -m
            } else {
                m
            }
        }
    }

    /// The distance in representable f64 values (0 when both are NaN).
    pub(crate) fn ulps_f64(a: f64, b: f64) -> u64 {
        if a.is_nan() || b.is_nan() {
            return if a.is_nan() && b.is_nan() { 0 } else { u64::MAX };
        }
        let o = |x: f64| {
            let b = x.to_bits() as i64;
            if b < 0 {
                i64::MIN - b
            } else {
                b
            }
        };
        (o(a) as i128 - o(b) as i128).unsigned_abs() as u64
    }

    /// The distance in representable f32 values (0 when both are NaN).
    pub(crate) fn ulps_f32(a: f32, b: f32) -> u64 {
        if a.is_nan() || b.is_nan() {
            return if a.is_nan() && b.is_nan() { 0 } else { u64::MAX };
        }
        let o = |x: f32| {
            let b = x.to_bits() as i32;
            if b < 0 {
                i32::MIN as i64 - b as i64
            } else {
                b as i64
            }
        };
        (o(a) - o(b)).unsigned_abs()
    }

    /// Same value and, for zeros, the same sign (NaN matches NaN).
    pub(crate) fn same_f64(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
    }

    pub(crate) fn same_f32(a: f32, b: f32) -> bool {
        (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
    }

    /// Random inputs: uniform over `[lo, hi)`, log-uniform magnitudes over
    /// `[2^elo, 2^ehi)` (signed if `lo < 0`), plus `extra`.
    pub(crate) fn inputs(seed: u64, lo: f64, hi: f64, elo: f64, ehi: f64, extra: &[f64]) -> Vec<f64> {
        let mut r = Rng(seed);
        let mut v: Vec<f64> = (0..3000).map(|_| r.uniform(lo, hi)).collect();
        v.extend((0..3000).map(|_| r.log_uniform(elo, ehi, lo < 0.0)));
        v.extend_from_slice(extra);
        v
    }

    /// Max ULP error of `f` against `reference` on `xs` (f64).
    fn max_ulp_f64(name: &str, f: fn(f64) -> f64, reference: fn(f64) -> f64, xs: &[f64]) -> u64 {
        let mut worst = (0, 0.0);
        for &x in xs {
            let u = ulps_f64(f(x), reference(x));
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!("{name}: max {} ULP vs glibc (at {:e})", worst.0, worst.1);
        worst.0
    }

    /// Max ULP error of `f` against `reference` on `xs` (f32).
    fn max_ulp_f32(name: &str, f: fn(f32) -> f32, reference: fn(f32) -> f32, xs: &[f64]) -> u64 {
        let mut worst = (0, 0.0);
        for &x in xs {
            let x = x as f32;
            let u = ulps_f32(f(x), reference(x));
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!("{name}: max {} ULP vs f64 glibc (at {:e})", worst.0, worst.1);
        worst.0
    }

    type Case = (&'static str, fn(f64) -> f64, fn(f64) -> f64, Vec<f64>);
    type CaseF = (&'static str, fn(f32) -> f32, fn(f32) -> f32, Vec<f64>);

    fn cases() -> Vec<Case> {
        let near0 = [1e-300, -1e-300, 5e-324, -5e-324, 1e-9, 3e-9, 4e-9, 1e-5, 0.1, 0.5, 1.0];
        vec![
            ("sinh", sinh_f64, f64::sinh, {
                let mut v = inputs(1, -720.0, 720.0, -40.0, 9.5, &near0);
                v.extend([709.7, 709.79, 710.0, 710.4, 710.47, 710.475, 710.476, 711.0, -710.47]);
                v
            }),
            ("cosh", cosh_f64, f64::cosh, {
                let mut v = inputs(2, -720.0, 720.0, -40.0, 9.5, &near0);
                v.extend([709.7, 709.79, 710.0, 710.4, 710.47, 710.475, 710.476, 711.0, -710.47]);
                v
            }),
            ("tanh", tanh_f64, f64::tanh, inputs(3, -20.0, 20.0, -40.0, 5.0, &near0)),
            ("arcsinh", arcsinh_f64, |x| c_asinh(x), {
                let mut v = inputs(4, -1e3, 1e3, -1074.0, 1024.0, &near0);
                v.extend([1.3e154, 1e200, -1e300, f64::MAX, -f64::MAX, 4294967296.0, 4294967297.0]);
                v
            }),
            ("arccosh", arccosh_f64, |x| c_acosh(x), {
                let mut v = inputs(5, 1.0, 1e3, 0.0, 1024.0, &[1.0, 1.0000000000000002, 1.5, 2.0]);
                v.extend([1.3e154, 1e200, 1e300, f64::MAX, 4294967296.0, 4294967297.0]);
                v.extend(inputs(15, 1.0, 1.001, 0.0, 1e-3, &[]).iter().map(|x| 1.0 + x.abs()));
                v
            }),
            ("arctanh", arctanh_f64, |x| c_atanh(x), {
                let mut v = inputs(6, -1.0, 1.0, -1074.0, 0.0, &near0);
                v.extend([0.9999999999999999, -0.9999999999999999, 0.99999, 0.5]);
                v
            }),
        ]
    }

    fn cases_f32() -> Vec<CaseF> {
        let near0 = [1e-38, -1e-38, 1e-45, -1e-45, 6e-5, 7e-5, 1e-5, 0.1, 0.5, 1.0];
        vec![
            ("sinh", sinh_f32, |x| (x as f64).sinh() as f32, {
                let mut v = inputs(1, -92.0, 92.0, -30.0, 6.6, &near0);
                v.extend([88.7, 89.0, 89.4, 89.41, 89.415, 89.4159, 89.416, 90.0]);
                v
            }),
            ("cosh", cosh_f32, |x| (x as f64).cosh() as f32, {
                let mut v = inputs(2, -92.0, 92.0, -30.0, 6.6, &near0);
                v.extend([88.7, 89.0, 89.4, 89.41, 89.415, 89.4159, 89.416, 90.0]);
                v
            }),
            (
                "tanh",
                tanh_f32,
                |x| (x as f64).tanh() as f32,
                inputs(3, -10.0, 10.0, -30.0, 4.0, &near0),
            ),
            ("arcsinh", arcsinh_f32, |x| c_asinh(x as f64) as f32, {
                let mut v = inputs(4, -1e3, 1e3, -149.0, 128.0, &near0);
                v.extend([1.8e19, 1e30, -1e38, f32::MAX as f64, 65536.0, 65537.0]);
                v
            }),
            ("arccosh", arccosh_f32, |x| c_acosh(x as f64) as f32, {
                let mut v = inputs(5, 1.0, 1e3, 0.0, 128.0, &[1.0, 1.0000001, 1.5, 2.0]);
                v.extend([1.8e19, 1e30, 1e38, f32::MAX as f64, 65536.0, 65537.0]);
                v
            }),
            ("arctanh", arctanh_f32, |x| c_atanh(x as f64) as f32, {
                let mut v = inputs(6, -1.0, 1.0, -149.0, 0.0, &near0);
                v.extend([0.99999994, -0.99999994, 0.99999, 0.5]);
                v
            }),
        ]
    }

    /// glibc's own error is up to 2 ULP for these functions (its
    /// `libm-test-ulps`), ours ≤ 1 against a correctly rounded reference
    /// (checked with mpmath, see the report in the commit): the bound
    /// against glibc is therefore 2.
    #[test]
    fn accuracy_against_glibc_f64() {
        let mut bad = vec![];
        for (name, f, r, xs) in cases() {
            let u = max_ulp_f64(name, f, r, &xs);
            if u > 2 {
                bad.push((name, u));
            }
        }
        assert!(bad.is_empty(), "over 2 ULP: {bad:?}");
    }

    #[test]
    fn accuracy_against_glibc_f32() {
        let mut bad = vec![];
        for (name, f, r, xs) in cases_f32() {
            let u = max_ulp_f32(name, f, r, &xs);
            if u > 1 {
                bad.push((name, u));
            }
        }
        assert!(bad.is_empty(), "over 1 ULP: {bad:?}");
    }

    const SPECIAL: [f64; 10] = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0,
        -1.0,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
    ];

    #[test]
    fn special_values_as_c99() {
        // The C library gives C99's special values: compare exactly (sign of
        // zero included).
        for (name, f, r, _) in cases() {
            for x in SPECIAL {
                assert!(same_f64(f(x), r(x)), "{name}({x:e}) = {:e}, C: {:e}", f(x), r(x));
            }
        }
        for (name, f, r, _) in cases_f32() {
            for x in SPECIAL {
                let x = x as f32;
                assert!(same_f32(f(x), r(x)), "{name}f({x:e}) = {:e}, C: {:e}", f(x), r(x));
            }
        }
        // Hand-written ones.
        assert_eq!(sinh_f64(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(tanh_f64(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(cosh_f64(f64::NEG_INFINITY), f64::INFINITY);
        assert_eq!(sinh_f64(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(arctanh_f64(-1.0), f64::NEG_INFINITY);
        assert!(arctanh_f64(1.5).is_nan() && arctanh_f32(-2.0).is_nan());
        assert!(arccosh_f64(0.5).is_nan() && arccosh_f32(-1.0).is_nan());
        assert_eq!(arccosh_f64(1.0).to_bits(), 0);
        assert_eq!(arcsinh_f64(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(arcsinh_f32(f32::NEG_INFINITY), f32::NEG_INFINITY);
        // Correctly rounded (mpmath); glibc is 1 ULP off here.
        assert_eq!(sinh_f64(710.47), 1.787_189_326_768_404_8e308);
        assert!(sinh_f64(710.48).is_infinite() && cosh_f32(89.5).is_infinite());
        // The default NaN, whatever the input NaN.
        let nan = f64::from_bits(0xFFF8_0000_0000_1234);
        for f in [sinh_f64, cosh_f64, tanh_f64, arcsinh_f64, arccosh_f64, arctanh_f64] {
            assert_eq!(f(nan).to_bits(), f64::NAN.to_bits());
        }
    }

    #[test]
    fn every_path_gives_the_same_bits() {
        for (name, f, _, mut xs) in cases() {
            xs.extend(SPECIAL);
            for path in Path::ALL.into_iter().filter(|p| p.available()) {
                let mut y = xs.clone();
                let block = match name {
                    "sinh" => sinh_f64_block_on,
                    "cosh" => cosh_f64_block_on,
                    "tanh" => tanh_f64_block_on,
                    "arcsinh" => arcsinh_f64_block_on,
                    "arccosh" => arccosh_f64_block_on,
                    _ => arctanh_f64_block_on,
                };
                block(path, &mut y);
                for (&x, &y) in xs.iter().zip(&y) {
                    assert_eq!(y.to_bits(), f(x).to_bits(), "{name}({x:e}) on {path:?}");
                }
            }
        }
        for (name, f, _, mut xs) in cases_f32() {
            xs.extend(SPECIAL);
            let xs: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
            for path in Path::ALL.into_iter().filter(|p| p.available()) {
                let mut y = xs.clone();
                let block = match name {
                    "sinh" => sinh_f32_block_on,
                    "cosh" => cosh_f32_block_on,
                    "tanh" => tanh_f32_block_on,
                    "arcsinh" => arcsinh_f32_block_on,
                    "arccosh" => arccosh_f32_block_on,
                    _ => arctanh_f32_block_on,
                };
                block(path, &mut y);
                for (&x, &y) in xs.iter().zip(&y) {
                    assert_eq!(y.to_bits(), f(x).to_bits(), "{name}f({x:e}) on {path:?}");
                }
            }
        }
    }
}
