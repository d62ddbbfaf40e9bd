//! Compiled kernels call the math module's functions — outlined to block
//! calls, one element at a time in remainders, and `sin`/`cos` of one value
//! through one `sincos` call — and give the interpreter's bits, for every
//! function and both float dtypes, on inputs that reach every branch of
//! the kernels (special values, subnormals, huge trig arguments).

use lazyfuse::internals::array::random::SplitMix64;
use lazyfuse::{Array, DType, Expr};

fn inputs_f64(n: usize, seed: u64) -> Vec<f64> {
    let special = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1e-310,
        -1e-310,
        f64::MIN_POSITIVE,
        1.0,
        -1.0,
        0.5,
        710.0,
        -745.5,
        1e300,
        -1e22,
        6381956970095103.0 * 2f64.powi(797),
        1e15,
        f64::MAX,
    ];
    let mut r = SplitMix64(seed);
    (0..n)
        .map(|i| match i % 4 {
            0 => special[(r.next_u64() % special.len() as u64) as usize],
            1 => f64::from_bits(r.next_u64()),
            _ => (r.next_f64() - 0.5) * 20.0,
        })
        .collect()
}

fn check(src: &str, dtype: DType, n: usize, seed: u64) {
    let a64 = inputs_f64(n, seed);
    let b64 = inputs_f64(n, seed ^ 0xabc);
    let (a, b) = if dtype == DType::F64 {
        (Array::from_vec(a64), Array::from_vec(b64))
    } else {
        let c = |v: Vec<f64>| Array::from_vec(v.into_iter().map(|x| x as f32).collect::<Vec<f32>>());
        (c(a64), c(b64))
    };
    let e = Expr::parse(src, &[("a", &a), ("b", &b)]).unwrap();
    let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
    let want = lazyfuse::internals::interp::interpret(&g, &arrays).unwrap().remove(0);
    let got = e.eval().unwrap();
    let bits = |x: &Array| -> Vec<u64> {
        x.to_scalars()
            .iter()
            .map(|s| if s.as_f64().is_nan() { u64::MAX } else { s.bits() })
            .collect()
    };
    assert_eq!(bits(&got), bits(&want), "{src} {dtype} n={n}");
}

const UNARY: [&str; 20] = [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "cbrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
];
const BINARY: [&str; 6] = ["power", "arctan2", "hypot", "fmod", "logaddexp", "logaddexp2"];

#[test]
fn every_function_compiled_equals_the_interpreter() {
    for dtype in [DType::F64, DType::F32] {
        for (k, n) in [1usize, 63, 64, 200, 1000].into_iter().enumerate() {
            for f in UNARY {
                check(&format!("{f}(a)"), dtype, n, k as u64);
                check(&format!("{f}(a) * 2 + b"), dtype, n, k as u64 + 7);
            }
            for f in BINARY {
                check(&format!("{f}(a, b)"), dtype, n, k as u64);
                check(&format!("{f}(a, 2.5)"), dtype, n, k as u64 + 3);
                check(&format!("{f}(1.5, a) + b"), dtype, n, k as u64 + 5);
            }
        }
    }
}

/// A math function of `a * k + c` (and its other affine forms) reads `a`
/// itself through `UnaryFn::affine_f64`: the same bits as the interpreter's
/// separate product and sum, for every function and both dtypes, at
/// lengths around the block and vector sizes; the clif dump shows the
/// affine call and no element loop for the operand.
#[test]
fn math_of_affine_inputs_equals_the_interpreter() {
    let forms = [
        "{f}(a * 2 - 1)",
        "{f}(a * -0.5)",
        "{f}(3 - a)",
        "{f}(a + 1e-3)",
        "{f}(0.25 - a * 1.5)",
        "{f}(2 * a + 0.5)",
    ];
    for f in lazyfuse::internals::expr::UnaryOp::ALL
        .iter()
        .filter_map(|u| u.math().map(|m| m.name))
    {
        for form in forms {
            let src = form.replace("{f}", f);
            for dtype in [DType::F64, DType::F32] {
                for n in [1, 31, 256, 1027] {
                    check(&src, dtype, n, n as u64 * 31 + 7);
                }
            }
        }
    }
    let a = Array::from_vec(vec![0.5f64; 4096]);
    let e = Expr::parse("tanh(a * 2 - 1)", &[("a", &a)]).unwrap();
    let clif = e.explain_stage("clif").unwrap();
    assert!(clif.contains("tanh_f64 affine block"), "{clif}");
    // No element loop computes the operand: no vector load at all.
    assert!(!clif.contains("load.f64x2"), "{clif}");
}

