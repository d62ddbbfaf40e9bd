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

mod decide;
mod fuser;
mod text;

use decide::*;
use fuser::*;

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
