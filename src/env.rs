//! Every `LAZYFUSE_*` environment variable the library reads, in one place.
//!
//! Each variable is read once per process, the first time it matters, and
//! cached: setting one after that has no effect. Nothing here panics on any
//! value (non-UTF-8 included). A bad value of a tuning variable is ignored
//! (the default applies), as before these were gathered here; the one
//! variable that changes what a call computes with, `LAZYFUSE_THREADS`,
//! makes every evaluation that relies on it an `Err` naming the value.
//!
//! | variable | meaning | default | bad value |
//! |---|---|---|---|
//! | `LAZYFUSE_THREADS` | worker threads when the caller gives none | 1 | `Err` on evaluation |
//! | `LAZYFUSE_POOL_BYTES` | bytes of freed large buffers kept for reuse | 512 MiB | default |
//! | `LAZYFUSE_DUMP` | directory for the stages of every new graph | unset | (any path) |
//! | `LAZYFUSE_MATH` | force a math code path | best available | default |
//! | `LAZYFUSE_STREAM` | which kernels stream large outputs: `all` or `bound` | by CPU vendor | default |
//! | `LAZYFUSE_MIN_PER_THREAD` | fewest elements per worker | 32768 | default |
//! | `LAZYFUSE_NO_HUGEPAGES` | no `MADV_HUGEPAGE` on large buffers | unset | (set = on) |
//! | `LAZYFUSE_NO_BLOCK_HELPERS` | no 256-bit AVX helpers in kernels | unset | (set = on) |
//! | `LAZYFUSE_NO_INTERLEAVE` | no slot interleaving in kernels | unset | (set = on) |
//! | `LAZYFUSE_DEBUG_JIT` | print on stderr the loop function a kernel failed to compile from | unset | (set = on) |
//!
//! The README has the same table for users; a test checks that it lists
//! every name in [`VARS`], and that no other file of `src/` reads the
//! environment.

use crate::error::{Error, Result};
use crate::math::Path;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The name of every variable read here.
pub(crate) const VARS: &[&str] = &[
    "LAZYFUSE_THREADS",
    "LAZYFUSE_POOL_BYTES",
    "LAZYFUSE_DUMP",
    "LAZYFUSE_MATH",
    "LAZYFUSE_STREAM",
    "LAZYFUSE_MIN_PER_THREAD",
    "LAZYFUSE_NO_HUGEPAGES",
    "LAZYFUSE_NO_BLOCK_HELPERS",
    "LAZYFUSE_NO_INTERLEAVE",
    "LAZYFUSE_DEBUG_JIT",
];

fn read(name: &str) -> Option<OsString> {
    debug_assert!(VARS.contains(&name), "{name} is not listed in env::VARS");
    std::env::var_os(name)
}

/// `LAZYFUSE_THREADS`: the thread count of an evaluation whose options give
/// none. Unset, empty (after trimming spaces) or `0`: 1. A count above
/// [`crate::runtime::MAX_THREADS`] or anything that is not a count: an
/// `Err` naming the value, returned by every such evaluation.
pub(crate) fn threads() -> Result<usize> {
    static V: OnceLock<std::result::Result<usize, String>> = OnceLock::new();
    V.get_or_init(|| parse_threads(read("LAZYFUSE_THREADS").as_deref()))
        .clone()
        .map_err(Error::Value)
}

fn parse_threads(v: Option<&OsStr>) -> std::result::Result<usize, String> {
    use crate::runtime::MAX_THREADS;
    let Some(v) = v else { return Ok(1) };
    let v = v.to_string_lossy();
    match v.trim() {
        "" => Ok(1),
        t => match t.parse::<usize>() {
            Ok(0) => Ok(1),
            Ok(n) if n > MAX_THREADS => Err(format!(
                "{n} threads asked for (LAZYFUSE_THREADS): the limit is {MAX_THREADS}"
            )),
            Ok(n) => Ok(n),
            Err(_) => Err(format!(
                "LAZYFUSE_THREADS='{}' is not a thread count",
                crate::expr::parse::clip(&v)
            )),
        },
    }
}

