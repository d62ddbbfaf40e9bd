//! The `lazyfuse` binary: success paths, and exit status 1 with exactly one
//! line on stderr naming the cause for every kind of user error.

use std::path::PathBuf;
use std::process::Command;

fn lazyfuse(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .args(args)
        .output()
        .expect("run lazyfuse");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lazyfuse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

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
fn every_user_error_exits_1_with_one_line() {
    let bad_npy = tmp("bad.npy");
    std::fs::write(&bad_npy, b"\x93NUMPY\x01\x00garbage").unwrap();
    let bad = format!("a={}", bad_npy.display());
    let out_dir = format!("{}", std::env::temp_dir().join("no-such-dir/x/out.npy").display());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "subcommand"),
        (vec!["frob"], "unrecognized subcommand"),
        (
            vec!["eval"],
            "missing the expression: lazyfuse eval EXPR [-i NAME=FILE]...",
        ),
        (vec!["eval", "a +", "-i", "a=f64[3]"], "1:4: expected an operand"),
        (vec!["eval", "a + b", "-i", "a=f64[3]"], "unknown name 'b'"),
        (
            vec!["eval", "a + b", "-i", "a=f64[3]", "-i", "b=f64[4]"],
            "shape mismatch in add",
        ),
        (
            vec!["eval", "a & 1", "-i", "a=f64[3]"],
            "and is not supported for dtype f64",
        ),
        (vec!["eval", "a", "-i", "a=/no/such/file.npy"], "/no/such/file.npy"),
        (vec!["eval", "a", "-i", &bad], "bad.npy"),
        (vec!["eval", "a", "-i", "a"], "expected NAME=FILE.npy"),
        (vec!["eval", "a", "-i", "a=q32[3]"], "unknown dtype 'q32'"),
        (vec!["eval", "a", "-i", "a=f64[3,x]"], "bad type"),
        (vec!["eval", "a", "-i", "a=f64[3]", "-i", "a=f64[3]"], "given twice"),
        (
            vec!["eval", "a", "-i", "a=f64[3]", "--threads", "0"],
            "--threads must be at least 1",
        ),
        (vec!["eval", "a", "-i", "a=f64[3]", "-o", &out_dir], "no-such-dir"),
        (vec!["eval", "a ** -1", "-i", "a=i64[3]"], "negative integer powers"),
        (
            vec!["explain", "a", "-i", "a=f64[3]", "--stage", "nope"],
            "invalid value 'nope' for '--stage <STAGE>' (possible values: graph, fused, plan, loop, clif, asm)",
        ),
        (
            vec!["eval", "a", "-i", "a=f64[99999999999999,99999999999]"],
            "too many elements",
        ),
    ];
    for (args, want) in cases {
        let (code, out, err) = lazyfuse(&args);
        assert_eq!(code, 1, "{args:?}: stdout {out} stderr {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// A fresh directory under the test's temp dir (`mknod` nodes go here,
/// never in the system's `/dev`).
fn fresh_dir(tag: &str) -> PathBuf {
    let d = tmp(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn names(d: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn output_goes_through_symlinks_and_may_be_an_input() {
    let d = fresh_dir("out-links");
    let x = d.join("x.npy");
    lazyfuse::Array::from_vec(vec![1.0f64, 2.0, 3.0]).write_npy(&x).unwrap();
    std::os::unix::fs::symlink("x.npy", d.join("link.npy")).unwrap();
    let ix = format!("a={}", x.display());
    let link = d.join("link.npy");
    let (code, _, err) = lazyfuse(&["eval", "a * 10", "-i", &ix, "-o", link.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    let r = lazyfuse::Array::read_npy(&x).unwrap();
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![10.0, 20.0, 30.0]);
    assert_eq!(names(&d), ["link.npy", "x.npy"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn file_errors_exit_1_with_one_line_and_leave_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let d = fresh_dir("file-errors");
    let node = |name: &str, mode: u32, dev: u64| {
        let c = std::ffi::CString::new(d.join(name).to_str().unwrap()).unwrap();
        // SAFETY: a valid path string in our own temp dir.
        assert_eq!(
            unsafe { libc::mknod(c.as_ptr(), mode | 0o666, dev as libc::dev_t) },
            0,
            "mknod {name}"
        );
    };
    node("full", libc::S_IFCHR, libc::makedev(1, 7));
    node("zero", libc::S_IFCHR, libc::makedev(1, 5));
    node("pipe", libc::S_IFIFO, 0);
    std::fs::create_dir(d.join("dir.npy")).unwrap();
    let ro = d.join("ro.npy");
    lazyfuse::Array::from_vec(vec![1u8]).write_npy(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = names(&d);
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let izero = format!("a={}", p("zero"));
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["-o".into(), p("full")], "no space left on device"),
        (vec!["-o".into(), p("pipe")], "no reader"),
        (vec!["-o".into(), p("dir.npy")], "is a directory"),
        (vec!["-o".into(), p("ro.npy")], "read-only"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["eval", "a + 1", "-i", "a=f64[100]"];
        args.extend(extra.iter().map(String::as_str));
        let (code, out, err) = lazyfuse(&args);
        assert_eq!(code, 1, "{args:?}: stdout {out} stderr {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want) && err.contains(&extra[1]), "{args:?}: {err}");
    }
    let (code, _, err) = lazyfuse(&["eval", "a + 1", "-i", &izero]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("not a .npy file") && err.contains("zero"), "{err}");
    assert_eq!(names(&d), before);
    assert_eq!(
        std::fs::read(&ro).unwrap(),
        lazyfuse::Array::from_vec(vec![1u8]).to_npy_bytes()
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn output_to_dev_stdout_writes_the_file_to_the_pipe() {
    // /dev/stdout → /proc/self/fd/1 → "pipe:[…]": a link only the kernel
    // can follow, opened through (the system's node is only read here).
    let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .args(["eval", "a * 2", "-i", "a=i32[5]", "-o", "/dev/stdout"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = lazyfuse::Array::from_npy_bytes(&out.stdout).unwrap();
    assert_eq!(r.shape(), &[5]);
}

/// Runs `lazyfuse args` and checks it exits 1 with exactly one line on
/// stderr containing `want`.
fn fails_with(args: &[&str], want: &str) {
    let (code, out, err) = lazyfuse(args);
    assert_eq!(code, 1, "{args:?}: stdout {out} stderr {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: {err}");
}

#[test]
fn the_word_after_the_subcommand_is_the_expression() {
    // NumPy's `-i`: the negation of input i, not the -i flag.
    let (code, out, err) = lazyfuse(&["eval", "-i", "-i", "i=i8[3]"]);
    assert_eq!(code, 0, "{err}");
    let (_, plain, _) = lazyfuse(&["eval", "i", "-i", "i=i8[3]"]);
    let neg = |s: &str| -> Vec<i64> {
        let v = s.lines().find_map(|l| l.strip_prefix("values: [")).unwrap();
        v.trim_end_matches(']')
            .split(", ")
            .map(|x| x.parse().unwrap())
            .collect()
    };
    assert_eq!(neg(&out), neg(&plain).iter().map(|x| -x).collect::<Vec<_>>(), "{out}");
    let (code, out, err) = lazyfuse(&["explain", "-x", "-i", "x=f64[2]", "--stage", "graph"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("neg %x"), "{out}");
    // `--x` is -(-x), simplified to x.
    let (code, out, err) = lazyfuse(&["explain", "--x", "-i", "x=f64[2]", "--stage", "graph"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("return %x"), "{out}");
    let (code, out, err) = lazyfuse(&["bench", "-a", "-i", "a=f64[16]", "--repeat", "1", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"expr\": \"-a\""), "{out}");
    // Help is still help, and the expression is not taken for an option.
    let (code, out, _) = lazyfuse(&["eval", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage: lazyfuse eval EXPR"), "{out}");
    fails_with(&["eval", "a", "b", "-i", "a=f64[2]"], "unexpected argument 'b' found");
}

#[test]
fn missing_expression_says_what_is_missing() {
    fails_with(
        &["eval"],
        "missing the expression: lazyfuse eval EXPR [-i NAME=FILE]...",
    );
    fails_with(&["explain"], "missing the expression: lazyfuse explain EXPR");
    fails_with(&["bench"], "missing the expression: lazyfuse bench EXPR");
}

#[test]
fn clap_tips_survive_on_the_one_line() {
    fails_with(
        &["eval", "a", "-i", "a=f64[3]", "--thread", "2"],
        "unexpected argument '--thread' found (tip: a similar argument exists: '--threads')",
    );
    fails_with(&["evl", "a"], "unrecognized subcommand 'evl' (tip: ");
}

#[test]
fn thread_counts_above_the_cap_are_refused() {
    fails_with(
        &["eval", "a", "-i", "a=f64[3]", "--threads", "100000"],
        "--threads 100000 is above the limit of 256 threads",
    );
    fails_with(
        &["bench", "a", "-i", "a=f64[3]", "--threads", "257"],
        "--threads 257 is above the limit of 256 threads",
    );
    for (env, want) in [
        (
            "100000",
            "100000 threads asked for (LAZYFUSE_THREADS): the limit is 256",
        ),
        ("two", "LAZYFUSE_THREADS='two' is not a thread count"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
            .args(["eval", "a", "-i", "a=f64[3]"])
            .env("LAZYFUSE_THREADS", env)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn cap_thread_count_with_a_tiny_per_thread_minimum_runs() {
    // Once aborted: a pool per count and a task per element.
    let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .args(["eval", "sum(a * 2) + a[0]", "-i", "a=f64[5000]", "--threads", "256"])
        .env("LAZYFUSE_MIN_PER_THREAD", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let (_, one, _) = lazyfuse(&["eval", "sum(a * 2) + a[0]", "-i", "a=f64[5000]", "--threads", "1"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), one);
}

#[test]
fn malformed_type_specs_are_refused() {
    for (spec, want) in [
        ("a=f64[1,,2]", "bad type 'f64[1,,2]': empty dimension"),
        ("a=f64[,]", "bad type 'f64[,]': empty dimension"),
        ("a=f64[-1]", "dimension '-1' is not a non-negative integer"),
        ("a=f64[+1]", "dimension '+1' is not a non-negative integer"),
        ("a=f64[ 1 2]", "dimension '1 2' is not a non-negative integer"),
        (
            "a=f64[99999999999999999999]",
            "dimension 99999999999999999999 is too large",
        ),
        // Element count fits, byte count overflows isize.
        ("a=u64[4611686018427387904]", "shape [4611686018427387904] is too large"),
        // 8e14 bytes: refused by the allocator, an error and not an abort.
        ("a=f64[100000000000000]", "cannot allocate 800000000000000 bytes"),
    ] {
        fails_with(&["eval", "a", "-i", spec], want);
    }
    // A trailing comma, as in Python's (1, 2,), and spaces around numbers
    // are fine; f64[] is 0-d.
    for (spec, shape) in [
        ("a=f64[1,2,]", "[1, 2]"),
        ("a=f64[ 3 , 2 ]", "[3, 2]"),
        ("a=f64[]", "[]"),
    ] {
        let (code, out, err) = lazyfuse(&["eval", "a", "-i", spec]);
        assert_eq!(code, 0, "{spec}: {err}");
        assert!(out.contains(&format!("shape: {shape}\n")), "{spec}: {out}");
    }
}

#[test]
fn input_names_that_are_constants_are_refused() {
    for name in ["inf", "nan", "True", "False", "None"] {
        let spec = format!("{name}=f64[3]");
        fails_with(
            &["eval", &format!("{name} + 1"), "-i", &spec],
            &format!("input name '{name}' is reserved: it is a constant in expressions"),
        );
    }
}

#[test]
fn repeated_keyword_is_refused() {
    fails_with(
        &["eval", "sum(a, axis=0, axis=1)", "-i", "a=f64[3,3]"],
        "1:16: keyword argument repeated: axis",
    );
}

#[test]
fn long_expressions_are_not_echoed() {
    // One argument can hold 128 KiB on Linux; the message stays short.
    let name = "b".repeat(100_000);
    let (code, _, err) = lazyfuse(&["eval", &format!("a + {name}"), "-i", "a=f64[3]"]);
    assert_eq!(code, 1);
    assert!(err.len() < 200, "{} bytes", err.len());
    assert!(err.contains("1:5: unknown name 'bbbb") && err.contains("…"), "{err}");
    // Other long arguments: a dtype, a path, an input name.
    let q = "q".repeat(100_000);
    for spec in [format!("a={q}[3]"), format!("a=/no/such/{q}"), format!("{q}=f64[3]")] {
        let (code, _, err) = lazyfuse(&["eval", "a", "-i", &spec]);
        assert_eq!(code, 1);
        assert!(
            err.chars().count() <= 260 && err.trim_end().lines().count() == 1,
            "{err}"
        );
    }
}

#[test]
fn non_utf8_argument_is_an_error_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
        .arg("eval")
        .arg(std::ffi::OsStr::from_bytes(b"a\xff"))
        .args(["-i", "a=f64[2]"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end(), "lazyfuse: argument 'a\u{fffd}' is not valid UTF-8");
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
fn stage_lists_its_values_and_suggests_the_nearest() {
    fails_with(
        &["explain", "a", "-i", "a=f64[3]", "--stage", "fuse"],
        "invalid value 'fuse' for '--stage <STAGE>' (possible values: graph, fused, plan, loop, clif, asm; \
         tip: a similar value exists: 'fused')",
    );
    let (code, out, err) = lazyfuse(&["explain", "--help"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("--stage <STAGE>"), "{out}");
    for stage in ["graph", "fused", "plan", "loop", "clif", "asm"] {
        assert!(out.contains(stage), "{stage} missing from explain --help:\n{out}");
    }
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
    let readme = include_str!("../README.md");
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
