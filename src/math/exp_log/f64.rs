//! Part of the exponentials and logarithms (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---- f64 ------------------------------------------------------------------

pub(super) const R_LN2: f64 = std::f64::consts::LOG2_E;
pub(super) const L2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
pub(super) const L2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
/// The largest `x` with `exp(x)` finite: 0x1.62e42fefa39efp+9.
pub(super) const LOG_DBL_MAX: f64 = 709.782_712_893_384;

/// `x = q ln 2 + s` with `q` integral and `|s| ≤ ln 2 / 2` (Cody & Waite:
/// `ln 2` in two parts, the first with trailing zeros so `q · L2U` is exact).
#[inline(always)]
fn exp_reduce_f64(x: f64) -> (f64, f64) {
    let q = round_f64(x * R_LN2);
    let s = q.mul_add(-L2U, x);
    (q.mul_add(-L2L, s), q)
}

/// The coefficients of `u(s)`, highest degree first (SLEEF's).
const EXP_U: [f64; 11] = [
    2.088_606_211_072_836_875_363_41e-09,
    2.511_129_308_928_765_186_106_61e-08,
    2.755_739_112_349_004_718_933_38e-07,
    2.755_723_629_119_288_276_294_23e-06,
    2.480_158_715_923_547_299_879_1e-05,
    0.000_198_412_698_960_509_205_564_975,
    0.001_388_888_888_897_744_922_079_62,
    0.008_333_333_333_316_527_216_649_84,
    0.041_666_666_666_666_504_759_142_2,
    0.166_666_666_666_666_851_703_837,
    0.5,
];

/// `u(s)` with `e^s ≈ 1 + s + s² u(s)` on `|s| ≤ ln 2 / 2`, by Horner's rule.
#[inline(always)]
fn exp_poly_f64(s: f64) -> f64 {
    let c = EXP_U;
    let mut u = c[0];
    for &k in &c[1..] {
        u = u.mul_add(s, k);
    }
    u
}

/// [`exp_poly_f64`] by Estrin's scheme (`common::estrin_f64`): a
/// dependency chain of 5 steps instead of 10, for callers whose own chain
/// is long (other bits).
#[inline(always)]
fn exp_poly_estrin_f64(s: f64) -> f64 {
    crate::math::common::estrin_f64(s, EXP_U)
}

/// `e^x` before its scaling: `(u, q)` with `e^x ≈ u · 2^q`, `u` in
/// [0.70, 1.42] (no special cases).
#[inline(always)]
fn exp_core_f64(x: f64) -> (f64, f64) {
    let (s, q) = exp_reduce_f64(x);
    let u = exp_poly_f64(s);
    (1.0 + (s * s).mul_add(u, s), q)
}

/// `e^x` (max error < 1 ULP).
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    let (u, q) = exp_core_f64(x);
    let u = pow2i_f64(u, q);
    let u = if x > LOG_DBL_MAX { f64::INFINITY } else { u };
    if x < -1000.0 {
        0.0
    } else {
        u
    }
}

/// Where [`exp_fast_f64`] gives [`exp_f64`]'s bits: `|x| ≤ 708`, so
/// `|q| ≤ 1021` and `u · 2^q` is a normal number (NaN is outside).
#[inline(always)]
pub fn exp_fast_ok_f64(x: f64) -> bool {
    x.abs() <= 708.0
}

/// [`exp_f64`] for `|x| ≤ 708` ([`exp_fast_ok_f64`]): one multiplication
/// by `2^q` instead of two clamped factors and no special cases. Both
/// scalings are exact when the result is normal, so the bits are the same.
#[inline(always)]
pub fn exp_fast_f64(x: f64) -> f64 {
    let (u, q) = exp_core_f64(x);
    u * crate::math::common::pow2_f64(q)
}

