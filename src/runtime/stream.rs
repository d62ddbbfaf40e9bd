//! The streaming executor: runs a prepared plan with inputs that are read
//! window by window (a file, read with `pread`; a Zarr array, decoded chunk
//! by chunk) and outputs that are written window by window (a `.npy` file,
//! a Zarr array, a consumer of chunks), within a memory budget.
//!
//! Every kernel runs over windows of its outermost loop, in order (see
//! `KernelRun`). A window's footprint in each streamed array — the bytes its
//! iterations touch — is read into a window buffer before the kernel runs,
//! or written out of one after; the kernel's pointer for that param is
//! moved so the window's addresses land in the buffer. A param is windowed
//! when its rows do not interleave (the footprint of one outermost
//! iteration fits in that loop's stride, so consecutive windows touch
//! disjoint bytes); a streamed input read any other way (a transpose of a
//! file) is read whole first.
//!
//! Passes are the plan's own steps: a reduction that feeds element-wise work
//! (`a - mean(a)`) reads its input once in the reducing kernel and once in
//! the element-wise one, never once per window. Reductions along the
//! outermost loop cut it into the same fixed chunks as an in-memory run
//! (windows are multiples of them), so results are bit-identical to an
//! in-memory evaluation, whatever the window size and thread count.
//!
//! `windows.rs` decides how each param is read (per window, pinned, or
//! whole) and how large the windows are; this file runs the plan.

use super::sources::MappedFileSource;
pub(crate) use super::sources::{ChunkFeed, ChunkSource};
use super::windows::{footprint, modes, window_size, Mode, WinBuf};
use super::{finalize, param_ptrs, KernelRun, Prepared};
use crate::array::{Array, Buffer, DType};
use crate::error::{Error, Result};
use crate::fuse::{Step, Val};
use std::sync::Arc;

/// The default memory budget of an evaluation: window buffers plus the
/// values kept whole.
pub const DEFAULT_BUDGET: usize = 256 << 20;

/// A streamed input: an array stored elsewhere, read by byte ranges of its
/// stored layout.
pub(crate) trait Source {
    /// dtype, shape and element strides of the stored data.
    fn layout(&self) -> (DType, &[usize], &[isize]);
    /// Reads `dst.len()` bytes starting `pos` bytes from element 0 of the
    /// stored data (negative before it, with negative strides).
    fn read_at(&mut self, pos: i64, dst: &mut [u8]) -> Result<()>;
}

/// A streamed output: receives the result's bytes in C order, in pieces
/// that follow each other.
pub(crate) trait Sink {
    /// The next `src.len()` bytes.
    fn write(&mut self, src: &[u8]) -> Result<()>;
}

/// An input stored elsewhere, as an expression holds it: its layout, and
/// a way to open it for reading (once per evaluation).
pub(crate) trait OpenSource: Send + Sync {
    /// dtype, shape and element strides of the stored data.
    fn layout(&self) -> (DType, &[usize], &[isize]);
    /// Opens it for reading.
    fn open(&self) -> Result<Box<dyn Source + '_>>;
}

/// An input of a lowered expression: in memory, or read from elsewhere.
#[derive(Clone)]
pub(crate) enum Input {
    /// In memory.
    Array(Array),
    /// Stored elsewhere.
    Source(Arc<dyn OpenSource>),
}

impl Input {
    /// The input in memory (a source read whole).
    pub(crate) fn into_array(self) -> Result<Array> {
        match self {
            Input::Array(a) => Ok(a),
            Input::Source(s) => load_whole(&mut *s.open()?, &mut StreamReport::default()),
        }
    }

    /// dtype, shape, element strides, element offset (the layout plans are
    /// prepared for; a source's element 0 is at offset 0).
    pub(crate) fn layout(&self) -> super::Layout {
        match self {
            Input::Array(a) => super::layout_of(a),
            Input::Source(s) => {
                let (dt, shape, strides) = s.layout();
                (dt, shape.to_vec(), super::kernel_strides(shape, strides), 0)
            }
        }
    }
}

