//! Fused reductions: the JIT against the reference interpreter over every
//! axis combination of random 1–4-D shapes, all 11 dtypes, keepdims and
//! ddof, with reductions fed by fused element-wise work and transposed
//! views; multi-kernel
//! graphs (`(a - mean(a)) / std(a)`, several outputs); results identical
//! with 1 and 2 threads.
//!
//! **Tolerances.** Integers, bools, `min`/`max`/`any`/`all` and
//! `argmin`/`argmax` must be bit-exact (NaN equals NaN). Float sums (and
//! `mean`) are blocked and compensated (see `RAcc` in `jit/reduce.rs`),
//! while the interpreter is NumPy's pairwise sum, so they differ by rounding only:
//! `|got - want| <= 64 ε Σ|x|` (with `ε` the dtype's epsilon: NumPy's own
//! bound is about `(16 + log2 n) ε Σ|x|`). `prod` folds in another order:
//! relative `4 n ε`. `var`/`std` use a shifted sum of squares (shift `K`,
//! the first element, so the sums hold `(x - K)² <= 2 (x² + K²)`):
//! `|got - want| <= 64 ε n/(n-ddof) (mean(x²) + max(x²))` for `var`, its
//! square root for `std`. A non-finite expected value must be matched exactly.

use lazyfuse::internals::expr::{lower, ReduceOp};
use lazyfuse::internals::interp::interpret;
use lazyfuse::internals::runtime::{eval_graph, ExecOptions};
use lazyfuse::{lazy, Array, DType, Expr, Index, Scalar};

/// The crate's generator (one RNG for every test).
use lazyfuse::internals::array::random::SplitMix64 as Rng;

const DTYPES: [DType; 11] = [
    DType::Bool,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::F32,
    DType::F64,
];

const OPS: [ReduceOp; 11] = [
    ReduceOp::Sum,
    ReduceOp::Prod,
    ReduceOp::Min,
    ReduceOp::Max,
    ReduceOp::Mean,
    ReduceOp::Var,
    ReduceOp::Std,
    ReduceOp::Any,
    ReduceOp::All,
    ReduceOp::ArgMin,
    ReduceOp::ArgMax,
];

/// Random data: floats mostly in [-4, 4) (in [0.5, 2) for `prod`, so
/// partial products stay finite in any order), with rare specials.
fn array(r: &mut Rng, d: DType, shape: &[usize], op: ReduceOp) -> Array {
    let n: usize = shape.iter().product();
    let specials = r.below(4) == 0;
    let vals: Vec<Scalar> = (0..n)
        .map(|_| match d {
            DType::Bool => Scalar::Bool(r.below(3) != 0),
            DType::F32 | DType::F64 => {
                let v = if specials && r.below(40) == 0 {
                    [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0][r.below(4)]
                } else if op == ReduceOp::Prod {
                    (0.5 + 1.5 * r.next_f64()) * if r.below(2) == 0 { 1.0 } else { -1.0 }
                } else {
                    (r.next_f64() - 0.5) * 8.0
                };
                Scalar::F64(v).cast(d)
            }
            _ => {
                let bits = if r.below(6) == 0 {
                    r.next_u64()
                } else {
                    (r.below(21) as u64).wrapping_sub(10)
                };
                Scalar::from_bits(d, bits)
            }
        })
        .collect();
    Array::from_scalars(d, shape, &vals).expect("values of the dtype")
}

fn f64s(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>().expect("f64")
}

fn eps(d: DType) -> f64 {
    if d == DType::F32 {
        f32::EPSILON as f64
    } else {
        f64::EPSILON
    }
}

