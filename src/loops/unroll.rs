//! `unroll`: chooses how many vectors (or scalars) the innermost loop keeps
//! in flight per iteration: 4 for short vector bodies, 2 for long ones or
//! scalar bodies, 1 when the body calls libm (calls spill every vector
//! register anyway, see `shared/CRANELIFT.md` §4).
//!
//! Requires `vectorize` to have run. Guarantees `1 <= unroll <= 4`; the JIT
//! handles the remainder with a scalar loop. Tests: `ir/unroll/*.ir`.

use super::{LOp, LoopFunc};
use crate::expr::Op;
use crate::fuse::is_call;

/// Sets `f.unroll` (see the module docs).
pub fn unroll(f: &mut LoopFunc) {
    let calls = f.body.iter().any(|i| match i.op {
        LOp::Unary(u, a) => is_call(&Op::Unary(u), f.body[a].ty),
        LOp::Binary(b, a, _) => is_call(&Op::Binary(b), f.body[a].ty),
        _ => false,
    });
    f.unroll = if calls {
        1
    } else if f.vector > 1 && f.body.len() <= 40 {
        4
    } else {
        2
    };
}
