//! `fuse`: graph → fused kernels (the `fused` stage).
//!
//! **What it does.** Partitions a simplified [`Graph`] into a [`Program`]: a
//! list of [`Step`]s, each either a [`Kernel`] — a maximal region of
//! element-wise ops, casts, broadcasts and views, plus the reductions
//! ([`KRed`]) they feed, evaluated in one pass with no intermediate buffer —
//! or a boundary [`Step::Node`] (a reshape that is not a pure view)
//! evaluated outside kernels. A reduction's kernel iterates
//! over its operand's shape; roots with the same iteration space that share
//! computed nodes or operands run in one kernel (`mean(a)` and `std(a)` in
//! one pass over `a`).
//!
//! Views never cost a pass: every operand of a kernel is read through an
//! [`Affine`] map from the kernel's iteration index to the operand's index.
//! Views on inputs become input layouts; views on computed values are pushed
//! through the element-wise ops below them down to the inputs, composing maps
//! (`(a*b).T` reads `a.T` and `b.T`).
//!
//! **Multi-consumer rule (cost model).** A value must be *materialized* when it
//! is a graph output, an operand of a boundary node, or a signed-integer
//! `pow` that its consumers read only partly (NumPy raises for a negative
//! exponent anywhere in it; see `materialize_partly_read_pows`). Every materialized value
//! roots a kernel. Inside one kernel a node used several times under the same
//! access map is computed once (SSA sharing); under different maps (`x + x.T`
//! with `x` computed) it is recomputed per map. Roots of the same shape whose
//! regions share nodes are merged into one multi-output kernel (the shared part
//! runs once) unless one depends on the other through a boundary. A node that
//! is materialized anyway and is *expensive* (cost > [`RECOMPUTE_LIMIT`], with
//! a host function call counting [`CALL_COST`] and any other op 1) is loaded from
//! its buffer by other kernels instead of being recomputed; cheap ones are
//! recomputed, which is cheaper than a store plus a load in memory-bound code.
//!
//! **Requires** a well-typed graph (as built by [`Graph::add`]).
//! **Guarantees** every kernel's stores cover exactly its roots; steps are in
//! dependency order; `Program::parse(&p.to_string()) == p`.
//! Tests: unit tests below, `ir/fuse/*.ir` (run by `tests/filetests.rs`).

mod text;

use crate::array::layout::apply_index;
use crate::array::{DType, Scalar};
use crate::error::Result;
use crate::expr::{BinaryOp, Graph, NodeId, Op, ReduceOp, UnaryOp};
use std::collections::HashMap;

/// Above this cost, a materialized value is loaded by other kernels rather
/// than recomputed.
pub const RECOMPUTE_LIMIT: u32 = 8;
/// Cost of one op that calls a host function (the math module's
/// transcendentals, `pow`, ...).
pub const CALL_COST: u32 = 20;

/// A value of the fused program: a graph input or a temporary buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val {
    /// The k-th graph input (`%name`).
    Input(u32),
    /// The k-th temporary (`%tk`), written by one step.
    Tmp(u32),
}

/// An affine map from a kernel's iteration index `i` to an operand index:
/// `j[k] = off[k] + sum_d coef[k][d] * i[d]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Affine {
    /// One row per operand dimension.
    pub rows: Vec<AffineRow>,
}

/// One operand dimension of an [`Affine`] map.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AffineRow {
    /// Constant term.
    pub off: isize,
    /// Coefficient per iteration dimension.
    pub coef: Vec<isize>,
}

impl Affine {
    /// The identity on a rank-`r` space.
    pub fn identity(r: usize) -> Affine {
        Affine {
            rows: (0..r)
                .map(|k| AffineRow {
                    off: 0,
                    coef: (0..r).map(|d| (d == k) as isize).collect(),
                })
                .collect(),
        }
    }

    /// `inner ∘ self`: first `self` (iteration → node index), then `inner`
    /// (node index → operand index).
    pub fn then(&self, inner: &Affine, r: usize) -> Affine {
        Affine {
            rows: inner
                .rows
                .iter()
                .map(|row| {
                    let mut off = row.off;
                    let mut coef = vec![0isize; r];
                    for (k, &c) in row.coef.iter().enumerate() {
                        if c == 0 {
                            continue;
                        }
                        off += c * self.rows[k].off;
                        for (d, x) in coef.iter_mut().enumerate() {
                            *x += c * self.rows[k].coef[d];
                        }
                    }
                    AffineRow { off, coef }
                })
                .collect(),
        }
    }

