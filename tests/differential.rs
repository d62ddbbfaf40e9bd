//! Differential tests: the JIT against the reference interpreter on random
//! expressions (depth up to 8, all 11 dtypes, every element-wise op, casts,
//! `where`), with broadcasting and transposed, negative-step and strided
//! inputs, sizes 0, 1, odd, vector width ± 1 and around thread-chunk
//! boundaries, with 1–3 threads; and the same expressions reduced (exact
//! reductions: `min`/`max`/`any`/`all`, integer `sum`/`prod`) over random
//! axes. Float sums, `mean`, `var`, `std` are checked with tolerances in
//! `tests/reductions.rs`. Results must be equal bit for bit (any NaN
//! equals any NaN). Each case is generated from one `u64` seed, which
//! proptest prints on failure; rerun one with `LAZYFUSE_SEED=<seed> cargo
//! test --test differential replay`.

use lazyfuse::internals::expr::{lower, BinaryOp, ReduceOp, UnaryOp};
use lazyfuse::internals::runtime::{eval_graph, min_per_thread, ExecOptions};

/// Chunks of 64 elements per thread, so thread splitting happens on small
/// arrays too (set before the first kernel runs).
fn small_chunks() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
}
use lazyfuse::{Array, DType, Expr, Index, Scalar};
use proptest::prelude::*;

/// The crate's generator (one RNG for every test).
use lazyfuse::internals::array::random::SplitMix64 as Rng;

/// Which family of cases to draw.
#[derive(Clone, Copy, PartialEq)]
enum Family {
    /// Any ops and dtypes on small C-order arrays.
    Ops,
    /// Views: transposed, negative steps, strided, broadcast.
    Views,
    /// Sizes around vector widths and thread-chunk boundaries.
    Sizes,
    /// A random expression reduced over random axes by a reduction whose
    /// result is exact (`min`/`max`/`any`/`all` of any dtype, `sum`/`prod`
    /// of integers and bools, `argmin`/`argmax`), fused into the
    /// expression's kernel.
    Reduce,
    /// Float `sqrt` and division in several phases, with values (masks,
    /// integers, narrower floats) that cross phases, on sizes around the
    /// 64-element blocks of outlined kernels (`Outline` in `jit/outline.rs`).
    Outline,
}

