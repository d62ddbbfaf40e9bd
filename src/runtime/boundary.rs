//! Boundary steps: ops that are not fused into kernels (copying
//! reshapes), evaluated on materialised operands.

use super::*;

pub(crate) fn eval_node(op: &Op, arg: &Array) -> Result<Array> {
    if let Op::Reshape(s) = op {
        return arg.reshape(s);
    }
    let mut g = Graph::new();
    let x = g.add_input("x", arg.dtype(), arg.shape())?;
    let r = g.add(op.clone(), &[x])?;
    g.set_outputs(vec![r]);
    Ok(crate::interp::interpret(&g, std::slice::from_ref(arg))?.remove(0))
}
