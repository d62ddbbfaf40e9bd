//! `.npy` files: [`Array::read_npy`], [`Array::from_npy_bytes`],
//! [`Array::open_npy`] (memory-mapped, zero-copy, `unsafe`),
//! [`Array::write_npy`] and [`Array::to_npy_bytes`].
//!
//! The format is NumPy's (`numpy/lib/format.py`): a magic string, a version
//! (1.0, 2.0 or 3.0), a little-endian header length, a Python dict literal
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with
//! spaces and a newline, then the raw elements.
//!
//! # Why this module reads and writes the format itself
//!
//! * **The type string** (`descr`: `'<f8'`, `'|b1'`, `'>u2'`, or a name
//!   such as `'float64'`) is a byte order, a kind character and a size: a
//!   few lines here map it to the 11 dtypes and name every other kind
//!   (float16, complex, strings, objects, datetimes, raw bytes) in the
//!   error. A crate for that would pull in a parser generator.
//! * **The preamble and the header dict are parsed here**, by a small strict
//!   reader of the Python literals NumPy writes. The `npyz` crate's header
//!   reader does the same job but is not safe on hostile input: it computes
//!   the element count and strides with unchecked `u64` products, so a
//!   header claiming shape `(2**40, 2**40)` panics with "attempt to
//!   multiply with overflow" (debug builds) or silently wraps (release);
//!   and it allocates the header-length field before checking it against
//!   the input. Here every size is checked (NumPy's rule: the product of
//!   the non-zero dimensions times the item size must fit in `isize`), the
//!   header length is checked against the bytes actually present, and
//!   nesting is bounded.
//! * **Data is not decoded element by element**: the bytes are copied (or
//!   mapped) as a block, byte-swapped in place for big-endian files, and
//!   Fortran-order files keep their layout as Fortran strides instead of
//!   being transposed.
//! * **The writer** pads headers to 64 bytes, as NumPy does (so that any
//!   dtype can be memory-mapped aligned), leaving room to grow the first
//!   dimension in place (`npyz` pads to 16). Our header is byte-for-byte
//!   the one `numpy.save` writes for the same array.
//!
//! # Invariants
//!
//! * Files that are malformed, truncated, unsupported or inconsistent give
//!   `Err(Error::Npy(..))` naming the cause (and the path, for the path-based
//!   functions); I/O failures give `Err(Error::Io(..))` with the path. No
//!   input panics (tests: `tests/npy.rs`, including a byte-level fuzz test).
//! * The data must be exactly as long as the header says: missing bytes and
//!   trailing bytes are both errors. (NumPy ignores trailing bytes; a file
//!   with extra data is more likely damaged than intentional.)
//! * Bool data is normalised to 0/1 on read, because a Rust `bool` with any
//!   other bit pattern is undefined behaviour; NumPy treats any non-zero byte
//!   as `True`, and so do we.
//! * Nothing large is read or allocated before the magic and the header are
//!   checked. A file that is not a regular file (a FIFO, a character device
//!   such as `/dev/zero`) is read as a stream: the preamble, a header of at
//!   most [`MAX_STREAM_HEADER`] bytes, then exactly the declared data, whose
//!   length is checked against the machine's memory before the buffer is
//!   (fallibly) allocated.
//! * The safe readers copy the data into memory (`read`, not `mmap`): an
//!   array must not change, or fault with `SIGBUS`, when another program
//!   truncates or rewrites its file. Memory-mapping is the explicit
//!   `unsafe fn` [`Array::open_npy`].
//! * Writing goes through the crate's one output writer (`src/fsio.rs`):
//!   temporary + rename, through symlinks, keeping permissions and hard
//!   links, devices and FIFOs written directly.

use super::layout::{c_strides, f_strides, for_each_offset, shape_str};
use super::{Array, Buffer, DType};
use crate::error::{Error, Result};
use crate::fsio::{self, io_err};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

mod header;
mod source;

use header::{parse_header, parse_preamble, truncated_header};
use source::read_header;
pub(crate) use source::NpyFile;

