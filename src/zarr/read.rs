//! Reading: a Zarr array as a streamed input. `ZarrInput` opens the
//! metadata; each evaluation's `ZarrReader` decodes only the chunks that
//! intersect the byte range asked for — whole blocks of chunk rows straight
//! into the destination, a block cut by the range through a one-block cache
//! (or, above `BLOCK_CACHE`, just the rectangles of the range).
//!
//! Invariant: no read decodes the whole array; missing chunks read as the
//! fill value.

use super::{io_err, zerr, BLOCK_CACHE};
use crate::array::layout::checked_bytes;
use crate::array::DType;
use crate::error::{Error, Result};
use crate::runtime::stream::{OpenSource, Source};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zarrs::array::{Array as ZArray, ArrayBytesFixedDisjointView, ArraySubset};
use zarrs::filesystem::FilesystemStore;

/// The DType of a Zarr data type, if lazyfuse has it.
fn dtype_of(dt: &zarrs::array::DataType) -> Option<DType> {
    use zarrs::array::data_type as z;
    Some(if dt.is::<z::BoolDataType>() {
        DType::Bool
    } else if dt.is::<z::Int8DataType>() {
        DType::I8
    } else if dt.is::<z::Int16DataType>() {
        DType::I16
    } else if dt.is::<z::Int32DataType>() {
        DType::I32
    } else if dt.is::<z::Int64DataType>() {
        DType::I64
    } else if dt.is::<z::UInt8DataType>() {
        DType::U8
    } else if dt.is::<z::UInt16DataType>() {
        DType::U16
    } else if dt.is::<z::UInt32DataType>() {
        DType::U32
    } else if dt.is::<z::UInt64DataType>() {
        DType::U64
    } else if dt.is::<z::Float32DataType>() {
        DType::F32
    } else if dt.is::<z::Float64DataType>() {
        DType::F64
    } else {
        return None;
    })
}

/// A Zarr array on disk as a streamed input (see the module documentation).
pub(crate) struct ZarrInput {
    path: PathBuf,
    array: ZArray<FilesystemStore>,
    dtype: DType,
    shape: Vec<usize>,
    strides: Vec<isize>,
}

impl ZarrInput {
    /// Opens the Zarr array in directory `path` (its metadata only).
    pub(crate) fn open(path: &Path) -> Result<ZarrInput> {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        if !meta.is_dir() || !(path.join("zarr.json").is_file() || path.join(".zarray").is_file()) {
            return Err(Error::Io(
                format!("{}: not a Zarr array (a directory with zarr.json)", path.display()).into(),
            ));
        }
        let store = FilesystemStore::new(path).map_err(|e| zerr(path, e))?;
        let array = ZArray::open(Arc::new(store), "/").map_err(|e| zerr(path, e))?;
        let dtype = dtype_of(array.data_type()).ok_or_else(|| {
            Error::Type(format!(
                "{}: Zarr data type {} is not supported (bool, int8 to uint64, float32 and float64 are)",
                path.display(),
                array.data_type()
            ))
        })?;
        if array.data_type().fixed_size() != Some(dtype.size()) {
            return Err(Error::Internal(format!("{}: Zarr data type size", path.display())));
        }
        let shape = array
            .shape()
            .iter()
            .map(|&d| usize::try_from(d))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .map_err(|_| Error::Shape(format!("{}: a dimension does not fit in memory", path.display())))?;
        checked_bytes(&shape, dtype.size())?;
        let mut strides = vec![1isize; shape.len()];
        for k in (0..shape.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * shape[k + 1].max(1) as isize;
        }
        Ok(ZarrInput {
            path: path.to_path_buf(),
            array,
            dtype,
            shape,
            strides,
        })
    }

    /// Bytes of one row (one index along axis 0; the element of a 0-d
    /// array).
    fn row_bytes(&self) -> u64 {
        self.shape.iter().skip(1).product::<usize>() as u64 * self.dtype.size() as u64
    }

    /// Rows (1 for a 0-d array).
    fn rows(&self) -> u64 {
        self.shape.first().map_or(1, |&d| d as u64)
    }

    /// The rows `[b0, b1)` of the block of chunk rows that holds row `r`.
    fn block_of(&self, r: u64) -> Result<(u64, u64)> {
        if self.shape.is_empty() {
            return Ok((0, 1));
        }
        let mut ranges: Vec<Range<u64>> = self.shape.iter().map(|&d| 0..d as u64).collect();
        ranges[0] = r..r + 1;
        let chunks = self
            .array
            .chunks_in_array_subset(&ArraySubset::new_with_ranges(&ranges))
            .map_err(|e| zerr(&self.path, e))?
            .ok_or_else(|| Error::Internal(format!("{}: row {r} has no chunk", self.path.display())))?;
        let mut idx = vec![0u64; self.shape.len()];
        idx[0] = chunks.start()[0];
        let sub = self.array.chunk_subset_bounded(&idx).map_err(|e| zerr(&self.path, e))?;
        let (b0, n) = (sub.start()[0], sub.shape()[0]);
        if n == 0 || !(b0..b0 + n).contains(&r) {
            return Err(Error::Internal(format!("{}: the chunk grid", self.path.display())));
        }
        Ok((b0, b0 + n))
    }

