//! `tile`: blocks the two innermost loops when the operands walk memory in
//! different orders — `a + a.T`, `a.T * b`, a Fortran-order input added to
//! a C-order one. After `order-loops` the outputs are walked contiguously
//! and such an operand steps by a whole row per inner iteration, so each of
//! its cache lines is fetched once per row of the output and evicted before
//! its neighbours are used: a square of rows × columns touches `T²` of
//! them. Cutting both loops into `T`-long pieces and walking a `T × T`
//! tile at a time keeps the tile's lines of every operand in cache.
//!
//! The nest `[.., m, n]` becomes `[.., m/T, n/T, T, T]`: the block loops
//! step by `T` times the original strides, the in-tile loops by the
//! original strides, so the iteration points (and the element each param
//! addresses at each) are the same — only their order changes, which does
//! not change results in a kernel without reductions (every element is
//! written once, and outputs never partially overlap inputs). `T` divides
//! both extents (the nest stays rectangular; extents without such a
//! divisor are left alone).
//!
//! Requires a verified function after `order-loops` and `collapse-dims`,
//! with every instruction innermost (run before `hoist-invariants`).
//! Guarantees the same iteration points, a verified function, every
//! instruction innermost. Skips kernels that fold (`accum`, `argmin`,
//! `index`: their order is part of their result), nests whose inner loops
//! are short (below [`MIN_EXTENT`]) and those where no input crosses the
//! walk order. Tests: `ir/tile/*.ir`.

use super::{LOp, LoopFunc};

/// Inner extents below this are not tiled (the whole square fits in cache).
pub const MIN_EXTENT: usize = 256;

/// Tile sizes tried, best first: whole vectors, a tile of every operand
/// in L1 (`T² × 8` bytes = 12.5–32 KiB for f64).
const SIZES: [usize; 8] = [48, 40, 56, 32, 64, 24, 72, 80];

/// Blocks the two innermost loops (see the module docs).
pub fn tile(f: &mut LoopFunc) {
    let n = f.dims.len();
    if n < 2 {
        return;
    }
    let folds = f
        .body
        .iter()
        .any(|i| matches!(i.op, LOp::Accum(..) | LOp::ArgAccum { .. } | LOp::Index(_)));
    if folds {
        return;
    }
    let (a, b) = (n - 2, n - 1);
    let (ea, eb) = (f.dims[a], f.dims[b]);
    if ea < MIN_EXTENT || eb < MIN_EXTENT {
        return;
    }
    // An input that steps further along the inner loop than along the
    // outer one walks across the order the outputs are written in.
    let crosses = f.params.iter().any(|p| {
        let (sa, sb) = (p.strides[a].unsigned_abs(), p.strides[b].unsigned_abs());
        !p.output && sa != 0 && sb > sa
    });
    if !crosses {
        return;
    }
    let Some(t) = SIZES.iter().copied().find(|&t| ea % t == 0 && eb % t == 0) else {
        return;
    };
    let mut dims = f.dims[..a].to_vec();
    dims.extend([ea / t, eb / t, t, t]);
    f.dims = dims;
    for p in &mut f.params {
        let (sa, sb) = (p.strides[a], p.strides[b]);
        p.strides.truncate(a);
        // (No overflow: `T * s` addresses an element of the array.)
        p.strides.extend([sa * t as isize, sb * t as isize, sa, sb]);
    }
    for i in &mut f.body {
        i.level = n + 2;
    }
}