/// A graph input of a streamed evaluation.
pub(crate) enum Feed<'a> {
    /// In memory.
    Array(Array),
    /// Read window by window.
    Source(&'a mut dyn Source),
}

/// What a streamed run did, for the `plan` dump and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamReport {
    /// Per kernel step: outermost iterations per window, number of
    /// windows, and bytes of window buffers per window (0 windows: run
    /// whole, nothing streamed).
    pub kernels: Vec<(usize, usize, usize)>,
    /// Streamed inputs read whole (accessed across windows).
    pub loaded_whole: usize,
    /// Bytes read from sources.
    pub bytes_read: u64,
    /// Bytes written to sinks.
    pub bytes_written: u64,
}

/// Reads all of a source into an array with its stored layout.
fn load_whole(src: &mut dyn Source, report: &mut StreamReport) -> Result<Array> {
    let (dt, shape, strides) = src.layout();
    let (shape, strides) = (shape.to_vec(), strides.to_vec());
    crate::array::layout::checked_bytes(&shape, dt.size())?;
    let size = dt.size() as isize;
    // The span of the stored elements, in elements from element 0.
    let (mut lo, mut hi) = (0isize, 0isize);
    if shape.iter().all(|&d| d > 0) {
        for (&d, &st) in shape.iter().zip(&strides) {
            let span = (d as isize - 1) * st;
            lo += span.min(0);
            hi += span.max(0);
        }
    } else {
        hi = -1;
    }
    let bytes = ((hi - lo + 1) * size) as usize;
    let buf = Buffer::try_zeroed(bytes)?;
    // SAFETY: a fresh buffer of `bytes` bytes that nothing else sees.
    let dst = unsafe { std::slice::from_raw_parts_mut(buf.as_ptr(), bytes) };
    src.read_at((lo * size) as i64, dst)?;
    check_bools(dt, dst)?;
    report.loaded_whole += 1;
    report.bytes_read += bytes as u64;
    Ok(Array::from_parts(Arc::new(buf), dt, shape, strides, -lo))
}

/// Bool bytes read from outside must be 0 or 1 (every other byte is an
/// invalid `bool`).
fn check_bools(dt: DType, bytes: &[u8]) -> Result<()> {
    if dt == DType::Bool && bytes.iter().any(|&b| b > 1) {
        return Err(Error::Value("a bool input holds a byte other than 0 or 1".into()));
    }
    Ok(())
}

