//! Hand-picked NumPy 2 cases for the interpreter: evaluation (broadcasts,
//! views, casts, errors) and robustness (every graph `Graph::add` accepts
//! evaluates). Every expected value was produced by NumPy 2.4 (noted next
//! to each case); float results are compared bit for bit. The reductions
//! are in `reduce_tests.rs`.

use super::*;
use crate::array::DType;
use crate::ops::{BinaryOp, UnaryOp};

fn run(text: &str, inputs: &[Array]) -> Result<Vec<Array>> {
    interpret(&Graph::parse(text).expect("test graph parses"), inputs)
}

fn run1(text: &str, inputs: &[Array]) -> Array {
    let mut out = run(text, inputs).expect("evaluates");
    assert_eq!(out.len(), 1);
    out.remove(0)
}

/// Same bits, except that any NaN matches any NaN.
fn same_f64(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.to_bits() == w.to_bits() || g.is_nan() && w.is_nan())
}

// ------------------------------------------------------------- evaluation

#[test]
fn broadcasts_strided_operands() {
    // a = [[1.5], [-2.0], [3.25]] given as a transposed (strided) view;
    // NumPy: a % b and a // b with b = [0.5, -1.0, 2.0, 0.0].
    let a = Array::from_shape_vec(&[1, 3], vec![1.5f64, -2.0, 3.25]).unwrap().t();
    let b = Array::from_vec(vec![0.5f64, -1.0, 2.0, 0.0]);
    let out = run(
        "graph @f(%a: f64[3, 1], %b: f64[4]) {
            %0 = mod %a, %b : f64[3, 4]
            %1 = floordiv %a, %b : f64[3, 4]
            return %0, %1
        }",
        &[a, b],
    )
    .unwrap();
    let nan = f64::NAN;
    assert!(same_f64(
        &out[0].to_vec::<f64>().unwrap(),
        &[0.0, -0.5, 1.5, nan, 0.0, -0.0, 0.0, nan, 0.25, -0.75, 1.25, nan]
    ));
    let inf = f64::INFINITY;
    assert_eq!(
        out[1].to_vec::<f64>().unwrap(),
        [3.0, -2.0, 0.0, inf, -4.0, 2.0, -1.0, -inf, 6.0, -4.0, 1.0, inf]
    );
}

#[test]
fn views_are_applied() {
    // NumPy: A = arange(12, dtype=int32).reshape(3, 4);
    // A[::-1, 1:4:2].T.reshape(6) and broadcast_to(A[None, 1, ...], (2, 4)).
    let a = Array::from_shape_vec(&[3, 4], (0..12).collect::<Vec<i32>>()).unwrap();
    let out = run(
        "graph @f(%a: i32[3, 4]) {
            %0 = index %a, [::-1, 1:4:2] : i32[3, 2]
            %1 = permute %0, [1, 0] : i32[2, 3]
            %2 = reshape %1, [6] : i32[6]
            %3 = index %a, [None, 1, ...] : i32[1, 4]
            %4 = broadcast %3, [2, 4] : i32[2, 4]
            return %2, %4
        }",
        std::slice::from_ref(&a),
    )
    .unwrap();
    assert_eq!(out[0].to_vec::<i32>().unwrap(), [9, 5, 1, 11, 7, 3]);
    assert_eq!(out[1].to_vec::<i32>().unwrap(), [4, 5, 6, 7, 4, 5, 6, 7]);
    for o in &out {
        assert!(o.is_c_contiguous());
        assert!(!o.shares_memory(&a));
    }
}

#[test]
fn outputs_are_fresh_contiguous_arrays() {
    let a = Array::from_shape_vec(&[2, 2], vec![1u8, 2, 3, 4]).unwrap();
    let text = "graph @f(%a: u8[2, 2]) {
        %0 = permute %a, [1, 0] : u8[2, 2]
        return %a, %0, %0
    }";
    let out = run(text, std::slice::from_ref(&a)).unwrap();
    assert_eq!(out[0].to_vec::<u8>().unwrap(), [1, 2, 3, 4]);
    assert_eq!(out[1].to_vec::<u8>().unwrap(), [1, 3, 2, 4]);
    assert!(!out[0].shares_memory(&a) && !out[1].shares_memory(&a));
    assert!(!out[1].shares_memory(&out[2]));
    assert!(out.iter().all(|o| o.is_c_contiguous()));
}

#[test]
fn constants_where_and_casts() {
    // NumPy: q = [2.7, -2.7, 1e10, nan, -0.5];
    // where(q > 0, q, -q) * 2.0 and q.astype(int32) (finite in-range part).
    let q = Array::from_vec(vec![2.7f64, -2.7, 1e10, f64::NAN, -0.5]);
    let out = run(
        "graph @f(%q: f64[5]) {
            %0 = const 0.0 : f64[]
            %1 = gt %q, %0 : bool[5]
            %2 = neg %q : f64[5]
            %3 = where %1, %q, %2 : f64[5]
            %4 = const 2.0 : f64[]
            %5 = mul %3, %4 : f64[5]
            %6 = cast %q : i32[5]
            return %5, %6
        }",
        &[q],
    )
    .unwrap();
    assert!(same_f64(
        &out[0].to_vec::<f64>().unwrap(),
        &[5.4, 5.4, 2e10, f64::NAN, 1.0]
    ));
    let ints = out[1].to_vec::<i32>().unwrap();
    assert_eq!([ints[0], ints[1], ints[4]], [2, -2, 0]);
}

