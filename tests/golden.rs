//! NumPy-derived golden cases (`tests/golden/`, written by
//! `scripts/gen_golden.py` with NumPy 2.4): every op and dtype, edge values,
//! promotion, broadcasting, views, reductions, and numexpr's own test matrix.
//! Each case is evaluated through the library (`Expr::parse` + `eval`); the
//! numexpr matrix also runs through the `lazyfuse eval` command line.
//! The comparison rules (`exact`, `ulp:N`, `rel:X`) are those of
//! `tests/golden/README.md`.

use lazyfuse::internals::array::dtype::Scalar;
use lazyfuse::{Array, DType, Expr};
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

struct Case {
    id: String,
    expr: String,
    inputs: Vec<(String, PathBuf)>,
    expect: Option<PathBuf>,
    tol: String,
}

fn cases() -> Vec<Case> {
    let dir = golden_dir();
    let text = std::fs::read_to_string(dir.join("cases.tsv")).expect("tests/golden/cases.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "bad line: {l}");
            let inputs = if f[2] == "-" {
                vec![]
            } else {
                f[2].split(',')
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').expect("name=path");
                        (k.to_string(), dir.join(v))
                    })
                    .collect()
            };
            Case {
                id: f[0].into(),
                expr: f[1].into(),
                inputs,
                expect: (f[3] != "error").then(|| dir.join(f[3])),
                tol: f[4].into(),
            }
        })
        .collect()
}

/// Maps float bits to a monotone integer (+0 and -0 coincide).
fn ord(bits: u64, sign: u64) -> i128 {
    if bits & sign == 0 {
        bits as i128
    } else {
        -((bits & !sign) as i128)
    }
}

fn compare(got: &Array, exp: &Array, tol: &str) -> Result<(), String> {
    if got.dtype() != exp.dtype() {
        return Err(format!("dtype {} != expected {}", got.dtype(), exp.dtype()));
    }
    if got.shape() != exp.shape() {
        return Err(format!("shape {:?} != expected {:?}", got.shape(), exp.shape()));
    }
    let (g, e) = (got.to_scalars(), exp.to_scalars());
    for (k, (a, b)) in g.iter().zip(&e).enumerate() {
        let ok = match (a, b) {
            (Scalar::F64(_), _) | (Scalar::F32(_), _) => {
                let (x, y) = (a.as_f64(), b.as_f64());
                if x.is_nan() || y.is_nan() {
                    x.is_nan() && y.is_nan()
                } else if x.is_infinite() || y.is_infinite() {
                    x == y
                } else if tol == "exact" {
                    a.bits() == b.bits()
                } else if let Some(n) = tol.strip_prefix("ulp:") {
                    let n: f64 = n.parse().expect("ulp bound");
                    let sign = if matches!(a, Scalar::F32(_)) {
                        1u64 << 31
                    } else {
                        1u64 << 63
                    };
                    ((ord(a.bits(), sign) - ord(b.bits(), sign)).abs() as f64) <= n
                } else if let Some(r) = tol.strip_prefix("rel:") {
                    let r: f64 = r.parse().expect("rel bound");
                    (x - y).abs() <= r * y.abs().max(1.0)
                } else {
                    panic!("unknown tolerance {tol}")
                }
            }
            _ => a == b,
        };
        if !ok {
            return Err(format!("element {k}: got {a} expected {b} ({tol})"));
        }
    }
    Ok(())
}

fn load(c: &Case) -> Result<Vec<(String, Array)>, String> {
    c.inputs
        .iter()
        .map(|(k, p)| {
            Array::read_npy(p)
                .map(|a| (k.clone(), a))
                .map_err(|e| format!("reading {}: {e}", p.display()))
        })
        .collect()
}

fn run_lib(c: &Case, inputs: &[(String, Array)]) -> lazyfuse::Result<Array> {
    let bind: Vec<(&str, &Array)> = inputs.iter().map(|(k, a)| (k.as_str(), a)).collect();
    Expr::parse(&c.expr, &bind)?.eval()
}

fn check(c: &Case, got: lazyfuse::Result<Array>) -> Result<(), String> {
    match (&c.expect, got) {
        (None, Err(_)) => Ok(()),
        (None, Ok(a)) => Err(format!("NumPy raises, lazyfuse gave {a:?}")),
        (Some(_), Err(e)) => Err(format!("lazyfuse error: {e}")),
        (Some(p), Ok(a)) => {
            let exp = Array::read_npy(p).map_err(|e| format!("reading expected {}: {e}", p.display()))?;
            compare(&a, &exp, &c.tol)
        }
    }
}

fn report(what: &str, total: usize, failures: Vec<String>) {
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(300).collect();
        panic!(
            "{what}: {} of {total} cases differ from NumPy:\n{}",
            failures.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
        );
    }
    eprintln!("{what}: {total} cases match NumPy");
}

#[test]
fn golden_cases_match_numpy() {
    let all = cases();
    assert!(all.len() > 9000, "only {} golden cases", all.len());
    let mut failures = vec![];
    for c in &all {
        let r = load(c).and_then(|inputs| {
            let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_lib(c, &inputs)))
                .map_err(|_| "panicked".to_string())?;
            check(c, got)
        });
        if let Err(e) = r {
            failures.push(format!("{} `{}`: {e}", c.id, c.expr));
        }
    }
    report("golden", all.len(), failures);
}