#[test]
fn sin_and_cos_of_one_value_share_a_call_with_the_same_bits() {
    for dtype in [DType::F64, DType::F32] {
        for n in [1usize, 64, 129, 1000, 4096] {
            check("sin(a) * cos(a)", dtype, n, n as u64);
            check("cos(a * 3) - sin(a * 3) + sin(b)", dtype, n, n as u64 + 1);
        }
    }
    let a = Array::from_vec(inputs_f64(1000, 9));
    let e = Expr::parse("sin(a) * cos(a)", &[("a", &a)]).unwrap();
    let clif = e.explain_stage("clif").unwrap();
    if clif.contains("sin_f64 block") || clif.contains("sincos_f64 block") {
        assert!(clif.contains("sincos_f64 block"), "{clif}");
        let rest = clif.replace("sincos_f64 block", "");
        assert!(
            !rest.contains("sin_f64 block") && !rest.contains("cos_f64 block"),
            "{clif}"
        );
    }
}

#[test]
fn the_clif_dump_shows_block_calls_and_no_libm() {
    let a = Array::from_vec(vec![0.5f64; 1000]);
    for f in UNARY {
        let clif = Expr::parse(&format!("{f}(a)"), &[("a", &a)])
            .unwrap()
            .explain_stage("clif")
            .unwrap();
        assert!(!clif.contains("libm"), "{f}: {clif}");
        assert!(clif.contains(&format!("{f}_f64")), "{f}: {clif}");
    }
}

/// Outlined kernels run in blocks of up to 256 elements, the last one
/// shorter (whole vector steps), then one element at a time: every length
/// around those boundaries, for direct, scratch, `sqrt`, division and
/// `sincos` helpers, and a kernel with so many scratch buffers that its
/// blocks are shorter.
#[test]
fn outlined_blocks_of_every_length_equal_the_interpreter() {
    let many = "exp(a) + sin(b) * log1p(abs(a)) + tanh(b) / cbrt(a + 3) + arctan(b) * expm1(a) \
                + cos(a) * sinh(b) - log(abs(b) + 1) * exp2(a) + arcsinh(a) * cosh(b)";
    let exprs = [
        "tanh(a * 2 - 1)",
        "exp(a) * b",
        "sqrt(a * a + b * b)",
        "a / (b + 30)",
        "sin(a) * cos(a)",
        many,
    ];
    let mut sizes: Vec<usize> = (1..=20).collect();
    for edge in [64usize, 128, 256, 512] {
        sizes.extend(edge - 2..=edge + 2);
    }
    sizes.extend([767, 1000, 1283]);
    for dtype in [DType::F64, DType::F32] {
        for src in exprs {
            for &n in &sizes {
                check(src, dtype, n, n as u64 * 31);
            }
        }
    }
}

/// Outputs of at least `STREAM_BYTES` per call of a memory-bound kernel
/// are staged per block and copied out with non-temporal stores (aligned
/// middles, regular heads and tails): the same bits as the interpreter, on
/// one and two threads, contiguous and in rows that do not start on a
/// cache line (each row's blocks then start unaligned).
#[test]
fn streamed_outputs_equal_the_interpreter() {
    use lazyfuse::internals::loops::outline::StreamPolicy;
    use lazyfuse::internals::runtime::eval_graph;
    use lazyfuse::ExecOptions;
    // Two threads each write more than STREAM_BYTES of the first.
    let big = lazyfuse::internals::jit::host::block::STREAM_BYTES / 4 + 4099;
    for (shape, src, streams) in [
        (vec![2 * big], "exp(a) * b", true),
        // Rows of 1021 of 1024 columns: the output's rows (1021 wide)
        // start off cache lines, so blocks have regular heads and tails.
        (vec![big / 1021 + 1, 1024], "exp(a[:, :1021]) * b[:, 3:] + 1", true),
        // Bound by arithmetic: streamed only where every kernel streams
        // (Intel's default).
        (
            vec![big + 3],
            "sin(a) * 2 + cos(b)",
            StreamPolicy::current() == StreamPolicy::All,
        ),
    ] {
        let n: usize = shape.iter().product();
        let f = |seed: u64| {
            let v: Vec<f32> = inputs_f64(n, seed).into_iter().map(|x| x as f32).collect();
            Array::from_vec(v).reshape(&shape).unwrap()
        };
        let (a, b) = (f(5), f(6));
        let e = Expr::parse(src, &[("a", &a), ("b", &b)]).unwrap();
        // A kernel that can stream stages and copies out, then fences.
        let clif = e.explain_stage("clif").unwrap();
        let has = clif.contains("stream_f32 block") && clif.contains("store_fence");
        assert_eq!(has, streams, "{src}: {clif}");
        let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
        let want = lazyfuse::internals::interp::interpret(&g, &arrays).unwrap().remove(0);
        let bits = |x: &Array| -> Vec<u64> {
            x.to_scalars()
                .iter()
                .map(|s| if s.as_f64().is_nan() { u64::MAX } else { s.bits() })
                .collect()
        };
        let want = bits(&want);
        for threads in [1, 2] {
            let got = eval_graph(&g, &arrays, &ExecOptions::default().with_threads(threads))
                .unwrap()
                .remove(0);
            assert!(bits(&got) == want, "{src} {shape:?} on {threads} threads");
        }
    }
}
