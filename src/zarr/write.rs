//! Writing: the chunk shape and codecs of an output, `ZarrSink` (buffers
//! at most one group of chunk rows and stores each completed group) and
//! `write_zarr`, which writes into a temporary directory and swaps it in.
//!
//! Invariant: the output never exists whole in memory, and the target
//! changes only once the array is complete and flushed.

use super::replace::{check_target, swap_in, sync_tree, temp_dir};
use super::{io_err, zerr, ZarrCodec, ZarrOptions, CHUNK_TARGET, GROUP_MAX};
use crate::array::layout::checked_bytes;
use crate::array::DType;
use crate::error::{Error, Result};
use crate::runtime::stream::Sink;
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use zarrs::array::{Array as ZArray, ArrayBuilder, ArrayBytes, ArraySubset};
use zarrs::filesystem::FilesystemStore;

/// The default chunk shape of an output (see [`ZarrOptions::chunk_shape`]).
pub(super) fn default_chunks(shape: &[usize], size: usize, budget: usize) -> Vec<usize> {
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
