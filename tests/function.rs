//! `Function`: compile once, call many. Every call is checked against the
//! eager expression built on the same arrays (`lazy`), which the
//! differential tests tie to the reference interpreter.

use lazyfuse::{lazy, Array, DType, Expr, Function, Index};

fn f64s(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = lazyfuse::internals::array::random::SplitMix64(seed);
    (0..n).map(|_| rng.next_f64() * 4.0 - 2.0).collect()
}

fn arr(shape: &[usize], seed: u64) -> Array {
    Array::from_shape_vec(shape, f64s(shape.iter().product(), seed)).unwrap()
}

#[test]
fn calls_equal_eager_evaluation_for_many_shapes() {
    let x = Expr::input("x", DType::F64);
    let y = Expr::input("y", DType::F64);
    let f = ((&x * 2.0 + y.sin()) / (x.abs() + 1.0)).compile().unwrap();
    for (sx, sy) in [
        (vec![0], vec![0]),
        (vec![1], vec![1]),
        (vec![7], vec![7]),
        (vec![1000], vec![1000]),
        (vec![3, 4], vec![4]),
        (vec![3, 1], vec![1, 5]),
        (vec![], vec![6]),
        (vec![2, 3, 4], vec![2, 3, 4]),
    ] {
        let (a, b) = (arr(&sx, 1), arr(&sy, 2));
        let got = f.call(&[("x", &a), ("y", &b)]).unwrap();
        let xa = lazy(&a);
        let want = ((&xa * 2.0 + lazy(&b).sin()) / (xa.abs() + 1.0)).eval().unwrap();
        assert_eq!(got, want, "shapes {sx:?} {sy:?}");
    }
    // Order of the named arguments does not matter.
    let (a, b) = (arr(&[5], 3), arr(&[5], 4));
    assert_eq!(
        f.call(&[("y", &b), ("x", &a)]).unwrap(),
        f.call(&[("x", &a), ("y", &b)]).unwrap()
    );
}

#[test]
fn shape_dependent_front_end_calls_are_replayed_per_shape() {
    // Axis normalisation, slicing, transposes, reshapes and keepdims are
    // resolved against each call's shapes.
    let x = Expr::input("x", DType::F64);
    let z = (&x - x.mean_axes(&[-1], true)) / (x.std_axes(&[-1], true, 0) + 1e-9);
    let f = z.compile().unwrap();
    let g = x.slice(&[Index::range(1, -1, 1)]).t().compile().unwrap();
    let h = x.reshape(&[usize::MAX]).sum().compile().unwrap();
    for shape in [vec![4, 3], vec![10, 8], vec![2, 1]] {
        let a = arr(&shape, 9);
        let xa = lazy(&a);
        let want = (&xa - xa.mean_axes(&[-1], true)) / (xa.std_axes(&[-1], true, 0) + 1e-9);
        assert_eq!(f.call(&[("x", &a)]).unwrap(), want.eval().unwrap());
        assert_eq!(
            g.call(&[("x", &a)]).unwrap(),
            xa.slice(&[Index::range(1, -1, 1)]).t().eval().unwrap()
        );
        assert_eq!(
            h.call(&[("x", &a)]).unwrap(),
            xa.reshape(&[usize::MAX]).sum().eval().unwrap()
        );
    }
}

#[test]
fn weak_scalars_keep_the_input_dtype_and_ints_work() {
    let x = Expr::input("x", DType::F32);
    let f = (&x * 2.5 + 1).compile().unwrap();
    let a = Array::from_vec(vec![1.0f32, 2.0]);
    let r = f.call(&[("x", &a)]).unwrap();
    assert_eq!(r.dtype(), DType::F32);
    assert_eq!(r.to_vec::<f32>().unwrap(), vec![3.5, 6.0]);

    let i = Expr::input("i", DType::I32);
    let g = Expr::where_(i.less(0), -&i, &i * 3).compile().unwrap();
    let b = Array::from_vec(vec![-4i32, 5, 0]);
    assert_eq!(g.call(&[("i", &b)]).unwrap().to_vec::<i32>().unwrap(), vec![4, 15, 0]);
}

