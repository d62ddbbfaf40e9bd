//! Launching one kernel: its params' pointers, strides and extents, and
//! the way it runs — whole, or window by window for the streaming
//! executor, with the fixed-chunk reduction along the outermost loop.

use super::*;

/// Runs one kernel over its whole iteration space. `base[i]` is the layout
/// input `i` was lowered for: an input at another offset (same strides) is
/// moved by the difference.
pub(crate) fn launch(
    pk: &PreparedKernel,
    inputs: &[Array],
    base: &[Layout],
    tmps: &[Option<Array>],
    threads: usize,
) -> Result<()> {
    let ptrs = param_ptrs(pk, |b, size| {
        Ok(match b.val {
            Val::Input(i) => {
                let a = &inputs[i as usize];
                a.buffer()
                    .as_ptr()
                    .wrapping_offset((a.offset() - base[i as usize].3) * size)
            }
            Val::Tmp(t) => tmps[t as usize]
                .as_ref()
                .ok_or_else(|| Error::Internal(format!("temporary %t{t} not ready")))?
                .buffer()
                .as_ptr(),
        })
    })?;
    let mut k = KernelRun::new(pk, ptrs, tmps)?;
    let outer = pk.func.dims[0];
    k.run_range(pk, 0, outer, threads)?;
    k.finish();
    Ok(())
}

/// Each param's pointer at iteration point zero: `start(binding)` is the
/// start of the memory the param's offsets count from (its buffer, or a
/// moved or windowed stand-in for it).
pub(crate) fn param_ptrs(
    pk: &PreparedKernel,
    start: impl Fn(&Binding, isize) -> Result<*mut u8>,
) -> Result<Vec<*mut u8>> {
    let f = &pk.func;
    let mut ptrs = Vec::with_capacity(f.params.len());
    for (p, b) in f.params.iter().zip(&pk.binds) {
        let size = p.dtype.size() as isize;
        if b.index {
            // No buffer: the kernel computes the index from this
            // "address" (the offset) and the strides, never dereferencing.
            ptrs.push(std::ptr::null_mut::<u8>().wrapping_offset(b.offset * size));
            continue;
        }
        ptrs.push(start(b, size)?.wrapping_offset(b.offset * size));
    }
    Ok(ptrs)
}

/// A kernel being run, over its whole outermost extent or window by
/// window (in order).
pub(crate) struct KernelRun {
    pub(crate) l: exec::Launch,
    /// For a kernel folding along its outermost loop.
    pub(crate) reducer: Option<exec::Reducer>,
}

impl KernelRun {
    /// Sets param `p`'s pointer (a window's stand-in for its memory).
    pub(crate) fn set_ptr(&mut self, p: usize, ptr: *mut u8) {
        self.l.ptrs[p] = ptr;
    }

    pub(crate) fn new(pk: &PreparedKernel, ptrs: Vec<*mut u8>, tmps: &[Option<Array>]) -> Result<KernelRun> {
        let f = &pk.func;
        let mut strides = Vec::with_capacity(f.params.len() * f.ndims());
        for p in &f.params {
            let size = p.dtype.size() as isize;
            strides.extend(p.strides.iter().map(|&s| s * size));
        }
        // Accumulators reduced along the outermost loop take the fixed-chunk
        // path (partials combined pairwise, independent of `threads`).
        let mut parts = vec![];
        for i in &f.body {
            if let loops::LOp::Accum(p, op, _) = i.op {
                if f.params[p].strides[0] == 0 && f.dims[0] > 1 {
                    let Val::Tmp(t) = pk.binds[p].val else {
                        return Err(Error::Internal("accumulator bound to an input".into()));
                    };
                    let arr = tmps[t as usize]
                        .as_ref()
                        .ok_or_else(|| Error::Internal(format!("accumulator %t{t} not allocated")))?;
                    parts.push(exec::Partial {
                        param: p,
                        op,
                        dtype: i.ty,
                        len: arr.len(),
                        offset: pk.binds[p].offset * i.ty.size() as isize,
                    });
                }
            }
        }
        let l = exec::Launch {
            ptrs,
            strides,
            dims: f.dims.clone(),
        };
        // argmin/argmax reduced along the outermost loop: in order (their
        // pair accumulators are not split into partials).
        let outer_arg = f.body.iter().any(|i| {
            matches!(i.op, loops::LOp::ArgAccum { index_out, .. } if f.params[index_out].strides[0] == 0 && f.dims[0] > 1)
        });
        let reducer = (outer_arg || !parts.is_empty()).then(|| exec::Reducer::new(&l, parts, outer_arg));
        Ok(KernelRun { l, reducer })
    }

    /// Outermost iterations windows must be multiples of (except the last).
    pub(crate) fn align(&self) -> usize {
        self.reducer.as_ref().map_or(1, exec::Reducer::rows)
    }

    /// Runs outermost iterations `[lo, hi)`.
    pub(crate) fn run_range(&mut self, pk: &PreparedKernel, lo: usize, hi: usize, threads: usize) -> Result<()> {
        match &mut self.reducer {
            Some(r) => r.run_range(&pk.compiled, &self.l, lo, hi, threads),
            None => exec::run_range(&pk.compiled, &self.l, lo, hi, threads),
        }
    }

    /// Folds the partials into the accumulators.
    pub(crate) fn finish(self) {
        if let Some(r) = self.reducer {
            r.finish(&self.l);
        }
    }
}
