//! Hand-picked NumPy 2 cases for the scalar semantics: integer, bool and
//! float edges (division by zero, `MIN // -1`, shifts, signed zeros, NaN
//! rules of `maximum`/`fmax`, rounding), and dtype checks. Every expected
//! value was produced by NumPy 2.4 (noted next to each case); float
//! results are compared bit for bit. The exhaustive grid is
//! `numpy_cases.rs`.

use super::scalar::{eval_binary, eval_unary, eval_where};
use super::{BinaryOp, UnaryOp};
use crate::array::Scalar;
use crate::error::Error;

/// Same bits, except that any NaN matches any NaN.
fn same_f64(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.to_bits() == w.to_bits() || g.is_nan() && w.is_nan())
}

fn bin(op: BinaryOp, a: Scalar, b: Scalar) -> Scalar {
    eval_binary(op, a, b).unwrap()
}

fn un(op: UnaryOp, x: Scalar) -> Scalar {
    eval_unary(op, x).unwrap()
}

#[test]
fn integer_edges() {
    use BinaryOp::*;
    use Scalar::{I32, I64, I8, U8};
    // NumPy: int8 floor_divide/remainder/fmod of [7, -7, 7, -7, -128, -128]
    // by [2, 2, -2, -2, -1, 0] = [3, -4, -4, 3, -128, 0], [1, 1, -1, -1, 0, 0],
    // [1, -1, 1, -1, 0, 0].
    let a = [7, -7, 7, -7, -128, -128];
    let b = [2, 2, -2, -2, -1, 0];
    let fd: Vec<Scalar> = a.iter().zip(&b).map(|(&x, &y)| bin(FloorDiv, I8(x), I8(y))).collect();
    let md: Vec<Scalar> = a.iter().zip(&b).map(|(&x, &y)| bin(Mod, I8(x), I8(y))).collect();
    let fm: Vec<Scalar> = a.iter().zip(&b).map(|(&x, &y)| bin(Fmod, I8(x), I8(y))).collect();
    assert_eq!(fd, [3, -4, -4, 3, -128, 0].map(I8));
    assert_eq!(md, [1, 1, -1, -1, 0, 0].map(I8));
    assert_eq!(fm, [1, -1, 1, -1, 0, 0].map(I8));
    assert_eq!(bin(FloorDiv, U8(255), U8(0)), U8(0));
    assert_eq!(un(UnaryOp::Abs, I8(-128)), I8(-128));
    assert_eq!(un(UnaryOp::Neg, U8(1)), U8(255));
    // NumPy: int8 power [0, 0, 2, 3, -2] ** [0, 1, 7, 5, 7] = [1, 0, -128, -13, -128];
    // int64 3 ** 100 = -2984622845537545263; uint8 3 ** 7 = 139.
    let p: Vec<Scalar> = [(0, 0), (0, 1), (2, 7), (3, 5), (-2, 7)]
        .iter()
        .map(|&(x, y)| bin(Pow, I8(x), I8(y)))
        .collect();
    assert_eq!(p, [1, 0, -128, -13, -128].map(I8));
    assert_eq!(bin(Pow, I64(3), I64(100)), I64(-2984622845537545263));
    assert_eq!(bin(Pow, U8(3), U8(7)), U8(139));
    // NumPy: shifts by the width or more, or by a negative count, give 0,
    // or -1 for >> of a negative; 5 << 7 wraps in int8.
    assert_eq!(bin(Shl, I8(5), I8(7)), I8(-128));
    assert_eq!(bin(Shl, I8(1), I8(8)), I8(0));
    assert_eq!(bin(Shl, I8(1), I8(-1)), I8(0));
    assert_eq!(bin(Shr, I8(-5), I8(-1)), I8(-1));
    assert_eq!(bin(Shr, I8(5), I8(100)), I8(0));
    assert_eq!(bin(Shr, I32(-5), I32(32)), I32(-1));
    assert_eq!(bin(Shr, U8(255), U8(7)), U8(1));
    // NumPy: reciprocal(int32 [0, 1, -1, 2]) = [-2147483648, 1, -1, 0];
    // reciprocal(int8 0) = 0.
    let r: Vec<Scalar> = [0, 1, -1, 2].map(|x| un(UnaryOp::Reciprocal, I32(x))).to_vec();
    assert_eq!(r, [i32::MIN, 1, -1, 0].map(I32));
    assert_eq!(un(UnaryOp::Reciprocal, I8(0)), I8(0));
    assert_eq!(un(UnaryOp::Sign, I8(-3)), I8(-1));
}