/// `LAZYFUSE_POOL_BYTES`: how many bytes of freed large buffers the pool
/// keeps for reuse (`0` disables it). A value that is not a decimal byte
/// count is ignored: `default`.
pub(crate) fn pool_bytes(default: usize) -> usize {
    static V: OnceLock<Option<usize>> = OnceLock::new();
    V.get_or_init(|| parse_count(read("LAZYFUSE_POOL_BYTES").as_deref()))
        .unwrap_or(default)
}

/// `LAZYFUSE_MIN_PER_THREAD`: the fewest elements a worker thread gets.
/// `0` or a value that is not a count is ignored: `default`.
pub(crate) fn min_per_thread(default: usize) -> usize {
    static V: OnceLock<Option<usize>> = OnceLock::new();
    V.get_or_init(|| parse_count(read("LAZYFUSE_MIN_PER_THREAD").as_deref()).filter(|&n| n > 0))
        .unwrap_or(default)
}

/// A decimal count (spaces around it allowed), or `None`.
fn parse_count(v: Option<&OsStr>) -> Option<usize> {
    v?.to_str()?.trim().parse().ok()
}

/// `LAZYFUSE_DUMP`: the directory the stages of every newly compiled graph
/// are written to. Set but empty is the same as unset (it would otherwise
/// mean the working directory); `LAZYFUSE_DUMP=.` dumps there.
pub(crate) fn dump_dir() -> Option<&'static std::path::Path> {
    static V: OnceLock<Option<PathBuf>> = OnceLock::new();
    V.get_or_init(|| read("LAZYFUSE_DUMP").filter(|d| !d.is_empty()).map(PathBuf::from))
        .as_deref()
}

/// `LAZYFUSE_MATH`: `portable`, `avx2` or `avx512` forces that code path of
/// the math functions (if the CPU has it: the caller checks). Anything
/// else is ignored: `None`, the best path the CPU has.
pub(crate) fn math_path() -> Option<Path> {
    static V: OnceLock<Option<Path>> = OnceLock::new();
    *V.get_or_init(|| parse_math(read("LAZYFUSE_MATH").as_deref()))
}

fn parse_math(v: Option<&OsStr>) -> Option<Path> {
    let v = v?.to_str()?;
    Path::ALL.into_iter().find(|p| p.name() == v)
}

/// `LAZYFUSE_STREAM`: `all` (every outlined kernel streams its large
/// outputs) or `bound` (only memory-bound ones); anything else is ignored:
/// `None`, the CPU's default (`loops::outline::StreamPolicy::current`).
pub(crate) fn stream_all() -> Option<bool> {
    static V: OnceLock<Option<bool>> = OnceLock::new();
    *V.get_or_init(|| parse_stream(read("LAZYFUSE_STREAM").as_deref()))
}

fn parse_stream(v: Option<&OsStr>) -> Option<bool> {
    match v?.to_str()? {
        "all" => Some(true),
        "bound" => Some(false),
        _ => None,
    }
}

/// Whether a flag variable is set, to any value (`0` and empty included).
fn flag(name: &'static str, cell: &'static OnceLock<bool>) -> bool {
    *cell.get_or_init(|| read(name).is_some())
}

/// `LAZYFUSE_NO_HUGEPAGES` set: large buffers are not advised
/// `MADV_HUGEPAGE`.
pub(crate) fn no_hugepages() -> bool {
    static V: OnceLock<bool> = OnceLock::new();
    flag("LAZYFUSE_NO_HUGEPAGES", &V)
}

/// `LAZYFUSE_NO_BLOCK_HELPERS` set: kernels do not outline `sqrt` and float
/// division to the 256-bit AVX helpers.
pub(crate) fn no_block_helpers() -> bool {
    static V: OnceLock<bool> = OnceLock::new();
    flag("LAZYFUSE_NO_BLOCK_HELPERS", &V)
}

