//! Replacing a Zarr array on disk: which targets may be replaced, the
//! temporary directory next to the target, flushing it, and the swap
//! (an atomic exchange on Linux).
//!
//! Invariant: a target that is not a Zarr array directory (a file, a
//! non-empty other directory, a Zarr group) is refused, never replaced.

use super::io_err;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Whether directory `dir` holds a Zarr array (v3 `zarr.json` of an array,
/// or v2 `.zarray`).
fn is_zarr_array(dir: &Path) -> bool {
    if dir.join(".zarray").is_file() {
        return true;
    }
    let Ok(text) = std::fs::read(dir.join("zarr.json")) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&text)
        .is_ok_and(|v| v.get("node_type").and_then(|t| t.as_str()) == Some("array"))
}

/// The directory a write to `path` replaces (symbolic links followed), and
/// whether it exists; `Err` for a target lazyfuse must not replace.
pub(super) fn check_target(path: &Path) -> Result<(PathBuf, bool)> {
    let refuse = |why: &str| Error::Io(format!("{}: {why}", path.display()).into());
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| io_err(path, e))?,
        _ => path.to_path_buf(),
    };
    match std::fs::symlink_metadata(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((target, false)),
        Err(e) => Err(io_err(path, e)),
        Ok(m) if m.is_dir() => {
            let empty = std::fs::read_dir(&target)
                .map_err(|e| io_err(path, e))?
                .next()
                .is_none();
            if empty || is_zarr_array(&target) {
                Ok((target, true))
            } else {
                Err(refuse(
                    "is a directory that is not a Zarr array: refusing to replace it",
                ))
            }
        }
        Ok(_) => Err(refuse(
            "exists and is not a directory: refusing to replace it with a Zarr array",
        )),
    }
}

/// A temporary directory removed (with its content) when dropped.
pub(super) struct TempDir(pub(super) PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates a uniquely named temporary directory next to `target`.
pub(super) fn temp_dir(path: &Path, target: &Path) -> Result<TempDir> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| Error::Io(format!("{}: not a directory name", path.display()).into()))?
        .to_string_lossy();
    let name: String = name.chars().take(64).collect();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut last = None;
    for _ in 0..16 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = parent.join(format!(
            ".{name}.lazyfuse-tmp-{}-{}-{nanos:x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(TempDir(dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_err(path, e)),
        }
    }
    Err(io_err(path, last.expect("an error")))
}

/// Flushes every file and directory under `dir` to disk.
pub(super) fn sync_tree(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            std::fs::File::open(entry.path())?.sync_all()?;
        }
    }
    std::fs::File::open(dir)?.sync_all()
}

/// Puts the complete array `tmp` in place of `target` (which exists when
/// `existed`): atomically exchanged with it on Linux (the old array then
/// lies in `tmp`, which its guard removes).
pub(super) fn swap_in(tmp: &Path, target: &Path, existed: bool) -> std::io::Result<()> {
    if !existed {
        return std::fs::rename(tmp, target);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
        let (a, b) = (c(tmp)?, c(target)?);
        // SAFETY: two NUL-terminated paths.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(e);
        }
    }
    // No atomic exchange: move the old array aside, the new one in, and
    // the old one to `tmp` (removed by its guard).
    let mut aside = tmp.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    std::fs::rename(target, &aside)?;
    if let Err(e) = std::fs::rename(tmp, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(e);
    }
    std::fs::rename(&aside, tmp)
}
