//! Issue #10's reproductions, one test each: inputs that are unusual but
//! legal must give NumPy's answer or an `Err`, never a signal, a panic, a
//! hang or a wrong answer. (The CLI's and the files' cases are in
//! `tests/cli/` and `tests/files.rs`.)

use lazyfuse::{lazy, Array, DType, Expr, Index};

fn arange(n: usize) -> Array {
    Array::from_vec((0..n).map(|x| x as f64).collect::<Vec<f64>>())
}

fn step(step: isize) -> Index {
    Index::Slice {
        start: None,
        stop: None,
        step,
    }
}

// ------------------------------------------------------ 1. huge steps

#[test]
fn huge_slice_steps_give_numpy_values() {
    let a = arange(5);
    let cases: [(Index, Vec<f64>); 5] = [
        (step(isize::MAX), vec![0.0]),
        (step(isize::MIN), vec![4.0]),
        (
            Index::Slice {
                start: Some(1),
                stop: None,
                step: isize::MAX,
            },
            vec![1.0],
        ),
        (
            Index::Slice {
                start: Some(isize::MIN),
                stop: Some(isize::MAX),
                step: isize::MAX - 1,
            },
            vec![0.0],
        ),
        (
            Index::Slice {
                start: Some(isize::MAX),
                stop: Some(isize::MIN),
                step: isize::MIN,
            },
            vec![4.0],
        ),
    ];
    for (ix, want) in cases {
        let v = a.slice(&[ix]).unwrap();
        assert_eq!(v.to_vec::<f64>().unwrap(), want, "array view {ix}");
        let e = lazy(&a).slice(&[ix]);
        assert_eq!(e.eval().unwrap().to_vec::<f64>().unwrap(), want, "expr {ix}");
        let s = e.sum().eval().unwrap().to_scalar::<f64>().unwrap();
        assert_eq!(s, want.iter().sum::<f64>(), "sum {ix}");
    }
}

#[test]
fn huge_steps_in_the_string_syntax() {
    let a = arange(5);
    for (src, want) in [
        ("a[::9223372036854775807]", 0.0),
        ("a[::-9223372036854775808]", 4.0),
        ("a[1::9223372036854775807]", 1.0),
        ("sum(a[::9223372036854775807])", 0.0),
        ("sum(a[::-9223372036854775808] * 2)", 8.0),
    ] {
        let r = Expr::parse(src, &[("a", &a)]).unwrap().eval().unwrap();
        assert_eq!(r.to_vec::<f64>().unwrap().iter().sum::<f64>(), want, "{src}");
    }
}

#[test]
fn huge_steps_on_2d_and_3d_views() {
    let a = Array::from_shape_vec(&[3, 4, 5], (0..60).map(|x| x as i64).collect()).unwrap();
    let v = a
        .slice(&[step(isize::MIN), step(isize::MAX), step(-isize::MAX)])
        .unwrap();
    assert_eq!(v.shape(), &[1, 1, 1]);
    assert_eq!(v.to_vec::<i64>().unwrap(), vec![2 * 20 + 4]);
    let e = (lazy(&a).slice(&[step(isize::MIN), step(isize::MAX), step(-isize::MAX)]) + 1).sum();
    assert_eq!(e.eval().unwrap().to_scalar::<i64>().unwrap(), 45);
    // Integer indices at the extremes are errors, not wrapped offsets.
    assert!(a.slice(&[Index::At(isize::MIN)]).is_err());
    assert!(a.slice(&[Index::At(isize::MAX)]).is_err());
    assert!(lazy(&a).slice(&[Index::At(isize::MIN)]).eval().is_err());
}

// ------------------------------------------- 1. overflowing broadcasts

#[test]
fn broadcasts_whose_size_overflows_are_errors() {
    // a of shape (2^32, 1) and b of (1, 2^32), uint8: 2^64 elements.
    let a = Array::zeros(DType::U8, &[1]).broadcast_to(&[1 << 32, 1]).unwrap();
    let b = Array::zeros(DType::U8, &[1]).broadcast_to(&[1, 1 << 32]).unwrap();
    let e = lazy(&a) + lazy(&b);
    let err = e.eval().unwrap_err().to_string();
    assert!(err.contains("too big"), "{err}");
    assert!(e.sum().eval().is_err());
    assert!(e.explain().is_err());
    // Element count fits, byte size does not: (2^31, 1) f64 + (1, 2^31).
    let a = Array::zeros(DType::F64, &[1]).broadcast_to(&[1 << 31, 1]).unwrap();
    let b = Array::zeros(DType::F64, &[1]).broadcast_to(&[1, 1 << 31]).unwrap();
    assert!((lazy(&a) * lazy(&b)).eval().is_err());
    assert!((lazy(&a) * lazy(&b)).max().eval().is_err());
    // Through the string syntax.
    assert!(Expr::parse("a + b", &[("a", &a), ("b", &b)])
        .and_then(|e| e.eval())
        .is_err());
}

