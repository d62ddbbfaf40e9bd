//! Checks the performance targets of issue 3 and prints a table:
//! memory-bound element-wise cases at 10^7 elements (one thread, output
//! into a reused buffer) against a hand-written Rust loop timed in the same
//! run; the cached call time of `small` (eval paths and a compiled
//! `Function` called on new arrays); the cold compile time of `poly4`;
//! two threads against one on `trig`.
//!
//! `cargo bench --bench targets` (add `-- quick` for 10^6 elements).

use lazyfuse::internals::pipeline::build_graph;
use lazyfuse::internals::runtime::{self, ExecOptions};
use lazyfuse::{Array, Expr};
use std::hint::black_box;
use std::time::Instant;

fn fill_f64(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = lazyfuse::internals::array::random::SplitMix64(seed);
    (0..n).map(|_| 0.1 + rng.next_f64()).collect()
}

fn fill_i64(n: usize, seed: u64) -> Vec<i64> {
    fill_f64(n, seed)
        .iter()
        .map(|v| ((v - 0.1) * 999.0) as i64 + 1)
        .collect()
}

/// Median of `reps` timings of `f`, seconds.
#[allow(dead_code)]
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    v[reps / 2]
}

struct Case {
    id: &'static str,
    expr: &'static str,
    inputs: Vec<(&'static str, Array)>,
    hand: Box<dyn FnMut(&mut Array)>,
}

fn sl(a: &Array) -> &[f64] {
    a.as_slice::<f64>().expect("f64")
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let n = if quick { 1_000_000 } else { 10_000_000 };
    let reps = if quick { 31 } else { 15 };
    let one = ExecOptions::default().with_threads(1);
    let fa = || Array::from_vec(fill_f64(n, 1));
    let mut cases: Vec<Case> = vec![];
    macro_rules! f64case {
        ($id:expr, $expr:expr, [$($name:literal),*], |$i:ident, $($v:ident),*| $body:expr) => {{
            let arrs: Vec<Array> = vec![$({ let _ = $name; Array::from_vec(fill_f64(n, $name.as_bytes()[0] as u64)) }),*];
            let names = [$($name),*];
            let inputs: Vec<(&'static str, Array)> = names.iter().copied().zip(arrs.iter().cloned()).collect();
            let ins = arrs.clone();
            cases.push(Case { id: $id, expr: $expr, inputs, hand: Box::new(move |out: &mut Array| {
                let o = out.as_slice_mut::<f64>().expect("out");
                let mut it = ins.iter();
                $(let $v = sl(it.next().expect("input"));)*
                for $i in 0..o.len() { o[$i] = $body; }
            })});
        }};
    }
    f64case!("add", "a + b", ["a", "b"], |i, a, b| a[i] + b[i]);
    f64case!("axpby", "2*a + 3*b", ["a", "b"], |i, a, b| 2.0 * a[i] + 3.0 * b[i]);
    f64case!(
        "poly4",
        "2*a + 3*b*c - d/4 + 1",
        ["a", "b", "c", "d"],
        |i, a, b, c, d| 2.0 * a[i] + 3.0 * b[i] * c[i] - d[i] / 4.0 + 1.0
    );
    f64case!(
        "horner",
        "((((a*0.5 + 1.5)*a - 2.5)*a + 3.5)*a - 4.5)*a + 5.5",
        ["a"],
        |i, a| {
            let x = a[i];
            ((((x * 0.5 + 1.5) * x - 2.5) * x + 3.5) * x - 4.5) * x + 5.5
        }
    );
    f64case!("hypot", "sqrt(a**2 + b**2)", ["a", "b"], |i, a, b| (a[i] * a[i]
        + b[i] * b[i])
        .sqrt());
    f64case!(
        "where",
        "where(a > 0.6, a*b, c - b)",
        ["a", "b", "c"],
        |i, a, b, c| if a[i] > 0.6 { a[i] * b[i] } else { c[i] - b[i] }
    );
    // f32_axpby
    {
        let a: Vec<f32> = fill_f64(n, 3).iter().map(|&v| v as f32).collect();
        let b: Vec<f32> = fill_f64(n, 4).iter().map(|&v| v as f32).collect();
        let (aa, bb) = (Array::from_vec(a), Array::from_vec(b));
        let (ha, hb) = (aa.clone(), bb.clone());
        cases.push(Case {
            id: "f32_axpby",
            expr: "2*a + 3*b",
            inputs: vec![("a", aa), ("b", bb)],
            hand: Box::new(move |out| {
                let o = out.as_slice_mut::<f32>().expect("out");
                let (a, b) = (ha.as_slice::<f32>().expect("a"), hb.as_slice::<f32>().expect("b"));
                for i in 0..o.len() {
                    o[i] = 2.0 * a[i] + 3.0 * b[i];
                }
            }),
        });
    }
    // int_mix
    {
        let (ia, ja) = (Array::from_vec(fill_i64(n, 5)), Array::from_vec(fill_i64(n, 6)));
        let (hi, hj) = (ia.clone(), ja.clone());
        cases.push(Case {
            id: "int_mix",
            expr: "(i % 7) * 3 + (j // 5) - (i & 255)",
            inputs: vec![("i", ia), ("j", ja)],
            hand: Box::new(move |out| {
                let o = out.as_slice_mut::<i64>().expect("out");
                let (x, y) = (hi.as_slice::<i64>().expect("i"), hj.as_slice::<i64>().expect("j"));
                for k in 0..o.len() {
                    o[k] = x[k].rem_euclid(7) * 3 + y[k].div_euclid(5) - (x[k] & 255);
                }
            }),
        });
    }
    // mixed: f64 * f32 + i32
    {
        let a = Array::from_vec(fill_f64(n, 7));
        let x = Array::from_vec(fill_f64(n, 8).iter().map(|&v| v as f32).collect::<Vec<_>>());
        let k = Array::from_vec(fill_i64(n, 9).iter().map(|&v| v as i32).collect::<Vec<_>>());
        let (ha, hx, hk) = (a.clone(), x.clone(), k.clone());
        cases.push(Case {
            id: "mixed",
            expr: "a * x + k",
            inputs: vec![("a", a), ("x", x), ("k", k)],
            hand: Box::new(move |out| {
                let o = out.as_slice_mut::<f64>().expect("out");
                let (a, x, k) = (
                    sl(&ha),
                    hx.as_slice::<f32>().expect("x"),
                    hk.as_slice::<i32>().expect("k"),
                );
                for i in 0..o.len() {
                    o[i] = a[i] * x[i] as f64 + k[i] as f64;
                }
            }),
        });
    }
    // bcast_row: a[rows, 1000] * r[1000] + c[rows, 1]
    {
        let cols = 1000;
        let rows = n / cols;
        let a = Array::from_shape_vec(&[rows, cols], fill_f64(n, 10)).expect("a");
        let r = Array::from_vec(fill_f64(cols, 11));
        let c = Array::from_shape_vec(&[rows, 1], fill_f64(rows, 12)).expect("c");
        let (ha, hr, hc) = (a.clone(), r.clone(), c.clone());
        cases.push(Case {
            id: "bcast_row",
            expr: "a * r + c",
            inputs: vec![("a", a), ("r", r), ("c", c)],
            hand: Box::new(move |out| {
                let o = out.as_slice_mut::<f64>().expect("out");
                let (a, r, c) = (sl(&ha), sl(&hr), sl(&hc));
                for i in 0..rows {
                    let ci = c[i];
                    for j in 0..cols {
                        o[i * cols + j] = a[i * cols + j] * r[j] + ci;
                    }
                }
            }),
        });
    }
    // strided: a[::2] * b[1::2], arrays of 2n
    {
        let a = Array::from_vec(fill_f64(2 * n, 13));
        let b = Array::from_vec(fill_f64(2 * n, 14));
        let (ha, hb) = (a.clone(), b.clone());
        cases.push(Case {
            id: "strided",
            expr: "a[::2] * b[1::2]",
            inputs: vec![("a", a), ("b", b)],
            hand: Box::new(move |out| {
                let o = out.as_slice_mut::<f64>().expect("out");
                let (a, b) = (sl(&ha), sl(&hb));
                for i in 0..o.len() {
                    o[i] = a[2 * i] * b[2 * i + 1];
                }
            }),
        });
    }
    // transpose: a + a.T
    {
        let m = (n as f64).sqrt() as usize;
        let a = Array::from_shape_vec(&[m, m], fill_f64(m * m, 15)).expect("a");
        let ha = a.clone();
        cases.push(Case {
            id: "transpose",
            expr: "a + a.T",
            inputs: vec![("a", a)],
            hand: Box::new(move |out| {
                let o = out.as_slice_mut::<f64>().expect("out");
                let a = sl(&ha);
                for i in 0..m {
                    for j in 0..m {
                        o[i * m + j] = a[i * m + j] + a[j * m + i];
                    }
                }
            }),
        });
    }
    let _ = fa;

    println!("| case | lazyfuse ms (min) | hand loop ms (min) | ratio | kernels |");
    println!("|---|---|---|---|---|");
    for mut c in cases {
        let named: Vec<(&str, &Array)> = c.inputs.iter().map(|(k, v)| (*k, v)).collect();
        let e = Expr::parse(c.expr, &named).expect("parse");
        let (g, arrays) = build_graph(std::slice::from_ref(&e)).expect("graph");
        let p = runtime::prepare(&g, &arrays).expect("prepare");
        let mut out = Array::zeros(e.dtype().expect("dtype"), &e.shape().expect("shape"));
        let mut hand_out = out.clone().to_contiguous();
        // Interleaved runs, minimum of each: robust to other processes.
        let (mut tj, mut th) = (f64::INFINITY, f64::INFINITY);
        p.run_into(&arrays, &mut out, &one).expect("run");
        (c.hand)(black_box(&mut hand_out));
        for _ in 0..reps {
            let t = Instant::now();
            p.run_into(&arrays, &mut out, &one).expect("run");
            tj = tj.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            (c.hand)(black_box(&mut hand_out));
            th = th.min(t.elapsed().as_secs_f64());
        }
        assert!(out == hand_out, "{}: lazyfuse and the hand loop disagree", c.id);
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {} |",
            c.id,
            tj * 1e3,
            th * 1e3,
            tj / th,
            p.kernel_count()
        );
    }

    // small: cached call, 1000 elements.
    let a = Array::from_vec(fill_f64(1000, 1));
    let b = Array::from_vec(fill_f64(1000, 2));
    let e = Expr::parse("2*a + 3*b", &[("a", &a), ("b", &b)]).expect("parse");
    let (g, arrays) = build_graph(std::slice::from_ref(&e)).expect("graph");
    let mut out = Array::zeros(lazyfuse::DType::F64, &[1000]);
    let iters = 200_000;
    let t = Instant::now();
    for _ in 0..iters {
        runtime::eval_graph_into(&g, &arrays, &mut out, &one).expect("run");
    }
    let into_us = t.elapsed().as_secs_f64() / iters as f64 * 1e6;
    let t = Instant::now();
    for _ in 0..iters {
        black_box(runtime::eval_graph(&g, &arrays, &one).expect("run"));
    }
    let fresh_us = t.elapsed().as_secs_f64() / iters as f64 * 1e6;
    let t = Instant::now();
    for _ in 0..iters {
        black_box(e.eval().expect("eval"));
    }
    let expr_us = t.elapsed().as_secs_f64() / iters as f64 * 1e6;
    println!("\nsmall (1000 f64, cached): eval_graph_into {into_us:.2} us, eval_graph {fresh_us:.2} us, Expr::eval {expr_us:.2} us");
    // The same with a compiled Function called on 8 different pairs of
    // arrays in turn (new arrays of a layout already seen: the issue-12
    // target is no more than the cached Expr::eval above).
    let f = lazyfuse::Function::parse("2*a + 3*b", &[("a", lazyfuse::DType::F64), ("b", lazyfuse::DType::F64)])
        .expect("parse");
    let pairs: Vec<(Array, Array)> = (0..8)
        .map(|k| {
            (
                Array::from_vec(fill_f64(1000, 10 + k)),
                Array::from_vec(fill_f64(1000, 20 + k)),
            )
        })
        .collect();
    let t = Instant::now();
    for i in 0..iters {
        let (a, b) = &pairs[i % 8];
        black_box(f.call(&[("a", a), ("b", b)]).expect("call"));
    }
    let call_us = t.elapsed().as_secs_f64() / iters as f64 * 1e6;
    let t = Instant::now();
    for i in 0..iters {
        let (a, b) = &pairs[i % 8];
        f.call_into(&[("a", a), ("b", b)], &mut out).expect("call_into");
    }
    let call_into_us = t.elapsed().as_secs_f64() / iters as f64 * 1e6;
    // Views at 8 different offsets of one buffer (same strides).
    let big = Array::from_vec(fill_f64(1008, 30));
    let views: Vec<Array> = (0..8)
        .map(|k| big.slice(&[lazyfuse::Index::range(k, k + 1000, 1)]).expect("slice"))
        .collect();
    let t = Instant::now();
    for i in 0..iters {
        black_box(
            f.call(&[("a", &views[i % 8]), ("b", &views[(i + 3) % 8])])
                .expect("call"),
        );
    }
    let offsets_us = t.elapsed().as_secs_f64() / iters as f64 * 1e6;
    println!(
        "small, Function (8 array pairs in turn): call {call_us:.2} us ({:.2}x Expr::eval), call_into {call_into_us:.2} us, \
         call on views at 8 offsets {offsets_us:.2} us",
        call_us / expr_us
    );

    // Cold compile of poly4 (fuse + lower + passes + Cranelift), median of 50.
    let n4 = 1000;
    let arrs: Vec<Array> = (0..4).map(|k| Array::from_vec(fill_f64(n4, k))).collect();
    let named: Vec<(&str, &Array)> = ["a", "b", "c", "d"].iter().copied().zip(arrs.iter()).collect();
    let e = Expr::parse("2*a + 3*b*c - d/4 + 1", &named).expect("parse");
    let (g, arrays) = build_graph(std::slice::from_ref(&e)).expect("graph");
    let tc = time(51, || {
        runtime::clear_caches();
        black_box(runtime::prepare(&g, &arrays).expect("prepare"));
    });
    println!(
        "poly4 cold compile (fuse+lower+passes+Cranelift, no cache): {:.0} us",
        tc * 1e6
    );

    // trig: two threads vs one.
    let a = Array::from_vec(fill_f64(n, 21));
    let b = Array::from_vec(fill_f64(n, 22));
    let e = Expr::parse("sin(a)**2 + cos(b)**2", &[("a", &a), ("b", &b)]).expect("parse");
    let (g, arrays) = build_graph(std::slice::from_ref(&e)).expect("graph");
    let p = runtime::prepare(&g, &arrays).expect("prepare");
    let mut out = Array::zeros(lazyfuse::DType::F64, &[n]);
    let t1 = time(5, || p.run_into(&arrays, &mut out, &one).expect("run"));
    let t2 = time(5, || {
        p.run_into(&arrays, &mut out, &ExecOptions::default().with_threads(2))
            .expect("run")
    });
    println!(
        "trig: 1 thread {:.1} ms, 2 threads {:.1} ms, speedup {:.2}x",
        t1 * 1e3,
        t2 * 1e3,
        t1 / t2
    );
    let s = runtime::cache_stats();
    println!("cache: {s:?}");
}
