//! The one place that sequences the stages:
//!
//! ```text
//! Expr ──lower──▶ Graph ──simplify──▶ Graph ──evaluate──▶ Array
//! ```
//!
//! Each stage is one line here; `explain` prints what each produced.

use crate::array::layout::shape_str;
use crate::array::{Array, DType};
use crate::dump;
use crate::error::{shape_err, type_err, Error, Result};
use crate::expr::simplify::simplify;
use crate::expr::{lower_donating, lower_full, lower_stream, Expr, Graph, Lowered, StreamLowered};
use crate::fuse;
use crate::interp;
use crate::plan::{plan_buffers, BufferPlan, MemoryReport};
use crate::runtime::stream::{any_mapped, eval_graph_streamed, streams, Input, Sink, StreamReport};
use crate::runtime::{self, ExecOptions};

/// **The sequencer**: a simplified graph and its input layouts through
/// every later stage, one line each — what evaluation runs and what
/// `explain` shows (both reach it through the plan cache,
/// `runtime::prepare_cached*`). Between stages, in debug builds, each
/// result is verified (the loop passes verify after every pass).
pub(crate) fn compile(g: &Graph, layouts: Vec<runtime::Layout>, donated: &[bool]) -> Result<runtime::Prepared> {
    runtime::prepare_layouts_check(g, &layouts)?;
    let mask: Vec<bool> = (0..layouts.len()).map(|i| donated.get(i) == Some(&true)).collect();
    let program = fuse::fuse(g)?; //                                     fused
    let plan = plan_buffers(&program, g, &mask); //                        plan
    let mut kernels = Vec::with_capacity(program.steps.len());
    for (kid, k) in program.kernels().enumerate() {
        let (func, binds) = runtime::lower_kernel(&program, k, kid, &layouts, None); // loop (+ passes)
        let compiled = runtime::compile_kernel(&func)?; //                 clif, asm (cached)
        kernels.push(runtime::PreparedKernel { func, binds, compiled });
    }
    let mut kernels = kernels.into_iter();
    let steps = program
        .steps
        .iter()
        .map(|s| matches!(s, fuse::Step::Kernel(_)).then(|| kernels.next()).flatten())
        .collect();
    Ok(runtime::assemble(program, plan, layouts, &mask, steps))
}

/// Lowers and simplifies: the `graph` stage.
pub fn build_graph(outputs: &[Expr]) -> Result<(Graph, Vec<Array>)> {
    let l = build(outputs)?;
    Ok((l.graph, l.arrays))
}

/// Lowers and simplifies, keeping which inputs were handed over by value.
pub fn build(outputs: &[Expr]) -> Result<Lowered> {
    let mut l = lower_full(outputs)?;
    l.graph = simplify(&l.graph)?;
    Ok(l)
}

/// Lowers and simplifies, keeping inputs read from elsewhere as sources
/// (for the streaming executor).
pub(crate) fn build_stream(outputs: &[Expr]) -> Result<StreamLowered> {
    let mut l = lower_stream(outputs)?;
    l.graph = simplify(&l.graph)?;
    Ok(l)
}

/// The buffer plan of a simplified graph (the `plan` stage).
pub fn plan(g: &Graph, donated: &[bool]) -> Result<BufferPlan> {
    let program = fuse::fuse(g)?;
    Ok(plan_buffers(&program, g, donated))
}

/// Evaluates a simplified graph: fused, compiled (cached) and run. With
/// `LAZYFUSE_DUMP=<dir>` set, every newly compiled graph's stages are also
/// written to files in `<dir>`.
pub fn evaluate(g: &Graph, arrays: &[Array]) -> Result<Vec<Array>> {
    evaluate_with(g, arrays, &ExecOptions::default())
}

/// [`evaluate`] with explicit options (threads).
pub fn evaluate_with(g: &Graph, arrays: &[Array], opts: &ExecOptions) -> Result<Vec<Array>> {
    dump::dump_if_requested(g, arrays)?;
    runtime::eval_graph(g, arrays, opts)
}