fn value(r: &mut Rng, d: DType) -> Scalar {
    match d {
        DType::Bool => Scalar::Bool(r.next_u64() & 1 == 1),
        DType::F32 | DType::F64 => {
            let v = match r.below(24) {
                0 => f64::NAN,
                1 => -0.0,
                2 => 0.0,
                3 => f64::INFINITY,
                4 => f64::NEG_INFINITY,
                5 => 5e-324,
                6 => 1e300,
                7 => -2.5,
                8 => 0.5,
                9 => (r.below(9) as f64) - 4.0,
                _ => ((r.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 8.0,
            };
            Scalar::F64(v).cast(d)
        }
        _ => {
            let bits = match r.below(8) {
                0 => r.next_u64(),
                1 => 1u64 << (d.bits() - 1), // MIN for signed
                2 => u64::MAX,               // -1 / MAX
                3 => 0,
                _ => (r.below(21) as u64).wrapping_sub(10),
            };
            Scalar::from_bits(d, bits)
        }
    }
}

fn make_array(r: &mut Rng, d: DType, shape: &[usize], family: Family) -> Array {
    let n: usize = shape.iter().product();
    let fill = |r: &mut Rng, shape: &[usize], cnt: usize| -> Array {
        let vals: Vec<Scalar> = (0..cnt).map(|_| value(r, d)).collect();
        Array::from_scalars(d, shape, &vals).expect("values of the dtype")
    };
    if family != Family::Views || shape.is_empty() {
        return fill(r, shape, n);
    }
    match r.below(4) {
        // Transposed: a C array of the reversed shape, viewed reversed.
        0 => {
            let mut rev = shape.to_vec();
            rev.reverse();
            fill(r, &rev, n).t()
        }
        // Negative step along the first axis.
        1 => {
            let a = fill(r, shape, n);
            let mut ix = vec![Index::FULL; shape.len()];
            ix[0] = Index::Slice {
                start: None,
                stop: None,
                step: -1,
            };
            a.slice(&ix).expect("slice")
        }
        // Every other element along the last axis, from offset 1.
        2 => {
            let mut big = shape.to_vec();
            let last = big.len() - 1;
            big[last] = big[last] * 2 + 1;
            let cnt = big.iter().product();
            let a = fill(r, &big, cnt);
            let mut ix = vec![Index::FULL; shape.len()];
            ix[last] = Index::Slice {
                start: Some(1),
                stop: None,
                step: 2,
            };
            let v = a.slice(&ix).expect("slice");
            debug_assert_eq!(v.shape(), shape);
            v
        }
        _ => fill(r, shape, n),
    }
}

struct Gen<'a> {
    r: &'a mut Rng,
    leaves: Vec<Expr>,
}

impl Gen<'_> {
    fn leaf(&mut self) -> Expr {
        if self.r.chance(0.2) {
            let d = self.r.pick(&DType::ALL);
            let v = value(self.r, d);
            return Expr::scalar(v);
        }
        let k = self.r.below(self.leaves.len());
        self.leaves[k].clone()
    }

    fn expr(&mut self, depth: usize) -> Expr {
        if depth == 0 || self.r.chance(0.15) {
            return self.leaf();
        }
        for _ in 0..8 {
            let e = match self.r.below(10) {
                0..=3 => {
                    let op = self.r.pick(UnaryOp::ALL);
                    self.expr(depth - 1).unary(op)
                }
                4..=7 => {
                    let op = self.r.pick(BinaryOp::ALL);
                    let a = self.expr(depth - 1);
                    let b = self.expr(depth - 1);
                    a.binary(op, b)
                }
                8 => {
                    let c = self.expr(depth - 1);
                    let x = self.expr(depth - 1);
                    let y = self.expr(depth - 1);
                    Expr::where_(c, x, y)
                }
                _ => {
                    let d = self.r.pick(&DType::ALL);
                    self.expr(depth - 1).astype(d)
                }
            };
            // Views on computed values: transposes and reversed axes.
            let e = match e.shape() {
                Ok(s) if s.len() >= 2 && self.r.chance(0.1) => e.t(),
                Ok(s) if !s.is_empty() && self.r.chance(0.05) => e.slice(&[Index::Slice {
                    start: None,
                    stop: None,
                    step: -1,
                }]),
                _ => e,
            };
            if e.dtype().is_ok() {
                return e;
            }
        }
        self.leaf()
    }
}

/// Equal dtype, shape and values bit for bit (any NaN equals any NaN),
/// optionally with `-0.0 == 0.0`: the sign of a `min`/`max` of
/// zeros of mixed signs depends on the order of comparisons, which NumPy
/// leaves unspecified too (its SIMD loops differ from its scalar ones).
fn same_zeros(a: &Array, b: &Array, signless_zero: bool) -> bool {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    if signless_zero && a.dtype().is_float() {
        let (x, y) = (a.astype(DType::F64), b.astype(DType::F64));
        let (x, y) = (
            x.to_vec::<f64>().unwrap_or_default(),
            y.to_vec::<f64>().unwrap_or_default(),
        );
        return x.iter().zip(&y).all(|(p, q)| p == q || (p.is_nan() && q.is_nan()));
    }
    let nan = |s: &Scalar| match *s {
        Scalar::F32(v) => v.is_nan(),
        Scalar::F64(v) => v.is_nan(),
        _ => false,
    };
    a.to_scalars()
        .iter()
        .zip(b.to_scalars().iter())
        .all(|(x, y)| x == y || (nan(x) && nan(y)))
}

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

// ------------------------------------------- ops with a hand-built lowering

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
