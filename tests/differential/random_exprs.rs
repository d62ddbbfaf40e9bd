//! The JIT against the interpreter on random expressions: the checker, the
//! proptest targets per family, `replay`, and checks of the generator.

use super::common::*;
use lazyfuse::internals::expr::{lower, BinaryOp, ReduceOp, UnaryOp};
use lazyfuse::internals::runtime::{eval_graph, min_per_thread, ExecOptions};
use lazyfuse::{DType, Expr, Scalar};
use proptest::prelude::*;

/// Runs one case; `Err` describes a mismatch.
fn check(seed: u64, family: Family) -> Result<bool, String> {
    small_chunks();
    let mut r = Rng(seed);
    let sizes_small = [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33];
    let shape: Vec<usize> = match family {
        Family::Outline => {
            let n = match r.below(4) {
                0 => 64 * (1 + r.below(4)) + r.below(3) - 1,
                1 => 2 * min_per_thread() + 64 * r.below(3) + r.below(17),
                2 => r.below(300),
                _ => 1000 + r.below(64),
            };
            if r.chance(0.3) && n > 8 {
                vec![3, n / 3]
            } else {
                vec![n]
            }
        }
        Family::Sizes => {
            let w = r.pick(&[2usize, 4, 8, 16]);
            let n = match r.below(6) {
                0 => w - 1,
                1 => w + 1,
                2 => w * 4 + r.below(3),
                3 => 2 * min_per_thread() + r.below(3) - 1,
                4 => 3 * min_per_thread() + 64 * r.below(3) + r.below(2),
                _ => r.pick(&sizes_small),
            };
            if r.chance(0.3) && n > 8 {
                vec![2, n / 2]
            } else {
                vec![n]
            }
        }
        _ => {
            let rank = r.below(4);
            (0..rank).map(|_| r.pick(&sizes_small[..10])).collect()
        }
    };
    // The outlined family computes in one float dtype, and its inputs have
    // that dtype's width, so that vectors are full (as outlining needs).
    let ft = if family == Family::Outline {
        r.pick(&[DType::F32, DType::F64])
    } else {
        DType::F64
    };
    let ninputs = 1 + r.below(4);
    let mut arrays = vec![];
    for _ in 0..ninputs {
        let d = match family {
            Family::Outline if ft == DType::F32 => r.pick(&[DType::F32, DType::F32, DType::I32]),
            Family::Outline => r.pick(&[DType::F64, DType::F64, DType::I64]),
            _ => r.pick(&DType::ALL),
        };
        // Broadcast: drop leading axes or set some to 1.
        let mut s = shape.clone();
        if family != Family::Sizes && r.chance(0.3) && !s.is_empty() {
            let drop = r.below(s.len() + 1);
            s.drain(..drop);
            for x in s.iter_mut() {
                if r.chance(0.3) {
                    *x = 1;
                }
            }
        }
        arrays.push(make_array(&mut r, d, &s, family));
    }
    let leaves: Vec<Expr> = arrays
        .iter()
        .enumerate()
        .map(|(k, a)| Expr::named(&format!("x{k}"), a))
        .collect();
    let depth = 1 + r.below(8);
    let e = if family == Family::Outline {
        // where(p > q, sqrt(p) / q, r / sqrt(q)) / s, over random
        // subexpressions cast to one float dtype, so that masks and
        // operands cross the phases of the blocked loop.
        let leaves = leaves.iter().map(|l| l.astype(ft)).collect();
        let mut g = Gen { r: &mut r, leaves };
        // Small float subexpressions (mixed widths would not vectorize).
        let int = if ft == DType::F32 { DType::I32 } else { DType::I64 };
        let sub = |g: &mut Gen| {
            let leaf = |g: &mut Gen| {
                if g.r.chance(0.2) {
                    Expr::scalar(value(g.r, ft))
                } else {
                    let k = g.r.below(g.leaves.len());
                    g.leaves[k].clone()
                }
            };
            let (a, b) = (leaf(g), leaf(g));
            match g.r.below(8) {
                0 => a,
                1 => a.binary(BinaryOp::Add, b),
                2 => a.binary(BinaryOp::Mul, b),
                3 => a.binary(BinaryOp::Sub, b),
                4 => a.unary(UnaryOp::Abs),
                5 => Expr::where_(a.binary(BinaryOp::Lt, b.clone()), a, b),
                6 => a.astype(int).astype(ft),
                _ => a.unary(UnaryOp::Neg),
            }
        };
        let (p, q, rr, s) = (sub(&mut g), sub(&mut g), sub(&mut g), sub(&mut g));
        let pick = g.r.below(3);
        let inner = Expr::where_(
            p.binary(BinaryOp::Gt, q.clone()),
            p.unary(UnaryOp::Sqrt).binary(BinaryOp::Div, q.clone()),
            rr.binary(BinaryOp::Div, q.unary(UnaryOp::Sqrt)),
        );
        match pick {
            0 => inner.binary(BinaryOp::Div, s),
            1 => s.binary(BinaryOp::Div, inner).unary(UnaryOp::Sqrt),
            _ => inner.binary(BinaryOp::Div, Expr::scalar(Scalar::F64(3.0)).astype(ft)),
        }
    } else {
        Gen { r: &mut r, leaves }.expr(depth)
    };
    let e = if family == Family::Reduce {
        let (Ok(dt), Ok(sh)) = (e.dtype(), e.shape()) else {
            return Ok(false);
        };
        let mut ops = vec![ReduceOp::Min, ReduceOp::Max, ReduceOp::Any, ReduceOp::All];
        if !dt.is_float() {
            ops.extend([ReduceOp::Sum, ReduceOp::Prod]);
        }
        ops.extend([ReduceOp::ArgMin, ReduceOp::ArgMax]);
        let op = r.pick(&ops);
        if matches!(op, ReduceOp::ArgMin | ReduceOp::ArgMax) {
            // One axis, or the flattened array.
            let keep = r.chance(0.5);
            if sh.is_empty() || r.chance(0.3) {
                e.reduce(op, None, keep, 0)
            } else {
                let a = r.below(sh.len()) as isize;
                e.reduce(op, Some(&[a]), keep, 0)
            }
        } else {
            let axes: Vec<isize> = (0..sh.len() as isize).filter(|_| r.chance(0.5)).collect();
            let axes = if axes.is_empty() {
                (0..sh.len() as isize).collect()
            } else {
                axes
            };
            e.reduce(op, Some(&axes), r.chance(0.5), 0)
        }
    } else {
        e
    };
    let Ok((g, inputs)) = lower(&[e]) else {
        return Ok(false);
    };
    let threads = 1 + r.below(3);
    let want = lazyfuse::internals::interp::interpret(&g, &inputs);
    let got = eval_graph(&g, &inputs, &ExecOptions::default().with_threads(threads));
    match (&want, &got) {
        (Ok(w), Ok(gt))
            if w.len() == gt.len()
                && w.iter()
                    .zip(gt)
                    .all(|(a, b)| same_zeros(a, b, family == Family::Reduce)) =>
        {
            Ok(true)
        }
        (Err(a), Err(b)) if a == b => Ok(true),
        _ => Err(format!(
            "seed {seed}: JIT differs from the interpreter (threads {threads})\n{g}\ninputs: {inputs:?}\n\
             interpreter: {want:?}\nJIT: {got:?}"
        )),
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(4500))]
    #[test]
    fn ops_all_dtypes(seed in any::<u64>()) {
        check(seed, Family::Ops).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(4500))]
    #[test]
    fn views_and_broadcasts(seed in any::<u64>()) {
        check(seed, Family::Views).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(1200))]
    #[test]
    fn sizes_and_threads(seed in any::<u64>()) {
        check(seed, Family::Sizes).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(1500))]
    #[test]
    fn reductions_of_random_expressions(seed in any::<u64>()) {
        check(seed, Family::Reduce).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(600))]
    #[test]
    fn outlined_sqrt_and_division(seed in any::<u64>()) {
        check(seed, Family::Outline).map_err(TestCaseError::fail)?;
    }
}

