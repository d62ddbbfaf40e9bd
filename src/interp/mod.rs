//! The reference interpreter: the oracle every compiled path is tested
//! against (ARCHITECTURE.md, "Architecture invariants").
//!
//! It evaluates a [`Graph`] one node at a time in arena order, materialising
//! every element-wise result as a new C-order array and every view as a
//! zero-copy [`Array`] view. It favours obviousness over speed: each
//! element goes through the scalar semantics of the ops ([`eval_unary`],
//! [`eval_binary`], [`eval_where`] in `crate::ops::scalar`), which constant
//! folding uses too and which the JIT's lowerings must equal — one
//! definition of every op's semantics, NumPy 2's.
//!
//! Nothing in the production path calls the interpreter: it is the
//! reference evaluation (`pipeline::interpret`) and the oracle of the
//! tests.
//!
//! Requires: a graph built by [`Graph::add`] (well typed: operands already
//! have the dtype their op computes in). Guarantees: outputs are new
//! C-contiguous arrays that never alias an input; no panic on any such
//! graph.
//!
//! Tests: `tests.rs` (hand-picked NumPy cases, views, errors, and every
//! op/dtype/axes combination `Graph::add` accepts) and `reduce_tests.rs`
//! (the reductions); the scalar semantics are tested in `crate::ops`.

mod reduce;
#[cfg(test)]
mod reduce_tests;
#[cfg(test)]
mod tests;

use crate::array::layout::shape_str;
use crate::array::{Array, Scalar};
use crate::error::{shape_err, type_err, Error, Result};
use crate::expr::graph::Node;
use crate::expr::Graph;
use crate::ops::scalar::{eval_binary, eval_unary, eval_where};
use crate::ops::Op;

/// Evaluates every output of `g` with `inputs[i]` bound to `g.inputs()[i]`.
///
/// Errors: `Err(Error::Shape)`/`Err(Error::Type)` when the inputs do not
/// match the graph's declared inputs in number, shape or dtype;
/// `Err(Error::Value)` for a value NumPy rejects at run time (an integer to
/// a negative integer power).
///
/// ```
/// use lazyfuse::{internals::interp::interpret, Array};
/// use lazyfuse::ir::Graph;
/// let g = Graph::parse(
///     "graph @f(%a: i64[3], %b: i64[3]) {
///          %0 = floordiv %a, %b : i64[3]
///          return %0
///      }",
/// )?;
/// let a = Array::from_vec(vec![7i64, -7, 7]);
/// let b = Array::from_vec(vec![2i64, 2, 0]);
/// let out = interpret(&g, &[a, b])?;
/// assert_eq!(out[0].to_vec::<i64>()?, vec![3, -4, 0]);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn interpret(g: &Graph, inputs: &[Array]) -> Result<Vec<Array>> {
    if inputs.len() != g.inputs().len() {
        return shape_err!("the graph takes {} inputs, got {}", g.inputs().len(), inputs.len());
    }
    let mut values: Vec<Option<Array>> = vec![None; g.len()];
    for (&id, array) in g.inputs().iter().zip(inputs) {
        let node = g.node(id);
        let name = g.input_name(id).unwrap_or("?");
        if array.dtype() != node.dtype {
            return type_err!(
                "input %{name} has dtype {}, got an array of dtype {}",
                node.dtype,
                array.dtype()
            );
        }
        if array.shape() != node.shape {
            return shape_err!(
                "input %{name} has shape {}, got an array of shape {}",
                shape_str(&node.shape),
                shape_str(array.shape())
            );
        }
        values[id.index()] = Some(array.clone());
    }

    // How many live users still need each value; a value is dropped after
    // its last use (outputs count as a use that never ends).
    if let Some(o) = g.outputs().iter().find(|o| o.index() >= g.len()) {
        return Err(Error::Internal(format!("output {o:?} is not a node")));
    }
    let mut uses = vec![0usize; g.len()];
    for &o in g.outputs() {
        uses[o.index()] += 1;
    }
    for id in g.ids().collect::<Vec<_>>().into_iter().rev() {
        if uses[id.index()] > 0 {
            for &a in &g.node(id).args {
                uses[a.index()] += 1;
            }
        }
    }

    for id in g.ids() {
        let node = g.node(id);
        if uses[id.index()] == 0 || matches!(node.op, Op::Input(_)) {
            continue;
        }
        let args = node
            .args
            .iter()
            .map(|a| values[a.index()].as_ref().ok_or_else(|| missing(a.index())))
            .collect::<Result<Vec<&Array>>>()?;
        let value = eval_node(node, &args)?;
        if value.dtype() != node.dtype || value.shape() != node.shape {
            return Err(Error::Internal(format!(
                "{} produced {}{} for a node of type {}{}",
                node.op.mnemonic(),
                value.dtype(),
                shape_str(value.shape()),
                node.dtype,
                shape_str(&node.shape)
            )));
        }
        for &a in &node.args {
            uses[a.index()] -= 1;
            if uses[a.index()] == 0 {
                values[a.index()] = None;
            }
        }
        values[id.index()] = Some(value);
    }

    g.outputs()
        .iter()
        .map(|o| {
            let v = values[o.index()].as_ref().ok_or_else(|| missing(o.index()))?;
            fresh_copy(v)
        })
        .collect()
}