impl Prepared {
    /// Runs with `feeds` as inputs; output `o` goes to `sinks[o]` when
    /// given (and is `None` in the result), else it is returned in memory.
    /// Window buffers are sized so that they take at most about half of
    /// `budget` bytes (at least one outermost iteration each).
    pub(crate) fn run_streamed(
        &self,
        feeds: &mut [Feed<'_>],
        sinks: &mut [Option<&mut dyn Sink>],
        opts: &super::ExecOptions,
        report: &mut StreamReport,
    ) -> Result<Vec<Option<Array>>> {
        let (budget, threads) = (opts.budget(), opts.thread_count()?);
        let p = &self.program;
        if feeds.len() != self.layouts.len() {
            return Err(Error::Internal("streamed run: wrong number of inputs".into()));
        }
        // In-memory inputs stand where they are; sources are windowed, or
        // read whole when a kernel needs them across windows.
        let mut inputs: Vec<Option<Array>> = feeds
            .iter()
            .map(|f| match f {
                Feed::Array(a) => Some(a.clone()),
                Feed::Source(_) => None,
            })
            .collect();
        // An output is streamed when one kernel stores it and no later step
        // reads it.
        let mut sunk: Vec<Option<usize>> = vec![None; p.tmps.len()];
        for (o, v) in p.outputs.iter().enumerate() {
            if let (Val::Tmp(t), Some(Some(_))) = (v, sinks.get(o)) {
                let stored_once = p.kernels().filter(|k| k.stores.iter().any(|s| s.0 == *t)).count() == 1;
                if stored_once && !self.read_after_store(*t) && p.outputs.iter().filter(|&&w| w == *v).count() == 1 {
                    sunk[*t as usize] = Some(o);
                }
            }
        }
        let mut tmps: Vec<Option<Array>> = vec![None; p.tmps.len()];
        let mut bufs: Vec<Option<Arc<Buffer>>> = vec![None; self.plan.bufs.len()];
        let mut wins: Vec<WinBuf> = vec![];
        // The bytes the windows will read and write, for progress.
        let total: u64 = if opts.progress.is_some() {
            let streamed: Vec<bool> = inputs.iter().map(Option::is_none).collect();
            self.kernels
                .iter()
                .flatten()
                .map(|pk| {
                    let mode = modes(pk, |i| streamed[i as usize], |t| sunk[t as usize].is_some(), budget);
                    let (_, per_iter) = window_size(pk, &mode, 1, budget);
                    if mode.contains(&Mode::Window) {
                        (per_iter * pk.func.dims[0]) as u64
                    } else {
                        0
                    }
                })
                .sum()
        } else {
            0
        };
        let tell = |report: &StreamReport| {
            if let Some(f) = &opts.progress {
                let done = report.bytes_read + report.bytes_written;
                f(done, total.max(done));
            }
        };
        for (si, (s, pk)) in p.steps.iter().zip(&self.kernels).enumerate() {
            match s {
                Step::Kernel(k) => {
                    let pk = pk
                        .as_ref()
                        .ok_or_else(|| Error::Internal("kernel not prepared".into()))?;
                    // How each param of a streamed value is reached: a window
                    // per window (rows of a source, of a streamed output), a
                    // pinned piece read once (a source read at a fixed outer
                    // index, like the shift of `var`), or the whole value.
                    let f = &pk.func;
                    let empty = f.dims.contains(&0);
                    let mode = modes(
                        pk,
                        |i| inputs[i as usize].is_none(),
                        |t| sunk[t as usize].is_some(),
                        budget,
                    );
                    for (q, b) in pk.binds.iter().enumerate() {
                        if let (Val::Tmp(t), false) = (b.val, b.index) {
                            if sunk[t as usize].is_some() && mode[q] != Mode::Window {
                                sunk[t as usize] = None;
                            }
                        }
                    }
                    // A source some param needs whole is read whole.
                    for (q, b) in pk.binds.iter().enumerate() {
                        if let (Val::Input(i), Mode::Memory, false, false) = (b.val, mode[q], b.index, empty) {
                            if inputs[i as usize].is_none() {
                                if let Feed::Source(src) = &mut feeds[i as usize] {
                                    inputs[i as usize] = Some(load_whole(&mut **src, report)?);
                                }
                            }
                        }
                    }
                    // Accumulators and resident values.
                    let ins: Vec<Option<&Array>> = inputs.iter().map(Option::as_ref).collect();
                    self.init_accumulators(k, &ins, &mut tmps, &mut bufs)?;
                    for &(t, _) in &k.stores {
                        if sunk[t as usize].is_none() {
                            tmps[t as usize] = Some(self.planned(t, &ins, &mut bufs)?);
                        }
                    }
                    drop(ins);
                    let base = &self.layouts;
                    let ptrs = param_ptrs(pk, |b, size| {
                        Ok(match b.val {
                            Val::Input(i) => match &inputs[i as usize] {
                                Some(a) => a
                                    .buffer()
                                    .as_ptr()
                                    .wrapping_offset((a.offset() - base[i as usize].3) * size),
                                None => std::ptr::null_mut(),
                            },
                            Val::Tmp(t) => match &tmps[t as usize] {
                                Some(a) => a.buffer().as_ptr(),
                                None if sunk[t as usize].is_some() => std::ptr::null_mut(),
                                None => return Err(Error::Internal(format!("temporary %t{t} not ready"))),
                            },
                        })
                    })?;
                    let mut run = KernelRun::new(pk, ptrs, &tmps)?;
                    let outer = f.dims[0];
                    while wins.len() < f.params.len() {
                        wins.push(WinBuf { buf: None });
                    }
                    // Pinned pieces: read once.
                    for q in 0..f.params.len() {
                        if mode[q] != Mode::Pinned {
                            continue;
                        }
                        let Val::Input(i) = pk.binds[q].val else { continue };
                        let (lo, hi) = footprint(pk, q, 0, outer.max(1));
                        let len = (hi - lo) as usize;
                        let ptr = wins[q].get(len)?;
                        let size = f.params[q].dtype.size() as isize;
                        if let Feed::Source(src) = &mut feeds[i as usize] {
                            // SAFETY: the buffer holds at least `len` bytes.
                            let dst = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
                            src.read_at((lo - self.layouts[i as usize].3 * size) as i64, dst)?;
                            check_bools(f.params[q].dtype, dst)?;
                            report.bytes_read += len as u64;
                        }
                        run.set_ptr(q, ptr.wrapping_offset(pk.binds[q].offset * size - lo));
                    }
                    let windowed: Vec<bool> = mode.iter().map(|&m| m == Mode::Window).collect();
                    if !windowed.iter().any(|&w| w) {
                        run.run_range(pk, 0, outer, threads)?;
                        report.kernels.push((outer, 0, 0));
                    } else {
                        let (w, per_iter) = window_size(pk, &mode, run.align(), budget);
                        let windows = outer.div_ceil(w);
                        report.kernels.push((w.min(outer), windows, w.min(outer) * per_iter));
                        let mut s0 = 0;
                        while s0 < outer {
                            let e0 = (s0 + w).min(outer);
                            for q in 0..f.params.len() {
                                if !windowed[q] {
                                    continue;
                                }
                                let (lo, hi) = footprint(pk, q, s0, e0);
                                let len = (hi - lo) as usize;
                                let ptr = wins[q].get(len)?;
                                let size = f.params[q].dtype.size() as isize;
                                if let Val::Input(i) = pk.binds[q].val {
                                    if let Feed::Source(src) = &mut feeds[i as usize] {
                                        // SAFETY: the window buffer holds at least `len` bytes.
                                        let dst = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
                                        src.read_at((lo - self.layouts[i as usize].3 * size) as i64, dst)?;
                                        check_bools(f.params[q].dtype, dst)?;
                                        report.bytes_read += len as u64;
                                    }
                                }
                                // The param's pointer at iteration zero, moved
                                // so that byte `lo` is the buffer's first.
                                run.set_ptr(q, ptr.wrapping_offset(pk.binds[q].offset * size - lo));
                            }
                            run.run_range(pk, s0, e0, threads)?;
                            for q in 0..f.params.len() {
                                if let (true, Val::Tmp(t)) = (windowed[q], pk.binds[q].val) {
                                    let o = sunk[t as usize].expect("sunk output");
                                    let (lo, hi) = footprint(pk, q, s0, e0);
                                    let len = (hi - lo) as usize;
                                    let sink = sinks[o].as_mut().expect("a sink");
                                    let ptr = wins[q].get(len)?;
                                    // SAFETY: the kernel wrote these `len` bytes.
                                    sink.write(unsafe { std::slice::from_raw_parts(ptr, len) })?;
                                    report.bytes_written += len as u64;
                                }
                            }
                            tell(report);
                            s0 = e0;
                        }
                    }
                    run.finish();
                    finalize(k, &tmps)?;
                }
                Step::Node { out: o, op, arg } => {
                    let a = match *arg {
                        Val::Input(i) => {
                            if inputs[i as usize].is_none() {
                                if let Feed::Source(src) = &mut feeds[i as usize] {
                                    inputs[i as usize] = Some(load_whole(&mut **src, report)?);
                                }
                            }
                            inputs[i as usize].clone().expect("loaded")
                        }
                        Val::Tmp(t) => tmps[t as usize].clone().expect("operand ready"),
                    };
                    let r = super::eval_node(op, &a)?;
                    let r = if r.shares_memory(&a) {
                        let ins: Vec<Option<&Array>> = inputs.iter().map(Option::as_ref).collect();
                        let mut dst = self.planned(*o, &ins, &mut bufs)?;
                        dst.assign_from(&r);
                        dst
                    } else {
                        r
                    };
                    tmps[*o as usize] = Some(r);
                }
            }
            self.release(si, &mut tmps, &mut bufs);
        }
        let mut results = vec![];
        for (o, &v) in p.outputs.iter().enumerate() {
            let r = match v {
                Val::Input(i) => match &inputs[i as usize] {
                    Some(a) => Some(a.clone()),
                    None => match &mut feeds[i as usize] {
                        Feed::Source(src) => Some(load_whole(&mut **src, report)?),
                        Feed::Array(a) => Some(a.clone()),
                    },
                },
                Val::Tmp(t) if sunk[t as usize].is_some() => None,
                Val::Tmp(t) => tmps[t as usize].clone(),
            };
            // An output not streamed goes to its sink whole.
            let r = match (r, sinks.get_mut(o)) {
                (Some(a), Some(Some(sink))) => {
                    let c = a.try_to_contiguous()?;
                    // SAFETY: a C-contiguous array's `nbytes` bytes from its
                    // first element.
                    let bytes = unsafe { std::slice::from_raw_parts(c.as_ptr(), c.nbytes()) };
                    sink.write(bytes)?;
                    report.bytes_written += bytes.len() as u64;
                    None
                }
                (r, _) => r,
            };
            results.push(r);
        }
        Ok(results)
    }
}

/// Whether any of `arrays` maps a file (then evaluation streams it).
pub(crate) fn any_mapped(arrays: &[Array]) -> bool {
    arrays.iter().any(|a| a.buffer().mapped_file().is_some())
}

/// Evaluates `g` over `inputs` within the options' memory budget: sources,
/// and arrays over mapped files, are read window by window with `pread`;
/// output `o` goes to `sinks[o]` when given.
pub(crate) fn eval_graph_streamed(
    g: &crate::expr::Graph,
    inputs: &[Input],
    sinks: &mut [Option<&mut dyn Sink>],
    opts: &super::ExecOptions,
    report: &mut StreamReport,
) -> Result<Vec<Option<Array>>> {
    let prepared = super::prepare_layouts(g, inputs.iter().map(Input::layout).collect(), &[])?;
    let mut mapped: Vec<Option<MappedFileSource>> = inputs
        .iter()
        .map(|i| match i {
            Input::Array(a) => MappedFileSource::of(a),
            Input::Source(_) => Ok(None),
        })
        .collect::<Result<_>>()?;
    let mut opened: Vec<Option<Box<dyn Source + '_>>> = inputs
        .iter()
        .map(|i| match i {
            Input::Source(s) => s.open().map(Some),
            Input::Array(_) => Ok(None),
        })
        .collect::<Result<_>>()?;
    let mut feeds: Vec<Feed<'_>> = inputs
        .iter()
        .zip(mapped.iter_mut())
        .zip(opened.iter_mut())
        .map(|((i, m), o)| match (i, m, o) {
            (_, _, Some(o)) => Feed::Source(&mut **o),
            (_, Some(m), None) => Feed::Source(m),
            (Input::Array(a), None, None) => Feed::Array(a.clone()),
            (Input::Source(_), None, None) => unreachable!("sources are opened"),
        })
        .collect();
    prepared.run_streamed(&mut feeds, sinks, opts, report)
}

/// Whether an evaluation over `inputs` streams (a source, or an array over
/// a mapped file, is among them).
pub(crate) fn streams(inputs: &[Input]) -> bool {
    inputs.iter().any(|i| match i {
        Input::Source(_) => true,
        Input::Array(a) => a.buffer().mapped_file().is_some(),
    })
}
