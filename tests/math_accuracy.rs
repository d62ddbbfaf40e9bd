//! NumPy's own accuracy suite, run against lazyfuse's math kernels.
//!
//! `tests/golden/umath/umath-validation-set-<ufunc>.csv` are NumPy's files
//! (copied by `scripts/convert_umath_validation.py`; see the README there):
//! 26,610 rows of `dtype,input,correctly rounded output,ulp tolerance`.
//! As NumPy's `test_umath_accuracy.py` does, every row of a (file, dtype)
//! subset must be within the subset's largest tolerance, counted as
//! `numpy.testing.assert_array_max_ulp` counts (every NaN equals every
//! NaN, -0 equals +0, ULPs counted across zero). On top of NumPy's check,
//! a zero of the wrong sign fails too (NumPy's measure cannot see it).
//!
//! `numpy_validation_set` checks the scalar kernels (the op table's entry
//! points, which the interpreter calls) and prints the max ULP per function
//! and dtype (`cargo test --test math_accuracy -- --nocapture`).
//! `numpy_validation_set_jit` runs every row's input through a compiled
//! kernel (`lazy(&a).unary(op)`) and through the interpreter: both must
//! give the kernels' bits (any NaN equals any NaN: which NaN comes out
//! of a two-NaN operation depends on LLVM's operand order, see
//! `src/math/paths_test.rs`).

use lazyfuse::internals::expr::{lower, UnaryOp};
use lazyfuse::internals::runtime::{eval_graph, ExecOptions};
use lazyfuse::{lazy, Array};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One row of a validation file.
#[derive(Clone, Copy)]
struct Row {
    f64: bool,
    input: u64,
    output: u64,
    tol: u64,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/umath")
}

/// Every file: (ufunc name, rows), sorted by name.
fn load() -> Vec<(String, Vec<Row>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/golden/umath exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 20, "NumPy ships 20 validation files");
    files
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap();
            let name = stem
                .strip_prefix("umath-validation-set-")
                .expect("file name")
                .to_string();
            let text = std::fs::read_to_string(p).unwrap();
            // As NumPy: drop comment lines, then the header line.
            let rows = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with('$'))
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let f: Vec<&str> = l.split(',').map(str::trim).collect();
                    assert_eq!(f.len(), 4, "{name}: bad row {l:?}");
                    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
                    Row {
                        f64: match f[0] {
                            "np.float64" => true,
                            "np.float32" => false,
                            t => panic!("{name}: dtype {t}"),
                        },
                        input: hex(f[1]),
                        output: hex(f[2]),
                        tol: f[3].parse().unwrap(),
                    }
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// The op whose math function has NumPy's name `name`.
fn op(name: &str) -> UnaryOp {
    *UnaryOp::ALL
        .iter()
        .find(|op| op.math().is_some_and(|m| m.name == name))
        .unwrap_or_else(|| panic!("no op calls math function {name}"))
}

/// `numpy.testing`'s integer representation: ordered like the floats,
/// -0 == +0, every NaN the same.
fn int_repr(bits: u64, f64: bool) -> i128 {
    if f64 {
        let x = f64::from_bits(bits);
        let b = if x.is_nan() { f64::NAN.to_bits() } else { bits } as i64;
        (if b < 0 { i64::MIN.wrapping_sub(b) } else { b }) as i128
    } else {
        let x = f32::from_bits(bits as u32);
        let b = if x.is_nan() { f32::NAN.to_bits() } else { bits as u32 } as i32;
        (if b < 0 { i32::MIN.wrapping_sub(b) } else { b }) as i128
    }
}

/// ULPs between two results, as `numpy.testing.nulp_diff` counts them.
fn ulps(a: u64, b: u64, f64: bool) -> u128 {
    (int_repr(a, f64) - int_repr(b, f64)).unsigned_abs()
}

fn is_zero(bits: u64, f64: bool) -> bool {
    if f64 {
        f64::from_bits(bits) == 0.0
    } else {
        f32::from_bits(bits as u32) == 0.0
    }
}

fn show(bits: u64, f64: bool) -> String {
    if f64 {
        format!("{:#018x} ({:e})", bits, f64::from_bits(bits))
    } else {
        format!("{:#010x} ({:e})", bits, f32::from_bits(bits as u32))
    }
}

/// The kernel's result bits for a row (the op table's scalar entry point).
fn ours(op: UnaryOp, r: &Row) -> u64 {
    let m = op.math().unwrap();
    if r.f64 {
        (m.f64)(f64::from_bits(r.input)).to_bits()
    } else {
        u64::from((m.f32)(f32::from_bits(r.input as u32)).to_bits())
    }
}

