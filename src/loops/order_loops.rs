//! `order-loops`: permutes the loop nest so memory is walked in order, as
//! NumPy's nditer does: loops are sorted by the magnitude of the outputs'
//! strides, then the inputs', largest outermost. `a + a.T` thus writes and
//! reads `a` contiguously and only the transposed read is strided.
//! Accumulators (reductions) do not vote: a column sum keeps its rows
//! outermost and accumulates whole rows of vectors.
//!
//! Requires a verified function; resets levels to innermost (run before
//! `hoist-invariants`). Guarantees the same set of iteration points (the
//! order of independent element writes does not change results).
//! Tests: `ir/order-loops/*.ir`.

use super::LoopFunc;
use std::cmp::Reverse;

/// Orders loops by strides (see the module docs).
pub fn order_loops(f: &mut LoopFunc) {
    let n = f.dims.len();
    let key = |d: usize| {
        let mut out = 0usize;
        let mut inp = 0usize;
        for (k, p) in f.params.iter().enumerate() {
            let s = p.strides[d].unsigned_abs();
            if f.is_accum(k) {
                // Accumulators follow the data: a column sum walks rows.
                continue;
            }
            if p.output {
                out = out.saturating_add(s);
            } else {
                inp = inp.saturating_add(s);
            }
        }
        Reverse((out, inp))
    };
    let mut perm: Vec<usize> = (0..n).collect();
    perm.sort_by_key(|&d| key(d));
    f.dims = perm.iter().map(|&d| f.dims[d]).collect();
    for p in &mut f.params {
        p.strides = perm.iter().map(|&d| p.strides[d]).collect();
    }
    for i in &mut f.body {
        i.level = n;
    }
}