/// Reruns one seed: `LAZYFUSE_SEED=123 cargo test --test differential replay`.
#[test]
fn replay() {
    if let Ok(s) = std::env::var("LAZYFUSE_SEED") {
        let seed: u64 = s.trim().parse().expect("LAZYFUSE_SEED is a u64");
        for f in [
            Family::Ops,
            Family::Views,
            Family::Sizes,
            Family::Reduce,
            Family::Outline,
        ] {
            if let Err(m) = check(seed, f) {
                panic!("{m}");
            }
        }
    }
}

/// The `Outline` family does reach the blocked, phased loops.
#[test]
fn outline_family_compiles_outlined_kernels() {
    let before = lazyfuse::internals::jit::OUTLINED_KERNELS.load(std::sync::atomic::Ordering::Relaxed);
    let mut valid = 0;
    for seed in 0..40 {
        valid += check(seed, Family::Outline).expect("JIT equals the interpreter") as usize;
    }
    let after = lazyfuse::internals::jit::OUTLINED_KERNELS.load(std::sync::atomic::Ordering::Relaxed);
    assert!(valid >= 30, "only {valid} of 40 cases were valid expressions");
    if lazyfuse::internals::jit::block_helpers_available() {
        assert!(after - before >= 20, "only {} kernels were outlined", after - before);
    }
}