/// `e^x = 2^q · (1 + vh + vl)` for `x = 2a`: the core of [`exp_f64`] with `e^s - 1`
/// kept as a pair, `vh + vl` within about 2^-55 relative of
/// `e^(x - q ln 2) - 1` (for `|x|` ≤ 700; no overflow handling). Callers
/// scale by `2^q` themselves. With `q = 0` (`|x|` below ln 2 / 2) this is
/// `e^x - 1`.
#[inline(always)]
pub fn expm1_parts_f64(a: f64) -> (f64, f64, f64) {
    // x = 2a; q from a directly (2·R_LN2 is exact, so a·(2·R_LN2) is
    // (2a)·R_LN2 to the bit), off the addition's latency.
    // The reduced argument as a pair s + sl: q·L2U is exact, and the
    // rounding of the second step is kept (callers may cancel e^s - 1
    // against 2^-q - 1, which would magnify it).
    // s1 - s is exact (Sterbenz), so sl = (s1 - s) - q·L2L with one
    // rounding.
    let x = a + a;
    let q = round_f64(a * (2.0 * R_LN2));
    let s1 = q.mul_add(-L2U, x);
    let s = q.mul_add(-L2L, s1);
    let sl = q.mul_add(-L2L, s1 - s);
    let u = exp_poly_estrin_f64(s);
    // s + w with w = s² u, |w| < |s| / 5: a fast two-sum; then
    // e^(s + sl) - 1 ≈ (e^s - 1) + sl·e^s.
    let w = (s * s) * u;
    // vh = s + s²u in one FMA (off w's rounding on the chain); vl then
    // holds vh's distance from s + w.
    let vh = (s * s).mul_add(u, s);
    let vl = ((s - vh) + w) + sl.mul_add(vh, sl);
    (vh, vl, q)
}

/// SLEEF's `expk2`: `e^d` for a double-word `d`, as a double word.
#[inline(always)]
pub(super) fn expk2_f64(d: dw64::D) -> dw64::D {
    use dw64::*;
    let q = round_f64((d.x + d.y) * R_LN2);
    let s = add2_ds(d, q * -L2U);
    let s = add2_ds(s, q * -L2L);
    let s2 = squ(s);
    let s4 = squ(s2);
    let mut u: f64 = 0.160_247_221_970_993_207_2e-9;
    u = u.mul_add(s.x, 0.209_225_518_356_315_700_7e-8);
    u = u.mul_add(s.x, 0.250_523_002_378_264_446_5e-7);
    u = u.mul_add(s.x, 0.275_572_480_090_213_530_3e-6);
    u = u.mul_add(s.x, 0.275_573_189_238_604_437_3e-5);
    u = u.mul_add(s.x, 0.248_015_873_560_581_506_5e-4);
    u = u.mul_add(s.x, 0.198_412_698_414_807_185_8e-3);
    u = u.mul_add(s.x, 0.138_888_888_888_676_325_5e-2);
    u = u.mul_add(s.x, 0.833_333_333_333_334_709_5e-2);
    u = u.mul_add(s.x, 0.416_666_666_666_666_990_5e-1);
    let t = add_sd(0.5, mul_ds(s, 0.166_666_666_666_666_657_4));
    let t = add_sd(1.0, mul_dd(t, s));
    let t = add_sd(1.0, mul_dd(t, s));
    let t = add_dd(t, mul_ds(s4, u));
    let lo = d.x < -1000.0;
    D {
        x: if lo { 0.0 } else { pow2i_f64(t.x, q) },
        y: if lo { 0.0 } else { pow2i_f64(t.y, q) },
    }
}

/// `e^x - 1` (max error < 1 ULP).
#[inline(always)]
pub fn expm1_f64(a: f64) -> f64 {
    use dw64::*;
    let d = add2_ds(expk2_f64(D { x: a, y: 0.0 }), -1.0);
    let x = d.x + d.y;
    let x = if a > 709.782_712_893_383_996_732_223 {
        f64::INFINITY
    } else {
        x
    };
    let x = if a < -36.736_800_569_677_101_399_113_302_437 {
        -1.0
    } else {
        x
    };
    // -0 → -0 (the sum above gives +0).
    if a == 0.0 {
        a
    } else {
        x
    }
}