/// Evaluates a simplified graph with the reference interpreter.
pub fn evaluate_reference(g: &Graph, arrays: &[Array]) -> Result<Vec<Array>> {
    interp::interpret(g, arrays)
}

/// Evaluates several expressions together, sharing common work.
///
/// ```
/// use lazyfuse::{lazy, eval_many, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
/// let x = lazy(&a);
/// let outs = eval_many(&[x.sum(), &x * 2.0])?;
/// assert_eq!(outs[0].to_scalar::<f64>()?, 6.0);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn eval_many(outputs: &[Expr]) -> Result<Vec<Array>> {
    eval_many_with(outputs, &ExecOptions::default())
}

/// [`eval_many`] with explicit options (threads).
///
/// Inputs handed over by value (`lazy(array)`) are taken out of the
/// expression for the evaluation; an input whose memory was not reused for
/// a result is given back, so the expression can be evaluated again.
pub fn eval_many_with(outputs: &[Expr], opts: &ExecOptions) -> Result<Vec<Array>> {
    let streamed = |g: &Graph, inputs: &[Input]| -> Result<Vec<Array>> {
        let mut sinks: Vec<Option<&mut dyn Sink>> = (0..g.outputs().len()).map(|_| None).collect();
        let outs = eval_graph_streamed(g, inputs, &mut sinks, opts, &mut StreamReport::default())?;
        Ok(outs.into_iter().map(|o| o.expect("an output in memory")).collect())
    };
    if let [one] = outputs {
        if !one.0.has_owned && !one.0.has_source {
            let built = one.cached_graph(|| build_graph(outputs))?;
            if any_mapped(&built.1) {
                let inputs: Vec<Input> = built.1.iter().cloned().map(Input::Array).collect();
                return streamed(&built.0, &inputs);
            }
            return evaluate_with(&built.0, &built.1, opts);
        }
    }
    {
        let l = build_stream(outputs)?;
        if streams(&l.inputs) {
            return streamed(&l.graph, &l.inputs);
        }
    }
    let (mut l, donation) = lower_donating(outputs)?;
    let simplified = simplify(&l.graph);
    let result = simplified.and_then(|g| {
        l.graph = g;
        dump::dump_if_requested(&l.graph, &l.arrays)?;
        // `l.arrays` holds the only reference the expression had to each
        // handed-over input: the runtime may write a result over it.
        runtime::eval_graph_donating(&l.graph, &mut l.arrays, &l.donated, opts)
    });
    for (i, a) in l.arrays.into_iter().enumerate() {
        let reused = result
            .as_ref()
            .is_ok_and(|outs| outs.iter().any(|o| o.shares_memory(&a)));
        if !reused {
            donation.restore(i, a);
        }
    }
    result
}

impl Expr {
    /// Compiles (cached) and runs the expression.
    pub fn eval(&self) -> Result<Array> {
        self.eval_with(&ExecOptions::default())
    }

    /// [`Expr::eval`] with explicit options: `ExecOptions::default().with_threads(2)`
    /// splits large kernels over two threads (results are identical for
    /// any thread count).
    pub fn eval_with(&self, opts: &ExecOptions) -> Result<Array> {
        let mut v = eval_many_with(std::slice::from_ref(self), opts)?;
        Ok(v.pop().expect("one output"))
    }

