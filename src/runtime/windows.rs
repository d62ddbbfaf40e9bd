//! Windows of the streaming executor: how each param of a kernel reaches
//! its value in a streamed run (`modes`: per window, pinned, or in memory),
//! the bytes a window touches (`footprint`), the window size within the
//! budget (`window_size`), the reused window buffers, and the streaming
//! section of the `plan` stage (`stream_text`), which shows the same
//! decisions.
//!
//! Invariant: a param is windowed only when its outermost iterations touch
//! disjoint bytes in order, so consecutive windows never share bytes.

use super::{Prepared, PreparedKernel};
use crate::array::Buffer;
use crate::error::Result;
use crate::fuse::{Step, Val};

/// A window buffer, reused from window to window (64-byte aligned).
pub(super) struct WinBuf {
    pub(super) buf: Option<Buffer>,
}

impl WinBuf {
    pub(super) fn get(&mut self, len: usize) -> Result<*mut u8> {
        if self.buf.as_ref().is_none_or(|b| b.len() < len) {
            self.buf = None;
            self.buf = Some(Buffer::try_zeroed(len.max(1))?);
        }
        Ok(self.buf.as_ref().expect("allocated").as_ptr())
    }
}

/// The byte range `[lo, hi)` (from the start its offsets count from) that
/// outermost iterations `[s, e)` of param `p` touch.
pub(super) fn footprint(pk: &PreparedKernel, p: usize, s: usize, e: usize) -> (isize, isize) {
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

/// How each param of kernel `pk` reaches its value in a streamed run:
/// params of streamed inputs (`streamed(i)`) are windowed when their rows
/// do not interleave, pinned when read at a fixed outermost index and
/// small, and otherwise need the input whole; params of streamed outputs
/// (`sunk(t)`) are windowed when their rows ascend (else the output is kept
/// in memory).
pub(super) fn modes(
    pk: &PreparedKernel,
    streamed: impl Fn(u32) -> bool,
    sunk: impl Fn(u32) -> bool,
    budget: usize,
) -> Vec<Mode> {
    let f = &pk.func;
    let mut mode = vec![Mode::Memory; f.params.len()];
    if f.dims.contains(&0) {
        // An empty kernel touches nothing.
        return mode;
    }
    for (q, b) in pk.binds.iter().enumerate() {
        if b.index {
            continue;
        }
        mode[q] = match b.val {
            Val::Input(i) if streamed(i) => {
                if windowable(pk, q, false) && f.dims[0] > 1 {
                    Mode::Window
                } else if f.params[q].strides[0] == 0 && {
                    let (lo, hi) = footprint(pk, q, 0, 1);
                    ((hi - lo) as usize) <= budget / 8
                } {
                    Mode::Pinned
                } else {
                    Mode::Memory
                }
            }
            Val::Tmp(t) if sunk(t) && windowable(pk, q, true) && f.dims[0] > 1 => Mode::Window,
            _ => Mode::Memory,
        };
    }
    mode
}

/// Outermost iterations per window (a multiple of `align`, and of 64 in a
/// one-loop kernel) and bytes of window buffers per iteration: half the
/// budget over the bytes one outermost iteration needs in every window
/// buffer.
pub(super) fn window_size(pk: &PreparedKernel, mode: &[Mode], align: usize, budget: usize) -> (usize, usize) {
    let f = &pk.func;
    let per_iter: usize = (0..f.params.len())
        .filter(|&q| mode[q] == Mode::Window)
        .map(|q| {
            let (lo, hi) = footprint(pk, q, 0, 1);
            (hi - lo).max((f.params[q].strides[0] * f.params[q].dtype.size() as isize).abs()) as usize
        })
        .sum::<usize>()
        .max(1);
    let w = ((budget / 2) / per_iter).max(1);
    let w = (w / align).max(1) * align;
    let w = if f.dims.len() == 1 && w > 64 { w / 64 * 64 } else { w };
    (w, per_iter)
}

impl Prepared {
    /// The streaming section of the `plan` stage: for each kernel, how
    /// its streamed params are read and how large its windows are in
    /// `budget`; the number of passes over the streamed inputs.
    pub(crate) fn stream_text(&self, streamed: &[bool], budget: usize) -> String {
        use std::fmt::Write;
        let p = &self.program;
        let mut out = String::new();
        let mut passes = 0;
        let mib = |b: usize| b as f64 / (1 << 20) as f64;
        for (s, pk) in p.steps.iter().zip(&self.kernels) {
            let (Step::Kernel(_), Some(pk)) = (s, pk) else { continue };
            let f = &pk.func;
            // Outputs stream when they go to a file, as they do here.
            let sunk = |t: u32| p.outputs.contains(&Val::Tmp(t)) && !self.read_after_store(t);
            let mode = modes(pk, |i| streamed[i as usize], sunk, budget);
            if !mode.iter().any(|&m| m != Mode::Memory)
                && !pk
                    .binds
                    .iter()
                    .any(|b| matches!(b.val, Val::Input(i) if streamed[i as usize]))
            {
                continue;
            }
            let reads: Vec<String> = pk
                .binds
                .iter()
                .zip(&f.params)
                .zip(&mode)
                .filter(|((b, _), _)| {
                    !b.index
                        && (matches!(b.val, Val::Input(i) if streamed[i as usize])
                            || matches!(b.val, Val::Tmp(t) if sunk(t)))
                })
                .map(|((b, prm), m)| {
                    let how = match (b.val, m) {
                        (Val::Tmp(_), Mode::Window) => "written per window",
                        (Val::Tmp(_), _) => "kept whole, written at the end",
                        (_, Mode::Window) => "read per window",
                        (_, Mode::Pinned) => "read once (pinned)",
                        (_, Mode::Memory) => "read whole",
                    };
                    format!("%{} {how}", prm.name)
                })
                .collect();
            if mode.contains(&Mode::Window) {
                passes += 1;
                let outer_red = f.body.iter().any(|i| match i.op {
                    crate::loops::LOp::Accum(q, ..) => f.params[q].strides[0] == 0 && f.dims[0] > 1,
                    crate::loops::LOp::ArgAccum { index_out, .. } => {
                        f.params[index_out].strides[0] == 0 && f.dims[0] > 1
                    }
                    _ => false,
                });
                let align = if outer_red {
                    super::exec::reduce_rows(&f.dims)
                } else {
                    1
                };
                let (w, per_iter) = window_size(pk, &mode, align, budget);
                let w = w.min(f.dims[0]);
                let _ = writeln!(
                    out,
                    ";   {}: {} of {} outermost iterations per window, {} windows, {:.1} MiB per window; {}",
                    f.name,
                    w,
                    f.dims[0],
                    f.dims[0].div_ceil(w.max(1)),
                    mib(w * per_iter),
                    reads.join(", ")
                );
            } else {
                let _ = writeln!(out, ";   {}: not windowed; {}", f.name, reads.join(", "));
            }
        }
        format!(
            "; streaming (memory budget {:.0} MiB): {passes} pass{} over the streamed inputs\n{out}",
            mib(budget),
            if passes == 1 { "" } else { "es" }
        )
    }

    /// Whether a step after the one storing temporary `t` reads it.
    pub(super) fn read_after_store(&self, t: u32) -> bool {
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
pub(super) enum Mode {
    /// In memory (resident values, and sources read whole).
    Memory,
    /// A buffer per window.
    Window,
    /// A piece of a source read once (its outermost stride is 0).
    Pinned,
}
