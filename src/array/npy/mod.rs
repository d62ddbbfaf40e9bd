//! `.npy` files: [`Array::read_npy`], [`Array::from_npy_bytes`],
//! [`Array::open_npy`] (memory-mapped, zero-copy, `unsafe`),
//! [`Array::write_npy`] and [`Array::to_npy_bytes`].
//!
//! The format is NumPy's (`numpy/lib/format.py`): a magic string, a version
//! (1.0, 2.0 or 3.0), a little-endian header length, a Python dict literal
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with
//! spaces and a newline, then the raw elements.
//!
//! `mod.rs` holds `NpyHeader` and the shared I/O helpers; `read.rs` reads,
//! `write.rs` writes, `header.rs` parses the header and `source.rs` is
//! `NpyFile`, a `.npy` file as a streamed source.
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
//!   input panics (tests: `tests/npy/`, including a byte-level fuzz test).
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
mod read;
mod source;
mod write;

use header::{parse_header, parse_preamble, truncated_header};
use source::read_header;
pub(crate) use source::NpyFile;
pub use write::header_bytes;

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
