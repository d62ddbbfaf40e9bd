//! User errors: exit status 1 with exactly one line on stderr naming the
//! cause.

use super::common::*;
use std::process::Command;

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