    /// The element strides and offset over the iteration space of an operand
    /// laid out with `strides` (elements) and `offset`.
    pub fn layout(&self, strides: &[isize], offset: isize, rank: usize) -> (Vec<isize>, isize) {
        let mut st = vec![0isize; rank];
        let mut off = offset;
        for (row, &s) in self.rows.iter().zip(strides) {
            off += s * row.off;
            for (d, &c) in row.coef.iter().enumerate() {
                st[d] += s * c;
            }
        }
        (st, off)
    }
}

/// An operation of a kernel body. Operands are indices of earlier values.
#[derive(Clone, Debug, PartialEq)]
pub enum KOp {
    /// Read `src` at `map(i)`.
    Load {
        /// Which value is read.
        src: Val,
        /// Iteration index → operand index.
        map: Affine,
    },
    /// A constant.
    Const(Scalar),
    /// Element-wise unary op.
    Unary(UnaryOp, usize),
    /// Element-wise binary op.
    Binary(BinaryOp, usize, usize),
    /// `where(c, x, y)`.
    Where(usize, usize, usize),
    /// Conversion to the instruction's dtype.
    Cast(usize),
    /// The iteration point's index under a one-row map (`i64`): for
    /// `argmin`/`argmax`, the position along the reduced axis, or the
    /// flattened C-order position over all axes.
    Index(Affine),
}

/// One SSA value of a kernel body.
#[derive(Clone, Debug, PartialEq)]
pub struct KInst {
    /// What it computes.
    pub op: KOp,
    /// Its dtype.
    pub dtype: DType,
}

/// One fused loop: reads its loads once per iteration point, writes each
/// store once and folds each reduction's value into its accumulator.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// The iteration space.
    pub shape: Vec<usize>,
    /// SSA body, in order.
    pub body: Vec<KInst>,
    /// `(temporary, value)`: the element-wise outputs.
    pub stores: Vec<(u32, usize)>,
    /// The reductions computed in this pass.
    pub reds: Vec<KRed>,
}

/// A reduction fused into a kernel: `tmp[kept(i)] = op over the reduced
/// iteration dims of body[val]`.
///
/// `sum`/`mean` fold with `add`, `prod` with `mul`, `min`/`max` with
/// `minimum`/`maximum`, `any`/`all` with `or`/`and` on a bool value. `var`
/// and `std` use a *shifted* sum of squares: `val` is `(x - K)^2` and `aux`
/// holds `Σ (x - K)` where `K` is the operand at reduced index 0 (a
/// hoistable load), so one pass gives both sums and
/// `var = (Σd² - (Σd)²/n) / (n - ddof)` loses accuracy only in proportion to
/// `(mean - K)² / var`. The runtime finalizes `mean`, `var`, `std`.
#[derive(Clone, Debug, PartialEq)]
pub struct KRed {
    /// The result temporary (for `var`/`std`: `Σ (x - K)²` until finalized).
    pub tmp: u32,
    /// Which reduction.
    pub op: ReduceOp,
    /// Reduced iteration dims, sorted.
    pub axes: Vec<usize>,
    /// Delta degrees of freedom (`var`/`std`).
    pub ddof: u32,
    /// The value folded (already in the accumulator's dtype).
    pub val: usize,
    /// `var`/`std`: the temporary for `Σ (x - K)` and the value `x - K`.
    pub aux: Option<(u32, usize)>,
}

impl KRed {
    /// The binary op that folds values into the accumulator.
    pub fn fold_op(&self) -> BinaryOp {
        match self.op {
            ReduceOp::Prod => BinaryOp::Mul,
            ReduceOp::Min => BinaryOp::Minimum,
            ReduceOp::Max => BinaryOp::Maximum,
            ReduceOp::Any => BinaryOp::LogicalOr,
            ReduceOp::All => BinaryOp::LogicalAnd,
            _ => BinaryOp::Add,
        }
    }

    /// The map from the kernel's iteration index to the result's index
    /// (`out_rank` is the result's rank: with `keepdims` the reduced dims
    /// stay, at index 0).
    pub fn out_map(&self, rank: usize, out_rank: usize) -> Affine {
        let keep = out_rank == rank;
        let rows = (0..rank)
            .filter(|d| keep || !self.axes.contains(d))
            .map(|d| AffineRow {
                off: 0,
                coef: (0..rank)
                    .map(|e| (e == d && !self.axes.contains(&d)) as isize)
                    .collect(),
            })
            .collect();
        Affine { rows }
    }

    /// Number of elements folded into each result element.
    pub fn count(&self, shape: &[usize]) -> usize {
        self.axes.iter().map(|&a| shape[a]).product()
    }
}

