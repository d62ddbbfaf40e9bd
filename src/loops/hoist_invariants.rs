//! `hoist-invariants`: computes each instruction at the outermost loop depth
//! where its inputs are available. A constant, or a load whose pointer moves
//! in no loop (a broadcast scalar), is computed once per call (level 0) and,
//! in vector code, splatted once; a load whose pointer moves only in outer
//! loops (a broadcast row `c[:, None]`) is computed once per outer iteration.
//!
//! Requires the final loop order (run after `collapse-dims` and
//! `order-loops`, which reset levels). Guarantees levels satisfy `verify`:
//! nothing moves above its operands or above a loop that moves its pointer;
//! stores stay innermost. Tests: `ir/hoist-invariants/*.ir`.

use super::{LOp, LoopFunc};

/// Sets instruction levels (see the module docs).
pub fn hoist_invariants(f: &mut LoopFunc) {
    let n = f.ndims();
    for v in 0..f.body.len() {
        let level = match f.body[v].op {
            LOp::Store(..) | LOp::Accum(..) | LOp::ArgAccum { .. } => n,
            LOp::Const(_) => 0,
            LOp::Load(p) | LOp::Index(p) => f.params[p].strides.iter().rposition(|&s| s != 0).map_or(0, |d| d + 1),
            ref op => LoopFunc::args(op).iter().map(|&a| f.body[a].level).max().unwrap_or(0),
        };
        f.body[v].level = level;
    }
}
