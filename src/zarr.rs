//! Zarr v3 arrays (chunked, compressed; the format of Python's zarr, xarray
//! and Dask) as streamed inputs and outputs, through the `zarrs` crate
//! (feature `zarr`, on by default).
//!
//! * **Input** ([`Expr::zarr`]): a `ZarrInput` is an `OpenSource` whose
//!   stored layout is the array's shape in C order. `read_at` decodes only
//!   the chunks that intersect the byte range it is asked for: whole blocks
//!   of chunk rows (the chunks that share an index along axis 0) are
//!   decoded straight into the destination, a block cut by the range is
//!   decoded once into a one-block cache (the next window starts in it) or,
//!   when a block is larger than `BLOCK_CACHE`, just the rectangles of the
//!   range are decoded. Missing chunks read as the fill value. No read ever
//!   decodes the whole array.
//! * **Output** ([`Expr::eval_to_zarr_with`]): the result's bytes arrive in C
//!   order; `ZarrSink` buffers at most one group of chunk rows and stores
//!   (encodes) each completed group, so the output never exists whole. The
//!   array is written into a uniquely named temporary directory next to the
//!   target, flushed to disk, and swapped with the target only when complete
//!   (an atomic exchange on Linux); an error removes the temporary and
//!   leaves the target as it was. A target that is not a Zarr array
//!   directory (a file, a non-empty other directory, a Zarr group) is
//!   refused.

use crate::array::layout::checked_bytes;
use crate::array::DType;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::runtime::stream::{eval_graph_streamed, OpenSource, Sink, Source, StreamReport};
use crate::runtime::ExecOptions;
use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zarrs::array::{Array as ZArray, ArrayBuilder, ArrayBytes, ArrayBytesFixedDisjointView, ArraySubset};
use zarrs::filesystem::FilesystemStore;

/// A block of chunk rows larger than this is never decoded whole into the
/// reader's cache: only the rectangles a read asks for are.
pub(crate) const BLOCK_CACHE: usize = 16 << 20;
/// The size a default output chunk aims at (at most an eighth of the
/// memory budget).
const CHUNK_TARGET: usize = 4 << 20;
/// The most bytes of chunk rows an output buffers before storing them
/// (storing several chunks at once encodes them in parallel).
const GROUP_MAX: usize = 32 << 20;

/// The compression of a Zarr array written by lazyfuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ZarrCodec {
    /// No compression (the `bytes` codec alone).
    None,
    /// zstd (level 1 unless [`ZarrOptions::level`] says otherwise): the
    /// default, as in Python's zarr.
    #[default]
    Zstd,
    /// Blosc with LZ4 and byte shuffling (level 5 by default).
    Blosc,
    /// gzip (level 5 by default).
    Gzip,
}

impl std::str::FromStr for ZarrCodec {
    type Err = Error;
    fn from_str(s: &str) -> Result<ZarrCodec> {
        Ok(match s {
            "none" => ZarrCodec::None,
            "zstd" => ZarrCodec::Zstd,
            "blosc" => ZarrCodec::Blosc,
            "gzip" => ZarrCodec::Gzip,
            _ => {
                return Err(Error::Value(format!(
                    "unknown Zarr codec '{}': expected zstd, blosc, gzip or none",
                    crate::expr::parse::clip(s)
                )))
            }
        })
    }
}

/// How [`Expr::eval_to_zarr_with`] writes an array.
///
/// ```
/// use lazyfuse::{ZarrCodec, ZarrOptions};
/// let o = ZarrOptions::default().with_codec(ZarrCodec::Blosc).with_chunk_shape(&[1000, 8]);
/// assert_eq!(o.chunk_shape, Some(vec![1000, 8]));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZarrOptions {
    /// The compression codec.
    pub codec: ZarrCodec,
    /// The codec's compression level (`None`: the codec's default here).
    pub level: Option<i32>,
    /// The chunk shape (one extent, at least 1, per axis). `None`: chunks
    /// of about 4 MiB (at most an eighth of the memory budget) made of
    /// whole rows along axis 0 when a row is smaller than that, else of
    /// single rows cut along the next axes.
    pub chunk_shape: Option<Vec<usize>>,
}

impl ZarrOptions {
    /// These options with `codec`.
    pub fn with_codec(mut self, codec: ZarrCodec) -> ZarrOptions {
        self.codec = codec;
        self
    }

    /// These options with compression level `level`.
    pub fn with_level(mut self, level: i32) -> ZarrOptions {
        self.level = Some(level);
        self
    }

    /// These options with chunks of `shape`.
    pub fn with_chunk_shape(mut self, shape: &[usize]) -> ZarrOptions {
        self.chunk_shape = Some(shape.to_vec());
        self
    }
}

