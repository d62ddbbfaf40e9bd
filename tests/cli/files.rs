//! Output files: symlinks, outputs that are inputs, file errors that leave
//! nothing behind, `/dev/stdout`.

use super::common::*;
use std::process::Command;

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