#[test]
fn bool_edges() {
    use BinaryOp::*;
    use Scalar::Bool;
    // NumPy: [True, False] + [True, False] = [True, False] (or);
    // [True, False] * [True, True] = [True, False] (and); ~True = False.
    assert_eq!(bin(Add, Bool(true), Bool(true)), Bool(true));
    assert_eq!(bin(Mul, Bool(true), Bool(false)), Bool(false));
    assert_eq!(bin(Maximum, Bool(true), Bool(false)), Bool(true));
    assert_eq!(un(UnaryOp::Invert, Bool(true)), Bool(false));
    assert!(matches!(eval_binary(Sub, Bool(true), Bool(false)), Err(Error::Type(_))));
}

#[test]
fn float_division_edges() {
    use Scalar::F64;
    // NumPy float64 floor_divide and remainder (bits):
    let cases: [(f64, f64, u64, u64); 10] = [
        (-1.0, f64::INFINITY, 0xbff0000000000000, 0x7ff0000000000000),
        (1.0, f64::INFINITY, 0x0, 0x3ff0000000000000),
        (1.0, 0.0, 0x7ff0000000000000, 0x7ff8000000000000),
        (-1.0, 0.0, 0xfff0000000000000, 0x7ff8000000000000),
        (0.0, 0.0, 0x7ff8000000000000, 0x7ff8000000000000),
        (-0.0, 1.0, 0x8000000000000000, 0x0),
        (0.0, -1.0, 0x8000000000000000, 0x8000000000000000),
        (5.0, -3.0, 0xc000000000000000, 0xbff0000000000000),
        (1e308, 1e-308, 0x7ff0000000000000, 0x28401cf53d610),
        (f64::INFINITY, 2.0, 0x7ff8000000000000, 0x7ff8000000000000),
    ];
    for (a, b, fd, md) in cases {
        let got = |op| match bin(op, F64(a), F64(b)) {
            F64(v) => v,
            s => panic!("{s:?}"),
        };
        let (q, r) = (got(BinaryOp::FloorDiv), got(BinaryOp::Mod));
        let want = (f64::from_bits(fd), f64::from_bits(md));
        assert!(same_f64(&[q, r], &[want.0, want.1]), "{a} // {b}: {q}, {r}");
    }
}