/// `LAZYFUSE_NO_INTERLEAVE` set: the JIT does not interleave unroll slots.
pub(crate) fn no_interleave() -> bool {
    static V: OnceLock<bool> = OnceLock::new();
    flag("LAZYFUSE_NO_INTERLEAVE", &V)
}

/// `LAZYFUSE_DEBUG_JIT` set: a kernel that fails to compile prints its
/// loop function on stderr.
pub(crate) fn debug_jit() -> bool {
    static V: OnceLock<bool> = OnceLock::new();
    flag("LAZYFUSE_DEBUG_JIT", &V)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<&OsStr> {
        Some(OsStr::new(s))
    }

    #[test]
    fn thread_counts() {
        assert_eq!(parse_threads(None), Ok(1));
        assert_eq!(parse_threads(os("")), Ok(1));
        assert_eq!(parse_threads(os("  ")), Ok(1));
        assert_eq!(parse_threads(os("0")), Ok(1));
        assert_eq!(parse_threads(os(" 4 ")), Ok(4));
        assert_eq!(parse_threads(os("256")), Ok(256));
        assert_eq!(
            parse_threads(os("257")).unwrap_err(),
            "257 threads asked for (LAZYFUSE_THREADS): the limit is 256"
        );
        assert_eq!(
            parse_threads(os("two")).unwrap_err(),
            "LAZYFUSE_THREADS='two' is not a thread count"
        );
        assert_eq!(
            parse_threads(os("-1")).unwrap_err(),
            "LAZYFUSE_THREADS='-1' is not a thread count"
        );
        // A huge value is clipped in the message.
        let long = "9".repeat(500);
        let m = parse_threads(os(&long)).unwrap_err();
        assert!(m.len() < 150, "{m}");
    }

    #[test]
    #[cfg(unix)]
    fn non_utf8_values_do_not_panic() {
        use std::os::unix::ffi::OsStrExt;
        let bad = OsStr::from_bytes(b"\xff\xfe");
        assert!(parse_threads(Some(bad)).unwrap_err().contains("is not a thread count"));
        assert_eq!(parse_count(Some(bad)), None);
        assert_eq!(parse_math(Some(bad)), None);
    }

    #[test]
    fn counts_and_math_paths() {
        assert_eq!(parse_count(None), None);
        assert_eq!(parse_count(os("1048576")), Some(1 << 20));
        assert_eq!(parse_count(os(" 0 ")), Some(0));
        for bad in ["", "1e6", "512MiB", "-1", "0x10", "99999999999999999999999"] {
            assert_eq!(parse_count(os(bad)), None, "{bad}");
        }
        assert_eq!(parse_math(os("portable")), Some(Path::Portable));
        assert_eq!(parse_math(os("avx2")), Some(Path::Avx2));
        assert_eq!(parse_math(os("avx512")), Some(Path::Avx512));
        for bad in ["", "AVX2", "sse", " avx2"] {
            assert_eq!(parse_math(os(bad)), None, "{bad}");
        }
        assert_eq!(parse_stream(None), None);
        assert_eq!(parse_stream(os("all")), Some(true));
        assert_eq!(parse_stream(os("bound")), Some(false));
        for bad in ["", "ALL", "yes", "1", " all"] {
            assert_eq!(parse_stream(os(bad)), None, "{bad}");
        }
    }

    /// The README's table names every variable, and nothing in `src/`
    /// reads the environment except this file.
    #[test]
    fn every_variable_is_documented_and_read_here_only() {
        let readme = include_str!("../README.md");
        for v in VARS {
            assert!(
                readme.contains(&format!("| `{v}`")),
                "{v} is missing from README's table"
            );
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src];
        let mut offenders = vec![];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("src/env.rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    if text.contains("env::var") {
                        offenders.push(p.display().to_string());
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "read the environment outside src/env.rs: {offenders:?}"
        );
    }
}