/// One step of a fused program.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A fused kernel.
    Kernel(Kernel),
    /// A node evaluated outside kernels (reduction, copying reshape) on a
    /// materialized operand, writing temporary `out`.
    Node {
        /// The temporary written.
        out: u32,
        /// The graph op (`Reduce` or `Reshape`).
        op: Op,
        /// Its operand.
        arg: Val,
    },
}

/// The fused program: the `fused` stage.
#[derive(Clone, Debug)]
pub struct Program {
    /// Graph inputs: name, dtype, shape.
    pub inputs: Vec<(String, DType, Vec<usize>)>,
    /// Temporaries: dtype and shape.
    pub tmps: Vec<(DType, Vec<usize>)>,
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// The outputs.
    pub outputs: Vec<Val>,
    /// How many intermediate arrays eager evaluation would allocate that no
    /// step writes (informational; printed as a comment).
    pub eliminated: usize,
    /// For each kernel (in step order), the graph nodes it computes — for
    /// drawing fused groups as DOT clusters. Empty for a parsed program.
    pub kernel_nodes: Vec<Vec<NodeId>>,
}

impl PartialEq for Program {
    /// Equal steps and types (`eliminated` is informational and not compared).
    fn eq(&self, o: &Program) -> bool {
        self.inputs == o.inputs && self.tmps == o.tmps && self.steps == o.steps && self.outputs == o.outputs
    }
}

impl Kernel {
    /// The temporaries this kernel writes: stores, reductions, auxiliaries.
    /// The values the kernel loads.
    pub fn reads(&self) -> impl Iterator<Item = Val> + '_ {
        self.body.iter().filter_map(|i| match &i.op {
            KOp::Load { src, .. } => Some(*src),
            _ => None,
        })
    }

    pub fn writes(&self) -> Vec<u32> {
        let mut w: Vec<u32> = self.stores.iter().map(|s| s.0).collect();
        for r in &self.reds {
            w.push(r.tmp);
            if let Some((t, _)) = r.aux {
                w.push(t);
            }
        }
        w
    }
}

impl Program {
    /// Parses the `fused` text form.
    pub fn parse(text: &str) -> Result<Program> {
        text::parse_program(text)
    }

    /// The kernels, in step order.
    pub fn kernels(&self) -> impl Iterator<Item = &Kernel> {
        self.steps.iter().filter_map(|s| match s {
            Step::Kernel(k) => Some(k),
            _ => None,
        })
    }

    /// dtype and shape of a value.
    pub fn val_type(&self, v: Val) -> (DType, &[usize]) {
        match v {
            Val::Input(k) => {
                let i = &self.inputs[k as usize];
                (i.1, &i.2)
            }
            Val::Tmp(k) => {
                let t = &self.tmps[k as usize];
                (t.0, &t.1)
            }
        }
    }
}

impl std::fmt::Display for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        text::write_program(f, self)
    }
}

/// Whether an op is a kernel boundary (evaluated outside kernels).
fn is_boundary(g: &Graph, id: NodeId) -> bool {
    let n = g.node(id);
    match &n.op {
        Op::Reduce { .. } => false,
        Op::Reshape(to) => !reshape_is_affine(&g.node(n.args[0]).shape, to),
        _ => false,
    }
}

/// A reduction that fuses into the kernel computing its operand.
fn is_fused_reduce(g: &Graph, id: NodeId) -> bool {
    matches!(&g.node(id).op, Op::Reduce { .. })
}

/// The iteration space of a kernel rooted at `id`: a reduction iterates
/// over its operand.
fn iter_shape(g: &Graph, id: NodeId) -> &[usize] {
    if is_fused_reduce(g, id) {
        &g.node(g.node(id).args[0]).shape
    } else {
        &g.node(id).shape
    }
}

/// A reshape that only inserts or removes length-1 axes.
fn reshape_is_affine(from: &[usize], to: &[usize]) -> bool {
    let a: Vec<usize> = from.iter().copied().filter(|&d| d != 1).collect();
    let b: Vec<usize> = to.iter().copied().filter(|&d| d != 1).collect();
    a == b
}

/// Whether an op calls a host function in the JIT — the math module's or
/// the interpreter's escape (for the cost model).
pub fn is_call(op: &Op, dtype_in: DType) -> bool {
    match op {
        Op::Unary(u) if u.math().is_some() && dtype_in.is_float() => true,
        Op::Binary(b) if b.math().is_some() && dtype_in.is_float() => true,
        Op::Unary(u) => matches!(
            u,
            UnaryOp::Exp
                | UnaryOp::Exp2
                | UnaryOp::Expm1
                | UnaryOp::Log
                | UnaryOp::Log2
                | UnaryOp::Log10
                | UnaryOp::Log1p
                | UnaryOp::Sin
                | UnaryOp::Cos
                | UnaryOp::Tan
                | UnaryOp::Arcsin
                | UnaryOp::Arccos
                | UnaryOp::Arctan
                | UnaryOp::Sinh
                | UnaryOp::Cosh
                | UnaryOp::Tanh
                | UnaryOp::Arcsinh
                | UnaryOp::Arccosh
                | UnaryOp::Arctanh
        ),
        Op::Binary(b) => match b {
            BinaryOp::Pow | BinaryOp::Arctan2 | BinaryOp::Hypot | BinaryOp::Logaddexp | BinaryOp::Nextafter => true,
            BinaryOp::Fmod | BinaryOp::Mod | BinaryOp::FloorDiv => dtype_in.is_float(),
            _ => false,
        },
        _ => false,
    }
}