#[test]
fn parse_builds_the_same_function() {
    let f = Function::parse(
        "where(a > 0, sqrt(a), -a) + sum(b, axis=0)",
        &[("a", DType::F64), ("b", DType::F64)],
    )
    .unwrap();
    let (a, b) = (arr(&[3, 4], 5), arr(&[3, 4], 6));
    let want = Expr::parse("where(a > 0, sqrt(a), -a) + sum(b, axis=0)", &[("a", &a), ("b", &b)])
        .unwrap()
        .eval()
        .unwrap();
    assert_eq!(f.call(&[("a", &a), ("b", &b)]).unwrap(), want);
    assert_eq!(
        f.inputs().collect::<Vec<_>>(),
        vec![("a", DType::F64), ("b", DType::F64)]
    );

    // A declared input the expression does not use must still be given.
    let g = Function::parse("a * 2", &[("a", DType::F64), ("unused", DType::I8)]).unwrap();
    let u = Array::from_vec(vec![1i8]);
    assert_eq!(
        g.call(&[("a", &a)]).unwrap_err().to_string(),
        "missing input 'unused' (inputs: a, unused)"
    );
    assert_eq!(
        g.call(&[("a", &a), ("unused", &u)]).unwrap(),
        (lazy(&a) * 2).eval().unwrap()
    );

    // Syntax and name errors surface at parse time.
    assert_eq!(
        Function::parse("a + * 2", &[("a", DType::F64)])
            .unwrap_err()
            .to_string(),
        "1:5: expected an operand, found '*'"
    );
    assert!(Function::parse("a + c", &[("a", DType::F64)])
        .unwrap_err()
        .to_string()
        .contains("unknown name 'c'"));
    assert!(Function::parse("a", &[("a", DType::F64), ("a", DType::F32)]).is_err());
    assert!(Function::parse("a", &[("inf", DType::F64)]).is_err());
    assert!(Function::parse("a", &[("not a name", DType::F64)]).is_err());
}

#[test]
fn bad_calls_are_errors_naming_the_input() {
    let x = Expr::input("x", DType::F64);
    let y = Expr::input("y", DType::F64);
    let f = (&x + &y).compile().unwrap();
    let (a, b) = (arr(&[3], 1), arr(&[4], 2));
    let msg = |r: lazyfuse::Result<Array>| r.unwrap_err().to_string();
    assert_eq!(msg(f.call(&[("x", &a)])), "missing input 'y' (inputs: x, y)");
    assert_eq!(
        msg(f.call(&[("x", &a), ("y", &a), ("z", &a)])),
        "unknown input 'z' (inputs: x, y)"
    );
    assert_eq!(msg(f.call(&[("x", &a), ("x", &a)])), "input 'x' is given twice");
    let i = Array::from_vec(vec![1i64, 2, 3]);
    assert_eq!(
        msg(f.call(&[("x", &a), ("y", &i)])),
        "input 'y' is declared f64, got i64"
    );
    let m = msg(f.call(&[("x", &a), ("y", &b)]));
    assert!(
        m == "with inputs x: f64[3], y: f64[4]: shape mismatch in add: [3] vs [4]",
        "{m}"
    );
    // The same name with two dtypes.
    let x32 = Expr::input("x", DType::F32);
    assert_eq!(
        (&x + &x32).compile().map(|_| ()).unwrap_err().to_string(),
        "input 'x' is declared twice, as f64 and as f32"
    );
    // A placeholder expression cannot be evaluated directly.
    let e = (&x * 2.0).eval().unwrap_err().to_string();
    assert!(e.contains("Expr::input") && e.contains("compile"), "{e}");
    assert!((&x * 2.0).is_symbolic());
    assert_eq!(x.dtype().unwrap(), DType::F64);
    // A dtype error of the recipe surfaces with shapes.
    let b8 = Expr::input("p", DType::Bool);
    let g = (-&b8).compile().unwrap();
    let p = Array::from_vec(vec![true]);
    assert!(g.call(&[("p", &p)]).is_err());
}

#[test]
fn captured_arrays_and_input_names_do_not_collide() {
    // An unnamed captured array is `x0` in the IR unless a placeholder
    // takes that name.
    let w = Array::from_vec(vec![10.0f64, 20.0, 30.0]);
    let x0 = Expr::input("x0", DType::F64);
    let f = (lazy(&w) + &x0 * lazy(&w)).compile().unwrap();
    let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
    assert_eq!(
        f.call(&[("x0", &a)]).unwrap().to_vec::<f64>().unwrap(),
        vec![20.0, 60.0, 120.0]
    );
    // The same array for two inputs.
    let x = Expr::input("x", DType::F64);
    let y = Expr::input("y", DType::F64);
    let g = (&x * &y).compile().unwrap();
    assert_eq!(
        g.call(&[("x", &a), ("y", &a)]).unwrap().to_vec::<f64>().unwrap(),
        vec![1.0, 4.0, 9.0]
    );
}

