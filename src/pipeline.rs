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
use crate::expr::{lower_full, Expr, Graph, Lowered};
use crate::fuse;
use crate::interp;
use crate::plan::{plan_buffers, BufferPlan, MemoryReport};
use crate::runtime::{self, ExecOptions};

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

/// The buffer plan of a simplified graph (the `plan` stage).
pub fn plan(g: &Graph, donated: &[bool]) -> Result<BufferPlan> {
    let program = fuse::fuse(g)?;
    Ok(plan_buffers(&program, g, donated))
}

/// Evaluates a simplified graph: fused, compiled (cached) and run.
pub fn evaluate(g: &Graph, arrays: &[Array]) -> Result<Vec<Array>> {
    runtime::eval_graph(g, arrays, &ExecOptions::default())
}

/// Evaluates a simplified graph with the reference interpreter.
pub fn evaluate_reference(g: &Graph, arrays: &[Array]) -> Result<Vec<Array>> {
    interp::interpret(g, arrays)
}

/// Evaluates several expressions together, sharing common work.
///
/// ```
/// use lazyfuse::{lazy, pipeline::eval_many, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
/// let x = lazy(&a);
/// let outs = eval_many(&[x.sum(), &x * 2.0])?;
/// assert_eq!(outs[0].to_scalar::<f64>()?, 6.0);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn eval_many(outputs: &[Expr]) -> Result<Vec<Array>> {
    let (g, arrays) = build_graph(outputs)?;
    evaluate(&g, &arrays)
}

impl Expr {
    /// Compiles (cached) and runs the expression.
    pub fn eval(&self) -> Result<Array> {
        let mut v = eval_many(std::slice::from_ref(self))?;
        Ok(v.pop().expect("one output"))
    }

    /// Evaluates into an existing array of the same dtype and shape. The
    /// destination may overlap the inputs: the result is as if computed
    /// into a fresh buffer first.
    pub fn eval_into(&self, dst: &mut Array) -> Result<()> {
        let (t, s) = (self.dtype()?, self.shape()?);
        check_dst(dst, t, &s)?;
        let (g, arrays) = build_graph(std::slice::from_ref(self))?;
        if arrays.iter().any(|a| a.shares_memory(dst)) {
            // The destination may overlap an input: compute into a fresh
            // buffer first, then copy.
            let out = evaluate(&g, &arrays)?.pop().expect("one output");
            dst.assign_from(&out);
            return Ok(());
        }
        runtime::eval_graph_into(&g, &arrays, dst, &ExecOptions::default())
    }

    /// Every stage of what would be compiled, as text.
    pub fn explain(&self) -> Result<String> {
        let l = build(std::slice::from_ref(self))?;
        dump::explain(&l.graph, &l.arrays, &l.donated, None)
    }

    /// One stage (`graph`, `fused`, `plan`, `loop`, `clif`, `asm`) as text.
    pub fn explain_stage(&self, stage: &str) -> Result<String> {
        let l = build(std::slice::from_ref(self))?;
        dump::explain(&l.graph, &l.arrays, &l.donated, Some(stage))
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
    if dst.strides().iter().zip(dst.shape()).any(|(&s, &d)| s == 0 && d > 1) {
        return shape_err!("eval_into: destination is a broadcast view (elements overlap)");
    }
    Ok(())
}
