//! `eval_into` stays correct when the destination overlaps an input, and
//! writes directly when it does not; repeated evaluation reuses the cached
//! graph; `lazy(array)` hands the array over.

use lazyfuse::{lazy, Array, DType, Index};

fn arange(n: usize) -> Array {
    Array::from_vec((0..n).map(|x| x as f64).collect::<Vec<f64>>())
}

#[test]
fn overlapping_destination_gets_numpy_results() {
    // a[:-1] = a[1:] + a[:-1]  (NumPy evaluates the right side first)
    let n = 1000;
    let a = arange(n);
    let tail = a
        .slice(&[Index::Slice {
            start: Some(1),
            stop: None,
            step: 1,
        }])
        .unwrap();
    let head = a
        .slice(&[Index::Slice {
            start: None,
            stop: Some(-1),
            step: 1,
        }])
        .unwrap();
    let e = lazy(&tail) + lazy(&head);
    let mut a = a;
    let mut dst = a
        .view_mut()
        .unwrap()
        .slice(&[Index::Slice {
            start: None,
            stop: Some(-1),
            step: 1,
        }])
        .unwrap();
    e.eval_into(&mut dst).unwrap();
    let got = a.to_vec::<f64>().unwrap();
    for (k, &v) in got.iter().enumerate().take(n - 1) {
        assert_eq!(v, (2 * k + 1) as f64, "element {k}");
    }
    assert_eq!(got[n - 1], (n - 1) as f64);

    // Reversed in place: a[:] = a[::-1] * 2
    let a = arange(257);
    let rev = a
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: -1,
        }])
        .unwrap();
    let mut a = a;
    (lazy(&rev) * 2.0).eval_into(&mut a).unwrap();
    let got = a.to_vec::<f64>().unwrap();
    assert!(
        got.iter().enumerate().all(|(k, &v)| v == (256 - k) as f64 * 2.0),
        "{got:?}"
    );

    // A transposed square matrix written over itself.
    let m = Array::from_shape_vec(&[33, 33], (0..33 * 33).map(|x| x as i64).collect()).unwrap();
    let mut m = m;
    let mt = m.t();
    (lazy(&mt) + 1).eval_into(&mut m).unwrap();
    let want: Vec<i64> = (0..33 * 33).map(|k| ((k % 33) * 33 + k / 33) as i64 + 1).collect();
    assert_eq!(m.to_vec::<i64>().unwrap(), want);
}

#[test]
fn disjoint_halves_of_one_buffer_do_not_overlap() {
    let a = arange(100);
    let lo = a.slice(&[Index::range(0, 50, 1)]).unwrap();
    let hi = a.slice(&[Index::range(50, 100, 1)]).unwrap();
    assert!(lo.shares_memory(&hi) && !lo.may_overlap(&hi));
    let evens = a
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: 2,
        }])
        .unwrap();
    assert!(evens.may_overlap(&hi));
    // Writing the upper half from the lower one, through a mutable view.
    let e = lazy(&lo) * 3.0;
    drop((lo, hi, evens));
    let mut a = a;
    e.eval_into(&mut a.view_mut().unwrap().slice(&[Index::range(50, 100, 1)]).unwrap())
        .unwrap();
    assert_eq!(a.to_vec::<f64>().unwrap()[48..53], [48.0, 49.0, 0.0, 3.0, 6.0]);
}

#[test]
fn eval_into_rejects_bad_destinations() {
    let a = arange(10);
    let e = lazy(&a) + 1.0;
    assert!(e.eval_into(&mut Array::zeros(DType::F32, &[10])).is_err());
    assert!(e.eval_into(&mut Array::zeros(DType::F64, &[11])).is_err());
    let mut b = Array::zeros(DType::F64, &[1]).broadcast_to(&[10]).unwrap();
    assert!(e.eval_into(&mut b).is_err());
}

#[test]
fn handed_over_arrays_are_overwritten_in_place() {
    let a = arange(1000);
    let p = a.as_ptr();
    let e = lazy(a) * 2.0 + 1.0;
    let r = e.eval().unwrap();
    assert_eq!(r.as_ptr(), p, "the result reuses the handed-over buffer");
    assert_eq!(r.to_vec::<f64>().unwrap()[999], 1999.0);
    // Its memory is gone: evaluating again is a clear error, not stale data.
    let err = e.eval().unwrap_err().to_string();
    assert!(err.contains("handed over by value"), "{err}");
    drop(r);

    // Not reused (the result has another shape): the expression keeps it.
    let a = arange(1000);
    let s = lazy(a).sum();
    assert_eq!(s.eval().unwrap().to_scalar::<f64>().unwrap(), 499500.0);
    assert_eq!(s.eval().unwrap().to_scalar::<f64>().unwrap(), 499500.0);

    // Someone else still holds it: never overwritten.
    let a = arange(1000);
    let keep = a.clone();
    let r = (lazy(a) * 2.0).eval().unwrap();
    assert!(!r.shares_memory(&keep));
    assert_eq!(keep.to_vec::<f64>().unwrap()[10], 10.0);
}

