//! The exact values, computed by MPFR at `PREC` bits, and the ULP error of
//! a result against them.

use crate::inputs::*;
use rug::float::Constant;
use rug::ops::Pow;
use rug::Float;

pub(crate) const PREC: u32 = 160;

/// The exact value (at PREC bits) of a one-argument function.
pub(crate) fn exact_unary(name: &str, x: f64) -> Float {
    let f = Float::with_val(PREC, x);
    match name {
        "exp" => f.exp(),
        "exp2" => f.exp2(),
        "expm1" => f.exp_m1(),
        "log" => f.ln(),
        "log2" => f.log2(),
        "log10" => f.log10(),
        "log1p" => f.ln_1p(),
        "cbrt" => f.cbrt(),
        "sin" => f.sin(),
        "cos" => f.cos(),
        "tan" => f.tan(),
        "arcsin" => f.asin(),
        "arccos" => f.acos(),
        "arctan" => f.atan(),
        "sinh" => f.sinh(),
        "cosh" => f.cosh(),
        "tanh" => f.tanh(),
        "arcsinh" => f.asinh(),
        "arccosh" => f.acosh(),
        "arctanh" => f.atanh(),
        _ => panic!("no MPFR reference for {name}"),
    }
}

/// The exact value of a two-argument function (MPFR follows C99 Annex F
/// for the special cases; logaddexp is NumPy's definition).
pub(crate) fn exact_binary(name: &str, x: f64, y: f64) -> Float {
    let fx = Float::with_val(PREC, x);
    let fy = Float::with_val(PREC, y);
    match name {
        "arctan2" => fx.atan2(&fy),
        "power" => fx.pow(&fy),
        "hypot" => fx.hypot(&fy),
        "fmod" => fx % &fy,
        "logaddexp" | "logaddexp2" => {
            let two = name == "logaddexp2";
            if x.is_nan() || y.is_nan() {
                return Float::with_val(PREC, f64::NAN);
            }
            if x == y {
                // NumPy: x + log(2) (or + 1), also for infinities.
                return if two {
                    fx + 1u32
                } else {
                    fx + Float::with_val(PREC, Constant::Log2)
                };
            }
            let (m, d) = if x > y {
                let d = Float::with_val(PREC, &fy - &fx);
                (fx, d)
            } else {
                let d = Float::with_val(PREC, &fx - &fy);
                (fy, d)
            };
            // d = min − max exactly (two f64s differ by at most 2^1024:
            // PREC bits hold it within 2^-100 relative, far below an ULP of
            // the result's sensitivity); m + log1p(b^d) / log(b).
            if two {
                let t = d.exp2().ln_1p() / Float::with_val(PREC, Constant::Log2);
                m + t
            } else {
                m + d.exp().ln_1p()
            }
        }
        _ => panic!("no MPFR reference for {name}"),
    }
}

/// ULP error of `ours` against the exact value, and whether it is a
/// special-value mismatch.
pub(crate) fn ulp_error(ours: f64, exact: &Float, fmt: Fmt) -> (f64, bool) {
    let (emax, emin_ulp, mant) = fmt.params();
    if exact.is_nan() || ours.is_nan() {
        return if exact.is_nan() && ours.is_nan() {
            (0.0, false)
        } else {
            (f64::INFINITY, true)
        };
    }
    // The correctly rounded value, to tell "should overflow" apart.
    let rounded = fmt.round(exact.to_f64());
    let special = rounded.is_infinite() != ours.is_infinite()
        || (rounded.is_infinite() && rounded != ours)
        || (exact.is_zero() && ours == 0.0 && exact.is_sign_negative() != ours.is_sign_negative());
    let big = Float::with_val(PREC, Float::i_exp(1, emax));
    let clamp = |v: Float| -> Float {
        if v.is_infinite() || v.clone().abs() > big {
            if v.is_sign_negative() {
                -big.clone()
            } else {
                big.clone()
            }
        } else {
            v
        }
    };
    let e = clamp(exact.clone());
    let o = clamp(Float::with_val(PREC, ours));
    let ulp_exp = if e.is_zero() {
        emin_ulp
    } else {
        (e.get_exp().unwrap() - 1 - mant).max(emin_ulp)
    };
    let mut d = Float::with_val(PREC, &o - &e).abs();
    d >>= ulp_exp;
    (d.to_f64(), special)
}
