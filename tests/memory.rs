//! Memory: a counting global allocator measures the peak bytes allocated
//! while evaluating (large buffers are mappings, reported to the same
//! counters). Fused expressions allocate their output and a few KiB more.

use lazyfuse::internals::alloc_count::{self, CountingAlloc};
use lazyfuse::internals::array::{clear_pool, random};
use lazyfuse::{lazy, Array, DType, Expr};
use std::sync::Mutex;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Tests in this file measure process-wide counters: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const SLACK: usize = 64 << 10;

/// Peak bytes allocated beyond the starting level while `f` runs (the
/// result is kept alive until after the measurement).
fn peak_extra<T>(f: impl FnOnce() -> T) -> (usize, T) {
    clear_pool();
    let base = alloc_count::current();
    alloc_count::reset_peak();
    let r = f();
    (alloc_count::peak().saturating_sub(base), r)
}

fn inputs(n: usize, k: usize) -> Vec<Array> {
    (0..k)
        .map(|i| random::random(DType::F64, &[n], 7 + i as u64).unwrap())
        .collect()
}

#[test]
fn single_kernel_expressions_allocate_only_their_output() {
    let _g = SERIAL.lock().unwrap();
    let n = 1 << 20;
    let ins = inputs(n, 4);
    let names = ["a", "b", "c", "d"];
    let bind: Vec<(&str, &Array)> = names.iter().copied().zip(ins.iter()).collect();
    for src in [
        "2*a + 3*b*c - d/4 + 1",
        "where(a > 0.6, a*b, c - b)",
        "sqrt(a**2 + b**2)",
        "sin(a)**2 + cos(b)**2",
        "(a + b.astype('float32')) * 2",
    ] {
        let e = Expr::parse(src, &bind).unwrap();
        e.eval().unwrap(); // compile outside the measurement
        let (extra, out) = peak_extra(|| e.eval().unwrap());
        assert!(
            extra <= out.nbytes() + SLACK,
            "{src}: peak extra {extra} bytes for a {} byte output",
            out.nbytes()
        );
    }
}

#[test]
fn eval_into_a_reused_buffer_allocates_almost_nothing() {
    let _g = SERIAL.lock().unwrap();
    let ins = inputs(1 << 20, 2);
    let e = lazy(&ins[0]) * 2.0 + lazy(&ins[1]) * 3.0;
    let mut out = Array::zeros(DType::F64, &[1 << 20]);
    e.eval_into(&mut out).unwrap();
    let (extra, ()) = peak_extra(|| e.eval_into(&mut out).unwrap());
    assert!(extra <= SLACK, "eval_into allocated {extra} bytes");
}

#[test]
fn a_handed_over_input_costs_no_new_array_bytes() {
    let _g = SERIAL.lock().unwrap();
    let n = 1 << 20;
    // Warm the kernel cache with the same structure.
    let warm = random::random(DType::F64, &[n], 1).unwrap();
    (lazy(warm) * 2.0 + 1.0).sqrt().eval().unwrap();
    let a = random::random(DType::F64, &[n], 2).unwrap();
    let p = a.as_ptr();
    let e = (lazy(a) * 2.0 + 1.0).sqrt();
    let (extra, out) = peak_extra(|| e.eval().unwrap());
    assert_eq!(out.as_ptr(), p, "computed in place");
    assert!(extra <= SLACK, "a donated evaluation allocated {extra} bytes");
}

#[test]
fn standardize_allocates_only_its_output() {
    let _g = SERIAL.lock().unwrap();
    let n = 1 << 20;
    let a = random::random(DType::F64, &[n], 3).unwrap();
    let x = lazy(&a);
    let e = (&x - x.mean()) / x.std(0);
    e.eval().unwrap();
    let (extra, out) = peak_extra(|| e.eval().unwrap());
    assert!(
        extra <= out.nbytes() + SLACK,
        "standardize: peak extra {extra} for a {} byte output",
        out.nbytes()
    );
    // Handed over: not even the output.
    let b = random::random(DType::F64, &[n], 4).unwrap();
    let y = lazy(b);
    let e = (&y - y.mean()) / y.std(0);
    drop(y);
    let (extra, _out) = peak_extra(|| e.eval().unwrap());
    assert!(extra <= SLACK, "donated standardize allocated {extra} bytes");
}

#[test]
fn reductions_allocate_no_temporary() {
    let _g = SERIAL.lock().unwrap();
    let (a, b) = (
        random::random(DType::F64, &[1 << 20], 5).unwrap(),
        random::random(DType::F64, &[1 << 20], 6).unwrap(),
    );
    let m = random::random(DType::F64, &[1024, 1024], 7).unwrap();
    for e in [
        (lazy(&a) * lazy(&b)).sum(),
        (lazy(&m) * 2.0 + 1.0).sum_axes(&[0], false),
        (lazy(&m) * lazy(&m)).sum_axes(&[1], false),
        lazy(&a).var(1),
    ] {
        e.eval().unwrap();
        let (extra, out) = peak_extra(|| e.eval().unwrap());
        assert!(
            extra <= out.nbytes() + SLACK,
            "peak extra {extra} for a {} byte result",
            out.nbytes()
        );
    }
}