/// numexpr's test matrix through the command line: `lazyfuse eval EXPR -i
/// NAME=FILE.npy ... -o OUT.npy` (in-process), exit 1 where NumPy raises.
#[test]
#[cfg(feature = "cli")]
fn numexpr_matrix_through_the_cli() {
    let all: Vec<Case> = cases().into_iter().filter(|c| c.id.starts_with("numexpr_")).collect();
    assert!(all.len() > 900, "only {} numexpr cases", all.len());
    let tmp = std::env::temp_dir().join(format!("lazyfuse-golden-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut failures = vec![];
    for c in &all {
        let out = tmp.join(format!("{}.npy", c.id));
        let mut args = vec!["eval".to_string(), c.expr.clone()];
        for (k, p) in &c.inputs {
            args.push("-i".into());
            args.push(format!("{k}={}", p.display()));
        }
        args.push("-o".into());
        args.push(out.display().to_string());
        let mut sink = Vec::new();
        let got = lazyfuse::internals::cli::run(&args, &mut sink).and_then(|()| Array::read_npy(&out));
        if let Err(e) = check(c, got) {
            failures.push(format!("{} `{}`: {e}", c.id, c.expr));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    report("numexpr matrix via cli", all.len(), failures);
}

/// A sample of the matrix through the real binary: exit status 0 and the
/// printed dtype, or exit status 1 with one line on stderr.
#[test]
#[cfg(feature = "cli")]
fn numexpr_sample_through_the_binary() {
    let all: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.id.starts_with("numexpr_"))
        .step_by(40)
        .collect();
    for c in &all {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lazyfuse"));
        cmd.arg("eval").arg(&c.expr);
        for (k, p) in &c.inputs {
            cmd.arg("-i").arg(format!("{k}={}", p.display()));
        }
        let out = cmd.output().expect("run lazyfuse");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match &c.expect {
            None => {
                assert_eq!(out.status.code(), Some(1), "{}: {stderr}", c.id);
                assert_eq!(stderr.trim().lines().count(), 1, "{}: {stderr}", c.id);
            }
            Some(p) => {
                assert_eq!(out.status.code(), Some(0), "{}: {stderr}", c.id);
                let exp = Array::read_npy(p).unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    stdout.contains(&format!("dtype: {}", exp.dtype())),
                    "{}: {stdout}",
                    c.id
                );
            }
        }
    }
}

#[test]
fn promotion_table_matches_numpy() {
    let text = std::fs::read_to_string(golden_dir().join("promotion.tsv")).unwrap();
    let mut failures = vec![];
    let mut n = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (class, lhs, rhs, want) = (f[0], f[1], f[2], f[3]);
        if want == "f16" {
            continue; // no float16 in lazyfuse (documented)
        }
        n += 1;
        let got = promoted(class, lhs, rhs);
        let got_s = got.map(|d| d.name().to_string()).unwrap_or_else(|_| "error".into());
        if got_s != want {
            failures.push(format!("{class} {lhs} {rhs}: got {got_s}, NumPy {want}"));
        }
    }
    report("promotion", n, failures);
}

/// Builds `class(lhs, rhs)` over length-3 arrays of 1, 2, 3 (or literals)
/// and returns the result dtype (building only; nothing is evaluated).
fn promoted(class: &str, lhs: &str, rhs: &str) -> lazyfuse::Result<DType> {
    fn operand(tok: &str, keep: &mut Vec<Array>) -> String {
        if let Some(v) = tok.strip_prefix("py_int:") {
            return format!("({v})");
        }
        if let Some(v) = tok.strip_prefix("py_float:") {
            return format!("({v})");
        }
        if let Some(v) = tok.strip_prefix("py_bool:") {
            return v.to_string();
        }
        let dt: DType = tok.parse().unwrap();
        keep.push(Array::from_vec(vec![1i64, 2, 3]).astype(dt));
        format!("x{}", keep.len() - 1)
    }
    let mut keep = vec![];
    let a = operand(lhs, &mut keep);
    let src = if rhs == "-" {
        match class {
            "neg" => format!("-{a}"),
            "invert" => format!("~{a}"),
            c => format!("{c}({a})"),
        }
    } else {
        let b = operand(rhs, &mut keep);
        match class {
            "add" => format!("{a} + {b}"),
            "sub" => format!("{a} - {b}"),
            "mul" => format!("{a} * {b}"),
            "truediv" => format!("{a} / {b}"),
            "floordiv" => format!("{a} // {b}"),
            "mod" => format!("{a} % {b}"),
            "pow" => format!("power({a}, {b})"),
            "lt" => format!("{a} < {b}"),
            "eq" => format!("{a} == {b}"),
            "and" => format!("{a} & {b}"),
            "lshift" => format!("{a} << {b}"),
            "where" => {
                keep.push(Array::from_vec(vec![true, false, true]));
                format!("where(x{}, {a}, {b})", keep.len() - 1)
            }
            c => format!("{c}({a}, {b})"),
        }
    };
    let names: Vec<String> = (0..keep.len()).map(|k| format!("x{k}")).collect();
    let bind: Vec<(&str, &Array)> = names.iter().map(|n| n.as_str()).zip(keep.iter()).collect();
    Expr::parse(&src, &bind)?.dtype()
}