#[test]
fn offsets_reuse_the_prepared_plan() {
    let x = Expr::input("x", DType::F64);
    let f = (x.exp() * 3.0 - 1.0).compile().unwrap();
    let big = arr(&[4000], 7);
    for start in 0..20 {
        let v = big.slice(&[Index::range(start, start + 1000, 1)]).unwrap();
        let got = f.call(&[("x", &v)]).unwrap();
        let want = (lazy(&v).exp() * 3.0 - 1.0).eval().unwrap();
        assert_eq!(got, want, "offset {start}");
    }
    assert_eq!(f.cached_plans(), (1, 1));
    // Reversed and strided views: new layouts, each prepared once.
    for _ in 0..3 {
        for step in [-1isize, 2, 3] {
            let whole = Index::Slice {
                start: None,
                stop: None,
                step,
            };
            let v = big.slice(&[whole]).unwrap();
            let v = v.slice(&[Index::range(0, 1000, 1)]).unwrap();
            let got = f.call(&[("x", &v)]).unwrap();
            assert_eq!(got, (lazy(&v).exp() * 3.0 - 1.0).eval().unwrap(), "step {step}");
        }
    }
    assert_eq!(f.cached_plans(), (1, 4));
    // Two-dimensional views at many offsets, into a destination too.
    let m = arr(&[50, 40], 8);
    let g = Function::parse("a.T * 2 + 1", &[("a", DType::F64)]).unwrap();
    for i in 0..5 {
        let v = m
            .slice(&[Index::range(i, i + 20, 1), Index::range(2 * i, 2 * i + 30, 1)])
            .unwrap();
        let want = (lazy(&v).t() * 2 + 1).eval().unwrap();
        assert_eq!(g.call(&[("a", &v)]).unwrap(), want);
        let mut dst = Array::zeros(DType::F64, &[30, 20]);
        g.call_into(&[("a", &v)], &mut dst).unwrap();
        assert_eq!(dst, want);
    }
    assert_eq!(g.cached_plans(), (1, 1));
}

#[test]
fn call_into_views_and_aliasing_destinations() {
    let x = Expr::input("x", DType::F64);
    let y = Expr::input("y", DType::F64);
    let f = (&x + &y).compile().unwrap();
    // a[:-1] = a[1:] + a[:-1], NumPy's result, through a view.
    let mut a = Array::from_vec(vec![1.0f64, 2.0, 4.0, 8.0]);
    let (hi, lo) = (
        a.slice(&[Index::range(1, 4, 1)]).unwrap(),
        a.slice(&[Index::range(0, 3, 1)]).unwrap(),
    );
    f.call_into(
        &[("x", &hi), ("y", &lo)],
        &mut a.view_mut().unwrap().slice(&[Index::range(0, 3, 1)]).unwrap(),
    )
    .unwrap();
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![3.0, 6.0, 12.0, 8.0]);
    // The slices still see the values they were made from.
    assert_eq!(hi.to_vec::<f64>().unwrap(), vec![2.0, 4.0, 8.0]);

    let mut wrong = Array::zeros(DType::F32, &[3]);
    let b = arr(&[3], 1);
    assert!(f.call_into(&[("x", &b), ("y", &b)], &mut wrong).is_err());
    let mut wrong_shape = Array::zeros(DType::F64, &[4]);
    assert!(f.call_into(&[("x", &b), ("y", &b)], &mut wrong_shape).is_err());
}

#[test]
fn many_outputs_and_explain() {
    let x = Expr::input("x", DType::F64);
    let s = x.sin();
    let f = Function::new(&[&s * 2.0, s.sum()]).unwrap();
    let a = arr(&[100], 3);
    let out = f.call_many(&[("x", &a)]).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], (lazy(&a).sin() * 2.0).eval().unwrap());
    assert_eq!(out[1], lazy(&a).sin().sum().eval().unwrap());
    assert!(f.call(&[("x", &a)]).unwrap_err().to_string().contains("call_many"));
    let text = f.explain(&[("x", &a)]).unwrap();
    assert!(text.contains("sin") && text.contains("%x"), "{text}");
    assert!(Function::new(&[]).is_err());
}

#[test]
fn functions_are_shared_across_threads() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Function>();
    assert_traits::<Expr>();
    let x = Expr::input("x", DType::F64);
    let f = (x.cos() * x.cos() + x.sin() * x.sin()).compile().unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let f = f.clone();
            s.spawn(move || {
                for n in [1usize, 10, 100 + t] {
                    let a = arr(&[n], t as u64);
                    let r = f.call(&[("x", &a)]).unwrap();
                    let xa = lazy(&a);
                    assert_eq!(r, (xa.cos() * xa.cos() + xa.sin() * xa.sin()).eval().unwrap());
                }
            });
        }
    });
}

