//! Runtime tests: compiled kernels against the interpreter at 1 and 2
//! threads (constant divisors, polynomials, transposes, large arrays), the
//! kernel cache (keys, eviction under concurrent callers) and
//! `eval_graph_into` over any layout.

use super::*;

fn check(text: &str, inputs: &[Array]) {
    let g = Graph::parse(text).unwrap();
    let want = crate::interp::interpret(&g, inputs).unwrap();
    for threads in [1, 2] {
        let got = eval_graph(&g, inputs, &ExecOptions::default().with_threads(threads)).unwrap();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn cache_is_keyed_by_structure_not_size() {
    let text = |n: usize| {
        format!(
            "graph @f(%a: f32[{n}], %b: f32[{n}]) {{\n %0 = hypot %a, %b : f32[{n}]\n %1 = sub %0, %a : f32[{n}]\n return %1\n}}"
        )
    };
    let run = |n: usize| {
        let g = Graph::parse(&text(n)).unwrap();
        let a = Array::from_vec((0..n).map(|i| i as f32).collect::<Vec<_>>());
        let p = prepare(&g, &[a.clone(), a]).unwrap();
        p.kernels.into_iter().flatten().next().unwrap().compiled
    };
    let (k1, k2) = (run(100), run(1000));
    assert!(Arc::ptr_eq(&k1, &k2), "same structure, other size: one cached kernel");
    let k3 = run(2); // shorter than a vector: a scalar kernel
    assert!(!Arc::ptr_eq(&k1, &k3));
}

#[test]
fn eval_into_any_layout() {
    let g =
        Graph::parse("graph @f(%a: f64[6, 5]) {\n %0 = const 3.0 : f64[]\n %1 = mul %a, %0 : f64[6, 5]\n return %1\n}")
            .unwrap();
    let a = Array::from_shape_vec(&[6, 5], (0..30).map(|i| i as f64).collect()).unwrap();
    let want = crate::interp::interpret(&g, std::slice::from_ref(&a))
        .unwrap()
        .remove(0);
    // A transposed destination and a reversed, strided one.
    let mut t = Array::zeros(DType::F64, &[5, 6]).t();
    eval_graph_into(&g, std::slice::from_ref(&a), &mut t, &ExecOptions::default()).unwrap();
    assert_eq!(t, want);
    let big = Array::zeros(DType::F64, &[12, 5]);
    let mut s = big
        .slice(&[crate::array::Index::Slice {
            start: None,
            stop: None,
            step: -2,
        }])
        .unwrap();
    eval_graph_into(
        &g,
        std::slice::from_ref(&a),
        &mut s,
        &ExecOptions::default().with_threads(2),
    )
    .unwrap();
    assert_eq!(s, want);
    // A broadcast destination is refused.
    let mut b = Array::zeros(DType::F64, &[5]).broadcast_to(&[6, 5]).unwrap();
    assert!(eval_graph_into(&g, std::slice::from_ref(&a), &mut b, &ExecOptions::default()).is_err());
    // Wrong shape or dtype is an error, not a panic.
    let mut bad = Array::zeros(DType::F32, &[6, 5]);
    assert!(eval_graph_into(&g, std::slice::from_ref(&a), &mut bad, &ExecOptions::default()).is_err());
    // A reduction result is copied into the destination.
    let r = Graph::parse("graph @f(%a: f64[6, 5]) {\n %0 = sum %a, axes=[1] : f64[6]\n return %0\n}").unwrap();
    let mut o = Array::zeros(DType::F64, &[6]);
    eval_graph_into(&r, std::slice::from_ref(&a), &mut o, &ExecOptions::default()).unwrap();
    assert_eq!(o, crate::interp::interpret(&r, &[a]).unwrap().remove(0));
}

#[test]
fn concurrent_callers() {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for k in 0..20 {
                    let n: i32 = 50 + k * 7 + t;
                    let text = format!(
                        "graph @f(%a: i32[{n}]) {{\n %0 = const {k} : i32[]\n %1 = add %a, %0 : i32[{n}]\n return %1\n}}"
                    );
                    let a = Array::from_vec((0..n).collect::<Vec<_>>());
                    check(&text, &[a]);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn eviction_keeps_running_kernels_valid() {
    // More distinct kernels than the cache holds; plans hold their own
    // references, so earlier ones still run after eviction.
    let a = Array::from_vec((0..9).map(|i| i as i64).collect::<Vec<_>>());
    let mut kept = vec![];
    for k in 0..(cache::CAPACITY + 8) as i64 {
        let text =
            format!("graph @f(%a: i64[9]) {{\n %0 = const {k} : i64[]\n %1 = xor %a, %0 : i64[9]\n return %1\n}}");
        let g = Graph::parse(&text).unwrap();
        let p = prepare(&g, std::slice::from_ref(&a)).unwrap();
        if k % 100 == 0 {
            kept.push((g, p));
        }
    }
    assert!(cache_stats().entries <= cache::CAPACITY);
    for (g, p) in &kept {
        let got = p.run(std::slice::from_ref(&a), &ExecOptions::default()).unwrap();
        assert_eq!(got, crate::interp::interpret(g, std::slice::from_ref(&a)).unwrap());
    }
}

#[test]
fn kernel_nodes_cover_groups() {
    let g = Graph::parse(
        "graph @f(%a: f64[4]) {\n %0 = exp %a : f64[4]\n %1 = sum %0, axes=[0] : f64[]\n %2 = neg %0 : f64[4]\n return %1, %2\n}",
    )
    .unwrap();
    let p = fuse::fuse(&g).unwrap();
    assert_eq!(p.kernel_nodes.len(), 1);
    assert_eq!(p.kernel_nodes[0].len(), 3);
}

#[test]
fn threads_split_large_arrays() {
    let n = 3 * MIN_PER_THREAD + 17;
    let a = Array::from_vec((0..n).map(|i| i as f64 * 0.001).collect::<Vec<_>>());
    check(
        &format!("graph @f(%a: f64[{n}]) {{\n %0 = sin %a : f64[{n}]\n %1 = mul %0, %a : f64[{n}]\n return %1\n}}"),
        &[a],
    );
}

#[test]
fn constant_divisors() {
    use crate::array::Scalar;
    for dt in [
        DType::I8,
        DType::U8,
        DType::I16,
        DType::U16,
        DType::I32,
        DType::U32,
        DType::I64,
        DType::U64,
    ] {
        let bits = dt.bits();
        let mut vals: Vec<Scalar> = vec![];
        for k in 0..bits {
            for delta in [-1i128, 0, 1] {
                let v = (1i128 << k) + delta;
                vals.push(Scalar::from_bits(dt, v as u64));
                vals.push(Scalar::from_bits(dt, (-v) as u64));
            }
        }
        for k in 0..200u64 {
            vals.push(Scalar::from_bits(dt, k.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        }
        let n = vals.len();
        let mut a = Array::zeros(dt, &[n]);
        a.assign_scalars(&vals);
        let max = if dt.is_signed_int() {
            (1i128 << (bits - 1)) - 1
        } else {
            (1i128 << bits) - 1
        };
        let mut divisors = vec![
            1i128,
            2,
            3,
            5,
            6,
            7,
            10,
            12,
            100,
            255,
            1000,
            641,
            max,
            max - 1,
            max / 2 + 1,
            max / 3,
        ];
        divisors.retain(|&d| d > 0 && d <= max);
        for d in divisors {
            for op in ["floordiv", "mod", "fmod"] {
                let text = format!(
                    "graph @f(%a: {dt}[{n}]) {{\n %0 = const {d} : {dt}[]\n %1 = {op} %a, %0 : {dt}[{n}]\n return %1\n}}"
                );
                check(&text, std::slice::from_ref(&a));
            }
        }
    }
}

#[test]
fn poly4_matches_interpreter() {
    let n = 1001;
    let a = Array::from_vec((0..n).map(|i| i as f64 * 0.37 - 100.0).collect::<Vec<_>>());
    let b = Array::from_vec((0..n).map(|i| (i as f64).sin()).collect::<Vec<_>>());
    check(
        "graph @f(%a: f64[1001], %b: f64[1001]) {
            %0 = const 2.0 : f64[]
            %1 = mul %0, %a : f64[1001]
            %2 = mul %a, %b : f64[1001]
            %3 = add %1, %2 : f64[1001]
            %4 = const 4.0 : f64[]
            %5 = div %b, %4 : f64[1001]
            %6 = sub %3, %5 : f64[1001]
            %7 = sin %6 : f64[1001]
            return %7
        }",
        &[a, b],
    );
}

#[test]
fn transposed_and_ints() {
    let a = Array::from_shape_vec(&[37, 5], (0..185).map(|i: i32| i * 7 - 300).collect()).unwrap();
    let b = a.t();
    check(
        "graph @f(%a: i32[5, 37], %b: i32[37]) {
            %0 = floordiv %a, %b : i32[5, 37]
            %1 = mod %a, %b : i32[5, 37]
            %2 = add %0, %1 : i32[5, 37]
            %3 = gt %2, %a : bool[5, 37]
            %4 = where %3, %2, %a : i32[5, 37]
            return %4, %3
        }",
        &[b, a.index_axis(1, 3).unwrap()],
    );
}
