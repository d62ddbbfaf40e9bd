//! The streaming executor: evaluations over memory-mapped `.npy` inputs
//! read window by window with `pread`, within small memory budgets, give
//! the bits of in-memory evaluation (of the same files read whole), for
//! element-wise work, reductions along every axis, multi-pass plans and
//! inputs read across windows; a file that changes while it is read is an
//! error.

use lazyfuse::internals::pipeline::eval_streamed_report;
use lazyfuse::{lazy, Array, ExecOptions, Expr};
use std::path::PathBuf;

struct Dir(PathBuf);
impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("lazyfuse-stream-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn file(&self, name: &str, a: &Array) -> PathBuf {
        let p = self.0.join(name);
        a.write_npy(&p).unwrap();
        p
    }
}
impl Drop for Dir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn data(shape: &[usize], seed: u64) -> Array {
    let n: usize = shape.iter().product();
    let mut rng = lazyfuse::internals::array::random::SplitMix64(seed);
    let v: Vec<f64> = (0..n).map(|_| rng.next_f64() * 10.0 - 3.0).collect();
    Array::from_shape_vec(shape, v).unwrap()
}

/// Evaluates `src` over the files both ways (mapped + streamed with each
/// budget, and read whole in memory) and checks the bits.
fn check(dir: &Dir, src: &str, inputs: &[(&str, Array)], budgets: &[usize]) {
    let paths: Vec<PathBuf> = inputs.iter().map(|(n, a)| dir.file(&format!("{n}.npy"), a)).collect();
    let whole: Vec<Array> = paths.iter().map(|p| Array::read_npy(p).unwrap()).collect();
    // SAFETY: the test owns the files and does not change them.
    let mapped: Vec<Array> = paths.iter().map(|p| unsafe { Array::open_npy(p) }.unwrap()).collect();
    let bind = |arrays: &[Array]| -> Expr {
        let named: Vec<(&str, &Array)> = inputs.iter().map(|(n, _)| *n).zip(arrays).collect();
        Expr::parse(src, &named).unwrap()
    };
    let want = bind(&whole).eval().unwrap();
    for &budget in budgets {
        for threads in [1, 2] {
            let opts = ExecOptions::default().with_threads(threads).with_memory(budget);
            let (got, report) = eval_streamed_report(&[bind(&mapped)], &opts).unwrap();
            assert_eq!(got[0], want, "{src} budget {budget} threads {threads}: {report:?}");
            assert!(report.bytes_read > 0, "{src}: nothing streamed: {report:?}");
        }
    }
    // Through the ordinary API (mapped inputs always stream).
    assert_eq!(bind(&mapped).eval().unwrap(), want, "{src} eval");
}

#[test]
fn element_wise_streams_equal_in_memory() {
    let d = Dir::new("ew");
    let (a, b) = (data(&[300_001], 1), data(&[300_001], 2));
    check(
        &d,
        "sqrt(a*a + b*b) * 0.5",
        &[("a", a.clone()), ("b", b.clone())],
        &[1 << 16, 1 << 20, 1 << 30],
    );
    let (a2, b2) = (data(&[1001, 7], 3), data(&[7], 4));
    check(&d, "exp(a) / (1 + b)", &[("a", a2), ("b", b2)], &[1 << 12, 1 << 16]);
}

#[test]
fn reductions_stream_with_in_memory_bits() {
    let d = Dir::new("red");
    let (a, b) = (data(&[1_300_007], 5), data(&[1_300_007], 6));
    check(
        &d,
        "sum(a * b)",
        &[("a", a.clone()), ("b", b)],
        &[1 << 16, 3 << 20, 1 << 30],
    );
    check(&d, "a - mean(a)", &[("a", a.clone())], &[1 << 16, 3 << 20]);
    check(&d, "(a - mean(a)) / std(a)", &[("a", a.clone())], &[1 << 16, 3 << 20]);
    check(&d, "argmax(a) + argmin(a)", &[("a", a.clone())], &[1 << 16]);
    check(&d, "var(a, ddof=1)", &[("a", a)], &[1 << 16]);
    let m = data(&[200_003, 8], 7);
    check(&d, "sum(m, axis=0)", &[("m", m.clone())], &[1 << 14, 1 << 20]);
    check(
        &d,
        "m / sum(m, axis=1, keepdims=True)",
        &[("m", m.clone())],
        &[1 << 14, 1 << 20],
    );
    check(&d, "max(m, axis=0) - min(m, axis=1).sum()", &[("m", m)], &[1 << 14]);
}

