//! `unroll`: chooses how many vectors (or scalars) the innermost loop keeps
//! in flight per iteration: 4 for short vector bodies, 2 for long ones,
//! scalar bodies or three or more register accumulators, 1 when the body
//! calls libm (the System V ABI makes every vector register caller-saved,
//! so live vectors are spilled around each call anyway).
//!
//! Requires `vectorize` to have run. Guarantees `1 <= unroll <= 4`; the JIT
//! handles the remainder with a scalar loop. The `outline` pass unrolls
//! again, as here without calls, a loop whose every call it outlines.
//! Tests: `ir/unroll/*.ir`.

use super::{LOp, LoopFunc};
use crate::expr::Op;

/// Sets `f.unroll` (see the module docs).
pub fn unroll(f: &mut LoopFunc) {
    let calls = (0..f.body.len()).any(|v| is_call(f, v));
    f.unroll = choose(f, calls);
}

/// Whether instruction `v` calls a host function per element.
pub fn is_call(f: &LoopFunc, v: usize) -> bool {
    match f.body[v].op {
        LOp::Unary(u, a) => Op::Unary(u).is_call(f.body[a].ty),
        LOp::Binary(b, a, _) => Op::Binary(b).is_call(f.body[a].ty),
        _ => false,
    }
}

/// The unroll for `f`, whose element loop calls host functions or not.
pub fn choose(f: &LoopFunc, calls: bool) -> usize {
    // Accumulators kept in registers (reduced along the innermost loop)
    // take one register per unrolled vector: with several, unroll less so
    // the x86-64 backend's 16 vector registers do not spill.
    let n = f.ndims();
    let row_accs = f
        .body
        .iter()
        .map(|i| match i.op {
            LOp::Accum(p, ..) if f.params[p].strides[n - 1] == 0 => 1,
            LOp::ArgAccum { index_out, .. } if f.params[index_out].strides[n - 1] == 0 => 2,
            _ => 0,
        })
        .sum::<usize>();
    // `argmin`/`argmax` in registers: a dependent compare-and-select chain
    // per slot, so four independent slots.
    let arg_rows = f
        .body
        .iter()
        .any(|i| matches!(i.op, LOp::ArgAccum { index_out, .. } if f.params[index_out].strides[n - 1] == 0));
    // A float sum in registers keeps NumPy's eight interleaved partial sums
    // (`unroll × vector` = 8) when it can.
    let float_sum = f.body.iter().any(|i| {
        matches!(i.op, LOp::Accum(p, crate::expr::BinaryOp::Add, _) if i.ty.is_float() && f.params[p].strides[n - 1] == 0)
    });
    if calls {
        1
    } else if arg_rows && row_accs <= 4 {
        4
    } else if row_accs >= 3 {
        2
    } else if float_sum && f.vector > 1 {
        (8 / f.vector).max(1)
    } else if f.vector > 1 && f.body.len() <= 40 {
        4
    } else {
        2
    }
}