/// `2^x` (max error < 1 ULP).
#[inline(always)]
pub fn exp2_f64(d: f64) -> f64 {
    let q = round_f64(d);
    let s = d - q;
    let mut u: f64 = 0.443_435_908_292_652_945_4e-9;
    u = u.mul_add(s, 0.707_316_459_808_570_742_5e-8);
    u = u.mul_add(s, 0.101_781_926_092_176_045_1e-6);
    u = u.mul_add(s, 0.132_154_387_251_132_761_5e-5);
    u = u.mul_add(s, 0.152_527_335_351_758_473e-4);
    u = u.mul_add(s, 0.154_035_304_510_114_780_8e-3);
    u = u.mul_add(s, 0.133_335_581_467_049_907_3e-2);
    u = u.mul_add(s, 0.961_812_910_759_760_053_6e-2);
    u = u.mul_add(s, 0.555_041_086_648_204_659_6e-1);
    u = u.mul_add(s, 0.240_226_506_959_101_221_4);
    u = u.mul_add(s, 0.693_147_180_559_945_286_2);
    u = u.mul_add(s, 1.0);
    let u = pow2i_f64(u, q);
    let u = if d >= 1024.0 { f64::INFINITY } else { u };
    if d < -2000.0 {
        0.0
    } else {
        u
    }
}

/// `ln d` (max error < 1 ULP): the core of [`log1p_f64`] (fdlibm's, see
/// the notice below) on `d = 2^k · m`, `m` in [√2/2, √2), `f = m - 1`
/// exact; subnormal `d` scaled by 2^64 first.
#[inline(always)]
pub fn log_f64(d: f64) -> f64 {
    const TWO64: f64 = 18_446_744_073_709_551_616.0;
    let o = d < f64::MIN_POSITIVE;
    let a = if o { d * TWO64 } else { d };
    let (k, _, m) = split_sqrt2_f64(a);
    let k = if o { k - 64.0 } else { k };
    log_special_f64(d, log_core_f64(k, m - 1.0, 0.0))
}

/// Where [`log_fast_f64`] gives [`log_f64`]'s bits: positive normal `d`
/// below +inf (NaN is outside).
#[inline(always)]
pub fn log_fast_ok_f64(d: f64) -> bool {
    (f64::MIN_POSITIVE..f64::INFINITY).contains(&d)
}

/// [`log_f64`] for positive normal `d` ([`log_fast_ok_f64`]): without the
/// subnormal scaling and the special values' selects.
#[inline(always)]
pub fn log_fast_f64(d: f64) -> f64 {
    let (k, _, m) = split_sqrt2_f64(d);
    log_core_f64(k, m - 1.0, 0.0)
}

/// `log2 x` (max error < 1 ULP).
#[inline(always)]
pub fn log2_f64(d: f64) -> f64 {
    use dw64::*;
    let (m, e) = log_split_f64(d);
    let x = div_dd(add2_ss(-1.0, m), add2_ss(1.0, m));
    let x2 = x.x * x.x;
    let mut t: f64 = 0.221_194_175_045_608_149;
    t = t.mul_add(x2, 0.220_076_869_315_227_768_9);
    t = t.mul_add(x2, 0.262_370_805_748_851_465_6);
    t = t.mul_add(x2, 0.320_597_747_794_449_550_2);
    t = t.mul_add(x2, 0.412_198_594_548_532_470_9);
    t = t.mul_add(x2, 0.577_078_016_299_705_898_2);
    t = t.mul_add(x2, 0.961_796_693_926_080_914_49);
    let s = add2_sd(
        e,
        mul_dd(x, dw(2.885_390_081_777_926_774, 6.056_160_499_551_673_643_4e-18)),
    );
    let s = add2_ds(s, (x2 * x.x) * t);
    log_special_f64(d, s.x + s.y)
}

/// `log10 x` (max error < 1 ULP).
#[inline(always)]
pub fn log10_f64(d: f64) -> f64 {
    use dw64::*;
    let (m, e) = log_split_f64(d);
    let x = div_dd(add2_ss(-1.0, m), add2_ss(1.0, m));
    let x2 = x.x * x.x;
    let mut t: f64 = 0.665_372_581_957_675_846e-1;
    t = t.mul_add(x2, 0.662_572_278_282_083_371_2e-1);
    t = t.mul_add(x2, 0.789_810_521_431_394_407_8e-1);
    t = t.mul_add(x2, 0.965_095_503_571_527_513_2e-1);
    t = t.mul_add(x2, 0.124_084_140_972_144_499_3);
    t = t.mul_add(x2, 0.173_717_792_745_460_508_6);
    t = t.mul_add(x2, 0.289_529_654_602_197_261_7);
    let s = mul_ds(dw(0.301_029_995_663_981_198_02, -2.803_728_127_785_170_339e-18), e);
    let s = add_dd(
        s,
        mul_dd(x, dw(0.868_588_963_806_503_633_34, 1.143_005_969_409_638_931_1e-17)),
    );
    let s = add_ds(s, (x2 * x.x) * t);
    log_special_f64(d, s.x + s.y)
}

