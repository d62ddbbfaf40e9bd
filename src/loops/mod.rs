//! The loop IR (the `loop` stage): one fused kernel as a loop nest over a
//! straight-line element body, with concrete extents and element strides.
//!
//! A [`LoopFunc`] has parameters (one pointer per operand access, with one
//! element stride per loop), a loop nest `dims` (outermost first), a body of
//! SSA instructions [`Inst`] evaluated at every iteration point, and the
//! vector width and unroll factor chosen by the passes. Each instruction has
//! a `level`: the loop depth it is computed at (`dims.len()` = innermost,
//! `0` = once per call), set by [`hoist_invariants()`].
//!
//! Text form (prints and parses back, `parse(print(f)) == f`):
//!
//! ```text
//! loop @k0(%a: f64, %b: f64, %t0: f64 out) {
//!     dims [1000]
//!     strides %a [1], %b [1], %t0 [1]
//!     vector 2 unroll 4 interleave
//!     v0 = const 2.0 : f64 hoist 0
//!     v1 = load %a : f64
//!     v2 = mul v0, v1 : f64
//!     store %t0, v2
//! }
//! ```
//!
//! A reduction folds a value into an accumulator param with stride 0 along
//! the reduced loops: `accum add %t1, v2`.
//!
//! The last passes record code-generation decisions that the JIT carries
//! out ([`Sched`]): `interleave` and `fma_sums N` on the `vector` line,
//! `outline`, `outline direct` and `outline sincos vN` after an
//! instruction. They are part of the text (and of [`LoopFunc::key`]), so
//! `ir/outline`, `ir/balance-pipes` and `ir/interleave` filetests show
//! them, and `verify` accepts only decisions a pass could have made.
//!
//! Stages around it: [`lower::lower`] builds it from a [`crate::fuse::Kernel`]
//! and concrete layouts; the passes (one file each, `pub fn pass(f: &mut
//! LoopFunc)`) are sequenced by [`PASSES`]; [`crate::jit`] compiles it. The
//! JIT specialises only on the *layout class* of strides (zero, one, other)
//! — see [`LoopFunc::key`] — and reads extents and strides at run time.
//! Tests: `ir/lower`, `ir/<pass>` filetests and the unit tests here.

mod balance_pipes;
mod collapse_dims;
mod hoist_invariants;
mod interleave;
pub mod lower;
mod order_loops;
pub mod outline;
mod parse;
mod print;
mod tile;
mod unroll;
mod vectorize;
mod verify;

pub use collapse_dims::collapse_dims;
pub use hoist_invariants::hoist_invariants;
pub use lower::{lower, Binding};
pub use order_loops::order_loops;
pub use unroll::unroll;
pub use vectorize::{vector_lanes, vectorize};
pub use verify::verify;

use crate::array::{DType, Scalar};
use crate::error::Result;
use crate::expr::{BinaryOp, UnaryOp};

/// A value of the body (`v3`): an index into [`LoopFunc::body`].
pub type VarId = usize;

/// A pointer parameter: one operand access.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// Name in the text form (`%a`, `%a.1`, `%t0`).
    pub name: String,
    /// Element type.
    pub dtype: DType,
    /// Written (an output) rather than read.
    pub output: bool,
    /// Element stride per loop (same length as `dims`).
    pub strides: Vec<isize>,
}

/// A body operation.
#[derive(Clone, Debug, PartialEq)]
pub enum LOp {
    /// Read param `p` at the current point.
    Load(usize),
    /// A constant.
    Const(Scalar),
    /// Element-wise unary op.
    Unary(UnaryOp, VarId),
    /// Element-wise binary op.
    Binary(BinaryOp, VarId, VarId),
    /// `c ? x : y`.
    Select(VarId, VarId, VarId),
    /// Conversion to the instruction's type.
    Cast(VarId),
    /// Write param `p` at the current point.
    Store(usize, VarId),
    /// Fold a value into accumulator param `p` at the current point:
    /// `p = op(p, v)` (`p` has stride 0 along the reduced loops; the
    /// runtime fills it with `op`'s identity first).
    Accum(usize, BinaryOp, VarId),
    /// The iteration point's index through param `p` (an `i64` param bound
    /// to no buffer: its strides are the index's weights per loop, its
    /// offset the index at iteration point zero). For `argmin`/`argmax`.
    Index(usize),
    /// `argmin` (`min`) or `argmax`: folds the pair (value `v`, index `i`)
    /// into accumulator params `index_out` (`i64`, filled with -1: none
    /// yet) and `value_out` (the value's dtype). The first extreme wins; a
    /// NaN wins over numbers, the first NaN over later ones — NumPy's rule,
    /// which is associative, so any grouping gives the same pair.
    ArgAccum {
        /// `argmin` rather than `argmax`.
        min: bool,
        /// The index accumulator (the result).
        index_out: usize,
        /// The value accumulator (scratch for the best value so far).
        value_out: usize,
        /// The value.
        v: VarId,
        /// Its index.
        i: VarId,
    },
}

/// One body instruction.
#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    /// The operation.
    pub op: LOp,
    /// Result type (for stores: the stored type).
    pub ty: DType,
    /// Loop depth where it is computed (`dims.len()`: innermost).
    pub level: usize,
}

/// A kernel as a loop nest.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopFunc {
    /// `k0`, …
    pub name: String,
    /// Pointer parameters.
    pub params: Vec<Param>,
    /// Loop extents, outermost first (at least one loop).
    pub dims: Vec<usize>,
    /// SSA body.
    pub body: Vec<Inst>,
    /// Lanes per vector in the innermost loop (1: scalar).
    pub vector: usize,
    /// Vectors (or scalars) in flight per innermost iteration.
    pub unroll: usize,
    /// Code-generation decisions of the last passes (`outline`,
    /// `balance-pipes`, `interleave`), which the JIT carries out.
    pub sched: Sched,
}

