//! Streamed outputs: `Expr::eval_to_npy` (the result written to a file
//! window by window), `Expr::eval_chunks` (rows handed out as they are
//! computed, from a worker thread) and `eval_streamed_report`, with the
//! sinks the streaming executor writes them through.
//!
//! Invariant: every path reaches the executor through `build_stream` and
//! `eval_graph_streamed`, so a streamed result has the bits of an
//! in-memory evaluation.

use super::build_stream;
use crate::array::{Array, DType};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::runtime::stream::{eval_graph_streamed, Sink, StreamReport};
use crate::runtime::ExecOptions;

impl Expr {
    /// Evaluates into a `.npy` file, streaming: the result is written
    /// window by window as the kernels produce it, so it never exists whole
    /// in memory, and inputs over memory-mapped files ([`Array::open_npy`])
    /// are read window by window too — the evaluation's working memory
    /// stays within the budget of [`ExecOptions::memory`] (256 MiB by
    /// default) whatever the size of its inputs and result. A reduction
    /// that feeds element-wise work (`a - mean(a)`) reads its inputs once
    /// per pass. The bits are those of an in-memory evaluation.
    ///
    /// The file is written as [`Array::write_npy`] writes one: through
    /// symbolic links, into a uniquely named (on Linux, unnamed) temporary
    /// in the target's directory that is renamed over the target once
    /// complete — so concurrent calls writing different files never
    /// collide, an error leaves the target untouched and no temporary
    /// behind, and the target may be one of the expression's own inputs
    /// (read or memory-mapped): they are read completely before the file is
    /// replaced. Permissions and hard links are kept, read-only targets,
    /// directories, sockets and block devices refused, character devices
    /// and FIFOs written directly.
    ///
    /// ```
    /// use lazyfuse::{lazy, Array};
    /// let a = Array::from_shape_vec(&[4, 3], (0..12).map(|x| x as f64).collect())?;
    /// let path = std::env::temp_dir().join("lazyfuse-doc-stream.npy");
    /// (lazy(&a) * 2.0).eval_to_npy(&path)?;
    /// assert_eq!(Array::read_npy(&path)?.to_vec::<f64>()?[11], 22.0);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn eval_to_npy(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.eval_to_npy_with(path, &ExecOptions::default())
    }

    /// [`Expr::eval_to_npy`] with explicit options (threads, memory).
    pub fn eval_to_npy_with(&self, path: impl AsRef<std::path::Path>, opts: &ExecOptions) -> Result<()> {
        let path = path.as_ref();
        let (dt, shape) = (self.dtype()?, self.shape()?);
        let total = crate::array::layout::checked_bytes(&shape, dt.size())?;
        let l = build_stream(std::slice::from_ref(self))?;
        crate::fsio::write_file(path, |w| {
            let io = |e| crate::fsio::io_err(path, e);
            w.write_all(&crate::array::npy::header_bytes(dt, &shape)).map_err(io)?;
            let mut sink = WriteSink { w, path, written: 0 };
            let mut sinks: [Option<&mut dyn Sink>; 1] = [Some(&mut sink)];
            eval_graph_streamed(&l.graph, &l.inputs, &mut sinks, opts, &mut StreamReport::default())?;
            if sink.written != total as u64 {
                return Err(Error::Internal(format!(
                    "eval_to_npy: {} bytes of data written, the result has {total}",
                    sink.written
                )));
            }
            Ok(())
        })
    }

    /// Evaluates in chunks of rows (along axis 0), handed out one by one as
    /// the evaluation produces them — a generator: the result never exists
    /// whole, and the evaluation (on a worker thread) waits while the last
    /// chunk is not taken, so the memory in use stays within the options'
    /// budget plus one chunk. Concatenated along axis 0, the chunks are the
    /// bits of [`Expr::eval_with`]. A 0-d result, or one the plan cannot
    /// stream (it is read again after it is computed), comes as one chunk.
    /// Dropping the iterator early stops the evaluation.
    ///
    /// ```
    /// use lazyfuse::{lazy, Array, ExecOptions};
    /// let a = Array::from_shape_vec(&[1000, 3], (0..3000).map(|x| x as f64).collect())?;
    /// let e = lazy(&a) * 2.0;
    /// let mut rows = 0;
    /// for chunk in e.eval_chunks(&ExecOptions::default().with_memory(8 << 10))? {
    ///     let chunk = chunk?;
    ///     assert_eq!(chunk.shape()[1], 3);
    ///     assert_eq!(chunk.get(&[0, 0])?.as_f64(), 2.0 * (3 * rows) as f64);
    ///     rows += chunk.shape()[0];
    /// }
    /// assert_eq!(rows, 1000);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn eval_chunks(&self, opts: &ExecOptions) -> Result<Chunks> {
        let (dt, shape) = (self.dtype()?, self.shape()?);
        crate::array::layout::checked_bytes(&shape, dt.size())?;
        let l = build_stream(std::slice::from_ref(self))?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Array>>(1);
        let opts = opts.clone();
        let worker = std::thread::Builder::new()
            .name("lazyfuse-chunks".into())
            .spawn(move || {
                let mut sink = ChunkSink {
                    tx: tx.clone(),
                    dtype: dt,
                    shape: shape.clone(),
                    pending: vec![],
                    sent: false,
                };
                let mut sinks: [Option<&mut dyn Sink>; 1] = [Some(&mut sink)];
                let r = eval_graph_streamed(&l.graph, &l.inputs, &mut sinks, &opts, &mut StreamReport::default());
                match r {
                    Ok(mut outs) => {
                        if let Some(a) = outs.pop().flatten() {
                            let _ = tx.send(Ok(a));
                        } else if !sink.pending.is_empty() {
                            let _ = tx.send(Err(Error::Internal("eval_chunks: a partial row is left".into())));
                        } else if !sink.sent {
                            // An empty result: no bytes ever came.
                            let _ = tx.send(Ok(Array::zeros(dt, &shape)));
                        }
                    }
                    Err(Error::Value(m)) if m == CANCELLED => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })
            .map_err(|e| {
                Error::Io(crate::error::IoError::new(
                    format!("eval_chunks: cannot start a thread: {e}"),
                    e,
                ))
            })?;
        Ok(Chunks {
            rx: Some(rx),
            worker: Some(worker),
        })
    }

    /// [`Expr::eval_to_npy_with`] with a memory budget of `chunk_bytes`
    /// (tests).
    #[cfg(test)]
    pub(crate) fn eval_to_npy_chunked(
        &self,
        path: &std::path::Path,
        chunk_bytes: usize,
        opts: &ExecOptions,
    ) -> Result<()> {
        self.eval_to_npy_with(path, &opts.clone().with_memory(chunk_bytes.max(1)))
    }
}

