//! Writing output files the way careful tools write them: the one writer
//! behind [`Array::write_npy`](crate::Array::write_npy),
//! [`Expr::eval_to_npy`](crate::Expr::eval_to_npy) and the command line's
//! `-o`.
//!
//! [`write_file`] takes the target path and a function that produces the
//! whole content, and guarantees that the target ends up either complete
//! or untouched:
//!
//! * **Symbolic links are followed** (a chain, relative links, a dangling
//!   link) and the file they lead to is written; a link is never replaced.
//! * **A regular file, or nothing**: the content goes into a temporary in
//!   the target's directory, which is renamed over the target once it is
//!   complete and flushed to disk. On Linux the temporary is an unnamed
//!   `O_TMPFILE` inode, given a (unique) name only just before the rename,
//!   so a killed process leaves nothing behind; elsewhere, or where the
//!   file system does not support it, a named temporary created with
//!   `O_CREAT | O_EXCL` (hidden, with the process id, a counter and a
//!   random part in its name). A drop guard removes it on every error path.
//!   The new file keeps the permission bits of the file it replaces (and,
//!   best effort, its owner and group).
//! * **A file with several hard links** is rewritten in place, so that
//!   every name sees the new content: the complete content is produced in
//!   an unnamed temporary first (so an error while producing it leaves the
//!   target untouched), space is reserved, and only then is it copied into
//!   the existing inode.
//! * **A read-only target** (no write permission bit, or not writable by
//!   this process) is refused, even when running as root.
//! * **A character device or a FIFO** is written directly, as `numpy.save`
//!   would (nothing is renamed). A FIFO is opened non-blocking first, so one
//!   without a reader is an error instead of a hang.
//! * **A directory, a socket or a block device** is refused.
//! * **A link only the kernel can follow** (`/dev/stdout` →
//!   `/proc/self/fd/1` → `pipe:[…]`) is opened through, never replaced: a
//!   pipe or a terminal is written directly, a regular file rewritten in
//!   place.
//!
//! Every failure is an `Err(Error::Io)` whose message starts with the path
//! the caller gave.

use crate::error::{Error, Result};
use std::ffi::{CString, OsStr, OsString};
use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::hash::BuildHasher;
use std::io::{self, BufWriter, Seek, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Symbolic links followed before giving up (Linux's own limit).
const MAX_SYMLINKS: usize = 40;
/// Bytes of the target's name kept in a temporary's name (names are limited
/// to 255 bytes).
const MAX_NAME_PART: usize = 64;
/// Buffer between the content producer and the file.
const WRITE_BUFFER: usize = 1 << 20;

/// `"<path>: <error>"`, the I/O error's message starting in lowercase.
pub(crate) fn io_err(path: &Path, e: io::Error) -> Error {
    let msg = e.to_string();
    let mut chars = msg.chars();
    let msg = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => msg,
    };
    Error::Io(crate::error::IoError::new(format!("{}: {msg}", path.display()), e))
}

fn refuse(path: &Path, why: &str) -> Error {
    Error::Io(format!("{}: {why}", path.display()).into())
}

/// Writes the file at `path` with the content `fill` produces into the
/// writer it is given (see the module documentation for what happens to
/// links, devices, FIFOs and existing files). `fill` reports its own
/// errors; an error from it, or from writing, leaves the target untouched
/// (except a character device or a FIFO, which receive what was written
/// before the error) and no temporary behind.
pub(crate) fn write_file(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let (target, magic) = resolve_links(path)?;
    let meta = if magic {
        std::fs::metadata(&target)
    } else {
        std::fs::symlink_metadata(&target)
    };
    let meta = match meta {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(path, e)),
    };
    let Some(meta) = meta else {
        return replace(path, &target, None, fill, true);
    };
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(refuse(path, "is a directory, not a file"));
    }
    if ft.is_socket() {
        return Err(refuse(path, "is a socket, not a file"));
    }
    if ft.is_block_device() {
        return Err(refuse(path, "is a block device: refusing to write to it"));
    }
    if !(ft.is_file() || ft.is_char_device() || ft.is_fifo()) {
        return Err(refuse(path, "is not a regular file"));
    }
    check_writable(path, &target, &meta)?;
    if ft.is_file() {
        if meta.nlink() > 1 || magic {
            rewrite_in_place(path, &target, magic, fill)
        } else {
            replace(path, &target, Some(&meta), fill, true)
        }
    } else {
        write_direct(path, &target, ft.is_fifo(), fill)
    }
}