#[test]
fn deep_recipes_compile_and_run_without_recursion() {
    let x = Expr::input("x", DType::F64);
    let mut e = x.clone();
    for k in 0..20_000 {
        e = if k % 2 == 0 { &e + 1.0 } else { &e * 1.0 };
    }
    let f = e.compile().unwrap();
    drop(e);
    let a = Array::from_vec(vec![0.0f64, 1.0]);
    assert_eq!(
        f.call(&[("x", &a)]).unwrap().to_vec::<f64>().unwrap(),
        vec![10_000.0, 10_001.0]
    );
}

#[test]
fn expressions_without_placeholders_compile_to_functions_of_nothing() {
    let a = arr(&[10], 1);
    let f = (lazy(&a) * 2.0).compile().unwrap();
    assert_eq!(f.inputs().count(), 0);
    assert_eq!(f.call(&[]).unwrap(), (lazy(&a) * 2.0).eval().unwrap());
    assert_eq!(
        f.call(&[("x", &a)]).unwrap_err().to_string(),
        "unknown input 'x' (inputs: none)"
    );
}

#[test]
fn chunked_inputs_give_the_bits_of_whole_calls() {
    use lazyfuse::ExecOptions;
    let x = Expr::input("x", DType::F64);
    let y = Expr::input("y", DType::F64);
    let n = 600_001;
    let (a, b) = (arr(&[n], 21), arr(&[n], 22));
    let split = |v: &Array, sizes: &[usize]| -> Vec<Array> {
        let mut out = vec![];
        let mut s = 0;
        let mut k = 0;
        while s < v.shape()[0] {
            let e = (s + sizes[k % sizes.len()]).min(v.shape()[0]);
            out.push(
                v.slice(&[Index::range(s as isize, e as isize, 1)])
                    .unwrap()
                    .to_contiguous(),
            );
            s = e;
            k += 1;
        }
        out
    };
    let opts = ExecOptions::default().with_memory(1 << 16).with_threads(2);
    // A reduction over chunks of uneven sizes, the two inputs cut differently.
    let f = (&x * &y).sum().compile().unwrap();
    let want = f.call(&[("x", &a), ("y", &b)]).unwrap();
    let (ca, cb) = (split(&a, &[1, 7000, 123_457]), split(&b, &[50_000]));
    let mut items: Vec<Vec<(String, Array)>> = vec![];
    for k in 0..ca.len().max(cb.len()) {
        let mut item = vec![];
        if let Some(c) = ca.get(k) {
            item.push(("x".to_string(), c.clone()));
        }
        if let Some(c) = cb.get(k) {
            item.push(("y".to_string(), c.clone()));
        }
        items.push(item);
    }
    let got: Vec<Array> = f
        .call_chunks(&[("x", &[n]), ("y", &[n])], items, &opts)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got, vec![want]);
    // Element-wise: the result comes in row chunks.
    let m = arr(&[3001, 4], 23);
    let g = (x.sin() * 2.0 + 1.0).compile().unwrap();
    let want = g.call(&[("x", &m)]).unwrap();
    let items: Vec<Vec<(String, Array)>> = split(&m, &[100, 1, 999])
        .into_iter()
        .map(|c| vec![("x".to_string(), c)])
        .collect();
    let chunks: Vec<Array> = g
        .call_chunks(&[("x", &[3001, 4])], items, &opts)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut flat = vec![];
    for c in &chunks {
        flat.extend(c.to_vec::<f64>().unwrap());
    }
    assert_eq!(Array::from_shape_vec(&[3001, 4], flat).unwrap(), want);
    // Errors: two passes, too few rows, a chunk of the wrong shape.
    let two = (&x - x.mean()).compile().unwrap();
    let items = vec![vec![("x".to_string(), a.clone())]];
    let err = two
        .call_chunks(&[("x", &[n])], items, &opts)
        .unwrap()
        .find_map(|r| r.err())
        .unwrap();
    assert!(err.to_string().contains("twice"), "{err}");
    let items = vec![vec![("x".to_string(), arr(&[10], 1)), ("y".to_string(), arr(&[10], 1))]];
    let err = f
        .call_chunks(&[("x", &[20]), ("y", &[20])], items, &opts)
        .unwrap()
        .find_map(|r| r.err())
        .unwrap();
    assert!(err.to_string().contains("ended after 10 rows"), "{err}");
    let items = vec![vec![
        ("x".to_string(), arr(&[10, 2], 1)),
        ("y".to_string(), arr(&[10], 1)),
    ]];
    let err = f
        .call_chunks(&[("x", &[10]), ("y", &[10])], items, &opts)
        .unwrap()
        .find_map(|r| r.err())
        .unwrap();
    assert!(err.to_string().contains("chunks split axis 0"), "{err}");
    assert!(f
        .call_chunks(&[("x", &[10])], Vec::<Vec<(String, Array)>>::new(), &opts)
        .is_err());
}
