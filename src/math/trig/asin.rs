//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// arcsin, arccos (f64): SLEEF `xasin_u1`, `xacos_u1`.

/// `xasin`'s polynomial in x² (asin x = x + x³·P(x²) on [0, 0.5]).
#[inline(always)]
pub(super) fn asin_poly(x2: f64) -> f64 {
    horner(
        x2,
        &[
            0.316_158_765_065_393_462_8e-1,
            -0.158_191_824_332_999_664_3e-1,
            0.192_904_547_726_791_067_4e-1,
            0.660_607_747_627_717_061e-2,
            0.121_536_052_557_737_733_1e-1,
            0.138_871_518_450_160_921_8e-1,
            0.173_595_699_122_361_460_4e-1,
            0.223_717_618_193_204_834_1e-1,
            0.303_819_592_803_813_223_7e-1,
            0.446_428_568_137_710_243_8e-1,
            0.750_000_000_037_858_161_1e-1,
            0.166_666_666_666_649_754_3,
        ],
    )
}

/// `arcsin x` (max error < 1 ULP; NaN outside [-1, 1]).
#[inline(always)]
pub fn arcsin_f64(d: f64) -> f64 {
    let a = d.abs();
    let o = a < 0.5;
    let x2 = if o { d * d } else { (1.0 - a) * 0.5 };
    let x = sel_dd(o, dd(a, 0.0), dd_sqrt_d(x2));
    let x = if a == 1.0 { dd(0.0, 0.0) } else { x };
    let u = asin_poly(x2) * (x2 * x.h);
    let y = dd_sub_dd_d(
        dd_sub_dd_dd(
            dd(3.141_592_653_589_793_116 / 4.0, 1.224_646_799_147_353_207_2e-16 / 4.0),
            x,
        ),
        u,
    );
    let r = if o { u + x.h } else { (y.h + y.l) * 2.0 };
    let r = mulsign(r, d);
    if d.is_nan() {
        d + d
    } else {
        r
    }
}

/// `arccos x` (max error < 1 ULP; NaN outside [-1, 1]).
#[inline(always)]
pub fn arccos_f64(d: f64) -> f64 {
    let a = d.abs();
    let o = a < 0.5;
    let x2 = if o { d * d } else { (1.0 - a) * 0.5 };
    let x = sel_dd(o, dd(a, 0.0), dd_sqrt_d(x2));
    let x = if a == 1.0 { dd(0.0, 0.0) } else { x };
    let u = asin_poly(x2) * (x2 * x.h);
    let y = dd_sub_dd_dd(
        dd(3.141_592_653_589_793_116 / 2.0, 1.224_646_799_147_353_207_2e-16 / 2.0),
        dd_add_d_d(mulsign(x.h, d), mulsign(u, d)),
    );
    let x = dd_add_dd_d(x, u);
    let y = sel_dd(o, y, dd_scale(x, 2.0));
    let y = sel_dd(
        !o && d < 0.0,
        dd_sub_dd_dd(dd(3.141_592_653_589_793_116, 1.224_646_799_147_353_207_2e-16), y),
        y,
    );
    let r = y.h + y.l;
    if d.is_nan() {
        d + d
    } else {
        r
    }
}

crate::math_unary_block!(
    /// `x[i] = arctan(x[i])`.
    arctan_f64_block,
    arctan_f64_block_on, arctan_f64_block_from,
    arctan_f64,
    f64
);
crate::math_binary_block!(
    /// `x[i] = arctan2(x[i], y[i])` (`x` holds the ordinates).
    arctan2_f64_block,
    arctan2_f64_block_on,
    arctan2_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arcsin(x[i])`.
    arcsin_f64_block,
    arcsin_f64_block_on, arcsin_f64_block_from,
    arcsin_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arccos(x[i])`.
    arccos_f64_block,
    arccos_f64_block_on, arccos_f64_block_from,
    arccos_f64,
    f64
);
