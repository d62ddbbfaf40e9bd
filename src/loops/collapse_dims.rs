//! `collapse-dims`: removes length-1 loops and merges adjacent loops that
//! every param walks contiguously (`strides[d] == strides[d+1] * dims[d+1]`),
//! so a C-contiguous `[1000, 1000]` kernel becomes one loop of 10^6.
//!
//! Requires a verified function; resets every level to innermost (run it
//! before `hoist-invariants`). Guarantees the same iteration points in the
//! same memory order; an empty iteration space becomes `dims [0]`.
//! Tests: `ir/collapse-dims/*.ir`.

use super::LoopFunc;

/// Collapses loops (see the module docs).
pub fn collapse_dims(f: &mut LoopFunc) {
    if f.dims.contains(&0) {
        f.dims = vec![0];
        for p in &mut f.params {
            p.strides = vec![0];
        }
    } else {
        // Drop length-1 loops (keep one).
        let keep: Vec<usize> = (0..f.dims.len()).filter(|&d| f.dims[d] != 1).collect();
        let keep = if keep.is_empty() { vec![f.dims.len() - 1] } else { keep };
        f.dims = keep.iter().map(|&d| f.dims[d]).collect();
        for p in &mut f.params {
            p.strides = keep.iter().map(|&d| p.strides[d]).collect();
        }
        // Merge inner neighbours, innermost first.
        let mut d = f.dims.len();
        while d >= 2 {
            d -= 1;
            let outer = d - 1;
            let mergeable = f
                .params
                .iter()
                .all(|p| p.strides[outer] == p.strides[d] * f.dims[d] as isize);
            if mergeable {
                f.dims[d] *= f.dims[outer];
                f.dims.remove(outer);
                for p in &mut f.params {
                    p.strides.remove(outer);
                }
            }
        }
    }
    let n = f.dims.len();
    for i in &mut f.body {
        i.level = n;
    }
}
