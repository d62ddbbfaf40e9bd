//! `tile`: blocks the two innermost loops when the operands walk memory in
//! different orders — `a + a.T`, `a.T * b`, a Fortran-order input added to
//! a C-order one. After `order-loops` the outputs are walked contiguously
//! and such an operand steps by a whole row per inner iteration: each of
//! its cache lines (holding the elements of several consecutive output
//! rows) is fetched for one output row and, over a long row, evicted
//! before the next rows use it; each element also sits on its own page, so
//! a long row also walks more pages than the TLB holds.
//!
//! Cutting the nest into tiles of `R` rows × `C` columns fixes both: within
//! a tile the crossing operand touches `C` lines (and pages), reused by the
//! `R` rows. `R` is a cache line's worth of the crossing operand's elements
//! (8 for f64, 16 for f32) where it divides the extent, so every fetched
//! line is used whole; `C` is about 256 (16 KiB of lines, in L1, and well
//! within the second-level TLB), long enough that the inner loop's setup
//! and remainder are small against its body. (Square 40 × 40 tiles, tried
//! first, ran 10–20 % slower on an AMD EPYC: five times as many short inner
//! loops.)
//!
//! The nest `[.., m, n]` becomes `[.., m/R, n/C, R, C]`: the block loops
//! step by `R` and `C` times the original strides, the in-tile loops by the
//! original strides, so the iteration points (and the element each param
//! addresses at each) are the same — only their order changes, which does
//! not change results in a kernel without reductions (every element is
//! written once, and outputs never partially overlap inputs). `R` and `C`
//! divide their extents (the nest stays rectangular; extents without such
//! divisors are left alone).
//!
//! Requires a verified function after `order-loops` and `collapse-dims`,
//! with every instruction innermost (run before `hoist-invariants`).
//! Guarantees the same iteration points, a verified function, every
//! instruction innermost. Skips kernels that fold (`accum`, `argmin`,
//! `index`: their order is part of their result), nests whose inner loops
//! are short (below [`MIN_EXTENT`]) and those where no input crosses the
//! walk order. Tests: `ir/tile/*.ir`.

use super::{LOp, LoopFunc};

/// Extents below this are not tiled (a whole row of lines fits in L1).
pub const MIN_EXTENT: usize = 256;

/// Tile rows tried after a cache line's worth (and twice that), best first.
const ROWS: [usize; 9] = [12, 10, 24, 20, 32, 40, 48, 6, 4];

/// Tile columns tried, best first: about 256.
const COLS: [usize; 16] = [
    256, 240, 250, 200, 320, 300, 192, 400, 160, 384, 500, 128, 120, 100, 96, 64,
];

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
    let crossing = f.params.iter().filter(|p| {
        let (sa, sb) = (p.strides[a].unsigned_abs(), p.strides[b].unsigned_abs());
        !p.output && sa != 0 && sb > sa
    });
    let Some(size) = crossing.map(|p| p.dtype.size()).max() else {
        return;
    };
    let line = 64 / size;
    let Some(r) = [line, 2 * line].iter().chain(&ROWS).copied().find(|&r| ea % r == 0) else {
        return;
    };
    let Some(c) = COLS.iter().copied().find(|&c| c <= eb && eb % c == 0) else {
        return;
    };
    let mut dims = f.dims[..a].to_vec();
    dims.extend([ea / r, eb / c, r, c]);
    f.dims = dims;
    for p in &mut f.params {
        let (sa, sb) = (p.strides[a], p.strides[b]);
        p.strides.truncate(a);
        // (No overflow: `R * s` and `C * s` address elements of the array.)
        p.strides.extend([sa * r as isize, sb * c as isize, sa, sb]);
    }
    for i in &mut f.body {
        i.level = n + 2;
    }
}
