//! The scalar evaluators against NumPy 2: every element-wise op on a grid
//! of edge values per dtype, as recorded in `numpy_cases.txt` by
//! `gen_numpy_cases.py`.
//!
//! Arithmetic, rounding, comparisons, bit operations, `sqrt`, `fmod`,
//! `copysign`, `nextafter`, `maximum` & co. must match bit for bit (any NaN
//! matches any NaN). The libm functions may differ from NumPy's (which uses
//! its own SIMD implementations) by at most [`MAX_ULP`], and must agree
//! exactly on ±0, ±inf and NaN.

use super::scalar::{eval_binary, eval_unary};
use super::{binary_types, unary_types, BinaryOp, UnaryOp};
use crate::array::{DType, Scalar};
use crate::error::Error;

const CASES: &str = include_str!("numpy_cases.txt");

/// How far the functions other than `sqrt` and the arithmetic operators
/// (which must match bit for bit) may be from NumPy's result: 4 ULP, the
/// project's accuracy bar (ours are within 1 ULP of the correctly rounded
/// result, NumPy's own SIMD loops within 4; ARCHITECTURE.md, "Math
/// accuracy").
const MAX_ULP: u64 = 4;

fn value(dtype: DType, text: &str) -> Scalar {
    let parsed = match dtype {
        DType::F32 => text.parse().ok().map(Scalar::F32),
        DType::F64 => text.parse().ok().map(Scalar::F64),
        _ => text.parse().ok().and_then(|v| Scalar::int_in(dtype, v)),
    };
    parsed.unwrap_or_else(|| panic!("bad {dtype} value '{text}' in numpy_cases.txt"))
}

/// Position of a finite float on the number line, in ULPs.
fn ordinal(x: Scalar) -> i128 {
    let (bits, sign) = match x {
        Scalar::F32(v) => (i128::from(v.to_bits() & 0x7fff_ffff), v.is_sign_negative()),
        Scalar::F64(v) => (i128::from(v.to_bits() & !(1 << 63)), v.is_sign_negative()),
        _ => unreachable!(),
    };
    if sign {
        -bits
    } else {
        bits
    }
}

/// `None` when `got` matches `want`, else why not.
fn compare(got: Scalar, want: Scalar, ulps: u64) -> Option<String> {
    if got.dtype() != want.dtype() {
        return Some(format!("dtype {} instead of {}", got.dtype(), want.dtype()));
    }
    let nan = |x: Scalar| x.as_f64().is_nan();
    if nan(got) || nan(want) {
        return (nan(got) != nan(want)).then(|| format!("{got} instead of {want}"));
    }
    if got.bits() == want.bits() {
        return None;
    }
    let inexact = ulps > 0
        && want.dtype().is_float()
        && want.as_f64().is_finite()
        && want.as_f64() != 0.0
        && got.as_f64().is_finite();
    let off = (ordinal(got) - ordinal(want)).unsigned_abs();
    if inexact && off <= u128::from(ulps) {
        return None;
    }
    Some(format!("{got:?} instead of {want:?}"))
}

fn unary_ulps(op: UnaryOp) -> u64 {
    use UnaryOp::*;
    match op {
        Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Sin | Cos | Tan | Arcsin | Arccos | Arctan | Sinh | Cosh
        | Tanh | Arcsinh | Arccosh | Arctanh => MAX_ULP,
        _ => 0,
    }
}

fn binary_ulps(op: BinaryOp) -> u64 {
    use BinaryOp::*;
    match op {
        Pow | Arctan2 | Hypot | Logaddexp => MAX_ULP,
        _ => 0,
    }
}

#[test]
fn scalar_ops_match_numpy() {
    let mut grid1: Vec<(DType, Vec<Scalar>)> = vec![];
    let mut grid2: Vec<(DType, Vec<Scalar>)> = vec![];
    let grid = |g: &[(DType, Vec<Scalar>)], t: DType| -> Vec<Scalar> {
        g.iter().find(|(d, _)| *d == t).expect("grid before cases").1.clone()
    };
    let (mut checked, mut failures) = (0usize, vec![]);
    for line in CASES.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f[0] {
            "grid1" | "grid2" => {
                let t: DType = f[1].parse().unwrap();
                let vals = f[2..].iter().map(|v| value(t, v)).collect();
                if f[0] == "grid1" { &mut grid1 } else { &mut grid2 }.push((t, vals));
            }
            "unary" => {
                let op = UnaryOp::from_mnemonic(f[1]).unwrap();
                let t: DType = f[2].parse().unwrap();
                // The dtype the graph would cast the operand to first.
                let c = unary_types(op, t).unwrap().0;
                for (x, want) in grid(&grid1, t).into_iter().zip(&f[3..]) {
                    checked += 1;
                    let why = match eval_unary(op, x.cast(c)) {
                        Ok(got) => compare(got, value(got.dtype(), want), unary_ulps(op)),
                        Err(e) => Some(e.to_string()),
                    };
                    if let Some(why) = why {
                        failures.push(format!("{op}({x:?}): {why}"));
                    }
                }
            }
            "binary" => {
                let op = BinaryOp::from_mnemonic(f[1]).unwrap();
                let t: DType = f[2].parse().unwrap();
                let c = binary_types(op, t).unwrap().0;
                let g: Vec<Scalar> = grid(&grid2, t).iter().map(|x| x.cast(c)).collect();
                let pairs = g.iter().flat_map(|&a| g.iter().map(move |&b| (a, b)));
                for ((a, b), want) in pairs.zip(&f[3..]) {
                    checked += 1;
                    let why = match (eval_binary(op, a, b), *want) {
                        (Err(Error::Value(_)), "E") => None,
                        (Ok(got), "E") => Some(format!("{got:?} instead of an error")),
                        (Ok(got), w) => compare(got, value(got.dtype(), w), binary_ulps(op)),
                        (Err(e), _) => Some(e.to_string()),
                    };
                    if let Some(why) = why {
                        failures.push(format!("{op}({a:?}, {b:?}): {why}"));
                    }
                }
            }
            other => panic!("unknown record '{other}' in numpy_cases.txt"),
        }
    }
    assert!(checked > 20_000, "only {checked} cases read");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from NumPy:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
