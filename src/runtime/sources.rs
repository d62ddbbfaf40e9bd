//! The sources the streaming executor reads: arrays over mapped files
//! (through the file, with `pread`) and the chunk iterators of
//! `Function::call_chunks`. (`.npy` files opened by `Expr::npy` are in
//! `array/npy/`.)

use super::stream::{OpenSource, Source};
use crate::array::{Array, DType};
use crate::error::{Error, Result};
use std::sync::Arc;

/// A `.npy` file's data read with `pread` through the file a mapped array
/// keeps ([`Buffer::mapped_file`]): positions count from the file's first
/// byte (the buffer's start). A file that shrinks or is modified while it
/// is read makes the read an error (the mapping itself is never touched,
/// so there is no `SIGBUS`).
pub(crate) struct MappedFileSource {
    file: Arc<std::fs::File>,
    /// The file position of element 0.
    origin: i64,
    dtype: DType,
    shape: Vec<usize>,
    strides: Vec<isize>,
    /// The file's length and modification time when the evaluation began.
    stamp: (u64, Option<std::time::SystemTime>),
}

fn stamp(file: &std::fs::File) -> Result<(u64, Option<std::time::SystemTime>)> {
    let m = file
        .metadata()
        .map_err(|e| Error::Io(crate::error::IoError::new(format!("an input file: {e}"), e)))?;
    Ok((m.len(), m.modified().ok()))
}

impl MappedFileSource {
    /// The source behind `a`, if `a` is an array over a mapped file.
    pub(crate) fn of(a: &Array) -> Result<Option<MappedFileSource>> {
        let Some(file) = a.buffer().mapped_file() else {
            return Ok(None);
        };
        let stamp = stamp(file)?;
        // The file must still hold every element (it may have been cut
        // since it was mapped).
        let size = a.dtype().size() as i64;
        let mut end = a.offset() as i64 * size + size;
        if a.is_empty() {
            end = 0;
        }
        for (&d, &st) in a.shape().iter().zip(a.strides()) {
            end += (d as i64 - 1).max(0) * st.max(0) as i64 * size;
        }
        if end as u64 > stamp.0 {
            return Err(changed());
        }
        Ok(Some(MappedFileSource {
            file: file.clone(),
            origin: a.offset() as i64 * a.dtype().size() as i64,
            dtype: a.dtype(),
            shape: a.shape().to_vec(),
            strides: a.strides().to_vec(),
            stamp,
        }))
    }
}

fn changed() -> Error {
    Error::Io("an input file changed while it was being read (its length or modification time)".into())
}

impl Source for MappedFileSource {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        (self.dtype, &self.shape, &self.strides)
    }

    fn read_at(&mut self, pos: i64, dst: &mut [u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let pos = self.origin.checked_add(pos).and_then(|p| u64::try_from(p).ok());
        let end = pos.and_then(|p| p.checked_add(dst.len() as u64));
        let (Some(pos), Some(end)) = (pos, end) else {
            return Err(Error::Internal("a read outside the input file".into()));
        };
        if end > self.stamp.0 {
            return Err(changed());
        }
        self.file.read_exact_at(dst, pos).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => changed(),
            _ => Error::Io(crate::error::IoError::new(format!("reading an input file: {e}"), e)),
        })?;
        if stamp(&self.file)? != self.stamp {
            return Err(changed());
        }
        Ok(())
    }
}

/// The user's chunk iterator of [`crate::Function::call_chunks`], shared
/// by the sources of its inputs: pulling an item hands each named array's
/// bytes (C order) to that input's queue.
pub(crate) struct ChunkFeed {
    it: Box<dyn Iterator<Item = Vec<(String, Array)>> + Send>,
    names: Vec<String>,
    /// Per input: dtype and whole shape.
    types: Vec<(DType, Vec<usize>)>,
    /// Per input: bytes received and not yet dropped, and the position of
    /// the first of them.
    queues: Vec<(std::collections::VecDeque<u8>, u64)>,
}

impl ChunkFeed {
    pub(crate) fn new(
        it: Box<dyn Iterator<Item = Vec<(String, Array)>> + Send>,
        names: Vec<String>,
        types: Vec<(DType, Vec<usize>)>,
    ) -> ChunkFeed {
        let queues = names.iter().map(|_| (std::collections::VecDeque::new(), 0)).collect();
        ChunkFeed {
            it,
            names,
            types,
            queues,
        }
    }