#[test]
fn array_broadcast_to_checks_the_size() {
    let a = Array::from_vec(vec![1.0f64, 2.0]);
    assert!(a.broadcast_to(&[(1 << 63) + 1, 2]).is_err());
    assert!(a.broadcast_to(&[usize::MAX, 2]).is_err());
    assert!(a.broadcast_to(&[1 << 61, 2]).is_err()); // 2^62 elements, 2^65 bytes
    let ok = a.broadcast_to(&[1 << 20, 2]).unwrap();
    assert_eq!(ok.get(&[(1 << 20) - 1, 1]).unwrap(), lazyfuse::Scalar::F64(2.0));
    assert!(lazy(&a).broadcast_to(&[(1 << 63) + 1, 2]).eval().is_err());
    assert!(a.as_strided(&[1 << 62, 4], &[0, 0], 0).is_err());
}

#[test]
fn graph_text_with_huge_shapes_is_an_error() {
    let g = lazyfuse::ir::Graph::parse(
        "graph @f(%a: u8[4294967296, 1], %b: u8[1, 4294967296]) {
    %0 = add %a, %b : u8[0]
    return %0
}",
    );
    assert!(g.is_err());
    let g = lazyfuse::ir::Graph::parse(
        "graph @f(%a: f64[9223372036854775807]) {
    return %a
}",
    );
    assert!(g.is_err());
}

// ------------------------------------------------ 4. panics and aborts

#[test]
fn index_axis_and_linspace_with_huge_arguments_are_errors() {
    let a = arange(3);
    assert!(lazy(&a).index_axis(usize::MAX, 0).eval().is_err());
    assert!(lazy(&a).index_axis(1, 0).eval().is_err());
    assert!(a.index_axis(usize::MAX, 0).is_err());
    assert!(Array::linspace(0.0, 1.0, usize::MAX).is_err());
    assert!(Array::linspace(0.0, 1.0, 1 << 60).is_err());
    assert!(lazy(&a).reshape(&[usize::MAX - 1]).eval().is_err());
    assert!(a.reshape(&[usize::MAX - 1]).is_err());
}

#[test]
fn allocation_failure_is_an_error() {
    // 8e14 bytes: more than any machine here has; the system refuses it.
    assert!(Array::try_zeros(DType::F64, &[100_000_000_000_000]).is_err());
    // a[:, None] * b over two 3e6 inputs: 9e12 f64 = 72 TB.
    let a = Array::zeros(DType::F64, &[3_000_000]);
    let e = lazy(&a).insert_axis(1) * lazy(&a);
    let err = e.eval().unwrap_err().to_string();
    assert!(err.contains("memory") || err.contains("too big"), "{err}");
}

/// Runs `f` on a thread with a small stack, so recursion per level of a
/// deep expression would overflow it.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 << 10)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn an_api_built_chain_of_depth_50000_evaluates() {
    on_small_stack(|| {
        let a = arange(4);
        let mut e = lazy(&a);
        for _ in 0..50_000 {
            e = e + 1.0;
        }
        // Simplification folds nothing here (each add is on the array).
        let r = e.eval().unwrap();
        assert_eq!(r.to_vec::<f64>().unwrap(), vec![50_000.0, 50_001.0, 50_002.0, 50_003.0]);
        drop(e);
    });
}

#[test]
fn a_deep_chain_of_calls_and_views_evaluates_or_errs() {
    on_small_stack(|| {
        let a = arange(4);
        let mut e = lazy(&a);
        for k in 0..20_000 {
            e = if k % 2 == 0 { e.sin() } else { e.t() };
        }
        let r = e.eval().unwrap();
        assert_eq!(r.shape(), &[4]);
        let mut e = lazy(&a);
        for _ in 0..20_000 {
            e = -e;
        }
        assert_eq!(e.eval().unwrap().to_vec::<f64>().unwrap(), vec![0.0, 1.0, 2.0, 3.0]);
    });
}