/// A C-order copy of `a` in a new buffer (`Err` for a broadcast view too
/// large to materialise).
fn fresh_copy(a: &Array) -> Result<Array> {
    let mut out = Array::try_zeros(a.dtype(), a.shape())?;
    out.assign_scalars(&a.to_scalars());
    Ok(out)
}

fn missing(index: usize) -> Error {
    Error::Internal(format!("node %{index} has no value when it is used"))
}

/// Evaluates one (non-input) node on its operands' values.
fn eval_node(node: &Node, args: &[&Array]) -> Result<Array> {
    match &node.op {
        Op::Input(name) => Err(Error::Internal(format!("input %{name} is not bound"))),
        Op::Const(v) => Ok(Array::scalar(*v)),
        Op::Unary(u) => map_elements(node, args, |x| eval_unary(*u, x[0])),
        Op::Binary(b) => map_elements(node, args, |x| eval_binary(*b, x[0], x[1])),
        Op::Where => map_elements(node, args, |x| Ok(eval_where(x[0], x[1], x[2]))),
        Op::Cast(t) => map_elements(node, args, |x| Ok(x[0].cast(*t))),
        Op::Reduce { op, axes, ddof, .. } => reduce::reduce(*op, axes, *ddof, args[0], node.dtype, &node.shape),
        Op::Index(ix) => args[0].slice(ix),
        Op::Permute(p) => args[0].permute(p),
        Op::Broadcast(s) => args[0].broadcast_to(s),
        // (An empty result needs no data; `Array::reshape` would also read
        // a `usize::MAX` length as "infer".)
        Op::Reshape(s) if s.contains(&0) => Array::try_zeros(node.dtype, s),
        Op::Reshape(s) => args[0].reshape(s),
    }
}

/// Applies `f` to the operands' elements, each operand broadcast to the
/// node's shape, into a new C-order array of the node's dtype.
fn map_elements(node: &Node, args: &[&Array], f: impl Fn(&[Scalar]) -> Result<Scalar>) -> Result<Array> {
    // Allocating the result first also rejects shapes too large to hold.
    let mut out = Array::try_zeros(node.dtype, &node.shape)?;
    let columns = args
        .iter()
        .map(|a| Ok(a.broadcast_to(&node.shape)?.to_scalars()))
        .collect::<Result<Vec<Vec<Scalar>>>>()?;
    let mut results = Vec::with_capacity(out.len());
    let mut operands = Vec::with_capacity(args.len());
    for i in 0..out.len() {
        operands.clear();
        operands.extend(columns.iter().map(|c| c[i]));
        let r = f(&operands)?;
        if r.dtype() != node.dtype {
            return Err(Error::Internal(format!(
                "{} gave a {} value for a {} node",
                node.op.mnemonic(),
                r.dtype(),
                node.dtype
            )));
        }
        results.push(r);
    }
    out.assign_scalars(&results);
    Ok(out)
}
