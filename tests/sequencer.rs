//! `explain` and evaluation share one sequencer and its caches: explaining
//! an expression that was evaluated compiles nothing new (its kernels'
//! text is made once, on demand, for the `clif` and `asm` stages). One
//! test in its own binary: the cache counters are process-wide.

use lazyfuse::internals::runtime::{cache_stats, text_compiles};
use lazyfuse::{lazy, Array};

#[test]
fn explain_after_eval_compiles_nothing_new() {
    let a = Array::from_shape_vec(&[64, 48], (0..3072).map(|x| x as f64 * 0.25).collect()).unwrap();
    let x = lazy(&a);
    let e = ((&x - x.mean_axes(&[0], true)) * 2.0).sin() + x.t().sum_axes(&[0], false).reshape(&[64, 1]);
    let r = e.eval().unwrap();
    let before = cache_stats();
    let loops = e.explain_stage("loop").unwrap();
    for stage in ["graph", "fused", "plan", "loop"] {
        e.explain_stage(stage).unwrap();
    }
    let after = cache_stats();
    assert_eq!(
        after.misses, before.misses,
        "explain compiled a kernel evaluation had compiled"
    );
    assert_eq!(after.entries, before.entries);
    // The loop text is the loop function that ran.
    assert!(loops.contains("loop @k0"), "{loops}");
    // The full explain compiles each kernel's text once, and then nothing.
    let t0 = text_compiles();
    let full = e.explain().unwrap();
    let t1 = text_compiles();
    assert!(t1 > t0 && full.contains(";; ---- clif ----"), "{full}");
    let again = e.explain().unwrap();
    assert_eq!(text_compiles(), t1, "the text was made twice");
    assert_eq!(cache_stats().misses, before.misses);
    assert_eq!(full, again);
    // And evaluation after explain uses the same kernels.
    assert_eq!(e.eval().unwrap(), r);
    assert_eq!(cache_stats().misses, before.misses);
}