/// Compares a reduction result with the interpreter's (see the tolerances
/// in the module docs). `x` is the reduced operand, for the scales.
fn compare(
    op: ReduceOp,
    axes: &[isize],
    keep: bool,
    ddof: u32,
    x: &Expr,
    got: &Array,
    want: &Array,
) -> Result<(), String> {
    if got.dtype() != want.dtype() || got.shape() != want.shape() {
        return Err(format!(
            "type: got {}{:?}, want {}{:?}",
            got.dtype(),
            got.shape(),
            want.dtype(),
            want.shape()
        ));
    }
    let exact = !want.dtype().is_float() || matches!(op, ReduceOp::Min | ReduceOp::Max);
    if exact {
        let (g, w) = (got.to_scalars(), want.to_scalars());
        let nan = |s: &Scalar| matches!(*s, Scalar::F32(v) if v.is_nan()) || matches!(*s, Scalar::F64(v) if v.is_nan());
        for (k, (a, b)) in g.iter().zip(&w).enumerate() {
            if !(a == b || (nan(a) && nan(b))) {
                return Err(format!("element {k}: got {a}, want {b}"));
            }
        }
        return Ok(());
    }
    let e = eps(want.dtype());
    let xf = x.astype(DType::F64);
    let dims = x.shape().map_err(|e| e.to_string())?;
    let empty = axes.iter().any(|&a| dims[a as usize] == 0);
    let scale_expr = match op {
        ReduceOp::Sum => xf.abs().sum_axes(axes, keep),
        ReduceOp::Mean => xf.abs().mean_axes(axes, keep),
        ReduceOp::Prod => xf.abs().prod_axes(axes, keep),
        // The shifted sums hold (x - K)² ≤ 2 (x² + K²): the error scales
        // with mean(x²) + max(x²).
        _ if empty => (&xf * &xf).mean_axes(axes, keep),
        _ => (&xf * &xf).mean_axes(axes, keep) + (&xf * &xf).max_axes(axes, keep),
    };
    let (g, arrays) = lower(&[scale_expr]).map_err(|e| e.to_string())?;
    let scale = f64s(&interpret(&g, &arrays).map_err(|e| e.to_string())?[0]);
    let n = x.shape().map_err(|e| e.to_string())?;
    let nred: usize = axes.iter().map(|&a| n[a as usize]).product();
    let (gv, wv) = (f64s(got), f64s(want));
    for k in 0..wv.len() {
        let (a, b, s) = (gv[k], wv[k], scale[k]);
        if !b.is_finite() || !a.is_finite() {
            if !(a == b || (a.is_nan() && b.is_nan())) {
                return Err(format!("element {k}: got {a}, want {b}"));
            }
            continue;
        }
        let dof = (nred as f64 - ddof as f64).max(1.0);
        let tol = match op {
            ReduceOp::Sum | ReduceOp::Mean => 64.0 * e * s,
            ReduceOp::Prod => 4.0 * nred as f64 * e * s,
            ReduceOp::Var => 64.0 * e * s * nred as f64 / dof,
            _ => (64.0 * e * s * nred as f64 / dof).sqrt(),
        };
        if (a - b).abs() > tol + 4.0 * e * b.abs() {
            return Err(format!("element {k}: got {a}, want {b} (tol {tol:e})"));
        }
    }
    Ok(())
}

fn eval(outputs: &[Expr], threads: usize) -> Result<Vec<Array>, String> {
    let (g, arrays) = lower(outputs).map_err(|e| e.to_string())?;
    eval_graph(&g, &arrays, &ExecOptions::default().with_threads(threads)).map_err(|e| format!("{e}\n{g}"))
}

fn reference(outputs: &[Expr]) -> Result<Vec<Array>, String> {
    let (g, arrays) = lower(outputs).map_err(|e| e.to_string())?;
    interpret(&g, &arrays).map_err(|e| e.to_string())
}

/// Every subset of the axes of a rank-`r` array (argmin/argmax: one axis).
fn axis_sets(op: ReduceOp, r: usize) -> Vec<Vec<isize>> {
    if matches!(op, ReduceOp::ArgMin | ReduceOp::ArgMax) {
        return (0..r as isize).map(|a| vec![a]).collect();
    }
    (1..1u32 << r)
        .map(|m| (0..r as isize).filter(|&a| m >> a & 1 == 1).collect())
        .collect()
}

