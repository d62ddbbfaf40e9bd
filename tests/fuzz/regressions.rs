//! Regression tests for what the fuzzer found (one per bug), and a check that
//! the comparison itself can fail.

use super::common::*;
use super::stage_texts::roundtrip;
use lazyfuse::internals::plan::BufferPlan;
use lazyfuse::internals::runtime::ExecOptions;
use lazyfuse::ir::Graph;
use lazyfuse::{Array, DType, Error, Expr, Index};

/// `graph_ir_text` seeds 8589939900 and 8589940171: reversing (or indexing)
/// an empty array with a huge axis beside its zero-length one put the
/// view's offset at `2^62 - 1` elements, whose byte offset overflowed
/// (a debug-build panic in the layout check; in release an offset far
/// outside the buffer). An empty view now keeps its parent's offset.
#[test]
fn empty_view_of_huge_axis_keeps_offset() {
    for shape in [[1usize << 62, 0], [0, isize::MAX as usize]] {
        let a = Array::zeros(DType::U64, &shape);
        let rev = |axis: usize| {
            let mut ix = vec![Index::FULL; 2];
            ix[axis] = Index::Slice {
                start: None,
                stop: None,
                step: -1,
            };
            ix
        };
        let last = vec![
            Index::FULL,
            Index::Slice {
                start: Some(-1),
                stop: None,
                step: 1,
            },
        ];
        for ix in [rev(0), rev(1), last] {
            let v = a.slice(&ix).expect("an empty view");
            assert!(v.is_empty());
            assert_eq!(v.offset(), 0);
            let e = Expr::parse("x[::-1] + 1", &[("x", &v)]).expect("parses");
            assert_eq!(e.eval().expect("evaluates").shape(), v.shape());
        }
        if shape[0] > 0 {
            assert_eq!(a.index_axis(0, 5).expect("a row").offset(), 0);
        }
    }
    // The same through the graph IR, evaluated by both evaluators.
    let text = "graph @f(%a: u64[4611686018427387904, 0]) {\n    %0 = index %a, [::-1] : u64[4611686018427387904, 0]\n    return %0\n}\n";
    let g = Graph::parse(text).expect("the graph parses");
    assert_eq!(g.to_string(), text);
    let a = Array::zeros(DType::U64, &[1 << 62, 0]);
    let want = lazyfuse::internals::interp::interpret(&g, std::slice::from_ref(&a)).expect("interpreter");
    let got = lazyfuse::internals::runtime::eval_graph(&g, &[a], &ExecOptions::default()).expect("JIT");
    assert_eq!(want, got);
}

/// The comparison can fail: one changed bit, a NaN against a number, a
/// different dtype or shape, `Ok` against `Err`, different messages and an
/// internal error are all caught; any NaN equals any NaN, and `-0.0` equals
/// `0.0` only under a float `min`/`max` reduction.
#[test]
fn comparison_catches_differences() {
    let a = Array::from_vec(vec![1.0f64, f64::NAN, -0.0]);
    let graph = |src: &str| {
        let e = Expr::parse(src, &[("a", &a)]).expect("parses");
        lazyfuse::internals::pipeline::build_graph(&[e]).expect("builds").0
    };
    let (plain, minmax, summed) = (graph("a + a"), graph("max(a) + a"), graph("sum(a) + a"));
    assert_eq!(exactness(&plain), Exactness::Bits);
    assert_eq!(exactness(&minmax), Exactness::SignlessZero);
    assert_eq!(exactness(&summed), Exactness::TypeOnly);
    assert_eq!(exactness(&graph("sum(a)")), Exactness::Tolerance);
    let f = |v: Vec<f64>| Ok(vec![Array::from_vec(v)]);
    let check = |g: &Graph, x: lazyfuse::Result<Vec<Array>>, y: lazyfuse::Result<Vec<Array>>| {
        agree("JIT", g, &x, &y, &mut Case::default()).is_ok()
    };
    let nan2 = f64::from_bits(f64::NAN.to_bits() | 1);
    assert!(check(&plain, f(vec![1.0, f64::NAN, 0.0]), f(vec![1.0, nan2, 0.0])));
    assert!(!check(&plain, f(vec![1.0, f64::NAN, 0.0]), f(vec![1.0, 2.0, 0.0])));
    assert!(!check(
        &plain,
        f(vec![1.0]),
        f(vec![f64::from_bits(1.0f64.to_bits() + 1)])
    ));
    assert!(!check(&plain, f(vec![0.0]), f(vec![-0.0])));
    assert!(check(&minmax, f(vec![0.0]), f(vec![-0.0])));
    assert!(!check(&minmax, f(vec![1.0]), f(vec![2.0])));
    assert!(!check(&plain, f(vec![1.0]), Ok(vec![Array::from_vec(vec![1.0f32])])));
    assert!(!check(&plain, f(vec![1.0]), f(vec![1.0, 1.0])));
    assert!(!check(&plain, f(vec![1.0]), Err(Error::Value("x".into()))));
    assert!(check(
        &plain,
        Err(Error::Value("x".into())),
        Err(Error::Value("x".into()))
    ));
    assert!(!check(
        &plain,
        Err(Error::Value("x".into())),
        Err(Error::Value("y".into()))
    ));
    assert!(!check(
        &plain,
        Err(Error::Internal("x".into())),
        Err(Error::Internal("x".into()))
    ));
    assert!(check(&graph("sum(a)"), f(vec![1.0]), f(vec![1.0 + 1e-12])));
    assert!(!check(&graph("sum(a)"), f(vec![1.0]), f(vec![1.1])));
    assert!(check(&summed, f(vec![1.0]), f(vec![1.1])));
    assert!(!check(&summed, f(vec![1.0]), f(vec![1.0, 1.0])));
}

