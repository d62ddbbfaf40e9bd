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
//!
//! `read.rs` is the input, `write.rs` the output, `replace.rs` the swap of
//! a finished array into place.

use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::runtime::stream::{eval_graph_streamed, Sink, StreamReport};
use crate::runtime::ExecOptions;
use std::path::Path;

mod read;
mod replace;
mod write;

pub(crate) use read::ZarrInput;
use write::write_zarr;

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
mod tests;
