//! `power`, `hypot` and `fmod`, for f64 and f32.
//!
//! `power_*` and `hypot_*` are ported from SLEEF's `xpow`/`xpowf` (u10)
//! and `xhypot_u05`/`xhypotf_u05` (`sleefsimddp.c`, `sleefsimdsp.c`;
//! Boost Software License 1.0, see `LICENSE-SLEEF.txt` in this folder) on
//! the double-double kernels of `dd.rs`: `x^y = e^(y · ln|x|)` with `ln|x|`
//! as a double-double, then the C99 (Annex F) special cases as selects.
//! Changes: the special cases are selects of constants (every NaN is the
//! default quiet NaN); `y` is odd/integral by rounding tests in both
//! widths; f32 overflow is tested on the exponent's argument, not left to
//! an integer `ldexp`.
//!
//! `fmod_*` is lazyfuse's own: exact, by integer remainders of the
//! significands (scalar code with branches and a loop — the block function
//! is a plain loop over it, which gives the same bits on every path).

use super::common::round_f64;
use super::dd::{expk, expkf, logk, logkf, mulsign_f32, mulsign_f64, Dd, D2, F2};

/// `x^y` as C99 `pow` (max error ≤ 1 ULP; C99 special cases exactly:
/// `pow(x, ±0) = 1` and `pow(1, y) = 1` even for NaN, `pow(-1, ±inf) = 1`,
/// a negative base with a non-integral exponent is NaN, `pow(±0, y)` and
/// `pow(±inf, y)` by the sign and oddness of `y`).
#[inline(always)]
pub fn power_f64(x: f64, y: f64) -> f64 {
    const LOG_DBL_MAX: f64 = 709.782_712_893_384;
    let yisint = round_f64(y) == y;
    let h = y * 0.5;
    let yisodd = yisint && round_f64(h) != h;

    let d = logk(x.abs()).mul_f(y);
    let r = expk(d);
    let r = if d.x > LOG_DBL_MAX { f64::INFINITY } else { r };
    // A negative base: the sign of an odd power, NaN for a non-integer.
    let r = if x <= 0.0 && yisodd { -r } else { r };
    let r = if x <= 0.0 && !yisint { f64::NAN } else { r };

    let efx = mulsign_f64(x.abs() - 1.0, y);
    let rinf = if efx < 0.0 {
        0.0
    } else if efx == 0.0 {
        1.0
    } else {
        f64::INFINITY
    };
    let r = if y.is_infinite() { rinf } else { r };

    let x0 = x == 0.0;
    let mag = if y.is_sign_negative() != x0 { 0.0 } else { f64::INFINITY };
    let r0 = mulsign_f64(mag, if yisodd { x } else { 1.0 });
    let r = if x.is_infinite() || x0 { r0 } else { r };

    let r = if x.is_nan() || y.is_nan() { f64::NAN } else { r };
    let r = if y == 0.0 || x == 1.0 { 1.0 } else { r };
    // NumPy's fast paths for these exponents, correctly rounded (and C99
    // for every x, special values included).
    let r = if y == 1.0 { x } else { r };
    let r = if y == 2.0 { x * x } else { r };
    let r = if y == -1.0 { 1.0 / x } else { r };
    if y == 0.5 && x > 0.0 {
        x.sqrt()
    } else {
        r
    }
}

/// `x^y` as C99 `powf` (max error ≤ 1 ULP; special cases as
/// [`power_f64`]).
#[inline(always)]
pub fn power_f32(x: f32, y: f32) -> f32 {
    let yisint = y.round_ties_even() == y;
    let h = y * 0.5;
    let yisodd = yisint && h.round_ties_even() != h;

    let d = logkf(x.abs()).mul_f(y);
    let r = expkf(d);
    let r = if d.x > 89.0 || r.is_nan() { f32::INFINITY } else { r };
    let r = if x <= 0.0 && yisodd { -r } else { r };
    let r = if x <= 0.0 && !yisint { f32::NAN } else { r };

    let efx = mulsign_f32(x.abs() - 1.0, y);
    let rinf = if efx < 0.0 {
        0.0
    } else if efx == 0.0 {
        1.0
    } else {
        f32::INFINITY
    };
    let r = if y.is_infinite() { rinf } else { r };

    let x0 = x == 0.0;
    let mag = if y.is_sign_negative() != x0 { 0.0 } else { f32::INFINITY };
    let r0 = mulsign_f32(mag, if yisodd { x } else { 1.0 });
    let r = if x.is_infinite() || x0 { r0 } else { r };

    let r = if x.is_nan() || y.is_nan() { f32::NAN } else { r };
    let r = if y == 0.0 || x == 1.0 { 1.0 } else { r };
    // NumPy's fast paths for these exponents, correctly rounded (and C99
    // for every x, special values included).
    let r = if y == 1.0 { x } else { r };
    let r = if y == 2.0 { x * x } else { r };
    let r = if y == -1.0 { 1.0 / x } else { r };
    if y == 0.5 && x > 0.0 {
        x.sqrt()
    } else {
        r
    }
}

