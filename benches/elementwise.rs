//! Criterion benchmarks for the element-wise cases of
//! `benches/suite.json`: each case is one group holding lazyfuse
//! (compiled once, cached evaluation into a reused output buffer), a
//! hand-written Rust loop and eager `ndarray` (which allocates its
//! temporaries, as NumPy does).
//!
//! Sizes are modest (`LAZYFUSE_BENCH_N`, default 100,000 elements) so a run
//! is quick; `benches/targets.rs` checks the 10^7-element targets.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lazyfuse::internals::pipeline::build_graph;
use lazyfuse::internals::runtime::{self, ExecOptions};
use lazyfuse::{Array, Expr};
use ndarray::{Array1, Array2, Zip};

fn n() -> usize {
    std::env::var("LAZYFUSE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = lazyfuse::internals::array::random::SplitMix64(seed);
    (0..n).map(|_| 0.1 + rng.next_f64()).collect()
}

/// Benchmarks lazyfuse on `expr` over `inputs` under `group/lazyfuse`.
fn lazy(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    expr: &str,
    inputs: &[(&str, &Array)],
) {
    let e = Expr::parse(expr, inputs).expect("parse");
    let (g, arrays) = build_graph(std::slice::from_ref(&e)).expect("graph");
    let p = runtime::prepare(&g, &arrays).expect("prepare");
    let mut out = Array::zeros(e.dtype().expect("dtype"), &e.shape().expect("shape"));
    let opts = ExecOptions::default().with_threads(1);
    group.bench_function("lazyfuse", |b| {
        b.iter(|| p.run_into(&arrays, &mut out, &opts).expect("run"))
    });
}

macro_rules! unary_case {
    ($c:expr, $id:literal, $expr:literal, |$x:ident| $f:expr, |$na:ident| $nd:expr) => {{
        let n = n();
        let av = data(n, 1);
        let a = Array::from_vec(av.clone());
        let mut g = $c.benchmark_group($id);
        lazy(&mut g, $expr, &[("a", &a)]);
        let mut out = vec![0.0f64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for (o, &$x) in out.iter_mut().zip(&av) {
                    *o = $f;
                }
                black_box(&out);
            })
        });
        let $na = Array1::from(av.clone());
        g.bench_function("ndarray", |b| b.iter(|| black_box($nd)));
        g.finish();
    }};
}

macro_rules! binary_case {
    ($c:expr, $id:literal, $expr:literal, |$x:ident, $y:ident| $f:expr, |$na:ident, $nb:ident| $nd:expr) => {{
        let n = n();
        let (av, bv) = (data(n, 1), data(n, 2));
        let (a, b2) = (Array::from_vec(av.clone()), Array::from_vec(bv.clone()));
        let mut g = $c.benchmark_group($id);
        lazy(&mut g, $expr, &[("a", &a), ("b", &b2)]);
        let mut out = vec![0.0f64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for ((o, &$x), &$y) in out.iter_mut().zip(&av).zip(&bv) {
                    *o = $f;
                }
                black_box(&out);
            })
        });
        let ($na, $nb) = (Array1::from(av.clone()), Array1::from(bv.clone()));
        g.bench_function("ndarray", |b| b.iter(|| black_box($nd)));
        g.finish();
    }};
}

