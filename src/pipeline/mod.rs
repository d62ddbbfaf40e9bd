//! The one place that sequences the stages:
//!
//! ```text
//! Expr ──lower──▶ Graph ──simplify──▶ Graph ──evaluate──▶ Array
//! ```
//!
//! Each stage is one line here; `explain` prints what each produced.
//! The streamed outputs (`eval_to_npy`, `eval_chunks`) are in
//! `stream_out.rs`.

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

mod stream_out;
pub use stream_out::{eval_streamed_report, Chunks};

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

/// Every stage of several outputs compiled together, as text.
pub fn explain_many(outputs: &[Expr]) -> Result<String> {
    let l = build_stream(outputs)?;
    dump::explain(&l.graph, &l.inputs, &l.donated, None)
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
mod tests;