/// `"<path>: <message>"` on one line.
fn zerr(path: &Path, e: impl std::fmt::Display) -> Error {
    let msg = e.to_string();
    let msg: Vec<&str> = msg.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    Error::Io(format!("{}: {}", path.display(), msg.join("; ")).into())
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    crate::fsio::io_err(path, e)
}

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
fn rectangles(shape: &[u64], k: usize, prefix: &mut Vec<Range<u64>>, a: u64, b: u64, out: &mut Vec<Vec<Range<u64>>>) {
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

/// The default chunk shape of an output (see [`ZarrOptions::chunk_shape`]).
fn default_chunks(shape: &[usize], size: usize, budget: usize) -> Vec<usize> {
    let target = CHUNK_TARGET.min(budget / 8).max(size);
    let ext = |d: usize| d.max(1);
    let mut chunks: Vec<usize> = shape.iter().map(|&d| ext(d)).collect();
    for j in 0..shape.len() {
        let inner = shape[j + 1..].iter().map(|&d| ext(d)).product::<usize>() * size;
        if inner <= target {
            chunks[j] = (target / inner).clamp(1, ext(shape[j]));
            return chunks;
        }
        chunks[j] = 1;
    }
    chunks
}

/// The chunk shape of an output: the options' (checked) or the default.
fn chunk_shape(shape: &[usize], size: usize, z: &ZarrOptions, budget: usize) -> Result<Vec<usize>> {
    let Some(c) = &z.chunk_shape else {
        return Ok(default_chunks(shape, size, budget));
    };
    if c.len() != shape.len() || c.contains(&0) {
        return Err(Error::Value(format!(
            "Zarr chunk shape {} does not fit an array of shape {}: one extent of at least 1 per axis",
            crate::array::layout::shape_str(c),
            crate::array::layout::shape_str(shape)
        )));
    }
    Ok(c.clone())
}

/// The bytes-to-bytes codecs of `z` for elements of `size` bytes.
fn codecs(z: &ZarrOptions, size: usize) -> Result<Vec<Arc<dyn zarrs::array::codec::api::BytesToBytesCodecTraits>>> {
    use zarrs::array::codec as c;
    let bad = |e: &dyn std::fmt::Display| Error::Value(format!("Zarr codec {:?}: {e}", z.codec));
    Ok(match z.codec {
        ZarrCodec::None => vec![],
        ZarrCodec::Zstd => vec![Arc::new(c::ZstdCodec::new(z.level.unwrap_or(1), false))],
        ZarrCodec::Gzip => {
            let level = u32::try_from(z.level.unwrap_or(5)).map_err(|e| bad(&e))?;
            vec![Arc::new(c::GzipCodec::new(level).map_err(|e| bad(&e))?)]
        }
        ZarrCodec::Blosc => {
            let level = u8::try_from(z.level.unwrap_or(5))
                .ok()
                .and_then(|l| c::BloscCompressionLevel::try_from(l).ok())
                .ok_or_else(|| bad(&"the level must be 0 to 9"))?;
            let shuffle = if size > 1 {
                c::BloscShuffleMode::Shuffle
            } else {
                c::BloscShuffleMode::NoShuffle
            };
            vec![Arc::new(
                c::BloscCodec::new(c::BloscCompressor::LZ4, level, None, shuffle, Some(size)).map_err(|e| bad(&e))?,
            )]
        }
    })
}

/// A streamed output into a Zarr array: buffers the result's bytes until a
/// group of whole chunk rows is complete, then stores it.
///
/// The data comes in C order. With `q` the first axis whose chunk extent is
/// not 1, a *slab* — fixed indices on the axes before `q`, one chunk's
/// extent along `q`, everything after — is contiguous in C order and made
/// of whole chunks; up to `group` consecutive slabs along `q` are stored at
/// once.
struct ZarrSink<'a> {
    path: &'a Path,
    array: &'a ZArray<FilesystemStore>,
    shape: Vec<u64>,
    size: usize,
    q: usize,
    /// Elements per slab step along `q`, and the extent along `q` stored at
    /// once.
    step: u64,
    /// Elements stored so far.
    done: u64,
    total: u64,
    buf: Vec<u8>,
}

