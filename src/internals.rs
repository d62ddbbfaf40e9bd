//! The compiler's internals, for lazyfuse's own tests, benches and tools:
//! not part of the API, and free to change in any release. (The files stay
//! where ARCHITECTURE.md's map puts them: `src/<stage>/`.)

#[path = "alloc_count.rs"]
pub mod alloc_count;
#[path = "array/mod.rs"]
pub mod array;
#[cfg(feature = "cli")]
#[path = "bench/mod.rs"]
pub mod bench;
#[cfg(feature = "cli")]
#[path = "cli/mod.rs"]
pub mod cli;
#[path = "dump.rs"]
pub(crate) mod dump;
#[path = "env.rs"]
pub(crate) mod env;
#[path = "error.rs"]
pub mod error;
#[path = "expr/mod.rs"]
pub mod expr;
#[path = "fsio.rs"]
pub(crate) mod fsio;
#[path = "function.rs"]
pub(crate) mod function;
#[path = "fuse/mod.rs"]
pub mod fuse;
#[path = "interp/mod.rs"]
pub mod interp;
#[path = "jit/mod.rs"]
pub mod jit;
#[path = "loops/mod.rs"]
pub mod loops;
#[path = "math/mod.rs"]
pub mod math;
#[path = "ops/mod.rs"]
pub mod ops;
#[path = "pipeline/mod.rs"]
pub mod pipeline;
#[path = "plan/mod.rs"]
pub mod plan;
#[path = "runtime/mod.rs"]
pub mod runtime;
#[cfg(feature = "zarr")]
#[path = "zarr/mod.rs"]
pub mod zarr;
