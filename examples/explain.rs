//! Reading the dumps of an expression to see why it is fast.
//!
//! `Expr::explain` prints every stage of what will be compiled; each stage
//! answers one question:
//!
//! - `graph`: what is computed, after simplification (shared
//!   subexpressions, folded constants, `x / 4` turned into `x * 0.25`);
//! - `fused`: how many passes over memory (kernels), and how many
//!   temporary arrays fusion removed;
//! - `plan`: how many bytes are allocated, against what NumPy-style eager
//!   evaluation would allocate (also as data: `Expr::memory_report`);
//! - `loop`: how each kernel walks memory (dimensions, strides per operand,
//!   vector width, unroll factor);
//! - `clif` and `asm`: the code generated for it.
//!
//! ```text
//! cargo run --release --example explain
//! ```
//!
//! (`cargo test` runs it too, through the `#[test]` at the bottom.)

use lazyfuse::{lazy, Array, Expr};

fn main() -> Result<(), lazyfuse::Error> {
    let n = 1_000_000;
    let a = Array::linspace(0.0, 1.0, n)?;
    let b = Array::linspace(1.0, 2.0, n)?;
    let m = Array::from_shape_vec(&[1000, 1000], vec![0.5f64; n])?;

    // 1. An element-wise chain: four inputs, one kernel, one output buffer.
    let e = Expr::parse("2*a + 3*b*c - d/4 + 1", &[("a", &a), ("b", &b), ("c", &a), ("d", &b)])?;
    println!("{}", e.explain_stage("fused")?);
    let r = e.memory_report()?;
    println!(
        "one pass instead of {} eager ones: {} bytes allocated instead of {}\n",
        r.eager_arrays, r.planned_bytes, r.eager_bytes
    );
    assert_eq!((r.buffers, r.temporaries_eliminated), (1, 6));

    // 2. A reduction fused with what feeds it: `sum(a * b)` reads a and b
    //    once and stores nothing but the result.
    let dot = (lazy(&a) * lazy(&b)).sum();
    let fused = dot.explain_stage("fused")?;
    println!("{fused}");
    assert!(fused.contains("1 kernel"));

    // 3. A transposed input: `sum(m.T, axis=1)` (the column sums of m).
    //    The loop stage shows the kernel walking m's memory in order (the
    //    stride-1 axis innermost, `strides %x0 [1000, 1]`), adding each row
    //    of m into the output row (`%t0 [0, 1]`): one contiguous pass.
    let col = lazy(m.t()).sum_axes(&[1], false);
    println!("{}", col.explain_stage("loop")?);

    // 4. Everything at once, the way `lazyfuse explain` prints it.
    let all = (lazy(&a).sin() * 2.0).explain()?;
    for stage in ["graph @", "fused @", "plan @", "loop @"] {
        assert!(all.contains(stage), "{stage} missing");
    }
    println!(
        "(full explain: {} lines; set LAZYFUSE_DUMP=<dir> to write them to files)",
        all.lines().count()
    );
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
