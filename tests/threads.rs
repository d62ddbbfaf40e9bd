//! The executor's thread pool is bounded: evaluations with thread counts
//! 2..64 in turn once left one pool per count alive (2,080 OS threads).
//! Alone in its test binary so no other test's threads are counted.

use lazyfuse::internals::runtime::{ExecOptions, MAX_THREADS};
use lazyfuse::{lazy, Array};
use std::time::{Duration, Instant};

/// The `Threads:` line of `/proc/self/status`.
fn os_threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .expect("a Threads: line");
    line.trim().parse().expect("a thread count")
}

#[test]
fn thread_counts_2_to_64_leave_one_bounded_pool() {
    // Split even small arrays (read once, before the first evaluation).
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "1");
    let a = Array::from_vec((0..4096).map(|i| i as f64).collect());
    let e = (lazy(&a) * 2.0 + 1.0).sum();
    let want = e
        .eval_with(&ExecOptions::default().with_threads(1))
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    let elementwise = lazy(&a) * 3.0;
    let want_ew = elementwise.eval().unwrap().to_vec::<f64>().unwrap();
    let before = os_threads();
    for threads in 2..=64 {
        let opts = ExecOptions::default().with_threads(threads);
        assert_eq!(e.eval_with(&opts).unwrap().to_vec::<f64>().unwrap(), want, "{threads}");
        assert_eq!(
            elementwise.eval_with(&opts).unwrap().to_vec::<f64>().unwrap(),
            want_ew,
            "{threads}"
        );
    }
    // One pool of 64 threads remains; replaced pools' threads exit shortly
    // after they are dropped.
    let bound = before + 64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while os_threads() > bound && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        os_threads() <= bound,
        "{} OS threads, at most {bound} expected",
        os_threads()
    );
    // Above the cap: an error naming it, and no pool grows.
    let err = e
        .eval_with(&ExecOptions::default().with_threads(MAX_THREADS + 1))
        .unwrap_err();
    assert_eq!(err.to_string(), "257 threads asked for: the limit is 256");
    let err = lazy(&a)
        .eval_with(&ExecOptions::default().with_threads(100_000))
        .unwrap_err();
    assert_eq!(err.to_string(), "100000 threads asked for: the limit is 256");
    assert!(os_threads() <= bound);
}
