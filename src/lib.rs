#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// The compiler's stages and runtime live in the hidden [`internals`]
// module (for the project's own tests, benches and tools); the public API is
// what the crate root and [`ir`] re-export. Inside the crate they are
// reached as `crate::array`, `crate::expr`, … through these imports.
#[cfg(feature = "cli")]
use internals::bench;
use internals::{
    alloc_count, array, dump, env, error, expr, fsio, function, fuse, interp, jit, loops, math, ops, pipeline, plan,
    runtime,
};

pub use array::{Array, ArrayViewMut, DType, Element, EvalTarget, Index, Scalar};
pub use error::{Error, IoError, Result};
pub use expr::{lazy, Expr, IntoExpr, Kwargs, LazyArray, PyScalar};
pub use function::Function;
#[cfg(feature = "zarr")]
pub use internals::zarr::{ZarrCodec, ZarrOptions};
pub use pipeline::{eval_many, eval_many_with, explain_many};
pub use plan::MemoryReport;
pub use runtime::ExecOptions;

/// The intermediate representations a user reads or writes: each prints
/// as text (`Display`) and parses back (`parse`), so a dump can be edited
/// and fed in again.
///
/// | stage | type | text made by |
/// |---|---|---|
/// | `graph` | [`Graph`](ir::Graph) | [`Expr::explain_stage`]`("graph")` |
/// | `fused` | [`Program`](ir::Program) | [`Expr::explain_stage`]`("fused")` |
/// | `plan` | [`BufferPlan`](ir::BufferPlan) | [`Expr::explain_stage`]`("plan")` |
/// | `loop` | [`LoopFunc`](ir::LoopFunc) | [`Expr::explain_stage`]`("loop")` |
pub mod ir {
    pub use crate::expr::{BinaryOp, Graph, Node, NodeId, Op, ReduceOp, UnaryOp};
    pub use crate::fuse::Program;
    pub use crate::loops::LoopFunc;
    pub use crate::plan::BufferPlan;
}

/// The compiler's internals, for lazyfuse's own tests, benches and tools:
/// not part of the API, and free to change in any release.
#[doc(hidden)]
pub mod internals;
