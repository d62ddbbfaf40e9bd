//! Exponentials and logarithms.
//!
//! `exp_f64` follows SLEEF's `xexp` (u10, Boost licence; see `LICENSES` in
//! this folder): a Cody–Waite reduction `x = q·ln2 + s` with a two-part
//! `ln2`, a degree-11 polynomial for `e^s`, and `2^q` applied in two
//! factors so results that are subnormal are rounded once.

use super::common::{pow2i_f64, round_f64};

/// `e^x` (max error < 1 ULP).
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    const R_LN2: f64 = std::f64::consts::LOG2_E;
    const L2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
    const L2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
    let q = round_f64(x * R_LN2);
    let s = q.mul_add(-L2U, x);
    let s = q.mul_add(-L2L, s);
    let mut u: f64 = 2.088_606_211_072_836_875_363_41e-09;
    u = u.mul_add(s, 2.511_129_308_928_765_186_106_61e-08);
    u = u.mul_add(s, 2.755_739_112_349_004_718_933_38e-07);
    u = u.mul_add(s, 2.755_723_629_119_288_276_294_23e-06);
    u = u.mul_add(s, 2.480_158_715_923_547_299_879_1e-05);
    u = u.mul_add(s, 0.000_198_412_698_960_509_205_564_975);
    u = u.mul_add(s, 0.001_388_888_888_897_744_922_079_62);
    u = u.mul_add(s, 0.008_333_333_333_316_527_216_649_84);
    u = u.mul_add(s, 0.041_666_666_666_666_504_759_142_2);
    u = u.mul_add(s, 0.166_666_666_666_666_851_703_837);
    u = u.mul_add(s, 0.5);
    let u = 1.0 + (s * s).mul_add(u, s);
    let u = pow2i_f64(u, q);
    let u = if x > 709.782_711_149_557_429_092_172_174_26 {
        f64::INFINITY
    } else {
        u
    };
    if x < -1000.0 {
        0.0
    } else {
        u
    }
}

crate::math_unary_block!(
    /// `x[i] = exp(x[i])`.
    exp_f64_block,
    exp_f64_block_on,
    exp_f64,
    f64
);
