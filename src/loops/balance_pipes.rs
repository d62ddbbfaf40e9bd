//! `balance-pipes`: how many float-sum additions per main-loop iteration
//! the JIT does as fused multiply-adds.
//!
//! x86-64 cores run vector adds and multiplies on separate pairs of pipes;
//! a reduction body such as `mean` + `std` (four adds or subtractions per
//! element, one multiply) is bound by the add pipes. `P + x` equals
//! `fma(x, 1, P)` bit for bit (one rounding of the exact sum), so half the
//! excess of adds over multiplies moves to the multiply pipes — at most
//! one per compensated float sum kept in registers (an `accum add` whose
//! param does not move in the innermost loop) and unroll slot — when the
//! CPU has FMA. Sets `sched.fma_sums` (printed `fma_sums N` on the
//! `vector` line); 0 for scalar kernels.
//!
//! Requires `vectorize`, `unroll` and `hoist-invariants`. Guarantees
//! `fma_sums ≤ unroll × (float sums in registers)`; the result bits do not
//! depend on it. Tests: `ir/balance-pipes/*.ir`.

use super::{LOp, LoopFunc};
use crate::expr::{BinaryOp, UnaryOp};

/// Whether this CPU has fused multiply-add.
pub fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The float sums kept in registers: `accum add` of a float whose param
/// does not move along the innermost loop.
pub fn register_sums(f: &LoopFunc) -> usize {
    let n = f.ndims();
    f.body
        .iter()
        .filter(
            |i| matches!(i.op, LOp::Accum(p, BinaryOp::Add, _) if i.ty.is_float() && f.params[p].strides[n - 1] == 0),
        )
        .count()
}

/// Sets `f.sched.fma_sums` (see the module docs).
pub fn balance_pipes(f: &mut LoopFunc) {
    f.sched.fma_sums = if f.vector < 2 || !has_fma() { 0 } else { count(f) };
}

fn count(f: &LoopFunc) -> usize {
    let n = f.ndims();
    let (mut adds, mut muls) = (0usize, 0usize);
    for i in f.body.iter().filter(|i| i.level == n && i.ty.is_float()) {
        match i.op {
            LOp::Binary(BinaryOp::Add | BinaryOp::Sub, ..) => adds += 1,
            LOp::Binary(BinaryOp::Mul, ..) | LOp::Unary(UnaryOp::Square, _) => muls += 1,
            _ => {}
        }
    }
    let sums = register_sums(f);
    adds += sums;
    let unroll = f.unroll.max(1);
    (adds.saturating_sub(muls) * unroll / 2).min(sums * unroll)
}
