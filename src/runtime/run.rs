//! Running a [`Prepared`] plan in memory: the planned homes of the
//! temporaries, step by step, freeing what each step was the last to need.

use super::*;

impl Prepared {
    /// The array for temporary `t` in its planned home: a view of planned
    /// buffer `bufN` (allocated on first use, reused afterwards) or a
    /// donated input overwritten in place.
    pub(crate) fn planned(&self, t: u32, inputs: &[Option<&Array>], bufs: &mut [Option<Arc<Buffer>>]) -> Result<Array> {
        let (dt, shape) = &self.program.tmps[t as usize];
        match self.plan.homes.get(t as usize) {
            Some(&Home::Buf(b)) if (b as usize) < bufs.len() => {
                let slot = &mut bufs[b as usize];
                let buf = match slot {
                    Some(x) => x.clone(),
                    None => {
                        let x = Arc::new(Buffer::for_output(self.plan.bufs[b as usize].bytes)?);
                        *slot = Some(x.clone());
                        x
                    }
                };
                Ok(Array::from_parts(buf, *dt, shape.clone(), c_strides(shape), 0))
            }
            Some(&Home::Input(k)) => {
                let a =
                    inputs.get(k as usize).copied().flatten().ok_or_else(|| {
                        Error::Internal(format!("%t{t} planned over input {k}, which is not in memory"))
                    })?;
                if a.dtype() != *dt || a.shape() != shape.as_slice() || !a.is_c_contiguous() || a.offset() != 0 {
                    return Err(Error::Internal(format!("%t{t} cannot be written over input {k}")));
                }
                Ok(a.clone())
            }
            _ => Array::for_output(*dt, shape),
        }
    }

    /// Whether `inputs` fit the layouts this plan was prepared for (see
    /// [`fits`]).
    pub(crate) fn accepts(&self, inputs: &[Array]) -> bool {
        inputs.len() == self.layouts.len() && inputs.iter().zip(&self.layouts).all(|(a, l)| fits(a, l, self.donating))
    }

    /// The buffer plan.
    pub fn buffer_plan(&self) -> &BufferPlan {
        &self.plan
    }

    /// The fused program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The loop functions of the kernels, in step order.
    pub fn loop_funcs(&self) -> impl Iterator<Item = &LoopFunc> {
        self.kernels.iter().flatten().map(|k| &k.func)
    }

    /// Number of kernels.
    pub fn kernel_count(&self) -> usize {
        self.kernels.iter().flatten().count()
    }

    /// Runs with fresh outputs.
    pub fn run(&self, inputs: &[Array], opts: &ExecOptions) -> Result<Vec<Array>> {
        self.run_impl(inputs, None, opts)
    }

    /// Runs, writing the single output into `out` (dtype and shape must
    /// match; any layout). `out` is made the only owner of its buffer first
    /// (copy-on-write).
    pub fn run_into(&self, inputs: &[Array], out: &mut Array, opts: &ExecOptions) -> Result<()> {
        out.make_unique()?;
        self.run_into_exclusive(inputs, out, opts)
    }

    pub(crate) fn run_into_exclusive(&self, inputs: &[Array], out: &mut Array, opts: &ExecOptions) -> Result<()> {
        if self.program.outputs.len() != 1 {
            return shape_err!(
                "eval_into needs one output, the expression has {}",
                self.program.outputs.len()
            );
        }
        let (dt, shape) = self.program.val_type(self.program.outputs[0]);
        if out.dtype() != dt || out.shape() != shape {
            return type_err!(
                "output array is {}{:?}, the result is {dt}{:?}",
                out.dtype(),
                out.shape(),
                shape
            );
        }
        if !out.is_writable() {
            return shape_err!("output array is read-only");
        }
        if crate::array::layout::may_self_overlap(out.shape(), out.strides()) {
            return shape_err!("output array's elements overlap (a broadcast or strided window view)");
        }
        let aliased = inputs.iter().any(|a| a.shares_memory(out));
        if aliased {
            let r = self.run_impl(inputs, None, opts)?.remove(0);
            out.assign_from(&r);
            return Ok(());
        }
        self.run_impl(inputs, Some(out), opts).map(|_| ())
    }