    /// Evaluates into an existing array of the same dtype and shape, or
    /// into a mutable view of part of one ([`Array::view_mut`]).
    ///
    /// An `&mut Array` destination is made the only owner of its buffer
    /// first (copy-on-write): if a clone, a view or this very expression
    /// shares it, the destination gets a fresh buffer and they keep the old
    /// values, so the result is always as if computed into a fresh buffer
    /// first (`a = f(a)` reads the old `a`).
    ///
    /// ```
    /// use lazyfuse::{lazy, Array, Index};
    /// // a[:-1] = a[1:] + a[:-1], NumPy's result.
    /// let mut a = Array::from_vec(vec![1.0f64, 2.0, 4.0, 8.0]);
    /// let e = lazy(&a.slice(&[Index::range(1, 4, 1)])?) + lazy(&a.slice(&[Index::range(0, 3, 1)])?);
    /// e.eval_into(&mut a.view_mut()?.slice(&[Index::range(0, 3, 1)])?)?;
    /// assert_eq!(a.to_vec::<f64>()?, vec![3.0, 6.0, 12.0, 8.0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn eval_into(&self, dst: &mut impl crate::array::EvalTarget) -> Result<()> {
        self.eval_into_with(dst, &ExecOptions::default())
    }

    /// [`Expr::eval_into`] with explicit options (threads).
    pub fn eval_into_with(&self, dst: &mut impl crate::array::EvalTarget, opts: &ExecOptions) -> Result<()> {
        let dst = dst.target(crate::array::EvalToken(()))?;
        let (t, s) = (self.dtype()?, self.shape()?);
        check_dst(dst, t, &s)?;
        let built = self.cached_graph(|| build_graph(std::slice::from_ref(self)))?;
        let (g, arrays) = (&built.0, &built.1);
        if arrays.iter().any(|a| a.may_overlap(dst)) {
            // The destination overlaps an input (e.g. `a[1:] + a[:-1]` into
            // `a[:-1]`): writing directly could change elements before they
            // are read, so compute into a fresh buffer first, then copy.
            let out = evaluate_with(g, arrays, opts)?.pop().expect("one output");
            dst.assign_from(&out);
            return Ok(());
        }
        runtime::eval_graph_into_exclusive(g, arrays, dst, opts)
    }

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

    /// Every stage of what would be compiled, as text.
    pub fn explain(&self) -> Result<String> {
        let l = build_stream(std::slice::from_ref(self))?;
        dump::explain(&l.graph, &l.inputs, &l.donated, None)
    }

    /// One stage (`graph`, `fused`, `plan`, `loop`, `clif`, `asm`) as text.
    pub fn explain_stage(&self, stage: &str) -> Result<String> {
        let l = build_stream(std::slice::from_ref(self))?;
        dump::explain(&l.graph, &l.inputs, &l.donated, Some(stage))
    }

    /// Where memory goes: planned buffers, peak, and what eager evaluation
    /// would have allocated — the figures of the `plan` stage, as data.
    ///
    /// ```
    /// use lazyfuse::{lazy, Array};
    /// let a = Array::from_vec(vec![1.0f64; 1000]);
    /// let x = lazy(&a);
    /// let r = (2.0 * &x + x.sin() * 3.0).memory_report()?;
    /// assert_eq!(r.buffers, 1);                 // just the output
    /// assert_eq!(r.temporaries_eliminated, 3);  // 2*x, sin(x), sin(x)*3
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn memory_report(&self) -> Result<MemoryReport> {
        let l = build(std::slice::from_ref(self))?;
        Ok(plan(&l.graph, &l.donated)?.report())
    }

    /// The graph as Graphviz DOT, with fused groups as clusters.
    pub fn explain_dot(&self) -> Result<String> {
        let (g, _) = build_graph(std::slice::from_ref(self))?;
        Ok(dump::dot(&g))
    }
}

/// [`eval_many_with`] through the streaming executor whatever the inputs,
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