/// One random case: dtype, shape, op, fused operand; every axis subset,
/// keepdims, 1 and 2 threads.
fn check(seed: u64) -> Result<usize, String> {
    let mut r = Rng(seed);
    let d = DTYPES[r.below(11)];
    let op = OPS[r.below(11)];
    let rank = 1 + r.below(4);
    let big = r.below(4) == 0;
    let shape: Vec<usize> = (0..rank)
        .map(|_| {
            if big {
                [1, 3, 17, 64, 130][r.below(5)]
            } else {
                [0, 1, 2, 3, 5, 8, 9][r.below(7)]
            }
        })
        .collect();
    let shape = if shape.iter().product::<usize>() > 40_000 {
        vec![shape[0], 5]
    } else {
        shape
    };
    let rank = shape.len();
    let needs_nonempty = matches!(op, ReduceOp::Min | ReduceOp::Max | ReduceOp::ArgMin | ReduceOp::ArgMax);
    let a = array(&mut r, d, &shape, op);
    let b = array(&mut r, d, &shape, op);
    // A transposed view of the same shape (strided reads).
    let mut rev = shape.clone();
    rev.reverse();
    let at = array(&mut r, d, &rev, op);
    // The operand: an input, a view, or element-wise work on two inputs
    // (fused).
    let x = match r.below(4) {
        0 => lazy(&a),
        1 => lazy(&at).transpose() + lazy(&b),
        2 if d != DType::Bool => lazy(&a) + lazy(&b),
        _ => lazy(&a).maximum(lazy(&b)),
    };
    let ddof = if matches!(op, ReduceOp::Var | ReduceOp::Std) {
        r.below(3) as u32
    } else {
        0
    };
    let mut n = 0;
    for axes in axis_sets(op, rank) {
        if needs_nonempty && axes.iter().any(|&ax| shape[ax as usize] == 0) {
            continue;
        }
        let keep = r.below(2) == 0;
        let e = x.reduce(op, Some(&axes), keep, ddof);
        let want = reference(std::slice::from_ref(&e))?;
        let one = eval(std::slice::from_ref(&e), 1)?;
        let two = eval(std::slice::from_ref(&e), 2)?;
        let ctx = |m: String| format!("seed {seed}: {op} axes={axes:?} keepdims={keep} ddof={ddof} {d}{shape:?}: {m}");
        compare(op, &axes, keep, ddof, &x, &one[0], &want[0]).map_err(ctx)?;
        if one[0].to_scalars() != two[0].to_scalars()
            && !(one[0].dtype().is_float()
                && f64s(&one[0])
                    .iter()
                    .zip(f64s(&two[0]))
                    .all(|(p, q)| p.to_bits() == q.to_bits()))
        {
            return Err(ctx("1 and 2 threads differ".into()));
        }
        n += 1;
    }
    Ok(n)
}

#[test]
fn random_reductions_match_the_interpreter() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
    let base: u64 = std::env::var("LAZYFUSE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let cases: u64 = std::env::var("LAZYFUSE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let mut total = 0;
    for s in base..base + cases {
        match check(s) {
            Ok(n) => total += n,
            Err(m) => panic!("{m}"),
        }
    }
    eprintln!("{total} reductions checked");
    assert!(total > 1000, "only {total} reductions checked");
}