#[test]
fn float_function_edges() {
    use BinaryOp::*;
    use Scalar::{F32, F64};
    let bits = |s: Scalar| s.bits();
    // NumPy: maximum/minimum return the second operand on ±0 ties and the
    // first NaN; fmax/fmin (long arrays) likewise on ties, ignoring NaN.
    assert_eq!(bits(bin(Maximum, F64(-0.0), F64(0.0))), 0);
    assert_eq!(bits(bin(Maximum, F64(0.0), F64(-0.0))), 0x8000000000000000);
    assert_eq!(bits(bin(Minimum, F64(-0.0), F64(0.0))), 0);
    assert_eq!(bits(bin(Maximum, F64(-f64::NAN), F64(f64::NAN))), 0xfff8000000000000);
    assert_eq!(bin(Fmax, F64(f64::NAN), F64(1.0)), F64(1.0));
    assert_eq!(bin(Fmin, F64(1.0), F64(f64::NAN)), F64(1.0));
    assert_eq!(bits(bin(Fmax, F64(0.0), F64(-0.0))), 0x8000000000000000);
    // NumPy: sign(-0.0) = 0.0; sign(nan) = nan.
    assert_eq!(bits(un(UnaryOp::Sign, F64(-0.0))), 0);
    assert!(un(UnaryOp::Sign, F64(f64::NAN)).as_f64().is_nan());
    // NumPy: nextafter(0.0, -1.0) = -5e-324; nextafter(float32(1), 2) =
    // 0x3f800001; nextafter(-0.0, 0.0) = 0.0.
    assert_eq!(bits(bin(Nextafter, F64(0.0), F64(-1.0))), 0x8000000000000001);
    assert_eq!(bits(bin(Nextafter, F32(1.0), F32(2.0))), 0x3f800001);
    assert_eq!(bits(bin(Nextafter, F64(-0.0), F64(0.0))), 0);
    // NumPy: logaddexp(inf, inf) = inf, (-inf, -inf) = -inf,
    // logaddexp(1.0, 2.0) = 2.313261687518223, float32 (1, 1) = 1.6931472.
    assert_eq!(
        bin(Logaddexp, F64(f64::INFINITY), F64(f64::INFINITY)),
        F64(f64::INFINITY)
    );
    assert_eq!(
        bin(Logaddexp, F64(f64::NEG_INFINITY), F64(f64::NEG_INFINITY)),
        F64(f64::NEG_INFINITY)
    );
    assert_eq!(bin(Logaddexp, F64(1.0), F64(2.0)), F64(2.313261687518223));
    assert_eq!(bin(Logaddexp, F32(1.0), F32(1.0)), F32(1.6931472));
    // NumPy: copysign(1.0, -0.0) = -1.0; fmod(-5.0, 3.0) = -2.0;
    // fmod(5.0, -0.0) = nan; fmod(-0.0, 2.0) = -0.0.
    assert_eq!(bin(Copysign, F64(1.0), F64(-0.0)), F64(-1.0));
    assert_eq!(bin(Fmod, F64(-5.0), F64(3.0)), F64(-2.0));
    assert!(bin(Fmod, F64(5.0), F64(-0.0)).as_f64().is_nan());
    assert_eq!(bits(bin(Fmod, F64(-0.0), F64(2.0))), 0x8000000000000000);
    // NumPy: 0.0 ** -1.0 = inf; (-8.0) ** (1/3) = nan; 1.0 ** nan = 1.0;
    // nan ** 0.0 = 1.0; hypot(inf, nan) = inf; arctan2(-0.0, -0.0) = -pi.
    assert_eq!(bin(Pow, F64(0.0), F64(-1.0)), F64(f64::INFINITY));
    assert!(bin(Pow, F64(-8.0), F64(1.0 / 3.0)).as_f64().is_nan());
    assert_eq!(bin(Pow, F64(1.0), F64(f64::NAN)), F64(1.0));
    assert_eq!(bin(Pow, F64(f64::NAN), F64(0.0)), F64(1.0));
    assert_eq!(bin(Hypot, F64(f64::INFINITY), F64(f64::NAN)), F64(f64::INFINITY));
    assert_eq!(bin(Arctan2, F64(-0.0), F64(-0.0)), F64(-std::f64::consts::PI));
    // arcsinh/arccosh of huge values do not overflow (NumPy: 710.475860073944).
    let big = un(UnaryOp::Arccosh, F64(f64::MAX)).as_f64();
    assert!((big - 710.475860073944).abs() < 1e-12, "{big}");
    // rint is half to even: NumPy rint([0.5, 1.5, 2.5, -0.5]) = [0, 2, 2, -0].
    let r: Vec<u64> = [0.5, 1.5, 2.5, -0.5].map(|x| bits(un(UnaryOp::Rint, F64(x)))).to_vec();
    assert_eq!(r, [0, 2f64.to_bits(), 2f64.to_bits(), 0x8000000000000000]);
}

#[test]
fn evaluators_reject_wrong_dtypes() {
    use Scalar::{F64, I32, I64};
    assert!(matches!(eval_unary(UnaryOp::Sin, I32(1)), Err(Error::Type(_))));
    assert!(matches!(eval_unary(UnaryOp::Invert, F64(1.0)), Err(Error::Type(_))));
    assert!(matches!(
        eval_binary(BinaryOp::Add, I32(1), I64(1)),
        Err(Error::Type(_))
    ));
    assert!(matches!(
        eval_binary(BinaryOp::Div, I64(1), I64(1)),
        Err(Error::Type(_))
    ));
    assert_eq!(eval_where(Scalar::Bool(true), I32(1), I32(2)), I32(1));
}