#[test]
fn dropping_a_deep_chain_does_not_recurse() {
    on_small_stack(|| {
        let a = arange(1);
        let mut e = lazy(&a);
        for _ in 0..200_000 {
            e = e * 2.0;
        }
        drop(e);
    });
}

// ------------------------------------------- 2. ownership and aliasing

#[test]
fn writing_a_clone_never_changes_a_borrowed_slice() {
    let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
    let mut b = a.clone();
    let s: &[f64] = a.as_slice().unwrap();
    b.as_slice_mut::<f64>().unwrap()[0] = 42.0;
    assert_eq!(s, &[1.0, 2.0, 3.0]);
    assert_eq!(b.to_vec::<f64>().unwrap(), vec![42.0, 2.0, 3.0]);
    assert!(!a.shares_memory(&b));

    // eval_into a clone: the same.
    let mut c = a.clone();
    (lazy(&a) * 0.0 + 42.0).eval_into(&mut c).unwrap();
    assert_eq!(s, &[1.0, 2.0, 3.0]);
    assert_eq!(c.to_vec::<f64>().unwrap(), vec![42.0; 3]);

    // A view of a clone.
    let mut v = a.slice(&[Index::range(1, 3, 1)]).unwrap();
    (lazy(&v) * 10.0).eval_into(&mut v).unwrap();
    assert_eq!(s, &[1.0, 2.0, 3.0]);
    assert_eq!(v.to_vec::<f64>().unwrap(), vec![20.0, 30.0]);
}

#[test]
fn a_unique_array_is_written_in_place() {
    let mut a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
    assert!(a.is_unique());
    let p = a.as_ptr();
    a.as_slice_mut::<f64>().unwrap()[0] = 5.0;
    let b = Array::from_vec(vec![1.0f64; 3]);
    (lazy(&b) * 3.0).eval_into(&mut a).unwrap();
    assert_eq!(a.as_ptr(), p);
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![3.0; 3]);
}

#[test]
fn no_data_race_across_threads() {
    // A reader thread keeps a slice of `a` while the main thread writes a
    // clone: the reader sees its values throughout.
    let a = Array::from_vec(vec![1.0f64; 1 << 16]);
    let mut b = a.clone();
    let reader = {
        let a = a.clone();
        std::thread::spawn(move || {
            let s = a.as_slice::<f64>().unwrap();
            for _ in 0..200 {
                assert!(s.iter().all(|&x| x == 1.0));
            }
        })
    };
    for k in 0..50 {
        (lazy(&a) * k as f64).eval_into(&mut b).unwrap();
        b.as_slice_mut::<f64>().unwrap()[7] = -1.0;
    }
    reader.join().unwrap();
    assert_eq!(a.to_vec::<f64>().unwrap()[7], 1.0);
}

#[test]
fn writing_into_part_of_a_larger_array_uses_a_mutable_view() {
    let mut m = Array::from_shape_vec(&[3, 4], vec![0i32; 12]).unwrap();
    let row = Array::from_vec(vec![1i32, 2, 3, 4]);
    (lazy(&row) * 2)
        .eval_into(&mut m.view_mut().unwrap().index_axis(0, 1).unwrap())
        .unwrap();
    let col = Array::from_vec(vec![7i32, 8, 9]);
    {
        let mut v = m.view_mut().unwrap().t().index_axis(0, 3).unwrap();
        lazy(&col).eval_into(&mut v).unwrap();
        assert!(lazy(&row).eval_into(&mut v).is_err()); // wrong shape
    }
    {
        let mut v = m.view_mut().unwrap();
        let mut corner = v
            .reborrow()
            .slice(&[Index::range(0, 1, 1), Index::range(0, 2, 1)])
            .unwrap();
        corner.fill(lazyfuse::Scalar::I32(-1));
        v.reborrow()
            .index_axis(0, 2)
            .unwrap()
            .slice(&[Index::range(0, 2, 1)])
            .unwrap()
            .assign(&Array::from_vec(vec![5i32]))
            .unwrap();
    }
    assert_eq!(m.to_vec::<i32>().unwrap(), vec![-1, -1, 0, 7, 2, 4, 6, 8, 5, 5, 0, 9]);
}

