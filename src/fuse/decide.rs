//! What fusion decides per node: kernel boundaries, which reductions fuse,
//! each operand's affine access map, and which values must be
//! materialized (the depth bound, partly read integer powers).

use super::*;

/// Whether an op is a kernel boundary (evaluated outside kernels).
pub(super) fn is_boundary(g: &Graph, id: NodeId) -> bool {
    let n = g.node(id);
    match &n.op {
        Op::Reduce { .. } => false,
        Op::Reshape(to) => !reshape_is_affine(&g.node(n.args[0]).shape, to),
        _ => false,
    }
}

/// A reduction that fuses into the kernel computing its operand.
pub(super) fn is_fused_reduce(g: &Graph, id: NodeId) -> bool {
    matches!(&g.node(id).op, Op::Reduce { .. })
}

/// The iteration space of a kernel rooted at `id`: a reduction iterates
/// over its operand.
pub(super) fn iter_shape(g: &Graph, id: NodeId) -> &[usize] {
    if is_fused_reduce(g, id) {
        &g.node(g.node(id).args[0]).shape
    } else {
        &g.node(id).shape
    }
}

/// A reshape that only inserts or removes length-1 axes.
pub(super) fn reshape_is_affine(from: &[usize], to: &[usize]) -> bool {
    let a: Vec<usize> = from.iter().copied().filter(|&d| d != 1).collect();
    let b: Vec<usize> = to.iter().copied().filter(|&d| d != 1).collect();
    a == b
}

/// The map from a node's index space to its operand's, for views and for
/// broadcasting of element-wise operands.
pub(super) fn operand_map(g: &Graph, id: NodeId, pos: usize) -> Affine {
    let n = g.node(id);
    let a = g.node(n.args[pos]);
    let (r, q) = (n.shape.len(), a.shape.len());
    let unit = |k: usize| -> Vec<isize> { (0..r).map(|d| (d == k) as isize).collect() };
    let zero = || vec![0isize; r];
    let bcast = |to: &[usize]| Affine {
        rows: (0..q)
            .map(|l| {
                let lead = to.len() - q;
                AffineRow {
                    off: 0,
                    coef: if a.shape[l] == 1 { zero() } else { unit(lead + l) },
                }
            })
            .collect(),
    };
    match &n.op {
        Op::Broadcast(to) => bcast(to),
        Op::Permute(p) => {
            let mut rows = vec![AffineRow { off: 0, coef: zero() }; q];
            for (i, &ax) in p.iter().enumerate() {
                rows[ax].coef = unit(i);
            }
            Affine { rows }
        }
        Op::Index(ix) => Affine {
            rows: (0..q)
                .map(|l| {
                    let st: Vec<isize> = (0..q).map(|m| (m == l) as isize).collect();
                    let res = apply_index(&a.shape, &st, ix).expect("index type-checked");
                    AffineRow {
                        off: res.offset,
                        coef: res.strides,
                    }
                })
                .collect(),
        },
        Op::Reshape(to) => {
            // Only length-1 axes differ (see `reshape_is_affine`).
            let outer: Vec<usize> = (0..r).filter(|&d| to[d] != 1).collect();
            let mut next = 0;
            Affine {
                rows: (0..q)
                    .map(|l| {
                        if a.shape[l] == 1 {
                            AffineRow { off: 0, coef: zero() }
                        } else {
                            next += 1;
                            AffineRow {
                                off: 0,
                                coef: unit(outer[next - 1]),
                            }
                        }
                    })
                    .collect(),
            }
        }
        _ => bcast(&n.shape),
    }
}

/// Whether the kernel computing node `id` reads every element of its
/// operand `pos` when it computes every element of `id`: not through a
/// slice or index that drops elements, nor a broadcast to an empty shape.
pub(super) fn covers_operand(g: &Graph, id: NodeId, pos: usize) -> bool {
    let n = g.node(id);
    let a = g.node(n.args[pos]);
    let size = |s: &[usize]| s.iter().product::<usize>();
    match &n.op {
        // A reduction's kernel iterates over its operand.
        Op::Reduce { .. } => true,
        Op::Index(_) => size(&n.shape) == size(&a.shape),
        _ => size(&n.shape) > 0 || size(&a.shape) == 0,
    }
}

/// NumPy computes every element of an integer `pow` and raises if any
/// exponent is negative, but a kernel computes a value only where its roots
/// read it. A signed-integer `pow` that is read only partly (`pow(a, b)[1:]`,
/// or a 0-d `pow` broadcast to an empty shape) is therefore materialized
/// (`must`): its own kernel computes all of it, so the error is raised
/// exactly when NumPy raises it. `partial[n]`: some kernel reads `n` only
/// partly; it propagates from consumers to operands, in reverse
/// topological order, until a node that is computed whole (a root).
/// The longest chain of operations one kernel computes. A deeper chain
/// (`x + 1 + 1 + …`, 20,000 terms) is cut into kernels of at most this
/// depth, each materializing its last value: one kernel of 20,000
/// operations would need megabytes of stack frame for its spill slots
/// (calls clobber every vector register) and overflow a thread's stack.
/// Materializing changes no value, so results are the same bits.
pub const MAX_KERNEL_DEPTH: u32 = 256;

/// Marks nodes to materialize so that no kernel's chain of operations is
/// deeper than [`MAX_KERNEL_DEPTH`]. Views and constants add no depth;
/// materialized nodes, inputs and boundaries start a new count.
pub(super) fn bound_kernel_depth(g: &Graph, must: &mut [bool]) {
    let mut depth = vec![0u32; g.len()];
    for id in g.ids() {
        let n = g.node(id);
        if matches!(n.op, Op::Input(_) | Op::Const(_)) || is_boundary(g, id) {
            continue;
        }
        let below = n.args.iter().map(|a| depth[a.index()]).max().unwrap_or(0);
        let d = below + u32::from(!n.op.is_view());
        if must[id.index()] || is_fused_reduce(g, id) {
            continue; // a root: its consumers start at 0
        }
        if d >= MAX_KERNEL_DEPTH && !n.op.is_view() {
            must[id.index()] = true;
        } else {
            depth[id.index()] = d;
        }
    }
}

pub(super) fn materialize_partly_read_pows(g: &Graph, must: &mut [bool]) {
    let mut partial = vec![false; g.len()];
    let ids: Vec<NodeId> = g.ids().collect();
    for &id in ids.iter().rev() {
        let n = g.node(id);
        let i = id.index();
        let int_pow = matches!(n.op, Op::Binary(BinaryOp::Pow)) && n.dtype.is_signed_int();
        if partial[i] && int_pow {
            must[i] = true;
        }
        let whole = must[i] || is_fused_reduce(g, id) || is_boundary(g, id);
        for (pos, &a) in n.args.iter().enumerate() {
            if (partial[i] && !whole) || !covers_operand(g, id, pos) {
                partial[a.index()] = true;
            }
        }
    }
}