/// Follows symbolic links at the end of `path` (relative links are
/// relative to the link's directory) to the path of the file they lead to,
/// which may not exist (a dangling link). Also returns whether the last
/// link is one only the kernel can follow (`/dev/stdout` →
/// `/proc/self/fd/1` → `pipe:[1234]`, or a deleted file): then the path
/// returned is that link, to be opened, never replaced.
fn resolve_links(path: &Path) -> Result<(PathBuf, bool)> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p).map_err(|e| io_err(path, e))?;
                let next = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
                if std::fs::symlink_metadata(&next).is_err() && std::fs::metadata(&p).is_ok() {
                    return Ok((p, true));
                }
                p = next;
            }
            // Not a link, nothing there, or an error the caller reports.
            _ => return Ok((p, false)),
        }
    }
    Err(refuse(path, "too many levels of symbolic links"))
}

/// Refuses targets without a write permission bit (even for root, who
/// could write them anyway) or that this process may not write.
fn check_writable(path: &Path, target: &Path, meta: &Metadata) -> Result<()> {
    if meta.mode() & 0o222 == 0 {
        return Err(refuse(path, "is read-only (no write permission): not replaced"));
    }
    let c = CString::new(target.as_os_str().as_bytes()).map_err(|_| refuse(path, "the path contains a NUL byte"))?;
    // SAFETY: `c` is a valid NUL-terminated string for the whole call.
    let r = unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::W_OK, libc::AT_EACCESS) };
    if r != 0 {
        let e = io::Error::last_os_error();
        return Err(refuse(path, &format!("not writable ({}): not replaced", lower(&e))));
    }
    Ok(())
}

fn lower(e: &io::Error) -> String {
    let s = e.to_string();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => s,
    }
}

/// The directory a temporary for `target` goes in, and the target's name.
fn dir_and_name(path: &Path, target: &Path) -> Result<(PathBuf, OsString)> {
    let name = target
        .file_name()
        .ok_or_else(|| refuse(path, "not a file path (no file name)"))?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name.to_os_string()))
}

/// Runs `fill` into `file` through a buffer and flushes it.
fn fill_into(path: &Path, file: &File, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut w = BufWriter::with_capacity(WRITE_BUFFER, file);
    fill(&mut w)?;
    w.flush().map_err(|e| io_err(path, e))
}

/// Writes into a temporary next to `target`, then renames it over the
/// target. `existing` is the target's metadata, if there is one (its
/// permissions are kept).
fn replace(
    path: &Path,
    target: &Path,
    existing: Option<&Metadata>,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
    allow_unnamed: bool,
) -> Result<()> {
    let (dir, name) = dir_and_name(path, target)?;
    // Owner-only until the final permissions are set, when there are
    // permissions to keep; otherwise the usual 0o666 less the umask.
    let mode = if existing.is_some() { 0o600 } else { 0o666 };
    let tmp = TempFile::create(&dir, &name, mode, allow_unnamed).map_err(|e| io_err(path, e))?;
    fill_into(path, &tmp.file, fill)?;
    if let Some(m) = existing {
        keep_owner_and_mode(&tmp.file, m).map_err(|e| io_err(path, e))?;
    }
    tmp.file.sync_all().map_err(|e| io_err(path, e))?;
    tmp.persist(target).map_err(|e| io_err(path, e))
}

/// Gives `file` the owner, group (best effort: only root may give files
/// away) and permission bits of `m`.
fn keep_owner_and_mode(file: &File, m: &Metadata) -> io::Result<()> {
    let mine = file.metadata()?;
    if (mine.uid() != m.uid() || mine.gid() != m.gid())
        && std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid())).is_err()
    {
        let _ = std::os::unix::fs::fchown(file, None, Some(m.gid()));
    }
    // After chown, which may clear set-id bits.
    file.set_permissions(Permissions::from_mode(m.mode() & 0o777))
}

