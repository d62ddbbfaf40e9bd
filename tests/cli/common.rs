//! Helpers shared by the CLI tests: running the binary, temporary paths,
//! the one-line-error check.

use std::path::PathBuf;
use std::process::Command;

pub(crate) fn lazyfuse(args: &[&str]) -> (i32, String, String) {
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

pub(crate) fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lazyfuse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// A fresh directory under the test's temp dir (`mknod` nodes go here,
/// never in the system's `/dev`).
pub(crate) fn fresh_dir(tag: &str) -> PathBuf {
    let d = tmp(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub(crate) fn names(d: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs `lazyfuse args` and checks it exits 1 with exactly one line on
/// stderr containing `want`.
pub(crate) fn fails_with(args: &[&str], want: &str) {
    let (code, out, err) = lazyfuse(args);
    assert_eq!(code, 1, "{args:?}: stdout {out} stderr {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: {err}");
}