#[test]
fn a_view_of_a_shared_array_copies_first() {
    // a[:-1] = a[1:] + a[:-1], with `a` also held by the expression.
    let n = 1000;
    let mut a = arange(n);
    let keep = a.clone();
    let (tail, head) = (
        a.slice(&[Index::range(1, n as isize, 1)]).unwrap(),
        a.slice(&[Index::range(0, n as isize - 1, 1)]).unwrap(),
    );
    let e = lazy(&tail) + lazy(&head);
    drop((tail, head));
    e.eval_into(
        &mut a
            .view_mut()
            .unwrap()
            .slice(&[Index::range(0, n as isize - 1, 1)])
            .unwrap(),
    )
    .unwrap();
    let got = a.to_vec::<f64>().unwrap();
    for (k, &v) in got.iter().enumerate().take(n - 1) {
        assert_eq!(v, (2 * k + 1) as f64, "element {k}");
    }
    assert_eq!(got[n - 1], (n - 1) as f64);
    assert_eq!(keep.to_vec::<f64>().unwrap(), arange(n).to_vec::<f64>().unwrap());
}

#[test]
fn deep_chains_explain_and_interpret() {
    on_small_stack(|| {
        let a = arange(3);
        let mut e = lazy(&a);
        for k in 0..20_000 {
            e = if k % 3 == 0 { e.cos() } else { e * 0.5 + 1.0 };
        }
        let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
        let want = lazyfuse::internals::interp::interpret(&g, &arrays).unwrap();
        assert_eq!(e.eval().unwrap(), want[0]);
        assert!(e.explain_stage("fused").unwrap().len() > 20_000);
        assert!(format!("{e:?}").len() > 20_000);
        // The graph text parses back (line-based: no recursion either).
        let text = g.to_string();
        let g2 = lazyfuse::ir::Graph::parse(&text).unwrap();
        assert_eq!(g2.to_string(), text);
    });
}

#[test]
fn extreme_strides_on_length_one_axes() {
    // A length-1 axis may have any stride (it is never stepped); kernels
    // must not compute with it.
    let base = arange(10);
    for (shape, strides) in [
        (vec![1usize, 5], vec![isize::MAX, 1]),
        (vec![5, 1], vec![2, isize::MIN]),
        (vec![1, 1, 5], vec![isize::MIN, isize::MAX, -1]),
    ] {
        let off = if strides.last() == Some(&-1) { 4 } else { 0 };
        let a = base.as_strided(&shape, &strides, off).unwrap();
        let want: Vec<f64> = a.to_vec::<f64>().unwrap();
        let x = lazy(&a);
        for e in [
            &x * 2.0,
            x.sin() + x.t().t(),
            (&x + x.t().t()).sqrt(),
            x.sum_axes(&[0], true),
            x.max_axes(&[-1], false),
        ] {
            let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
            let reference = lazyfuse::internals::interp::interpret(&g, &arrays).unwrap();
            assert_eq!(e.eval().unwrap(), reference[0], "{shape:?} {strides:?}");
        }
        assert_eq!((x * 1.0).eval().unwrap().to_vec::<f64>().unwrap(), want);
    }
}

#[test]
fn a_destination_whose_elements_overlap_is_refused() {
    // Sliding windows over a buffer nothing else holds: unique, so no copy
    // on write; writing them from several threads would race.
    let base = arange(8);
    let mut w = base.as_strided(&[4, 3], &[1, 1], 0).unwrap();
    drop(base);
    let src = Array::from_shape_vec(&[4, 3], vec![1.0f64; 12]).unwrap();
    let err = (lazy(&src) * 2.0).eval_into(&mut w).unwrap_err().to_string();
    assert!(err.contains("overlap"), "{err}");
    let mut b = Array::zeros(DType::F64, &[1]).broadcast_to(&[12]).unwrap();
    assert!(lazy(arange(12)).eval_into(&mut b).is_err());
    // A reversed, transposed or strided non-overlapping view is fine.
    let mut m = Array::from_shape_vec(&[3, 4], vec![0.0f64; 12]).unwrap();
    let t = Array::from_shape_vec(&[4, 3], (0..12).map(|x| x as f64).collect()).unwrap();
    lazy(&t).eval_into(&mut m.view_mut().unwrap().t()).unwrap();
    assert_eq!(m.to_vec::<f64>().unwrap()[..4], [0.0, 3.0, 6.0, 9.0]);
}