// `log1p` (and the core it shares with `log`) after fdlibm's `s_log1p.c`,
// as in FreeBSD msun and musl, under this notice:
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================
//
// Changes: branch-free (selects only; `2^k` split off `u` by adding
// `1 - √2/2` to all 64 bits); the `k == 0` case (`f = x`, no correction)
// chosen from `u = 1 + x` itself; `c = x - (u - 1)` for every `k`; `f - f²/2`
// formed as `y + y_lo` with fused multiply-adds and `k·ln2_hi + y` added
// exactly (a two-sum), so that only the last addition rounds at the
// result's scale (fdlibm can round twice there, for `k = ±1`); `R` by
// Horner's rule; no separate path for `|f| < 2^-20` or `x > 2^53`.

/// ln 2 split: `k · LN2_HI` is exact for `|k| < 2^21` (0x3fe62e42fee00000).
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
/// ln 2 − `LN2_HI` (0x3dea39ef35793c76).
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// fdlibm's `Lp1`..`Lp7`: `R(z) ≈ Lp1·z + … + Lp7·z^7` with `2s + s·R(s²)`
/// = ln((1+s)/(1-s)), within 2^-58.45 on |s| ≤ 0.1716.
const LP1: f64 = 6.666_666_666_666_735_130e-01; // 0x3fe5555555555593
const LP2: f64 = 3.999_999_999_940_941_908e-01; // 0x3fd999999997fa04
const LP3: f64 = 2.857_142_874_366_239_149e-01; // 0x3fd2492494229359
const LP4: f64 = 2.222_219_843_214_978_396e-01; // 0x3fcc71c51d8e78af
const LP5: f64 = 1.818_357_216_161_805_012e-01; // 0x3fc7466496cb03de
const LP6: f64 = 1.531_383_769_920_937_332e-01; // 0x3fc39a09d078c69f
const LP7: f64 = 1.479_819_860_511_658_591e-01; // 0x3fc2f112df3e5244

/// The bits of √2/2, rounded down to 0x3fe6a09e00000000 as in fdlibm's
/// thresholds: `m` is reduced into [that, 2·that).
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_0000_0000;

/// `(k, e, m)` with `u = 2^k · m`, `m` in [√2/2, √2), for positive normal
/// `u`, and `e = k + 1023` as an integer (other inputs give some triple
/// the callers select away): adding `1 - √2/2` to the bits carries into
/// the exponent exactly when the mantissa reaches √2 (fdlibm's high-word
/// trick on all 64 bits).
#[inline(always)]
fn split_sqrt2_f64(u: f64) -> (f64, u64, f64) {
    let b = u.to_bits().wrapping_add(0x3ff0_0000_0000_0000 - SQRT_HALF_BITS);
    let e = b >> 52;
    let k = f64::from_bits(MAGIC64.to_bits() | e) - (MAGIC64 + 1023.0);
    let m = f64::from_bits((b & 0x000f_ffff_ffff_ffff) + SQRT_HALF_BITS);
    (k, e, m)
}

/// `k·ln 2 + ln(1 + f) + cu` for an integral `k` in [-1100, 1100],
/// `f = m - 1` exact with `m` in [√2/2, √2) and a small correction `cu`
/// (below 2^-52 in magnitude): fdlibm's
/// `k·ln2_hi + (f - f²/2) + s·(f²/2 + R(s²)) + k·ln2_lo + cu` with
/// `s = f/(2+f)`, where `f - f²/2` is formed as `y + y_lo` (fused
/// multiply-adds, `y_lo` its rounding error to 2^-53 relative) and
/// `k·ln2_hi + y` is added exactly (a two-sum), so that only the last
/// addition rounds at the scale of the result.
#[inline(always)]
fn log_core_f64(k: f64, f: f64, cu: f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    let hh = 0.5 * f;
    // y + y_lo = f - f²/2: f - y is exact (y in [f/2, 2f]), and the
    // second fused multiply-add rounds only the small residual.
    let y = (-hh).mul_add(f, f);
    let y_lo = (-hh).mul_add(f, f - y);
    // f²/2 + R(z), R(z) = z·P(z) by Horner's rule.
    let p = LP7.mul_add(z, LP6).mul_add(z, LP5).mul_add(z, LP4);
    let p = p.mul_add(z, LP3).mul_add(z, LP2).mul_add(z, LP1);
    let hr = hh.mul_add(f, z * p);
    // hi + e1 = k·ln2_hi + y exactly (a fast two-sum with the product
    // k·ln2_hi exact, the first difference a fused multiply-add): k = 0,
    // or |k·ln2_hi| ≥ 0.69 > |y|.
    let hi = k.mul_add(LN2_HI, y);
    let e1 = k.mul_add(LN2_HI, -hi) + y;
    let lo = k.mul_add(LN2_LO, (e1 + y_lo) + cu);
    hi + s.mul_add(hr, lo)
}

