//! `.npy` files as streamed inputs (`Expr::npy`): the header read when the
//! file is opened, the data with `pread` by each evaluation.

use super::*;

/// `from_npy_bytes`.
/// The header of the regular file `f` of `total` bytes, read from its
/// start (its length is checked against the file size before anything that
/// large is allocated), with the data length checked.
pub(super) fn read_header(f: &mut File, total: u64, path: &Path) -> Result<NpyHeader> {
    let mut pre = [0u8; 12];
    let n = read_up_to(f, &mut pre).map_err(|e| io_err(path, e))?;
    let (_, text_start, text_len) = parse_preamble(&pre[..n]).map_err(|m| npy_err(path, m))?;
    let data_offset = text_start as u64 + text_len as u64;
    if data_offset > total {
        return Err(npy_err(path, truncated_header(data_offset, total)));
    }
    let mut head = vec![0u8; data_offset as usize];
    // A header shorter than the 12 bytes read (version 1.0, length 0 or 1)
    // means some of `pre` was data: take only the header part.
    let k = n.min(head.len());
    head[..k].copy_from_slice(&pre[..k]);
    read_exact_or_npy(f, &mut head[k..], path)?;
    let h = parse_header(&head).map_err(|m| npy_err(path, m))?;
    h.check_data_len(total).map_err(|m| npy_err(path, m))?;
    Ok(h)
}

/// A `.npy` file as a streamed input: its header read when it is opened,
/// its data read with `pread` window by window by each evaluation — never
/// mapped, so a file that shrinks or changes is an error, not `SIGBUS`.
/// An evaluation checks that the file still has the length and
/// modification time it had when it was opened, before and after every
/// read.
pub(crate) struct NpyFile {
    path: std::path::PathBuf,
    header: NpyHeader,
    strides: Vec<isize>,
    stamp: (u64, Option<std::time::SystemTime>),
}

impl NpyFile {
    /// Opens `path` (a regular file) and reads its header.
    pub(crate) fn open(path: &Path) -> Result<NpyFile> {
        let mut f = File::open(path).map_err(|e| io_err(path, e))?;
        let meta = f.metadata().map_err(|e| io_err(path, e))?;
        if !meta.is_file() {
            return Err(npy_err(
                path,
                "is not a regular file (only those can be streamed)".into(),
            ));
        }
        let header = read_header(&mut f, meta.len(), path)?;
        let strides = header.strides();
        Ok(NpyFile {
            path: path.to_path_buf(),
            strides,
            header,
            stamp: (meta.len(), meta.modified().ok()),
        })
    }

    fn changed(&self) -> Error {
        Error::Io(
            format!(
                "{}: the file changed after it was opened (its length or modification time)",
                self.path.display()
            )
            .into(),
        )
    }
}

impl crate::runtime::stream::OpenSource for NpyFile {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        (self.header.dtype, &self.header.shape, &self.strides)
    }

    fn open(&self) -> Result<Box<dyn crate::runtime::stream::Source + '_>> {
        let f = File::open(&self.path).map_err(|e| io_err(&self.path, e))?;
        let m = f.metadata().map_err(|e| io_err(&self.path, e))?;
        if (m.len(), m.modified().ok()) != self.stamp {
            return Err(self.changed());
        }
        Ok(Box::new(NpyReader { file: self, f }))
    }
}

pub(super) struct NpyReader<'a> {
    file: &'a NpyFile,
    f: File,
}

impl crate::runtime::stream::Source for NpyReader<'_> {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        crate::runtime::stream::OpenSource::layout(self.file)
    }

    fn read_at(&mut self, pos: i64, dst: &mut [u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let h = &self.file.header;
        let start = u64::try_from(pos)
            .ok()
            .and_then(|p| p.checked_add(h.data_offset as u64));
        let end = start.and_then(|s| s.checked_add(dst.len() as u64));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(Error::Internal("a read outside a .npy file's data".into()));
        };
        if end > self.file.stamp.0 {
            return Err(self.file.changed());
        }
        self.f.read_exact_at(dst, start).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => self.file.changed(),
            _ => io_err(&self.file.path, e),
        })?;
        let m = self.f.metadata().map_err(|e| io_err(&self.file.path, e))?;
        if (m.len(), m.modified().ok()) != self.file.stamp {
            return Err(self.file.changed());
        }
        // Element boundaries: reads start on one (`pos` is a multiple of
        // the element size), so swapping in place is right.
        if h.needs_swap() {
            let size = h.dtype.size();
            if pos % size as i64 != 0 {
                return Err(Error::Internal("an unaligned read of a byte-swapped file".into()));
            }
            for c in dst.chunks_exact_mut(size) {
                c.reverse();
            }
        }
        Ok(())
    }
}
