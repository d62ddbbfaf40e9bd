//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// arctan, arctan2, arcsin, arccos (f32): SLEEF's plain-double `atan2k`,
// `xasin`, `xacos` (≤ 3.5 ULP in f64, far below f32's half ULP) in f64,
// rounded once.

/// `atan2(y, x)` for `y ≥ 0` in plain double (`atan2k`).
#[inline(always)]
pub(super) fn atan2k(y: f64, x: f64) -> f64 {
    let q: f64 = if x.is_sign_negative() { -2.0 } else { 0.0 };
    let x = x.abs();
    let p = x < y;
    let q = if p { q + 1.0 } else { q };
    let s = if p { -x } else { y };
    let t = if p { y } else { x };
    let s = s / t;
    let t = s * s;
    let u = horner(
        t,
        &[
            -1.887_960_084_630_734_965_637_46e-05,
            0.000_209_850_076_645_816_976_906_797,
            -0.001_106_118_314_866_724_825_634_71,
            0.003_700_267_441_887_131_192_324_03,
            -0.008_898_961_958_876_554_917_408_09,
            0.016_599_329_773_529_201_970_117,
            -0.025_451_762_493_231_264_161_686_1,
            0.033_785_258_000_135_306_999_389_7,
            -0.040_762_919_127_683_650_000_193_4,
            0.046_666_715_007_784_062_563_267_5,
            -0.052_367_485_230_348_245_761_611_3,
            0.058_766_639_292_667_358_085_431_3,
            -0.066_657_357_936_108_052_598_456_2,
            0.076_921_953_831_176_961_835_502_9,
            -0.090_908_995_008_245_008_229_153,
            0.111_111_105_648_261_418_443_745,
            -0.142_857_142_667_713_293_837_65,
            0.199_999_999_996_591_265_594_148,
            -0.333_333_333_333_311_110_369_124,
        ],
    );
    let t = s.mul_add(t * u, s);
    q.mul_add(std::f64::consts::FRAC_PI_2, t)
}

/// `arctan x` (f32).
#[inline(always)]
pub fn arctan_f32(x: f32) -> f32 {
    let d = f64::from(x);
    let r = atan2k(d.abs(), 1.0);
    let r = if d.abs() == f64::INFINITY {
        std::f64::consts::FRAC_PI_2
    } else {
        r
    };
    let r = mulsign(r, d) as f32;
    if x.is_nan() {
        x + x
    } else {
        r
    }
}

/// `arctan2(y, x)` (f32; C99 Annex F special values).
#[inline(always)]
pub fn arctan2_f32(y: f32, x: f32) -> f32 {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    // f32 operands are normal numbers in f64: no scaling needed.
    let (x1, y1) = (f64::from(x), f64::from(y));
    let r = atan2k(y1.abs(), x1);
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
    let r = mulsign(r, y1) as f32;
    if x.is_nan() || y.is_nan() {
        x + y
    } else {
        r
    }
}

/// `arcsin x` (f32).
#[inline(always)]
pub fn arcsin_f32(x: f32) -> f32 {
    let d = f64::from(x);
    let a = d.abs();
    let o = a < 0.5;
    let x2 = if o { d * d } else { (1.0 - a) * 0.5 };
    let s = if o { a } else { x2.sqrt() };
    let u = asin_poly(x2).mul_add(s * x2, s);
    let r = if o {
        u
    } else {
        u.mul_add(-2.0, std::f64::consts::FRAC_PI_2)
    };
    let r = mulsign(r, d) as f32;
    if x.is_nan() {
        x + x
    } else {
        r
    }
}

/// `arccos x` (f32).
#[inline(always)]
pub fn arccos_f32(x: f32) -> f32 {
    let d = f64::from(x);
    let a = d.abs();
    let o = a < 0.5;
    let x2 = if o { d * d } else { (1.0 - a) * 0.5 };
    let s = if o { a } else { x2.sqrt() };
    let s = if a == 1.0 { 0.0 } else { s };
    let u = asin_poly(x2) * (x2 * s);
    let y = std::f64::consts::FRAC_PI_2 - (mulsign(s, d) + mulsign(u, d));
    let r = if o { y } else { (s + u) * 2.0 };
    let r = if !o && d < 0.0 { std::f64::consts::PI - r } else { r };
    let r = r as f32;
    if x.is_nan() {
        x + x
    } else {
        r
    }
}

crate::math_unary_block!(
    /// `x[i] = arctan(x[i])`.
    arctan_f32_block,
    arctan_f32_block_on, arctan_f32_block_from,
    arctan_f32,
    f32
);
crate::math_binary_block!(
    /// `x[i] = arctan2(x[i], y[i])` (`x` holds the ordinates).
    arctan2_f32_block,
    arctan2_f32_block_on,
    arctan2_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arcsin(x[i])`.
    arcsin_f32_block,
    arcsin_f32_block_on, arcsin_f32_block_from,
    arcsin_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arccos(x[i])`.
    arccos_f32_block,
    arccos_f32_block_on, arccos_f32_block_from,
    arccos_f32,
    f32
);