/// `√(x² + y²)` as C `hypot` (max error ≤ 0.5001 ULP, no spurious
/// overflow or underflow; `hypot(±inf, NaN) = inf`).
#[inline(always)]
pub fn hypot_f64(x: f64, y: f64) -> f64 {
    let x = x.abs();
    let y = y.abs();
    let min = if x < y { x } else { y };
    let max = if x < y { y } else { x };
    let o = max < f64::MIN_POSITIVE;
    let n = if o { min * 18_014_398_509_481_984.0 } else { min };
    let d = if o { max * 18_014_398_509_481_984.0 } else { max };
    let t = D2::div_dd(Dd { x: n, y: 0.0 }, Dd { x: d, y: 0.0 });
    let t = t.squ().add2_f(1.0).sqrt().mul_f(max);
    let r = t.x + t.y;
    let r = if r.is_nan() { f64::INFINITY } else { r };
    let r = if min == 0.0 { max } else { r };
    let r = if x.is_nan() || y.is_nan() { f64::NAN } else { r };
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else {
        r
    }
}

/// `√(x² + y²)` as C `hypotf` (max error ≤ 0.5001 ULP).
#[inline(always)]
pub fn hypot_f32(x: f32, y: f32) -> f32 {
    let x = x.abs();
    let y = y.abs();
    let min = if x < y { x } else { y };
    let max = if x < y { y } else { x };
    let o = max < f32::MIN_POSITIVE;
    let n = if o { min * 16_777_216.0 } else { min };
    let d = if o { max * 16_777_216.0 } else { max };
    let t = F2::div_dd(Dd { x: n, y: 0.0 }, Dd { x: d, y: 0.0 });
    let t = t.squ().add2_f(1.0).sqrt().mul_f(max);
    let r = t.x + t.y;
    let r = if r.is_nan() { f32::INFINITY } else { r };
    let r = if min == 0.0 { max } else { r };
    let r = if x.is_nan() || y.is_nan() { f32::NAN } else { r };
    if x == f32::INFINITY || y == f32::INFINITY {
        f32::INFINITY
    } else {
        r
    }
}

/// `(m, e)` with `|x| = m · 2^e`, `m` an integer below `2^53`, for a
/// finite nonzero `x`.
#[inline(always)]
fn split_f64(x: f64) -> (u64, i32) {
    let b = x.to_bits() & !(1 << 63);
    let field = (b >> 52) as i32;
    let frac = b & ((1 << 52) - 1);
    if field == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), field - 1075)
    }
}

/// `(m, e)` with `|x| = m · 2^e`, `m` an integer below `2^24`.
#[inline(always)]
fn split_f32(x: f32) -> (u64, i32) {
    let b = x.to_bits() & !(1 << 31);
    let field = (b >> 23) as i32;
    let frac = (b & ((1 << 23) - 1)) as u64;
    if field == 0 {
        (frac, -149)
    } else {
        (frac | (1 << 23), field - 150)
    }
}

/// `(m · 2^s) mod d` for `m, d < 2^53` (`d > 0`), shifting in steps that
/// keep every intermediate below `2^64`.
#[inline(always)]
fn shifted_rem(m: u64, mut s: i32, d: u64, step: i32) -> u64 {
    let mut r = m % d;
    while s > 0 && r != 0 {
        let k = s.min(step);
        r = (r << k) % d;
        s -= k;
    }
    r
}

