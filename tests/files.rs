//! Output files are precious, input files untrusted (`src/fsio.rs`,
//! `src/array/npy/`): every way a target can be a link, a device, a FIFO,
//! read-only, shared by hard links, written concurrently or also an input,
//! and every way an input can be a stream that never ends or a file that
//! shrinks. One test per case; devices are made with `mknod` in a temporary
//! directory (never the system's own), which needs root.
//!
//! Safety of every `unsafe { Array::open_npy(..) }` here: no test truncates
//! or modifies a mapped file in place while the array is alive.

use lazyfuse::{lazy, Array, Error, Expr};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ----------------------------------------------------------------- helpers

/// A fresh directory, removed with its contents on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!("lazyfuse-files-{}-{n}-{tag}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names in the directory, sorted (hidden ones included).
    fn list(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cstr(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

/// A character device node `major:minor` at `p` (1:3 null, 1:5 zero,
/// 1:7 full).
fn mknod_char(p: &Path, major: u32, minor: u32) {
    // SAFETY: a valid path string; creates a node in our own temp dir.
    let r = unsafe { libc::mknod(cstr(p).as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(major, minor)) };
    assert_eq!(r, 0, "mknod {}: {}", p.display(), std::io::Error::last_os_error());
}

fn mkfifo(p: &Path) {
    // SAFETY: a valid path string.
    let r = unsafe { libc::mkfifo(cstr(p).as_ptr(), 0o666) };
    assert_eq!(r, 0, "mkfifo {}: {}", p.display(), std::io::Error::last_os_error());
}

fn io_msg(r: Result<(), Error>) -> String {
    match r {
        Err(Error::Io(m)) => m.to_string(),
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

fn f64s(n: usize, k: f64) -> Array {
    Array::from_vec((0..n).map(|i| i as f64 + k).collect::<Vec<_>>())
}

fn read_f64(p: &Path) -> Vec<f64> {
    Array::read_npy(p).unwrap().to_vec::<f64>().unwrap()
}

// ------------------------------------------------------------ symbolic links

#[test]
fn a_chain_of_relative_and_absolute_symlinks_is_written_through() {
    let d = Dir::new("links");
    std::fs::create_dir(d.path("sub")).unwrap();
    f64s(3, 0.0).write_npy(d.path("real.npy")).unwrap();
    std::os::unix::fs::symlink("real.npy", d.path("l2")).unwrap(); // relative
    std::os::unix::fs::symlink(d.path("l2"), d.path("l1")).unwrap(); // absolute
    std::os::unix::fs::symlink("../l1", d.path("sub/l0")).unwrap(); // relative, other dir
    f64s(4, 10.0).write_npy(d.path("sub/l0")).unwrap();
    assert_eq!(read_f64(&d.path("real.npy")), [10.0, 11.0, 12.0, 13.0]);
    for l in ["l1", "l2", "sub/l0"] {
        assert!(
            std::fs::symlink_metadata(d.path(l)).unwrap().file_type().is_symlink(),
            "{l}"
        );
    }
    assert_eq!(d.list(), ["l1", "l2", "real.npy", "sub"]);
    (lazy(f64s(2, 0.0)) * 2.0).eval_to_npy(d.path("l1")).unwrap();
    assert_eq!(read_f64(&d.path("real.npy")), [0.0, 2.0]);
    assert_eq!(d.list(), ["l1", "l2", "real.npy", "sub"]);
}

#[test]
fn a_dangling_symlink_creates_the_file_it_points_to() {
    let d = Dir::new("dangling");
    std::os::unix::fs::symlink("target.npy", d.path("link.npy")).unwrap();
    f64s(2, 1.0).write_npy(d.path("link.npy")).unwrap();
    assert!(std::fs::symlink_metadata(d.path("link.npy"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read_f64(&d.path("target.npy")), [1.0, 2.0]);
    assert_eq!(d.list(), ["link.npy", "target.npy"]);
}

#[test]
fn a_symlink_loop_is_an_error() {
    let d = Dir::new("loop");
    std::os::unix::fs::symlink("b", d.path("a")).unwrap();
    std::os::unix::fs::symlink("a", d.path("b")).unwrap();
    let m = io_msg(f64s(1, 0.0).write_npy(d.path("a")));
    assert!(m.contains("symbolic links"), "{m}");
    assert_eq!(d.list(), ["a", "b"]);
}

#[test]
fn a_proc_fd_link_to_a_deleted_file_is_rewritten_in_place() {
    // /proc/self/fd/N → "…/x.npy (deleted)": a link only the kernel can
    // follow; the open file is rewritten, nothing is created.
    use std::io::Read;
    use std::os::fd::AsRawFd;
    let d = Dir::new("procfd");
    let p = d.path("x.npy");
    std::fs::write(&p, b"old").unwrap();
    let mut f = std::fs::File::open(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    let link = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
    let a = f64s(3, 5.0);
    a.write_npy(&link).unwrap();
    let mut got = vec![];
    f.read_to_end(&mut got).unwrap();
    assert_eq!(got, a.to_npy_bytes());
    assert_eq!(d.list(), Vec::<String>::new());
}

// ------------------------------------------------------------------- FIFOs

#[test]
fn a_fifo_with_a_reader_receives_the_file() {
    let d = Dir::new("fifo");
    let fifo = d.path("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let a = f64s(1000, 0.5);
    // The reader thread may not have opened the FIFO yet: "no reader"
    // until it has (never a hang).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match a.write_npy(&fifo) {
            Ok(()) => break,
            Err(Error::Io(m)) if m.contains("no reader") && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => panic!("{e}"),
        }
    }
    let got = reader.join().unwrap();
    assert_eq!(got, a.to_npy_bytes());
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(d.list(), ["pipe"]);
}

#[test]
fn a_fifo_without_a_reader_is_a_quick_error() {
    let d = Dir::new("fifo-nobody");
    let fifo = d.path("pipe");
    mkfifo(&fifo);
    let t = Instant::now();
    let m = io_msg(f64s(10, 0.0).write_npy(&fifo));
    assert!(m.contains("no reader") && m.contains("pipe"), "{m}");
    let m = io_msg((lazy(f64s(10, 0.0)) + 1.0).eval_to_npy(&fifo));
    assert!(m.contains("no reader"), "{m}");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(d.list(), ["pipe"]);
}

// ----------------------------------------------------------------- devices

#[test]
fn a_character_device_is_written_directly_and_stays_a_device() {
    let d = Dir::new("null");
    let null = d.path("null");
    mknod_char(&null, 1, 3);
    let rdev = std::fs::metadata(&null).unwrap().rdev();
    f64s(100, 0.0).write_npy(&null).unwrap();
    (lazy(f64s(100, 0.0)) * 3.0).eval_to_npy(&null).unwrap();
    let m = std::fs::symlink_metadata(&null).unwrap();
    assert!(m.file_type().is_char_device());
    assert_eq!(m.rdev(), rdev);
    assert_eq!(d.list(), ["null"]);
}

#[test]
fn a_full_device_is_an_error_and_leaves_nothing() {
    let d = Dir::new("full");
    let full = d.path("full");
    mknod_char(&full, 1, 7);
    let m = io_msg(f64s(100, 0.0).write_npy(&full));
    assert!(m.contains("no space left on device") && m.contains("full"), "{m}");
    let m = io_msg((lazy(f64s(100, 0.0)) * 3.0).eval_to_npy(&full));
    assert!(m.contains("no space left on device"), "{m}");
    assert!(std::fs::symlink_metadata(&full).unwrap().file_type().is_char_device());
    assert_eq!(d.list(), ["full"]);
}

#[test]
fn a_directory_target_is_refused() {
    let d = Dir::new("dir");
    std::fs::create_dir(d.path("out.npy")).unwrap();
    let m = io_msg(f64s(3, 0.0).write_npy(d.path("out.npy")));
    assert!(m.contains("is a directory") && m.contains("out.npy"), "{m}");
    let m = io_msg((lazy(f64s(3, 0.0)) + 1.0).eval_to_npy(d.path("out.npy")));
    assert!(m.contains("is a directory"), "{m}");
    assert!(d.path("out.npy").is_dir());
    assert_eq!(d.list(), ["out.npy"]);
}

#[test]
fn a_socket_target_is_refused() {
    let d = Dir::new("socket");
    let _listener = std::os::unix::net::UnixListener::bind(d.path("sock")).unwrap();
    let m = io_msg(f64s(3, 0.0).write_npy(d.path("sock")));
    assert!(m.contains("is a socket"), "{m}");
    assert!(std::fs::symlink_metadata(d.path("sock"))
        .unwrap()
        .file_type()
        .is_socket());
    assert_eq!(d.list(), ["sock"]);
}

// ---------------------------------------------------- regular-file targets

#[test]
fn a_read_only_target_is_refused_and_untouched() {
    let d = Dir::new("readonly");
    let p = d.path("ro.npy");
    f64s(3, 7.0).write_npy(&p).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&p).unwrap();
    let ino = std::fs::metadata(&p).unwrap().ino();
    // Refused even when running as root, who could write it.
    let m = io_msg(f64s(5, 0.0).write_npy(&p));
    assert!(m.contains("read-only") && m.contains("ro.npy"), "{m}");
    let m = io_msg((lazy(f64s(5, 0.0)) + 1.0).eval_to_npy(&p));
    assert!(m.contains("read-only"), "{m}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
    let meta = std::fs::metadata(&p).unwrap();
    assert_eq!((meta.ino(), meta.mode() & 0o777), (ino, 0o444));
    assert_eq!(d.list(), ["ro.npy"]);
}

#[test]
fn mode_600_owner_and_group_are_kept() {
    let d = Dir::new("mode");
    let p = d.path("secret.npy");
    f64s(3, 0.0).write_npy(&p).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    // SAFETY: plain system calls.
    let root = unsafe { libc::geteuid() } == 0;
    let (uid, gid) = if root {
        // Root can give files away: the replacement must be given away too.
        std::os::unix::fs::chown(&p, Some(4321), Some(4322)).unwrap();
        (4321, 4322)
    } else {
        let m = std::fs::metadata(&p).unwrap();
        (m.uid(), m.gid())
    };
    f64s(4, 1.0).write_npy(&p).unwrap();
    (lazy(f64s(4, 1.0)) * 2.0).eval_to_npy(&p).unwrap();
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600);
    assert_eq!((m.uid(), m.gid()), (uid, gid));
    assert_eq!(read_f64(&p), [2.0, 4.0, 6.0, 8.0]);
    assert_eq!(d.list(), ["secret.npy"]);
}

#[test]
fn hard_links_all_see_the_new_content() {
    let d = Dir::new("hardlink");
    let (a, b) = (d.path("a.npy"), d.path("b.npy"));
    f64s(3, 0.0).write_npy(&a).unwrap();
    std::fs::hard_link(&a, &b).unwrap();
    let ino = std::fs::metadata(&a).unwrap().ino();
    f64s(5, 100.0).write_npy(&a).unwrap();
    assert_eq!(read_f64(&b), [100.0, 101.0, 102.0, 103.0, 104.0]);
    // Shorter content: the inode is truncated to the new length.
    (lazy(f64s(2, 0.0)) - 1.0).eval_to_npy(&b).unwrap();
    assert_eq!(read_f64(&a), [-1.0, 0.0]);
    for p in [&a, &b] {
        let m = std::fs::metadata(p).unwrap();
        assert_eq!((m.ino(), m.nlink()), (ino, 2));
    }
    assert_eq!(d.list(), ["a.npy", "b.npy"]);
}

#[test]
fn a_failed_hard_link_rewrite_leaves_the_target_untouched() {
    let d = Dir::new("hardlink-err");
    let (a, b) = (d.path("a.npy"), d.path("b.npy"));
    f64s(3, 0.0).write_npy(&a).unwrap();
    std::fs::hard_link(&a, &b).unwrap();
    let before = std::fs::read(&a).unwrap();
    let (i, j) = (Array::from_vec(vec![1i64, 2, 3]), Array::from_vec(vec![1i64, -1, 1]));
    let e = Expr::parse("a ** b", &[("a", &i), ("b", &j)]).unwrap();
    assert!(e.eval_to_npy(&b).is_err());
    assert_eq!(std::fs::read(&a).unwrap(), before);
    assert_eq!(d.list(), ["a.npy", "b.npy"]);
}

#[test]
fn concurrent_eval_to_npy_to_names_in_one_directory_never_collide() {
    // `res.v1` and `res.v2` shared the temporary `res.npy.partial` before.
    let d = Dir::new("concurrent");
    let base = f64s(5000, 0.0);
    std::thread::scope(|s| {
        for t in 0..8usize {
            let (d, base) = (&d, &base);
            s.spawn(move || {
                for round in 0..6usize {
                    let k = (t * 100 + round) as f64;
                    let p = d.path(&format!("res.v{t}"));
                    (lazy(base) + k).eval_to_npy(&p).unwrap();
                    let got = read_f64(&p);
                    assert_eq!(got.len(), 5000);
                    assert_eq!((got[0], got[4999]), (k, k + 4999.0), "thread {t} round {round}");
                }
            });
        }
    });
    let want: Vec<String> = (0..8).map(|t| format!("res.v{t}")).collect();
    assert_eq!(d.list(), want);
}

#[test]
fn an_existing_partial_file_is_never_touched() {
    let d = Dir::new("partial");
    for name in ["x.npy.partial", "y.npy.partial"] {
        std::fs::write(d.path(name), b"precious user data").unwrap();
    }
    (lazy(f64s(4, 0.0)) + 1.0).eval_to_npy(d.path("x.npy")).unwrap();
    (lazy(f64s(4, 0.0)) + 2.0).eval_to_npy(d.path("y.v1")).unwrap();
    f64s(4, 0.0).write_npy(d.path("x.npy")).unwrap();
    for name in ["x.npy.partial", "y.npy.partial"] {
        assert_eq!(std::fs::read(d.path(name)).unwrap(), b"precious user data");
    }
    assert_eq!(d.list(), ["x.npy", "x.npy.partial", "y.npy.partial", "y.v1"]);
}

#[test]
fn an_output_that_is_a_read_input_is_right() {
    let d = Dir::new("inout-read");
    let p = d.path("x.npy");
    f64s(1000, 0.0).write_npy(&p).unwrap();
    let a = Array::read_npy(&p).unwrap();
    (lazy(&a) * 2.0 + 1.0).eval_to_npy(&p).unwrap();
    let got = read_f64(&p);
    assert_eq!((got[0], got[999]), (1.0, 1999.0));
    assert_eq!(a.to_vec::<f64>().unwrap()[999], 999.0);
    assert_eq!(d.list(), ["x.npy"]);
}

#[test]
fn an_output_that_is_a_mapped_input_is_right() {
    let d = Dir::new("inout-mapped");
    let p = d.path("x.npy");
    f64s(1000, 0.0).write_npy(&p).unwrap();
    let m = unsafe { Array::open_npy(&p) }.unwrap();
    assert!(!m.is_writable(), "mapped");
    (lazy(&m) * 2.0 + 1.0).eval_to_npy(&p).unwrap();
    let got = read_f64(&p);
    assert_eq!((got[0], got[999]), (1.0, 1999.0));
    // The old inode was replaced, not overwritten: the mapping is intact.
    assert_eq!(m.to_vec::<f64>().unwrap()[999], 999.0);
    m.write_npy(&p).unwrap();
    assert_eq!(read_f64(&p)[999], 999.0);
    assert_eq!(d.list(), ["x.npy"]);
}

#[test]
fn an_evaluation_error_leaves_the_target_and_no_temporary() {
    let d = Dir::new("eval-err");
    let p = d.path("out.npy");
    f64s(3, 0.0).write_npy(&p).unwrap();
    let before = std::fs::read(&p).unwrap();
    let (i, j) = (Array::from_vec(vec![1i64, 2, 3]), Array::from_vec(vec![1i64, -1, 1]));
    let e = Expr::parse("a ** b", &[("a", &i), ("b", &j)]).unwrap();
    assert!(matches!(e.eval_to_npy(&p), Err(Error::Value(_))));
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert_eq!(d.list(), ["out.npy"]);
}

#[test]
#[cfg(feature = "cli")]
fn a_write_error_on_a_regular_file_leaves_the_target_and_no_temporary() {
    // A file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes writes past
    // 64 KiB fail with EFBIG: a disk-full stand-in that needs no mount.
    use std::os::unix::process::CommandExt;
    let d = Dir::new("fsize");
    let p = d.path("out.npy");
    f64s(3, 0.0).write_npy(&p).unwrap();
    let before = std::fs::read(&p).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lazyfuse"));
    cmd.args(["eval", "a * 2", "-i", "a=f64[100000]", "-o"]).arg(&p);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 1 << 16,
                rlim_max: 1 << 16,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0
                || libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("out.npy") && err.contains("file too large"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert_eq!(d.list(), ["out.npy"]);
}

// ------------------------------------------------------------------ inputs

#[test]
fn a_zero_device_input_is_a_quick_error() {
    let d = Dir::new("zero");
    let zero = d.path("zero");
    mknod_char(&zero, 1, 5);
    let t = Instant::now();
    match Array::read_npy(&zero) {
        Err(Error::Npy(m)) => assert!(m.contains("not a .npy file") && m.contains("zero"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(5));
}

/// A FIFO at `p` fed `bytes` by a thread (which gives up quietly when the
/// reader stops early).
fn feed_fifo(p: &Path, bytes: Vec<u8>) -> std::thread::JoinHandle<()> {
    mkfifo(p);
    let p = p.to_path_buf();
    std::thread::spawn(move || {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(p) {
            let _ = f.write_all(&bytes);
        }
    })
}

#[test]
fn a_fifo_of_garbage_is_a_quick_error() {
    let d = Dir::new("fifo-garbage");
    let p = d.path("garbage");
    let feeder = feed_fifo(&p, vec![b'x'; 8 << 20]);
    let t = Instant::now();
    match Array::read_npy(&p) {
        Err(Error::Npy(m)) => assert!(m.contains("not a .npy file"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(5));
    feeder.join().unwrap();
}

#[test]
fn a_fifo_holding_a_npy_file_reads() {
    let d = Dir::new("fifo-npy");
    let p = d.path("in");
    let a = Array::from_shape_vec(&[3, 4], (0..12i32).map(|x| x - 5).collect()).unwrap();
    let feeder = feed_fifo(&p, a.to_npy_bytes());
    assert_eq!(Array::read_npy(&p).unwrap(), a);
    feeder.join().unwrap();
    // The same with one byte too many, and one too few.
    let mut long = a.to_npy_bytes();
    long.push(0);
    let p2 = d.path("long");
    let feeder = feed_fifo(&p2, long);
    match Array::read_npy(&p2) {
        Err(Error::Npy(m)) => assert!(m.contains("unexpected bytes"), "{m}"),
        other => panic!("{other:?}"),
    }
    feeder.join().unwrap();
    let mut short = a.to_npy_bytes();
    short.pop();
    let p3 = d.path("short");
    let feeder = feed_fifo(&p3, short);
    match Array::read_npy(&p3) {
        Err(Error::Npy(m)) => assert!(m.contains("truncated"), "{m}"),
        other => panic!("{other:?}"),
    }
    feeder.join().unwrap();
}

#[test]
fn a_stream_claiming_more_data_than_memory_is_a_quick_error() {
    let d = Dir::new("fifo-huge");
    let p = d.path("huge");
    let header = lazyfuse::internals::array::npy::header_bytes(lazyfuse::DType::U8, &[1 << 60]);
    let feeder = feed_fifo(&p, header);
    let t = Instant::now();
    match Array::read_npy(&p) {
        Err(Error::Npy(m)) => assert!(m.contains("more than this machine's memory"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(5));
    feeder.join().unwrap();
}

#[test]
fn a_read_input_survives_its_file_being_truncated() {
    let d = Dir::new("truncate");
    let p = d.path("x.npy");
    f64s(100_000, 0.0).write_npy(&p).unwrap();
    let a = Array::read_npy(&p).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(0)
        .unwrap();
    // Mapped, this would be SIGBUS.
    assert_eq!(a.to_vec::<f64>().unwrap()[99_999], 99_999.0);
    assert_eq!(
        (lazy(&a) * 2.0).sum().eval().unwrap().to_scalar::<f64>().unwrap(),
        99_999.0 * 100_000.0
    );
}