/// `ln(1 + x)` for `x` in (-1, +inf), without the special values' selects
/// (`±0 → ±0` included).
#[inline(always)]
fn log1p_finite_f64(x: f64) -> f64 {
    // u = 1 + x rounded, its error c = x - (u - 1) (exact for u ≤ 2^53,
    // where u - 1 is; beyond, c/u is below 2^-5 ULP of the result).
    let u = 1.0 + x;
    let c = x - (u - 1.0);
    let (k, e, m) = split_sqrt2_f64(u);
    // When k = 0, f = x is exact and there is no correction (fdlibm's
    // choice; through u, c would be as large as the result for |x| near
    // 2^-53). Otherwise f = m - 1 (exact) and ln(1 + x) - ln(u) ≈ c/u (a
    // division, which overlaps the one in the core).
    let k0 = e == 1023;
    let f = if k0 { x } else { m - 1.0 };
    let c = if k0 { 0.0 } else { c };
    let r = log_core_f64(k, f, c / u);
    // ln(1 + x) has the sign of x: ±0 → ±0 (the core gives +0 for -0;
    // tiny and subnormal x come out as x).
    r.copysign(x)
}

/// `ln(1 + x)` (max error < 1 ULP): fdlibm's `log1p` (see the notice
/// above), branch-free: `u = 1 + x = 2^k · m` with `m` in [√2/2, √2),
/// `f = m - 1` exactly (or `x` when `k = 0`), and
/// `ln(1 + x) = k·ln 2 + ln(1 + f) + c/u`, `c` the rounding error of `u`.
#[inline(always)]
pub fn log1p_f64(x: f64) -> f64 {
    let r = log1p_finite_f64(x);
    let r = if x == f64::INFINITY { f64::INFINITY } else { r };
    let special = if x == -1.0 { f64::NEG_INFINITY } else { f64::NAN };
    if x > -1.0 {
        r
    } else {
        special
    }
}

/// Where [`log1p_fast_f64`] gives [`log1p_f64`]'s bits: `x` in (-1, +inf)
/// (NaN is outside).
#[inline(always)]
pub fn log1p_fast_ok_f64(x: f64) -> bool {
    x > -1.0 && x < f64::INFINITY
}

/// [`log1p_f64`] for `x` in (-1, +inf) ([`log1p_fast_ok_f64`]): the same
/// kernel without the special values' selects.
#[inline(always)]
pub fn log1p_fast_f64(x: f64) -> f64 {
    log1p_finite_f64(x)
}