#[test]
fn numpy_validation_set() {
    let mut failures = Vec::new();
    // (name, dtype) -> (rows, tolerance, max ULP, sum of ULPs)
    let mut stats: BTreeMap<(String, &str), (usize, u64, u128, u128)> = BTreeMap::new();
    let mut total = 0;
    for (name, rows) in load() {
        let op = op(&name);
        for f64 in [true, false] {
            let sub: Vec<&Row> = rows.iter().filter(|r| r.f64 == f64).collect();
            if sub.is_empty() {
                continue;
            }
            let dt = if f64 { "float64" } else { "float32" };
            // NumPy: the subset's largest tolerance applies to every row.
            let tol = sub.iter().map(|r| r.tol).max().unwrap();
            let mut max = 0;
            let mut sum = 0;
            for r in &sub {
                let got = ours(op, r);
                let u = ulps(got, r.output, f64);
                let zero_sign = is_zero(got, f64) && is_zero(r.output, f64) && got != r.output;
                if u > u128::from(tol) || zero_sign {
                    failures.push(format!(
                        "{name} {dt}: input {}: expected {}, ours {}, {u} ULP{} (tolerance {tol})",
                        show(r.input, f64),
                        show(r.output, f64),
                        show(got, f64),
                        if zero_sign { ", zero of the wrong sign" } else { "" }
                    ));
                }
                max = max.max(u);
                sum += u;
            }
            total += sub.len();
            stats.insert((name.clone(), dt), (sub.len(), tol, max, sum));
        }
    }
    println!("NumPy umath validation set: {total} rows");
    println!("| function | dtype | rows | NumPy tolerance | max ULP | mean ULP |");
    println!("|---|---|---:|---:|---:|---:|");
    for ((name, dt), (n, tol, max, sum)) in &stats {
        println!(
            "| {name} | {dt} | {n} | {tol} | {max} | {:.3} |",
            *sum as f64 / *n as f64
        );
    }
    assert_eq!(total, 26_610, "rows read");
    assert!(
        failures.is_empty(),
        "{} rows outside NumPy's tolerance:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The JIT (a compiled kernel calling the block functions) and the
/// interpreter give the kernels' bits on every row's input.
#[test]
fn numpy_validation_set_jit() {
    let mut failures = Vec::new();
    for (name, rows) in load() {
        let op = op(&name);
        for f64 in [true, false] {
            let sub: Vec<&Row> = rows.iter().filter(|r| r.f64 == f64).collect();
            if sub.is_empty() {
                continue;
            }
            let a = if f64 {
                Array::from_vec(sub.iter().map(|r| f64::from_bits(r.input)).collect::<Vec<_>>())
            } else {
                Array::from_vec(sub.iter().map(|r| f32::from_bits(r.input as u32)).collect::<Vec<_>>())
            };
            let e = lazy(&a).unary(op);
            let (g, inputs) = lower(std::slice::from_ref(&e)).expect("lowers");
            let interp = lazyfuse::internals::interp::interpret(&g, &inputs).expect("interprets");
            let mut results = vec![("JIT", e.eval().expect("evaluates"))];
            for threads in [1, 2] {
                let r = eval_graph(&g, &inputs, &ExecOptions::default().with_threads(threads)).expect("evaluates");
                results.push((
                    if threads == 1 { "JIT 1 thread" } else { "JIT 2 threads" },
                    r[0].clone(),
                ));
            }
            results.push(("interpreter", interp[0].clone()));
            for (who, out) in results {
                let got: Vec<u64> = if f64 {
                    out.to_vec::<f64>().unwrap().iter().map(|v| v.to_bits()).collect()
                } else {
                    out.to_vec::<f32>()
                        .unwrap()
                        .iter()
                        .map(|v| u64::from(v.to_bits()))
                        .collect()
                };
                assert_eq!(got.len(), sub.len());
                for (r, &g) in sub.iter().zip(&got) {
                    let want = ours(op, r);
                    let nan = |b: u64| {
                        if f64 {
                            f64::from_bits(b).is_nan()
                        } else {
                            f32::from_bits(b as u32).is_nan()
                        }
                    };
                    if g != want && !(nan(g) && nan(want)) {
                        failures.push(format!(
                            "{name} {}: input {}: kernel {}, {who} {}",
                            if f64 { "float64" } else { "float32" },
                            show(r.input, f64),
                            show(want, f64),
                            show(g, f64)
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} results differ from the kernels:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The measure is NumPy's: a few fixed points.
#[test]
fn ulp_measure_is_numpys() {
    let one = 1.0f64.to_bits();
    assert_eq!(ulps(one, one + 1, true), 1);
    assert_eq!(ulps(0.0f64.to_bits(), (-0.0f64).to_bits(), true), 0);
    assert_eq!(ulps(1, (-f64::from_bits(1)).to_bits(), true), 2);
    assert_eq!(ulps(f64::NAN.to_bits(), (-f64::NAN).to_bits(), true), 0);
    assert_eq!(ulps(f64::MAX.to_bits(), f64::INFINITY.to_bits(), true), 1);
    let one = u64::from(1.0f32.to_bits());
    assert_eq!(ulps(one, one + 1, false), 1);
    assert_eq!(
        ulps(u64::from(0.0f32.to_bits()), u64::from((-0.0f32).to_bits()), false),
        0
    );
    assert_eq!(
        ulps(u64::from(f32::NAN.to_bits()), u64::from((-f32::NAN).to_bits()), false),
        0
    );
}