    /// Decodes the elements `[a, b)` (in C order) into `dst`.
    fn decode_range(&self, a: u64, b: u64, dst: &mut [u8]) -> Result<()> {
        let shape: Vec<u64> = self.shape.iter().map(|&d| d as u64).collect();
        let mut rects = vec![];
        if shape.is_empty() {
            rects.push(vec![]);
        } else {
            rectangles(&shape, 0, &mut vec![], a, b, &mut rects);
        }
        let size = self.dtype.size();
        let mut at = 0usize;
        for r in rects {
            let sub = ArraySubset::new_with_ranges(&r);
            let n = sub.num_elements_usize() * size;
            self.decode_into(&sub, &mut dst[at..at + n])?;
            at += n;
        }
        if at != dst.len() {
            return Err(Error::Internal(format!(
                "{}: a read of the wrong length",
                self.path.display()
            )));
        }
        Ok(())
    }

    /// Decodes the rectangle `sub` into `dst` (its bytes in C order).
    fn decode_into(&self, sub: &ArraySubset, dst: &mut [u8]) -> Result<()> {
        let shape = sub.shape().to_vec();
        let cells = unsafe_cell_slice::UnsafeCellSlice::new(dst);
        // SAFETY: the view covers all of `dst`, and it is the only view of
        // it (views are unsafe because disjoint ones may be written from
        // several threads).
        let mut view = unsafe {
            ArrayBytesFixedDisjointView::new(
                cells,
                self.dtype.size(),
                &shape,
                ArraySubset::new_with_shape(shape.clone()),
            )
        }
        .map_err(|e| zerr(&self.path, e))?;
        self.array
            .retrieve_array_subset_into(sub, (&mut view).into())
            .map_err(|e| zerr(&self.path, e))
    }
}

/// Splits the elements `[a, b)` of the block `shape[k..]` (C order, fixed
/// indices `prefix` on the axes before `k`) into rectangles, in order.
pub(super) fn rectangles(
    shape: &[u64],
    k: usize,
    prefix: &mut Vec<Range<u64>>,
    a: u64,
    b: u64,
    out: &mut Vec<Vec<Range<u64>>>,
) {
    if a >= b {
        return;
    }
    let rest = |p: &Vec<Range<u64>>, r: Range<u64>| {
        let mut v = p.clone();
        v.push(r);
        v.extend(shape[k + 1..].iter().map(|&d| 0..d));
        v
    };
    if k + 1 == shape.len() {
        out.push(rest(prefix, a..b));
        return;
    }
    let s: u64 = shape[k + 1..].iter().product();
    let (mut i0, i1) = (a / s, b / s);
    if i0 == i1 {
        prefix.push(i0..i0 + 1);
        rectangles(shape, k + 1, prefix, a - i0 * s, b - i0 * s, out);
        prefix.pop();
        return;
    }
    if !a.is_multiple_of(s) {
        prefix.push(i0..i0 + 1);
        rectangles(shape, k + 1, prefix, a % s, s, out);
        prefix.pop();
        i0 += 1;
    }
    if i1 > i0 {
        out.push(rest(prefix, i0..i1));
    }
    if !b.is_multiple_of(s) {
        prefix.push(i1..i1 + 1);
        rectangles(shape, k + 1, prefix, 0, b % s, out);
        prefix.pop();
    }
}

impl OpenSource for ZarrInput {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        (self.dtype, &self.shape, &self.strides)
    }

    fn open(&self) -> Result<Box<dyn Source + '_>> {
        Ok(Box::new(ZarrReader {
            input: self,
            cache: None,
        }))
    }
}

/// One evaluation's reader of a [`ZarrInput`].
struct ZarrReader<'a> {
    input: &'a ZarrInput,
    /// The last block of chunk rows decoded whole: rows `[b0, b1)`.
    cache: Option<(u64, u64, Vec<u8>)>,
}

impl Source for ZarrReader<'_> {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        self.input.layout()
    }

    fn read_at(&mut self, pos: i64, dst: &mut [u8]) -> Result<()> {
        if dst.is_empty() {
            return Ok(());
        }
        let inp = self.input;
        let size = inp.dtype.size() as u64;
        let row = inp.row_bytes();
        let total = row * inp.rows();
        let start = u64::try_from(pos).ok().filter(|p| p % size == 0);
        let end = start.and_then(|s| s.checked_add(dst.len() as u64));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(Error::Internal("a read outside a Zarr array".into()));
        };
        if end > total || end % size != 0 {
            return Err(Error::Internal("a read outside a Zarr array".into()));
        }
        let mut cur = start;
        while cur < end {
            let (b0, b1) = inp.block_of(cur / row)?;
            let (lo, hi) = (b0 * row, b1 * row);
            let out = &mut dst[(cur - start) as usize..];
            if cur == lo && hi <= end {
                // Whole blocks, decoded in place (their chunks in parallel).
                let mut e = b1;
                while e < inp.rows() {
                    let (_, n1) = inp.block_of(e)?;
                    if n1 * row > end {
                        break;
                    }
                    e = n1;
                }
                let n = (e * row - cur) as usize;
                inp.decode_range(cur / size, e * row / size, &mut out[..n])?;
                cur = e * row;
            } else if hi - lo <= BLOCK_CACHE as u64 {
                if !matches!(&self.cache, Some((c0, c1, _)) if (*c0, *c1) == (b0, b1)) {
                    self.cache = None;
                    let mut buf = vec![0u8; (hi - lo) as usize];
                    inp.decode_range(lo / size, hi / size, &mut buf)?;
                    self.cache = Some((b0, b1, buf));
                }
                let buf = &self.cache.as_ref().expect("cached").2;
                let n = (end.min(hi) - cur) as usize;
                out[..n].copy_from_slice(&buf[(cur - lo) as usize..][..n]);
                cur += n as u64;
            } else {
                let n = end.min(hi) - cur;
                inp.decode_range(cur / size, (cur + n) / size, &mut out[..n as usize])?;
                cur += n;
            }
        }
        Ok(())
    }
}