/// A file with several hard links (or reached through a link only the
/// kernel can follow, `magic`): produce the whole content in an unnamed
/// temporary, then copy it into the existing inode so every link sees it.
fn rewrite_in_place(
    path: &Path,
    target: &Path,
    magic: bool,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let io = |e| io_err(path, e);
    // Opened first, so a target we cannot open fails before any work.
    let nofollow = if magic { 0 } else { libc::O_NOFOLLOW };
    let dst = OpenOptions::new()
        .write(true)
        .custom_flags(nofollow | libc::O_CLOEXEC)
        .open(target)
        .map_err(io)?;
    let (mut dir, name) = dir_and_name(path, target)?;
    if magic {
        // The link's directory is `/proc/<pid>/fd`, where nothing can be created.
        dir = std::env::temp_dir();
    }
    let tmp = TempFile::create(&dir, &name, 0o600, true).map_err(io)?;
    fill_into(path, &tmp.file, fill)?;
    let len = (&tmp.file).stream_position().map_err(io)?;
    reserve(&dst, len).map_err(io)?;
    (&tmp.file).rewind().map_err(io)?;
    let copied = io::copy(&mut &tmp.file, &mut &dst).map_err(io)?;
    if copied != len {
        return Err(refuse(path, "the temporary changed while being copied"));
    }
    dst.set_len(len).map_err(io)?;
    dst.sync_all().map_err(io)?;
    tmp.discard();
    Ok(())
}

/// Reserves disk space for `len` bytes of `f` without changing its size,
/// so that running out of space fails before the file is touched (where
/// the file system supports it).
fn reserve(f: &File, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let Ok(len) = libc::off_t::try_from(len) else {
            return Err(io::Error::from_raw_os_error(libc::EFBIG));
        };
        if len == 0 {
            return Ok(());
        }
        // SAFETY: a plain system call on an open descriptor.
        let r = unsafe { libc::fallocate(f.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, len) };
        if r != 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL) => Ok(()),
                _ => Err(e),
            };
        }
    }
    let _ = (f, len);
    Ok(())
}

/// A character device or a FIFO: written directly, as `numpy.save` would.
fn write_direct(path: &Path, target: &Path, fifo: bool, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    use std::os::fd::AsRawFd;
    let io = |e| io_err(path, e);
    let mut opts = OpenOptions::new();
    opts.write(true);
    if fifo {
        // Non-blocking: with no reader, open fails (ENXIO) instead of
        // waiting forever.
        opts.custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC);
    } else {
        opts.custom_flags(libc::O_CLOEXEC);
    }
    let f = match opts.open(target) {
        Err(e) if fifo && e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(refuse(path, "a FIFO with no reader"));
        }
        r => r.map_err(io)?,
    };
    let ft = f.metadata().map_err(io)?.file_type();
    if !(ft.is_char_device() || ft.is_fifo()) {
        return Err(refuse(path, "was replaced while being opened"));
    }
    if fifo {
        // Back to blocking writes: a slow reader must not turn into errors.
        // SAFETY: plain system calls on an open descriptor.
        let flags = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETFL) };
        if flags < 0 || unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(io(io::Error::last_os_error()));
        }
    }
    fill_into(path, &f, fill)
}

// ------------------------------------------------------------ temporaries

/// A temporary file in a given directory, removed when dropped unless
/// [`TempFile::persist`] renamed it into place.
struct TempFile {
    file: File,
    dir: PathBuf,
    /// The target's name, for the temporary's name.
    base: OsString,
    /// The temporary's name, once it has one (removed on drop).
    named: Option<PathBuf>,
}

