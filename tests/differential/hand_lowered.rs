//! Ops with a hand-built lowering (float `//`, `%`, `copysign`, `nextafter`;
//! integer `reciprocal` and `power`) on edge values.

use super::common::*;
use lazyfuse::internals::expr::{lower, BinaryOp, UnaryOp};
use lazyfuse::internals::runtime::{eval_graph, ExecOptions};
use lazyfuse::{Array, DType, Expr, Scalar};

/// Edge values of dtype `d` for the ops whose lowering is written out by
/// hand (float `//`, `%`, `copysign`, `nextafter`; integer `reciprocal`
/// and `power`): signed zeros, infinities, NaN, subnormals, the extremes,
/// values just off integers, a quotient that `npy_divmod` must snap; for
/// integers `MIN`, `MAX`, ±1 and shift- and power-sized counts (cast from
/// i64 with NumPy's wrapping `astype`).
fn edge_values(d: DType) -> Vec<Scalar> {
    if d.is_float() {
        let mut v: Vec<Scalar> = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            -2.5,
            3.0,
            -7.0,
            0.1,
            1e-3,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE,
            1e300,
            -1e-300,
            f64::MAX,
            -f64::MAX,
            9007199254740993.0,
            // `npy_divmod`'s quotient before snapping is …2.5 for this / 7.
            2.7679553709235696e16,
            7.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ]
        .iter()
        .map(|&x| Scalar::F64(x).cast(d))
        .collect();
        if d == DType::F32 {
            for b in [1u64, 0x8000_0001, 0x7f7f_ffff, 0x0080_0000, 0x3f80_0001] {
                v.push(Scalar::from_bits(d, b));
            }
        }
        v
    } else {
        [
            0i64,
            1,
            -1,
            2,
            -2,
            3,
            -3,
            7,
            -7,
            10,
            31,
            32,
            63,
            64,
            127,
            -128,
            255,
            i64::from(i16::MIN),
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
        ]
        .iter()
        .map(|&x| Scalar::I64(x).cast(d))
        .collect()
    }
}

/// Equal dtype, shape and bits (any NaN equals any NaN; `-0.0 != 0.0`).
fn same_bits(a: &Array, b: &Array) -> bool {
    let nan = |s: &Scalar| s.dtype().is_float() && s.as_f64().is_nan();
    a.dtype() == b.dtype()
        && a.shape() == b.shape()
        && a.to_scalars()
            .iter()
            .zip(b.to_scalars().iter())
            .all(|(x, y)| x.bits() == y.bits() || (nan(x) && nan(y)))
}

/// Compiles `op` on operands of dtype `d` (inputs, so nothing is folded)
/// and compares it with the interpreter, outputs or errors; gives the
/// interpreter's answer.
fn compare_op(op: lazyfuse::internals::expr::Op, inputs: &[Array]) -> Result<lazyfuse::Result<Vec<Array>>, String> {
    use lazyfuse::internals::expr::Graph;
    let mut g = Graph::new();
    let ids: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(k, a)| g.add_input(&format!("x{k}"), a.dtype(), a.shape()).unwrap())
        .collect();
    let n = g.add(op.clone(), &ids).map_err(|e| format!("{op:?}: {e}"))?;
    g.set_outputs(vec![n]);
    let want = lazyfuse::internals::interp::interpret(&g, inputs);
    for threads in [1, 2] {
        let got = eval_graph(&g, inputs, &ExecOptions::default().with_threads(threads));
        let ok = match (&want, &got) {
            (Ok(w), Ok(gt)) => same_bits(&w[0], &gt[0]),
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        if !ok {
            return Err(format!(
                "{g}\ninputs: {inputs:?}\ninterpreter: {want:?}\nJIT ({threads} threads): {got:?}"
            ));
        }
    }
    Ok(want)
}