    /// Pulls the next item; `false` at the end.
    fn pull(&mut self) -> Result<bool> {
        let Some(item) = self.it.next() else {
            return Ok(false);
        };
        for (name, a) in item {
            let Some(i) = self.names.iter().position(|n| *n == name) else {
                return Err(Error::Value(format!(
                    "a chunk names input '{}', which the function does not have",
                    crate::expr::parse::clip(&name)
                )));
            };
            let (dt, shape) = self.types[i].clone();
            if a.dtype() != dt || a.ndim() != shape.len() || a.shape()[1..] != shape[1..] {
                return Err(Error::Shape(format!(
                    "a chunk of input '{name}' is {}{}, the input is {dt}{} (chunks split axis 0)",
                    a.dtype(),
                    crate::array::layout::shape_str(a.shape()),
                    crate::array::layout::shape_str(&shape)
                )));
            }
            let c = a.try_to_contiguous()?;
            // SAFETY: a C-contiguous array's `nbytes` bytes.
            let bytes = unsafe { std::slice::from_raw_parts(c.as_ptr(), c.nbytes()) };
            self.queues[i].0.extend(bytes);
        }
        Ok(true)
    }
}

/// One input of [`crate::Function::call_chunks`]: its rows as the chunk
/// iterator hands them over, read once, in order.
pub(crate) struct ChunkSource {
    feed: Arc<std::sync::Mutex<ChunkFeed>>,
    input: usize,
    dtype: DType,
    shape: Vec<usize>,
    strides: Vec<isize>,
    opened: std::sync::atomic::AtomicBool,
}

impl ChunkSource {
    pub(crate) fn new(
        feed: Arc<std::sync::Mutex<ChunkFeed>>,
        input: usize,
        dtype: DType,
        shape: Vec<usize>,
    ) -> ChunkSource {
        let strides = crate::array::layout::c_strides(&shape);
        ChunkSource {
            feed,
            input,
            dtype,
            shape,
            strides,
            opened: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl OpenSource for ChunkSource {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        (self.dtype, &self.shape, &self.strides)
    }

    fn open(&self) -> Result<Box<dyn Source + '_>> {
        if self.opened.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Value("a chunk stream can be evaluated once".into()));
        }
        Ok(Box::new(ChunkReader { src: self }))
    }
}

struct ChunkReader<'a> {
    src: &'a ChunkSource,
}

impl Source for ChunkReader<'_> {
    fn layout(&self) -> (DType, &[usize], &[isize]) {
        self.src.layout()
    }

    fn read_at(&mut self, pos: i64, dst: &mut [u8]) -> Result<()> {
        let s = self.src;
        let mut feed = s
            .feed
            .lock()
            .map_err(|_| Error::Internal("chunk feed poisoned".into()))?;
        let pos = u64::try_from(pos).map_err(|_| Error::Internal("a read before a chunked input".into()))?;
        let (_, first) = feed.queues[s.input];
        if pos < first {
            return Err(Error::Value(
                "the function reads its chunked inputs twice (more than one pass, e.g. x - mean(x)); \
                 chunks can be read once: compute the reduction first"
                    .into(),
            ));
        }
        // Drop what comes before this read (reads go forward).
        let drop_n = ((pos - first) as usize).min(feed.queues[s.input].0.len());
        feed.queues[s.input].0.drain(..drop_n);
        feed.queues[s.input].1 += drop_n as u64;
        while feed.queues[s.input].1 + (feed.queues[s.input].0.len() as u64) < pos + dst.len() as u64 {
            if !feed.pull()? {
                let rows = (feed.queues[s.input].1 + feed.queues[s.input].0.len() as u64)
                    / (s.shape[1..].iter().product::<usize>().max(1) * s.dtype.size()) as u64;
                return Err(Error::Value(format!(
                    "the chunks of input '{}' ended after {rows} rows; {} were declared",
                    feed.names[s.input], s.shape[0]
                )));
            }
        }
        let q = &feed.queues[s.input];
        let off = (pos - q.1) as usize;
        let n = dst.len();
        for (d, b) in dst.iter_mut().zip(q.0.range(off..off + n)) {
            *d = *b;
        }
        Ok(())
    }
}
