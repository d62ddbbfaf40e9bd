#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod alloc_count;
pub mod array;
#[cfg(feature = "cli")]
pub mod bench;
#[cfg(feature = "cli")]
pub mod cli;
mod dump;
mod env;
pub mod error;
pub mod expr;
mod fsio;
pub mod interp;
pub mod math;
pub mod pipeline;
pub mod plan;

pub use array::{Array, ArrayViewMut, DType, Element, EvalTarget, Index, Scalar};
pub use error::{Error, Result};
pub use expr::{lazy, Expr, Graph, IntoExpr, PyScalar};
pub mod fuse;
pub mod jit;
pub mod loops;
pub mod runtime;