impl TempFile {
    /// An unnamed `O_TMPFILE` inode where possible (and `allow_unnamed`),
    /// else a new file with a unique name.
    fn create(dir: &Path, base: &OsStr, mode: u32, allow_unnamed: bool) -> io::Result<TempFile> {
        let make = |file, named| TempFile {
            file,
            dir: dir.to_path_buf(),
            base: base.to_os_string(),
            named,
        };
        #[cfg(target_os = "linux")]
        if allow_unnamed {
            let r = OpenOptions::new()
                .write(true)
                .read(true)
                .mode(mode)
                .custom_flags(libc::O_TMPFILE | libc::O_CLOEXEC)
                .open(dir);
            match r {
                Ok(f) => return Ok(make(f, None)),
                // Not supported by this kernel or file system.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) => {}
                Err(e) => return Err(e),
            }
        }
        let _ = allow_unnamed;
        loop {
            let p = dir.join(unique_name(base));
            let r = OpenOptions::new()
                .write(true)
                .read(true)
                .create_new(true)
                .mode(mode)
                .custom_flags(libc::O_CLOEXEC)
                .open(&p);
            match r {
                Ok(f) => return Ok(make(f, Some(p))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Renames the (complete) temporary over `target`, first giving an
    /// unnamed one a unique name.
    fn persist(mut self, target: &Path) -> io::Result<()> {
        if self.named.is_none() {
            loop {
                let p = self.dir.join(unique_name(&self.base));
                match link_fd(&self.file, &p) {
                    Ok(()) => {
                        self.named = Some(p);
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        let named = self.named.as_ref().expect("named above");
        std::fs::rename(named, target)?;
        self.named = None;
        Ok(())
    }

    /// Drops the temporary (removing its name, if it has one).
    fn discard(self) {}
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.named.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// `.<name>.<pid>-<counter>-<random>.tmp`: hidden, and unique among
/// processes, threads and earlier runs (creation still uses `O_EXCL`).
fn unique_name(base: &OsStr) -> OsString {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = std::collections::hash_map::RandomState::new().hash_one((n, std::time::SystemTime::now()));
    let bytes = base.as_bytes();
    let part = OsStr::from_bytes(&bytes[..bytes.len().min(MAX_NAME_PART)]);
    let mut s = OsString::from(".");
    s.push(part);
    s.push(format!(".{}-{n}-{:08x}.tmp", std::process::id(), random as u32));
    s
}

/// Gives the unnamed (`O_TMPFILE`) file `f` the name `p`.
#[cfg(target_os = "linux")]
fn link_fd(f: &File, p: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let to = CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let proc_path = CString::new(format!("/proc/self/fd/{}", f.as_raw_fd())).expect("no NUL");
    // SAFETY: valid NUL-terminated strings for the duration of the calls.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            proc_path.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let first = io::Error::last_os_error();
    if first.kind() == io::ErrorKind::AlreadyExists {
        return Err(first);
    }
    // Without /proc: AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH before
    // Linux 6.10).
    // SAFETY: as above; the empty string is NUL-terminated.
    let r = unsafe {
        libc::linkat(
            f.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let second = io::Error::last_os_error();
    Err(if second.kind() == io::ErrorKind::AlreadyExists {
        second
    } else {
        first
    })
}

#[cfg(not(target_os = "linux"))]
fn link_fd(_: &File, _: &Path) -> io::Result<()> {
    unreachable!("unnamed temporaries exist only on Linux")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            static N: AtomicU64 = AtomicU64::new(0);
            let d = std::env::temp_dir().join(format!(
                "lazyfuse-fsio-{}-{}-{tag}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&d).unwrap();
            Dir(d)
        }

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

    fn content(b: &'static [u8]) -> impl FnOnce(&mut dyn Write) -> Result<()> {
        move |w| w.write_all(b).map_err(|e| io_err(Path::new("test"), e))
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_temporary_has_no_name_while_it_is_written() {
        // So a process killed while writing leaves nothing behind.
        let d = Dir::new("unnamed");
        let target = d.0.join("out.npy");
        let mut seen = vec![];
        write_file(&target, |w| {
            w.write_all(b"content").unwrap();
            seen = d.list();
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, Vec::<String>::new());
        assert_eq!(d.list(), ["out.npy"]);
        assert_eq!(std::fs::read(&target).unwrap(), b"content");
    }

    #[test]
    fn named_temporaries_are_unique_and_removed_on_error() {
        let d = Dir::new("named");
        let target = d.0.join("out.npy");
        std::fs::write(&target, b"old").unwrap();
        let mut seen = vec![];
        let r = replace(
            &target,
            &target,
            Some(&std::fs::metadata(&target).unwrap()),
            |w| {
                w.write_all(b"partial").unwrap();
                seen = d.list();
                Err(Error::Value("stop".into()))
            },
            false,
        );
        assert_eq!(r, Err(Error::Value("stop".into())));
        assert_eq!(seen.len(), 2, "{seen:?}");
        let tmp = seen.iter().find(|n| *n != "out.npy").unwrap();
        assert!(tmp.starts_with(".out.npy.") && tmp.ends_with(".tmp"), "{tmp}");
        assert_eq!(d.list(), ["out.npy"]);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        // And the success path renames it into place.
        replace(&target, &target, None, content(b"new"), false).unwrap();
        assert_eq!(d.list(), ["out.npy"]);
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let names: std::collections::HashSet<OsString> = (0..1000).map(|_| unique_name(OsStr::new("x"))).collect();
        assert_eq!(names.len(), 1000);
    }

    #[test]
    fn long_names_fit() {
        let d = Dir::new("long");
        let target = d.0.join("n".repeat(250));
        replace(&target, &target, None, content(b"x"), false).unwrap();
        write_file(&target, content(b"y")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"y");
    }
}