/// The cube root (max error < 1 ULP).
#[inline(always)]
pub fn cbrt_f64(d: f64) -> f64 {
    use dw64::*;
    // e = ilogb(|d|) + 1, subnormals included (SLEEF's vilogbk).
    let a = d.abs();
    let o = a < 4.909_093_465_297_726_6e-91;
    let a = if o { a * 2.037_035_976_334_486e90 } else { a };
    let e = int_f64(expo_bits_f64(a)) - if o { 300.0 + 1023.0 } else { 1023.0 } + 1.0;
    let d = pow2i_f64(d, -e);

    let t = e + 6144.0;
    let qu = (t * (1.0 / 3.0)).trunc();
    let re = (t - qu * 3.0).trunc();
    let q2 = if re == 1.0 {
        D {
            x: 1.259_921_049_894_873_190_7,
            y: -2.589_933_375_300_506_917_7e-17,
        }
    } else if re == 2.0 {
        D {
            x: 1.587_401_051_968_199_583_4,
            y: -1.086_900_819_419_782_298_6e-16,
        }
    } else {
        D { x: 1.0, y: 0.0 }
    };
    let q2 = D {
        x: mulsign_f64(q2.x, d),
        y: mulsign_f64(q2.y, d),
    };
    let d = d.abs();

    let mut x: f64 = -0.640_245_898_480_692_909_870_982;
    x = x.mul_add(d, 2.961_551_030_200_395_118_185_95);
    x = x.mul_add(d, -5.733_530_609_229_478_436_361_66);
    x = x.mul_add(d, 6.039_903_689_894_587_479_614_07);
    x = x.mul_add(d, -3.858_419_355_104_449_888_216_32);
    x = x.mul_add(d, 2.230_727_530_249_660_972_572_2);

    let y = x * x;
    let y = y * y;
    let x = x - d.mul_add(y, -x) * (1.0 / 3.0);
    let z = x;

    let u = mul_ss(x, x);
    let u = mul_dd(u, u);
    let u = mul_ds(u, d);
    let u = add2_ds(u, -x);
    let y = u.x + u.y;

    let y = (-2.0 / 3.0 * y) * z;
    let v = add2_ds(mul_ss(z, z), y);
    let v = mul_ds(v, d);
    let v = mul_dd(v, q2);
    let z = pow2i_f64(v.x + v.y, qu - 2048.0);

    let z = if d.is_infinite() {
        mulsign_f64(f64::INFINITY, q2.x)
    } else {
        z
    };
    if d == 0.0 {
        mulsign_f64(0.0, q2.x)
    } else {
        z
    }
}

/// NumPy's `logaddexp`: `ln(e^x + e^y)` without overflow, as
/// `m + ln(1 + e^(n - m))` (`m` the larger operand, `n` the other) with
/// `n - m` exact as a double-double, `e^(n-m)` and the logarithm in
/// double-double (SLEEF's `expk2`/`logk2`), and one rounding at the end —
/// so results near 0, where `m` and the logarithm cancel, keep their
/// accuracy (NumPy's own double formula loses hundreds of ULP there).
#[inline(always)]
pub fn logaddexp_f64(x: f64, y: f64) -> f64 {
    logaddexp_dd(x, y, false)
}

/// NumPy's `logaddexp2`: `log2(2^x + 2^y)`, computed as
/// [`logaddexp_f64`] with `2^d = e^(d·ln 2)` and `log2 = ln · log2(e)` in
/// double-double.
#[inline(always)]
pub fn logaddexp2_f64(x: f64, y: f64) -> f64 {
    logaddexp_dd(x, y, true)
}

#[inline(always)]
pub(super) fn logaddexp_dd(x: f64, y: f64, base2: bool) -> f64 {
    use crate::math::dd::{dd, expk2, logk2, D2};
    const LN2: D2 = D2 {
        x: 0.693_147_180_559_945_286_226_764,
        y: 2.319_046_813_846_299_558_417_771e-17,
    };
    const LOG2E: D2 = D2 {
        x: 1.442_695_040_888_963_387_004_650_940_07,
        y: 2.035_527_374_093_103_336_3e-17,
    };
    let xl = x > y;
    let m = if xl { x } else { y };
    let n = if xl { y } else { x };
    // n - m <= 0, exactly (two-sum); -inf when n is -inf.
    let d = D2::add2_ff(n, -m);
    let d = if base2 { d.mul_dd(LN2) } else { d };
    // Keep the pair finite for the kernels (an infinite or huge `d` gives
    // e = 0 below).
    let far = d.x <= -1000.0 || d.x.is_nan();
    let d = D2::sel(far, dd(-2000.0, 0.0), d);
    let e = expk2(d, 0.0);
    let l = logk2(D2::f_add2(1.0, e));
    let l = if base2 { l.mul_dd(LOG2E) } else { l };
    let l = D2::sel(far, dd(0.0, 0.0), l);
    let r = D2::f_add2(m, l).sum();
    // m = ±inf: the sum would be inf - inf or NaN; the answer is m.
    let r = if m.is_infinite() { m } else { r };
    let r = if x == y {
        // Both equal (infinities included): x + ln 2, or x + 1.
        if base2 {
            x + 1.0
        } else {
            x + std::f64::consts::LN_2
        }
    } else {
        r
    };
    // NaN in, NaN out.
    if x.is_nan() || y.is_nan() {
        x + y
    } else {
        r
    }
}