/// Every stage of several outputs compiled together, as text.
pub fn explain_many(outputs: &[Expr]) -> Result<String> {
    let l = build_stream(outputs)?;
    dump::explain(&l.graph, &l.inputs, &l.donated, None)
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

/// Checks an `eval_into` destination.
pub(crate) fn check_dst(dst: &Array, dtype: DType, shape: &[usize]) -> Result<()> {
    if dst.dtype() != dtype {
        return type_err!("eval_into: destination has dtype {}, result is {dtype}", dst.dtype());
    }
    if dst.shape() != shape {
        return shape_err!(
            "eval_into: destination has shape {}, result is {}",
            shape_str(dst.shape()),
            shape_str(shape)
        );
    }
    if !dst.is_writable() {
        return Err(Error::Type(
            "eval_into: destination is read-only (memory-mapped)".into(),
        ));
    }
    if crate::array::layout::may_self_overlap(dst.shape(), dst.strides()) {
        return shape_err!("eval_into: destination's elements overlap (a broadcast or strided window view)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{lazy, Array};

    #[test]
    fn streaming_to_npy_in_small_chunks_equals_eval() {
        let a = Array::from_shape_vec(&[37, 5], (0..185).map(|x| x as f64 * 0.5).collect()).unwrap();
        let r = Array::from_vec(vec![1.0f64, -2.0, 3.0, 0.5, 4.0]);
        let x = lazy(&a);
        let e = (&x * lazy(&r) + x.sin()).slice(&[crate::Index::Slice {
            start: None,
            stop: None,
            step: -1,
        }]);
        let path = std::env::temp_dir().join(format!("lazyfuse-stream-{}.npy", std::process::id()));
        e.eval_to_npy_chunked(&path, 7 * 5 * 8, &Default::default()).unwrap();
        let got = Array::read_npy(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(got, e.eval().unwrap());
    }

    /// A fresh directory for one test, removed on drop.
    struct Dir(std::path::PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            let d = std::env::temp_dir().join(format!("lazyfuse-pipeline-{}-{tag}", std::process::id()));
            std::fs::create_dir_all(&d).unwrap();
            Dir(d)
        }

        fn list(&self) -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_streaming_error_after_some_chunks_leaves_the_target_and_no_temporary() {
        let d = Dir::new("stream-err");
        let path = d.0.join("out.npy");
        std::fs::write(&path, b"old").unwrap();
        // The last row raises (a negative integer power) after earlier
        // chunks were written to the temporary.
        let a = Array::from_shape_vec(&[20, 2], vec![2i64; 40]).unwrap();
        let mut ev = vec![1i64; 40];
        ev[39] = -1;
        let b = Array::from_shape_vec(&[20, 2], ev).unwrap();
        let e = crate::Expr::parse("a ** b", &[("a", &a), ("b", &b)]).unwrap();
        assert!(e.eval_to_npy_chunked(&path, 3 * 16, &Default::default()).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(d.list(), ["out.npy"]);
    }

    #[test]
    fn streaming_from_threads_to_names_in_one_directory_never_collides() {
        let d = Dir::new("stream-threads");
        let a = Array::from_shape_vec(&[50, 4], (0..200).map(|x| x as f64).collect()).unwrap();
        std::fs::write(d.0.join("res.npy.partial"), b"user data").unwrap();
        std::thread::scope(|s| {
            for t in 0..8 {
                let (d, a) = (&d, &a);
                s.spawn(move || {
                    for round in 0..4 {
                        let k = (10 * t + round) as f64;
                        let p = d.0.join(format!("res.v{t}"));
                        (lazy(a) + k)
                            .eval_to_npy_chunked(&p, 7 * 4 * 8, &Default::default())
                            .unwrap();
                        let got = Array::read_npy(&p).unwrap().to_vec::<f64>().unwrap();
                        assert_eq!((got[0], got[199]), (k, 199.0 + k), "thread {t} round {round}");
                    }
                });
            }
        });
        let mut want: Vec<String> = (0..8).map(|t| format!("res.v{t}")).collect();
        want.insert(0, "res.npy.partial".into());
        assert_eq!(d.list(), want);
        assert_eq!(std::fs::read(d.0.join("res.npy.partial")).unwrap(), b"user data");
    }

    #[test]
    fn streaming_over_a_mapped_input_reads_it_completely_first() {
        let d = Dir::new("stream-inout");
        let path = d.0.join("x.npy");
        let a = Array::from_shape_vec(&[40, 3], (0..120).map(|x| x as f64).collect()).unwrap();
        a.write_npy(&path).unwrap();
        // SAFETY: the file is only replaced by rename while `m` is alive.
        let m = unsafe { Array::open_npy(&path) }.unwrap();
        assert!(!m.is_writable(), "mapped");
        let e = lazy(&m) * 2.0;
        e.eval_to_npy_chunked(&path, 5 * 3 * 8, &Default::default()).unwrap();
        let got = Array::read_npy(&path).unwrap();
        assert_eq!(got, (lazy(&a) * 2.0).eval().unwrap());
        assert_eq!(m, a);
        assert_eq!(d.list(), ["x.npy"]);
    }
}
