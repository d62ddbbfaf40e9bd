//! Success paths: `eval`, `explain`, `LAZYFUSE_DUMP`, the demo, `--help`
//! examples, tuning variables, the README dumps.

use super::common::*;
use std::process::Command;

#[test]
fn eval_prints_dtype_shape_and_values() {
    let (code, out, err) = lazyfuse(&["eval", "a[::-1] * 2 + 1", "-i", "a=i32[4]"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("dtype: i32\nshape: [4]\nvalues: ["), "{out}");
}

#[test]
fn eval_writes_npy_that_reads_back() {
    let a = lazyfuse::Array::from_shape_vec(&[2, 3], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let (pa, po) = (tmp("a.npy"), tmp("out.npy"));
    a.write_npy(&pa).unwrap();
    let ia = format!("a={}", pa.display());
    let (code, _, err) = lazyfuse(&["eval", "sum(a.T ** 2, axis=0)", "-i", &ia, "-o", po.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r = lazyfuse::Array::read_npy(&po).unwrap();
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![14.0, 77.0]);
}

#[test]
fn explain_prints_stages_and_dot() {
    let (code, out, err) = lazyfuse(&["explain", "2*a + 3*b", "-i", "a=f64[10]", "-i", "b=f64[10]"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("graph @f(%a: f64[10], %b: f64[10])"), "{out}");
    let (code, out, _) = lazyfuse(&["explain", "2*a", "-i", "a=f64[10]", "--stage", "graph"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("graph @f"), "{out}");
    let (code, out, _) = lazyfuse(&["explain", "2*a", "-i", "a=f64[10]", "--dot"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("digraph") && out.contains("subgraph cluster_k0"),
        "{out}"
    );
    for stage in ["fused", "plan", "loop", "clif", "asm"] {
        let (code, out, err) = lazyfuse(&[
            "explain",
            "2*a + 3*b*c - d/4 + 1",
            "-i",
            "a=f64[64]",
            "-i",
            "b=f64[64]",
            "-i",
            "c=f64[64]",
            "-i",
            "d=f64[64]",
            "--stage",
            stage,
        ]);
        assert_eq!(code, 0, "{stage}: {err}");
        assert!(!out.trim().is_empty(), "{stage}");
    }
}

#[test]
fn lazyfuse_dump_writes_every_stage() {
    let dir = tmp("dump");
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .args([
            "eval",
            "sum(a * b, axis=0) + a[0]",
            "-i",
            "a=f32[6,5]",
            "-i",
            "b=f32[6,5]",
        ])
        .env("LAZYFUSE_DUMP", &dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "0001-asm.s",
            "0001-clif.clif",
            "0001-fused.ir",
            "0001-graph.ir",
            "0001-loop.ir",
            "0001-plan.ir"
        ]
    );
    let graph = std::fs::read_to_string(dir.join("0001-graph.ir")).unwrap();
    assert!(lazyfuse::ir::Graph::parse(&graph).is_ok(), "{graph}");
}

#[test]
fn demo_runs() {
    let (code, out, err) = lazyfuse(&["demo"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("graph @f"), "{out}");
    // 2*0 + 3*1*c[0] - 0.5/4 + 1 with c reversed (c[0] = 1): 3.875.
    assert!(out.contains("values: [3.875, "), "{out}");
    assert!(out.contains("; 1 kernel, 6 temporaries eliminated"), "{out}");
    assert!(out.contains("%c [-1]"), "the reversed view is read in place:\n{out}");
}

#[test]
fn empty_lazyfuse_dump_dumps_nothing() {
    let dir = tmp("empty-dump-cwd");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .args(["eval", "a * 2 + 1", "-i", "a=f64[8]"])
        .env("LAZYFUSE_DUMP", "")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "dumped into the working directory: {left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_shows_examples_for_every_command() {
    for (args, example) in [
        (vec!["--help"], "lazyfuse bench --suite benches/suite.json"),
        (vec!["help"], "lazyfuse demo"),
        (vec!["eval", "--help"], "lazyfuse eval \"a[::-1] * 2 + 1\" -i a=i32[4]"),
        (vec!["explain", "--help"], "--stage loop"),
        (
            vec!["bench", "--help"],
            "lazyfuse bench --suite benches/suite.json --case add",
        ),
        (vec!["demo", "--help"], "cargo run --release -- demo"),
    ] {
        let (code, out, err) = lazyfuse(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("Example"), "{args:?}: {out}");
        assert!(out.contains(example), "{args:?}: expected '{example}' in\n{out}");
    }
}

/// The commands shown in `--help` run (with generated data instead of
/// files).
#[test]
fn help_examples_run() {
    for args in [
        vec!["eval", "a[::-1] * 2 + 1", "-i", "a=i32[4]"],
        vec![
            "eval",
            "sum(a.T ** 2, axis=0)",
            "-i",
            "a=f64[100,100]",
            "--threads",
            "2",
        ],
        vec!["explain", "mean(a, axis=0)", "-i", "a=f32[100,10]", "--stage", "loop"],
        vec!["explain", "exp(a) * b", "-i", "a=f64[10]", "-i", "b=f64[10]", "--dot"],
        vec![
            "bench",
            "2*a + b",
            "-i",
            "a=f64[1000]",
            "-i",
            "b=f64[1000]",
            "--repeat",
            "1",
            "--json",
        ],
    ] {
        let (code, out, err) = lazyfuse(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!out.trim().is_empty(), "{args:?}");
    }
    let suite = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/suite.json");
    let (code, out, err) = lazyfuse(&["bench", "--suite", suite, "--case", "add", "--repeat", "1", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"add\""), "{out}");
}

#[test]
fn bad_tuning_variables_are_ignored_not_fatal() {
    for (var, value) in [
        ("LAZYFUSE_POOL_BYTES", "lots"),
        ("LAZYFUSE_POOL_BYTES", "0"),
        ("LAZYFUSE_MATH", "sse9"),
        ("LAZYFUSE_MATH", "portable"),
        ("LAZYFUSE_MIN_PER_THREAD", "-3"),
        ("LAZYFUSE_NO_HUGEPAGES", ""),
        ("LAZYFUSE_NO_BLOCK_HELPERS", "1"),
        ("LAZYFUSE_NO_INTERLEAVE", "1"),
        ("LAZYFUSE_DEBUG_JIT", "1"),
        ("LAZYFUSE_THREADS", " 2 "),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
            .args(["eval", "sum(sqrt(a) * 2)", "-i", "a=f64[5000]"])
            .env(var, value)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{var}={value}: {err}");
        let (_, plain, _) = lazyfuse(&["eval", "sum(sqrt(a) * 2)", "-i", "a=f64[5000]"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), plain, "{var}={value}");
    }
}

/// The dumps README.md shows ("Reading the dumps") are what `lazyfuse
/// demo` prints today: every line of each, in order (`...` skips lines).
#[test]
fn readme_dumps_are_the_demos() {
    let readme = include_str!("../../README.md");
    let (code, demo, err) = lazyfuse(&["demo"]);
    assert_eq!(code, 0, "{err}");
    let demo: Vec<&str> = demo.lines().collect();
    let mut checked = 0;
    for block in readme.split("```text\n").skip(1) {
        let block = block.split("```").next().unwrap_or("");
        let Some(first) = block.lines().next() else { continue };
        if !["graph @f(", "fused @f(", "plan @f(", "loop @k0("]
            .iter()
            .any(|p| first.starts_with(p))
        {
            continue;
        }
        let start = demo
            .iter()
            .position(|l| *l == first)
            .unwrap_or_else(|| panic!("README dump not in the demo's output: {first}"));
        let mut at = start;
        let mut gap = false;
        for line in block.lines() {
            if line.trim() == "..." {
                gap = true;
                continue;
            }
            let found = if gap {
                demo[at..].iter().position(|l| *l == line).map(|k| at + k)
            } else {
                (demo.get(at) == Some(&line)).then_some(at)
            };
            let Some(k) = found else {
                panic!(
                    "README line {line:?} (in the dump starting {first:?}) differs from the demo's:\n{}",
                    demo[at..].join("\n")
                );
            };
            at = k + 1;
            gap = false;
        }
        checked += 1;
    }
    assert_eq!(checked, 4, "README should show the graph, fused, plan and loop dumps");
}