/// Outlined `sqrt`/division whose result goes straight into the output
/// block, with the output over a handed-over input (in place) and into an
/// `eval_into` destination that is an input: every input element is read
/// before its block is overwritten.
#[test]
fn outlined_results_written_in_place_over_inputs() {
    for n in [1usize, 63, 64, 65, 200, 1000, 4097] {
        let want: Vec<f64> = (0..n)
            .map(|i| {
                let x = i as f64 * 0.5 - 7.0;
                let y = (x * x + x / 3.0).sqrt();
                (y - x) / (x * 0.25 + 100.0)
            })
            .collect();
        let mk = || Array::from_vec((0..n).map(|i| i as f64 * 0.5 - 7.0).collect::<Vec<f64>>());
        let a = mk();
        let p = a.as_ptr();
        // Donated: the plan writes over `a`.
        let x = lazy(a);
        let e = ((&x * &x + &x / 3.0).sqrt() - &x) / (&x * 0.25 + 100.0);
        let r = e.eval().unwrap();
        if n >= 2 {
            assert_eq!(r.as_ptr(), p, "n={n}: written in place");
        }
        assert_eq!(r.to_vec::<f64>().unwrap(), want, "n={n} donated");
        // eval_into the input itself (overlap: through a temporary).
        let mut b = mk();
        let xb = lazy(&b);
        let e = ((&xb * &xb + &xb / 3.0).sqrt() - &xb) / (&xb * 0.25 + 100.0);
        e.eval_into(&mut b).unwrap();
        assert_eq!(b.to_vec::<f64>().unwrap(), want, "n={n} eval_into");
    }
}

/// One fused kernel with two outputs, each written in place over a
/// handed-over input that the kernel also reads for the other output (the
/// JIT interleaves unroll slots, moving one slot's loads past another
/// slot's stores: sound only because slots touch different elements).
#[test]
fn two_outputs_in_place_over_two_inputs() {
    for n in [1usize, 2, 3, 7, 8, 9, 15, 16, 17, 33, 100, 1001, 4099] {
        let av: Vec<f64> = (0..n).map(|i| i as f64 * 0.25 - 3.0).collect();
        let bv: Vec<f64> = (0..n).map(|i| 100.0 - i as f64).collect();
        let want0: Vec<f64> = av
            .iter()
            .zip(&bv)
            .map(|(&a, &b)| ((a * 2.0 + b) * a - 1.5) * a)
            .collect();
        let want1: Vec<f64> = av
            .iter()
            .zip(&bv)
            .map(|(&a, &b)| ((b * 3.0 - a) * b + 0.5) * b)
            .collect();
        let (a, b) = (Array::from_vec(av), Array::from_vec(bv));
        let (x, y) = (lazy(a), lazy(b));
        let e0 = ((&x * 2.0 + &y) * &x - 1.5) * &x;
        let e1 = ((&y * 3.0 - &x) * &y + 0.5) * &y;
        let r = lazyfuse::internals::pipeline::eval_many(&[e0, e1]).unwrap();
        assert_eq!(r[0].to_vec::<f64>().unwrap(), want0, "n={n} out0");
        assert_eq!(r[1].to_vec::<f64>().unwrap(), want1, "n={n} out1");
    }
}

/// Math helpers that read their operand's block straight from an input
/// (`Outline::source`), with outputs written over handed-over inputs: a
/// helper never reads an input block that this kernel already overwrote.
/// The oracle is the same expressions on borrowed inputs (never written).
#[test]
fn math_helpers_reading_inputs_in_place() {
    type Build = fn(&lazyfuse::Expr, &lazyfuse::Expr) -> Vec<lazyfuse::Expr>;
    let cases: [(&str, Build); 9] = [
        ("tanh(a)", |x, _| vec![x.tanh()]),
        // The helper reads a * 2 - 1 itself (an affine source), in place.
        ("tanh(a * 2 - 1)", |x, _| vec![(x * 2.0 - 1.0).tanh()]),
        ("exp(1 - a * 0.5), a * 3", |x, _| vec![(1.0 - x * 0.5).exp(), x * 3.0]),
        ("sin(a + 1) * b", |x, y| vec![(x + 1.0).sin() * y]),
        ("a + 1, exp(a) * b", |x, y| vec![x + 1.0, x.exp() * y]),
        ("exp(a) * b, a + 1", |x, y| vec![x.exp() * y, x + 1.0]),
        ("exp(a), a * 2 + b", |x, y| vec![x.exp(), x * 2.0 + y]),
        ("tanh(a), exp(b)", |x, y| vec![x.tanh(), y.exp()]),
        ("log1p(b) * a, sin(b) - a", |x, y| vec![y.log1p() * x, y.sin() - x]),
    ];
    for n in [1usize, 7, 8, 64, 255, 256, 257, 1000, 4099] {
        let av: Vec<f64> = (0..n).map(|i| i as f64 * 0.01 - 3.0).collect();
        let bv: Vec<f64> = (0..n).map(|i| 5.0 - i as f64 * 0.003).collect();
        for (name, build) in cases {
            let (a, b) = (Array::from_vec(av.clone()), Array::from_vec(bv.clone()));
            let want = lazyfuse::internals::pipeline::eval_many(&build(&lazy(&a), &lazy(&b))).unwrap();
            let got = lazyfuse::internals::pipeline::eval_many(&build(&lazy(a), &lazy(b))).unwrap();
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                let bits = |x: &Array| {
                    x.to_vec::<f64>()
                        .unwrap()
                        .iter()
                        .map(|v| v.to_bits())
                        .collect::<Vec<_>>()
                };
                assert_eq!(bits(g), bits(w), "{name}: output {k}, n={n}");
            }
        }
    }
}
