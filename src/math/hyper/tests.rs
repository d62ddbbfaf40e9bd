//! Tests of the hyperbolic functions.
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
            block(path, None, &mut y);
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
            block(path, None, &mut y);
            for (&x, &y) in xs.iter().zip(&y) {
                assert_eq!(y.to_bits(), f(x).to_bits(), "{name}f({x:e}) on {path:?}");
            }
        }
    }
}