    /// Allocates kernel `k`'s accumulators in their planned homes, filled
    /// with their folds' identities (argmin/argmax: index -1, any value).
    pub(crate) fn init_accumulators(
        &self,
        k: &fuse::Kernel,
        ins: &[Option<&Array>],
        tmps: &mut [Option<Array>],
        bufs: &mut [Option<Arc<Buffer>>],
    ) -> Result<()> {
        for r in &k.reds {
            let arg = r.op.single_axis();
            let mut accs = vec![(r.tmp, (!arg).then(|| r.fold_op()))];
            if let Some((t, _)) = r.aux {
                accs.push((t, (!arg).then_some(crate::expr::BinaryOp::Add)));
            }
            for (t, op) in accs {
                let a = self.planned(t, ins, bufs)?;
                let bits = match op {
                    Some(op) => exec::identity_bits(op, a.dtype()),
                    None if t == r.tmp => u64::MAX,
                    None => 0,
                };
                // SAFETY: a C-contiguous array of `len` elements.
                unsafe { exec::fill_bits(a.as_ptr() as *mut u8, a.dtype(), a.len(), bits) };
                tmps[t as usize] = Some(a);
            }
        }
        Ok(())
    }

    /// Frees what step `si` was the last to need.
    pub(crate) fn release(&self, si: usize, tmps: &mut [Option<Array>], bufs: &mut [Option<Arc<Buffer>>]) {
        for (t, l) in self.last_read.iter().enumerate() {
            if *l == Some(si) {
                tmps[t] = None;
            }
        }
        for (b, l) in self.buf_last.iter().enumerate() {
            if *l == Some(si) {
                bufs[b] = None;
            }
        }
    }

    pub(crate) fn run_impl(&self, inputs: &[Array], out: Option<&mut Array>, opts: &ExecOptions) -> Result<Vec<Array>> {
        if inputs.len() != self.layouts.len()
            || inputs
                .iter()
                .zip(&self.layouts)
                .any(|(a, l)| !fits(a, l, self.donating))
        {
            return shape_err!("inputs do not have the layouts the plan was prepared for");
        }
        let threads = opts.thread_count()?;
        let p = &self.program;
        // The output a kernel writes straight into `out` (a boundary node's
        // result is copied into it at the end instead).
        let out_tmp = match (p.outputs.first(), &out) {
            (Some(&Val::Tmp(t)), Some(_)) => p.kernels().any(|k| k.stores.iter().any(|s| s.0 == t)).then_some(t),
            _ => None,
        };
        let mut out = out;
        let ins: Vec<Option<&Array>> = inputs.iter().map(Some).collect();
        let mut tmps: Vec<Option<Array>> = vec![None; p.tmps.len()];
        let mut bufs: Vec<Option<Arc<Buffer>>> = vec![None; self.plan.bufs.len()];
        let mut kid = 0;
        for (si, (s, pk)) in p.steps.iter().zip(&self.kernels).enumerate() {
            match s {
                Step::Kernel(k) => {
                    self.init_accumulators(k, &ins, &mut tmps, &mut bufs)?;
                    let mut relowered = None;
                    for &(t, _) in &k.stores {
                        let (dt, shape) = &p.tmps[t as usize];
                        let arr = match (&mut out, out_tmp == Some(t)) {
                            (Some(o), true) => {
                                let c = kernel_strides(shape, &c_strides(shape));
                                let os = kernel_strides(o.shape(), o.strides());
                                if os != c || o.offset() != 0 {
                                    let (func, binds) =
                                        lower_kernel(p, k, kid, &self.layouts, Some((t, &os, o.offset())));
                                    let compiled = cache::get_or_compile(&func)?;
                                    relowered = Some(PreparedKernel { func, binds, compiled });
                                }
                                (**o).clone()
                            }
                            // The kernel writes every element: the planned
                            // buffer (reused, or an operand dying here).
                            _ => {
                                let _ = (dt, shape);
                                self.planned(t, &ins, &mut bufs)?
                            }
                        };
                        tmps[t as usize] = Some(arr);
                    }
                    let pk = relowered.as_ref().or(pk.as_ref()).expect("kernel prepared");
                    launch(pk, inputs, &self.layouts, &tmps, threads)?;
                    finalize(k, &tmps)?;
                    kid += 1;
                }
                Step::Node { out: o, op, arg } => {
                    let a = match *arg {
                        Val::Input(i) => &inputs[i as usize],
                        Val::Tmp(t) => tmps[t as usize].as_ref().expect("operand ready"),
                    };
                    let r = eval_node(op, a)?;
                    // A reshape may come back as a view of its operand's
                    // buffer, which the plan may hand to a later temporary
                    // once the operand is dead: the result goes to its own
                    // planned buffer.
                    let r = if r.shares_memory(a) {
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
        let results: Vec<Array> = p
            .outputs
            .iter()
            .map(|&v| match v {
                Val::Input(i) => inputs[i as usize].clone(),
                Val::Tmp(t) => tmps[t as usize].clone().expect("output computed"),
            })
            .collect();
        if let (Some(o), None) = (out, out_tmp) {
            o.assign_from(&results[0]);
        }
        Ok(results)
    }
}