/// Every pair of edge values, as two arrays (`x[i]`, `y[i]`), at a length
/// that leaves a scalar remainder after the vector loop.
fn pairs(d: DType, keep: impl Fn(&Scalar, &Scalar) -> bool) -> [Array; 2] {
    let e = edge_values(d);
    let (mut xs, mut ys) = (vec![], vec![]);
    for x in &e {
        for y in &e {
            if keep(x, y) {
                xs.push(*x);
                ys.push(*y);
            }
        }
    }
    // An odd length: the last elements run the scalar remainder loop.
    if xs.len() % 2 == 0 {
        xs.push(e[1]);
        ys.push(e[2]);
    }
    let arr = |v: &[Scalar]| Array::from_scalars(d, &[v.len()], v).unwrap();
    [arr(&xs), arr(&ys)]
}

/// The ops whose lowering is written out by hand rather than a math
/// function or an instruction — float `floor_divide`/`remainder`
/// (`npy_divmod` on `fmod`), `copysign`, `nextafter`, integer `reciprocal`
/// and `power` (a typed host function), and integer `//`, `%`, `fmod` —
/// give the interpreter's bits for every pair of edge values of every
/// dtype they take, in the vector loop (lane by lane) and the scalar
/// remainder.
#[test]
fn hand_lowered_ops_equal_the_interpreter_on_edge_values() {
    use lazyfuse::internals::expr::Op;
    small_chunks();
    let mut failures = vec![];
    for d in [DType::F32, DType::F64] {
        for b in [
            BinaryOp::FloorDiv,
            BinaryOp::Mod,
            BinaryOp::Fmod,
            BinaryOp::Copysign,
            BinaryOp::Nextafter,
        ] {
            if let Err(e) = compare_op(Op::Binary(b), &pairs(d, |_, _| true)) {
                failures.push(e);
            }
        }
    }
    let ints = [
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
    ];
    for d in ints {
        let [x, _] = pairs(d, |_, _| true);
        if let Err(e) = compare_op(Op::Unary(UnaryOp::Reciprocal), &[x]) {
            failures.push(e);
        }
        for b in [BinaryOp::FloorDiv, BinaryOp::Mod, BinaryOp::Fmod] {
            if let Err(e) = compare_op(Op::Binary(b), &pairs(d, |_, _| true)) {
                failures.push(e);
            }
        }
        // `power` with every non-negative exponent (huge ones included).
        let non_negative = |_: &Scalar, y: &Scalar| !y.dtype().is_signed_int() || y.cast(DType::I64).bits() >> 63 == 0;
        if let Err(e) = compare_op(Op::Binary(BinaryOp::Pow), &pairs(d, non_negative)) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A negative integer exponent anywhere — in the vector loop or the scalar
/// remainder, of any signed width — is NumPy's `ValueError` in compiled
/// code as in the interpreter; `bool ** bool` (computed in int8) is
/// compiled too.
#[test]
fn integer_power_errors_and_bools_compile() {
    use lazyfuse::internals::expr::Op;
    small_chunks();
    for d in [DType::I8, DType::I16, DType::I32, DType::I64] {
        for at in [0usize, 5, 16, 32] {
            let x: Vec<Scalar> = (0..33).map(|k| Scalar::I64(k % 5 - 2).cast(d)).collect();
            let mut y: Vec<Scalar> = (0..33).map(|k| Scalar::I64(k % 4).cast(d)).collect();
            y[at] = Scalar::I64(-1).cast(d);
            let arr = |v: &[Scalar]| Array::from_scalars(d, &[v.len()], v).unwrap();
            let inputs = [arr(&x), arr(&y)];
            // Equal errors, and the interpreter's is NumPy's `ValueError`.
            let want = compare_op(Op::Binary(BinaryOp::Pow), &inputs).unwrap();
            assert!(matches!(want, Err(lazyfuse::Error::Value(_))), "{d} at {at}: {want:?}");
        }
    }
    let b = Array::from_vec(vec![false, true, false, true, true]);
    let c = Array::from_vec(vec![false, false, true, true, false]);
    let e = Expr::parse("power(b, c)", &[("b", &b), ("c", &c)]).unwrap();
    let (g, inputs) = lower(&[e]).unwrap();
    let want = lazyfuse::internals::interp::interpret(&g, &inputs).unwrap();
    let got = eval_graph(&g, &inputs, &ExecOptions::default()).unwrap();
    assert!(same_bits(&want[0], &got[0]), "{want:?} vs {got:?}");
}