/// `x - trunc(x / y) · y`, exactly, as C `fmod` (the sign of `x`; NaN when
/// `y` is 0 or `x` is infinite or either is NaN; `x` when `y` is infinite).
#[inline(always)]
pub fn fmod_f64(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f64::NAN;
    }
    if x.abs() < y.abs() {
        return x;
    }
    let (mx, ex) = split_f64(x);
    let (my, ey) = split_f64(y);
    // |x| ≥ |y| > 0, so ex ≥ ey; r < my keeps y's scale 2^ey.
    let r = shifted_rem(mx, ex - ey, my, 11);
    let scale = if ey >= -1022 {
        f64::from_bits(((ey + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (ey + 1074))
    };
    // r < 2^53 converts exactly and r · 2^ey is representable (a multiple
    // of y's unit below |y|): the product is exact.
    (r as f64 * scale).copysign(x)
}

/// `x - trunc(x / y) · y`, exactly, as C `fmodf`.
#[inline(always)]
pub fn fmod_f32(x: f32, y: f32) -> f32 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f32::NAN;
    }
    if x.abs() < y.abs() {
        return x;
    }
    let (mx, ex) = split_f32(x);
    let (my, ey) = split_f32(y);
    let r = shifted_rem(mx, ex - ey, my, 40);
    let scale = if ey >= -126 {
        f32::from_bits(((ey + 127) as u32) << 23)
    } else {
        f32::from_bits(1u32 << (ey + 149))
    };
    (r as f32 * scale).copysign(x)
}