/// `graph_ir_text` seed 8589953852: `var` of finite data whose shifted
/// squares overflow (`[4, 1e300, -1]`) gave NaN (`inf - inf` in the
/// one-pass finish) where NumPy gives inf; and with squares that fit but
/// a sum whose square does not (`d * d` overflowing), the variance came
/// out 0. Both now match the interpreter (NumPy's two passes).
#[test]
fn var_of_overflowing_squares() {
    let c = 1e153;
    let mut big = vec![0.0f64];
    big.extend(std::iter::repeat_n(c, 63));
    for (data, inf) in [
        (vec![4.0, 1e300, -1.0], true),
        (vec![-3.0, 1e300, 1e300, 1.0], true),
        (big, false),
    ] {
        let a = Array::from_vec(data.clone());
        for src in ["var(a)", "std(a)", "var(a, ddof=1)"] {
            let e = Expr::parse(src, &[("a", &a)]).expect("parses");
            let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).expect("builds");
            let want = lazyfuse::internals::interp::interpret(&g, &arrays).expect("interpreter")[0]
                .to_scalar::<f64>()
                .unwrap();
            let got = e.eval().expect("JIT").to_scalar::<f64>().unwrap();
            assert_eq!(want.is_infinite(), inf, "{src} of {data:?}: interpreter {want}");
            assert!(
                got == want || (got - want).abs() <= 1e-9 * want.abs(),
                "{src} of {data:?}: JIT {got}, interpreter {want}"
            );
        }
    }
}

/// `stage_texts` seed 12885187712: a `plan` text with buffers of
/// 9223372036854775807 bytes parsed, and printing it panicked adding the
/// sizes up (`planned_bytes`); the total now saturates.
#[test]
fn plan_with_huge_buffers_prints() {
    let text = "plan @f(%a, %b) {\n    buf0 8 : %t0\n    buf1 9223372036854775807 : %t2\n    buf2 9223372036854775807 output : %t1\n    peak 12\n    eager 3 17\n}\n";
    let p = BufferPlan::parse(text).expect("parses");
    assert_eq!(p.planned_bytes(), usize::MAX);
    roundtrip(p, BufferPlan::parse).expect("prints and parses back");
}

/// `graph_ir_text` seeds 8590046724 and 8590096667 (found while building
/// their seed expressions): Python literal `%` computed `x - (x // y) * y`
/// in i128, whose product overflowed (`(2**127 - 1) % -257` panicked), and
/// `(-2**127) // -1` overflowed the division. Now Python's values, and an
/// error where the quotient does not fit.
#[test]
fn literal_modulo_of_huge_ints() {
    let max = "170141183460469231731687303715884105727";
    let eval = |src: &str| {
        Expr::parse(src, &[])
            .and_then(|e| e.eval())
            .map(|a| a.to_scalar::<i64>().unwrap())
    };
    assert_eq!(eval(&format!("{max} % -257")).unwrap(), -129);
    assert_eq!(eval(&format!("{max} // -257 % 7")).unwrap(), 2);
    assert_eq!(eval(&format!("(-{max} - 1) % 255")).unwrap(), 127);
    assert_eq!(eval(&format!("(-{max} - 1) % -1")).unwrap(), 0);
    let err = eval(&format!("(-{max} - 1) // -1")).unwrap_err();
    assert!(
        err.to_string().ends_with("integer literal arithmetic overflows"),
        "{err}"
    );
}