/// The first six bytes of every `.npy` file.
const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// NumPy aligns the start of the data to this many bytes.
const ARRAY_ALIGN: usize = 64;
/// NumPy leaves room for this many digits of the growth axis in the header.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;
/// NumPy's `NPY_MAXDIMS`.
const MAX_DIMS: usize = 64;
/// Nesting limit for the header literal (NumPy's own headers nest 2 deep).
const MAX_DEPTH: usize = 32;
/// The longest header accepted from a stream (a FIFO or a device), whose
/// length cannot be checked against a file size. NumPy's headers for the
/// 11 supported dtypes are under 2 KiB even with 64 dimensions.
pub const MAX_STREAM_HEADER: usize = 1 << 16;

/// The parsed header of a `.npy` file: what the data is and where it starts.
///
/// ```
/// use lazyfuse::{Array, DType};
/// use lazyfuse::internals::array::npy::NpyHeader;
/// let a = Array::from_shape_vec(&[2, 3], vec![1i32, 2, 3, 4, 5, 6])?;
/// let bytes = a.to_npy_bytes();
/// let h = NpyHeader::parse(&bytes)?;
/// assert_eq!((h.dtype, h.shape.as_slice()), (DType::I32, &[2, 3][..]));
/// assert_eq!((h.version, h.data_offset, h.data_len()), ((1, 0), 128, 24));
/// # Ok::<(), lazyfuse::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyHeader {
    /// Format version, `(1, 0)`, `(2, 0)` or `(3, 0)`.
    pub version: (u8, u8),
    /// Element type.
    pub dtype: DType,
    /// Whether the elements are stored big-endian (`'>'` in the type string).
    /// Always `false` for one-byte dtypes.
    pub big_endian: bool,
    /// Whether the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The shape.
    pub shape: Vec<usize>,
    /// Byte offset of the first element from the start of the file.
    pub data_offset: usize,
}