#[test]
fn negative_integer_power_is_a_value_error() {
    // NumPy: ValueError "Integers to negative integer powers are not allowed."
    let text = "graph @f(%a: i64[2], %b: i64[2]) {
        %0 = pow %a, %b : i64[2]
        return %0
    }";
    let a = Array::from_vec(vec![2i64, 2]);
    let err = run(text, &[a.clone(), Array::from_vec(vec![3i64, -1])]).unwrap_err();
    assert_eq!(
        err,
        Error::Value("integers to negative integer powers are not allowed".into())
    );
    let ok = run1(text, &[a, Array::from_vec(vec![3i64, 0])]);
    assert_eq!(ok.to_vec::<i64>().unwrap(), [8, 1]);
}

#[test]
fn dead_nodes_are_not_evaluated() {
    let text = "graph @f(%a: i64[2], %b: i64[2]) {
        %0 = pow %a, %b : i64[2]
        %1 = add %a, %b : i64[2]
        return %1
    }";
    let out = run1(text, &[Array::from_vec(vec![2i64, 2]), Array::from_vec(vec![1i64, -1])]);
    assert_eq!(out.to_vec::<i64>().unwrap(), [3, 1]);
}

#[test]
fn inputs_must_match_the_graph() {
    let text = "graph @f(%a: f64[3]) {
        %0 = neg %a : f64[3]
        return %0
    }";
    let err = |inputs: &[Array]| run(text, inputs).unwrap_err();
    assert!(matches!(err(&[]), Error::Shape(_)));
    assert!(matches!(
        err(&[Array::from_vec(vec![1.0f32, 2.0, 3.0])]),
        Error::Type(_)
    ));
    let e = err(&[Array::from_vec(vec![1.0f64, 2.0])]);
    assert_eq!(
        e,
        Error::Shape("input %a has shape [3], got an array of shape [2]".into())
    );
}

// ------------------------------------------------------------- robustness

/// Edge values of every dtype, as an array of `shape` (cycled).
fn edge_array(dtype: DType, shape: &[usize]) -> Array {
    let edges = [0.0, -0.0, 1.0, -1.0, 2.5, -7.0, 127.0, 1e300, f64::NAN, f64::INFINITY];
    let mut a = Array::zeros(dtype, shape);
    let vals: Vec<Scalar> = (0..a.len())
        .map(|i| Scalar::F64(edges[i % edges.len()]).cast(dtype))
        .collect();
    a.assign_scalars(&vals);
    a
}

#[test]
fn every_accepted_graph_evaluates() {
    use crate::expr::ops::ReduceOp;
    for t in DType::ALL {
        for &u in UnaryOp::ALL {
            let mut g = Graph::new();
            let a = g.add_input("a", t, &[10]).unwrap();
            let Ok(n) = g.add(Op::Unary(u), &[a]) else { continue };
            g.set_outputs(vec![n]);
            let out = interpret(&g, &[edge_array(t, &[10])]);
            assert!(out.is_ok(), "{u} on {t}: {out:?}");
        }
        for &b in BinaryOp::ALL {
            let mut g = Graph::new();
            let x = g.add_input("x", t, &[10, 1]).unwrap();
            let y = g.add_input("y", t, &[10]).unwrap();
            let Ok(n) = g.add(Op::Binary(b), &[x, y]) else { continue };
            g.set_outputs(vec![n]);
            let out = interpret(&g, &[edge_array(t, &[10, 1]), edge_array(t, &[10])]);
            match out {
                Ok(o) => assert_eq!(o[0].shape(), &[10, 10]),
                Err(Error::Value(_)) if b == BinaryOp::Pow => {}
                Err(e) => panic!("{b} on {t}: {e}"),
            }
        }
        for &r in ReduceOp::ALL {
            for shape in [&[3, 4][..], &[2, 0], &[], &[0]] {
                for axes in [vec![], vec![0], vec![1], vec![0, 1]] {
                    for (keepdims, ddof) in [(false, 0), (true, 1), (false, 5)] {
                        let mut g = Graph::new();
                        let x = g.add_input("x", t, shape).unwrap();
                        let op = Op::Reduce {
                            op: r,
                            axes: axes.clone(),
                            keepdims,
                            ddof,
                        };
                        let Ok(n) = g.add(op, &[x]) else { continue };
                        g.set_outputs(vec![n]);
                        let out = interpret(&g, &[edge_array(t, shape)]);
                        assert!(out.is_ok(), "{r} {axes:?} of {t}{shape:?}: {out:?}");
                    }
                }
            }
        }
    }
}