impl<'a> ZarrSink<'a> {
    fn new(
        path: &'a Path,
        array: &'a ZArray<FilesystemStore>,
        shape: &[usize],
        chunks: &[usize],
        size: usize,
        budget: usize,
    ) -> Result<ZarrSink<'a>> {
        let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let q = chunks
            .iter()
            .position(|&c| c != 1)
            .unwrap_or(shape.len().saturating_sub(1));
        let inner: u64 = shape.get(q + 1..).map_or(1, |s| s.iter().product());
        let cq = chunks.get(q).map_or(1, |&c| c as u64);
        let slab = cq.min(shape.get(q).copied().unwrap_or(1)) * inner * size as u64;
        if slab > (budget / 2) as u64 {
            return Err(Error::Value(format!(
                "{}: a row of Zarr chunks of shape {} takes {slab} bytes, more than half the memory budget ({budget} bytes): choose chunks with fewer rows",
                path.display(),
                crate::array::layout::shape_str(chunks)
            )));
        }
        let group = (GROUP_MAX.min(budget / 8) as u64 / slab.max(1)).max(1);
        Ok(ZarrSink {
            path,
            array,
            total: shape.iter().product(),
            q,
            step: group * cq,
            shape,
            size,
            done: 0,
            buf: vec![],
        })
    }

    /// The rectangle of the next store, and its elements.
    fn next_piece(&self) -> (Vec<Range<u64>>, u64) {
        if self.shape.is_empty() {
            return (vec![], 1);
        }
        let mut rem = self.done;
        let mut ranges = vec![0..0; self.shape.len()];
        for k in (0..self.shape.len()).rev() {
            let i = rem % self.shape[k];
            rem /= self.shape[k];
            ranges[k] = i..i + 1;
        }
        let q = self.q;
        let p = ranges[q].start;
        ranges[q] = p..(p + self.step).min(self.shape[q]);
        let mut n = ranges[q].end - p;
        for (k, r) in ranges.iter_mut().enumerate().skip(q + 1) {
            *r = 0..self.shape[k];
            n *= self.shape[k];
        }
        (ranges, n)
    }

    fn store(&mut self, ranges: &[Range<u64>], n: u64, bytes: &[u8]) -> Result<()> {
        let sub = ArraySubset::new_with_ranges(ranges);
        self.array
            .store_array_subset(&sub, ArrayBytes::new_flen(Cow::Borrowed(bytes)))
            .map_err(|e| zerr(self.path, e))?;
        self.done += n;
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        if self.done != self.total || !self.buf.is_empty() {
            return Err(Error::Internal(format!(
                "eval_to_zarr: {} elements stored and {} bytes pending, the result has {} elements",
                self.done,
                self.buf.len(),
                self.total
            )));
        }
        Ok(())
    }
}