fn suite(c: &mut Criterion) {
    binary_case!(c, "add", "a + b", |x, y| x + y, |a, b| &a + &b);
    binary_case!(c, "axpby", "2*a + 3*b", |x, y| 2.0 * x + 3.0 * y, |a, b| &a * 2.0
        + &b * 3.0);
    unary_case!(
        c,
        "horner",
        "((((a*0.5 + 1.5)*a - 2.5)*a + 3.5)*a - 4.5)*a + 5.5",
        |x| ((((x * 0.5 + 1.5) * x - 2.5) * x + 3.5) * x - 4.5) * x + 5.5,
        |a| ((((&a * 0.5 + 1.5) * &a - 2.5) * &a + 3.5) * &a - 4.5) * &a + 5.5
    );
    binary_case!(
        c,
        "hypot",
        "sqrt(a**2 + b**2)",
        |x, y| (x * x + y * y).sqrt(),
        |a, b| (&a * &a + &b * &b).mapv(f64::sqrt)
    );
    unary_case!(
        c,
        "gauss",
        "exp(-a**2 / 2) * 0.3989422804014327",
        |x| (-(x * x) / 2.0).exp() * 0.3989422804014327,
        |a| (-(&a * &a) / 2.0).mapv(f64::exp) * 0.3989422804014327
    );
    binary_case!(
        c,
        "trig",
        "sin(a)**2 + cos(b)**2",
        |x, y| x.sin() * x.sin() + y.cos() * y.cos(),
        |a, b| a.mapv(|v| v.sin() * v.sin()) + b.mapv(|v| v.cos() * v.cos())
    );
    unary_case!(c, "log1p", "log1p(abs(a - 0.6))", |x| (x - 0.6).abs().ln_1p(), |a| (&a
        - 0.6)
        .mapv(f64::abs)
        .mapv(f64::ln_1p));
    unary_case!(c, "tanh", "tanh(a*2 - 1)", |x| (x * 2.0 - 1.0).tanh(), |a| (&a * 2.0
        - 1.0)
        .mapv(f64::tanh));

    // poly4: four inputs.
    {
        let n = n();
        let v: Vec<Vec<f64>> = (1..=4).map(|k| data(n, k)).collect();
        let arrs: Vec<Array> = v.iter().map(|x| Array::from_vec(x.clone())).collect();
        let mut g = c.benchmark_group("poly4");
        lazy(
            &mut g,
            "2*a + 3*b*c - d/4 + 1",
            &[("a", &arrs[0]), ("b", &arrs[1]), ("c", &arrs[2]), ("d", &arrs[3])],
        );
        let mut out = vec![0.0f64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..n {
                    out[i] = 2.0 * v[0][i] + 3.0 * v[1][i] * v[2][i] - v[3][i] / 4.0 + 1.0;
                }
                black_box(&out);
            })
        });
        let nd: Vec<Array1<f64>> = v.iter().map(|x| Array1::from(x.clone())).collect();
        g.bench_function("ndarray", |b| {
            b.iter(|| black_box(&nd[0] * 2.0 + &nd[1] * 3.0 * &nd[2] - &nd[3] / 4.0 + 1.0))
        });
        g.finish();
    }

    // where
    {
        let n = n();
        let (av, bv, cv) = (data(n, 1), data(n, 2), data(n, 3));
        let (a, b2, c2) = (
            Array::from_vec(av.clone()),
            Array::from_vec(bv.clone()),
            Array::from_vec(cv.clone()),
        );
        let mut g = c.benchmark_group("where");
        lazy(
            &mut g,
            "where(a > 0.6, a*b, c - b)",
            &[("a", &a), ("b", &b2), ("c", &c2)],
        );
        let mut out = vec![0.0f64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..n {
                    out[i] = if av[i] > 0.6 { av[i] * bv[i] } else { cv[i] - bv[i] };
                }
                black_box(&out);
            })
        });
        let (na, nb, nc) = (
            Array1::from(av.clone()),
            Array1::from(bv.clone()),
            Array1::from(cv.clone()),
        );
        g.bench_function("ndarray", |b| {
            b.iter(|| {
                let t = &na * &nb;
                let f = &nc - &nb;
                let mut o = Array1::<f64>::zeros(n);
                Zip::from(&mut o)
                    .and(&na)
                    .and(&t)
                    .and(&f)
                    .for_each(|o, &a, &t, &f| *o = if a > 0.6 { t } else { f });
                black_box(o)
            })
        });
        g.finish();
    }

    // f32_axpby and f32_exp
    {
        let n = n();
        let av: Vec<f32> = data(n, 1).iter().map(|&x| x as f32).collect();
        let bv: Vec<f32> = data(n, 2).iter().map(|&x| x as f32).collect();
        let (a, b2) = (Array::from_vec(av.clone()), Array::from_vec(bv.clone()));
        let (na, nb) = (Array1::from(av.clone()), Array1::from(bv.clone()));
        let mut out = vec![0.0f32; n];
        let mut g = c.benchmark_group("f32_axpby");
        lazy(&mut g, "2*a + 3*b", &[("a", &a), ("b", &b2)]);
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..n {
                    out[i] = 2.0 * av[i] + 3.0 * bv[i];
                }
                black_box(&out);
            })
        });
        g.bench_function("ndarray", |b| b.iter(|| black_box(&na * 2.0f32 + &nb * 3.0f32)));
        g.finish();
        let mut g = c.benchmark_group("f32_exp");
        lazy(&mut g, "exp(a) * b", &[("a", &a), ("b", &b2)]);
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..n {
                    out[i] = av[i].exp() * bv[i];
                }
                black_box(&out);
            })
        });
        g.bench_function("ndarray", |b| b.iter(|| black_box(na.mapv(f32::exp) * &nb)));
        g.finish();
    }

    // int_mix
    {
        let n = n();
        let iv: Vec<i64> = data(n, 1).iter().map(|&x| (x * 999.0) as i64 + 1).collect();
        let jv: Vec<i64> = data(n, 2).iter().map(|&x| (x * 999.0) as i64 + 1).collect();
        let (i, j) = (Array::from_vec(iv.clone()), Array::from_vec(jv.clone()));
        let mut g = c.benchmark_group("int_mix");
        lazy(&mut g, "(i % 7) * 3 + (j // 5) - (i & 255)", &[("i", &i), ("j", &j)]);
        let mut out = vec![0i64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for k in 0..n {
                    out[k] = iv[k].rem_euclid(7) * 3 + jv[k].div_euclid(5) - (iv[k] & 255);
                }
                black_box(&out);
            })
        });
        let (ni, nj) = (Array1::from(iv.clone()), Array1::from(jv.clone()));
        g.bench_function("ndarray", |b| {
            b.iter(|| black_box(ni.mapv(|x| x.rem_euclid(7)) * 3 + nj.mapv(|x| x.div_euclid(5)) - ni.mapv(|x| x & 255)))
        });
        g.finish();
    }

    // mixed: f64 * f32 + i32
    {
        let n = n();
        let av = data(n, 1);
        let xv: Vec<f32> = data(n, 2).iter().map(|&x| x as f32).collect();
        let kv: Vec<i32> = data(n, 3).iter().map(|&x| (x * 999.0) as i32).collect();
        let (a, x, k) = (
            Array::from_vec(av.clone()),
            Array::from_vec(xv.clone()),
            Array::from_vec(kv.clone()),
        );
        let mut g = c.benchmark_group("mixed");
        lazy(&mut g, "a * x + k", &[("a", &a), ("x", &x), ("k", &k)]);
        let mut out = vec![0.0f64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..n {
                    out[i] = av[i] * xv[i] as f64 + kv[i] as f64;
                }
                black_box(&out);
            })
        });
        let (na, nx, nk) = (
            Array1::from(av.clone()),
            Array1::from(xv.clone()),
            Array1::from(kv.clone()),
        );
        g.bench_function("ndarray", |b| {
            b.iter(|| black_box(&na * &nx.mapv(f64::from) + nk.mapv(f64::from)))
        });
        g.finish();
    }

    // bcast_row: a[rows, 1000] * r[1000] + c[rows, 1]
    {
        let cols = 1000;
        let rows = (n() / cols).max(1);
        let av = data(rows * cols, 1);
        let rv = data(cols, 2);
        let cv = data(rows, 3);
        let a = Array::from_shape_vec(&[rows, cols], av.clone()).expect("a");
        let r = Array::from_vec(rv.clone());
        let cc = Array::from_shape_vec(&[rows, 1], cv.clone()).expect("c");
        let mut g = c.benchmark_group("bcast_row");
        lazy(&mut g, "a * r + c", &[("a", &a), ("r", &r), ("c", &cc)]);
        let mut out = vec![0.0f64; rows * cols];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..rows {
                    for j in 0..cols {
                        out[i * cols + j] = av[i * cols + j] * rv[j] + cv[i];
                    }
                }
                black_box(&out);
            })
        });
        let na = Array2::from_shape_vec((rows, cols), av.clone()).expect("a");
        let nr = Array1::from(rv.clone());
        let nc = Array2::from_shape_vec((rows, 1), cv.clone()).expect("c");
        g.bench_function("ndarray", |b| b.iter(|| black_box(&na * &nr + &nc)));
        g.finish();
    }

    // transpose: a + a.T
    {
        let m = (n() as f64).sqrt() as usize;
        let av = data(m * m, 1);
        let a = Array::from_shape_vec(&[m, m], av.clone()).expect("a");
        let mut g = c.benchmark_group("transpose");
        lazy(&mut g, "a + a.T", &[("a", &a)]);
        let mut out = vec![0.0f64; m * m];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..m {
                    for j in 0..m {
                        out[i * m + j] = av[i * m + j] + av[j * m + i];
                    }
                }
                black_box(&out);
            })
        });
        let na = Array2::from_shape_vec((m, m), av.clone()).expect("a");
        g.bench_function("ndarray", |b| b.iter(|| black_box(&na + &na.t())));
        g.finish();
    }

    // strided: a[::2] * b[1::2]
    {
        let n = n();
        let (av, bv) = (data(2 * n, 1), data(2 * n, 2));
        let (a, b2) = (Array::from_vec(av.clone()), Array::from_vec(bv.clone()));
        let mut g = c.benchmark_group("strided");
        lazy(&mut g, "a[::2] * b[1::2]", &[("a", &a), ("b", &b2)]);
        let mut out = vec![0.0f64; n];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..n {
                    out[i] = av[2 * i] * bv[2 * i + 1];
                }
                black_box(&out);
            })
        });
        let (na, nb) = (Array1::from(av.clone()), Array1::from(bv.clone()));
        g.bench_function("ndarray", |b| {
            b.iter(|| black_box(&na.slice(ndarray::s![..;2]) * &nb.slice(ndarray::s![1..;2])))
        });
        g.finish();
    }

    // small: 1,000 elements, the whole cached call (plan lookup included).
    {
        let (av, bv) = (data(1000, 1), data(1000, 2));
        let (a, b2) = (Array::from_vec(av.clone()), Array::from_vec(bv.clone()));
        let e = Expr::parse("2*a + 3*b", &[("a", &a), ("b", &b2)]).expect("parse");
        let (gr, arrays) = build_graph(std::slice::from_ref(&e)).expect("graph");
        let mut out = Array::zeros(lazyfuse::DType::F64, &[1000]);
        let opts = ExecOptions::default().with_threads(1);
        let mut g = c.benchmark_group("small");
        g.bench_function("lazyfuse", |b| {
            b.iter(|| runtime::eval_graph_into(&gr, &arrays, &mut out, &opts).expect("run"))
        });
        let mut o = vec![0.0f64; 1000];
        g.bench_function("hand", |b| {
            b.iter(|| {
                for i in 0..1000 {
                    o[i] = 2.0 * av[i] + 3.0 * bv[i];
                }
                black_box(&o);
            })
        });
        let (na, nb) = (Array1::from(av.clone()), Array1::from(bv.clone()));
        g.bench_function("ndarray", |b| b.iter(|| black_box(&na * 2.0 + &nb * 3.0)));
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = suite
}
criterion_main!(benches);