#[test]
fn inputs_read_across_windows_are_read_whole() {
    let d = Dir::new("whole");
    let m = data(&[300, 200], 8);
    check(&d, "m.T * 2 + m.T", &[("m", m.clone())], &[1 << 12]);
    check(&d, "m[::-1] + m", &[("m", m)], &[1 << 12]);
}

#[test]
fn edge_sizes() {
    let d = Dir::new("edge");
    for n in [0usize, 1, 2, 63, 64, 65] {
        let a = data(&[n], 9);
        let p = d.file("a.npy", &a);
        // SAFETY: the test owns the file.
        let m = unsafe { Array::open_npy(&p) }.unwrap();
        let opts = ExecOptions::default().with_memory(64);
        for e in [lazy(&m) * 2.0 + 1.0, lazy(&m).sum(), lazy(&m) - lazy(&m).mean()] {
            let want = {
                let w = Array::read_npy(&p).unwrap();
                let x = lazy(&w);
                match e.explain_stage("graph").unwrap().contains("mean") {
                    true => (&x - x.mean()).eval(),
                    false if e.explain_stage("graph").unwrap().contains("sum") => x.sum().eval(),
                    false => (x * 2.0 + 1.0).eval(),
                }
            };
            let got = eval_streamed_report(&[e], &opts).map(|(mut v, _)| v.remove(0));
            assert_eq!(got.map_err(|e| e.to_string()), want.map_err(|e| e.to_string()), "n={n}");
        }
    }
}

#[test]
fn a_file_that_changes_while_read_is_an_error() {
    let d = Dir::new("shrink");
    let a = data(&[100_000], 10);
    let p = d.file("a.npy", &a);
    // SAFETY: the mapping is never touched: evaluation reads with pread.
    let m = unsafe { Array::open_npy(&p) }.unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(1000).unwrap();
    let err = (lazy(&m) * 2.0).eval().unwrap_err().to_string();
    assert!(err.contains("changed while it was being read"), "{err}");
    let err = lazy(&m).sum().eval().unwrap_err().to_string();
    assert!(err.contains("changed"), "{err}");
}

fn concat_rows(chunks: Vec<Array>, want: &Array) -> Array {
    let mut bytes: Vec<f64> = vec![];
    for c in &chunks {
        assert_eq!(&c.shape()[1..], &want.shape()[1..]);
        bytes.extend(c.to_vec::<f64>().unwrap());
    }
    Array::from_shape_vec(want.shape(), bytes).unwrap()
}

#[test]
fn eval_to_npy_and_eval_chunks_stream_results() {
    let d = Dir::new("out");
    let (a, b) = (data(&[500_003], 11), data(&[500_003], 12));
    let (pa, pb) = (d.file("a.npy", &a), d.file("b.npy", &b));
    // SAFETY: the test owns the files.
    let (ma, mb) = unsafe { (Array::open_npy(&pa).unwrap(), Array::open_npy(&pb).unwrap()) };
    let m = data(&[40_001, 5], 13);
    for (name, e, w) in [
        (
            "hyp",
            (lazy(&ma) * lazy(&ma) + lazy(&mb) * lazy(&mb)).sqrt() * 0.5,
            None,
        ),
        ("z", (lazy(&ma) - lazy(&ma).mean()) / lazy(&ma).std(0), None),
        ("rows", lazy(&m) / lazy(&m).sum_axes(&[1], true), Some(&m)),
        ("scalar", (lazy(&ma) * lazy(&mb)).sum(), None),
        ("empty", lazy(&ma).slice(&[lazyfuse::Index::range(5, 5, 1)]) * 2.0, None),
    ] {
        let _ = w;
        let want = {
            let (wa, wb) = (Array::read_npy(&pa).unwrap(), Array::read_npy(&pb).unwrap());
            let _ = (&wa, &wb);
            e.eval().unwrap()
        };
        for budget in [1 << 12, 1 << 20, 1 << 28] {
            let opts = ExecOptions::default().with_memory(budget).with_threads(2);
            let out = d.0.join(format!("{name}.npy"));
            e.eval_to_npy_with(&out, &opts).unwrap();
            assert_eq!(Array::read_npy(&out).unwrap(), want, "{name} budget {budget}");
            let chunks: Vec<Array> = e.eval_chunks(&opts).unwrap().map(|c| c.unwrap()).collect();
            if want.ndim() == 0 {
                assert_eq!(chunks, vec![want.clone()]);
            } else {
                if budget == 1 << 12 && want.len() > 10_000 {
                    assert!(chunks.len() > 10, "{name}: {} chunks", chunks.len());
                }
                assert_eq!(concat_rows(chunks, &want), want, "{name} chunks budget {budget}");
            }
        }
    }
    // Dropping the iterator early stops the evaluation.
    let mut it = (lazy(&ma) * 2.0)
        .eval_chunks(&ExecOptions::default().with_memory(1 << 12))
        .unwrap();
    assert!(it.next().unwrap().is_ok());
    drop(it);
}

