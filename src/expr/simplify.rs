//! `simplify`: the graph-to-graph pass run before fusion.
//!
//! - common subexpressions are shared (hash-consing in [`Graph::add`] does
//!   this as the graph is rebuilt);
//! - constants are folded: an element-wise op, cast or `where` whose
//!   operands are all 0-d constants becomes a constant, evaluated by the
//!   scalar semantics of the ops (`crate::ops::scalar`; an op that would fail, such
//!   as an integer to a negative power, is left for evaluation to report);
//! - `where` with a constant condition becomes the branch it selects;
//! - algebraic rewrites that keep NumPy's results bit for bit, and only
//!   those: `pow(x, 2) → x*x` (a correctly rounded `pow` and one rounded
//!   product agree everywhere, ±0, ±inf and NaN included; integer powers
//!   wrap the same way), `x / c → x * (1/c)` for a float `c = ±2^k` whose
//!   reciprocal is a normal float (both are the correctly rounded value of
//!   the same real number, so they agree everywhere, subnormal results,
//!   ±0, ±inf and NaN included; a multiply is a fraction of a divide's
//!   cost and needs no outlining) and `-(-x) → x`. Rewrites such as `x + 0.0 → x` or
//!   `x * 0 → 0` are NOT done: they change `-0.0`, `±inf` and NaN results.
//!
//! Requires a well-typed graph; guarantees an equivalent graph with only
//! nodes reachable from the outputs. Tests: `ir/simplify/`.

use super::graph::{Graph, Node, NodeId};
use crate::array::Scalar;
use crate::error::Result;
use crate::ops::scalar;
use crate::ops::{BinaryOp, Op, UnaryOp};

/// Folds constants, applies the exact algebraic rewrites and drops dead
/// nodes.
pub fn simplify(g: &Graph) -> Result<Graph> {
    // The second rebuild drops what the rewrites left unreachable (the
    // operands of a folded constant, the inner `neg` of `-(-x)`).
    g.rebuild(rewrite)?.rebuild(|g, n, args| g.add(n.op.clone(), args))
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
            Op::Unary(u) => scalar::eval_unary(*u, c[0]).ok(),
            Op::Binary(b) => scalar::eval_binary(*b, c[0], c[1]).ok(),
            Op::Where => Some(scalar::eval_where(c[0], c[1], c[2])),
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
        Op::Binary(BinaryOp::Div) if g.node(args[0]).dtype == node.dtype => {
            if let Some(r) = exact_reciprocal(g, args[1], node.dtype) {
                let r = g.constant(r);
                return g.add(Op::Binary(BinaryOp::Mul), &[args[0], r]);
            }
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

/// `1/c` if `id` is a constant `c` of the float dtype `dt` such that `c`
/// and `1/c` are both normal powers of two (so `x / c == x * (1/c)`
/// exactly for every `x`).
fn exact_reciprocal(g: &Graph, id: NodeId, dt: crate::array::DType) -> Option<Scalar> {
    let Op::Const(c) = g.node(id).op else { return None };
    if c.dtype() != dt {
        return None;
    }
    match c {
        Scalar::F64(c) => {
            let pow2 = |x: f64| x.is_normal() && x.to_bits() & ((1u64 << 52) - 1) == 0;
            let r = 1.0 / c;
            (pow2(c) && pow2(r)).then_some(Scalar::F64(r))
        }
        Scalar::F32(c) => {
            let pow2 = |x: f32| x.is_normal() && x.to_bits() & ((1u32 << 23) - 1) == 0;
            let r = 1.0 / c;
            (pow2(c) && pow2(r)).then_some(Scalar::F32(r))
        }
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Odd-looking bit patterns: every exponent (subnormals, ±0, ±inf,
    /// NaN included) with a few mantissas each.
    fn f64_samples() -> Vec<f64> {
        let mut v = vec![];
        for e in 0..2048u64 {
            for m in [0, 1, 0x8_0000_0000_0001, (1 << 52) - 1, 0x5_5555_5555_5555] {
                for s in [0, 1u64 << 63] {
                    v.push(f64::from_bits(s | e << 52 | m));
                }
            }
        }
        v
    }

    fn reciprocal(c: Scalar) -> Option<Scalar> {
        let mut g = Graph::new();
        let id = g.constant(c);
        exact_reciprocal(&g, id, c.dtype())
    }

    #[test]
    fn division_by_power_of_two_is_multiplication_by_reciprocal() {
        let xs = f64_samples();
        let x32: Vec<f32> = xs
            .iter()
            .map(|&x| x as f32)
            .chain(xs.iter().map(|&x| f32::from_bits(x.to_bits() as u32)))
            .collect();
        let same64 = |a: f64, b: f64| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan();
        let same32 = |a: f32, b: f32| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan();
        let (mut n64, mut n32) = (0, 0);
        for k in -1080i32..1030 {
            for sign in [1.0, -1.0] {
                let c = sign * 2f64.powi(k);
                if let Some(Scalar::F64(r)) = reciprocal(Scalar::F64(c)) {
                    n64 += 1;
                    for &x in &xs {
                        assert!(same64(x / c, x * r), "{x:e} / {c:e}");
                    }
                }
                let c = c as f32;
                if let Some(Scalar::F32(r)) = reciprocal(Scalar::F32(c)) {
                    n32 += 1;
                    for &x in &x32 {
                        assert!(same32(x / c, x * r), "{x:e} / {c:e}");
                    }
                }
            }
        }
        // Exactly the powers 2^-1022 ..= 2^1022 (f32: 2^-126 ..= 2^126) of
        // either sign; not 3.0, not an integer constant.
        assert_eq!((n64, n32), (2 * 2045, 2 * 253));
        assert!(reciprocal(Scalar::F64(3.0)).is_none());
        assert!(reciprocal(Scalar::I64(4)).is_none());
    }
}
