//! Boundary steps: ops that are not fused into kernels, evaluated on
//! materialised operands. Only a reshape that is not a view of its operand
//! is one (`fuse::is_boundary`): it copies the operand into C order.

use super::*;

pub(crate) fn eval_node(op: &Op, arg: &Array) -> Result<Array> {
    match op {
        Op::Reshape(s) => arg.reshape(s),
        other => Err(Error::Internal(format!(
            "boundary step {other:?}: only reshapes are boundary steps"
        ))),
    }
}