impl NpyHeader {
    /// Parses the header at the start of `bytes`, which must hold at least
    /// the whole header (the data may follow, or not). The sizes are checked
    /// (`Err` if the array could not exist), not the data length.
    pub fn parse(bytes: &[u8]) -> Result<NpyHeader> {
        parse_header(bytes).map_err(Error::Npy)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        // Checked in `parse_header`: cannot overflow.
        self.shape.iter().product()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of data bytes that follow the header.
    pub fn data_len(&self) -> usize {
        self.len() * self.dtype.size()
    }

    /// Whether the stored byte order differs from this machine's.
    fn needs_swap(&self) -> bool {
        self.dtype.size() > 1 && self.big_endian != cfg!(target_endian = "big")
    }

    /// Element strides of the stored layout.
    fn strides(&self) -> Vec<isize> {
        if self.fortran_order {
            f_strides(&self.shape)
        } else {
            c_strides(&self.shape)
        }
    }

    /// Checks that exactly `data_len()` bytes follow the header in a file
    /// of `total` bytes.
    fn check_data_len(&self, total: u64) -> std::result::Result<(), String> {
        let have = total.saturating_sub(self.data_offset as u64);
        let need = self.data_len() as u64;
        if have < need {
            return Err(format!(
                "truncated data: a {} array of shape {} needs {need} bytes, found {have}",
                self.dtype,
                shape_str(&self.shape)
            ));
        }
        if have > need {
            return Err(format!(
                "{} unexpected bytes after the data of a {} array of shape {}",
                have - need,
                self.dtype,
                shape_str(&self.shape)
            ));
        }
        Ok(())
    }

    /// The array over `buf`, whose element `[0, …, 0]` is `offset` elements in.
    fn array(&self, buf: Arc<Buffer>, offset: isize) -> Array {
        Array::from_parts(buf, self.dtype, self.shape.clone(), self.strides(), offset)
    }

    /// Copies the data bytes into a new buffer in native order (the copying
    /// read path shared by all three readers).
    fn copy_array(&self, data: &[u8]) -> Result<Array> {
        let mut buf = Buffer::try_zeroed(data.len())?;
        let bytes = buffer_bytes_mut(&mut buf);
        bytes.copy_from_slice(data);
        self.fix_in_place(bytes);
        Ok(self.array(Arc::new(buf), 0))
    }

    /// Byte-swaps big-endian data and normalises bools, in place.
    fn fix_in_place(&self, data: &mut [u8]) {
        if self.needs_swap() {
            for elem in data.chunks_exact_mut(self.dtype.size()) {
                elem.reverse();
            }
        }
        if self.dtype == DType::Bool {
            for b in data.iter_mut() {
                *b = (*b != 0) as u8;
            }
        }
    }
}

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
    /// Reads a `.npy` file into a new array.
    ///
    /// All 11 dtypes, either byte order (big-endian data is swapped into
    /// native order), C or Fortran order (a Fortran file becomes a
    /// Fortran-strided array, not a transposed copy), 0-d and empty arrays,
    /// format versions 1.0, 2.0 and 3.0. A malformed, truncated or
    /// unsupported file (float16, complex, strings, objects, structured
    /// dtypes, …) is an `Err(Error::Npy)` that names the path and the cause;
    /// a failure to read it is an `Err(Error::Io)`.
    ///
    /// The data is copied into memory, so the array never changes (and the
    /// process never faults) when the file is truncated or rewritten later.
    /// A FIFO or a character device is read as a stream: the magic bytes
    /// and the header first (anything else is a quick `Err`), then exactly
    /// the declared number of data bytes, then one more read must find the
    /// end. A data length larger than this machine's memory, or an
    /// allocation the system refuses, is an `Err`.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-read-{}.npy", std::process::id()));
    /// let a = Array::from_shape_vec(&[2, 2], vec![1u16, 2, 3, 4])?;
    /// a.write_npy(&path)?;
    /// let b = Array::read_npy(&path)?;
    /// assert_eq!(a, b);
    /// # std::fs::remove_file(&path).unwrap();
    /// assert!(Array::read_npy("/no/such/file.npy").is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn read_npy(path: impl AsRef<Path>) -> Result<Array> {
        let path = path.as_ref();
        let mut f = File::open(path).map_err(|e| io_err(path, e))?;
        let meta = f.metadata().map_err(|e| io_err(path, e))?;
        if meta.is_dir() {
            return Err(npy_err(path, "is a directory, not a .npy file".into()));
        }
        if !meta.is_file() {
            return read_stream(&mut f, path);
        }
        let total = meta.len();
        let h = read_header(&mut f, total, path)?;
        f.seek(io::SeekFrom::Start(h.data_offset as u64))
            .map_err(|e| io_err(path, e))?;
        check_fits_in_memory(&h).map_err(|m| npy_err(path, m))?;
        let mut buf = Buffer::try_zeroed(h.data_len())?;
        let data = buffer_bytes_mut(&mut buf);
        read_exact_or_npy(&mut f, data, path)?;
        h.fix_in_place(data);
        Ok(h.array(Arc::new(buf), 0))
    }

    /// Reads an array from the bytes of a `.npy` file (a copy; see
    /// [`Array::read_npy`] for what is supported).
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let a = Array::from_vec(vec![1.5f32, -2.0]);
    /// let b = Array::from_npy_bytes(&a.to_npy_bytes())?;
    /// assert_eq!(b.to_vec::<f32>()?, vec![1.5, -2.0]);
    /// assert!(Array::from_npy_bytes(b"not a npy file").is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn from_npy_bytes(bytes: &[u8]) -> Result<Array> {
        from_bytes(bytes)
    }

    /// Memory-maps a `.npy` file: the array views the mapping, read-only,
    /// and no data is read until it is used. The array is not
    /// [writable](Array::is_writable); evaluating into it is an error. Use
    /// it for inputs larger than memory (with [`Expr::eval_to_npy`]
    /// streaming the result); [`Array::read_npy`] is the safe reader.
    ///
    /// Falls back to reading the file into memory (like
    /// [`Array::read_npy`]) when the data cannot be used in place:
    /// big-endian data on a little-endian machine (it must be swapped),
    /// data not aligned to the element size (only in hand-made files: NumPy
    /// pads the header so the data starts 64-byte aligned), bool data with
    /// bytes other than 0 and 1 (checking this reads the bool data), and
    /// files that are not regular files (pipes, devices).
    ///
    /// # Safety
    ///
    /// The reasoning of [`memmap2::Mmap::map`]: the array, its clones and
    /// views read the file's pages directly, so for as long as any of them
    /// is alive the file must not be truncated (the process would be killed
    /// by `SIGBUS` on the next access) or modified in place (values would
    /// change under shared references, which is undefined behaviour) — by
    /// this process or any other. Replacing the file by renaming a new one
    /// over it is fine: [`Array::write_npy`] and [`Expr::eval_to_npy`] do
    /// that for a file with one link, so writing the result of an
    /// evaluation over one of its mapped inputs is safe. A file with several
    /// hard links, however, is rewritten in place by those writers (so that
    /// every link sees the new content): do not write to such a file while
    /// an array maps it.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-open-{}.npy", std::process::id()));
    /// Array::from_shape_vec(&[2, 3], (0..6).map(|i| i as f64).collect())?.write_npy(&path)?;
    /// // SAFETY: nothing truncates or modifies the file while `m` is alive.
    /// let m = unsafe { Array::open_npy(&path)? };
    /// assert!(!m.is_writable());
    /// assert_eq!(m.t().to_vec::<f64>()?, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    /// # drop(m);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    ///
    /// [`Expr::eval_to_npy`]: crate::Expr::eval_to_npy
    pub unsafe fn open_npy(path: impl AsRef<Path>) -> Result<Array> {
        let path = path.as_ref();
        let f = File::open(path).map_err(|e| io_err(path, e))?;
        let meta = f.metadata().map_err(|e| io_err(path, e))?;
        if !meta.is_file() {
            return Array::read_npy(path);
        }
        // SAFETY: the mapping is read-only and we never write to the file;
        // that nobody else truncates or modifies it while mapped is this
        // function's contract with its caller.
        let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| io_err(path, e))?;
        let h = parse_header(&map).map_err(|m| npy_err(path, m))?;
        h.check_data_len(map.len() as u64).map_err(|m| npy_err(path, m))?;
        let data = &map[h.data_offset..];
        let size = h.dtype.size();
        let aligned = (map.as_ptr() as usize + h.data_offset).is_multiple_of(size);
        let bad_bools = h.dtype == DType::Bool && data.iter().any(|&b| b > 1);
        if h.needs_swap() || !aligned || bad_bools {
            return h.copy_array(data);
        }
        let offset = (h.data_offset / size) as isize;
        Ok(h.array(Arc::new(Buffer::from_file_mmap(map, f)), offset))
    }

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

