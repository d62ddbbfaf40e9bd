use lazyfuse::internals::{array::random, pipeline, runtime};
use lazyfuse::{Array, DType, Expr};
use std::time::Instant;
#[target_feature(enable = "avx2,fma")]
fn hand(a: &[f64], o: &mut [f64]) {
    for (o, &a) in o.iter_mut().zip(a) {
        *o = ((((a * 0.5 + 1.5) * a - 2.5) * a + 3.5) * a - 4.5) * a + 5.5;
    }
}
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let a = random::random(DType::F64, &[n], 1).unwrap();
    let e = Expr::parse("((((a*0.5 + 1.5)*a - 2.5)*a + 3.5)*a - 4.5)*a + 5.5", &[("a", &a)]).unwrap();
    let (g, inputs) = pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
    let p = runtime::prepare(&g, &inputs).unwrap();
    let mut out = Array::zeros(DType::F64, &[n]);
    let mut hout = vec![0.0f64; n];
    let av: Vec<f64> = (0..n).map(|i| a.get(&[i]).unwrap().as_f64()).collect();
    let opts = runtime::ExecOptions::default().with_threads(1);
    let reps = (1usize << 27) / n;
    let mut rs = vec![];
    for _ in 0..11 {
        let t = Instant::now();
        for _ in 0..reps {
            p.run_into(&inputs, &mut out, &opts).unwrap();
        }
        let l = t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..reps {
            unsafe { hand(&av, &mut hout) };
            std::hint::black_box(&mut hout);
        }
        let h = t.elapsed().as_secs_f64();
        rs.push((l / h, l / (reps * n) as f64 * 1e9, h / (reps * n) as f64 * 1e9));
    }
    rs.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "n={n} ratio {:.2} lazy {:.3} ns/elt hand {:.3} ns/elt",
        rs[5].0, rs[5].1, rs[5].2
    );
}