/// A write that fails mid-stream (here: the file-size limit of `ulimit -f`,
/// the same path as a full disk) is a one-line error; the old output is
/// untouched and no temporary is left behind. The output may also be an
/// input file (read to the end before it is replaced).
#[cfg(feature = "cli")]
#[test]
fn cli_write_failures_mid_stream_leave_the_old_output() {
    let d = Dir::new("cli-faults");
    let a = data(&[1_000_000], 14);
    let pa = d.file("a.npy", &a);
    let old = Array::from_vec(vec![1.0f64, 2.0]);
    let out = d.file("out.npy", &old);
    let before: Vec<_> = std::fs::read_dir(&d.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let cmd = format!(
        "ulimit -f 1000; exec '{}' eval 'a * 2' -i a='{}' -o '{}' --memory 1M",
        env!("CARGO_BIN_EXE_lazyfuse"),
        pa.display(),
        out.display()
    );
    let r = std::process::Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("too large"), "{err}");
    assert_eq!(Array::read_npy(&out).unwrap(), old);
    let mut after: Vec<_> = std::fs::read_dir(&d.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after, "a temporary was left behind");

    // The output is the input: read whole before it is replaced.
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .args(["eval", "a - mean(a)", "-i"])
        .arg(format!("a={}", pa.display()))
        .args(["-o", pa.to_str().unwrap(), "--memory", "1M"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let want = (lazy(&a) - lazy(&a).mean()).eval().unwrap();
    assert_eq!(Array::read_npy(&pa).unwrap(), want);
}

#[test]
fn npy_sources_stream_and_detect_changes() {
    let d = Dir::new("npysrc");
    let a = data(&[700_001], 15);
    let m = data(&[5001, 9], 16);
    let pa = d.file("a.npy", &a);
    let pm = d.file("m.npy", &m);
    let (x, y) = (Expr::npy("x", &pa).unwrap(), Expr::npy("m", &pm).unwrap());
    let (xa, ym) = (lazy(&a), lazy(&m));
    for budget in [1 << 12, 1 << 20] {
        let opts = ExecOptions::default().with_memory(budget).with_threads(2);
        for (got, want) in [
            ((&x - x.mean()) / x.std(0), (&xa - xa.mean()) / xa.std(0)),
            (x.sum(), xa.sum()),
            (
                x.slice(&[lazyfuse::Index::range(-1, -700_002, -1)]) * 3.0,
                xa.slice(&[lazyfuse::Index::range(-1, -700_002, -1)]) * 3.0,
            ),
        ] {
            let (g, report) = eval_streamed_report(&[got], &opts).unwrap();
            assert_eq!(g[0], want.eval().unwrap(), "budget {budget}");
            assert!(report.bytes_read >= a.nbytes() as u64 || g[0].ndim() == 0, "{report:?}");
        }
        for (got, want) in [
            (y.sum_axes(&[0], false), ym.sum_axes(&[0], false)),
            (y.t().sum_axes(&[1], false), ym.t().sum_axes(&[1], false)),
            (&y / y.max_axes(&[1], true), &ym / ym.max_axes(&[1], true)),
        ] {
            assert_eq!(got.eval_with(&opts).unwrap(), want.eval().unwrap(), "budget {budget}");
        }
    }
    // Explain needs only the header; the plan shows the streaming.
    let plan = ((&x - x.mean()) / x.std(0)).explain_stage("plan").unwrap();
    assert!(plan.contains("streaming") && plan.contains("2 passes"), "{plan}");
    // A file changed after it was opened is an error, not a crash.
    let big = data(&[800_000], 17);
    big.write_npy(&pa).unwrap();
    let err = x.sum().eval().unwrap_err().to_string();
    assert!(err.contains("changed after it was opened"), "{err}");
    let x2 = Expr::npy("x", &pa).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&pa)
        .unwrap()
        .set_len(1000)
        .unwrap();
    let err = x2.sum().eval().unwrap_err().to_string();
    assert!(err.contains("changed"), "{err}");
    assert!(Expr::npy("x", d.0.join("missing.npy")).is_err());
    assert!(Expr::npy("x", &d.0).is_err());
}

/// Random expressions (element-wise ops, reductions over random axes that
/// feed element-wise work, transposes, slices) over two `.npy` files,
/// streamed with random budgets (down to a window of one row or less) and
/// thread counts: the bits of the in-memory evaluation, every time.
#[test]
fn random_expressions_stream_with_in_memory_bits() {
    use lazyfuse::internals::array::random::SplitMix64;
    let d = Dir::new("random");
    let mut rng = SplitMix64(2026);
    let mut evaluated = 0;
    for case in 0..40 {
        let rows = rng.pick(&[0usize, 1, 2, 7, 64, 1000, 3001]);
        let cols = rng.pick(&[1usize, 3, 8]);
        let (a, b) = (data(&[rows, cols], case * 2 + 1), data(&[rows, cols], case * 2 + 2));
        let (pa, pb) = (d.file("a.npy", &a), d.file("b.npy", &b));
        // Leaves and a small grammar, depth 3.
        let mut e = rng.pick(&["a", "b", "a.T.T", "b[::-1]"]).to_string();
        for _ in 0..3 {
            let other = rng.pick(&["a", "b", "1.5", "b[::-1]"]);
            e = match rng.below(9) {
                0 => format!("({e} + {other})"),
                1 => format!("({e} * {other})"),
                2 => format!("sin({e})"),
                3 => format!("sqrt(abs({e}))"),
                4 => format!("({e} - mean({e}, axis=0))"),
                5 => format!("({e} / (1 + sum(abs({e}), axis=1, keepdims=True)))"),
                6 => format!("where({e} > 0, {e}, {other})"),
                7 => format!("({e} - max({e}))"),
                _ => format!("exp(-({e}) ** 2)"),
            };
        }
        let full = if rng.chance(0.3) {
            format!("sum({e}, axis=0)")
        } else {
            e.clone()
        };
        let (wa, wb) = (Array::read_npy(&pa).unwrap(), Array::read_npy(&pb).unwrap());
        let want = Expr::parse(&full, &[("a", &wa), ("b", &wb)]).and_then(|x| x.eval());
        let (sa, sb) = (Expr::npy("a", &pa).unwrap(), Expr::npy("b", &pb).unwrap());
        let budget = rng.pick(&[1usize, 64, 1 << 10, 1 << 16, 1 << 24]);
        let threads = rng.pick(&[1usize, 2]);
        let opts = ExecOptions::default().with_memory(budget).with_threads(threads);
        let got = Expr::parse_exprs(&full, &[("a", &sa), ("b", &sb)]).and_then(|x| x.eval_with(&opts));
        assert_eq!(
            got.map_err(|e| e.to_string()),
            want.map_err(|e| e.to_string()),
            "case {case}: {full} over [{rows}, {cols}], budget {budget}, {threads} threads"
        );
        // Into a file, window by window.
        if let Ok(w) = Expr::parse(&full, &[("a", &wa), ("b", &wb)]).and_then(|x| x.eval()) {
            evaluated += 1;
            let out = d.0.join("out.npy");
            Expr::parse_exprs(&full, &[("a", &sa), ("b", &sb)])
                .unwrap()
                .eval_to_npy_with(&out, &opts)
                .unwrap();
            assert_eq!(Array::read_npy(&out).unwrap(), w, "case {case}: {full} to a file");
        }
    }
    // Most cases evaluate (the rest must fail the same way both ways).
    assert!(evaluated >= 30, "only {evaluated} of 40 cases evaluated");
}