/// The map from a node's index space to its operand's, for views and for
/// broadcasting of element-wise operands.
fn operand_map(g: &Graph, id: NodeId, pos: usize) -> Affine {
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
fn covers_operand(g: &Graph, id: NodeId, pos: usize) -> bool {
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
fn bound_kernel_depth(g: &Graph, must: &mut [bool]) {
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

fn materialize_partly_read_pows(g: &Graph, must: &mut [bool]) {
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

/// Fuses a graph into kernels. See the module docs for the rules.
///
/// ```
/// use lazyfuse::internals::expr::Graph;
/// let g = Graph::parse("graph @f(%a: f64[8], %b: f64[8]) {
///     %0 = mul %a, %b : f64[8]
///     %1 = add %0, %a : f64[8]
///     return %1
/// }")?;
/// let p = lazyfuse::internals::fuse::fuse(&g)?;
/// assert_eq!(p.kernels().count(), 1);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn fuse(g: &Graph) -> Result<Program> {
    Fuser::new(g).run()
}

struct Fuser<'g> {
    g: &'g Graph,
    /// Value of a node that is read from memory (inputs, boundary results,
    /// expensive materialized values).
    val: Vec<Option<Val>>,
    tmps: Vec<(DType, Vec<usize>)>,
    /// `anc[n]`: every node `n` depends on (bitset over node ids).
    anc: Vec<Vec<u64>>,
}

impl<'g> Fuser<'g> {
    fn new(g: &'g Graph) -> Fuser<'g> {
        let n = g.len();
        let words = n.div_ceil(64).max(1);
        let mut anc = vec![vec![0u64; words]; n];
        for id in g.ids() {
            let mut set = vec![0u64; words];
            for &a in &g.node(id).args {
                set[a.index() / 64] |= 1 << (a.index() % 64);
                for (w, x) in set.iter_mut().zip(&anc[a.index()]) {
                    *w |= x;
                }
            }
            anc[id.index()] = set;
        }
        Fuser {
            g,
            val: vec![None; n],
            tmps: vec![],
            anc,
        }
    }

    fn depends(&self, n: NodeId, on: NodeId) -> bool {
        n == on || self.anc[n.index()][on.index() / 64] >> (on.index() % 64) & 1 == 1
    }

    fn new_tmp(&mut self, id: NodeId) -> u32 {
        let n = self.g.node(id);
        self.tmps.push((n.dtype, n.shape.clone()));
        self.tmps.len() as u32 - 1
    }

    /// Cost of computing `root` from the nodes that are read from memory
    /// (each path counted: a node used twice costs twice). Post-order with
    /// an explicit stack, so chains of any depth cost no recursion.
    fn cost(&self, root: NodeId, own: NodeId, memo: &mut HashMap<NodeId, u32>) -> u32 {
        let read = |id: NodeId| id != own && self.val[id.index()].is_some();
        if read(root) {
            return 0;
        }
        let mut stack = vec![(root, false)];
        while let Some((id, expanded)) = stack.pop() {
            if memo.contains_key(&id) {
                continue;
            }
            let n = self.g.node(id);
            if !expanded {
                stack.push((id, true));
                stack.extend(n.args.iter().filter(|&&a| !read(a)).map(|&a| (a, false)));
                continue;
            }
            let here = match &n.op {
                Op::Input(_) | Op::Const(_) => 0,
                op if op.is_view() => 0,
                op => {
                    let t = n.args.first().map_or(n.dtype, |&a| self.g.node(a).dtype);
                    if is_call(op, t) {
                        CALL_COST
                    } else {
                        1
                    }
                }
            };
            let c = n
                .args
                .iter()
                .fold(here, |acc, &a| acc.saturating_add(if read(a) { 0 } else { memo[&a] }));
            memo.insert(id, c);
        }
        memo[&root]
    }

    /// Nodes computed in `root`'s kernel, and the nodes it reads.
    fn region(&self, root: NodeId) -> (Vec<NodeId>, Vec<NodeId>) {
        let mut inner = vec![];
        let mut reads = vec![];
        let mut seen = vec![false; self.g.len()];
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            if id != root && self.val[id.index()].is_some() {
                reads.push(id);
                continue;
            }
            inner.push(id);
            stack.extend(self.g.node(id).args.iter().copied());
        }
        inner.sort();
        reads.sort();
        (inner, reads)
    }

    fn run(mut self) -> Result<Program> {
        let g = self.g;
        let inputs: Vec<(String, DType, Vec<usize>)> = g
            .inputs()
            .iter()
            .map(|&i| {
                let n = g.node(i);
                (g.input_name(i).expect("input").to_string(), n.dtype, n.shape.clone())
            })
            .collect();
        for (k, &i) in g.inputs().iter().enumerate() {
            self.val[i.index()] = Some(Val::Input(k as u32));
        }
        // Materialized nodes: outputs and operands of boundaries.
        let mut must = vec![false; g.len()];
        for &o in g.outputs() {
            must[o.index()] = true;
        }
        for id in g.ids() {
            if is_boundary(g, id) {
                must[g.node(id).args[0].index()] = true;
            }
        }
        materialize_partly_read_pows(g, &mut must);
        bound_kernel_depth(g, &mut must);
        // Assign temporaries in node order: boundary results, then kernel roots.
        let mut roots = vec![];
        for id in g.ids() {
            let n = g.node(id);
            if matches!(n.op, Op::Input(_)) {
                continue;
            }
            if is_boundary(g, id) {
                let t = self.new_tmp(id);
                self.val[id.index()] = Some(Val::Tmp(t));
            } else if must[id.index()] || is_fused_reduce(g, id) {
                roots.push(id);
            }
        }
        // Graph outputs that are inputs get a copy kernel.
        for &o in g.outputs() {
            if matches!(g.node(o).op, Op::Input(_)) && !roots.contains(&o) {
                roots.push(o);
            }
        }
        let mut root_tmp: HashMap<NodeId, u32> = HashMap::new();
        for &r in &roots {
            let t = self.new_tmp(r);
            root_tmp.insert(r, t);
        }
        // Reduction results are always read from memory by their users;
        // expensive roots too.
        let mut expensive = vec![];
        for &r in &roots {
            if is_fused_reduce(g, r) {
                expensive.push(r);
                continue;
            }
            if matches!(g.node(r).op, Op::Input(_)) {
                continue;
            }
            let c = self.cost(r, r, &mut HashMap::new());
            if c > RECOMPUTE_LIMIT {
                expensive.push(r);
            }
        }
        for &r in &expensive {
            self.val[r.index()] = Some(Val::Tmp(root_tmp[&r]));
        }
        // Group roots into kernels.
        struct Group {
            roots: Vec<NodeId>,
            inner: Vec<NodeId>,
            reads: Vec<NodeId>,
        }
        let mut groups: Vec<Group> = vec![];
        for &r in &roots {
            let (inner, reads) = if matches!(g.node(r).op, Op::Input(_)) {
                (vec![r], vec![r])
            } else {
                self.region(r)
            };
            // Merging must not make a kernel read what it writes.
            let conflict = |gr: &Group| {
                gr.roots.iter().any(|&q| reads.iter().any(|&s| self.depends(s, q)))
                    || gr.reads.iter().any(|&s| self.depends(s, r))
            };
            // One pass over shared work or shared operands: same iteration
            // space, and a common computed node or a common operand.
            let target = groups.iter().position(|gr| {
                iter_shape(g, gr.roots[0]) == iter_shape(g, r)
                    && (gr.inner.iter().any(|x| inner.binary_search(x).is_ok())
                        || gr.reads.iter().any(|x| reads.binary_search(x).is_ok()))
                    && !conflict(gr)
            });
            match target {
                Some(k) => {
                    let gr = &mut groups[k];
                    gr.roots.push(r);
                    gr.inner.extend(inner);
                    gr.inner.sort();
                    gr.inner.dedup();
                    gr.reads.extend(reads);
                    gr.reads.sort();
                    gr.reads.dedup();
                }
                None => groups.push(Group {
                    roots: vec![r],
                    inner,
                    reads,
                }),
            }
        }
        // Build kernel bodies.
        let mut kernels: Vec<(Kernel, Vec<NodeId>, Vec<NodeId>)> = vec![];
        for gr in &groups {
            let shape = iter_shape(g, gr.roots[0]).to_vec();
            let mut b = BodyBuilder {
                f: &self,
                body: vec![],
                memo: HashMap::new(),
                dedup: HashMap::new(),
                rank: shape.len(),
            };
            let mut stores = vec![];
            let mut reds = vec![];
            for &r in &gr.roots {
                if is_fused_reduce(g, r) {
                    reds.push(b.reduction(r, root_tmp[&r]));
                } else {
                    let v = b.inst(r, &Affine::identity(shape.len()), Some(r));
                    stores.push((root_tmp[&r], v));
                }
            }
            let body = b.body;
            kernels.push((
                Kernel {
                    shape,
                    body,
                    stores,
                    reds,
                },
                gr.reads.clone(),
                gr.inner.clone(),
            ));
        }
        // Auxiliary accumulators (var/std sums, argmin/argmax best values)
        // get temporaries after the others.
        for (k, _, _) in &mut kernels {
            for red in &mut k.reds {
                if let Some((_, v)) = red.aux {
                    let mut ty = self.tmps[red.tmp as usize].clone();
                    if red.op.single_axis() {
                        ty.0 = k.body[red.val].dtype;
                    }
                    self.tmps.push(ty);
                    red.aux = Some((self.tmps.len() as u32 - 1, v));
                }
            }
        }

        // Schedule: kernels and boundary nodes in dependency order.
        enum Pending {
            K(Kernel, Vec<NodeId>, Vec<NodeId>),
            N(NodeId),
        }
        let mut pending: Vec<(NodeId, Pending)> = vec![];
        for (k, reads, inner) in kernels {
            let key = groups_min_root(&k, &root_tmp);
            pending.push((key, Pending::K(k, reads, inner)));
        }
        for id in g.ids() {
            if is_boundary(g, id) {
                pending.push((id, Pending::N(id)));
            }
        }
        pending.sort_by_key(|p| p.0);
        let mut ready = vec![false; self.tmps.len()];
        let mut steps = vec![];
        let mut kernel_nodes = vec![];
        let tmp_of = |s: &Self, id: NodeId| -> Option<u32> {
            match s.val[id.index()] {
                Some(Val::Tmp(t)) => Some(t),
                Some(Val::Input(_)) => None,
                None => root_tmp.get(&id).copied(),
            }
        };
        while !pending.is_empty() {
            let pos = pending
                .iter()
                .position(|(_, p)| match p {
                    Pending::K(_, reads, _) => reads
                        .iter()
                        .all(|&s| tmp_of(&self, s).is_none_or(|t| ready[t as usize])),
                    Pending::N(id) => {
                        let a = g.node(*id).args[0];
                        tmp_of(&self, a).is_none_or(|t| ready[t as usize]) || matches!(g.node(a).op, Op::Input(_))
                    }
                })
                .expect("fusion groups form a DAG");
            let (_, p) = pending.remove(pos);
            match p {
                Pending::K(k, _, inner) => {
                    for t in k.writes() {
                        if let Some(r) = ready.get_mut(t as usize) {
                            *r = true;
                        }
                    }
                    steps.push(Step::Kernel(k));
                    kernel_nodes.push(inner);
                }
                Pending::N(id) => {
                    let n = g.node(id);
                    let a = n.args[0];
                    let arg = match g.node(a).op {
                        Op::Input(_) => self.val[a.index()].expect("input"),
                        _ => Val::Tmp(tmp_of(&self, a).expect("materialized operand")),
                    };
                    let out = tmp_of(&self, id).expect("boundary tmp");
                    ready[out as usize] = true;
                    steps.push(Step::Node {
                        out,
                        op: n.op.clone(),
                        arg,
                    });
                }
            }
        }
        let outputs = g
            .outputs()
            .iter()
            .map(|&o| match root_tmp.get(&o) {
                Some(&t) => Val::Tmp(t),
                None => self.val[o.index()].expect("output value"),
            })
            .collect();
        let computed = g
            .ids()
            .filter(|&id| !matches!(g.node(id).op, Op::Input(_) | Op::Const(_)))
            .count();
        let eliminated = computed.saturating_sub(self.tmps.len());
        Ok(Program {
            inputs,
            tmps: self.tmps,
            steps,
            outputs,
            eliminated,
            kernel_nodes,
        })
    }
}

fn groups_min_root(k: &Kernel, root_tmp: &HashMap<NodeId, u32>) -> NodeId {
    let tmps: Vec<u32> = k.writes();
    root_tmp
        .iter()
        .filter(|(_, t)| tmps.contains(t))
        .map(|(&n, _)| n)
        .max()
        .expect("kernel has a root")
}

struct BodyBuilder<'a, 'g> {
    f: &'a Fuser<'g>,
    body: Vec<KInst>,
    memo: HashMap<(NodeId, Affine), usize>,
    dedup: HashMap<String, usize>,
    rank: usize,
}

impl BodyBuilder<'_, '_> {
    /// The body of reduction root `r` (writing `tmp`); the temporary of a
    /// `var`/`std` auxiliary sum is assigned later.
    fn reduction(&mut self, r: NodeId, tmp: u32) -> KRed {
        let g = self.f.g;
        let n = g.node(r);
        let Op::Reduce { op, axes, ddof, .. } = &n.op else {
            unreachable!("a reduction root")
        };
        let arg = n.args[0];
        let at = g.node(arg).dtype;
        let rank = self.rank;
        let x = self.inst(arg, &Affine::identity(rank), None);
        let rd = n.dtype;
        let mut aux = None;
        if op.single_axis() {
            // argmin/argmax: the value as it is, and its index along the
            // one reduced axis, or C-order over all axes (`axes` empty:
            // flattened). The best value goes to an aux temporary.
            let shape = &g.node(arg).shape;
            let all: Vec<usize> = (0..rank).collect();
            let red: Vec<usize> = if axes.is_empty() { all } else { axes.clone() };
            let mut coef = vec![0isize; rank];
            let mut w = 1isize;
            for &a in red.iter().rev() {
                coef[a] = w;
                w *= shape[a] as isize;
            }
            let map = Affine {
                rows: vec![AffineRow { off: 0, coef }],
            };
            let i = self.push(KOp::Index(map), DType::I64);
            return KRed {
                tmp,
                op: *op,
                axes: red,
                ddof: 0,
                val: x,
                aux: Some((u32::MAX, i)),
            };
        }
        let val = match op {
            ReduceOp::Any | ReduceOp::All if at == DType::Bool => x,
            ReduceOp::Any | ReduceOp::All => {
                let z = self.push(KOp::Const(Scalar::zero(at)), at);
                self.push(KOp::Binary(BinaryOp::Ne, x, z), DType::Bool)
            }
            ReduceOp::Var | ReduceOp::Std => {
                // K: the operand at reduced index 0.
                let mut m = Affine::identity(rank);
                for &a in axes {
                    m.rows[a].coef[a] = 0;
                }
                let k = self.inst(arg, &m, None);
                let (xc, kc) = if at == rd {
                    (x, k)
                } else {
                    (self.push(KOp::Cast(x), rd), self.push(KOp::Cast(k), rd))
                };
                let d = self.push(KOp::Binary(BinaryOp::Sub, xc, kc), rd);
                aux = Some(d);
                self.push(KOp::Binary(BinaryOp::Mul, d, d), rd)
            }
            _ if at == rd => x,
            _ => self.push(KOp::Cast(x), rd),
        };
        KRed {
            tmp,
            op: *op,
            axes: axes.clone(),
            ddof: *ddof,
            val,
            aux: aux.map(|d| (u32::MAX, d)),
        }
    }

    fn push(&mut self, op: KOp, dtype: DType) -> usize {
        let key = format!("{op:?}:{dtype}");
        if let Some(&v) = self.dedup.get(&key) {
            return v;
        }
        self.body.push(KInst { op, dtype });
        self.dedup.insert(key, self.body.len() - 1);
        self.body.len() - 1
    }

    /// The SSA value of node `root` read at `map(i)`. Operands are built
    /// first, in order, depth first — with an explicit stack (`Frame`s and
    /// a stack of finished values), so chains of any depth cost no
    /// recursion.
    fn inst(&mut self, root: NodeId, map: &Affine, own: Option<NodeId>) -> usize {
        struct Frame {
            id: NodeId,
            map: Affine,
            own: Option<NodeId>,
            expanded: bool,
        }
        let g = self.f.g;
        let mut stack = vec![Frame {
            id: root,
            map: map.clone(),
            own,
            expanded: false,
        }];
        let mut vals: Vec<usize> = vec![];
        while let Some(fr) = stack.pop() {
            let n = g.node(fr.id);
            if !fr.expanded {
                if let Some(&v) = self.memo.get(&(fr.id, fr.map.clone())) {
                    vals.push(v);
                    continue;
                }
                let v = match (&n.op, self.f.val[fr.id.index()]) {
                    (_, Some(src)) if fr.own != Some(fr.id) || matches!(n.op, Op::Input(_)) => self.push(
                        KOp::Load {
                            src,
                            map: fr.map.clone(),
                        },
                        n.dtype,
                    ),
                    (Op::Const(c), _) => self.push(KOp::Const(*c), n.dtype),
                    _ => {
                        let kids: Vec<Frame> = (0..n.args.len())
                            .rev()
                            .map(|p| Frame {
                                id: n.args[p],
                                map: fr.map.then(&operand_map(g, fr.id, p), self.rank),
                                own: None,
                                expanded: false,
                            })
                            .collect();
                        stack.push(Frame { expanded: true, ..fr });
                        stack.extend(kids);
                        continue;
                    }
                };
                self.memo.insert((fr.id, fr.map), v);
                vals.push(v);
                continue;
            }
            let args = vals.split_off(vals.len() - n.args.len());
            let v = match &n.op {
                Op::Unary(u) => self.push(KOp::Unary(*u, args[0]), n.dtype),
                Op::Binary(b) => self.push(KOp::Binary(*b, args[0], args[1]), n.dtype),
                Op::Where => self.push(KOp::Where(args[0], args[1], args[2]), n.dtype),
                Op::Cast(_) => self.push(KOp::Cast(args[0]), n.dtype),
                // Views compute nothing: the operand under the composed map.
                op if op.is_view() => args[0],
                op => unreachable!("{op:?} is not fusable"),
            };
            self.memo.insert((fr.id, fr.map), v);
            vals.push(v);
        }
        debug_assert_eq!(vals.len(), 1);
        vals[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fused(text: &str) -> Program {
        let g = Graph::parse(text).unwrap();
        let p = fuse(&g).unwrap();
        let printed = p.to_string();
        assert_eq!(Program::parse(&printed).unwrap(), p, "{printed}");
        p
    }

    #[test]
    fn chain_is_one_kernel() {
        let p = fused(
            "graph @f(%a: f64[4], %b: f64[4]) {
                %0 = const 2.0 : f64[]
                %1 = mul %0, %a : f64[4]
                %2 = add %1, %b : f64[4]
                return %2
            }",
        );
        assert_eq!(p.steps.len(), 1);
        assert_eq!(p.eliminated, 1);
    }

    #[test]
    fn views_push_through() {
        let p = fused(
            "graph @f(%a: f64[3, 4], %b: f64[3, 4]) {
                %0 = mul %a, %b : f64[3, 4]
                %1 = permute %0, [1, 0] : f64[4, 3]
                %2 = index %1, [::-1, 1:3] : f64[4, 2]
                return %2
            }",
        );
        let k = p.kernels().next().unwrap();
        match &k.body[0].op {
            KOp::Load { map, .. } => {
                // a[1 + i1, 3 - i0]
                assert_eq!(map.rows[0].off, 1);
                assert_eq!(map.rows[0].coef, vec![0, 1]);
                assert_eq!(map.rows[1].off, 3);
                assert_eq!(map.rows[1].coef, vec![-1, 0]);
            }
            op => panic!("{op:?}"),
        }
    }

    #[test]
    fn reduction_result_feeds_a_second_kernel() {
        let p = fused(
            "graph @f(%a: f64[4]) {
                %0 = mean %a, axes=[0] : f64[]
                %1 = sub %a, %0 : f64[4]
                %2 = mul %1, %1 : f64[4]
                return %2
            }",
        );
        assert_eq!(p.steps.len(), 2);
        assert!(matches!(&p.steps[0], Step::Kernel(k) if k.reds.len() == 1 && k.stores.is_empty()));
    }

    #[test]
    fn arg_reductions_fuse_with_their_operand() {
        let p = fused(
            "graph @f(%a: f64[4, 3]) {
                %0 = exp %a : f64[4, 3]
                %1 = argmax %0, axes=[1] : i64[4]
                %2 = argmin %a : i64[]
                return %1, %2
            }",
        );
        // One kernel, no temporary for exp(a): the index is computed in it.
        assert_eq!(p.steps.len(), 1);
        let Step::Kernel(k) = &p.steps[0] else {
            panic!("a kernel")
        };
        assert_eq!(k.reds.len(), 2);
        assert!(k.reds.iter().all(|r| r.aux.is_some()));
        // argmin over all axes indexes in C order: i0*3 + i1.
        let flat = k.reds.iter().find(|r| r.op == ReduceOp::ArgMin).expect("argmin");
        let (_, iv) = flat.aux.expect("aux");
        assert!(matches!(&k.body[iv].op, KOp::Index(m) if m.rows[0].coef == vec![3, 1]));
        assert_eq!(Program::parse(&p.to_string()).expect("parses"), p);
    }

    #[test]
    fn shared_roots_merge() {
        let p = fused(
            "graph @f(%a: f64[4]) {
                %0 = exp %a : f64[4]
                %1 = sum %0, axes=[0] : f64[]
                %2 = neg %0 : f64[4]
                return %1, %2
            }",
        );
        // One pass: exp is computed once, summed and negated.
        assert_eq!(p.kernels().count(), 1);
        let k = p.kernels().next().unwrap();
        assert_eq!((k.stores.len(), k.reds.len()), (1, 1));
    }
}
