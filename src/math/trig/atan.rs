//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// arctan, arctan2 (f64): SLEEF `atan2k_u1`, `xatan_u1`, `xatan2_u1`.

/// `atan2(y, x)` for `y ≥ 0` as a double-double (`atan2k_u1`).
#[inline(always)]
pub(super) fn atan2k_u1(y: Dd, x: Dd) -> Dd {
    let q: f64 = if x.h.is_sign_negative() { -2.0 } else { 0.0 };
    let b = if x.h < 0.0 { SIGN } else { 0 };
    let x = dd(f64::from_bits(x.h.to_bits() ^ b), f64::from_bits(x.l.to_bits() ^ b));
    let p = x.h < y.h;
    let q = if p { q + 1.0 } else { q };
    let s = sel_dd(p, dd_neg(x), y);
    let t = sel_dd(p, y, x);
    let s = dd_div(s, t);
    let t = dd_normalize(dd_squ(s));
    let u = horner(
        t.h,
        &[
            1.062_984_841_914_487_466_074_15e-05,
            -0.000_125_620_649_967_286_867_384_336,
            0.000_705_576_642_963_934_123_897_74,
            -0.002_518_656_144_987_133_603_529_99,
            0.006_462_628_990_369_911_723_135_04,
            -0.012_828_133_366_339_903_101_427_4,
            0.020_802_479_992_414_579_790_249_7,
            -0.028_900_234_478_474_031_568_628_9,
            0.035_978_500_503_510_459_085_365_6,
            -0.041_848_579_703_592_507_506_027,
            0.047_084_301_165_328_398_819_376_3,
            -0.052_491_421_058_844_842_106_871_9,
            0.058_794_659_096_958_100_386_043_4,
            -0.066_662_088_477_879_549_719_418_2,
            0.076_922_533_029_620_376_865_409_5,
            -0.090_909_044_277_338_757_478_190_7,
            0.111_111_108_376_896_236_538_123,
            -0.142_857_142_756_268_568_062_339,
            0.199_999_999_997_977_351_284_817,
            -0.333_333_333_333_317_605_173_818,
        ],
    );
    let t = dd_add_dd_dd(s, dd_mul_dd_d(dd_mul_dd_dd(s, t), u));
    dd_add_dd_dd(
        dd_mul_dd_d(
            dd(1.570_796_326_794_896_557_998_982, 6.123_233_995_736_766_035_868_82e-17),
            q,
        ),
        t,
    )
}

/// `arctan x` (max error < 1 ULP).
#[inline(always)]
pub fn arctan_f64(x: f64) -> f64 {
    let d = atan2k_u1(dd(x.abs(), 0.0), dd(1.0, 0.0));
    let r = d.h + d.l;
    let r = if x.abs() == f64::INFINITY {
        1.570_796_326_794_896_557_998_982
    } else {
        r
    };
    let r = mulsign(r, x);
    if x.is_nan() {
        x + x
    } else {
        r
    }
}

/// `±0` or `±m` (SLEEF `visinf2`): `m` with `d`'s sign where `d` is
/// infinite, `+0` elsewhere.
#[inline(always)]
pub(super) fn isinf2(d: f64, m: f64) -> f64 {
    let v = f64::from_bits((d.to_bits() & SIGN) | m.to_bits());
    if d.abs() == f64::INFINITY {
        v
    } else {
        0.0
    }
}

/// `arctan2(y, x)`, the angle of the point `(x, y)` (max error < 1 ULP;
/// C99 Annex F special values).
#[inline(always)]
pub fn arctan2_f64(y: f64, x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    let tiny = x.abs() < 5.562_684_646_268_008_398_4e-309;
    let x1 = if tiny { x * 9_007_199_254_740_992.0 } else { x };
    let y1 = if tiny { y * 9_007_199_254_740_992.0 } else { y };
    let d = atan2k_u1(dd(y1.abs(), 0.0), dd(x1, 0.0));
    let r = d.h + d.l;
    let r = mulsign(r, x1);
    let r = if x1.abs() == f64::INFINITY || x1 == 0.0 {
        FRAC_PI_2 - isinf2(x1, mulsign(FRAC_PI_2, x1))
    } else {
        r
    };
    let r = if y1.abs() == f64::INFINITY {
        FRAC_PI_2 - isinf2(x1, mulsign(FRAC_PI_4, x1))
    } else {
        r
    };
    let r = if y1 == 0.0 {
        if x1.is_sign_negative() {
            PI
        } else {
            0.0
        }
    } else {
        r
    };
    let r = mulsign(r, y1);
    // NaN in either: a NaN made by one operation on both, the same on
    // every path.
    if x.is_nan() || y.is_nan() {
        x + y
    } else {
        r
    }
}
