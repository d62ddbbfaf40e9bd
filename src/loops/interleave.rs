//! `interleave`: whether the unroll slots of the vector main loop may be
//! interleaved, one instruction of each slot in turn, after Cranelift's
//! optimiser (`jit/schedule.rs` does it, and keeps the original order
//! when the interleaved one would need more registers than x86-64 has).
//!
//! Eligible: vector code with several slots, no `argmin`/`argmax`, and
//! every store and accumulator moving along the innermost loop (register
//! accumulators do not: their slots share a chain), so that different
//! slots touch different elements of every array. Column sums
//! (`out[j] += a[i, j]`) qualify. The blocked phases of an outlined kernel
//! are never interleaved (their calls are barriers); its other vector
//! loops may be. `LAZYFUSE_NO_INTERLEAVE` (read once) turns the pass off,
//! for comparisons. Sets `sched.interleave` (printed `interleave` on the
//! `vector` line).
//!
//! Requires `vectorize` and `unroll`. Guarantees nothing about results:
//! moving loads and stores of different slots past each other is sound
//! because outputs never partially overlap inputs (the buffer plan writes
//! in place only element for element). Tests: `ir/interleave/*.ir`.

use super::{LOp, LoopFunc};

/// Sets `f.sched.interleave` (see the module docs).
pub fn interleave(f: &mut LoopFunc) {
    f.sched.interleave = !crate::env::no_interleave() && eligible(f);
}

/// Whether the slots of `f`'s vector main loop touch different elements
/// of every array, so that they may be interleaved.
pub fn eligible(f: &LoopFunc) -> bool {
    let n = f.ndims();
    f.vector > 1
        && f.unroll > 1
        && f.body.iter().all(|i| match i.op {
            LOp::ArgAccum { .. } => false,
            LOp::Accum(p, ..) | LOp::Store(p, _) => f.params[p].strides[n - 1] != 0,
            _ => true,
        })
}
