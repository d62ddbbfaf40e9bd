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

use super::{finalize, param_ptrs, KernelRun, Prepared, PreparedKernel};
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

/// A window buffer, reused from window to window (64-byte aligned).
struct WinBuf {
    buf: Option<Buffer>,
}

impl WinBuf {
    fn get(&mut self, len: usize) -> Result<*mut u8> {
        if self.buf.as_ref().is_none_or(|b| b.len() < len) {
            self.buf = None;
            self.buf = Some(Buffer::try_zeroed(len.max(1))?);
        }
        Ok(self.buf.as_ref().expect("allocated").as_ptr())
    }
}

/// The byte range `[lo, hi)` (from the start its offsets count from) that
/// outermost iterations `[s, e)` of param `p` touch.
fn footprint(pk: &PreparedKernel, p: usize, s: usize, e: usize) -> (isize, isize) {
    let f = &pk.func;
    let param = &f.params[p];
    let size = param.dtype.size() as isize;
    let base = pk.binds[p].offset * size;
    let st0 = param.strides[0] * size;
    let (a, b) = (s as isize * st0, (e as isize - 1) * st0);
    let mut lo = base + a.min(b);
    let mut hi = base + a.max(b) + size;
    for (d, &st) in f.dims.iter().zip(&param.strides).skip(1) {
        let span = (*d as isize - 1) * st * size;
        lo += span.min(0);
        hi += span.max(0);
    }
    (lo, hi)
}

/// Whether param `p`'s outermost iterations touch disjoint bytes in order
/// (one iteration's footprint fits in the outermost stride), with that
/// stride's sign required to be positive when `ascending`.
fn windowable(pk: &PreparedKernel, p: usize, ascending: bool) -> bool {
    let f = &pk.func;
    let param = &f.params[p];
    let size = param.dtype.size() as isize;
    let st0 = param.strides[0] * size;
    let inner: isize = f
        .dims
        .iter()
        .zip(&param.strides)
        .skip(1)
        .map(|(d, &st)| (*d as isize - 1) * (st * size).abs())
        .sum::<isize>()
        + size;
    st0 != 0 && inner <= st0.abs() && (!ascending || st0 > 0)
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
        budget: usize,
        threads: usize,
        report: &mut StreamReport,
    ) -> Result<Vec<Option<Array>>> {
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
                    let mut mode = vec![Mode::Memory; f.params.len()];
                    for (q, b) in pk.binds.iter().enumerate() {
                        if b.index || empty {
                            // (An empty kernel touches nothing.)
                            continue;
                        }
                        match b.val {
                            Val::Input(i) if inputs[i as usize].is_none() => {
                                if windowable(pk, q, false) && f.dims[0] > 1 {
                                    mode[q] = Mode::Window;
                                } else if f.params[q].strides[0] == 0 && {
                                    let (lo, hi) = footprint(pk, q, 0, 1);
                                    ((hi - lo) as usize) <= budget / 8
                                } {
                                    mode[q] = Mode::Pinned;
                                } else {
                                    mode[q] = Mode::Memory;
                                }
                            }
                            Val::Tmp(t) if sunk[t as usize].is_some() => {
                                if windowable(pk, q, true) && f.dims[0] > 1 {
                                    mode[q] = Mode::Window;
                                } else {
                                    sunk[t as usize] = None;
                                }
                            }
                            _ => {}
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
                        // Window size: half the budget over the bytes one
                        // outermost iteration needs in every window buffer.
                        let per_iter: usize = (0..f.params.len())
                            .filter(|&q| windowed[q])
                            .map(|q| {
                                let (lo, hi) = footprint(pk, q, 0, 1);
                                (hi - lo).max((f.params[q].strides[0] * f.params[q].dtype.size() as isize).abs())
                                    as usize
                            })
                            .sum::<usize>()
                            .max(1);
                        let align = run.align();
                        let w = ((budget / 2) / per_iter).max(1);
                        let w = (w / align).max(1) * align;
                        let w = if f.dims.len() == 1 && w > 64 { w / 64 * 64 } else { w };
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

    /// Whether a step after the one storing temporary `t` reads it.
    fn read_after_store(&self, t: u32) -> bool {
        let p = &self.program;
        let mut stored = false;
        for s in &p.steps {
            match s {
                Step::Kernel(k) => {
                    if stored && k.reads().any(|v| v == Val::Tmp(t)) {
                        return true;
                    }
                    if k.stores.iter().any(|s| s.0 == t) {
                        stored = true;
                    }
                }
                Step::Node { arg, .. } => {
                    if stored && *arg == Val::Tmp(t) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// How a kernel param reaches its value in a streamed run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// In memory (resident values, and sources read whole).
    Memory,
    /// A buffer per window.
    Window,
    /// A piece of a source read once (its outermost stride is 0).
    Pinned,
}

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
    let m = file.metadata().map_err(|e| Error::Io(format!("an input file: {e}")))?;
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
            _ => Error::Io(format!("reading an input file: {e}")),
        })?;
        if stamp(&self.file)? != self.stamp {
            return Err(changed());
        }
        Ok(())
    }
}

/// Whether any of `arrays` maps a file (then evaluation streams it).
pub(crate) fn any_mapped(arrays: &[Array]) -> bool {
    arrays.iter().any(|a| a.buffer().mapped_file().is_some())
}

/// Evaluates `g` over `arrays` within the options' memory budget: arrays
/// over mapped files are read window by window with `pread`; output `o`
/// goes to `sinks[o]` when given.
pub(crate) fn eval_graph_streamed(
    g: &crate::expr::Graph,
    arrays: &[Array],
    sinks: &mut [Option<&mut dyn Sink>],
    opts: &super::ExecOptions,
    report: &mut StreamReport,
) -> Result<Vec<Option<Array>>> {
    super::check_inputs(g, arrays)?;
    let prepared = super::prepare_cached(g, arrays)?;
    let mut sources: Vec<Option<MappedFileSource>> = arrays.iter().map(MappedFileSource::of).collect::<Result<_>>()?;
    let mut feeds: Vec<Feed<'_>> = arrays
        .iter()
        .zip(sources.iter_mut())
        .map(|(a, s)| match s {
            Some(s) => Feed::Source(s),
            None => Feed::Array(a.clone()),
        })
        .collect();
    prepared.run_streamed(&mut feeds, sinks, opts.budget(), opts.thread_count()?, report)
}
