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
use crate::expr::{lower, Expr, Graph};
use crate::interp;
use crate::runtime::{self, ExecOptions};

/// Lowers and simplifies: the `graph` stage.
pub fn build_graph(outputs: &[Expr]) -> Result<(Graph, Vec<Array>)> {
    let (g, arrays) = lower(outputs)?;
    let g = simplify(&g)?;
    Ok((g, arrays))
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
        let (g, arrays) = build_graph(std::slice::from_ref(self))?;
        dump::explain(&g, &arrays, None)
    }

    /// One stage (`graph`, …) as text.
    pub fn explain_stage(&self, stage: &str) -> Result<String> {
        let (g, arrays) = build_graph(std::slice::from_ref(self))?;
        dump::explain(&g, &arrays, Some(stage))
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
