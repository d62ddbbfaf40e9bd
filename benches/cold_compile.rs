//! Distribution of cold compile times (kernel and plan caches cleared
//! before each) of one expression over four f64 inputs `a`..`d`:
//!
//!     cargo bench --bench cold_compile -- "2*a + 3*b*c - d/4 + 1"
//!
//! (A probe, not a criterion benchmark: it prints the first, minimum,
//! median, 90th percentile and maximum of a thousand cold compiles.)
use lazyfuse::internals::{array::random, pipeline, runtime};
use lazyfuse::{Array, DType, Expr};
use std::time::Instant;

fn main() -> lazyfuse::Result<()> {
    let n = 1 << 20;
    let arrays: Vec<Array> = (0..4)
        .map(|k| random::random(DType::F64, &[n], k))
        .collect::<lazyfuse::Result<_>>()?;
    let bind: Vec<(&str, &Array)> = ["a", "b", "c", "d"].into_iter().zip(arrays.iter()).collect();
    // `cargo bench` passes `--bench`: the expression is the first other word.
    let text = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "2*a + 3*b*c - d/4 + 1".into());
    let expr = Expr::parse(&text, &bind)?;
    let (g, inputs) = pipeline::build_graph(std::slice::from_ref(&expr))?;
    // One-time process set-up, as `lazyfuse bench` does before timing.
    (lazyfuse::lazy(Array::zeros(DType::I8, &[1])) + 1).eval()?;
    let rounds = 1000;
    let mut ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        runtime::clear_caches();
        let t = Instant::now();
        runtime::prepare(&g, &inputs)?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let first = ms[0];
    ms.sort_by(f64::total_cmp);
    let q = |p: usize| ms[(rounds - 1) * p / 100];
    println!(
        "{text}: {rounds} cold compiles, ms: first {first:.3}, min {:.3}, median {:.3}, p90 {:.3}, max {:.3}",
        q(0),
        q(50),
        q(90),
        q(100)
    );
    Ok(())
}