/// The `Ops`, `Views` and `Reduce` families reach main loops whose unroll
/// slots the JIT interleaves (loads of one slot moved past stores of
/// another).
#[test]
fn random_families_reach_interleaved_loops() {
    let before = lazyfuse::internals::jit::INTERLEAVED_LOOPS.load(std::sync::atomic::Ordering::Relaxed);
    // Seeds no other test uses: a kernel another test compiled first would
    // come from the cache and not count.
    for seed in 10_000..10_300 {
        for f in [Family::Ops, Family::Views, Family::Reduce] {
            check(seed, f).expect("JIT equals the interpreter");
        }
    }
    // Most random kernels mix dtypes or call libm, and stay scalar or
    // unrolled once; about one in twenty is interleaved.
    let after = lazyfuse::internals::jit::INTERLEAVED_LOOPS.load(std::sync::atomic::Ordering::Relaxed);
    assert!(after - before >= 15, "only {} loops were interleaved", after - before);
}

/// Most generated cases must be valid expressions (not type errors).
#[test]
fn generator_yields_valid_cases() {
    let mut ok = 0;
    for seed in 0..300 {
        if check(seed, Family::Ops).unwrap_or(true) {
            ok += 1;
        }
    }
    assert!(ok > 200, "only {ok}/300 valid cases");
    let ok = (0..300)
        .filter(|&seed| check(seed, Family::Reduce).unwrap_or(true))
        .count();
    assert!(ok > 200, "only {ok}/300 valid reduction cases");
}

/// NumPy computes the whole of an integer `pow` before a slice or an empty
/// broadcast uses it, so a negative exponent raises even in an element the
/// result never reads; the fused kernels must raise too (regression: seed
/// 15761429126456918875, a 0-d `pow` broadcast to an empty shape).
#[test]
fn negative_power_in_unread_elements_raises() {
    use lazyfuse::{Array, Expr};
    let a = Array::from_vec(vec![3i64, 2, 5, 7]);
    let b = Array::from_vec(vec![-1i64, 2, 3, 1]);
    let empty = Array::from_shape_vec(&[0, 8], Vec::<u32>::new()).unwrap();
    let m = Array::scalar(lazyfuse::Scalar::I64(-10));
    let cases: [(&str, Vec<(&str, &Array)>); 5] = [
        ("(a ** b)[1:]", vec![("a", &a), ("b", &b)]),
        ("(a ** b)[2]", vec![("a", &a), ("b", &b)]),
        ("sum((a ** b)[1::2])", vec![("a", &a), ("b", &b)]),
        ("e + m ** m", vec![("e", &empty), ("m", &m)]),
        ("any(arctan2(e, nextafter(m ** m, -3)))", vec![("e", &empty), ("m", &m)]),
    ];
    for (src, vars) in cases {
        let e = Expr::parse(src, &vars).unwrap();
        let (g, inputs) = lower(std::slice::from_ref(&e)).unwrap();
        let want = lazyfuse::internals::interp::interpret(&g, &inputs);
        assert!(
            matches!(want, Err(lazyfuse::Error::Value(_))),
            "{src}: interpreter gave {want:?}"
        );
        for threads in [1, 2] {
            let got = eval_graph(&g, &inputs, &ExecOptions::default().with_threads(threads));
            assert_eq!(got.err(), want.as_ref().err().cloned(), "{src}, {threads} threads");
        }
        assert!(e.eval().is_err(), "{src}: Expr::eval");
    }
    // With no negative exponent the sliced pow gives NumPy's values, and a
    // float pow under a slice is still computed only where it is read (one
    // kernel, nothing materialized).
    let c = Array::from_vec(vec![0i64, 2, 3, 1]);
    let e = Expr::parse("(a ** c)[1:]", &[("a", &a), ("c", &c)]).unwrap();
    assert_eq!(e.eval().unwrap().as_slice::<i64>().unwrap(), &[4, 125, 7]);
    let f = Array::from_vec(vec![3.0f64, 2.0, 5.0, 7.0]);
    let e = Expr::parse("(f ** f)[1:]", &[("f", &f)]).unwrap();
    let (g, _) = lower(&[e]).unwrap();
    assert_eq!(lazyfuse::internals::fuse::fuse(&g).unwrap().kernels().count(), 1);
}