/// Bytes in a vector register of the code the JIT emits (Cranelift's
/// x86-64 vectors are 128-bit): a vector of dtype `d` has
/// `VECTOR_BYTES / d.size()` lanes.
pub const VECTOR_BYTES: usize = 16;

/// The code-generation decisions the last loop passes record and the JIT
/// carries out; printed on the `vector` line (`interleave`, `fma_sums N`)
/// and after instructions (`outline`, `direct`, `sincos vN`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sched {
    /// Set by `outline`: the ops run on block helpers, if any.
    pub outline: Option<outline::Outline>,
    /// Set by `balance-pipes`: float-sum additions per main-loop iteration
    /// done as `fma(x, 1, s)` on the multiply-add pipes.
    pub fma_sums: usize,
    /// Set by `interleave`: the unroll slots of the vector main loop may
    /// be interleaved instruction by instruction after optimisation.
    pub interleave: bool,
}

/// Stride class the JIT specialises on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrideClass {
    /// Stride 0: broadcast, loop-invariant.
    Zero,
    /// Stride 1: contiguous.
    Unit,
    /// Anything else (read at run time).
    Other,
}

impl StrideClass {
    /// The class of a stride.
    pub fn of(s: isize) -> StrideClass {
        match s {
            0 => StrideClass::Zero,
            1 => StrideClass::Unit,
            _ => StrideClass::Other,
        }
    }
}

/// The structure of a [`LoopFunc`] that compiled code depends on: ops,
/// dtypes, stride classes, vector width — not extents, strides or pointers.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    body: Vec<Inst>,
    params: Vec<(DType, bool, Vec<StrideClass>)>,
    vector: usize,
    unroll: usize,
    sched: Sched,
}

impl Eq for Key {}
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for i in &self.body {
            std::mem::discriminant(&i.op).hash(h);
            match &i.op {
                LOp::Load(p) => p.hash(h),
                LOp::Const(c) => c.hash(h),
                LOp::Unary(u, a) => (u, a).hash(h),
                LOp::Binary(b, x, y) => (b, x, y).hash(h),
                LOp::Select(c, x, y) => (c, x, y).hash(h),
                LOp::Cast(a) => a.hash(h),
                LOp::Store(p, v) => (p, v).hash(h),
                LOp::Accum(p, b, v) => (p, b, v).hash(h),
                LOp::Index(p) => p.hash(h),
                LOp::ArgAccum {
                    min,
                    index_out,
                    value_out,
                    v,
                    i,
                } => (min, index_out, value_out, v, i).hash(h),
            }
            (i.ty, i.level).hash(h);
        }
        self.params.hash(h);
        (self.vector, self.unroll, &self.sched).hash(h);
    }
}

impl LoopFunc {
    /// Number of loops.
    pub fn ndims(&self) -> usize {
        self.dims.len()
    }

    /// The cache key (see [`Key`]).
    pub fn key(&self) -> Key {
        Key {
            body: self.body.clone(),
            params: self
                .params
                .iter()
                .map(|p| {
                    (
                        p.dtype,
                        p.output,
                        p.strides.iter().map(|&s| StrideClass::of(s)).collect(),
                    )
                })
                .collect(),
            vector: self.vector,
            unroll: self.unroll,
            sched: self.sched.clone(),
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<LoopFunc> {
        parse::parse_loop(text)
    }

    /// Whether param `p` is an accumulator (the target of an `accum`).
    pub fn is_accum(&self, p: usize) -> bool {
        self.body.iter().any(|i| match i.op {
            LOp::Accum(q, ..) => q == p,
            LOp::ArgAccum {
                index_out, value_out, ..
            } => index_out == p || value_out == p,
            _ => false,
        })
    }

    /// Operands of an instruction.
    pub fn args(op: &LOp) -> Vec<VarId> {
        match *op {
            LOp::Load(_) | LOp::Const(_) | LOp::Index(_) => vec![],
            LOp::ArgAccum { v, i, .. } => vec![v, i],
            LOp::Unary(_, a) | LOp::Cast(a) | LOp::Store(_, a) | LOp::Accum(_, _, a) => vec![a],
            LOp::Binary(_, a, b) => vec![a, b],
            LOp::Select(c, a, b) => vec![c, a, b],
        }
    }
}

impl std::fmt::Display for LoopFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        print::write_loop(f, self)
    }
}

/// A loop pass.
pub type Pass = fn(&mut LoopFunc);

/// The loop passes in order, by name (the name is the `ir/` folder and the
/// filetest header). `crate::pipeline` may own this list; it stays flat.
pub const PASSES: &[(&str, Pass)] = &[
    ("collapse-dims", collapse_dims),
    ("order-loops", order_loops),
    ("collapse-dims", collapse_dims),
    ("tile", tile::tile),
    ("vectorize", vectorize),
    ("unroll", unroll),
    ("hoist-invariants", hoist_invariants),
    ("outline", outline::outline),
    ("balance-pipes", balance_pipes::balance_pipes),
    ("interleave", interleave::interleave),
];

/// Looks a pass up by name.
pub fn pass_by_name(name: &str) -> Option<Pass> {
    PASSES.iter().find(|p| p.0 == name).map(|p| p.1)
}

/// Runs [`PASSES`] in order, verifying after each in debug builds.
pub fn optimize(f: &mut LoopFunc) {
    for (name, pass) in PASSES {
        pass(f);
        if cfg!(debug_assertions) {
            if let Err(e) = verify(f) {
                panic!("loop IR invalid after {name}: {e}\n{f}");
            }
        }
    }
}
