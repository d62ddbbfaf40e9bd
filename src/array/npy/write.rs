//! Writing `.npy` files: [`header_bytes`] (the header `numpy.save` writes,
//! padded to 64 bytes), [`Array::write_npy`] (through the crate's one
//! output writer) and [`Array::to_npy_bytes`].
//!
//! Invariant: the header is byte for byte the one `numpy.save` writes for
//! the same array, and data is written in logical C order, little-endian.

use super::*;

/// The NumPy header for a little-endian, C-order array of `dtype` and
/// `shape`: exactly the bytes `numpy.save` writes before the data (format
/// 1.0, padded so the data starts on a 64-byte boundary; 2.0 only if the
/// header would not fit in 1.0's 16-bit length). For writers that stream
/// the data themselves.
///
/// ```
/// use lazyfuse::DType;
/// use lazyfuse::internals::array::npy::header_bytes;
/// let h = header_bytes(DType::F64, &[3]);
/// assert_eq!(h.len(), 128);
/// assert!(h.starts_with(b"\x93NUMPY\x01\x00"));
/// assert!(h[10..].starts_with(b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"));
/// assert_eq!(h.last(), Some(&b'\n'));
/// ```
pub fn header_bytes(dtype: DType, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    // Python's repr of a tuple: `()`, `(3,)`, `(2, 3)`.
    let shape_repr = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut text = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_repr}, }}",
        descr(dtype)
    );
    // Room to grow axis 0 in place, as `numpy.lib.format` leaves it.
    if let Some(first) = dims.first() {
        let pad = GROWTH_AXIS_MAX_DIGITS.saturating_sub(first.len());
        text.extend(std::iter::repeat_n(' ', pad));
    }
    // Version 1.0 stores the length in 16 bits; 2.0 (32 bits) only when
    // that is too small, as `numpy.lib.format` chooses.
    let padded_len = |len_bytes: usize| {
        let unpadded = MAGIC.len() + 2 + len_bytes + text.len() + 1;
        let pad = ARRAY_ALIGN - unpadded % ARRAY_ALIGN;
        (pad, text.len() + pad + 1)
    };
    let (version, len_bytes, (pad, hlen)) = match padded_len(2) {
        (pad, hlen) if hlen <= u16::MAX as usize => (1u8, 2usize, (pad, hlen)),
        _ => (2u8, 4usize, padded_len(4)),
    };
    let mut out = Vec::with_capacity(MAGIC.len() + 2 + len_bytes + hlen);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if len_bytes == 2 {
        out.extend_from_slice(&(hlen as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(hlen as u32).to_le_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    debug_assert_eq!(out.len() % ARRAY_ALIGN, 0);
    out
}

/// The little-endian type string of a dtype (`'<f8'`, `'|b1'`).
fn descr(dtype: DType) -> String {
    let kind = match dtype {
        DType::Bool => 'b',
        DType::I8 | DType::I16 | DType::I32 | DType::I64 => 'i',
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => 'u',
        DType::F32 | DType::F64 => 'f',
    };
    let size = dtype.size();
    let order = if size == 1 { "|" } else { "<" };
    format!("{order}{kind}{size}")
}

impl Array {
    /// Writes the array as a `.npy` file that `numpy.load` reads: format
    /// 1.0, little-endian, C order (any layout is written in logical C
    /// order), the same bytes `numpy.save` would write.
    ///
    /// The file is either written completely or left untouched:
    ///
    /// * A symbolic link is followed (through a chain, relative or
    ///   dangling) and the file it leads to is written; the link stays.
    /// * A regular file (or a new one) is written under a unique temporary
    ///   name in the same directory (on Linux an unnamed `O_TMPFILE`, so a
    ///   killed process leaves nothing), flushed, and renamed over `path`:
    ///   a reader never sees a half-written file, an array memory-mapped
    ///   from the old file keeps its contents, and on any error (disk full)
    ///   the old file is untouched and the temporary removed. The new file
    ///   keeps the old one's permission bits (and owner and group, when
    ///   running as root).
    /// * A file with several hard links is rewritten in place once the
    ///   complete content exists in a temporary, so every link sees it.
    /// * A read-only file (no write permission bit, or not writable by this
    ///   process) is refused with an `Err`, even when running as root.
    /// * A character device or a FIFO is written directly, as `numpy.save`
    ///   does; a FIFO with no reader is an `Err` (never a hang).
    /// * A directory, a socket or a block device is an `Err`.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-write-{}.npy", std::process::id()));
    /// let a = Array::from_shape_vec(&[2, 3], vec![1i64, 2, 3, 4, 5, 6])?;
    /// a.t().write_npy(&path)?;                     // a Fortran-strided view
    /// let b = Array::read_npy(&path)?;
    /// assert_eq!(b.to_vec::<i64>()?, vec![1, 4, 2, 5, 3, 6]);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn write_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        fsio::write_file(path, |w| {
            w.write_all(&header_bytes(self.dtype(), self.shape()))
                .and_then(|()| self.write_npy_data(w))
                .map_err(|e| io_err(path, e))
        })
    }

    /// The bytes of the `.npy` file [`Array::write_npy`] would write.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let bytes = Array::from_vec(vec![true, false]).to_npy_bytes();
    /// assert_eq!(bytes.len(), 128 + 2);
    /// assert_eq!(&bytes[128..], &[1, 0]);
    /// ```
    pub fn to_npy_bytes(&self) -> Vec<u8> {
        let mut out = header_bytes(self.dtype(), self.shape());
        out.reserve(self.nbytes());
        self.write_npy_data(&mut out).expect("writing to a Vec cannot fail");
        out
    }

    /// Writes the elements little-endian in logical C order.
    pub(crate) fn write_npy_data(&self, w: &mut (impl Write + ?Sized)) -> io::Result<()> {
        let size = self.dtype().size();
        if self.is_empty() {
            return Ok(());
        }
        if self.is_c_contiguous() && (size == 1 || cfg!(target_endian = "little")) {
            // SAFETY: a C-contiguous layout covers `nbytes` bytes from
            // `as_ptr()`, inside the buffer.
            let bytes = unsafe { std::slice::from_raw_parts(self.as_ptr(), self.nbytes()) };
            return w.write_all(bytes);
        }
        // Gather through a bounded staging buffer: no full-size copy.
        let base = self.buffer().as_ptr() as *const u8;
        let mut chunk: Vec<u8> = Vec::with_capacity(1 << 16);
        let mut err = Ok(());
        for_each_offset(self.shape(), self.strides(), self.offset(), |o| {
            if err.is_err() {
                return;
            }
            // SAFETY: every offset of the layout is an in-bounds element.
            let elem = unsafe { std::slice::from_raw_parts(base.offset(o * size as isize), size) };
            let start = chunk.len();
            chunk.extend_from_slice(elem);
            if cfg!(target_endian = "big") {
                chunk[start..].reverse();
            }
            if chunk.len() + size > chunk.capacity() {
                err = w.write_all(&chunk);
                chunk.clear();
            }
        });
        err?;
        w.write_all(&chunk)
    }
}