/// argmin/argmax of the flattened array, of views and of fused operands.
#[test]
fn arg_reductions_flattened_and_strided() {
    let mut r = Rng(11);
    for d in DTYPES {
        let a = array(&mut r, d, &[7, 6], ReduceOp::Min);
        let b = array(&mut r, d, &[6, 7], ReduceOp::Min);
        let x = lazy(&a);
        let y = lazy(&b).transpose();
        for e in [
            x.argmin(),
            x.argmax(),
            y.argmin(),
            y.argmax_axis(1),
            y.argmin_axis(0),
            x.maximum(&y).argmax(),
        ] {
            let want = reference(std::slice::from_ref(&e)).unwrap();
            for t in [1, 2] {
                let got = eval(std::slice::from_ref(&e), t).unwrap();
                assert_eq!(got[0].to_vec::<i64>().unwrap(), want[0].to_vec::<i64>().unwrap(), "{d}");
                assert_eq!(got[0].shape(), want[0].shape());
            }
        }
    }
}

#[test]
fn every_dtype_and_op_over_every_axis_set() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
    let shape = [3usize, 4, 5];
    let mut r = Rng(7);
    for d in DTYPES {
        for op in OPS {
            let a = array(&mut r, d, &shape, op);
            let x = lazy(&a);
            for axes in axis_sets(op, 3) {
                for keep in [false, true] {
                    let e = x.reduce(op, Some(&axes), keep, 1);
                    let e = if matches!(op, ReduceOp::Var | ReduceOp::Std) {
                        e
                    } else {
                        x.reduce(op, Some(&axes), keep, 0)
                    };
                    let ddof = if matches!(op, ReduceOp::Var | ReduceOp::Std) {
                        1
                    } else {
                        0
                    };
                    let want = reference(std::slice::from_ref(&e)).unwrap();
                    let got = eval(std::slice::from_ref(&e), 1).unwrap();
                    if let Err(m) = compare(op, &axes, keep, ddof, &x, &got[0], &want[0]) {
                        panic!("{op} {d} axes={axes:?} keepdims={keep}: {m}");
                    }
                }
            }
        }
    }
}

/// `(a - mean(a)) / std(a)` over random axes, and several outputs at once
/// (reductions plus element-wise results sharing the operand).
#[test]
fn multi_kernel_graphs() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
    let mut r = Rng(99);
    for case in 0..60u64 {
        let d = [DType::F64, DType::F32, DType::I32, DType::U8][r.below(4)];
        let shape: Vec<usize> = (0..1 + r.below(3)).map(|_| 1 + r.below(40)).collect();
        let a = array(&mut r, d, &shape, ReduceOp::Sum);
        let x = lazy(&a).astype(DType::F64);
        let ax = vec![r.below(shape.len()) as isize];
        let z = (&x - x.mean_axes(&ax, true)) / x.std_axes(&ax, true, 0);
        let outs = [z, x.sum_axes(&ax, false), &x * 2.0, x.max()];
        let want = reference(&outs).unwrap();
        let one = eval(&outs, 1).unwrap();
        let two = eval(&outs, 2).unwrap();
        for (k, (g, w)) in one.iter().zip(&want).enumerate() {
            let (gv, wv) = (f64s(g), f64s(w));
            assert_eq!(g.shape(), w.shape(), "case {case} output {k}");
            for (p, q) in gv.iter().zip(&wv) {
                let ok = p == q || (p.is_nan() && q.is_nan()) || (p - q).abs() <= 1e-9 * (1.0 + q.abs());
                assert!(ok, "case {case} output {k}: {p} vs {q} ({d}{shape:?} axis {ax:?})");
            }
        }
        for (g, h) in one.iter().zip(&two) {
            let (gv, hv) = (f64s(g), f64s(h));
            assert!(
                gv.iter().zip(&hv).all(|(p, q)| p.to_bits() == q.to_bits()),
                "case {case}: threads differ"
            );
        }
    }
}