// ----------------------------------------------------------------- reading

fn from_bytes(bytes: &[u8]) -> Result<Array> {
    let h = parse_header(bytes).map_err(Error::Npy)?;
    h.check_data_len(bytes.len() as u64).map_err(Error::Npy)?;
    h.copy_array(&bytes[h.data_offset..])
}

/// Reads a `.npy` file from a stream (a FIFO, a character device): never
/// more than the preamble before the magic is checked, never more than
/// [`MAX_STREAM_HEADER`] bytes of header, then exactly the declared data.
fn read_stream(f: &mut File, path: &Path) -> Result<Array> {
    let err = |m| npy_err(path, m);
    // Magic and version (8 bytes), then the 2- or 4-byte header length.
    let mut head = vec![0u8; 12];
    let mut n = read_up_to(f, &mut head[..8]).map_err(|e| io_err(path, e))?;
    if n == 8 && head[..6] == MAGIC[..] {
        let len_bytes = if head[6] == 1 { 2 } else { 4 };
        n += read_up_to(f, &mut head[8..8 + len_bytes]).map_err(|e| io_err(path, e))?;
    }
    head.truncate(n);
    let (_, start, len) = parse_preamble(&head).map_err(err)?;
    if len > MAX_STREAM_HEADER {
        return Err(err(format!(
            "bad header: {len} bytes long (at most {MAX_STREAM_HEADER} are accepted from a stream)"
        )));
    }
    head.resize(start + len, 0);
    read_exact_or_npy(f, &mut head[n..], path)?;
    let h = parse_header(&head).map_err(err)?;
    check_fits_in_memory(&h).map_err(err)?;
    let mut buf = Buffer::try_zeroed(h.data_len())?;
    let data = buffer_bytes_mut(&mut buf);
    read_exact_or_npy(f, data, path)?;
    let mut more = [0u8; 1];
    if read_up_to(f, &mut more).map_err(|e| io_err(path, e))? > 0 {
        return Err(err(format!(
            "unexpected bytes after the data of a {} array of shape {}",
            h.dtype,
            shape_str(&h.shape)
        )));
    }
    h.fix_in_place(data);
    Ok(h.array(Arc::new(buf), 0))
}

