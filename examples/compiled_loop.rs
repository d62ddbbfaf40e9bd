//! A compiled function applied in a loop over many arrays: compile once
//! (`Expr::compile` over `Expr::input` placeholders, or `Function::parse`),
//! then call with arrays of any shape that fits. The first call for a set
//! of input shapes lowers the expression; the first for a set of strides
//! prepares a plan; after that a call goes straight to the compiled
//! kernels — the numexpr `NumExpr(ex).run(a, b)` / `jax.jit(f)` pattern.
//!
//! ```text
//! cargo run --release --example compiled_loop
//! ```

use lazyfuse::{Array, DType, Expr, Function};
use std::time::Instant;

fn main() -> Result<(), lazyfuse::Error> {
    // A logistic-regression style score: sigmoid(w·x + b), per row.
    let x = Expr::input("x", DType::F64);
    let w = Expr::input("w", DType::F64);
    let z = (&x * &w).sum_axes(&[1], false) + 0.5;
    let score: Function = (1.0 / (1.0 + (-z).exp())).compile()?;

    let weights = Array::from_vec((0..16).map(|k| (k as f64 - 8.0) * 0.1).collect::<Vec<_>>());
    let batches: Vec<Array> = (0..200)
        .map(|b| {
            let rows = 1000 + (b % 3) * 500; // three batch sizes
            let v: Vec<f64> = (0..rows * 16).map(|k| ((k * 7 + b) % 31) as f64 * 0.05 - 0.7).collect();
            Array::from_shape_vec(&[rows, 16], v)
        })
        .collect::<Result<_, _>>()?;

    let start = Instant::now();
    let mut total = 0.0;
    for batch in &batches {
        let s = score.call(&[("x", batch), ("w", &weights)])?;
        total += s.as_slice::<f64>()?.iter().sum::<f64>();
    }
    let per_call = start.elapsed().as_secs_f64() / batches.len() as f64;
    println!(
        "{} batches (3 shapes): mean score {:.6}, {:.1} us per call, {:?} graphs/plans cached",
        batches.len(),
        total / batches.iter().map(|b| b.shape()[0]).sum::<usize>() as f64,
        per_call * 1e6,
        score.cached_plans()
    );

    // The same function from a string, checked against the Rust one.
    let parsed = Function::parse(
        "1 / (1 + exp(-(sum(x * w, axis=1) + 0.5)))",
        &[("x", DType::F64), ("w", DType::F64)],
    )?;
    for batch in batches.iter().take(3) {
        let a = score.call(&[("x", batch), ("w", &weights)])?;
        let b = parsed.call(&[("x", batch), ("w", &weights)])?;
        assert_eq!(a, b);
    }
    // A wrong input is an error naming it.
    let wrong = Array::from_vec(vec![1.0f32; 16]);
    let err = score.call(&[("x", &batches[0]), ("w", &wrong)]).unwrap_err();
    println!("a wrong dtype: {err}");
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