/// Large reductions take the chunked path: results are bit-identical with
/// 1, 2 and 3 threads, and float sums stay within the pairwise bound.
#[test]
fn large_reductions_are_thread_count_independent() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
    let mut r = Rng(3);
    let n = 300_007;
    let a = Array::from_vec((0..n).map(|_| (r.next_f64() - 0.3) * 1e3).collect::<Vec<f64>>());
    let m = Array::from_shape_vec(&[777, 129], (0..777 * 129).map(|_| r.next_f64() as f32).collect()).unwrap();
    let x = lazy(&a);
    let y = lazy(&m);
    let outs = [
        (&x * &x).sum(),
        x.mean(),
        x.var(1),
        y.sum_axes(&[0], false),
        y.sum_axes(&[1], false),
        y.std_axes(&[0], false, 0),
        y.min_axes(&[0], false),
    ];
    let want = reference(&outs).unwrap();
    let runs: Vec<Vec<Array>> = [1, 2, 3].iter().map(|&t| eval(&outs, t).unwrap()).collect();
    for k in 0..outs.len() {
        let base = f64s(&runs[0][k]);
        for run in &runs[1..] {
            assert!(
                base.iter().zip(f64s(&run[k])).all(|(p, q)| p.to_bits() == q.to_bits()),
                "output {k}"
            );
        }
        let e = eps(want[k].dtype());
        for (p, q) in base.iter().zip(f64s(&want[k])) {
            assert!((p - q).abs() <= 1e3 * e * q.abs().max(1.0), "output {k}: {p} vs {q}");
        }
    }
}

/// A donated, solely owned input is overwritten in place: the output shares
/// its buffer; a borrowed one (another reference alive) is not touched.
#[test]
fn donated_input_is_reused() {
    use lazyfuse::internals::runtime::eval_graph_donating;
    let a = Array::from_vec((0..1000).map(|i| i as f64).collect::<Vec<f64>>());
    let b = Array::from_vec(vec![0.5f64; 1000]);
    let e = (lazy(&a) * 2.0 + lazy(&b)).sqrt();
    let (g, _) = lower(std::slice::from_ref(&e)).unwrap();
    let want = reference(std::slice::from_ref(&e)).unwrap();
    drop(e); // the expression holds references to `a` and `b`
    let ptr = a.as_ptr();
    let keep_b = b.clone();
    let out = eval_graph_donating(&g, &mut [a, b], &[true, true], &ExecOptions::default()).unwrap();
    assert_eq!(out[0].as_ptr(), ptr, "written over the donated input");
    assert_eq!(out[0], want[0]);
    assert_eq!(
        keep_b.to_vec::<f64>().unwrap(),
        vec![0.5; 1000],
        "a shared input is never overwritten"
    );
    // Shared (another Arc alive): a fresh buffer.
    let c = Array::from_vec((0..1000).map(|i| i as f64).collect::<Vec<f64>>());
    let c2 = c.clone();
    let out = eval_graph_donating(&g, &mut [c, keep_b.clone()], &[true, false], &ExecOptions::default()).unwrap();
    assert_ne!(out[0].as_ptr(), c2.as_ptr());
    assert_eq!(out[0], want[0]);
    // Standardize with a donated input: reductions first, then in place.
    let s = Array::from_vec((0..4096).map(|i| ((i * 37) % 101) as f64).collect::<Vec<f64>>());
    let x = lazy(&s);
    let z = (&x - x.mean()) / x.std(0);
    let (g, _) = lower(std::slice::from_ref(&z)).unwrap();
    let want = reference(std::slice::from_ref(&z)).unwrap();
    drop((x, z));
    let ptr = s.as_ptr();
    let out = eval_graph_donating(&g, &mut [s], &[true], &ExecOptions::default()).unwrap();
    assert_eq!(out[0].as_ptr(), ptr);
    for (p, q) in f64s(&out[0]).iter().zip(f64s(&want[0])) {
        assert!((p - q).abs() <= 1e-12 * (1.0 + q.abs()));
    }
}