/// `Err` when the data of `h` is larger than this machine's memory and
/// swap: no allocation of that size can be used, and where the system
/// overcommits, trying would end with the OOM killer instead of an error.
fn check_fits_in_memory(h: &NpyHeader) -> std::result::Result<(), String> {
    let need = h.data_len() as u64;
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `sysinfo` fills the zeroed struct it is given.
        let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
        if unsafe { libc::sysinfo(&mut si) } == 0 {
            let unit = (si.mem_unit as u64).max(1);
            let have = (si.totalram as u64)
                .saturating_add(si.totalswap as u64)
                .saturating_mul(unit);
            if need > have {
                return Err(format!(
                    "a {} array of shape {} needs {need} bytes, more than this machine's memory ({have} bytes)",
                    h.dtype,
                    shape_str(&h.shape)
                ));
            }
        }
    }
    let _ = need;
    Ok(())
}

/// The whole byte range of a buffer we just created and still own alone.
fn buffer_bytes_mut(buf: &mut Buffer) -> &mut [u8] {
    debug_assert!(buf.is_writable());
    // SAFETY: `buf` is a fresh allocation (`zeroed`/`from_bytes`) that no
    // `Arc` or array shares yet, and `&mut` gives exclusive access; the
    // pointer is non-null and aligned even when the length is 0.
    unsafe { std::slice::from_raw_parts_mut(buf.as_ptr(), buf.len()) }
}

fn npy_err(path: &Path, msg: String) -> Error {
    Error::Npy(format!("{}: {msg}", path.display()))
}

/// Reads until `buf` is full or the input ends; returns the count read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `read_exact`, with an early end of file (the file shrank under us)
/// reported as a truncated `.npy` file.
fn read_exact_or_npy(f: &mut File, buf: &mut [u8], path: &Path) -> Result<()> {
    f.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            npy_err(path, "truncated: the file ended early".into())
        } else {
            io_err(path, e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::header::{Parser, Py};
    use super::*;

    #[test]
    fn header_matches_numpy_layout() {
        // numpy.save(np.zeros((2, 3))) writes exactly this header.
        let h = header_bytes(DType::F64, &[2, 3]);
        let mut want = b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }".to_vec();
        want.resize(127, b' ');
        want.push(b'\n');
        assert_eq!(h, want);
        assert!(header_bytes(DType::Bool, &[])
            .starts_with(b"\x93NUMPY\x01\x00\x76\x00{'descr': '|b1', 'fortran_order': False, 'shape': (), }"));
    }

    #[test]
    fn literal_parser() {
        let v = Parser::new(b" {'a': (1,), \"b\": [(2), -3L], 'c': (), 'd': True} \n")
            .parse_all()
            .unwrap();
        let Py::Dict(items) = v else { panic!() };
        assert!(matches!(&items[0].1, Py::Tuple(t) if t.len() == 1));
        assert!(matches!(&items[1].1, Py::List(t) if matches!(t[..], [Py::Int(2), Py::Int(-3)])));
        assert!(matches!(&items[2].1, Py::Tuple(t) if t.is_empty()));
        for bad in [
            &b"{'a' 1}"[..],
            b"{'a': 1",
            b"(((",
            b"{'a': 0x10}",
            b"{'a': 1.5}",
            b"'\\n'",
        ] {
            assert!(Parser::new(bad).parse_all().is_err(), "{:?}", bad);
        }
        let deep = vec![b'('; 1000];
        assert!(Parser::new(&deep).parse_all().is_err());
    }
}
