//! `simplify`: the graph-to-graph pass run before fusion.
//!
//! - common subexpressions are shared (hash-consing in [`Graph::add`] does
//!   this as the graph is rebuilt);
//! - constants are folded: an element-wise op, cast or `where` whose
//!   operands are all 0-d constants becomes a constant, evaluated by the
//!   reference interpreter's scalar semantics (an op that would fail, such
//!   as an integer to a negative power, is left for evaluation to report);
//! - `where` with a constant condition becomes the branch it selects;
//! - algebraic rewrites that keep NumPy's results bit for bit, and only
//!   those: `pow(x, 2) → x*x` (a correctly rounded `pow` and one rounded
//!   product agree everywhere, ±0, ±inf and NaN included; integer powers
//!   wrap the same way) and `-(-x) → x`. Rewrites such as `x + 0.0 → x` or
//!   `x * 0 → 0` are NOT done: they change `-0.0`, `±inf` and NaN results.
//!
//! Requires a well-typed graph; guarantees an equivalent graph with only
//! nodes reachable from the outputs. Tests: `ir/simplify/`.

use super::graph::{Graph, Node, NodeId};
use super::ops::{BinaryOp, Op, UnaryOp};
use crate::array::Scalar;
use crate::error::Result;
use crate::interp;

/// Folds constants, applies the exact algebraic rewrites and drops dead
/// nodes.
pub fn simplify(g: &Graph) -> Result<Graph> {
    g.rebuild(rewrite)
}

fn rewrite(g: &mut Graph, node: &Node, args: &[NodeId]) -> Result<NodeId> {
    let consts: Option<Vec<Scalar>> = args
        .iter()
        .map(|&a| match g.node(a).op {
            Op::Const(v) => Some(v),
            _ => None,
        })
        .collect();
    if let Some(c) = consts.filter(|c| !c.is_empty()) {
        let folded = match &node.op {
            Op::Unary(u) => interp::eval_unary(*u, c[0]).ok(),
            Op::Binary(b) => interp::eval_binary(*b, c[0], c[1]).ok(),
            Op::Where => Some(interp::eval_where(c[0], c[1], c[2])),
            Op::Cast(t) => Some(c[0].cast(*t)),
            _ => None,
        };
        if let Some(v) = folded {
            debug_assert_eq!(v.dtype(), node.dtype, "folded {:?}", node.op);
            return Ok(g.constant(v));
        }
    }
    match &node.op {
        Op::Where => {
            if let Op::Const(c) = g.node(args[0]).op {
                let pick = if c.is_truthy() { args[1] } else { args[2] };
                return if g.node(pick).shape == node.shape {
                    Ok(pick)
                } else {
                    g.add(Op::Broadcast(node.shape.clone()), &[pick])
                };
            }
        }
        Op::Binary(BinaryOp::Pow) if is_const_int(g, args[1], 2) => {
            return g.add(Op::Binary(BinaryOp::Mul), &[args[0], args[0]]);
        }
        Op::Unary(UnaryOp::Neg) => {
            let inner = g.node(args[0]);
            if inner.op == Op::Unary(UnaryOp::Neg) {
                return Ok(inner.args[0]);
            }
        }
        _ => {}
    }
    g.add(node.op.clone(), args)
}

/// Whether `id` is a constant equal to the integer `v` (in any dtype).
fn is_const_int(g: &Graph, id: NodeId, v: i128) -> bool {
    match g.node(id).op {
        Op::Const(s) => match s {
            Scalar::F32(x) => x as f64 == v as f64,
            Scalar::F64(x) => x == v as f64,
            s => s.as_i128() == Some(v),
        },
        _ => false,
    }
}