/// Fused argmin/argmax on large arrays: ties (the first wins), NaNs (the
/// first NaN wins), whole-array (outer loop reduced), along rows (row
/// accumulators) and along columns (accumulators moving with the data),
/// on 1–3 threads, against the interpreter.
#[test]
fn arg_reductions_large_with_ties_and_nans() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
    let n = 300_007usize;
    for (case, d) in [DType::F64, DType::F32, DType::I64, DType::U8, DType::I16]
        .into_iter()
        .enumerate()
    {
        let mut vals: Vec<f64> = (0..n).map(|i| ((i * 7919 + case) % 1000) as f64).collect();
        // Ties of the extremes far apart.
        for &i in &[5usize, 150_000, 299_999] {
            vals[i] = -1.0;
        }
        for &i in &[17usize, 200_001] {
            vals[i] = 2000.0;
        }
        let mut nan_cases = vec![None];
        if d.is_float() {
            nan_cases.push(Some(vec![123_456usize, 250_000]));
        }
        for nans in nan_cases {
            let mut v = vals.clone();
            for &i in nans.iter().flatten() {
                v[i] = f64::NAN;
            }
            let scalars: Vec<Scalar> = v
                .iter()
                .map(|&x| {
                    if d.is_float() {
                        Scalar::F64(x).cast(d)
                    } else {
                        Scalar::I64(x.max(0.0) as i64 % 200).cast(d)
                    }
                })
                .collect();
            let a = Array::from_scalars(d, &[n], &scalars).unwrap();
            let m = a.reshape(&[7, n / 7]).unwrap_or_else(|_| a.clone());
            let x = lazy(&a);
            let head = a
                .slice(&[Index::Slice {
                    start: Some(0),
                    stop: Some(300_000),
                    step: 1,
                }])
                .unwrap();
            let y = lazy(&head).reshape(&[600, 500]);
            for e in [
                x.argmin(),
                x.argmax(),
                (x.clone() * 2).argmax(),
                y.argmin_axis(1),
                y.argmax_axis(0),
                y.argmin_axis(0),
                lazy(&m).argmax(),
            ] {
                let want = reference(std::slice::from_ref(&e)).unwrap();
                for t in [1, 2, 3] {
                    let got = eval(std::slice::from_ref(&e), t).unwrap();
                    assert_eq!(
                        got[0].to_vec::<i64>().unwrap(),
                        want[0].to_vec::<i64>().unwrap(),
                        "{d} nans={nans:?} threads={t}"
                    );
                }
            }
        }
    }
}

/// Rows whose every element equals the starting extreme of the kernel's
/// accumulator (+inf for argmin, the type's minimum for argmax, all-true
/// bools): the first index wins.
#[test]
fn arg_reductions_of_extreme_values() {
    let cases: Vec<(DType, Scalar)> = vec![
        (DType::F64, Scalar::F64(f64::INFINITY)),
        (DType::F64, Scalar::F64(f64::NEG_INFINITY)),
        (DType::F32, Scalar::F32(f32::INFINITY)),
        (DType::I64, Scalar::I64(i64::MAX)),
        (DType::I64, Scalar::I64(i64::MIN)),
        (DType::U8, Scalar::U8(255)),
        (DType::U8, Scalar::U8(0)),
        (DType::Bool, Scalar::Bool(true)),
        (DType::Bool, Scalar::Bool(false)),
    ];
    for (d, v) in cases {
        let a = Array::from_scalars(d, &[4, 9], &vec![v; 36]).unwrap();
        let x = lazy(&a);
        for e in [
            x.argmin(),
            x.argmax(),
            x.argmin_axis(1),
            x.argmax_axis(0),
            x.argmax_axis(1),
        ] {
            let want = reference(std::slice::from_ref(&e)).unwrap();
            let got = eval(std::slice::from_ref(&e), 1).unwrap();
            assert_eq!(
                got[0].to_vec::<i64>().unwrap(),
                want[0].to_vec::<i64>().unwrap(),
                "{d} {v:?}"
            );
        }
    }
}