impl Sink for ZarrSink<'_> {
    fn write(&mut self, mut src: &[u8]) -> Result<()> {
        while !src.is_empty() {
            if self.done >= self.total {
                return Err(Error::Internal("eval_to_zarr: more bytes than the result has".into()));
            }
            let (ranges, n) = self.next_piece();
            let bytes = n as usize * self.size;
            if self.buf.is_empty() && src.len() >= bytes {
                self.store(&ranges, n, &src[..bytes])?;
                src = &src[bytes..];
                continue;
            }
            let k = (bytes - self.buf.len()).min(src.len());
            self.buf.extend_from_slice(&src[..k]);
            src = &src[k..];
            if self.buf.len() == bytes {
                let buf = std::mem::take(&mut self.buf);
                self.store(&ranges, n, &buf)?;
                self.buf = buf;
                self.buf.clear();
            }
        }
        Ok(())
    }
}

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
fn check_target(path: &Path) -> Result<(PathBuf, bool)> {
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
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates a uniquely named temporary directory next to `target`.
fn temp_dir(path: &Path, target: &Path) -> Result<TempDir> {
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
fn sync_tree(dir: &Path) -> std::io::Result<()> {
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
fn swap_in(tmp: &Path, target: &Path, existed: bool) -> std::io::Result<()> {
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

/// Writes a Zarr array of `dt` and `shape` at `path` with the bytes `fill`
/// gives the sink it is handed (in C order), through a temporary directory
/// swapped in when complete.
pub(crate) fn write_zarr(
    path: &Path,
    dt: DType,
    shape: &[usize],
    z: &ZarrOptions,
    budget: usize,
    fill: impl FnOnce(&mut dyn Sink) -> Result<()>,
) -> Result<()> {
    checked_bytes(shape, dt.size())?;
    let chunks = chunk_shape(shape, dt.size(), z, budget)?;
    let codecs = codecs(z, dt.size())?;
    let (target, _) = check_target(path)?;
    let tmp = temp_dir(path, &target)?;
    let store = FilesystemStore::new(&tmp.0).map_err(|e| zerr(path, e))?;
    let array = ArrayBuilder::new(
        shape.iter().map(|&d| d as u64).collect::<Vec<u64>>(),
        chunks.iter().map(|&c| c as u64).collect::<Vec<u64>>(),
        dt.numpy_name(),
        zarrs::array::FillValue::new(vec![0u8; dt.size()]),
    )
    .bytes_to_bytes_codecs(codecs)
    .build(Arc::new(store), "/")
    .map_err(|e| zerr(path, e))?;
    array.store_metadata().map_err(|e| zerr(path, e))?;
    let mut sink = ZarrSink::new(path, &array, shape, &chunks, dt.size(), budget)?;
    fill(&mut sink)?;
    sink.finish()?;
    drop(array);
    sync_tree(&tmp.0).map_err(|e| io_err(path, e))?;
    // The target may have changed while the result was computed.
    let (target2, existed) = check_target(path)?;
    if target2 != target {
        return Err(Error::Io(
            format!("{}: changed while it was written", path.display()).into(),
        ));
    }
    swap_in(&tmp.0, &target, existed).map_err(|e| io_err(path, e))?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::File::open(parent).and_then(|f| f.sync_all());
    }
    Ok(())
}

impl Expr {
    /// Evaluates into a Zarr v3 array (a directory) at `path`, chunk by
    /// chunk, with zstd and chunks of about 4 MiB (see [`ZarrOptions`]):
    /// the result never exists whole, so it may be larger than memory.
    ///
    /// The array is written into a temporary directory next to `path` and
    /// swapped in only when complete: an error leaves `path` as it was and
    /// no temporary behind. An existing Zarr array (or empty directory) at
    /// `path` is replaced — it may be one of the expression's own inputs;
    /// anything else there (a file, another directory, a Zarr group) is
    /// refused.
    ///
    /// ```
    /// use lazyfuse::{lazy, Array, Expr};
    /// let dir = std::env::temp_dir().join(format!("lazyfuse-doc-{}.zarr", std::process::id()));
    /// let a = Array::from_shape_vec(&[4, 3], (0..12).map(|x| x as f64).collect())?;
    /// (lazy(&a) * 2.0).eval_to_zarr(&dir)?;
    /// let b = Expr::zarr("b", &dir)?;
    /// assert_eq!(b.sum().eval()?.to_scalar::<f64>()?, 132.0);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn eval_to_zarr(&self, path: impl AsRef<Path>) -> Result<()> {
        self.eval_to_zarr_with(path, &ZarrOptions::default(), &ExecOptions::default())
    }

    /// [`Expr::eval_to_zarr`] with explicit Zarr options (codec, level,
    /// chunk shape) and evaluation options (threads, memory).
    pub fn eval_to_zarr_with(&self, path: impl AsRef<Path>, z: &ZarrOptions, opts: &ExecOptions) -> Result<()> {
        let path = path.as_ref();
        let (dt, shape) = (self.dtype()?, self.shape()?);
        let l = crate::pipeline::build_stream(std::slice::from_ref(self))?;
        write_zarr(path, dt, &shape, z, opts.budget(), |sink| {
            let mut sinks: [Option<&mut dyn Sink>; 1] = [Some(sink)];
            eval_graph_streamed(&l.graph, &l.inputs, &mut sinks, opts, &mut StreamReport::default())?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_cover_ranges_in_order() {
        let shape = [3u64, 4, 5];
        let n: u64 = shape.iter().product();
        for a in 0..=n {
            for b in a..=n {
                let mut out = vec![];
                rectangles(&shape, 0, &mut vec![], a, b, &mut out);
                // The rectangles' elements, in C order, are exactly a..b.
                let mut got = vec![];
                for r in &out {
                    for i in r[0].clone() {
                        for j in r[1].clone() {
                            for k in r[2].clone() {
                                got.push(i * 20 + j * 5 + k);
                            }
                        }
                    }
                }
                assert_eq!(got, (a..b).collect::<Vec<_>>(), "{a}..{b}");
                assert!(out.len() <= 5);
            }
        }
    }

    #[test]
    fn default_chunks_are_whole_rows_of_about_4_mib() {
        assert_eq!(default_chunks(&[125_000_000], 8, 256 << 20), vec![524_288]);
        assert_eq!(default_chunks(&[1000, 8], 8, 256 << 20), vec![1000, 8]);
        assert_eq!(default_chunks(&[10_000_000, 8], 8, 256 << 20), vec![65536, 8]);
        // A row larger than the target: single rows, cut along axis 1.
        assert_eq!(default_chunks(&[3, 1 << 20, 2], 8, 256 << 20), vec![1, 262_144, 2]);
        // A tiny budget: small chunks.
        assert_eq!(default_chunks(&[1000], 8, 1024), vec![16]);
        assert_eq!(default_chunks(&[], 8, 256 << 20), Vec::<usize>::new());
        assert_eq!(default_chunks(&[0, 5], 4, 256 << 20), vec![1, 5]);
    }
}