crate::math_binary_block!(
    /// `x[i] = power(x[i], y[i])`.
    power_f64_block,
    power_f64_block_on,
    power_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = power(x[i], y[i])`.
    power_f32_block,
    power_f32_block_on,
    power_f32,
    f32
);
crate::math_binary_block!(
    /// `x[i] = hypot(x[i], y[i])`.
    hypot_f64_block,
    hypot_f64_block_on,
    hypot_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = hypot(x[i], y[i])`.
    hypot_f32_block,
    hypot_f32_block_on,
    hypot_f32,
    f32
);
crate::math_binary_block!(
    /// `x[i] = fmod(x[i], y[i])` (a plain loop: `fmod` has branches).
    fmod_f64_block,
    fmod_f64_block_on,
    fmod_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = fmod(x[i], y[i])` (a plain loop: `fmod` has branches).
    fmod_f32_block,
    fmod_f32_block_on,
    fmod_f32,
    f32
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::hyper::tests::{same_f32, same_f64, ulps_f32, ulps_f64, Rng};
    use crate::math::Path;

    const SPECIAL: [f64; 24] = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        3.0,
        -3.0,
        2.5,
        -2.5,
        1e-310,
        -1e-310,
        1e300,
        -1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        9_007_199_254_740_993.0,
        -9_007_199_254_740_991.0,
        0.999_999_999_999_999_9,
    ];

    type Bin64 = fn(f64, f64) -> f64;
    type Bin32 = fn(f32, f32) -> f32;
    type Block64 = fn(Path, &mut [f64], &[f64]);
    type Block32 = fn(Path, &mut [f32], &[f32]);

    fn c_pow(x: f64, y: f64) -> f64 {
        x.powf(y)
    }
    fn c_powf(x: f32, y: f32) -> f32 {
        x.powf(y)
    }
    fn c_hypot(x: f64, y: f64) -> f64 {
        x.hypot(y)
    }
    fn c_hypotf(x: f32, y: f32) -> f32 {
        x.hypot(y)
    }
    fn c_fmod(x: f64, y: f64) -> f64 {
        x % y
    }
    fn c_fmodf(x: f32, y: f32) -> f32 {
        x % y
    }

    /// Random pairs for each function: (x, y).
    fn pairs(name: &str, seed: u64) -> Vec<(f64, f64)> {
        let mut r = Rng(seed);
        let mut v = vec![];
        for i in 0..6000 {
            let (x, y) = match name {
                "power" => {
                    let x = if i % 3 == 0 {
                        r.uniform(0.0, 10.0)
                    } else {
                        r.log_uniform(-1074.0, 1024.0, false)
                    };
                    let y = match i % 3 {
                        0 => r.uniform(-30.0, 30.0),
                        1 => r.log_uniform(-20.0, 10.0, true),
                        // Results across the whole range, into subnormals.
                        _ => (r.uniform(-1080.0, 1030.0) / x.log2()).clamp(-1e300, 1e300),
                    };
                    // Negative bases with integral exponents.
                    if i % 5 == 0 {
                        (-x, y.round())
                    } else {
                        (x, y)
                    }
                }
                "hypot" => {
                    let a = r.log_uniform(-1074.0, 1024.0, true);
                    (a, a * r.log_uniform(-60.0, 60.0, true))
                }
                _ => {
                    let a = r.log_uniform(-1074.0, 1024.0, true);
                    let b = if i % 2 == 0 {
                        a * r.log_uniform(-60.0, 0.0, true)
                    } else {
                        r.log_uniform(-1074.0, 1024.0, true)
                    };
                    (a, b)
                }
            };
            v.push((x, y));
        }
        for &x in &SPECIAL {
            for &y in &SPECIAL {
                v.push((x, y));
            }
        }
        v
    }

    fn funcs() -> [(&'static str, Bin64, Bin64, Bin32, Bin32, u64); 3] {
        [
            ("power", power_f64, c_pow, power_f32, c_powf, 1),
            ("hypot", hypot_f64, c_hypot, hypot_f32, c_hypotf, 1),
            ("fmod", fmod_f64, c_fmod, fmod_f32, c_fmodf, 0),
        ]
    }

    /// Against glibc (pow < 1 ULP, hypot < 1 ULP, fmod exact): ≤ 1 ULP
    /// (fmod: 0); f32 against the f64 C function rounded to f32.
    #[test]
    fn accuracy_against_glibc() {
        for (name, f, c, g, _, bound) in funcs() {
            let mut worst = (0, 0.0, 0.0);
            let mut worst32 = (0, 0.0f32, 0.0f32);
            for (x, y) in pairs(name, 7) {
                let u = ulps_f64(f(x, y), c(x, y));
                if u > worst.0 {
                    worst = (u, x, y);
                }
                let (xf, yf) = (x as f32, y as f32);
                let (xf, yf) = if name == "power" && i64::from(xf.to_bits()) % 3 == 0 {
                    // Exponents that reach the whole f32 range.
                    let yr = (yf as f64 / 8.0) as f32;
                    (xf, yr)
                } else {
                    (xf, yf)
                };
                let r32 = if name == "fmod" {
                    c_fmodf(xf, yf)
                } else {
                    c(xf as f64, yf as f64) as f32
                };
                let u = ulps_f32(g(xf, yf), r32);
                if u > worst32.0 {
                    worst32 = (u, xf, yf);
                }
            }
            eprintln!("{name}: max {} ULP vs glibc at {:e}, {:e}", worst.0, worst.1, worst.2);
            eprintln!(
                "{name}f: max {} ULP vs f64 glibc at {:e}, {:e}",
                worst32.0, worst32.1, worst32.2
            );
            assert!(worst.0 <= bound && worst32.0 <= bound.max(1), "{name}");
        }
    }

    /// C99's special cases: every pair of special values exactly as the C
    /// library gives them (the sign of zero included), plus hand-written
    /// ones.
    #[test]
    fn special_values_as_c99() {
        // Exact where the C result is a special value (0, ±inf, NaN) or an
        // input is (x: 0, ±inf, NaN, ±1; y: 0, ±inf, NaN); within 1 ULP
        // otherwise (pow(DBL_MAX, 0.5) is not a special case, and glibc's
        // pow(1 - 2^-53, -1) is 1, ours the correctly rounded 1 + 2^-52).
        let special = |v: f64| v == 0.0 || v.is_infinite() || v.is_nan() || v.abs() == 1.0;
        let special_out = |v: f64| v == 0.0 || v.is_infinite() || v.is_nan();
        for (name, f, c, g, cf, _) in funcs() {
            for &x in &SPECIAL {
                for &y in &SPECIAL {
                    let (a, b) = (f(x, y), c(x, y));
                    let exact = special(x) || special_out(y) || special_out(b);
                    let ok = if exact { same_f64(a, b) } else { ulps_f64(a, b) <= 1 };
                    assert!(ok, "{name}({x:e}, {y:e}) = {a:e}, C: {b:e}");
                    let (xf, yf) = (x as f32, y as f32);
                    let (a, b) = (g(xf, yf), cf(xf, yf));
                    let exact = special(xf as f64) || special_out(yf as f64) || special_out(b as f64);
                    let ok = if exact { same_f32(a, b) } else { ulps_f32(a, b) <= 1 };
                    assert!(ok, "{name}f({xf:e}, {yf:e}) = {a:e}, C: {b:e}");
                }
            }
        }
        let nan = f64::NAN;
        assert_eq!(power_f64(1.0, nan), 1.0);
        assert_eq!(power_f64(nan, 0.0), 1.0);
        assert_eq!(power_f64(-1.0, f64::INFINITY), 1.0);
        assert!(power_f64(-2.0, 0.5).is_nan());
        assert_eq!(power_f64(-0.0, -3.0), f64::NEG_INFINITY);
        assert_eq!(power_f64(-0.0, 3.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(power_f64(-10.0, 309.0), f64::NEG_INFINITY);
        assert_eq!(power_f64(-10.0, -401.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(power_f32(-0.0, -3.0), f32::NEG_INFINITY);
        assert_eq!(hypot_f64(f64::INFINITY, nan), f64::INFINITY);
        assert_eq!(hypot_f64(nan, f64::NEG_INFINITY), f64::INFINITY);
        assert_eq!(hypot_f32(f32::NAN, f32::INFINITY), f32::INFINITY);
        assert_eq!(hypot_f64(3e300, 4e300), 5e300);
        assert_eq!(hypot_f64(3e-320, 4e-320), 5e-320);
        assert_eq!(fmod_f64(-7.0, 2.0), -1.0);
        assert_eq!(fmod_f64(-4.0, 2.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(fmod_f64(5.0, f64::INFINITY), 5.0);
        assert!(fmod_f64(f64::INFINITY, 2.0).is_nan() && fmod_f32(1.0, 0.0).is_nan());
        assert_eq!(fmod_f64(f64::MAX, 5e-324), 0.0);
        assert_eq!(fmod_f64(1e300, 3.0), 1e300 % 3.0);
    }

    /// Integral exponents give exact results where the result is exact.
    #[test]
    fn exact_for_small_integral_powers() {
        for b in 1..40 {
            let b = b as f64;
            for e in 0..6 {
                let exact = b.powi(e);
                if exact < 9e15 {
                    assert_eq!(power_f64(b, e as f64), exact, "{b}^{e}");
                    assert_eq!(power_f64(-b, e as f64), (-b).powi(e), "-{b}^{e}");
                }
            }
            assert_eq!(power_f64(b, -1.0), 1.0 / b);
            assert_eq!(power_f64(b * b, 0.5), b);
        }
        assert_eq!(power_f64(2.0, -1074.0), 5e-324);
        assert_eq!(power_f64(2.0, 1023.0), 8.98846567431158e307);
        assert_eq!(power_f32(3.0, 5.0), 243.0);
    }

    #[test]
    fn every_path_gives_the_same_bits() {
        let blocks64: [Block64; 3] = [power_f64_block_on, hypot_f64_block_on, fmod_f64_block_on];
        let blocks32: [Block32; 3] = [power_f32_block_on, hypot_f32_block_on, fmod_f32_block_on];
        for ((name, f, _, g, _, _), (b64, b32)) in funcs().into_iter().zip(blocks64.into_iter().zip(blocks32)) {
            let (xs, ys): (Vec<f64>, Vec<f64>) = pairs(name, 11).into_iter().unzip();
            let (xf, yf): (Vec<f32>, Vec<f32>) = xs.iter().zip(&ys).map(|(&x, &y)| (x as f32, y as f32)).unzip();
            for path in Path::ALL.into_iter().filter(|p| p.available()) {
                let mut out = xs.clone();
                b64(path, &mut out, &ys);
                for ((&x, &y), &o) in xs.iter().zip(&ys).zip(&out) {
                    assert_eq!(o.to_bits(), f(x, y).to_bits(), "{name}({x:e}, {y:e}) on {path:?}");
                }
                let mut out = xf.clone();
                b32(path, &mut out, &yf);
                for ((&x, &y), &o) in xf.iter().zip(&yf).zip(&out) {
                    assert_eq!(o.to_bits(), g(x, y).to_bits(), "{name}f({x:e}, {y:e}) on {path:?}");
                }
            }
        }
    }
}