/// [`eval_many_with`](super::eval_many_with) through the streaming executor whatever the inputs,
/// with what it did (tests, benchmarks).
pub fn eval_streamed_report(outputs: &[Expr], opts: &ExecOptions) -> Result<(Vec<Array>, StreamReport)> {
    let l = build_stream(outputs)?;
    let mut sinks: Vec<Option<&mut dyn Sink>> = (0..l.graph.outputs().len()).map(|_| None).collect();
    let mut report = StreamReport::default();
    let outs = eval_graph_streamed(&l.graph, &l.inputs, &mut sinks, opts, &mut report)?;
    Ok((
        outs.into_iter().map(|o| o.expect("an output in memory")).collect(),
        report,
    ))
}

/// A streamed output written to a file in order.
struct WriteSink<'a> {
    w: &'a mut dyn std::io::Write,
    path: &'a std::path::Path,
    written: u64,
}

impl Sink for WriteSink<'_> {
    fn write(&mut self, src: &[u8]) -> Result<()> {
        self.w.write_all(src).map_err(|e| crate::fsio::io_err(self.path, e))?;
        self.written += src.len() as u64;
        Ok(())
    }
}

/// The chunks of [`Expr::eval_chunks`], in order.
pub struct Chunks {
    rx: Option<std::sync::mpsc::Receiver<Result<Array>>>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Iterator for Chunks {
    type Item = Result<Array>;

    fn next(&mut self) -> Option<Result<Array>> {
        let r = self.rx.as_ref()?.recv().ok();
        if r.is_none() {
            // The evaluation is over.
            self.rx = None;
            if let Some(w) = self.worker.take() {
                if w.join().is_err() {
                    return Some(Err(Error::Internal("eval_chunks: the evaluation panicked".into())));
                }
            }
        }
        r
    }
}

impl Drop for Chunks {
    /// Stops the evaluation (its next chunk finds nobody to take it) and
    /// waits for its thread.
    fn drop(&mut self) {
        self.rx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

const CANCELLED: &str = "eval_chunks: the consumer went away";

/// The sink of [`Expr::eval_chunks`]: whole rows, as arrays, to a channel.
struct ChunkSink {
    tx: std::sync::mpsc::SyncSender<Result<Array>>,
    dtype: DType,
    shape: Vec<usize>,
    /// Bytes received and not yet sent (less than a row after each write).
    pending: Vec<u8>,
    sent: bool,
}

impl ChunkSink {
    /// The whole rows of `pending` as an array (at least `min` rows), the
    /// rest kept.
    fn rows(&mut self, min: usize) -> Result<Option<Array>> {
        let row: usize = self.shape.iter().skip(1).product::<usize>() * self.dtype.size();
        let n = self.pending.len().checked_div(row).unwrap_or(0);
        if n == 0 || n < min {
            return Ok(None);
        }
        let mut shape = self.shape.clone();
        if let Some(d) = shape.first_mut() {
            *d = n;
        }
        let bytes: Vec<u8> = self.pending.drain(..n * row).collect();
        let strides = crate::array::layout::c_strides(&shape);
        let buf = std::sync::Arc::new(crate::array::Buffer::from_bytes(&bytes));
        Ok(Some(Array::from_buffer(buf, self.dtype, &shape, &strides, 0)?))
    }
}

impl Sink for ChunkSink {
    fn write(&mut self, src: &[u8]) -> Result<()> {
        self.pending.extend_from_slice(src);
        if let Some(a) = self.rows(1)? {
            self.sent = true;
            self.tx.send(Ok(a)).map_err(|_| Error::Value(CANCELLED.into()))?;
        }
        Ok(())
    }
}
